"""Excel formulas for a plan, compiled from the rule definitions the engine runs.

Every formula here is built from ``Rule.to_excel`` and ``expr.to_excel``: the
same parsed definition the engine evaluates, so a workbook cannot drift from
the engine. Only functions Excel 2010 and LibreOffice both compute are used
(IF, AND, OR, NOT, MIN, MAX, ABS, ROUND, CHOOSE, MATCH, IFERROR, ISNUMBER,
ISBLANK, COUNTIF).

Cells hold what people type: numbers, "Có"/"Không" for yes/no, the label of
a choice. ``Refs`` turns a code into the numeric expression the engine sees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from thidua import expr as ex
from thidua.plan.model import (APPRAISAL_SUFFIX, MET_CODE, TOTAL_CODE, Indicator, Item, Plan,
                               Target)
from thidua.checklist import target_for_year
from thidua.result import STATUS_MET, STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET

YES = "Có"
NO = "Không"
YESNO_LIST = "ds_co_khong"  # defined name of the Có/Không list
EPS = ex.excel_number(ex.EPS)


def choice_list_name(code: str) -> str:
    """Defined name of a choice input's list of labels (hidden sheet)."""
    return f"ds_{code}"


def quote(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


@dataclass
class Refs:
    """How a formula reaches each code.

    ``cell(code)`` gives the cell reference (or defined name) holding a code's
    value as typed (inputs) or computed (values, items, total). With
    ``appraisal`` (self-scored plans), an input's appraised value wins where
    one is entered; ``appraisal(code)`` gives the appraisal cell.
    """

    plan: Plan
    cell: Callable[[str], str]
    level: str  # reference to the unit's level code ("tinh"/"huyen"/"xa")
    year: str = ""  # reference to the year targets apply to (checklist plans)
    appraisal: Callable[[str], str] | None = None
    _inputs: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._inputs = {inp.code: inp for inp in self.plan.inputs}

    def _numeric(self, code: str, cell: str) -> str:
        inp = self._inputs[code]
        if inp.type == "yesno":  # the list gives «Có»; a re-saved file may hold 1 or TRUE
            return f"IF(OR({cell}={quote(YES)},{cell}=1,{cell}=TRUE),1,0)"
        if inp.type == "choice":
            return f"IFERROR(MATCH({cell},{choice_list_name(code)},0)-1,0)"
        return cell

    def __call__(self, code: str) -> str:
        if code not in self._inputs:
            return self.cell(code)
        own = self._numeric(code, self.cell(code))
        if self.appraisal is None:
            return own
        appraised = self.appraisal(code)
        return f"IF({appraised}<>\"\",{self._numeric(code, appraised)},{own})"

    def present(self, code: str) -> str:
        """Condition: the input has a value (own or appraised)."""
        own = f"({self.cell(code)}<>\"\")"
        if self.appraisal is None or code not in self._inputs:
            return own
        return f"OR({own},({self.appraisal(code)}<>\"\"))"

    def inputs_under(self, node: ex.Node | set[str] | None) -> list[str]:
        """Input codes a node (or a set of names) depends on, through derived values too."""
        seen: list[str] = []
        values = {v.code: v for v in self.plan.values}

        def walk(names: set[str]) -> None:
            for name in sorted(names):
                if name in self._inputs and name not in seen:
                    seen.append(name)
                elif name in values:
                    walk(values[name].rule.names())

        if node is not None:
            walk(node if isinstance(node, set) else node.names())
        return seen


def appraisal_name(code: str) -> str:
    return code + APPRAISAL_SUFFIX


# ---------------------------------------------------------------- points plans

def value_formula(rule, refs: Refs) -> str:
    return rule.to_excel(refs, refs.level)


def item_formula(item: Item, refs: Refs) -> str:
    body = item.rule.to_excel(refs, refs.level)
    if item.levels is not None:
        tests = ",".join(f"{refs.level}={quote(level)}" for level in item.levels)
        body = f"IF(OR({tests}),{body},0)"
    manual = refs.plan.manual_total
    if manual:  # a special unit's total is entered by hand: its criteria are not scored
        body = f'IF({refs.present(manual)},"",{body})'
    return body


def total_formula(plan: Plan, refs: Refs) -> str:
    if plan.total is not None:
        body = ex.to_excel(plan.total, refs)
    else:
        terms = []
        for item in plan.items:
            sign = "-" if item.role == "deduction" else "+"
            terms.append(f"{sign}({refs(item.code)})")
        body = "".join(terms).lstrip("+") or "0"
    if plan.manual_total:
        return f"IF({refs.present(plan.manual_total)},{refs(plan.manual_total)},{body})"
    return body


def eligible_formula(plan: Plan, refs: Refs, group: str) -> str:
    """TRUE when every gate that applies to the unit's group holds."""
    parts = []
    for gate in plan.gates:
        cond = ex.to_excel(gate.condition, refs)
        if gate.groups is None:
            parts.append(cond)
        else:
            tests = ",".join(f"{group}={quote(g)}" for g in gate.groups)
            parts.append(f"IF(OR({tests}),{cond},TRUE)")
    return f"AND({','.join(parts)})" if parts else "TRUE"


def gate_formula(plan: Plan, gate, refs: Refs, group: str) -> str:
    """TRUE when this one gate holds (or does not apply to the unit's group)."""
    cond = ex.to_excel(gate.condition, refs)
    if gate.groups is None:
        return cond
    tests = ",".join(f"{group}={quote(g)}" for g in gate.groups)
    return f"IF(OR({tests}),{cond},TRUE)"


# ---------------------------------------------------------------- checklists

def _year_spans(spans: list[tuple[int, int | None, Target]]) -> list[tuple[int, int, Target]]:
    """Each span with its effective last year (single-year keys run to the next key)."""
    out = []
    for i, (start, end, target) in enumerate(spans):
        if end is None:
            end = spans[i + 1][0] - 1 if i + 1 < len(spans) else 9999
        out.append((start, end, target))
    return out


def target_formula(target: Target | None, refs: Refs) -> str:
    """The target's value; "" where the year has none or its figures are blank."""
    if target is None:
        return '""'
    if target.number is not None:
        return ex.excel_number(target.number)
    if target.expr is not None:
        needed = refs.inputs_under(target.expr)
        body = ex.to_excel(target.expr, refs)
        if not needed:
            return body
        missing = ",".join(f"NOT({refs.present(code)})" for code in needed)
        return f'IF(OR({missing}),"",{body})'

    if target.by_level is not None:
        out = '""'
        for level, sub in reversed(list(target.by_level.items())):
            out = f"IF({refs.level}={quote(level)},{target_formula(sub, refs)},{out})"
        return out
    if target.by_year is not None:
        out = '""'
        for start, end, sub in reversed(_year_spans(target.by_year)):
            out = (f"IF(AND({refs.year}>={start},{refs.year}<={end}),"
                   f"{target_formula(sub, refs)},{out})")
        return out
    return '""'


def status_formula(ind: Indicator, refs: Refs, value_cell: str, target_cell: str) -> str:
    """đạt / không đạt / chưa có số liệu / không áp dụng — as ``checklist.evaluate_one``."""
    needed = refs.inputs_under(ind.value)
    if ind.target is not None:
        needed += [c for c in refs.inputs_under(_target_names(ind.target)) if c not in needed]
    # A target with no value (blank baseline, a level it does not name) → no data.
    missing = ",".join([f"NOT({refs.present(code)})" for code in needed] + [f'{target_cell}=""'])
    compare = {
        ">=": f"{value_cell}>={target_cell}-{EPS}",
        "<=": f"{value_cell}<={target_cell}+{EPS}",
        "==": f"ABS({value_cell}-{target_cell})<={EPS}",
    }[ind.op]
    out = (f"IF(OR({missing}),{quote(STATUS_NO_DATA)},"
           f"IF({compare},{quote(STATUS_MET)},{quote(STATUS_NOT_MET)}))")
    if ind.waive_if is not None:
        waive_needed = refs.inputs_under(ind.waive_if)
        known = ",".join(refs.present(c) for c in waive_needed) or "TRUE"
        out = f"IF(AND({known},{ex.to_excel(ind.waive_if, refs)}),{quote(STATUS_NA)},{out})"
    applies = applies_formula(ind.target, refs)
    if applies == "TRUE":
        return out
    return f"IF(NOT({applies}),{quote(STATUS_NA)},{out})"


def applies_formula(target: Target | None, refs: Refs) -> str:
    """Condition: the target has a value for the year (as ``checklist.applies``)."""
    if target is None or target.by_year is None:
        return "TRUE"
    spans = ",".join(f"AND({refs.year}>={start},{refs.year}<={end})"
                     for start, end, _ in _year_spans(target.by_year))
    return f"OR({spans})"


def _target_names(target: Target) -> set[str]:
    """Every code a target's expressions use, at any level or year."""
    names: set[str] = set()
    if target.expr is not None:
        names |= target.expr.names()
    for sub in (target.by_level or {}).values():
        if sub is not None:
            names |= _target_names(sub)
    for _, _, sub in target.by_year or []:
        if sub is not None:
            names |= _target_names(sub)
    return names


def combined_status_formula(part_cells: list[str]) -> str:
    """A criterion with parts: as ``checklist.combine``."""
    def any_is(status: str) -> str:
        return "OR(" + ",".join(f"{c}={quote(status)}" for c in part_cells) + ")"
    all_na = "AND(" + ",".join(f"{c}={quote(STATUS_NA)}" for c in part_cells) + ")"
    return (f"IF({any_is(STATUS_NOT_MET)},{quote(STATUS_NOT_MET)},"
            f"IF({any_is(STATUS_NO_DATA)},{quote(STATUS_NO_DATA)},"
            f"IF({all_na},{quote(STATUS_NA)},{quote(STATUS_MET)})))")


def gap_formula(value_cell: str, target_cell: str, status_cell: str) -> str:
    return (f"IF(OR({status_cell}={quote(STATUS_NA)},{status_cell}={quote(STATUS_NO_DATA)}),"
            f"\"\",{value_cell}-{target_cell})")


def met_count_formula(status_range: str) -> str:
    return f"COUNTIF({status_range},{quote(STATUS_MET)})"


__all__ = ["Refs", "YES", "NO", "YESNO_LIST", "TOTAL_CODE", "MET_CODE", "quote",
           "choice_list_name", "appraisal_name", "value_formula", "item_formula",
           "total_formula", "eligible_formula", "gate_formula", "target_formula",
           "status_formula", "combined_status_formula", "gap_formula", "met_count_formula",
           "target_for_year"]
