"""The office's master workbook (sổ tổng hợp): every unit's figures with live formulas.

``build_master(plan, units)`` makes the workbook the office keeps for a
campaign; ``write_master(plan, units, path)`` saves it atomically. One module
per sheet:

* ``summary`` — «Tổng hợp», one row per unit (sorted by group, then code, so each
  group's rows are contiguous): the unit columns (group and level by their
  labels), every input (and, for self-scored plans, its appraisal right after
  it), then for points plans the derived values, each criterion's points, the
  total (and the self-scored total), the classification and eligibility — the
  plan's program printed by ``thidua.program.excel`` over hidden cells that read
  each figure as the codecs do — and the columns ranking and prizes are
  written to by the tool («Bấm Tính điểm»);
* ``indicators`` — «Chỉ tiêu» (checklist plans): per unit and indicator (and
  part) value, target and status, and the number of criteria met / applicable;
* ``trend`` — «Xu hướng» (plans with ``settings.periods``): criteria met per
  period, with a line chart of the average; ``tasks`` — «Nhiệm vụ» (plans with
  ``settings.tasks``): the appendix task list with deadlines and status;
* ``awards`` — «Khen thưởng»: the prize structure per group with its money;
* ``charts`` — «Biểu đồ»: a bar chart of the totals of each group's units;
* ``plan_sheet`` — «Thang điểm», the plan in words; ``config`` — «Cấu hình»,
  settings as defined names; ``lists`` — hidden «Danh mục» (drop-down lists);
  ``meta`` — the very hidden metadata sheet (the layout as JSON for other tools).

What they share is in ``base`` (names, styles, the layout, units, cell helpers)
and ``values`` (the values formula cells store, computed when the book is
saved); the entry points are in ``build``. Formulas never reference anything
but same-row cells, defined names and, for «Chỉ tiêu», the unit's row of
«Tổng hợp»: a row of the engine's numbers is reproduced exactly by the
spreadsheet (proof: ``tests/test_master.py``).
"""
from __future__ import annotations

from thidua.workbook.master.base import (CHANGED, CONFIG_NAMES, FILL_BAND, FILL_HEADER, FILL_INPUT,
                                         FILL_TOOL, FILL_TOTAL, FIRST_ROW, GROUP_LIST, HEADER_ROW,
                                         INT, KIND_MASTER, LEVEL_LIST, MONEY, NUM, PLACEHOLDER,
                                         SHEET_AWARDS, SHEET_CHARTS, SHEET_CONFIG,
                                         SHEET_INDICATORS, SHEET_LISTS, SHEET_META, SHEET_PLAN,
                                         SHEET_SUMMARY, SHEET_TASKS, SHEET_TREND,
                                         TASK_STATUS_LIST, YEAR_NAME, MasterLayout, layout_json,
                                         read_layout)
from thidua.workbook.master.build import build_master, build_master_and_layout, write_master
from thidua.workbook.master.plan_sheet import _reason_text
from thidua.workbook.master.summary import RowPlacement, read_key, scored_key

__all__ = ["build_master", "build_master_and_layout", "write_master", "read_layout",
           "layout_json", "MasterLayout", "RowPlacement", "read_key", "scored_key",
           "KIND_MASTER", "SHEET_SUMMARY", "SHEET_INDICATORS", "SHEET_TREND", "SHEET_TASKS",
           "SHEET_AWARDS", "SHEET_CHARTS", "SHEET_PLAN", "SHEET_CONFIG", "SHEET_LISTS",
           "SHEET_META", "PLACEHOLDER", "CONFIG_NAMES", "YEAR_NAME", "CHANGED", "GROUP_LIST",
           "LEVEL_LIST", "TASK_STATUS_LIST", "HEADER_ROW", "FIRST_ROW", "FILL_BAND",
           "FILL_HEADER", "FILL_INPUT", "FILL_TOOL", "FILL_TOTAL", "INT", "MONEY", "NUM",
           "_reason_text"]
