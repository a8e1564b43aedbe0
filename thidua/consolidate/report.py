"""The consolidation report: one row per problem, as a table a person can sort.

Like frictionless' validation reports: every problem has a code, a place
(file, unit, sheet, cell), a severity and a Vietnamese message saying what to
do. The report goes into the master («Báo cáo tổng hợp») and, on request, a
CSV file.
"""
from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

ERROR = "lỗi"
WARNING = "cảnh báo"
INFO = "thông tin"

# Problem codes, with the severity they carry and what they mean.
CODES: dict[str, tuple[str, str]] = {
    "sai_ke_hoach": (ERROR, "tệp thuộc kế hoạch khác"),
    "mau_cu": (WARNING, "mẫu của phiên bản kế hoạch cũ hơn"),
    "don_vi_khong_co": (ERROR, "đơn vị không có trong danh sách"),
    "trung_don_vi": (WARNING, "một đơn vị gửi hai tệp"),
    "cau_truc_thay_doi": (WARNING, "cấu trúc hoặc công thức của mẫu bị thay đổi"),
    "ngoai_khoang": (ERROR, "giá trị ngoài khoảng cho phép"),
    "gia_tri_khong_doc_duoc": (ERROR, "giá trị không đọc được"),
    "thieu_gia_tri": (ERROR, "thiếu giá trị bắt buộc"),
    "tep_khong_doc_duoc": (ERROR, "tệp không đọc được"),
    "khong_phai_mau": (ERROR, "bảng tính không phải mẫu của kế hoạch"),
    "khop_theo_ten": (WARNING, "nhận diện đơn vị theo mã/tên ghi trên trang, không theo dữ liệu ẩn"),
    "ma_hoa_cu": (WARNING, "tên đơn vị gõ bằng bảng mã cũ (TCVN3/VNI)"),
    "chua_gui": (WARNING, "đơn vị chưa gửi tệp"),
}

COLUMNS = [("tep", "Tệp"), ("don_vi", "Đơn vị"), ("trang", "Trang"), ("o", "Ô"),
           ("ma_loi", "Mã lỗi"), ("muc_do", "Mức độ"), ("noi_dung", "Nội dung và cách xử lý")]


@dataclass(frozen=True)
class Issue:
    tep: str  # file name (relative to the folder)
    don_vi: str  # unit code (and name) when known
    trang: str  # sheet
    o: str  # cell
    ma_loi: str  # one of CODES
    muc_do: str  # ERROR / WARNING / INFO
    noi_dung: str  # Vietnamese message: what happened and what to do

    @classmethod
    def of(cls, code: str, message: str, *, file: str = "", unit: str = "", sheet: str = "",
           cell: str = "", severity: str | None = None) -> "Issue":
        return cls(file, unit, sheet, cell, code, severity or CODES[code][0], message)


def write_csv(issues: list[Issue], path: str | Path) -> Path:
    """The report as CSV (UTF-8 with BOM, so Excel shows Vietnamese correctly)."""
    from thidua.fileio import atomic_write

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow([label for _, label in COLUMNS])
            for issue in issues:
                row = asdict(issue)
                writer.writerow([row[key] for key, _ in COLUMNS])

    return atomic_write(path, write)
