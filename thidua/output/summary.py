"""A plain-text summary of a result, for the terminal.

Built column-wise from the result's arrays (each figure formatted once per
distinct value) and written in one go: printing 100,000 units takes no
longer than formatting them.
"""
from __future__ import annotations

import re
import sys
from typing import TextIO

import numpy as np

from thidua.result import (AMOUNT, ELIGIBLE, PRIZE_LABEL, RANK, REASONS, STATUS_NOT_MET,
                           STATUS_NO_DATA, ScoreResult)
from thidua.text import format_money, format_numbers


NAME_WIDTH = 40


def short_name(name: str, width: int = NAME_WIDTH) -> str:
    """A unit's name in a column ``width`` wide: whole, or cut after a word with «…»."""
    name = " ".join(str(name).split())
    if len(name) <= width:
        return name
    cut = name[:width - 1].rsplit(" ", 1)[0] if " " in name[:width - 1] else name[:width - 1]
    return cut.rstrip(" ,;-–—") + "…"


_SPACE_NOT_BLANK = re.compile(r"[^\S ]")  # white space other than « »


def short_names(names: list[str]) -> list[str]:
    """:func:`short_name` of each name (names already tidy and short are kept as they are)."""
    if set(map(type, names)) <= {str}:
        joined = "\x00".join(names)
        untidy = ("  " in joined or "\x00 " in joined or " \x00" in joined
                  or joined.startswith(" ") or joined.endswith(" ")
                  or _SPACE_NOT_BLANK.search(joined) is not None)
        if not untidy:
            return [n if len(n) <= NAME_WIDTH else short_name(n) for n in names]
    return [short_name(n) for n in names]


def summary_lines(result: ScoreResult) -> list[str]:
    """The lines :func:`print_summary` prints."""
    plan = result.plan
    c = result.columns
    lines = [plan.title]
    if result.year is not None and plan.is_checklist:
        lines.append(f"Năm áp dụng chỉ tiêu: {result.year}")
    groups = np.asarray(c["nhom"], dtype=object)
    eligible = np.asarray(c[ELIGIBLE], dtype=bool)
    codes = np.asarray(c["ma_don_vi"], dtype=object)
    rank = np.asarray(c[RANK], dtype=float)
    amount = np.asarray(c[AMOUNT])
    code_list, names = codes.tolist(), short_names(list(c["ten_don_vi"]))
    totals = format_numbers(c["tong_diem"])
    prizes = [label or "" for label in c[PRIZE_LABEL]]
    for i in np.flatnonzero(amount).tolist():
        prizes[i] += f" ({format_money(amount[i])})"
    reasons = list(c[REASONS])
    score_word = "Số tiêu chí đạt" if plan.is_checklist else "Tổng điểm"
    for group in plan.groups:
        members = np.flatnonzero(groups == group.code)
        if not len(members):
            continue
        lines.append("")
        lines.append(f"== {group.label} ({len(members)} đơn vị)")
        lines.append(f"  {'Hạng':>4}  {'Mã':<10} {'Tên đơn vị':<40} {score_word:>15}  Giải")
        ranked = members[eligible[members]]
        if set(map(type, codes[ranked].tolist())) <= {str}:
            ranked = ranked[np.lexsort((codes[ranked].astype(str), rank[ranked]))]
        else:  # codes as given in a DataFrame (numbers…): compared as they are
            ranked = np.array(sorted(ranked.tolist(), key=lambda i: (rank[i], codes[i])), dtype=int)
        ranked = ranked.tolist()
        lines += [f"  {r:>4}  {code_list[i]:<10} {names[i]:<40} {totals[i]:>15}  {prizes[i]}"
                  for i, r in zip(ranked, rank[ranked].astype(int).tolist())]
        lines += [f"     —  {code_list[i]:<10} {names[i]:<40} {totals[i]:>15}  "
                  f"không đủ điều kiện: {'; '.join(reasons[i])}"
                  for i in members[~eligible[members]].tolist()]
    if plan.is_checklist and result.indicator_columns is not None:
        ind = result.indicator_columns
        lines.append("")
        lines.append("Tiêu chí chưa đạt / chưa có số liệu:")
        bad: dict[str, list[str]] = {}
        for code, part, crit, status in zip(ind["ma_don_vi"], ind["phan"], ind["tieu_chi"],
                                            ind["trang_thai"]):
            if part != "":
                continue
            items = bad.setdefault(code, [])
            if status in (STATUS_NOT_MET, STATUS_NO_DATA):
                items.append(f"{crit} ({status})")
        lines.extend(f"  {code}: {', '.join(items)}" for code, items in bad.items() if items)
    for v in result.vacant:
        lines.append(f"Giải để trống — {plan.group(v['group']).label}: {v['label']} "
                     "(không có đơn vị đạt điều kiện)")
    by_code = dict(zip(map(str, c["ma_don_vi"]), c["ten_don_vi"])) if result.ties else {}
    for t in result.ties:
        tied = [by_code.get(str(code), str(code)) for code in t["units"]]
        lines.append(f"Đồng hạng, Hội đồng Thi đua - Khen thưởng quyết định "
                     f"({plan.group(t['group']).label}): "
                     f"{' và '.join([', '.join(tied[:-1]), tied[-1]] if len(tied) > 1 else tied)} "
                     f"cùng giữ {', '.join(d['label'] for d in t['prize_details'])}")
    money_total = result.money_total()
    if money_total:
        lines.append(f"Tổng tiền thưởng: {format_money(money_total)}")
    return lines


def print_summary(result: ScoreResult, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.write("\n".join(summary_lines(result)) + "\n")
