"""Tests for thidua.units: the unit list form (.xlsx) and reading unit lists back."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest

from thidua.errors import InputError
from thidua.plan import builtin_ids, load_plan
from thidua.table import read_units
from thidua.units import (
    SHEET_GUIDE,
    SHEET_LISTS,
    SHEET_UNITS,
    TEMPLATE_ROWS,
    Unit,
    read_unit_list,
    write_units_template,
)

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"
FIRST = 4  # first data row of the form


@pytest.fixture(scope="module")
def plans():
    return {pid: load_plan(pid) for pid in
            ("nui-thanh-dvc-2023", "hoa-thanh-cchc-2018", "quang-nam-dvc-2023",
             "xuan-thanh-mot-cua-2021")}


@pytest.fixture(scope="module")
def forms(plans, tmp_path_factory):
    """One empty form per plan, written once."""
    folder = tmp_path_factory.mktemp("forms")
    return {pid: write_units_template(plan, folder / f"{pid}.xlsx", backup=False)
            for pid, plan in plans.items()}


def fill(form: Path, out: Path, rows: list[list], start: int = FIRST) -> Path:
    """Type ``rows`` into the form from row ``start`` as an office would, save as ``out``."""
    wb = openpyxl.load_workbook(form)
    ws = wb[SHEET_UNITS]
    for r, values in enumerate(rows, start=start):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    wb.save(out)
    return out


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


def one(msgs: list[str], *parts: str) -> str:
    """The single message containing every part."""
    found = [m for m in msgs if all(p in m for p in parts)]
    assert len(found) == 1, (parts, msgs)
    return found[0]


# ================================================================== the form
def test_form_layout(plans, forms):
    plan = plans["nui-thanh-dvc-2023"]
    wb = openpyxl.load_workbook(forms["nui-thanh-dvc-2023"])
    assert wb.sheetnames == [SHEET_UNITS, SHEET_GUIDE, SHEET_LISTS]
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    ws = wb[SHEET_UNITS]
    assert ws["A1"].value == plan.title
    assert "Mã đơn vị không được trùng" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["Mã đơn vị", "Tên đơn vị", "Nhóm", "Cấp", "Email",
                                        "Ghi chú"]
    # the rows for units are formatted by column (codes kept as typed: text), bordered
    # when filled; no empty cell, no print area: nothing prints as empty pages
    assert ws.max_row == FIRST - 1 and not ws.print_area
    assert ws.column_dimensions["A"].number_format == "@"
    rule = ws.conditional_formatting[f"A{FIRST}:F{FIRST + TEMPLATE_ROWS - 1}"][0]
    assert rule.dxf.border.left.style == "thin" and "COUNTA" in rule.formula[0]
    assert ws.freeze_panes == "A4"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.column_dimensions["B"].width == 40
    # drop-downs: workbook names over the hidden sheet, never inline lists
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert dvs["C4:C203"].type == "list" and dvs["C4:C203"].formula1 == "DS_NHOM"
    assert dvs["D4:D203"].type == "list" and dvs["D4:D203"].formula1 == "DS_CAP"
    assert dvs["E4:E203"].type == "custom"
    assert "COUNTIF" in dvs["A4:A203"].formula1
    names = wb.defined_names
    assert names["DS_NHOM"].attr_text == "'Danh mục'!$A$2:$A$3"
    assert names["DS_CAP"].attr_text == "'Danh mục'!$B$2:$B$3"
    lists = wb[SHEET_LISTS]
    assert [lists["A2"].value, lists["A3"].value] == [g.label for g in plan.groups]
    assert [lists["B2"].value, lists["B3"].value] == ["Cấp huyện", "Cấp xã"]
    guide = [v for row in wb[SHEET_GUIDE].iter_rows(values_only=True) for v in row if v]
    for code in ("ma_don_vi", "ten_don_vi", "nhom", "cap", "email", "ghi_chu", "co_quan"):
        assert code in guide
    assert plan.groups[0].label in guide and "Cấp xã" in guide
    texts = [ws["A1"].value, ws["A2"].value, *[str(v) for v in guide]]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_form_one_pool_says_group_is_optional(plans, forms):
    ws = openpyxl.load_workbook(forms["hoa-thanh-cchc-2018"])[SHEET_UNITS]
    assert "có thể để trống cột «Nhóm»" in ws["A2"].value
    assert "Chọn «Cấp»" in ws["A2"].value  # the only group has no level
    ws = openpyxl.load_workbook(forms["xuan-thanh-mot-cua-2021"])[SHEET_UNITS]
    assert "có thể để trống cột «Nhóm»" in ws["A2"].value
    assert "Có thể để trống cột «Cấp»" in ws["A2"].value
    ws = openpyxl.load_workbook(forms["quang-nam-dvc-2023"])[SHEET_UNITS]
    assert "Có thể để trống cột «Nhóm»: đơn vị được xếp nhóm theo cấp" in ws["A2"].value


def test_form_backup_and_suffix(plans, tmp_path):
    plan = plans["xuan-thanh-mot-cua-2021"]
    path = tmp_path / "ds.xlsx"
    path.write_bytes(b"cu")
    assert write_units_template(plan, path) == path
    backups = list(tmp_path.glob("ds.bak-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"cu"
    write_units_template(plan, path, backup=False)
    assert len(list(tmp_path.glob("ds.bak-*.xlsx"))) == 1
    assert openpyxl.load_workbook(path).sheetnames[0] == SHEET_UNITS
    with pytest.raises(InputError) as exc:
        write_units_template(plan, tmp_path / "ds.csv")
    assert "tên tệp phải có đuôi .xlsx" in str(exc.value)


def test_empty_form_has_no_units(plans, forms):
    with pytest.raises(InputError) as exc:
        read_unit_list(forms["nui-thanh-dvc-2023"], plans["nui-thanh-dvc-2023"])
    assert "danh sách không có đơn vị nào" in one(messages(exc), "không có đơn vị")


# ============================================================== round trips
def test_round_trip_filled_form(plans, forms, tmp_path):
    plan = plans["nui-thanh-dvc-2023"]
    g1, g2 = (g.label for g in plan.groups)
    out = fill(forms["nui-thanh-dvc-2023"], tmp_path / "da-dien.xlsx", [
        ["CQ01", "Phòng Nội vụ", g1, "Cấp huyện", "pnv@nuithanh.gov.vn", ""],
        ["CQ02 ", NFD("Phòng Tư pháp  "), NFD(g1).upper(), None, None, "mới thành lập"],
        [None, None, None, None, None, None],  # a blank row in the middle
        ["XA01", NFD("Thị trấn Núi Thành"), g2, "Cấp xã", None, None],
        ["XA02", "Xã Tam Xuân\u00a0I", "xa", "xa", None, None],  # codes instead of labels
        [1, "Xã Tam Xuân II", " " + g2 + " ", NFD("Xã"), None, None],  # a number as code
    ])
    units = read_unit_list(out, plan)
    assert units == [
        Unit("CQ01", "Phòng Nội vụ", "co_quan", "huyen", "pnv@nuithanh.gov.vn", "", row=4),
        Unit("CQ02", "Phòng Tư pháp", "co_quan", "huyen", "", "mới thành lập", row=5),
        Unit("XA01", "Thị trấn Núi Thành", "xa", "xa", row=7),
        Unit("XA02", "Xã Tam Xuân I", "xa", "xa", row=8),
        Unit("1", "Xã Tam Xuân II", "xa", "xa", row=9),
    ]
    assert all(unicodedata.is_normalized("NFC", u.name) for u in units)


def test_filled_form_is_a_scoring_table_header(plans, forms, tmp_path):
    """With the plan's input columns added, the form reads as a unit figures table."""
    plan = plans["nui-thanh-dvc-2023"]
    out = fill(forms["nui-thanh-dvc-2023"], tmp_path / "so-lieu.xlsx", [
        ["XA01", "Thị trấn Núi Thành", plan.groups[1].label, "Cấp xã", None, None,
         100, 80, 70, 1],
    ])
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_UNITS]
    for c, inp in enumerate(plan.inputs, start=7):
        ws.cell(3, c, inp.code)
    wb.save(out)
    table = read_units(out, plan)
    assert list(table.frame["ma_don_vi"]) == ["XA01"]
    assert list(table.frame["nhom"]) == ["xa"] and table.rows == [4]
    assert read_unit_list(out, plan)[0].group == "xa"  # input columns are ignored here


def test_round_trip_one_pool_and_levels(plans, forms, tmp_path):
    plan = plans["hoa-thanh-cchc-2018"]
    out = fill(forms["hoa-thanh-cchc-2018"], tmp_path / "ht.xlsx", [
        ["PNV", "Phòng Nội vụ", None, "Cấp huyện"],
        ["XA1", "Xã Hòa Thành", plan.groups[0].label, "cap xa"],
        ["XA2", "Xã Hòa Hiệp", "CHUNG", "huyện"],
    ])
    units = read_unit_list(out, plan)
    assert [(u.group, u.level) for u in units] == [("chung", "huyen"), ("chung", "xa"),
                                                  ("chung", "huyen")]
    plan = plans["xuan-thanh-mot-cua-2021"]
    out = fill(forms["xuan-thanh-mot-cua-2021"], tmp_path / "xt.xlsx",
               [["XT", "Xã Xuân Thành", None, None]])
    assert read_unit_list(out, plan) == [Unit("XT", "Xã Xuân Thành", "chung", "xa", row=4)]


def test_group_from_level(plans, forms, tmp_path):
    plan = plans["quang-nam-dvc-2023"]
    out = fill(forms["quang-nam-dvc-2023"], tmp_path / "qn.xlsx", [
        ["STP", "Sở Tư pháp", None, "Cấp tỉnh"],
        ["TK", "UBND thành phố Tam Kỳ", "UBND cấp huyện", None],
        ["TN", "UBND xã Tam Nghĩa", None, "xa"],
        ["X", "Không rõ", None, None],
    ])
    with pytest.raises(InputError) as exc:
        read_unit_list(out, plan)
    msg = one(messages(exc), "ô C7")
    assert "thiếu nhóm và cấp" in msg and "«Cấp tỉnh»" in msg
    assert len(exc.value.problems) == 1
    out = fill(out, out, [[None] * 4], start=7)
    units = read_unit_list(out, plan)
    assert [(u.code, u.group, u.level) for u in units] == [
        ("STP", "tinh", "tinh"), ("TK", "huyen", "huyen"), ("TN", "xa", "xa")]


def test_csv_with_codes_or_vietnamese_headers(plans, tmp_path):
    plan = plans["nui-thanh-dvc-2023"]
    path = tmp_path / "ds.csv"
    path.write_text(
        "ma_don_vi,ten_don_vi,nhom,cap,so_dien_thoai,email\n"
        "CQ01,Phòng Nội vụ,co_quan,huyen,0235,a@b.vn\n"
        ",,,,,\n"
        f"XA01,{NFD('Xã Tam Xuân I')},\"{NFD(plan.groups[1].label)}\",Cấp xã,,\n",
        encoding="utf-8")
    assert read_unit_list(path, plan) == [
        Unit("CQ01", "Phòng Nội vụ", "co_quan", "huyen", "a@b.vn", "", row=2),
        Unit("XA01", "Xã Tam Xuân I", "xa", "xa", row=4),
    ]
    path.write_text(
        f"{NFD('MÃ ĐƠN VỊ')};Tên  đơn vị;nhóm;{NFD('cấp')};Ghi chú\n"
        "XA01;Xã Tam Xuân I;xa;;đã sáp nhập\n", encoding="utf-8-sig")
    assert read_unit_list(path, plan) == [
        Unit("XA01", "Xã Tam Xuân I", "xa", "xa", note="đã sáp nhập", row=2)]


def test_code_line_under_header_is_skipped(plans, tmp_path):
    plan = plans["nui-thanh-dvc-2023"]
    path = tmp_path / "hai-dong.csv"
    path.write_text("Mã đơn vị,Tên đơn vị,Nhóm,Cấp\nma_don_vi,ten_don_vi,nhom,cap\n"
                    "XA01,Xã Tam Xuân I,xa,\n", encoding="utf-8")
    assert [u.row for u in read_unit_list(path, plan)] == [3]


@pytest.mark.parametrize("plan_id", builtin_ids())
def test_sample_data_of_every_plan(plan_id):
    plan = load_plan(plan_id)
    units = read_unit_list(SAMPLES / f"{plan_id}.csv", plan)
    assert units and all(u.code and u.name for u in units)
    assert {u.group for u in units} <= {g.code for g in plan.groups}
    assert {u.level for u in units} <= set(plan.levels)
    assert len({u.code for u in units}) == len(units)
    table = read_units(SAMPLES / f"{plan_id}.csv", plan)
    assert [(u.code, u.name, u.group, u.level) for u in units] == list(
        zip(table.frame["ma_don_vi"], table.frame["ten_don_vi"], table.frame["nhom"],
            table.frame["cap"]))


# =================================================================== errors
def test_every_problem_is_reported_with_its_cell(plans, forms, tmp_path):
    plan = plans["nui-thanh-dvc-2023"]
    out = fill(forms["nui-thanh-dvc-2023"], tmp_path / "loi.xlsx", [
        ["X01", "Đơn vị 1", "xa", None],                # A4
        ["X02", "Đơn vị 2", "Nhóm 3", None],            # C5: unknown group
        ["X03", "Đơn vị 3", "xa", "Cấp thôn"],          # D6: unknown level
        ["X04", "Đơn vị 4", "xa", "Cấp tỉnh"],          # D7: level not in the plan
        ["X05", None, "xa", None],                      # B8: blank name
        ["x01", "Đơn vị 6", "xa", None],                # A9: duplicate of A4
        [None, "Đơn vị 7", "xa", None],                 # A10: blank code
        ["XA/08", "Đơn vị 8", "xa", None],              # A11: bad character
        ["X09", "Đơn vị 9", None, None],                # C12: blank group
        ["CON", "Đơn vị 10", "xa", None],               # A13: reserved name
    ])
    with pytest.raises(InputError) as exc:
        read_unit_list(out, plan)
    msgs = messages(exc)
    assert len(msgs) == 9
    head = "loi.xlsx, trang «Danh sách đơn vị», ô "
    assert all(head in m and "Cách sửa:" in m for m in msgs)
    msg = one(msgs, "ô C5")
    assert "không có nhóm «Nhóm 3» trong kế hoạch" in msg
    assert "«Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện» (mã co_quan)" in msg
    assert "«Nhóm 2 — UBND các xã, thị trấn» (mã xa)" in msg
    assert "không hiểu cấp «Cấp thôn»" in one(msgs, "ô D6")
    msg = one(msgs, "ô D7")
    assert "cấp «Cấp tỉnh» không áp dụng" in msg and "«Cấp huyện», «Cấp xã»" in msg
    assert "thiếu tên đơn vị" in one(msgs, "ô B8")
    assert "mã đơn vị «x01» bị trùng: ô A4 và ô A9" in one(msgs, "ô A9")
    assert "thiếu mã đơn vị" in one(msgs, "ô A10")
    msg = one(msgs, "ô A11")
    assert "mã đơn vị «XA/08» có ký tự không dùng được trong tên tệp: /" in msg
    assert "thiếu nhóm" in one(msgs, "ô C12")
    assert "tên Windows dành riêng" in one(msgs, "ô A13")
    assert str(exc.value) == "\n".join(msgs)


def test_duplicate_codes_name_both_cells(plans, forms, tmp_path):
    plan = plans["xuan-thanh-mot-cua-2021"]
    out = fill(forms["xuan-thanh-mot-cua-2021"], tmp_path / "trung.xlsx", [
        ["A"], ["X01", "Xã 1"], ["B", "Xã B"], ["C", "Xã C"], ["D", "Xã D"], ["X01 ", "Xã 2"],
    ], start=4)
    with pytest.raises(InputError) as exc:
        read_unit_list(out, plan)
    msgs = messages(exc)
    assert "mã đơn vị «X01» bị trùng: ô A5 và ô A9" in one(msgs, "bị trùng")
    assert "thiếu tên đơn vị" in one(msgs, "ô B4")


@pytest.mark.parametrize("code, char", [
    ("A\\B", "\\"), ("A:B", ":"), ("A*B", "*"), ("A?B", "?"), ('A"B', '"'), ("A<B", "<"),
    ("A>B", ">"), ("A|B", "|"), ("A.", None)])
def test_codes_unfit_for_file_names(plans, tmp_path, code, char):
    plan = plans["xuan-thanh-mot-cua-2021"]
    path = tmp_path / "ma.csv"
    quoted = code.replace('"', '""')
    path.write_text(f'ma_don_vi,ten_don_vi\n"{quoted}",Xã 1\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_unit_list(path, plan)
    (msg,) = messages(exc)
    assert msg.startswith(f"{path}, dòng 2, cột «ma_don_vi»: mã đơn vị «{code}»")
    if char:
        assert msg.split("tên tệp: ")[1].startswith(char)
    else:
        assert "kết thúc bằng dấu chấm" in msg


def test_csv_problems_name_lines(plans, tmp_path):
    plan = plans["hoa-thanh-cchc-2018"]
    path = tmp_path / "ds.csv"
    path.write_text("ma_don_vi,ten_don_vi,cap\nA,Đơn vị A,\nB,Đơn vị B,xa\na,Đơn vị C,xa\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_unit_list(path, plan)
    msgs = messages(exc)
    assert len(msgs) == 2
    assert "dòng 2, cột «cap»: thiếu cấp" in one(msgs, "thiếu cấp")
    assert "mã đơn vị «a» bị trùng: dòng 2 và dòng 4" in one(msgs, "bị trùng")


def test_missing_columns(plans, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text("ten_don_vi,cap\nĐơn vị A,xa\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_unit_list(path, plans["nui-thanh-dvc-2023"])
    msgs = messages(exc)
    one(msgs, "thiếu cột «Mã đơn vị» (ma_don_vi)")
    one(msgs, "thiếu cột «Nhóm» (nhom)")
    path.write_text("ma_don_vi,ten_don_vi\nA,Đơn vị A\nB,Đơn vị B\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_unit_list(path, plans["hoa-thanh-cchc-2018"])
    msg = one(messages(exc), "thiếu cột «Cấp» (cap)")  # once, not per row
    assert "không có cấp mặc định" in msg
    path.write_text("ma_don_vi,ten_don_vi,nhom\nA,Đơn vị A,\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_unit_list(path, plans["quang-nam-dvc-2023"])
    one(messages(exc), "thiếu cột «Cấp» (cap)", "xếp nhóm theo cấp")


def test_unreadable_files(plans, tmp_path):
    plan = plans["nui-thanh-dvc-2023"]
    with pytest.raises(InputError) as exc:
        read_unit_list(tmp_path / "khong-co.xlsx", plan)
    assert "không tìm thấy tệp" in str(exc.value)
    (tmp_path / "ds.xls").write_bytes(b"x")
    with pytest.raises(InputError) as exc:
        read_unit_list(tmp_path / "ds.xls", plan)
    assert "định dạng Excel cũ" in str(exc.value)
    (tmp_path / "trong.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_unit_list(tmp_path / "trong.csv", plan)
    assert "trống" in str(exc.value)
