"""Generated workbooks stay within what Excel 2010 and LibreOffice both compute,
print on A4, and render (test-artifacts/ holds PNGs of each plan's template and
master, to look at)."""
import re
from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import pdftoppm_or_skip, soffice_or_skip
from thidua.plan import builtin_ids

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
ARTIFACTS = ROOT / "test-artifacts"
# Functions available since Excel 2007 and computed by LibreOffice; nothing newer
# (no XLOOKUP, IFS, LET, LAMBDA, FILTER, dynamic arrays), so no _xlfn. prefix is needed.
ALLOWED = {"IF", "AND", "OR", "NOT", "MIN", "MAX", "ABS", "ROUND", "SUM", "SUMPRODUCT",
           "COUNTIF", "COUNTIFS", "COUNTA", "COUNTBLANK", "INDEX", "MATCH", "LOOKUP", "CHOOSE",
           "IFERROR", "ISNUMBER", "ISBLANK", "AVERAGE", "TODAY", "TRUE", "FALSE", "NA", "LEN",
           "TRIM", "FIND", "COUNT",
           "CELL", "LEFT"}  # CELL("format") and LEFT: how the codecs tell a typed 85% (all versions)
FUNCTION = re.compile(r"(?<![A-Za-z0-9_.\"])([A-Z][A-Z0-9.]*)\(")


def workbooks():
    for plan_id in builtin_ids():
        folder = SAMPLES / plan_id
        yield plan_id, "so-tong-hop", folder / "so-tong-hop.xlsx"
        yield plan_id, "mau", sorted((folder / "mau-don-vi").glob("*.xlsx"))[0]


@pytest.mark.parametrize("plan_id, kind, path", list(workbooks()),
                         ids=[f"{p}-{k}" for p, k, _ in workbooks()])
def test_only_excel_2010_functions_and_a4(plan_id, kind, path):
    wb = openpyxl.load_workbook(path)
    used = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    text = re.sub(r'"[^"]*"', '""', cell.value)  # ignore string literals
                    used |= set(FUNCTION.findall(text))
        for dv in ws.data_validations.dataValidation:
            if dv.formula1:
                used |= set(FUNCTION.findall(re.sub(r'"[^"]*"', '""', dv.formula1)))
        if ws.sheet_state == "visible" and ws.max_row > 1:
            assert ws.page_setup.paperSize in (9, "9"), f"{path.name}/{ws.title} không in khổ A4"
    assert used, f"{path.name}: không có công thức nào"
    assert used <= ALLOWED, f"{path.name}: hàm không dùng được trên Excel 2010: {used - ALLOWED}"
    assert not any(name.startswith("_xlfn") for name in used)


def test_render_templates_and_masters_to_png():
    soffice_or_skip()
    pdftoppm_or_skip()
    from thidua.workbook import recalc
    ARTIFACTS.mkdir(exist_ok=True)
    paths = [p for _, _, p in workbooks()]
    copies = []
    for plan_id, kind, path in workbooks():
        copy = ARTIFACTS / f"{plan_id}-{kind}.xlsx"
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    pdfs = recalc.to_pdf(copies, ARTIFACTS)
    assert len(pdfs) == len(paths)
    for pdf in pdfs:
        pngs = recalc.to_png(pdf, ARTIFACTS, dpi=60)
        assert pngs and all(p.stat().st_size > 2000 for p in pngs)
