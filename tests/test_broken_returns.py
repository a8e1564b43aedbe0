"""Broken returns never erase good figures (issue 12): files units really send back.

A deleted or emptied input sheet, a blank template, a formula saved without
its result, rows inserted as Excel inserts them, two files saved in the same
second, a PDF instead of the spreadsheet, the master itself in the folder.
Each is made as a user (or their program) makes it, consolidated into a master
that already holds the unit's earlier figures, and the master and the report
are read back.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formula.tokenizer import Token, Tokenizer

from tests.test_consolidate import fill, issues_by_code, send, setup_campaign
from thidua.consolidate.collect import consolidate, find_returned, guess_unit
from thidua.consolidate.master_io import read_master
from thidua.consolidate.reader import read_returned
from thidua.errors import CODES, INFO
from thidua.fileio import make_reproducible

PLAN = "nui-thanh-dvc-2023"
UNIT = "XA02"  # Xã Tam Xuân I


@pytest.fixture
def campaign(tmp_path):
    """A master that already holds every unit's figures, and an empty inbox for the next round."""
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    first = tmp_path / "dot-1"
    send(templates, first, plan, figures, list(templates))
    consolidate(plan, first, master, backup=False)
    return plan, master, templates, inbox, figures


def figures_of(master, plan, code):
    record = read_master(master, plan).unit(code)
    return {inp.code: record.get(inp.code) for inp in plan.inputs}


def test_a_file_whose_input_sheet_was_deleted_is_refused_and_earlier_figures_stay(campaign):
    plan, master, templates, inbox, figures = campaign
    before = figures_of(master, plan, UNIT)
    path = fill(templates[UNIT], inbox / "xa02.xlsx", plan, figures, UNIT, {"tre_han": 7})
    wb = openpyxl.load_workbook(path)
    del wb["Nhập liệu"]
    for name in list(wb.defined_names):  # as Excel leaves the names of a deleted sheet
        defined = wb.defined_names[name]
        if "Nhập liệu" in defined.attr_text:
            defined.attr_text = re.sub(r"'Nhập liệu'!", "#REF!", defined.attr_text)
    wb.save(path)

    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    refused = found["mau_bi_hong"][0]
    assert refused.file == "xa02.xlsx" and refused.unit.startswith(UNIT) and refused.is_error
    assert "Nhập liệu" in refused.message and "giữ nguyên" in refused.hint
    assert "xa02.xlsx" in outcome.rejected and not any(s.used for s in outcome.accepted)
    kept = found["giu_so_lieu_cu"][0]
    assert kept.unit.startswith(UNIT) and "«xa02.xlsx»" in kept.message and "giữ nguyên" in kept.message
    assert "thieu_gia_tri" not in found
    assert figures_of(master, plan, UNIT) == before
    report = openpyxl.load_workbook(master)["Kiểm tra tệp nhận về"]
    codes = [row[4] for row in report.iter_rows(min_row=5, values_only=True)]
    assert "mau_bi_hong" in codes and "giu_so_lieu_cu" in codes


def test_an_emptied_input_sheet_is_refused(campaign):
    plan, master, templates, inbox, figures = campaign
    before = figures_of(master, plan, UNIT)
    path = fill(templates[UNIT], inbox / "xa02.xlsx", plan, figures, UNIT)
    wb = openpyxl.load_workbook(path)
    ws = wb["Nhập liệu"]
    for row in ws.iter_rows():  # select all, Delete: values and formulas gone
        for cell in row:
            if type(cell).__name__ != "MergedCell":
                cell.value = None
    wb.save(path)
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    assert "xóa trắng" in found["mau_bi_hong"][0].message
    assert figures_of(master, plan, UNIT) == before


def test_a_blank_template_sent_by_mistake_does_not_blank_the_unit(campaign):
    plan, master, templates, inbox, figures = campaign
    before = figures_of(master, plan, UNIT)
    shutil.copy(templates[UNIT], inbox / "xa02-trong.xlsx")
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    assert found["chua_nhap_so_lieu"][0].file == "xa02-trong.xlsx"
    assert "giu_so_lieu_cu" in found and "thieu_gia_tri" not in found
    assert figures_of(master, plan, UNIT) == before


def test_a_formula_saved_without_its_result_has_its_own_code_and_keeps_the_figure(campaign):
    plan, master, templates, inbox, figures = campaign
    before = figures_of(master, plan, UNIT)
    path = fill(templates[UNIT], inbox / "xa02.xlsx", plan, figures, UNIT, {"tre_han": 3})
    wb = openpyxl.load_workbook(path)
    layout = __import__("json").loads(wb["_thidua"]["B12"].value)
    cell = layout["input_cells"]["tong_giai_quyet"]
    wb["Nhập liệu"][cell] = "=120+35"  # typed as a formula; openpyxl, like many tools, stores no result
    wb.save(path)
    assert read_returned(path).uncomputed == {"tong_giai_quyet"}

    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    problem = found["cong_thuc_chua_tinh"][0]
    assert problem.cell == cell and problem.sheet == "Nhập liệu" and "=120+35" in problem.message
    assert "mở tệp bằng Excel rồi lưu lại" in problem.hint
    assert not any(p.cell == cell for p in found.get("thieu_gia_tri", []))
    after = figures_of(master, plan, UNIT)
    assert after["tong_giai_quyet"] == before["tong_giai_quyet"]  # unknown, not erased
    assert after["tre_han"] == 3  # the rest of the file is used


def insert_rows_like_excel(path: Path, sheet: str, before: int, count: int) -> None:
    """Insert ``count`` rows above row ``before`` of ``sheet`` the way Excel does.

    The cells below move down, and so does every reference to them: formulas on
    every sheet, defined names (which is how the template's cells are found),
    merged cells and data validations. The sheet is unprotected first, as a
    unit has to in Excel.
    """
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]

    def shift(ref: str, here: str) -> str:
        where, bang, cells = ref.rpartition("!")
        target = where.strip("'").replace("''", "'") if bang else here
        if target != sheet:
            return ref
        moved = re.sub(r"(\$?[A-Z]{1,3})(\$?)(\d+)",
                       lambda m: f"{m.group(1)}{m.group(2)}"
                                 f"{int(m.group(3)) + count if int(m.group(3)) >= before else m.group(3)}",
                       cells)
        return f"{where}{bang}{moved}"

    def formula(text: str, here: str) -> str:
        tokens = Tokenizer(text)
        for token in tokens.items:
            if token.type == Token.OPERAND and token.subtype == Token.RANGE:
                token.value = shift(token.value, here)
        return tokens.render()

    ws.protection.sheet = False
    merged = [str(m) for m in ws.merged_cells.ranges]
    for rng in merged:
        ws.unmerge_cells(rng)
    ws.insert_rows(before, count)
    for rng in merged:
        ws.merge_cells(shift(rng, sheet))
    for other in wb.worksheets:
        for row in other.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.value = formula(cell.value, other.title)
    for dv in ws.data_validations.dataValidation:
        dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(
            " ".join(shift(str(r), sheet) for r in dv.sqref.ranges))
    for name in list(wb.defined_names):
        defined = wb.defined_names[name]
        defined.attr_text = shift(defined.attr_text, "")
    wb.save(path)


@pytest.mark.parametrize("before", [13, 17], ids=["giua-o-nhap", "truoc-cac-cong-thuc"])
def test_rows_inserted_as_excel_inserts_them_raise_no_false_warning(campaign, before):
    plan, master, templates, inbox, figures = campaign
    path = fill(templates[UNIT], inbox / "xa02.xlsx", plan, figures, UNIT, {"tre_han": 9})
    insert_rows_like_excel(path, "Nhập liệu", before, 2)
    returned = read_returned(path)
    assert returned.names["tre_han"] == ("Nhập liệu", "D17" if before <= 15 else "D15")
    assert returned.names["tong_diem"] == ("Nhập liệu", "D26")  # results moved down two rows
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    assert "cau_truc_thay_doi" not in found, [str(p) for p in found.get("cau_truc_thay_doi", [])]
    assert figures_of(master, plan, UNIT)["tre_han"] == 9

    # …while a formula overwritten after the insertion is still caught, at its new place
    wb = openpyxl.load_workbook(path)
    wb["Nhập liệu"]["D26"] = 95  # «tong_diem» (D24) moved to D26
    wb.save(path)
    found = issues_by_code(consolidate(plan, inbox, master))
    assert [p.cell for p in found["cau_truc_thay_doi"]] == ["D26"]


def test_two_files_saved_in_the_same_second_with_different_figures_are_both_refused(campaign):
    plan, master, templates, inbox, figures = campaign
    before = figures_of(master, plan, UNIT)
    when = dt.datetime(2024, 1, 31, 15, 45, 0)
    a = fill(templates[UNIT], inbox / "xa02.xlsx", plan, figures, UNIT, {"tre_han": 1})
    b = fill(templates[UNIT], inbox / "zalo" / "xa02 (1).xlsx", plan, figures, UNIT, {"tre_han": 2})
    for path in (a, b):
        make_reproducible(path, when)
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    conflict = found["trung_thoi_diem"]
    assert {p.file for p in conflict} == {"xa02.xlsx", "zalo/xa02 (1).xlsx"}
    assert all("15:45:00" in p.message and "không dùng tệp nào" in p.message for p in conflict)
    assert "trung_don_vi" not in found  # nothing implies one of them is newer
    assert not any(s.used for s in outcome.accepted)
    assert "giu_so_lieu_cu" in found and figures_of(master, plan, UNIT) == before
    assert "2 trùng thời điểm lưu" in outcome.summary()
    log = openpyxl.load_workbook(master)["Nhật ký nhận"]
    statuses = {r[0]: r[6] for r in log.iter_rows(min_row=4, values_only=True) if r[0]}
    assert "trùng thời điểm" in statuses["xa02.xlsx"]

    # the same figures saved twice in one second: one is used, the other named a duplicate
    b.unlink()
    shutil.copy(a, inbox / "xa02-ban-sao.xlsx")
    found = issues_by_code(outcome := consolidate(plan, inbox, master))
    assert "trung_thoi_diem" not in found and "cùng số liệu" in found["trung_don_vi"][0].message
    assert sum(s.used for s in outcome.accepted) == 1
    assert figures_of(master, plan, UNIT)["tre_han"] == 1


def test_a_pdf_instead_of_the_spreadsheet_is_listed_with_its_unit(campaign):
    plan, master, templates, inbox, figures = campaign
    (inbox / "Bao cao Xa Tam Xuan I.pdf").write_bytes(b"%PDF-1.4\n%scan\n")
    (inbox / "anh-chup.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    send(templates, inbox, plan, figures, ["XA01"])
    (inbox / "XA01-bien-ban.pdf").write_bytes(b"%PDF-1.4\n")
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    by_file = {p.file: p for p in found["tep_dinh_kem"]}
    pdf = by_file["Bao cao Xa Tam Xuan I.pdf"]
    assert pdf.unit.startswith(UNIT) and "PDF" in pdf.message and not pdf.is_error
    assert "không cho biết" in by_file["anh-chup.jpg"].message
    assert by_file["XA01-bien-ban.pdf"].severity == INFO  # beside a spreadsheet in use
    missing = next(p for p in found["chua_gui"] if p.unit.startswith(UNIT))
    assert "«Bao cao Xa Tam Xuan I.pdf»" in missing.message
    assert "3 tệp không phải bảng tính" in outcome.summary()


def test_the_master_and_its_backups_inside_the_returned_folder_are_skipped(tmp_path):
    plan, units, _master, templates, _inbox, figures = setup_campaign(tmp_path, PLAN)
    inbox = tmp_path / "Nhận về"
    master = inbox / "so-tong-hop.xlsx"
    shutil.move(tmp_path / "so-tong-hop.xlsx", master)
    send(templates, inbox, plan, figures, ["XA01"])
    consolidate(plan, inbox, master)  # makes a backup inside the folder too
    shutil.copy(master, inbox / "so-tong-hop (ban sao).xlsx")
    assert any(".bak-" in p.name for p in inbox.iterdir())
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    assert "khong_phai_mau" not in found
    assert [p.file for p in found["bo_qua_so_tong_hop"]] == ["so-tong-hop (ban sao).xlsx"]
    assert outcome.received == 1 and outcome.rejected == []
    assert [p.name for p in find_returned(inbox, master=master)] == [
        "XA01-thi-tran-nui-thanh.xlsx", "so-tong-hop (ban sao).xlsx"]


def test_guess_unit_takes_codes_first_and_whole_names_only():
    units = {"XA02": {"ten_don_vi": "Xã Tam Xuân I"}, "XA03": {"ten_don_vi": "Xã Tam Xuân II"},
             "CQ01": {"ten_don_vi": "Phòng Nội vụ"}}
    assert guess_unit(units, "Báo cáo xã Tam Xuân II.pdf") == "XA03"
    assert guess_unit(units, "xa-tam-xuan-i_scan.png") == "XA02"
    assert guess_unit(units, "cq01 ban ky.pdf") == "CQ01"
    assert guess_unit(units, "bao-cao.pdf") is None
    assert guess_unit(units, "XA02 va XA03.pdf") is None


def test_every_new_code_is_registered_with_a_vietnamese_meaning():
    for code in ("mau_bi_hong", "chua_nhap_so_lieu", "cong_thuc_chua_tinh", "trung_thoi_diem",
                 "tep_dinh_kem", "giu_so_lieu_cu", "bo_qua_so_tong_hop", "dang_co_nguoi_ghi",
                 "khoa_con_sot", "dang_mo", "khong_co_quyen", "o_dia_chi_doc", "het_dung_luong",
                 "duong_dan_qua_dai", "tep_bi_giu", "mat_ket_noi", "ghi_do_dang", "loi_ngoai_du_kien"):
        severity, meaning = CODES[code]
        assert meaning and re.search(r"[àáảãạăâđêôơư]", meaning)
