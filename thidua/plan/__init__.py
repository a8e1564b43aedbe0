"""Plans: load, validate, and the model the rest of the package reads."""
from thidua.plan.load import builtin_ids, load_plan, parse_plan
from thidua.plan.model import Plan

__all__ = ["Plan", "builtin_ids", "load_plan", "parse_plan"]
