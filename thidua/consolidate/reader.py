"""Read a returned unit workbook safely and fast: never crash, never hang.

Units fill the template they were sent and return it by e-mail or Zalo, in
whatever state it reaches us: re-saved by Excel, LibreOffice or WPS, renamed,
converted to ``.xls`` or ``.ods``, truncated by a download, password
protected, or not a spreadsheet at all. :func:`read_returned` reads one such
file and either returns a :class:`ReturnedFile` (the hidden metadata, the
value typed into every input cell, the formulas left on the input sheet, the
unit name shown on the sheet) or raises :class:`ReadFailure` with a stable
``code`` and a Vietnamese ``message`` naming the file and saying what to do.
No other exception ever escapes.

Safety, in the order the checks run:

* size (``Limits.max_bytes``) from ``stat`` before reading a byte; non-regular
  files (directories, FIFOs, devices) are refused, so nothing can block;
* the format is sniffed from the content, not trusted from the extension
  (an ``.xls`` that is really an ``.xlsx`` is read as one);
* zip containers: the central directory is checked before anything is
  decompressed (member count, sum of declared sizes, compression ratio); a
  member is never inflated past its declared size (zlib's ``max_length``),
  then its size and CRC are checked; only stored/deflated members are read;
* every XML part is scanned for ``<!DOCTYPE``/``<!ENTITY`` (UTF-8 and UTF-16)
  and for an unexpected declared encoding before any parser sees it;
* OLE2 (CFB) files are inspected by a small bounded directory reader: an
  ``EncryptionInfo`` stream means a password-protected OOXML file.

Speed: ``.xlsx``/``.xlsm`` are read without openpyxl (and without calamine, see
below): the zip directory is parsed directly, ``xl/workbook.xml`` and its
relationships give the sheets and the defined names (parsed once per distinct
content: every unit's copy of a template shares them), and the metadata sheet
and the input sheet are parsed once each — only their ``<sheetData>`` —
collecting only the cells needed (values, cell styles for dates and
percentages, and every formula). Shared strings are parsed only when a needed
cell uses them. Parts over ``TREE_LIMIT`` are streamed with ``iterparse``.
About 2–3 ms per filled template, 10–13× faster than
``pandas.read_excel(sheet_name=None, engine="openpyxl")``.

Why not python-calamine for ``.xlsx``: calamine builds a *dense* grid from the
first to the last used cell, so one value typed in ``XFD1048576`` makes it
allocate ~550 GB and abort the whole process (a Rust allocation failure, which
Python cannot catch); it also returns Excel errors (``#DIV/0!``) as empty
strings and whole numbers as floats. calamine reads ``.xls`` and ``.ods``, where
no other dependency reads the format — in a child process with an address-space
limit and a timeout, because fuzzing found damaged ``.xls`` files that make it
abort the interpreter or panic. For ``.ods`` a streaming pre-scan of
``content.xml`` first checks the used area of every sheet and collects the
named ranges and the text of error cells (calamine gives neither).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import math
import os
import posixpath
import re
import stat as stat_mod
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from thidua.errors import Problem, ThiduaError
from thidua.text import fold, nfc

__all__ = ["CODES", "Limits", "ReadFailure", "ReturnedFile", "read_returned"]

#: The reader's failure codes (their meaning and severity are in ``thidua.errors.CODES``).
CODES: tuple[str, ...] = ("tep_qua_lon", "tep_rong", "khong_phai_bang_tinh", "tep_hong",
                          "co_mat_khau", "bom_nen", "bom_xml", "khong_doc_duoc", "dinh_dang_cu")

EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsm", ".xls": "xls", ".ods": "ods"}
META_SHEET = "_thidua"
INPUT_SHEET = "Nhập liệu"
APPRAISAL_SUFFIX = "_tham_dinh"
YEAR_NAME = "nam_ap_dung"
META_NAMES = ("cap_don_vi", "nhom_don_vi")  # names the template puts on the metadata sheet

#: Members bigger than this are checked against ``max_ratio`` (small parts may compress well).
RATIO_FLOOR = 1024 * 1024
#: Formulas recorded per input sheet at most (a sane template has a few hundred).
MAX_FORMULAS = 200_000
#: Largest used area (cells) of an .ods sheet handed to calamine, which allocates it densely.
MAX_GRID_CELLS = 4_000_000
#: The child process reading .xls/.ods: address-space limit, seconds, rows and columns returned.
CHILD_MEMORY = 3 * 1024 ** 3
CHILD_TIMEOUT = 60
CHILD_ROWS = 2000
CHILD_COLS = 40
#: Where the unit's name/code labels are looked for on the input sheet (rows, columns).
UNIT_REGION = (10, 6)
#: Metadata rows read at most.
META_ROWS = 200
#: Sheet parts up to this size are parsed as one tree; bigger ones are streamed.
TREE_LIMIT = 8 * 1024 * 1024

_UNIT_LABELS = {"don vi": "ten_don_vi", "ten don vi": "ten_don_vi", "ma don vi": "ma_don_vi",
                "nhom": "nhom_nhan", "cap": "cap_nhan"}
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SAFE_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin-1",
                   "latin1", "windows-1252", "cp1252", "utf-16", "utf16", "utf-16le", "utf-16be"}
_DANGER = re.compile(b"|".join(re.escape(s) for s in (
    b"<!DOCTYPE", b"<!ENTITY",
    "<!DOCTYPE".encode("utf-16-le"), "<!ENTITY".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"), "<!ENTITY".encode("utf-16-be"))))
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_PERCENT_IDS = {9, 10}


# ============================================================== public types
@dataclass
class Limits:
    """What :func:`read_returned` refuses to read."""

    max_bytes: int = 50 * 1024 * 1024  # bigger files are refused (tep_qua_lon)
    max_uncompressed: int = 200 * 1024 * 1024  # sum of a zip's declared member sizes (bom_nen)
    max_ratio: float = 200.0  # uncompressed/compressed, for members over RATIO_FLOOR (bom_nen)
    max_members: int = 10_000  # members in one zip (bom_nen)


@dataclass
class ReturnedFile:
    """What a returned workbook holds, as typed (nothing is interpreted here)."""

    path: Path
    sha256: str
    size: int
    mtime: float
    kind: str  # "xlsx" | "xlsm" | "xls" | "ods" (from the content, not the extension)
    meta: dict[str, str]  # the metadata sheet's key/value rows ({} when absent)
    input_sheet: str | None  # current name of the input sheet (also after a rename)
    names: dict[str, tuple[str, str]]  # defined name -> (sheet, "D12" or "A1:A2")
    cells: dict[str, object]  # input code (code_tham_dinh, nam_ap_dung) -> raw value
    formulas: dict[str, str]  # xlsx/xlsm: input-sheet cell -> "=formula"; {} for xls/ods
    typed_unit: dict[str, str]  # ma_don_vi / ten_don_vi (/ nhom_nhan / cap_nhan) shown on the sheet
    percent: set[str] = field(default_factory=set)  # codes whose cell shows a % format (85% is 0.85)
    saved_at: str | None = None  # last save time recorded inside the file (ISO), if any
    sheets: dict[str, str] = field(default_factory=dict)  # sheet -> "visible"/"hidden"/"veryHidden"
    #: xlsx/xlsm: codes whose cell holds a formula saved without its computed value (blank in
    #: ``cells``: the value is unknown, not absent; Excel stores it, some other programs do not)
    uncomputed: set[str] = field(default_factory=set)


class ReadFailure(ThiduaError):
    """A returned file that cannot be read: one problem whose ``code`` is one of :data:`CODES`."""

    @property
    def problem(self) -> Problem:
        return self.problems[0]

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def message(self) -> str:
        return self.problem.message

    def __str__(self) -> str:
        return self.problem.message


# ============================================================== entry point
def read_returned(path: str | os.PathLike, *, limits: Limits = Limits()) -> ReturnedFile:
    """Read one returned workbook; raise :class:`ReadFailure` (only) when it cannot be read.

    ``cells`` holds, for every input code of the template's layout (the ``bo_cuc``
    metadata; without it, every single-cell defined name on the input sheet),
    the value as typed: ``int``/``float``, text stripped and NFC, ``bool``,
    ``None`` for blank, dates as ``datetime``/``date``/``time``, an Excel error as
    its text (``"#DIV/0!"``; xlsx and ods). A code whose cell cannot be located
    (no defined name and no layout cell) is left out. Cells are found through the
    workbook's defined names first (they follow sheet renames and inserted rows),
    then through the layout.
    """
    p = Path(path)
    name = p.name or str(path)
    try:
        return _Reader(p, name, limits).read()
    except ReadFailure:
        raise
    except MemoryError:
        raise _fail("tep_qua_lon", name, detail="không đủ bộ nhớ để đọc") from None
    except RecursionError:
        raise _fail("tep_hong", name, detail="cấu trúc lồng nhau quá sâu") from None
    except BaseException as exc:  # calamine panics (pyo3 PanicException) derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise _fail("tep_hong", name,
                    detail=f"lỗi không lường trước; chi tiết kỹ thuật: {_tech(exc)}") from None


# ============================================================== messages
def _size_text(n: int | float) -> str:
    if n >= 1024 * 1024 * 1024:
        return f"{n / 1024 ** 3:.1f} GB".replace(".", ",")
    if n >= 1024 * 1024:
        return f"{n / 1024 ** 2:.1f} MB".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{int(n)} byte"


_RESEND = "đề nghị đơn vị gửi lại đúng tệp mẫu (.xlsx) đã điền"


def _fail(code: str, name: str, *, detail: str = "", **kw) -> ReadFailure:
    """A :class:`ReadFailure` with the Vietnamese message for ``code`` about file ``name``."""
    f = f"«{name}»"
    if code == "tep_qua_lon":
        if "size" in kw:
            msg = (f"Tệp {f} quá lớn ({_size_text(kw['size'])}), vượt giới hạn "
                   f"{_size_text(kw['limit'])} nên không đọc (tránh treo máy). Cách xử lý: kiểm tra "
                   "lại tệp — mẫu thi đua chỉ nặng vài chục KB, có thể đơn vị gửi nhầm tệp hoặc chèn "
                   "ảnh; nếu đúng là tệp cần đọc, chạy lại lệnh với giới hạn lớn hơn, ví dụ "
                   "«--max-mb 100».")
        else:
            msg = (f"Tệp {f} quá lớn để đọc an toàn ({detail}). Cách xử lý: mở tệp bằng Excel, xóa "
                   f"các ô thừa ở xa vùng số liệu rồi lưu lại; hoặc {_RESEND}.")
    elif code == "tep_rong":
        msg = (f"Tệp {f} rỗng (0 byte): tệp bị lỗi khi tải về hoặc khi gửi qua email/Zalo. "
               "Cách xử lý: tải lại tệp đính kèm, hoặc đề nghị đơn vị gửi lại.")
    elif code == "khong_phai_bang_tinh":
        msg = (f"Tệp {f} không phải bảng tính Excel ({detail}). Cách xử lý: {_RESEND}.")
    elif code == "tep_hong":
        msg = (f"Tệp {f} bị hỏng, không đọc được ({detail}). Cách xử lý: mở thử bằng Excel — nếu "
               f"Excel sửa được thì lưu lại dạng .xlsx; nếu không, {_RESEND}.")
    elif code == "co_mat_khau":
        msg = (f"Tệp {f} được đặt mật khẩu mở tệp nên không đọc được. Cách xử lý: đề nghị đơn vị gỡ "
               "mật khẩu (Excel: Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu → xóa "
               "mật khẩu, rồi lưu) và gửi lại.")
    elif code == "bom_nen":
        msg = (f"Tệp {f} có cấu trúc nén bất thường ({detail}) — có thể là tệp độc hại (bom nén) "
               f"nên không giải nén. Cách xử lý: không mở tệp này; {_RESEND}.")
    elif code == "bom_xml":
        msg = (f"Tệp {f} chứa khai báo XML nguy hiểm (DOCTYPE/ENTITY) trong phần «{detail}», điều "
               "Excel và LibreOffice không bao giờ tạo ra — có thể là tệp độc hại nên không đọc. "
               f"Cách xử lý: không mở tệp này; {_RESEND}.")
    elif code == "khong_doc_duoc":
        msg = (f"Không đọc được tệp {f}: {detail}. Cách xử lý: đóng tệp nếu đang mở trong Excel "
               "(hoặc chương trình khác), kiểm tra tệp còn đó và có quyền đọc, rồi thử lại.")
    elif code == "dinh_dang_cu":
        msg = (f"Tệp {f} {detail}: chỉ đọc được bảng tính .xlsx, .xlsm, .xls, .ods. Cách xử lý: mở "
               "tệp bằng Excel, chọn Tệp → Lưu thành → «Sổ làm việc Excel (*.xlsx)», rồi gửi lại.")
    else:  # pragma: no cover - programming error
        raise ValueError(code)
    return ReadFailure(Problem(nfc(msg), code=code, file=name))


def _tech(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _xml_error(exc: Exception) -> str:
    position = getattr(exc, "position", None)
    if isinstance(position, tuple) and len(position) == 2:
        return f"XML sai cấu trúc ở dòng {position[0]}, cột {position[1]}"
    return "XML sai cấu trúc"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "tệp không còn ở đó (đã bị xóa, đổi tên hoặc di chuyển)"
    if isinstance(exc, IsADirectoryError):
        return "đây là thư mục, không phải tệp"
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp, hoặc tệp đang bị chương trình khác (Excel) khóa"
    return f"lỗi hệ thống khi đọc tệp ({exc.strerror or exc})"


def _not_spreadsheet_detail(data: bytes) -> str:
    head = data[:2048]
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return "đây là tệp PDF"
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) \
            or b"<html" in low[:512]:
        return ("đây là trang web (HTML) đổi đuôi thành bảng tính, thường do phần mềm khác xuất ra; "
                "mở bằng Excel rồi lưu lại dạng .xlsx")
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
        return "đây là «Bảng tính XML 2003», mở bằng Excel rồi lưu lại dạng .xlsx"
    if head.startswith(b"{\\rtf"):
        return "đây là văn bản RTF"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "đây là tệp ảnh"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "đây là tệp nén (RAR/7z/gzip); giải nén ra rồi đọc tệp bảng tính bên trong"
    try:
        head.decode("utf-8")
        return "đây là tệp văn bản thuần (có thể là CSV), không phải tệp mẫu"
    except UnicodeDecodeError:
        pass
    return "không nhận ra định dạng của tệp"


# ============================================================== the reader
class _Reader:
    def __init__(self, path: Path, name: str, limits: Limits):
        self.path, self.name, self.limits = path, name, limits

    def fail(self, code: str, **kw) -> ReadFailure:
        return _fail(code, self.name, **kw)

    # ---------------------------------------------------------- bytes
    def read(self) -> ReturnedFile:
        ext = self.path.suffix.lower()
        if ext not in EXTENSIONS:
            shown = f"có đuôi «{ext}»" if ext else "không có phần mở rộng (đuôi tệp)"
            if ext == ".xlsb":
                shown = "là «Sổ làm việc nhị phân Excel» (.xlsb)"
            elif ext == ".csv":
                shown = "là tệp CSV (không mang thông tin của mẫu)"
            raise self.fail("dinh_dang_cu", detail=shown)
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise self.fail("khong_doc_duoc", detail=_os_reason(exc)) from None
        if stat_mod.S_ISDIR(st.st_mode):
            raise self.fail("khong_doc_duoc", detail="đây là thư mục, không phải tệp")
        if not stat_mod.S_ISREG(st.st_mode):
            raise self.fail("khong_doc_duoc", detail="đây không phải tệp thường (thiết bị, đường ống…)")
        max_bytes = self.limits.max_bytes
        if st.st_size > max_bytes:
            raise self.fail("tep_qua_lon", size=st.st_size, limit=max_bytes)
        if st.st_size == 0:
            raise self.fail("tep_rong")
        try:
            with open(self.path, "rb") as fh:
                data = fh.read(max_bytes + 1)
                st = os.fstat(fh.fileno())
        except OSError as exc:
            raise self.fail("khong_doc_duoc", detail=_os_reason(exc)) from None
        if len(data) > max_bytes:  # grew since stat
            raise self.fail("tep_qua_lon", size=max(len(data), st.st_size), limit=max_bytes)
        if not data:
            raise self.fail("tep_rong")
        self.data = data
        self.result = ReturnedFile(
            path=self.path, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
            mtime=st.st_mtime, kind=EXTENSIONS[ext], meta={}, input_sheet=None, names={},
            cells={}, formulas={}, typed_unit={})
        if data.startswith(_OLE_MAGIC):
            self._read_ole()
        elif data.startswith(b"PK") or b"PK\x05\x06" in data[-66_000:]:
            self._read_zip()
        else:
            raise self.fail("khong_phai_bang_tinh", detail=_not_spreadsheet_detail(data))
        return self.result

    # ---------------------------------------------------------- zip containers
    def _read_zip(self) -> None:
        try:
            infos = _central_directory(self.data)
            if infos is None:  # zip64, multi-disk, odd layouts: the standard library decides
                infos = zipfile.ZipFile(io.BytesIO(self.data)).infolist()
        except zipfile.BadZipFile:
            if not self.data.startswith(b"PK"):
                raise self.fail("khong_phai_bang_tinh", detail=_not_spreadsheet_detail(self.data)) from None
            raise self.fail("tep_hong", detail="cấu trúc zip hỏng hoặc bị cắt cụt, "
                                               "có thể tệp tải về chưa hết") from None
        except (ValueError, OSError, EOFError, struct.error, NotImplementedError):
            raise self.fail("tep_hong", detail="cấu trúc zip hỏng") from None
        self._check_directory(infos)
        names = {i.filename for i in infos}
        if "xl/workbook.bin" in names:
            raise self.fail("dinh_dang_cu", detail="là «Sổ làm việc nhị phân Excel» (.xlsb) đổi đuôi")
        self.members = infos
        self.parts = self._scan_parts(infos)
        if "xl/workbook.xml" in names:
            _OOXML(self).read()
        elif "content.xml" in names and (self._ods_mimetype(infos) or "META-INF/manifest.xml" in names):
            _ODS(self).read()
        elif "word/document.xml" in names:
            raise self.fail("khong_phai_bang_tinh", detail="đây là văn bản Word (.docx) đổi đuôi")
        elif "ppt/presentation.xml" in names:
            raise self.fail("khong_phai_bang_tinh", detail="đây là bản trình chiếu PowerPoint đổi đuôi")
        else:
            raise self.fail("khong_phai_bang_tinh", detail="đây là tệp nén zip, không có bảng tính bên trong")

    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> None:
        lim = self.limits
        if len(infos) > lim.max_members:
            raise self.fail("bom_nen", detail=f"{len(infos)} phần trong tệp, giới hạn {lim.max_members}")
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if total > lim.max_uncompressed:
            raise self.fail("bom_nen", detail=f"giải nén ra {_size_text(total)}, giới hạn "
                                              f"{_size_text(lim.max_uncompressed)}")
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

    def _scan_parts(self, infos: list) -> dict[str, bytes]:
        """Decompress every XML part (bounded, CRC-checked), refusing DOCTYPE/ENTITY."""
        parts: dict[str, bytes] = {}
        for info in infos:
            fname = info.filename
            if info.is_dir() or not fname.lower().endswith(_XML_SUFFIXES):
                continue
            content = self._inflate(info)
            if (b"<!" in content or b"\x00" in content) and _DANGER.search(content):
                raise self.fail("bom_xml", detail=fname)
            self._check_encoding(fname, content)
            parts[fname] = content
        return parts

    def _inflate(self, info) -> bytes:
        """A member's bytes, never more than its declared size, CRC-checked.

        Reads the local header and inflates the raw stream directly (zipfile's
        per-member machinery costs more than the inflating for small parts).
        """
        data, name = self.data, info.filename
        off = info.header_offset
        if off < 0 or data[off:off + 4] != b"PK\x03\x04":
            raise self.fail("tep_hong", detail=f"phần «{name}»: sai vị trí trong tệp zip")
        n, m = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + n + m
        raw = data[start:start + info.compress_size]
        if len(raw) != info.compress_size:
            raise self.fail("tep_hong", detail=f"phần «{name}» bị cắt cụt (tệp tải về chưa hết?)")
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                out = raw[:info.file_size]
            else:
                out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
        except zlib.error:
            raise self.fail("tep_hong", detail=f"phần «{name}»: dữ liệu nén hỏng") from None
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise self.fail("tep_hong", detail=f"phần «{name}» hỏng (sai kích thước hoặc mã kiểm tra CRC)")
        return out

    def _check_encoding(self, fname: str, content: bytes) -> None:
        head = content[:200]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
            return  # UTF-16: the scan above covered both byte orders
        match = _XML_DECL.match(head.removeprefix(b"\xef\xbb\xbf"))
        if match and match.group(1).decode("ascii").lower() not in _SAFE_ENCODINGS:
            raise self.fail("tep_hong", detail=f"phần «{fname}» dùng bảng mã XML lạ "
                                               f"({match.group(1).decode('ascii')})")

    def _ods_mimetype(self, infos: list) -> bool:
        info = next((i for i in infos if i.filename == "mimetype"), None)
        if info is None or info.file_size > 200:
            return False
        return self._inflate(info).strip() == b"application/vnd.oasis.opendocument.spreadsheet"

    def part(self, name: str) -> bytes | None:
        """A scanned XML part by name (exact, then case-insensitive), or None."""
        if name in self.parts:
            return self.parts[name]
        low = name.lower()
        for key, value in self.parts.items():
            if key.lower() == low:
                return value
        return None

    # ---------------------------------------------------------- OLE2 (xls, encrypted OOXML)
    def _read_ole(self) -> None:
        try:
            streams = _cfb_names(self.data)
        except ValueError as exc:
            raise self.fail("tep_hong", detail=f"cấu trúc OLE2 hỏng: {exc}") from None
        if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
            raise self.fail("co_mat_khau")
        if "Workbook" in streams or "Book" in streams:
            self.result.kind = "xls"
            _Calamine(self, "xls").read()
            return
        if "WordDocument" in streams:
            raise self.fail("khong_phai_bang_tinh", detail="đây là văn bản Word (.doc) đổi đuôi")
        if "PowerPoint Document" in streams:
            raise self.fail("khong_phai_bang_tinh", detail="đây là bản trình chiếu PowerPoint đổi đuôi")
        raise self.fail("khong_phai_bang_tinh", detail="tệp OLE2 không chứa bảng tính")


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
def _cfb_names(data: bytes) -> set[str]:
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


# ============================================================== shared helpers
def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = nfc(value).strip()
    return value or None


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _parse_cell(ref: str) -> tuple[int, int] | None:
    """``"$D$12"`` → (12, 4); None if not a single cell inside Excel's grid."""
    m = _CELL.match(ref.strip())
    if not m:
        return None
    row, col = int(m.group(2)), col_number(m.group(1))
    if not (1 <= row <= 1_048_576 and 1 <= col <= 16_384):
        return None
    return row, col


@functools.lru_cache(maxsize=65536)
def _cell_name(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def _number(x: float):
    if x.is_integer() and abs(x) < 2 ** 53:
        return int(x)
    return x


def _plain(value) -> object:
    """Normalise a value from calamine: floats that are whole → int, text stripped NFC, '' → None."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return _number(value) if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _text(value)
    return value  # date, datetime, time, timedelta


def _shown(value) -> str:
    """A metadata/label value as text."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _meta_from(rows: dict[int, dict[int, object]]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for r in sorted(rows):
        key = rows[r].get(1)
        if isinstance(key, str) and key.strip() and key.strip() not in meta:
            value = rows[r].get(2)
            meta[key.strip()] = "" if value is None else _shown(value)
    return meta


@functools.lru_cache(maxsize=4096)
def _label_key(label: str) -> str | None:
    return _UNIT_LABELS.get(fold(label).rstrip(":").strip())


def _typed_unit(rows: dict[int, dict[int, object]]) -> dict[str, str]:
    """The unit's name/code shown right of «Đơn vị:», «Mã đơn vị:» … near the top of the sheet."""
    found: dict[str, str] = {}
    for r in sorted(rows):
        cols = rows[r]
        for c in sorted(cols):
            label = cols[c]
            if not isinstance(label, str) or len(label) > 24:
                continue  # labels are short; skip folding long texts
            key = _label_key(label)
            if key is None or key in found:
                continue
            for c2 in sorted(x for x in cols if c < x <= c + 5):
                value = cols[c2]
                if value is not None and _shown(value):
                    found[key] = nfc(_shown(value))
                    break
    return found


def _layout(meta: dict[str, str]) -> dict:
    try:
        layout = json.loads(meta.get("bo_cuc") or "{}")
    except (ValueError, TypeError):
        return {}
    return layout if isinstance(layout, dict) else {}


def _codes(layout: dict) -> dict[str, str]:
    """Input code -> layout cell ("D12") for input, appraisal and year cells."""
    codes: dict[str, str] = {}

    def add(code, cell):
        if isinstance(code, str) and isinstance(cell, str) and _pos(cell):
            codes[code] = _cell_name(*_pos(cell))

    for key, suffix in (("input_cells", ""), ("appraisal_cells", APPRAISAL_SUFFIX)):
        cells = layout.get(key)
        if isinstance(cells, dict):
            for code, cell in cells.items():
                add(f"{code}{suffix}", cell)
    if layout.get("year_cell"):
        add(YEAR_NAME, layout.get("year_cell"))
    return codes


def _pick_input_sheet(sheets: list[str], names: dict[str, tuple[str, str]],
                      codes: dict[str, str], meta: dict[str, str]) -> str | None:
    """Defined names of the input codes → metadata ``trang_nhap_lieu`` → a sheet called «Nhập liệu»."""
    keys = [c for c in codes if c in names] if codes else [
        n for n, (_, ref) in names.items() if ":" not in ref and n not in META_NAMES]
    votes = Counter(names[k][0] for k in keys if names[k][0] in sheets)
    if votes:
        return votes.most_common(1)[0][0]
    wanted = meta.get("trang_nhap_lieu")
    if wanted in sheets:
        return wanted
    target = fold(INPUT_SHEET)
    for sheet in sheets:
        if fold(sheet) == target:
            return sheet
    for sheet in sheets:
        if target in fold(sheet):
            return sheet
    return None


def _locate(codes: dict[str, str], names: dict[str, tuple[str, str]], sheets: list[str],
            input_sheet: str | None) -> dict[str, tuple[str, int, int]]:
    """Code -> (sheet, row, col): the defined name first, else the layout cell on the input sheet."""
    if not codes:  # no layout: every single-cell name on the input sheet
        codes = {n: "" for n, (sheet, ref) in names.items()
                 if sheet == input_sheet and ":" not in ref and n not in META_NAMES}
    where: dict[str, tuple[str, int, int]] = {}
    for code, cell in codes.items():
        target = names.get(code)
        pos = _pos(target[1]) if target is not None and target[0] in sheets else None
        if pos is not None:
            where[code] = (target[0], *pos)
        elif input_sheet is not None and cell:
            where[code] = (input_sheet, *_pos(cell))
    return where


_NAME_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!\[\]]+))!(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})"
    r"(?::(\$?[A-Za-z]{1,3}\$?[0-9]{1,7}))?$")


_TARGET_CACHE: dict[str, tuple[str, str] | None] = {}


def _name_target(text: str) -> tuple[str, str] | None:
    """``'Nhập liệu'!$D$12`` → ("Nhập liệu", "D12"); ranges → "A1:A2"; anything else None."""
    try:
        return _TARGET_CACHE[text]
    except KeyError:
        target = _name_target_uncached(text)
        if len(_TARGET_CACHE) < 100_000:
            _TARGET_CACHE[text] = target
        return target


def _name_target_uncached(text: str) -> tuple[str, str] | None:
    m = _NAME_REF.match(text.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    first = _parse_cell(m.group(3))
    if first is None:
        return None
    ref = _cell_name(*first)
    if m.group(4):
        last = _parse_cell(m.group(4))
        if last is None:
            return None
        ref += ":" + _cell_name(*last)
    return nfc(sheet), ref


# ============================================================== xlsx / xlsm
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


_ROOT_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)(?=[\s>/])[^>]*>")
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?sheetData)(?=[\s>/])")


def _sheet_data_only(content: bytes) -> bytes | None:
    """The worksheet with only its ``<sheetData>`` (half the parsing time), or None.

    Validations, conditional formats and the rest after the cells are never needed.
    Only for plain UTF-8/ASCII parts without comments or CDATA (``<!``), which could
    hide a closing tag; a slice that does not parse is re-parsed whole by the caller.
    """
    if b"<!" in content or content[:2] in (b"\xff\xfe", b"\xfe\xff"):
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


class _OOXML:
    def __init__(self, reader: _Reader):
        self.r = reader
        self.fail = reader.fail
        self.date1904 = False
        self._sst: list[str] = []
        self._sst_more = True
        self._sst_iter = None
        self._sst_root = None
        self._sst_path = ""
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
        meta_sheet = META_SHEET if META_SHEET in parts else next(
            (res.names[n][0] for n in META_NAMES if n in res.names and res.names[n][0] in parts), None)
        if meta_sheet is not None:
            rows, _, _ = self._sheet(parts[meta_sheet], meta_sheet, region=(META_ROWS, 2))
            res.meta = _meta_from(rows)
        layout = _layout(res.meta)
        codes = _codes(layout)
        res.input_sheet = _pick_input_sheet(sheet_names, res.names, codes, res.meta)
        where = _locate(codes, res.names, sheet_names, res.input_sheet)
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
                                              region=UNIT_REGION if is_input else None,
                                              formulas=is_input)
            for (row, col) in wanted:
                values[(sheet, row, col)] = rows.get(row, {}).get(col)
            percent |= {(sheet, row, col) for row, col in pct}
            uncomputed |= {(sheet, row, col) for row, col in self._last_uncomputed}
            if is_input:
                res.formulas = formulas
                res.typed_unit = _typed_unit({r: c for r, c in rows.items() if r <= UNIT_REGION[0]})
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
                    target = _name_target(el.text)
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
        scan = _SheetScan(wanted, region, formulas, self._formula)
        try:
            if len(content) <= TREE_LIMIT:
                sliced = _sheet_data_only(content)
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

    @staticmethod
    def _formula(f: ET.Element, cell: str, shared: dict[str, tuple[str, str]]) -> str | None:
        """"=…" for a cell's ``<f>``; shared-formula followers are translated from their anchor."""
        text = f.text or ""
        kind = f.get("t")
        if kind == "shared":
            si = f.get("si") or ""
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

    def _value(self, t, v, s, inline):
        """(value, shows as percent) of a cell from its type, raw text and style."""
        if t == "inlineStr":
            return _text(_unescape(inline or "")), False
        if v is None:
            return None, False
        if t == "s":
            try:
                index = int(v)
            except ValueError:
                return None, False
            return _text(_unescape(self._shared(index))), False
        if t == "str":
            return _text(_unescape(v)), False
        if t == "b":
            return v.strip().lower() in ("1", "true"), False
        if t == "e":
            return _text(v), False
        if t == "d":
            try:
                return dt.datetime.fromisoformat(v.strip().rstrip("Z")), False
            except ValueError:
                return _text(v), False
        try:
            x = float(v)
        except ValueError:
            return None, False
        if not math.isfinite(x):
            return None, False
        kind = self._format_kind(s)
        if kind == "date":
            return _from_serial(x, self.date1904), False
        return _number(x), kind == "percent"

    def _shared(self, index: int) -> str:
        """Shared string ``index``, parsing the string table lazily and only as far as needed."""
        strings = self._sst
        while index >= len(strings) and self._sst_more:
            self._pull_sst(index + 256)
        return strings[index] if 0 <= index < len(strings) else ""

    def _pull_sst(self, upto: int) -> None:
        if self._sst_iter is None:
            rels = self._workbook_rels()
            path = next((p for p, typ in rels.values() if typ.endswith("/sharedStrings")),
                        "xl/sharedStrings.xml")
            content = self.r.part(path)
            if content is None:
                self._sst_more = False
                return
            self._sst_path = path
            if len(content) <= TREE_LIMIT:  # the usual case: one tree, all strings
                try:
                    root = ET.fromstring(content)
                except ET.ParseError as exc:
                    raise self.fail("tep_hong", detail=f"phần «{path}» hỏng ({_xml_error(exc)})") from None
                self._sst.extend(_rich_text(si) for si in root if _local(si.tag) == "si")
                self._sst_more = False
                return
            self._sst_iter = ET.iterparse(io.BytesIO(content), events=("start", "end"))
        strings = self._sst
        try:
            for event, el in self._sst_iter:
                if event == "start":
                    if self._sst_root is None:
                        self._sst_root = el
                    continue
                if _local(el.tag) == "si":
                    strings.append(_rich_text(el))
                    el.clear()
                    self._sst_root.clear()
                    if len(strings) > upto:
                        return
        except ET.ParseError as exc:
            raise self.fail("tep_hong", detail=f"phần «{self._sst_path}» hỏng ({_xml_error(exc)})") from None
        self._sst_more = False

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


_POS_CACHE: dict[str, tuple[int, int] | None] = {}


def _pos(ref: str) -> tuple[int, int] | None:
    """Cached :func:`_parse_cell` for cell references (the same few hundred in every file)."""
    try:
        return _POS_CACHE[ref]
    except KeyError:
        pos = _parse_cell(ref)
        if len(_POS_CACHE) < 200_000:
            _POS_CACHE[ref] = pos
        return pos


class _SheetScan:
    """Collects the cells a sheet read needs, from a parsed tree or a stream."""

    def __init__(self, wanted, region, formulas: bool, formula_text):
        self.wanted = wanted
        self.region = region or (0, 0)
        self.want_formulas = formulas
        self.formula_text = formula_text
        self.max_row = max([r for r, _ in wanted] + [self.region[0]])
        self.raw: dict[tuple[int, int], tuple] = {}  # (row, col) -> (t, v, s, inline text)
        self.no_value: set[tuple[int, int]] = set()  # kept cells with a formula but no cached value
        self.formulas: dict[str, str] = {}
        self.shared: dict[str, tuple[str, str]] = {}

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
                        pos = _pos(ref) if ref else None
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
                pos = (_pos(ref) if ref else None) or (row_no, col_no + 1)
                col_no = pos[1]
                if not len(c):
                    continue  # no value, no formula
                if pos in wanted or (pos[0] <= region_rows and pos[1] <= region_cols) or (
                        self.want_formulas and c.find(f_tag) is not None):
                    self.cell(c, pos, ns)

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
                pos = (_pos(ref) if ref else None) or (row_no, col_no + 1)
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

    def keep(self, pos: tuple[int, int]) -> bool:
        return pos in self.wanted or (pos[0] <= self.region[0] and pos[1] <= self.region[1])

    def cell(self, c: ET.Element, pos: tuple[int, int], ns: str) -> None:
        v = f = inline = None
        v_tag, f_tag, is_tag = ns + "v", ns + "f", ns + "is"
        for child in c:
            tag = child.tag
            if tag == v_tag:
                v = child.text
            elif tag == f_tag:
                f = child
            elif tag == is_tag:
                inline = _rich_text(child)
        if self.keep(pos):
            self.raw[pos] = (c.get("t"), v, c.get("s"), inline)
            if f is not None and v is None and inline is None:
                self.no_value.add(pos)
        if self.want_formulas and f is not None and len(self.formulas) < MAX_FORMULAS:
            name = _cell_name(*pos)
            text = self.formula_text(f, name, self.shared)
            if text is not None:
                self.formulas[name] = text


def _rich_text(el: ET.Element) -> str:
    """Text of a shared/inline string: plain ``<t>`` or rich-text runs, phonetic runs left out."""
    out = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            out.append(child.text or "")
        elif tag == "r":
            for sub in child:
                if _local(sub.tag) == "t":
                    out.append(sub.text or "")
    return "".join(out)


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
        return _number(x)
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


# ============================================================== xls / ods through calamine
_CHILD = r"""
import io, pickle, sys
limit, rows, cols = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
except Exception:
    pass
data = sys.stdin.buffer.read()
try:
    import python_calamine as pc
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(m.name, str(m.visible).rsplit(".", 1)[-1]) for m in wb.sheets_metadata]
        grids = {}
        for name, _ in sheets:
            try:
                grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=rows)
                grids[name] = [list(r[:cols]) for r in grid]
            except Exception as exc:
                grids[name] = "%s: %s" % (type(exc).__name__, str(exc)[:200])
        out = {"sheets": sheets, "grids": grids}
    except pc.PasswordError:
        out = {"password": True}
except BaseException as exc:
    out = {"error": "%s: %s" % (type(exc).__name__, str(exc)[:200])}
sys.stdout.buffer.write(pickle.dumps(out))
"""


class _Calamine:
    """.xls and .ods through python-calamine, in a child process.

    calamine is fast but not safe in-process against hostile or damaged files:
    fuzzing found mutated .xls files that make it abort the whole interpreter
    (a Rust allocation failure of ~100 GB while building a sheet grid, which no
    ``try`` can catch) and others that panic. The child runs with an address
    space limit and a timeout; whatever happens to it, this process only sees a
    result or a :class:`ReadFailure`. Costs one interpreter start (~0.1 s) per
    file — .xls/.ods returns are rare.
    """

    def __init__(self, reader: _Reader, kind: str):
        self.r = reader
        self.fail = reader.fail
        self.kind = kind
        self.names: dict[str, tuple[str, str]] = {}
        self.used: dict[str, tuple[int, int]] = {}  # ods: sheet -> (last used row, col)
        self.errors: dict[str, dict[tuple[int, int], str]] = {}  # ods: error cells' text

    def read(self) -> None:
        res = self.r.result
        for sheet, (rows, cols) in self.used.items():  # calamine loads every sheet of an .ods
            if rows * cols > MAX_GRID_CELLS:
                raise self.fail("tep_qua_lon", detail=f"trang «{sheet}» có ô dữ liệu tới dòng "
                                                      f"{rows:,}, cột {cols:,}".replace(",", "."))
        out = self._child()
        if out.get("password"):
            raise self.fail("co_mat_khau")
        if "error" in out:
            raise self.fail("tep_hong", detail="không đọc được nội dung bảng tính; chi tiết kỹ thuật: "
                                               + str(out["error"]))
        states = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}
        original: dict[str, str] = {}
        for name, visible in out["sheets"]:
            original[nfc(name)] = name
            res.sheets[nfc(name)] = states.get(visible, "visible")
        self.grids = out["grids"]
        sheets = list(original)
        meta_sheet = META_SHEET if META_SHEET in original else next(
            (self.names[n][0] for n in META_NAMES if n in self.names and self.names[n][0] in original),
            None)
        if meta_sheet is not None:
            res.meta = _meta_from(self._grid(original[meta_sheet], meta_sheet, META_ROWS, 2))
        codes = _codes(_layout(res.meta))
        res.input_sheet = _pick_input_sheet(sheets, self.names, codes, res.meta)
        where = _locate(codes, self.names, sheets, res.input_sheet)
        need: dict[str, int] = {}
        for sheet, row, _ in where.values():
            need[sheet] = max(need.get(sheet, 0), row)
        if res.input_sheet is not None:
            need[res.input_sheet] = max(need.get(res.input_sheet, 0), UNIT_REGION[0])
        grids = {sheet: self._grid(original[sheet], sheet, rows, None) for sheet, rows in need.items()}
        res.cells = {code: grids[sheet].get(row, {}).get(col)
                     for code, (sheet, row, col) in where.items()}
        if res.input_sheet is not None:
            grid = grids[res.input_sheet]
            res.typed_unit = _typed_unit({r: {c: v for c, v in cols.items() if c <= UNIT_REGION[1]}
                                          for r, cols in grid.items() if r <= UNIT_REGION[0]})
        res.names = self.names

    def _child(self) -> dict:
        import pickle
        import subprocess
        import sys

        cmd = [sys.executable, "-I", "-c", _CHILD, str(CHILD_MEMORY), str(CHILD_ROWS),
               str(CHILD_COLS)]
        try:
            proc = subprocess.run(cmd, input=self.r.data, capture_output=True,
                                  timeout=CHILD_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise self.fail("tep_hong", detail=f"đọc tệp {self.kind} quá {CHILD_TIMEOUT} giây") from None
        except OSError as exc:
            raise self.fail("khong_doc_duoc", detail=f"không chạy được bộ đọc .{self.kind} "
                                                     f"({exc.strerror or exc})") from None
        try:
            out = pickle.loads(proc.stdout) if proc.stdout else None
        except Exception:  # noqa: BLE001 - a child that died mid-write
            out = None
        if not isinstance(out, dict):
            raise self.fail("tep_hong", detail=f"bộ đọc tệp .{self.kind} dừng đột ngột "
                                               f"(mã {proc.returncode}) — tệp hỏng hoặc có cấu trúc "
                                               "bất thường")
        return out

    def _grid(self, original: str, sheet: str, nrows: int, ncols: int | None):
        """{row: {col: value}} of the first ``nrows`` rows (1-based)."""
        data = self.grids.get(original)
        if not isinstance(data, list):
            raise self.fail("tep_hong", detail=f"trang «{sheet}» không đọc được"
                            + (f"; chi tiết kỹ thuật: {data}" if data else ""))
        errors = self.errors.get(sheet, {})
        rows: dict[int, dict[int, object]] = {}
        for r, values in enumerate(data[:nrows], start=1):
            for c, value in enumerate(values, start=1):
                if ncols is not None and c > ncols:
                    break
                value = _plain(value)
                if value is None and (r, c) in errors:
                    value = errors[(r, c)]
                if value is not None:
                    rows.setdefault(r, {})[c] = value
        return rows


_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_ODS_REF = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.'$][^.]*))\.(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})"
                      r"(?::\$?(?:'(?:[^']|'')+'|[^.'$][^.]*)?\.(\$?[A-Za-z]{1,3}\$?[0-9]{1,7}))?$")


class _ODS(_Calamine):
    """OpenDocument: a streaming pre-scan of content.xml, then calamine for the values."""

    def __init__(self, reader: _Reader):
        super().__init__(reader, "ods")

    def read(self) -> None:
        manifest = self.r.part("META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            raise self.fail("co_mat_khau")
        self.r.result.kind = "ods"
        self._prescan(self.r.part("content.xml"))
        meta = self.r.part("meta.xml")
        if meta:
            m = re.search(rb"<dc:date>([^<]{1,64})</dc:date>", meta)
            if m:
                self.r.result.saved_at = m.group(1).decode("utf-8", "replace").strip()
        super().read()

    def _prescan(self, content: bytes | None) -> None:
        if content is None:
            raise self.fail("tep_hong", detail="thiếu phần «content.xml»")
        t = "{%s}" % _ODF_TABLE
        o = "{%s}" % _ODF_OFFICE
        calc = "{%s}value-type" % _ODF_CALCEXT
        depth_table = 0
        sheet = None
        row = col = 0
        row_repeat = 1
        stack: list[ET.Element] = []  # open elements, to drop finished rows: memory stays flat
        try:
            for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
                tag = el.tag
                if event == "start":
                    stack.append(el)
                    if tag == t + "table":
                        depth_table += 1
                        sheet = nfc(el.get(t + "name") or "")
                        row = 0
                        self.used.setdefault(sheet, (0, 0))
                    elif tag == t + "table-row" and sheet is not None:
                        row_repeat = _repeat(el.get(t + "number-rows-repeated"))
                        row += 1
                        col = 0
                    elif tag == t + "named-range" and depth_table == 0:
                        target = _ods_target(el.get(t + "cell-range-address") or "")
                        if target and el.get(t + "name"):
                            self.names[el.get(t + "name")] = target
                    continue
                stack.pop()
                if tag in (t + "table-cell", t + "covered-table-cell") and sheet is not None:
                    repeat = _repeat(el.get(t + "number-columns-repeated"))
                    first = col + 1
                    col += repeat
                    if el.get(o + "value-type") or len(el):
                        last_row = row + row_repeat - 1
                        used = self.used[sheet]
                        self.used[sheet] = (max(used[0], last_row), max(used[1], col))
                        if el.get(calc) == "error" and len(self.errors.setdefault(sheet, {})) < 10_000:
                            text = "".join(el.itertext()).strip()
                            if text:
                                self.errors[sheet][(row, first)] = text
                    el.clear()
                elif tag == t + "table-row":
                    row += row_repeat - 1
                    if stack:
                        del stack[-1][:]  # the finished rows (this one included) are not needed
                elif tag == t + "table":
                    depth_table -= 1
                    sheet = None
                    el.clear()
        except ET.ParseError as exc:
            raise self.fail("tep_hong", detail=f"phần «content.xml» hỏng ({_xml_error(exc)})") from None


def _repeat(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1_048_576 * 16_384))
    except ValueError:
        return 1


def _ods_target(address: str) -> tuple[str, str] | None:
    m = _ODS_REF.match(address.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    first = _parse_cell(m.group(3))
    if first is None:
        return None
    ref = _cell_name(*first)
    if m.group(4):
        last = _parse_cell(m.group(4))
        if last is None:
            return None
        if last != first:
            ref += ":" + _cell_name(*last)
    return nfc(sheet), ref
