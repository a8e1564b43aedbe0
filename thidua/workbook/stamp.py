"""Stamp a unit's details into copies of one prepared template, fast.

The template is saved once; every part of its .xlsx (a zip) that holds no
placeholder is compressed once. A unit's copy only differs in the parts
holding placeholders (``{{ten_don_vi}}`` … — the sheets with the unit's name
and the metadata), so a copy is written by concatenating the pre-compressed
parts — no workbook is built per unit. Even those parts are not compressed
again: the text between placeholders is compressed once, each piece ending on
a byte boundary (a full flush, which also forgets what came before), so a
unit's part is the pre-compressed pieces with its own values between them as
stored (uncompressed) deflate blocks — one valid deflate stream.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from thidua.xmltext import escape

from openpyxl import Workbook

MARK = "{{"


@dataclass
class _Part:
    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream


_PLACEHOLDER = re.compile(r"\{\{[a-z_]+\}\}")


@dataclass
class _Pieces:
    """A part's text cut at its placeholders: each piece of text compressed once."""

    name: bytes
    texts: list[bytes]  # text before the first placeholder, between them, after the last
    packed: list[bytes]  # each text compressed, ending on a byte boundary, not final
    keys: list[str]  # the placeholders, in order

    @classmethod
    def of(cls, name: str, text: str) -> "_Pieces":
        keys = _PLACEHOLDER.findall(text)
        texts = [t.encode("utf-8") for t in _PLACEHOLDER.split(text)]
        packed = []
        for t in texts:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed.append(compressor.compress(t) + compressor.flush(zlib.Z_FULL_FLUSH))
        return cls(name.encode("utf-8"), texts, packed, keys)

    def part(self, values: dict[str, bytes]) -> _Part:
        crc, size, data = 0, 0, []
        for k, (text, packed) in enumerate(zip(self.texts, self.packed)):
            crc, size = zlib.crc32(text, crc), size + len(text)
            data.append(packed)
            if k < len(self.keys):
                value = values[self.keys[k]]
                crc, size = zlib.crc32(value, crc), size + len(value)
                data.append(_stored(value))
        data.append(b"\x01\x00\x00\xff\xff")  # the final block: empty, stored
        return _Part(self.name, crc, size, b"".join(data))


def _stored(data: bytes) -> bytes:
    """``data`` as stored deflate blocks (not final), starting on a byte boundary."""
    out = []
    for start in range(0, len(data), 65535):
        chunk = data[start:start + 65535]
        out.append(struct.pack("<BHH", 0, len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


@dataclass
class PreparedTemplate:
    parts: list[_Part | tuple[str, str]]  # compressed part, or (name, text with placeholders)
    when: tuple[int, int]  # DOS time, date
    pieces: dict[str, _Pieces] | None = None  # the placeholder parts cut at their placeholders

    @classmethod
    def from_workbook(cls, wb: Workbook, when: dt.datetime | None = None) -> "PreparedTemplate":
        buffer = io.BytesIO()
        wb.save(buffer)
        return cls.from_bytes(buffer.getvalue(), when)

    @classmethod
    def from_bytes(cls, data: bytes, when: dt.datetime | None = None) -> "PreparedTemplate":
        when = when or dt.datetime.now()
        parts: list[_Part | tuple[str, str]] = []
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                content = zf.read(info.filename)
                if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                    content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                     rb"\g<1>" + stamp + rb"\g<2>", content)
                if info.filename.endswith(".xml") and MARK.encode() in content:
                    parts.append((info.filename, content.decode("utf-8")))
                else:
                    parts.append(_part(info.filename, content))
        if not any(isinstance(p, tuple) for p in parts):
            raise ValueError("mẫu không có chỗ nào để điền thông tin đơn vị")
        dos_time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
        dos_date = ((max(when.year, 1980) - 1980) << 9) | (when.month << 5) | when.day
        return cls(parts, (dos_time, dos_date))

    def render(self, values: dict[str, str]) -> bytes:
        """The .xlsx bytes with each placeholder replaced by ``values[placeholder]``."""
        escaped = {placeholder: escape(value) for placeholder, value in values.items()}
        if self.pieces is None:
            self.pieces = {p[0]: _Pieces.of(*p) for p in self.parts if isinstance(p, tuple)}
        quick = (all(MARK not in v for v in escaped.values())
                 and all(k in escaped for pieces in self.pieces.values() for k in pieces.keys))
        encoded = {k: v.encode("utf-8") for k, v in escaped.items()} if quick else {}
        out = io.BytesIO()
        central = io.BytesIO()
        count = 0
        for part in self.parts:
            if isinstance(part, tuple) and quick:
                part = self.pieces[part[0]].part(encoded)
            elif isinstance(part, tuple):  # a value holding «{{»: replaced one after another
                name, text = part
                for placeholder, value in escaped.items():
                    text = text.replace(placeholder, value)
                part = _part(name, text.encode("utf-8"))
            offset = out.tell()
            time, date = self.when
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, time, date,
                                  part.crc, len(part.data), part.size, len(part.name), 0))
            out.write(part.name)
            out.write(part.data)
            central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, 8, time,
                                      date, part.crc, len(part.data), part.size, len(part.name),
                                      0, 0, 0, 0, 0, offset))
            central.write(part.name)
            count += 1
        directory = central.getvalue()
        start = out.tell()
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0))
        return out.getvalue()

    def write(self, path: Path, values: dict[str, str]) -> Path:
        """Write one unit's copy atomically (temp file, then rename)."""
        from thidua.fileio import atomic_write
        data = self.render(values)
        return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _part(name: str, content: bytes) -> _Part:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return _Part(name.encode("utf-8"), zlib.crc32(content), len(content), data)
