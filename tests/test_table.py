"""Tests for thidua.table: reading the unit figures table (.csv / .xlsx)."""
from __future__ import annotations

import math
import unicodedata

import numpy as np
import openpyxl
import pytest

from thidua.errors import InputError
from thidua.plan.model import Choice, Group, Input, Plan
from thidua.table import UnitTable, parse_rows, read_units

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731


# ------------------------------------------------------------------ plans
def make_plan(**kw) -> Plan:
    inputs = kw.pop("inputs", None) or [
        Input("tong_giai_quyet", "Tổng số hồ sơ giải quyết", "count"),
        Input("ty_le_dung_han", "Tỷ lệ đúng hạn", "percent"),
        Input("kinh_phi", "Kinh phí", "number", required=False),
        Input("co_ke_hoach", "Có kế hoạch", "yesno"),
        Input("xep_loai", "Xếp loại", "choice", required=False,
              choices=[Choice("tot", "Tốt"), Choice("kha", "Khá"), Choice("tb", "Trung bình")]),
    ]
    defaults = dict(
        id="thu", version=1, title="Kế hoạch thử", kind="points",
        groups=[Group("huyen", "Khối huyện", level="huyen"), Group("xa", "Khối xã", level="xa")],
        levels=["huyen", "xa"], inputs=inputs,
    )
    defaults.update(kw)
    return Plan(**defaults)


def one_pool_plan(inputs=None, **kw) -> Plan:
    kw.setdefault("levels", ["huyen", "xa"])
    return make_plan(groups=[Group("chung", "Chung")],
                     inputs=inputs or [Input("so_luong", "Số lượng", "number")], **kw)


HEAD = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "tong_giai_quyet", "ty_le_dung_han",
        "kinh_phi", "co_ke_hoach", "xep_loai"]


def row(code="A", name="Đơn vị A", nhom="huyen", cap="", tong="1", tyle="90", kp="",
        ckh="có", xl=""):
    return [code, name, nhom, cap, tong, tyle, kp, ckh, xl]


def problems_of(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


def write_csv(path, lines: list[list[str]], sep=",", encoding="utf-8"):
    text = "\n".join(sep.join(cells) for cells in lines) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path, lines: list[list], title="Dữ liệu", extra_first_sheet=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    if extra_first_sheet:
        ws.title = "Hướng dẫn"
        ws.append(["Đây là trang hướng dẫn"])
        ws = wb.create_sheet(title)
    else:
        ws.title = title
    for cells in lines:
        ws.append(cells)
    wb.save(path)
    return path


# ------------------------------------------------------------- good input
def test_parse_rows_basic_frame_shape():
    plan = make_plan()
    t = parse_rows(HEAD, [row("A"), row("B", "Xã B", "xa", tong="2")], plan, source="x.csv")
    assert isinstance(t, UnitTable)
    assert list(t.frame.columns) == HEAD
    assert list(t.frame.index) == [0, 1]
    assert t.rows == [2, 3]
    assert t.frame["ma_don_vi"].tolist() == ["A", "B"]
    assert t.frame["cap"].tolist() == ["huyen", "xa"]  # from the group's level
    for code in HEAD[4:]:
        assert t.frame[code].dtype == np.float64
    assert isinstance(t.frame.loc[0, "ten_don_vi"], str)
    assert t.columns["tong_giai_quyet"] == "tong_giai_quyet"


@pytest.mark.parametrize("typed, expected", [
    ("1.234", 1234.0), ("1.234,5", 1234.5), ("12,5", 12.5), ("0.5", 0.5),
    (" 1 234 ", 1234.0), ("1\u00a0234", 1234.0), (12.25, 12.25), (3, 3.0),
])
def test_number_formats(typed, expected):
    plan = make_plan()
    t = parse_rows(HEAD, [row(kp=typed)], plan)
    assert t.frame.loc[0, "kinh_phi"] == pytest.approx(expected)


@pytest.mark.parametrize("column, typed", [("tong_giai_quyet", "2%"), ("kinh_phi", "85%")])
def test_a_percent_sign_outside_a_percent_is_an_error(column, typed):
    """«2%» typed in a count of dossiers is never read as 2 dossiers (product owner)."""
    cells = row(tong="5", kp="")
    cells[HEAD.index(column)] = typed
    with pytest.raises(InputError) as info:
        parse_rows(HEAD, [cells], make_plan())
    (p,) = info.value.problems
    assert p.code == "gia_tri_khong_doc_duoc" and "dấu %" in p.message


def test_percent_text_and_percent_cells():
    plan = make_plan()
    t = parse_rows(HEAD, [row(tyle="85%"), row("B", tyle=0.85), row("C", tyle="85,5")], plan,
                   percent_cells={(1, 5)})
    assert t.frame["ty_le_dung_han"].tolist() == [85.0, 85.0, 85.5]


@pytest.mark.parametrize("typed, expected", [
    ("có", 1.0), (NFD("có"), 1.0), ("Có", 1.0), ("CÓ", 1.0), ("co", 1.0), ("x", 1.0),
    ("X", 1.0), ("1", 1.0), (1, 1.0), ("TRUE", 1.0), (True, 1.0), ("yes", 1.0), ("đã", 1.0),
    ("Rồi", 1.0), (NFD("rồi"), 1.0), ("đạt", 1.0),
    ("không", 0.0), ("KHÔNG", 0.0), (NFD("không"), 0.0), ("khong", 0.0), ("0", 0.0),
    (0, 0.0), ("FALSE", 0.0), (False, 0.0), ("false", 0.0), ("ko", 0.0), ("k", 0.0),
    ("no", 0.0), ("chưa", 0.0), ("không có", 0.0), ("Không  có", 0.0), ("không đạt", 0.0),
])
def test_yesno_spellings(typed, expected):
    """The product owner's yes/no words, any case, NFC or NFD."""
    t = parse_rows(HEAD, [row(ckh=typed)], make_plan())
    assert t.frame.loc[0, "co_ke_hoach"] == expected


@pytest.mark.parametrize("typed", ["đúng", "có thể", "2", "?", "sai", "-"])
def test_words_outside_the_yes_no_vocabulary_are_errors(typed):
    with pytest.raises(InputError) as info:
        parse_rows(HEAD, [row(ckh=typed)], make_plan())
    assert info.value.problems[0].code == "gia_tri_khong_doc_duoc"


def test_checkbox_column_blank_means_no():
    plan = make_plan(inputs=[Input("co_ke_hoach", "Có kế hoạch", "yesno"),
                             Input("co_bao_cao", "Có báo cáo", "yesno", required=False)])
    head = ["ma_don_vi", "ten_don_vi", "nhom", "co_ke_hoach", "co_bao_cao"]
    rows = [["A", "A", "huyen", "x", "có"],
            ["B", "B", "huyen", "", ""],
            ["C", "C", "huyen", "X", "không"]]
    t = parse_rows(head, rows, plan)
    assert t.frame["co_ke_hoach"].tolist() == [1.0, 0.0, 1.0]
    # a mixed column is not a checkbox column: blank stays "no data"
    assert t.frame["co_bao_cao"].tolist()[0] == 1.0
    assert math.isnan(t.frame["co_bao_cao"].tolist()[1])


def test_choice_by_code_and_label():
    t = parse_rows(HEAD, [row("A", xl="tot"), row("B", xl="Khá"), row("C", xl=NFD("trung bình")),
                          row("D", xl="TRUNG BINH"), row("E", xl="")], make_plan())
    got = t.frame["xep_loai"].tolist()
    assert got[:4] == [0.0, 1.0, 2.0, 2.0]
    assert math.isnan(got[4])


def test_header_by_label_nfd_and_case():
    plan = make_plan()
    head = [NFD("Mã đơn vị"), "TÊN ĐƠN VỊ", "nhóm", " Cấp ", NFD("Tổng số hồ sơ giải quyết"),
            "tỷ lệ đúng hạn", "Kinh phí", "Có  kế hoạch", "Xếp loại", "Ghi chú"]
    t = parse_rows(head, [row("A") + ["bỏ qua"]], plan)
    assert t.frame.loc[0, "tong_giai_quyet"] == 1.0
    assert "Ghi chú" not in t.frame.columns
    assert t.columns["tong_giai_quyet"] == "Tổng số hồ sơ giải quyết"  # csv: header, NFC


def test_text_is_stripped_and_nfc():
    t = parse_rows(HEAD, [row("  A1 ", NFD("  Xã Hòa Bình "))], make_plan())
    assert t.frame.loc[0, "ma_don_vi"] == "A1"
    assert t.frame.loc[0, "ten_don_vi"] == "Xã Hòa Bình"
    assert unicodedata.is_normalized("NFC", t.frame.loc[0, "ten_don_vi"])


def test_blank_rows_skipped_and_row_numbers_kept():
    t = parse_rows(HEAD, [row("A"), [""] * 9, [None] * 9, [], row("B")], make_plan())
    assert t.frame["ma_don_vi"].tolist() == ["A", "B"]
    assert t.rows == [2, 6]


def test_blank_optional_is_nan_and_default_applied():
    plan = make_plan(inputs=[
        Input("a", "A", "number", required=False),
        Input("b", "B", "number", default=5.0),
        Input("c", "C", "count", default=0.0),  # column absent: default for everyone
    ])
    t = parse_rows(["ma_don_vi", "ten_don_vi", "nhom", "a", "b"],
                   [["X", "X", "xa", "", ""], ["Y", "Y", "xa", "1", "2"]], plan)
    assert math.isnan(t.frame.loc[0, "a"])
    assert t.frame["b"].tolist() == [5.0, 2.0]
    assert t.frame["c"].tolist() == [0.0, 0.0]


def test_one_pool_without_nhom_column():
    plan = one_pool_plan()
    t = parse_rows(["ma_don_vi", "ten_don_vi", "cap", "so_luong"],
                   [["A", "A", "Huyện", "1"], ["B", "B", "cấp xã", "2"]], plan)
    assert t.frame["nhom"].tolist() == ["chung", "chung"]
    assert t.frame["cap"].tolist() == ["huyen", "xa"]


@pytest.mark.parametrize("typed", ["huyen", "Huyện", "cấp huyện", "CAP HUYEN", NFD("Cấp Huyện")])
def test_level_spellings(typed):
    t = parse_rows(["ma_don_vi", "ten_don_vi", "cap", "so_luong"],
                   [["A", "A", typed, "1"]], one_pool_plan())
    assert t.frame.loc[0, "cap"] == "huyen"


def test_group_from_level():
    plan = make_plan(group_from_level=True,
                     groups=[Group("huyen", "Cấp huyện"), Group("xa", "Cấp xã")],
                     inputs=[Input("so_luong", "Số lượng", "number")])
    t = parse_rows(["ma_don_vi", "ten_don_vi", "nhom", "cap", "so_luong"],
                   [["A", "A", "", "Huyện", "1"], ["B", "B", "", "Cấp Xã", "2"],
                    ["C", "C", "xa", "xa", "3"]], plan)
    assert t.frame["nhom"].tolist() == ["huyen", "xa", "xa"]
    assert t.frame["cap"].tolist() == ["huyen", "xa", "xa"]


def test_group_by_label_and_level_from_group():
    t = parse_rows(HEAD, [row("A", nhom="Khối xã"), row("B", nhom="KHOI HUYEN")], make_plan())
    assert t.frame["nhom"].tolist() == ["xa", "huyen"]
    assert t.frame["cap"].tolist() == ["xa", "huyen"]


def test_year_column():
    t = parse_rows(HEAD + ["Năm"], [row("A") + ["2024"], row("B") + [2023.0]], make_plan())
    assert t.frame["nam"].tolist() == [2024, 2023]
    assert t.frame["nam"].dtype == np.int64
    assert list(t.frame.columns)[4] == "nam"


def self_plan(**kw):
    return make_plan(self_scored=True, inputs=[
        Input("diem_a", "Điểm A", "number"),
        Input("co_b", "Có B", "yesno", required=False),
        Input("tong_tu_cham", "Tổng tự chấm", "number", required=False),
    ], **kw)


def test_self_scored_appraisal_columns():
    plan = self_plan()
    head = ["ma_don_vi", "ten_don_vi", "nhom", "diem_a", "Điểm A (thẩm định)", "co_b"]
    t = parse_rows(head, [["A", "A", "xa", "8", "7,5", "có"],
                          ["B", "B", "xa", "", "6", ""],   # appraisal satisfies required
                          ["C", "C", "xa", "9", "", ""]], plan)
    assert list(t.frame.columns) == ["ma_don_vi", "ten_don_vi", "nhom", "cap", "diem_a", "co_b",
                                     "tong_tu_cham", "diem_a_tham_dinh", "co_b_tham_dinh",
                                     "tong_tu_cham_tham_dinh"]
    assert t.frame.loc[0, "diem_a_tham_dinh"] == 7.5
    assert math.isnan(t.frame.loc[1, "diem_a"])
    assert t.frame.loc[1, "diem_a_tham_dinh"] == 6.0
    assert math.isnan(t.frame.loc[2, "diem_a_tham_dinh"])
    assert t.frame["co_b_tham_dinh"].isna().all()  # column absent: all NaN
    assert t.columns["diem_a_tham_dinh"] == "Điểm A (thẩm định)"


def test_manual_total_exemption():
    plan = self_plan(manual_total="tong_tu_cham")
    head = ["ma_don_vi", "ten_don_vi", "nhom", "diem_a", "tong_tu_cham"]
    t = parse_rows(head, [["A", "A", "xa", "", "95"]], plan)
    assert math.isnan(t.frame.loc[0, "diem_a"])
    assert t.frame.loc[0, "tong_tu_cham"] == 95.0
    with pytest.raises(InputError) as exc:
        parse_rows(head, [["A", "A", "xa", "", ""]], plan, source="t.csv")
    assert "thiếu giá trị bắt buộc" in problems_of(exc)[0]


# ------------------------------------------------------------------ files
def test_csv_semicolon_bom_and_vietnamese_path(tmp_path):
    plan = make_plan()
    lines = [HEAD, row("A", tong="1.234", tyle="85,5", kp="1.234,5"),
             [""] * 0, row("B", nhom="xa")]
    path = tmp_path / "dữ liệu thi đua.csv"
    path.write_bytes(("\n".join(";".join(c) for c in lines) + "\n\n").encode("utf-8-sig"))
    t = read_units(path, plan)
    assert t.source == str(path)
    assert t.sheet == ""
    assert t.rows == [2, 4]
    assert t.frame["tong_giai_quyet"].tolist() == [1234.0, 1.0]
    assert t.frame.loc[0, "ty_le_dung_han"] == 85.5
    assert t.frame.loc[0, "kinh_phi"] == 1234.5
    assert t.frame.loc[0, "ma_don_vi"] == "A"  # BOM not glued to the first header


def test_csv_comma_with_quotes(tmp_path):
    plan = make_plan()
    path = tmp_path / "u.csv"
    path.write_text(",".join(HEAD) + '\nA,"Phường 1, quận 3",huyen,,"1.234","85%","12,5",x,Tốt\n',
                    encoding="utf-8")
    t = read_units(path, plan)
    assert t.frame.loc[0, "ten_don_vi"] == "Phường 1, quận 3"
    assert t.frame.loc[0, "kinh_phi"] == 12.5
    assert t.frame.loc[0, "xep_loai"] == 0.0


def test_csv_cp1258_fallback(tmp_path):
    plan = one_pool_plan()
    path = tmp_path / "cu.csv"
    # Windows-1258 writes some tones as combining marks: "Xa\u0303" is "Xã"
    path.write_bytes("ma_don_vi,ten_don_vi,cap,so_luong\nA,Xa\u0303 Đông,xa,1\n".encode("cp1258"))
    t = read_units(path, plan)
    assert t.frame.loc[0, "ten_don_vi"] == "Xã Đông"


def test_xlsx_read(tmp_path):
    plan = make_plan()
    path = write_xlsx(tmp_path / "dữ_liệu.xlsx", [
        ["BẢNG SỐ LIỆU THI ĐUA NĂM 2024"],  # title above the header
        [],
        ["Mã đơn vị", "Tên đơn vị", "Nhóm", "Cấp", "tong_giai_quyet", "Tỷ lệ đúng hạn",
         "kinh_phi", "co_ke_hoach", "xep_loai"],
        [101, "Huyện A", "huyen", None, 12, 0.85, 1234.5, True, "Khá"],
        [None] * 9,
        ["X2", "Xã B", "Khối xã", "Cấp xã", "7", "90%", None, "không", None],
    ], extra_first_sheet=True)
    wb = openpyxl.load_workbook(path)
    wb["Dữ liệu"]["F4"].number_format = "0%"
    wb.save(path)
    t = read_units(path, plan)
    assert t.sheet == "Dữ liệu"
    assert t.rows == [4, 6]
    assert t.columns["tong_giai_quyet"] == "E"
    assert t.frame["ma_don_vi"].tolist() == ["101", "X2"]
    assert t.frame["ty_le_dung_han"].tolist() == [85.0, 90.0]
    assert t.frame["co_ke_hoach"].tolist() == [1.0, 0.0]
    assert t.frame["tong_giai_quyet"].tolist() == [12.0, 7.0]
    assert t.frame["xep_loai"].tolist()[0] == 1.0


def test_xlsx_first_sheet_when_no_data_sheet(tmp_path):
    path = write_xlsx(tmp_path / "u.xlsx", [["ma_don_vi", "ten_don_vi", "so_luong"],
                                            ["A", "A", 1]], title="Sheet1")
    t = read_units(path, one_pool_plan(levels=["xa"]))
    assert t.sheet == "Sheet1"
    assert t.frame.loc[0, "cap"] == "xa"  # the plan's only level


# ------------------------------------------------------------------ errors
def xlsx_error(tmp_path, cells: list, plan=None) -> list[str]:
    """Write HEAD + one row to xlsx, read it and return the problems (strings)."""
    path = write_xlsx(tmp_path / "du_lieu.xlsx", [HEAD, cells])
    with pytest.raises(InputError) as exc:
        read_units(path, plan or make_plan())
    return problems_of(exc)


def test_unreadable_number_names_cell_and_value(tmp_path):
    probs = xlsx_error(tmp_path, row(tong="12a"))
    assert len(probs) == 1
    assert "du_lieu.xlsx" in probs[0]
    assert "trang «Dữ liệu»" in probs[0]
    assert "ô E2" in probs[0]
    assert "không đọc được số từ «12a»" in probs[0]
    assert "số nguyên, ví dụ 1.234" in probs[0]  # a count: a whole-number example (review)


def test_unreadable_number_csv_names_row_and_column(tmp_path):
    path = write_csv(tmp_path / "d.csv", [HEAD, row(), row("B", kp="abc")])
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    (p,) = exc.value.problems
    assert p.row == 3 and p.column == "kinh_phi" and p.cell == ""
    assert "dòng 3" in str(p) and "cột «kinh_phi»" in str(p)
    assert "không đọc được số từ «abc»" in str(p)


def test_percent_out_of_range(tmp_path):
    (p,) = xlsx_error(tmp_path, row(tyle="120"))
    assert "ô F2" in p and "«120» nằm ngoài khoảng cho phép: từ 0 đến 100" in p


def test_percent_cell_out_of_range(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(tyle=1.2)])
    wb = openpyxl.load_workbook(path)
    wb.active["F2"].number_format = "0.0%"
    wb.save(path)
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    assert "«120%» nằm ngoài khoảng cho phép: từ 0 đến 100" in problems_of(exc)[0]


def test_negative_count(tmp_path):
    (p,) = xlsx_error(tmp_path, row(tong="-3"))
    assert "ô E2" in p and "«-3» nằm ngoài khoảng cho phép: từ 0 trở lên" in p


def test_non_integer_count(tmp_path):
    (p,) = xlsx_error(tmp_path, row(tong="2,5"))
    assert "ô E2" in p and "«2,5» không phải số nguyên (số đếm)" in p


def test_plan_bounds():
    plan = make_plan(inputs=[Input("diem", "Điểm", "number", min=0, max=10)])
    with pytest.raises(InputError) as exc:
        parse_rows(["ma_don_vi", "ten_don_vi", "nhom", "diem"],
                   [["A", "A", "xa", "10,5"]], plan, source="a.csv")
    assert "«10,5» nằm ngoài khoảng cho phép: từ 0 đến 10" in problems_of(exc)[0]


def test_duplicate_codes_name_both_rows(tmp_path):
    path = write_xlsx(tmp_path / "du_lieu.xlsx", [HEAD, row("A"), row("B"), row("a ")])
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    (p,) = problems_of(exc)
    assert "ô A4" in p and "mã đơn vị «a» bị trùng: đã có ở ô A2 và ô A4" in p


def test_duplicate_codes_csv(tmp_path):
    path = write_csv(tmp_path / "d.csv", [HEAD, row("A"), row("A")])
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    assert "mã đơn vị «A» bị trùng: đã có ở dòng 2 và dòng 3" in problems_of(exc)[0]


def test_unknown_group(tmp_path):
    (p,) = xlsx_error(tmp_path, row(nhom="phuong"))
    assert "ô C2" in p and "không có nhóm «phuong» trong kế hoạch" in p
    assert "huyen, xa" in p  # allowed codes listed


def test_unknown_level(tmp_path):
    (p,) = xlsx_error(tmp_path, row(cap="thôn"))
    assert "ô D2" in p and "không hiểu cấp «thôn»" in p


@pytest.mark.parametrize("typed, level", [("Thị trấn", "xa"), ("Phường", "xa"), ("đặc khu", "xa"),
                                          ("Quận", "huyen"), ("thị xã", "huyen"),
                                          ("Cấp tỉnh", "tinh"), ("xa", "xa")])
def test_every_commune_kind_is_cap_xa(typed, level):
    from thidua.codecs import level_code
    assert level_code(typed) == level


def test_level_not_in_plan(tmp_path):
    (p,) = xlsx_error(tmp_path, row(cap="tỉnh"))
    assert "ô D2" in p and "cấp «tỉnh» không áp dụng trong kế hoạch này" in p


def test_missing_level(tmp_path):
    plan = make_plan(groups=[Group("a", "A"), Group("b", "B")])
    (p,) = xlsx_error(tmp_path, row(nhom="a"), plan)
    assert "ô D2" in p and "thiếu cấp" in p


def test_missing_required_column(tmp_path):
    head = [h for h in HEAD if h != "tong_giai_quyet"]
    cells = row()
    del cells[4]
    path = write_csv(tmp_path / "thieu.csv", [head, cells, row("B")[:4] + cells[4:]])
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    probs = problems_of(exc)
    assert len(probs) == 1
    assert "thieu.csv" in probs[0]
    assert "thiếu cột «Tổng số hồ sơ giải quyết» (tong_giai_quyet)" in probs[0]


def test_missing_required_value(tmp_path):
    (p,) = xlsx_error(tmp_path, row(tyle=""))
    assert "ô F2" in p and "thiếu giá trị bắt buộc «Tỷ lệ đúng hạn»" in p


def test_missing_code_and_name(tmp_path):
    probs = xlsx_error(tmp_path, row(code="", name=" "))
    assert any("ô A2" in p and "thiếu mã đơn vị" in p for p in probs)
    assert any("ô B2" in p and "thiếu tên đơn vị" in p for p in probs)


def test_bad_choice(tmp_path):
    (p,) = xlsx_error(tmp_path, row(xl="Xuất sắc"))
    assert "ô I2" in p and "«Xuất sắc» không có trong danh sách lựa chọn" in p
    assert "«Tốt», «Khá», «Trung bình»" in p


def test_bad_yesno(tmp_path):
    (p,) = xlsx_error(tmp_path, row(ckh="có lẽ"))
    assert "ô H2" in p and "không đọc được có/không từ «có lẽ»" in p


def test_unsupported_extension(tmp_path):
    path = tmp_path / "du_lieu.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    (p,) = problems_of(exc)
    assert "không mở được tệp «du_lieu.xls»: chỉ đọc được tệp .csv hoặc .xlsx" in p
    assert "Excel Workbook" in p


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as exc:
        read_units(tmp_path / "không_có.xlsx", make_plan())
    assert "không mở được tệp «không_có.xlsx»: không tìm thấy tệp" in problems_of(exc)[0]


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "hỏng.xlsx"
    path.write_bytes(b"day khong phai la tep excel")
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    assert ("không mở được tệp «hỏng.xlsx»: tệp không phải bảng tính Excel hợp lệ "
            "hoặc đã bị hỏng") in problems_of(exc)[0]


def test_empty_file(tmp_path):
    path = tmp_path / "trong.csv"
    path.write_bytes(b"\n\n")
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    assert "tệp «trong.csv» trống" in problems_of(exc)[0]


def test_header_only(tmp_path):
    path = write_csv(tmp_path / "h.csv", [HEAD])
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    assert "bảng không có đơn vị nào" in problems_of(exc)[0]


def test_duplicate_header_columns():
    with pytest.raises(InputError) as exc:
        parse_rows(HEAD + ["Tổng số hồ sơ giải quyết"], [row()], make_plan(), source="x.csv")
    (p,) = problems_of(exc)
    assert "có hai cột cùng là «Tổng số hồ sơ giải quyết» (tong_giai_quyet)" in p
    assert "cột thứ 5 và cột thứ 10" in p


def test_unrecognised_header():
    with pytest.raises(InputError) as exc:
        parse_rows(["a", "b"], [["1", "2"]], make_plan(), source="x.csv")
    assert "không tìm thấy dòng tiêu đề" in problems_of(exc)[0]


def test_all_problems_reported(tmp_path):
    path = write_xlsx(tmp_path / "nhieu_loi.xlsx", [
        HEAD,
        row("A", tong="12a"),
        row("B", tyle="120", nhom="khong_co"),
        row("A", ckh="hmm", xl="?"),
        row("C", tong="-1", tyle=""),
    ])
    with pytest.raises(InputError) as exc:
        read_units(path, make_plan())
    probs = problems_of(exc)
    expected = [
        ("ô E2", "không đọc được số từ «12a»"),
        ("ô C3", "không có nhóm «khong_co»"),
        ("ô F3", "nằm ngoài khoảng cho phép"),
        ("ô A4", "bị trùng"),
        ("ô H4", "không đọc được có/không"),
        ("ô I4", "không có trong danh sách lựa chọn"),
        ("ô E5", "«-1» nằm ngoài khoảng cho phép"),
        ("ô F5", "thiếu giá trị bắt buộc"),
    ]
    assert len(probs) == len(expected)
    for (where, what), got in zip(expected, probs):
        assert where in got and what in got
    # the exception text lists them all, one per line
    assert len(str(exc.value).splitlines()) == len(expected)


def test_messages_are_nfc(tmp_path):
    probs = xlsx_error(tmp_path, row(tong="12a", cap="quận"))
    for p in probs:
        assert unicodedata.is_normalized("NFC", p)
