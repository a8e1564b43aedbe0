"""Arithmetic rules: a free expression, and a ratio (scale × num / den)."""
from __future__ import annotations

from itertools import repeat

import numpy as np

from thidua import expr as ex
from thidua.rules.base import Context, Rule, Spec, known_texts
from thidua.text import format_number, format_numbers


def substituted(node: ex.Node, env: dict[str, np.ndarray], numbers=None) -> list[str]:
    """Per unit, the expression with each name replaced by the unit's value.

    ``numbers(values)`` formats a column (default ``format_numbers``; an
    explanation passes its context's, which formats each array once).
    """
    names = sorted(node.names())
    slot = {code: f"\x00{k}\x00" for k, code in enumerate(names)}
    template = ex.to_text(node, lambda code: slot[code])
    pieces = template.split("\x00")  # text, slot index, text, slot index, …
    numbers = numbers or format_numbers
    columns = [numbers(env[code]) for code in names]
    n = len(next(iter(env.values()))) if env else 0
    parts = [repeat(piece, n) if k % 2 == 0 else columns[int(piece)]
             for k, piece in enumerate(pieces)]
    return list(map("".join, zip(*parts)))


class ExpressionRule(Rule):
    kind = "expression"
    title = "biểu thức"
    keys = {"expr"}
    result_word = ""

    def __init__(self, node: ex.Node, text: str):
        self.node = node
        self.text = text

    @classmethod
    def from_spec(cls, spec: Spec) -> "ExpressionRule":
        return cls(spec.expr("expr") or ex.Num(0), spec.text("expr"))

    def own_names(self) -> set[str]:
        return self.node.names()

    def lower(self):
        node, names = self.node, self.node.names()

        def explain(ctx: Context) -> list[str]:
            values = ctx.eval(node)
            results = ctx.numbers(values)
            if not names:
                return list(results)
            filled = substituted(node, ctx.env, ctx.numbers)
            out = [f"{a} = {b}" for a, b in zip(filled, results)]
            blank = np.isnan(values)
            if blank.any():
                missing = {c: np.isnan(ctx.env[c]) for c in names}
                for i in np.flatnonzero(blank).tolist():
                    gone = sorted(c for c in names if missing[c][i])
                    if gone:
                        out[i] = f"chưa có số liệu ({', '.join(gone)})"
            return out

        return node, explain

    def describe(self, name=None) -> str:
        return ex.to_text(self.node, name)


class RatioRule(Rule):
    """``scale × num / den``; 0 when ``den`` is 0 (a rate over nothing)."""

    kind = "ratio"
    title = "tỷ lệ"
    keys = {"num", "den", "scale"}
    result_word = ""

    def __init__(self, num: ex.Node, den: ex.Node, scale: float):
        self.num, self.den, self.scale = num, den, scale
        self.node = ex.Bin("/", ex.Bin("*", ex.Num(scale), num), den)

    @classmethod
    def from_spec(cls, spec: Spec) -> "RatioRule":
        return cls(spec.expr("num") or ex.Num(0), spec.expr("den") or ex.Num(1),
                   spec.number("scale", 100.0))

    def own_names(self) -> set[str]:
        return self.num.names() | self.den.names()

    def lower(self):
        node = self.node
        unit = " %" if self.scale == 100 else ""
        scale = f" × {format_number(self.scale)}" if self.scale != 1 else ""

        def explain(ctx: Context) -> list[str]:
            values, num, den = ctx.eval(node), ctx.eval(self.num), ctx.eval(self.den)
            fnum, fden, fval = ctx.numbers(num), ctx.numbers(den), ctx.numbers(values)
            texts = [f"{a} / {b}{scale} = {c}{unit}" for a, b, c in zip(fnum, fden, fval)]
            for i in np.flatnonzero(den == 0).tolist():
                texts[i] = f"{fnum[i]} / 0 → 0{unit} (không phát sinh)"
            return known_texts(values, texts)

        return node, explain

    def describe(self, name=None) -> str:
        scale = f"{format_number(self.scale)} × " if self.scale != 1 else ""
        return f"{scale}{ex.to_text(self.num, name)} / {ex.to_text(self.den, name)} (bằng 0 khi mẫu số bằng 0)"
