"""File safety: nothing is read past a limit, nothing is inflated or parsed before it is checked.

In the order the checks run:

* size (``Limits.max_bytes``) from ``stat`` before reading a byte; non-regular
  files (directories, FIFOs, devices) are refused, so nothing can block;
* the container is sniffed from the content, not trusted from the extension;
* zip containers: the central directory is checked before anything is
  decompressed (member count, sum of declared sizes, compression ratio); a
  member is never inflated past its declared size (zlib's ``max_length``),
  then its size and CRC are checked; only stored/deflated members are read;
* every XML part is scanned for ``<!DOCTYPE``/``<!ENTITY`` (UTF-8 and UTF-16)
  and for an unexpected declared encoding before any parser sees it;
* OLE2 (CFB) files are inspected by a small bounded directory reader: an
  ``EncryptionInfo`` stream means a password-protected OOXML file.

Every refusal is a :class:`~thidua.consolidate.reader.model.ReadFailure` made by
the ``fail`` function the caller passes (it knows the file's name).
"""
from __future__ import annotations

import io
import os
import re
import stat as stat_mod
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable

from thidua.consolidate.reader import plainxml
from thidua.consolidate.reader.failures import not_spreadsheet_detail, os_reason, size_text
from thidua.consolidate.reader.model import Limits, ReadFailure

__all__ = ["RATIO_FLOOR", "read_bytes", "container", "Zip", "cfb_names"]

Fail = Callable[..., ReadFailure]

#: Members bigger than this are checked against ``max_ratio`` (small parts may compress well).
RATIO_FLOOR = 1024 * 1024

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SAFE_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin-1",
                   "latin1", "windows-1252", "cp1252", "utf-16", "utf16", "utf-16le", "utf-16be"}
_DANGER = re.compile(b"|".join(re.escape(s) for s in (
    b"<!DOCTYPE", b"<!ENTITY",
    "<!DOCTYPE".encode("utf-16-le"), "<!ENTITY".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"), "<!ENTITY".encode("utf-16-be"))))
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: XML parts checked in this process, by their compressed bytes: (CRC, size, method, raw) -> content.
_CHECKED: dict[tuple, bytes] = {}
_CHECKED_SIZE = 512
_CHECKED_PART_LIMIT = 256 * 1024


# ============================================================== bytes
def read_bytes(path: Path, limits: Limits, fail: Fail) -> tuple[bytes, os.stat_result]:
    """The whole file (at most ``limits.max_bytes``) and its ``stat`` taken while it was open."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise fail("khong_doc_duoc", detail=os_reason(exc)) from None
    if stat_mod.S_ISDIR(st.st_mode):
        raise fail("khong_doc_duoc", detail="đây là thư mục, không phải tệp")
    if not stat_mod.S_ISREG(st.st_mode):
        raise fail("khong_doc_duoc", detail="đây không phải tệp thường (thiết bị, đường ống…)")
    max_bytes = limits.max_bytes
    if st.st_size > max_bytes:
        raise fail("tep_qua_lon", size=st.st_size, limit=max_bytes)
    if st.st_size == 0:
        raise fail("tep_rong")
    try:
        with open(path, "rb") as fh:
            # as much as stat said (reading max_bytes + 1 at once allocates that much each time)
            data = fh.read(min(st.st_size, max_bytes) + 1)
            if len(data) > st.st_size:  # grew since stat: read on, up to the limit
                data += fh.read(max_bytes + 1 - len(data))
            st = os.fstat(fh.fileno())
    except OSError as exc:
        raise fail("khong_doc_duoc", detail=os_reason(exc)) from None
    if len(data) > max_bytes:  # grew since stat
        raise fail("tep_qua_lon", size=max(len(data), st.st_size), limit=max_bytes)
    if not data:
        raise fail("tep_rong")
    return data, st


def container(data: bytes, fail: Fail) -> str:
    """"ole" (OLE2 compound file) or "zip", from the content; anything else is refused."""
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK") or b"PK\x05\x06" in data[-66_000:]:
        return "zip"
    raise fail("khong_phai_bang_tinh", detail=not_spreadsheet_detail(data))


# ============================================================== zip containers
class Zip:
    """A zip container whose directory was checked; its XML parts inflated and scanned on demand."""

    def __init__(self, data: bytes, limits: Limits, fail: Fail):
        self.data, self.limits, self.fail = data, limits, fail
        try:
            infos = _central_directory(data)
            if infos is None:  # zip64, multi-disk, odd layouts: the standard library decides
                infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except zipfile.BadZipFile:
            if not data.startswith(b"PK"):
                raise fail("khong_phai_bang_tinh", detail=not_spreadsheet_detail(data)) from None
            raise fail("tep_hong", detail="cấu trúc zip hỏng hoặc bị cắt cụt, "
                                          "có thể tệp tải về chưa hết") from None
        except (ValueError, OSError, EOFError, struct.error, NotImplementedError):
            raise fail("tep_hong", detail="cấu trúc zip hỏng") from None
        self._check_directory(infos)
        self.members = infos
        self.names = {i.filename for i in infos}
        self.parts: dict[str, bytes] = {}

    def scan_parts(self) -> None:
        """Decompress every XML part (bounded, CRC-checked), refusing DOCTYPE/ENTITY.

        A part whose compressed bytes, CRC and sizes are those of a part already checked
        in this process (every unit's copy of a template shares most of its parts) is
        taken as it was then: the same bytes inflate to the same content.
        """
        parts = self.parts
        for info in self.members:
            fname = info.filename
            if info.is_dir() or not fname.lower().endswith(_XML_SUFFIXES):
                continue
            raw = self._raw(info)
            key = (info.CRC, info.file_size, info.compress_type, raw)
            content = _CHECKED.get(key)
            if content is None:
                content = self._inflate(info, raw)
                if (plainxml.has(content, b"<!") or b"\x00" in content) and _DANGER.search(content):
                    raise self.fail("bom_xml", detail=fname)
                self._check_encoding(fname, content)
                if len(content) <= _CHECKED_PART_LIMIT:
                    if len(_CHECKED) >= _CHECKED_SIZE:
                        _CHECKED.pop(next(iter(_CHECKED)), None)
                    _CHECKED[key] = content
            parts[fname] = content

    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> None:
        lim = self.limits
        if len(infos) > lim.max_members:
            raise self.fail("bom_nen", detail=f"{len(infos)} phần trong tệp, giới hạn {lim.max_members}")
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if total > lim.max_uncompressed:
            raise self.fail("bom_nen", detail=f"giải nén ra {size_text(total)}, giới hạn "
                                              f"{size_text(lim.max_uncompressed)}")
        worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
        if worst is not None and worst.file_size > RATIO_FLOOR \
                and worst.file_size > lim.max_ratio * max(worst.compress_size, 1):
            ratio = worst.file_size / max(worst.compress_size, 1)
            raise self.fail("bom_nen", detail=f"phần «{worst.filename}» nén {ratio:,.0f} lần, giới hạn "
                                              f"{lim.max_ratio:,.0f} lần".replace(",", "."))
        if total > RATIO_FLOOR and total > lim.max_ratio * max(packed, 1):
            raise self.fail("bom_nen", detail=f"nén {total / max(packed, 1):,.0f} lần".replace(",", "."))
        for info in infos:
            if info.flag_bits & 0x1:
                raise self.fail("co_mat_khau")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.fail("tep_hong", detail=f"phần «{info.filename}» dùng kiểu nén lạ "
                                                   f"({info.compress_type})")

    def inflate(self, info) -> bytes:
        """A member's bytes, never more than its declared size, CRC-checked.

        Reads the local header and inflates the raw stream directly (zipfile's
        per-member machinery costs more than the inflating for small parts).
        """
        return self._inflate(info, self._raw(info))

    def _raw(self, info) -> bytes:
        """A member's compressed bytes, from its local header."""
        data, name = self.data, info.filename
        off = info.header_offset
        if off < 0 or data[off:off + 4] != b"PK\x03\x04":
            raise self.fail("tep_hong", detail=f"phần «{name}»: sai vị trí trong tệp zip")
        n, m = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + n + m
        raw = data[start:start + info.compress_size]
        if len(raw) != info.compress_size:
            raise self.fail("tep_hong", detail=f"phần «{name}» bị cắt cụt (tệp tải về chưa hết?)")
        return raw

    def _inflate(self, info, raw: bytes) -> bytes:
        name = info.filename
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                out = raw[:info.file_size]
            else:
                out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
        except zlib.error:
            raise self.fail("tep_hong", detail=f"phần «{name}»: dữ liệu nén hỏng") from None
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise self.fail("tep_hong",
                            detail=f"phần «{name}» hỏng (sai kích thước hoặc mã kiểm tra CRC)")
        return out

    def _check_encoding(self, fname: str, content: bytes) -> None:
        head = content[:200]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
            return  # UTF-16: the scan above covered both byte orders
        match = _XML_DECL.match(head.removeprefix(b"\xef\xbb\xbf"))
        if match and match.group(1).decode("ascii").lower() not in _SAFE_ENCODINGS:
            raise self.fail("tep_hong", detail=f"phần «{fname}» dùng bảng mã XML lạ "
                                               f"({match.group(1).decode('ascii')})")

    def is_ods(self) -> bool:
        """The OpenDocument spreadsheet ``mimetype`` member is there."""
        info = next((i for i in self.members if i.filename == "mimetype"), None)
        if info is None or info.file_size > 200:
            return False
        return self.inflate(info).strip() == b"application/vnd.oasis.opendocument.spreadsheet"

    def part(self, name: str) -> bytes | None:
        """A scanned XML part by name (exact, then case-insensitive), or None."""
        if name in self.parts:
            return self.parts[name]
        low = name.lower()
        for key, value in self.parts.items():
            if key.lower() == low:
                return value
        return None


# ============================================================== zip directory
class _Member:
    """The fields of a zip central-directory entry that reading needs (as ``zipfile.ZipInfo``)."""

    __slots__ = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
                 "header_offset")

    def __init__(self, filename, flag_bits, compress_type, crc, compress_size, file_size, offset):
        self.filename, self.flag_bits, self.compress_type = filename, flag_bits, compress_type
        self.CRC, self.compress_size, self.file_size = crc, compress_size, file_size
        self.header_offset = offset

    def is_dir(self) -> bool:
        return self.filename.endswith("/")


_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")


def _central_directory(data: bytes) -> list[_Member] | None:
    """The members of a plain (single-disk, non-zip64) zip; None to let ``zipfile`` judge.

    Faster than ``zipfile.ZipFile`` for the few members of a workbook; anything
    unusual is handed to the standard library, which raises ``BadZipFile`` on damage.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    _, disk, disk_cd, n_disk, n_total, cd_size, cd_offset, _ = struct.unpack_from(
        "<IHHHHIIH", data, end)
    if disk or disk_cd or n_disk != n_total or 0xFFFF in (n_disk, n_total) \
            or 0xFFFFFFFF in (cd_size, cd_offset):
        return None
    concat = end - cd_size - cd_offset  # bytes prepended to the archive (self-extractors)
    if concat < 0:
        return None
    pos = cd_offset + concat
    members = []
    for _ in range(n_total):
        if pos + 46 > end or data[pos:pos + 4] != b"PK\x01\x02":
            return None
        f = _CENTRAL.unpack_from(data, pos)
        flags, method, crc, csize, usize = f[5], f[6], f[9], f[10], f[11]
        nlen, xlen, clen, offset = f[12], f[13], f[14], f[18]
        if 0xFFFFFFFF in (csize, usize, offset):
            return None  # zip64 extra fields
        raw = data[pos + 46:pos + 46 + nlen]
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        members.append(_Member(name, flags, method, crc, csize, usize, offset + concat))
        pos += 46 + nlen + xlen + clen
    return members


# ============================================================== CFB (OLE2) directory
def cfb_names(data: bytes) -> set[str]:
    """Names of the storages/streams of a compound file; ValueError when malformed.

    Bounded: every sector chain is followed at most once per sector of the file.
    """
    if len(data) < 512:
        raise ValueError("tệp quá ngắn")
    shift = struct.unpack_from("<H", data, 30)[0]
    if shift not in (9, 12):
        raise ValueError("kích thước sector lạ")
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 44)
    first_difat, n_difat = struct.unpack_from("<II", data, 68)
    max_sectors = len(data) // size + 1
    if n_fat > max_sectors:
        raise ValueError("bảng FAT lớn hơn tệp")

    def sector(sid: int) -> int:
        off = (sid + 1) * size
        if off + size > len(data):
            raise ValueError(f"sector {sid} nằm ngoài tệp")
        return off

    difat = list(struct.unpack_from("<109I", data, 76))
    sid, seen = first_difat, set()
    while sid < 0xFFFFFFFA and len(difat) < n_fat + 109:
        if sid in seen or len(seen) > n_difat + 1:
            raise ValueError("chuỗi DIFAT lặp")
        seen.add(sid)
        entries = struct.unpack_from(f"<{size // 4}I", data, sector(sid))
        difat.extend(entries[:-1])
        sid = entries[-1]
    fat: list[int] = []
    for fsid in [s for s in difat if s < 0xFFFFFFFA][:n_fat]:
        fat.extend(struct.unpack_from(f"<{size // 4}I", data, sector(fsid)))
    names: set[str] = set()
    sid, steps = first_dir, 0
    while sid < 0xFFFFFFFA:
        steps += 1
        if steps > max_sectors:
            raise ValueError("chuỗi thư mục lặp")
        off = sector(sid)
        for k in range(size // 128):
            entry = data[off + 128 * k: off + 128 * (k + 1)]
            nlen, kind = struct.unpack_from("<HB", entry, 64)
            if kind in (1, 2, 5) and 2 <= nlen <= 64:
                names.add(entry[:nlen - 2].decode("utf-16-le", "replace"))
        if sid >= len(fat):
            raise ValueError("chuỗi thư mục hỏng")
        sid = fat[sid]
    if not names:
        raise ValueError("không có thư mục")
    return names

