"""Compile a plan once into its program: ordered named cells, each an expression tree.

The program is everything the tool computes for a unit, above the inputs:
derived values, every criterion's points (each rule lowered to nodes), the
total (blank until every required input is there; a special unit's total
entered by hand), consistency checks, gates, eligibility, the classification,
and for target checklists each indicator's value, target and status (and the
status of criteria with parts), the number met and applicable.

Each :class:`Cell` carries its label, how it is displayed (a number, a total
that reads «Chưa đủ số liệu» while blank, Có/Không, a status or a class
label) and how it is explained. The engine evaluates the cells in order
(``run``); the template and master writers place them and print each node
with the one Excel printer (``thidua.program.excel``). No plan-level logic is
written anywhere else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from thidua import expr as ex
from thidua.plan.model import (APPLICABLE_CODE, LEVELS, MET_CODE, TOTAL_CODE, Indicator, Plan,
                               Target)
from thidua.program.evaluate import Scope
from thidua.result import STATUS_MET, STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET
from thidua.rules.base import Context, Explainer, choose
from thidua.rules.expression import substituted
from thidua.text import format_number, format_numbers

#: Status codes as the program computes them, and their words (index = code).
NOT_MET, NO_DATA, MET, NA = 0.0, 1.0, 2.0, 3.0
STATUS_TEXTS = (STATUS_NOT_MET, STATUS_NO_DATA, STATUS_MET, STATUS_NA)
#: What a total (and eligibility) shows while a required figure is missing.
INCOMPLETE = "Chưa đủ số liệu"
YES, NO = "Có", "Không"
CLASS_CODE = "xep_loai"
ELIGIBLE_CODE = "du_dieu_kien"

# display kinds
NUMBER, TOTAL, YESNO, STATUS, LABEL = "number", "total", "yesno", "status", "label"


@dataclass
class Cell:
    """One named result of the program."""

    code: str
    node: ex.Node
    kind: str  # value | item | total | check | gate | eligible | class | ind_value | ind_target
    #            | ind_status | status | met | applicable
    label: str = ""
    display: str = NUMBER
    texts: tuple[str, ...] = ()  # words of a status or label display, by code
    explain: Explainer | None = None
    source: Any = None  # the plan element (Value, Item, Gate, Check, Indicator…)
    unit: str = ""

    @property
    def blank(self) -> str:
        """What the cell shows while it has no value."""
        return INCOMPLETE if self.display in (TOTAL, YESNO) else ""


@dataclass
class Program:
    plan: Plan
    cells: list[Cell]
    by_code: dict[str, Cell] = field(default_factory=dict)

    def __post_init__(self):
        self.by_code = {c.code: c for c in self.cells}

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def cell(self, code: str) -> Cell:
        return self.by_code[code]

    def of_kind(self, *kinds: str) -> list[Cell]:
        return [c for c in self.cells if c.kind in kinds]

    def inputs_under(self, node: ex.Node) -> list[str]:
        """Input codes a node depends on, through other cells too (in plan order)."""
        inputs = {inp.code for inp in self.plan.inputs}
        seen: set[str] = set()
        found: set[str] = set()

        def walk(n: ex.Node) -> None:
            for name in n.names():
                if name in seen:
                    continue
                seen.add(name)
                if name in inputs:
                    found.add(name)
                elif name in self.by_code:
                    walk(self.by_code[name].node)

        walk(node)
        return [inp.code for inp in self.plan.inputs if inp.code in found]


# ------------------------------------------------------------------ targets
def year_spans(spans: list[tuple[int, int | None, Target]]) -> list[tuple[int, int | None, Target]]:
    """Each year span with its effective last year: a single-year key runs to the
    next key (the last one for ever: ``None``); a range applies only within it."""
    out = []
    for i, (start, end, target) in enumerate(spans):
        if end is None and i + 1 < len(spans):
            end = spans[i + 1][0] - 1
        out.append((start, end, target))
    return out


def target_node(target: Target | None) -> ex.Node:
    """A target's value: blank where its level or year has none, or a figure it needs is blank."""
    if target is None:
        return ex.Blank()
    if target.number is not None:
        return ex.Num(target.number)
    if target.expr is not None:
        return target.expr
    if target.by_level is not None:
        out: ex.Node = ex.Blank()
        for level, sub in reversed(list(target.by_level.items())):
            out = ex.If(ex.Level((level,)), target_node(sub), out)
        return out
    if target.by_year is not None:
        out = ex.Blank()
        for start, end, sub in reversed(year_spans(target.by_year)):
            out = ex.If(ex.YearIn(start, end), target_node(sub), out)
        return out
    return ex.Blank()


def applies_node(target: Target | None) -> ex.Node:
    """1 when the target has a value for the year (a target by year may not)."""
    if target is None or target.by_year is None:
        return ex.Num(1.0)
    return ex.Logic("or", tuple(ex.YearIn(s, e) for s, e, _ in year_spans(target.by_year))) \
        if len(target.by_year) > 1 else ex.YearIn(*year_spans(target.by_year)[0][:2])


def last_target_year(plan: Plan) -> int | None:
    """The last year any target names (a plan's targets may run past its period)."""
    last = plan.last_year()
    for ind in plan.indicators:
        for part in [ind, *ind.parts]:
            if part.target is not None and part.target.by_year:
                for start, end, _ in part.target.by_year:
                    last = max(last or 0, end or start)
    return last


OP_TEXT = {">=": "≥", "<=": "≤", "==": "="}


def _status(part: Indicator, value: str, target: str) -> ex.Node:
    compare = ex.Cmp(part.op, ex.Name(value), ex.Name(target))
    met = ex.If(ex.Known(compare), ex.If(compare, ex.Num(MET), ex.Num(NOT_MET)), ex.Num(NO_DATA))
    if part.no_data_if is not None:
        met = ex.If(ex.truthy(part.no_data_if), ex.Num(NO_DATA), met)
    if part.waive_if is not None:
        met = ex.If(ex.truthy(part.waive_if), ex.Num(NA), met)
    applies = applies_node(part.target)
    if isinstance(applies, ex.Num):
        return met
    return ex.If(applies, met, ex.Num(NA))


# ------------------------------------------------------------------ compile
def compile_plan(plan: Plan) -> Program:
    """The program of ``plan`` (cached on the plan object: plans are not changed after loading)."""
    cached = getattr(plan, "_program", None)
    if cached is not None:
        return cached
    cells: list[Cell] = []
    for value in plan.values:
        node, explain = value.rule.lowered()
        cells.append(Cell(value.code, node, "value", value.label, explain=explain, source=value,
                          unit=value.unit))
    if plan.is_checklist:
        cells += _checklist_cells(plan)
    else:
        cells += _points_cells(plan)
    for k, check in enumerate(plan.checks, start=1):
        cells.append(Cell(f"kiem_tra_{k}", check.condition, "check", check.message, YESNO,
                          source=check))
    gates = []
    for k, gate in enumerate(plan.gates, start=1):
        node = gate.condition if gate.groups is None else \
            ex.If(ex.InGroup(tuple(gate.groups)), gate.condition, ex.Num(1.0))
        gates.append(node)
        cells.append(Cell(f"dieu_kien_{k}", node, "gate", gate.reason, YESNO, source=gate))
    rules = [ex.truthy(g) for g in gates] + [ex.Not(ex.falsy(c.condition)) for c in plan.checks]
    eligible = ex.If(ex.Known(ex.Name(TOTAL_CODE)), ex.all_of(rules) if rules else ex.Num(1.0),
                     ex.Blank())
    cells.append(Cell(ELIGIBLE_CODE, eligible, "eligible", "Đủ điều kiện xét khen thưởng", YESNO))
    if plan.classification is not None:
        cls = plan.classification
        from thidua.rules.bands import band_index
        cells.append(Cell(CLASS_CODE, band_index(cls.bands, cls.of), "class", cls.label, LABEL,
                          texts=tuple(b.label for b in cls.bands), source=cls))
    program = Program(plan, cells)
    plan._program = program
    return program


def _points_cells(plan: Plan) -> list[Cell]:
    cells: list[Cell] = []
    manual = ex.Known(ex.Name(plan.manual_total)) if plan.manual_total else None
    for item in plan.items:
        node, explain = item.rule.lowered()
        explain = _prefixed(item.id, explain)
        if item.levels is not None:
            node = ex.If(ex.Level(tuple(item.levels)), node, ex.Num(0.0))
            only = ", ".join(LEVELS[lv].lower() for lv in item.levels)
            explain = _unless(explain, ex.Level(tuple(item.levels)),
                              f"{item.id}: chỉ áp dụng cho {only} → 0 điểm", when=False)
        if manual is not None:
            node = ex.If(manual, ex.Blank(), node)
            explain = _unless(explain, manual, f"{item.id}: đơn vị đặc thù — không chấm theo tiêu chí",
                              when=True)
        cells.append(Cell(item.code, node, "item", item.label, explain=explain, source=item))
    if plan.total is not None:
        total: ex.Node = plan.total
        explain = _total_expression_text(plan.total)
    else:
        total = ex.plus([(-1.0 if i.role == "deduction" else 1.0, ex.Name(i.code)) for i in plan.items])
        explain = _sum_text(plan)
    required = [inp for inp in plan.inputs
                if inp.required and inp.default is None and inp.code != plan.manual_total]
    if required:
        total = ex.If(ex.all_of([ex.Known(ex.Name(i.code)) for i in required]), total, ex.Blank())
        explain = _missing_text(plan, required, explain)
    if manual is not None:
        manual_value = ex.Name(plan.manual_total)
        total = ex.If(manual, manual_value, total)
        explain = _unless(explain, manual, None, when=True, text_of=lambda ctx, i: (
            "Tổng điểm nhập tay (đơn vị đặc thù): "
            f"{format_number(ctx.eval(manual_value)[i])}"))
    cells.append(Cell(TOTAL_CODE, total, "total", "Tổng điểm", TOTAL, explain=explain))
    return cells


def _checklist_cells(plan: Plan) -> list[Cell]:
    cells: list[Cell] = []
    top: list[str] = []
    for ind in plan.indicators:
        parts = ind.parts or [ind]
        statuses = []
        for part in parts:
            key = part.code
            value = f"{key}:gia_tri"
            target = f"{key}:muc_tieu"
            status = f"{key}:trang_thai"
            cells.append(Cell(value, part.value if part.value is not None else ex.Blank(),
                              "ind_value", part.label, source=part, unit=part.unit))
            cells.append(Cell(target, target_node(part.target), "ind_target", part.label,
                              source=part, unit=part.unit))
            cells.append(Cell(status, _status(part, value, target), "ind_status", part.label,
                              STATUS, STATUS_TEXTS, source=part))
            statuses.append(status)
        if ind.parts:
            node = ex.Call("min", tuple(ex.Name(s) for s in statuses))
            cells.append(Cell(f"{ind.code}:trang_thai", node, "status", ind.label, STATUS,
                              STATUS_TEXTS, source=ind))
        top.append(f"{ind.code}:trang_thai")
    met = ex.plus([(1.0, ex.Cmp("==", ex.Name(s), ex.Num(MET))) for s in top])
    applicable = ex.plus([(1.0, ex.Cmp("!=", ex.Name(s), ex.Num(NA))) for s in top])
    cells.append(Cell(MET_CODE, met, "met", "Số tiêu chí đạt"))
    cells.append(Cell(APPLICABLE_CODE, applicable, "applicable", "Số tiêu chí áp dụng"))
    cells.append(Cell(TOTAL_CODE, ex.Name(MET_CODE), "total", "Số tiêu chí đạt", TOTAL))
    return cells


# ------------------------------------------------------------------ explanations
def _prefixed(prefix: str, explain: Explainer) -> Explainer:
    head = f"{prefix}: "
    return lambda ctx: list(map(head.__add__, explain(ctx)))


def _unless(explain: Explainer, cond: ex.Node, text: str | None, *, when: bool,
            text_of=None) -> Explainer:
    """``explain``, except where ``cond`` is ``when``: ``text`` (or ``text_of(ctx, i)``)."""
    def out(ctx: Context) -> list[str]:
        hit = ctx.eval(cond) != 0
        if not when:
            hit = ~hit
        texts = list(explain(ctx))
        for i in np.flatnonzero(hit).tolist():
            texts[i] = text if text_of is None else text_of(ctx, i)
        return texts
    return out


def _total_expression_text(node: ex.Node) -> Explainer:
    def explain(ctx: Context) -> list[str]:
        values = ctx.eval(node)
        filled, results = substituted(node, ctx.env, ctx.numbers), ctx.numbers(values)
        return [f"{a} = {b}" for a, b in zip(filled, results)]
    return explain


def _sum_text(plan: Plan) -> Explainer:
    """"10 + 8 + … − 0,5 = 97,5" per unit; zero bonuses and deductions left out."""
    def explain(ctx: Context) -> list[str]:
        texts = [""] * ctx.n
        for item in plan.items:
            values = ctx.env[item.code]
            sign = "−" if item.role == "deduction" else "+"
            shown = [f" {sign} {t}" for t in ctx.numbers(values)]
            if item.role != "score":
                shown = choose(values == 0, "", shown)
            texts = list(map(str.__add__, texts, shown))
        total = ctx.eval(plan_total_sum(plan))
        results = ctx.numbers(total)
        return [f"{t.lstrip('+ ').strip()} = {r}" for t, r in zip(texts, results)]
    return explain


def plan_total_sum(plan: Plan) -> ex.Node:
    return ex.plus([(-1.0 if i.role == "deduction" else 1.0, ex.Name(i.code)) for i in plan.items])


def _missing_text(plan: Plan, required, explain: Explainer) -> Explainer:
    def out(ctx: Context) -> list[str]:
        texts = list(explain(ctx))
        blank = {inp.code: np.isnan(ctx.env[inp.code]) for inp in required}
        some = np.zeros(ctx.n, dtype=bool)
        for mask in blank.values():
            some |= mask
        for i in np.flatnonzero(some).tolist():
            gone = [inp.label for inp in required if blank[inp.code][i]]
            texts[i] = (f"{INCOMPLETE}: thiếu " + "; ".join(f"«{g}»" for g in gone[:5])
                        + (f" và {len(gone) - 5} số liệu khác" if len(gone) > 5 else ""))
        return texts
    return out


# ------------------------------------------------------------------ running
def run(program: Program, inputs: dict[str, np.ndarray], levels, groups,
        year: int | None = None) -> Scope:
    """Every cell of ``program`` for every unit: inputs (as scored: NaN blank) → values."""
    levels = np.asarray(levels, dtype=object)
    scope = Scope(len(levels), dict(inputs), levels, np.asarray(groups, dtype=object), year)
    for cell in program.cells:
        scope.values[cell.code] = scope(cell.node)
    return scope


def fill_placeholders(template: str, values: dict[str, np.ndarray], i: int) -> str:
    """A gate's reason with ``{code}`` replaced by the unit's value."""
    return re.sub(r"\{([a-z][a-z0-9_]*)\}",
                  lambda m: format_number(values[m.group(1)][i]) if m.group(1) in values
                  else m.group(0), template)


_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def fill_placeholders_many(template: str, values: dict[str, np.ndarray],
                           units: np.ndarray) -> list[str]:
    """:func:`fill_placeholders` for each unit of ``units`` (each value formatted once)."""
    pieces = _PLACEHOLDER.split(template)  # text, code, text, code, …, text
    if len(pieces) == 1:
        return [template] * len(units)
    columns = []
    for k in range(1, len(pieces), 2):
        code = pieces[k]
        columns.append(format_numbers(values[code][units]) if code in values
                       else ["{" + code + "}"] * len(units))
    texts = pieces[0::2]
    parts = [repeat(texts[0], len(units))]
    for column, text in zip(columns, texts[1:]):
        parts += [column, repeat(text, len(units))]
    return list(map("".join, zip(*parts)))


def status_words(codes: np.ndarray) -> np.ndarray:
    """Status codes (0–3) as their words."""
    table = np.array(STATUS_TEXTS, dtype=object)
    return table[np.nan_to_num(codes, nan=NO_DATA).astype(int)]
