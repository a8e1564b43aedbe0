"""Tests for thidua.expr and the program's two targets: parsing, vectorised evaluation
(``thidua.program.evaluate``), Excel printing (``thidua.program.excel``) and text output."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thidua import expr as ex
from thidua.expr import ExprError
from thidua.program.evaluate import Scope
from thidua.program.excel import Placement, Printer

NAN = float("nan")


def evaluate(node, env, n: int, levels=None, groups=None, year=None):
    levels = np.array(levels if levels is not None else ["xa"] * n, dtype=object)
    groups = np.array(groups if groups is not None else ["chung"] * n, dtype=object)
    return Scope(n, dict(env), levels, groups, year)(node)


def ev(text, n: int = 1, **env):
    """Evaluate ``text`` over arrays; scalars in ``env`` are broadcast to length n."""
    arrays = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in env.items()}
    return evaluate(ex.parse(text), arrays, n)


def ev1(text, **env) -> float:
    out = ev(text, 1, **env)
    assert out.shape == (1,)
    assert out.dtype == np.float64
    return float(out[0])


# ---------------------------------------------------------------- parsing → tree

def test_parse_builds_whitelisted_nodes():
    node = ex.parse("a + 2 * b")
    assert node == ex.Bin("+", ex.Name("a"), ex.Bin("*", ex.Num(2.0), ex.Name("b")))
    assert node.names() == {"a", "b"}


def test_parse_numbers_and_booleans_from_yaml():
    assert ex.parse(5) == ex.Num(5.0)
    assert ex.parse(2.5) == ex.Num(2.5)
    assert ex.parse(True) == ex.Num(1.0)
    assert ex.parse(False) == ex.Num(0.0)
    assert ex.parse("True") == ex.Num(1.0)
    assert ex.parse("  x  ") == ex.Name("x")


def test_unary_plus_is_dropped_and_minus_kept():
    assert ex.parse("+x") == ex.Name("x")
    assert ex.parse("-x") == ex.Neg(ex.Name("x"))


def test_chained_comparison_becomes_and_of_pairs():
    node = ex.parse("1 < x <= 3")
    assert node == ex.Logic("and", (ex.Cmp("<", ex.Num(1.0), ex.Name("x")),
                                    ex.Cmp("<=", ex.Name("x"), ex.Num(3.0))))


def test_vietnamese_operators_are_accepted():
    assert ex.parse("a ≥ b") == ex.Cmp(">=", ex.Name("a"), ex.Name("b"))
    assert ex.parse("a ≤ b") == ex.Cmp("<=", ex.Name("a"), ex.Name("b"))
    assert ex.parse("a ≠ b") == ex.Cmp("!=", ex.Name("a"), ex.Name("b"))
    assert ex.parse("a và b") == ex.Logic("and", (ex.Name("a"), ex.Name("b")))
    assert ex.parse("a hoặc b") == ex.Logic("or", (ex.Name("a"), ex.Name("b")))


def test_names_collects_every_code():
    node = ex.parse("max(a, b) if c >= 1 and not d else round(e / f, 2)")
    assert node.names() == {"a", "b", "c", "d", "e", "f"}


# ---------------------------------------------------------------- arithmetic

@pytest.mark.parametrize("text, expected", [
    ("2 + 3 * 4", 14.0),
    ("(2 + 3) * 4", 20.0),
    ("10 - 4 - 3", 3.0),
    ("24 / 4 / 2", 3.0),
    ("2 * 3 + 4 * 5", 26.0),
    ("10 - 2 * 3", 4.0),
    ("-3 + 5", 2.0),
    ("-(3 + 5)", -8.0),
    ("--4", 4.0),
    ("2 * -3", -6.0),
    ("1 + 2 > 2", 1.0),       # arithmetic binds tighter than comparison
    ("2 > 1 and 0", 0.0),     # comparison binds tighter than and
    ("0 and 1 or 1", 1.0),    # and binds tighter than or
    ("1 or 0 and 0", 1.0),
    ("not 1 or 1", 1.0),
])
def test_precedence(text, expected):
    assert ev1(text) == expected


def test_division_by_zero_is_zero():
    assert ev1("5 / 0") == 0.0
    assert ev1("0 / 0") == 0.0
    assert ev1("a / b", a=7, b=0) == 0.0
    assert ev1("-7 / (b - b)", b=3) == 0.0
    out = ev("a / b", 3, a=[1.0, 6.0, 9.0], b=[0.0, 3.0, 0.0])
    np.testing.assert_array_equal(out, [0.0, 2.0, 0.0])


@pytest.mark.parametrize("text", [
    "x + 1", "1 - x", "x * 0", "x / 2", "2 / x", "x / 0", "0 / x", "-x", "abs(x)",
    "min(x, 1)", "max(1, x)", "round(x, 2)", "round(x)", "x > 1", "x == x", "not x",
    "x and 1", "0 and x", "1 or x", "x if 1 else 2", "1 if x else 2",
])
def test_blank_input_gives_blank_result(text):
    assert math.isnan(ev1(text, x=NAN))


def test_blank_only_in_branch_not_taken_does_not_propagate():
    assert ev1("x if 0 else 2", x=NAN) == 2.0
    assert ev1("2 if 1 else x", x=NAN) == 2.0


def test_nan_is_per_element():
    out = ev("a * 2", 3, a=[1.0, NAN, 3.0])
    assert out[0] == 2.0 and math.isnan(out[1]) and out[2] == 6.0


# ---------------------------------------------------------------- comparisons

@pytest.mark.parametrize("text, expected", [
    ("65 >= 65", 1.0),
    ("64.9999999999 >= 65", 1.0),   # within 1e-9
    ("64.99 >= 65", 0.0),
    ("64.999999 >= 65", 0.0),       # 1e-6 is not noise
    ("65 > 65", 0.0),
    ("65.0000000001 > 65", 0.0),    # noise does not make it strictly greater
    ("65.01 > 65", 1.0),
    ("65 <= 65", 1.0),
    ("65.0000000001 <= 65", 1.0),
    ("65.01 <= 65", 0.0),
    ("65 < 65", 0.0),
    ("64.9999999999 < 65", 0.0),
    ("64.99 < 65", 1.0),
    ("1 == 1 + 1e-10", 1.0),
    ("1 == 1 + 1e-8", 0.0),
    ("0.1 + 0.2 == 0.3", 1.0),      # floating-point noise is equal
    ("1 != 1 + 1e-10", 0.0),
    ("1 != 1.001", 1.0),
    ("65 ≥ 65", 1.0),
    ("3 ≤ 2", 0.0),
])
def test_comparisons_with_tolerance(text, expected):
    assert ev1(text) == expected


def test_ratio_noise_still_passes_threshold():
    # 0.65 * 100 is 65.00000000000001 and 13/20*100 is 65.0 — both meet ">= 65"
    assert ev1("a / b * 100 >= 65", a=13, b=20) == 1.0
    assert ev1("a * 100 >= 65", a=0.65) == 1.0


@pytest.mark.parametrize("text, expected", [
    ("1 < 2 < 3", 1.0),
    ("1 < 3 < 2", 0.0),
    ("3 > 2 > 2.5", 0.0),
    ("1 < 2 > 1.5", 1.0),
    ("0 <= x < 10", 1.0),
    ("0 <= x <= 4", 0.0),
])
def test_chained_comparisons(text, expected):
    assert ev1(text, x=5) == expected


# ---------------------------------------------------------------- logic and if

@pytest.mark.parametrize("text, expected", [
    ("1 and 0", 0.0),
    ("1 and 2", 1.0),
    ("0 or 0", 0.0),
    ("0 or 3", 1.0),
    ("not 0", 1.0),
    ("not 5", 0.0),
    ("1 và 0", 0.0),
    ("0 hoặc 1", 1.0),
    ("a > 1 và b < 1", 1.0),
    ("a > 5 hoặc b > 5", 0.0),
    ("5 if 1 else 7", 5.0),
    ("5 if 0 else 7", 7.0),
    ("a * 10 if a > 1 else -1", 20.0),
    ("1 if a > 5 else 2 if a > 1 else 3", 2.0),
])
def test_logic_and_conditional(text, expected):
    assert ev1(text, a=2, b=0) == expected


def test_conditional_vectorised():
    out = ev("x * 2 if x >= 5 else 0", 4, x=[4.0, 5.0, 4.9999999999, 10.0])
    np.testing.assert_array_equal(out, [0.0, 10.0, 9.9999999998, 20.0])


# ---------------------------------------------------------------- functions

@pytest.mark.parametrize("text, expected", [
    ("min(3, 1, 2)", 1.0),
    ("max(3, 1, 2)", 3.0),
    ("min(a, 5)", 2.0),
    ("max(a - 10, 0)", 0.0),
    ("abs(-3.5)", 3.5),
    ("abs(a - 5)", 3.0),
    ("round(2.5)", 3.0),
    ("round(-2.5)", -3.0),
    ("round(3.5)", 4.0),
    ("round(2.4)", 2.0),
    ("round(0.125, 2)", 0.13),
    ("round(-0.125, 2)", -0.13),
    ("round(2.675, 2)", 2.68),
    ("round(1.005, 2)", 1.01),
    ("round(46 / 320 * 100, 2)", 14.38),
    ("round(1250, -2)", 1300.0),
    ("round(a / 3, 3)", 0.667),
])
def test_functions(text, expected):
    assert ev1(text, a=2) == expected


def test_round_is_vectorised_and_keeps_nan():
    out = ev("round(x, 1)", 4, x=[0.05, -0.05, 1.25, NAN])
    np.testing.assert_array_equal(out[:3], [0.1, -0.1, 1.3])
    assert math.isnan(out[3])


# ---------------------------------------------------------------- rejections

FORBIDDEN = "không được phép"


@pytest.mark.parametrize("text, fragment", [
    ("__import__('os')", "hàm «__import__» không được phép"),
    ("a.b", "thành phần «a.b» không được phép trong biểu thức «a.b»"),
    ("a[0]", "thành phần «a[0]» không được phép"),
    ("lambda: 1", "thành phần «lambda: 1» không được phép"),
    ("lambda x: x", FORBIDDEN),
    ("'abc'", "thành phần «'abc'» không được phép"),
    ("a + 'x'", FORBIDDEN),
    ("2 ** 3", "thành phần «2 ** 3» không được phép"),
    ("x // 2", FORBIDDEN),
    ("x % 2", FORBIDDEN),
    ("round(x, ndigits=2)", "thành phần «round(x, ndigits=2)» không được phép"),
    ("sqrt(x)", "hàm «sqrt» không được phép trong «sqrt(x)» (chỉ dùng: min, max, abs, round)"),
    ("open('f')", "hàm «open» không được phép"),
    ("a.b()", FORBIDDEN),
    ("min(*x)", FORBIDDEN),
    ("a in b", FORBIDDEN),
    ("a is b", FORBIDDEN),
    ("[1, 2]", FORBIDDEN),
    ("None", FORBIDDEN),
    ("~x", FORBIDDEN),
    ("x & y", FORBIDDEN),
    ("min(x)", "min() trong «min(x)» cần ít nhất 2 đối số"),
    ("max(x)", "max() trong «max(x)» cần ít nhất 2 đối số"),
    ("abs(1, 2)", "abs() trong «abs(1, 2)» cần đúng 1 đối số"),
    ("round(1, 2, 3)", "round() trong «round(1, 2, 3)» cần 1 hoặc 2 đối số"),
    ("1 +", "biểu thức «1 +» viết sai cú pháp"),
    ("(a", "biểu thức «(a» viết sai: thiếu dấu «)»"),
    ("a => 65", "viết «>=», không viết «=>»"),
    ("a =< 65", "viết «<=», không viết «=<»"),
    ("a <> 1", "«khác» viết «!=»"),
    ("a = 1", "so sánh bằng viết «==»"),
    ("a * 0,5", "số thập phân viết bằng dấu chấm"),
    ("a > 1 AND b > 1", "viết «and», «or», «not»"),
    ("2 x 3", "phép nhân viết «*»"),
    ("a)", "thừa dấu «)»"),
    ("a b", "viết sai cú pháp"),
    ("a if b", "viết sai cú pháp"),
])
def test_rejections(text, fragment):
    with pytest.raises(ExprError) as info:
        ex.parse(text)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_generic_rejection_lists_what_is_allowed():
    with pytest.raises(ExprError) as info:
        ex.parse("a.b")
    msg = str(info.value)
    assert "chỉ dùng số, mã chỉ tiêu, + - * /" in msg
    assert "min/max/abs/round" in msg


def test_forbidden_call_inside_allowed_function_is_rejected():
    with pytest.raises(ExprError, match="hàm «eval» không được phép"):
        ex.parse("max(eval('1'), 2)")


def test_syntax_error_reports_position():
    with pytest.raises(ExprError, match=r"vị trí 3, gần «b»"):
        ex.parse("a b")


def test_syntax_error_position_is_never_zero():
    with pytest.raises(ExprError) as info:
        ex.parse("diem_1 +")
    assert "vị trí 0" not in str(info.value)


# ---------------------------------------------------------------- Excel

CELLS = {"a": "A1", "b": "B1", "c": "C1", "x": "A1"}


class _Cells(Placement):
    """Every name an input in a fixed cell; the unit's level in L1, group in G1, year in Y1."""

    level, group, year = "L1", "G1", "Y1"

    def __init__(self):
        self.program = None
        self.inputs = set(CELLS)

    def input_ref(self, code: str) -> str:
        return CELLS[code]


def xl(text: str) -> str:
    return Printer(_Cells()).value(ex.parse(text))


def known(node) -> list[str]:
    return Printer(_Cells()).known(node)


@pytest.mark.parametrize("text, formula", [
    ("a / b", "IF((B1)=0,0,(A1)/(B1))"),
    ("a + b", "(A1)+(B1)"),
    ("a - b * 2", "(A1)-((B1)*(2))"),
    ("0.5 * a", "(0.5)*(A1)"),
    ("-a", "-(A1)"),
    ("a >= b", "((A1)>=(B1)-1E-09)"),
    ("a > b", "((A1)>(B1)+1E-09)"),
    ("a <= 65", "((A1)<=(65)+1E-09)"),
    ("a < b", "((A1)<(B1)-1E-09)"),
    ("a == b", "(ABS((A1)-(B1))<=1E-09)"),
    ("a != b", "(ABS((A1)-(B1))>1E-09)"),
    ("a and b", "AND(A1,B1)"),
    ("a or b or c", "OR(A1,B1,C1)"),
    ("not a", "NOT(A1)"),
    ("a if b else 1", "IF(B1,A1,1)"),
    ("min(a, b, 3)", "MIN(A1,B1,3)"),
    ("max(a, 0)", "MAX(A1,0)"),
    ("abs(a)", "ABS(A1)"),
    ("round(x)", "ROUND(A1,0)"),
    ("round(x, 2)", "ROUND(A1,2)"),
    ("1 < a < 3", "AND(((1)<(A1)-1E-09),((A1)<(3)-1E-09))"),
    ("a và b", "AND(A1,B1)"),
    ("a / b * 100", "(IF((B1)=0,0,(A1)/(B1)))*(100)"),
])
def test_to_excel(text, formula):
    assert xl(text) == formula


@pytest.mark.parametrize("value, text", [
    (3.0, "3"), (-2.0, "-2"), (0.5, "0.5"), (1e-9, "1E-09"), (1e20, "1E+20"), (2700.0, "2700"),
])
def test_excel_number(value, text):
    assert ex.excel_number(value) == text


def test_excel_formula_has_no_python_syntax():
    formula = xl("round(a / b * 100, 2) >= 65 and not (c or a) if a != 0 else max(a, -b)")
    for bad in ("**", " and ", " or ", "not ", "None", "==", "!=", "round(", "max("):
        assert bad not in formula
    assert formula.startswith("IF(")


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("text, shown", [
    ("a / b", "a / b"),
    ("a * 2 - b", "a × 2 − b"),
    ("(a + b) * 2", "(a + b) × 2"),
    ("a - (b - 1)", "a − (b − 1)"),
    ("a / (b * 2)", "a / (b × 2)"),
    ("a >= 65", "a ≥ 65"),
    ("a <= 65", "a ≤ 65"),
    ("a == 1", "a = 1"),
    ("a != 1", "a ≠ 1"),
    ("a > 1 and b < 2", "a > 1 và b < 2"),
    ("a or b", "a hoặc b"),
    ("not a", "không (a)"),
    ("a if b else 1", "nếu b thì a, ngược lại 1"),
    ("min(a, 2.5)", "min(a, 2,5)"),
    ("round(a, 2)", "round(a, 2)"),
    ("-a", "−a"),
    ("(a if b else 1) + 2", "(nếu b thì a, ngược lại 1) + 2"),
    ("1234.5 * a", "1.234,5 × a"),
])
def test_to_text(text, shown):
    assert ex.to_text(ex.parse(text)) == shown


def test_to_text_substitutes_values():
    node = ex.parse("diem_ty_le * he_so - diem_tru")
    values = {"diem_ty_le": "87,5", "he_so": "0,9", "diem_tru": "2"}
    assert ex.to_text(node, lambda c: values[c]) == "87,5 × 0,9 − 2"
    assert ex.to_text(node) == "diem_ty_le × he_so − diem_tru"


def test_to_text_keeps_parentheses_under_unary_minus():
    assert ex.to_text(ex.parse("-(a + b)")) == "−(a + b)"


def test_to_text_keeps_parentheses_around_comparison_in_arithmetic():
    assert ex.to_text(ex.parse("(a > b) * 2")) == "(a > b) × 2"


# ---------------------------------------------------------------- property

def _reference(tree) -> float:
    if isinstance(tree, int):
        return float(tree)
    op, left, right = tree
    a, b = _reference(left), _reference(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return 0.0 if b == 0 else a / b


def _source(tree) -> str:
    if isinstance(tree, int):
        return f"({tree})" if tree < 0 else str(tree)
    op, left, right = tree
    return f"({_source(left)} {op} {_source(right)})"


trees = st.recursive(
    st.integers(min_value=-9, max_value=9),
    lambda inner: st.tuples(st.sampled_from("+-*/"), inner, inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(trees)
def test_evaluate_matches_reference_evaluator(tree):
    expected = _reference(tree)
    got = evaluate(ex.parse(_source(tree)), {}, 2)
    assert got.shape == (2,)
    assert got[0] == got[1]
    assert got[0] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(trees, st.integers(min_value=-9, max_value=9))
def test_evaluate_with_names_matches_reference(tree, value):
    # Replace every leaf equal to `value` by the name x: same result.
    def rename(t):
        if isinstance(t, int):
            return "x" if t == value else (f"({t})" if t < 0 else str(t))
        op, left, right = t
        return f"({rename(left)} {op} {rename(right)})"

    got = evaluate(ex.parse(rename(tree)), {"x": np.array([float(value)])}, 1)
    assert got[0] == pytest.approx(_reference(tree), rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- lowered nodes, both targets

def test_level_group_year_pick_known_blank_evaluate():
    x = np.array([0.0, 1.0, 2.0, NAN])
    levels, groups = ["xa", "huyen", "xa", "tinh"], ["a", "b", "a", "b"]
    assert list(evaluate(ex.Level(("xa", "tinh")), {}, 4, levels)) == [1, 0, 1, 1]
    assert list(evaluate(ex.InGroup(("b",)), {}, 4, levels, groups)) == [0, 1, 0, 1]
    assert list(evaluate(ex.YearIn(2023, 2025), {}, 1, year=2024)) == [1]
    assert list(evaluate(ex.YearIn(2026, None), {}, 1, year=2025)) == [0]
    assert list(evaluate(ex.YearIn(2023, None), {}, 1)) == [0]  # no year: no target applies
    picked = evaluate(ex.Pick(ex.Name("x"), (5.0, 7.0, 9.0)), {"x": x}, 4)
    assert list(picked[:3]) == [5, 7, 9] and math.isnan(picked[3])
    assert list(evaluate(ex.Known(ex.Name("x")), {"x": x}, 4)) == [1, 1, 1, 0]
    assert all(math.isnan(v) for v in evaluate(ex.Blank(), {}, 2))
    assert list(evaluate(ex.truthy(ex.Name("x")), {"x": x}, 4)) == [0, 1, 1, 0]
    assert list(evaluate(ex.falsy(ex.Name("x")), {"x": x}, 4)) == [1, 0, 0, 0]


def test_known_conditions_follow_the_blank_rules():
    a, b = ex.Name("a"), ex.Name("b")
    assert known(ex.Num(1.0)) == []
    assert known(ex.Bin("+", a, b)) == ["ISNUMBER(A1)", "ISNUMBER(B1)"]
    assert known(ex.Bin("+", a, a)) == ["ISNUMBER(A1)"]  # each condition once
    assert known(ex.Known(a)) == [] and known(ex.Blank()) == ["FALSE"]
    # an If needs only the branch it takes
    node = ex.If(ex.Cmp(">", a, ex.Num(0.0)), b, ex.Num(0.0))
    assert known(node) == ["IF(ISNUMBER(A1),IF(((A1)>(0)+1E-09),ISNUMBER(B1),TRUE),FALSE)"]
    assert Printer(_Cells()).formula(ex.Bin("*", a, ex.Num(2.0))) == '=IF(ISNUMBER(A1),(A1)*(2),"")'


def test_lowered_nodes_print():
    printer = Printer(_Cells())
    assert printer.value(ex.Level(("xa",))) == 'L1="xa"'
    assert printer.value(ex.InGroup(("a", "b"))) == 'OR(G1="a",G1="b")'
    assert printer.value(ex.YearIn(2023, 2025)) == "AND(Y1>=2023,Y1<=2025)"
    assert printer.value(ex.YearIn(2026, None)) == "(Y1>=2026)"
    assert printer.value(ex.Pick(ex.Name("a"), (0.0, 2.5, 5.0))) == "CHOOSE((A1)+1,0,2.5,5)"
    assert printer.value(ex.Known(ex.Name("a"))) == "ISNUMBER(A1)"
    assert printer.value(ex.Blank()) == '""'
