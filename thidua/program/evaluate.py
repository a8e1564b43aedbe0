"""Evaluate expression trees vectorised: one array element per unit.

Blank ("no data") is NaN. Every operation is blank when an operand it uses is
blank; ``If`` uses only the branch it takes; ``Known`` is never blank. The
Excel printer (``thidua.program.excel``) gives the same answers cell by cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from thidua import expr as ex

EPS = 1e-9


@dataclass
class Scope:
    """What names and unit facts evaluate to, for ``n`` units at once."""

    n: int
    values: dict[str, np.ndarray]  # code -> float array (inputs as scored, computed cells)
    levels: np.ndarray  # level code per unit
    groups: np.ndarray  # group code per unit
    year: int | None = None
    memo: dict[int, np.ndarray] = field(default_factory=dict)  # id(node) -> result

    def __call__(self, node: ex.Node) -> np.ndarray:
        key = id(node)
        hit = self.memo.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        out = _eval(node, self)
        self.memo[key] = (node, out)  # the node is kept alive, so its id stays unique
        return out

    def set(self, code: str, values: np.ndarray) -> None:
        self.values[code] = values


def round_half_away(values: np.ndarray, digits) -> np.ndarray:
    """Vectorised ROUND as Excel does it (halves away from zero)."""
    factor = np.power(10.0, digits)
    scaled = np.floor(np.abs(values) * factor + 0.5 + 1e-9)
    return np.copysign(scaled / factor, values)


def _blank_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.where(mask, np.nan, values)


def _eval(node: ex.Node, s: Scope) -> np.ndarray:  # noqa: C901 - one branch per node type
    n = s.n
    if isinstance(node, ex.Num):
        return np.full(n, node.value, dtype=float)
    if isinstance(node, ex.Name):
        return np.asarray(s.values[node.code], dtype=float)
    if isinstance(node, ex.Bin):
        a, b = s(node.left), s(node.right)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))
        return _blank_where(np.isnan(a) | np.isnan(b), out)
    if isinstance(node, ex.Neg):
        return -s(node.operand)
    if isinstance(node, ex.Cmp):
        a, b = s(node.left), s(node.right)
        with np.errstate(invalid="ignore"):
            out = {">=": lambda: a >= b - EPS, ">": lambda: a > b + EPS,
                   "<=": lambda: a <= b + EPS, "<": lambda: a < b - EPS,
                   "==": lambda: np.abs(a - b) <= EPS, "!=": lambda: np.abs(a - b) > EPS}[node.op]()
        return _blank_where(np.isnan(a) | np.isnan(b), out.astype(float))
    if isinstance(node, ex.Logic):
        blank = np.zeros(n, dtype=bool)
        acc = np.full(n, node.op == "and")
        for item in node.items:
            v = s(item)
            blank |= np.isnan(v)
            truth = np.nan_to_num(v) != 0
            acc = (acc & truth) if node.op == "and" else (acc | truth)
        return _blank_where(blank, acc.astype(float))
    if isinstance(node, ex.Not):
        v = s(node.operand)
        return _blank_where(np.isnan(v), (np.nan_to_num(v) == 0).astype(float))
    if isinstance(node, ex.If):
        c = s(node.cond)
        take = np.nan_to_num(c) != 0
        out = np.where(take, s(node.then), s(node.other))
        return _blank_where(np.isnan(c), out)
    if isinstance(node, ex.Call):
        args = [s(a) for a in node.args]
        if node.func in ("min", "max"):
            out = args[0]
            for a in args[1:]:
                out = np.minimum(out, a) if node.func == "min" else np.maximum(out, a)
            return out
        if node.func == "abs":
            return np.abs(args[0])
        return round_half_away(args[0], args[1] if len(args) > 1 else np.zeros(n))
    if isinstance(node, ex.Level):
        return np.isin(s.levels, node.levels).astype(float)
    if isinstance(node, ex.InGroup):
        return np.isin(s.groups, node.groups).astype(float)
    if isinstance(node, ex.YearIn):
        inside = (s.year is not None and node.first <= s.year
                  and (node.last is None or s.year <= node.last))
        return np.full(n, 1.0 if inside else 0.0)
    if isinstance(node, ex.Pick):
        index = s(node.index)
        table = np.asarray(node.values + (np.nan,), dtype=float)
        ok = ~np.isnan(index) & (index >= 0) & (index < len(node.values))
        return table[np.where(ok, np.nan_to_num(index), len(node.values)).astype(int)]
    if isinstance(node, ex.Known):
        return (~np.isnan(s(node.operand))).astype(float)
    if isinstance(node, ex.Blank):
        return np.full(n, np.nan)
    raise TypeError(node)  # pragma: no cover - the parser and the lowering build only these
