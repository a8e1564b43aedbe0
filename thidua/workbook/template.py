"""The unit template: one well-built workbook per plan, with placeholders.

``build_template(plan)`` makes the workbook a unit fills in: a «Hướng dẫn»
sheet, the input sheet «Nhập liệu» (the unit's name, group and level locked;
input cells unlocked and validated, each a workbook-level defined name equal to
its input code; the unit's own score computed live by formulas), a hidden
«Danh mục» sheet with the drop-down lists, and a very hidden «_thidua» sheet
with the metadata a returned file is recognised by.

Unit-specific text is written as placeholders (``{{ma_don_vi}}`` …) so that
``thidua.workbook.stamp`` can produce thousands of copies without building a
workbook each time. Nothing unit-specific is ever inside a formula, so every
unit's copy has the same structure fingerprint.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

import thidua
from thidua import expr as ex
from thidua.plan.model import LEVELS, MET_CODE, ROLES, TOTAL_CODE, Indicator, Plan
from thidua.result import STATUS_MET, STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET
from thidua.text import format_money, format_number
from thidua.workbook import formulas as fx

SHEET_GUIDE = "Hướng dẫn"
SHEET_INPUT = "Nhập liệu"
SHEET_LISTS = "Danh mục"
SHEET_META = "_thidua"
KIND_TEMPLATE = "mau_don_vi"
PLACEHOLDERS = {  # placeholder -> metadata key it is stamped from
    "{{ma_don_vi}}": "ma_don_vi", "{{ten_don_vi}}": "ten_don_vi",
    "{{nhom}}": "nhom", "{{nhom_nhan}}": "nhom_nhan",
    "{{cap}}": "cap", "{{cap_nhan}}": "cap_nhan", "{{thoi_gian_tao}}": "thoi_gian_tao",
}
YEAR_NAME = "nam_ap_dung"
LEVEL_NAME = "cap_don_vi"
GROUP_NAME = "nhom_don_vi"
NUM = "[$-42A]#,##0.##"
POINTS = "[$-42A]#,##0.00"

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", start_color="D9E1F2")
_INPUT_FILL = PatternFill("solid", start_color="FFF2CC")
_LOCKED_FILL = PatternFill("solid", start_color="F2F2F2")
_TOTAL_FILL = PatternFill("solid", start_color="E2EFDA")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_UNLOCKED = Protection(locked=False)
STATUS_FILLS = {STATUS_MET: "C6EFCE", STATUS_NOT_MET: "FFC7CE", STATUS_NO_DATA: "D9D9D9"}


@dataclass
class TemplateLayout:
    """Where things are on the input sheet (also stored in the metadata)."""

    input_cells: dict[str, str] = field(default_factory=dict)  # code -> "D12"
    appraisal_cells: dict[str, str] = field(default_factory=dict)
    computed_cells: dict[str, str] = field(default_factory=dict)  # value/item/total -> cell
    self_cells: dict[str, str] = field(default_factory=dict)  # self-scored: own-figure points
    status_cells: dict[str, str] = field(default_factory=dict)  # checklist: code/part -> cell
    value_cells: dict[str, str] = field(default_factory=dict)
    target_cells: dict[str, str] = field(default_factory=dict)
    eligible_cell: str = ""
    year_cell: str = ""


def _abs(cell: str) -> str:
    col = "".join(ch for ch in cell if ch.isalpha())
    row = "".join(ch for ch in cell if ch.isdigit())
    return f"${col}${row}"


def _name(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!{_abs(cell)}")


def _put(ws: Worksheet, ref: str, value, *, bold=False, fill=None, fmt=None, wrap=False,
         border=True, locked=True):
    cell = ws[ref]
    cell.value = value
    if bold:
        cell.font = _BOLD
    if fill is not None:
        cell.fill = fill
    if fmt:
        cell.number_format = fmt
    if wrap:
        cell.alignment = _WRAP
    if border:
        cell.border = _BORDER
    if not locked:
        cell.protection = _UNLOCKED
    return cell


def _validation(inp, list_ref: str | None) -> DataValidation:
    prompt = inp.label[:250]
    if inp.type in ("yesno", "choice"):
        dv = DataValidation(type="list", formula1=f"={list_ref}", allow_blank=True)
        dv.error = "Chọn một giá trị trong danh sách thả xuống."
    else:
        lo = inp.min if inp.min is not None else (0 if inp.type in ("count", "percent") else None)
        hi = inp.max if inp.max is not None else (100 if inp.type == "percent" else None)
        kind = "whole" if inp.type == "count" else "decimal"
        if lo is not None and hi is not None:
            dv = DataValidation(type=kind, operator="between", formula1=ex.excel_number(lo),
                                formula2=ex.excel_number(hi), allow_blank=True)
            dv.error = f"Nhập một số từ {format_number(lo)} đến {format_number(hi)}."
        elif lo is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual",
                                formula1=ex.excel_number(lo), allow_blank=True)
            dv.error = f"Nhập một số không nhỏ hơn {format_number(lo)}."
        else:
            dv = DataValidation(type="decimal", operator="between", formula1="-1E+15",
                                formula2="1E+15", allow_blank=True)
            dv.error = "Nhập một số."
        if inp.type == "count":
            dv.error += " Số nguyên (không có phần lẻ)."
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.promptTitle = "Nhập số liệu"
    dv.prompt = prompt
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _unit_hint(inp) -> str:
    if inp.type == "yesno":
        return "Chọn Có/Không"
    if inp.type == "choice":
        return "Chọn trong danh sách"
    if inp.type == "percent":
        return "%  (nhập 85 cho 85 %)"
    return inp.unit or "số"


def build_template(plan: Plan, year: int | None = None) -> tuple[Workbook, TemplateLayout]:
    """The unit template of ``plan`` with placeholders for the unit's details."""
    wb = Workbook()
    guide = wb.active
    guide.title = SHEET_GUIDE
    ws = wb.create_sheet(SHEET_INPUT)
    lists = wb.create_sheet(SHEET_LISTS)
    meta = wb.create_sheet(SHEET_META)
    layout = TemplateLayout()

    _write_lists(wb, lists, plan)
    row = _write_header(ws, plan)
    if plan.is_checklist:
        layout.year_cell = f"B{row}"
        _put(ws, f"A{row}", "Năm áp dụng chỉ tiêu:", bold=True, border=False)
        years = plan.years or (plan.last_year(), plan.last_year())
        _put(ws, layout.year_cell, year or plan.last_year(), fill=_INPUT_FILL, locked=False)
        dv = DataValidation(type="whole", operator="between", formula1=str(years[0]),
                            formula2=str(max(years[1], _last_target_year(plan))), allow_blank=False)
        dv.error, dv.errorTitle = "Nhập năm trong thời gian của kế hoạch.", "Năm không hợp lệ"
        ws.add_data_validation(dv)
        dv.add(layout.year_cell)
        _name(wb, YEAR_NAME, SHEET_INPUT, layout.year_cell)
        row += 2
    row = _write_inputs(wb, ws, plan, row, layout)
    refs = fx.Refs(plan, cell=lambda code: code, level=LEVEL_NAME, year=YEAR_NAME,
                   appraisal=(fx.appraisal_name if plan.self_scored else None))
    if plan.is_checklist:
        row = _write_checklist(wb, ws, plan, row + 1, layout, refs)
    else:
        row = _write_points(wb, ws, plan, row + 1, layout, refs)
    _finish_input_sheet(ws, plan, row)
    _write_guide(guide, plan)
    fingerprint = structure_fingerprint(wb, plan)
    _write_meta(wb, meta, plan, layout, fingerprint)
    lists.sheet_state = "hidden"
    meta.sheet_state = "veryHidden"
    wb.active = wb.sheetnames.index(SHEET_INPUT)
    guide.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.security.lockStructure = True  # no password: stops accidents, not attackers
    wb.properties.creator = f"thidua {thidua.__version__}"
    wb.properties.title = plan.title
    return wb, layout


def _last_target_year(plan: Plan) -> int:
    last = plan.last_year() or 0
    for ind in plan.indicators:
        for part in [ind, *ind.parts]:
            if part.target is not None and part.target.by_year:
                for start, end, _ in part.target.by_year:
                    last = max(last, end or start)
    return last


def _write_lists(wb: Workbook, ws: Worksheet, plan: Plan) -> None:
    ws["A1"], ws["A2"] = fx.YES, fx.NO
    _name_range(wb, fx.YESNO_LIST, SHEET_LISTS, "A", 1, 2)
    col = 2
    for inp in plan.inputs:
        if inp.type != "choice":
            continue
        letter = get_column_letter(col)
        for i, choice in enumerate(inp.choices, start=1):
            ws[f"{letter}{i}"] = choice.label
        _name_range(wb, fx.choice_list_name(inp.code), SHEET_LISTS, letter, 1, len(inp.choices))
        col += 1


def _name_range(wb: Workbook, name: str, sheet: str, col: str, first: int, last: int) -> None:
    wb.defined_names[name] = DefinedName(
        name, attr_text=f"{quote_sheetname(sheet)}!${col}${first}:${col}${last}")


def _write_header(ws: Worksheet, plan: Plan) -> int:
    ws["A1"] = "PHIẾU SỐ LIỆU THI ĐUA" if not plan.is_checklist else "PHIẾU BÁO CÁO CHỈ TIÊU"
    ws["A1"].font = _TITLE
    ws["A2"] = plan.title
    ws["A2"].font = _BOLD
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:F2")
    ws.row_dimensions[2].height = 32
    if plan.issuer or plan.document:
        ws["A3"] = " · ".join(x for x in (plan.issuer, plan.document) if x)
        ws["A3"].font = Font(italic=True, size=9)
    rows = [("Đơn vị:", "{{ten_don_vi}}"), ("Mã đơn vị:", "{{ma_don_vi}}"),
            ("Nhóm:", "{{nhom_nhan}}"), ("Cấp:", "{{cap_nhan}}")]
    for i, (label, value) in enumerate(rows, start=5):
        _put(ws, f"A{i}", label, bold=True, border=False)
        cell = _put(ws, f"B{i}", value, bold=(i == 5), fill=_LOCKED_FILL)
        ws.merge_cells(f"B{i}:D{i}")
        cell.alignment = Alignment(vertical="center")
    return 10


def _write_inputs(wb: Workbook, ws: Worksheet, plan: Plan, row: int, layout: TemplateLayout) -> int:
    ws[f"A{row}"] = "I. SỐ LIỆU ĐƠN VỊ NHẬP (ô màu vàng)"
    ws[f"A{row}"].font = _BOLD
    row += 1
    heads = ["STT", "Chỉ tiêu", "Đơn vị tính", "Số liệu của đơn vị"]
    if plan.self_scored:
        heads.append("Thẩm định (cơ quan thẩm định ghi)")
    heads.append("Ghi chú")
    for j, head in enumerate(heads, start=1):
        cell = _put(ws, f"{get_column_letter(j)}{row}", head, bold=True, fill=_HEAD_FILL)
        cell.alignment = _CENTER
    row += 1
    validations: dict[str, DataValidation] = {}
    for i, inp in enumerate(plan.inputs, start=1):
        _put(ws, f"A{row}", i)
        _put(ws, f"B{row}", inp.label, wrap=True)
        _put(ws, f"C{row}", _unit_hint(inp), wrap=True)
        cell_ref = f"D{row}"
        fmt = NUM if inp.type in ("count", "number", "percent") else None
        _put(ws, cell_ref, None, fill=_INPUT_FILL, fmt=fmt, locked=False)
        layout.input_cells[inp.code] = cell_ref
        _name(wb, inp.code, SHEET_INPUT, cell_ref)
        note_col = "E"
        list_ref = (fx.YESNO_LIST if inp.type == "yesno" else
                    fx.choice_list_name(inp.code) if inp.type == "choice" else None)
        key = f"{inp.type}|{inp.min}|{inp.max}|{list_ref}|{inp.label}"
        if key not in validations:
            validations[key] = _validation(inp, list_ref)
            ws.add_data_validation(validations[key])
        validations[key].add(cell_ref)
        if plan.self_scored:
            appraisal = f"E{row}"
            _put(ws, appraisal, None, fill=_LOCKED_FILL, fmt=fmt)
            layout.appraisal_cells[inp.code] = appraisal
            _name(wb, fx.appraisal_name(inp.code), SHEET_INPUT, appraisal)
            validations[key].add(appraisal)
            note_col = "F"
        note = inp.note or ("Không bắt buộc" if not inp.required else "")
        if plan.manual_total == inp.code:
            note = ("Chỉ đơn vị đặc thù (tiêu chí mô tả bằng lời) nhập tổng điểm tại đây; "
                    "các đơn vị khác để trống")
        _put(ws, f"{note_col}{row}", note, wrap=True)
        row += 1
    return row


def _write_points(wb, ws, plan: Plan, row: int, layout: TemplateLayout, refs: fx.Refs) -> int:
    ws[f"A{row}"] = "II. KẾT QUẢ TỰ CHẤM (công thức tự tính khi nhập số liệu, không cần nhập)"
    ws[f"A{row}"].font = _BOLD
    row += 1
    heads = ["Mục", "Nội dung", "Điểm tối đa", "Điểm tự chấm" if plan.self_scored else "Điểm"]
    if plan.self_scored:
        heads.append("Điểm sau thẩm định")
    heads.append("Cách tính")
    for j, head in enumerate(heads, start=1):
        cell = _put(ws, f"{get_column_letter(j)}{row}", head, bold=True, fill=_HEAD_FILL)
        cell.alignment = _CENTER
    row += 1
    own_refs = fx.Refs(plan, cell=lambda c: c if c in layout.input_cells else f"{c}_tu_cham",
                       level=LEVEL_NAME, year=YEAR_NAME) if plan.self_scored else None
    explain_col = "F" if plan.self_scored else "E"

    def put_computed(code: str, formula_eff: str, formula_own: str | None, fmt: str, bold=False):
        main = "E" if plan.self_scored else "D"
        _put(ws, f"{main}{row}", f"={formula_eff}", fmt=fmt, bold=bold,
             fill=_TOTAL_FILL if bold else None)
        layout.computed_cells[code] = f"{main}{row}"
        _name(wb, code, SHEET_INPUT, f"{main}{row}")
        if plan.self_scored:
            _put(ws, f"D{row}", f"={formula_own}", fmt=fmt, bold=bold,
                 fill=_TOTAL_FILL if bold else None)
            layout.self_cells[code] = f"D{row}"
            _name(wb, f"{code}_tu_cham", SHEET_INPUT, f"D{row}")

    for value in plan.values:
        _put(ws, f"A{row}", "")
        _put(ws, f"B{row}", value.label + (f" ({value.unit})" if value.unit else ""), wrap=True)
        _put(ws, f"C{row}", "")
        put_computed(value.code, fx.value_formula(value.rule, refs),
                     fx.value_formula(value.rule, own_refs) if own_refs else None, POINTS)
        _put(ws, f"{explain_col}{row}", value.rule.full_description(), wrap=True)
        row += 1
    for item in plan.items:
        _put(ws, f"A{row}", item.id)
        role = "" if item.role == "score" else f" [{ROLES[item.role]}]"
        levels = ("" if item.levels is None else
                  " (chỉ áp dụng: " + ", ".join(LEVELS[lv].lower() for lv in item.levels) + ")")
        _put(ws, f"B{row}", item.label + role + levels, wrap=True)
        _put(ws, f"C{row}", item.max, fmt=POINTS)
        put_computed(item.code, fx.item_formula(item, refs),
                     fx.item_formula(item, own_refs) if own_refs else None, POINTS)
        _put(ws, f"{explain_col}{row}", item.rule.full_description(), wrap=True)
        row += 1
    _put(ws, f"A{row}", "")
    _put(ws, f"B{row}", "TỔNG ĐIỂM", bold=True)
    _put(ws, f"C{row}", plan.total_max, fmt=POINTS)
    put_computed(TOTAL_CODE, fx.total_formula(plan, refs),
                 fx.total_formula(plan, own_refs) if own_refs else None, POINTS, bold=True)
    _put(ws, f"{explain_col}{row}", plan.total_text and ex.to_text(plan.total)
         or "Tổng các tiêu chí + điểm thưởng − điểm trừ", wrap=True)
    row += 1
    if plan.gates:
        _put(ws, f"B{row}", "Đủ điều kiện xét giải", bold=True)
        main = "E" if plan.self_scored else "D"
        _put(ws, f"{main}{row}", f'=IF({fx.eligible_formula(plan, refs, GROUP_NAME)},"Có","Không")',
             bold=True)
        layout.eligible_cell = f"{main}{row}"
        _put(ws, f"{explain_col}{row}", "; ".join(
            f"{g.reason.split('{')[0].strip()}" + (f" (nhóm {', '.join(g.groups)})" if g.groups else "")
            for g in plan.gates), wrap=True)
        row += 1
    return row


def _write_checklist(wb, ws, plan: Plan, row: int, layout: TemplateLayout, refs: fx.Refs) -> int:
    ws[f"A{row}"] = "II. ĐỐI CHIẾU CHỈ TIÊU (công thức tự tính khi nhập số liệu)"
    ws[f"A{row}"].font = _BOLD
    row += 1
    heads = ["Tiêu chí", "Nội dung", "Giá trị", "Mục tiêu", "Chênh lệch", "Trạng thái"]
    for j, head in enumerate(heads, start=1):
        cell = _put(ws, f"{get_column_letter(j)}{row}", head, bold=True, fill=_HEAD_FILL)
        cell.alignment = _CENTER
    row += 1
    first = row
    top_status: list[str] = []

    def one(ind: Indicator, key: str, label: str) -> str:
        nonlocal row
        value_cell, target_cell, status_cell = f"C{row}", f"D{row}", f"F{row}"
        _put(ws, f"A{row}", ind.id)
        _put(ws, f"B{row}", label, wrap=True)
        needed = refs.inputs_under(ind.value)
        guard = ",".join(f"NOT({refs.present(c)})" for c in needed) or "FALSE"
        _put(ws, value_cell, f'=IF(OR({guard}),"",{ex.to_excel(ind.value, refs)})', fmt=NUM)
        _put(ws, target_cell, f"={fx.target_formula(ind.target, refs)}", fmt=NUM)
        _put(ws, status_cell, f"={fx.status_formula(ind, refs, value_cell, target_cell)}")
        _put(ws, f"E{row}", f"={fx.gap_formula(value_cell, target_cell, status_cell)}", fmt=NUM)
        layout.value_cells[key], layout.target_cells[key] = value_cell, target_cell
        layout.status_cells[key] = status_cell
        row += 1
        return status_cell

    for ind in plan.indicators:
        if ind.parts:
            cells = [one(part, f"{ind.code}.{part.id}", f"{ind.id}.{part.id}: {part.label}")
                     for part in ind.parts]
            _put(ws, f"A{row}", ind.id, bold=True)
            _put(ws, f"B{row}", ind.label + " (đạt khi đạt cả các phần)", wrap=True, bold=True)
            for col in "CDE":
                _put(ws, f"{col}{row}", "")
            status = f"F{row}"
            _put(ws, status, f"={fx.combined_status_formula(cells)}", bold=True)
            layout.status_cells[ind.code] = status
            top_status.append(status)
            row += 1
        else:
            top_status.append(one(ind, ind.code, ind.label))
    last = row - 1
    rng = f"F{first}:F{last}"
    for status, color in STATUS_FILLS.items():
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[fx.quote(status)],
                                                      fill=PatternFill("solid", start_color=color)))
    _put(ws, f"B{row}", "SỐ TIÊU CHÍ ĐẠT", bold=True)
    met = "+".join(f"({c}={fx.quote(STATUS_MET)})" for c in top_status)
    _put(ws, f"F{row}", f"={met}", bold=True, fill=_TOTAL_FILL)
    layout.computed_cells[MET_CODE] = f"F{row}"
    _name(wb, MET_CODE, SHEET_INPUT, f"F{row}")
    row += 1
    _put(ws, f"B{row}", "Số tiêu chí áp dụng (trừ «không áp dụng»)", bold=True)
    applicable = "+".join(f"({c}<>{fx.quote(STATUS_NA)})" for c in top_status)
    _put(ws, f"F{row}", f"={applicable}", bold=True)
    layout.computed_cells["so_tieu_chi_ap_dung"] = f"F{row}"
    return row + 1


def _finish_input_sheet(ws: Worksheet, plan: Plan, last_row: int) -> None:
    widths = {"A": 11, "B": 58, "C": 14, "D": 16, "E": 16, "F": 28 if plan.self_scored else 16}
    if not plan.is_checklist:
        widths["E" if not plan.self_scored else "F"] = 46
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    # Spreadsheets do not grow the rows of a file they open: estimate the height
    # of wrapped text (≈ 1 character per width unit at this font size).
    for r in range(11, last_row + 1):
        lines = 1
        for col, width in widths.items():
            if col == "A":  # section titles in A run over the empty cells beside them
                continue
            value = ws[f"{col}{r}"].value
            if isinstance(value, str) and not value.startswith("=") and "{{" not in value:
                lines = max(lines, -(-len(value) // max(int(width * 1.1) - 2, 1)))
        if lines > 1:
            ws.row_dimensions[r].height = 13 * min(lines, 15) + 2
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{'F' if plan.self_scored or plan.is_checklist else 'E'}{last_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.freeze_panes = "A5"


def _write_guide(ws: Worksheet, plan: Plan) -> None:
    settings = plan.settings or {}
    lines: list[tuple[str, Font | None]] = [
        ("HƯỚNG DẪN ĐIỀN PHIẾU", _TITLE),
        (plan.title, _BOLD),
        (" · ".join(x for x in (plan.issuer, plan.document) if x), None),
        ("", None),
        ("Đơn vị: {{ten_don_vi}} (mã {{ma_don_vi}}) — {{nhom_nhan}}, {{cap_nhan}}", _BOLD),
        ("", None),
        ("1. Cách điền", _BOLD),
        (f"• Mở trang «{SHEET_INPUT}», nhập số liệu vào các ô màu vàng ở cột «Số liệu của đơn vị»; "
         "các ô khác đã khóa để tránh sửa nhầm.", None),
        ("• Số nhập bình thường (1234 hoặc 1.234); tỷ lệ phần trăm nhập số từ 0 đến 100 (85 nghĩa là 85 %).", None),
        ("• Ô có/không và ô lựa chọn: bấm vào ô rồi chọn trong danh sách thả xuống.", None),
        ("• Không đổi tên tệp, không đổi tên hay xóa trang tính, không chép đè ô công thức: "
         "tệp trả về được nhận diện và kiểm tra tự động.", None),
        ("• Kết quả tự chấm hiện ngay ở phần II khi nhập số liệu (để đơn vị tự kiểm tra).", None),
        ("", None),
        ("2. Thời hạn và nơi gửi", _BOLD),
        (f"• Hạn gửi: {settings.get('han_nop') or '…………… (theo thông báo của cơ quan thường trực)'}", None),
        (f"• Nơi nhận: {settings.get('noi_nhan') or '…………… (Phòng Nội vụ)'}", None),
        ("• Gửi lại chính tệp này (định dạng .xlsx) sau khi điền.", None),
        ("", None),
        ("3. Cách tính điểm" if not plan.is_checklist else "3. Chỉ tiêu và mục tiêu", _BOLD),
    ]
    if plan.is_checklist:
        for ind in plan.indicators:
            lines.append((f"• Tiêu chí {ind.id}: {ind.label}", None))
    else:
        for item in plan.items:
            lines.append((f"• {item.id}. {item.label} — tối đa {format_number(item.max) if item.max else '—'} "
                          f"điểm: {item.rule.full_description()}", None))
        lines.append((f"• Tổng điểm: {ex.to_text(plan.total) if plan.total else 'tổng các tiêu chí + điểm thưởng − điểm trừ'}",
                      None))
    if plan.gates:
        lines.append(("", None))
        lines.append(("4. Điều kiện xét", _BOLD))
        for gate in plan.gates:
            scope = f" (nhóm: {', '.join(plan.group(g).label for g in gate.groups)})" if gate.groups else ""
            lines.append((f"• {ex.to_text(gate.condition)}{scope} — nếu không đạt: "
                          f"{gate.reason.replace('{', '').replace('}', '')}", None))
    if plan.prize_sets:
        lines.append(("", None))
        lines.append(("5. Cơ cấu giải thưởng", _BOLD))
        for ps in plan.prize_sets:
            prizes = "; ".join(
                f"{p.label}" + (f" {format_money(p.amount)}" if p.amount else "")
                + (f" × {p.count}" if p.count and p.count > 1 else "")
                + (f" (điều kiện: {p.condition_text})" if p.condition_text else "")
                for p in ps.prizes)
            lines.append((f"• {plan.group(ps.group).label}: {prizes}", None))
    lines.append(("", None))
    lines.append(("Mã chỉ tiêu (tên ô trong tệp) → nội dung", _BOLD))
    for inp in plan.inputs:
        lines.append((f"• {inp.code}: {inp.label}", None))
    for value in plan.values:
        lines.append((f"• {value.code}: {value.label}", None))
    for r, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
        if len(text) > 110:
            ws.row_dimensions[r].height = 15 * min(len(text) // 110 + 1, 10)
    ws.column_dimensions["A"].width = 120
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:A{len(lines)}"


def structure_fingerprint(wb: Workbook, plan: Plan) -> str:
    """A hash of what must not change: sheets, formulas, named cells, validated cells."""
    digest = hashlib.sha256()
    digest.update(f"{plan.id}|{plan.version}".encode())
    for ws in wb.worksheets:
        if ws.title == SHEET_META:
            continue
        digest.update(f"#{ws.title}".encode())
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    digest.update(f"{cell.coordinate}{cell.value}".encode())
    for name in sorted(wb.defined_names):
        digest.update(f"@{name}={wb.defined_names[name].attr_text}".encode())
    return digest.hexdigest()[:32]


def _write_meta(wb: Workbook, ws: Worksheet, plan: Plan, layout: TemplateLayout,
                fingerprint: str) -> None:
    rows = [
        ("loai", KIND_TEMPLATE), ("ke_hoach", plan.id), ("phien_ban", plan.version),
        ("ma_don_vi", "{{ma_don_vi}}"), ("ten_don_vi", "{{ten_don_vi}}"),
        ("nhom", "{{nhom}}"), ("cap", "{{cap}}"), ("thoi_gian_tao", "{{thoi_gian_tao}}"),
        ("dau_van_tay", fingerprint), ("phien_ban_thidua", thidua.__version__),
        ("trang_nhap_lieu", SHEET_INPUT),
        ("bo_cuc", json.dumps(layout.__dict__, ensure_ascii=False, sort_keys=True)),
        ("tep_ke_hoach", Path(plan.source).name if plan.source else plan.id),
        ("dau_van_tay_ke_hoach", plan.fingerprint),
    ]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=value)
    level_row = [k for k, _ in rows].index("cap") + 1
    group_row = [k for k, _ in rows].index("nhom") + 1
    _name(wb, LEVEL_NAME, SHEET_META, f"B{level_row}")
    _name(wb, GROUP_NAME, SHEET_META, f"B{group_row}")
    ws.protection.sheet = True
