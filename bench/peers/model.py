"""The cells of a master, for the peers that write one (XlsxWriter, openpyxl).

``model(path)`` reads every sheet of a master thidua made (values and
formulas, as lists of rows) into plain data a peer script loads in a moment;
``write_xlsxwriter`` and ``write_openpyxl`` write those cells again, optionally
with each unit's figures put into its row. They write the cells only (no
styles, validations, charts, names): less than thidua writes, so a peer's
time is, if anything, flattering to the peer.
"""
from __future__ import annotations

import json
from pathlib import Path


def model(path: Path) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out = {"sheets": [], "units": {}, "input_columns": {}}
    from thidua.workbook.master import SHEET_META, MasterLayout, layout_json
    meta = {r[0]: r[1] for r in wb[SHEET_META].iter_rows(values_only=True) if r and r[0]}
    layout = MasterLayout.from_json(layout_json(meta))
    for ws in wb.worksheets:
        out["sheets"].append({"name": ws.title, "rows": [
            [None if v is None else v if isinstance(v, (int, float, str)) else str(v)
             for v in row] for row in ws.iter_rows(values_only=True)]})
    from openpyxl.utils import column_index_from_string
    col = {k: column_index_from_string(v) - 1 for k, v in layout.columns.items()}
    summary = next(s for s in out["sheets"] if s["name"] == layout.sheet)
    for r in range(layout.first_row, layout.last_row + 1):
        code = summary["rows"][r - 1][col["ma_don_vi"]]
        if code:
            out["units"][str(code)] = r - 1
    out["input_columns"] = {k: col[k] for k in layout.inputs}
    out["summary"] = layout.sheet
    return out


def save(data: dict, path: Path) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _with_figures(data: dict, figures: dict | None):
    for sheet in data["sheets"]:
        rows = sheet["rows"]
        if figures and sheet["name"] == data["summary"]:
            rows = [list(r) for r in rows]
            for code, values in figures.items():
                r = data["units"].get(code)
                if r is not None:
                    for key, c in data["input_columns"].items():
                        if key in values:
                            rows[r][c] = values[key]
        yield sheet["name"], rows


def write_xlsxwriter(data: dict, path: Path, figures: dict | None = None,
                     formulas: bool = True) -> None:
    """The cells with XlsxWriter; ``formulas=False`` leaves formula cells out (XlsxWriter
    runs some 30 regular expressions over every formula it writes)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": formulas})
    for name, rows in _with_figures(data, figures):
        ws = wb.add_worksheet(name[:31])
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None or (not formulas and isinstance(v, str) and v.startswith("=")):
                    continue
                ws.write(r, c, v)
    wb.close()


def write_openpyxl(data: dict, path: Path, figures: dict | None = None) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in _with_figures(data, figures):
        ws = wb.create_sheet(name[:31])
        for row in rows:
            ws.append(row)
    wb.save(path)
