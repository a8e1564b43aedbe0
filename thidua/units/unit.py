"""A unit of a campaign, and the columns of a unit list (shared by the form and the reader)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from thidua.plan.model import Plan
from thidua.table import UNIT_COLUMNS


#: Columns of a unit list, in template order (code → Vietnamese header).
UNIT_LIST_COLUMNS: dict[str, str] = {
    **UNIT_COLUMNS,
    "email": "Email",
    "ghi_chu": "Ghi chú",
}
#: Further headers accepted for the optional columns.
_ALIASES: dict[str, list[str]] = {
    "email": ["E-mail", "Thư điện tử", "Địa chỉ email", "Địa chỉ thư điện tử"],
    "ghi_chu": [],
}

SHEET_UNITS = "Danh sách đơn vị"
FONT = "Calibri"  # named in every font
SHEET_GUIDE = "Hướng dẫn"
SHEET_LISTS = "Danh mục"
TEMPLATE_ROWS = 200  # empty, formatted rows offered for units
_NAME_GROUPS = "DS_NHOM"
_NAME_LEVELS = "DS_CAP"
_TITLE_ROW, _NOTE_ROW, _HEADER_ROW = 1, 2, 3
_FIRST_DATA_ROW = _HEADER_ROW + 1

#: Characters Windows (and so an office's shared folder) refuses in a file name.
_BAD_CHARS = '/\\:*?"<>|'
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass
class Unit:
    """One unit of the list, as read and checked."""

    code: str
    name: str
    group: str  # group code of the plan
    level: str  # level code (tinh, huyen, xa)
    email: str = ""
    note: str = ""
    row: int | None = None  # row number in the source file


def _optional_group(plan: Plan) -> bool:
    return plan.one_pool or plan.group_from_level


def _optional_level(plan: Plan) -> bool:
    return len(plan.levels) == 1 or all(g.level for g in plan.groups)
