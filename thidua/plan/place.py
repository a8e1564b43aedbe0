"""Where something is written in a plan: a line of a YAML file, or a cell of a plan workbook.

The plan builder (``thidua.plan.load._Builder``) and the rule readers report a
problem at ``raw.line_of(key)``: a line number for YAML. A plan workbook's
reader gives every key a :class:`Cell` instead — an ``int`` (its row, so every
check written for line numbers keeps working unchanged) that also knows its
sheet and cell. :func:`placed` turns a problem reported at a ``Cell`` into one
naming the sheet and cell, which is what the user sees.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from thidua.errors import Problem


class Cell(int):
    """A cell of a plan workbook; as a number, its row."""

    sheet: str
    cell: str

    def __new__(cls, sheet: str, cell: str, row: int) -> "Cell":
        obj = super().__new__(cls, row)
        obj.sheet = sheet
        obj.cell = cell
        return obj

    def __repr__(self) -> str:
        return f"Cell({self.sheet!r}, {self.cell!r})"

    def __reduce__(self):
        return (Cell, (self.sheet, self.cell, int(self)))


PLAN_CODE = "ke_hoach_sai"


def placed(problem: Problem) -> Problem:
    """``problem`` with a :class:`Cell` line turned into its sheet and cell, coded as a plan's."""
    where = problem.line
    if isinstance(where, Cell):
        problem = dataclasses.replace(problem, line=None, sheet=where.sheet, cell=where.cell)
    if not getattr(problem, "code", "x"):
        problem = dataclasses.replace(problem, code=PLAN_CODE)
    return problem


def place_text(where: Any) -> str:
    """« (dòng 12)» or « (trang «Nhập thống kê», ô B5)»; "" when unknown."""
    if isinstance(where, Cell):
        return f" (trang «{where.sheet}», ô {where.cell})"
    if isinstance(where, int) and not isinstance(where, bool):
        return f" (dòng {where})"
    return ""
