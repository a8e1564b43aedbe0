"""``.xlsx``/``.xlsm``: the cells a check needs, read straight from the package, fast.

Read without openpyxl (and without calamine, see below): ``xl/workbook.xml`` and
its relationships give the sheets and the defined names (parsed once per distinct
content: every unit's copy of a template shares them), and the metadata sheet and
the input sheet are parsed once each — only their ``<sheetData>`` — collecting
only the cells needed (values, cell styles for dates and percentages, and every
formula). Shared strings are parsed only when a needed cell uses them, one by one
(:mod:`~thidua.consolidate.reader.strings`). Parts over
``TREE_LIMIT`` are streamed with ``iterparse``, so memory stays flat. About 1 ms of CPU
per template saved again by LibreOffice (``bench/RESULTS-notes.md``), far faster than
``pandas.read_excel(sheet_name=None, engine="openpyxl")``.

Why not python-calamine for ``.xlsx``: calamine builds a *dense* grid from the
first to the last used cell, so one value typed in ``XFD1048576`` makes it
allocate ~550 GB and abort the whole process (a Rust allocation failure, which
Python cannot catch); it also returns Excel errors (``#DIV/0!``) as empty
strings and whole numbers as floats.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import posixpath
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from thidua.consolidate.reader import cells, layout
from thidua.consolidate.reader.cells import local as _local
from thidua.consolidate.reader.failures import xml_error as _xml_error
from thidua.consolidate.reader.model import ReadFailure
from thidua.consolidate.reader.sheet import MAX_FORMULAS, SheetScan, sheet_data_only
from thidua.consolidate.reader.strings import SharedStrings
from thidua.text import nfc

__all__ = ["MAX_FORMULAS", "TREE_LIMIT", "read_xlsx"]

#: Sheet parts up to this size are parsed as one tree; bigger ones are streamed.
TREE_LIMIT = 8 * 1024 * 1024

_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_PERCENT_IDS = {9, 10}


@functools.lru_cache(maxsize=4096)
def _shared_text(text: str) -> str | None:
    """A shared string as a cell's value (the same labels in every unit's copy of a template:
    each is tidied once)."""
    return cells.text(cells.unescape(text))


def read_xlsx(source) -> None:
    """Fill ``source.result`` from the checked zip ``source`` (see ``read.Opened``)."""
    _OOXML(source).read()


@dataclass
class _Book:
    date1904: bool = False
    sheets: list[tuple[str, str, str | None]] = field(default_factory=list)  # name, state, part
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


_CACHE: dict[bytes, object] = {}
_CACHE_SIZE = 128


def _digest(*parts: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()


def _cache_get(key: bytes):
    return _CACHE.get(key)


def _cache_put(key: bytes, value) -> None:
    """Parsed parts shared by many files (every unit's copy of one template has the same)."""
    try:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)), None)
    except (RuntimeError, StopIteration):  # another thread changed it: just skip evicting
        pass
    _CACHE[key] = value


class _OOXML:
    def __init__(self, reader):
        self.r = reader
        self.fail = reader.fail
        self.date1904 = False
        self._strings: SharedStrings | None = None
        self._strings_path = ""
        self._rels_cache: dict[str, tuple[str, str]] | None = None
        self._styles: tuple[list[int], dict[int, str]] | None = None
        self._last_uncomputed: set[tuple[int, int]] = set()  # of the last ``_sheet`` read

    def _workbook_rels(self) -> dict[str, tuple[str, str]]:
        if self._rels_cache is None:
            content = self.r.part("xl/_rels/workbook.xml.rels") or b""
            key = b"rels" + _digest(content)
            cached = _cache_get(key)
            if cached is None:
                cached = self._rels("xl/_rels/workbook.xml.rels", base="xl")
                _cache_put(key, cached)
            self._rels_cache = cached
        return self._rels_cache

    def xml(self, name: str, *, required: bool = True):
        content = self.r.part(name)
        if content is None:
            if required:
                raise self.fail("tep_hong", detail=f"thiếu phần «{name}»")
            return None
        try:
            return ET.fromstring(content)
        except ET.ParseError as exc:
            raise self.fail("tep_hong", detail=f"phần «{name}» hỏng ({_xml_error(exc)})") from None

    def read(self) -> None:
        res = self.r.result
        content_types = self.r.part("[Content_Types].xml") or b""
        if (res.kind == "xlsm" or b"macroEnabled" in content_types
                or any(i.filename.lower() == "xl/vbaproject.bin" for i in self.r.members)):
            res.kind = "xlsm"
        else:
            res.kind = "xlsx"
        book = self._book()
        self.date1904 = book.date1904
        sheet_names = [name for name, _, _ in book.sheets]
        parts = {name: part for name, _, part in book.sheets}
        res.sheets = {name: state for name, state, _ in book.sheets}
        res.names = dict(book.names)
        res.saved_at = self._saved_at()
        # metadata
        meta_sheet = layout.meta_sheet(parts, res.names)
        if meta_sheet is not None:
            rows, _, _ = self._sheet(parts[meta_sheet], meta_sheet, region=(layout.META_ROWS, 2))
            res.meta = layout.meta_from(rows)
        codes = layout.codes_of(res.meta)
        res.input_sheet = layout.pick_input_sheet(sheet_names, res.names, codes, res.meta)
        where = layout.locate(codes, res.names, sheet_names, res.input_sheet)
        by_sheet: dict[str, set[tuple[int, int]]] = {}
        for sheet, row, col in where.values():
            by_sheet.setdefault(sheet, set()).add((row, col))
        if res.input_sheet is not None:
            by_sheet.setdefault(res.input_sheet, set())
        values: dict[tuple[str, int, int], object] = {}
        percent: set[tuple[str, int, int]] = set()
        uncomputed: set[tuple[str, int, int]] = set()
        for sheet, wanted in by_sheet.items():
            is_input = sheet == res.input_sheet
            rows, formulas, pct = self._sheet(parts.get(sheet), sheet, wanted=wanted,
                                              region=layout.UNIT_REGION if is_input else None,
                                              formulas=is_input)
            for (row, col) in wanted:
                values[(sheet, row, col)] = rows.get(row, {}).get(col)
            percent |= {(sheet, row, col) for row, col in pct}
            uncomputed |= {(sheet, row, col) for row, col in self._last_uncomputed}
            if is_input:
                res.formulas = formulas
                res.typed_unit = layout.typed_unit({r: c for r, c in rows.items()
                                                    if r <= layout.UNIT_REGION[0]})
        res.cells = {code: values.get(loc) for code, loc in where.items()}
        res.percent = {code for code, loc in where.items() if loc in percent}
        res.uncomputed = {code for code, loc in where.items() if loc in uncomputed}

    def _book(self) -> "_Book":
        """Sheets and defined names from xl/workbook.xml (cached by content: units share it)."""
        content = self.r.part("xl/workbook.xml")
        if content is None:
            raise self.fail("tep_hong", detail="thiếu phần «xl/workbook.xml»")
        key = b"book" + _digest(content, self.r.part("xl/_rels/workbook.xml.rels") or b"")
        cached = _cache_get(key)
        if cached is not None:
            return cached
        root = self.xml("xl/workbook.xml")
        rels = self._workbook_rels()
        book = _Book()
        for el in root.iter():
            tag = _local(el.tag)
            if tag == "workbookPr":
                book.date1904 = str(el.get("date1904", "")).lower() in ("1", "true")
            elif tag == "sheet":
                rid = next((v for k, v in el.attrib.items()
                            if k.startswith("{") and _local(k) == "id"), None)
                target = rels.get(rid, (None, ""))[0] if rid else None
                book.sheets.append((nfc(el.get("name") or ""), el.get("state") or "visible", target))
            elif tag == "definedName":
                name = el.get("name")
                if el.get("localSheetId") is None and name and el.text \
                        and not name.startswith("_xlnm."):
                    target = layout.name_target(el.text)
                    if target is not None:
                        book.names[name] = target
        _cache_put(key, book)
        return book

    def _rels(self, name: str, base: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (zip path, type) of a .rels part."""
        root = self.xml(name, required=False)
        out: dict[str, tuple[str, str]] = {}
        if root is None:
            return out
        for el in root.iter():
            if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
                continue
            target = (el.get("Target") or "").replace("\\", "/")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(base, target))
            out[el.get("Id") or ""] = (path, el.get("Type") or "")
        return out

    def _saved_at(self) -> str | None:
        try:
            root = self.xml("docProps/core.xml", required=False)
        except ReadFailure:  # damaged document properties do not matter
            return None
        if root is None:
            return None
        found = {}
        for el in root:
            if _local(el.tag) in ("modified", "created") and el.text and el.text.strip():
                found[_local(el.tag)] = el.text.strip()
        return found.get("modified") or found.get("created")

    # ---------------------------------------------------------- one sheet
    def _sheet(self, part: str | None, sheet: str, *, wanted: set[tuple[int, int]] = frozenset(),
               region: tuple[int, int] | None = None, formulas: bool = False):
        """(rows {row: {col: value}}, formulas {"D12": "=…"}, percent cells) of one sheet.

        Keeps the values of ``wanted`` cells and of the ``region`` (rows, columns) at
        the top left, and (``formulas``) every formula. Sheets up to
        ``TREE_LIMIT`` bytes are parsed as one tree (fastest); bigger ones are
        streamed, so memory stays flat.
        """
        content = self.r.part(part) if part else None
        if content is None:
            raise self.fail("tep_hong", detail=f"thiếu nội dung của trang «{sheet}»")
        scan = SheetScan(wanted, region, formulas)
        try:
            if len(content) <= TREE_LIMIT:
                sliced = sheet_data_only(content)
                root = None
                if sliced is not None:
                    try:
                        root = ET.fromstring(sliced)
                    except ET.ParseError:
                        root = None  # judged on the whole part below
                scan.tree(root if root is not None else ET.fromstring(content))
            else:
                scan.stream(content)
        except (ET.ParseError, ValueError) as exc:
            raise self.fail("tep_hong", detail=f"trang «{sheet}» hỏng ({_xml_error(exc)})") from None
        rows: dict[int, dict[int, object]] = {}
        percent: set[tuple[int, int]] = set()
        self._last_uncomputed = {pos for pos in scan.no_value if pos in wanted}
        for (row, col), (t, v, s, inline) in scan.raw.items():
            value, is_percent = self._value(t, v, s, inline)
            if value is not None:
                rows.setdefault(row, {})[col] = value
            if is_percent:
                percent.add((row, col))
        return rows, scan.formulas, percent

    def _value(self, t, v, s, inline):
        """(value, shows as percent) of a cell from its type, raw text and style."""
        if t == "inlineStr":
            return cells.text(cells.unescape(inline or "")), False
        if v is None:
            return None, False
        if t == "s":
            try:
                index = int(v)
            except ValueError:
                return None, False
            return _shared_text(self._shared(index)), False
        if t == "str":
            return cells.text(cells.unescape(v)), False
        if t == "b":
            return v.strip().lower() in ("1", "true"), False
        if t == "e":
            return cells.text(v), False
        if t == "d":
            try:
                return dt.datetime.fromisoformat(v.strip().rstrip("Z")), False
            except ValueError:
                return cells.text(v), False
        try:
            x = float(v)
        except ValueError:
            return None, False
        if not math.isfinite(x):
            return None, False
        kind = self._format_kind(s)
        if kind == "date":
            return _from_serial(x, self.date1904), False
        return cells.number(x), kind == "percent"

    def _shared(self, index: int) -> str:
        """Shared string ``index`` ("" when there is none); the table is parsed as needed."""
        if self._strings is None:
            rels = self._workbook_rels()
            path = next((p for p, typ in rels.values() if typ.endswith("/sharedStrings")),
                        "xl/sharedStrings.xml")
            self._strings_path = path
            self._strings = SharedStrings(self.r.part(path) or b"<sst/>", TREE_LIMIT)
        try:
            return self._strings[index]
        except ET.ParseError as exc:
            raise self.fail("tep_hong", detail=f"phần «{self._strings_path}» hỏng "
                                               f"({_xml_error(exc)})") from None

    def _format_kind(self, s) -> str | None:
        if not s:
            return None
        if self._styles is None:
            self._styles = self._load_styles()
        xfs, formats = self._styles
        try:
            fmt_id = xfs[int(s)]
        except (ValueError, IndexError):
            return None
        if fmt_id in formats:
            return _format_code_kind(formats[fmt_id])
        if fmt_id in _DATE_IDS:
            return "date"
        if fmt_id in _PERCENT_IDS:
            return "percent"
        return None

    def _load_styles(self) -> tuple[list[int], dict[int, str]]:
        """(number format id of each cell style, custom format codes), cached by content."""
        rels = self._workbook_rels()
        path = next((p for p, typ in rels.values() if typ.endswith("/styles")), "xl/styles.xml")
        content = self.r.part(path)
        xfs: list[int] = []
        formats: dict[int, str] = {}
        if content is None:
            return xfs, formats
        key = b"styles" + _digest(content)
        cached = _cache_get(key)
        if cached is not None:
            return cached
        root = self.xml(path)
        _cache_put(key, (xfs, formats))
        for el in root:
            tag = _local(el.tag)
            if tag == "numFmts":
                for fmt in el:
                    try:
                        formats[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode") or ""
                    except ValueError:
                        continue
            elif tag == "cellXfs":
                for xf in el:
                    try:
                        xfs.append(int(xf.get("numFmtId") or 0))
                    except ValueError:
                        xfs.append(0)
        return xfs, formats




_FMT_STRIP = re.compile(r'"[^"]*"|\\.|_.|\*.')
_FMT_BRACKET = re.compile(r"\[([^\]]*)\]")


@functools.lru_cache(maxsize=4096)
def _format_code_kind(code: str) -> str | None:
    """"date", "percent" or None for an Excel number format code."""
    text = _FMT_STRIP.sub("", code)
    elapsed = any(b.lower().strip("hms") == "" and b for b in _FMT_BRACKET.findall(text))
    text = _FMT_BRACKET.sub("", text)
    if "%" in text:
        return "percent"
    if elapsed or re.search(r"[dmyhs]", text, re.IGNORECASE) and text.lower() != "general":
        return "date"
    return None


def _from_serial(x: float, date1904: bool):
    """An Excel date serial as date (whole days), time (under one day) or datetime."""
    if x < 0 or x > 2_958_465:
        return cells.number(x)
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:
        base = dt.datetime(1899, 12, 31) if x < 60 else dt.datetime(1899, 12, 30)
    value = base + dt.timedelta(days=x)
    value = value.replace(microsecond=round(value.microsecond / 1000) * 1000 % 1_000_000)
    if 0 <= x < 1:
        return value.time()
    if x.is_integer():
        return value.date()
    return value


