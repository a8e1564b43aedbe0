"""Rules over answers: yes/no, and one choice out of a list."""
from __future__ import annotations

import numpy as np

from thidua import expr as ex
from thidua.rules.base import Context, Rule, Spec, per_unit_text
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

    def compute(self, ctx: Context):
        answer = ctx.eval(self.of)
        points = np.where(np.isnan(answer), np.nan, np.where(answer != 0, self.yes, self.no))
        yes, no = f"có → {self.suffix(self.yes)}", f"không → {self.suffix(self.no)}"
        return points, per_unit_text(points, lambda i: yes if answer[i] != 0 else no)

    def formula(self, ref, level_ref: str) -> str:
        return (f"IF({ex.to_excel(self.of, ref)},{ex.excel_number(self.yes)},"
                f"{ex.excel_number(self.no)})")

    def describe(self) -> str:
        return (f"{ex.to_text(self.of)}: có → {format_number(self.yes)}; "
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

    def compute(self, ctx: Context):
        index = ctx.env[self.of]
        table = np.array(self.ordered_points() or [np.nan])
        safe = np.nan_to_num(index, nan=0).astype(int).clip(0, len(table) - 1)
        points = np.where(np.isnan(index), np.nan, table[safe])
        texts = [f"{label} → {self.suffix(p)}" for (_, label), p in zip(self.options, table)]
        return points, per_unit_text(points, lambda i: texts[safe[i]])

    def formula(self, ref, level_ref: str) -> str:
        # The workbook keeps the option's 0-based position (as the engine does) in a helper cell.
        values = ",".join(ex.excel_number(p) for p in self.ordered_points())
        return f"CHOOSE(({ref(self.of)})+1,{values})"

    def describe(self) -> str:
        return "; ".join(f"{label} → {format_number(self.points.get(code, 0.0))}"
                         for code, label in self.options)
