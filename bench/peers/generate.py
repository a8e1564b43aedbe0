"""Unit templates and a master, the naive way and the best realistic peer's way.

``python generate.py naive|zippatch|zippatch-values UNITS.csv TEMPLATE.xlsx MODEL.json OUT_DIR MASTER``

``TEMPLATE.xlsx`` is the plan's template with placeholders where a unit's
details go (``{{ten_don_vi}}``…: the workbook thidua builds once and stamps),
``MODEL.json`` the master's cells (``model.py``).

* ``naive`` — per unit, open the template with openpyxl, put the unit's
  details into its cells, save; the master written with openpyxl;
* ``zippatch`` — the best realistic peer: the template's zip read once; per
  unit, the parts holding placeholders patched as text and the zip written
  again (fast compression), on 2 processes; the master written with XlsxWriter
  (``zippatch-values``: without its formula cells).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

import model  # noqa: E402

GROUPS = {"co_quan": "Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện",
          "xa": "Nhóm 2 — UBND các xã, thị trấn"}
LEVELS = {"huyen": "Cấp huyện", "xa": "Cấp xã", "tinh": "Cấp tỉnh"}


def values(unit: dict, when: str) -> dict[str, str]:
    return {"{{ma_don_vi}}": unit["ma_don_vi"], "{{ten_don_vi}}": unit["ten_don_vi"],
            "{{nhom}}": unit["nhom"], "{{nhom_nhan}}": GROUPS[unit["nhom"]],
            "{{cap}}": unit["cap"], "{{cap_nhan}}": LEVELS[unit["cap"]], "{{thoi_gian_tao}}": when}


def name_of(unit: dict) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unit["ten_don_vi"].lower()).strip("-")[:40]
    return f"{unit['ma_don_vi']}-{slug or 'don-vi'}.xlsx"


PARTS: dict[str, bytes] = {}


def _load(template: str) -> None:
    with zipfile.ZipFile(template) as zf:
        PARTS.update({n: zf.read(n) for n in zf.namelist()})


def _patch(job) -> int:
    units, out, when = job
    for unit in units:
        subs = {k.encode(): escape(v).encode() for k, v in values(unit, when).items()}
        with zipfile.ZipFile(Path(out) / name_of(unit), "w", zipfile.ZIP_DEFLATED,
                             compresslevel=1) as zf:
            for name, data in PARTS.items():
                if b"{{" in data:
                    for k, v in subs.items():
                        data = data.replace(k, v)
                zf.writestr(name, data)
    return len(units)


def main(argv: list[str]) -> int:
    style, units_csv, template, model_json, out_dir, master = argv
    units = list(csv.DictReader(open(units_csv, encoding="utf-8")))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    if style == "naive":
        import openpyxl
        for unit in units:
            wb = openpyxl.load_workbook(template)
            subs = values(unit, when)
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str) and "{{" in cell.value:
                            text = cell.value
                            for k, v in subs.items():
                                text = text.replace(k, v)
                            cell.value = text
            wb.save(out / name_of(unit))
        model.write_openpyxl(model.load(model_json), Path(master))
    else:
        chunks = [units[i:i + 500] for i in range(0, len(units), 500)]
        with ProcessPoolExecutor(2, initializer=_load, initargs=(template,)) as pool:
            list(pool.map(_patch, [(c, str(out), when) for c in chunks]))
        model.write_xlsxwriter(model.load(model_json), Path(master),
                               formulas=style != "zippatch-values")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
