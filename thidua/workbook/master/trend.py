"""«Xu hướng»: criteria met per period, with the average and its chart."""
from __future__ import annotations

import datetime as dt

from openpyxl.chart import LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from thidua.plan.model import Plan
from thidua.workbook.master.base import (FILL_HEADER, FILL_INPUT, FILL_TOTAL, FIRST_ROW, HEADER_ROW,
                                         INT, NUM, SHEET_SUMMARY, SHEET_TREND, _BOLD, _CENTER,
                                         _HEADER_ALIGN, _ITALIC, _TITLE, MasterLayout, _Unit,
                                         _print_setup, _put, _subtitle, _title)
from thidua.workbook.master.values import _MasterValues
from thidua.workbook.master.summary import (NAME_WIDTH, _unit_height, group_width)
from thidua.workbook.master.indicators import _link_values


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
