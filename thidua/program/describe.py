"""A plan's rules, conditions and totals in words an official reads: labels, never codes.

The workbooks' «Cách tính» columns, the templates' guide, the plan sheet and
the documents describe the plan with these functions. Codes appear only
where a machine reads them.
"""
from __future__ import annotations

from thidua import expr as ex
from thidua.plan.model import LEVELS, MET_CODE, TOTAL_CODE, Gate, Input, Plan, Prize
from thidua.text import format_number


def in_sentence(label: str) -> str:
    """A label inside a sentence: «Tỷ lệ hồ sơ…» → «tỷ lệ hồ sơ…» (acronyms kept: «UBND…»)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def label_namer(plan: Plan):
    """``name(code)`` for ``expr.to_text``: the label of a code, quoted."""
    def name(code: str) -> str:
        if code == TOTAL_CODE:
            return "tổng điểm" if not plan.is_checklist else "số tiêu chí đạt"
        if code == MET_CODE:
            return "số tiêu chí đạt"
        return f"«{in_sentence(plan.label_of(code))}»"
    return name


def _unit_of(plan: Plan, node: ex.Node) -> str:
    if isinstance(node, ex.Name):
        for inp in plan.inputs:
            if inp.code == node.code:
                return "%" if inp.type == "percent" else ""
        for value in plan.values:
            if value.code == node.code:
                return value.unit if value.unit == "%" else ""
    return ""


def _plain(plan: Plan, node: ex.Node) -> str:
    """A value in a sentence: a label without quotes, or the expression."""
    if isinstance(node, ex.Name):
        return label_namer(plan)(node.code).strip("«»")
    return ex.to_text(node, label_namer(plan))


def condition_words(plan: Plan, node: ex.Node) -> str:
    """A condition as a sentence: «tỷ lệ hồ sơ giải quyết trực tuyến từ 65% trở lên»;
    a checklist's count of criteria met: «đạt đủ 16/16 tiêu chí»."""
    if isinstance(node, ex.Logic):
        word = " và " if node.op == "and" else " hoặc "
        return word.join(condition_words(plan, item) for item in node.items)
    if plan.is_checklist and isinstance(node, ex.Cmp) and isinstance(node.right, ex.Num) \
            and isinstance(node.left, ex.Name) and node.left.code in (MET_CODE, TOTAL_CODE) \
            and node.op in (">=", ">"):
        n, of = node.right.value + (1 if node.op == ">" else 0), len(plan.indicators)
        if float(n).is_integer():
            if n >= of:
                return f"đạt đủ {of}/{of} tiêu chí"
            return f"đạt từ {format_number(n)}/{of} tiêu chí trở lên"
    if isinstance(node, ex.Cmp) and isinstance(node.right, ex.Num):
        left = _plain(plan, node.left)
        unit = _unit_of(plan, node.left)
        number = format_number(node.right.value, 9) + unit
        return {">=": f"{left} từ {number} trở lên", ">": f"{left} lớn hơn {number}",
                "<=": f"{left} không quá {number}", "<": f"{left} dưới {number}",
                "==": f"{left} bằng {number}", "!=": f"{left} khác {number}"}[node.op]
    if isinstance(node, ex.Cmp):
        sym = {">=": "không nhỏ hơn", ">": "lớn hơn", "<=": "không lớn hơn", "<": "nhỏ hơn",
               "==": "bằng", "!=": "khác"}[node.op]
        return f"{_plain(plan, node.left)} {sym} {_plain(plan, node.right)}"
    return ex.to_text(node, label_namer(plan))


def groups_text(plan: Plan, groups: list[str] | None) -> str:
    if not groups:
        return ""
    return "; ".join(plan.group(g).label for g in groups)


def gate_text(plan: Plan, gate: Gate) -> str:
    """«Nhóm 2 — UBND các xã, thị trấn: tỷ lệ … từ 65% trở lên»."""
    scope = groups_text(plan, gate.groups)
    words = condition_words(plan, gate.condition)
    return f"{scope}: {words}" if scope else words[0].upper() + words[1:]


def condition_text(plan: Plan, prize: Prize) -> str:
    """«điều kiện: tổng điểm từ 95 trở lên và số lần bị lập biên bản nhắc nhở dưới 2»."""
    return "điều kiện: " + condition_words(plan, prize.condition) if prize.condition else ""


def rule_text(plan: Plan, rule, role: str = "score") -> str:
    """How a criterion (or a derived value) is scored, with labels; a deduction says so
    («trừ 1 điểm cho mỗi …»)."""
    text = rule.full_description(label_namer(plan))
    if role == "deduction":
        return "trừ " + text if text[:1].isdigit() else "Điểm trừ: " + in_sentence(text)
    return text


def total_text(plan: Plan) -> str:
    """How the total is made: «điểm tiêu chí 1 × «hệ số phát sinh hồ sơ» − điểm tiêu chí 2»,
    or the sum of the criteria by their role."""
    if plan.is_checklist:
        return "số tiêu chí đạt"
    if plan.total is not None:
        items = {item.code: item.id for item in plan.items}
        labels = label_namer(plan)
        return ex.to_text(plan.total, lambda code: f"điểm tiêu chí {items[code]}"
                          if code in items else labels(code))
    roles = {item.role for item in plan.items}
    text = "tổng điểm các tiêu chí"
    if "bonus" in roles:
        text += " + điểm thưởng"
    if "deduction" in roles:
        text += " − điểm trừ"
    return text


def unit_hint(inp: Input) -> str:
    """What to type in an input's cell, in a few words."""
    if inp.type == "yesno":
        return "Chọn Có/Không"
    if inp.type == "choice":
        return "Chọn trong danh sách"
    if inp.type == "percent":
        return "% (nhập 85 cho 85%)"
    if inp.type == "count":
        return (inp.unit + ", " if inp.unit else "") + "số nguyên"
    return inp.unit or "số"


def levels_text(levels: list[str]) -> str:
    return ", ".join(LEVELS[lv].lower() for lv in levels)
