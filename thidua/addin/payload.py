"""Drive the add-in without Excel: xlwings' remote engine, fed from a real .xlsx.

``payload_from_xlsx(path)`` builds the request body xlwings' VBA client
(``xlwings/addin/Remote.bas``, ``RunServerPython``) sends: client and version,
the book's name, active sheet and selection, its range names, and every
worksheet (hidden ones too) with the values of ``A1`` to the end of its used
range. ``xlwings.Book(json=payload)`` turns it into a book the handlers use
exactly as the desktop one; ``book.json()["actions"]`` is what they did. Close the
book afterwards (``with xlwings.Book(json=payload) as book``), as xlwings Server
does at the end of a request: the engine keeps every book until it is closed.

``apply_actions(path, actions)`` replays those actions on the file with
openpyxl, the way ``Remote.bas`` replays them in Excel: values (text starting
with «=» becomes a formula), fill colours, number formats, clearing, sheets,
names. Message boxes do not change the file: ``alerts(actions)`` lists them.
Only the actions ``Remote.bas`` implements are accepted, so a handler cannot
pass here and fail in Excel for using something the VBA client lacks.

Differences from Excel, by nature of a file: formulas are not recalculated
(openpyxl writes none of their values: ``payload_from_xlsx`` sends the values
cached in the file, blank for a file never opened in a spreadsheet program;
recalculate it with LibreOffice first to send computed values).
"""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

__all__ = ["payload_from_xlsx", "apply_actions", "alerts", "REMOTE_ACTIONS"]

#: Action names xlwings' VBA client can replay (the ``Sub``s of ``Remote.bas``).
REMOTE_ACTIONS = {
    "setValues", "rangeClearContents", "rangeClearFormats", "rangeClear", "addSheet",
    "setSheetName", "setAutofit", "setRangeColor", "activateSheet", "addHyperlink",
    "setNumberFormat", "alert", "setRangeName", "namesAdd", "nameDelete", "rangeSelect",
    "sheetDelete", "sheetClear", "sheetClearContents", "sheetClearFormats",
}

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$")


def _json_value(value):
    """A cell value as VBA-JSON writes it (dates as ISO text, numbers as numbers)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(value, dt.time):
        return dt.datetime(1899, 12, 30, value.hour, value.minute, value.second).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    return value


def payload_from_xlsx(path: str | os.PathLike) -> dict:
    """The payload ``Remote.bas`` would send for the workbook at ``path``."""
    import openpyxl
    import xlwings

    path = Path(path)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = []
        for ws in wb.worksheets:
            ws.reset_dimensions()  # the stored dimension may lie; read every row
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            width = max((len(r) for r in rows), default=0)
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            if not rows or width == 0:
                values = [[]]
            else:
                last_col = max((max((j for j, v in enumerate(r) if v is not None), default=-1)
                                for r in rows), default=-1) + 1
                values = [[_json_value(v) for v in (r + [None] * width)[:last_col]] for r in rows]
            sheets.append({"name": ws.title, "pictures": [], "tables": [], "values": values})
        index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
        names = []
        for name, defined in wb.defined_names.items():
            try:
                destinations = list(defined.destinations)
            except Exception:  # noqa: BLE001 - constants and formulas are not ranges
                continue
            if len(destinations) != 1 or destinations[0][0] not in index:
                continue
            sheet, ref = destinations[0]
            names.append({"name": name, "sheet_index": index[sheet],
                          "address": ref.replace("$", ""), "book_scope": True,
                          "scope_sheet_name": None, "scope_sheet_index": None})
        active = wb.active.title if wb.active is not None else wb.worksheets[0].title
        return {
            "client": "VBA",
            "version": xlwings.__version__,
            "book": {"name": path.name, "active_sheet_index": index.get(active, 0),
                     "selection": "A1"},
            "names": names,
            "sheets": sheets,
        }
    finally:
        wb.close()


def alerts(actions: list[dict]) -> list[dict]:
    """The message boxes among ``actions``: prompt, title, buttons, mode."""
    out = []
    for action in actions:
        if action["func"] == "alert":
            prompt, title, buttons, mode, _callback = (list(action["args"]) + [""] * 5)[:5]
            out.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
    return out


def _cell_value(value):
    if isinstance(value, str):
        if value == "":
            return None
        if _DATETIME.match(value):
            return dt.datetime.fromisoformat(value.rstrip("Z").split(".")[0])
    return value


def apply_actions(path: str | os.PathLike, actions: list[dict]) -> None:
    """Replay the remote engine's ``actions`` on the workbook at ``path`` (saved in place)."""
    import openpyxl
    from openpyxl.styles import PatternFill
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName

    from thidua.fileio import atomic_write
    from thidua.output.results_xlsx import exact_floats

    path = Path(path)
    wb = openpyxl.load_workbook(path)

    def sheet_at(action):
        return wb.worksheets[action["sheet_position"]]

    def cells(action):
        ws = sheet_at(action)
        r0, c0 = action["start_row"] + 1, action["start_column"] + 1
        for r in range(r0, r0 + action["row_count"]):
            for c in range(c0, c0 + action["column_count"]):
                yield ws, r, c

    def unmerge(action):
        ws = sheet_at(action)
        r1, c1 = action["start_row"] + 1, action["start_column"] + 1
        r2, c2 = r1 + action["row_count"] - 1, c1 + action["column_count"] - 1
        for merged in list(ws.merged_cells.ranges):
            inside = (r1 <= merged.min_row and merged.max_row <= r2
                      and c1 <= merged.min_col and merged.max_col <= c2)
            overlaps = not (merged.max_row < r1 or merged.min_row > r2
                            or merged.max_col < c1 or merged.min_col > c2)
            if inside:
                ws.unmerge_cells(str(merged))
            elif overlaps:
                raise ValueError(f"{ws.title}!{merged}: Excel không sửa được một phần ô gộp")

    for action in actions:
        func = action["func"]
        if func not in REMOTE_ACTIONS:
            raise ValueError(f"action «{func}» is not implemented by xlwings' VBA client (Remote.bas)")
        args = action.get("args") or []
        if func == "setValues":
            ws = sheet_at(action)
            r0, c0 = action["start_row"] + 1, action["start_column"] + 1
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    cell = ws.cell(row=r0 + i, column=c0 + j)
                    value = _cell_value(value)
                    if type(cell).__name__ == "MergedCell":
                        if value is not None:
                            raise ValueError(f"{ws.title}!{cell.coordinate}: ghi vào ô bị gộp")
                        continue
                    cell.value = value
        elif func in ("rangeClear", "rangeClearContents", "rangeClearFormats"):
            if func != "rangeClearContents":
                unmerge(action)
            for ws, r, c in cells(action):
                if (r, c) not in ws._cells:
                    continue
                cell = ws._cells[(r, c)]
                if func != "rangeClearFormats":
                    cell.value = None
                if func != "rangeClearContents":
                    cell._style = StyleArray()
                if cell.value is None and not cell.has_style:
                    del ws._cells[(r, c)]  # a cleared cell is a cell never used, as in Excel
        elif func == "setRangeColor":
            color = args[0]
            if not color:
                raise ValueError("setRangeColor without a colour: Remote.bas cannot remove a fill")
            fill = PatternFill("solid", start_color=color.lstrip("#").upper(),
                               end_color=color.lstrip("#").upper())
            for ws, r, c in cells(action):
                ws.cell(row=r, column=c).fill = fill
        elif func == "setNumberFormat":
            for ws, r, c in cells(action):
                ws.cell(row=r, column=c).number_format = args[0]
        elif func == "addSheet":
            wb.create_sheet(args[1], index=args[0])
        elif func == "setSheetName":
            sheet_at(action).title = args[0]
        elif func == "activateSheet":
            wb.active = args[0]
        elif func in ("sheetClear", "sheetClearContents", "sheetClearFormats"):
            ws = sheet_at(action)
            if func == "sheetClear":
                for merged in list(ws.merged_cells.ranges):
                    ws.unmerge_cells(str(merged))
            for key, cell in list(ws._cells.items()):
                if func != "sheetClearFormats":
                    cell.value = None
                if func != "sheetClearContents":
                    cell._style = StyleArray()
                if cell.value is None and not cell.has_style:
                    del ws._cells[key]
        elif func == "namesAdd":
            name, refers_to = args[0], args[1]
            target = refers_to.lstrip("=")
            if action.get("sheet_position") is not None:
                ws = sheet_at(action)
                if name.lower() == "print_area":
                    ws.print_area = target.split("!")[-1].replace("$", "")
                else:
                    ws.defined_names[name] = DefinedName(name, attr_text=target)
            else:
                wb.defined_names[name] = DefinedName(name, attr_text=target)
        elif func == "setRangeName":
            ws = sheet_at(action)
            r1, c1 = action["start_row"] + 1, action["start_column"] + 1
            r2, c2 = r1 + action["row_count"] - 1, c1 + action["column_count"] - 1
            ref = (f"{quote_sheetname(ws.title)}!${get_column_letter(c1)}${r1}:"
                   f"${get_column_letter(c2)}${r2}")
            wb.defined_names[args[0]] = DefinedName(args[0], attr_text=ref)
        elif func == "sheetDelete":
            del wb[sheet_at(action).title]
        # alert, setAutofit, rangeSelect, addHyperlink, nameDelete: no content to replay here
        # (message boxes are read with ``alerts``).

    def save(tmp: Path) -> None:
        with exact_floats():
            wb.save(tmp)

    atomic_write(path, save)
