"""One returned file, start to end: its bytes, its container, the format's reader.

:func:`read_returned` never lets anything but a
:class:`~thidua.consolidate.reader.model.ReadFailure` escape: an unexpected
error (a parser bug, a calamine panic, memory) becomes ``tep_hong`` or
``tep_qua_lon`` with its technical detail in the message.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from thidua.consolidate.reader import safety
from thidua.consolidate.reader.failures import fail as _fail
from thidua.consolidate.reader.failures import tech as _tech
from thidua.consolidate.reader.model import EXTENSIONS, Limits, ReadFailure, ReturnedFile
from thidua.consolidate.reader.xls_ods import read_ods, read_xls
from thidua.consolidate.reader.xlsx import read_xlsx

__all__ = ["read_returned"]


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
        return Opened(p, name, limits).read()
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


class Opened:
    """A file being read: what the format readers use (``fail``, ``data``, ``part``, ``result``)."""

    def __init__(self, path: Path, name: str, limits: Limits):
        self.path, self.name, self.limits = path, name, limits
        self.zip: safety.Zip | None = None
        self.members: list = []

    def fail(self, code: str, **kw) -> ReadFailure:
        return _fail(code, self.name, **kw)

    def part(self, name: str) -> bytes | None:
        """A checked XML part of the zip container by name, or None."""
        return self.zip.part(name) if self.zip is not None else None

    def read(self) -> ReturnedFile:
        ext = self.path.suffix.lower()
        if ext not in EXTENSIONS:
            shown = f"có đuôi «{ext}»" if ext else "không có phần mở rộng (đuôi tệp)"
            if ext == ".xlsb":
                shown = "là «Sổ làm việc nhị phân Excel» (.xlsb)"
            elif ext == ".csv":
                shown = "là tệp CSV (không mang thông tin của mẫu)"
            raise self.fail("dinh_dang_cu", detail=shown)
        data, st = safety.read_bytes(self.path, self.limits, self.fail)
        self.data = data
        self.result = ReturnedFile(
            path=self.path, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
            mtime=st.st_mtime, kind=EXTENSIONS[ext], meta={}, input_sheet=None, names={},
            cells={}, formulas={}, typed_unit={}, mtime_ns=st.st_mtime_ns)
        if safety.container(data, self.fail) == "ole":
            self._read_ole()
        else:
            self._read_zip()
        return self.result

    def _read_zip(self) -> None:
        self.zip = box = safety.Zip(self.data, self.limits, self.fail)
        names = box.names
        if "xl/workbook.bin" in names:
            raise self.fail("dinh_dang_cu", detail="là «Sổ làm việc nhị phân Excel» (.xlsb) đổi đuôi")
        self.members = box.members
        box.scan_parts()
        if "xl/workbook.xml" in names:
            read_xlsx(self)
        elif "content.xml" in names and (box.is_ods() or "META-INF/manifest.xml" in names):
            read_ods(self)
        elif "word/document.xml" in names:
            raise self.fail("khong_phai_bang_tinh", detail="đây là văn bản Word (.docx) đổi đuôi")
        elif "ppt/presentation.xml" in names:
            raise self.fail("khong_phai_bang_tinh", detail="đây là bản trình chiếu PowerPoint đổi đuôi")
        else:
            raise self.fail("khong_phai_bang_tinh", detail="đây là tệp nén zip, không có bảng tính bên trong")

    def _read_ole(self) -> None:
        try:
            streams = safety.cfb_names(self.data)
        except ValueError as exc:
            raise self.fail("tep_hong", detail=f"cấu trúc OLE2 hỏng: {exc}") from None
        if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
            raise self.fail("co_mat_khau")
        if "Workbook" in streams or "Book" in streams:
            read_xls(self)
            return
        if "WordDocument" in streams:
            raise self.fail("khong_phai_bang_tinh", detail="đây là văn bản Word (.doc) đổi đuôi")
        if "PowerPoint Document" in streams:
            raise self.fail("khong_phai_bang_tinh", detail="đây là bản trình chiếu PowerPoint đổi đuôi")
        raise self.fail("khong_phai_bang_tinh", detail="tệp OLE2 không chứa bảng tính")
