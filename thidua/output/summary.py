"""A plain-text summary of a result, for the terminal."""
from __future__ import annotations

import sys
from typing import TextIO

from thidua.result import (AMOUNT, ELIGIBLE, PRIZE_LABEL, RANK, REASONS, STATUS_NOT_MET,
                           STATUS_NO_DATA, ScoreResult)
from thidua.text import format_money, format_number


NAME_WIDTH = 40


def short_name(name: str, width: int = NAME_WIDTH) -> str:
    """A unit's name in a column ``width`` wide: whole, or cut after a word with «…»."""
    name = " ".join(str(name).split())
    if len(name) <= width:
        return name
    cut = name[:width - 1].rsplit(" ", 1)[0] if " " in name[:width - 1] else name[:width - 1]
    return cut.rstrip(" ,;-–—") + "…"


def print_summary(result: ScoreResult, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    plan = result.plan
    frame = result.frame
    w = lambda text="": print(text, file=out)  # noqa: E731
    w(plan.title)
    if result.year is not None and plan.is_checklist:
        w(f"Năm áp dụng chỉ tiêu: {result.year}")
    for group in plan.groups:
        rows = frame[frame["nhom"] == group.code]
        if rows.empty:
            continue
        w()
        w(f"== {group.label} ({len(rows)} đơn vị)")
        ranked = rows[rows[ELIGIBLE]].sort_values([RANK, "ma_don_vi"])
        score_word = "Số tiêu chí đạt" if plan.is_checklist else "Tổng điểm"
        w(f"  {'Hạng':>4}  {'Mã':<10} {'Tên đơn vị':<40} {score_word:>15}  Giải")
        for _, r in ranked.iterrows():
            prize = r[PRIZE_LABEL] or ""
            if r[AMOUNT]:
                prize += f" ({format_money(r[AMOUNT])})"
            w(f"  {int(r[RANK]):>4}  {r['ma_don_vi']:<10} {short_name(r['ten_don_vi']):<40} "
              f"{format_number(r['tong_diem']):>15}  {prize}")
        for _, r in rows[~rows[ELIGIBLE]].iterrows():
            w(f"  {'—':>4}  {r['ma_don_vi']:<10} {short_name(r['ten_don_vi']):<40} "
              f"{format_number(r['tong_diem']):>15}  không đủ điều kiện: {'; '.join(r[REASONS])}")
    if plan.is_checklist and result.indicators is not None:
        ind = result.indicators
        top = ind[ind["phan"] == ""]
        w()
        w("Tiêu chí chưa đạt / chưa có số liệu:")
        for code, rows in top.groupby("ma_don_vi", sort=False):
            bad = rows[rows["trang_thai"].isin([STATUS_NOT_MET, STATUS_NO_DATA])]
            if not bad.empty:
                items = ", ".join(f"{r.tieu_chi} ({r.trang_thai})" for r in bad.itertuples())
                w(f"  {code}: {items}")
    for v in result.vacant:
        w(f"Giải để trống — {plan.group(v['group']).label}: {v['label']} (không có đơn vị đạt điều kiện)")
    names = dict(zip(frame["ma_don_vi"].astype(str), frame["ten_don_vi"]))
    for t in result.ties:
        tied = [names.get(str(code), str(code)) for code in t["units"]]
        w(f"Đồng hạng, Hội đồng Thi đua - Khen thưởng quyết định ({plan.group(t['group']).label}): "
          f"{' và '.join([', '.join(tied[:-1]), tied[-1]] if len(tied) > 1 else tied)} "
          f"cùng giữ {', '.join(d['label'] for d in t['prize_details'])}")
    money = result.money_total()
    if money:
        w(f"Tổng tiền thưởng: {format_money(money)}")
