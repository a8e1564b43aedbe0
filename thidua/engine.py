"""Score a table of unit figures against a plan.

``score(plan, data)`` runs the plan's program (``thidua.program.compile``)
vectorised over all units at once — derived values → criteria points (or
checklist statuses) → totals → checks and gates → eligibility — then ranks
and allocates prizes (``thidua.awards``). Every number carries its
explanation, built from the same expression trees. Nothing here reads files
or writes output.
"""
from __future__ import annotations

import numpy as np

from thidua import awards
from thidua.errors import InputError, Problem
from thidua.plan.model import (APPLICABLE_CODE, APPRAISAL_SUFFIX, MET_CODE, TOTAL_CODE, Plan,
                               Prize)
from thidua.program.compile import (CLASS_CODE, INCOMPLETE, Program, compile_plan,
                                    fill_placeholders_many, last_target_year, run, status_words)
from thidua.program.evaluate import Scope
from thidua.program.describe import condition_words
from thidua.result import (AMOUNT, CLASS, ELIGIBLE, MANUAL, PRIZE, PRIZE_LABEL, RANK, REASONS,
                           SELF_TOTAL, SHARE, ScoreResult)
from thidua.rules.base import Context
from thidua.text import format_number

OP_TEXT = {">=": "≥", "<=": "≤", "==": "="}


def score(plan: Plan, data, year: int | None = None) -> ScoreResult:
    """Score ``data`` (a ``UnitTable`` or a DataFrame with the unit columns).

    DataFrame columns: ``ma_don_vi``, ``ten_don_vi``, ``nhom``, ``cap`` and the
    plan's input codes as numbers (yes/no as 1/0, a choice as its position,
    NaN for no data); for self-scored plans optionally ``<code>_tham_dinh``.
    """
    table, base = _columns(plan, data)
    n = len(table["ma_don_vi"])
    codes = _strings(table["ma_don_vi"])
    groups, levels = _texts(table["nhom"]), _texts(table["cap"])
    if plan.is_checklist:
        year = _check_year(plan, year if year is not None else _year_of(plan, table))
    program = compile_plan(plan)

    own = {inp.code: _floats(table, inp.code, n) for inp in plan.inputs}
    for inp in plan.inputs:  # a blank figure the plan gives a default reads as it (codecs)
        if inp.default is not None:
            own[inp.code] = np.where(np.isnan(own[inp.code]), float(inp.default), own[inp.code])
    effective = dict(own)
    if plan.self_scored:
        for inp in plan.inputs:
            appraised = _floats(table, inp.code + APPRAISAL_SUFFIX, n)
            effective[inp.code] = np.where(np.isnan(appraised), own[inp.code], appraised)

    scope = run(program, effective, levels, groups, year)
    env = scope.values
    ctx = Context(scope, _units(plan), words=lambda node: condition_words(plan, node))
    out: dict[str, object] = {c: table[c] for c in ("ma_don_vi", "ten_don_vi", "nhom", "cap")}
    for inp in plan.inputs:
        out[inp.code] = env[inp.code]
    for value in plan.values:
        out[value.code] = env[value.code]
    for cell in program.of_kind("item"):
        out[cell.code] = env[cell.code]
    out[TOTAL_CODE] = env[TOTAL_CODE]
    indicators, notes = None, {}
    if plan.is_checklist:
        out[MET_CODE] = env[MET_CODE]
        out[APPLICABLE_CODE] = env[APPLICABLE_CODE]
        indicators, notes = _indicator_rows(plan, program, scope, codes)
        for ind in plan.indicators:
            out[ind.code] = status_words(env[f"{ind.code}:trang_thai"])

    def explain() -> dict[str, list[str]]:
        """Every unit's explanation of every value, criterion and the total: built when
        something shows them (the results workbook, the add-in, ``check-plan --try``)."""
        explanations = {cell.code: cell.explain(ctx) for cell in program.of_kind("value", "item")}
        if plan.is_checklist:
            explanations.update(notes)
            explanations[TOTAL_CODE] = [f"Đạt {int(m)}/{int(a)} tiêu chí áp dụng" for m, a in
                                        zip(env[MET_CODE].tolist(), env[APPLICABLE_CODE].tolist())]
        else:
            explanations[TOTAL_CODE] = program.cell(TOTAL_CODE).explain(ctx)
        return explanations
    if plan.self_scored:
        out[SELF_TOTAL] = run(program, own, levels, groups, year).values[TOTAL_CODE]
    if plan.manual_total:
        out[MANUAL] = ~np.isnan(env[plan.manual_total])
    if plan.classification is not None:
        labels = np.array([b.label for b in plan.classification.bands] + [""], dtype=object)
        index = env[CLASS_CODE]
        out[CLASS] = labels[np.where(np.isnan(index), len(labels) - 1, index).astype(int)]

    reasons = _reasons(plan, program, scope)
    eligible = np.array([not r for r in reasons], dtype=bool)
    if plan.is_checklist:  # the share of applicable criteria met, then the number met
        applicable = env[APPLICABLE_CODE]
        share = np.where(applicable > 0, env[MET_CODE] / np.where(applicable > 0, applicable, 1), 0.0)
        out[SHARE] = share
        keys = [share, env[MET_CODE]]
    else:
        keys = [env[TOTAL_CODE]]
    keys += [env[code] for code in plan.tie_break]

    def qualifies(prize: Prize) -> np.ndarray:
        if prize.condition is None:
            return np.ones(n, dtype=bool)
        cond = scope(prize.condition)
        return ~np.isnan(cond) & (cond != 0)

    alloc = awards.allocate(plan, codes, groups, eligible, keys, qualifies)
    out[ELIGIBLE] = eligible
    out[REASONS] = reasons
    out[RANK] = alloc.rank
    out[PRIZE] = alloc.prize
    out[PRIZE_LABEL] = alloc.prize_label
    out[AMOUNT] = alloc.amount
    return ScoreResult(plan, out, explain, year=year, indicator_columns=indicators,
                       vacant=alloc.vacant, ties=alloc.ties, base=base)


def _columns(plan: Plan, data) -> tuple[dict[str, np.ndarray], object]:
    """The columns to score, and the unit columns of a DataFrame as given (else None)."""
    columns = getattr(data, "data", None)
    if columns is not None and not data.frame_built:  # a UnitTable, checked and converted
        _check_units(plan, columns["ma_don_vi"], columns["nhom"])
        return columns, None
    frame = getattr(data, "frame", data).reset_index(drop=True)
    missing = [c for c in ("ma_don_vi", "ten_don_vi", "nhom", "cap") if c not in frame.columns]
    if missing:
        raise InputError([Problem(f"bảng số liệu thiếu cột «{c}»", code="thieu_cot")
                          for c in missing])
    _check_units(plan, frame["ma_don_vi"].tolist(), frame["nhom"].tolist())
    table = {code: frame[code].to_numpy() for code in frame.columns}
    return table, frame[["ma_don_vi", "ten_don_vi", "nhom", "cap"]].copy()


def _strings(values) -> list[str]:
    """``str`` of each value."""
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return items if set(map(type, items)) <= {str} else [str(v) for v in items]


def _texts(values) -> np.ndarray:
    """Text of each value, as an object array."""
    if (isinstance(values, np.ndarray) and values.dtype == object
            and set(map(type, values.tolist())) <= {str}):
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = [str(v) for v in values]
    return out


def failed_checks(plan: Plan, table, year: int | None = None) -> list[Problem]:
    """The figures of a table that cannot be true: one problem per unit and check, at the
    cell of each figure the check reads (``so_lieu_mau_thuan``)."""
    data = table.frame.reset_index(drop=True) if table.frame_built else table.data
    n = len(data["ma_don_vi"])
    if not plan.checks or not n:
        return []
    program = compile_plan(plan)
    codes = _strings(data["ma_don_vi"])
    inputs = {inp.code: _floats(data, inp.code, n) for inp in plan.inputs}
    if plan.self_scored:
        for inp in plan.inputs:
            appraised = _floats(data, inp.code + APPRAISAL_SUFFIX, n)
            inputs[inp.code] = np.where(np.isnan(appraised), inputs[inp.code], appraised)
    scope = run(program, inputs, _texts(data["cap"]), _texts(data["nhom"]), year)
    out: list[Problem] = []
    for cell in program.of_kind("check"):
        cond = scope.values[cell.code]
        for i in np.flatnonzero(~np.isnan(cond) & (cond == 0)):
            figures = "; ".join(f"«{plan.input(c).label}» = {format_number(inputs[c][i])}"
                                for c in cell.source.inputs)
            for code in cell.source.inputs or [""]:
                letter = table.columns.get(code, "")
                row = table.rows[i] if table.rows else None
                out.append(Problem(
                    f"đơn vị {data['ma_don_vi'][int(i)]}: {cell.source.message} ({figures})",
                    code="so_lieu_mau_thuan", file=table.source, sheet=table.sheet,
                    cell=f"{letter}{row}" if table.sheet and letter and row else "",
                    row=row, column=code, unit=codes[i],
                    hint="kiểm tra lại các số liệu này với đơn vị; đơn vị không được xếp hạng, "
                         "xét khen thưởng cho tới khi sửa"))
    return out


def _units(plan: Plan) -> dict[str, str]:
    units = {inp.code: inp.unit for inp in plan.inputs}
    units.update({v.code: v.unit for v in plan.values})
    return units


def _reasons(plan: Plan, program: Program, scope: Scope) -> list[list[str]]:
    """Why each unit is not eligible: a blank total, a failed gate, a figure that cannot be true."""
    env, n = scope.values, scope.n
    reasons: list[list[str]] = [[] for _ in range(n)]
    total = env[TOTAL_CODE]
    for i in np.flatnonzero(np.isnan(total)):
        reasons[i].append(f"{INCOMPLETE} để tính tổng điểm")
    for cell in program.of_kind("gate"):
        cond = env[cell.code]
        blank = np.isnan(cond)
        failing = np.flatnonzero(blank | (cond == 0))
        texts = fill_placeholders_many(cell.source.reason, env, failing)
        for i, text, unknown in zip(failing.tolist(), texts, blank[failing].tolist()):
            reasons[i].append(text + (" (chưa có số liệu)" if unknown else ""))
    for cell in program.of_kind("check"):
        cond = env[cell.code]
        for i in np.flatnonzero(~np.isnan(cond) & (cond == 0)):
            reasons[i].append(cell.source.message)
    return reasons


def _indicator_rows(plan: Plan, program: Program, scope: Scope,
                    unit_codes: list[str]) -> tuple[dict[str, list], dict[str, list[str]]]:
    """Per unit × indicator (× part): value, target, gap, status and a note; and the
    explanation of each indicator per unit."""
    env, n = scope.values, scope.n
    columns: dict[str, list] = {k: [] for k in ("ma_don_vi", "tieu_chi", "ma", "phan", "noi_dung",
                                                "gia_tri", "muc_tieu", "chenh_lech", "trang_thai",
                                                "ghi_chu")}
    explanations: dict[str, list[str]] = {}

    def add(ind, part_id: str, label: str, value, target, status, notes) -> None:
        columns["ma_don_vi"] += unit_codes
        columns["tieu_chi"] += [ind.id] * n
        columns["ma"] += [ind.code] * n
        columns["phan"] += [part_id] * n
        columns["noi_dung"] += [label] * n
        columns["gia_tri"] += list(value)
        columns["muc_tieu"] += list(target)
        columns["chenh_lech"] += list(value - target)
        columns["trang_thai"] += list(status)
        columns["ghi_chu"] += notes

    for ind in plan.indicators:
        parts = ind.parts or [ind]
        part_notes, part_status = [], []
        for part in parts:
            value, target = env[f"{part.code}:gia_tri"], env[f"{part.code}:muc_tieu"]
            codes = env[f"{part.code}:trang_thai"]
            status = status_words(codes)
            notes = _notes(part, value, target, codes, scope)
            part_notes.append(notes)
            part_status.append(status)
            if not ind.parts:
                add(ind, "", ind.label, value, target, status, notes)
        if ind.parts:
            status = status_words(env[f"{ind.code}:trang_thai"])
            nan = np.full(n, np.nan)
            add(ind, "", ind.label, nan, nan, status,
                ["; ".join(f"{p.id}: {s[i]}" for p, s in zip(ind.parts, part_status))
                 for i in range(n)])
            for part, notes, s in zip(ind.parts, part_notes, part_status):
                add(ind, part.id, part.label, env[f"{part.code}:gia_tri"],
                    env[f"{part.code}:muc_tieu"], s, notes)
            texts = ["; ".join(f"{p.id}: {notes[i]} → {s[i]}"
                               for p, notes, s in zip(ind.parts, part_notes, part_status))
                     for i in range(n)]
        else:
            texts = part_notes[0]
            status = part_status[0]
        explanations[ind.code] = [f"{ind.id}: {texts[i]} → {status[i]}" for i in range(n)]
    return columns, explanations


def _waived(part, scope: Scope) -> np.ndarray:
    if part.waive_if is None:
        return np.zeros(scope.n, dtype=bool)
    w = scope(part.waive_if)
    return ~np.isnan(w) & (w != 0)


def _notes(part, value: np.ndarray, target: np.ndarray, codes: np.ndarray,
           scope: Scope) -> list[str]:
    """The note of one indicator (part) per unit: «96 % ≥ 95 %», «chưa có số liệu»…"""
    waived = _waived(part, scope)
    no_data = np.zeros(scope.n, dtype=bool)
    if part.no_data_if is not None:
        flag = scope(part.no_data_if)
        no_data = ~np.isnan(flag) & (flag != 0)
    unit = f" {part.unit}" if part.unit else ""
    op = OP_TEXT[part.op]
    out = []
    for i in range(scope.n):
        if codes[i] == 3.0 and waived[i]:
            out.append(part.waive_reason)
        elif codes[i] == 1.0 and no_data[i]:
            out.append(part.no_data_reason)
        elif codes[i] == 3.0:
            out.append(f"không có mục tiêu cho năm {scope.year}")
        elif np.isnan(value[i]):
            out.append("chưa có số liệu")
        elif np.isnan(target[i]):
            out.append("chưa có số liệu để tính mục tiêu")
        else:
            met = codes[i] == 2.0
            out.append(f"{format_number(value[i])}{unit} {'' if met else 'không '}{op} "
                       f"{format_number(target[i])}{unit}".replace("  ", " "))
    return out


def _floats(table: dict, code: str, n: int) -> np.ndarray:
    if code not in table:
        return np.full(n, np.nan)
    values = table[code]
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(float, copy=False)
    import pandas as pd

    return pd.to_numeric(pd.Series(values), errors="raise").to_numpy(dtype=float, na_value=np.nan)


def column_years(table) -> list[int]:
    """The years a table's ``nam`` column names (a dict of columns or a DataFrame)."""
    if "nam" not in table:
        return []
    values = np.asarray(table["nam"], dtype=object)
    found = set()
    for y in values.tolist():
        try:
            number = float(y)
        except (TypeError, ValueError):
            continue
        if number == number:
            found.add(int(number))
    return sorted(found)


def _year_of(plan: Plan, table) -> int | None:
    """The year of the data (its ``nam`` column), else the plan's last year."""
    years = column_years(table)
    if len(years) > 1:
        raise InputError(Problem(
            f"bảng số liệu có nhiều năm ({', '.join(map(str, years))}) trong cột «nam»",
            column="nam", code="bang_sai",
            hint="chấm từng năm riêng: chọn năm bằng --year, hoặc tách bảng theo năm"))
    return years[0] if years else plan.last_year()


def _check_year(plan: Plan, year: int | None) -> int | None:
    """A year the plan's targets speak of: from its first year to its last target year."""
    if year is None or plan.years is None:
        return year
    last = last_target_year(plan)
    if not plan.years[0] <= year <= last:
        raise InputError(Problem(
            f"năm {year} nằm ngoài thời gian của kế hoạch «{plan.id}» ({plan.years[0]}–{last})",
            hint=f"chọn một năm từ {plan.years[0]} đến {last}"))
    return year


def _check_units(plan: Plan, codes, groups) -> None:
    """Every unit in a group of the plan, and no unit code twice."""
    known = {g.code for g in plan.groups}
    texts = _strings(groups)
    problems = []
    if not set(texts) <= known:
        problems = [Problem(f"nhóm «{g}» không có trong kế hoạch (các nhóm: "
                            f"{', '.join(sorted(known))})", row=i + 2, column="nhom",
                            code="bang_sai")
                    for i, g in enumerate(groups) if str(g) not in known]
    texts = _strings(codes)
    if len(set(texts)) < len(texts):
        seen: set[str] = set()
        for c in texts:
            if c in seen:
                problems.append(Problem(f"mã đơn vị «{c}» xuất hiện hai lần", column="ma_don_vi",
                                        code="bang_sai"))
                break
            seen.add(c)
    if problems:
        raise InputError(problems)
