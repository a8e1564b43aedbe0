"""Error types. Every message shown to a user is Vietnamese and names a place.

A *place* is a file plus a line (plan files) or a sheet, row, column and cell
(tables). Problems are collected, not raised one by one, so a user sees every
mistake of a file in one go.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with where it is and what to do."""

    message: str
    file: str = ""
    line: int | None = None  # plan files (1-based)
    sheet: str = ""
    cell: str = ""  # e.g. "C5"
    row: int | None = None  # 1-based row as the user sees it
    column: str = ""  # column header (code) as the user typed it
    hint: str = ""

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"dòng {self.line}")
        if self.sheet:
            where.append(f"trang «{self.sheet}»")
        if self.cell:
            where.append(f"ô {self.cell}")
        elif self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column and not self.cell:
            where.append(f"cột «{self.column}»")
        elif self.column:
            where.append(f"cột «{self.column}»")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" — Cách sửa: {self.hint}"
        return text


class ThiduaError(Exception):
    """Base class; carries one or more problems."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(ThiduaError):
    """The plan file is invalid."""


class InputError(ThiduaError):
    """The unit data table cannot be read or holds unreadable values."""
