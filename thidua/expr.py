"""Safe expressions: the node types of the compiled form, and the plan-expression parser.

An expression in a plan file (``diem_ty_le * he_so - diem_tru``) is parsed
with Python's ``ast`` into a small tree of whitelisted nodes — never passed to
``eval``. Rules lower to the same nodes (bands to comparisons and a pick, a
choice to a pick, a level-specific rule to ``Level``…), so every number the
tool computes is one tree, which ``thidua.program`` evaluates vectorised
(``evaluate``) and prints as an Excel formula (``excel``).

Semantics shared by both targets (so the workbook shows what the engine says):

* ``a / b`` is 0 when ``b`` is 0 (a rate over no dossiers is 0 %);
* comparisons allow for floating-point noise: ``a >= b`` holds when
  ``a >= b - 1e-9`` (two values equal to 9 decimal places are equal);
* ``round(x, n)`` rounds halves away from zero, as Excel's ROUND;
* a blank ("no data") operand makes the result blank, except in the branch of
  an ``If`` that is not taken; ``Known(x)`` tests for it and is never blank.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable

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


@dataclass(frozen=True)
class Level(Node):
    """1 when the unit's level (tinh/huyen/xa) is one of ``levels``, else 0."""

    levels: tuple[str, ...]


@dataclass(frozen=True)
class InGroup(Node):
    """1 when the unit's group is one of ``groups``, else 0."""

    groups: tuple[str, ...]


@dataclass(frozen=True)
class YearIn(Node):
    """1 when the year targets apply to lies in [first, last] (``last`` None: no end)."""

    first: int
    last: int | None


@dataclass(frozen=True)
class Pick(Node):
    """``values[index]`` (index from 0): a choice's points, a band's points, a label."""

    index: Node
    values: tuple[float, ...]

    def children(self):
        return (self.index,)


@dataclass(frozen=True)
class Known(Node):
    """1 when ``operand`` has a value, 0 when it is blank; never blank itself."""

    operand: Node

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Blank(Node):
    """No value (a special unit's criteria, a year without a target)."""


def truthy(node: Node) -> Node:
    """1 when ``node`` has a value that holds, 0 when it fails or is blank (never blank)."""
    return If(Known(node), Cmp("!=", node, Num(0.0)), Num(0.0))


def falsy(node: Node) -> Node:
    """1 when ``node`` has a value that fails, 0 when it holds or is blank (never blank)."""
    return If(Known(node), Cmp("==", node, Num(0.0)), Num(0.0))


def all_of(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else Logic("and", tuple(nodes)) if nodes else Num(1.0)


def plus(terms: list[tuple[float, Node]]) -> Node:
    """Σ sign × term, left to right (``[(1, a), (-1, b)]`` → a − b)."""
    out: Node | None = None
    for sign, term in terms:
        if out is None:
            out = term if sign > 0 else Neg(term)
        else:
            out = Bin("+" if sign > 0 else "-", out, term)
    return out if out is not None else Num(0.0)


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
    source = source.replace("×", "*").replace("÷", "/").replace("−", "-")
    mistake = _common_mistake(source)
    if mistake:
        raise ExprError(f"biểu thức «{text}» viết sai: {mistake}")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        # Offsets count in the rewritten source (≥ → >=), so quote the text near
        # the error instead of a position that may not match what the user typed.
        offset = exc.offset or 0
        if 0 < offset <= len(source.rstrip()):
            near = f" (vị trí {offset}, gần «{source[offset - 1:offset + 11].strip()}»)"
        else:
            near = " (biểu thức chưa hoàn chỉnh: thiếu một số hoặc mã ở cuối)"
        raise ExprError(f"biểu thức «{text}» viết sai cú pháp{near}") from None
    return _convert(tree.body, text)


_MISTAKES = (
    (re.compile(r"=>"), "viết «>=», không viết «=>»"),
    (re.compile(r"=<"), "viết «<=», không viết «=<»"),
    (re.compile(r"<>"), "«khác» viết «!=», không viết «<>»"),
    (re.compile(r"\d,\d"), "số thập phân viết bằng dấu chấm, ví dụ 0.5 (không viết 0,5)"),
    (re.compile(r"\b(AND|OR|NOT|VA|HOAC)\b"), "viết «and», «or», «not» (hoặc «và», «hoặc») "
     "bằng chữ thường"),
    (re.compile(r"(?<=[\d)])\s*x\s*(?=[\d(])"), "phép nhân viết «*», không viết «x»"),
)


_SINGLE_EQUALS = re.compile(r"(?<![<>=!])=(?!=)")
_KEYWORD_ARGUMENT = re.compile(r"\w\(\s*[^()]*,\s*\w+\s*=$")  # round(x, ndigits=…: not a comparison


def _common_mistake(source: str) -> str:
    """A mistake people often make in an expression, with how to write it."""
    for pattern, fix in _MISTAKES:
        if pattern.search(source):
            return fix
    for match in _SINGLE_EQUALS.finditer(source):
        if not _KEYWORD_ARGUMENT.search(source[:match.start() + 1]):
            return "so sánh bằng viết «==» (hai dấu bằng)"
    depth = 0
    for ch in source:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return "thừa dấu «)»"
    if depth > 0:
        return "thiếu dấu «)»" if depth == 1 else f"thiếu {depth} dấu «)»"
    return ""


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


# ---------------------------------------------------------------- numbers

def excel_number(value: float) -> str:
    """A number literal Excel and LibreOffice both read."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    return text.upper() if "e" in text else text


# ---------------------------------------------------------------- text

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
