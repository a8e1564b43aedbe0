"""Problems: the one coded shape of "something is wrong", and the errors that carry them.

Every reader (plan files, unit tables, returned workbooks, masters, statistics
exports), the consolidation report (sheet and CSV), the command line and the
add-in's message boxes speak in :class:`Problem`: a stable ``code`` (see
:data:`CODES`), a ``severity``, the place (file, line or sheet and cell, unit)
and a Vietnamese message saying what is wrong and how to fix it. Problems are
collected, not raised one by one, so a user sees every mistake of a file in
one go.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

ERROR = "lỗi"
WARNING = "cảnh báo"
INFO = "thông tin"

#: Every problem code, with the severity it carries and what it means (shown in reports).
CODES: dict[str, tuple[str, str]] = {
    # plan files
    "ke_hoach_sai": (ERROR, "kế hoạch viết sai"),
    # unit tables and typed values (every surface)
    "thieu_cot": (ERROR, "bảng thiếu cột"),
    "bang_sai": (ERROR, "bảng số liệu không đọc được"),
    "gia_tri_khong_doc_duoc": (ERROR, "giá trị không đọc được"),
    "ngoai_khoang": (ERROR, "giá trị ngoài khoảng cho phép"),
    "thieu_gia_tri": (ERROR, "thiếu giá trị bắt buộc"),
    "so_lieu_mau_thuan": (ERROR, "số liệu mâu thuẫn nhau, không thể đúng"),
    "o_cua_co_quan": (WARNING, "đơn vị nhập vào ô chỉ cơ quan được nhập"),
    "sua_sau_tham_dinh": (WARNING, "số liệu gửi lại khác số liệu đã thẩm định"),
    # returned files (consolidation)
    "sai_ke_hoach": (ERROR, "tệp thuộc kế hoạch khác"),
    "mau_cu": (WARNING, "mẫu của phiên bản kế hoạch cũ hơn"),
    "ke_hoach_thay_doi": (WARNING, "mẫu tạo từ kế hoạch đã được sửa sau đó (cùng phiên bản)"),
    "don_vi_khong_co": (ERROR, "đơn vị không có trong danh sách"),
    "trung_don_vi": (WARNING, "một đơn vị gửi hai tệp"),
    "cau_truc_thay_doi": (WARNING, "cấu trúc hoặc công thức của mẫu bị thay đổi"),
    "khong_phai_mau": (ERROR, "bảng tính không phải mẫu của kế hoạch"),
    "khop_theo_ten": (WARNING, "nhận diện đơn vị theo mã/tên ghi trên trang, không theo dữ liệu ẩn"),
    "ma_hoa_cu": (WARNING, "tên đơn vị gõ bằng bảng mã cũ (TCVN3/VNI)"),
    "chua_gui": (WARNING, "đơn vị chưa gửi tệp"),
    # returned files that cannot be read at all (the reader's own codes)
    "tep_qua_lon": (ERROR, "tệp quá lớn"),
    "tep_rong": (ERROR, "tệp rỗng (0 byte)"),
    "khong_phai_bang_tinh": (ERROR, "không phải bảng tính"),
    "tep_hong": (ERROR, "tệp bị hỏng"),
    "co_mat_khau": (ERROR, "tệp có mật khẩu"),
    "bom_nen": (ERROR, "tệp nén bất thường (nghi bom nén)"),
    "bom_xml": (ERROR, "tệp chứa khai báo XML nguy hiểm (DOCTYPE/ENTITY)"),
    "khong_doc_duoc": (ERROR, "không đọc được tệp (quyền, đang mở, đã bị xóa)"),
    "dinh_dang_cu": (ERROR, "định dạng tệp không hỗ trợ"),
    # returned files that are read but cannot be used (the unit's earlier figures stay)
    "mau_bi_hong": (ERROR, "tệp không còn đọc được như mẫu (mất hoặc bị xóa trắng trang nhập liệu)"),
    "chua_nhap_so_lieu": (ERROR, "tệp chưa nhập số liệu nào"),
    "cong_thuc_chua_tinh": (ERROR, "ô nhập công thức nhưng tệp chưa lưu kết quả tính"),
    "trung_thoi_diem": (ERROR, "hai tệp của một đơn vị lưu cùng một giây, số liệu khác nhau"),
    "tep_dinh_kem": (WARNING, "tệp gửi kèm không phải bảng tính (PDF, ảnh, Word…)"),
    "giu_so_lieu_cu": (WARNING, "tệp mới bị loại, số liệu cũ trong sổ được giữ nguyên"),
    "bo_qua_so_tong_hop": (INFO, "sổ tổng hợp nằm trong thư mục nhận về (bỏ qua)"),
    # writing outputs: one writer at a time, files open elsewhere, the operating system
    "dang_co_nguoi_ghi": (ERROR, "một lần chạy khác đang ghi vào tệp này"),
    "khoa_con_sot": (INFO, "khóa ghi của lần chạy trước bị bỏ lại (đã thu hồi)"),
    "dang_mo": (ERROR, "tệp đang mở trong Excel, Word hoặc LibreOffice"),
    "khong_co_quyen": (ERROR, "không có quyền đọc hoặc ghi (tệp chỉ đọc, bị khóa, thiếu quyền)"),
    "o_dia_chi_doc": (ERROR, "ổ đĩa hoặc thư mục chỉ cho đọc"),
    "het_dung_luong": (ERROR, "ổ đĩa hết chỗ trống"),
    "duong_dan_qua_dai": (ERROR, "đường dẫn quá dài"),
    "tep_bi_giu": (ERROR, "tệp đang bị chương trình khác giữ"),
    "mat_ket_noi": (ERROR, "mất kết nối tới ổ mạng"),
    "khong_tim_thay": (ERROR, "không tìm thấy tệp hoặc thư mục"),
    "sai_loai_duong_dan": (ERROR, "đường dẫn là thư mục thay vì tệp (hoặc ngược lại)"),
    "loi_he_thong": (ERROR, "lỗi hệ thống khi đọc hoặc ghi tệp"),
    "ghi_do_dang": (ERROR, "chỉ ghi được một phần kết quả"),
    "loi_ngoai_du_kien": (ERROR, "lỗi ngoài dự kiến của chương trình"),
}


def meaning(code: str) -> str:
    """What a code means, in Vietnamese ("" for an unknown code)."""
    return CODES.get(code, ("", ""))[1]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with where it is, how bad, and what to do."""

    message: str
    file: str = ""
    line: int | None = None  # plan files (1-based)
    sheet: str = ""
    cell: str = ""  # e.g. "C5"
    row: int | None = None  # 1-based row as the user sees it
    column: str = ""  # column header (code) as the user typed it
    hint: str = ""
    code: str = ""  # one of CODES ("" only for problems no report lists)
    severity: str = ""  # ERROR / WARNING / INFO; "" = the code's own
    unit: str = ""  # unit code (and name) when known

    def __post_init__(self):
        if not self.severity:
            object.__setattr__(self, "severity", CODES.get(self.code, (ERROR,))[0])

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def with_place(self, **where) -> "Problem":
        """The same problem at another (or a more precise) place."""
        return replace(self, **{k: v for k, v in where.items() if v not in (None, "")})

    def text(self) -> str:
        """Message and fix, without the place (for report tables and message boxes)."""
        if self.hint:
            return f"{self.message} — Cách sửa: {self.hint}"
        return self.message

    def where(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"dòng {self.line}")
        if self.sheet:
            where.append(f"trang «{self.sheet}»")
        if self.cell:
            where.append(f"ô {self.cell}")
        elif self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column:
            where.append(f"cột «{self.column}»")
        return ", ".join(where)

    def __str__(self) -> str:
        where = self.where()
        return (where + ": " if where else "") + self.text()


class ThiduaError(Exception):
    """Base class; carries one or more problems."""

    def __init__(self, problems: "list[Problem] | Problem | str"):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # pickles through process pools
        return (type(self), (self.problems,))


class PlanError(ThiduaError):
    """The plan file is invalid."""


class InputError(ThiduaError):
    """The unit data table cannot be read or holds unreadable values."""


# ------------------------------------------------------------------ technical log
def log_file(name: str = "nhat-ky-loi.txt", env: str = "THIDUA_LOG") -> Path:
    """Where technical details (tracebacks) go: ``$env``, else a per-user folder.

    Windows: ``%LOCALAPPDATA%\\thidua\\<name>``; elsewhere ``~/.thidua/<name>``.
    """
    override = os.environ.get(env)
    if override:
        return Path(override)
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "thidua" / name
    return Path.home() / ".thidua" / name


def write_log(title: str, text: str, *, name: str = "nhat-ky-loi.txt",
              env: str = "THIDUA_LOG") -> Path | None:
    """Append ``text`` (a traceback…) under a dated ``title`` to the log; its path, or None."""
    path = log_file(name, env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"===== {dt.datetime.now():%Y-%m-%d %H:%M:%S} — {title}\n{text}\n")
        return path
    except OSError:
        return None
