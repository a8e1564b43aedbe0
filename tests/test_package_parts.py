"""A master's big parts are read without being held twice.

A master of 33,210 units has a «Tổng hợp» sheet of 200 MB of XML. Reading it whole
(``Package.read``) must not hold it twice (zlib joining its blocks).
"""
from __future__ import annotations

import io
import tracemalloc
import zipfile

from thidua.workbook.package import Package
from thidua.workbook.sheet_xml import cell_xml

PART = "xl/worksheets/sheet1.xml"


def _sheet(rows: int, *, empty_every: int = 0) -> bytes:
    """A sheet part as this tool writes one: text, numbers, formulas, a few empty rows."""
    out = [b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<dimension ref="A1:E9"/><sheetData>']
    for r in range(1, rows + 1):
        if empty_every and r % empty_every == 0:
            out.append(f'<row r="{r}"/>'.encode())
            continue
        cells = (cell_xml(f"A{r}", f"Đơn vị <{r}> & co", 3) + cell_xml(f"B{r}", r * 1.5)
                 + cell_xml(f"C{r}", r % 2 == 0) + cell_xml(f"D{r}", r)
                 + f'<c r="E{r}" s="2"><f>SUM(B{r}:D{r})</f><v>{r * 2.5}</v></c>')
        out.append(f'<row r="{r}" spans="1:5">{cells}</row>'.encode())
    out.append(b'</sheetData><pageMargins left="0.75"/></worksheet>')
    return b"".join(out)


def _package(content: bytes, method: int = zipfile.ZIP_DEFLATED) -> Package:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        zf.writestr(PART, content)
        zf.writestr("small.xml", b"<a/>")
    return Package(buffer.getvalue())


def test_a_big_part_is_not_held_twice_when_read():
    xml = _sheet(60_000)  # about 20 MB
    package = _package(xml)
    tracemalloc.start()
    try:
        assert package.read(PART) == xml
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.3 * len(xml)  # not held twice while inflated
