"""«Khen thưởng»: the prize structure per group, the awards filled by the tool."""
from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from thidua.plan.model import Plan
from thidua.program.describe import condition_words
from thidua.workbook.paper import row_height
from thidua.workbook.master.base import (FILL_BAND, FILL_HEADER, FILL_TOOL, FILL_TOTAL, FONT,
                                         HEADER_ROW, MONEY, PLACEHOLDER, SHEET_AWARDS, _BOLD,
                                         _HEADER_ALIGN, _ITALIC, _TITLE, _lines, _print_setup, _put,
                                         _subtitle, _title)
from thidua.workbook.master.values import _MasterValues
from thidua.workbook.master.trend import _is_number


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
