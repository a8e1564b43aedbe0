"""Rule kinds, as data: each plan item names one by ``kind``."""
from __future__ import annotations

from thidua.rules.answers import ChoiceRule, YesNoRule
from thidua.rules.bands import BandsRule, CoefficientRule
from thidua.rules.base import Context, Rule, Spec
from thidua.rules.counting import PerItemRule, PerOccurrenceRule
from thidua.rules.expression import ExpressionRule, RatioRule

KINDS: dict[str, type[Rule]] = {cls.kind: cls for cls in (
    ExpressionRule, RatioRule, BandsRule, CoefficientRule,
    PerItemRule, PerOccurrenceRule, YesNoRule, ChoiceRule)}

__all__ = ["KINDS", "Context", "Rule", "Spec"]
