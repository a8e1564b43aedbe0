"""«Nhiệm vụ»: the plan's task list with deadlines and status."""
from __future__ import annotations

import datetime as dt

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from thidua.codecs import quote
from thidua.plan.model import Plan
from thidua.workbook.master.base import (DATE, FILL_HEADER, FILL_INPUT, FONT, HEADER_ROW, LATE,
                                         OVERDUE, SHEET_TASKS, TASK_STATUSES, TASK_STATUS_LIST,
                                         _BOLD, _HEADER_ALIGN, _ITALIC, _TITLE, MasterLayout, _fill,
                                         _lines, _list_validation, _print_setup, _put, _subtitle,
                                         _text, _text_cell, _title)
from thidua.workbook.master.values import (_MasterValues, _same_text)
from thidua.workbook.master.trend import _is_number


TASK_COLUMNS = [("STT", "stt", 5), ("Năm", "nam", 10), ("Nội dung", "noi_dung", 50),
                ("Chủ trì", "chu_tri", 22), ("Phối hợp", "phoi_hop", 22),
                ("Thời hạn", "thoi_han", 16), ("Sản phẩm", "san_pham", 26),
                ("Hạn hoàn thành", "", 13), ("Trạng thái", "", 16),
                ("Ngày hoàn thành", "", 13), ("Quá hạn", "", 14)]


def _tasks_sheet(ws: Worksheet, plan: Plan, layout: MasterLayout, vals: _MasterValues) -> None:
    tasks = plan.settings.get("tasks") or []
    layout.tasks_sheet = SHEET_TASKS
    _title(ws, [(f"NHIỆM VỤ THEO KẾ HOẠCH — {plan.title}", _TITLE), (_subtitle(plan), _BOLD),
                ("Nhập «Hạn hoàn thành», «Trạng thái» và «Ngày hoàn thành» (ngày dạng "
                 "dd/mm/yyyy); cột «Quá hạn» tự tính.", _ITALIC)])
    lines = 1
    for j, (text, _, width) in enumerate(TASK_COLUMNS, start=1):
        _put(ws, HEADER_ROW, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[HEADER_ROW].height = 33
    last = HEADER_ROW + len(tasks)
    for n, task in enumerate(tasks, start=1):
        r = HEADER_ROW + n
        lines = 1
        for j, (_, key, width) in enumerate(TASK_COLUMNS[:7], start=1):
            text = _text(task.get(key, "")) if isinstance(task, dict) else ""
            if key == "stt" and not text:
                text = ""
            _text_cell(ws, r, j, text, wrap=True)
            lines = max(lines, _lines(text, width) if text else 1)
        ws.row_dimensions[r].height = 15 * min(lines, 20)
        _put(ws, r, 8, None, fmt=DATE, fill=FILL_INPUT)
        _put(ws, r, 9, None, fill=FILL_INPUT)
        _put(ws, r, 10, None, fmt=DATE, fill=FILL_INPUT)
        _put(ws, r, 11, (f'=IF(AND(H{r}<>"",I{r}<>{quote(TASK_STATUSES[-1])},TODAY()>H{r}),'
                         f'{quote(OVERDUE)},IF(AND(H{r}<>"",J{r}<>"",J{r}>H{r}),{quote(LATE)},""))'))
        vals.cell(SHEET_TASKS, f"K{r}", lambda s, r=r: _task_state(s.book[SHEET_TASKS], r))
    if tasks:
        status_dv = _list_validation(TASK_STATUS_LIST, "Chọn: " + " / ".join(TASK_STATUSES) + ".")
        ws.add_data_validation(status_dv)
        status_dv.add(f"I{HEADER_ROW + 1}:I{last}")
        date_dv = DataValidation(type="date", operator="greaterThan", formula1="36526",
                                 allow_blank=True)
        date_dv.error = "Nhập ngày dạng dd/mm/yyyy (sau năm 2000)."
        date_dv.errorTitle = "Ngày không hợp lệ"
        date_dv.showErrorMessage = True
        ws.add_data_validation(date_dv)
        date_dv.add(f"H{HEADER_ROW + 1}:H{last}")
        date_dv.add(f"J{HEADER_ROW + 1}:J{last}")
        ws.conditional_formatting.add(
            f"K{HEADER_ROW + 1}:K{last}",
            CellIsRule(operator="equal", formula=[quote(OVERDUE)], fill=_fill("FFC7CE"),
                       font=Font(name=FONT, color="9C0006", bold=True)))
        ws.conditional_formatting.add(
            f"K{HEADER_ROW + 1}:K{last}",
            CellIsRule(operator="equal", formula=[quote(LATE)], fill=_fill("FFEB9C")))
    _print_setup(ws, len(TASK_COLUMNS), last, (HEADER_ROW, HEADER_ROW),
                 freeze=f"D{HEADER_ROW + 1}",
                 autofilter=f"A{HEADER_ROW}:K{last}" if tasks else None)


def _excel_key(value):
    """How Excel orders a cell's value in a comparison: numbers (dates as serial numbers)
    before text (any case) before booleans; an empty cell is 0 (or "" beside text)."""
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, dt.datetime):
        return (0, (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400)
    if isinstance(value, dt.date):
        return (0, float((value - dt.date(1899, 12, 30)).days))
    if _is_number(value):
        return (0, float(value))
    return (1, str(value).lower())


def _excel_greater(a, b) -> bool:
    if a is None:
        a = "" if isinstance(b, str) else 0
    if b is None:
        b = "" if isinstance(a, str) else 0
    return _excel_key(a) > _excel_key(b)


def _filled(value) -> bool:
    """``cell<>""`` in Excel."""
    return not (value is None or value == "")


def _task_state(ws: Worksheet, r: int) -> str:
    """The «Quá hạn» formula of a task row, as Excel computes it today."""
    due, status, done = ws[f"H{r}"].value, ws[f"I{r}"].value, ws[f"J{r}"].value
    if _filled(due) and not _same_text(status, TASK_STATUSES[-1]) \
            and _excel_greater(dt.date.today(), due):
        return OVERDUE
    if _filled(due) and _filled(done) and _excel_greater(done, due):
        return LATE
    return ""
