"""The data to score: one way to read it, whatever it comes from.

``load_data(plan, path)`` reads a CSV or xlsx table of unit figures, or the
office's master workbook, and says which year the plan's targets apply to;
``from_sheet(plan, rows, …)`` does the same for the rows of an open master (the
add-in). The command line (``score``, ``documents``), the demo and the add-in
all use it, so they score the same figures for the same year.

How cells are read (``thidua.codecs``): a data table tolerantly (``1.234,5``,
``85%``…); a master exactly as its own formulas read its cells, so «Tính điểm»
and ``thidua score`` agree with the totals the master shows.

The year (checklist plans): ``--year`` when given; else the master's «Cấu
hình» year; else the table's ``nam`` column (one year only); else the plan's
last year. When ``--year`` overrides a ``nam`` column that says otherwise,
``notes`` says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thidua.codecs import CELL, TABLE
from thidua.errors import InputError, Problem
from thidua.plan.model import Plan
from thidua.table import UnitTable, _find_header, parse_rows, read_units

MASTER, TABLE_FILE = "so_tong_hop", "bang_so_lieu"


@dataclass
class ScoreData:
    """Unit figures ready to score, the year their targets apply to, and notices."""

    table: UnitTable
    year: int | None = None
    kind: str = TABLE_FILE  # MASTER or TABLE_FILE
    notes: list[str] = field(default_factory=list)


def load_data(plan: Plan, path: str | Path, *, year: int | None = None,
              allow_missing: bool | None = None) -> ScoreData:
    """The figures in ``path`` (a table or a master) and the year to score them for.

    ``allow_missing`` (default: only for a master) lets blank required figures
    through as «no data»: a unit that has not sent its figures is listed as not
    eligible instead of stopping everyone else.
    """
    if _maybe_master(path):  # a CSV is read without loading the workbook machinery
        from thidua.consolidate.master_io import read_master
        table = read_units(path, plan, allow_missing=True if allow_missing is None else allow_missing,
                           mode=CELL, percent_formats=False)
        master_year = read_master(path, plan).year if plan.is_checklist else None
        data = ScoreData(table, kind=MASTER)
        data.year = _year(plan, table, year, master_year, data.notes)
        return data
    table = read_units(path, plan, allow_missing=bool(allow_missing), mode=TABLE)
    data = ScoreData(table)
    data.year = _year(plan, table, year, None, data.notes)
    return data


def _maybe_master(path: str | Path) -> bool:
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return False  # what is_master says of any other file, without importing it
    from thidua.consolidate.master_io import is_master

    return is_master(path)


def from_sheet(plan: Plan, rows: list[list], *, source: str, sheet: str, year: int | None = None,
               master_year: int | None = None, allow_missing: bool = True) -> ScoreData:
    """The figures of an open master's summary sheet (rows of cell values, from row 1)."""
    head = _find_header(rows, plan)
    if head is None:
        raise InputError(Problem(f"trang «{sheet}» trống", sheet=sheet, code="bang_sai"))
    table = parse_rows(list(rows[head]), rows[head + 1:], plan, source=source,
                       sheet=sheet, first_row=head + 2, allow_missing=allow_missing, mode=CELL)
    data = ScoreData(table, kind=MASTER)
    data.year = _year(plan, table, year, master_year, data.notes)
    return data


def _year(plan: Plan, table: UnitTable, year: int | None, master_year: int | None,
          notes: list[str]) -> int | None:
    from thidua.engine import _year_of, column_years

    if not plan.is_checklist:
        return year
    if year is not None:
        column = column_years(table.data)
        if column and column != [year]:
            notes.append(f"Chấm theo năm {year} (tham số --year), khác năm ghi ở cột «nam» của "
                         f"bảng số liệu ({', '.join(map(str, column))}).")
        return year
    if master_year is not None:
        return master_year
    return _year_of(plan, table.data)
