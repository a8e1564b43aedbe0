"""The one Excel printer: expression trees as formulas Excel 2010+ and LibreOffice compute.

Every formula the tool writes comes from here: a program cell's tree printed
against a :class:`Placement` (where the names are in one workbook layout).
Only functions both spreadsheets share are used (IF, AND, OR, NOT, MIN, MAX,
ABS, ROUND, CHOOSE, MATCH, ISNUMBER…).

A tree prints as two expressions: its value, and the conditions under which
it has one (``known``). A cell's formula is ``IF(known, value, blank)``, so a
cell is blank exactly where the engine's value is NaN: the same blank rules
as ``thidua.program.evaluate`` (an ``If`` needs only the branch it takes).
Cells referenced by other cells hold numbers or a blank (``""`` or a text such
as «Chưa đủ số liệu»), so ``ISNUMBER(ref)`` tells a name is known.
"""
from __future__ import annotations

import math

from thidua import expr as ex
from thidua.codecs import quote
from thidua.program.compile import (LABEL, NO, NUMBER, STATUS, TOTAL, YES, YESNO, Cell,
                                    Program)

EPS = ex.excel_number(1e-9)


class Placement:
    """Where a program's names are, in one layout (a template, a master row…).

    Subclasses (one per writer) give: ``input_ref(code)`` — the cell holding an
    input's scored number or "" (the codec's read of what was typed);
    ``cell_ref(code)`` — the cell where a program cell is placed; the unit's
    level, group and the targets' year as references; optionally cells to
    print inline instead of referencing them (``inline``).
    """

    level = '""'
    group = '""'
    year = '""'

    def __init__(self, program: Program):
        self.program = program
        self.inputs = {inp.code for inp in program.plan.inputs}

    def input_ref(self, code: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def cell_ref(self, code: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def inline(self, code: str) -> bool:
        return False

    def level_test(self, levels: tuple[str, ...]) -> str:
        return _any_equal(self.level, levels)

    def group_test(self, groups: tuple[str, ...]) -> str:
        return _any_equal(self.group, groups)

    def year_test(self, first: int, last: int | None) -> str:
        if last is None:
            return f"({self.year}>={first})"
        if first == last:
            return f"({self.year}={first})"
        return f"AND({self.year}>={first},{self.year}<={last})"


def _any_equal(ref: str, codes: tuple[str, ...]) -> str:
    tests = [f"{ref}={quote(c)}" for c in codes]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _and(conditions: list[str]) -> str:
    if not conditions:
        return "TRUE"
    return conditions[0] if len(conditions) == 1 else f"AND({','.join(conditions)})"


def _merge(*lists: list[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for c in items:
            if c not in out:
                out.append(c)
    return out


class Printer:
    """Prints trees against a placement."""

    def __init__(self, placement: Placement):
        self.at = placement
        self.program = placement.program

    # ---------------------------------------------------------- names
    def _name(self, code: str) -> tuple[str, list[str]]:
        at = self.at
        if code in at.inputs:
            ref = at.input_ref(code)
            return ref, [f"ISNUMBER({ref})"]
        cell = self.program.cell(code)
        if at.inline(code):
            return f"({self.value(cell.node)})", self.known(cell.node)
        ref = at.cell_ref(code)
        if cell.display == STATUS:  # the cell shows a word: read its code back
            words = ",".join(quote(t) for t in cell.texts)
            return f"(MATCH({ref},{{{words}}},0)-1)", []
        return ref, [f"ISNUMBER({ref})"]

    # ---------------------------------------------------------- value
    def value(self, node: ex.Node) -> str:  # noqa: C901 - one branch per node type
        v = self.value
        if isinstance(node, ex.Num):
            return ex.excel_number(node.value)
        if isinstance(node, ex.Name):
            return self._name(node.code)[0]
        if isinstance(node, ex.Bin):
            a, b = v(node.left), v(node.right)
            if node.op == "/":
                return f"IF(({b})=0,0,({a})/({b}))"
            return f"({a}){node.op}({b})"
        if isinstance(node, ex.Neg):
            return f"-({v(node.operand)})"
        if isinstance(node, ex.Cmp):
            a, b = v(node.left), v(node.right)
            return {">=": f"(({a})>=({b})-{EPS})", ">": f"(({a})>({b})+{EPS})",
                    "<=": f"(({a})<=({b})+{EPS})", "<": f"(({a})<({b})-{EPS})",
                    "==": f"(ABS(({a})-({b}))<={EPS})",
                    "!=": f"(ABS(({a})-({b}))>{EPS})"}[node.op]
        if isinstance(node, ex.Logic):
            return f"{node.op.upper()}({','.join(v(i) for i in node.items)})"
        if isinstance(node, ex.Not):
            return f"NOT({v(node.operand)})"
        if isinstance(node, ex.If):
            return f"IF({v(node.cond)},{v(node.then)},{v(node.other)})"
        if isinstance(node, ex.Call):
            args = [v(a) for a in node.args]
            if node.func == "round" and len(args) == 1:
                args.append("0")
            return f"{ex.FUNCTIONS[node.func]}({','.join(args)})"
        if isinstance(node, ex.Level):
            return self.at.level_test(node.levels)
        if isinstance(node, ex.InGroup):
            return self.at.group_test(node.groups)
        if isinstance(node, ex.YearIn):
            return self.at.year_test(node.first, node.last)
        if isinstance(node, ex.Pick):
            return f"CHOOSE(({v(node.index)})+1,{','.join(ex.excel_number(x) for x in node.values)})"
        if isinstance(node, ex.Known):
            return _and(self.known(node.operand))
        if isinstance(node, ex.Blank):
            return '""'
        raise TypeError(node)  # pragma: no cover

    # ---------------------------------------------------------- known
    def known(self, node: ex.Node) -> list[str]:
        """Conditions (all must hold) under which ``node`` has a value; [] = always."""
        if isinstance(node, (ex.Num, ex.Level, ex.InGroup, ex.YearIn, ex.Known)):
            return []
        if isinstance(node, ex.Blank):
            return ["FALSE"]
        if isinstance(node, ex.Name):
            return self._name(node.code)[1]
        if isinstance(node, ex.If):
            kc, ka, kb = self.known(node.cond), self.known(node.then), self.known(node.other)
            if not ka and not kb:
                return kc
            inner = f"IF({self.value(node.cond)},{_and(ka)},{_and(kb)})"
            return [f"IF({_and(kc)},{inner},FALSE)"] if kc else [inner]
        return _merge(*(self.known(child) for child in node.children()))

    # ---------------------------------------------------------- cells
    def formula(self, node: ex.Node, blank: str = '""') -> str:
        """``=IF(known, value, blank)`` (or ``=value`` when always known)."""
        value, known = self.value(node), self.known(node)
        return f"={value}" if not known else f"=IF({_and(known)},{value},{blank})"

    def cell_formula(self, cell: Cell) -> str:
        """The formula of a program cell, displayed as the cell says."""
        value, known = self.value(cell.node), self.known(cell.node)
        if cell.display == STATUS:
            shown = f"CHOOSE(({value})+1,{','.join(quote(t) for t in cell.texts)})"
        elif cell.display == LABEL:
            shown = f"CHOOSE(({value})+1,{','.join(quote(t) for t in cell.texts)})"
        elif cell.display == YESNO:
            shown = f"IF({value},{quote(YES)},{quote(NO)})"
        else:
            shown = value
        if cell.display in (NUMBER, TOTAL, LABEL, YESNO) and known:
            return f"=IF({_and(known)},{shown},{quote(cell.blank)})"
        return f"={shown}"


def shown_values(cell: Cell, values) -> list:
    """What :meth:`Printer.cell_formula` shows for each of the engine's values of ``cell``
    (its Python twin, stored with the formula): a number, «Chưa đủ số liệu» or "" for a
    blank, Có/Không, a status word, a class label."""
    out: list = []
    for v in values:
        v = float(v)
        if math.isnan(v):
            out.append(cell.blank if cell.display != STATUS else "")
        elif cell.display in (STATUS, LABEL):
            k = int(v)
            out.append(cell.texts[k] if 0 <= k < len(cell.texts) and k == v else "")
        elif cell.display == YESNO:
            out.append(YES if v != 0 else NO)
        else:
            out.append(v)
    return out


def formula_values(values, blank: str = "") -> list:
    """What :meth:`Printer.formula` computes for each of the engine's values of its node."""
    return [blank if math.isnan(float(v)) else float(v) for v in values]


__all__ = ["Placement", "Printer", "EPS", "TOTAL", "shown_values", "formula_values"]
