"""Tests for thidua.rules: each rule kind built from a tiny plan, lowered to expression
nodes, evaluated and explained (``thidua.program.evaluate``), printed as an Excel formula
(``thidua.program.excel``) and described."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from thidua.plan import load_plan, parse_plan
from thidua.program.evaluate import Scope
from thidua.program.excel import Placement, Printer
from thidua.rules import KINDS
from thidua.rules.base import NO_DATA, Context

NAN = float("nan")

INPUTS = """\
  - {code: ty_le, type: percent}
  - {code: so_luong, type: count, unit: "hồ sơ"}
  - {code: so_tin, type: count, unit: "tin"}
  - {code: so_bai, type: count, unit: "bài"}
  - {code: gia_tri, type: number}
  - {code: tu_so, type: count}
  - {code: mau_so, type: count}
  - {code: co_ke_hoach, type: yesno}
  - {code: co_niem_yet, type: yesno}
  - code: sang_kien
    type: choice
    choices:
      - {code: khong, label: "Không có"}
      - {code: co, label: "Có, chưa nhân rộng"}
      - {code: nhan_rong, label: "Có, được nhân rộng"}
"""


def rule_of(rule_yaml: str, max_: float = 10, role: str = "score"):
    """Build the rule of a one-criterion points plan."""
    text = (
        "id: thu\n"
        'title: "Kế hoạch thử"\n'
        "kind: points\n"
        "levels: [huyen, xa]\n"
        "inputs:\n" + INPUTS +
        "criteria:\n"
        '  - id: "1"\n'
        "    code: diem\n"
        f"    role: {role}\n"
        f"    max: {max_}\n"
        "    rule:\n" + "".join(f"      {line}\n" for line in rule_yaml.strip("\n").splitlines())
    )
    plan = parse_plan(text, "thu.yaml")
    units = {i.code: i.unit for i in plan.inputs}
    return plan.items[0].rule, units


def run(rule, units, levels=None, **env):
    """The rule's lowered tree evaluated, and its explanation, for one unit per value."""
    n = len(next(iter(env.values())))
    levels = np.array(levels if levels is not None else ["huyen"] * n, dtype=object)
    arrays = {k: np.asarray(v, dtype=float) for k, v in env.items()}
    node, explain = rule.lowered()
    scope = Scope(n, arrays, levels, np.array(["chung"] * n, dtype=object))
    points, texts = scope(node), explain(Context(scope, units))
    assert len(texts) == n and points.shape == (n,)
    return list(points), texts


CELLS = {"ty_le": "C2", "so_luong": "D2", "so_tin": "E2", "so_bai": "F2", "gia_tri": "G2",
         "tu_so": "H2", "mau_so": "I2", "co_ke_hoach": "J2", "co_niem_yet": "K2",
         "sang_kien": "L2"}


def ref(code: str) -> str:
    return CELLS[code]


class _Cells(Placement):
    """Inputs in the cells of CELLS; the unit's level in ``level``."""

    def __init__(self, level: str = "B2", cells=None):
        self.program = None
        self.cells = cells or CELLS
        self.inputs = set(self.cells)
        self.level = level

    def input_ref(self, code: str) -> str:
        return self.cells[code]


def excel(rule, level: str = "B2", cells=None) -> str:
    """The rule's value formula as the workbooks print it."""
    return Printer(_Cells(level, cells)).value(rule.lowered()[0])


def check_formula(formula: str, functions: list[str]) -> None:
    for fn in functions:
        assert f"{fn}(" in formula
    for bad in ("**", " and ", " or ", "None", "nan", "==", "!=", "True", "False", "not "):
        assert bad not in formula
    assert formula.count("(") == formula.count(")")


def same(a, b) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def test_every_kind_is_registered():
    assert set(KINDS) == {"expression", "ratio", "bands", "coefficient", "per_item",
                          "per_occurrence", "yesno", "choice"}


# ---------------------------------------------------------------- bands

BANDS = """
kind: bands
of: ty_le
bands:
  - {to: 80, points: 4}
  - {from: 80, to: 95, points: 6}
  - {from: 95, to: 100, points: 8}
  - {from: 100, points: 10}
"""


def test_bands_edges():
    rule, units = rule_of(BANDS)
    points, texts = run(rule, units, ty_le=[100, 95, 94.99, 80, 79.99, 0, -5, 250,
                                            94.9999999999, NAN])
    assert same(points, [10, 8, 6, 6, 4, 4, 4, 10, 8, NAN])
    assert texts[0] == "100 % → bậc ≥ 100 → 10 điểm"
    assert texts[1] == "95 % → bậc [95, 100) → 8 điểm"
    assert texts[2] == "94,99 % → bậc [80, 95) → 6 điểm"
    assert texts[4] == "79,99 % → bậc < 80 → 4 điểm"
    assert texts[9] == NO_DATA == "chưa có số liệu"


def test_bands_describe_excel_and_max():
    rule, _ = rule_of(BANDS)
    assert rule.describe() == "ty_le: ≥ 100 → 10; [95, 100) → 8; [80, 95) → 6; < 80 → 4"
    formula = excel(rule, "B2")
    # the band index (highest band tested first), then its points
    assert formula == ("CHOOSE((IF(((C2)>=(100)-1E-09),3,IF(((C2)>=(95)-1E-09),2,"
                       "IF(((C2)>=(80)-1E-09),1,0))))+1,4,6,8,10)")
    check_formula(formula, ["IF"])
    assert rule.max_points() == 10


def test_bands_value_below_first_from_is_outside():
    rule, units = rule_of("""
kind: bands
of: gia_tri
bands:
  - {from: 0, to: 80, points: 4}
  - {from: 80, points: 10}
""")
    points, texts = run(rule, units, gia_tri=[-1, 0, 80])
    assert same(points, [NAN, 4, 10])
    assert texts[0] == "-1 nằm ngoài các bậc của thang điểm"
    assert texts[1] == "0 → bậc [0, 80) → 4 điểm"
    formula = excel(rule, "B2")
    assert formula == 'CHOOSE((IF(((G2)>=(80)-1E-09),1,IF(((G2)>=(0)-1E-09),0,"")))+1,4,10)'


LEVEL_BANDS = """
kind: bands
of: so_luong
bands:
  - {to: 1, points: 5}
  - {from: 1, to: 3, points: 6}
  - {from: 3, points: 10}
by_level:
  xa:
    - {to: 2, points: 5}
    - {from: 2, to: 6, points: 6}
    - {from: 6, points: 12}
"""


def test_bands_by_level():
    rule, units = rule_of(LEVEL_BANDS, max_=12)
    points, texts = run(rule, units, levels=["huyen", "xa", "huyen", "xa", "xa", "tinh"],
                        so_luong=[2, 2, 5, 5, 6, 5])
    assert same(points, [6, 6, 10, 6, 12, 10])
    assert texts[0] == "2 hồ sơ → bậc [1, 3) → 6 điểm"
    assert texts[1] == "2 hồ sơ → bậc [2, 6) → 6 điểm"
    assert texts[4] == "6 hồ sơ → bậc ≥ 6 → 12 điểm"
    assert texts[5] == "5 hồ sơ → bậc ≥ 3 → 10 điểm"  # no table for tinh: default bands
    assert rule.max_points() == 12
    formula = excel(rule, "$B2")
    assert formula.startswith('IF($B2="xa",CHOOSE((IF(((D2)>=(6)-1E-09),2,')
    check_formula(formula, ["IF"])
    assert rule.describe().endswith("Riêng cấp xã: ≥ 6 → 12; [2, 6) → 6; < 2 → 5")


def test_bands_explanation_does_not_round_value_into_next_band():
    rule, units = rule_of(BANDS)
    points, texts = run(rule, units, ty_le=[99.996])
    assert points == [8]
    assert not texts[0].startswith("100 %")


# ---------------------------------------------------------------- coefficient

def test_coefficient_from_real_plan():
    plan = load_plan("nui-thanh-dvc-2023")
    value = next(v for v in plan.values if v.code == "he_so")
    rule = value.rule
    assert rule.kind == "coefficient"
    units = {i.code: i.unit for i in plan.inputs}
    points, texts = run(rule, units, levels=["xa"] * 7,
                        truc_tuyen_giai_quyet=[299, 300, 2699, 2700, 0, 5000, NAN])
    assert same(points, [0.1, 0.2, 0.9, 1.0, 0.1, 1.0, NAN])
    assert texts[0] == "299 hồ sơ → bậc < 300 → hệ số 0,1"
    assert texts[1] == "300 hồ sơ → bậc [300, 600) → hệ số 0,2"
    assert texts[2] == "2.699 hồ sơ → bậc [2.400, 2.700) → hệ số 0,9"
    assert texts[3] == "2.700 hồ sơ → bậc ≥ 2.700 → hệ số 1"
    assert texts[6] == "chưa có số liệu"
    assert rule.max_points() == 1.0
    formula = excel(rule, "B2", {"truc_tuyen_giai_quyet": "C2"})
    assert formula.startswith("CHOOSE((IF(((C2)>=(2700)-1E-09),9,IF(((C2)>=(2400)-1E-09),8,")
    assert formula.endswith("IF(((C2)>=(300)-1E-09),1,0))))))))))+1,0.1,0.2,0.3,0.4,0.5,0.6,"
                            "0.7,0.8,0.9,1)")
    check_formula(formula, ["IF"])
    assert rule.describe().startswith("truc_tuyen_giai_quyet: ≥ 2.700 → 1; [2.400, 2.700) → 0,9")


# ---------------------------------------------------------------- ratio

def test_ratio():
    rule, units = rule_of("{kind: ratio, num: tu_so, den: mau_so}", max_=100)
    points, texts = run(rule, units, tu_so=[46, 0, 5, NAN, 1], mau_so=[320, 0, 0, 10, 4])
    assert points[0] == pytest.approx(14.375)
    assert same(points[1:], [0, 0, NAN, 25])
    assert texts[0] == "46 / 320 × 100 = 14,38 %"
    assert texts[1] == "0 / 0 → 0 % (không phát sinh)"
    assert texts[2] == "5 / 0 → 0 % (không phát sinh)"
    assert texts[3] == "chưa có số liệu"
    formula = excel(rule, "B2")
    assert formula == "IF((I2)=0,0,((100)*(H2))/(I2))"
    check_formula(formula, ["IF"])
    assert rule.describe() == "100 × tu_so / mau_so (bằng 0 khi mẫu số bằng 0)"
    assert rule.max_points() is None


def test_ratio_scale_one():
    rule, units = rule_of("{kind: ratio, num: tu_so, den: mau_so, scale: 1}", max_=1)
    points, texts = run(rule, units, tu_so=[1], mau_so=[4])
    assert points == [0.25]
    assert texts[0] == "1 / 4 = 0,25"
    assert rule.describe() == "tu_so / mau_so (bằng 0 khi mẫu số bằng 0)"


# ---------------------------------------------------------------- expression

def test_expression():
    rule, units = rule_of("{kind: expression, expr: 'min(gia_tri * 2 - so_luong, 10)'}")
    points, texts = run(rule, units, gia_tri=[3, 2.5, NAN, 20], so_luong=[1, 0, 1, 0])
    assert same(points, [5, 5, NAN, 10])
    assert texts[0] == "min(3 × 2 − 1, 10) = 5"
    assert texts[1] == "min(2,5 × 2 − 0, 10) = 5"
    assert texts[2] == "chưa có số liệu (gia_tri)"
    assert texts[3] == "min(20 × 2 − 0, 10) = 10"
    formula = excel(rule, "B2")
    assert formula == "MIN(((G2)*(2))-(D2),10)"
    check_formula(formula, ["MIN"])
    assert rule.describe() == "min(gia_tri × 2 − so_luong, 10)"
    assert rule.max_points() is None


def test_expression_condition_is_excel_if():
    rule, units = rule_of("{kind: expression, expr: '5 if ty_le >= 65 and co_ke_hoach else 0'}")
    points, texts = run(rule, units, ty_le=[65, 64.99, 70], co_ke_hoach=[1, 1, 0])
    assert points == [5, 0, 0]
    assert texts[0] == "nếu 65 ≥ 65 và 1 thì 5, ngược lại 0 = 5"
    formula = excel(rule, "B2")
    assert formula == "IF(AND(((C2)>=(65)-1E-09),J2),5,0)"
    check_formula(formula, ["IF", "AND"])


def test_expression_constant():
    rule, units = rule_of("{kind: expression, expr: 7}")
    points, texts = run(rule, units, gia_tri=[1, 2])
    assert points == [7, 7]
    assert texts == ["7", "7"]


def test_expression_explanation_of_negated_sum():
    rule, units = rule_of("{kind: expression, expr: '-(gia_tri + so_luong)'}")
    points, texts = run(rule, units, gia_tri=[2], so_luong=[1])
    assert points == [-3]
    assert texts[0] == "−(2 + 1) = -3"


# ---------------------------------------------------------------- per_item

def test_per_item_single():
    rule, units = rule_of("{kind: per_item, of: so_tin, points: 0.5, cap: 2}", max_=2)
    points, texts = run(rule, units, so_tin=[3, 5, 4, 0, NAN])
    assert same(points, [1.5, 2, 2, 0, NAN])
    assert texts[0] == "3 tin × 0,5 = 1,5 (tối đa 2) → 1,5 điểm"
    assert texts[1] == "5 tin × 0,5 = 2,5 → tối đa 2 → 2 điểm"
    assert texts[2] == "4 tin × 0,5 = 2 (tối đa 2) → 2 điểm"
    assert texts[4] == "chưa có số liệu"
    formula = excel(rule, "B2")
    assert formula == "MIN((E2)*(0.5),2)"
    check_formula(formula, ["MIN"])
    assert rule.describe() == "0,5 điểm cho mỗi so_tin, tối đa 2 điểm"
    assert rule.max_points() == 2


def test_per_item_parts():
    rule, units = rule_of("""
kind: per_item
parts:
  - {of: so_tin, points: 0.5, cap: 2}
  - {of: so_bai, points: 0.5, cap: 3}
""", max_=5)
    points, texts = run(rule, units, so_tin=[3, 5, NAN], so_bai=[1, 10, 1])
    assert same(points, [2, 5, NAN])
    assert texts[0] == "3 tin × 0,5 = 1,5 (tối đa 2); 1 bài × 0,5 = 0,5 (tối đa 3) → 2 điểm"
    assert texts[1] == "5 tin × 0,5 = 2,5 → tối đa 2; 10 bài × 0,5 = 5 → tối đa 3 → 5 điểm"
    assert texts[2] == "chưa có số liệu"
    formula = excel(rule, "B2")
    assert formula == "(MIN((E2)*(0.5),2))+(MIN((F2)*(0.5),3))"
    check_formula(formula, ["MIN"])
    assert rule.describe() == ("0,5 điểm cho mỗi so_tin, tối đa 2 điểm; "
                               "0,5 điểm cho mỗi so_bai, tối đa 3 điểm")
    assert rule.max_points() == 5


def test_per_item_without_cap_has_no_maximum():
    rule, units = rule_of("{kind: per_item, of: so_luong, points: 0.5}", role="deduction")
    points, texts = run(rule, units, so_luong=[30])
    assert points == [15]
    assert texts[0] == "30 hồ sơ × 0,5 = 15 → 15 điểm"
    assert excel(rule, "B2") == "(D2)*(0.5)"
    assert rule.max_points() is None


# ---------------------------------------------------------------- per_occurrence

def test_per_occurrence_floor_zero_by_default():
    rule, units = rule_of("{kind: per_occurrence, of: so_luong, start: 10, points: 5}")
    points, texts = run(rule, units, so_luong=[0, 1, 2, 3, NAN])
    assert same(points, [10, 5, 0, 0, NAN])
    assert texts[1] == "10 − 5 × 1 hồ sơ = 5 điểm"
    assert texts[3] == "10 − 5 × 3 hồ sơ = -5 → 0 điểm (không thấp hơn 0)"
    assert texts[4] == "chưa có số liệu"
    formula = excel(rule, "B2")
    assert formula == "MAX((10)-((5)*(D2)),0)"
    check_formula(formula, ["MAX"])
    assert rule.describe() == "10 − 5 × so_luong, không thấp hơn 0"
    assert rule.max_points() == 10


def test_per_occurrence_floor_null_goes_negative():
    rule, units = rule_of("{kind: per_occurrence, of: so_luong, start: 10, points: 5, floor: null}")
    points, texts = run(rule, units, so_luong=[1, 3])
    assert points == [5, -5]
    assert texts[1] == "10 − 5 × 3 hồ sơ = -5 điểm"
    formula = excel(rule, "B2")
    assert formula == "(10)-((5)*(D2))"
    assert "MAX" not in formula
    assert rule.describe() == "10 − 5 × so_luong, có thể bị âm"
    assert rule.max_points() == 10


def test_per_occurrence_explicit_floor():
    rule, units = rule_of("{kind: per_occurrence, of: so_luong, start: 10, points: 4, floor: -3}")
    points, _ = run(rule, units, so_luong=[3, 4])
    assert points == [-2, -3]
    assert excel(rule, "B2") == "MAX((10)-((4)*(D2)),-3)"


# ---------------------------------------------------------------- yesno

def test_yesno():
    rule, units = rule_of("{kind: yesno, of: co_ke_hoach, yes: 5}", max_=5)
    points, texts = run(rule, units, co_ke_hoach=[1, 0, NAN])
    assert same(points, [5, 0, NAN])
    assert texts == ["có → 5 điểm", "không → 0 điểm", "chưa có số liệu"]
    formula = excel(rule, "B2")
    assert formula == "IF(J2,5,0)"
    check_formula(formula, ["IF"])
    assert rule.describe() == "co_ke_hoach: có → 5; không → 0"
    assert rule.max_points() == 5


def test_yesno_with_no_points():
    rule, units = rule_of("{kind: yesno, of: co_ke_hoach, yes: 1, no: 3}", max_=3)
    points, _ = run(rule, units, co_ke_hoach=[1, 0])
    assert points == [1, 3]
    assert rule.max_points() == 3


# ---------------------------------------------------------------- choice

def test_choice():
    rule, units = rule_of("{kind: choice, of: sang_kien, points: {khong: 0, co: 2.5, nhan_rong: 5}}",
                          max_=5)
    points, texts = run(rule, units, sang_kien=[0, 1, 2, NAN])
    assert same(points, [0, 2.5, 5, NAN])
    assert texts == ["Không có → 0 điểm", "Có, chưa nhân rộng → 2,5 điểm",
                     "Có, được nhân rộng → 5 điểm", "chưa có số liệu"]
    formula = excel(rule, "B2")
    assert formula == "CHOOSE((L2)+1,0,2.5,5)"
    check_formula(formula, ["CHOOSE"])
    assert rule.describe() == "Không có → 0; Có, chưa nhân rộng → 2,5; Có, được nhân rộng → 5"
    assert rule.max_points() == 5


def test_choice_points_follow_option_order_not_yaml_order():
    rule, units = rule_of("{kind: choice, of: sang_kien, points: {nhan_rong: 5, khong: 0, co: 1}}",
                          max_=5)
    points, _ = run(rule, units, sang_kien=[0, 1, 2])
    assert points == [0, 1, 5]
    assert excel(rule, "B2") == "CHOOSE((L2)+1,0,1,5)"


# ---------------------------------------------------------------- only_if / else

def test_only_if_else():
    rule, units = rule_of("""
kind: per_occurrence
of: so_luong
start: 10
points: 1
floor: null
only_if: co_niem_yet
else: 0
""")
    points, texts = run(rule, units, co_niem_yet=[1, 0, NAN, 0, 1],
                        so_luong=[2, 2, 2, NAN, NAN])
    assert same(points, [8, 0, NAN, 0, NAN])
    assert texts[0] == "10 − 1 × 2 hồ sơ = 8 điểm"
    assert texts[1] == "không thỏa «co_niem_yet» → 0 điểm"
    assert texts[2] == "«co_niem_yet» chưa có số liệu"
    assert texts[3] == "không thỏa «co_niem_yet» → 0 điểm"  # blank count does not matter
    assert texts[4] == "chưa có số liệu"
    formula = excel(rule, "B2")
    assert formula == "IF(K2,(10)-((1)*(D2)),0)"
    check_formula(formula, ["IF"])
    assert rule.full_description() == ("Nếu co_niem_yet: 10 − 1 × so_luong, có thể bị âm; "
                                       "ngược lại 0 điểm")
    assert rule.names() == {"co_niem_yet", "so_luong"}


def test_only_if_with_expression_and_else_points():
    rule, units = rule_of("{kind: yesno, of: co_ke_hoach, yes: 5, only_if: 'ty_le >= 50', else: 1}",
                          max_=5)
    points, texts = run(rule, units, ty_le=[60, 40, 49.9999999999], co_ke_hoach=[1, 1, 0])
    assert points == [5, 1, 0]
    assert texts[1] == "không thỏa «ty_le ≥ 50» → 1 điểm"
    assert excel(rule, "B2") == "IF(((C2)>=(50)-1E-09),IF(J2,5,0),1)"


def test_else_points_count_towards_max():
    from thidua.errors import PlanError
    with pytest.raises(PlanError, match="vượt điểm chuẩn 5"):
        rule_of("{kind: yesno, of: co_ke_hoach, yes: 5, only_if: co_niem_yet, else: 7}", max_=5)


# ---------------------------------------------------------------- every kind

ALL_RULES = {
    "bands": (BANDS, ["IF"]),
    "coefficient": ("{kind: coefficient, of: so_luong, bands: [{to: 300, points: 0.1}, "
                    "{from: 300, points: 1}]}", ["IF"]),
    "ratio": ("{kind: ratio, num: tu_so, den: mau_so}", ["IF"]),
    "expression": ("{kind: expression, expr: 'max(gia_tri, 0) if co_ke_hoach and not co_niem_yet "
                   "else 0'}", ["IF", "MAX", "AND", "NOT"]),
    "per_item": ("{kind: per_item, of: so_tin, points: 0.5, cap: 2}", ["MIN"]),
    "per_occurrence": ("{kind: per_occurrence, of: so_luong, start: 10, points: 5}", ["MAX"]),
    "yesno": ("{kind: yesno, of: co_ke_hoach, yes: 5}", ["IF"]),
    "choice": ("{kind: choice, of: sang_kien, points: {khong: 0, co: 2.5, nhan_rong: 5}}",
               ["CHOOSE"]),
}
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ→≥≤×−]")


@pytest.mark.parametrize("kind", sorted(ALL_RULES))
def test_every_kind_excel_describe_and_nan(kind):
    rule_yaml, functions = ALL_RULES[kind]
    rule, units = rule_of(rule_yaml, max_=100)
    assert rule.kind == kind
    formula = excel(rule, "$B2")
    check_formula(formula, functions)
    description = rule.describe()
    assert description and VIETNAMESE.search(description)
    env = {code: [NAN] for code in CELLS}
    points, texts = run(rule, units, **env)
    assert math.isnan(points[0])
    assert texts[0].startswith("chưa có số liệu")


@pytest.mark.parametrize("kind", sorted(ALL_RULES))
def test_every_kind_with_only_if_wraps_formula(kind):
    rule_yaml, _ = ALL_RULES[kind]
    body = rule_yaml.strip()
    if body.startswith("{"):
        body = body[:-1] + ", only_if: 'ty_le > 50', else: 0}"
    else:
        body += "\nonly_if: 'ty_le > 50'\nelse: 0\n"
    rule, _ = rule_of(body, max_=100)
    plain, _ = rule_of(rule_yaml, max_=100)
    assert excel(rule, "$B2") == f"IF(((C2)>(50)+1E-09),{excel(plain, '$B2')},0)"
    assert rule.full_description().startswith("Nếu ty_le > 50: ")
