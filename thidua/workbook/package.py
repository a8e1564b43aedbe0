"""A workbook package (.xlsx) as its parts: change a few, write the others back untouched.

A master of thousands of units is megabytes of sheet XML. When consolidation
changes a few figures, building and saving the whole workbook again (openpyxl)
costs seconds; changing the few cells in the package costs milliseconds. This
module holds what that needs, for packages this tool wrote (openpyxl's layout:
inline strings, no shared strings, one part per sheet):

* :class:`Package` — the parts of a zip; a changed part is compressed again, the
  others are copied as they are (their compressed bytes, CRC and sizes);
* the workbook's sheets (:meth:`Package.sheets`), inserting a sheet
  (:meth:`Package.insert_sheet`), the hidden filter range of a sheet's autofilter;
* :class:`Styles` — the cell formats of ``xl/styles.xml``: the id of a look, added
  when the package does not have it yet;
* reading cell values as openpyxl reads them (:func:`sheet_rows`), writing cells as
  openpyxl writes them (:func:`cell_xml`), changing cells of a sheet in place
  (:func:`patch_rows`), a whole sheet of plain rows (:func:`table_sheet_xml`);
* :func:`seal` — a digest of every part as written (CRC and size from the zip
  directory, nothing decompressed), so a later run can tell that nobody else has
  saved the file since.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import io
import itertools
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

__all__ = ["Package", "SheetEntry", "Styles", "Look", "sheet_rows", "cell_xml", "patch_rows",
           "table_sheet_xml", "seal", "quote_sheet", "col_letter", "col_index", "meta_rows", "as_read",
           "write_meta_rows", "seal_file"]

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = NS_REL + "/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
CORE = "docProps/core.xml"
STYLES = "xl/styles.xml"
BIG_PART = 4 * 1024 * 1024


# ------------------------------------------------------------------ the zip
@dataclass
class _Member:
    name: str
    crc: int
    size: int
    method: int
    flags: int
    date_time: tuple[int, int]  # DOS time, date
    raw: bytes  # the compressed bytes as stored


class Package:
    """The parts of an .xlsx; :meth:`save` copies every unchanged part without recompressing."""

    def __init__(self, data: bytes):
        self._members: dict[str, _Member] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                off = info.header_offset
                if data[off:off + 4] != b"PK\x03\x04":
                    raise zipfile.BadZipFile(f"bad local header for {info.filename}")
                n, m = struct.unpack_from("<HH", data, off + 26)
                start = off + 30 + n + m
                raw = memoryview(data)[start:start + info.compress_size]  # no copy
                if len(raw) != info.compress_size:
                    raise zipfile.BadZipFile(f"truncated member {info.filename}")
                y, mo, d, h, mi, s = info.date_time
                dos = ((h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d)
                self._members[info.filename] = _Member(info.filename, info.CRC, info.file_size,
                                                       info.compress_type, info.flag_bits & ~0x8,
                                                       dos, raw)
        self._content: dict[str, bytes] = {}  # inflated parts, and parts set since opening
        self._changed: set[str] = set()

    @classmethod
    def open(cls, path: str | Path) -> "Package":
        return cls(Path(path).read_bytes())

    # parts
    def names(self) -> list[str]:
        return list(self._members) + [n for n in self._changed if n not in self._members]

    def __contains__(self, name: str) -> bool:
        return name in self._members or name in self._content

    def read(self, name: str) -> bytes:
        content = self._content.get(name)
        if content is None:
            member = self._members[name]
            if member.method == zipfile.ZIP_STORED:
                content = bytes(member.raw)
            elif member.method == zipfile.ZIP_DEFLATED:
                content = zlib.decompress(member.raw, -15)
            else:
                raise zipfile.BadZipFile(f"unsupported compression in {name}")
            if zlib.crc32(content) != member.crc or len(content) != member.size:
                raise zipfile.BadZipFile(f"bad CRC in {name}")
            self._content[name] = content
        return content

    def write(self, name: str, content) -> None:
        """Replace part ``name`` (or add it at the end) with ``content``: bytes, or bytes-like
        pieces (a list or a generator; joined). A part over ``BIG_PART`` bytes is compressed
        as its pieces come (fast level) and its text let go, so a big sheet is never held
        twice."""
        pieces = iter([content] if isinstance(content, (bytes, bytearray)) else content)
        head, size = [], 0
        for piece in pieces:
            head.append(piece)
            size += len(piece)
            if size > BIG_PART:
                break
        else:
            self._content[name] = head[0] if len(head) == 1 and isinstance(head[0], bytes) \
                else b"".join(head)
            self._changed.add(name)
            return
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
        crc, size, out = 0, 0, []
        for piece in itertools.chain(head, pieces):
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            out.append(compressor.compress(piece))
        out.append(compressor.flush())
        self._members[name] = _Member(name, crc, size, zipfile.ZIP_DEFLATED, 0,
                                      _dos(dt.datetime.now()), b"".join(out))
        self._content.pop(name, None)
        self._changed.discard(name)

    def forget(self, name: str) -> None:
        """Let go of the inflated text of part ``name`` (read again if needed)."""
        if name not in self._changed:
            self._content.pop(name, None)

    def fingerprints(self) -> dict[str, tuple[int, int]]:
        """Part -> (CRC-32, size) as it will be written."""
        out = {}
        for name in self.names():
            if name in self._changed:
                content = self._content[name]
                out[name] = (zlib.crc32(content), len(content))
            else:
                member = self._members[name]
                out[name] = (member.crc, member.size)
        return out

    def save(self, target, *, level: int = 6, when: dt.datetime | None = None) -> None:
        """Write the package to ``target`` (a path or a binary file).

        Unchanged parts keep their compressed bytes; changed and added parts are
        deflated at ``level`` (parts over ``BIG_PART`` bytes were compressed when written,
        at level 1: four times faster, a third bigger). With ``when`` every entry is dated
        ``when`` (as ``fileio.make_reproducible`` does), else new entries are dated now.
        """
        stamp = _dos(when or dt.datetime.now())
        if hasattr(target, "write"):
            self._save_into(target, level, stamp, when is not None)
        else:
            with open(target, "wb") as fh:
                self._save_into(fh, level, stamp, when is not None)

    def _save_into(self, out, level: int, stamp: tuple[int, int], restamp: bool) -> None:
        central = io.BytesIO()
        count = offset = 0
        for name in self.names():
            encoded = name.encode("utf-8")
            if name in self._changed:
                content = self._content[name]
                compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
                raw = compressor.compress(content) + compressor.flush()
                crc, size, method, flags, (time, date) = (zlib.crc32(content), len(content),
                                                         zipfile.ZIP_DEFLATED, 0, stamp)
            else:
                m = self._members[name]
                raw, crc, size, method, flags = m.raw, m.crc, m.size, m.method, m.flags
                time, date = stamp if restamp else m.date_time
            if any(ch > 127 for ch in encoded):
                flags |= 0x800
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, time, date,
                                 crc, len(raw), size, len(encoded), 0)
            out.write(header)
            out.write(encoded)
            out.write(raw)
            central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method,
                                      time, date, crc, len(raw), size, len(encoded), 0, 0, 0, 0,
                                      0o600 << 16, offset))
            central.write(encoded)
            offset += len(header) + len(encoded) + len(raw)
            count += 1
        directory = central.getvalue()
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), offset,
                              0))

    # workbook structure
    def sheets(self) -> list["SheetEntry"]:
        """The workbook's sheets in order: title, part, state."""
        book = ET.fromstring(self.read(WORKBOOK))
        targets = self._relationship_targets()
        out = []
        for el in book.iter(f"{{{NS_MAIN}}}sheet"):
            rid = el.get(f"{{{NS_REL}}}id") or ""
            out.append(SheetEntry(el.get("name") or "", targets.get(rid, ""),
                                  el.get("state") or "visible", rid))
        return out

    def sheet_part(self, title: str) -> str | None:
        return next((s.part for s in self.sheets() if s.title == title), None)

    def defined_names(self) -> dict[str, str]:
        """Workbook-level defined names -> their reference text (sheet-level ones left out)."""
        book = ET.fromstring(self.read(WORKBOOK))
        return {el.get("name") or "": el.text or "" for el in book.iter(f"{{{NS_MAIN}}}definedName")
                if el.get("localSheetId") is None}

    def _relationship_targets(self) -> dict[str, str]:
        rels = ET.fromstring(self.read(WORKBOOK_RELS))
        out = {}
        for el in rels.iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = (el.get("Target") or "").replace("\\", "/")
            out[el.get("Id") or ""] = target.lstrip("/") if target.startswith("/") \
                else "xl/" + target
        return out

    def insert_sheet(self, title: str, index: int, content: bytes) -> str:
        """Add a visible sheet at position ``index``; returns its part name.

        The workbook's sheet list, relationships and content types get the new
        sheet; sheet-level defined names (print titles, filters) of the sheets
        after it follow them.
        """
        existing = {n for n in self.names() if n.startswith("xl/worksheets/sheet")}
        k = 1
        while f"xl/worksheets/sheet{k}.xml" in existing:
            k += 1
        part = f"xl/worksheets/sheet{k}.xml"
        rels = self.read(WORKBOOK_RELS).decode("utf-8")
        used = set(re.findall(r'\bId="([^"]*)"', rels))
        n = 1
        while f"rId{n}" in used:
            n += 1
        rid = f"rId{n}"
        rels = rels.replace("</Relationships>", f'<Relationship Type="{WORKSHEET_TYPE}" '
                            f'Target="/{part}" Id="{rid}"/></Relationships>')
        self.write(WORKBOOK_RELS, rels.encode("utf-8"))
        types = self.read(CONTENT_TYPES).decode("utf-8")
        types = types.replace("</Types>", f'<Override PartName="/{part}" '
                              f'ContentType="{WORKSHEET_CONTENT}"/></Types>')
        self.write(CONTENT_TYPES, types.encode("utf-8"))
        book = self.read(WORKBOOK).decode("utf-8")
        ids = [int(x) for x in re.findall(r'<sheet\b[^>]*?\bsheetId="(\d+)"', book)]
        sheet = (f'<sheet xmlns:r="{NS_REL}" name="{escape(title, {chr(34): "&quot;"})}" '
                 f'sheetId="{max(ids, default=0) + 1}" state="visible" r:id="{rid}"/>')
        sheets = list(re.finditer(r"<sheet\b[^>]*/>", book))
        if index < len(sheets):
            at = sheets[index].start()
        else:
            at = book.index("</sheets>")
        book = book[:at] + sheet + book[at:]

        def shift(m: re.Match) -> str:
            number = int(m.group(1))
            return f'localSheetId="{number + 1 if number >= index else number}"'

        book = re.sub(r'localSheetId="(\d+)"', shift, book)
        self.write(WORKBOOK, book.encode("utf-8"))
        self.write(part, content)
        return part

    def set_filter_range(self, index: int, title: str, ref: str | None) -> None:
        """The hidden ``_xlnm._FilterDatabase`` name of sheet ``index`` (as Excel keeps it)."""
        book = self.read(WORKBOOK).decode("utf-8")
        pattern = re.compile(r'<definedName name="_xlnm\._FilterDatabase" localSheetId="'
                             + str(index) + r'" hidden="1">[^<]*</definedName>')
        element = ""
        if ref:
            first, _, last = ref.partition(":")
            absolute = "$" + re.sub(r"(\d)", r"$\1", first, count=1)
            absolute += (":" + "$" + re.sub(r"(\d)", r"$\1", last, count=1)) if last else ""
            element = (f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" '
                       f'hidden="1">{escape(quote_sheet(title))}!{absolute}</definedName>')
        if pattern.search(book):
            book = pattern.sub(element.replace("\\", "\\\\"), book, count=1)
        elif element:
            if "</definedNames>" in book:
                # after the names of the sheets before it, as openpyxl orders them
                names = list(re.finditer(r"<definedName\b[^>]*>[^<]*</definedName>", book))
                at = book.index("</definedNames>")
                for m in names:
                    local = re.search(r'localSheetId="(\d+)"', m.group(0))
                    if local and int(local.group(1)) > index:
                        at = m.start()
                        break
                book = book[:at] + element + book[at:]
            else:
                at = book.index("<calcPr") if "<calcPr" in book else book.index("</workbook>")
                book = book[:at] + f"<definedNames>{element}</definedNames>" + book[at:]
        self.write(WORKBOOK, book.encode("utf-8"))

    def stamp(self, *, modified: dt.datetime, created: dt.datetime | None = None) -> None:
        """The save times in ``docProps/core.xml`` (UTC, to the second, as openpyxl writes)."""
        if CORE not in self:
            return
        core = self.read(CORE)
        for tag, when in (("modified", modified), ("created", created)):
            if when is None:
                continue
            text = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
            core = re.sub(rb"(<dcterms:" + tag.encode() + rb"[^>]*>)[^<]*(</dcterms:)",
                          rb"\g<1>" + text + rb"\g<2>", core)
        self.write(CORE, core)


@dataclass
class SheetEntry:
    title: str
    part: str
    state: str
    rid: str


def _dos(when: dt.datetime) -> tuple[int, int]:
    year = max(when.year, 1980)
    return ((when.hour << 11) | (when.minute << 5) | (when.second // 2),
            ((year - 1980) << 9) | (when.month << 5) | when.day)


def quote_sheet(title: str) -> str:
    """A sheet title as a formula writes it (quoted unless plain)."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def col_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def seal(package: Package, *, leave_out: set[str]) -> str:
    """A digest of every part but ``leave_out`` as it will be written (CRC and size only)."""
    digest = hashlib.sha256()
    for name, (crc, size) in sorted(package.fingerprints().items()):
        if name not in leave_out:
            digest.update(f"{name}\x00{crc}\x00{size}\x01".encode("utf-8"))
    return digest.hexdigest()[:32]


# ------------------------------------------------------------------ styles
@dataclass(frozen=True)
class Look:
    """How a cell looks: the parts of a cell format this tool uses."""

    bold: bool = False
    size: float | None = None  # points; None: the default
    fill: str | None = None  # "D9E1F2"
    wrap: bool = False
    vertical: str | None = None  # "top"
    number_format: str | None = None


_SECTION = r"<{section}\b[^>]*?(?:/>|>(.*?)</{section}>)"


def _children(xml: str, section: str, tag: str) -> list[str]:
    m = re.search(_SECTION.format(section=section), xml, re.S)
    if not m or not m.group(1):
        return []
    return re.findall(rf"<{tag}\b[^>]*?/>|<{tag}\b[^>]*?>.*?</{tag}>", m.group(1), re.S)


class Styles:
    """The cell formats of ``xl/styles.xml``, with new ones added on demand."""

    def __init__(self, xml: bytes):
        self.xml = xml.decode("utf-8")
        self.fonts = _children(self.xml, "fonts", "font")
        self.fills = _children(self.xml, "fills", "fill")
        self.xfs = _children(self.xml, "cellXfs", "xf")
        self.formats = {int(i): html.unescape(code) for i, code in re.findall(
            r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', self.xml)}
        self.added = False
        self._looks: dict[Look, int] = {}

    def fill_of(self, xf_id: int) -> str | None:
        """The solid fill colour (``"FFF2CC"``) of a cell format, if it has one."""
        try:
            xf = self.xfs[xf_id]
        except IndexError:
            return None
        m = re.search(r'fillId="(\d+)"', xf)
        fill = self.fills[int(m.group(1))] if m and int(m.group(1)) < len(self.fills) else ""
        color = re.search(r'<fgColor rgb="([0-9A-Fa-f]{6,8})"', fill)
        return color.group(1)[-6:].upper() if color else None

    def with_fill(self, xf_id: int, color: str) -> int:
        """The id of cell format ``xf_id`` with a solid ``color`` fill instead of its own."""
        fill = self._index(self.fills, _fill_xml(color))
        xf = re.sub(r'fillId="\d+"', f'fillId="{fill}"', self.xfs[xf_id], count=1)
        if "applyFill" not in xf:
            xf = xf.replace(" fillId=", ' applyFill="1" fillId=', 1)
        return self._index(self.xfs, xf)

    def look(self, look: Look) -> int:
        """The id of the cell format of ``look`` (added when missing)."""
        known = self._looks.get(look)
        if known is not None:
            return known
        font = self._index(self.fonts, _font_xml(look)) if look.bold or look.size else 0
        fill = self._index(self.fills, _fill_xml(look.fill)) if look.fill else 0
        fmt = self._format_id(look.number_format) if look.number_format else 0
        attrs = [f'numFmtId="{fmt}"', f'fontId="{font}"', f'fillId="{fill}"', 'borderId="0"']
        attrs += ['applyNumberFormat="1"'] if fmt else []
        attrs += ['applyFont="1"'] if font else []
        attrs += ['applyFill="1"'] if fill else []
        alignment = ""
        if look.wrap or look.vertical:
            attrs.append('applyAlignment="1"')
            parts = ([f'vertical="{look.vertical}"'] if look.vertical else []) + \
                (['wrapText="1"'] if look.wrap else [])
            alignment = f"<alignment {' '.join(parts)}/>"
        attrs += ['pivotButton="0"', 'quotePrefix="0"', 'xfId="0"']
        xf = f"<xf {' '.join(attrs)}>{alignment}</xf>" if alignment else f"<xf {' '.join(attrs)}/>"
        self._looks[look] = found = self._index(self.xfs, xf)
        return found

    def _index(self, items: list[str], element: str) -> int:
        try:
            return items.index(element)
        except ValueError:
            items.append(element)
            self.added = True
            return len(items) - 1

    def _format_id(self, code: str) -> int:
        for i, known in self.formats.items():
            if known == code:
                return i
        new = max([163] + list(self.formats)) + 1
        self.formats[new] = code
        self.added = True
        return new

    def to_xml(self) -> bytes:
        xml = self.xml
        for section, items in (("fonts", self.fonts), ("fills", self.fills),
                               ("cellXfs", self.xfs)):
            xml = re.sub(_SECTION.format(section=section),
                         lambda m, t=section, i=items: f'<{t} count="{len(i)}">{"".join(i)}</{t}>',
                         xml, count=1, flags=re.S)
        if self.formats:
            formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(c, {chr(34): "&quot;"})}"/>'
                              for i, c in sorted(self.formats.items()))
            block = f'<numFmts count="{len(self.formats)}">{formats}</numFmts>'
            if re.search(r"<numFmts\b", xml):
                xml = re.sub(r"<numFmts\b.*?</numFmts>|<numFmts\b[^>]*/>", lambda m: block, xml,
                             count=1, flags=re.S)
            else:
                xml = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + block, xml, count=1)
        return xml.encode("utf-8")


def _font_xml(look: Look) -> str:
    bold = '<b val="1"/>' if look.bold else ""
    size = f'<sz val="{look.size:g}"/>' if look.size else '<sz val="11"/>'
    return f'<font><name val="Calibri"/><family val="2"/>{bold}{size}</font>'


def _fill_xml(color: str) -> str:
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="00{color}"/>'
            f'<bgColor rgb="00{color}"/></patternFill></fill>')


# ------------------------------------------------------------------ cells
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


_xml_text_cached = functools.lru_cache(maxsize=65536)(_xml_text_uncached)


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


def sheet_rows(xml: bytes, *, columns: set[str] | None = None, first_row: int = 1,
               last_row: int | None = None,
               rows: set[int] | None = None) -> dict[int, dict[str, tuple[object, int]]]:
    """{row: {column letter: (value, style id)}} of the cells of a sheet part.

    For parts this tool wrote (inline strings): values as openpyxl reads them
    with ``data_only`` (formulas without a stored value read as None); only
    ``columns`` when given, only rows ``first_row``..``last_row``.
    """
    out: dict[int, dict[str, tuple[object, int]]] = {}
    wanted = sorted(columns) if columns is not None else None
    for r, _start, body, close, _end in _rows(xml):
        if r < first_row:
            continue
        if last_row is not None and r > last_row:
            break
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
    return out


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


def patch_rows(xml: bytes, changes: dict[int, dict[str, str]],
               then: Callable[[int, bytes], bytes] | None = None):
    """The sheet part, as pieces to join (a generator: the rows left alone are not copied),
    with, in each row of ``changes``, the cells ``{column: cell xml}`` replaced (added in
    column order when the row lacks them; "" removes a cell), and then (``then(row, row
    xml)``) whatever else the row needs."""
    if not changes:
        yield xml
        return
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
                    autofilter: str | None = None, landscape: bool = True) -> bytes:
    """A plain sheet as openpyxl writes one: cells ``{row: [(value, style), …]}`` from column A,
    column widths, row heights, frozen rows above ``freeze``, an autofilter, printed on A4
    fitted to the page width."""
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
    for r in range(1, last_row + 1):
        cells = rows.get(r, [])
        height = heights.get(r)
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        body = "".join(cell_xml(f"{col_letter(j)}{r}", value, style)
                       for j, (value, style) in enumerate(cells, start=1))
        parts.append(f'<row r="{r}"{attrs}>{body}</row>')
    parts.append("</sheetData>")
    if autofilter:
        parts.append(f'<autoFilter ref="{autofilter}"/>')
    parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
                 'footer="0.5"/>')
    orientation = "landscape" if landscape else "portrait"
    parts.append(f'<pageSetup orientation="{orientation}" paperSize="9" fitToHeight="0" '
                 'fitToWidth="1"/></worksheet>')
    return "".join(parts).encode("utf-8")


# ------------------------------------------------------------------ the hidden metadata sheet
def meta_rows(package: Package, leave_out: tuple[str, ...] = ()) -> tuple[str, list[tuple]]:
    """(part, [(key, value), …]) of the metadata sheet (``contract.META_SHEET``), without the
    rows whose key (before any ``#n``) is in ``leave_out`` (their values are not even read)."""
    from thidua.workbook import contract

    part = package.sheet_part(contract.META_SHEET)
    if part is None:
        raise KeyError(contract.META_SHEET)
    keys = sheet_rows(package.read(part), columns={"A"})
    wanted = [r for r, cells in keys.items()
              if "A" in cells and str(cells["A"][0]).split("#")[0] not in leave_out]
    out = []
    if wanted:
        values = sheet_rows(package.read(part), columns={"B"}, first_row=min(wanted),
                            last_row=max(wanted), rows=set(wanted))
        out = [(keys[r]["A"][0], values.get(r, {}).get("B", (None, 0))[0]) for r in sorted(wanted)]
    package.forget(part)
    return part, out


def write_meta_rows(package: Package, part: str, rows: list[tuple[object, object]]) -> None:
    """The metadata sheet with ``rows`` (key, value); the rest of its part as it was (written
    row by row: the receipts make it megabytes for a big folder)."""
    xml = package.read(part)
    start = xml.find(b"<sheetData")
    end = xml.find(b"</sheetData>", start)
    if start < 0:
        raise ValueError(f"no sheetData in {part}")
    tail = xml[end + len(b"</sheetData>"):] if end >= 0 else xml[xml.find(b">", start) + 1:]
    head = re.sub(rb'<dimension ref="[^"]*"/>',
                  f'<dimension ref="A1:B{max(len(rows), 1)}"/>'.encode("ascii"), xml[:start],
                  count=1)
    package.forget(part)

    def pieces():
        yield head + b"<sheetData>"
        for r, (key, value) in enumerate(rows, start=1):
            yield f'<row r="{r}">{cell_xml(f"A{r}", key)}{cell_xml(f"B{r}", value)}</row>'.encode(
                "utf-8")
        yield b"</sheetData>" + tail

    package.write(part, pieces())


def sealed(package: Package, part: str, rows: list[tuple[object, object]]) -> None:
    """Write the metadata ``rows`` with the seal of every other part (see :func:`seal`)."""
    from thidua.workbook import contract

    rows = [(k, v) for k, v in rows if k != contract.SEAL]
    rows.append((contract.SEAL, seal(package, leave_out={part, CORE})))
    write_meta_rows(package, part, rows)


def seal_file(path: str | Path) -> None:
    """Seal a workbook this tool has just written (its metadata sheet gets the seal), so a
    later consolidation can change it in place."""
    package = Package.open(path)
    part, rows = meta_rows(package)
    sealed(package, part, rows)
    package.save(path)
