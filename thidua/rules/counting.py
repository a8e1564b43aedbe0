"""Rules that count occurrences: points per item (capped) and deductions.

* ``per_item`` — ``points`` for each item counted, at most ``cap``; several
  ``parts`` add up (item 9: 0,5 per broadcast up to 2 + 0,5 per web post up to 3).
* ``per_occurrence`` — ``start − points × count``, floored at ``floor``
  (default 0: deducts only within the item) or, with ``floor: null``,
  allowed to go negative.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thidua import expr as ex
from thidua.program.evaluate import EPS
from thidua.rules.base import Context, Rule, Spec, choose, known_texts
from thidua.text import format_number


@dataclass
class Part:
    of: ex.Node
    points: float
    cap: float | None


class PerItemRule(Rule):
    kind = "per_item"
    title = "điểm theo số lượng (có mức trần)"
    keys = {"of", "points", "cap", "parts"}

    def __init__(self, parts: list[Part]):
        self.parts = parts

    @classmethod
    def from_spec(cls, spec: Spec) -> "PerItemRule":
        raws = spec.raw.get("parts")
        if raws is None:
            raws = [spec.raw]
            subs = [spec]
        else:
            if not isinstance(raws, list) or not raws:
                spec.error("parts", "«parts» phải là danh sách, mỗi phần có of, points, cap")
                return cls([])
            subs = [Spec(r, (lambda k, r=r: r.line_of(k)) if hasattr(r, "line_of") else spec.where,
                         spec.problems, spec.file, spec.label) for r in raws]
        parts = []
        for sub in subs:
            if not isinstance(sub.raw, dict):
                spec.error("parts", "mỗi phần phải có of, points, cap")
                continue
            parts.append(Part(sub.expr("of") or ex.Num(0), sub.number("points"),
                              sub.number("cap", None)))
        return cls(parts)

    def own_names(self) -> set[str]:
        out: set[str] = set()
        for p in self.parts:
            out |= p.of.names()
        return out

    def max_points(self) -> float | None:
        if any(p.cap is None for p in self.parts):
            return None
        return sum(p.cap for p in self.parts)

    def lower(self):
        terms = []
        for p in self.parts:
            raw = ex.Bin("*", p.of, ex.Num(p.points))
            terms.append(ex.Call("min", (raw, ex.Num(p.cap))) if p.cap is not None else raw)
        node = ex.plus([(1.0, t) for t in terms])
        return node, lambda ctx: self._explain(ctx, node)

    def _explain(self, ctx: Context, node: ex.Node) -> list[str]:
        total = ctx.eval(node)
        results = self.suffixes(total)
        pieces = None
        for p in self.parts:
            count = ctx.eval(p.of)
            raw = count if p.points == 1 else count * p.points  # x × 1 is x
            shown, raw_texts = ctx.shown(p.of, count), ctx.numbers(raw)
            per = format_number(p.points)
            if p.cap is None:
                texts = [f"{a} × {per} = {b}" for a, b in zip(shown, raw_texts)]
            else:
                cap = format_number(p.cap)
                with np.errstate(invalid="ignore"):
                    over = raw > p.cap + EPS
                notes = choose(over, f" → tối đa {cap}", f" (tối đa {cap})")
                texts = [f"{a} × {per} = {b}{c}" for a, b, c in zip(shown, raw_texts, notes)]
            pieces = texts if pieces is None else [f"{a}; {b}" for a, b in zip(pieces, texts)]
        if pieces is None:
            pieces = [""] * ctx.n
        return known_texts(total, [f"{a} → {b}" for a, b in zip(pieces, results)])

    def describe(self, name=None) -> str:
        return "; ".join(
            f"{format_number(p.points)} điểm cho mỗi {ex.to_text(p.of, name)}"
            + (f", tối đa {format_number(p.cap)} điểm" if p.cap is not None else "")
            for p in self.parts)


class PerOccurrenceRule(Rule):
    kind = "per_occurrence"
    title = "trừ điểm theo số lần vi phạm"
    keys = {"of", "start", "points", "floor"}

    def __init__(self, of: ex.Node, start: float, points: float, floor: float | None):
        self.of, self.start, self.points, self.floor = of, start, points, floor

    @classmethod
    def from_spec(cls, spec: Spec) -> "PerOccurrenceRule":
        floor = None if ("floor" in spec.raw and spec.raw["floor"] is None) else spec.number("floor", 0.0)
        return cls(spec.expr("of") or ex.Num(0), spec.number("start"), spec.number("points"), floor)

    def own_names(self) -> set[str]:
        return self.of.names()

    def max_points(self) -> float | None:
        return self.start

    def lower(self):
        raw = ex.Bin("-", ex.Num(self.start), ex.Bin("*", ex.Num(self.points), self.of))
        node = ex.Call("max", (raw, ex.Num(self.floor))) if self.floor is not None else raw
        return node, lambda ctx: self._explain(ctx, node, raw)

    def _explain(self, ctx: Context, node: ex.Node, raw_node: ex.Node) -> list[str]:
        count, raw, values = ctx.eval(self.of), ctx.eval(raw_node), ctx.eval(node)
        head = f"{format_number(self.start)} − {format_number(self.points)} × "
        shown, raw_texts = ctx.shown(self.of, count), ctx.numbers(raw)
        texts = [f"{head}{a} = {b}" for a, b in zip(shown, raw_texts)]
        plain = [f"{t} {self.result_word}".rstrip() for t in texts]
        if self.floor is not None:
            floor = format_number(self.floor)
            with np.errstate(invalid="ignore"):
                low = raw < self.floor
            if low.any():
                floored = [f"{t} → {r} (không thấp hơn {floor})"
                           for t, r in zip(texts, self.suffixes(values))]
                plain = choose(low, floored, plain)
        return known_texts(values, plain)

    def describe(self, name=None) -> str:
        floor = (f", không thấp hơn {format_number(self.floor)}" if self.floor is not None
                 else ", có thể bị âm")
        return (f"{format_number(self.start)} − {format_number(self.points)} × "
                f"{ex.to_text(self.of, name)}{floor}")
