"""What every sheet of the master shares: names, styles, the layout, units, cell helpers."""
from __future__ import annotations

import copy
import weakref

from dataclasses import dataclass
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from thidua.codecs import codec, group_code, level_code
from thidua.errors import InputError, Problem
from thidua.plan.model import (INPUT_TYPES, ROLES, Input, Item, Plan)
from thidua.result import (STATUS_MET, STATUS_NOT_MET, STATUS_NO_DATA)
from thidua.text import format_number, nfc
from thidua.workbook import contract
# What readers need without the writer lives in master_layout; the sheet modules take it from here.
from thidua.workbook.master_layout import (CHANGED, CONFIG_NAMES, DATE, FILL_BAND,  # noqa: F401
                                           FILL_CHANGED, FILL_HEADER, FILL_INELIGIBLE, FILL_INPUT,
                                           FILL_TOOL, FILL_TOTAL, FIRST_ROW, FREE, HEADER_ROW, INT,
                                           MONEY, NUM, PLACEHOLDER, SHEET_AWARDS, SHEET_CHARTS,
                                           SHEET_CONFIG, SHEET_INDICATORS, SHEET_LISTS,
                                           SHEET_PLAN, SHEET_SUMMARY, SHEET_TASKS, SHEET_TREND,
                                           MasterLayout, layout_json)
from thidua.workbook.master_layout import blank as _blank
from thidua.workbook.master_layout import input_value as _input_value  # noqa: F401
from thidua.workbook.paper import (Pages, fit_rows, print_setup, row_height, text_lines)


SHEET_META = contract.META_SHEET


KIND_MASTER = contract.KIND_MASTER


YEAR_NAME = contract.YEAR_NAME


GROUP_LIST = "ds_nhom"


LEVEL_LIST = "ds_cap"


TASK_STATUS_LIST = "ds_trang_thai_nhiem_vu"


TASK_STATUSES = ["Chưa thực hiện", "Đang thực hiện", "Hoàn thành"]

OVERDUE, LATE = "Quá hạn", "Hoàn thành trễ"

CONFIG_NOTES = {
    "cau_hinh_ma_ke_hoach": "Kế hoạch thi đua của sổ này (không sửa)",
    "cau_hinh_phien_ban": "Phiên bản kế hoạch (không sửa)",
    YEAR_NAME: "Năm dùng để chọn mục tiêu của các tiêu chí",
    "cau_hinh_thu_muc_nhan": "Thư mục cạnh sổ tổng hợp, nơi gom các tệp mẫu đơn vị gửi về",
    "cau_hinh_thu_muc_mau": "Thư mục cạnh sổ tổng hợp, nơi lưu các tệp mẫu gửi cho đơn vị",
    "cau_hinh_tep_nhat_ky": "Tệp ghi lại các lần tổng hợp, tính điểm",
}


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


@dataclass
class _Unit:
    code: str
    name: str
    group: str
    level: str
    values: dict[str, Any]


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


CELL_LIMIT = 32_000  # Excel keeps at most 32,767 characters in a cell
