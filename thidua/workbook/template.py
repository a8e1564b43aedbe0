"""The unit template: one well-built workbook per plan, with placeholders.

``build_template(plan)`` makes the workbook a unit fills in: a «Hướng dẫn»
sheet, the input sheet «Nhập liệu», a hidden «Danh mục» sheet with the
drop-down lists, and a very hidden metadata sheet a returned file is
recognised by (names in ``thidua.workbook.contract``).

On «Nhập liệu», every input has a yellow cell (a workbook-level defined name
equal to its code, validated, unlocked), a «Kiểm tra» cell that says, while
the unit types, when the value cannot be scored or breaks one of the plan's
consistency checks, and an unlocked «Ghi chú» cell. Hidden helper cells read
each input exactly as the office's tools will (``thidua.codecs``), and the
unit's own score is the plan's program (``thidua.program``) printed as
formulas over them: the self-score a unit sees is the score the office
computes from the same file. Office-only cells (appraisals, a special unit's
hand-entered total) are locked and say so.

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

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

import thidua
from thidua import expr as ex
from thidua.codecs import codec
from thidua.plan.model import APPLICABLE_CODE, LEVELS, MET_CODE, ROLES, TOTAL_CODE, Plan
from thidua.program.compile import (CLASS_CODE, ELIGIBLE_CODE, MET, STATUS_TEXTS, Cell, Program,
                                    compile_plan, last_target_year, run)
from thidua.program.excel import Placement, Printer, formula_values, shown_values
from thidua.result import STATUS_MET, STATUS_NO_DATA, STATUS_NOT_MET
from thidua.text import format_money, format_number
from thidua.workbook import contract as c
from thidua.workbook.cached import Book
from thidua.workbook.paper import print_setup, row_height, text_lines
from thidua.program.describe import (condition_text, gate_text, rule_text, total_text,
                                     unit_hint)

# names kept for the modules that import them from here
SHEET_GUIDE, SHEET_INPUT, SHEET_LISTS, SHEET_META = (c.TEMPLATE_GUIDE, c.TEMPLATE_INPUT,
                                                     c.TEMPLATE_LISTS, c.META_SHEET)
KIND_TEMPLATE, YEAR_NAME, LEVEL_NAME, GROUP_NAME = (c.KIND_TEMPLATE, c.YEAR_NAME, c.LEVEL_NAME,
                                                    c.GROUP_NAME)
PLACEHOLDERS = {  # placeholder -> metadata key it is stamped from
    "{{ma_don_vi}}": "ma_don_vi", "{{ten_don_vi}}": "ten_don_vi",
    "{{nhom}}": "nhom", "{{nhom_nhan}}": "nhom_nhan",
    "{{cap}}": "cap", "{{cap_nhan}}": "cap_nhan", "{{thoi_gian_tao}}": "thoi_gian_tao",
}
POINTS = "#,##0.00"
NUMBER = "General"  # figures: decimals only when present (``#,##0.##`` ends 1.234, in Excel)

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "Times New Roman"
_BOLD = Font(name=_FONT, bold=True)
_PLAIN = Font(name=_FONT)
_TITLE = Font(name=_FONT, bold=True, size=14)
_WARN = Font(name=_FONT, color="C00000", italic=True)
_HEAD_FILL = PatternFill("solid", start_color="D9E1F2")
_INPUT_FILL = PatternFill("solid", start_color="FFF2CC")
_LOCKED_FILL = PatternFill("solid", start_color="F2F2F2")
_TOTAL_FILL = PatternFill("solid", start_color="E2EFDA")
_BAD_FILL = PatternFill("solid", start_color="FFC7CE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_UNLOCKED = Protection(locked=False)
STATUS_FILLS = {STATUS_MET: "C6EFCE", STATUS_NOT_MET: "FFC7CE", STATUS_NO_DATA: "D9D9D9"}


@dataclass
class TemplateLayout:
    """Where things are on the input sheet (also stored in the metadata)."""

    input_cells: dict[str, str] = field(default_factory=dict)  # code -> "D12"
    appraisal_cells: dict[str, str] = field(default_factory=dict)
    read_cells: dict[str, str] = field(default_factory=dict)  # code (or appraisal) -> hidden read
    check_cells: dict[str, str] = field(default_factory=dict)  # code -> «Kiểm tra» cell
    note_cells: dict[str, str] = field(default_factory=dict)  # code -> «Ghi chú» cell
    computed_cells: dict[str, str] = field(default_factory=dict)  # value/item/total -> cell
    self_cells: dict[str, str] = field(default_factory=dict)  # self-scored: own-figure points
    status_cells: dict[str, str] = field(default_factory=dict)  # checklist: code/part -> cell
    value_cells: dict[str, str] = field(default_factory=dict)
    target_cells: dict[str, str] = field(default_factory=dict)
    eligible_cell: str = ""
    class_cell: str = ""
    year_cell: str = ""
    office_only: list[str] = field(default_factory=list)  # input codes the unit must not type


@dataclass(frozen=True)
class _Columns:
    """Letters of the input sheet's columns (they differ for self-scored plans)."""

    own: str = "D"
    appraisal: str = ""
    check: str = "E"
    note: str = "F"
    read_own: str = "H"
    read_appraisal: str = ""
    read: str = "H"  # the value scored (own, or appraisal when there is one)
    last: str = "F"  # last printed column


def _columns(plan: Plan) -> _Columns:
    if plan.self_scored:
        return _Columns("D", "E", "F", "G", "I", "J", "K", "G")
    return _Columns()


def _abs(cell: str) -> str:
    col = "".join(ch for ch in cell if ch.isalpha())
    row = "".join(ch for ch in cell if ch.isdigit())
    return f"${col}${row}"


def _name(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!{_abs(cell)}")


def _put(ws: Worksheet, ref: str, value, *, bold=False, fill=None, fmt=None, wrap=False,
         border=True, locked=True, font=None):
    cell = ws[ref]
    cell.value = value
    cell.font = font or (_BOLD if bold else _PLAIN)
    if fill is not None:
        cell.fill = fill
    if fmt:
        cell.number_format = fmt
    cell.alignment = _WRAP if wrap else Alignment(vertical="top")
    if border:
        cell.border = _BORDER
    if not locked:
        cell.protection = _UNLOCKED
    return cell


class _Placement(Placement):
    """The template's names: inputs read by hidden cells, results by defined names."""

    level, group, year = c.LEVEL_NAME, c.GROUP_NAME, c.YEAR_NAME

    def __init__(self, program: Program, reads: dict[str, str], cells: dict[str, str]):
        super().__init__(program)
        self.reads = reads
        self.cells = cells

    def input_ref(self, code: str) -> str:
        return self.reads[code]

    def cell_ref(self, code: str) -> str:
        return self.cells[code]


def build_template(plan: Plan, year: int | None = None) -> tuple[Workbook, TemplateLayout]:
    """The unit template of ``plan`` with placeholders for the unit's details."""
    program = compile_plan(plan)
    wb = Book()
    vals = _Values(plan, program)
    guide = wb.active
    guide.title = SHEET_GUIDE
    ws = wb.create_sheet(SHEET_INPUT)
    lists = wb.create_sheet(SHEET_LISTS)
    meta = wb.create_sheet(SHEET_META)
    layout = TemplateLayout()
    cols = _columns(plan)

    _write_lists(wb, lists, plan)
    row = _write_header(ws, plan, cols)
    if plan.is_checklist:
        layout.year_cell = f"C{row}"
        _put(ws, f"A{row}", "Năm áp dụng chỉ tiêu:", bold=True, border=False)
        ws.merge_cells(f"A{row}:B{row}")
        years = plan.years or (plan.last_year(), plan.last_year())
        _put(ws, layout.year_cell, year or plan.last_year(), fill=_INPUT_FILL, locked=False)
        dv = DataValidation(type="whole", operator="between", formula1=str(years[0]),
                            formula2=str(max(years[1], last_target_year(plan) or years[1])),
                            allow_blank=False)
        dv.error, dv.errorTitle = "Nhập năm trong thời gian của kế hoạch.", "Năm không hợp lệ"
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(layout.year_cell)
        _name(wb, YEAR_NAME, SHEET_INPUT, layout.year_cell)
        row += 2
    row = _write_inputs(wb, ws, plan, row, layout, cols, vals)
    names = {cell.code: cell.code for cell in program.cells if _is_name(cell.code)}
    placement = _Placement(program, {code: _abs(layout.read_cells[code])
                                     for code in layout.input_cells}, names)
    printer = Printer(placement)
    _write_checks(ws, plan, program, printer, layout, cols, vals)
    _check_validations(ws, plan, program, layout)
    if plan.is_checklist:
        row = _write_checklist(wb, ws, plan, program, printer, placement, row + 1, layout, cols,
                               vals)
    else:
        own = None
        if plan.self_scored:  # the unit's own figures only: the self-score
            own = Printer(_Placement(program, {code: _abs(_own_read(layout, cols, code))
                                               for code in layout.input_cells},
                                     {code: c.self_name(code) for code in names}))
        row = _write_points(wb, ws, plan, program, printer, own, row + 1, layout, cols, vals)
    _finish_input_sheet(ws, plan, row, cols)
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
    wb.compute(lambda book, facts: vals.values(book, facts, layout, cols))
    return wb, layout


class _Values:
    """How the value of each formula cell of «Nhập liệu» is computed when the book is saved.

    Writers record, beside each formula, a function of :class:`_State` (the figures as
    the sheet holds them, scored by the program for the unit's level and group).
    """

    def __init__(self, plan: Plan, program: Program):
        self.plan, self.program = plan, program
        self.cells: list[tuple[str, Callable[["_State"], Any]]] = []

    def add(self, ref: str, fn: Callable[["_State"], Any]) -> None:
        self.cells.append((ref, fn))

    def shown(self, ref: str, cell: Cell, own: bool = False) -> None:
        self.add(ref, lambda s: (s.own if own else s.scored).shown(cell))

    def values(self, book: Workbook, facts: dict, layout: "TemplateLayout",
               cols: "_Columns") -> dict[str, dict[str, Any]]:
        state = _State(self, book, facts, layout, cols)
        out = {}
        for ref, fn in self.cells:
            value = fn(state)
            out[ref] = "" if isinstance(value, float) and math.isnan(value) else value
        return {SHEET_INPUT: out}


class _Run:
    """The program run on one unit's figures."""

    def __init__(self, program: Program, figures: dict[str, float], level, group, year):
        self.scope = run(program, {k: np.array([v]) for k, v in figures.items()},
                         [level], [group], year)

    def shown(self, cell: Cell):
        return shown_values(cell, self.scope.values[cell.code])[0]

    def formula(self, node: ex.Node):
        return formula_values(self.scope(node))[0]


class _State:
    """The sheet as it is when saved: each figure read as the hidden cells read it, the
    program run on the figures scored (appraised, else the unit's own) and on the unit's own."""

    def __init__(self, vals: _Values, book: Workbook, facts: dict, layout: "TemplateLayout",
                 cols: "_Columns"):
        plan, program = vals.plan, vals.program
        ws, meta = book[SHEET_INPUT], book[SHEET_META]
        keys = {meta.cell(row=r, column=1).value: meta.cell(row=r, column=2).value
                for r in range(1, meta.max_row + 1)}
        level = facts.get("level", keys.get(c.LEVEL))
        group = facts.get("group", keys.get(c.GROUP))
        year = ws[layout.year_cell].value if layout.year_cell else None
        year = int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None
        self.raw: dict[str, Any] = {}
        self.own_read: dict[str, float] = {}
        self.appraisal_read: dict[str, float] = {}
        self.scored_read: dict[str, float] = {}
        for inp in plan.inputs:
            cdc, cell = codec(inp), ws[layout.input_cells[inp.code]]
            self.raw[inp.code] = cell.value
            own = cdc.excel_value(cell.value, number_format=cell.number_format, percent_aware=True)
            self.own_read[inp.code] = self.scored_read[inp.code] = own
            if inp.code in layout.appraisal_cells:
                appr = ws[layout.appraisal_cells[inp.code]]
                read = cdc.excel_value(appr.value, number_format=appr.number_format,
                                       percent_aware=True, appraisal=True)
                self.appraisal_read[inp.code] = read
                self.scored_read[inp.code] = own if math.isnan(read) else read
        self.scored = _Run(program, self.scored_read, level, group, year)
        self.own = _Run(program, self.own_read, level, group, year) if plan.self_scored \
            else self.scored


def _own_read(layout: TemplateLayout, cols: _Columns, code: str) -> str:
    """The hidden cell reading the unit's own figure of an input."""
    row = "".join(ch for ch in layout.input_cells[code] if ch.isdigit())
    return f"{cols.read_own}{row}"


def _is_name(code: str) -> bool:
    return ":" not in code


def _write_lists(wb: Workbook, ws: Worksheet, plan: Plan) -> None:
    ws["A1"], ws["A2"] = "Có", "Không"
    _name_range(wb, c.YESNO_LIST, SHEET_LISTS, "A", 1, 2)
    col = 2
    for inp in plan.inputs:
        if inp.type != "choice":
            continue
        letter = get_column_letter(col)
        for i, choice in enumerate(inp.choices, start=1):
            ws[f"{letter}{i}"] = choice.label
        _name_range(wb, c.choice_list_name(inp.code), SHEET_LISTS, letter, 1, len(inp.choices))
        col += 1


def _name_range(wb: Workbook, name: str, sheet: str, col: str, first: int, last: int) -> None:
    wb.defined_names[name] = DefinedName(
        name, attr_text=f"{quote_sheetname(sheet)}!${col}${first}:${col}${last}")


def _write_header(ws: Worksheet, plan: Plan, cols: _Columns) -> int:
    _put(ws, "A1", "PHIẾU SỐ LIỆU THI ĐUA" if not plan.is_checklist else "PHIẾU BÁO CÁO CHỈ TIÊU",
         font=_TITLE, border=False)
    ws.row_dimensions[1].height = row_height(1, 14)  # accents above capitals need the room
    _put(ws, "A2", plan.title, bold=True, wrap=True, border=False)
    ws.merge_cells(f"A2:{cols.last}2")
    if plan.issuer or plan.document:
        _put(ws, "A3", ", ".join(x for x in (plan.issuer, plan.document) if x),
             font=Font(name=_FONT, italic=True, size=10), border=False)
    rows = [("Đơn vị:", "{{ten_don_vi}}"), ("Mã đơn vị:", "{{ma_don_vi}}"),
            ("Nhóm:", "{{nhom_nhan}}"), ("Cấp:", "{{cap_nhan}}")]
    for i, (label, value) in enumerate(rows, start=5):
        _put(ws, f"A{i}", label, bold=True, border=False)
        cell = _put(ws, f"B{i}", value, bold=(i == 5), fill=_LOCKED_FILL)
        ws.merge_cells(f"B{i}:D{i}")
        cell.alignment = Alignment(vertical="center")
    return 10


def _validation(inp, cdc) -> DataValidation:
    spec = cdc.validation()
    error = spec.pop("error")
    if spec["type"] == "list":
        spec["formula1"] = (c.YESNO_LIST if inp.type == "yesno"
                            else c.choice_list_name(inp.code))  # as Excel writes it: no «=»
    dv = DataValidation(**spec)
    dv.error = error
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.promptTitle = "Nhập số liệu"
    dv.prompt = inp.label[:250]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _write_inputs(wb: Workbook, ws: Worksheet, plan: Plan, row: int, layout: TemplateLayout,
                  cols: _Columns, vals: _Values) -> int:
    _put(ws, f"A{row}", "I. SỐ LIỆU ĐƠN VỊ NHẬP (ô nền vàng)", bold=True, border=False)
    row += 1
    heads = [("A", "STT"), ("B", "Chỉ tiêu"), ("C", "Đơn vị tính, cách nhập"),
             (cols.own, "Số liệu của đơn vị")]
    if cols.appraisal:
        heads.append((cols.appraisal, "Thẩm định (cơ quan thẩm định ghi, đơn vị để trống)"))
    heads += [(cols.check, "Kiểm tra (tự hiện khi số liệu chưa hợp lệ)"), (cols.note, "Ghi chú")]
    for col, head in heads:
        cell = _put(ws, f"{col}{row}", head, bold=True, fill=_HEAD_FILL)
        cell.alignment = _CENTER
    row += 1
    validations: dict[str, DataValidation] = {}
    for i, inp in enumerate(plan.inputs, start=1):
        cdc = codec(inp)
        _put(ws, f"A{row}", i)
        _put(ws, f"B{row}", inp.label, wrap=True)
        _put(ws, f"C{row}", unit_hint(inp), wrap=True)
        own = f"{cols.own}{row}"
        layout.input_cells[inp.code] = own
        _name(wb, inp.code, SHEET_INPUT, own)
        office = inp.office_only
        if office:
            layout.office_only.append(inp.code)
        _put(ws, own, None, fill=_LOCKED_FILL if office else _INPUT_FILL, fmt=cdc.number_format,
             locked=office)
        key = f"{inp.type}|{inp.min}|{inp.max}|{inp.code if inp.type == 'choice' else ''}"
        if key not in validations:
            validations[key] = _validation(inp, cdc)
            ws.add_data_validation(validations[key])
        if not _checked(plan, inp):  # a figure a check reads gets its own validation (below)
            validations[key].add(own)
        read_own = f"{cols.read_own}{row}"
        _put(ws, read_own, f"={cdc.excel_read(_abs(own), percent_aware=True)}", border=False)
        vals.add(read_own, lambda s, code=inp.code: s.own_read[code])
        layout.read_cells[inp.code] = read_own
        read = read_own
        if cols.appraisal:
            appraisal = f"{cols.appraisal}{row}"
            _put(ws, appraisal, None, fill=_LOCKED_FILL, fmt=cdc.number_format)
            layout.appraisal_cells[inp.code] = appraisal
            _name(wb, c.appraisal_name(inp.code), SHEET_INPUT, appraisal)
            validations[key].add(appraisal)
            read_appr = f"{cols.read_appraisal}{row}"
            _put(ws, read_appr, f"={cdc.excel_read(_abs(appraisal), percent_aware=True, appraisal=True)}",
                 border=False)
            vals.add(read_appr, lambda s, code=inp.code: s.appraisal_read[code])
            layout.read_cells[c.appraisal_name(inp.code)] = read_appr
            read = f"{cols.read}{row}"
            _put(ws, read, f'=IF(ISNUMBER({_abs(read_appr)}),{_abs(read_appr)},{_abs(read_own)})',
                 border=False)
            vals.add(read, lambda s, code=inp.code: s.scored_read[code])
        # the value scored: the appraisal when there is one (office), else the unit's own
        layout.read_cells[inp.code] = read
        check = f"{cols.check}{row}"
        layout.check_cells[inp.code] = check
        note = f"{cols.note}{row}"
        layout.note_cells[inp.code] = note
        _put(ws, note, None, wrap=True, locked=False)
        if office:
            _put(ws, check, "Do cơ quan thẩm định nhập; đơn vị để trống", wrap=True,
                 font=Font(name=_FONT, italic=True, color="595959"))
        row += 1
    return row


def _checked(plan: Plan, inp) -> bool:
    """A figure one of the plan's consistency checks reads, typed as a number."""
    return codec(inp).is_number and any(inp.code in check.inputs for check in plan.checks)


class _TypedPlacement(_Placement):
    """Inputs as typed in their cells (data validation sees the value being typed, not the
    hidden reads computed from it)."""

    def input_ref(self, code: str) -> str:
        return self.reads[code]


def _check_validations(ws: Worksheet, plan: Plan, program: Program,
                       layout: TemplateLayout) -> None:
    """Excel's own data validation for a figure a consistency check reads: the number as
    its type wants it and every check it takes part in (a check with a blank figure holds).
    A warning, not a stop: the unit may type the figures in any order."""
    typed = {inp.code: _abs(layout.input_cells[inp.code]) for inp in plan.inputs
             if codec(inp).is_number}
    printer = Printer(_TypedPlacement(program, typed, {}))
    checks = program.of_kind("check")
    for inp in plan.inputs:
        if not _checked(plan, inp) or inp.office_only:
            continue
        cdc = codec(inp)
        mine = [cell for cell in checks if inp.code in cell.source.inputs
                and all(code in typed for code in cell.source.inputs)]
        rules = [cdc.excel_valid(typed[inp.code])]
        rules += [f"NOT({printer.value(ex.falsy(cell.node))})" for cell in mine]
        own = layout.input_cells[inp.code]
        dv = DataValidation(type="custom", formula1=f"AND({','.join(rules)})", allow_blank=True)
        dv.errorStyle = "warning"
        dv.errorTitle = "Số liệu chưa hợp lệ"
        dv.error = (cdc.validation()["error"] + " " + " ".join(
            f"{cell.source.message}?" for cell in mine) + " Bấm «Có» để giữ số đã nhập và sửa "
            "số liệu liên quan; cột «Kiểm tra» ghi rõ vấn đề.")[:255]
        dv.promptTitle = "Nhập số liệu"
        dv.prompt = inp.label[:250]
        dv.showErrorMessage = dv.showInputMessage = True
        ws.add_data_validation(dv)
        dv.add(own)


def _write_checks(ws: Worksheet, plan: Plan, program: Program, printer: Printer,
                  layout: TemplateLayout, cols: _Columns, vals: _Values) -> None:
    """The «Kiểm tra» cell of each input: the value cannot be scored, or breaks a check."""
    messages: dict[str, list[tuple[str, Callable[[_State], str]]]] = {
        code: [] for code in layout.input_cells}
    for cell in program.of_kind("check"):
        failing = ex.falsy(cell.node)
        fails = printer.value(failing)
        text = "⚠ " + cell.source.message
        for code in cell.source.inputs:
            if code in messages:
                messages[code].append((
                    f"IF({fails},{c_quote(text)},\"\")",
                    lambda s, failing=failing, text=text: text if s.scored.formula(failing) else ""))
    for inp in plan.inputs:
        if inp.office_only:
            continue
        code, cdc = inp.code, codec(inp)
        own, read_own = layout.input_cells[code], _own_read(layout, cols, code)
        parts = [(cdc.excel_problem(_abs(own), _abs(read_own)),
                  lambda s, code=code, cdc=cdc: cdc.problem_value(s.raw[code], s.own_read[code]))]
        parts += messages[code]
        formula, used = parts[0][0], [parts[0][1]]
        for part, fn in parts[1:]:  # the first problem found is shown
            if len(formula) < 3000:
                formula = f'IF({formula}<>"",{formula},{part})'
                used.append(fn)
        _put(ws, layout.check_cells[code], f"={formula}", wrap=True, font=_WARN)
        vals.add(layout.check_cells[code],
                 lambda s, used=used: next((t for t in (fn(s) for fn in used) if t), ""))
    # an input cell with a problem is filled red while the problem lasts
    for code, check in layout.check_cells.items():
        if code in layout.office_only:
            continue
        ws.conditional_formatting.add(layout.input_cells[code], FormulaRule(
            formula=[f'LEFT({_abs(check)},1)="⚠"'], fill=_BAD_FILL))


def c_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _explain_span(ws: Worksheet, row: int, cols: _Columns, text: str) -> None:
    first = cols.check
    _put(ws, f"{first}{row}", text, wrap=True)
    _put(ws, f"{cols.note}{row}", None)
    ws.merge_cells(f"{first}{row}:{cols.note}{row}")


def _write_points(wb, ws, plan: Plan, program: Program, printer: Printer, own: Printer | None,
                  row: int, layout: TemplateLayout, cols: _Columns, vals: _Values) -> int:
    _put(ws, f"A{row}", "II. KẾT QUẢ TỰ CHẤM (công thức tự tính khi nhập số liệu, không cần nhập)",
         bold=True, border=False)
    row += 1
    main = cols.appraisal or cols.own
    heads = [("A", "Mục"), ("B", "Nội dung"), ("C", "Điểm tối đa"),
             (cols.own, "Điểm tự chấm" if own else "Điểm")]
    if own:
        heads.append((cols.appraisal, "Điểm sau thẩm định"))
    heads.append((cols.check, "Cách tính"))
    for col, head in heads:
        cell = _put(ws, f"{col}{row}", head, bold=True, fill=_HEAD_FILL)
        cell.alignment = _CENTER
    _put(ws, f"{cols.note}{row}", None, fill=_HEAD_FILL)
    ws.merge_cells(f"{cols.check}{row}:{cols.note}{row}")
    row += 1

    def put(cell, fmt: str, bold: bool = False) -> None:
        fill = _TOTAL_FILL if bold else None
        _put(ws, f"{main}{row}", printer.cell_formula(cell), fmt=fmt, bold=bold, fill=fill)
        vals.shown(f"{main}{row}", cell)
        layout.computed_cells[cell.code] = f"{main}{row}"
        if _is_name(cell.code):
            _name(wb, cell.code, SHEET_INPUT, f"{main}{row}")
        if own is not None:
            _put(ws, f"{cols.own}{row}", own.cell_formula(cell), fmt=fmt, bold=bold, fill=fill)
            vals.shown(f"{cols.own}{row}", cell, own=True)
            layout.self_cells[cell.code] = f"{cols.own}{row}"
            _name(wb, c.self_name(cell.code), SHEET_INPUT, f"{cols.own}{row}")

    for cell in program.of_kind("value"):
        value = cell.source
        _put(ws, f"A{row}", "")
        _put(ws, f"B{row}", value.label + (f" ({value.unit})" if value.unit else ""), wrap=True)
        _put(ws, f"C{row}", "")
        put(cell, POINTS)
        _explain_span(ws, row, cols, rule_text(plan, value.rule))
        row += 1
    for cell in program.of_kind("item"):
        item = cell.source
        _put(ws, f"A{row}", item.id)
        role = "" if item.role == "score" else f" [{ROLES[item.role]}]"
        levels = ("" if item.levels is None else
                  " (chỉ áp dụng: " + ", ".join(LEVELS[lv].lower() for lv in item.levels) + ")")
        _put(ws, f"B{row}", item.label + role + levels, wrap=True)
        _put(ws, f"C{row}", item.max, fmt=POINTS)
        put(cell, POINTS)
        _explain_span(ws, row, cols, rule_text(plan, item.rule, item.role))
        row += 1
    _put(ws, f"A{row}", "")
    _put(ws, f"B{row}", "TỔNG ĐIỂM", bold=True)
    _put(ws, f"C{row}", plan.total_max, fmt=POINTS)
    put(program.cell(TOTAL_CODE), POINTS, bold=True)
    _explain_span(ws, row, cols, total_text(plan))
    row += 1
    if plan.classification is not None:
        cls = program.cell(CLASS_CODE)
        _put(ws, f"B{row}", plan.classification.label, bold=True)
        _put(ws, f"C{row}", "")
        _put(ws, f"{main}{row}", printer.cell_formula(cls), bold=True)
        vals.shown(f"{main}{row}", cls)
        if own is not None:
            _put(ws, f"{cols.own}{row}", own.cell_formula(cls), bold=True)
            vals.shown(f"{cols.own}{row}", cls, own=True)
        layout.class_cell = f"{main}{row}"
        _explain_span(ws, row, cols, "; ".join(
            f"{b.label}: " + ("dưới " + format_number(b.hi) if b.lo is None else
                              f"từ {format_number(b.lo)}" + (f" đến dưới {format_number(b.hi)}"
                                                            if b.hi is not None else " trở lên"))
            for b in reversed(plan.classification.bands)))
        row += 1
    if plan.gates or plan.checks or plan.prize_sets:
        _put(ws, f"B{row}", "Đủ điều kiện xét khen thưởng", bold=True)
        _put(ws, f"C{row}", "")
        _put(ws, f"{main}{row}", printer.cell_formula(program.cell(ELIGIBLE_CODE)), bold=True)
        vals.shown(f"{main}{row}", program.cell(ELIGIBLE_CODE))
        if own is not None:
            _put(ws, f"{cols.own}{row}", "")
        layout.eligible_cell = f"{main}{row}"
        _explain_span(ws, row, cols, "; ".join(gate_text(plan, g) for g in plan.gates)
                      or "Có đủ số liệu và số liệu hợp lệ")
        row += 1
    return row


def _write_checklist(wb, ws, plan: Plan, program: Program, printer: Printer,
                     placement: _Placement, row: int, layout: TemplateLayout,
                     cols: _Columns, vals: _Values) -> int:
    _put(ws, f"A{row}", "II. ĐỐI CHIẾU VỚI CÁC TIÊU CHÍ (công thức tự tính khi nhập số liệu)",
         bold=True, border=False)
    row += 1
    heads = ["Tiêu chí", "Nội dung", "Giá trị", "Mục tiêu", "Chênh lệch", "Trạng thái"]
    for j, head in enumerate(heads, start=1):
        cell = _put(ws, f"{get_column_letter(j)}{row}", head, bold=True, fill=_HEAD_FILL)
        cell.alignment = _CENTER
    row += 1
    first = row
    # every checklist cell gets its address first (formulas refer to each other)
    rows: list[tuple[str, str, str, str]] = []  # (id, label, key, kind)
    for ind in plan.indicators:
        for part in ind.parts or [ind]:
            key = part.code
            shown = f"{ind.id}.{part.id}: {part.label}" if ind.parts else ind.label
            rows.append((ind.id, shown, key, "part"))
        if ind.parts:
            rows.append((ind.id, ind.label + " (đạt khi đạt cả các phần)", ind.code, "combined"))
    for k, (_, _, key, kind) in enumerate(rows):
        r = first + k
        if kind == "part":
            placement.cells[f"{key}:gia_tri"] = f"$C${r}"
            placement.cells[f"{key}:muc_tieu"] = f"$D${r}"
        placement.cells[f"{key}:trang_thai"] = f"$F${r}"
    for k, (ident, label, key, kind) in enumerate(rows):
        r = first + k
        combined = kind == "combined"
        _put(ws, f"A{r}", ident, bold=combined)
        _put(ws, f"B{r}", label, wrap=True, bold=combined)
        layout_key = key if combined or not _part_of(plan, key) else _part_key(plan, key)
        if kind == "part":
            for col, code in (("C", f"{key}:gia_tri"), ("D", f"{key}:muc_tieu"),
                              ("F", f"{key}:trang_thai")):
                cell = program.cell(code)
                _put(ws, f"{col}{r}", printer.cell_formula(cell),
                     fmt=NUMBER if col != "F" else None)
                vals.shown(f"{col}{r}", cell)
            status = program.cell(f"{key}:trang_thai")
            difference = ex.Bin("-", ex.Name(f"{key}:gia_tri"), ex.Name(f"{key}:muc_tieu"))
            gap_node = ex.If(ex.Cmp("==", ex.Name(status.code), ex.Num(MET)), difference,
                             ex.If(ex.Cmp("==", ex.Name(status.code), ex.Num(0.0)), difference,
                                   ex.Blank()))
            _put(ws, f"E{r}", printer.formula(gap_node), fmt=NUMBER)
            vals.add(f"E{r}", lambda s, node=gap_node: s.scored.formula(node))
            layout.value_cells[layout_key] = f"C{r}"
            layout.target_cells[layout_key] = f"D{r}"
            layout.status_cells[layout_key] = f"F{r}"
        else:
            for col in "CDE":
                _put(ws, f"{col}{r}", "")
            _put(ws, f"F{r}", printer.cell_formula(program.cell(f"{key}:trang_thai")), bold=True)
            vals.shown(f"F{r}", program.cell(f"{key}:trang_thai"))
            layout.status_cells[key] = f"F{r}"
    row = first + len(rows)
    rng = f"F{first}:F{row - 1}"
    for status, color in STATUS_FILLS.items():
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[c_quote(status)],
                                                      fill=PatternFill("solid", start_color=color)))
    _put(ws, f"B{row}", "SỐ TIÊU CHÍ ĐẠT", bold=True)
    _put(ws, f"F{row}", printer.cell_formula(program.cell(MET_CODE)), bold=True, fill=_TOTAL_FILL)
    vals.shown(f"F{row}", program.cell(MET_CODE))
    layout.computed_cells[MET_CODE] = f"F{row}"
    _name(wb, MET_CODE, SHEET_INPUT, f"F{row}")
    row += 1
    _put(ws, f"B{row}", "Số tiêu chí áp dụng (trừ «không áp dụng»)", bold=True)
    _put(ws, f"F{row}", printer.cell_formula(program.cell(APPLICABLE_CODE)), bold=True)
    vals.shown(f"F{row}", program.cell(APPLICABLE_CODE))
    layout.computed_cells[APPLICABLE_CODE] = f"F{row}"
    _name(wb, APPLICABLE_CODE, SHEET_INPUT, f"F{row}")
    return row + 1


def _part_of(plan: Plan, code: str):
    for ind in plan.indicators:
        for part in ind.parts:
            if part.code == code:
                return ind
    return None


def _part_key(plan: Plan, code: str) -> str:
    """Layout key of a part: «<criterion code>.<part id>»."""
    ind = _part_of(plan, code)
    part = next(p for p in ind.parts if p.code == code)
    return f"{ind.code}.{part.id}"


def _finish_input_sheet(ws: Worksheet, plan: Plan, last_row: int, cols: _Columns) -> None:
    widths = {"A": 11, "B": 48, "C": 16, cols.own: 15}
    if cols.appraisal:
        widths[cols.appraisal] = 15
    widths[cols.check] = 30
    widths[cols.note] = 24
    if plan.is_checklist:
        widths.update({"C": 14, "D": 14, "E": 30, "F": 24})
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for col in (cols.read_own, cols.read_appraisal, cols.read):
        if col:
            ws.column_dimensions[col].hidden = True
    # Spreadsheets do not grow the rows of a file they open: estimate the height
    # of wrapped text.
    total = sum(widths.values())
    ws.row_dimensions[2].height = row_height(text_lines(plan.title, total))
    for r in range(11, last_row + 1):
        lines = 1
        for col, width in widths.items():
            if col == "A":  # section titles in A run over the empty cells beside them
                continue
            value = ws[f"{col}{r}"].value
            span = width
            if col == cols.check and ws[f"{cols.note}{r}"].value is None and isinstance(value, str) \
                    and not value.startswith("="):
                span = width + widths[cols.note]  # explanations span both columns
            if isinstance(value, str) and not value.startswith("=") and "{{" not in value:
                lines = max(lines, text_lines(value, span))
        if lines > 1:
            ws.row_dimensions[r].height = row_height(min(lines, 15))
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    print_setup(ws, last_col=column_index_from_string(cols.last), last_row=last_row)
    ws.print_options.horizontalCentered = True
    ws.freeze_panes = "A10"


GUIDE_WIDTH = 88  # characters: A4 portrait inside 0.6-inch margins at 100 %


def _write_guide(ws: Worksheet, plan: Plan) -> None:
    settings = plan.settings or {}
    deadline = settings.get("han_nop")
    receiver = settings.get("noi_nhan")
    contact = settings.get("lien_he")
    lines: list[tuple[str, Font | None]] = [
        ("HƯỚNG DẪN ĐIỀN PHIẾU", _TITLE),
        (plan.title, _BOLD),
        (", ".join(x for x in (plan.issuer, plan.document) if x), None),
        ("", None),
        ("Đơn vị: {{ten_don_vi}} (mã {{ma_don_vi}}, {{cap_nhan}}); nhóm xếp hạng: {{nhom_nhan}}",
         _BOLD),
        ("", None),
        ("1. Cách điền", _BOLD),
        (f"• Mở trang «{SHEET_INPUT}», nhập số liệu vào các ô nền vàng ở cột «Số liệu của đơn vị»; "
         "các ô khác đã khóa để tránh sửa nhầm. Cột «Ghi chú» để đơn vị ghi thêm nếu cần.", None),
        ("• Số nhập bình thường (1234 hoặc 1.234); tỷ lệ phần trăm nhập số từ 0 đến 100 "
         "(85 nghĩa là 85%). Ô có/không và ô lựa chọn: bấm vào ô rồi chọn trong danh sách thả xuống.",
         None),
        (("• Ô để trống là «chưa có số liệu»: tiêu chí dùng số liệu đó hiện «chưa có số liệu» "
          "và không được tính là đạt. Số 0 thì nhập 0.") if plan.is_checklist else
         ("• Ô để trống là «chưa có số liệu»: tiêu chí đó chưa được tính điểm và tổng điểm hiện "
          "«Chưa đủ số liệu» cho tới khi nhập đủ. Số 0 thì nhập 0."), None),
        ("• Cột «Kiểm tra» tự hiện cảnh báo khi số liệu chưa hợp lệ (chữ thay vì số, ngoài khoảng "
         "cho phép, hoặc các số liệu mâu thuẫn nhau, ví dụ phần lớn hơn tổng): sửa lại cho tới khi "
         "hết cảnh báo; số liệu còn cảnh báo sẽ không được tính.", None),
    ]
    if plan.self_scored:
        lines.append(("• Cột «Thẩm định» do cơ quan thẩm định ghi; đơn vị để trống.", None))
    if any(inp.office_only for inp in plan.inputs):
        office = "; ".join(f"«{inp.label}»" for inp in plan.inputs if inp.office_only)
        lines.append((f"• Ô khóa, nền xám {office}: do cơ quan thẩm định nhập, đơn vị để trống. "
                      "Đơn vị có tiêu chí chấm bằng nhận xét (không theo thang điểm) được cơ quan "
                      "thẩm định chấm tổng điểm.", None))
    lines += [
        ("• Không đổi tên hay xóa trang tính, không chép đè ô công thức: tệp gửi về được nhận diện "
         "và kiểm tra tự động. " + ("Kết quả đối chiếu từng tiêu chí" if plan.is_checklist
                                    else "Kết quả tự chấm") +
         " hiện ngay ở phần II để đơn vị tự kiểm tra.", None),
        ("", None),
        ("2. Thời hạn và nơi gửi", _BOLD),
    ]
    if deadline:
        lines.append((f"• Hạn gửi: {deadline}.", None))
    if receiver:
        lines.append((f"• Nơi nhận: {receiver}.", None))
    lines.append(("• Gửi lại chính tệp này (định dạng .xlsx) sau khi điền, theo hướng dẫn của "
                  "cơ quan thường trực" + (", " + contact if contact else "") + ".", None))
    lines += [("", None),
              ("3. Cách tính điểm" if not plan.is_checklist else "3. Các tiêu chí và mức phải đạt",
               _BOLD)]
    if plan.is_checklist:
        for ind in plan.indicators:
            lines.append((f"• Tiêu chí {ind.id}: {ind.label}", None))
    else:
        for item in plan.items:
            top = f" (tối đa {format_number(item.max)} điểm)" if item.max and \
                "tối đa" not in item.label else ""
            lines.append((f"• {item.id}. {item.label}{top}: "
                          f"{rule_text(plan, item.rule, item.role)}.", None))
        lines.append((f"• Tổng điểm: {total_text(plan)}.", None))
    if plan.gates:
        lines += [("", None), ("4. Điều kiện xét khen thưởng", _BOLD)]
        for gate in plan.gates:
            lines.append((f"• {gate_text(plan, gate)}.", None))
    if plan.prize_sets:
        lines += [("", None), (f"{5 if plan.gates else 4}. Cơ cấu giải thưởng", _BOLD)]
        for ps in plan.prize_sets:
            prizes = "; ".join(_prize_words(plan, p) for p in ps.prizes)
            lines.append((f"• {plan.group(ps.group).label}: {prizes}.", None))
    for r, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = font or _PLAIN
        size = (font or _PLAIN).sz or 11
        lines_of = text_lines(text, GUIDE_WIDTH, size) if "{{" not in text else \
            text_lines(text.replace("{{", "").replace("}}", "") + " " * 40, GUIDE_WIDTH, size)
        if size > 11 or lines_of > 1:
            ws.row_dimensions[r].height = row_height(lines_of, size)
    # a page of prose: portrait, the column as wide as the page (nothing cut at the right)
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    ws.protection.sheet = True
    print_setup(ws, last_col=1, last_row=len(lines), portrait=True, margins=(0.6, 0.75))


def _prize_words(plan: Plan, prize) -> str:
    """«Giải Nhất 7.000.000 đ (điều kiện: …)», «Giải Khuyến khích: 02 giải, mỗi giải 2.000.000 đ»."""
    money = format_money(prize.amount) if prize.amount else ""
    if prize.count and prize.count > 1:
        text = f"{prize.label}: {prize.count:02d} giải" + (f", mỗi giải {money}" if money else "")
    else:
        text = prize.label + (f" {money}" if money else "")
    return text + (f" ({condition_text(plan, prize)})" if prize.condition is not None else "")


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
        (c.KIND, KIND_TEMPLATE), (c.PLAN, plan.id), (c.VERSION, plan.version),
        (c.UNIT_CODE, "{{ma_don_vi}}"), (c.UNIT_NAME, "{{ten_don_vi}}"),
        (c.GROUP, "{{nhom}}"), (c.LEVEL, "{{cap}}"), (c.MADE_AT, "{{thoi_gian_tao}}"),
        (c.FINGERPRINT, fingerprint), (c.TOOL_VERSION, thidua.__version__),
        (c.INPUT_SHEET_KEY, SHEET_INPUT),
        (c.LAYOUT, json.dumps(layout.__dict__, ensure_ascii=False, sort_keys=True)),
        (c.PLAN_FILE, Path(plan.source).name if plan.source else plan.id),
        (c.PLAN_FINGERPRINT, plan.fingerprint),
    ]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=value)
    level_row = [k for k, _ in rows].index(c.LEVEL) + 1
    group_row = [k for k, _ in rows].index(c.GROUP) + 1
    _name(wb, LEVEL_NAME, SHEET_META, f"B{level_row}")
    _name(wb, GROUP_NAME, SHEET_META, f"B{group_row}")
    ws.protection.sheet = True


__all__ = ["build_template", "TemplateLayout", "structure_fingerprint", "SHEET_GUIDE",
           "SHEET_INPUT", "SHEET_LISTS", "SHEET_META", "KIND_TEMPLATE", "PLACEHOLDERS",
           "YEAR_NAME", "LEVEL_NAME", "GROUP_NAME", "STATUS_TEXTS"]
