"""«Tổng hợp»: one row per unit — figures, the program's cells, the tool's columns."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from thidua import expr as ex
from thidua.codecs import codec, group_label, level_label, quote
from thidua.plan.model import (APPLICABLE_CODE, LEVELS, MET_CODE, TOTAL_CODE, Input, Plan)
from thidua.program.compile import (CLASS_CODE, ELIGIBLE_CODE, Cell, Program, compile_plan)
from thidua.program.excel import Placement, Printer
from thidua.result import (AMOUNT, CLASS, ELIGIBLE, PRIZE, RANK, REASONS, SELF_TOTAL)
from thidua.workbook import contract
from thidua.workbook.paper import (merge_bands, row_height, text_lines)
from thidua.workbook.shared_formulas import SharedColumns
from thidua.workbook.sheet_xml import col_index
from thidua.workbook.master.base import (CHANGED, FILL_BAND, FILL_CHANGED, FILL_HEADER,
                                         FILL_INELIGIBLE, FILL_INPUT, FILL_TOOL, FILL_TOTAL,
                                         FIRST_ROW, GROUP_LIST, HEADER_ROW, INT, LEVEL_LIST, MONEY,
                                         NUM, PLACEHOLDER, SHEET_INDICATORS, SHEET_SUMMARY,
                                         YEAR_NAME, _BOLD, _CENTER, _HEADER_ALIGN, _ITALIC,
                                         _ITALIC_TOP, _TITLE, MasterLayout, _Unit, _fill,
                                         _input_fmt, _input_header, _input_value, _item_header,
                                         _lines, _list_validation, _print_setup, _put, _subtitle,
                                         _title, _validation, _with_unit)
from thidua.workbook.master.values import _MasterValues

#: Number formats of the cells «Tính điểm» fills (they hold a placeholder text until then).
TOOL_FORMATS = {RANK: INT, AMOUNT: MONEY}


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


_ROW = "\x00row\x00"  # stands for the row number in a row's formulas printed once


class RowFormulas:
    """The formulas of a unit's row, printed once for every row.

    A row's formulas differ from another's only in the row number of their same-row
    references, so each cell's formula is printed once with a marker for the row and
    the row put in for each unit. The first row it serves is also printed directly
    and compared: should a formula depend on its row otherwise, every row is printed
    directly.
    """

    def __init__(self, program: Program, layout: MasterLayout, *, here: str,
                 own: bool = False):
        self.program, self.layout, self.here, self.own = program, layout, here, own
        self.templates: dict[str, str | None] = {}

    def _printer(self, r) -> Printer:
        return Printer(RowPlacement(self.program, self.layout, r, here=self.here, own=self.own))

    def __call__(self, cell: Cell, r: int) -> str:
        template = self.templates.get(cell.code, "")
        if template == "":
            template = self._printer(_ROW).cell_formula(cell)
            direct = self._printer(r).cell_formula(cell)
            if template.replace(_ROW, str(r)) != direct:
                template = None
            self.templates[cell.code] = template
            return direct
        if template is None:
            return self._printer(r).cell_formula(cell)
        return template.replace(_ROW, str(r))


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

    row_formulas: dict[bool, RowFormulas] = {}
    shared = SharedColumns(wb, ws.title, FIRST_ROW, last_row)
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
        _read_cells(ws, plan, r, col, shared)
        if not plan.is_checklist:
            _points_row(ws, program, r, layout, row_formulas, shared)
    _read_values(vals, plan, col)
    if not plan.is_checklist:
        _points_values(vals, program, layout)
    if plan.is_checklist:
        _summary_checklist_links(ws, plan, program, layout, vals, shared)
    else:
        for key in (REASONS, RANK, PRIZE, AMOUNT):
            for r in range(FIRST_ROW, last_row + 1):
                _put(ws, r, _col_index(col[key]), PLACEHOLDER, fmt=TOOL_FORMATS.get(key),
                     fill=FILL_TOOL, align=_ITALIC_TOP)
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


def _read_cells(ws: Worksheet, plan: Plan, r: int, col: dict[str, str],
                shared: SharedColumns) -> None:
    """The row's hidden cells: each figure read as the tools read it (``codecs``)."""
    def put(key: str, make) -> None:
        _put(ws, r, _col_index(col[key]), shared.formula(col[key], r, make), border=False)

    def read(key: str, cdc, appraisal: bool = False):
        return lambda r: f"={cdc.excel_read(f'${col[key]}{r}', appraisal=appraisal)}"

    def scored(appraisal: str, own: str):  # the appraised figure, else the unit's own
        def make(r: int) -> str:
            a, o = f"${col[read_key(appraisal)]}{r}", f"${col[read_key(own)]}{r}"
            return f"=IF(ISNUMBER({a}),{a},{o})"
        return make

    for inp in plan.inputs:
        cdc = codec(inp)
        put(read_key(inp.code), read(inp.code, cdc))
        if plan.self_scored:
            appraisal = contract.appraisal_name(inp.code)
            put(read_key(appraisal), read(appraisal, cdc, appraisal=True))
            put(scored_key(inp.code), scored(appraisal, inp.code))


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


@functools.lru_cache(maxsize=1024)
def _col_index(letter: str) -> int:
    return col_index(letter)


def _points_row(ws: Worksheet, program: Program, r: int, layout: MasterLayout,
                formulas: dict[bool, RowFormulas], shared: SharedColumns) -> None:
    """Formulas of one unit row of a points plan (same-row references only)."""
    plan, col = program.plan, layout.columns
    for own in (False, True):
        formulas.setdefault(own, RowFormulas(program, layout, here=layout.sheet, own=own))

    def write(key: str, cell, fmt: str | None = NUM, fill: str | None = None, bold=False,
              own: bool = False, wrap=False) -> None:
        text = shared.formula(col[key], r, lambda r: formulas[own](cell, r))
        _put(ws, r, _col_index(col[key]), text, fmt=fmt, fill=fill, bold=bold, wrap=wrap)

    for cell in program.of_kind("value", "item"):
        write(cell.code, cell)
    # these show «Chưa đủ số liệu» until the figures are in: wrapped, never cut at the border
    write(TOTAL_CODE, program.cell(TOTAL_CODE), fill=FILL_TOTAL, bold=True, wrap=True)
    if plan.self_scored:
        write(SELF_TOTAL, program.cell(TOTAL_CODE), own=True, wrap=True)
    if plan.classification is not None:
        write(CLASS, program.cell(CLASS_CODE), fmt=None, wrap=True)
    write(ELIGIBLE, program.cell(ELIGIBLE_CODE), fmt=None, wrap=True)


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


def _summary_checklist_links(ws: Worksheet, plan: Plan, program: Program, layout: MasterLayout,
                             vals: _MasterValues, shared: SharedColumns) -> None:
    """Checklist plans: the count of criteria met / applicable, read from «Chỉ tiêu»."""
    col = layout.columns
    sheet = quote_sheetname(SHEET_INDICATORS)
    formulas = RowFormulas(program, layout, here=layout.sheet)
    for r in range(FIRST_ROW, layout.last_row + 1):
        for key in (MET_CODE, APPLICABLE_CODE):
            src = layout.indicator_columns[key]
            _put(ws, r, _col_index(col[key]),
                 shared.formula(col[key], r, lambda r, src=src: f"={sheet}!${src}{r}"), fmt=INT,
                 fill=FILL_TOTAL if key == MET_CODE else None, bold=key == MET_CODE)
        for key in (RANK, PRIZE, AMOUNT):
            if key in col:
                _put(ws, r, _col_index(col[key]), PLACEHOLDER, fmt=TOOL_FORMATS.get(key),
                     fill=FILL_TOOL, align=_ITALIC_TOP)
        for cell in program.of_kind("value"):  # derived values, if a checklist has any
            _put(ws, r, _col_index(col[cell.code]),
                 shared.formula(col[cell.code], r, lambda r, cell=cell: formulas(cell, r)),
                 fmt=NUM)
    _checklist_values(vals, program, layout)


def _checklist_values(vals: _MasterValues, program: Program, layout: MasterLayout) -> None:
    """The values of :func:`_summary_checklist_links`."""
    col = layout.columns
    for key in (MET_CODE, APPLICABLE_CODE):
        vals.column(SHEET_SUMMARY, col[key], lambda s, key=key: s.shown(key))
    for cell in program.of_kind("value"):
        vals.column(SHEET_SUMMARY, col[cell.code], lambda s, code=cell.code: s.shown(code))
