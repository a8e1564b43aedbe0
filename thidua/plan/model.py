"""The validated plan: plain dataclasses the rest of the package reads.

Built by ``thidua.plan.load`` from a YAML plan file or a plan workbook (both
land on this one model); nothing here parses text.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from thidua.expr import Node

if TYPE_CHECKING:  # pragma: no cover
    from thidua.rules.base import Rule

LEVELS: dict[str, str] = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}
INPUT_TYPES: dict[str, str] = {
    "count": "số đếm (số nguyên ≥ 0)",
    "number": "số",
    "percent": "tỷ lệ % (0–100)",
    "yesno": "có/không",
    "choice": "chọn một trong danh sách",
}
ROLES: dict[str, str] = {"score": "điểm", "bonus": "điểm thưởng", "deduction": "điểm trừ"}
TOTAL_CODE = "tong_diem"
MET_CODE = "so_tieu_chi_dat"
APPLICABLE_CODE = "so_tieu_chi_ap_dung"
APPRAISAL_SUFFIX = "_tham_dinh"
DEFAULT_GROUP = "chung"


@dataclass
class Group:
    code: str
    label: str
    level: str | None = None  # level of units when the table leaves `cap` blank


@dataclass
class Choice:
    code: str
    label: str


@dataclass
class Input:
    code: str
    label: str
    type: str  # one of INPUT_TYPES
    unit: str = ""
    min: float | None = None
    max: float | None = None
    required: bool = True
    default: float | None = None  # value used when the cell is blank (stated in the plan)
    choices: list[Choice] = field(default_factory=list)
    note: str = ""
    office_only: bool = False  # entered by the office only (never taken from a unit's file)
    line: int | None = None

    def choice_index(self, code: str) -> int:
        return [c.code for c in self.choices].index(code)


@dataclass
class Value:
    """A derived value (ratio, coefficient…) shown with its explanation, not summed."""

    code: str
    label: str
    rule: "Rule"
    unit: str = ""
    line: int | None = None


@dataclass
class Item:
    """A scored criterion (tiêu chí), a bonus or a deduction."""

    id: str
    code: str
    label: str
    rule: "Rule"
    max: float | None
    role: str = "score"
    levels: list[str] | None = None  # None: applies to every level
    section: str = ""
    line: int | None = None


@dataclass
class Gate:
    """An eligibility condition; a unit failing it is listed with ``reason``."""

    condition: Node
    text: str
    reason: str
    groups: list[str] | None = None
    line: int | None = None


@dataclass
class Check:
    """A consistency check between inputs: a figure that fails it cannot be true.

    A unit whose figures fail a check is not eligible (``message`` is the
    reason), is never ranked or awarded, and its template shows ``message``
    beside the cells of ``inputs`` while it types.
    """

    condition: Node
    text: str
    message: str
    inputs: list[str] = field(default_factory=list)  # input codes the condition reads
    line: int | None = None


@dataclass
class ClassBand:
    """One class of a classification: values in [lo, hi) read as ``label``."""

    lo: float | None
    hi: float | None
    label: str
    line: int | None = None


@dataclass
class Classification:
    """A label shown beside a value (xếp loại: ≥ 90 xuất sắc, [80, 90) tốt …)."""

    of: Node
    of_text: str
    label: str
    bands: list[ClassBand]
    line: int | None = None


@dataclass
class Prize:
    code: str  # nhat, nhi, ba, kk, giay_khen…
    label: str
    amount: int
    count: int | None  # None: every unit meeting the condition
    condition: Node | None = None
    condition_text: str = ""
    reason: str = ""
    line: int | None = None


@dataclass
class PrizeSet:
    group: str
    prizes: list[Prize]
    total: int | None = None

    def sequence(self) -> list[Prize]:
        """Prizes in award order, one entry per prize (KK × 2 → two entries)."""
        out: list[Prize] = []
        for prize in self.prizes:
            out.extend([prize] * (prize.count if prize.count is not None else 1))
        return out


@dataclass
class Target:
    """A target value: a number, an expression, or chosen by level or year."""

    number: float | None = None
    expr: Node | None = None
    expr_text: str = ""
    by_level: dict[str, "Target"] | None = None
    by_year: list[tuple[int, int | None, "Target"]] | None = None  # (from, to|None, target)


@dataclass
class Indicator:
    """A checklist criterion: value compared with a target (or all its parts)."""

    id: str
    code: str
    label: str
    value: Node | None = None
    value_text: str = ""
    op: str = ">="
    target: Target | None = None
    unit: str = ""
    waive_if: Node | None = None
    waive_text: str = ""
    waive_reason: str = ""
    no_data_if: Node | None = None  # the figures cannot be judged (0 staff): «chưa có số liệu»
    no_data_text: str = ""
    no_data_reason: str = ""
    parts: list["Indicator"] = field(default_factory=list)
    line: int | None = None


@dataclass
class Plan:
    id: str
    version: int
    title: str
    kind: str  # "points" or "checklist"
    groups: list[Group]
    levels: list[str]
    inputs: list[Input]
    values: list[Value] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    total: Node | None = None
    total_text: str = ""
    total_max: float | None = None
    gates: list[Gate] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    classification: Classification | None = None
    tie_break: list[str] = field(default_factory=list)
    prize_sets: list[PrizeSet] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    self_scored: bool = False
    manual_total: str | None = None
    group_from_level: bool = False
    issuer: str = ""
    document: str = ""
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    years: tuple[int, int] | None = None  # years a checklist can be scored for
    settings: dict[str, Any] = field(default_factory=dict)
    individuals: dict[str, Any] = field(default_factory=dict)
    stats_import: dict[str, Any] = field(default_factory=dict)  # portal export column mapping
    source: str = ""  # the file it was read from (YAML or plan workbook), as named to the user
    fingerprint: str = ""  # digest of its content (thidua.plan.snapshot), set when loaded

    # ------------------------------------------------------------ look-ups
    def input(self, code: str) -> Input:
        for inp in self.inputs:
            if inp.code == code:
                return inp
        raise KeyError(code)

    def group(self, code: str) -> Group:
        for g in self.groups:
            if g.code == code:
                return g
        raise KeyError(code)

    def prize_set(self, group: str) -> PrizeSet | None:
        for ps in self.prize_sets:
            if ps.group == group:
                return ps
        return None

    @property
    def one_pool(self) -> bool:
        return len(self.groups) == 1

    @property
    def is_checklist(self) -> bool:
        return self.kind == "checklist"

    def label_of(self, code: str) -> str:
        """User-facing label of any code (input, value, item, total)."""
        for seq in (self.inputs, self.values, self.items, self.indicators):
            for obj in seq:
                if obj.code == code:
                    return obj.label
        return {TOTAL_CODE: "Tổng điểm", MET_CODE: "Số tiêu chí đạt"}.get(code, code)

    def last_year(self) -> int | None:
        if self.years:
            return self.years[1]
        return self.period_to.year if self.period_to else None
