"""One handler per ribbon button; each takes an ``xlwings.Book``.

The handlers call the same package functions as the command line
(``thidua.table.parse_rows``, ``thidua.engine.score``,
``thidua.consolidate.collect.consolidate``, ``generate_templates``,
``render_documents``), decide every write, then commit them in one go
(``thidua.addin.workbook.Writer``).

* ``tinh_diem`` — score the master in place: reasons, ranks, prizes, amounts in
  the tool columns of «Tổng hợp» (points, totals and eligibility are the
  sheet's own live formulas, checked against the engine); tool cells coloured
  (not eligible / prize / tie); «Khen thưởng» refreshed; a summary box.
* ``xet_khen_thuong`` — the award list on «Khen thưởng»: prize, unit, score,
  amount by group, subtotals and the money total, vacancies and tie blocks.
* ``tong_hop`` — consolidate the returned files into this open workbook.
* ``kiem_tra`` — check every figure; colour bad cells; list them on a sheet.
* ``tao_mau`` — unit templates into the folder named on «Cấu hình».
* ``xuat_van_ban`` — award documents (.docx, PDF with LibreOffice).
* ``kiem_tra_ke_hoach`` — on an open plan workbook: check it, mark the faulty
  cells and list the problems on a «Lỗi» sheet.
* ``tao_so_tu_ke_hoach`` — on an open plan workbook: the master and the unit
  templates beside it (from the unit list ``danh-sach-don-vi.xlsx`` there).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from thidua.addin.workbook import (Master, Writer, cell_position, master_year, open_master,
                                   read_table, runs)
from thidua.errors import InputError, Problem, ThiduaError
from thidua.result import (AMOUNT, ELIGIBLE, PRIZE, PRIZE_LABEL, RANK, REASONS, TIE_LABEL,
                           ScoreResult)
from thidua.text import format_money, format_number
from thidua.workbook.master_layout import (FILL_BAND, FILL_HEADER, FILL_INPUT, FILL_TOOL,
                                           FILL_TOTAL, INT, MONEY, NUM, PLACEHOLDER, SHEET_AWARDS)

# Fill colours written by the add-in (hex RGB).
FILL_BAD = "FFC7CE"  # not eligible; a figure that cannot be read
FILL_MISSING = "FFEB9C"  # a required figure not entered; tie blocks
FILL_PRIZE = "C6EFCE"  # a unit given a prize
FILL_VACANT = "EDEDED"  # a prize left vacant
FILL_PLAIN = "FFFFFF"  # unit columns back to plain (their borders stay)

SHEET_CHECK = "Kiểm tra dữ liệu"
COUNCIL = "Hội đồng Thi đua - Khen thưởng"  # spelled as in the award documents
TOOL_KEYS = (REASONS, RANK, PRIZE, AMOUNT)


# ------------------------------------------------------------------ scoring
def _score(master: Master, source: str):
    from thidua.engine import score

    table = read_table(master, source)
    return table, score(master.plan, table, year=master_year(master))


def _source(book) -> str:
    try:
        return str(book.name)
    except Exception:  # noqa: BLE001
        return "sổ tổng hợp"


def _rank_value(rank):
    return None if rank is None or (isinstance(rank, float) and math.isnan(rank)) else int(rank)


def _tool_columns(result: ScoreResult) -> tuple[list[list], list[str]]:
    """Per unit (result order): its tool-column values (in ``TOOL_KEYS`` order), and the
    fill of its tool cells."""
    c = result.columns
    reasons = ["; ".join(r) if r else None for r in c[REASONS]]
    ranks = [None if r != r else int(r) for r in np.asarray(c[RANK], dtype=float).tolist()]
    labels = [label if label else None for label in c[PRIZE_LABEL]]
    amounts = np.asarray(c[AMOUNT]).astype(int).tolist()
    values = [list(v) for v in zip(reasons, ranks, labels, amounts)]
    fills = np.full(len(reasons), FILL_TOOL, dtype=object)
    fills[np.asarray([bool(p) for p in c[PRIZE]], dtype=bool)] = FILL_PRIZE
    fills[np.asarray([label == TIE_LABEL for label in c[PRIZE_LABEL]], dtype=bool)] = FILL_MISSING
    fills[~np.asarray(c[ELIGIBLE], dtype=bool)] = FILL_BAD
    return values, fills.tolist()


def _column_runs(columns: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in sorted(columns):
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def _sheet_greys_ineligible(master: Master) -> bool:
    """The master greys a not-eligible unit's whole row by itself: a conditional format on
    its own «Đủ điều kiện» = «Không» (plans other than checklists), shown by Excel and
    LibreOffice over any fill the add-in paints. Where the sheet's formula and the engine
    disagree, «Tính điểm» says so in its message."""
    return not master.plan.is_checklist and bool(master.col(ELIGIBLE))


def _write_summary_sheet(master: Master, table, result: ScoreResult, w: Writer) -> None:
    """Reasons, ranks, prizes and amounts into «Tổng hợp», in as few writes as possible:
    one block of values per run of tool columns; its fill painted once with the most
    common colour, then the runs of rows of every other colour. Not-eligible units are not
    painted where the sheet greys their rows itself: one write fewer per run of such rows
    (thousands on a big master, each a call into Excel)."""
    keys = [k for k in TOOL_KEYS if master.col(k)]
    if not keys or not table.rows:
        return
    first, last = min(table.rows), max(table.rows)
    unit_values, unit_fills = _tool_columns(result)
    if _sheet_greys_ineligible(master):
        unit_fills = [FILL_TOOL if fill == FILL_BAD else fill for fill in unit_fills]
    at = {k: TOOL_KEYS.index(k) for k in TOOL_KEYS}
    col_key = {master.col(k): k for k in keys}
    blank = [None] * len(TOOL_KEYS)
    by_row = [blank] * (last - first + 1)
    fills = [FILL_TOOL] * (last - first + 1)
    for r, values, fill in zip(table.rows, unit_values, unit_fills):
        by_row[r - first] = values
        fills[r - first] = fill
    base = max(set(fills), key=fills.count)
    for c1, c2 in _column_runs(list(col_key)):
        picks = [at[col_key[c]] for c in range(c1, c2 + 1)]
        w.values(master.sheet, first, c1, by_row if picks == list(range(len(TOOL_KEYS)))
                 else [[row[k] for k in picks] for row in by_row])
        w.color(master.sheet, first, c1, last, c2, base)
        for a, b, fill in runs(fills):
            if fill != base:
                w.color(master.sheet, first + a, c1, first + b, c2, fill)


def _formula_mismatches(master: Master, table, result: ScoreResult) -> list[str]:
    """Where the sheet's own formulas (as Excel computed them) disagree with the engine."""
    from thidua.codecs import NO, YES

    out = []
    total_col, eligible_col = master.col("tong_diem"), master.col(ELIGIBLE)
    c = result.columns
    n = len(table.rows)
    engine = np.asarray(c["tong_diem"], dtype=float) if "tong_diem" in c else None
    eligible = np.asarray(c[ELIGIBLE], dtype=bool)
    shown_totals = _sheet_column(master, table.rows, total_col if engine is not None else None)
    if set(map(type, shown_totals)) <= {int, float}:
        shown = np.asarray(shown_totals, dtype=float).reshape(n)
    else:  # text, blanks, yes/no: only numbers are compared
        shown = np.fromiter((float(v) if type(v) in (int, float) else math.nan
                             for v in shown_totals), dtype=float, count=n)
    bad_total = np.zeros(n, dtype=bool) if engine is None else (
        ~np.isnan(shown) & ~np.isnan(engine) & (np.abs(shown - engine) > 1e-6))
    marks = np.empty(n, dtype=object)
    marks[:] = _sheet_column(master, table.rows, eligible_col)
    says_yes, says_no = marks == YES, marks == NO
    bad_eligible = (says_yes | says_no) & (says_yes != eligible)
    for i in np.flatnonzero(bad_total | bad_eligible).tolist():
        r = table.rows[i]
        if bad_total[i]:
            out.append(f"ô {master.layout.columns['tong_diem']}{r}: sổ ghi "
                       f"{format_number(shown_totals[i])}, tính được {format_number(engine[i])}")
        if bad_eligible[i]:
            expected = YES if eligible[i] else NO
            out.append(f"ô {master.layout.columns[ELIGIBLE]}{r}: sổ ghi «{marks[i]}», "
                       f"tính được «{expected}»")
    return out


def _sheet_column(master: Master, sheet_rows: list[int], col: int | None) -> list:
    """The cells of column ``col`` (1-based) on the summary sheet's rows ``sheet_rows``
    (None where there is no such cell), the column read as the table reads it."""
    from thidua.table import columns_of

    n = len(sheet_rows)
    if not col or not n:
        return [None] * n
    column = columns_of(master.view.rows(master.sheet), [col - 1])[col - 1]
    first = sheet_rows[0]
    if sheet_rows[-1] - first == n - 1 and first - 1 + n <= len(column):  # one run of rows
        return column[first - 1:first - 1 + n]
    return [column[r - 1] if r <= len(column) else None for r in sheet_rows]


def _unit_names(result: ScoreResult, codes) -> str:
    """Units by name, as people know them: «Xã Tam Hải và Xã Tam Giang» (not XA11, XA12)."""
    c = result.columns
    names = dict(zip(map(str, c["ma_don_vi"]), map(str, c["ten_don_vi"])))
    shown = [names.get(str(code), str(code)) for code in codes]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " và " + shown[-1]


def _group_label(plan, code: str) -> str:
    try:
        return plan.group(code).label
    except KeyError:
        return code


def result_summary(master: Master, result: ScoreResult) -> list[str]:
    """Units scored, eligible, prizes given, vacancies, ties, money — one line each."""
    plan, c = master.plan, result.columns
    n = len(result)
    lines = []
    if plan.is_checklist:
        met = np.asarray(c["so_tieu_chi_dat"], dtype=float)
        mean = float(np.nanmean(met)) if n and not np.isnan(met).all() else math.nan
        lines.append(f"Đã đối chiếu {n} đơn vị với mục tiêu năm {result.year}: số tiêu chí đạt "
                     f"trung bình {format_number(mean if n else 0)} / "
                     f"{len(plan.indicators)}.")
    eligible = int(np.sum(c[ELIGIBLE]))
    if not plan.is_checklist:
        line = f"Đã chấm điểm {n} đơn vị: {eligible} đủ điều kiện"
        if n - eligible:
            line += (f", {n - eligible} không đủ điều kiện (cả dòng tô xám, lý do ở cột «Lý do "
                     "không đủ điều kiện»)")
        lines.append(line + ".")
    elif n - eligible:
        lines.append(f"{n - eligible} đơn vị không đủ điều kiện xét khen thưởng (tô đỏ).")
    if plan.prize_sets:
        given = sum(p is not None for p in c[PRIZE])
        money = result.money_total()
        lines.append(f"{given} đơn vị được khen thưởng (tô xanh)"
                     + (f"; tổng tiền thưởng {format_money(money)}." if money else "."))
        for v in result.vacant:
            lines.append(f"Giải để trống — {_group_label(plan, v['group'])}: {v['label']}.")
        for t in result.ties:
            lines.append(f"Đồng hạng, {COUNCIL} quyết định — {_group_label(plan, t['group'])}: "
                         f"{_unit_names(result, t['units'])} cùng giữ "
                         f"{', '.join(d['label'] for d in t['prize_details'])} (tô vàng).")
        if not result.vacant and not result.ties:
            lines.append("Không có giải để trống, không có đồng hạng.")
    return lines


def _clip(lines: list[str], limit: int = 14) -> list[str]:
    if len(lines) <= limit:
        return lines
    return lines[:limit] + [f"… và {len(lines) - limit} dòng khác."]


def tinh_diem(book, *, master_path=None, now=None, **_) -> None:
    """«Tính điểm»: score the open master in place (see the module docstring)."""
    from thidua.gcpause import gc_paused

    with gc_paused():  # the sheet's cells and the blocks written make no cycles
        master = open_master(book, master_path)
        table, result = _score(master, _source(book))
        w = Writer(book)
        _write_summary_sheet(master, table, result, w)
        _write_awards(master, result, w)
        lines = result_summary(master, result)
        mismatches = _formula_mismatches(master, table, result)
        if mismatches:
            lines.append(f"Chú ý: {len(mismatches)} ô công thức trong sổ khác kết quả tính (ví "
                         f"dụ {'; '.join(mismatches[:3])}). Kiểm tra công thức có bị sửa không, "
                         "và bật tính tự động (Công thức → Tùy chọn Tính toán → Tự động).")
        lines += master.notes
        w.alert("\n".join(_clip(lines)), "Tính điểm")
        w.commit()
        _activity(master, "Tính điểm", lines[0] if lines else "")
        # The sheet's cells, the table and the queued blocks go before the collector is back:
        # it would otherwise walk them all once (0.03-0.05 s on 33,210 units) on its way out.
        del master, table, result, w


# ------------------------------------------------------------------ Khen thưởng
def _awards_header_row(master: Master) -> int:
    rows = master.view.values(SHEET_AWARDS)
    for r, row in enumerate(rows[:12], start=1):
        if row and row[0] == "Giải":
            return r
    return 4


def award_rows(plan, result: ScoreResult) -> list[tuple[list, str | None]]:
    """The award list: (five cell values, fill) per row, groups in plan order.

    Columns: Giải, Đơn vị, score, Số tiền (đồng), Ghi chú. Per group: its band,
    then per prize of the plan its winners (by rank), the tie blocks holding it
    (one row per block) and its vacancies; then the group's subtotal. Last, the
    money total — equal to ``result.money_total()``.
    """
    c = result.columns
    score_key = "so_tieu_chi_dat" if plan.is_checklist else "tong_diem"
    codes, unit_names = list(c["ma_don_vi"]), list(c["ten_don_vi"])
    score_of = np.asarray(c[score_key], dtype=float).tolist()
    names = dict(zip(codes, unit_names))
    scores = dict(zip(codes, score_of))
    groups, prizes = np.asarray(c["nhom"], dtype=object), list(c[PRIZE])
    ranks, amounts = np.asarray(c[RANK], dtype=float), np.asarray(c[AMOUNT]).astype(int)
    rows: list[tuple[list, str | None]] = []
    if not plan.prize_sets:
        rows.append((["Kế hoạch không quy định cơ cấu giải thưởng", None, None, None, None], None))
        rows.append(([None] * 5, None))
        rows.append((["Tổng số tiền", None, None, 0, None], FILL_TOTAL))
        return rows
    total = 0
    for group in plan.groups:
        rows.append(([group.label, None, None, None, None], FILL_BAND))
        prize_set = plan.prize_set(group.code)
        if prize_set is None:
            rows.append((["Kế hoạch không có cơ cấu giải cho nhóm này", None, None, None, None], None))
            continue
        members = np.flatnonzero(groups == group.code).tolist()
        ties = [t for t in result.ties if t["group"] == group.code]
        vacant = [v for v in result.vacant if v["group"] == group.code]
        subtotal = 0
        shown_ties: set[int] = set()
        for prize in prize_set.prizes:
            winners = sorted((i for i in members if prizes[i] == prize.code),
                             key=lambda i: (ranks[i], codes[i]))
            for i in winners:
                amount = int(amounts[i])
                subtotal += amount
                rows.append(([prize.label, unit_names[i], _score_value(score_of[i]), amount, None],
                              None))
            for k, tie in enumerate(ties):
                if k in shown_ties or tie["prizes"][0] != prize.code:
                    continue
                shown_ties.add(k)
                amount = sum(int(d["amount"]) for d in tie["prize_details"])
                subtotal += amount
                labels = ", ".join(d["label"] for d in tie["prize_details"])
                rows.append(([f"{labels} (đồng hạng)", "; ".join(names[u] for u in tie["units"]),
                              _score_value(scores[tie["units"][0]]), amount,
                              f"{len(tie['units'])} đơn vị bằng điểm hoàn toàn cùng giữ "
                              f"{len(tie['prizes'])} giải — {COUNCIL} quyết định"],
                             FILL_MISSING))
            for v in vacant:
                if v["prize"] != prize.code:
                    continue
                note = "Không có đơn vị đạt điều kiện — giải để trống, không tính tiền"
                if v.get("reason"):
                    note += f" ({v['reason']})"
                rows.append(([prize.label, "Để trống", None, 0, note], FILL_VACANT))
        label = "Cộng" if plan.one_pool else f"Cộng nhóm: {group.label}"
        rows.append(([label, None, None, subtotal, None], FILL_TOTAL))
        total += subtotal
    rows.append(([None] * 5, None))
    rows.append((["Tổng số tiền", None, None, total, None], FILL_TOTAL))
    return rows


def _score_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _write_awards(master: Master, result: ScoreResult, w: Writer) -> int | None:
    """Rewrite the list under the header of «Khen thưởng»; returns the last row written."""
    if not master.view.has(SHEET_AWARDS):
        master.notes.append(f"Sổ không có trang «{SHEET_AWARDS}»: danh sách khen thưởng không được ghi.")
        return None
    header = _awards_header_row(master)
    rows = award_rows(master.plan, result)
    first = header + 1
    last = first + len(rows) - 1
    old_last = len(master.view.values(SHEET_AWARDS))
    w.clear(SHEET_AWARDS, first, 1, max(last, old_last), 5)
    w.values(SHEET_AWARDS, first, 1, [values for values, _ in rows])
    w.number_format(SHEET_AWARDS, first, 3, last, 3, INT if master.plan.is_checklist else NUM)
    w.number_format(SHEET_AWARDS, first, 4, last, 4, MONEY)
    for a, b, fill in runs([fill for _, fill in rows]):
        if fill:
            w.color(SHEET_AWARDS, first + a, 1, first + b, 5, fill)
    w.print_area(SHEET_AWARDS, 1, 1, last, 5)
    return last


def xet_khen_thuong(book, *, master_path=None, now=None, **_) -> None:
    """«Xét khen thưởng»: fill «Khen thưởng» and tell the council what it must decide."""
    master = open_master(book, master_path)
    _table, result = _score(master, _source(book))
    w = Writer(book)
    if _write_awards(master, result, w) is not None:
        w.activate(SHEET_AWARDS)
    plan = master.plan
    lines = []
    if not plan.prize_sets:
        lines.append("Kế hoạch không quy định cơ cấu giải thưởng.")
    else:
        given = sum(p is not None for p in result.columns[PRIZE])
        money = result.money_total()
        lines.append(f"Danh sách khen thưởng đã ghi vào trang «{SHEET_AWARDS}»: {given} đơn vị "
                     f"được khen thưởng" + (f", tổng số tiền {format_money(money)}." if money else "."))
        for v in result.vacant:
            lines.append(f"Giải để trống — {_group_label(plan, v['group'])}: {v['label']}.")
        for t in result.ties:
            lines.append(f"Đồng hạng — {_group_label(plan, t['group'])}: "
                         f"{_unit_names(result, t['units'])} cùng giữ "
                         f"{', '.join(d['label'] for d in t['prize_details'])}: {COUNCIL} quyết định.")
    lines += master.notes
    w.alert("\n".join(_clip(lines)), "Xét khen thưởng")
    w.commit()
    _activity(master, "Xét khen thưởng", lines[0])


# ------------------------------------------------------------------ Kiểm tra dữ liệu
def _input_band(master: Master) -> tuple[int, int] | None:
    from thidua.workbook.contract import appraisal_name

    plan = master.plan
    keys = [i.code for i in plan.inputs]
    if plan.self_scored:
        keys += [appraisal_name(i.code) for i in plan.inputs]
    cols = [master.col(k) for k in keys if master.col(k)]
    return (min(cols), max(cols)) if cols else None


def _unit_band(master: Master) -> tuple[int, int] | None:
    cols = [master.col(k) for k in ("ma_don_vi", "ten_don_vi", "nhom", "cap") if master.col(k)]
    return (min(cols), max(cols)) if cols else None


def kiem_tra(book, *, master_path=None, now=None, **_) -> None:
    """«Kiểm tra dữ liệu»: every figure checked; bad cells coloured and listed."""
    from thidua.engine import failed_checks, score

    master = open_master(book, master_path)
    problems: list[Problem] = []
    try:
        table = read_table(master, _source(book), allow_missing=False)
        score(master.plan, table, year=master_year(master))
    except InputError as exc:
        problems = list(exc.problems)
    try:  # figures that cannot be true: their cells are marked too
        table = read_table(master, _source(book), allow_missing=True)
        problems += failed_checks(master.plan, table, master_year(master))
    except InputError:
        pass  # unreadable figures are listed above; checks run once they are fixed
    unit_rows = master.unit_rows()
    w = Writer(book)
    if unit_rows:
        first = master.layout.first_row
        last = max(master.layout.last_row, unit_rows[-1][0])
        for band, fill in ((_input_band(master), FILL_INPUT), (_unit_band(master), FILL_PLAIN)):
            if band:
                w.color(master.sheet, first, band[0], last, band[1], fill)
    listed: list[list] = []
    marks: dict[int, list[tuple[int, str]]] = {}
    code_of = dict(unit_rows)
    for p in problems:
        where = cell_position(p.cell) if p.sheet == master.sheet else None
        missing = p.code == "thieu_gia_tri"
        if where:
            marks.setdefault(where[0], []).append((where[1], FILL_MISSING if missing else FILL_BAD))
        value = master.view.cell(master.sheet, *where) if where else None
        listed.append([len(listed) + 1, p.cell or (f"dòng {p.row}" if p.row else ""),
                       code_of.get(where[0]) if where else None, p.column or None, value,
                       "thiếu số liệu" if missing else "lỗi", p.message, p.hint or None])
    for row, cells in sorted(marks.items()):  # one colour per run of adjacent cells
        cells = sorted(set(cells))
        start = 0
        while start < len(cells):
            end = start
            while (end + 1 < len(cells) and cells[end + 1][0] == cells[end][0] + 1
                   and cells[end + 1][1] == cells[start][1]):
                end += 1
            w.color(master.sheet, row, cells[start][0], row, cells[end][0], cells[start][1])
            start = end + 1
    _write_check_sheet(master, listed, w)
    bad = sum(1 for r in listed if r[5] == "lỗi")
    missing = len(listed) - bad
    if listed:
        lines = [f"Kiểm tra {len(unit_rows)} đơn vị: {bad} lỗi (tô đỏ), {missing} ô thiếu số liệu "
                 f"bắt buộc (tô vàng). Danh sách đầy đủ ở trang «{SHEET_CHECK}»:"]
        lines += [f"• {p}" for p in problems[:8]]
        if len(problems) > 8:
            lines.append(f"… và {len(problems) - 8} vấn đề khác.")
        lines.append("Sửa xong bấm «Kiểm tra dữ liệu» lần nữa, rồi bấm «Tính điểm».")
    else:
        lines = [f"Kiểm tra {len(unit_rows)} đơn vị: số liệu đầy đủ và đọc được hết. "
                 "Bấm «Tính điểm» để chấm điểm."]
    lines += master.notes
    w.alert("\n".join(lines), "Kiểm tra dữ liệu", critical=bool(listed))
    w.commit()
    _activity(master, "Kiểm tra dữ liệu", lines[0])


CHECK_COLUMNS = ["STT", "Ô", "Mã đơn vị", "Cột", "Giá trị", "Loại", "Vấn đề", "Cách sửa"]


def _write_check_sheet(master: Master, listed: list[list], w: Writer) -> None:
    if master.view.has(SHEET_CHECK):
        w.clear_sheet(SHEET_CHECK)
    else:
        w.add_sheet(SHEET_CHECK, after=master.sheet)
    summary = (f"{len(listed)} vấn đề." if listed else "Không có vấn đề: số liệu đầy đủ và đọc được hết.")
    w.values(SHEET_CHECK, 1, 1, [["KIỂM TRA DỮ LIỆU TRANG «" + master.sheet.upper() + "»"],
                                  [summary + " Ô có vấn đề được tô màu ở trang «" + master.sheet
                                   + "» (đỏ: không đọc được; vàng: thiếu số liệu bắt buộc)."]])
    w.values(SHEET_CHECK, 3, 1, [CHECK_COLUMNS])
    w.color(SHEET_CHECK, 3, 1, 3, len(CHECK_COLUMNS), FILL_HEADER)
    if listed:
        w.values(SHEET_CHECK, 4, 1, listed)
        fills = [FILL_BAD if r[5] == "lỗi" else FILL_MISSING for r in listed]
        for a, b, fill in runs(fills):
            w.color(SHEET_CHECK, 4 + a, 6, 4 + b, 6, fill)


# ------------------------------------------------------------------ Tổng hợp
def _units_of_sheet(master: Master) -> list[dict]:
    """The units and everything typed for them, as ``read_master`` reads a file."""
    from thidua.codecs import unit_codes
    from thidua.plan.model import APPRAISAL_SUFFIX

    plan = master.plan
    keep = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "ghi_chu"]
    keep += [i.code for i in plan.inputs] + [i.code + APPRAISAL_SUFFIX for i in plan.inputs]
    cols = {k: master.col(k) for k in keep if master.col(k)}
    units = []
    for r, code in master.unit_rows():
        record = {k: master.view.cell(master.sheet, r, c) for k, c in cols.items()}
        record["ma_don_vi"] = code
        units.append(unit_codes(plan, {k: v for k, v in record.items() if v is not None and v != ""}))
    return units


def _config(master: Master) -> dict:
    from thidua.workbook.master_layout import CONFIG_NAMES

    out = {}
    for key, (name, _label, _default) in CONFIG_NAMES.items():
        value = master.view.named_value(name)
        if value not in (None, ""):
            out[key] = value
    return out


def _sheet_rows(master: Master, sheet: str, first_row: int, width: int) -> list[list]:
    if not master.view.has(sheet):
        return []
    out = []
    for row in master.view.values(sheet)[first_row - 1:]:
        row = (list(row) + [None] * width)[:width]
        if row[0] and row[1]:
            out.append(row)
    return out


def tong_hop(book, *, master_path=None, folder=None, now=None, workers=None, **_) -> None:
    """«Tổng hợp»: consolidate the returned files into this open workbook.

    Consolidation (``consolidate``) rewrites a master *file*; the workbook is
    open in Excel (locked, perhaps with unsaved edits). So a snapshot of what
    the book holds now is built in a temporary folder, consolidated there, and
    the merged figures, the report and the receipt log are written back into
    the open book. The file on disk changes only when the user saves.
    """
    import tempfile

    import openpyxl

    from thidua.consolidate.collect import (LOG_COLUMNS, SHEET_LOG, SHEET_REPORT, _log_sheet,
                                            consolidate)
    from thidua.consolidate.master_io import read_master
    from thidua.consolidate.report import COLUMNS
    from thidua.consolidate.report import row as report_row
    from thidua.output.results_xlsx import exact_floats
    from thidua.workbook.master import build_master_and_layout

    master = open_master(book, master_path)
    plan = master.plan
    source = master.folder(folder, "thu_muc_nhan")
    if not source.is_dir():
        raise ThiduaError(Problem(
            f"không tìm thấy thư mục «{source}» để lấy các tệp đơn vị gửi về",
            hint="tạo thư mục này (cạnh sổ tổng hợp, tên ghi ở mục «Thư mục nhận về» của trang "
                 "«Cấu hình»), chép các tệp đơn vị gửi về vào đó rồi bấm lại"))
    units = _units_of_sheet(master)
    if not units:
        raise ThiduaError(Problem(f"trang «{master.sheet}» không có đơn vị nào",
                                  hint="tạo lại sổ tổng hợp từ danh sách đơn vị"))
    old_log = _sheet_rows(master, SHEET_LOG, 4, len(LOG_COLUMNS))
    with tempfile.TemporaryDirectory(prefix="thidua-tong-hop-") as tmp:
        snapshot = Path(tmp) / "so-tong-hop.xlsx"
        wb, _layout = build_master_and_layout(plan, units, year=master_year(master),
                                              config=_config(master))
        _log_sheet(wb, old_log)
        with exact_floats():
            wb.save(snapshot)
        outcome = consolidate(plan, source, snapshot, now=now, workers=workers)
        merged = {u["ma_don_vi"]: u for u in read_master(snapshot, plan).units}
        log_rows = []
        done = openpyxl.load_workbook(snapshot, read_only=True)
        try:
            if SHEET_LOG in done.sheetnames:
                log_rows = [list(r[:len(LOG_COLUMNS)]) for r in
                            done[SHEET_LOG].iter_rows(min_row=4, values_only=True) if r and r[0]]
        finally:
            done.close()

    w = Writer(book)
    band = _input_band(master)
    changed = 0
    unit_rows = master.unit_rows()
    if band and unit_rows:
        from thidua.workbook.contract import appraisal_name
        by_col: dict[int, str] = {}
        for inp in plan.inputs:
            for key in (inp.code, appraisal_name(inp.code)):
                if master.col(key):
                    by_col[master.col(key)] = key
        first, last = unit_rows[0][0], unit_rows[-1][0]
        rows_by_number = dict(unit_rows)
        block = []
        for r in range(first, last + 1):
            new = merged.get(rows_by_number.get(r), {})
            row = []
            for c in range(band[0], band[1] + 1):
                old = master.view.cell(master.sheet, r, c)
                key = by_col.get(c)
                value = new.get(key) if key is not None and r in rows_by_number else old
                if key is not None and r in rows_by_number and not _same_value(value, old):
                    changed += 1
                row.append(value)
            block.append(row)
        if changed:
            w.values(master.sheet, first, band[0], block)
            for key in TOOL_KEYS:  # the results no longer match the figures
                c = master.col(key)
                if c:
                    w.values(master.sheet, first, c, [[PLACEHOLDER]] * (last - first + 1))
                    w.color(master.sheet, first, c, last, c, FILL_TOOL)

    report = [[value or None for value in report_row(issue)] for issue in outcome.issues]
    severity_col = [label for label, _ in COLUMNS].index("Mức độ") + 1
    from thidua.workbook.contract import REPORT_TITLE
    _replace_sheet(master, w, SHEET_REPORT, REPORT_TITLE, outcome.summary(),
                   [label for label, _ in COLUMNS], report, 4,
                   [(severity_col, FILL_BAD if issue.is_error else FILL_INPUT)
                    for issue in outcome.issues])
    _replace_sheet(master, w, SHEET_LOG, "NHẬT KÝ NHẬN TỆP",
                   "Mỗi tệp được nhận: tên, mã băm SHA-256, đơn vị, thời điểm nhận, thời điểm đơn vị "
                   "lưu, phiên bản mẫu, tệp nào đang dùng.", LOG_COLUMNS, log_rows, 3, [])
    lines = [outcome.summary()]
    if changed:
        lines.append(f"Đã ghi {changed} ô số liệu mới vào trang «{master.sheet}» (sổ chưa được lưu: "
                     "kiểm tra rồi bấm Lưu). Kết quả cũ đã được xóa: bấm «Tính điểm» để chấm lại.")
    else:
        lines.append(f"Số liệu trong trang «{master.sheet}» không có gì thay đổi.")
    errors = [i for i in outcome.issues if i.is_error]
    for issue in errors[:5]:
        where = ", ".join(x for x in (issue.file, issue.unit, issue.cell) if x)
        lines.append(f"• {where}: {issue.text()}")
    if len(errors) > 5:
        lines.append(f"… và {len(errors) - 5} lỗi khác.")
    lines.append(f"Chi tiết ở trang «{SHEET_REPORT}».")
    lines += master.notes
    w.alert("\n".join(lines), "Tổng hợp", critical=bool(errors))
    w.commit()
    _activity(master, "Tổng hợp", lines[0])


def _same_value(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return (a if a != "" else None) == (b if b != "" else None)


def _replace_sheet(master: Master, w: Writer, sheet: str, title: str, note: str,
                   header: list[str], rows: list[list], header_row: int,
                   fills: list[tuple[int, str]]) -> None:
    """A report sheet written afresh: title, note, header, one row per entry."""
    if master.view.has(sheet):
        w.clear_sheet(sheet)
    else:
        w.add_sheet(sheet, after=master.sheet)
    w.values(sheet, 1, 1, [[title], [note]])
    w.values(sheet, header_row, 1, [header])
    w.color(sheet, header_row, 1, header_row, len(header), FILL_HEADER)
    if rows:
        w.values(sheet, header_row + 1, 1, rows)
    for col in sorted({c for c, _ in fills}):
        column = [fill for c, fill in fills if c == col]
        for a, b, fill in runs(column):
            w.color(sheet, header_row + 1 + a, col, header_row + 1 + b, col, fill)


# ------------------------------------------------------------------ Tạo mẫu đơn vị
def tao_mau(book, *, master_path=None, folder=None, now=None, workers=None, **_) -> None:
    """«Tạo mẫu đơn vị»: one template per unit of «Tổng hợp», into the folder on «Cấu hình»."""
    from thidua.units import Unit
    from thidua.workbook.generate import write_campaign

    master = open_master(book, master_path)
    plan = master.plan
    target = master.folder(folder, "thu_muc_mau")
    groups = {g.code: g for g in plan.groups}
    units, problems = [], []
    for record in _units_of_sheet(master):
        group = str(record.get("nhom") or "").strip()
        level = str(record.get("cap") or "").strip()
        if not group and plan.one_pool:
            group = plan.groups[0].code
        if group not in groups:
            problems.append(Problem(f"đơn vị «{record['ma_don_vi']}»: nhóm «{group}» không có trong kế "
                                    f"hoạch", sheet=master.sheet, column="Nhóm",
                                    hint="dùng một trong các mã nhóm: " + ", ".join(groups)))
            continue
        level = level or groups[group].level or plan.levels[0]
        units.append(Unit(record["ma_don_vi"], str(record.get("ten_don_vi") or ""), group, level))
    if problems:
        raise ThiduaError(problems)
    if not units:
        raise ThiduaError(Problem(f"trang «{master.sheet}» không có đơn vị nào"))
    paths = write_campaign(plan, units, out_dir=target, now=now, year=master_year(master),
                           workers=workers).templates  # all or nothing, failures in words
    w = Writer(book)
    lines = [f"Đã tạo {len(paths)} tệp mẫu đơn vị trong thư mục:\n{target}",
             "Gửi mỗi đơn vị tệp của mình. Tệp đơn vị gửi lại: chép vào thư mục «Nhận về» (mục "
             "«Thư mục nhận về» ở trang «Cấu hình») rồi bấm «Tổng hợp»."] + master.notes
    w.alert("\n\n".join(lines), "Tạo mẫu đơn vị")
    w.commit()
    _activity(master, "Tạo mẫu đơn vị", lines[0].replace("\n", " "))


# ------------------------------------------------------------------ Xuất văn bản
def xuat_van_ban(book, *, master_path=None, folder=None, now=None, **_) -> None:
    """«Xuất văn bản»: Tờ trình, Quyết định, Báo cáo from the scoring result."""
    try:
        from thidua.documents import render_documents
    except ImportError:
        raise ThiduaError(Problem("chức năng Xuất văn bản chưa có trong phiên bản này",
                                  hint="nhờ cán bộ công nghệ thông tin chạy tệp cai-dat.bat của bộ "
                                       "cài thidua mới nhất"))
    master = open_master(book, master_path)
    _table, result = _score(master, _source(book))
    if folder is None and master.path is None:
        raise ThiduaError(Problem("chưa biết sổ tổng hợp được lưu ở đâu nên chưa biết ghi văn bản "
                                  "vào đâu", hint="lưu sổ (Ctrl+S) rồi bấm lại"))
    target = Path(folder) if folder is not None else master.path.parent / "Văn bản"
    done = render_documents(result, target, when=now)
    w = Writer(book)
    lines = [f"Đã soạn {len(done.docx)} văn bản (.docx)"
             + (f" và {len(done.pdf)} tệp PDF" if done.pdf else "") + f" trong thư mục:\n{target}"]
    lines += [f"Lưu ý: {note}" for note in done.notes] + master.notes
    w.alert("\n\n".join(lines), "Xuất văn bản")
    w.commit()
    _activity(master, "Xuất văn bản", lines[0].replace("\n", " "))


# ------------------------------------------------------------------ activity log
def _activity(master: Master, button: str, text: str) -> None:
    """One line in the office's log file named on «Cấu hình» (best effort)."""
    if master.path is None:
        return
    try:
        from thidua.workbook.master_layout import CONFIG_NAMES
        name = master.view.named_value(CONFIG_NAMES["tep_nhat_ky"][0]) or CONFIG_NAMES["tep_nhat_ky"][2]
        path = Path(str(name))
        if not path.is_absolute():
            path = master.path.parent / path
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}\t{master.path.name}\t{button}\t{text}\n")
    except OSError:
        pass


# ------------------------------------------------------------------ Kế hoạch (plan workbooks)
UNIT_LIST = "danh-sach-don-vi.xlsx"
MASTER_FILE = "so-tong-hop.xlsx"


def _read_open_plan(book, plan_path=None):
    """The plan written in the open workbook: (plan or None, problems, view, name).

    The sheets are read as Excel shows them now (unsaved edits included) and go
    through the same reader and builder as ``thidua check-plan``.
    """
    from thidua.addin.workbook import BookView, book_path
    from thidua.errors import PlanError
    from thidua.plan.load import build_plan
    from thidua.plan.xlsxread import read_plan_sheets

    view = BookView(book)
    path = book_path(book, plan_path)
    name = path.name if path is not None else _source(book)
    sheets = {s: view.values(s) for s in view.sheet_names}
    got = read_plan_sheets(sheets, name)  # PlanError: not a plan workbook at all
    try:
        return build_plan(got.raw, name, prior=got.problems, localize=got.localize), [], view, name
    except PlanError as exc:
        return None, exc.problems, view, name


def kiem_tra_ke_hoach(book, *, plan_path=None, **_) -> None:
    """«Kiểm tra kế hoạch»: check the open plan workbook; mark faulty cells, list them on «Lỗi»."""
    from thidua.addin.workbook import cell_position
    from thidua.plan import check
    from thidua.plan.form import ERRORS_SHEET, PLAN

    plan, problems, view, _name = _read_open_plan(book, plan_path)
    w = Writer(book)
    # Cells marked by an earlier check go back to plain first (the «Lỗi» sheet lists them).
    if view.has(ERRORS_SHEET):
        for row in view.values(ERRORS_SHEET)[1:]:
            if len(row) > 2 and row[1] in view.sheet_names and isinstance(row[2], str):
                where = cell_position(row[2])
                if where:
                    w.color(row[1], where[0], where[1], where[0], where[1], FILL_PLAIN)
    if not problems:
        if view.has(ERRORS_SHEET):
            w.clear_sheet(ERRORS_SHEET)
            w.values(ERRORS_SHEET, 1, 1, [["Không còn lỗi."]])
        lines = [check.summary(plan), check.maximum(plan)]
        lines += [f"Cảnh báo: {text}" for text in check.warnings(plan)]
        lines.append("Bấm «Tạo sổ từ kế hoạch» để tạo sổ tổng hợp và mẫu gửi đơn vị.")
        w.alert("\n\n".join(lines), "Kiểm tra kế hoạch")
        w.commit()
        return
    rows = check.error_rows(problems)
    if view.has(ERRORS_SHEET):
        w.clear_sheet(ERRORS_SHEET)
    else:
        w.add_sheet(ERRORS_SHEET, after=PLAN.name if view.has(PLAN.name) else view.sheet_names[0])
    w.values(ERRORS_SHEET, 1, 1, rows)
    w.color(ERRORS_SHEET, 1, 1, 1, len(rows[0]), FILL_HEADER)
    for sheet, cells in check.marked_cells(problems).items():
        if not view.has(sheet):
            continue
        for cell in cells:
            where = cell_position(cell)
            if where:
                w.color(sheet, where[0], where[1], where[0], where[1], FILL_BAD)
    w.activate(ERRORS_SHEET)
    from thidua.addin import problems_text
    w.alert(f"Kế hoạch còn {len(problems)} lỗi (ô tô đỏ; danh sách ở trang «{ERRORS_SHEET}»):\n\n"
            + problems_text(problems) + "\n\nSửa rồi bấm lại «Kiểm tra kế hoạch».",
            "Kiểm tra kế hoạch", critical=True)
    w.commit()


def tao_so_tu_ke_hoach(book, *, plan_path=None, now=None, workers=None, **_) -> None:
    """«Tạo sổ từ kế hoạch»: the master and one template per unit, beside the plan workbook.

    The units come from ``danh-sach-don-vi.xlsx`` beside the plan; when there is
    none yet, that form is written there first (to fill, then click again).
    """
    from thidua.addin.workbook import book_path
    from thidua.errors import PlanError
    from thidua.units import read_unit_list, write_units_template
    from thidua.workbook.generate import write_campaign
    from thidua.workbook.master_layout import CONFIG_NAMES

    plan, problems, _view, _name = _read_open_plan(book, plan_path)
    if problems:
        raise PlanError([Problem("kế hoạch còn lỗi nên chưa tạo sổ",
                                 hint="bấm «Kiểm tra kế hoạch» để xem và tô các ô lỗi")]
                        + problems)
    path = book_path(book, plan_path)
    if path is None:
        raise ThiduaError(Problem("chưa biết tệp kế hoạch được lưu ở đâu nên chưa biết ghi sổ vào đâu",
                                  hint="lưu tệp kế hoạch (Ctrl+S) rồi bấm lại"))
    folder = path.parent
    units_path = folder / UNIT_LIST
    w = Writer(book)
    if not units_path.is_file():
        write_units_template(plan, units_path, now=now)
        w.alert(f"Chưa có danh sách đơn vị. Đã tạo mẫu danh sách:\n{units_path}\n\n"
                "Điền mã, tên, nhóm, cấp của từng đơn vị vào tệp này, lưu lại, rồi bấm lại "
                "«Tạo sổ từ kế hoạch».", "Tạo sổ từ kế hoạch")
        w.commit()
        return
    units = read_unit_list(units_path, plan)
    target = folder / CONFIG_NAMES["thu_muc_mau"][2]
    # master and templates together, under the master's lock (fileio / lock messages on failure)
    done = write_campaign(plan, units, out_dir=target, master=folder / MASTER_FILE, now=now,
                          workers=workers, command="nút «Tạo sổ từ kế hoạch» của add-in Excel")
    master, paths = done.master, done.templates
    w.alert(f"Đã tạo sổ tổng hợp:\n{master}\n\nvà {len(paths)} tệp mẫu đơn vị trong thư mục:\n"
            f"{target}\n\nMở sổ tổng hợp để tổng hợp, tính điểm và xét khen thưởng; giữ tệp kế "
            f"hoạch «{path.name}» cạnh sổ (sổ đọc kế hoạch từ tệp này).", "Tạo sổ từ kế hoạch")
    w.commit()
