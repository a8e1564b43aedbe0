"""Tests for thidua.consolidate.portal (importing the online-service system's statistics
export) and thidua.consolidate.names (matching unit names)."""
from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from tests.data_portal import (EXPORT_NAMES, HEADER_ROW, SAMPLE_CSV, SAMPLE_XLSX, export_rows,
                               write_export, write_export_csv)
from thidua.consolidate.names import match_name, name_key
from thidua.consolidate.portal import (StatsImport, _is_skip, parse_mapping, read_stats_export,
                                       to_rows)
from thidua.errors import InputError, PlanError
from thidua.plan import load_plan, parse_plan
from thidua.table import read_units
from thidua.units import Unit, read_unit_list

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
INPUTS = ["tong_giai_quyet", "truc_tuyen_giai_quyet", "truc_tuyen_dung_han", "tre_han"]
PREFIXES = ["UBND", "Ủy ban nhân dân", "Phòng", "xã", "thị trấn"]


@pytest.fixture(scope="module")
def plan():
    return load_plan("nui-thanh-dvc-2023")


@pytest.fixture(scope="module")
def units(plan):
    return read_unit_list(SAMPLE_CSV, plan)


@pytest.fixture(scope="module")
def expected(plan):
    """unit code -> the csv's figures."""
    frame = read_units(SAMPLE_CSV, plan).frame
    return {row["ma_don_vi"]: {code: float(row[code]) for code in INPUTS}
            for _i, row in frame.iterrows()}


def msgs(result: StatsImport | pytest.ExceptionInfo) -> list[str]:
    problems = result.problems if isinstance(result, StatsImport) else result.value.problems
    return [str(p) for p in problems]


def one(messages: list[str], *parts: str) -> str:
    found = [m for m in messages if all(p in m for p in parts)]
    assert len(found) == 1, (parts, messages)
    return found[0]


def row_of(rows: list[list], code: str) -> int:
    """Index in export_rows() of a unit's row."""
    return next(i for i, r in enumerate(rows) if r[1] == EXPORT_NAMES[code])


# ==================================================================== the sample
def test_sample_file_is_up_to_date(tmp_path):
    fresh = openpyxl.load_workbook(write_export(tmp_path / "x.xlsx"))
    kept = openpyxl.load_workbook(SAMPLE_XLSX)
    a, b = fresh.active, kept.active
    assert a.title == b.title
    assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r]
                                                             for r in b.iter_rows()]
    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))


def test_sample_round_trips_to_the_csv_figures(plan, units, expected):
    result = read_stats_export(SAMPLE_XLSX, plan, units)
    assert result.problems == []
    assert result.values == expected
    assert {code for _name, code, _unit in result.matched} == set(expected)
    assert result.sheet == "Thống kê"
    assert result.columns == {"tong_giai_quyet": "F", "tre_han": "I",
                              "truc_tuyen_giai_quyet": "L", "truc_tuyen_dung_han": "M"}
    # group rows with subtotals, the grand total and the signature line are skipped
    assert [name for _row, name in result.skipped] == ["CẤP HUYỆN", "Cấp xã", "Tổng cộng",
                                                       "Người lập biểu"]
    # names as the export writes them (NFC), each matched to the list's unit
    matched = {code: (name, unit) for name, code, unit in result.matched}
    assert matched["XA03"] == ("Xã Tam Xuân 2", "Xã Tam Xuân II")
    assert matched["CQ04"][0] == "Phòng Tài nguyên và Môi trường"
    assert result.rows["CQ01"] == HEADER_ROW + 4


def test_to_rows_in_unit_order(plan, units, tmp_path):
    rows = export_rows()
    del rows[row_of(rows, "CQ10")]
    result = read_stats_export(write_export(tmp_path / "thieu.xlsx", rows), plan, units)
    out = to_rows(result, units)
    assert [r["ma_don_vi"] for r in out] == [u.code for u in units]
    first = out[0]
    assert first == {"ma_don_vi": "XA01", "ten_don_vi": "Thị trấn Núi Thành", "nhom": "xa",
                     "cap": "xa", "tong_giai_quyet": 2168.0, "tre_han": 25.0,
                     "truc_tuyen_giai_quyet": 1872.0, "truc_tuyen_dung_han": 1799.0}
    cq10 = next(r for r in out if r["ma_don_vi"] == "CQ10")
    assert cq10 == {"ma_don_vi": "CQ10", "ten_don_vi": "Phòng Y tế", "nhom": "co_quan",
                    "cap": "huyen"}


def test_csv_variant(plan, units, expected, tmp_path):
    path = write_export_csv(tmp_path / "thong-ke.csv")
    result = read_stats_export(path, plan, units)
    assert result.problems == []
    assert result.values == expected
    assert result.sheet == ""
    assert result.columns["tre_han"] == "Đã giải quyết / Trễ hạn"


def test_csv_problem_names_row_and_column(plan, units, tmp_path):
    rows = export_rows()
    rows[row_of(rows, "XA04")][8] = "mười"
    result = read_stats_export(write_export_csv(tmp_path / "t.csv", rows), plan, units)
    m = one(msgs(result), "không đọc được số")
    line = row_of(rows, "XA04") + 2  # the header «…đúng hạn,⏎trước hạn» spans two lines
    assert f"t.csv, dòng {line}, cột «Đã giải quyết / Trễ hạn»" in m


def test_unmerged_header_is_read_too(plan, units, expected, tmp_path):
    result = read_stats_export(write_export(tmp_path / "x.xlsx", merged=False), plan, units)
    assert result.problems == []
    assert result.values == expected


# ==================================================================== problems
def test_unknown_name_reported_with_its_cell(plan, units, tmp_path):
    rows = export_rows()
    i = row_of(rows, "XA15")
    rows[i][1] = "UBND xã Tam Mĩ Đông"  # typo: Mĩ for Mỹ
    j = row_of(rows, "XA17")
    rows[j][1] = "UBND xã Tam Lãnh"  # not a unit of the plan
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, units)
    m = msgs(result)
    typo = one(m, "không khớp tên đơn vị «UBND xã Tam Mĩ Đông» với danh sách đơn vị")
    assert f"trang «Thống kê», ô B{i + 1}" in typo
    assert "Có phải «Xã Tam Mỹ Đông» (XA15)?" in typo
    assert "Cách sửa:" in typo and "stats_import.aliases" in typo
    other = one(m, "«UBND xã Tam Lãnh»")
    assert f"ô B{j + 1}" in other and "Có phải" not in other
    # ...and both units are then missing; the typo's unit points at the row
    gone = one(m, "đơn vị «Xã Tam Mỹ Đông» (XA15) không có trong tệp thống kê")
    assert f"ô B{i + 1}" in gone
    one(m, "đơn vị «Xã Tam Trà» (XA17) không có trong tệp thống kê")
    assert len(m) == 4
    assert "XA15" not in result.values and "XA17" not in result.values


def test_unit_missing_from_export(plan, units, tmp_path):
    rows = export_rows()
    del rows[row_of(rows, "CQ10")]
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, units)
    assert msgs(result) == [
        f"{tmp_path / 'x.xlsx'}, trang «Thống kê»: đơn vị «Phòng Y tế» (CQ10) "
        "không có trong tệp thống kê — Cách sửa: kiểm tra tệp thống kê đã xuất đủ đơn vị, đúng "
        "kỳ; nếu đơn vị có trong tệp dưới tên khác, sửa tên cho khớp hoặc thêm vào "
        "stats_import.aliases trong nui-thanh-dvc-2023.yaml"]
    assert len(result.values) == 28


def test_ambiguous_name(plan, units, tmp_path):
    more = units + [Unit(code="XA18", name="Xã Núi Thành", group="xa", level="xa")]
    rows = export_rows()
    rows.insert(row_of(rows, "XA17") + 1, [18, "UBND Núi Thành", *([1] * 11)])
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, more)
    m = msgs(result)
    amb = one(m, "tên đơn vị «UBND Núi Thành» khớp với nhiều đơn vị")
    assert "«Thị trấn Núi Thành» (XA01), «Xã Núi Thành» (XA18)" in amb
    assert f"ô B{row_of(rows, 'XA17') + 2}" in amb
    # the full name still picks the town; the commune is then missing
    assert result.values["XA01"]["tong_giai_quyet"] == 2168
    one(m, "«Xã Núi Thành» (XA18) không có trong tệp thống kê")
    assert len(m) == 2


def test_unreadable_number_reported_with_its_cell(plan, units, tmp_path):
    rows = export_rows()
    i = row_of(rows, "XA04")
    rows[i][8] = "81 hồ sơ"  # I: trễ hạn
    rows[i][5] = "2.761,5"  # F: tổng — not a whole number
    k = row_of(rows, "CQ03")
    rows[k][11] = None  # L: blank
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, units)
    m = msgs(result)
    bad = one(m, "không đọc được số từ «81 hồ sơ»")
    assert f"ô I{i + 1}, cột «Đã giải quyết / Trễ hạn»" in bad
    assert "Số hồ sơ giải quyết trễ hạn (mọi hình thức)" in bad and "«Xã Tam Tiến»" in bad
    assert f"ô F{i + 1}" in one(m, "không phải số nguyên")
    blank = one(m, "ô trống")
    assert f"ô L{k + 1}" in blank and "blank_as_zero" in blank
    assert len(m) == 3
    # other figures of those units are kept; the bad ones are left out, never 0
    assert result.values["XA04"] == {"truc_tuyen_giai_quyet": 2063, "truc_tuyen_dung_han": 1952}
    assert "truc_tuyen_giai_quyet" not in result.values["CQ03"]
    row = next(r for r in to_rows(result, units) if r["ma_don_vi"] == "XA04")
    assert "tre_han" not in row


def test_blank_as_zero(plan, units, tmp_path):
    rows = export_rows()
    rows[row_of(rows, "CQ11")][8] = None
    zero_plan = dataclasses.replace(plan, stats_import={**plan.stats_import,
                                                        "blank_as_zero": True})
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), zero_plan, units)
    assert result.problems == []
    assert result.values["CQ11"]["tre_han"] == 0


def test_duplicate_unit_row(plan, units, tmp_path):
    rows = export_rows()
    i = row_of(rows, "XA08")
    rows.insert(i + 1, [99, "Xã Tam Anh Nam", *([5] * 11)])
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, units)
    m = one(msgs(result), "«Xã Tam Anh Nam» (XA08) có hai dòng")
    assert f"ô B{i + 1} và ô B{i + 2}" in m
    assert result.values["XA08"]["tong_giai_quyet"] == 910  # the first row


def test_alias(plan, units, tmp_path):
    rows = export_rows()
    rows[row_of(rows, "CQ12")][1] = "VP HĐND-UBND"
    aliased = dataclasses.replace(plan, stats_import={
        **plan.stats_import, "aliases": {"VP HĐND - UBND": "CQ12", "Ban Dân tộc": "CQ99"}})
    result = read_stats_export(write_export(tmp_path / "x.xlsx", rows), aliased, units)
    assert result.values["CQ12"]["tong_giai_quyet"] == 1329
    assert msgs(result) == [
        "nui-thanh-dvc-2023.yaml: stats_import.aliases: «Ban Dân tộc» chỉ tới mã đơn vị «CQ99» "
        "không có trong danh sách đơn vị — Cách sửa: sửa mã cho đúng mã trong danh sách đơn vị"]


def test_column_not_found(plan, units, tmp_path):
    rows = export_rows()
    rows[HEADER_ROW - 1][11] = "Giải quyết qua DVC"  # L: renamed
    with pytest.raises(InputError) as exc:
        read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, units)
    m = one(msgs(exc), "không tìm thấy cột «Đã giải quyết trực tuyến» "
                       "(stats_import.columns.truc_tuyen_giai_quyet)")
    assert "«Giải quyết qua DVC»" in m and "nui-thanh-dvc-2023.yaml (dòng" in m


def test_ambiguous_column(plan, units, tmp_path):
    wide = dataclasses.replace(plan, stats_import={
        **plan.stats_import, "columns": {"tong_giai_quyet": "Tổng",
                                         "tre_han": ["Trễ hạn"]}})
    result = read_stats_export(SAMPLE_XLSX, wide, units)  # one «Trễ hạn»: found by its last level
    assert result.values["XA01"]["tre_han"] == 25
    rows = export_rows()
    rows[HEADER_ROW][3] = "Tổng"  # D5: a second «Tổng», under «Tiếp nhận»
    with pytest.raises(InputError) as exc:
        read_stats_export(write_export(tmp_path / "x.xlsx", rows), wide, units)
    m = one(msgs(exc), "tiêu đề «Tổng» (stats_import.columns.tong_giai_quyet) khớp với nhiều cột")
    assert "cột D «Tiếp nhận / Tổng», cột F «Đã giải quyết / Tổng»" in m


def test_no_header(plan, units, tmp_path):
    rows = export_rows()
    rows[HEADER_ROW - 1][1] = "Cơ quan"
    with pytest.raises(InputError) as exc:
        read_stats_export(write_export(tmp_path / "x.xlsx", rows), plan, units)
    one(msgs(exc), "không tìm thấy dòng tiêu đề có cột «Tên đơn vị»", "stats_import.name_column")


def test_files_that_cannot_be_read(plan, units, tmp_path):
    with pytest.raises(InputError) as exc:
        read_stats_export(tmp_path / "khong-co.xlsx", plan, units)
    one(msgs(exc), "không tìm thấy tệp")
    old = tmp_path / "cu.xls"
    old.write_bytes(b"x")
    with pytest.raises(InputError) as exc:
        read_stats_export(old, plan, units)
    one(msgs(exc), "định dạng Excel cũ")


# ==================================================================== mapping
def _plan_text(section: str) -> tuple[str, int]:
    text = Path(load_plan("nui-thanh-dvc-2023").source).name
    base = (Path(__file__).resolve().parent.parent / "thidua" / "plans" / text).read_text(
        encoding="utf-8")
    base = base.split("\nstats_import:")[0].rstrip("\n") + "\n"
    first = base.count("\n") + 1  # line of the section's first line
    return base + section, first


def _plan_with(section: str):
    text, first = _plan_text(section)
    return parse_plan(text, "kh.yaml"), first


def test_mapping_of_the_seed_plan(plan):
    m = parse_mapping(plan)
    assert m.header_rows == 2 and m.name_column == ("Tên đơn vị",)
    assert m.columns["tong_giai_quyet"] == ("Đã giải quyết", "Tổng")
    assert set(m.columns) == set(INPUTS)
    assert m.blank_as_zero is False


def test_mapping_errors_name_key_and_line():
    """A bad mapping is refused when the plan loads (check-plan), every mistake at once."""
    text, first = _plan_text(
        "stats_import:\n"
        "  header_rows: 0\n"
        "  colums: {}\n"
        "  columns:\n"
        "    tong_giai_quyet: [\"Đã giải quyết\", \"Tổng\", \"Số\"]\n"
        "    tre_hn: \"Trễ hạn\"\n"
        "    truc_tuyen_giai_quyet: []\n"
        "  strip_prefixes: {a: 1}\n"
        "  blank_as_zero: có\n")
    with pytest.raises(PlanError) as exc:
        parse_plan(text, "kh.yaml")
    m = msgs(exc)
    assert one(m, "stats_import.header_rows").startswith(f"kh.yaml, dòng {first + 1}: ")
    assert "có phải «columns»?" in one(m, "khóa «stats_import.colums» không dùng được")
    assert "có 3 tầng tiêu đề" in one(m, "stats_import.columns.tong_giai_quyet")
    typo = one(m, "«tre_hn» (stats_import.columns.tre_hn) không phải mã số liệu đầu vào")
    assert typo.startswith(f"kh.yaml, dòng {first + 5}: ") and "có phải «tre_han»?" in typo
    one(m, "stats_import.columns.truc_tuyen_giai_quyet phải là tiêu đề cột")
    one(m, "stats_import.strip_prefixes")
    one(m, "stats_import.blank_as_zero phải là true hoặc false")
    assert len(m) == 7


def test_mapping_missing_or_empty():
    p, _first = _plan_with("")
    with pytest.raises(PlanError) as exc:
        parse_mapping(p)
    one(msgs(exc), "chưa có mục stats_import")
    text, first = _plan_text("stats_import:\n  name_column: \"Tên đơn vị\"\n")
    with pytest.raises(PlanError) as exc:
        parse_plan(text, "kh.yaml")
    assert one(msgs(exc), "stats_import.columns").startswith(f"kh.yaml, dòng {first + 1}")


# ==================================================================== names
@pytest.mark.parametrize("name, code", [
    ("Xã Tam Xuân I", "XA02"),
    ("UBND xã Tam Xuân 1", "XA02"),
    ("XÃ TAM XUÂN II", "XA03"),
    (NFD("Ủy ban nhân dân xã Tam Xuân 2"), "XA03"),
    ("  UBND   thị  trấn Núi Thành ", "XA01"),
    ("UBND TT Núi Thành".replace("TT", "Thị Trấn"), "XA01"),
    ("tam my dong", "XA15"),
    ("Phòng Tài chính Kế hoạch", "CQ03"),
    ("Phòng Tài chính và Kế hoạch", "CQ03"),
    ("Phòng Văn hoá & Thông tin", "CQ08"),
    ("VĂN PHÒNG HĐND VÀ UBND HUYỆN", "CQ12"),
    ("Van phong HDND va UBND huyen", "CQ12"),
    ("Nội vụ", "CQ01"),
])
def test_match_name(units, name, code):
    got = match_name(name, units, PREFIXES)
    assert isinstance(got, Unit) and got.code == code


def test_match_name_none_and_ambiguous(units):
    assert match_name("UBND xã Tam Lãnh", units, PREFIXES) is None
    assert match_name("Xã Tam Xuân", units, PREFIXES) is None  # no guessing I or II
    assert match_name("", units, PREFIXES) is None
    twins = [Unit("A", "Phòng Tam Hiệp", "co_quan", "huyen"),
             Unit("B", "Xã Tam Hiệp", "xa", "xa")]
    assert [u.code for u in match_name("Tam Hiệp", twins, PREFIXES)] == ["A", "B"]
    assert match_name("UBND xã Tam Hiệp", twins, PREFIXES).code == "B"  # closest level wins
    assert match_name("Tam Hiệp", twins, []) is None  # without prefixes: no match at all


def test_name_key():
    assert name_key(NFD("UBND Xã Tam Xuân II")) == "ubnd xa tam xuan 2"
    assert name_key("Đội 01") == "doi 1"
    assert name_key("I") == "i"  # a first word is never read as a numeral


def test_skip_rows_need_the_right_diacritics():
    pats = ("cộng", "tổng cộng", "cấp xã")
    assert _is_skip("Tổng cộng", pats)
    assert _is_skip("TỔNG CỘNG", pats)
    assert _is_skip("TONG CONG", pats)  # written without diacritics
    assert _is_skip("II. Cấp xã", pats)
    assert _is_skip("Cộng (17 xã)", pats)
    assert not _is_skip("Phòng Công Thương", pats)
    assert not _is_skip("Xã Tam Công", pats)
