"""What scoring returns, and its JSON form for scripts."""
from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Callable

import numpy as np

from thidua.plan.model import TOTAL_CODE as TOTAL, Plan

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
#: Columns held as Python lists (object columns of the frame).
LIST_COLUMNS = (REASONS, PRIZE, PRIZE_LABEL)


class ScoreResult:
    """Every unit's points, total, eligibility, rank and prize, with reasons.

    ``columns``: one array (or list) per column, one element per unit in input
    order: ``UNIT_COLUMNS``, the plan's input codes (values used for scoring,
    NaN = no data), derived value codes, item codes (points), ``tong_diem``
    and the columns named above. ``explanation_columns``: one text list per
    value/item code and ``tong_diem`` (given as they are, or as a function that
    makes them: called on first use, as summaries and JSON do not show them). ``frame``, ``explanations`` and
    ``indicators`` are the same as pandas DataFrames, built on first use
    (printing a summary or JSON needs no pandas). ``indicators`` (checklist
    plans): one row per unit × indicator (× part) with value, target, gap and
    status.
    """

    def __init__(self, plan: Plan, columns: dict[str, Any],
                 explanation_columns: dict[str, list] | Callable[[], dict[str, list]],
                 year: int | None = None, indicator_columns: dict[str, list] | None = None,
                 vacant: list[dict] | None = None, ties: list[dict] | None = None,
                 base=None):
        self.plan = plan
        self._columns = columns
        self._explanation_columns = explanation_columns
        self.year = year
        self._indicator_columns = indicator_columns
        self.vacant: list[dict] = vacant if vacant is not None else []  # {"group", "prize"…}
        self.ties: list[dict] = ties if ties is not None else []  # {"group", "prizes", "units"…}
        self._base = base  # the unit columns of a scored DataFrame, kept as they were

    def __len__(self) -> int:
        return len(self.columns["ma_don_vi"])

    @property
    def columns(self):
        """The columns by code: the arrays scoring made or, once ``frame`` was asked for
        (and perhaps changed by the caller), the frame itself."""
        return self.__dict__["frame"] if "frame" in self.__dict__ else self._columns

    @property
    def indicator_columns(self):
        """Checklist plans: the indicator rows by column (the ``indicators`` frame once
        asked for); else None."""
        if self._indicator_columns is None:
            return None
        return self.__dict__["indicators"] if "indicators" in self.__dict__ \
            else self._indicator_columns

    @cached_property
    def explanation_columns(self) -> dict[str, list]:
        """One text list per value/item code and ``tong_diem`` (made on first use)."""
        made = self._explanation_columns
        return made() if callable(made) else made

    @cached_property
    def frame(self):
        """The results as a ``pandas.DataFrame`` (RangeIndex, columns in ``columns`` order)."""
        import pandas as pd

        if self._base is not None:
            out = self._base.copy()
        else:
            out = pd.DataFrame({c: pd.Series(self._columns[c], dtype=object) for c in UNIT_COLUMNS})
        for code, values in self._columns.items():
            if code in UNIT_COLUMNS:
                continue
            out[code] = pd.Series(values, dtype=object) if code in LIST_COLUMNS else values
        return out

    @cached_property
    def explanations(self):
        """The explanations as a ``pandas.DataFrame`` (same index as ``frame``)."""
        import pandas as pd

        return pd.DataFrame(self.explanation_columns)

    @cached_property
    def indicators(self):
        """Checklist plans: the indicator rows as a ``pandas.DataFrame``; else None."""
        if self._indicator_columns is None:
            return None
        import pandas as pd

        return pd.DataFrame(self._indicator_columns)

    def money_total(self) -> int:
        """Money spent: awarded prizes plus the prizes held by tie blocks."""
        total = int(np.sum(self.columns[AMOUNT]))
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
        c = self.columns
        by_unit = self._indicators_json() if self.indicator_columns is not None else {}
        classes = _plain(c[CLASS]) if CLASS in c else None
        checklist = self.plan.is_checklist
        met = _plain(c["so_tieu_chi_dat"]) if checklist else None
        applicable = _plain(c["so_tieu_chi_ap_dung"]) if checklist else None
        units = []
        for i, (code, name, group, total, eligible, reasons, rank, prize, amount) in enumerate(zip(
                _plain(c["ma_don_vi"]), _plain(c["ten_don_vi"]), _plain(c["nhom"]),
                _plain(c[TOTAL]), _plain(c[ELIGIBLE]), c[REASONS], _plain(c[RANK]),
                c[PRIZE], _plain(c[AMOUNT]))):
            unit = {
                "code": code,
                "name": name,
                "group": group,
                "total": _number(total),
                "eligible": bool(eligible),
                "reasons": list(reasons),
                "rank": None if _number(rank) is None else int(rank),
                "prize": prize if prize else None,
                "amount": int(amount),
            }
            if classes is not None:
                unit["class"] = classes[i] or None
            if checklist:
                unit["met"] = int(met[i])
                unit["applicable"] = int(applicable[i])
                unit["indicators"] = by_unit.get(code, [])
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
        ind = self.indicator_columns
        for unit, code, part, label, value, target, status in zip(
                ind["ma_don_vi"], ind["ma"], ind["phan"], ind["noi_dung"], _plain(ind["gia_tri"]),
                _plain(ind["muc_tieu"]), ind["trang_thai"]):
            entry = {"code": code if not part else f"{code}.{part}", "label": label,
                     "value": _number(value), "target": _number(target), "status": status}
            if not part:
                out.setdefault(unit, []).append(entry)
                current[unit] = entry
            else:
                current[unit].setdefault("parts", []).append(entry)
        return out


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _plain(values) -> list:
    """Python scalars of an array or a list."""
    return values.tolist() if hasattr(values, "tolist") else list(values)
