"""A master's big parts are read without being held twice, or whole.

A master of 33,210 units has a «Tổng hợp» sheet of 200 MB of XML. Reading it whole
(``Package.read``) must not hold it twice (zlib joining its blocks); scanning it
(``sheet_rows``) or changing a few rows of it (``patch_rows``) reads it a piece at a time
(``Package.pieces``, regrouped into whole rows by ``whole_rows``) and gives exactly what
the whole part gives.
"""
from __future__ import annotations

import io
import os
import random
import re
import tracemalloc
import zipfile

import pytest

from thidua.workbook.package import Package, write_meta_rows
from thidua.workbook.sheet_xml import cell_xml, patch_rows, sheet_rows, table_sheet_xml, whole_rows

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


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("size", [1, 7, 1000, 1 << 22])
def test_pieces_give_the_part_exactly(method, size):
    xml = _sheet(300)
    package = _package(xml, method)
    pieces = list(package.pieces(PART, size))
    assert b"".join(pieces) == xml
    assert all(len(p) <= size for p in pieces)
    assert PART not in package._content  # not kept: read again next time
    assert b"".join(package.pieces("small.xml", size)) == b"<a/>"


def test_pieces_of_a_damaged_part_fail():
    xml = _sheet(300)
    package = _package(xml)
    member = package._members[PART]
    member.crc ^= 1
    with pytest.raises(zipfile.BadZipFile):
        b"".join(package.pieces(PART, 512))


def test_damaged_names_the_first_part_that_does_not_inflate_whole():
    xml = _sheet(300)
    assert _package(xml).damaged() is None
    package = _package(xml)
    raw = bytearray(package._members[PART].raw)
    raw[len(raw) // 2:len(raw) // 2 + 16] = bytes(b ^ 0x55 for b in raw[len(raw) // 2:len(raw) // 2 + 16])
    package._members[PART].raw = bytes(raw)
    assert package.damaged() == PART
    package.write(PART, b"<new/>")  # replaced: whole again
    assert package.damaged() is None


def test_a_part_set_since_opening_is_given_as_it_is():
    package = _package(_sheet(3))
    package.write(PART, b"<new/>")
    assert list(package.pieces(PART)) == [b"<new/>"]


@pytest.mark.parametrize("size", [1, 5, 64, 333, 10_000])
def test_whole_rows_end_after_a_row(size):
    xml = _sheet(200, empty_every=7)
    pieces = list(whole_rows(xml[i:i + size] for i in range(0, len(xml), size)))
    assert b"".join(pieces) == xml
    for piece in pieces[:-1]:
        assert piece.endswith(b"</row>")
    for piece in pieces:  # every row that starts in a piece ends in it
        assert piece.count(b"<row ") == piece.count(b"</row>") + len(re.findall(rb"<row [^>]*/>",
                                                                                 piece))


@pytest.mark.parametrize("size", [3, 97, 4096])
def test_sheet_rows_of_pieces_equal_those_of_the_whole_part(size):
    xml = _sheet(500, empty_every=11)
    package = _package(xml)
    for kwargs in ({}, {"columns": {"A", "E"}}, {"columns": {"B"}, "first_row": 40, "last_row": 77},
                   {"columns": {"C", "D"}, "rows": {5, 6, 499}}):
        assert sheet_rows(package.pieces(PART, size), **kwargs) == sheet_rows(xml, **kwargs)


@pytest.mark.parametrize("size", [3, 97, 4096])
def test_patch_rows_of_pieces_equal_those_of_the_whole_part(size):
    xml = _sheet(400, empty_every=13)
    package = _package(xml)
    rng = random.Random(size)
    changes = {r: {"B": cell_xml(f"B{r}", -r), "F": cell_xml(f"F{r}", "mới")}
               for r in rng.sample(range(1, 401), 40)}
    changes[13] = {"A": cell_xml("A13", "hàng trống")}  # an empty row gets a cell

    def then(r: int, row: bytes) -> bytes:
        return row.replace(b"<v>", b"<v>" + str(r).encode() + b"0", 1)

    whole = b"".join(patch_rows(xml, changes, then))
    assert b"".join(patch_rows(package.pieces(PART, size), changes, then)) == whole
    assert sheet_rows(whole, columns={"A"})[13] == {"A": ("hàng trống", 0)}


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


def test_a_big_part_is_scanned_a_piece_at_a_time():
    xml = _sheet(60_000)
    package = _package(xml)
    tracemalloc.start()
    try:
        rows = sheet_rows(package.pieces(PART), columns={"D"}, rows={60_000})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == {60_000: {"D": (60_000, 0)}}
    assert peak < len(xml) / 3  # a few pieces at a time, never the whole part


def test_a_big_table_sheet_goes_into_the_package_a_row_at_a_time():
    rows = {r: [(f"Tệp {r}.xlsx", 0), ("ab" * 32, 0), ("XA01", 3), ("31/01/2024 15:45:00", 0),
                ("đang dùng", 0)] for r in range(1, 30_001)}  # a receipt log of 30,000 files
    whole = b"".join(table_sheet_xml(rows, widths=[10] * 5, freeze="A4"))
    assert whole.startswith(b"<worksheet") and whole.endswith(b"</worksheet>")
    assert sheet_rows(whole)[30_000]["E"] == ("đang dùng", 0)
    package = _package(b"<a/>")
    tracemalloc.start()
    try:
        package.write("xl/worksheets/sheet9.xml", table_sheet_xml(rows, widths=[10] * 5,
                                                                  freeze="A4"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert package.read("xl/worksheets/sheet9.xml") == whole
    assert peak < len(whole)  # never one string, nor one bytes (it was both: four times it)


def _meta_part(rows: int) -> bytes:
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:B9"/><sheetViews/><sheetData>'
            + b"".join(f'<row r="{r}">{cell_xml(f"A{r}", f"bien_nhan#{r}")}'
                       f'{cell_xml(f"B{r}", "x" * 30_000)}</row>'.encode() for r in range(1, rows + 1))
            + b'</sheetData><pageMargins left="0.75"/></worksheet>')


def test_the_metadata_sheet_is_rewritten_without_its_old_rows_held_whole():
    old = _meta_part(600)  # 18 MB of receipts
    package = _package(old)
    tracemalloc.start()
    try:
        write_meta_rows(package, PART, [("loai", "so_tong_hop"), ("phien_ban", 2)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(old) / 2  # a few pieces of the old rows at a time
    new = package.read(PART)
    assert new == (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   b'<dimension ref="A1:B2"/><sheetViews/><sheetData>'
                   b'<row r="1"><c r="A1" t="inlineStr"><is><t>loai</t></is></c>'
                   b'<c r="B1" t="inlineStr"><is><t>so_tong_hop</t></is></c></row>'
                   b'<row r="2"><c r="A2" t="inlineStr"><is><t>phien_ban</t></is></c>'
                   b'<c r="B2" t="n"><v>2</v></c></row>'
                   b'</sheetData><pageMargins left="0.75"/></worksheet>')
    # an empty sheet (<sheetData/>) gets its rows too, a piece at a time or not
    for size in (5, 1 << 20):
        package = _package(b'<worksheet><dimension ref="A1"/><sheetData/><x/></worksheet>')
        package.pieces = lambda name, size=size, read=package.pieces: read(name, size)
        write_meta_rows(package, PART, [("k", "v")])
        assert package.read(PART) == (b'<worksheet><dimension ref="A1:B1"/><sheetData><row r="1">'
                                      b'<c r="A1" t="inlineStr"><is><t>k</t></is></c>'
                                      b'<c r="B1" t="inlineStr"><is><t>v</t></is></c></row>'
                                      b'</sheetData><x/></worksheet>')


def test_a_big_part_written_in_pieces_is_compressed_into_one_buffer():
    size = 24 * 1024 * 1024
    pieces = (os.urandom(1 << 16) for _ in range(size >> 16))  # does not compress: the worst
    package = _package(b"<a/>")
    tracemalloc.start()
    try:
        package.write("xl/media/big.bin", pieces)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert package.fingerprints()["xl/media/big.bin"][1] == size
    assert peak < 1.5 * size  # not its compressed pieces and their join (twice it)


def test_a_big_part_is_compressed_on_a_second_thread_as_its_pieces_come():
    import threading
    import zlib

    from thidua.workbook.package import _deflated

    pieces = [f"<row r=\"{r}\"><c r=\"A{r}\"><v>{r}</v></c></row>".encode() for r in range(90_000)]
    crc, size, raw = _deflated(iter(pieces))
    whole = b"".join(pieces)
    assert (crc, size) == (zlib.crc32(whole), len(whole)) and size > 2 * 1024 * 1024
    assert zlib.decompress(bytes(raw), -15) == whole

    def broken():
        yield b"<row/>" * 300_000
        raise RuntimeError("hỏng giữa chừng")

    with pytest.raises(RuntimeError, match="hỏng giữa chừng"):
        _deflated(broken())
    assert not [t for t in threading.enumerate() if t.name == "thidua-deflate"]
