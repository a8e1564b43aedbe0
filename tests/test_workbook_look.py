"""Every workbook the tool writes looks right in Excel, not only in LibreOffice (issue 13).

For every seed plan, freshly written: a unit template, the master, the unit list form,
the results workbook and the plan workbook. Checked part by part:

* every font has a name (Excel substitutes an unnamed font);
* list validations are written as Excel writes them (a name or a range, no «=»);
* no number format with optional decimals (``#,##0.##`` shows «1.234,» in Excel);
* titles in large type and wrapped text have rows tall enough (files are not re-measured
  when opened: a 14-pt title in a default row loses the marks above its capitals);
* printing: A4, fitted to the width only at 60 % or more, else split by columns at manual
  breaks with the key columns repeated; the print area ends with the content;
* the unit's «Ghi chú» cells are unlocked and empty, the office's cells locked.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from thidua.data import load_data
from thidua.demo import master_units, sample_path, write_plan_workbook
from thidua.engine import score
from thidua.output.results_xlsx import write_results
from thidua.plan import builtin_ids, load_plan
from thidua.units import read_unit_list, write_units_template
from thidua.workbook.generate import generate_templates
from thidua.workbook.master import write_master
from thidua.workbook.paper import MIN_SCALE, column_pixels, page_width, row_height, text_lines
from thidua.workbook.template import SHEET_INPUT, SHEET_META

import datetime as dt

WHEN = dt.datetime(2026, 11, 22, 8, 0, 0)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, dict[str, Path]]:
    out = tmp_path_factory.mktemp("look")
    made = {}
    for pid in builtin_ids():
        plan = load_plan(pid)
        folder = out / pid
        folder.mkdir()
        table = load_data(plan, sample_path(pid)).table
        units = read_unit_list(sample_path(pid), plan)
        made[pid] = {
            "mau": generate_templates(plan, units[:1], folder / "mau", workers=1)[0],
            "so": write_master(plan, master_units(plan, table.frame), folder / "so.xlsx",
                               backup=False),
            "ds": write_units_template(plan, folder / "ds.xlsx", backup=False),
            "kq": write_results(score(plan, table), folder / "kq.xlsx", backup=False),
        }
        if not str(plan.source).endswith(".xlsx"):  # a plan written as a workbook is copied
            made[pid]["kh"] = write_plan_workbook(pid, folder / "kh.xlsx", WHEN)
    return made


def _all(books):
    return [(pid, kind, path) for pid, kinds in books.items() for kind, path in kinds.items()]


def test_every_font_is_named(books):
    for pid, kind, path in _all(books):
        with zipfile.ZipFile(path) as zf:
            styles = zf.read("xl/styles.xml").decode()
        fonts = re.findall(r"<font>.*?</font>|<font/>", re.search(
            r"<fonts[^>]*>(.*?)</fonts>", styles, re.S).group(1), re.S)
        unnamed = [f for f in fonts if "<name " not in f]
        assert not unnamed, (pid, kind, unnamed)


def test_validations_and_number_formats_as_excel_writes_them(books):
    for pid, kind, path in _all(books):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for dv in ws.data_validations.dataValidation:
                if dv.type == "list":
                    assert not (dv.formula1 or "").startswith("="), (pid, kind, ws.title, dv.formula1)
            for row in ws.iter_rows():
                for cell in row:
                    assert ".#" not in cell.number_format, (pid, kind, ws.title, cell.coordinate,
                                                            cell.number_format)


def _merged_width(ws, cell) -> float:
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                       for c in range(rng.min_col, rng.max_col + 1))
    return ws.column_dimensions[cell.column_letter].width or 8.43


def test_titles_and_wrapped_text_have_room(books):
    for pid, kind, path in _all(books):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            for row in ws.iter_rows():
                for cell in row:
                    if not isinstance(cell.value, str) or cell.value.startswith("=") \
                            or "{{" in cell.value:
                        continue
                    size = cell.font.sz or 11
                    height = ws.row_dimensions[cell.row].height
                    where = (pid, kind, ws.title, cell.coordinate, cell.value[:40])
                    if size > 11:
                        assert height and height >= row_height(1, size), where
                    if cell.alignment.wrap_text:
                        lines = text_lines(cell.value, _merged_width(ws, cell), size)
                        if lines > 1:
                            # estimates differ a little between writers: at least all but a line
                            assert height and height >= row_height(lines - 1, size), where


def test_print_fits_at_sixty_percent_or_splits_with_key_columns(books):
    for pid, kind, path in _all(books):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            where = (pid, kind, ws.title)
            setup = ws.page_setup
            assert int(setup.paperSize) == 9, where
            if ws.sheet_properties.pageSetUpPr.fitToPage:
                assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0, where
                if ws.print_area:
                    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
                    last = openpyxl.utils.column_index_from_string(
                        re.findall(r"\$([A-Z]+)\$\d+", area)[-1])
                    width = sum(column_pixels(ws.column_dimensions[get_column_letter(j)].width)
                                for j in range(1, last + 1)
                                if not ws.column_dimensions[get_column_letter(j)].hidden)
                    portrait = setup.orientation == "portrait"
                    scale = 100 * page_width(portrait) / width
                    assert scale >= MIN_SCALE - 1, (where, round(scale))
            else:
                assert int(setup.scale) >= MIN_SCALE and ws.print_title_cols, where
                assert ws.col_breaks.brk, where


def test_print_area_ends_with_the_content(books):
    for pid, _, path in _all(books):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible" or not ws.print_area or ws._charts:
                continue
            area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
            last_row = int(re.findall(r"\$(\d+)", area)[-1])
            filled = max((c.row for row in ws.iter_rows() for c in row
                          if c.value not in (None, "")), default=1)
            assert last_row <= filled + 25, (pid, ws.title, area, filled)  # charts below a table
    # the unit list form: no print area, no empty formatted rows to print
    for pid, kinds in books.items():
        ws = openpyxl.load_workbook(kinds["ds"]).worksheets[0]
        assert not ws.print_area and ws.max_row <= 3, pid


def test_notes_are_unlocked_and_empty_office_cells_locked(books):
    import json

    for pid, kinds in books.items():
        wb = openpyxl.load_workbook(kinds["mau"])
        ws = wb[SHEET_INPUT]
        meta = {r[0]: r[1] for r in wb[SHEET_META].iter_rows(max_col=2, values_only=True)}
        layout = json.loads(meta["bo_cuc"])
        assert ws.protection.sheet
        for code, ref in layout["note_cells"].items():
            assert ws[ref].value is None and ws[ref].protection.locked is False, (pid, code)
        for code, ref in layout["input_cells"].items():
            assert ws[ref].protection.locked is (code in layout["office_only"]), (pid, code)
        for ref in layout["appraisal_cells"].values():
            assert ws[ref].protection.locked, (pid, ref)
