"""Importing the statistics export of the online-service system (Hệ thống thông tin
giải quyết TTHC) instead of re-keying it.

The export is a sheet with a title, a header spanning several rows with merged
cells (``Đã giải quyết`` over ``Tổng | Trước hạn | Đúng hạn | Trễ hạn``…), one
row per unit named the system's way, and subtotal rows. The national portal's
Bộ chỉ số 766 export has one sheet per level, a unit-code column and numbers
stored as text. The plan file says how to read either, in its ``stats_import:``
section (its keys: :mod:`thidua.plan.statsmap`, where they are checked when the
plan loads).

:func:`parse_mapping` gives that section checked (a :class:`PlanError` naming
the key and its line or cell); :func:`read_stats_export` reads an ``.xlsx``
(merged cells resolved) or ``.csv`` export into a :class:`StatsImport`;
:func:`to_rows` gives one row per unit of the unit list, ready to be written
into a master.

What makes the file unreadable as a whole (cannot open it, no header, a mapped
column not found) raises :class:`InputError`. Everything else is collected in
``StatsImport.problems``, each with the file, sheet and cell: names that match
no unit or several, units of the list absent from the export, cells that are
not numbers. A value is never guessed: a problem cell leaves that input out.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thidua.consolidate.names import NameMatcher
from thidua.errors import InputError, PlanError, Problem
from thidua.plan.model import Plan
from thidua.codecs import ValueProblem, codec
from thidua.codecs import shown as _shown
from thidua.plan.place import placed, place_text
from thidua.plan.statsmap import SECTION, StatsMapping, check_mapping
from thidua.table import (_cannot_open, _os_reason, _read_csv,
                          check_table_path)
from thidua.text import fold, is_blank, nfc
from thidua.units import Unit

__all__ = ["StatsMapping", "StatsImport", "parse_mapping", "read_stats_export", "to_rows",
           "SECTION"]

_HEADER_SEARCH_ROWS = 30
_NON_WORD = re.compile(r"[\W_]+")
_LETTER = re.compile(r"[^\W\d_]")
_ENUMERATOR = re.compile(r"^\s*(?:[ivxlc]+|\d+|[a-z])\s*[.)/-]\s*", re.IGNORECASE)


# ================================================================= mapping
def parse_mapping(plan: Plan) -> StatsMapping:
    """The checked ``stats_import`` section of ``plan``; :class:`PlanError` listing every mistake.

    The checks are :func:`thidua.plan.statsmap.check_mapping`, the ones run when
    the plan is loaded (a plan that loaded has a valid section, or none).
    """
    file = plan.source or f"kế hoạch {plan.id}"
    raw = plan.stats_import
    problems: list[Problem] = []
    if not raw:
        raise PlanError(Problem(
            f"kế hoạch «{plan.id}» chưa có mục {SECTION} (cách đọc tệp thống kê của "
            "Hệ thống thông tin giải quyết TTHC)", file=file,
            hint=f"thêm mục «{SECTION}:» với «name_column», «header_rows» và «columns» "
                 "(mã số liệu: tiêu đề cột trong tệp thống kê)"))

    def error(place, message: str, hint: str = "") -> None:
        problems.append(placed(Problem(message, file=file, line=place, hint=hint)))

    mapping = check_mapping(raw, [inp.code for inp in plan.inputs], list(plan.levels), error)
    if problems or mapping is None:
        raise PlanError(problems)
    return mapping


# ================================================================= reading
@dataclass
class StatsImport:
    """What was read from an export, per unit of the list."""

    values: dict[str, dict[str, float]]  # unit code -> {input code: value}
    matched: list[tuple[str, str, str]]  # (name in export, unit code, unit name)
    problems: list[Problem]
    source: str = ""
    sheet: str = ""  # "" for csv
    columns: dict[str, str] = field(default_factory=dict)  # input code -> column (letter/header)
    rows: dict[str, int] = field(default_factory=dict)  # unit code -> row read
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, name) not unit rows
    unit_sheets: dict[str, str] = field(default_factory=dict)  # unit code -> sheet read

    @property
    def ok(self) -> bool:
        return not self.problems


def _hkey(text: Any) -> str:
    """Matching key of a header: fold, punctuation and line breaks as spaces."""
    return " ".join(_NON_WORD.sub(" ", fold(nfc(str(text)))).split())


def _clean(value: Any) -> str:
    return " ".join(_shown(value).split())


@dataclass
class _Grid:
    source: str
    name: str
    sheet: str  # "" for csv
    records: list[list]
    numbers: list[int]  # row number the user sees, per record
    percent: set[tuple[int, int]]

    def ref(self, c: int, header: str = "") -> str:
        """Column as shown in messages: a letter in a workbook, the header in a csv."""
        if self.sheet:
            from openpyxl.utils import get_column_letter

            return get_column_letter(c + 1)
        return header

    def cell(self, r: int, c: int):
        row = self.records[r]
        return row[c] if c < len(row) else None


def _check_path(path, source: str, name: str) -> str:
    return check_table_path(path, "xuất thống kê dạng Excel (.xlsx) hoặc lưu thành .csv (CSV UTF-8)")[2]


def _load_xlsx(p: Path, source: str, name: str) -> list[_Grid]:
    """Every sheet as a grid of values, merged ranges filled with their value."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, data_only=True)
    except OSError as exc:
        raise _cannot_open(source, name, _os_reason(exc)) from None
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise _cannot_open(
            source, name,
            f"tệp không phải bảng tính Excel hợp lệ hoặc đã bị hỏng ({type(exc).__name__}: {exc})",
            "mở tệp bằng Excel kiểm tra, rồi lưu lại dạng .xlsx") from None
    grids = []
    try:
        for ws in wb.worksheets:
            records: list[list] = []
            percent: set[tuple[int, int]] = set()
            for r, row in enumerate(ws.iter_rows()):
                values = []
                for c, cell in enumerate(row):
                    value = cell.value
                    if isinstance(value, str):
                        value = nfc(value)
                    elif isinstance(value, (int, float)) and not isinstance(value, bool):
                        if "%" in (getattr(cell, "number_format", "") or ""):
                            percent.add((r, c))
                    values.append(value)
                records.append(values)
            for rng in ws.merged_cells.ranges:
                r0, c0 = rng.min_row - 1, rng.min_col - 1
                if r0 >= len(records) or c0 >= len(records[r0]):
                    continue
                value = records[r0][c0]
                for r in range(r0, min(rng.max_row, len(records))):
                    row = records[r]
                    for c in range(c0, min(rng.max_col, len(row))):
                        row[c] = value
                        if (r0, c0) in percent:
                            percent.add((r, c))
            grids.append(_Grid(source, name, ws.title, records,
                               list(range(1, len(records) + 1)), percent))
    finally:
        wb.close()
    if not grids:
        raise _cannot_open(source, name, "tệp không có trang tính nào")
    return grids


def _find_header(grid: _Grid, mapping: StatsMapping) -> int | None:
    """Index of the first header row."""
    if mapping.header_row is not None:
        for i, number in enumerate(grid.numbers):
            if number == mapping.header_row:
                return i
        return None
    target = _hkey((mapping.code_column or mapping.name_column)[0])
    for i, row in enumerate(grid.records[:_HEADER_SEARCH_ROWS]):
        if any(isinstance(v, str) and _hkey(v) == target for v in row):
            return i
    return None


def _header_paths(grid: _Grid, head: int, rows: int) -> list[tuple[tuple[str, ...], str]]:
    """Per column: (path keys, path as shown) of the header rows.

    Merged cells are already filled; in a csv (or a workbook whose merges were
    undone) a blank upper cell over a sub-header takes the value on its left,
    when that column has a sub-header too.
    """
    block = [list(grid.records[r]) if r < len(grid.records) else []
             for r in range(head, head + rows)]
    width = max((len(r) for r in block), default=0)
    for row in block:
        row.extend([None] * (width - len(row)))
    for h in range(rows - 1):
        for c in range(1, width):
            if not is_blank(block[h][c]):
                continue
            below = any(not is_blank(block[k][c]) for k in range(h + 1, rows))
            left_below = any(not is_blank(block[k][c - 1]) for k in range(h + 1, rows))
            if below and left_below and not is_blank(block[h][c - 1]):
                block[h][c] = block[h][c - 1]
    paths = []
    for c in range(width):
        keys: list[str] = []
        shown: list[str] = []
        for h in range(rows):
            v = block[h][c]
            if is_blank(v):
                continue
            k = _hkey(_clean(v))
            if not k or (keys and keys[-1] == k):
                continue
            keys.append(k)
            shown.append(_clean(v))
        paths.append((tuple(keys), " / ".join(shown)))
    return paths


def _match_column(paths, want: tuple[str, ...]) -> list[int]:
    key = tuple(_hkey(w) for w in want)
    exact = [c for c, (k, _s) in enumerate(paths) if k == key]
    if exact:
        return exact
    n = len(key)
    return [c for c, (k, _s) in enumerate(paths) if len(k) > n and k[-n:] == key]


def _skip_key(text: str, folded: bool) -> str:
    text = fold(text) if folded else nfc(text).casefold()
    return " " + " ".join(_NON_WORD.sub(" ", text).split()) + " "


def _is_skip(name: str, patterns: tuple[str, ...]) -> bool:
    """Does ``name`` hold one of ``patterns`` as whole words (diacritics count,
    unless one side is written without any)?"""
    name = _ENUMERATOR.sub("", name)
    plain_name = fold(name) == nfc(name).casefold().strip()
    for p in patterns:
        plain = plain_name or fold(p) == nfc(p).casefold().strip()
        key = _skip_key(p, plain).strip()
        if key and f" {key} " in _skip_key(name, plain):
            return True
    return False


def _units_text(units) -> str:
    return ", ".join(f"«{u.name}» ({u.code})" for u in units)


def read_stats_export(path: str | os.PathLike, plan: Plan, units: list[Unit]) -> StatsImport:
    """Read the statistics export ``path`` (.xlsx/.xlsm or .csv) for ``plan`` and ``units``.

    The plan's ``stats_import`` section says which columns hold which input
    (see :func:`parse_mapping`) and, with ``sheets``, which sheet holds the
    units of each level. Rows are matched to ``units`` by name
    (:mod:`thidua.consolidate.names`), or by the code in ``code_column``;
    rows whose name matches no unit but a ``skip_rows_matching`` pattern, and
    rows without any figure, are skipped (listed in ``skipped``). Raises
    :class:`PlanError` for a bad mapping and :class:`InputError` when the file
    or its header cannot be read.
    """
    mapping = parse_mapping(plan)
    source = str(path)
    name = Path(path).name or source
    ext = _check_path(path, source, name)
    plan_file = plan.source or f"kế hoạch {plan.id}"
    result = StatsImport(values={}, matched=[], problems=[], source=source)

    if ext == ".csv":
        if mapping.sheets:
            raise InputError(Problem(
                f"tệp «{name}» là tệp CSV (một trang) nhưng kế hoạch đọc mỗi cấp ở một trang "
                f"riêng ({SECTION}.sheets)", file=source,
                hint="dùng tệp .xlsx xuất từ hệ thống, giữ nguyên các trang"))
        records, numbers = _read_csv(Path(path), source, name)
        grids = [_Grid(source, name, "", records, numbers, set())]
    else:
        grids = _load_xlsx(Path(path), source, name)

    def sheet_named(wanted: str, key: str) -> _Grid:
        chosen = [g for g in grids if fold(g.sheet) == fold(wanted)]
        if not chosen:
            raise InputError(Problem(
                f"tệp «{name}» không có trang «{wanted}» ({key})", file=source,
                hint="các trang có trong tệp: " + ", ".join(f"«{g.sheet}»" for g in grids)
                     + f"; sửa {key} trong {plan_file}" + _at_line(mapping, key)))
        return chosen[0]

    jobs: list[tuple[list[_Grid], list[Unit]]] = []
    if mapping.sheets:
        missing: list[Problem] = []
        for level, wanted in mapping.sheets.items():
            try:
                grid = sheet_named(wanted, f"{SECTION}.sheets.{level}")
            except InputError as exc:
                missing.extend(exc.problems)
                continue
            jobs.append(([grid], [u for u in units if u.level == level]))
        if missing:
            raise InputError(missing)
        for u in units:
            if u.level not in mapping.sheets:
                result.problems.append(Problem(
                    f"đơn vị «{u.name}» ({u.code}) thuộc cấp «{u.level}», kế hoạch không chỉ "
                    f"trang nào của tệp thống kê cho cấp này ({SECTION}.sheets)", code="chua_gui",
                    file=source,
                    hint=f"thêm trang của cấp «{u.level}» vào {SECTION}.sheets trong {plan_file}, "
                         "hoặc sửa cấp của đơn vị"))
    else:
        if mapping.sheet:
            grids = [sheet_named(mapping.sheet, f"{SECTION}.sheet")]
        jobs.append((grids, list(units)))

    failures: list[Problem] = []
    for candidates, members in jobs:
        try:
            _read_grid(candidates, mapping, plan, members, result, plan_file)
        except InputError as exc:
            failures.extend(exc.problems)
    if failures:
        raise InputError(failures)
    return result


def _read_grid(grids: list[_Grid], mapping: StatsMapping, plan: Plan, units: list[Unit],
               result: StatsImport, plan_file: str) -> None:
    """Read the rows of ``units`` from the first of ``grids`` that has the header."""
    source = grids[0].source
    grid, head = None, None
    for g in grids:
        head = _find_header(g, mapping)
        if head is not None:
            grid = g
            break
    anchor = mapping.code_column or mapping.name_column
    if grid is None or head is None:
        g = grids[0]
        if mapping.header_row is not None:
            what = f"không có dòng {mapping.header_row} ({SECTION}.header_row)"
            key = f"{SECTION}.header_row"
        else:
            what = (f"không tìm thấy dòng tiêu đề có cột «{anchor[0]}» "
                    f"trong {_HEADER_SEARCH_ROWS} dòng đầu")
            key = f"{SECTION}.code_column" if mapping.code_column else f"{SECTION}.name_column"
        raise InputError(Problem(
            f"tệp không giống tệp thống kê xuất từ Hệ thống ({what})", file=source,
            sheet=g.sheet if len(grids) == 1 else "", code="bang_sai",
            hint="kiểm tra đã chọn đúng tệp thống kê (xuất từ Hệ thống thông tin giải quyết "
                 f"TTHC) chưa; nếu đúng tệp mà tiêu đề cột khác, sửa {key} trong {plan_file}"
                 + _at_line(mapping, key)))

    header_first = grid.numbers[head]
    paths = _header_paths(grid, head, mapping.header_rows)
    shown_paths = [f"«{s}»" for _k, s in paths if s]
    found = ", ".join(shown_paths[:12]) + (f" và {len(shown_paths) - 12} cột khác"
                                           if len(shown_paths) > 12 else "")

    def column_problem(key: str, want: tuple[str, ...], hits: list[int]) -> Problem:
        shown = " / ".join(want)
        if hits:
            cols = ", ".join(
                f"cột {grid.ref(c, paths[c][1])} «{paths[c][1]}»" if grid.sheet
                else f"cột thứ {c + 1} «{paths[c][1]}»" for c in hits)
            return Problem(
                f"tiêu đề «{shown}» ({key}) khớp với nhiều cột: {cols}",
                file=source, sheet=grid.sheet, row=header_first,
                hint=f"ghi đủ các tầng tiêu đề (từ trên xuống) trong {plan_file}"
                     + _at_line(mapping, key))
        return Problem(
            f"không tìm thấy cột «{shown}» ({key}) trong các dòng tiêu đề "
            f"{header_first}–{header_first + mapping.header_rows - 1}",
            file=source, sheet=grid.sheet,
            hint=f"các cột có trong tệp: {found}; sửa {key} trong {plan_file}"
                 + _at_line(mapping, key) + " cho đúng tiêu đề cột")

    problems: list[Problem] = []
    hits = _match_column(paths, mapping.name_column)
    name_col = hits[0] if len(hits) == 1 else None
    code_col = None
    if mapping.code_column:
        hits_code = _match_column(paths, mapping.code_column)
        code_col = hits_code[0] if len(hits_code) == 1 else None
        if code_col is None:
            problems.append(column_problem(f"{SECTION}.code_column", mapping.code_column,
                                           hits_code))
    elif name_col is None:
        problems.append(column_problem(f"{SECTION}.name_column", mapping.name_column, hits))
    cols: dict[str, int] = {}
    for code, want in mapping.columns.items():
        hits = _match_column(paths, want)
        if len(hits) == 1:
            cols[code] = hits[0]
        else:
            problems.append(column_problem(f"{SECTION}.columns.{code}", want, hits))
    if problems and len(cols) == 0 and (name_col is None or mapping.code_column):
        # nothing of the mapping is there: most likely not the export at all — say that once
        key = " / ".join(mapping.code_column or mapping.name_column)
        raise InputError(Problem(
            f"tệp không giống tệp thống kê xuất từ Hệ thống (không có cột «{key}» ở "
            f"{mapping.header_rows} dòng tiêu đề đầu, không có cột số liệu nào của kế hoạch)",
            file=source, sheet=grid.sheet, code="bang_sai",
            hint="kiểm tra đã chọn đúng tệp thống kê (xuất từ Hệ thống thông tin giải quyết "
                 "TTHC) chưa; nếu đúng tệp mà Hệ thống đổi tiêu đề cột, sửa mục stats_import "
                 f"của kế hoạch {plan_file}"))
    if problems:
        raise InputError(problems)
    key_col = code_col if code_col is not None else name_col
    assert key_col is not None

    if not result.sheet:
        result.sheet = grid.sheet
    for code, c in cols.items():
        result.columns.setdefault(code, grid.ref(c, paths[c][1]))
    problems = result.problems

    matcher = NameMatcher(units, mapping.strip_prefixes, mapping.aliases)
    for alias, code in matcher.bad_aliases.items():
        key = f"{SECTION}.aliases.{alias}"
        problem = placed(Problem(
            f"{SECTION}.aliases: «{alias}» chỉ tới mã đơn vị «{code}» không có trong danh sách "
            "đơn vị", file=plan_file, line=mapping.lines.get(key),
            hint="sửa mã cho đúng mã trong danh sách đơn vị"))
        if problem not in problems:
            problems.append(problem)
    by_code = {fold(u.code): u for u in units}

    def place(r: int, c: int) -> dict:
        header = paths[c][1]
        return dict(file=source, sheet=grid.sheet,
                    cell=f"{grid.ref(c)}{grid.numbers[r]}" if grid.sheet else "",
                    row=grid.numbers[r], column=header)

    def where(r: int, c: int) -> str:
        return f"ô {grid.ref(c)}{grid.numbers[r]}" if grid.sheet else f"dòng {grid.numbers[r]}"

    prefixes = ", ".join(f"«{p}»" for p in mapping.strip_prefixes)
    fix_name = ("sửa tên trong tệp thống kê hoặc trong danh sách đơn vị cho trùng nhau "
                "(không phân biệt chữ hoa, dấu cách, I/1"
                + (f"; bỏ qua tiền tố {prefixes}" if prefixes else "")
                + f"), hoặc thêm tên này vào {SECTION}.aliases trong {plan_file}")
    first_row: dict[str, int] = {}
    unmatched: dict[str, list[int]] = {}  # unit code -> rows whose name looks like it
    plan_inputs = {inp.code: inp for inp in plan.inputs}

    def shown_name(r: int) -> str:
        if name_col is None:
            return ""
        raw_name = grid.cell(r, name_col)
        return _clean(raw_name) if not is_blank(raw_name) else ""

    for r in range(head + mapping.header_rows, len(grid.records)):
        figures = [grid.cell(r, c) for c in cols.values()]
        if code_col is not None:
            raw_code = grid.cell(r, code_col)
            text = _clean(raw_code) if not is_blank(raw_code) else ""
            if not text:
                continue
            unit = by_code.get(fold(text))
            if unit is None:
                label = shown_name(r) or text
                if _is_skip(label, mapping.skip_rows_matching) or all(is_blank(v) for v in figures):
                    result.skipped.append((grid.numbers[r], label))
                    continue
                problems.append(Problem(
                    f"mã đơn vị «{text}»" + (f" («{shown_name(r)}»)" if shown_name(r) else "")
                    + " không có trong danh sách đơn vị", code="don_vi_khong_co", **place(r, code_col),
                    hint="thêm đơn vị này vào danh sách đơn vị (đúng mã như trong tệp thống kê), "
                         "hoặc sửa mã của đơn vị trong danh sách cho trùng"))
                continue
            text = shown_name(r) or text
        else:
            text = shown_name(r)
            if not text or not _LETTER.search(text):
                continue  # blank, or a line of column numbers "(1) (2) …"
            found_unit = matcher.match(text)
            if found_unit is not None and not isinstance(found_unit, list):
                unit = found_unit
            else:
                if _is_skip(text, mapping.skip_rows_matching) or all(is_blank(v) for v in figures):
                    result.skipped.append((grid.numbers[r], text))
                    continue
                if isinstance(found_unit, list):
                    problems.append(Problem(
                        f"tên đơn vị «{text}» khớp với nhiều đơn vị: {_units_text(found_unit)}",
                        code="don_vi_khong_co", **place(r, key_col),
                        hint="ghi tên đầy đủ (kèm «xã», «phòng»…) trong tệp thống kê, hoặc chỉ rõ "
                             f"mã đơn vị cho tên này trong {SECTION}.aliases của {plan_file}"))
                    continue
                guesses = matcher.suggest(text)
                for u in guesses:
                    unmatched.setdefault(u.code, []).append(r)
                maybe = (" Có phải " + " hay ".join(f"«{u.name}» ({u.code})" for u in guesses)
                         + "?" if guesses else "")
                problems.append(Problem(
                    f"không khớp tên đơn vị «{text}» với danh sách đơn vị.{maybe}",
                    code="don_vi_khong_co", **place(r, key_col), hint=fix_name))
                continue

        if unit.code in first_row:
            problems.append(Problem(
                f"đơn vị «{unit.name}» ({unit.code}) có hai dòng trong tệp thống kê: "
                f"{where(first_row[unit.code], key_col)} và {where(r, key_col)} "
                "(chỉ lấy dòng đầu)", code="trung_don_vi",
                **place(r, key_col),
                hint="xóa dòng thừa, hoặc sửa tên nếu đây là đơn vị khác"))
            continue
        first_row[unit.code] = r
        result.matched.append((text, unit.code, unit.name))
        result.rows[unit.code] = grid.numbers[r]
        if grid.sheet:
            result.unit_sheets[unit.code] = grid.sheet
        got: dict[str, float] = {}
        for code, c in cols.items():
            raw = grid.cell(r, c)
            inp = plan_inputs[code]
            if is_blank(raw):
                if mapping.blank_as_zero:
                    got[code] = 0.0
                else:
                    problems.append(Problem(
                        f"ô trống: thiếu «{inp.label}» của đơn vị «{unit.name}»", code="thieu_gia_tri",
                        **place(r, c),
                        hint="nhập 0 nếu đơn vị không có hồ sơ (hoặc đặt "
                             f"{SECTION}.blank_as_zero: true trong {plan_file})"))
                continue
            try:
                value = codec(inp).read(_declared_number(raw, mapping.decimal),
                                        percent_format=(r, c) in grid.percent)
            except ValueProblem as bad:
                problems.append(Problem(
                    f"{bad.message} («{inp.label}» của đơn vị «{unit.name}»)",
                    code=bad.code,
                    **place(r, c), hint=bad.hint))
                continue
            if math.isfinite(value):
                got[code] = value
        result.values[unit.code] = got

    for u in units:
        if u.code in first_row:
            continue
        rows = unmatched.get(u.code, [])
        if code_col is None:
            hint = ("kiểm tra tệp thống kê đã xuất đủ đơn vị, đúng kỳ; nếu đơn vị có trong tệp "
                    f"dưới tên khác, sửa tên cho khớp hoặc thêm vào {SECTION}.aliases "
                    f"trong {plan_file}")
        else:
            hint = ("kiểm tra tệp thống kê đã xuất đủ đơn vị, đúng kỳ; nếu đơn vị có trong tệp "
                    "dưới mã khác, sửa mã của đơn vị trong danh sách đơn vị cho trùng")
        if rows:
            hint = ("có thể là " + ", ".join(
                f"«{shown_name(r)}» ({where(r, key_col)})" for r in rows)
                + f": sửa tên cho khớp hoặc thêm vào {SECTION}.aliases trong {plan_file}")
        problems.append(Problem(
            f"đơn vị «{u.name}» ({u.code}) không có trong tệp thống kê"
            + (f" (trang «{grid.sheet}»)" if grid.sheet and mapping.sheets else ""),
            code="chua_gui", file=source, sheet=grid.sheet, hint=hint))


_DECLARED = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def _declared_number(raw: Any, decimal: str | None) -> Any:
    """A number stored as text, read with the decimal mark the mapping declares.

    ``decimal: "."`` reads ``17.125`` as 17,125 (never 17125) and ``1,234.5`` as
    1234,5; ``decimal: ","`` the other way round. Text that is not a plain
    number, and every value when no mark is declared, is left to the usual
    tolerant reading.
    """
    if decimal is None or not isinstance(raw, str):
        return raw
    text = re.sub(r"[\s\u00a0\u202f]+", "", nfc(raw)).replace("\u2212", "-")
    if decimal == ".":
        text = text.replace(",", "")
    else:
        text = text.replace(".", "").replace(",", ".")
    return float(text) if _DECLARED.match(text) else raw


def _at_line(mapping: StatsMapping, key: str) -> str:
    return place_text(mapping.lines.get(key) or mapping.lines.get(key.rsplit(".", 1)[0]))


def to_rows(imported: StatsImport, units: list[Unit]) -> list[dict]:
    """One row per unit, in ``units`` order: ``ma_don_vi``, ``ten_don_vi``, ``nhom``,
    ``cap`` and the inputs read for it (none for a unit absent from the export)."""
    rows = []
    for u in units:
        row: dict[str, Any] = {"ma_don_vi": u.code, "ten_don_vi": u.name,
                               "nhom": u.group, "cap": u.level}
        row.update(imported.values.get(u.code, {}))
        rows.append(row)
    return rows
