"""What scoring returns, and its JSON form for scripts."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from thidua.plan.model import Plan

# Column names of ScoreResult.frame besides the plan's own codes.
UNIT_COLUMNS = ["ma_don_vi", "ten_don_vi", "nhom", "cap"]
ELIGIBLE = "du_dieu_kien"  # bool
REASONS = "ly_do"  # list[str]: every failed gate
RANK = "hang"  # float: NaN when not eligible
PRIZE = "giai"  # str prize code or None
PRIZE_LABEL = "ten_giai"  # str or None; for tie blocks "đồng hạng — Hội đồng quyết định"
AMOUNT = "tien"  # int VND
SELF_TOTAL = "tong_diem_tu_cham"  # self-scored plans: total from the unit's own figures
MANUAL = "nhap_tay"  # bool: total entered by hand (special unit)
CLASS = "xep_loai"  # str: the plan's classification of the unit (plans that have one)

STATUS_MET = "đạt"
STATUS_NOT_MET = "không đạt"
STATUS_NO_DATA = "chưa có số liệu"
STATUS_NA = "không áp dụng"
TIE_LABEL = "đồng hạng — Hội đồng quyết định"


@dataclass
class ScoreResult:
    """Every unit's points, total, eligibility, rank and prize, with reasons.

    ``frame``: one row per unit in input order; columns ``UNIT_COLUMNS``, the
    plan's input codes (values used for scoring, NaN = no data), derived value
    codes, item codes (points), ``tong_diem`` and the columns named above.
    ``explanations``: same index, one text column per value/item code and
    ``tong_diem``. ``indicators`` (checklist plans): one row per unit ×
    indicator (× part) with value, target, gap and status.
    """

    plan: Plan
    frame: pd.DataFrame
    explanations: pd.DataFrame
    year: int | None = None
    indicators: pd.DataFrame | None = None
    vacant: list[dict] = field(default_factory=list)  # {"group", "prize"}
    ties: list[dict] = field(default_factory=list)  # {"group", "prizes", "units"}

    def money_total(self) -> int:
        """Money spent: awarded prizes plus the prizes held by tie blocks."""
        total = int(self.frame[AMOUNT].sum())
        for tie in self.ties:
            total += sum(p["amount"] for p in tie.get("prize_details", []))
        return total

    def to_json(self) -> dict:
        units = []
        for row in self.frame.itertuples(index=False):
            r = row._asdict()
            total = r["tong_diem"]
            rank = r[RANK]
            units.append({
                "code": r["ma_don_vi"],
                "name": r["ten_don_vi"],
                "group": r["nhom"],
                "total": None if total is None or (isinstance(total, float) and math.isnan(total)) else float(total),
                "eligible": bool(r[ELIGIBLE]),
                "reasons": list(r[REASONS]),
                "rank": None if rank is None or (isinstance(rank, float) and math.isnan(rank)) else int(rank),
                "prize": r[PRIZE] if r[PRIZE] else None,
                "amount": int(r[AMOUNT]),
            })
        return {
            "plan": self.plan.id,
            "units": units,
            "vacant": [{"group": v["group"], "prize": v["prize"]} for v in self.vacant],
            "ties": [{"group": t["group"], "prizes": list(t["prizes"]), "units": list(t["units"])}
                     for t in self.ties],
        }
