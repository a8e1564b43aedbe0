"""Rules over answers: yes/no, and one choice out of a list."""
from __future__ import annotations

import numpy as np

from thidua import expr as ex
from thidua.rules.base import Context, Rule, Spec, choose, known_texts
from thidua.text import format_number


class YesNoRule(Rule):
    kind = "yesno"
    title = "có/không"
    keys = {"of", "yes", "no"}

    def __init__(self, of: ex.Node, yes: float, no: float):
        self.of, self.yes, self.no = of, yes, no

    @classmethod
    def from_spec(cls, spec: Spec) -> "YesNoRule":
        return cls(spec.expr("of") or ex.Num(0), spec.number("yes"), spec.number("no", 0.0))

    def own_names(self) -> set[str]:
        return self.of.names()

    def max_points(self) -> float | None:
        return max(self.yes, self.no)

    def lower(self):
        node = ex.If(self.of, ex.Num(self.yes), ex.Num(self.no))
        yes, no = f"có → {self.suffix(self.yes)}", f"không → {self.suffix(self.no)}"

        def explain(ctx: Context) -> list[str]:
            answer = ctx.eval(self.of)
            return known_texts(answer, choose(answer != 0, yes, no))

        return node, explain

    def describe(self, name=None) -> str:
        return (f"{ex.to_text(self.of, name)}: có → {format_number(self.yes)}; "
                f"không → {format_number(self.no)}")


class ChoiceRule(Rule):
    """Points for the chosen option of a ``choice`` input (stored as its index)."""

    kind = "choice"
    title = "lựa chọn"
    keys = {"of", "points"}

    def __init__(self, of: str, points: dict[str, float]):
        self.of = of
        self.points = points
        self.options: list[tuple[str, str]] = []  # (code, label) filled by the plan loader

    @classmethod
    def from_spec(cls, spec: Spec) -> "ChoiceRule":
        of = spec.text("of")
        raw = spec.raw.get("points")
        points: dict[str, float] = {}
        if not isinstance(raw, dict) or not raw:
            spec.error("points", "«points» phải là bảng lựa chọn → điểm",
                       "ví dụ «points: {khong: 0, co: 2.5}»")
        else:
            for code, value in raw.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    spec.error("points", f"điểm của lựa chọn «{code}» phải là số")
                else:
                    points[str(code)] = float(value)
        if not of.isidentifier():
            spec.error("of", "«of» của quy tắc lựa chọn phải là mã một chỉ tiêu kiểu choice")
        return cls(of, points)

    def own_names(self) -> set[str]:
        return {self.of} if self.of else set()

    def max_points(self) -> float | None:
        return max(self.points.values(), default=None)

    def ordered_points(self) -> list[float]:
        return [self.points.get(code, 0.0) for code, _ in self.options]

    def lower(self):
        index = ex.Name(self.of)
        table = tuple(self.ordered_points())
        node = ex.Pick(index, table)
        texts = [f"{label} → {self.suffix(p)}" for (_, label), p in zip(self.options, table)]

        def explain(ctx: Context) -> list[str]:
            chosen, points = ctx.eval(index), ctx.eval(node)
            known = ~np.isnan(points)
            picked = np.empty(ctx.n, dtype=object)
            picked[known] = np.array(texts + [""], dtype=object)[chosen[known].astype(int)]
            return known_texts(points, picked.tolist())

        return node, explain

    def describe(self, name=None) -> str:
        return "; ".join(f"{label} → {format_number(self.points.get(code, 0.0))}"
                         for code, label in self.options)
