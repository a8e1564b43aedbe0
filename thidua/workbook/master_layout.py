"""Where things are in a master, and how its input cells hold figures.

What the master's readers and in-place writers need without the writer itself
(:mod:`thidua.workbook.master`, which builds the whole workbook with openpyxl):
the layout stored in the hidden metadata, the sheets' names, the settings' names, the
first rows, the number formats and fills, and what a figure looks like in its cell.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from thidua.plan.model import Input

__all__ = ["SHEET_SUMMARY", "SHEET_INDICATORS", "SHEET_TREND", "SHEET_TASKS", "SHEET_AWARDS",
           "SHEET_CHARTS", "SHEET_PLAN", "SHEET_CONFIG", "SHEET_LISTS", "PLACEHOLDER", "NUM", "INT",
           "FREE", "MONEY", "DATE", "FILL_HEADER", "FILL_BAND", "FILL_TOTAL", "FILL_TOOL",
           "FILL_INELIGIBLE", "HEADER_ROW", "FIRST_ROW", "CHANGED", "FILL_INPUT", "FILL_CHANGED",
           "CONFIG_NAMES", "MasterLayout", "layout_json", "blank", "input_value"]

SHEET_SUMMARY = "Tổng hợp"
HEADER_ROW = 5  # column headers; row 4 holds the band headers above them
FIRST_ROW = 6  # first unit row on every per-unit sheet
#: In a unit's record: the inputs the unit re-sent different from what the office appraised.
CHANGED = "~sua_sau_tham_dinh"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_TREND = "Xu hướng"
SHEET_TASKS = "Nhiệm vụ"
SHEET_AWARDS = "Khen thưởng"
SHEET_CHARTS = "Biểu đồ"
SHEET_PLAN = "Thang điểm"
SHEET_CONFIG = "Cấu hình"
SHEET_LISTS = "Danh mục"
PLACEHOLDER = "Bấm Tính điểm"  # cells the tool (engine / add-in) fills

# Number formats of the master's cells.
NUM = "#,##0.00"  # points: two decimals
INT = "#,##0"  # counts
FREE = "General"  # figures: decimals only when there are some, no separator after a whole number
MONEY = "#,##0"
DATE = "dd/mm/yyyy"

# Fills (hex RGB).
FILL_HEADER = "D9E1F2"
FILL_BAND = "BDD7EE"
FILL_TOTAL = "E2EFDA"
FILL_TOOL = "F2F2F2"
FILL_INELIGIBLE = "EDEDED"
FILL_INPUT = "FFF2CC"  # an input cell
FILL_CHANGED = "F8CBAD"  # an input re-sent different from its appraised figure

#: Settings on «Cấu hình»: config key -> (defined name, label, default).
CONFIG_NAMES: dict[str, tuple[str, str, Any]] = {
    "thu_muc_nhan": ("cau_hinh_thu_muc_nhan", "Thư mục nhận về", "Nhận về"),
    "thu_muc_mau": ("cau_hinh_thu_muc_mau", "Thư mục mẫu đơn vị", "Mẫu đơn vị"),
    "tep_nhat_ky": ("cau_hinh_tep_nhat_ky", "Tệp nhật ký", "Nhật ký.txt"),
}


# ------------------------------------------------------------------ layout
@dataclass
class MasterLayout:
    """Where everything is in a master workbook; stored as JSON in ``_thidua``.

    ``columns``: column letter on ``sheet`` of each code or role — ``stt``,
    ``ma_don_vi``, ``ten_don_vi``, ``nhom``, ``cap``, every input code, its
    appraisal ``<code>_tham_dinh`` (self-scored plans), every value and item
    code, ``tong_diem``, ``tong_diem_tu_cham``, ``du_dieu_kien``, ``ly_do``,
    ``hang``, ``giai``, ``tien``, ``ghi_chu`` (points plans) or
    ``so_tieu_chi_dat``, ``so_tieu_chi_ap_dung`` (checklist plans).
    ``indicators``: on ``indicator_sheet``, per indicator or part code its
    ``gia_tri`` / ``muc_tieu`` / ``trang_thai`` columns (a criterion with parts
    has only ``trang_thai``). Units are on rows ``first_row``..``last_row`` of
    every per-unit sheet, in the order of ``units`` (codes).
    """

    plan: str
    version: int
    kind: str
    sheet: str = SHEET_SUMMARY
    header_row: int = HEADER_ROW
    first_row: int = FIRST_ROW
    last_row: int = HEADER_ROW
    columns: dict[str, str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # first..last input column (codes)
    units: list[str] = field(default_factory=list)
    groups: dict[str, list[int]] = field(default_factory=dict)  # group -> [first, last] row
    indicator_sheet: str = ""
    indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    indicator_columns: dict[str, str] = field(default_factory=dict)
    trend_sheet: str = ""
    periods: list[str] = field(default_factory=list)
    period_columns: dict[str, str] = field(default_factory=dict)
    tasks_sheet: str = ""
    names: dict[str, str] = field(default_factory=dict)  # defined name -> reference
    program_columns: dict[str, str] = field(default_factory=dict)  # checklist cell -> column

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "MasterLayout":
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def row_of(self, unit_code: str) -> int:
        return self.first_row + self.units.index(unit_code)




def layout_json(meta: dict) -> str:
    """The layout JSON from the metadata rows (continued over ``bo_cuc#2``… for big masters)."""
    text, n = str(meta.get("bo_cuc") or ""), 2
    while f"bo_cuc#{n}" in meta:
        text += str(meta[f"bo_cuc#{n}"] or "")
        n += 1
    return text




def blank(value) -> bool:
    """Nothing typed: None, blank text, NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True




def input_value(inp: Input, raw):
    """What a unit's figure looks like typed into its cell (None: leave blank)."""
    if blank(raw):
        return None
    from thidua.codecs import codec
    return codec(inp).cell_value(raw)
