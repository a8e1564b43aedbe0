"""«Chỉ tiêu» (checklist plans): each unit's value, target and status per indicator."""
from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from thidua.codecs import quote
from thidua.plan.model import (APPLICABLE_CODE, MET_CODE, Indicator, Plan)
from thidua.program.compile import (OP_TEXT, compile_plan)
from thidua.workbook.master.base import (FILL_BAND, FILL_HEADER, FILL_TOTAL, FIRST_ROW, FREE,
                                         HEADER_ROW, INT, SHEET_CONFIG, SHEET_INDICATORS,
                                         SHEET_SUMMARY, STATUS_FILLS, _BOLD, _CENTER, _HEADER_ALIGN,
                                         _TITLE, MasterLayout, _Unit, _fill, _lines, _print_setup,
                                         _put, _subtitle, _title)
from thidua.workbook.master.values import (_MasterState, _MasterValues)
from thidua.workbook.shared_formulas import SharedColumns
from thidua.workbook.master.summary import (RowFormulas, _col_index, _unit_height, group_width)


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
    formulas = RowFormulas(program, layout, here=SHEET_INDICATORS)
    shared = SharedColumns(ws.parent, ws.title, FIRST_ROW, last_row)
    for n, unit in enumerate(units, start=1):
        r = FIRST_ROW + n - 1
        _put(ws, r, 1, n, fmt="0", align=_CENTER)
        for j, key in enumerate(("ma_don_vi", "ten_don_vi", "nhom", "cap"), start=2):
            _put(ws, r, j, shared.formula(get_column_letter(j), r,
                                          lambda r, key=key: f"={summary}!${col[key]}{r}"),
                 wrap=key in ("ten_don_vi", "nhom"))
        _unit_height(ws, r, plan, unit)
        for cell in program.of_kind("ind_value", "ind_target", "ind_status", "status", "met",
                                    "applicable"):
            letter = layout.program_columns[cell.code]
            fmt = FREE if cell.kind in ("ind_value", "ind_target") else \
                INT if cell.kind in ("met", "applicable") else None
            bold = cell.kind in ("status", "met")
            fill = FILL_TOTAL if cell.kind == "met" else None
            _put(ws, r, _col_index(letter),
                 shared.formula(letter, r, lambda r, cell=cell: formulas(cell, r)), fmt=fmt,
                 bold=bold, fill=fill)
    _indicator_values(vals, program, layout)

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


def _indicator_values(vals: _MasterValues, program, layout: MasterLayout) -> None:
    """The values of the unit rows of :func:`_indicators_sheet`."""
    col = layout.columns
    for j, key in enumerate(("ma_don_vi", "ten_don_vi", "nhom", "cap"), start=2):
        _link_values(vals, SHEET_INDICATORS, get_column_letter(j), col[key])
    for cell in program.of_kind("ind_value", "ind_target", "ind_status", "status", "met",
                                "applicable"):
        vals.column(SHEET_INDICATORS, layout.program_columns[cell.code],
                    lambda s, code=cell.code: s.shown(code))


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
