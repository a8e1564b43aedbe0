"""Target checklists: each indicator's value against its target.

Per unit and indicator: value, target, gap (value − target) and a status —
``đạt``, ``không đạt``, ``chưa có số liệu`` (value or target blank) or
``không áp dụng`` (no target for that year, or waived). A criterion with parts
is met when every applicable part is met. Targets may depend on the unit's
level, the year, or another input (a 2022 baseline + 10 points).

Years: a single-year key ("2022") applies from that year until the next key;
a range ("2023-2025") applies only within it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thidua import expr as ex
from thidua.plan.model import Indicator, Plan, Target
from thidua.result import STATUS_MET, STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET
from thidua.rules.base import Context
from thidua.text import format_number

OP_TEXT = {">=": "≥", "<=": "≤", "==": "="}


def target_for_year(spans: list[tuple[int, int | None, Target]], year: int) -> Target | None:
    for i, (start, end, target) in enumerate(spans):
        if end is None:
            end = spans[i + 1][0] - 1 if i + 1 < len(spans) else 10**6
        if start <= year <= end:
            return target
    return None


def resolve_target(target: Target | None, ctx: Context) -> np.ndarray:
    """Target per unit; NaN where it depends on a blank value, ±inf never."""
    if target is None:
        return np.full(ctx.n, np.nan)
    if target.number is not None:
        return np.full(ctx.n, target.number)
    if target.expr is not None:
        return ctx.eval(target.expr)
    if target.by_level is not None:
        out = np.full(ctx.n, np.nan)
        for level, sub in target.by_level.items():
            mask = ctx.levels == level
            if mask.any():
                out[mask] = resolve_target(sub, ctx)[mask]
        return out
    if target.by_year is not None:
        if ctx.year is None:
            return np.full(ctx.n, np.nan)
        return resolve_target(target_for_year(target.by_year, ctx.year), ctx)
    return np.full(ctx.n, np.nan)


def applies(target: Target | None, year: int | None) -> bool:
    """False when the target has no value for this year."""
    if target is None or target.by_year is None:
        return True
    if year is None:
        return False
    return target_for_year(target.by_year, year) is not None


@dataclass
class Outcome:
    status: np.ndarray  # object array of status strings
    value: np.ndarray
    target: np.ndarray
    note: list[str]


def evaluate_one(ind: Indicator, ctx: Context) -> Outcome:
    value = ctx.eval(ind.value) if ind.value is not None else np.full(ctx.n, np.nan)
    if not applies(ind.target, ctx.year):
        return Outcome(np.full(ctx.n, STATUS_NA, dtype=object), value, np.full(ctx.n, np.nan),
                       [f"không có mục tiêu cho năm {ctx.year}"] * ctx.n)
    target = resolve_target(ind.target, ctx)
    with np.errstate(invalid="ignore"):
        if ind.op == ">=":
            met = value >= target - ex.EPS
        elif ind.op == "<=":
            met = value <= target + ex.EPS
        else:
            met = np.abs(value - target) <= ex.EPS
    missing = np.isnan(value) | np.isnan(target)
    status = np.where(missing, STATUS_NO_DATA, np.where(met, STATUS_MET, STATUS_NOT_MET)).astype(object)
    waived = np.zeros(ctx.n, dtype=bool)
    if ind.waive_if is not None:
        w = ctx.eval(ind.waive_if)
        waived = ~np.isnan(w) & (w != 0)
        status[waived] = STATUS_NA
    unit = f" {ind.unit}" if ind.unit and ind.unit != "%" else (" %" if ind.unit == "%" else "")
    notes = []
    for i in range(ctx.n):
        if waived[i]:
            notes.append(ind.waive_reason)
        elif missing[i]:
            notes.append("chưa có số liệu" if np.isnan(value[i]) else "chưa có số liệu để tính mục tiêu")
        else:
            notes.append(f"{format_number(value[i])}{unit} {'' if met[i] else 'không '}"
                         f"{OP_TEXT[ind.op]} {format_number(target[i])}{unit}".replace("  ", " "))
    return Outcome(status, value, target, notes)


def combine(statuses: list[np.ndarray]) -> np.ndarray:
    """A criterion with parts: not met if any part fails; then no data; n/a if all n/a."""
    stack = np.vstack(statuses)
    out = np.full(stack.shape[1], STATUS_MET, dtype=object)
    all_na = (stack == STATUS_NA).all(axis=0)
    out[all_na] = STATUS_NA
    out[(stack == STATUS_NO_DATA).any(axis=0)] = STATUS_NO_DATA
    out[(stack == STATUS_NOT_MET).any(axis=0)] = STATUS_NOT_MET
    return out


@dataclass
class ChecklistResult:
    statuses: dict[str, np.ndarray]  # indicator code -> status per unit
    explanations: dict[str, list[str]]
    rows: pd.DataFrame
    met: np.ndarray
    applicable: np.ndarray


def evaluate(plan: Plan, ctx: Context, unit_codes: list[str]) -> ChecklistResult:
    statuses: dict[str, np.ndarray] = {}
    explanations: dict[str, list[str]] = {}
    records: list[dict] = []

    def add_rows(ind: Indicator, part: str, out: Outcome, label: str) -> None:
        gap = out.value - out.target
        for i, code in enumerate(unit_codes):
            records.append({
                "ma_don_vi": code, "tieu_chi": ind_top.id, "ma": ind_top.code, "phan": part,
                "noi_dung": label, "gia_tri": out.value[i], "muc_tieu": out.target[i],
                "chenh_lech": gap[i], "trang_thai": out.status[i], "ghi_chu": out.note[i]})

    for ind_top in plan.indicators:
        if ind_top.parts:
            outs = [evaluate_one(p, ctx) for p in ind_top.parts]
            status = combine([o.status for o in outs])
            nan = np.full(ctx.n, np.nan)
            add_rows(ind_top, "", Outcome(status, nan, nan,
                     ["; ".join(f"{p.id}: {o.status[i]}" for p, o in zip(ind_top.parts, outs))
                      for i in range(ctx.n)]), ind_top.label)
            for p, o in zip(ind_top.parts, outs):
                add_rows(ind_top, p.id, o, p.label)
            notes = ["; ".join(f"{p.id}: {o.note[i]} → {o.status[i]}" for p, o in zip(ind_top.parts, outs))
                     for i in range(ctx.n)]
        else:
            out = evaluate_one(ind_top, ctx)
            status = out.status
            add_rows(ind_top, "", out, ind_top.label)
            notes = out.note
        statuses[ind_top.code] = status
        explanations[ind_top.code] = [f"{ind_top.id}: {notes[i]} → {status[i]}" for i in range(ctx.n)]
    stack = np.vstack(list(statuses.values())) if statuses else np.empty((0, ctx.n))
    met = (stack == STATUS_MET).sum(axis=0).astype(float)
    applicable = (stack != STATUS_NA).sum(axis=0).astype(float)
    return ChecklistResult(statuses, explanations, pd.DataFrame.from_records(records), met, applicable)
