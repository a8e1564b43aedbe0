"""The office's master workbook (sổ tổng hợp): every unit's figures with live formulas.

``build_master(plan, units)`` makes the workbook the office keeps for a
campaign; ``write_master(plan, units, path)`` saves it atomically. Sheets:

* ``Tổng hợp`` — one row per unit (sorted by group, then code, so each group's
  rows are contiguous): the unit columns, every input (and, for self-scored
  plans, its appraisal column right after it), then for points plans the
  derived values, each criterion's points, the total (and the self-scored
  total), eligibility — all live formulas compiled by
  ``thidua.workbook.formulas`` from the rules the engine runs — and the
  columns ranking and prizes are written to by the tool («Bấm Tính điểm»);
* ``Chỉ tiêu`` (checklist plans) — per unit and indicator (and part): value,
  target and status, and the number of criteria met / applicable;
* ``Xu hướng`` (plans with ``settings.periods``) — criteria met per period,
  with a line chart of the average; ``Nhiệm vụ`` (plans with
  ``settings.tasks``) — the appendix task list with deadlines and status;
* ``Khen thưởng`` — the prize structure per group with its money, the award
  list itself filled by the tool later;
* ``Biểu đồ`` — a bar chart of the totals of each group's units;
* ``Thang điểm`` — the plan itself, readable; ``Cấu hình`` — settings, each
  value a defined name; hidden ``Danh mục`` (drop-down lists) and very hidden
  ``_thidua`` (metadata, with the column layout as JSON for other tools).

Formulas never reference anything but same-row cells, defined names and, for
``Chỉ tiêu``, the unit's row of ``Tổng hợp``: a row of the engine's numbers is
reproduced exactly by the spreadsheet (proof: ``tests/test_master.py``).
"""
from __future__ import annotations

import copy
import weakref

import datetime as dt
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

import thidua
from thidua import expr as ex
from thidua import fileio
from thidua.codecs import codec, group_code, group_label, level_code, level_label, quote
from thidua.errors import InputError, Problem
from thidua.plan.model import (APPLICABLE_CODE, INPUT_TYPES, LEVELS, MET_CODE,
                               ROLES, TOTAL_CODE, Indicator, Input, Item, Plan, Target)
from thidua.program.compile import (CLASS_CODE, ELIGIBLE_CODE, OP_TEXT, Program, compile_plan,
                                    last_target_year, run)
from thidua.program.describe import condition_words, gate_text, rule_text, total_text
from thidua.program.excel import Placement, Printer, shown_values
from thidua.result import (AMOUNT, CLASS, ELIGIBLE, PRIZE, RANK, REASONS, SELF_TOTAL,
                           STATUS_MET, STATUS_NO_DATA, STATUS_NOT_MET)
from thidua.text import format_money, format_number, nfc
from thidua.workbook import contract
from thidua.workbook.cached import Book
from thidua.workbook.paper import (Pages, fit_rows, merge_bands, print_setup, row_height,
                                  text_lines)

__all__ = ["build_master", "build_master_and_layout", "write_master", "read_layout",
           "MasterLayout", "KIND_MASTER", "SHEET_SUMMARY", "SHEET_INDICATORS", "SHEET_TREND",
           "SHEET_TASKS", "SHEET_AWARDS", "SHEET_CHARTS", "SHEET_PLAN", "SHEET_CONFIG",
           "SHEET_LISTS", "SHEET_META", "PLACEHOLDER", "CONFIG_NAMES", "YEAR_NAME"]

# ------------------------------------------------------------------ names
SHEET_SUMMARY = "Tổng hợp"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_TREND = "Xu hướng"
SHEET_TASKS = "Nhiệm vụ"
SHEET_AWARDS = "Khen thưởng"
SHEET_CHARTS = "Biểu đồ"
SHEET_PLAN = "Thang điểm"
SHEET_CONFIG = "Cấu hình"
SHEET_LISTS = "Danh mục"
SHEET_META = contract.META_SHEET
KIND_MASTER = contract.KIND_MASTER

PLACEHOLDER = "Bấm Tính điểm"  # cells the tool (engine / add-in) fills
#: In a unit's record: the inputs the unit re-sent different from what the office appraised.
CHANGED = "~sua_sau_tham_dinh"
FILL_CHANGED = "F8CBAD"
YEAR_NAME = contract.YEAR_NAME
GROUP_LIST = "ds_nhom"
LEVEL_LIST = "ds_cap"
TASK_STATUS_LIST = "ds_trang_thai_nhiem_vu"
TASK_STATUSES = ["Chưa thực hiện", "Đang thực hiện", "Hoàn thành"]
OVERDUE, LATE = "Quá hạn", "Hoàn thành trễ"

#: Settings on «Cấu hình»: config key -> (defined name, label, default).
CONFIG_NAMES: dict[str, tuple[str, str, Any]] = {
    "thu_muc_nhan": ("cau_hinh_thu_muc_nhan", "Thư mục nhận về", "Nhận về"),
    "thu_muc_mau": ("cau_hinh_thu_muc_mau", "Thư mục mẫu đơn vị", "Mẫu đơn vị"),
    "tep_nhat_ky": ("cau_hinh_tep_nhat_ky", "Tệp nhật ký", "Nhật ký.txt"),
}
CONFIG_NOTES = {
    "cau_hinh_ma_ke_hoach": "Kế hoạch thi đua của sổ này (không sửa)",
    "cau_hinh_phien_ban": "Phiên bản kế hoạch (không sửa)",
    YEAR_NAME: "Năm dùng để chọn mục tiêu của các tiêu chí",
    "cau_hinh_thu_muc_nhan": "Thư mục cạnh sổ tổng hợp, nơi gom các tệp mẫu đơn vị gửi về",
    "cau_hinh_thu_muc_mau": "Thư mục cạnh sổ tổng hợp, nơi lưu các tệp mẫu gửi cho đơn vị",
    "cau_hinh_tep_nhat_ky": "Tệp ghi lại các lần tổng hợp, tính điểm",
}

HEADER_ROW = 5  # column headers; row 4 holds the band headers above them
FIRST_ROW = 6  # first unit row on every per-unit sheet

# ------------------------------------------------------------------ styles
NUM = "#,##0.00"  # points: two decimals
INT = "#,##0"  # counts
FREE = "General"  # figures: decimals only when there are some, no separator after a whole number
MONEY = "#,##0"
DATE = "dd/mm/yyyy"

FILL_HEADER = "D9E1F2"
FILL_BAND = "BDD7EE"
FILL_INPUT = "FFF2CC"
FILL_TOTAL = "E2EFDA"
FILL_TOOL = "F2F2F2"
FILL_INELIGIBLE = "EDEDED"
STATUS_FILLS = {STATUS_MET: "C6EFCE", STATUS_NOT_MET: "FFC7CE", STATUS_NO_DATA: "D9D9D9"}

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FONT = "Calibri"  # the workbook's own font, named in every font (Excel needs the name)
_BOLD = Font(name=FONT, bold=True)
_TITLE = Font(name=FONT, bold=True, size=14)
_ITALIC = Font(name=FONT, italic=True, color="595959")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_CENTER = Alignment(vertical="top", horizontal="center")
_ITALIC_TOP = Alignment(vertical="top")


def _fill(color: str) -> PatternFill:
    return PatternFill("solid", start_color=color, end_color=color)


# ------------------------------------------------------------------ layout
@dataclass
class MasterLayout:
    """Where everything is in a master workbook; stored as JSON in ``_thidua``.

    ``columns``: column letter on ``sheet`` of each code or role — ``stt``,
    ``ma_don_vi``, ``ten_don_vi``, ``nhom``, ``cap``, every input code, its
    appraisal ``<code>_tham_dinh`` (self-scored plans), every value and item
    code, ``tong_diem``, ``tong_diem_tu_cham``, ``du_dieu_kien``, ``ly_do``,
    ``hang``, ``giai``, ``tien``, ``ghi_chu`` (points plans) or
    ``so_tieu_chi_dat``, ``so_tieu_chi_ap_dung`` (checklist plans).
    ``indicators``: on ``indicator_sheet``, per indicator or part code its
    ``gia_tri`` / ``muc_tieu`` / ``trang_thai`` columns (a criterion with parts
    has only ``trang_thai``). Units are on rows ``first_row``..``last_row`` of
    every per-unit sheet, in the order of ``units`` (codes).
    """

    plan: str
    version: int
    kind: str
    sheet: str = SHEET_SUMMARY
    header_row: int = HEADER_ROW
    first_row: int = FIRST_ROW
    last_row: int = HEADER_ROW
    columns: dict[str, str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # first..last input column (codes)
    units: list[str] = field(default_factory=list)
    groups: dict[str, list[int]] = field(default_factory=dict)  # group -> [first, last] row
    indicator_sheet: str = ""
    indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    indicator_columns: dict[str, str] = field(default_factory=dict)
    trend_sheet: str = ""
    periods: list[str] = field(default_factory=list)
    period_columns: dict[str, str] = field(default_factory=dict)
    tasks_sheet: str = ""
    names: dict[str, str] = field(default_factory=dict)  # defined name -> reference
    program_columns: dict[str, str] = field(default_factory=dict)  # checklist cell -> column

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "MasterLayout":
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def row_of(self, unit_code: str) -> int:
        return self.first_row + self.units.index(unit_code)


def read_layout(source) -> MasterLayout:
    """The layout stored in a master workbook (a ``Workbook`` or a path)."""
    from openpyxl import load_workbook

    wb = source if isinstance(source, Workbook) else load_workbook(source)
    ws = wb[SHEET_META]
    meta = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value
            for r in range(1, ws.max_row + 1)}
    if meta.get("loai") != KIND_MASTER:
        raise ValueError(f"not a master workbook (loai={meta.get('loai')!r})")
    return MasterLayout.from_json(layout_json(meta))


# ------------------------------------------------------------------ units
@dataclass
class _Unit:
    code: str
    name: str
    group: str
    level: str
    values: dict[str, Any]


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True


def _text(value) -> str:
    return "" if _blank(value) else nfc(str(value).strip())


def _units(plan: Plan, units: Iterable[dict]) -> list[_Unit]:
    """Checked units sorted by group (plan order) then code."""
    groups = {g.code: g for g in plan.groups}
    out: list[_Unit] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for n, raw in enumerate(units, start=1):
        code = _text(raw.get("ma_don_vi"))
        level = _text(raw.get("cap"))
        level = level_code(level) or level if level else ""
        group = _text(raw.get("nhom"))
        group = group_code(plan, group) or group if group else ""
        if not group:
            if plan.group_from_level and level in groups:
                group = level
            elif plan.one_pool:
                group = plan.groups[0].code
        if not code:
            problems.append(Problem(f"đơn vị thứ {n} thiếu mã đơn vị", column="ma_don_vi"))
            continue
        if code in seen:
            problems.append(Problem(f"mã đơn vị «{code}» xuất hiện hai lần", column="ma_don_vi"))
            continue
        seen.add(code)
        if group not in groups:
            problems.append(Problem(
                f"đơn vị «{code}»: nhóm «{group}» không có trong kế hoạch "
                f"(các nhóm: {', '.join(groups)})", column="nhom"))
            continue
        if not level:
            level = groups[group].level or plan.levels[0]
        out.append(_Unit(code, _text(raw.get("ten_don_vi")), group, level, dict(raw)))
    if problems:
        raise InputError(problems)
    order = {g.code: i for i, g in enumerate(plan.groups)}
    return sorted(out, key=lambda u: (order[u.group], u.code))


def _input_value(inp: Input, raw):
    """What a unit's figure looks like typed into its cell (None: leave blank)."""
    if _blank(raw):
        return None
    return codec(inp).cell_value(raw)


# ------------------------------------------------------------------ cell helpers
def _put(ws: Worksheet, row: int, col: int, value, *, fmt: str | None = None, bold=False,
         fill: str | None = None, wrap=False, border=True, align=None):
    """Write a cell: text NFC (never taken for a formula unless it is one)."""
    if isinstance(value, str):
        if not value.startswith("="):
            value = nfc(value)
        cell = ws.cell(row=row, column=col, value=value if value != "" else None)
    else:
        cell = ws.cell(row=row, column=col, value=value)
    # Setting styles one by one makes openpyxl hash every style object; a master of
    # thousands of units repeats a handful of looks, so each look is built once and
    # its compiled style copied onto the next cells (same result, ~10× faster).
    looks = _STYLE_CACHE.setdefault(ws.parent, {})  # style ids are per workbook
    key = (fmt, bold, fill, wrap, border, id(align) if align is not None else None)
    cached = looks.get(key)
    if cached is not None:
        cell._style = copy.copy(cached)
        return cell
    if fmt:
        cell.number_format = fmt
    if bold:
        cell.font = _BOLD
    if fill:
        cell.fill = _fill(fill)
    if border:
        cell.border = _BORDER
    cell.alignment = align or (_WRAP if wrap else _TOP)
    looks[key] = copy.copy(cell._style)
    return cell


_STYLE_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # workbook -> look -> style


def _text_cell(ws: Worksheet, row: int, col: int, text: str, **kw):
    """A literal string cell, even when it starts with «=»."""
    cell = _put(ws, row, col, text, **kw)
    if isinstance(text, str) and text.startswith("="):
        cell.data_type = "s"
    return cell


def _name(wb: Workbook, name: str, sheet: str, ref: str) -> str:
    text = f"{quote_sheetname(sheet)}!{ref}"
    wb.defined_names[name] = DefinedName(name, attr_text=text)
    return text


def _lines(text: str, width: float) -> int:
    return text_lines(text, width)


def _title(ws: Worksheet, lines: list[tuple[str, Font]]) -> None:
    """The title lines at the top of a sheet (merged and sized by :func:`_print_setup`)."""
    for r, (text, font) in enumerate(lines, start=1):
        if text:
            cell = _put(ws, r, 1, text, border=False)
            cell.font = font


def _subtitle(plan: Plan) -> str:
    bits = [plan.issuer, plan.document]
    if plan.period_from and plan.period_to:
        bits.append(f"thời gian thực hiện từ {plan.period_from:%d/%m/%Y} "
                    f"đến {plan.period_to:%d/%m/%Y}")
    return ", ".join(b for b in bits if b)


def _print_setup(ws: Worksheet, last_col: int, last_row: int,
                 header_rows: tuple[int, int] | None, freeze: str | None = None,
                 autofilter: str | None = None, key_cols: int = 0,
                 blocks: list[tuple[int, int]] | None = None,
                 portrait: bool = False, per_unit: bool = False) -> Pages:
    """Title rows merged over the printed columns and tall enough for their text; printed
    as ``paper.print_setup`` chooses (key columns repeated when split across pages)."""
    if freeze:
        ws.freeze_panes = freeze
    if autofilter:
        ws.auto_filter.ref = autofilter
    width = sum(ws.column_dimensions[get_column_letter(j)].width or 8.43
                for j in range(1, last_col + 1)
                if not ws.column_dimensions[get_column_letter(j)].hidden)
    top = header_rows[0] if header_rows else last_row + 1
    for r in range(1, top):
        cell = ws.cell(row=r, column=1)
        if not isinstance(cell.value, str) or not cell.value or ws.cell(row=r, column=2).value:
            continue
        size = cell.font.sz or 11
        if last_col > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last_col)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.row_dimensions[r].height = row_height(text_lines(cell.value, width, size), size)
    # rows tall enough for wrapped text (a per-unit sheet's unit rows are sized as written)
    fit_rows(ws, 1, header_rows[1] if per_unit and header_rows else last_row)
    title = ws.cell(row=1, column=1).value
    return print_setup(ws, last_col=last_col, last_row=max(last_row, 1),
                       header_rows=header_rows, key_cols=key_cols, blocks=blocks,
                       title=title if isinstance(title, str) else None, portrait=portrait)


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _input_header(inp: Input) -> str:
    return _with_unit(inp.label, "%" if inp.type == "percent" else inp.unit)


def _item_header(item: Item) -> str:
    bits = []
    if item.role != "score":
        bits.append(ROLES[item.role])
    if item.max is not None:
        bits.append(f"tối đa {format_number(item.max)}")
    suffix = f" ({', '.join(bits)})" if bits else ""
    return f"{item.id}. {item.label}{suffix}"


def _input_fmt(inp: Input) -> str | None:
    return codec(inp).number_format


# ------------------------------------------------------------------ validations
def _validation(inp: Input) -> DataValidation:
    cdc = codec(inp)
    spec = cdc.validation()
    error = spec.pop("error")
    if spec["type"] == "list":  # a defined name, as Excel writes it (no «=»)
        spec["formula1"] = (contract.YESNO_LIST if inp.type == "yesno"
                            else contract.choice_list_name(inp.code))
    dv = DataValidation(**spec)
    dv.error = error
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.promptTitle = "Nhập số liệu"
    dv.prompt = nfc(f"{inp.label} — {INPUT_TYPES[inp.type]}")[:250]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _list_validation(name: str, message: str) -> DataValidation:
    dv = DataValidation(type="list", formula1=name, allow_blank=True)
    dv.error = message
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.showErrorMessage = True
    return dv


# ------------------------------------------------------------------ Danh mục
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


# ------------------------------------------------------------------ stored values
class _MasterValues:
    """How the value of each formula cell is computed when the book is saved.

    Sheet writers record, beside their formulas, functions of :class:`_MasterState` (the
    figures as «Tổng hợp» holds them then, scored by the program): one per column of the
    unit rows (``column``), or per cell (``cell``).
    """

    def __init__(self, plan: Plan, program: Program, layout: "MasterLayout"):
        self.plan, self.program, self.layout = plan, program, layout
        self.columns: list[tuple[str, str, Any]] = []  # (sheet, letter, fn(state) -> per row)
        self.cells: list[tuple[str, str, Any]] = []  # (sheet, "A1", fn(state) -> value)

    def column(self, sheet: str, letter: str, fn) -> None:
        self.columns.append((sheet, letter, fn))

    def cell(self, sheet: str, ref: str, fn) -> None:
        self.cells.append((sheet, ref, fn))

    def __call__(self, book: Workbook, facts: dict) -> dict[str, dict[str, Any]]:
        state = _MasterState(self, book)
        first = self.layout.first_row
        out: dict[str, dict[str, Any]] = {}
        for sheet, letter, fn in self.columns:
            cells = out.setdefault(sheet, {})
            for i, value in enumerate(fn(state)):
                cells[f"{letter}{first + i}"] = _stored(value)
        for sheet, ref, fn in self.cells:
            out.setdefault(sheet, {})[ref] = _stored(fn(state))
        return out


def _stored(value):
    if hasattr(value, "item"):
        value = value.item()
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _same_text(value, text: str) -> bool:
    """``value = "text"`` as Excel compares (text only, any case)."""
    return isinstance(value, str) and value.lower() == text.lower()


class _MasterState:
    """The unit rows of «Tổng hợp» as they are when the book is saved: each figure read as
    the hidden columns read it, and the program run on the figures scored and on the units'
    own figures."""

    def __init__(self, vals: _MasterValues, book: Workbook):
        plan, program, layout = vals.plan, vals.program, vals.layout
        self.book, self.layout = book, layout
        ws = book[layout.sheet]
        col = layout.columns
        rows = range(layout.first_row, layout.last_row + 1)

        def raw(key: str) -> list:
            return [ws[f"{col[key]}{r}"].value for r in rows]

        self.own_read: dict[str, np.ndarray] = {}
        self.appraisal_read: dict[str, np.ndarray] = {}
        self.scored_read: dict[str, np.ndarray] = {}
        for inp in plan.inputs:
            cdc = codec(inp)
            own = np.array([cdc.excel_value(v) for v in raw(inp.code)], dtype=float)
            self.own_read[inp.code] = self.scored_read[inp.code] = own
            appraisal = contract.appraisal_name(inp.code)
            if appraisal in col:
                read = np.array([cdc.excel_value(v, appraisal=True) for v in raw(appraisal)],
                                dtype=float)
                self.appraisal_read[inp.code] = read
                self.scored_read[inp.code] = np.where(np.isnan(read), own, read)
        # the formulas compare the row's Cấp and Nhóm cells with the labels
        levels = [next((lv for lv in LEVELS if _same_text(v, level_label(lv))), "")
                  for v in raw("cap")]
        groups = [next((g.code for g in plan.groups if _same_text(v, g.label)), "")
                  for v in raw("nhom")]
        year = self.named(YEAR_NAME) if YEAR_NAME in layout.names else None
        year = int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None
        self.scored = run(program, self.scored_read, levels, groups, year)
        self.own = run(program, self.own_read, levels, groups, year) if plan.self_scored \
            else self.scored
        self.program = program

    def named(self, name: str):
        """The value of the cell a defined name points to."""
        sheet, ref = self.layout.names[name].rsplit("!", 1)
        return self.book[sheet.strip("'").replace("''", "'")][ref.replace("$", "")].value

    def shown(self, code: str, own: bool = False) -> list:
        return shown_values(self.program.cell(code), (self.own if own else self.scored).values[code])


# ------------------------------------------------------------------ Tổng hợp
@dataclass
class _Col:
    key: str
    header: str
    band: str
    width: float = 12
    fmt: str | None = None


def read_key(code: str) -> str:
    """Layout key of the hidden column reading an input (or appraisal) cell as the codec does."""
    return f"doc:{code}"


def scored_key(code: str) -> str:
    """Layout key of the hidden column holding the figure scored (appraisal, else own)."""
    return f"dung:{code}"


NAME_WIDTH = 30  # «Tên đơn vị» on every per-unit sheet


def group_width(plan: Plan) -> float:
    """«Nhóm» on every per-unit sheet: its labels on two lines at most, 12 to 24 wide."""
    longest = max((len(g.label) for g in plan.groups), default=8)
    return float(min(24, max(12, math.ceil(longest / 2) + 2)))


def _unit_height(ws: Worksheet, r: int, plan: Plan, unit: "_Unit") -> None:
    """A unit row tall enough for its name and group label wrapped in their columns."""
    lines = max(text_lines(unit.name, NAME_WIDTH),
                text_lines(group_label(plan, unit.group), group_width(plan)))
    if lines > 1:
        ws.row_dimensions[r].height = row_height(min(lines, 4))


def _summary_columns(plan: Plan) -> list[_Col]:
    unit_band, data_band = "Đơn vị", "Số liệu"
    cols = [_Col("stt", "STT", unit_band, 5, "0"), _Col("ma_don_vi", "Mã đơn vị", unit_band, 12),
            _Col("ten_don_vi", "Tên đơn vị", unit_band, NAME_WIDTH),
            _Col("nhom", "Nhóm", unit_band, group_width(plan)), _Col("cap", "Cấp", unit_band, 10)]
    for inp in plan.inputs:
        width = 18 if inp.type == "choice" else 14
        cols.append(_Col(inp.code, _input_header(inp), data_band, width, _input_fmt(inp)))
        if plan.self_scored:
            cols.append(_Col(contract.appraisal_name(inp.code), _input_header(inp) + " (thẩm định)",
                             data_band, width, _input_fmt(inp)))
    for value in plan.values:
        cols.append(_Col(value.code, _with_unit(value.label, value.unit), "Giá trị trung gian",
                         12, NUM))
    result_band = "Kết quả"
    if plan.is_checklist:
        cols.append(_Col(MET_CODE, "Số tiêu chí đạt", result_band, 10, INT))
        cols.append(_Col(APPLICABLE_CODE, "Số tiêu chí áp dụng", result_band, 10, INT))
        if plan.prize_sets:
            cols.append(_Col(RANK, "Xếp hạng trong nhóm", result_band, 14, "0"))
            cols.append(_Col(PRIZE, "Giải", result_band, 16))
            if _has_money(plan):
                cols.append(_Col(AMOUNT, "Số tiền (đồng)", result_band, 14, MONEY))
    else:
        for item in plan.items:
            cols.append(_Col(item.code, _item_header(item), "Điểm các tiêu chí", 12, NUM))
        cols.append(_Col(TOTAL_CODE, "Tổng điểm", result_band, 11, NUM))
        if plan.self_scored:
            cols.append(_Col(SELF_TOTAL, "Tổng tự chấm", result_band, 11, NUM))
        if plan.classification is not None:
            cols.append(_Col(CLASS, plan.classification.label, result_band, 12))
        cols += [_Col(ELIGIBLE, "Đủ điều kiện", result_band, 10),
                 _Col(REASONS, "Lý do không đủ điều kiện", result_band, 20),
                 _Col(RANK, "Xếp hạng trong nhóm", result_band, 14, "0"),
                 _Col(PRIZE, "Giải", result_band, 16),
                 _Col(AMOUNT, "Số tiền (đồng)", result_band, 14, MONEY)]
    cols.append(_Col("ghi_chu", "Ghi chú", "Ghi chú", 24))
    # hidden: each figure read as the tools read it (and the figure scored, for appraisals)
    for inp in plan.inputs:
        cols.append(_Col(read_key(inp.code), inp.code, HIDDEN_BAND, 8))
        if plan.self_scored:
            cols.append(_Col(read_key(contract.appraisal_name(inp.code)),
                             contract.appraisal_name(inp.code), HIDDEN_BAND, 8))
            cols.append(_Col(scored_key(inp.code), scored_key(inp.code), HIDDEN_BAND, 8))
    return cols


HIDDEN_BAND = "Số liệu đọc để tính (ẩn)"


def _has_money(plan: Plan) -> bool:
    return any(p.amount > 0 for ps in plan.prize_sets for p in ps.prizes)


def _header_rows(ws: Worksheet, cols: list[tuple[str, str, float]], band_of: list[str]) -> None:
    """Column headers (row 5) and the cells of the band headers above them (row 4, labelled
    and merged once the printed pages are known: ``paper.merge_bands``)."""
    lines = 1
    for j, (header, _, width) in enumerate(cols, start=1):
        _put(ws, HEADER_ROW, j, header, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        ws.column_dimensions[get_column_letter(j)].width = width
        lines = max(lines, _lines(header, width))
        _put(ws, HEADER_ROW - 1, j, None, bold=True, fill=FILL_BAND, align=_HEADER_ALIGN)
    ws.row_dimensions[HEADER_ROW].height = row_height(min(lines, 12))
    ws.row_dimensions[HEADER_ROW - 1].height = row_height(1)


class RowPlacement(Placement):
    """The names of one unit's row: inputs read by the row's hidden columns (on «Tổng hợp»),
    program cells in their columns on «Tổng hợp» or «Chỉ tiêu»."""

    def __init__(self, program: Program, layout: "MasterLayout", r: int, *, here: str,
                 own: bool = False):
        super().__init__(program)
        self.layout, self.r, self.own = layout, r, own
        self.prefix = "" if here == layout.sheet else f"{quote_sheetname(layout.sheet)}!"
        self.here = here
        col = layout.columns
        self.level = f"{self.prefix}${col['cap']}{r}"
        self.group = f"{self.prefix}${col['nhom']}{r}"
        self.year = YEAR_NAME
        self.levels = {lv: level_label(lv) for lv in LEVELS}
        self.groups = {g.code: g.label for g in program.plan.groups}

    def input_ref(self, code: str) -> str:
        col = self.layout.columns
        key = scored_key(code) if scored_key(code) in col and not self.own else read_key(code)
        return f"{self.prefix}${col[key]}{self.r}"

    def cell_ref(self, code: str) -> str:
        if code in self.layout.columns:
            return f"{self.prefix}${self.layout.columns[code]}{self.r}"
        sheet, letter = self.layout.indicator_sheet, self.layout.program_columns[code]
        prefix = "" if self.here == sheet else f"{quote_sheetname(sheet)}!"
        return f"{prefix}${letter}{self.r}"

    def inline(self, code: str) -> bool:
        # the row's value and item cells hold scored (appraised) figures: the unit's own
        # total is computed from its own figures throughout
        return self.own and self.program.cell(code).kind in ("value", "item")

    def level_test(self, levels: tuple[str, ...]) -> str:  # the sheet shows labels
        tests = [f"{self.level}={quote(self.levels[lv])}" for lv in levels]
        return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"

    def group_test(self, groups: tuple[str, ...]) -> str:
        tests = [f"{self.group}={quote(self.groups[g])}" for g in groups]
        return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _summary_sheet(wb: Workbook, ws: Worksheet, plan: Plan, units: list[_Unit],
                   layout: MasterLayout, vals: _MasterValues) -> None:
    program = compile_plan(plan)
    cols = _summary_columns(plan)
    layout.columns = {c.key: get_column_letter(j) for j, c in enumerate(cols, start=1)}
    layout.inputs = [inp.code for inp in plan.inputs]
    col = layout.columns
    last_row = FIRST_ROW + len(units) - 1
    layout.last_row = last_row
    layout.units = [u.code for u in units]
    for u_row, unit in enumerate(units, start=FIRST_ROW):
        first, last = layout.groups.setdefault(unit.group, [u_row, u_row])
        layout.groups[unit.group] = [first, u_row]

    notes = ["Nhập số liệu vào các cột «Số liệu» (ô nền vàng); các cột khác tự tính bằng công "
             "thức. Xếp hạng, giải và số tiền: bấm «Tính điểm»."]
    if plan.self_scored:
        notes.append("Đơn vị tự chấm: khi cột «(thẩm định)» có số liệu thì số liệu thẩm định "
                     "được dùng để tính điểm; «Tổng tự chấm» tính từ số liệu của đơn vị.")
    if plan.is_checklist:
        notes = ["Nhập số liệu vào các cột «Số liệu» (ô nền vàng). Đối chiếu từng tiêu chí với "
                 "mục tiêu ở trang «Chỉ tiêu»; năm áp dụng mục tiêu ở trang «Cấu hình»."]
    _title(ws, [(f"SỔ TỔNG HỢP — {plan.title}", _TITLE), (_subtitle(plan), _BOLD),
                (" ".join(notes), _ITALIC)])
    shown = [c for c in cols if c.band != HIDDEN_BAND]
    _header_rows(ws, [(c.header, c.key, c.width) for c in shown], [c.band for c in shown])

    by_code = {inp.code: inp for inp in plan.inputs}
    input_cols = {inp.code: inp for inp in plan.inputs}
    input_cols.update({contract.appraisal_name(inp.code): inp for inp in plan.inputs})

    for n, unit in enumerate(units, start=1):
        r = FIRST_ROW + n - 1
        _put(ws, r, 1, n, fmt="0", align=_CENTER)
        _put(ws, r, 2, unit.code)
        _put(ws, r, 3, unit.name, wrap=True)
        _put(ws, r, 4, group_label(plan, unit.group), wrap=True)
        _put(ws, r, 5, level_label(unit.level))
        _unit_height(ws, r, plan, unit)
        changed = set(unit.values.get(CHANGED) or ())
        for key, inp in input_cols.items():
            if key not in col:
                continue
            j = _col_index(col[key])
            value = _input_value(inp, unit.values.get(key))
            cell = _put(ws, r, j, value, fmt=_input_fmt(inp),
                        fill=FILL_CHANGED if key in changed else FILL_INPUT)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
        _read_cells(ws, plan, r, col)
        if not plan.is_checklist:
            _points_row(ws, program, r, layout)
    _read_values(vals, plan, col)
    if not plan.is_checklist:
        _points_values(vals, program, layout)
    if plan.is_checklist:
        _summary_checklist_links(ws, plan, program, units, layout, vals)
    else:
        for key in (REASONS, RANK, PRIZE, AMOUNT):
            for r in range(FIRST_ROW, last_row + 1):
                _put(ws, r, _col_index(col[key]), PLACEHOLDER, fill=FILL_TOOL, align=_ITALIC_TOP)
    for r, unit in enumerate(units, start=FIRST_ROW):  # the office's notes are kept as typed
        _put(ws, r, _col_index(col["ghi_chu"]), unit.values.get("ghi_chu") or None, wrap=True)
    for c in cols:
        if c.band == HIDDEN_BAND:
            ws.column_dimensions[col[c.key]].hidden = True

    if units:
        _summary_validations(ws, plan, col, last_row, by_code)
        last_letter = col["ghi_chu"]
        if not plan.is_checklist:
            grey = _fill(FILL_INELIGIBLE)
            ws.conditional_formatting.add(
                f"A{FIRST_ROW}:{last_letter}{last_row}",
                FormulaRule(formula=[f'${col[ELIGIBLE]}{FIRST_ROW}="Không"'], fill=grey))
        _unreadable_marks(ws, plan, program, layout)
    # Fit to the page width, unless that would shrink the text past reading (Hòa Thành has
    # 70 columns): then pages across, the unit columns repeated on each.
    blocks = [(_col_index(col[inp.code]), _col_index(col[contract.appraisal_name(inp.code)]))
              for inp in plan.inputs if plan.self_scored]  # a figure beside its appraisal
    pages = _print_setup(
        ws, len(shown), max(last_row, HEADER_ROW), (HEADER_ROW - 1, HEADER_ROW),
        freeze=f"D{FIRST_ROW}",
        autofilter=f"A{HEADER_ROW}:{get_column_letter(len(shown))}{max(last_row, HEADER_ROW)}",
        key_cols=3, blocks=blocks, per_unit=True)
    merge_bands(ws, HEADER_ROW - 1, [c.band for c in shown], pages)


def _read_cells(ws: Worksheet, plan: Plan, r: int, col: dict[str, str]) -> None:
    """The row's hidden cells: each figure read as the tools read it (``codecs``)."""
    for inp in plan.inputs:
        cdc = codec(inp)
        own = f"${col[inp.code]}{r}"
        _put(ws, r, _col_index(col[read_key(inp.code)]), f"={cdc.excel_read(own)}", border=False)
        if plan.self_scored:
            appraisal = contract.appraisal_name(inp.code)
            read_a = f"${col[read_key(appraisal)]}{r}"
            _put(ws, r, _col_index(col[read_key(appraisal)]),
                 f"={cdc.excel_read(f'${col[appraisal]}{r}', appraisal=True)}", border=False)
            read_o = f"${col[read_key(inp.code)]}{r}"
            _put(ws, r, _col_index(col[scored_key(inp.code)]),
                 f"=IF(ISNUMBER({read_a}),{read_a},{read_o})", border=False)


def _read_values(vals: _MasterValues, plan: Plan, col: dict[str, str]) -> None:
    """The values of :func:`_read_cells`."""
    for inp in plan.inputs:
        code = inp.code
        vals.column(SHEET_SUMMARY, col[read_key(code)], lambda s, code=code: s.own_read[code])
        if plan.self_scored:
            vals.column(SHEET_SUMMARY, col[read_key(contract.appraisal_name(code))],
                        lambda s, code=code: s.appraisal_read[code])
            vals.column(SHEET_SUMMARY, col[scored_key(code)],
                        lambda s, code=code: s.scored_read[code])


def _unreadable_marks(ws: Worksheet, plan: Plan, program: Program, layout: MasterLayout) -> None:
    """An input cell the tools cannot score is filled red (a word that is not a choice, text
    in a number cell, out of range), and so are the cells of a figure that cannot be true."""
    col, first, last = layout.columns, FIRST_ROW, layout.last_row
    bad = _fill("FFC7CE")
    for inp in plan.inputs:
        keys = [inp.code] + ([contract.appraisal_name(inp.code)] if plan.self_scored else [])
        for key in keys:
            cell, read = f"${col[key]}{first}", f"${col[read_key(key)]}{first}"
            ws.conditional_formatting.add(
                f"{col[key]}{first}:{col[key]}{last}",
                FormulaRule(formula=[f'AND(TRIM({cell})<>"",NOT(ISNUMBER({read})))'], fill=bad))
    printer = Printer(RowPlacement(program, layout, first, here=layout.sheet))
    for cell in program.of_kind("check"):
        fails = printer.value(ex.falsy(cell.node))
        for code in cell.source.inputs:
            ws.conditional_formatting.add(f"{col[code]}{first}:{col[code]}{last}",
                                          FormulaRule(formula=[fails], fill=bad))


def _col_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string
    return column_index_from_string(letter)


def _points_row(ws: Worksheet, program: Program, r: int, layout: MasterLayout) -> None:
    """Formulas of one unit row of a points plan (same-row references only)."""
    plan, col = program.plan, layout.columns
    printer = Printer(RowPlacement(program, layout, r, here=layout.sheet))

    def write(key: str, cell, fmt: str | None = NUM, fill: str | None = None, bold=False,
              p: Printer = printer) -> None:
        _put(ws, r, _col_index(col[key]), p.cell_formula(cell), fmt=fmt, fill=fill, bold=bold)

    for cell in program.of_kind("value", "item"):
        write(cell.code, cell)
    write(TOTAL_CODE, program.cell(TOTAL_CODE), fill=FILL_TOTAL, bold=True)
    if plan.self_scored:
        own = Printer(RowPlacement(program, layout, r, here=layout.sheet, own=True))
        write(SELF_TOTAL, program.cell(TOTAL_CODE), p=own)
    if plan.classification is not None:
        write(CLASS, program.cell(CLASS_CODE), fmt=None)
    write(ELIGIBLE, program.cell(ELIGIBLE_CODE), fmt=None)


def _points_values(vals: _MasterValues, program: Program, layout: MasterLayout) -> None:
    """The values of :func:`_points_row`."""
    col = layout.columns
    keys = [(c.code, c.code) for c in program.of_kind("value", "item")] + [(TOTAL_CODE, TOTAL_CODE)]
    if program.plan.classification is not None:
        keys.append((CLASS, CLASS_CODE))
    keys.append((ELIGIBLE, ELIGIBLE_CODE))
    for key, code in keys:
        vals.column(SHEET_SUMMARY, col[key], lambda s, code=code: s.shown(code))
    if program.plan.self_scored:
        vals.column(SHEET_SUMMARY, col[SELF_TOTAL], lambda s: s.shown(TOTAL_CODE, own=True))


def _summary_validations(ws: Worksheet, plan: Plan, col: dict[str, str], last_row: int,
                         by_code: dict[str, Input]) -> None:
    def span(key: str) -> str:
        return f"{col[key]}{FIRST_ROW}:{col[key]}{last_row}"

    group_dv = _list_validation(GROUP_LIST, "Chọn nhóm trong danh sách: "
                                + "; ".join(g.label for g in plan.groups) + ".")
    level_dv = _list_validation(LEVEL_LIST, "Chọn cấp trong danh sách: "
                                + ", ".join(level_label(lv) for lv in plan.levels) + ".")
    for dv, key in ((group_dv, "nhom"), (level_dv, "cap")):
        ws.add_data_validation(dv)
        dv.add(span(key))
    for inp in plan.inputs:
        dv = _validation(inp)
        ws.add_data_validation(dv)
        dv.add(span(inp.code))
        if plan.self_scored:
            dv.add(span(contract.appraisal_name(inp.code)))


def _summary_checklist_links(ws: Worksheet, plan: Plan, program: Program, units: list[_Unit],
                             layout: MasterLayout, vals: _MasterValues) -> None:
    """Checklist plans: the count of criteria met / applicable, read from «Chỉ tiêu»."""
    col = layout.columns
    sheet = quote_sheetname(SHEET_INDICATORS)
    for r in range(FIRST_ROW, layout.last_row + 1):
        for key in (MET_CODE, APPLICABLE_CODE):
            src = layout.indicator_columns[key]
            _put(ws, r, _col_index(col[key]), f"={sheet}!${src}{r}", fmt=INT,
                 fill=FILL_TOTAL if key == MET_CODE else None, bold=key == MET_CODE)
        for key in (RANK, PRIZE, AMOUNT):
            if key in col:
                _put(ws, r, _col_index(col[key]), PLACEHOLDER, fill=FILL_TOOL, align=_ITALIC_TOP)
        printer = Printer(RowPlacement(program, layout, r, here=layout.sheet))
        for cell in program.of_kind("value"):  # derived values, if a checklist has any
            _put(ws, r, _col_index(col[cell.code]), printer.cell_formula(cell), fmt=NUM)
    for key in (MET_CODE, APPLICABLE_CODE):
        vals.column(SHEET_SUMMARY, col[key], lambda s, key=key: s.shown(key))
    for cell in program.of_kind("value"):
        vals.column(SHEET_SUMMARY, col[cell.code], lambda s, code=cell.code: s.shown(code))


def _indicator_plan(plan: Plan) -> list[tuple[Indicator, list[Indicator]]]:
    return [(ind, list(ind.parts)) for ind in plan.indicators]


def _plan_indicator_columns(plan: Plan, layout: MasterLayout) -> None:
    """Assign the «Chỉ tiêu» columns: A..E unit, then per indicator (part) value/target/status."""
    j = 6
    for ind, parts in _indicator_plan(plan):
        for part in parts or [ind]:
            layout.indicators[part.code] = {
                "gia_tri": get_column_letter(j), "muc_tieu": get_column_letter(j + 1),
                "trang_thai": get_column_letter(j + 2)}
            j += 3
        if parts:
            layout.indicators[ind.code] = {"trang_thai": get_column_letter(j)}
            j += 1
    layout.indicator_columns = {MET_CODE: get_column_letter(j),
                                APPLICABLE_CODE: get_column_letter(j + 1)}
    layout.indicator_sheet = SHEET_INDICATORS
    # where each program cell of the checklist is (same rows as «Tổng hợp»)
    for code, cells in layout.indicators.items():
        for key, letter in cells.items():
            layout.program_columns[f"{code}:{key}"] = letter
    layout.program_columns.update(layout.indicator_columns)


def _indicators_sheet(ws: Worksheet, plan: Plan, units: list[_Unit], layout: MasterLayout,
                      year: int | None, vals: _MasterValues) -> None:
    col = layout.columns
    last_row = layout.last_row
    icol = layout.indicators
    met_col, app_col = layout.indicator_columns[MET_CODE], layout.indicator_columns[APPLICABLE_CODE]
    last_j = _col_index(app_col)
    _title(ws, [(f"ĐỐI CHIẾU CHỈ TIÊU — {plan.title}", _TITLE),
                (_subtitle(plan) + (f"; năm áp dụng mục tiêu ghi ở trang «{SHEET_CONFIG}»"
                                    if year is not None else ""), _BOLD)])
    # Row 3: criterion, row 4: part, row 5: Giá trị / Mục tiêu / Trạng thái.
    for j, (header, width) in enumerate([("STT", 5), ("Mã đơn vị", 12), ("Tên đơn vị", 30),
                                         ("Nhóm", group_width(plan)), ("Cấp", 10)],
                                        start=1):
        _put(ws, 3, j, header, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        for r in (4, 5):
            _put(ws, r, j, None, fill=FILL_HEADER)
        ws.merge_cells(start_row=3, start_column=j, end_row=5, end_column=j)
        ws.column_dimensions[get_column_letter(j)].width = width
    label_lines = 1
    for ind, parts in _indicator_plan(plan):
        cells = [icol[p.code] for p in parts or [ind]]
        first = _col_index(cells[0]["gia_tri"])
        last = _col_index(icol[ind.code]["trang_thai"])
        head = f"Tiêu chí {ind.id}. {ind.label}"
        _put(ws, 3, first, head, bold=True, fill=FILL_BAND, align=_HEADER_ALIGN)
        for k in range(first + 1, last + 1):
            _put(ws, 3, k, None, fill=FILL_BAND)
        label_lines = max(label_lines, _lines(head, 11.5 * (last - first + 1)))
        if last > first:
            ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=last)
        unit = f" ({ind.unit})" if ind.unit else ""
        for part in parts or [ind]:
            c = icol[part.code]
            pj = _col_index(c["gia_tri"])
            if parts:
                _put(ws, 4, pj, f"{ind.id}{part.id}. {part.label}", fill=FILL_HEADER,
                     align=_HEADER_ALIGN)
                for k in (pj + 1, pj + 2):
                    _put(ws, 4, k, None, fill=FILL_HEADER)
                ws.merge_cells(start_row=4, start_column=pj, end_row=4, end_column=pj + 2)
                label_lines = max(label_lines, _lines(part.label, 33) - 2)
            else:
                for k in range(pj, pj + 3):
                    _put(ws, 4, k, None, fill=FILL_BAND)
            part_unit = f" ({part.unit})" if part.unit else unit
            for k, text in enumerate([f"Giá trị{part_unit}", f"Mục tiêu ({OP_TEXT[part.op]})",
                                      "Trạng thái"]):
                _put(ws, 5, pj + k, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
                ws.column_dimensions[get_column_letter(pj + k)].width = 10 if k < 2 else 14
        if parts:
            sj = _col_index(icol[ind.code]["trang_thai"])
            _put(ws, 4, sj, None, fill=FILL_HEADER)
            _put(ws, 5, sj, f"Trạng thái tiêu chí {ind.id}", bold=True, fill=FILL_HEADER,
                 align=_HEADER_ALIGN)
            ws.column_dimensions[get_column_letter(sj)].width = 14
        else:
            ws.merge_cells(start_row=3, start_column=first, end_row=4, end_column=last)
    for j, text in ((_col_index(met_col), "Số tiêu chí đạt"),
                    (_col_index(app_col), "Số tiêu chí áp dụng")):
        _put(ws, 3, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        for r in (4, 5):
            _put(ws, r, j, None, fill=FILL_HEADER)
        ws.merge_cells(start_row=3, start_column=j, end_row=5, end_column=j)
        ws.column_dimensions[get_column_letter(j)].width = 11
    ws.row_dimensions[3].height = 15 * min(max(label_lines, 2), 8) + 3
    ws.row_dimensions[5].height = 33

    summary = quote_sheetname(SHEET_SUMMARY)
    program = compile_plan(plan)
    for n, unit in enumerate(units, start=1):
        r = FIRST_ROW + n - 1
        _put(ws, r, 1, n, fmt="0", align=_CENTER)
        for j, key in enumerate(("ma_don_vi", "ten_don_vi", "nhom", "cap"), start=2):
            _put(ws, r, j, f"={summary}!${col[key]}{r}", wrap=key in ("ten_don_vi", "nhom"))
        _unit_height(ws, r, plan, unit)
        printer = Printer(RowPlacement(program, layout, r, here=SHEET_INDICATORS))
        for cell in program.of_kind("ind_value", "ind_target", "ind_status", "status", "met",
                                    "applicable"):
            letter = layout.program_columns[cell.code]
            fmt = FREE if cell.kind in ("ind_value", "ind_target") else \
                INT if cell.kind in ("met", "applicable") else None
            bold = cell.kind in ("status", "met")
            fill = FILL_TOTAL if cell.kind == "met" else None
            _put(ws, r, _col_index(letter), printer.cell_formula(cell), fmt=fmt, bold=bold,
                 fill=fill)
    for j, key in enumerate(("ma_don_vi", "ten_don_vi", "nhom", "cap"), start=2):
        _link_values(vals, SHEET_INDICATORS, get_column_letter(j), col[key])
    for cell in program.of_kind("ind_value", "ind_target", "ind_status", "status", "met",
                                "applicable"):
        vals.column(SHEET_INDICATORS, layout.program_columns[cell.code],
                    lambda s, code=cell.code: s.shown(code))

    if units:
        status_cols = [c["trang_thai"] for c in icol.values()]
        ranges = " ".join(f"{c}{FIRST_ROW}:{c}{last_row}" for c in status_cols)
        for status, color in STATUS_FILLS.items():
            ws.conditional_formatting.add(
                ranges, CellIsRule(operator="equal", formula=[quote(status)], fill=_fill(color)))
    # Too wide to shrink onto one page: printed pages across, unit columns repeated.
    blocks = [(_col_index(icol[(parts or [ind])[0].code]["gia_tri"]),
               _col_index(icol[ind.code]["trang_thai"])) for ind, parts in _indicator_plan(plan)]
    blocks.append((_col_index(met_col), _col_index(app_col)))
    _print_setup(ws, last_j, max(last_row, HEADER_ROW), (3, HEADER_ROW), freeze=f"D{FIRST_ROW}",
                 autofilter=f"A{HEADER_ROW}:{app_col}{max(last_row, HEADER_ROW)}", key_cols=3,
                 blocks=blocks, per_unit=True)


def _link_values(vals: _MasterValues, sheet: str, letter: str, source: str) -> None:
    """The values of links ``='Tổng hợp'!$<source><row>`` in column ``letter`` of ``sheet``."""
    def values(s: _MasterState) -> list:
        ws = s.book[SHEET_SUMMARY]
        rows = range(s.layout.first_row, s.layout.last_row + 1)
        return [_linked(ws[f"{source}{r}"].value) for r in rows]
    vals.column(sheet, letter, values)


def _linked(value):
    """What a formula ``=A1`` shows for a cell holding ``value`` (an empty cell gives 0)."""
    return 0 if value is None else value


# ------------------------------------------------------------------ Xu hướng
def _periods(plan: Plan, year: int | None) -> list[str]:
    kind = str(plan.settings.get("periods", "")).strip().lower()
    y = year or plan.last_year() or dt.date.today().year
    if kind in ("quy", "quý", "quarter"):
        return [f"Quý {q}/{y}" for q in ("I", "II", "III", "IV")]
    return [f"Tháng {m:02d}/{y}" for m in range(1, 13)]


def _trend_sheet(ws: Worksheet, plan: Plan, units: list[_Unit], layout: MasterLayout,
                 year: int | None, vals: _MasterValues) -> None:
    periods = _periods(plan, year)
    layout.trend_sheet = SHEET_TREND
    layout.periods = periods
    col = layout.columns
    _title(ws, [(f"XU HƯỚNG SỐ TIÊU CHÍ ĐẠT — {plan.title}", _TITLE),
                (_subtitle(plan), _BOLD),
                ("Mỗi kỳ báo cáo, ghi số tiêu chí đạt của từng đơn vị (lấy từ cột «Số tiêu chí "
                 "đạt» của trang «Chỉ tiêu» sau khi cập nhật số liệu kỳ đó); dòng «Trung bình» "
                 "và biểu đồ tự cập nhật.", _ITALIC)])
    heads = [("STT", 5), ("Mã đơn vị", 12), ("Tên đơn vị", NAME_WIDTH), ("Nhóm", group_width(plan))]
    heads += [(p, 11) for p in periods]
    for j, (text, width) in enumerate(heads, start=1):
        _put(ws, HEADER_ROW, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[HEADER_ROW].height = 33
    first_p = 5
    layout.period_columns = {p: get_column_letter(first_p + k) for k, p in enumerate(periods)}
    summary = quote_sheetname(SHEET_SUMMARY)
    for n, unit in enumerate(units, start=1):
        r = FIRST_ROW + n - 1
        _put(ws, r, 1, n, fmt="0", align=_CENTER)
        for j, key in enumerate(("ma_don_vi", "ten_don_vi", "nhom"), start=2):
            _put(ws, r, j, f"={summary}!${col[key]}{r}", wrap=key in ("ten_don_vi", "nhom"))
        _unit_height(ws, r, plan, unit)
        for k in range(len(periods)):
            _put(ws, r, first_p + k, None, fmt=INT, fill=FILL_INPUT)
    last_row = layout.last_row
    avg_row = max(last_row, HEADER_ROW) + 1
    _put(ws, avg_row, 3, "Trung bình", bold=True, fill=FILL_TOTAL)
    for j in (1, 2, 4):
        _put(ws, avg_row, j, None, fill=FILL_TOTAL)
    for k in range(len(periods)):
        letter = get_column_letter(first_p + k)
        rng = f"{letter}{FIRST_ROW}:{letter}{max(last_row, FIRST_ROW)}"
        _put(ws, avg_row, first_p + k, f'=IF(COUNT({rng})=0,"",AVERAGE({rng}))', fmt=NUM,
             bold=True, fill=FILL_TOTAL)
        vals.cell(SHEET_TREND, f"{letter}{avg_row}",
                  lambda s, letter=letter, last=max(last_row, FIRST_ROW): _average(
                      s.book[SHEET_TREND], letter, FIRST_ROW, last))
    for j, key in enumerate(("ma_don_vi", "ten_don_vi", "nhom"), start=2):
        _link_values(vals, SHEET_TREND, get_column_letter(j), col[key])
    if units:
        dv = DataValidation(type="whole", operator="between", formula1="0",
                            formula2=str(len(plan.indicators)), allow_blank=True)
        dv.error = f"Nhập số tiêu chí đạt: số nguyên từ 0 đến {len(plan.indicators)}."
        dv.errorTitle = "Giá trị không hợp lệ"
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(first_p)}{FIRST_ROW}:"
               f"{get_column_letter(first_p + len(periods) - 1)}{last_row}")
    chart = LineChart()
    chart.title = "Số tiêu chí đạt trung bình theo kỳ"
    chart.y_axis.title = "Số tiêu chí đạt (trung bình)"
    chart.x_axis.title = "Kỳ báo cáo"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend = None
    data = Reference(ws, min_col=first_p, max_col=first_p + len(periods) - 1, min_row=avg_row)
    chart.add_data(data, from_rows=True, titles_from_data=False)
    chart.series[0].tx = SeriesLabel(v="Trung bình")
    chart.set_categories(Reference(ws, min_col=first_p, max_col=first_p + len(periods) - 1,
                                   min_row=HEADER_ROW))
    chart.width, chart.height = 24, 9
    ws.add_chart(chart, f"B{avg_row + 3}")
    ws.row_breaks.append(Break(id=avg_row + 1))  # the chart on a page of its own, never cut
    # column headers repeated only over a table longer than a page (not above the chart)
    repeat = (HEADER_ROW, HEADER_ROW) if len(units) > 25 else None
    _print_setup(ws, first_p + len(periods) - 1, avg_row + 22, repeat,
                 freeze=f"D{FIRST_ROW}", key_cols=3, per_unit=True)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _average(ws: Worksheet, letter: str, first: int, last: int):
    """``IF(COUNT(rng)=0,"",AVERAGE(rng))`` over the numbers of the column's rows."""
    numbers = [float(v) for v in (ws[f"{letter}{r}"].value for r in range(first, last + 1))
               if _is_number(v)]
    return sum(numbers) / len(numbers) if numbers else ""


# ------------------------------------------------------------------ Nhiệm vụ
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


# ------------------------------------------------------------------ Khen thưởng
def _awards_sheet(ws: Worksheet, plan: Plan, vals: _MasterValues) -> None:
    score_label = "Số tiêu chí đạt" if plan.is_checklist else "Tổng điểm"
    _title(ws, [(f"DANH SÁCH KHEN THƯỞNG — {plan.title}", _TITLE), (_subtitle(plan), _BOLD),
                ("Cơ cấu giải theo kế hoạch; đơn vị nhận giải được điền khi bấm «Tính điểm».",
                 _ITALIC)])
    heads = [("Giải", 30), ("Đơn vị", 40), (score_label, 12), ("Số tiền (đồng)", 16),
             ("Ghi chú", 40)]
    top = HEADER_ROW - 1
    for j, (text, width) in enumerate(heads, start=1):
        _put(ws, top, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        ws.column_dimensions[get_column_letter(j)].width = width
    r = top + 1
    subtotals: list[str] = []
    groups_money: list[range] = []
    if not plan.prize_sets:
        _put(ws, r, 1, "Kế hoạch không quy định cơ cấu giải thưởng", wrap=True)
        for j in range(2, 6):
            _put(ws, r, j, None)
        r += 1
    for group in plan.groups if plan.prize_sets else []:
        _put(ws, r, 1, group.label, bold=True, fill=FILL_BAND)
        for j in range(2, 6):
            _put(ws, r, j, None, fill=FILL_BAND)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
        r += 1
        prize_set = plan.prize_set(group.code)
        if prize_set is None:
            _put(ws, r, 1, "Kế hoạch không có cơ cấu giải cho nhóm này", wrap=True)
            for j in range(2, 6):
                _put(ws, r, j, None)
            r += 1
            continue
        first = r
        for prize in prize_set.sequence():
            note = []
            if prize.count is None:
                note.append("Mọi đơn vị đạt điều kiện")
            if prize.condition_text:
                note.append(f"Điều kiện: {_condition_text(plan, prize)}")
            if prize.amount == 0:
                note.append("Không kèm tiền thưởng")
            text = "; ".join(note)
            _put(ws, r, 1, prize.label, wrap=True)
            _put(ws, r, 2, PLACEHOLDER, fill=FILL_TOOL)
            _put(ws, r, 3, PLACEHOLDER, fill=FILL_TOOL)
            _put(ws, r, 4, int(prize.amount), fmt=MONEY)
            _put(ws, r, 5, text, wrap=True)
            lines = max(_lines(prize.label, 30), _lines(text, 40) if text else 1)
            if lines > 1:
                ws.row_dimensions[r].height = 15 * min(lines, 8)
            r += 1
        label = "Cộng" if plan.one_pool else f"Cộng nhóm: {group.label}"
        _total_row(ws, r, label, f"=SUM(D{first}:D{r - 1})" if r > first else 0)
        money = range(first, r)
        if r > first:
            vals.cell(SHEET_AWARDS, f"D{r}", lambda s, rows=money: _sum(
                s.book[SHEET_AWARDS][f"D{k}"].value for k in rows))
        subtotals.append(f"D{r}")
        groups_money.append(money)
        r += 1
    r += 1
    _total_row(ws, r, "Tổng số tiền", f"=SUM({','.join(subtotals)})" if subtotals else 0)
    if subtotals:  # the sum of the groups' sums (a group without prizes: 0)
        vals.cell(SHEET_AWARDS, f"D{r}", lambda s: _sum(
            _sum(s.book[SHEET_AWARDS][f"D{k}"].value for k in rows) for rows in groups_money))
    ws.cell(row=r, column=4).font = Font(name=FONT, bold=True, size=12)
    ws.row_dimensions[r].height = row_height(1, 12)
    _print_setup(ws, 5, r, (top, top), freeze=f"A{top + 1}")


def _sum(values) -> float:
    """``SUM`` of cells: their numbers (text, booleans and blanks left out)."""
    return float(sum(v for v in values if _is_number(v)))


def _total_row(ws: Worksheet, r: int, label: str, value) -> None:
    """A subtotal / total row: its label over Giải..Tổng điểm, the money in «Số tiền»."""
    _put(ws, r, 1, label, bold=True, fill=FILL_TOTAL, wrap=True)
    for j in (2, 3, 5):
        _put(ws, r, j, None, fill=FILL_TOTAL)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
    _put(ws, r, 4, value, fmt=MONEY, bold=True, fill=FILL_TOTAL)
    if _lines(label, 80) > 1:
        ws.row_dimensions[r].height = 15 * _lines(label, 80)


def _condition_text(plan: Plan, prize) -> str:
    if prize.condition is not None:
        return condition_words(plan, prize.condition)
    return prize.condition_text


def _money_total(plan: Plan) -> int:
    return sum(int(p.amount) for ps in plan.prize_sets for p in ps.sequence())


# ------------------------------------------------------------------ Biểu đồ
CHART_COLUMNS = 16  # default-width columns as wide as a chart can be on the page


def _charts_sheet(ws: Worksheet, summary: Worksheet, plan: Plan, layout: MasterLayout) -> None:
    value_key = MET_CODE if plan.is_checklist else TOTAL_CODE
    value_label = "Số tiêu chí đạt" if plan.is_checklist else "Tổng điểm"
    _title(ws, [(f"BIỂU ĐỒ {value_label.upper()} THEO NHÓM — {plan.title}", _TITLE),
                (f"Số liệu lấy từ cột «{value_label}» của trang «{SHEET_SUMMARY}».", _ITALIC)])
    value_col = _col_index(layout.columns[value_key])
    name_col = _col_index(layout.columns["ten_don_vi"])
    anchor = 4
    for group in plan.groups:
        rows = layout.groups.get(group.code)
        if not rows:
            continue
        first, last = rows
        n = last - first + 1
        chart = BarChart()
        chart.type = "col"
        chart.title = nfc(group.label)
        chart.y_axis.title = value_label
        chart.x_axis.title = "Đơn vị"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend = None
        chart.y_axis.number_format = "0"
        chart.add_data(Reference(summary, min_col=value_col, min_row=first, max_row=last),
                       titles_from_data=False)
        chart.series[0].tx = SeriesLabel(v=value_label)
        chart.set_categories(Reference(summary, min_col=name_col, min_row=first, max_row=last))
        chart.width = min(max(16.0, 1.3 * n + 6), 26.0)  # A4 landscape: 27.6 cm inside margins
        chart.height = 9.0
        if anchor > 4:  # each chart on its own page
            ws.row_breaks.append(Break(id=anchor - 1))
        ws.add_chart(chart, f"A{anchor}")
        anchor += 20
    _print_setup(ws, CHART_COLUMNS, anchor - 1, None)


# ------------------------------------------------------------------ Thang điểm
def _target_text(target: Target | None, unit: str = "") -> str:
    suffix = f" {unit}" if unit else ""
    if target is None:
        return "—"
    if target.number is not None:
        return f"{format_number(target.number, 9)}{suffix}"
    if target.expr is not None:
        return target.expr_text or ex.to_text(target.expr)
    if target.by_level is not None:
        return "; ".join(f"{LEVELS.get(lv, lv)}: {_target_text(sub, unit)}"
                         for lv, sub in target.by_level.items())
    if target.by_year is not None:
        parts = []
        for start, end, sub in target.by_year:
            when = f"{start}–{end}" if end is not None and end != start else (
                f"năm {start}" if end is not None else f"từ {start}")
            parts.append(f"{when}: {_target_text(sub, unit)}")
        return "; ".join(parts) + " (năm khác: không áp dụng)"
    return "—"


class _Doc:
    """A sheet written top to bottom: headings and small bordered tables."""

    WIDTHS = (10, 26, 55, 14, 24, 70)

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.row = 1
        for j, width in enumerate(self.WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width

    def line(self, text: str, font: Font | None = None, span: bool = True) -> None:
        cell = _put(self.ws, self.row, 1, text, border=False, wrap=span)
        if font is not None:
            cell.font = font
        if span and text:
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                                end_column=len(self.WIDTHS))
            self.ws.row_dimensions[self.row].height = 15 * min(_lines(text, sum(self.WIDTHS)), 10)
        self.row += 1

    def table(self, headers: list[str], rows: list[list]) -> None:
        for j, text in enumerate(headers, start=1):
            _put(self.ws, self.row, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        self.row += 1
        for values in rows:
            lines = 1
            for j, value in enumerate(values, start=1):
                fmt = None
                if isinstance(value, float) and not value.is_integer():
                    fmt = NUM
                if isinstance(value, str):
                    _text_cell(self.ws, self.row, j, value, wrap=True)
                    lines = max(lines, _lines(value, self.WIDTHS[j - 1]))
                else:
                    _put(self.ws, self.row, j, value, fmt=fmt)
            if lines > 1:
                self.ws.row_dimensions[self.row].height = 15 * min(lines, 25)
            self.row += 1
        self.row += 1


def _plan_sheet(ws: Worksheet, plan: Plan) -> None:
    doc = _Doc(ws)
    doc.line(f"THANG ĐIỂM VÀ CÁCH TÍNH — {plan.title}", _TITLE)
    doc.line(_subtitle(plan), _BOLD)
    doc.line(f"Mã kế hoạch: {plan.id}, phiên bản {plan.version}", _ITALIC)
    doc.row += 1
    section = iter(["I", "II", "III", "IV", "V", "VI", "VII", "VIII"])
    if plan.is_checklist:
        doc.line(f"{next(section)}. TIÊU CHÍ VÀ MỤC TIÊU", _BOLD)
        rows = []
        for ind in plan.indicators:
            for part in ([ind] + ind.parts):
                is_parent = part is ind and ind.parts
                pid = ind.id if part is ind else f"{ind.id}{part.id}"
                how = "" if is_parent else (part.value_text or (
                    ex.to_text(part.value) if part.value is not None else ""))
                if is_parent:
                    how = "Đạt khi mọi phần áp dụng đều đạt"
                if part.waive_if is not None:
                    how += (f"; miễn xét (không áp dụng) khi {condition_words(plan, part.waive_if)}"
                            + (f": {part.waive_reason}" if part.waive_reason else ""))
                if part.no_data_if is not None:
                    how += (f"; chưa đánh giá được khi {condition_words(plan, part.no_data_if)}"
                            + (f": {part.no_data_reason}" if part.no_data_reason else ""))
                target = "" if is_parent else f"{OP_TEXT[part.op]} {_target_text(part.target, part.unit)}"
                rows.append([pid, part.code, part.label, part.unit, target, how])
        doc.table(["Tiêu chí", "Mã", "Nội dung", "Đơn vị", "Mục tiêu", "Giá trị đối chiếu"], rows)
        doc.line(f"{next(section)}. CÁCH ĐÁNH GIÁ", _BOLD)
        doc.line("Mỗi tiêu chí: «đạt» khi giá trị thỏa mục tiêu; «không đạt» khi không thỏa; "
                 "«chưa có số liệu» khi thiếu số liệu; «không áp dụng» khi năm áp dụng không có "
                 "mục tiêu hoặc được miễn xét. Tiêu chí nhiều phần chỉ đạt khi mọi phần áp dụng "
                 "đều đạt. Kết quả của đơn vị: số tiêu chí đạt trên số tiêu chí áp dụng.")
        doc.row += 1
    else:
        if plan.values:
            doc.line(f"{next(section)}. GIÁ TRỊ TRUNG GIAN", _BOLD)
            doc.table(["", "Mã", "Nội dung", "Đơn vị", "Loại", "Cách tính"],
                      [["", v.code, v.label, v.unit, v.rule.title, rule_text(plan, v.rule)]
                       for v in plan.values])
        doc.line(f"{next(section)}. TIÊU CHÍ CHẤM ĐIỂM", _BOLD)
        rows = []
        for item in plan.items:
            role = ROLES[item.role]
            if item.levels is not None:
                role += " — chỉ " + ", ".join(LEVELS[lv].lower() for lv in item.levels)
            label = f"{item.section}: {item.label}" if item.section else item.label
            rows.append([item.id, item.code, label,
                         item.max if item.max is not None else "", role,
                         rule_text(plan, item.rule, item.role)])
        doc.table(["Mục", "Mã", "Nội dung", "Điểm tối đa", "Loại", "Cách tính"], rows)
        doc.line(f"{next(section)}. TỔNG ĐIỂM", _BOLD)
        doc.line(f"Tổng điểm = {total_text(plan)}")
        if plan.total_max is not None:
            doc.line(f"Điểm chuẩn: {format_number(plan.total_max)} điểm")
        if plan.manual_total:
            doc.line(f"Đơn vị đặc thù: khi có «{plan.label_of(plan.manual_total)}» thì tổng điểm "
                     "lấy theo số nhập tay, không chấm theo từng tiêu chí.")
        if plan.self_scored:
            doc.line("Đơn vị tự chấm; số liệu thẩm định (khi có) được dùng thay số liệu tự báo cáo.")
        doc.row += 1
        doc.line(f"{next(section)}. ĐIỀU KIỆN XÉT THI ĐUA", _BOLD)
        if plan.gates:
            doc.table(["STT", "Điều kiện", "Lý do khi không đạt", "", "Áp dụng cho nhóm", ""],
                      [[k, gate_text(plan, g), _reason_text(g.reason), "",
                        "Tất cả các nhóm" if g.groups is None
                        else "; ".join(_group_label(plan, c) for c in g.groups), ""]
                       for k, g in enumerate(plan.gates, start=1)])
        else:
            doc.line("Không có điều kiện riêng; mọi đơn vị có đủ số liệu đều được xét.")
            doc.row += 1
        doc.line(f"{next(section)}. TIÊU CHÍ PHỤ KHI BẰNG ĐIỂM", _BOLD)
        if plan.tie_break:
            doc.table(["Thứ tự", "Mã", "Nội dung", "", "", ""],
                      [[k, code, f"{plan.label_of(code)} (cao hơn xếp trước)", "", "", ""]
                       for k, code in enumerate(plan.tie_break, start=1)])
        else:
            doc.line("Không có: các đơn vị bằng điểm do Hội đồng Thi đua - Khen thưởng quyết định.")
            doc.row += 1
    doc.line(f"{next(section)}. CƠ CẤU GIẢI THƯỞNG", _BOLD)
    if plan.prize_sets:
        heads = ["", "Giải", "Điều kiện", "Số lượng", "Mức thưởng (mỗi giải)", "Ghi chú"]
        for ps in plan.prize_sets:
            if not plan.one_pool:
                doc.line(f"Nhóm: {_group_label(plan, ps.group)}", _BOLD)
            rows = []
            for k, prize in enumerate(ps.prizes, start=1):
                count = "Không giới hạn" if prize.count is None else str(prize.count)
                rows.append([k, prize.label,
                             "" if prize.condition is None else _condition_text(plan, prize),
                             count, format_money(prize.amount), prize.reason])
            money = sum(int(p.amount) for p in ps.sequence())
            unlimited = any(p.count is None for p in ps.prizes)
            rows.append(["", "Cộng", "", "" if unlimited else str(len(ps.sequence())),
                         format_money(money), ""])
            doc.table(heads, rows)
        doc.line(f"Tổng số tiền thưởng theo kế hoạch: {format_money(_money_total(plan))}", _BOLD)
        doc.row += 1
    else:
        doc.line("Kế hoạch không quy định cơ cấu giải thưởng.")
        doc.row += 1
    doc.line(f"{next(section)}. BẢNG MÃ", _BOLD)
    rows = [[g.code, "", g.label, "", "Nhóm", ""] for g in plan.groups]
    rows += [[lv, "", LEVELS.get(lv, lv), "", "Cấp", ""] for lv in plan.levels]
    rows += [[inp.code, "", inp.label, inp.unit or ("%" if inp.type == "percent" else ""),
              f"Số liệu nhập: {INPUT_TYPES[inp.type]}", inp.note] for inp in plan.inputs]
    rows += [[v.code, "", v.label, v.unit, "Giá trị trung gian", ""] for v in plan.values]
    rows += [[i.code, "", i.label, "điểm", f"Tiêu chí {i.id}", ""] for i in plan.items]
    for ind in plan.indicators:
        rows.append([ind.code, "", ind.label, ind.unit, f"Tiêu chí {ind.id}", ""])
        rows += [[p.code, "", p.label, p.unit, f"Tiêu chí {ind.id}{p.id}", ""] for p in ind.parts]
    rows.append([MET_CODE if plan.is_checklist else TOTAL_CODE, "",
                 plan.label_of(MET_CODE if plan.is_checklist else TOTAL_CODE), "", "Kết quả", ""])
    for r in rows:  # code in column A is too narrow: move it to B
        r[0], r[1] = "", r[0]
    doc.table(["", "Mã", "Nội dung", "Đơn vị", "Loại", "Ghi chú"], rows)
    _print_setup(ws, len(_Doc.WIDTHS), doc.row, None)


def _reason_text(reason: str) -> str:
    """A gate's reason as a rule: the unit's figure ({code}) shown as «…»."""
    return re.sub(r"\{[a-z][a-z0-9_]*\}", "…", reason)


def _group_label(plan: Plan, code: str) -> str:
    try:
        return plan.group(code).label
    except KeyError:
        return code


# ------------------------------------------------------------------ Cấu hình
def _config_sheet(wb: Workbook, ws: Worksheet, plan: Plan, layout: MasterLayout,
                  config: dict, year: int | None) -> None:
    _title(ws, [("CẤU HÌNH SỔ TỔNG HỢP", _TITLE), (plan.title, _BOLD),
                ("Các công cụ đọc các ô ở cột «Giá trị» (theo tên ô trong cột ẩn C); chỉ sửa ô "
                 "nền vàng.",
                 _ITALIC)])
    rows: list[tuple[str, str, Any, bool]] = [
        ("cau_hinh_ma_ke_hoach", "Mã kế hoạch", plan.id, False),
        ("cau_hinh_phien_ban", "Phiên bản", plan.version, False),
    ]
    if plan.is_checklist:
        rows.append((YEAR_NAME, "Năm áp dụng", year, True))
    for key, (name, label, default) in CONFIG_NAMES.items():
        value = config.get(key, config.get(name, default))
        rows.append((name, label, _text(value) if isinstance(value, str) else value, True))
    heads = [("Mục", 24), ("Giá trị", 30), ("Tên ô", 26), ("Ghi chú", 60)]
    for j, (text, width) in enumerate(heads, start=1):
        _put(ws, HEADER_ROW - 1, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        ws.column_dimensions[get_column_letter(j)].width = width
    for r, (name, label, value, editable) in enumerate(rows, start=HEADER_ROW):
        _put(ws, r, 1, label, bold=True)
        if isinstance(value, str):
            _text_cell(ws, r, 2, value, fill=FILL_INPUT if editable else None)
        else:
            _put(ws, r, 2, value, fmt="0", fill=FILL_INPUT if editable else None)
        _put(ws, r, 3, name)
        _put(ws, r, 4, CONFIG_NOTES.get(name, ""), wrap=True)
        layout.names[name] = _name(wb, name, SHEET_CONFIG, f"$B${r}")
        if name == YEAR_NAME:
            first = plan.years[0] if plan.years else 2000
            dv = DataValidation(type="whole", operator="between", formula1=str(first),
                                formula2=str(max(last_target_year(plan) or first, first)), allow_blank=False)
            dv.error = "Nhập năm trong thời gian của kế hoạch."
            dv.errorTitle = "Năm không hợp lệ"
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(f"B{r}")
    ws.column_dimensions["C"].hidden = True  # the names the tools read: not for people
    _print_setup(ws, 4, HEADER_ROW + len(rows), None)


# ------------------------------------------------------------------ _thidua
CELL_LIMIT = 32_000  # Excel keeps at most 32,767 characters in a cell


def layout_json(meta: dict) -> str:
    """The layout JSON from the metadata rows (continued over ``bo_cuc#2``… for big masters)."""
    text, n = str(meta.get("bo_cuc") or ""), 2
    while f"bo_cuc#{n}" in meta:
        text += str(meta[f"bo_cuc#{n}"] or "")
        n += 1
    return text


def _meta_sheet(ws: Worksheet, plan: Plan, layout: MasterLayout) -> None:
    text = layout.to_json()
    chunks = [text[i:i + CELL_LIMIT] for i in range(0, len(text), CELL_LIMIT)] or [""]
    rows = [("loai", KIND_MASTER), ("ke_hoach", plan.id), ("phien_ban", plan.version),
            ("bo_cuc", chunks[0])]
    rows += [(f"bo_cuc#{n}", chunk) for n, chunk in enumerate(chunks[1:], start=2)]
    rows += [("phien_ban_thidua", thidua.__version__)]
    rows += [(contract.PLAN_FILE, Path(plan.source).name if plan.source else plan.id),
             (contract.PLAN_FINGERPRINT, plan.fingerprint)]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=key)
        cell = ws.cell(row=r, column=2, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


# ------------------------------------------------------------------ entry points
def _year_of(plan: Plan, units: list[_Unit], year: int | None, config: dict) -> int | None:
    if not plan.is_checklist:
        return None
    if year is not None:
        return int(year)
    if not _blank(config.get(YEAR_NAME)):
        return int(config[YEAR_NAME])
    years = set()
    for u in units:
        y = u.values.get("nam")
        if not _blank(y):
            years.add(int(float(y)))
    if len(years) == 1:
        return years.pop()
    return plan.last_year()


def build_master_and_layout(plan: Plan, units: list[dict], *, year: int | None = None,
                            config: dict | None = None) -> tuple[Workbook, MasterLayout]:
    """The master workbook of ``plan`` for ``units``, and where everything is in it.

    ``units``: dicts with ``ma_don_vi``, ``ten_don_vi``, ``nhom``, ``cap`` and
    optionally figures keyed by input code (``<code>_tham_dinh`` for appraised
    figures): numbers, yes/no as 1/0, a choice as its 0-based position; blank
    cells stay blank. ``year`` (checklist plans): the year targets apply to
    (default: ``config["nam_ap_dung"]``, the units' single ``nam``, else the
    plan's last year). ``config``: overrides of the «Cấu hình» values, keyed
    ``thu_muc_nhan``, ``thu_muc_mau``, ``tep_nhat_ky`` (or their defined names);
    other keys are ignored.
    """
    config = dict(config or {})
    checked = _units(plan, units)
    year = _year_of(plan, checked, year, config)
    layout = MasterLayout(plan=plan.id, version=plan.version, kind=plan.kind)

    wb = Book()
    vals = _MasterValues(plan, compile_plan(plan), layout)
    wb.compute(vals)
    summary = wb.active
    summary.title = SHEET_SUMMARY
    indicators = wb.create_sheet(SHEET_INDICATORS) if plan.is_checklist else None
    trend = wb.create_sheet(SHEET_TREND) if plan.is_checklist and plan.settings.get("periods") else None
    tasks = wb.create_sheet(SHEET_TASKS) if plan.settings.get("tasks") else None
    awards = wb.create_sheet(SHEET_AWARDS)
    charts = wb.create_sheet(SHEET_CHARTS)
    plan_ws = wb.create_sheet(SHEET_PLAN)
    config_ws = wb.create_sheet(SHEET_CONFIG)
    lists = wb.create_sheet(SHEET_LISTS)
    meta = wb.create_sheet(SHEET_META)

    _lists_sheet(wb, lists, plan, layout)
    _config_sheet(wb, config_ws, plan, layout, config, year)
    if plan.is_checklist:
        _plan_indicator_columns(plan, layout)
    _summary_sheet(wb, summary, plan, checked, layout, vals)
    if indicators is not None:
        _indicators_sheet(indicators, plan, checked, layout, year, vals)
    if trend is not None:
        _trend_sheet(trend, plan, checked, layout, year, vals)
    if tasks is not None:
        _tasks_sheet(tasks, plan, layout, vals)
    _awards_sheet(awards, plan, vals)
    _charts_sheet(charts, summary, plan, layout)
    _plan_sheet(plan_ws, plan)
    _meta_sheet(meta, plan, layout)

    wb.active = 0
    wb.properties.title = nfc(plan.title)
    wb.properties.creator = f"thidua {thidua.__version__}"
    return wb, layout


def build_master(plan: Plan, units: list[dict], *, year: int | None = None,
                 config: dict | None = None) -> Workbook:
    """The master workbook (see ``build_master_and_layout``)."""
    return build_master_and_layout(plan, units, year=year, config=config)[0]


def write_master(plan: Plan, units: list[dict], path: str | os.PathLike, *,
                 year: int | None = None, config: dict | None = None, backup: bool = True,
                 now: dt.datetime | None = None) -> Path:
    """Build the master workbook and write it to ``path`` atomically; return ``path``.

    An existing file is first copied to a dated backup beside it (unless
    ``backup=False``). With ``now`` the file's bytes depend only on its content
    and ``now`` (``fileio.make_reproducible``).
    """
    from thidua.output.results_xlsx import exact_floats

    path = Path(path)
    wb = build_master(plan, units, year=year, config=config)
    if now is not None:
        wb.properties.created = now
        wb.properties.modified = now
    if backup:
        fileio.backup(path, now)

    def save(tmp: Path) -> None:
        with exact_floats():
            wb.save(tmp)

    fileio.atomic_write(path, save)
    if now is not None:
        fileio.make_reproducible(path, now)
    return path
