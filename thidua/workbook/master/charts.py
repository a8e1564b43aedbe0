"""«Biểu đồ»: a bar chart of each group's totals."""
from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from thidua.plan.model import (MET_CODE, TOTAL_CODE, Plan)
from thidua.text import nfc
from thidua.workbook.master.base import (SHEET_SUMMARY, _ITALIC, _TITLE, MasterLayout, _print_setup,
                                         _title)
from thidua.workbook.master.summary import _col_index


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
