"""The hidden «Danh mục» sheet: the drop-down lists."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from thidua.codecs import level_label
from thidua.plan.model import Plan
from thidua.workbook import contract
from thidua.workbook.master.base import (GROUP_LIST, LEVEL_LIST, SHEET_LISTS, TASK_STATUSES,
                                         TASK_STATUS_LIST, MasterLayout, _name, _put)


def _lists_sheet(wb: Workbook, ws: Worksheet, plan: Plan, layout: MasterLayout) -> None:
    columns: list[tuple[str, str, list[str]]] = [
        (contract.YESNO_LIST, "Có/Không", ["Có", "Không"]),
        (GROUP_LIST, "Nhóm", [g.label for g in plan.groups]),
        (LEVEL_LIST, "Cấp", [level_label(lv) for lv in plan.levels]),
    ]
    if plan.settings.get("tasks"):
        columns.append((TASK_STATUS_LIST, "Trạng thái nhiệm vụ", TASK_STATUSES))
    for inp in plan.inputs:
        if inp.type == "choice":
            columns.append((contract.choice_list_name(inp.code), inp.label,
                            [ch.label for ch in inp.choices]))
    for j, (name, header, values) in enumerate(columns, start=1):
        letter = get_column_letter(j)
        _put(ws, 1, j, header, bold=True, border=False)
        for i, value in enumerate(values, start=2):
            _put(ws, i, j, value, border=False)
        ref = f"${letter}$2:${letter}${len(values) + 1}"
        layout.names[name] = _name(wb, name, SHEET_LISTS, ref)
        ws.column_dimensions[letter].width = 24
    ws.sheet_state = "hidden"
