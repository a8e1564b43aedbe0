"""Writes ``thidua/samples/nui-thanh-thong-ke.xlsx``: a statistics export as the
province's online-service system (Hệ thống thông tin giải quyết TTHC) gives it,
for the 29 units of ``thidua/samples/nui-thanh-dvc-2023.csv`` with that csv's
figures, so importing it must give back exactly the csv's values.

Layout: two title rows, a two-row header with merged cells, a row of column
numbers, group rows with subtotals («I | Cấp huyện», «II | Cấp xã»), the unit
rows (names the system's way: prefixes, capitals, decomposed accents, arabic
numerals), a «Tổng cộng» row and a signature line.

Regenerate: ``PYTHONPATH=. python tests/data_portal.py``.
"""
from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path

from thidua.fileio import make_reproducible

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CSV = ROOT / "thidua" / "samples" / "nui-thanh-dvc-2023.csv"
SAMPLE_XLSX = ROOT / "thidua" / "samples" / "nui-thanh-thong-ke.xlsx"

STAMP = dt.datetime(2024, 1, 5, 8, 0, 0)

#: How the export names each unit (unit code -> name in the export).
EXPORT_NAMES = {
    "CQ01": "Phòng Nội vụ",
    "CQ02": "PHÒNG TƯ PHÁP",
    "CQ03": "Phòng Tài chính – Kế hoạch",
    "CQ04": unicodedata.normalize("NFD", "Phòng Tài nguyên và Môi trường"),
    "CQ05": "Phòng Kinh tế và Hạ tầng",
    "CQ06": "Phòng Nông nghiệp và Phát triển nông thôn",
    "CQ07": "Phòng Lao động, Thương binh và Xã hội",
    "CQ08": "Phòng Văn hoá và Thông tin",
    "CQ09": "Phòng Giáo dục & Đào tạo",
    "CQ10": "Phòng  Y tế ",
    "CQ11": "Thanh tra huyện",
    "CQ12": "Văn phòng HĐND&UBND huyện",
    "XA01": "UBND Thị trấn Núi Thành",
    "XA02": "UBND xã Tam Xuân I",
    "XA03": "Xã Tam Xuân 2",
    "XA04": "UBND XÃ TAM TIẾN",
    "XA05": unicodedata.normalize("NFD", "UBND xã Tam Sơn"),
    "XA06": "Ủy ban nhân dân xã Tam Thạnh",
    "XA07": "Uỷ ban nhân dân xã Tam Anh Bắc",
    "XA08": "UBND xã Tam Anh Nam",
    "XA09": "UBND xã Tam Hoà",
    "XA10": "UBND xã Tam Hiệp",
    "XA11": "UBND xã Tam Hải",
    "XA12": "UBND xã Tam Giang",
    "XA13": "UBND xã Tam Quang",
    "XA14": "UBND xã Tam Nghĩa",
    "XA15": "UBND xã Tam Mỹ Đông",
    "XA16": "UBND xã Tam Mỹ Tây",
    "XA17": "UBND xã Tam Trà",
}
#: Cells written as text the way some exports do ("1.872"), by unit code.
TEXT_NUMBERS = {"XA01", "CQ05"}

HEADER_TOP = ["STT", "Tên đơn vị", "Tiếp nhận", None, None, "Đã giải quyết", None, None, None,
              "Đang giải quyết", None, "Đã giải quyết trực tuyến",
              "Trực tuyến đúng hạn,\ntrước hạn"]
HEADER_SUB = [None, None, "Trực tuyến", "Trực tiếp", "BCCI", "Tổng", "Trước hạn", "Đúng hạn",
              "Trễ hạn", "Trong hạn", "Quá hạn", None, None]
WIDTH = len(HEADER_TOP)


def read_sample() -> list[dict]:
    """The csv's units with their figures as numbers."""
    with SAMPLE_CSV.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key in ("tong_giai_quyet", "truc_tuyen_giai_quyet", "truc_tuyen_dung_han", "tre_han"):
            row[key] = int(row[key].replace(".", ""))
    return rows


def figures(row: dict) -> list[int]:
    """The 11 number columns (C..M) of a unit, consistent with its four inputs."""
    tong, tt, dh, tre = (row["tong_giai_quyet"], row["truc_tuyen_giai_quyet"],
                         row["truc_tuyen_dung_han"], row["tre_han"])
    truoc = (tong - tre) * 3 // 5
    dung = tong - tre - truoc
    trong, qua = tong // 20, tong // 200
    pending = trong + qua
    nhan_tt = tt + pending // 2
    bcci = tong // 50
    nhan_tiep = tong + pending - nhan_tt - bcci
    return [nhan_tt, nhan_tiep, bcci, tong, truoc, dung, tre, trong, qua, tt, dh]


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def export_rows() -> list[list]:
    """Every row of the export's sheet, from row 1, as cell values (no styling)."""
    units = read_sample()
    co_quan = [u for u in units if u["nhom"] == "co_quan"]
    xa = [u for u in units if u["nhom"] == "xa"]

    def total(rows):
        sums = [0] * (WIDTH - 2)
        for u in rows:
            sums = [a + b for a, b in zip(sums, figures(u))]
        return sums

    out: list[list] = [
        ["THỐNG KÊ TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"] + [None] * (WIDTH - 1),
        ["Từ ngày 01/06/2023 đến ngày 31/12/2023 — Huyện Núi Thành"] + [None] * (WIDTH - 1),
        [None] * WIDTH,
        list(HEADER_TOP),
        list(HEADER_SUB),
        [f"({i})" for i in range(1, WIDTH + 1)],
        ["I", "CẤP HUYỆN"] + total(co_quan),
    ]
    for group in (co_quan, xa):
        if group is xa:
            out.append(["II", "Cấp xã"] + total(xa))
        for i, u in enumerate(group, start=1):
            values: list = figures(u)
            if u["ma_don_vi"] in TEXT_NUMBERS:
                values = [_thousands(v) for v in values]
            out.append([i, EXPORT_NAMES[u["ma_don_vi"]]] + values)
    out.append([None, "Tổng cộng"] + total(units))
    out.append([None] * WIDTH)
    out.append([None, "Người lập biểu"] + [None] * 8 + ["Núi Thành, ngày 05 tháng 01 năm 2024"]
               + [None] * 2)
    return out


HEADER_ROW = 4  # first header row (1-based) in export_rows()


def write_export(path: Path = SAMPLE_XLSX, rows: list[list] | None = None,
                 merged: bool = True) -> Path:
    """Write the export (or ``rows`` laid out the same way) to ``path``.

    ``merged=False`` leaves the header cells unmerged, as some exports do.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    rows = export_rows() if rows is None else rows
    wb = Workbook()
    ws = wb.active
    ws.title = "Thống kê"
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value)
    h = HEADER_ROW
    if merged:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=WIDTH)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=WIDTH)
        for col in (1, 2, 12, 13):  # STT, Tên đơn vị, the two online columns: two rows
            ws.merge_cells(start_row=h, start_column=col, end_row=h + 1, end_column=col)
        for first, last in ((3, 5), (6, 9), (10, 11)):
            ws.merge_cells(start_row=h, start_column=first, end_row=h, end_column=last)
    thin = Side(style="thin")
    for r in (h, h + 1):
        for c in range(1, WIDTH + 1):
            cell = ws.cell(r, c)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["B"].width = 42
    for r, values in enumerate(rows, start=1):
        if values and isinstance(values[1], str) and r > h + 2 and values[0] in ("I", "II", None):
            ws.cell(r, 2).font = Font(bold=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    make_reproducible(path, STAMP)  # same content, same bytes
    return path


def write_export_csv(path: Path, rows: list[list] | None = None) -> Path:
    """The same export saved as csv (merged cells become one value and blanks)."""
    rows = export_rows() if rows is None else rows
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        for values in rows:
            writer.writerow(["" if v is None else v for v in values])
    return path


if __name__ == "__main__":
    print(write_export())
