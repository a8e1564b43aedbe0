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
SHARE = "ty_le_dat"  # checklists: criteria met ÷ applicable (0 when none applies), ranked first

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
        """The result for scripts. Every plan: ``plan`` and per unit ``code``, ``name``,
        ``group``, ``total``, ``eligible``, ``reasons``, ``rank``, ``prize``, ``amount`` (and
        ``class`` for plans with a classification); ``vacant`` and ``ties``. Checklist plans
        also give ``year`` and per unit ``met``, ``applicable`` and ``indicators``: one entry per
        criterion with ``code``, ``label``, ``value``, ``target``, ``status`` and, for a
        criterion with parts, ``parts`` (each with the same keys)."""
        by_unit = self._indicators_json() if self.indicators is not None else {}
        units = []
        for row in self.frame.to_dict("records"):
            total = row["tong_diem"]
            rank = row[RANK]
            unit = {
                "code": row["ma_don_vi"],
                "name": row["ten_don_vi"],
                "group": row["nhom"],
                "total": _number(total),
                "eligible": bool(row[ELIGIBLE]),
                "reasons": list(row[REASONS]),
                "rank": None if _number(rank) is None else int(rank),
                "prize": row[PRIZE] if row[PRIZE] else None,
                "amount": int(row[AMOUNT]),
            }
            if CLASS in row:
                unit["class"] = row[CLASS] or None
            if self.plan.is_checklist:
                unit["met"] = int(row["so_tieu_chi_dat"])
                unit["applicable"] = int(row["so_tieu_chi_ap_dung"])
                unit["indicators"] = by_unit.get(row["ma_don_vi"], [])
            units.append(unit)
        out = {
            "plan": self.plan.id,
            "units": units,
            "vacant": [{"group": v["group"], "prize": v["prize"]} for v in self.vacant],
            "ties": [{"group": t["group"], "prizes": list(t["prizes"]), "units": list(t["units"])}
                     for t in self.ties],
        }
        if self.plan.is_checklist:
            out["year"] = self.year
        return out

    def _indicators_json(self) -> dict[str, list[dict]]:
        """Per unit, the checklist criteria as the JSON carries them."""
        out: dict[str, list[dict]] = {}
        current: dict[str, dict] = {}
        for r in self.indicators.to_dict("records"):
            entry = {"code": r["ma"] if not r["phan"] else f"{r['ma']}.{r['phan']}",
                     "label": r["noi_dung"], "value": _number(r["gia_tri"]),
                     "target": _number(r["muc_tieu"]), "status": r["trang_thai"]}
            unit = r["ma_don_vi"]
            if not r["phan"]:
                out.setdefault(unit, []).append(entry)
                current[unit] = entry
            else:
                current[unit].setdefault("parts", []).append(entry)
        return out


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)
