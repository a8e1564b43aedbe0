"""Score a table of unit figures against a plan.

``score(plan, data)`` evaluates, vectorised over all units at once: derived
values → criteria points (or checklist statuses) → totals → eligibility gates
→ ranking and prizes (``thidua.awards``). Every number carries its
explanation. Nothing here reads files or writes output.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from thidua import awards, checklist
from thidua.errors import InputError, Problem
from thidua.plan.model import (APPLICABLE_CODE, APPRAISAL_SUFFIX, LEVELS, MET_CODE, TOTAL_CODE,
                               Plan, Prize)
from thidua.result import (AMOUNT, ELIGIBLE, MANUAL, PRIZE, PRIZE_LABEL, RANK, REASONS,
                           SELF_TOTAL, ScoreResult)
from thidua.rules.base import Context
from thidua.rules.expression import substituted
from thidua.text import format_number, format_numbers

_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def score(plan: Plan, data, year: int | None = None) -> ScoreResult:
    """Score ``data`` (a ``UnitTable`` or a DataFrame with the unit columns).

    DataFrame columns: ``ma_don_vi``, ``ten_don_vi``, ``nhom``, ``cap`` and the
    plan's input codes as numbers (yes/no as 1/0, a choice as its position,
    NaN for no data); for self-scored plans optionally ``<code>_tham_dinh``.
    """
    frame = getattr(data, "frame", data).reset_index(drop=True)
    _check_columns(plan, frame)
    n = len(frame)
    codes = [str(c) for c in frame["ma_don_vi"]]
    groups = frame["nhom"].astype(str).to_numpy(dtype=object)
    levels = frame["cap"].astype(str).to_numpy(dtype=object)
    if plan.is_checklist:
        year = _check_year(plan, year if year is not None else _year_of(plan, frame))

    own = {inp.code: _floats(frame, inp.code, n) for inp in plan.inputs}
    effective = dict(own)
    if plan.self_scored:
        for inp in plan.inputs:
            appraised = _floats(frame, inp.code + APPRAISAL_SUFFIX, n)
            effective[inp.code] = np.where(np.isnan(appraised), own[inp.code], appraised)

    ctx, explanations, detail = _evaluate(plan, effective, levels, year, codes)
    out = frame[["ma_don_vi", "ten_don_vi", "nhom", "cap"]].copy()
    for code, values in ctx.env.items():
        out[code] = values
    if plan.self_scored:
        self_ctx, _, _ = _evaluate(plan, own, levels, year, codes)
        out[SELF_TOTAL] = self_ctx.env[TOTAL_CODE]
    if plan.manual_total:
        out[MANUAL] = ~np.isnan(effective[plan.manual_total])
    if detail is not None:
        for code, status in detail.statuses.items():
            out[code] = status

    total = ctx.env[TOTAL_CODE]
    reasons: list[list[str]] = [[] for _ in range(n)]
    for i in np.flatnonzero(np.isnan(total)):
        reasons[i].append("Chưa đủ số liệu để tính tổng điểm")
    for gate in plan.gates:
        applies = np.ones(n, dtype=bool) if gate.groups is None else np.isin(groups, gate.groups)
        cond = ctx.eval(gate.condition)
        failed = applies & (np.isnan(cond) | (cond == 0))
        for i in np.flatnonzero(failed):
            text = _fill(gate.reason, ctx.env, i)
            if np.isnan(cond[i]):
                text += " (chưa có số liệu)"
            reasons[i].append(text)
    for check in plan.checks:  # figures that cannot be true: never ranked or awarded
        cond = ctx.eval(check.condition)
        for i in np.flatnonzero(~np.isnan(cond) & (cond == 0)):
            reasons[i].append(check.message)
    eligible = np.array([not r for r in reasons], dtype=bool)

    keys = [total] + [ctx.env[code] for code in plan.tie_break]

    def qualifies(prize: Prize) -> np.ndarray:
        if prize.condition is None:
            return np.ones(n, dtype=bool)
        cond = ctx.eval(prize.condition)
        return ~np.isnan(cond) & (cond != 0)

    alloc = awards.allocate(plan, codes, groups, eligible, keys, qualifies)
    out[ELIGIBLE] = eligible
    out[REASONS] = pd.Series(reasons, dtype=object)
    out[RANK] = alloc.rank
    out[PRIZE] = pd.Series(alloc.prize, dtype=object)
    out[PRIZE_LABEL] = pd.Series(alloc.prize_label, dtype=object)
    out[AMOUNT] = alloc.amount
    return ScoreResult(plan=plan, frame=out, explanations=pd.DataFrame(explanations),
                       year=year, indicators=detail.rows if detail is not None else None,
                       vacant=alloc.vacant, ties=alloc.ties)


def _evaluate(plan: Plan, inputs: dict[str, np.ndarray], levels: np.ndarray, year, codes):
    n = len(levels)
    env: dict[str, np.ndarray] = dict(inputs)
    units = {inp.code: inp.unit for inp in plan.inputs}
    units.update({v.code: v.unit for v in plan.values})
    ctx = Context(n=n, env=env, levels=levels, units=units, year=year)
    explanations: dict[str, list[str]] = {}
    for value in plan.values:
        env[value.code], explanations[value.code] = value.rule.evaluate(ctx)
    detail = None
    manual = (~np.isnan(inputs[plan.manual_total]) if plan.manual_total
              else np.zeros(n, dtype=bool))
    if plan.is_checklist:
        detail = checklist.evaluate(plan, ctx, codes)
        env[MET_CODE] = detail.met
        env[APPLICABLE_CODE] = detail.applicable
        env[TOTAL_CODE] = detail.met.copy()
        explanations.update(detail.explanations)
        explanations[TOTAL_CODE] = [f"Đạt {int(m)}/{int(a)} tiêu chí áp dụng"
                                    for m, a in zip(detail.met, detail.applicable)]
        return ctx, explanations, detail

    for item in plan.items:
        points, texts = item.rule.evaluate(ctx)
        texts = [f"{item.id}: {t}" for t in texts]
        if item.levels is not None:
            skip = ~np.isin(levels, item.levels)
            points = np.where(skip, 0.0, points)
            only = ", ".join(LEVELS[lv].lower() for lv in item.levels)
            texts = [f"{item.id}: chỉ áp dụng cho {only} → 0 điểm" if skip[i] else t
                     for i, t in enumerate(texts)]
        env[item.code] = points
        explanations[item.code] = texts
    if plan.total is not None:
        total = ctx.eval(plan.total)
        filled, results = substituted(plan.total, env), format_numbers(total)
        explanations[TOTAL_CODE] = [f"{filled[i]} = {results[i]}" for i in range(n)]
    else:
        total = np.zeros(n)
        for item in plan.items:
            sign = -1.0 if item.role == "deduction" else 1.0
            total = total + sign * env[item.code]
        explanations[TOTAL_CODE] = _sum_texts(plan, env, total)
    if manual.any():
        manual_values = inputs[plan.manual_total]
        total = np.where(manual, manual_values, total)
        for item in plan.items:
            env[item.code] = np.where(manual, np.nan, env[item.code])
            explanations[item.code] = [
                f"{item.id}: đơn vị đặc thù — không chấm theo tiêu chí" if manual[i] else t
                for i, t in enumerate(explanations[item.code])]
        explanations[TOTAL_CODE] = [
            f"Tổng điểm nhập tay (đơn vị đặc thù): {format_number(manual_values[i])}" if manual[i] else t
            for i, t in enumerate(explanations[TOTAL_CODE])]
    env[TOTAL_CODE] = total
    return ctx, explanations, detail


def _sum_texts(plan: Plan, env, total: np.ndarray) -> list[str]:
    """"10 + 8 + … − 0,5 = 97,5" per unit; zero bonuses and deductions left out."""
    columns = [(item, format_numbers(env[item.code]), env[item.code]) for item in plan.items]
    results = format_numbers(total)
    out = []
    for i in range(len(total)):
        parts = []
        for item, texts, values in columns:
            if item.role != "score" and values[i] == 0:
                continue
            parts.append(f"{'−' if item.role == 'deduction' else '+'} {texts[i]}")
        out.append(f"{' '.join(parts).lstrip('+ ').strip()} = {results[i]}")
    return out


def _fill(template: str, env: dict[str, np.ndarray], i: int) -> str:
    def repl(m: re.Match) -> str:
        code = m.group(1)
        return format_number(env[code][i]) if code in env else m.group(0)
    return _PLACEHOLDER.sub(repl, template)


def _floats(frame: pd.DataFrame, code: str, n: int) -> np.ndarray:
    if code not in frame.columns:
        return np.full(n, np.nan)
    return pd.to_numeric(frame[code], errors="raise").to_numpy(dtype=float, na_value=np.nan)


def _year_of(plan: Plan, frame: pd.DataFrame) -> int | None:
    """The year of the data (its ``nam`` column), else the plan's last year."""
    if "nam" in frame.columns:
        years = sorted(int(y) for y in pd.to_numeric(frame["nam"], errors="coerce").dropna().unique())
        if len(years) == 1:
            return years[0]
        if len(years) > 1:
            raise InputError(Problem(
                f"bảng số liệu có nhiều năm ({', '.join(map(str, years))}) trong cột «nam»",
                column="nam", hint="chấm từng năm riêng: chọn năm bằng --year, hoặc tách bảng theo năm"))
    return plan.last_year()


def _check_year(plan: Plan, year: int | None) -> int | None:
    """A year the plan's targets speak of: from its first year to its last target year."""
    if year is None or plan.years is None:
        return year
    last = plan.years[1]
    for ind in plan.indicators:
        for part in [ind, *ind.parts]:
            if part.target is not None and part.target.by_year:
                for start, end, _ in part.target.by_year:
                    last = max(last, end or start)
    if not plan.years[0] <= year <= last:
        raise InputError(Problem(
            f"năm {year} nằm ngoài thời gian của kế hoạch «{plan.id}» ({plan.years[0]}–{last})",
            hint=f"chọn một năm từ {plan.years[0]} đến {last}"))
    return year


def _check_columns(plan: Plan, frame: pd.DataFrame) -> None:
    problems = [Problem(f"bảng số liệu thiếu cột «{c}»") for c in
                ("ma_don_vi", "ten_don_vi", "nhom", "cap") if c not in frame.columns]
    if problems:
        raise InputError(problems)
    known = {g.code for g in plan.groups}
    for i, g in enumerate(frame["nhom"]):
        if str(g) not in known:
            problems.append(Problem(f"nhóm «{g}» không có trong kế hoạch (các nhóm: {', '.join(sorted(known))})",
                                    row=i + 2, column="nhom"))
    if frame["ma_don_vi"].astype(str).duplicated().any():
        dup = frame["ma_don_vi"][frame["ma_don_vi"].astype(str).duplicated()].iloc[0]
        problems.append(Problem(f"mã đơn vị «{dup}» xuất hiện hai lần", column="ma_don_vi"))
    if problems:
        raise InputError(problems)
