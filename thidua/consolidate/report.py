"""The consolidation report: one row per problem, as a table a person can sort.

Like frictionless' validation reports: every problem (:class:`thidua.errors.Problem`)
has a code, a place (file, unit, sheet, cell), a severity and a Vietnamese
message saying what to do. The report goes into the master («Kiểm tra tệp nhận
về») and, on request, a CSV file; both have the same columns.
"""
from __future__ import annotations

import csv
from pathlib import Path

from thidua.errors import ERROR, INFO, WARNING, Problem, meaning

__all__ = ["COLUMNS", "ERROR", "WARNING", "INFO", "row", "sort_key", "count", "write_csv",
           "write_csv_into"]

#: The report's columns: (header, width in the sheet).
COLUMNS: list[tuple[str, float]] = [
    ("Tệp", 34), ("Đơn vị", 30), ("Trang", 14), ("Ô", 8), ("Mã lỗi", 22),
    ("Ý nghĩa", 28), ("Mức độ", 10), ("Nội dung và cách xử lý", 80)]


def row(problem: Problem) -> list[str]:
    """A problem as one report row (the columns of :data:`COLUMNS`)."""
    return [problem.file, problem.unit, problem.sheet, problem.cell, problem.code,
            meaning(problem.code), problem.severity, problem.text()]


def sort_key(problem: Problem) -> tuple:
    """Errors first, then by file (problems of no file last), unit, code and cell."""
    return (problem.severity != ERROR, problem.file == "", problem.file, problem.unit,
            problem.code, problem.cell)


def count(problems: list[Problem], severity: str) -> int:
    return sum(1 for p in problems if p.severity == severity)


def write_csv_into(problems: list[Problem], path: str | Path) -> None:
    """Write the report as CSV into ``path`` as it is (a temporary file of ``fileio``)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([label for label, _ in COLUMNS])
        for problem in problems:
            writer.writerow(row(problem))


def write_csv(problems: list[Problem], path: str | Path) -> Path:
    """The report as CSV (UTF-8 with BOM, so Excel shows Vietnamese correctly), atomically."""
    from thidua.fileio import atomic_write

    return atomic_write(path, lambda tmp: write_csv_into(problems, tmp))
