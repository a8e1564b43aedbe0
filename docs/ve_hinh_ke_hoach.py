"""Draw the README's pictures of a plan workbook (the Núi Thành plan, and its «Lỗi» sheet).

    .venv/bin/python docs/ve_hinh_ke_hoach.py        # needs LibreOffice and poppler-utils

Exports the plan to a plan workbook, prints it to PDF with LibreOffice, renders
the pages of the sheets shown in the README to PNG and trims the margins
to the printed text, into ``docs/hinh/``.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from thidua.plan.load import load_raw  # noqa: E402
from thidua.plan.xlsxwrite import write_workbook  # noqa: E402
from thidua.workbook.recalc import to_pdf  # noqa: E402

OUT = ROOT / "docs" / "hinh"
WHEN = dt.datetime(2026, 1, 2, 8, 0, 0)
#: picture name -> (sheet, words its page starts with)
PAGES = {"ke-hoach-1-ke-hoach": ("Kế hoạch", "Mục"), "ke-hoach-2-so-lieu": ("Số liệu", "Mã"),
         "ke-hoach-3-gia-tri": ("Giá trị trung gian", "Mã"),
         "ke-hoach-4-tieu-chi": ("Tiêu chí", "STT"),
         "ke-hoach-5-dieu-kien": ("Điều kiện", "Điều kiện"),
         "ke-hoach-6-giai-thuong": ("Giải thưởng", "Nhóm"),
         "ke-hoach-0-huong-dan": ("Hướng dẫn", "HƯỚNG DẪN")}


def render(book: Path, sheets: list[str], name: str, tmp: Path, dpi: int = 110) -> Path:
    """One PNG of the first page of ``sheets`` (a copy of the workbook keeping only them)."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    for ws in list(wb.worksheets):
        if ws.title not in sheets:
            del wb[ws.title]
            continue
        if ws.title not in ("Hướng dẫn", "Kế hoạch", "Lỗi"):
            # the picture shows the columns this plan fills (the others stay in the file)
            for col in range(1, ws.max_column + 1):
                if all(ws.cell(row=r, column=col).value in (None, "")
                       for r in range(2, ws.max_row + 1)):
                    letter = openpyxl.utils.get_column_letter(col)
                    ws.column_dimensions[letter].hidden = True
    part = tmp / f"{name}.xlsx"
    wb.save(part)
    pdf = to_pdf([part], tmp)[0]
    # the printed area: the words' boxes on page 1 (pdftotext), in points
    html = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout
    boxes = [tuple(float(v) for v in m) for m in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    scale = dpi / 72
    pad = 14
    x0 = max(int(min(b[0] for b in boxes) * scale) - pad, 0)
    y0 = max(int(min(b[1] for b in boxes) * scale) - pad, 0)
    x1 = int(max(b[2] for b in boxes) * scale) + pad
    y1 = int(max(b[3] for b in boxes) * scale) + pad
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-x", str(x0), "-y", str(y0),
                    "-W", str(x1 - x0), "-H", str(y1 - y0), "-png", "-singlefile", str(pdf),
                    str(OUT / name)], check=True)
    return OUT / f"{name}.png"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="thidua-hinh-") as tmp_str:
        tmp = Path(tmp_str)
        raw, _ = load_raw("nui-thanh-dvc-2023")
        book = write_workbook(raw, tmp / "ke-hoach.xlsx", backup=False, now=WHEN)
        for name, (sheet, _words) in PAGES.items():
            print(render(book, [sheet], name, tmp))
        # a mistake, checked with --mark: the «Lỗi» sheet and a marked cell
        import openpyxl
        wb = openpyxl.load_workbook(book)
        wb["Điều kiện"]["A3"] = "ty_le_truc_tuyenn >= 65"
        wb["Số liệu"]["C3"] = "so dem x"
        crit = wb["Tiêu chí"]
        crit["L3"] = "[0,5) → 1"
        wrong = tmp / "ke-hoach-sai.xlsx"
        wb.save(wrong)
        marked = tmp / "ke-hoach-sai-loi.xlsx"
        subprocess.run([sys.executable, "-m", "thidua", "check-plan", str(wrong), "--mark"],
                       cwd=ROOT, capture_output=True)
        print(render(marked, ["Lỗi"], "ke-hoach-7-loi", tmp))
    shutil.rmtree(OUT / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
