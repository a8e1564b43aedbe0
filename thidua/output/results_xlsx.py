"""The results workbook: a readable, printable Vietnamese snapshot of a scoring.

``write_results(result, path)`` writes, with openpyxl and atomically (the old
file, if any, is first copied to a dated backup beside it):

* ``Kết quả`` — one row per unit: inputs, derived values, each criterion's
  points, total, eligibility and reasons, rank in group, prize, money;
* ``Giải thích`` — one row per unit × value / criterion / total with the
  explanation of how it was computed;
* ``Khen thưởng`` — per group: prizes awarded, tie blocks left to the council,
  vacant prizes, subtotals and the grand total of money;
* ``Chỉ tiêu`` and ``Tổng hợp chỉ tiêu`` — checklist plans only: every
  indicator's value, target, gap and status, and a units × indicators grid;
* ``Thông tin`` — which plan, version, period, when and by what it was made.

Numbers are stored as numbers at full precision and only *displayed* with two
decimals. There are no formulas: the workbook is a record, not a calculator.
Every text a user sees is Vietnamese, NFC-normalised.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import numbers
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

import thidua
from thidua import fileio
from thidua.plan.model import (APPLICABLE_CODE, LEVELS, MET_CODE, TOTAL_CODE, Item, Plan)
from thidua.program.compile import INCOMPLETE
from thidua.result import (AMOUNT, CLASS, ELIGIBLE, MANUAL, PRIZE, PRIZE_LABEL, RANK, REASONS,
                           SELF_TOTAL, STATUS_MET, STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET,
                           TIE_LABEL, ScoreResult)
from thidua.text import format_money, format_number, nfc
from thidua.workbook.paper import fit_rows, print_setup, row_height, text_lines

# ------------------------------------------------------------------ names
SHEET_RESULTS = "Kết quả"
SHEET_EXPLAIN = "Giải thích"
SHEET_AWARDS = "Khen thưởng"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_GRID = "Tổng hợp chỉ tiêu"
SHEET_INFO = "Thông tin"

YES, NO = "Có", "Không"
TIE_HEADING = "Đồng hạng — Hội đồng quyết định"
VACANT_TEXT = "Không có đơn vị đạt — để trống"
MANUAL_NOTE = "Tổng điểm nhập tay (đơn vị đặc thù)"

# ------------------------------------------------------------------ styles
# [$-42A] is the Vietnamese locale: LibreOffice then shows 1.234,57 whatever the
# machine's locale; Excel shows the separators of the user's Windows settings.
NUM = "[$-42A]#,##0.00"  # points: two decimals
INT = "[$-42A]#,##0"  # counts
FREE = "General"  # figures: decimals only when present (never «1.234,»)
MONEY = "[$-42A]#,##0"
RANK_FMT = "0"

FILL_HEADER = "D9E1F2"
FILL_GROUP = "BDD7EE"
FILL_INELIGIBLE = "EDEDED"
FILL_PRIZE = "E2EFDA"
FILL_TIE = "FFF2CC"
FILL_TOTAL = "F2F2F2"
STATUS_FILLS: dict[str, str | None] = {
    STATUS_MET: "C6EFCE",
    STATUS_NOT_MET: "FFC7CE",
    STATUS_NO_DATA: "D9D9D9",
    STATUS_NA: None,
}

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FONT = "Calibri"  # named in every font
_BOLD = Font(name=FONT, bold=True)
_TITLE = Font(name=FONT, bold=True, size=14)
_ITALIC = Font(name=FONT, italic=True, color="595959")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_FILLS: dict[str, PatternFill] = {}


def _fill(color: str) -> PatternFill:
    if color not in _FILLS:
        _FILLS[color] = PatternFill("solid", start_color=color, end_color=color)
    return _FILLS[color]


# ------------------------------------------------------------------ values
def _blank(value) -> bool:
    """None, NaN, pd.NA, NaT: an empty cell."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    """A user-visible string: NFC, without characters XML cannot hold."""
    if _blank(value):
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("", nfc(str(value)))


def _number(value) -> float | int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return number


def _put(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    """Write one cell: strings NFC and never taken for formulas; numbers as numbers."""
    if isinstance(value, str):
        value = _text(value)
        cell = ws.cell(row=row, column=col, value=value if value else None)
        if value.startswith("="):
            cell.data_type = "s"
    else:
        if hasattr(value, "item") and not isinstance(value, (int, float)):
            value = value.item()  # numpy scalar
        cell = ws.cell(row=row, column=col, value=value)
    if fmt:
        cell.number_format = fmt
    return cell


def _display_len(value, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        decimals = 2 if fmt == NUM else 9 if fmt == FREE else 0
        return len(format_number(value, decimals)) + (2 if fmt == MONEY else 0)
    return max((len(line) for line in str(value).split("\n")), default=0)


def _date(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


# ------------------------------------------------------------------ tables
@dataclass
class Col:
    """One table column: header text, number format and layout."""

    header: str
    fmt: str | None = None
    wide: bool = False  # long text: wrapped
    max_width: float = 40
    min_width: float = 6
    status: bool = False  # cells hold a checklist status, coloured


@dataclass(frozen=True)
class Fmt:
    """A cell value with its own number format, overriding the column's."""

    value: Any
    fmt: str


@dataclass
class Table:
    first_row: int  # header row
    last_row: int
    last_col: int


def _write_table(ws: Worksheet, top: int, cols: list[Col], rows: list[list],
                 row_fills: list[str | None] | None = None,
                 row_fonts: list[Font | None] | None = None, first_col: int = 1) -> Table:
    """Header at ``top`` then the rows; bordered, formatted, column widths set."""
    for j, col in enumerate(cols):
        cell = _put(ws, top, first_col + j, col.header)
        cell.font = _BOLD
        cell.fill = _fill(FILL_HEADER)
        cell.alignment = _HEADER_ALIGN
        cell.border = _BORDER
    widths = [0] * len(cols)
    for i, values in enumerate(rows):
        r = top + 1 + i
        fill = row_fills[i] if row_fills else None
        font = row_fonts[i] if row_fonts else None
        for j, (col, value) in enumerate(zip(cols, values)):
            fmt = col.fmt
            if isinstance(value, Fmt):
                value, fmt = value.value, value.fmt
            cell = _put(ws, r, first_col + j, value, fmt if not isinstance(value, str) else None)
            cell.border = _BORDER
            cell.alignment = _WRAP if col.wide else _TOP
            color = fill
            if col.status and isinstance(value, str) and STATUS_FILLS.get(value):
                color = STATUS_FILLS[value]
            if color:
                cell.fill = _fill(color)
            if font is not None:
                cell.font = font
            widths[j] = max(widths[j], _display_len(cell.value, fmt))
    header_lines = 1
    final_widths = []
    for j, col in enumerate(cols):
        cap = col.max_width
        width = min(max(widths[j] + 2, col.min_width), cap)
        # Headers wrap: wide enough for their longest word and not absurdly tall.
        words = col.header.split()
        longest = max((len(w) for w in words), default=0) + 2
        width = max(width, min(longest, cap))
        if len(col.header) > width:
            width = max(width, min(max(len(col.header) / 5, 10), 22, cap))
        ws.column_dimensions[get_column_letter(first_col + j)].width = round(width, 1)
        final_widths.append(width)
        header_lines = max(header_lines, math.ceil(len(col.header) * 1.1 / max(width - 1, 1)))
    ws.row_dimensions[top].height = 15 * min(header_lines, 12) + 3
    # Wrapped text needs a taller row: spreadsheet programs do not grow rows of a
    # file they open, so the heights are estimated here (≈ characters per line).
    for i, values in enumerate(rows):
        lines = 1
        for col, value, width in zip(cols, values, final_widths):
            if col.wide and isinstance(value, str) and value:
                per_line = max(width * 1.05 - 1, 1)
                lines = max(lines, sum(math.ceil(max(len(part), 1) / per_line)
                                       for part in value.split("\n")))
        font = row_fonts[i] if row_fonts else None
        size = (font.sz if font is not None else None) or 11
        if lines > 1 or size > 11:
            ws.row_dimensions[top + 1 + i].height = row_height(min(lines, 15), size)
    return Table(top, top + len(rows), first_col + len(cols) - 1)


def _title(ws: Worksheet, lines: list[tuple[str, Font]]) -> int:
    """Title lines from row 1; returns the first free row after a blank one."""
    row = 1
    for text, font in lines:
        if text:
            cell = _put(ws, row, 1, text)
            cell.font = font
            row += 1
    return row + 1


def _finish(ws: Worksheet, table: Table, freeze_col: int, last_row: int | None = None,
            autofilter: bool = True) -> None:
    """Freeze panes, autofilter and print setup (A4 landscape, fit to width)."""
    last_col = get_column_letter(table.last_col)
    ws.freeze_panes = f"{get_column_letter(freeze_col + 1)}{table.first_row + 1}"
    if autofilter and table.last_row > table.first_row:
        ws.auto_filter.ref = f"A{table.first_row}:{last_col}{table.last_row}"
    # title lines: merged over the table, tall enough for their text (14 pt needs the room)
    width = sum(ws.column_dimensions[get_column_letter(j)].width or 8.43
                for j in range(1, table.last_col + 1))
    for r in range(1, table.first_row):
        cell = ws.cell(row=r, column=1)
        if not isinstance(cell.value, str) or not cell.value or ws.cell(row=r, column=2).value:
            continue
        size = cell.font.sz or 11
        if table.last_col > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=table.last_col)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.row_dimensions[r].height = row_height(text_lines(cell.value, width, size), size)
    last = max(last_row or 0, table.last_row)
    # merged and wrapped cells the table writer did not size (small sheets: every row)
    fit_rows(ws, 1, last if last < 500 else table.first_row)
    title = ws.cell(row=1, column=1).value
    print_setup(ws, last_col=table.last_col, last_row=last,
                header_rows=(table.first_row, table.first_row), key_cols=freeze_col,
                title=title if isinstance(title, str) else None)
    ws.print_options.horizontalCentered = True


# ------------------------------------------------------------------ helpers on the result
def _order(result: ScoreResult) -> list[int]:
    """Row positions: by group (plan order), rank (ineligible last), then code."""
    frame = result.frame
    group_pos = {g.code: i for i, g in enumerate(result.plan.groups)}

    def key(i: int):
        rank = frame[RANK].iat[i]
        eligible = bool(frame[ELIGIBLE].iat[i])
        rank_key = float(rank) if eligible and not _blank(rank) else math.inf
        return (group_pos.get(str(frame["nhom"].iat[i]), len(group_pos)),
                0 if eligible else 1, rank_key, str(frame["ma_don_vi"].iat[i]))

    return sorted(range(len(frame)), key=key)


def _group_label(plan: Plan, code) -> str:
    try:
        return plan.group(str(code)).label
    except KeyError:
        return _text(code)


def _level_label(code) -> str:
    return LEVELS.get(str(code), _text(code)) if not _blank(code) else ""


def _item_header(item: Item) -> str:
    bits = []
    if item.role == "bonus":
        bits.append("điểm thưởng")
    elif item.role == "deduction":
        bits.append("điểm trừ")
    if item.max is not None:
        bits.append(f"tối đa {format_number(item.max)}")
    suffix = f" ({', '.join(bits)})" if bits else ""
    return f"{item.id}. {item.label}{suffix}"


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _has_money(plan: Plan) -> bool:
    return any(p.amount > 0 for ps in plan.prize_sets for p in ps.prizes)


def _total_label(plan: Plan) -> str:
    return "Số tiêu chí đạt" if plan.is_checklist else "Tổng điểm"


def _subtitle(result: ScoreResult) -> str:
    plan = result.plan
    bits = [plan.issuer, plan.document]
    if plan.period_from and plan.period_to:
        bits.append(f"thời gian thực hiện từ {_date(plan.period_from)} đến {_date(plan.period_to)}")
    if plan.is_checklist and result.year is not None:
        bits.append(f"năm đánh giá {result.year}")
    return ", ".join(b for b in bits if b)


# ------------------------------------------------------------------ sheet: Kết quả
def _results_sheet(ws: Worksheet, result: ScoreResult, order: list[int]) -> None:
    plan, frame = result.plan, result.frame
    notes = []
    if plan.self_scored:
        notes.append("Đơn vị tự chấm: số liệu dùng để tính điểm là số liệu thẩm định khi có, "
                     "nếu không là số liệu đơn vị tự báo cáo; cột «Tổng tự chấm» tính hoàn "
                     "toàn từ số liệu của đơn vị.")
    notes.append("Số hiển thị làm tròn 2 chữ số thập phân; mỗi ô vẫn lưu đủ độ chính xác.")
    top = _title(ws, [(f"KẾT QUẢ — {plan.title}", _TITLE), (_subtitle(result), _BOLD)]
                 + [(n, _ITALIC) for n in notes])

    spec: list[tuple[Col, Callable[[int], Any]]] = [
        (Col("Mã đơn vị", min_width=8, max_width=16), lambda i: _text(frame["ma_don_vi"].iat[i])),
        (Col("Tên đơn vị", wide=True, min_width=18, max_width=36),
         lambda i: _text(frame["ten_don_vi"].iat[i])),
        (Col("Nhóm", wide=True, max_width=30), lambda i: _group_label(plan, frame["nhom"].iat[i])),
        (Col("Cấp", min_width=8), lambda i: _level_label(frame["cap"].iat[i])),
    ]

    def column(col: Col, code: str, read: Callable[[Any], Any] = _number) -> None:
        spec.append((col, lambda i: read(frame[code].iat[i])))

    for inp in plan.inputs:
        if inp.code not in frame.columns:
            continue
        header = _with_unit(inp.label, "%" if inp.type == "percent" else inp.unit)
        if inp.type == "yesno":
            column(Col(header, min_width=8), inp.code, _yesno)
        elif inp.type == "choice":
            column(Col(header, wide=True, max_width=30), inp.code, lambda v, inp=inp: _choice(inp, v))
        else:
            column(Col(header, INT if inp.type == "count" else FREE), inp.code)
    for value in plan.values:
        column(Col(_with_unit(value.label, value.unit), NUM), value.code)
    if plan.is_checklist:
        column(Col("Số tiêu chí đạt", INT), TOTAL_CODE, _int_or_none)
        if APPLICABLE_CODE in frame.columns:
            column(Col("Số tiêu chí áp dụng", INT), APPLICABLE_CODE, _int_or_none)
    else:
        for item in plan.items:
            column(Col(_item_header(item), NUM), item.code)
        column(Col("Tổng điểm", NUM), TOTAL_CODE, _total)
        if plan.self_scored and SELF_TOTAL in frame.columns:
            column(Col("Tổng tự chấm", NUM), SELF_TOTAL, _total)
    if CLASS in frame.columns and plan.classification is not None:
        column(Col(plan.classification.label, min_width=10), CLASS, lambda v: _text(v) or None)
    if plan.manual_total and MANUAL in frame.columns:
        column(Col("Ghi chú", wide=True, max_width=30), MANUAL, lambda v: MANUAL_NOTE if bool(v) else "")
    column(Col("Đủ điều kiện", min_width=8), ELIGIBLE, lambda v: YES if bool(v) else NO)
    column(Col("Lý do không đủ điều kiện", wide=True, max_width=50), REASONS,
           lambda v: "; ".join(_text(r) for r in (v if isinstance(v, (list, tuple)) else [])))
    column(Col("Xếp hạng trong nhóm", RANK_FMT), RANK, _int_or_none)
    column(Col("Giải", wide=True, max_width=24), PRIZE_LABEL, _prize_text)
    if _has_money(plan):
        column(Col("Tiền thưởng (đồng)", MONEY, min_width=12), AMOUNT, lambda v: int(v))

    cols = [Col("STT", RANK_FMT, min_width=5)] + [col for col, _ in spec]
    rows, fills = [], []
    for n, i in enumerate(order, start=1):
        rows.append([n] + [get(i) for _, get in spec])
        fills.append(_row_fill(frame, i))
    table = _write_table(ws, top, cols, rows, fills)
    _finish(ws, table, freeze_col=3)


def _total(value):
    """A total, or «Chưa đủ số liệu» while a required figure is missing (as the workbooks show)."""
    number = _number(value)
    return INCOMPLETE if number is None else number


def _yesno(value) -> str:
    number = _number(value)
    if number is None:
        return ""
    return YES if number else NO


def _choice(inp, value) -> str:
    number = _number(value)
    if number is None:
        return ""
    k = int(number)
    if k == number and 0 <= k < len(inp.choices):
        return inp.choices[k].label
    return format_number(number)


def _prize_text(label) -> str:
    return _text(label) if not _blank(label) else ""


def _row_fill(frame, i: int) -> str | None:
    if not bool(frame[ELIGIBLE].iat[i]):
        return FILL_INELIGIBLE
    label = frame[PRIZE_LABEL].iat[i]
    if not _blank(label) and label == TIE_LABEL:
        return FILL_TIE
    if not _blank(frame[PRIZE].iat[i]):
        return FILL_PRIZE
    return None


# ------------------------------------------------------------------ sheet: Giải thích
def _explain_sheet(ws: Worksheet, result: ScoreResult, order: list[int]) -> None:
    plan, frame, expl = result.plan, result.frame, result.explanations
    top = _title(ws, [(f"GIẢI THÍCH CÁCH TÍNH — {plan.title}", _TITLE), (_subtitle(result), _BOLD)])
    entries: list[tuple[str, str, bool]] = []  # (code, label, is_status)
    entries += [(v.code, _with_unit(v.label, v.unit), False) for v in plan.values]
    if plan.is_checklist:
        entries += [(ind.code, f"Tiêu chí {ind.id}. {ind.label}", True) for ind in plan.indicators]
    else:
        entries += [(item.code, _item_header(item), False) for item in plan.items]
    entries.append((TOTAL_CODE, _total_label(plan), False))
    cols = [Col("Mã đơn vị", min_width=8, max_width=16), Col("Tên đơn vị", wide=True, min_width=18, max_width=36),
            Col("Mục", wide=True, max_width=50), Col("Điểm/giá trị", NUM, status=True, min_width=12),
            Col("Cách tính", wide=True, max_width=70)]
    rows, fonts = [], []
    total_fmt_int = plan.is_checklist
    for i in order:
        code, name = _text(frame["ma_don_vi"].iat[i]), _text(frame["ten_don_vi"].iat[i])
        for key, label, is_status in entries:
            if key not in frame.columns:
                continue
            raw = frame[key].iat[i]
            value = _text(raw) if is_status else _number(raw)
            how = _text(expl[key].iat[i]) if key in expl.columns else ""
            manual = MANUAL in frame.columns and bool(frame[MANUAL].iat[i])
            if key == TOTAL_CODE and manual:
                label = f"{label} — {MANUAL_NOTE.lower()}"
            if key == TOTAL_CODE and total_fmt_int and value is not None:
                value = Fmt(_int_or_none(value), INT)
            rows.append([code, name, label, value, how])
            fonts.append(_BOLD if key == TOTAL_CODE else None)
    table = _write_table(ws, top, cols, rows, row_fonts=fonts)
    _finish(ws, table, freeze_col=2)


# ------------------------------------------------------------------ sheet: Khen thưởng
def _awards_sheet(ws: Worksheet, result: ScoreResult) -> None:
    plan, frame = result.plan, result.frame
    top = _title(ws, [(f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG — {plan.title}", _TITLE),
                      (_subtitle(result), _BOLD)])
    total_fmt = INT if plan.is_checklist else NUM
    cols = [Col("Giải", wide=True, min_width=18, max_width=36), Col("Đơn vị", wide=True, min_width=24),
            Col(_total_label(plan), total_fmt, min_width=10), Col("Số tiền (đồng)", MONEY, min_width=14),
            Col("Ghi chú", wide=True, min_width=30)]
    by_code = {str(c): i for i, c in enumerate(frame["ma_don_vi"])}
    rows: list[list] = []
    fills: list[str | None] = []
    fonts: list[Font | None] = []
    merge_rows: list[int] = []  # offsets of group heading rows

    def add(values, fill=None, font=None):
        rows.append(values)
        fills.append(fill)
        fonts.append(font)

    def total_of(i: int):
        value = _number(frame[TOTAL_CODE].iat[i])
        if plan.is_checklist and value is not None and float(value).is_integer():
            return int(value)
        return value

    if not plan.prize_sets:
        add(["", "Kế hoạch không quy định cơ cấu giải thưởng", None, None, None])
    for group in plan.groups if plan.prize_sets else []:
        merge_rows.append(len(rows))
        add([group.label, None, None, None, None], FILL_GROUP, _BOLD)
        prize_set = plan.prize_set(group.code)
        if prize_set is None:
            add(["", "Kế hoạch không có cơ cấu giải cho nhóm này", None, None, None])
            continue
        position = {}
        for k, prize in enumerate(prize_set.prizes):
            position.setdefault(prize.code, k)
        entries: list[tuple] = []
        for i in range(len(frame)):
            if str(frame["nhom"].iat[i]) != group.code or _blank(frame[PRIZE].iat[i]):
                continue
            rank = frame[RANK].iat[i]
            entries.append((position.get(frame[PRIZE].iat[i], len(position)), 0,
                            math.inf if _blank(rank) else float(rank),
                            str(frame["ma_don_vi"].iat[i]), ("award", i)))
        for n, tie in enumerate(t for t in result.ties if t["group"] == group.code):
            first = tie["prizes"][0] if tie["prizes"] else ""
            entries.append((position.get(first, len(position)), 1, n, "", ("tie", tie)))
        for n, vac in enumerate(v for v in result.vacant if v["group"] == group.code):
            entries.append((position.get(vac["prize"], len(position)), 2, n, "", ("vacant", vac)))
        entries.sort(key=lambda e: e[:4])

        subtotal = 0
        for *_, (kind, what) in entries:
            if kind == "award":
                i = what
                amount = int(frame[AMOUNT].iat[i])
                subtotal += amount
                note = "Đề nghị tặng; không kèm tiền thưởng" if amount == 0 else ""
                add([_text(frame[PRIZE_LABEL].iat[i]), _text(frame["ten_don_vi"].iat[i]),
                     total_of(i), amount, note], FILL_PRIZE)
            elif kind == "tie":
                details = what.get("prize_details") or [
                    {"code": c, "label": c, "amount": 0} for c in what["prizes"]]
                held = ", ".join(_text(d["label"]) for d in details)
                held_money = ", ".join(
                    f"{_text(d['label'])} ({format_money(d['amount'])})" if d["amount"] else _text(d["label"])
                    for d in details)
                for code in what["units"]:
                    i = by_code.get(str(code))
                    name = _text(frame["ten_don_vi"].iat[i]) if i is not None else _text(code)
                    add([TIE_HEADING, name, total_of(i) if i is not None else None, None,
                         f"Khối đồng hạng giữ: {held_money}"], FILL_TIE)
                amount = sum(int(d["amount"]) for d in details)
                subtotal += amount
                add([f"Các giải giữ cho khối đồng hạng: {held}",
                     "Hội đồng Thi đua - Khen thưởng quyết định đơn vị nhận từng giải", None, amount,
                     f"{len(what['units'])} đơn vị bằng nhau, {len(details)} giải"], FILL_TIE)
            else:
                note_bits = []
                if what.get("amount"):
                    note_bits.append(f"Không tính vào tổng số tiền ({format_money(what['amount'])})")
                if what.get("reason"):
                    note_bits.append(_text(what["reason"]))
                add([_text(what.get("label") or what["prize"]), VACANT_TEXT, None, None,
                     "; ".join(note_bits)])
        if not entries:
            add(["", "Chưa có đơn vị được xét giải", None, None, None])
        add(["Cộng" if plan.one_pool else f"Cộng nhóm: {group.label}", None, None, subtotal,
             format_money(subtotal)], FILL_TOTAL, _BOLD)

    money = int(result.money_total())
    add([None] * 5)
    add(["Tổng số tiền", None, None, money, format_money(money)], FILL_TOTAL, Font(name=FONT, bold=True, size=12))
    table = _write_table(ws, top, cols, rows, fills, fonts)
    # Headings and subtotals span columns: size the columns for the entries instead.
    for letter, width in zip("ABCDE", (30, 40, 12, 16, 50)):
        ws.column_dimensions[letter].width = width
    for offset in merge_rows:
        r = top + 1 + offset
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(cols))
    # The blank spacer row before the grand total needs no borders.
    spacer = table.last_row - 1
    for j in range(1, len(cols) + 1):
        ws.cell(row=spacer, column=j).border = Border()
    _finish(ws, table, freeze_col=1, autofilter=False)


# ------------------------------------------------------------------ sheets: checklist
def _indicator_sheet(ws: Worksheet, result: ScoreResult, order: list[int]) -> None:
    plan, frame = result.plan, result.frame
    top = _title(ws, [(f"ĐỐI CHIẾU CHỈ TIÊU — {plan.title}", _TITLE), (_subtitle(result), _BOLD)])
    cols = [Col("Mã đơn vị", min_width=8, max_width=16), Col("Tên đơn vị", wide=True, min_width=18, max_width=36),
            Col("Tiêu chí", min_width=8), Col("Phần", min_width=6), Col("Nội dung", wide=True, max_width=60),
            Col("Giá trị", FREE, min_width=9), Col("Mục tiêu", FREE, min_width=9),
            Col("Chênh lệch", FREE, min_width=10), Col("Trạng thái", status=True, min_width=14),
            Col("Ghi chú", wide=True, max_width=50)]
    ind = result.indicators
    rank_of_unit = {str(frame["ma_don_vi"].iat[i]): n for n, i in enumerate(order)}
    names = {str(frame["ma_don_vi"].iat[i]): _text(frame["ten_don_vi"].iat[i]) for i in range(len(frame))}
    records = []
    if ind is not None and len(ind):
        for pos, rec in enumerate(ind.to_dict("records")):
            records.append((rank_of_unit.get(str(rec["ma_don_vi"]), len(order)), pos, rec))
    records.sort(key=lambda r: r[:2])
    rows, fonts = [], []
    for _, _, rec in records:
        code = str(rec["ma_don_vi"])
        rows.append([_text(code), names.get(code, ""), _text(rec["tieu_chi"]), _text(rec["phan"]),
                     _text(rec["noi_dung"]), _number(rec["gia_tri"]), _number(rec["muc_tieu"]),
                     _number(rec["chenh_lech"]), _text(rec["trang_thai"]), _text(rec["ghi_chu"])])
        has_parts = not _text(rec["phan"]) and any(
            i.code == rec["ma"] and i.parts for i in plan.indicators)
        fonts.append(_BOLD if has_parts else None)
    table = _write_table(ws, top, cols, rows, row_fonts=fonts)
    _finish(ws, table, freeze_col=2)


def _grid_sheet(ws: Worksheet, result: ScoreResult, order: list[int]) -> None:
    plan, frame = result.plan, result.frame
    top = _title(ws, [(f"TỔNG HỢP CHỈ TIÊU — {plan.title}", _TITLE), (_subtitle(result), _BOLD)])
    cols = [Col("STT", RANK_FMT, min_width=5), Col("Mã đơn vị", min_width=8, max_width=16),
            Col("Tên đơn vị", wide=True, min_width=18, max_width=36), Col("Nhóm", wide=True, max_width=24)]
    cols += [Col(f"Tiêu chí {ind.id}", status=True, min_width=10, max_width=14) for ind in plan.indicators]
    cols += [Col("Số tiêu chí đạt", INT, min_width=9), Col("Số tiêu chí áp dụng", INT, min_width=9),
             Col("Giải", wide=True, max_width=24)]
    rows, fills = [], []
    for n, i in enumerate(order, start=1):
        row = [n, _text(frame["ma_don_vi"].iat[i]), _text(frame["ten_don_vi"].iat[i]),
               _group_label(plan, frame["nhom"].iat[i])]
        row += [_text(frame[ind.code].iat[i]) if ind.code in frame.columns else "" for ind in plan.indicators]
        met = frame[MET_CODE].iat[i] if MET_CODE in frame.columns else frame[TOTAL_CODE].iat[i]
        applicable = frame[APPLICABLE_CODE].iat[i] if APPLICABLE_CODE in frame.columns else None
        row += [_int_or_none(met), _int_or_none(applicable), _prize_text(frame[PRIZE_LABEL].iat[i])]
        rows.append(row)
        fills.append(None)
    table = _write_table(ws, top, cols, rows, fills)

    # Legend: colours, then every criterion's full text.
    r = table.last_row + 2
    _put(ws, r, 1, "Chú thích").font = _BOLD
    r += 1
    for status, color in STATUS_FILLS.items():
        cell = _put(ws, r, 2, status)
        cell.border = _BORDER
        if color:
            cell.fill = _fill(color)
        r += 1
    r += 1
    span = max(table.last_col, 4)
    for ind in plan.indicators:
        _put(ws, r, 1, f"Tiêu chí {ind.id}").font = _BOLD
        cell = _put(ws, r, 2, ind.label)
        cell.alignment = _WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=span)
        width = sum(ws.column_dimensions[get_column_letter(c)].width or 10 for c in range(2, span + 1))
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(ind.label) * 1.1 / max(width, 1)))
        r += 1
    _finish(ws, table, freeze_col=3, last_row=r - 1)


def _int_or_none(value):
    number = _number(value)
    if number is None:
        return None
    return int(number) if float(number).is_integer() else number


# ------------------------------------------------------------------ sheet: Thông tin
def _info_sheet(ws: Worksheet, result: ScoreResult, now: dt.datetime) -> None:
    plan = result.plan
    period = (f"{_date(plan.period_from)} – {_date(plan.period_to)}"
              if plan.period_from and plan.period_to else "")
    rows = [
        ["Mã kế hoạch", plan.id],
        ["Phiên bản kế hoạch", plan.version],
        ["Tên kế hoạch", plan.title],
        ["Cơ quan ban hành", plan.issuer],
        ["Văn bản", plan.document],
        ["Thời gian thực hiện", period],
        ["Cách đánh giá", "Đối chiếu chỉ tiêu với mục tiêu" if plan.is_checklist
         else "Chấm điểm theo tiêu chí"],
        ["Năm số liệu", result.year if result.year is not None else "—"],
        ["Số đơn vị", len(result.frame)],
        ["Tệp kế hoạch", plan.source],
        ["Thời điểm lập", now.strftime("%d/%m/%Y %H:%M:%S")],
        ["Phiên bản thidua", thidua.__version__],
        ["Ghi chú", "Bảng kết quả chỉ để xem và lưu trữ, không chứa công thức. Số hiển thị làm "
                    "tròn 2 chữ số thập phân; mỗi ô vẫn lưu đủ độ chính xác."],
    ]
    top = _title(ws, [("THÔNG TIN BẢNG KẾT QUẢ", _TITLE)])
    cols = [Col("Mục", min_width=22), Col("Nội dung", wide=True, min_width=60, max_width=90)]
    table = _write_table(ws, top, cols, rows)
    for r in range(table.first_row + 1, table.last_row + 1):
        ws.cell(row=r, column=1).font = _BOLD
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    _finish(ws, table, freeze_col=0, autofilter=False)


# ------------------------------------------------------------------ entry point
def build_workbook(result: ScoreResult, now: dt.datetime | None = None) -> Workbook:
    """The results workbook in memory (see the module docstring for its sheets)."""
    now = now or dt.datetime.now()
    order = _order(result)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_RESULTS
    _results_sheet(ws, result, order)
    _explain_sheet(wb.create_sheet(SHEET_EXPLAIN), result, order)
    _awards_sheet(wb.create_sheet(SHEET_AWARDS), result)
    if result.plan.is_checklist:
        _indicator_sheet(wb.create_sheet(SHEET_INDICATORS), result, order)
        _grid_sheet(wb.create_sheet(SHEET_GRID), result, order)
    _info_sheet(wb.create_sheet(SHEET_INFO), result, now)
    wb.properties.title = _text(result.plan.title)
    wb.properties.creator = f"thidua {thidua.__version__}"
    return wb


def write_results(result: ScoreResult, path: str | os.PathLike, *, backup: bool = True,
                  now: dt.datetime | None = None) -> Path:
    """Write the results workbook to ``path`` and return it.

    If ``path`` exists it is first copied to ``<tên>.bak-YYYYmmdd-HHMMSS.xlsx``
    beside it (``fileio.backup``; ``backup=False`` skips this, for files the
    tool itself regenerates); the new file then replaces it atomically, so an
    error leaves the old file untouched and no partial file behind. ``now``:
    the time recorded in «Thông tin» (default: the current time); when given,
    the file's bytes depend only on the result and ``now``.
    """
    path = Path(path)
    wb = build_workbook(result, now)
    if backup:
        fileio.backup(path)

    def save(tmp: Path) -> None:
        with exact_floats():
            wb.save(tmp)

    fileio.atomic_write(path, save)
    if now is not None:  # a fixed time asks for a reproducible file
        fileio.make_reproducible(path, now)
    return path


_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def exact_floats():
    """While saving, write floats with ``repr`` (round-trip exact) instead of ``%.16g``.

    openpyxl serialises numbers with 16 significant digits, which can change
    the last bit of a total (44.333333333333336 → 44.33333333333334). The
    workbook promises full precision, so its cell writer's number formatter
    is swapped for one that keeps every digit; anything else is formatted as
    before. If openpyxl's internals differ, numbers are written its own way.
    """
    try:
        from openpyxl.cell import _writer
    except ImportError:  # pragma: no cover
        yield
        return
    original = getattr(_writer, "safe_string", None)
    if original is None:  # pragma: no cover
        yield
        return

    def exact(value):
        if isinstance(value, bool):
            return original(value)
        if isinstance(value, numbers.Integral):
            return str(int(value))
        if isinstance(value, float) and math.isfinite(value):
            return float.__repr__(float(value))
        return original(value)

    with _PATCH_LOCK:
        _writer.safe_string = exact
        try:
            yield
        finally:
            _writer.safe_string = original
