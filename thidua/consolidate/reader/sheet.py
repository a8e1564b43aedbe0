"""One worksheet part of an ``.xlsx``: the cells a read keeps, and every formula's place and text.

Sheets up to ``TREE_LIMIT`` are parsed as one tree — of their ``<sheetData>`` alone
when that slice parses (:func:`sheet_data_only`) — bigger ones are streamed, so
memory stays flat. Either way every cell with something in it goes to
:meth:`SheetScan.record`, which decides what is kept.

(Cutting the ``<sheetData>`` apart with regular expressions instead of the parser was
tried: Python's ``re`` takes 120–280 µs over a 15 KB sheet where expat builds the
whole tree in 170 µs.)
"""
from __future__ import annotations

import io
import re
from xml.etree import ElementTree as ET

from thidua.consolidate.reader import cells, plainxml
from thidua.consolidate.reader.cells import local as _local
from thidua.consolidate.reader.strings import rich_text

__all__ = ["MAX_FORMULAS", "SheetScan", "sheet_data_only", "formula_text"]

#: Formulas recorded per input sheet at most (a sane template has a few hundred).
MAX_FORMULAS = 200_000

_ROOT_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)(?=[\s>/])[^>]*>")
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?sheetData)(?=[\s>/])")


def sheet_data_only(content: bytes) -> bytes | None:
    """The worksheet with only its ``<sheetData>`` (half the parsing time), or None.

    Validations, conditional formats and the rest after the cells are never needed.
    Only for plain UTF-8/ASCII parts without comments or CDATA (``<!``), which could
    hide a closing tag; a slice that does not parse is re-parsed whole by the caller.
    """
    if plainxml.has(content, b"<!") or content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    root = _ROOT_TAG.search(content, 0, 4096)
    data = _SHEET_DATA.search(content, root.end()) if root else None
    if data is None:
        return None
    end_tag = b"</" + data.group(1) + b">"
    end = content.find(end_tag, data.end())
    if end < 0:
        tail = content.find(b">", data.end())
        if tail < 0 or content[tail - 1:tail] != b"/":
            return None
        end, end_tag = tail + 1, b""
    return (content[:root.end()] + content[data.start():end] + end_tag
            + b"</" + root.group(1) + b">")


def formula_text(text: str, kind: str | None, si: str | None, cell: str,
                 shared: dict[str, tuple[str, str]]) -> str | None:
    """"=…" for a cell's ``<f>``; shared-formula followers are translated from their anchor."""
    if kind == "shared":
        si = si or ""
        if text.strip():
            shared[si] = (cell, text)
        elif si in shared:
            anchor, anchor_text = shared[si]
            try:
                from openpyxl.formula.translate import Translator
                return Translator("=" + anchor_text, origin=anchor).translate_formula(cell)
            except Exception:  # noqa: BLE001 - an untranslatable formula is still a formula
                return "=" + anchor_text
        else:
            return "="
    return "=" + text


class SheetScan:
    """Collects the cells a sheet read needs, from a parsed tree or a stream."""

    def __init__(self, wanted, region, formulas: bool):
        self.wanted = wanted
        self.region = region or (0, 0)
        self.want_formulas = formulas
        self.max_row = max([r for r, _ in wanted] + [self.region[0]])
        self.raw: dict[tuple[int, int], tuple] = {}  # (row, col) -> (t, v, s, inline text)
        self.no_value: set[tuple[int, int]] = set()  # kept cells with a formula but no cached value
        self.formulas: dict[str, str] = {}
        self.shared: dict[str, tuple[str, str]] = {}

    def keep(self, pos: tuple[int, int]) -> bool:
        return pos in self.wanted or (pos[0] <= self.region[0] and pos[1] <= self.region[1])

    def record(self, pos: tuple[int, int], t: str | None, s: str | None, v: str | None,
               formula: tuple[str, str | None, str | None] | None, inline: str | None) -> None:
        """One cell with something in it; ``formula`` is (text, kind, shared index) of its <f>."""
        if self.keep(pos):
            self.raw[pos] = (t, v, s, inline)
            if formula is not None and v is None and inline is None:
                self.no_value.add(pos)
        if self.want_formulas and formula is not None and len(self.formulas) < MAX_FORMULAS:
            name = cells.cell_name(*pos)
            text = formula_text(formula[0], formula[1], formula[2], name, self.shared)
            if text is not None:
                self.formulas[name] = text

    # ---------------------------------------------------------------- a tree
    def tree(self, root: ET.Element) -> None:
        ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        data = root.find(ns + "sheetData")
        if data is None:
            return
        row_tag, c_tag, f_tag = ns + "row", ns + "c", ns + "f"
        wanted_rows = {r for r, _ in self.wanted}
        region_rows = self.region[0]
        row_no = 0
        for row in data:
            if row.tag != row_tag:
                continue
            r = row.get("r")
            row_no = int(r) if r and r.isdigit() else row_no + 1
            if row_no > self.max_row and not self.want_formulas:
                break
            if row_no > region_rows and row_no not in wanted_rows:
                # only formulas wanted here: skip cells without children at C speed
                complete = True
                for c in row:
                    if len(c) and c.tag == c_tag and (c[0].tag == f_tag or (
                            len(c) > 1 and c.find(f_tag) is not None)):
                        ref = c.get("r")
                        pos = cells.pos(ref) if ref else None
                        if pos is None:
                            complete = False  # positions by counting: the slow way
                            break
                        self.cell(c, pos, ns)
                if complete:
                    continue
            col_no = 0
            wanted, (region_rows, region_cols) = self.wanted, self.region
            for c in row:
                if c.tag != c_tag:
                    continue
                ref = c.get("r")
                pos = (cells.pos(ref) if ref else None) or (row_no, col_no + 1)
                col_no = pos[1]
                if not len(c):
                    continue  # no value, no formula
                if pos in wanted or (pos[0] <= region_rows and pos[1] <= region_cols) or (
                        self.want_formulas and c.find(f_tag) is not None):
                    self.cell(c, pos, ns)

    # ---------------------------------------------------------------- a stream
    def stream(self, content: bytes) -> None:
        row_no = col_no = 0
        sheet_data = None
        for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row_no = int(r) if r and r.isdigit() else row_no + 1
                    col_no = 0
                elif tag == "sheetData":
                    sheet_data = el
                continue
            if tag == "c":
                ref = el.get("r")
                pos = (cells.pos(ref) if ref else None) or (row_no, col_no + 1)
                col_no = pos[1]
                if self.keep(pos) or self.want_formulas:
                    self.cell(el, pos, el.tag[:-1])
                el.clear()
            elif tag == "row":
                el.clear()
                if sheet_data is not None:
                    sheet_data.clear()  # only finished rows are in it: memory stays flat
                if not self.want_formulas and row_no >= self.max_row:
                    break

    def cell(self, c: ET.Element, pos: tuple[int, int], ns: str) -> None:
        """A parsed ``<c>`` handed to :meth:`record`."""
        v = f = inline = None
        v_tag, f_tag, is_tag = ns + "v", ns + "f", ns + "is"
        for child in c:
            tag = child.tag
            if tag == v_tag:
                v = child.text
            elif tag == f_tag:
                f = child
            elif tag == is_tag:
                inline = rich_text(child)
        formula = None if f is None else (f.text or "", f.get("t"), f.get("si"))
        self.record(pos, c.get("t"), c.get("s"), v, formula, inline)
