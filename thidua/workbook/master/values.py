"""The values the master's formula cells store (computed at save time)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from openpyxl import Workbook

from thidua.codecs import codec, level_label
from thidua.plan.model import (LEVELS, Plan)
from thidua.program.compile import (Program, run)
from thidua.program.excel import shown_values
from thidua.workbook import contract
from thidua.workbook.master.base import (YEAR_NAME, MasterLayout)


class _MasterValues:
    """How the value of each formula cell is computed when the book is saved.

    Sheet writers record, beside their formulas, functions of :class:`_MasterState` (the
    figures as «Tổng hợp» holds them then, scored by the program): one per column of the
    unit rows (``column``), or per cell (``cell``).
    """

    def __init__(self, plan: Plan, program: Program, layout: "MasterLayout"):
        self.plan, self.program, self.layout = plan, program, layout
        self.columns: list[tuple[str, str, Any]] = []  # (sheet, letter, fn(state) -> per row)
        self.cells: list[tuple[str, str, Any]] = []  # (sheet, "A1", fn(state) -> value)

    def column(self, sheet: str, letter: str, fn) -> None:
        self.columns.append((sheet, letter, fn))

    def cell(self, sheet: str, ref: str, fn) -> None:
        self.cells.append((sheet, ref, fn))

    def __call__(self, book: Workbook, facts: dict) -> dict[str, dict[str, Any]]:
        state = _MasterState(self, book)
        first = self.layout.first_row
        out: dict[str, dict[str, Any]] = {}
        for sheet, letter, fn in self.columns:
            cells = out.setdefault(sheet, {})
            for i, value in enumerate(fn(state)):
                cells[f"{letter}{first + i}"] = _stored(value)
        for sheet, ref, fn in self.cells:
            out.setdefault(sheet, {})[ref] = _stored(fn(state))
        return out


def _stored(value):
    if hasattr(value, "item"):
        value = value.item()
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _same_text(value, text: str) -> bool:
    """``value = "text"`` as Excel compares (text only, any case)."""
    return isinstance(value, str) and value.lower() == text.lower()


class _MasterState:
    """The unit rows of «Tổng hợp» as they are when the book is saved: each figure read as
    the hidden columns read it, and the program run on the figures scored and on the units'
    own figures."""

    def __init__(self, vals: _MasterValues, book: Workbook):
        plan, program, layout = vals.plan, vals.program, vals.layout
        self.book, self.layout = book, layout
        ws = book[layout.sheet]
        col = layout.columns
        rows = range(layout.first_row, layout.last_row + 1)

        column = getattr(ws, "column_values", None)  # a faster way, where the sheet has one

        def raw(key: str) -> list:
            if column is not None:
                return column(col[key], rows)
            return [ws[f"{col[key]}{r}"].value for r in rows]

        self.own_read: dict[str, np.ndarray] = {}
        self.appraisal_read: dict[str, np.ndarray] = {}
        self.scored_read: dict[str, np.ndarray] = {}
        for inp in plan.inputs:
            cdc = codec(inp)
            own = np.array([cdc.excel_value(v) for v in raw(inp.code)], dtype=float)
            self.own_read[inp.code] = self.scored_read[inp.code] = own
            appraisal = contract.appraisal_name(inp.code)
            if appraisal in col:
                read = np.array([cdc.excel_value(v, appraisal=True) for v in raw(appraisal)],
                                dtype=float)
                self.appraisal_read[inp.code] = read
                self.scored_read[inp.code] = np.where(np.isnan(read), own, read)
        # the formulas compare the row's Cấp and Nhóm cells with the labels
        levels = [next((lv for lv in LEVELS if _same_text(v, level_label(lv))), "")
                  for v in raw("cap")]
        groups = [next((g.code for g in plan.groups if _same_text(v, g.label)), "")
                  for v in raw("nhom")]
        year = self.named(YEAR_NAME) if YEAR_NAME in layout.names else None
        year = int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None
        self.scored = run(program, self.scored_read, levels, groups, year)
        self.own = run(program, self.own_read, levels, groups, year) if plan.self_scored \
            else self.scored
        self.program = program

    def named(self, name: str):
        """The value of the cell a defined name points to."""
        sheet, ref = self.layout.names[name].rsplit("!", 1)
        return self.book[sheet.strip("'").replace("''", "'")][ref.replace("$", "")].value

    def shown(self, code: str, own: bool = False) -> list:
        return shown_values(self.program.cell(code), (self.own if own else self.scored).values[code])


def unit_row_values(plan: Plan, program: Program, layout: "MasterLayout") -> _MasterValues:
    """The values of the formula cells on the units' rows («Tổng hợp», «Chỉ tiêu»), registered
    without building the sheets: for a master whose figures are changed in place
    (``thidua.consolidate.master_write``). Call it with a book-like object (``book[sheet][ref]
    .value``) holding the figures, the units' columns and the year."""
    from thidua.workbook.master.indicators import _indicator_values
    from thidua.workbook.master.summary import (_checklist_values, _points_values,
                                                _read_values)

    vals = _MasterValues(plan, program, layout)
    _read_values(vals, plan, layout.columns)
    if plan.is_checklist:
        _checklist_values(vals, program, layout)
        _indicator_values(vals, program, layout)
    else:
        _points_values(vals, program, layout)
    return vals
