"""Formula cells saved with the values they compute, as Excel saves them.

openpyxl writes every formula with an empty value (``<v></v>``). Excel shows
those empty values wherever it does not calculate: a file opened from an
e-mail or Zalo in Protected View, Outlook's and phones' previews. So the tool
stores, beside each formula, the value the engine computes for it: numbers,
text (``""`` for a blank), booleans. The workbook still asks to be
recalculated when it is opened (``fullCalcOnLoad``), so the stored values are
only what is shown before that.

How: writers build a :class:`Book` (an openpyxl ``Workbook``) and register,
with :meth:`Book.compute`, functions giving the values of the formula cells
they wrote (``{sheet title: {"D12": value}}``). The functions run when the
book is saved and read the book as it is then, so cells changed after a sheet
was built (figures carried over, a period recorded) are reflected. Facts a
formula depends on that the book does not hold yet (a template's unit, stamped
later) are passed as keyword arguments (:meth:`Book.formula_values`).
:func:`bake` then writes the values into the saved package: the ``<v>`` of
each formula cell, with its type (``t="str"`` for text, ``t="b"`` for a
boolean, none for a number).
"""
from __future__ import annotations

import functools
import io
import math
import os
import re
import zipfile
from collections.abc import Callable
from typing import Any
from thidua.xmltext import escape

from openpyxl import Workbook

#: sheet title -> {"A1": value}
Values = dict[str, dict[str, Any]]
Computer = Callable[["Book", dict], Values]

__all__ = ["Book", "Values", "bake", "formula_cells", "stored_values"]


class Book(Workbook):
    """A workbook whose formula cells are saved with their computed values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.computers: list[Computer] = []
        #: sheet title -> {column letter: (first row, last row)} of its shared formulas
        self.shared: dict[str, dict[str, tuple[int, int]]] = {}

    def share(self, sheet: str, column: str, first: int, last: int) -> None:
        """Store ``column``'s formula once for rows ``first``..``last`` (Excel's shared
        formula): the first row holds it, the others hold
        :data:`~thidua.workbook.shared_formulas.FOLLOWER` (see
        :mod:`thidua.workbook.shared_formulas`)."""
        self.shared.setdefault(sheet, {})[column] = (first, last)

    def compute(self, computer: Computer) -> Computer:
        """Register ``computer(book, facts) -> Values`` (run at each save)."""
        self.computers.append(computer)
        return computer

    def formula_values(self, **facts) -> Values:
        """The value of every formula cell the writers registered, as the book is now."""
        out: Values = {}
        for computer in self.computers:
            for sheet, cells in computer(self, facts).items():
                out.setdefault(sheet, {}).update(cells)
        return out

    def package(self) -> bytes:
        """The .xlsx bytes as openpyxl writes them (formulas without values), not compressed:
        :func:`bake` compresses once."""
        import datetime as dt

        from openpyxl.writer.excel import ExcelWriter

        buffer = io.BytesIO()
        if self.write_only and not self.worksheets:  # as openpyxl's own save
            self.create_sheet()
        self.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
        ExcelWriter(self, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True)).save()
        return buffer.getvalue()

    def cell_value(self, sheet: str, ref: str):
        """The value a cell holds (not a formula's)."""
        return self[sheet][ref].value if sheet in self.sheetnames else None

    def save(self, filename, **facts) -> None:  # noqa: D102 - openpyxl's, with values
        data = bake(self.package(), self.formula_values(**facts), self.cell_value, self.shared)
        if hasattr(filename, "write"):
            filename.write(data)
            return
        with open(os.fspath(filename), "wb") as fh:
            fh.write(data)


# ------------------------------------------------------------------ the package
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_RE = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.S)
_SHEET_RE2 = re.compile(r'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"', re.S)
_REL_RE = re.compile(r'<Relationship\b([^>]*)/?>', re.S)
_ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


def _unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


def sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    """Sheet title -> part name (``xl/worksheets/sheet1.xml``) of a package's files."""
    book = files["xl/workbook.xml"].decode("utf-8")
    rels = files["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {}
    for m in _REL_RE.finditer(rels):
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        target = attrs.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[attrs.get("Id")] = target
    out = {}
    for m in _SHEET_RE.finditer(book):
        out[_unescape(m.group(1))] = targets.get(m.group(2), "")
    for m in _SHEET_RE2.finditer(book):
        out.setdefault(_unescape(m.group(2)), targets.get(m.group(1), ""))
    return out


def _number_xml(number: float) -> tuple[str, str]:
    """(type attribute, <v> text) of a number: whole ones without «.0», infinities and NaN
    as Excel's #NUM!."""
    if number.is_integer() and abs(number) < 1e15:
        return "", str(int(number))
    if math.isfinite(number):
        return "", repr(number)
    return ' t="e"', "#NUM!"


def _value_xml(value) -> tuple[str, str]:
    """(type attribute, <v> text) of a value."""
    kind = type(value)
    if kind is str:  # the common cases first (33,210 units × a dozen formulas)
        return ' t="str"', escape(value)
    if kind is float:
        return _number_xml(value)
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if value is None:
        return ' t="str"', ""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, (int, float)):
        return _number_xml(float(value))
    return ' t="str"', escape(str(value))


_TYPE_RE = re.compile(r'\s+t="[^"]*"')

# a formula cell: its reference (column, row), attributes, formula (<f>text</f>, <f …>text</f>
# or <f …/>: a shared formula's follower; formula text never holds "<") and what follows it
_FORMULA_CELL = re.compile(r'<c r="([A-Z]+)([0-9]+)"([^>]*)>(<f[^>]*/>|<f([^>]*)>([^<]*)</f>)'
                           r'((?:<v>[^<]*</v>|<v/>)?)</c>')


@functools.lru_cache(maxsize=256)
def _untyped(attrs: str) -> str:
    return _TYPE_RE.sub("", attrs)


def _bake_sheet(xml: str, cells: dict[str, Any],
                shared: dict[str, tuple[int, int]] | None = None) -> str:
    """The sheet with each formula cell's value stored (``<f>…</f><v>value</v>``, typed), and
    the columns ``shared`` ({column: (first row, last row)}) stored as shared formulas: the
    first row's ``<f>`` holds the range, the followers' (written as
    :data:`~thidua.workbook.shared_formulas.FOLLOWER`) only its index."""
    from thidua.workbook.shared_formulas import FOLLOWER_TEXT

    index = {column: (str(si), first, last)
             for si, (column, (first, last)) in enumerate(sorted((shared or {}).items()))}
    missing = object()

    def put(m: re.Match) -> str:
        column, row, attrs, f, f_attrs, text, stored = m.groups()
        value = cells.get(column + row, missing)
        where = index.get(column)
        if where is not None and (text == FOLLOWER_TEXT or int(row) == where[1]):
            si, first, last = where
            if not first <= int(row) <= last:
                raise ValueError(f"{column}{row}: a shared formula's follower outside its range")
            f = (f'<f t="shared" si="{si}"/>' if text == FOLLOWER_TEXT else
                 f'<f t="shared" ref="{column}{first}:{column}{last}" si="{si}">{text}</f>')
        elif text == FOLLOWER_TEXT:
            raise ValueError(f"{column}{row}: a shared formula's follower outside its range")
        elif value is missing:
            return m.group(0)
        if value is missing:
            return f'<c r="{column}{row}"{attrs}>{f}{stored}</c>'
        kind, v = _value_xml(value)
        return f'<c r="{column}{row}"{_untyped(attrs)}{kind}>{f}<v>{v}</v></c>'

    out = _FORMULA_CELL.sub(put, xml)
    if (index or FOLLOWER_TEXT in xml) and FOLLOWER_TEXT in out:
        raise ValueError("a shared formula's follower not written as one")
    return out


def bake(data: bytes, values: Values, cell_value=None,
         shared: dict[str, dict[str, tuple[int, int]]] | None = None) -> bytes:
    """The package ``data`` with ``values`` stored in its formula cells (others unchanged),
    the columns ``shared`` stored as shared formulas (see :meth:`Book.share`), and its
    charts with the values of the cells they plot (``cell_value(sheet, ref)`` gives a cell
    that is not a formula), as Excel keeps them to draw a chart before calculating."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = src.infolist()
        files = {info.filename: src.read(info.filename) for info in infos}
    parts = sheet_parts(files)
    from thidua.workbook.shared_formulas import FOLLOWER_TEXT

    shared = shared or {}
    for sheet, part in parts.items():
        cells, columns = values.get(sheet) or {}, shared.get(sheet)
        if part not in files or not (cells or columns or FOLLOWER_TEXT.encode() in files[part]):
            continue
        files[part] = _bake_sheet(files[part].decode("utf-8"), cells, columns).encode("utf-8")
    if cell_value is not None:
        def lookup(sheet: str, ref: str):
            cells = values.get(sheet, {})
            return cells[ref] if ref in cells else cell_value(sheet, ref)
        for name in files:
            if name.startswith("xl/charts/chart") and name.endswith(".xml"):
                files[name] = _bake_chart(files[name].decode("utf-8"), lookup).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, files[info.filename])
    return out.getvalue()


_SERIES_RE = re.compile(r"<(cat|val)><numRef><f>([^<]*)</f>(?:<numCache>.*?</numCache>)?</numRef></\1>",
                        re.S)


def _range_values(formula: str, lookup) -> list:
    from openpyxl.utils import get_column_letter, range_boundaries

    sheet, _, ref = _unescape(formula).rpartition("!")
    sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
    lo_col, lo_row, hi_col, hi_row = range_boundaries(ref.replace("$", ""))
    return [lookup(sheet, f"{get_column_letter(c)}{r}")
            for r in range(lo_row, hi_row + 1) for c in range(lo_col, hi_col + 1)]


def _bake_chart(xml: str, lookup) -> str:
    """Each series' categories and values with their cache (text categories as text)."""
    def put(m: re.Match) -> str:
        kind, formula = m.group(1), m.group(2)
        try:
            values = _range_values(formula, lookup)
        except (ValueError, KeyError):
            return m.group(0)
        numbers = [v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
                   for v in values]
        if kind == "cat" and any(isinstance(v, str) and v for v in values):
            points = "".join(f'<pt idx="{i}"><v>{escape(str(v))}</v></pt>'
                             for i, v in enumerate(values) if v not in (None, ""))
            return (f"<cat><strRef><f>{formula}</f><strCache><ptCount val=\"{len(values)}\"/>"
                    f"{points}</strCache></strRef></cat>")
        points = "".join(f'<pt idx="{i}"><v>{_value_xml(v)[1]}</v></pt>'
                         for i, v in enumerate(numbers) if v is not None)
        return (f"<{kind}><numRef><f>{formula}</f><numCache><formatCode>General</formatCode>"
                f"<ptCount val=\"{len(values)}\"/>{points}</numCache></numRef></{kind}>")
    return _SERIES_RE.sub(put, xml)


# ------------------------------------------------------------------ reading back
def _files(path_or_bytes) -> dict[str, bytes]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(source) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


_STORED_RE = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)>(?:<f>.*?</f>|<f/>|<f [^>]*/>|<f [^>]*>.*?</f>)'
                        r'(?:<v>([^<]*)</v>|<v/>)?', re.S)


def formula_cells(path_or_bytes) -> dict[str, dict[str, tuple[str | None, str | None]]]:
    """Sheet title -> {"A1": (type attribute, stored text or None)} for every formula cell."""
    files = _files(path_or_bytes)
    out: dict[str, dict[str, tuple[str | None, str | None]]] = {}
    for sheet, part in sheet_parts(files).items():
        if part not in files:
            continue
        cells = {}
        for m in _STORED_RE.finditer(files[part].decode("utf-8")):
            kind = re.search(r'\bt="([^"]*)"', m.group(2))
            text = m.group(3)
            cells[m.group(1)] = (kind.group(1) if kind else None,
                                 None if text is None else _unescape(text))
        out[sheet] = cells
    return out


def stored_values(path_or_bytes) -> Values:
    """Sheet title -> {"A1": value} of every formula cell: the value stored with it
    (a number, text, a boolean; None where nothing is stored)."""
    out: Values = {}
    for sheet, cells in formula_cells(path_or_bytes).items():
        values = {}
        for ref, (kind, text) in cells.items():
            if text is None or (text == "" and kind != "str"):
                values[ref] = None
            elif kind in ("str", "inlineStr", "e"):
                values[ref] = text
            elif kind == "b":
                values[ref] = text == "1"
            else:
                values[ref] = float(text)
        out[sheet] = values
    return out
