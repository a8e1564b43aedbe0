"""Cells of a sheet part written by this tool: read as openpyxl reads them, written as it writes.

* :func:`sheet_rows` — the values (and format ids) of the cells of some columns and rows,
  found with ``bytes.find`` (text and formulas are escaped, so ``<row`` and ``<c`` appear
  nowhere else) — values as openpyxl (``data_only``) reads what openpyxl writes;
* :func:`cell_xml` — one cell as openpyxl writes it; :func:`as_read` what reading it gives;
* :func:`patch_rows` — a sheet with some cells of some rows replaced, as a stream of pieces;
* :func:`table_sheet_xml` — a whole sheet of plain rows (the report, the receipt log), a
  row at a time.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Callable, Iterable, Iterator
from thidua.xmltext import escape

__all__ = ["sheet_rows", "whole_rows", "cell_xml", "as_read", "patch_rows", "table_sheet_xml",
           "col_letter", "col_index"]


def col_letter(n: int) -> str:
    """Excel's letters of the 1-based column ``n`` (1 → A, 27 → AA): the one place."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """The 1-based column of Excel's ``letters`` (any case): the one place."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')
_ROW_CELL_NUMBER = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t\b[^>]*?(?:/>|>([^<]*)</t>)")
_ENTITY = re.compile(rb"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {b"lt": b"<", b"gt": b">", b"amp": b"&", b"quot": b'"', b"apos": b"'"}


def _entity(m: re.Match) -> bytes:
    name = m.group(1)
    if name[:1] == b"#":
        code = int(name[2:], 16) if name[1:2] == b"x" else int(name[1:])
        return chr(code).encode("utf-8")
    return _NAMED[name]


def _xml_text(raw: bytes) -> str:
    """XML character data as text (the five entities and character references)."""
    if len(raw) > 256:
        return _xml_text_uncached(raw)
    return _xml_text_cached(raw)


def _xml_text_uncached(raw: bytes) -> str:
    if b"&" in raw:
        raw = _ENTITY.sub(_entity, raw)
    return raw.decode("utf-8")


_xml_text_cached = functools.lru_cache(maxsize=4096)(_xml_text_uncached)


def _rows(xml: bytes):
    """(row number, start of the row element, start and end of its content, end of the
    element) of every ``<row>`` (found with ``bytes.find``: text and formulas are escaped,
    so ``<row`` and ``</row>`` appear nowhere else)."""
    pos = 0
    while True:
        start = xml.find(b"<row ", pos)
        if start < 0:
            return
        head_end = xml.find(b">", start) + 1
        number = int(_ROW_NUMBER.search(xml, start, head_end).group(1))
        if xml[head_end - 2:head_end] == b"/>":
            yield number, start, head_end, head_end, head_end
            pos = head_end
            continue
        close = xml.find(b"</row>", head_end)
        yield number, start, head_end, close, close + 6
        pos = close + 6


def _cell_at(xml: bytes, start: int) -> tuple[bytes, bytes | None, int]:
    """(attributes, content or None, end) of the ``<c …>`` element starting at ``start``."""
    head_end = xml.find(b">", start) + 1
    if xml[head_end - 2:head_end] == b"/>":
        return xml[start:head_end - 2], None, head_end
    close = xml.find(b"</c>", head_end)
    return xml[start:head_end - 1], xml[head_end:close], close + 4


def _cell_value(attrs: bytes, body: bytes | None):
    """A cell's value as openpyxl (``data_only``) reads what openpyxl writes."""
    kind = _TYPE.search(attrs)
    kind = kind.group(1) if kind else b"n"
    if not body:
        return None
    if kind == b"inlineStr":
        start = body.find(b"<is>")
        if start < 0:
            return None
        inline = body[start:body.find(b"</is>", start)]
        if b"<rPh" in inline:  # phonetic runs are not text
            inline = re.sub(rb"<rPh\b.*?</rPh>", b"", inline, flags=re.S)
        return _xml_text(b"".join(m.group(1) or b"" for m in _TEXT.finditer(inline)))
    m = _VALUE.search(body)
    if not m or not m.group(1):
        return None
    text = _xml_text(m.group(1))
    if kind == b"n":
        return float(text) if ("." in text or "E" in text or "e" in text) else int(text)
    if kind == b"b":
        return bool(int(text))
    if kind in (b"str", b"e"):
        return text
    if kind == b"s":
        raise ValueError("shared strings are not read here")
    if kind == b"d":
        return dt.datetime.fromisoformat(text.rstrip("Z"))
    return text


def whole_rows(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces of a sheet part (as :meth:`~thidua.workbook.package.Package.pieces` gives
    them) joined again as pieces that each end right after a ``</row>`` (the last: what is
    left), so every row is whole in one piece (``</row>`` appears nowhere else)."""
    rest = b""
    for piece in pieces:
        cut = piece.rfind(b"</row>")
        if cut < 0:
            rest += piece
            continue
        cut += len(b"</row>")
        yield rest + piece[:cut] if rest or cut < len(piece) else piece
        rest = piece[cut:]
    if rest:
        yield rest


def _pieces(xml: bytes | Iterable[bytes]) -> Iterable[bytes]:
    """A sheet part given whole or as pieces, as pieces of whole rows."""
    return (xml,) if isinstance(xml, (bytes, bytearray)) else whole_rows(xml)


def sheet_rows(xml: bytes | Iterable[bytes], *, columns: set[str] | None = None,
               first_row: int = 1, last_row: int | None = None,
               rows: set[int] | None = None) -> dict[int, dict[str, tuple[object, int]]]:
    """{row: {column letter: (value, style id)}} of the cells of a sheet part (its bytes, or
    its pieces: see :func:`whole_rows`).

    For parts this tool wrote (inline strings): values as openpyxl reads them
    with ``data_only`` (formulas without a stored value read as None); only
    ``columns`` when given, only rows ``first_row``..``last_row``.
    """
    out: dict[int, dict[str, tuple[object, int]]] = {}
    wanted = sorted(columns) if columns is not None else None
    for xml in _pieces(xml):
        if not _rows_of(xml, out, wanted, first_row, last_row, rows):
            break
    return out


def _rows_of(xml: bytes, out: dict, wanted: list[str] | None, first_row: int,
             last_row: int | None, rows: set[int] | None) -> bool:
    """:func:`sheet_rows` of one piece of whole rows, into ``out``; False past ``last_row``."""
    for r, _start, body, close, _end in _rows(xml):
        if r < first_row:
            continue
        if last_row is not None and r > last_row:
            return False
        if body == close or (rows is not None and r not in rows):
            continue
        cells: dict[str, tuple[object, int]] = {}
        if wanted is not None:
            suffix = str(r).encode()
            for col in wanted:
                at = xml.find(b'<c r="' + col.encode() + suffix + b'"', body, close)
                if at >= 0:
                    attrs, content, _ = _cell_at(xml, at)
                    style = _STYLE.search(attrs)
                    cells[col] = (_cell_value(attrs, content), int(style.group(1)) if style else 0)
        else:
            pos = body
            while True:
                at = xml.find(b"<c ", pos, close)
                if at < 0:
                    break
                attrs, content, pos = _cell_at(xml, at)
                ref = _CELL_REF.match(attrs)
                style = _STYLE.search(attrs)
                cells[ref.group(1).decode("ascii")] = (_cell_value(attrs, content),
                                                       int(style.group(1)) if style else 0)
        out[r] = cells
    return True


def cell_xml(ref: str, value, style: int | None = None) -> str:
    """One cell as openpyxl writes it (text as an inline string; floats exactly)."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s} t="n"></c>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s} t="n"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"{s} t="n"><v>{float.__repr__(value)}</v></c>'
    text = str(value)
    space = ' xml:space="preserve"' if text.strip() and text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def as_read(value):
    """The value :func:`sheet_rows` gives for the cell :func:`cell_xml` writes for ``value``."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, int, float)):
        return value
    return str(value)


def patch_rows(xml: bytes | Iterable[bytes], changes: dict[int, dict[str, str]],
               then: Callable[[int, bytes], bytes] | None = None):
    """The sheet part (its bytes, or its pieces: see :func:`whole_rows`), as pieces to join (a
    generator: the rows left alone are not copied), with, in each row of ``changes``, the
    cells ``{column: cell xml}`` replaced (added in column order when the row lacks them; ""
    removes a cell), and then (``then(row, row xml)``) whatever else the row needs."""
    if not changes:
        yield from ((xml,) if isinstance(xml, (bytes, bytearray)) else xml)
        return
    for piece in _pieces(xml):
        yield from _patched_piece(piece, changes, then)


def _patched_piece(xml: bytes, changes: dict[int, dict[str, str]],
                   then: Callable[[int, bytes], bytes] | None):
    view = memoryview(xml)
    last = 0
    for r, start, body, close, end in _rows(xml):
        wanted = changes.get(r)
        if wanted is None:
            continue
        head = xml[start:body]
        if head.endswith(b"/>"):  # <row r="…"/>
            head = head[:-2] + b">"
        row = head + _patched_row(xml, body, close, wanted) + b"</row>"
        yield view[last:start]
        yield then(r, row) if then is not None else row
        last = end
    yield view[last:]


def _patched_row(xml: bytes, body: int, close: int, wanted: dict[str, str]) -> bytes:
    suffix = b""
    left = dict(wanted)
    pieces, pos = [], body
    # the cells asked for are usually there: replace them, leave the rest of the row as it is
    number = _ROW_CELL_NUMBER.search(xml, body, close)
    if number is not None:
        suffix = number.group(1)
    for col in sorted(left, key=col_index):
        at = xml.find(b'<c r="' + col.encode("ascii") + suffix + b'"', pos, close) if suffix else -1
        if at < 0:
            break
        _, _, cell_end = _cell_at(xml, at)
        pieces += [xml[pos:at], left.pop(col).encode("utf-8")]
        pos = cell_end
    if not left:
        pieces.append(xml[pos:close])
        return b"".join(pieces)
    # some are missing: go cell by cell, adding them in column order
    pieces, pos, left = [], body, dict(wanted)
    while True:
        at = xml.find(b"<c ", pos, close)
        if at < 0:
            break
        attrs, _, cell_end = _cell_at(xml, at)
        col = _CELL_REF.match(attrs).group(1).decode("ascii")
        pieces.append(xml[pos:at])
        for extra in sorted((c for c in left if col_index(c) < col_index(col)), key=col_index):
            pieces.append(left.pop(extra).encode("utf-8"))
        pieces.append(left.pop(col).encode("utf-8") if col in left else xml[at:cell_end])
        pos = cell_end
    pieces.append(xml[pos:close])
    for extra in sorted(left, key=col_index):
        pieces.append(left[extra].encode("utf-8"))
    return b"".join(pieces)


def table_sheet_xml(rows: dict[int, list[tuple[object, int]]], *, widths: list[float],
                    heights: dict[int, float] | None = None, freeze: str | None = None,
                    autofilter: str | None = None, landscape: bool = True) -> Iterator[bytes]:
    """A plain sheet as openpyxl writes one, as pieces to join (a row at a time: the receipt
    log of 33,210 files is never one string): cells ``{row: [(value, style), …]}`` from
    column A, column widths, row heights, frozen rows above ``freeze``, an autofilter,
    printed on A4 fitted to the page width."""
    heights = heights or {}
    last_row = max(rows, default=1)
    last_col = max([len(cells) for cells in rows.values()] + [1])
    parts = ['<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr fitToPage="1"/>'
             f'</sheetPr><dimension ref="A1:{col_letter(last_col)}{last_row}"/><sheetViews>'
             '<sheetView workbookViewId="0">']
    if freeze:
        split = int(re.sub(r"[A-Z]", "", freeze)) - 1
        parts.append(f'<pane ySplit="{split}" topLeftCell="{freeze}" activePane="bottomLeft" '
                     'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')
    else:
        parts.append('<selection activeCell="A1" sqref="A1"/>')
    parts.append('</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
    if widths:
        parts.append("<cols>" + "".join(f'<col width="{w:g}" customWidth="1" min="{j}" max="{j}"/>'
                                        for j, w in enumerate(widths, start=1)) + "</cols>")
    parts.append("<sheetData>")
    yield "".join(parts).encode("utf-8")
    for r in range(1, last_row + 1):
        cells = rows.get(r, [])
        height = heights.get(r)
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        body = "".join(cell_xml(f"{col_letter(j)}{r}", value, style)
                       for j, (value, style) in enumerate(cells, start=1))
        yield f'<row r="{r}"{attrs}>{body}</row>'.encode("utf-8")
    parts = ["</sheetData>"]
    if autofilter:
        parts.append(f'<autoFilter ref="{autofilter}"/>')
    parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
                 'footer="0.5"/>')
    orientation = "landscape" if landscape else "portrait"
    parts.append(f'<pageSetup orientation="{orientation}" paperSize="9" fitToHeight="0" '
                 'fitToWidth="1"/></worksheet>')
    yield "".join(parts).encode("utf-8")
