"""Consolidating returned unit files into the master, the naive way and the peer's way.

``python consolidate.py naive|calamine|calamine-values FOLDER MASTER MODEL.json [CACHE.json]``

Each returned file is a unit's template filled in and saved by its
spreadsheet program; its hidden sheet ``_thidua`` names the unit and where its
figures are (``bo_cuc``). Both ways read every file's unit and figures, then
write them into the master:

* ``naive`` — ``pandas.read_excel(sheet_name=None)`` per file (openpyxl
  engine), then the master opened with openpyxl, each unit's row filled, saved;
* ``calamine`` — the best realistic peer: python-calamine on 2 processes, then
  the master's cells written with XlsxWriter (``model.py``: cells only;
  ``calamine-values``: without the formula cells). With
  ``CACHE.json`` it remembers each file's size, time and figures: files not
  changed since are not read again, and when nothing changed the master is
  left as it is.
"""
from __future__ import annotations

import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import model  # noqa: E402

CELL = re.compile(r"([A-Z]+)(\d+)")


def _position(ref: str) -> tuple[int, int]:
    letters, digits = CELL.fullmatch(ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _figures(meta: dict, sheet_rows) -> tuple[str, dict]:
    layout = json.loads(meta["bo_cuc"])
    out = {}
    for code, ref in layout["input_cells"].items():
        r, c = _position(ref)
        try:
            value = sheet_rows[r][c]
        except IndexError:
            value = None
        if value not in (None, ""):
            out[code] = value
    return str(meta["ma_don_vi"]), out


def read_calamine(path: str):
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(path)
        meta = {r[0]: r[1] for r in wb.get_sheet_by_name("_thidua").to_python() if r and r[0]}
        rows = wb.get_sheet_by_name(meta.get("trang_nhap_lieu", "Nhập liệu")).to_python()
        return path, *_figures(meta, rows)
    except Exception:  # noqa: BLE001 - not a template: skipped
        return path, None, None


def read_pandas(path: str):
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
        meta_df = sheets["_thidua"]
        meta = {r[0]: r[1] for r in meta_df.itertuples(index=False) if isinstance(r[0], str)}
        rows = sheets[meta.get("trang_nhap_lieu", "Nhập liệu")].where(lambda d: d.notna(), None)
        return path, *_figures(meta, rows.values.tolist())
    except Exception:  # noqa: BLE001
        return path, None, None


def main(argv: list[str]) -> int:
    style, folder, master, model_json = argv[:4]
    cache_path = Path(argv[4]) if len(argv) > 4 else None
    files = sorted(str(p) for p in Path(folder).rglob("*.xlsx"))
    if style == "naive":
        found = [read_pandas(p) for p in files]
        import openpyxl
        data = model.load(model_json)
        wb = openpyxl.load_workbook(master)
        ws = wb[data["summary"]]
        for _, code, figures in found:
            r = data["units"].get(code) if code else None
            if r is None:
                continue
            for key, c in data["input_columns"].items():
                if key in figures:
                    ws.cell(row=r + 1, column=c + 1, value=figures[key])
        wb.save(master)
        print(f"{sum(1 for f in found if f[1])} tệp")
        return 0
    cache = {}
    if cache_path and cache_path.exists():
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    stamps = {p: [os.stat(p).st_size, os.stat(p).st_mtime_ns] for p in files}
    todo = [p for p in files if cache.get(p, [None])[:2] != stamps[p]]
    if cache_path and not todo and set(cache) == set(files) and Path(master).exists():
        print("không có gì thay đổi")
        return 0
    if todo:
        with ProcessPoolExecutor(2) as pool:
            for path, code, figures in pool.map(read_calamine, todo, chunksize=64):
                cache[path] = stamps[path] + [code, figures]
    cache = {p: cache[p] for p in files}
    figures = {v[2]: v[3] for v in cache.values() if v[2]}
    model.write_xlsxwriter(model.load(model_json), Path(master), figures,
                           formulas=style != "calamine-values")
    if cache_path:
        cache_path.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
    print(f"{len(figures)} đơn vị")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
