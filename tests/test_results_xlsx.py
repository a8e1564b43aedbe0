"""Tests for the results workbook (thidua.output.results_xlsx) and thidua.fileio."""
from __future__ import annotations

import datetime as dt
import os
import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import thidua
from thidua import fileio
from thidua.engine import score
from thidua.output import results_xlsx as rx
from thidua.plan import load_plan, parse_plan
from thidua.result import STATUS_MET, STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET
from thidua.text import format_money

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
NOW = dt.datetime(2024, 1, 31, 15, 45, 0)
NAN = float("nan")


# ------------------------------------------------------------------ reading back
def table(ws, first_header: str):
    """(header row number, headers, rows as lists of cells) of the table in ``ws``."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first_header:
            top = row[0].row
            break
    else:  # pragma: no cover
        raise AssertionError(f"no header {first_header!r} in {ws.title}")
    headers = [c.value for c in ws[top] if c.value is not None]
    rows = [list(r[:len(headers)]) for r in ws.iter_rows(min_row=top + 1)]
    return top, headers, rows


def records(ws, first_header: str) -> list[dict]:
    """Table rows as {header: cell}; stops at the first empty row."""
    _, headers, rows = table(ws, first_header)
    out = []
    for r in rows:
        if all(c.value is None for c in r):
            break
        out.append(dict(zip(headers, r)))
    return out


def fill_of(cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return str(cell.fill.fgColor.rgb)[-6:].upper()


def all_strings(wb):
    for ws in wb.worksheets:
        yield ws.title
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    yield c.value


# ------------------------------------------------------------------ results
def nui_thanh_result():
    plan = load_plan("nui-thanh-dvc-2023")
    rows = [
        # code, name, group, level, total, online, online on time, late
        ("H1", "Phòng Nội vụ", "co_quan", "huyen", 1500, 1400, 1350, 10),
        ("H2", "Phòng Tư pháp", "co_quan", "huyen", 122, 97, 94, 2),  # < 100 online: ineligible
        ("X1", NFD("Xã Tam Xuân I"), "xa", "xa", 1000, 800, 780, 4),
        ("X2", "Xã Tam Anh Nam", "xa", "xa", 500, 300, 290, 0),  # 60 % online: ineligible
        ("X3", "Thị trấn Núi Thành", "xa", "xa", 2000, 1500, 1400, 30),
        ("X4", "Xã Tam Hải", "xa", "xa", 900, 700, 650, 0),  # X4 = X5: tie block
        ("X5", "Xã Tam Giang", "xa", "xa", 900, 700, 650, 0),
    ]
    cols = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "tong_giai_quyet",
            "truc_tuyen_giai_quyet", "truc_tuyen_dung_han", "tre_han"]
    return score(plan, pd.DataFrame(rows, columns=cols))


def hoa_thanh_result():
    plan = load_plan("hoa-thanh-cchc-2018")
    base = {inp.code: 0.0 for inp in plan.inputs}
    base.update(ty_le_mot_cua_dien_tu=100.0, ty_le_truoc_han=6.0, co_quy_che_phoi_hop=1.0,
                co_ra_soat_don_gian_hoa=1.0, so_tthc_don_gian_hoa=10.0, co_ra_soat_thoi_gian=1.0,
                so_tthc_cat_giam_thoi_gian=5.0, co_de_xuat_cai_tien=1.0, sang_kien=2.0,
                co_niem_yet=1.0, so_tin_truyen_thanh=4.0, so_tin_trang_ttdt=6.0,
                diem_thu_cong=NAN)
    units = []
    units.append(dict(base, ma_don_vi="TTHT", ten_don_vi="Thị trấn Hòa Thành", nhom="chung", cap="xa",
                      co_camera_hoac_dieu_hoa=1.0, co_wifi_mien_phi=1.0,
                      ty_le_mot_cua_dien_tu_tham_dinh=NAN))
    units.append(dict(base, ma_don_vi="PNV", ten_don_vi="Phòng Nội vụ", nhom="chung", cap="huyen",
                      sang_kien=1.0, so_phan_hoi_tre=1.0,
                      ty_le_mot_cua_dien_tu_tham_dinh=90.0))  # appraisal lowers 1.1
    units.append(dict(base, ma_don_vi="VPUB", ten_don_vi="Văn phòng HĐND-UBND huyện", nhom="chung",
                      cap="huyen", diem_thu_cong=93.5, ty_le_mot_cua_dien_tu_tham_dinh=NAN))
    units.append(dict(base, ma_don_vi="PTP", ten_don_vi="Phòng Tư pháp", nhom="chung", cap="huyen",
                      sang_kien=0.0, so_vi_pham_van_hoa=3.0, ty_le_mot_cua_dien_tu_tham_dinh=NAN))
    return score(plan, pd.DataFrame(units))


CHECKLIST_YAML = """
id: thu-checklist
version: 3
title: "Kế hoạch thử đối chiếu chỉ tiêu"
issuer: "UBND huyện Thử"
document: "Kế hoạch số 1/KH-UBND"
period: {from: 2023-01-01, to: 2023-12-31}
years: [2023, 2023]
kind: checklist
levels: [huyen, xa]
groups:
  - {code: co_quan, label: "Cơ quan cấp huyện", level: huyen}
  - {code: xa, label: "Xã, thị trấn", level: xa}
inputs:
  - {code: co_trien_khai, label: "Có triển khai đầy đủ", type: yesno, required: false}
  - {code: ty_le_dung_han, label: "Tỷ lệ hồ sơ đúng hạn", type: percent, required: false}
  - {code: ty_le_truc_tuyen, label: "Tỷ lệ hồ sơ trực tuyến", type: percent, required: false}
  - {code: ty_le_thanh_toan, label: "Tỷ lệ thanh toán trực tuyến", type: percent, required: false}
  - {code: khong_thu_phi, label: "Không có TTHC thu phí", type: yesno, required: false}
indicators:
  - {id: "1", code: tc_1, label: "Triển khai đầy đủ văn bản", value: co_trien_khai, op: "==", target: 1}
  - {id: "2", code: tc_2, label: "100 % hồ sơ đúng hạn", value: ty_le_dung_han, target: 100, unit: "%"}
  - id: "3"
    code: tc_3
    label: "Hồ sơ trực tuyến đạt mục tiêu theo cấp"
    parts:
      - {id: a, code: tc_3_a, label: "Hồ sơ trực tuyến", value: ty_le_truc_tuyen,
         target: {by_level: {huyen: 60, xa: 55}}, unit: "%"}
      - {id: b, code: tc_3_b, label: "Hồ sơ đúng hạn trên 90 %", value: ty_le_dung_han,
         target: 90, unit: "%"}
  - {id: "4", code: tc_4, label: "Thanh toán trực tuyến", value: ty_le_thanh_toan, target: 50,
     unit: "%", waive_if: khong_thu_phi, waive_reason: "không có TTHC thu phí"}
prizes:
  - group: "*"
    prizes:
      - {code: giay_khen, label: "Giấy khen", amount: 0, count: null,
         condition: "so_tieu_chi_dat >= so_tieu_chi_ap_dung",
         reason: "Giấy khen chỉ xét cho đơn vị đạt mọi tiêu chí áp dụng"}
"""


def checklist_result():
    plan = parse_plan(CHECKLIST_YAML, "thu-checklist.yaml")
    cols = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "co_trien_khai", "ty_le_dung_han",
            "ty_le_truc_tuyen", "ty_le_thanh_toan", "khong_thu_phi"]
    rows = [
        ("H1", "Phòng Nội vụ", "co_quan", "huyen", 1.0, 100.0, 70.0, 60.0, 0.0),  # all met
        ("X1", "Xã Hòa An", "xa", "xa", 0.0, 100.0, 56.0, 55.0, 0.0),  # 1 not met
        ("X2", "Xã Hòa Bình", "xa", "xa", 1.0, NAN, 80.0, NAN, 1.0),  # 2 no data, 4 waived
        ("X3", "Xã Hòa Lợi", "xa", "xa", 1.0, 100.0, 55.0, NAN, 1.0),  # met, 4 waived
    ]
    return score(plan, pd.DataFrame(rows, columns=cols))


@pytest.fixture(scope="module")
def nui(tmp_path_factory):
    result = nui_thanh_result()
    path = rx.write_results(result, tmp_path_factory.mktemp("nui") / "ket-qua.xlsx", now=NOW)
    return result, path, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def hoa(tmp_path_factory):
    result = hoa_thanh_result()
    path = rx.write_results(result, tmp_path_factory.mktemp("hoa") / "ket-qua.xlsx", now=NOW)
    return result, path, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def chk(tmp_path_factory):
    result = checklist_result()
    path = rx.write_results(result, tmp_path_factory.mktemp("chk") / "ket-qua.xlsx", now=NOW)
    return result, path, openpyxl.load_workbook(path)


def by_code(recs: list[dict]) -> dict[str, dict]:
    return {r["Mã đơn vị"].value: r for r in recs}


def frame_row(result, code: str):
    frame = result.frame
    return frame[frame["ma_don_vi"] == code].iloc[0]


# ------------------------------------------------------------------ sheet names, strings
def test_sheet_names(nui, hoa, chk):
    points = ["Kết quả", "Giải thích", "Khen thưởng", "Thông tin"]
    assert nui[2].sheetnames == points
    assert hoa[2].sheetnames == points
    assert chk[2].sheetnames == ["Kết quả", "Giải thích", "Khen thưởng", "Chỉ tiêu",
                                 "Tổng hợp chỉ tiêu", "Thông tin"]
    for _, _, wb in (nui, hoa, chk):
        assert all(len(name) <= 31 for name in wb.sheetnames)


def test_every_string_is_nfc(nui, hoa, chk):
    for _, _, wb in (nui, hoa, chk):
        for text in all_strings(wb):
            assert unicodedata.is_normalized("NFC", text), text
    # The NFD name typed in the data comes out NFC.
    names = [r["Tên đơn vị"].value for r in records(nui[2]["Kết quả"], "STT")]
    assert "Xã Tam Xuân I" in names


def test_no_formulas(nui, chk):
    for _, _, wb in (nui, chk):
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate)


# ------------------------------------------------------------------ Kết quả
def test_results_headers_points(nui):
    result, _, wb = nui
    _, headers, _ = table(wb["Kết quả"], "STT")
    assert headers[:5] == ["STT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Cấp"]
    assert "Tổng số hồ sơ đã giải quyết (mọi hình thức) (hồ sơ)" in headers
    assert "Tỷ lệ hồ sơ giải quyết trực tuyến (%)" in headers  # derived value, percent
    assert "Hệ số phát sinh hồ sơ" in headers
    plan = result.plan
    assert f"1. {plan.items[0].label} (tối đa 100)" in headers
    assert f"2. {plan.items[1].label} (điểm trừ, tối đa 5)" in headers
    assert headers[-6:] == ["Tổng điểm", "Đủ điều kiện", "Lý do không đủ điều kiện",
                            "Xếp hạng trong nhóm", "Giải", "Tiền thưởng (đồng)"]
    assert "Tổng tự chấm" not in headers


def test_results_totals_exact_and_numbers(nui, hoa):
    for result, _, wb in (nui, hoa):
        recs = by_code(records(wb["Kết quả"], "STT"))
        assert set(recs) == set(result.frame["ma_don_vi"])
        for code, rec in recs.items():
            cell = rec["Tổng điểm"]
            expected = float(frame_row(result, code)["tong_diem"])
            assert isinstance(cell.value, float | int)
            assert cell.value == expected  # full precision kept
            assert cell.number_format == rx.NUM


def test_results_rows_eligibility_prizes_money(nui):
    result, _, wb = nui
    recs = records(wb["Kết quả"], "STT")
    rows = by_code(recs)
    assert [r["STT"].value for r in recs] == list(range(1, len(recs) + 1))
    # Group order of the plan, rank, ineligible last.
    assert [r["Mã đơn vị"].value for r in recs] == ["H1", "H2", "X3", "X1", "X4", "X5", "X2"]
    assert rows["H1"]["Nhóm"].value == "Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện"
    assert rows["H1"]["Cấp"].value == "Cấp huyện"
    assert rows["H1"]["Giải"].value == "Giải Nhất"
    assert rows["H1"]["Tiền thưởng (đồng)"].value == 3_500_000
    assert rows["H1"]["Tiền thưởng (đồng)"].number_format == rx.MONEY
    assert rows["H1"]["Xếp hạng trong nhóm"].value == 1
    assert rows["H1"]["Đủ điều kiện"].value == "Có"
    assert rows["X3"]["Giải"].value == "Giải Nhất"
    assert rows["X1"]["Giải"].value == "Giải Nhì"
    assert rows["X4"]["Giải"].value == "đồng hạng — Hội đồng quyết định"
    assert rows["X4"]["Xếp hạng trong nhóm"].value == rows["X5"]["Xếp hạng trong nhóm"].value == 3
    for code in ("H2", "X2"):
        r = rows[code]
        assert r["Đủ điều kiện"].value == "Không"
        assert r["Xếp hạng trong nhóm"].value is None
        assert r["Giải"].value is None
        assert r["Lý do không đủ điều kiện"].value == "; ".join(frame_row(result, code)["ly_do"])
    assert rows["H2"]["Lý do không đủ điều kiện"].value == \
        "Số hồ sơ giải quyết trực tuyến 97 chưa đạt tối thiểu 100 hồ sơ"
    # Inputs are numbers with the count format; derived values with 2 decimals.
    assert rows["H1"]["Tổng số hồ sơ đã giải quyết (mọi hình thức) (hồ sơ)"].value == 1500
    ratio = rows["H1"]["Tỷ lệ hồ sơ giải quyết trực tuyến (%)"]
    assert ratio.value == pytest.approx(1400 / 1500 * 100, abs=0)
    assert ratio.number_format == rx.NUM


def test_results_row_colours(nui):
    _, _, wb = nui
    rows = by_code(records(wb["Kết quả"], "STT"))
    assert fill_of(rows["H2"]["Tên đơn vị"]) == rx.FILL_INELIGIBLE
    assert fill_of(rows["X2"]["Tổng điểm"]) == rx.FILL_INELIGIBLE
    assert fill_of(rows["H1"]["Tên đơn vị"]) == rx.FILL_PRIZE
    assert fill_of(rows["X4"]["Tên đơn vị"]) == rx.FILL_TIE


def test_results_layout_and_print(nui):
    _, _, wb = nui
    ws = wb["Kết quả"]
    top, headers, _ = table(ws, "STT")
    assert "Đợt thi đua cao điểm" in ws["A1"].value
    assert "UBND huyện Núi Thành" in ws["A2"].value
    assert ws.freeze_panes == f"D{top + 1}"  # below the header, after the name
    last = openpyxl.utils.get_column_letter(len(headers))
    assert ws.auto_filter.ref == f"A{top}:{last}{top + 7}"
    header = ws.cell(row=top, column=1)
    assert header.font.bold and header.alignment.wrap_text and fill_of(header) == rx.FILL_HEADER
    assert ws.column_dimensions["C"].width >= 18
    for sheet in wb.worksheets:
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.orientation == "landscape"
        if sheet.sheet_properties.pageSetUpPr.fitToPage:  # one page wide
            assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
        else:  # too wide to fit at 60 % or more: pages across, the key columns repeated
            assert int(sheet.page_setup.scale) >= 60 and sheet.print_title_cols
            assert sheet.col_breaks.brk
        assert sheet.print_title_rows
        assert sheet.print_area
    assert ws.print_title_rows.replace("$", "") == f"{top}:{top}"
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    assert area.endswith(f"${last}${top + 7}")


def test_results_self_scored_and_manual(hoa):
    result, _, wb = hoa
    ws = wb["Kết quả"]
    _, headers, _ = table(ws, "STT")
    assert "Tổng tự chấm" in headers
    assert headers.index("Tổng tự chấm") == headers.index("Tổng điểm") + 1
    assert "Tỷ lệ TTHC phát sinh giao dịch giải quyết qua Hệ thống một cửa điện tử (%)" in headers
    assert "Đơn vị tự chấm" in ws["A3"].value
    rows = by_code(records(ws, "STT"))
    # Choice shown by its label, yes/no as Có/Không.
    assert rows["TTHT"]["Giải pháp, sáng kiến"].value == "Có, được áp dụng, nhân rộng trên địa bàn huyện"
    assert rows["PNV"]["Giải pháp, sáng kiến"].value == "Có, chưa được áp dụng, nhân rộng"
    assert rows["PTP"]["Giải pháp, sáng kiến"].value == "Không có"
    assert rows["TTHT"]["Có xây dựng Quy chế phối hợp giải quyết TTHC liên thông"].value == "Có"
    assert rows["PTP"]["Có lắp camera kết nối cơ quan quản lý hoặc máy điều hòa tại Bộ phận Một cửa (xã)"] \
        .value == "Không"
    # Appraised figure used for the total; the unit's own figures give the self total.
    pnv = frame_row(result, "PNV")
    assert rows["PNV"]["Tổng tự chấm"].value == float(pnv["tong_diem_tu_cham"])
    assert rows["PNV"]["Tổng điểm"].value < rows["PNV"]["Tổng tự chấm"].value
    assert rows["PNV"]["Tỷ lệ TTHC phát sinh giao dịch giải quyết qua Hệ thống một cửa điện tử (%)"] \
        .value == 90
    # Manual total: criteria blank, note shown, total as entered.
    vpub = rows["VPUB"]
    assert vpub["Tổng điểm"].value == 93.5
    assert vpub["Ghi chú"].value == "Tổng điểm nhập tay (đơn vị đặc thù)"
    assert vpub[headers[headers.index("Tổng điểm") - 1]].value is None
    assert rows["TTHT"]["Ghi chú"].value is None


# ------------------------------------------------------------------ Giải thích
def test_explanations(nui):
    result, _, wb = nui
    ws = wb["Giải thích"]
    top, headers, _ = table(ws, "Mã đơn vị")
    assert headers == ["Mã đơn vị", "Tên đơn vị", "Mục", "Điểm/giá trị", "Cách tính"]
    assert ws.freeze_panes == f"C{top + 1}"
    recs = records(ws, "Mã đơn vị")
    plan = result.plan
    per_unit = len(plan.values) + len(plan.items) + 1
    assert len(recs) == per_unit * len(result.frame)
    h1 = [r for r in recs if r["Mã đơn vị"].value == "H1"]
    assert [r["Mục"].value for r in h1][-1] == "Tổng điểm"
    i = int(np.flatnonzero(result.frame["ma_don_vi"] == "H1")[0])
    assert h1[-1]["Điểm/giá trị"].value == float(result.frame["tong_diem"].iat[i])
    assert h1[-1]["Cách tính"].value == result.explanations["tong_diem"].iat[i]
    assert h1[0]["Mục"].value == "Tỷ lệ hồ sơ giải quyết trực tuyến (%)"
    assert h1[0]["Cách tính"].value == result.explanations["ty_le_truc_tuyen"].iat[i]
    assert h1[3]["Mục"].value.startswith("1. ")


# ------------------------------------------------------------------ Khen thưởng
def award_rows(ws):
    _, headers, rows = table(ws, "Giải")
    assert headers == ["Giải", "Đơn vị", "Tổng điểm", "Số tiền (đồng)", "Ghi chú"] or \
        headers == ["Giải", "Đơn vị", "Số tiêu chí đạt", "Số tiền (đồng)", "Ghi chú"]
    return [[c.value for c in r] for r in rows]


def test_awards_sheet(nui):
    result, _, wb = nui
    rows = award_rows(wb["Khen thưởng"])
    labels = [r[0] for r in rows]
    assert labels[0] == "Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện"
    assert ["Giải Nhất", "Phòng Nội vụ", float(frame_row(result, "H1")["tong_diem"]), 3_500_000] \
        == rows[1][:4]
    vacant = [r for r in rows if r[1] == "Không có đơn vị đạt — để trống"]
    assert [r[0] for r in vacant] == ["Giải Nhì", "Giải Ba", "Giải Khuyến khích"]
    assert all(r[3] is None for r in vacant)  # money not counted
    assert "Không tính vào tổng số tiền (2.500.000 đ)" in vacant[0][4]
    xa = labels.index("Nhóm 2 — UBND các xã, thị trấn")
    assert labels.index("Cộng nhóm: Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện") < xa
    sub1 = rows[labels.index("Cộng nhóm: Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện")]
    assert sub1[3] == 3_500_000 and sub1[4] == "3.500.000 đ"
    tie = [r for r in rows if r[0] == "Đồng hạng — Hội đồng quyết định"]
    assert sorted(r[1] for r in tie) == ["Xã Tam Giang", "Xã Tam Hải"]
    assert all("Giải Ba (3.000.000 đ), Giải Khuyến khích (2.000.000 đ)" in r[4] for r in tie)
    held = [r for r in rows if str(r[0]).startswith("Các giải giữ cho khối đồng hạng")]
    assert held[0][0] == "Các giải giữ cho khối đồng hạng: Giải Ba, Giải Khuyến khích"
    assert held[0][3] == 5_000_000
    sub2 = rows[labels.index("Cộng nhóm: Nhóm 2 — UBND các xã, thị trấn")]
    assert sub2[3] == 7_000_000 + 4_500_000 + 5_000_000
    total = rows[labels.index("Tổng số tiền")]
    assert result.money_total() == 20_000_000
    assert total[3] == result.money_total()
    assert total[4] == format_money(result.money_total()) == "20.000.000 đ"
    # Award order inside a group: Nhất, Nhì, then the tie block, then the vacancy.
    order = labels[xa + 1:]
    assert order.index("Giải Nhất") < order.index("Giải Nhì") < \
        order.index("Đồng hạng — Hội đồng quyết định") < order.index("Giải Khuyến khích")


def test_awards_one_pool(hoa):
    result, _, wb = hoa
    rows = award_rows(wb["Khen thưởng"])
    labels = [r[0] for r in rows]
    assert labels[0] == "Các cơ quan, đơn vị, UBND xã, thị trấn"
    assert "Cộng" in labels
    total = rows[labels.index("Tổng số tiền")]
    assert total[3] == result.money_total()
    awarded = {r[1]: (r[0], r[3]) for r in rows if r[0] and r[0].startswith("Giải") and r[3]}
    expected = {row.ten_don_vi: (row.ten_giai, int(row.tien))
                for row in result.frame.itertuples() if row.giai}
    assert awarded == expected


# ------------------------------------------------------------------ checklist sheets
def test_checklist_results_sheet(chk):
    result, _, wb = chk
    ws = wb["Kết quả"]
    assert "năm đánh giá 2023" in ws["A2"].value
    _, headers, _ = table(ws, "STT")
    assert "Số tiêu chí đạt" in headers and "Số tiêu chí áp dụng" in headers
    assert "Tổng điểm" not in headers
    assert "Tiền thưởng (đồng)" not in headers  # no money prize in the plan
    assert "Tỷ lệ hồ sơ đúng hạn (%)" in headers
    rows = by_code(records(ws, "STT"))
    for code, rec in rows.items():
        assert rec["Số tiêu chí đạt"].value == float(frame_row(result, code)["tong_diem"])
    assert rows["H1"]["Số tiêu chí đạt"].value == 4
    assert rows["X3"]["Số tiêu chí áp dụng"].value == 3
    assert rows["H1"]["Giải"].value == rows["X3"]["Giải"].value == "Giấy khen"
    assert rows["X1"]["Có triển khai đầy đủ"].value == "Không"
    assert rows["X2"]["Tỷ lệ hồ sơ đúng hạn (%)"].value is None  # no data: blank


def test_checklist_indicator_sheet(chk):
    result, _, wb = chk
    ws = wb["Chỉ tiêu"]
    _, headers, _ = table(ws, "Mã đơn vị")
    assert headers == ["Mã đơn vị", "Tên đơn vị", "Tiêu chí", "Phần", "Nội dung", "Giá trị",
                       "Mục tiêu", "Chênh lệch", "Trạng thái", "Ghi chú"]
    recs = records(ws, "Mã đơn vị")
    assert len(recs) == len(result.indicators)
    colours = {STATUS_MET: "C6EFCE", STATUS_NOT_MET: "FFC7CE", STATUS_NO_DATA: "D9D9D9",
               STATUS_NA: None}
    seen = set()
    for r in recs:
        status = r["Trạng thái"].value
        assert fill_of(r["Trạng thái"]) == colours[status]
        seen.add(status)
    assert seen == set(colours)
    x1 = [r for r in recs if r["Mã đơn vị"].value == "X1"]
    assert x1[0]["Tên đơn vị"].value == "Xã Hòa An"
    assert [r["Tiêu chí"].value for r in x1] == ["1", "2", "3", "3", "3", "4"]
    assert [r["Phần"].value for r in x1] == [None, None, None, "a", "b", None]
    part_a = x1[3]
    assert part_a["Mục tiêu"].value == 55 and part_a["Giá trị"].value == 56
    assert part_a["Chênh lệch"].value == pytest.approx(1)
    assert x1[0]["Trạng thái"].value == STATUS_NOT_MET


def test_checklist_grid_sheet(chk):
    result, _, wb = chk
    ws = wb["Tổng hợp chỉ tiêu"]
    _, headers, _ = table(ws, "STT")
    assert headers == ["STT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Tiêu chí 1", "Tiêu chí 2",
                       "Tiêu chí 3", "Tiêu chí 4", "Số tiêu chí đạt", "Số tiêu chí áp dụng", "Giải"]
    rows = by_code(records(ws, "STT"))
    expect = {("X1", "Tiêu chí 1"): (STATUS_NOT_MET, "FFC7CE"),
              ("X2", "Tiêu chí 2"): (STATUS_NO_DATA, "D9D9D9"),
              ("X2", "Tiêu chí 4"): (STATUS_NA, None),
              ("H1", "Tiêu chí 3"): (STATUS_MET, "C6EFCE")}
    for (code, col), (status, colour) in expect.items():
        cell = rows[code][col]
        assert cell.value == status
        assert fill_of(cell) == colour
    for code, rec in rows.items():
        assert rec["Số tiêu chí đạt"].value == int(frame_row(result, code)["so_tieu_chi_dat"])
    legend = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "Chú thích" in legend and "Tiêu chí 3" in legend


def test_checklist_awards_no_money(chk):
    result, _, wb = chk
    rows = award_rows(wb["Khen thưởng"])
    proposed = [r for r in rows if r[0] == "Giấy khen" and r[1] != "Không có đơn vị đạt — để trống"]
    assert sorted(r[1] for r in proposed) == ["Phòng Nội vụ", "Xã Hòa Lợi"]
    assert all(r[4] == "Đề nghị tặng; không kèm tiền thưởng" for r in proposed)
    total = [r for r in rows if r[0] == "Tổng số tiền"][0]
    assert total[3] == 0 == result.money_total()
    assert total[4] == "0 đ"


# ------------------------------------------------------------------ Thông tin
def test_info_sheet(chk, nui):
    _, _, wb = chk
    info = {r["Mục"].value: r["Nội dung"].value for r in records(wb["Thông tin"], "Mục")}
    assert info["Mã kế hoạch"] == "thu-checklist"
    assert info["Phiên bản kế hoạch"] == 3
    assert info["Tên kế hoạch"] == "Kế hoạch thử đối chiếu chỉ tiêu"
    assert info["Cơ quan ban hành"] == "UBND huyện Thử"
    assert info["Văn bản"] == "Kế hoạch số 1/KH-UBND"
    assert info["Thời gian thực hiện"] == "01/01/2023 – 31/12/2023"
    assert info["Thời điểm lập"] == "31/01/2024 15:45:00"
    assert info["Phiên bản thidua"] == thidua.__version__
    assert info["Năm số liệu"] == 2023
    nui_info = {r["Mục"].value: r["Nội dung"].value for r in records(nui[2]["Thông tin"], "Mục")}
    assert nui_info["Năm số liệu"] == "—"
    assert nui_info["Mã kế hoạch"] == "nui-thanh-dvc-2023"


# ------------------------------------------------------------------ writing safely
def test_overwrite_makes_backup(tmp_path):
    result = checklist_result()
    path = tmp_path / "ket-qua.xlsx"
    rx.write_results(result, path, now=NOW)
    first = path.read_bytes()
    assert not list(tmp_path.glob("*.bak-*"))
    rx.write_results(result, path, now=NOW + dt.timedelta(hours=1))
    backups = list(tmp_path.glob("ket-qua.bak-*.xlsx"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == first
    assert not list(tmp_path.glob(".~*"))
    assert openpyxl.load_workbook(path).sheetnames[0] == "Kết quả"


def test_overwrite_without_backup(tmp_path):
    path = tmp_path / "ket-qua.xlsx"
    result = checklist_result()
    rx.write_results(result, path, backup=False, now=NOW)
    rx.write_results(result, path, backup=False, now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ket-qua.xlsx"]


def test_failed_write_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ket-qua.xlsx"
    path.write_bytes(b"old")

    def boom(self, filename):
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError):
        rx.write_results(checklist_result(), path, now=NOW)
    assert path.read_bytes() == b"old"
    assert not list(tmp_path.glob(".~*"))


def test_formula_like_text_stays_text(tmp_path):
    plan = load_plan("nui-thanh-dvc-2023")
    df = pd.DataFrame([dict(ma_don_vi="X1", ten_don_vi="=HYPERLINK(\"http://x\")", nhom="xa", cap="xa",
                            tong_giai_quyet=10, truc_tuyen_giai_quyet=8, truc_tuyen_dung_han=8,
                            tre_han=0)])
    path = rx.write_results(score(plan, df), tmp_path / "a.xlsx", now=NOW)
    ws = openpyxl.load_workbook(path)["Kết quả"]
    cell = by_code(records(ws, "STT"))["X1"]["Tên đơn vị"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


# ------------------------------------------------------------------ fileio
def test_atomic_write_replaces(tmp_path):
    path = tmp_path / "ten.xlsx"
    path.write_text("cũ", encoding="utf-8")
    seen = []

    def write(tmp: Path):
        seen.append(tmp)
        tmp.write_text("mới", encoding="utf-8")

    assert fileio.atomic_write(path, write) == path
    assert path.read_text(encoding="utf-8") == "mới"
    tmp = seen[0]
    assert tmp.parent == path.parent
    assert tmp.name.startswith(".~ten.xlsx.tmp-") and tmp.suffix == ".xlsx"
    assert not tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ten.xlsx"]


def test_atomic_write_failure_leaves_original(tmp_path):
    path = tmp_path / "ten.xlsx"
    path.write_bytes(b"original")

    def write(tmp: Path):
        tmp.write_bytes(b"partial")
        raise RuntimeError("lỗi giữa chừng")

    with pytest.raises(RuntimeError):
        fileio.atomic_write(path, write)
    assert path.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ten.xlsx"]


def test_atomic_write_new_file_and_failure_without_target(tmp_path):
    path = tmp_path / "moi.txt"
    with pytest.raises(ValueError):
        fileio.atomic_write(path, lambda tmp: (_ for _ in ()).throw(ValueError("x")))
    assert list(tmp_path.iterdir()) == []
    fileio.atomic_write(path, lambda tmp: tmp.write_text("a"))
    assert path.read_text() == "a"


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_atomic_write_keeps_permissions(tmp_path):
    path = tmp_path / "ten.xlsx"
    path.write_bytes(b"x")
    os.chmod(path, 0o640)
    fileio.atomic_write(path, lambda tmp: tmp.write_bytes(b"y"))
    assert (path.stat().st_mode & 0o777) == 0o640


def test_backup(tmp_path):
    path = tmp_path / "ket-qua.xlsx"
    assert fileio.backup(path, now=NOW) is None
    path.write_bytes(b"v1")
    b0 = fileio.backup(path, now=NOW)
    assert b0 == tmp_path / "ket-qua.bak-20240131-154500.xlsx"
    assert b0.read_bytes() == b"v1"
    path.write_bytes(b"v2")
    b1 = fileio.backup(path, now=NOW)
    path.write_bytes(b"v3")
    b2 = fileio.backup(path, now=NOW)
    assert b1.name == "ket-qua.bak-20240131-154500-1.xlsx"
    assert b2.name == "ket-qua.bak-20240131-154500-2.xlsx"
    assert (b0.read_bytes(), b1.read_bytes(), b2.read_bytes()) == (b"v1", b"v2", b"v3")
    assert path.read_bytes() == b"v3"


def test_backup_default_time(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    made = fileio.backup(path)
    assert made is not None and made.exists()
    assert made.name.startswith("a.bak-") and made.suffix == ".xlsx"
    stamp = made.stem[len("a.bak-"):]
    dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    assert made.read_bytes() == b"x"
