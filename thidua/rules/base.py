"""What every rule kind shares: building from a plan file, evaluation, Excel.

A rule turns values of inputs into points (or a coefficient, or a derived
value). Each kind implements, from the same parsed definition:

* ``compute(ctx)`` — vectorised points and one explanation per unit;
* ``formula(ref, level_ref)`` — the Excel formula of the same thing;
* ``describe()`` — a Vietnamese sentence for the plan sheet.

Any rule may carry ``only_if`` (a condition) and ``else`` (points when the
condition fails, default 0): "not posted → 0; else 10 − count".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

from thidua import expr as ex
from thidua.errors import Problem
from thidua.text import format_number, format_numbers


@dataclass
class Context:
    """Values available while evaluating rules, one array element per unit."""

    n: int
    env: dict[str, np.ndarray]
    levels: np.ndarray  # level code per unit ("tinh" / "huyen" / "xa")
    units: dict[str, str] = field(default_factory=dict)  # code -> unit label ("%", "hồ sơ")
    year: int | None = None

    def eval(self, node: ex.Node) -> np.ndarray:
        return ex.evaluate(node, self.env, self.n)

    def shown(self, node: ex.Node, values: np.ndarray, decimals: int = 2) -> list[str]:
        """Format values with the unit of ``node`` when it names an input."""
        texts = format_numbers(values, decimals)
        unit = self.units.get(node.code, "") if isinstance(node, ex.Name) else ""
        if unit:
            return [f"{t} {unit}" for t in texts]
        return texts


class Spec:
    """Reads one rule mapping from a plan file, collecting problems."""

    def __init__(self, raw: dict, where: Callable[[str | None], int | None],
                 problems: list[Problem], file: str, label: str):
        self.raw = raw
        self.where = where
        self.problems = problems
        self.file = file
        self.label = label  # e.g. "tiêu chí 1.1"

    def error(self, key: str | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(f"{self.label}: {message}", file=self.file,
                                     line=self.where(key), hint=hint))

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def number(self, key: str, default: Any = ..., allow_none: bool = False) -> float | None:
        if key not in self.raw or self.raw[key] is None:
            if default is ...:
                self.error(key, f"thiếu «{key}»", f"thêm dòng «{key}: <số>»")
                return 0.0
            return default
        value = self.raw[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(key, f"«{key}» phải là một số, không phải «{value}»",
                       "viết số dùng dấu chấm thập phân, ví dụ 2.5")
            return 0.0
        return float(value)

    def expr(self, key: str, required: bool = True) -> ex.Node | None:
        if key not in self.raw or self.raw[key] is None:
            if required:
                self.error(key, f"thiếu «{key}»", f"thêm «{key}: <mã chỉ tiêu hoặc biểu thức>»")
            return None
        try:
            return ex.parse(self.raw[key])
        except ex.ExprError as exc:
            self.error(key, str(exc))
            return None

    def text(self, key: str, default: str = "") -> str:
        value = self.raw.get(key, default)
        return "" if value is None else str(value)


class Rule:
    """Base class of every rule kind."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""  # Vietnamese name of the kind
    keys: ClassVar[set[str]] = set()  # allowed keys besides kind/only_if/else

    only_if: ex.Node | None = None
    only_if_text: str = ""
    otherwise: float = 0.0
    result_word: str = "điểm"  # "điểm", or "" for derived values, "hệ số" for coefficients

    # ---------------------------------------------------------- build
    @classmethod
    def build(cls, spec: Spec) -> "Rule":
        rule = cls.from_spec(spec)
        if spec.has("only_if"):
            rule.only_if = spec.expr("only_if")
            rule.only_if_text = spec.text("only_if")
        rule.otherwise = spec.number("else", 0.0)
        return rule

    @classmethod
    def from_spec(cls, spec: Spec) -> "Rule":  # pragma: no cover - abstract
        raise NotImplementedError

    # ---------------------------------------------------------- introspection
    def own_names(self) -> set[str]:
        return set()

    def names(self) -> set[str]:
        out = set(self.own_names())
        if self.only_if is not None:
            out |= self.only_if.names()
        return out

    def max_points(self) -> float | None:
        """Largest result the rule can give, when knowable (for validation)."""
        return None

    def max_result(self) -> float | None:
        """Largest result including the ``else`` value of ``only_if``."""
        own = self.max_points()
        if own is None or self.only_if is None:
            return own
        return max(own, self.otherwise)

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def full_description(self) -> str:
        text = self.describe()
        if self.only_if is not None:
            text = (f"Nếu {ex.to_text(self.only_if)}: {text}; "
                    f"ngược lại {format_number(self.otherwise)} {self.result_word}".rstrip())
        return text

    # ---------------------------------------------------------- evaluation
    def compute(self, ctx: Context) -> tuple[np.ndarray, list[str]]:  # pragma: no cover
        raise NotImplementedError

    def evaluate(self, ctx: Context) -> tuple[np.ndarray, list[str]]:
        points, texts = self.compute(ctx)
        if self.only_if is None:
            return points, texts
        cond = ctx.eval(self.only_if)
        missing = np.isnan(cond)
        passed = ~missing & (cond != 0)
        points = np.where(passed, points, np.where(missing, np.nan, self.otherwise))
        cond_text = ex.to_text(self.only_if)
        texts = [t if passed[i] else (
            f"«{cond_text}» chưa có số liệu" if missing[i]
            else f"không thỏa «{cond_text}» → {format_number(self.otherwise)} {self.result_word}".rstrip())
            for i, t in enumerate(texts)]
        return points, texts

    def suffix(self, value: float) -> str:
        return f"{format_number(value)} {self.result_word}".rstrip()

    def suffixes(self, values: np.ndarray) -> list[str]:
        word = f" {self.result_word}" if self.result_word else ""
        return [t + word for t in format_numbers(values)]

    # ---------------------------------------------------------- Excel
    def formula(self, ref: Callable[[str], str], level_ref: str) -> str:  # pragma: no cover
        raise NotImplementedError

    def to_excel(self, ref: Callable[[str], str], level_ref: str = "") -> str:
        body = self.formula(ref, level_ref)
        if self.only_if is None:
            return body
        return (f"IF({ex.to_excel(self.only_if, ref)},{body},"
                f"{ex.excel_number(self.otherwise)})")


NO_DATA = "chưa có số liệu"


def per_unit_text(values: np.ndarray, make: Callable[[int], str]) -> list[str]:
    """Explanation per unit, with the shared wording for missing data."""
    return [NO_DATA if np.isnan(values[i]) else make(i) for i in range(len(values))]
