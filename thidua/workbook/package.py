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
* :func:`seal` — a digest of every part as written (CRC and size from the zip
  directory, nothing decompressed), so a later run can tell that nobody else has
  saved the file since; the metadata sheet's rows (:func:`meta_rows`) that keep it.

Cells are read and written by :mod:`thidua.workbook.sheet_xml`, cell formats by
:mod:`thidua.workbook.styles_xml`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree as ET
from thidua.xmltext import escape, escape_attr

from thidua.workbook.sheet_xml import cell_xml, sheet_rows

__all__ = ["Package", "SheetEntry", "seal", "quote_sheet", "meta_rows", "write_meta_rows",
           "sealed", "seal_file", "CORE", "STYLES", "BIG_PART", "PIECE"]

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
#: Inflated bytes per piece when a part is read piece by piece (:meth:`Package.pieces`).
PIECE = 1024 * 1024


# ------------------------------------------------------------------ the zip
def _deflated(pieces: Iterator[bytes]) -> tuple[int, int, bytearray]:
    """(CRC-32, size, raw deflate at the fast level) of the pieces joined.

    The pieces are compressed on a second thread as they come: zlib lets go of Python's
    lock while it works, so a part made piece by piece in Python (a sheet being patched)
    is compressed meanwhile, not after."""
    import queue
    import threading

    todo: queue.Queue = queue.Queue(maxsize=8)
    done: dict = {}

    def work() -> None:
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
        crc, size, raw = 0, 0, bytearray()  # grown in place: never a list and its join
        try:
            while (piece := todo.get()) is not None:
                crc = zlib.crc32(piece, crc)
                size += len(piece)
                raw += compressor.compress(piece)
            raw += compressor.flush()
            done["out"] = crc, size, raw
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
            done["error"] = exc
            while todo.get() is not None:  # let the caller finish putting
                pass

    worker = threading.Thread(target=work, name="thidua-deflate", daemon=True)
    worker.start()
    try:
        batch = bytearray()  # handed over a megabyte at a time (the pieces can be a row)
        for piece in pieces:
            batch += piece
            if len(batch) >= PIECE:
                todo.put(bytes(batch))
                batch.clear()
        if batch:
            todo.put(bytes(batch))
    finally:
        todo.put(None)
        worker.join()
    if "error" in done:
        raise done["error"]
    return done["out"]


@dataclass
class _Member:
    name: str
    crc: int
    size: int
    method: int
    flags: int
    date_time: tuple[int, int]  # DOS time, date
    raw: bytes | bytearray | memoryview  # the compressed bytes as stored


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
        # parts set since opening, in the order they were set (new parts are written in
        # that order: the same package bytes on every run)
        self._changed: dict[str, None] = {}

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
                # inflated straight into a buffer of the size the directory gives (else zlib
                # gathers blocks and joins them: the part held twice); deflate never
                # inflates more than 1032 times, so a false size cannot ask for more
                content = zlib.decompress(member.raw, -15,
                                          max(1, min(member.size, 1032 * len(member.raw) + 64)))
            else:
                raise zipfile.BadZipFile(f"unsupported compression in {name}")
            if zlib.crc32(content) != member.crc or len(content) != member.size:
                raise zipfile.BadZipFile(f"bad CRC in {name}")
            self._content[name] = content
        return content

    def pieces(self, name: str, size: int = PIECE) -> Iterator[bytes]:
        """Part ``name`` inflated a piece at a time (at most ``size`` bytes each), its CRC
        checked at the end: a big sheet is scanned without ever being held whole. A part
        held already (read or set) is given as it is."""
        content = self._content.get(name)
        if content is not None:
            yield content
            return
        member = self._members[name]
        raw, step = member.raw, max(1, size // 8)
        crc = total = 0
        if member.method == zipfile.ZIP_STORED:
            for at in range(0, len(raw), size):
                out = bytes(raw[at:at + size])
                crc, total = zlib.crc32(out, crc), total + len(out)
                yield out
        elif member.method == zipfile.ZIP_DEFLATED:
            inflate, at, pending = zlib.decompressobj(-15), 0, b""
            while True:
                if not pending and at < len(raw):
                    pending, at = raw[at:at + step], at + step
                out = inflate.decompress(pending, size)
                pending = inflate.unconsumed_tail
                if out:
                    crc, total = zlib.crc32(out, crc), total + len(out)
                    yield out
                # output held back by the size limit comes with the next call, even with no
                # input left
                if not pending and at >= len(raw) and len(out) < size:
                    break
            if not inflate.eof:
                raise zipfile.BadZipFile(f"truncated member {name}")
        else:
            raise zipfile.BadZipFile(f"unsupported compression in {name}")
        if crc != member.crc or total != member.size:
            raise zipfile.BadZipFile(f"bad CRC in {name}")

    def damaged(self) -> str | None:
        """The first part as read from the file whose bytes do not inflate to its size and CRC
        (each inflated a piece at a time), or None: every part is whole."""
        for name in list(self._members):
            if name in self._content or name in self._changed:
                continue
            try:
                for _ in self.pieces(name):
                    pass
            except (zipfile.BadZipFile, zlib.error):
                return name
        return None

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
            self._changed[name] = None
            return
        crc, size, raw = _deflated(itertools.chain(head, pieces))
        self._members[name] = _Member(name, crc, size, zipfile.ZIP_DEFLATED, 0,
                                      _dos(dt.datetime.now()), raw)
        self._content.pop(name, None)
        self._changed.pop(name, None)

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

    def insert_sheet(self, title: str, index: int, content) -> str:
        """Add a visible sheet at position ``index`` with ``content`` (bytes, or pieces: see
        :meth:`write`); returns its part name.

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
        sheet = (f'<sheet xmlns:r="{NS_REL}" name="{escape_attr(title)}" '
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


def seal(package: Package, *, leave_out: set[str]) -> str:
    """A digest of every part but ``leave_out`` as it will be written (CRC and size only)."""
    digest = hashlib.sha256()
    for name, (crc, size) in sorted(package.fingerprints().items()):
        if name not in leave_out:
            digest.update(f"{name}\x00{crc}\x00{size}\x01".encode("utf-8"))
    return digest.hexdigest()[:32]


# ------------------------------------------------------------------ the hidden metadata sheet
def meta_rows(package: Package, leave_out: tuple[str, ...] = ()) -> tuple[str, list[tuple]]:
    """(part, [(key, value), …]) of the metadata sheet (``contract.META_SHEET``), without the
    rows whose key (before any ``#n``) is in ``leave_out`` (their values are not even read)."""
    from thidua.workbook import contract

    part = package.sheet_part(contract.META_SHEET)
    if part is None:
        raise KeyError(contract.META_SHEET)
    keys = sheet_rows(package.pieces(part), columns={"A"})
    wanted = [r for r, cells in keys.items()
              if "A" in cells and str(cells["A"][0]).split("#")[0] not in leave_out]
    out = []
    if wanted:
        values = sheet_rows(package.pieces(part), columns={"B"}, first_row=min(wanted),
                            last_row=max(wanted), rows=set(wanted))
        out = [(keys[r]["A"][0], values.get(r, {}).get("B", (None, 0))[0]) for r in sorted(wanted)]
    package.forget(part)
    return part, out


def write_meta_rows(package: Package, part: str, rows: list[tuple[object, object]]) -> None:
    """The metadata sheet with ``rows`` (key, value); the rest of its part as it was (written
    row by row, the old rows skipped piece by piece: the receipts make it megabytes for a big
    folder)."""
    head, tail = _outside_rows(package.pieces(part), part)
    head = re.sub(rb'<dimension ref="[^"]*"/>',
                  f'<dimension ref="A1:B{max(len(rows), 1)}"/>'.encode("ascii"), head, count=1)
    package.forget(part)

    def pieces():
        yield head + b"<sheetData>"
        for r, (key, value) in enumerate(rows, start=1):
            yield f'<row r="{r}">{cell_xml(f"A{r}", key)}{cell_xml(f"B{r}", value)}</row>'.encode(
                "utf-8")
        yield b"</sheetData>" + tail

    package.write(part, pieces())


def _outside_rows(pieces, part: str) -> tuple[bytes, bytes]:
    """(what comes before ``<sheetData``, what comes after it ends) of a sheet part given in
    pieces; the rows between are passed over, never held whole."""
    pieces = iter(pieces)
    held = b""
    for piece in pieces:
        held += piece
        start = held.find(b"<sheetData")
        if start >= 0:
            break
    else:
        raise ValueError(f"no sheetData in {part}")
    head, held = held[:start], held[start:]
    while b">" not in held:  # the whole opening tag
        held += _more(pieces, part)
    opening = held.index(b">")
    if held[opening - 1:opening] == b"/":  # <sheetData/>
        return head, held[opening + 1:] + b"".join(pieces)
    held, end = held[opening + 1:], b"</sheetData>"
    while (at := held.find(end)) < 0:
        held = held[-(len(end) - 1):] + _more(pieces, part)
    return head, held[at + len(end):] + b"".join(pieces)


def _more(pieces, part: str) -> bytes:
    piece = next(pieces, None)
    if piece is None:
        raise ValueError(f"sheetData of {part} does not end")
    return piece


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
