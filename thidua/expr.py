"""Safe arithmetic expressions over inputs and derived values.

An expression in a plan file (``diem_ty_le * he_so - diem_tru``) is parsed
with Python's ``ast`` into a small tree of whitelisted nodes — never passed to
``eval``. One tree compiles two ways:

* ``evaluate(env)`` — vectorised over NumPy arrays, one element per unit;
* ``to_excel(ref)`` — an Excel formula (Excel 2010 / LibreOffice functions only).

Semantics shared by both targets (so the workbook shows what the engine says):

* ``a / b`` is 0 when ``b`` is 0 (a rate over no dossiers is 0 %);
* comparisons allow for floating-point noise: ``a >= b`` holds when
  ``a >= b - 1e-9`` (two values equal to 9 decimal places are equal);
* ``round(x, n)`` rounds halves away from zero, as Excel's ROUND;
* a blank ("no data", NaN) operand makes the result NaN in the engine.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

EPS = 1e-9
FUNCTIONS = {"min": "MIN", "max": "MAX", "abs": "ABS", "round": "ROUND"}


class ExprError(ValueError):
    """Expression text that is not allowed; message in Vietnamese."""


@dataclass(frozen=True)
class Node:
    def names(self) -> set[str]:
        out: set[str] = set()
        for child in self.children():
            out |= child.names()
        return out

    def children(self) -> tuple["Node", ...]:
        return ()


@dataclass(frozen=True)
class Num(Node):
    value: float


@dataclass(frozen=True)
class Name(Node):
    code: str

    def names(self) -> set[str]:
        return {self.code}


@dataclass(frozen=True)
class Bin(Node):
    op: str  # + - * /
    left: Node
    right: Node

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Neg(Node):
    operand: Node

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Cmp(Node):
    op: str  # < <= > >= == !=
    left: Node
    right: Node

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Logic(Node):
    op: str  # and / or
    items: tuple[Node, ...]

    def children(self):
        return self.items


@dataclass(frozen=True)
class Not(Node):
    operand: Node

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def children(self):
        return self.args


@dataclass(frozen=True)
class If(Node):
    cond: Node
    then: Node
    other: Node

    def children(self):
        return (self.cond, self.then, self.other)


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def parse(text: str) -> Node:
    """Parse expression text into a tree; raise ``ExprError`` (Vietnamese)."""
    if isinstance(text, bool):
        return Num(1.0 if text else 0.0)
    if isinstance(text, (int, float)):
        return Num(float(text))
    source = str(text).strip()
    source = (source.replace("≥", ">=").replace("≤", "<=").replace("≠", "!=")
              .replace(" và ", " and ").replace(" hoặc ", " or "))
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        # Offsets count in the rewritten source (≥ → >=), so quote the text near
        # the error instead of a position that may not match what the user typed.
        offset = exc.offset or 0
        if 0 < offset <= len(source.rstrip()):
            near = f" (vị trí {offset}, gần «{source[offset - 1:offset + 11].strip()}»)"
        else:
            near = " (biểu thức chưa hoàn chỉnh: thiếu toán hạng hoặc dấu ngoặc ở cuối?)"
        raise ExprError(f"biểu thức «{text}» viết sai cú pháp{near}") from None
    return _convert(tree.body, text)


def _convert(node: ast.AST, text: str) -> Node:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return Num(float(node.value))
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return Num(1.0 if node.value else 0.0)
    if isinstance(node, ast.Name):
        if node.id in ("True", "False"):
            return Num(1.0 if node.id == "True" else 0.0)
        return Name(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return Bin(_BINOPS[type(node.op)], _convert(node.left, text), _convert(node.right, text))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return Neg(_convert(node.operand, text))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        return _convert(node.operand, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Not(_convert(node.operand, text))
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return Logic(op, tuple(_convert(v, text) for v in node.values))
    if isinstance(node, ast.Compare):
        parts = []
        left = _convert(node.left, text)
        for op, comp in zip(node.ops, node.comparators):
            if type(op) not in _CMPOPS:
                break
            right = _convert(comp, text)
            parts.append(Cmp(_CMPOPS[type(op)], left, right))
            left = right
        else:
            return parts[0] if len(parts) == 1 else Logic("and", tuple(parts))
    if isinstance(node, ast.IfExp):
        return If(_convert(node.test, text), _convert(node.body, text), _convert(node.orelse, text))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        func = node.func.id
        if func in FUNCTIONS:
            args = tuple(_convert(a, text) for a in node.args)
            if func in ("min", "max") and len(args) < 2:
                raise ExprError(f"{func}() trong «{text}» cần ít nhất 2 đối số")
            if func == "abs" and len(args) != 1:
                raise ExprError(f"abs() trong «{text}» cần đúng 1 đối số")
            if func == "round" and len(args) not in (1, 2):
                raise ExprError(f"round() trong «{text}» cần 1 hoặc 2 đối số")
            return Call(func, args)
        raise ExprError(f"hàm «{func}» không được phép trong «{text}» "
                        f"(chỉ dùng: {', '.join(FUNCTIONS)})")
    fragment = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
    raise ExprError(f"thành phần «{fragment}» không được phép trong biểu thức «{text}» "
                    "(chỉ dùng số, mã chỉ tiêu, + - * /, so sánh, and/or/not, "
                    "min/max/abs/round, và «a if điều_kiện else b»)")


# ---------------------------------------------------------------- evaluation

def _nan_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.where(mask, np.nan, values)


def evaluate(node: Node, env: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Evaluate over arrays of length ``n``; returns float64 (booleans as 1/0)."""
    if isinstance(node, Num):
        return np.full(n, node.value, dtype=float)
    if isinstance(node, Name):
        return np.asarray(env[node.code], dtype=float)
    if isinstance(node, Bin):
        a = evaluate(node.left, env, n)
        b = evaluate(node.right, env, n)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))
        return _nan_where(np.isnan(a) | np.isnan(b), out)
    if isinstance(node, Neg):
        return -evaluate(node.operand, env, n)
    if isinstance(node, Cmp):
        a = evaluate(node.left, env, n)
        b = evaluate(node.right, env, n)
        with np.errstate(invalid="ignore"):
            if node.op == ">=":
                out = a >= b - EPS
            elif node.op == ">":
                out = a > b + EPS
            elif node.op == "<=":
                out = a <= b + EPS
            elif node.op == "<":
                out = a < b - EPS
            elif node.op == "==":
                out = np.abs(a - b) <= EPS
            else:
                out = np.abs(a - b) > EPS
        return _nan_where(np.isnan(a) | np.isnan(b), out.astype(float))
    if isinstance(node, Logic):
        vals = [evaluate(item, env, n) for item in node.items]
        nan = np.zeros(n, dtype=bool)
        acc = np.ones(n, dtype=bool) if node.op == "and" else np.zeros(n, dtype=bool)
        for v in vals:
            nan |= np.isnan(v)
            truth = np.nan_to_num(v) != 0
            acc = (acc & truth) if node.op == "and" else (acc | truth)
        return _nan_where(nan, acc.astype(float))
    if isinstance(node, Not):
        v = evaluate(node.operand, env, n)
        return _nan_where(np.isnan(v), (np.nan_to_num(v) == 0).astype(float))
    if isinstance(node, If):
        c = evaluate(node.cond, env, n)
        out = np.where(np.nan_to_num(c) != 0, evaluate(node.then, env, n),
                       evaluate(node.other, env, n))
        return _nan_where(np.isnan(c), out)
    if isinstance(node, Call):
        args = [evaluate(a, env, n) for a in node.args]
        if node.func == "min":
            out = args[0]
            for a in args[1:]:
                out = np.minimum(out, a)
            return out
        if node.func == "max":
            out = args[0]
            for a in args[1:]:
                out = np.maximum(out, a)
            return out
        if node.func == "abs":
            return np.abs(args[0])
        digits = args[1] if len(args) > 1 else np.zeros(n)
        return round_half_away(args[0], digits)
    raise TypeError(node)  # pragma: no cover - parse() only builds the nodes above


def round_half_away(values: np.ndarray, digits) -> np.ndarray:
    """Vectorised ROUND as Excel does it (halves away from zero)."""
    factor = np.power(10.0, digits)
    scaled = np.floor(np.abs(values) * factor + 0.5 + 1e-9)
    return np.copysign(scaled / factor, values)


# ---------------------------------------------------------------- Excel

def excel_number(value: float) -> str:
    """A number literal Excel and LibreOffice both read."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    return text.upper() if "e" in text else text


def to_excel(node: Node, ref: Callable[[str], str]) -> str:
    """Excel formula text (without the leading '=') for ``node``.

    ``ref(code)`` returns the cell reference or defined name of a value.
    """
    if isinstance(node, Num):
        return excel_number(node.value)
    if isinstance(node, Name):
        return ref(node.code)
    if isinstance(node, Bin):
        a, b = to_excel(node.left, ref), to_excel(node.right, ref)
        if node.op == "/":
            return f"IF(({b})=0,0,({a})/({b}))"
        return f"({a}){node.op}({b})"
    if isinstance(node, Neg):
        return f"-({to_excel(node.operand, ref)})"
    if isinstance(node, Cmp):
        a, b = to_excel(node.left, ref), to_excel(node.right, ref)
        eps = excel_number(EPS)
        return {
            ">=": f"(({a})>=({b})-{eps})",
            ">": f"(({a})>({b})+{eps})",
            "<=": f"(({a})<=({b})+{eps})",
            "<": f"(({a})<({b})-{eps})",
            "==": f"(ABS(({a})-({b}))<={eps})",
            "!=": f"(ABS(({a})-({b}))>{eps})",
        }[node.op]
    if isinstance(node, Logic):
        inner = ",".join(to_excel(i, ref) for i in node.items)
        return f"{node.op.upper()}({inner})"
    if isinstance(node, Not):
        return f"NOT({to_excel(node.operand, ref)})"
    if isinstance(node, If):
        return (f"IF({to_excel(node.cond, ref)},{to_excel(node.then, ref)},"
                f"{to_excel(node.other, ref)})")
    if isinstance(node, Call):
        args = [to_excel(a, ref) for a in node.args]
        if node.func == "round" and len(args) == 1:
            args.append("0")
        return f"{FUNCTIONS[node.func]}({','.join(args)})"
    raise TypeError(node)  # pragma: no cover


def to_text(node: Node, value_of: Callable[[str], str] | None = None) -> str:
    """Readable form for explanations and the plan sheet.

    With ``value_of``, names are replaced by their (formatted) values.
    """
    if value_of is not None:
        return _text(node, value_of)
    return _text(node, lambda code: code)


def _text(node: Node, name: Callable[[str], str]) -> str:
    to_text = lambda n: _text(n, name)  # noqa: E731 - local recursion shorthand
    _wrap = lambda n: f"({to_text(n)})" if isinstance(n, (Logic, If)) else to_text(n)  # noqa: E731
    if isinstance(node, Num):
        from thidua.text import format_number
        return format_number(node.value, 9)
    if isinstance(node, Name):
        return name(node.code)
    if isinstance(node, Bin):
        sym = {"*": "×", "/": "/", "+": "+", "-": "−"}[node.op]
        rank = {"+": 1, "-": 1, "*": 2, "/": 2}
        left, right = to_text(node.left), to_text(node.right)
        if isinstance(node.left, (Logic, If, Cmp)) or (
                isinstance(node.left, Bin) and rank[node.left.op] < rank[node.op]):
            left = f"({left})"
        if isinstance(node.right, (Logic, If, Cmp)) or (
                isinstance(node.right, Bin) and (rank[node.right.op] < rank[node.op] or (
                    rank[node.right.op] == rank[node.op] and node.op in "-/"))):
            right = f"({right})"
        return f"{left} {sym} {right}"
    if isinstance(node, Neg):
        inner = to_text(node.operand)
        return f"−({inner})" if isinstance(node.operand, (Bin, Cmp, Logic, If)) else f"−{inner}"
    if isinstance(node, Cmp):
        sym = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠"}.get(node.op, node.op)
        return f"{to_text(node.left)} {sym} {to_text(node.right)}"
    if isinstance(node, Logic):
        word = " và " if node.op == "and" else " hoặc "
        return word.join(_wrap(i) for i in node.items)
    if isinstance(node, Not):
        return f"không ({to_text(node.operand)})"
    if isinstance(node, If):
        return f"nếu {to_text(node.cond)} thì {to_text(node.then)}, ngược lại {to_text(node.other)}"
    if isinstance(node, Call):
        return f"{node.func}({', '.join(to_text(a) for a in node.args)})"
    raise TypeError(node)  # pragma: no cover
