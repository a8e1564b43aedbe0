"""A master's unit-row formulas stored once per column (Excel's shared formulas).

What is proved here: the XML is as Excel writes shared formulas; every follower
reads (openpyxl, LibreOffice) as exactly the formula the writer would have
written in that row; a formula that does not shift as Excel shifts it is written
whole in every row; values stored beside followers are LibreOffice's; a master
changed in place by consolidation keeps them shared and stores their values.
"""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from tests.libreoffice import soffice_or_skip
from tests.stored import differences
from thidua.plan import load_plan
from thidua.workbook.cached import Book, bake, formula_cells
from thidua.workbook.master import write_master
from thidua.workbook.recalc import recalculate
from thidua.workbook.shared_formulas import FOLLOWER, SharedColumns, shifts_to


def _sheet_xml(path_or_bytes, index: int = 1) -> str:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(source) as zf:
        return zf.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def _column_book(makes: dict[str, object], first=2, last=6) -> Book:
    wb = Book()
    ws = wb.active
    ws.title = "Trang 1"
    for r in range(first - 1, last + 2):
        ws.cell(row=r, column=1, value=r * 10)
    shared = SharedColumns(wb, ws.title, first, last)
    for r in range(first, last + 1):
        for letter, make in makes.items():
            ws[f"{letter}{r}"] = shared.formula(letter, r, make)
    wb.compute(lambda book, facts: {"Trang 1": {
        f"{letter}{r}": None for letter in makes for r in range(first, last + 1)}})
    return wb


def test_a_column_that_shifts_is_stored_once_as_excel_stores_it(tmp_path):
    wb = _column_book({"B": lambda r: f"=$A{r}*2", "C": lambda r: f'=IF($A{r}>0,"row {r}","")',
                       "D": lambda r: f"=SUM($A$1:$A{r})+A{r - 1}"})
    assert wb.shared == {"Trang 1": {"B": (2, 6), "D": (2, 6)}}
    path = tmp_path / "s.xlsx"
    wb.save(path)
    xml = _sheet_xml(path)
    assert '<c r="B2" t="str"><f t="shared" ref="B2:B6" si="0">$A2*2</f><v></v></c>' in xml
    assert '<c r="B3" t="str"><f t="shared" si="0"/><v></v></c>' in xml
    assert '<f t="shared" ref="D2:D6" si="1">SUM($A$1:$A2)+A1</f>' in xml
    assert xml.count('t="shared"') == 10
    # C's text holds its row: written whole in every row
    assert '<f>IF($A4&gt;0,"row 4","")</f>' in xml
    assert "THIDUA" not in xml
    # read back as every row's own formula
    ws = openpyxl.load_workbook(path)["Trang 1"]
    for r in range(2, 7):
        assert ws[f"B{r}"].value == f"=$A{r}*2"
        assert ws[f"D{r}"].value == f"=SUM($A$1:$A{r})+A{r - 1}"
        assert ws[f"C{r}"].value == f'=IF($A{r}>0,"row {r}","")'


def test_libreoffice_computes_every_follower_as_its_own_row(tmp_path):
    soffice_or_skip()
    wb = _column_book({"B": lambda r: f"=$A{r}*2", "D": lambda r: f"=SUM($A$1:$A{r})+A{r - 1}"})
    # store the values the formulas compute, so the proof compares them with LibreOffice's
    wb.computers = [lambda book, facts: {"Trang 1": {
        **{f"B{r}": r * 20 for r in range(2, 7)},
        **{f"D{r}": sum(x * 10 for x in range(1, r + 1)) + (r - 1) * 10 for r in range(2, 7)}}}]
    path = tmp_path / "s.xlsx"
    wb.save(path)
    out = recalculate([path], tmp_path / "lo")[0]
    assert differences(path, out) == []
    assert len(formula_cells(path)["Trang 1"]) == 10


@pytest.mark.parametrize("formula, other, shifts", [
    ("=$A2+B$1", "=$A3+B$1", True),
    ("=$A2+$B$1", "=$A3+$B$2", False),       # an absolute row would not move
    ('=$A2&"2"', '=$A3&"3"', False),         # text is not shifted
    ("='Chỉ tiêu'!$X2+nam_ap_dung", "='Chỉ tiêu'!$X3+nam_ap_dung", True),
])
def test_shifts_to_is_excels_shift(formula, other, shifts):
    assert shifts_to(formula, "C2", other, "C3") is shifts


def test_a_follower_outside_its_range_is_a_writers_bug():
    wb = Book()
    ws = wb.active
    ws["B2"], ws["B3"] = "=A2", FOLLOWER
    with pytest.raises(ValueError):
        bake(wb.package(), {}, None, {})
    shared = SharedColumns(wb, ws.title, 2, 4)
    shared.formula("B", 2, lambda r: f"=A{r}")
    with pytest.raises(ValueError):
        shared.formula("B", 5, lambda r: f"=A{r}")
    with pytest.raises(ValueError):
        SharedColumns(wb, ws.title, 2, 4).formula("C", 3, lambda r: f"=A{r}")


@pytest.mark.parametrize("pid", ["nui-thanh-dvc-2023", "chi-so-766-2025", "hoa-thanh-cchc-2018"])
def test_a_masters_followers_read_as_the_formulas_written_whole(tmp_path, monkeypatch, pid):
    plan = load_plan(pid)
    from thidua.demo import sample_path
    from thidua.units import read_unit_list

    units = [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group, "cap": u.level}
             for u in read_unit_list(sample_path(plan.id), plan)]
    shared_path, whole_path = tmp_path / "shared.xlsx", tmp_path / "whole.xlsx"
    write_master(plan, units, shared_path, backup=False)
    monkeypatch.setattr(SharedColumns, "formula", lambda self, column, r, make: make(r))
    write_master(plan, units, whole_path, backup=False)
    monkeypatch.undo()
    shared_book = openpyxl.load_workbook(shared_path)
    whole_book = openpyxl.load_workbook(whole_path)
    followers = 0
    for ws in whole_book.worksheets:
        if ws.title == "_thidua":  # its seal is the digest of the bytes
            continue
        other = shared_book[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                assert other[cell.coordinate].value == cell.value, (ws.title, cell.coordinate)
    for index in range(1, len(whole_book.worksheets) + 1):
        followers += len(re.findall(r'<f t="shared" si="\d+"/>', _sheet_xml(shared_path, index)))
    assert followers > len(units)
    # and the same values stored beside them
    assert formula_cells(shared_path).keys() == formula_cells(whole_path).keys()
    for sheet, cells in formula_cells(whole_path).items():
        got = formula_cells(shared_path)[sheet]
        assert {ref: v[1] for ref, v in got.items()} == {ref: v[1] for ref, v in cells.items()}


def test_a_master_changed_in_place_keeps_its_followers_and_stores_their_values(tmp_path):
    soffice_or_skip()
    from tests.test_consolidate import send, setup_campaign
    from thidua.consolidate.collect import consolidate

    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    followers = len(re.findall(r'<f t="shared" si="\d+"/>', _sheet_xml(master)))
    assert followers >= 10 * (len(units) - 1)
    send(templates, inbox, plan, figures, list(templates)[::2])
    outcome = consolidate(plan, inbox, master, backup=False)
    assert outcome.written_how == "tai_cho"
    assert len(re.findall(r'<f t="shared" si="\d+"/>', _sheet_xml(master))) == followers
    out = recalculate([master], tmp_path / "lo")[0]
    assert differences(master, out) == []
