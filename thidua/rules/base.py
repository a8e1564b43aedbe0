"""What every rule kind shares: building from a plan file, lowering, explanation.

A rule turns values of inputs into points (or a coefficient, or a derived
value). Each kind implements, from the same parsed definition:

* ``lower()`` — the expression tree of the result (``thidua.expr`` nodes: bands
  become comparisons and a pick, a choice a pick…) and an explanation built
  from the values of that same tree. The engine evaluates the tree
  vectorised and the workbooks print it as an Excel formula
  (``thidua.program``): no rule computes anything twice;
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
from thidua.program.evaluate import Scope
from thidua.text import format_number, format_numbers

#: Explanation of a lowered rule: one Vietnamese text per unit, from evaluated nodes.
Explainer = Callable[["Context"], list[str]]


@dataclass
class Context:
    """What an explanation reads: the evaluated program and the units of each code.

    Explanations are built column-wise: each array of values is formatted once
    (:meth:`numbers`, remembered for the other explanations that show it) and
    the texts of every unit are assembled from those columns.
    """

    scope: Scope
    units: dict[str, str] = field(default_factory=dict)  # code -> unit label ("%", "hồ sơ")
    #: a condition in words people read (labels, never codes); default: the expression
    words: Callable[[ex.Node], str] | None = None
    formatted: dict[tuple[int, int], tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.scope.n

    @property
    def levels(self) -> np.ndarray:
        return self.scope.levels

    @property
    def env(self) -> dict[str, np.ndarray]:
        return self.scope.values

    def eval(self, node: ex.Node) -> np.ndarray:
        return self.scope(node)

    def quoted(self, node: ex.Node) -> str:
        """A condition in «…» (labels when ``words`` is given)."""
        text = self.words(node) if self.words is not None else ex.to_text(node)
        return text if text.startswith("«") and text.endswith("»") else f"«{text}»"

    def numbers(self, values: np.ndarray, decimals: int = 2) -> list[str]:
        """``format_numbers(values, decimals)``, computed once per array."""
        key = (id(values), decimals)
        hit = self.formatted.get(key)
        if hit is not None and hit[0] is values:
            return hit[1]
        texts = format_numbers(values, decimals)
        self.formatted[key] = (values, texts)  # the array is kept alive: its id stays unique
        return texts

    def shown(self, node: ex.Node, values: np.ndarray, decimals: int = 2) -> list[str]:
        """Format values with the unit of ``node`` when it names an input."""
        texts = self.numbers(values, decimals)
        unit = self.units.get(node.code, "") if isinstance(node, ex.Name) else ""
        if not unit:
            return texts
        key = (id(texts), unit)
        hit = self.formatted.get(key)
        if hit is None or hit[0] is not texts:
            suffix = " " + unit
            hit = self.formatted[key] = (texts, [t + suffix for t in texts])
        return hit[1]


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

    def describe(self, name=None) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def full_description(self, name=None) -> str:
        """The rule in words; ``name(code)`` says how a code reads (default: the code)."""
        text = self.describe(name)
        if self.only_if is not None:
            text = (f"Nếu {ex.to_text(self.only_if, name)}: {text}; "
                    f"ngược lại {format_number(self.otherwise)} {self.result_word}".rstrip())
        return text

    # ---------------------------------------------------------- lowering
    def lower(self) -> tuple[ex.Node, Explainer]:  # pragma: no cover - abstract
        raise NotImplementedError

    def lowered(self) -> tuple[ex.Node, Explainer]:
        """The rule's tree with its ``only_if`` guard, and the explanation of both."""
        node, explain = self.lower()
        if self.only_if is None:
            return node, explain
        cond, otherwise = self.only_if, self.otherwise
        guarded = ex.If(cond, node, ex.Num(otherwise))

        def explain_guarded(ctx: Context) -> list[str]:
            texts, c = explain(ctx), ctx.eval(cond)
            cond_text = ctx.quoted(cond)
            fallback = f"không thỏa {cond_text} → {self.suffix(otherwise)}"
            out = np.empty(ctx.n, dtype=object)
            out[:] = texts
            out[c == 0] = fallback
            out[np.isnan(c)] = f"{cond_text} chưa có số liệu"
            return out.tolist()

        return guarded, explain_guarded

    def suffix(self, value: float) -> str:
        return f"{format_number(value)} {self.result_word}".rstrip()

    def suffixes(self, values: np.ndarray) -> list[str]:
        word = f" {self.result_word}" if self.result_word else ""
        return [t + word for t in format_numbers(values)]


NO_DATA = "chưa có số liệu"


def per_unit_text(values: np.ndarray, make: Callable[[int], str]) -> list[str]:
    """Explanation per unit, with the shared wording for missing data."""
    return [NO_DATA if np.isnan(values[i]) else make(i) for i in range(len(values))]


def known_texts(values: np.ndarray, texts) -> list[str]:
    """``texts``, with the shared wording for missing data where ``values`` is blank."""
    blank = np.isnan(values)
    if not blank.any():
        return list(texts)
    out = np.empty(len(values), dtype=object)
    out[:] = texts
    out[blank] = NO_DATA
    return out.tolist()


def choose(mask: np.ndarray, yes, no) -> list:
    """Per unit, ``yes`` where ``mask`` else ``no`` (each a text or a list of texts)."""
    out = np.empty(len(mask), dtype=object)
    out[:] = no
    if isinstance(yes, str):
        out[mask] = yes
    else:
        picked = np.empty(len(mask), dtype=object)
        picked[:] = yes
        out[mask] = picked[mask]
    return out.tolist()
