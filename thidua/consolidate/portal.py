"""Importing the statistics export of the online-service system (Hệ thống thông tin
giải quyết TTHC) instead of re-keying it.

The export is a sheet with a title, a header spanning several rows with merged
cells (``Đã giải quyết`` over ``Tổng | Trước hạn | Đúng hạn | Trễ hạn``…), one
row per unit named the system's way, and subtotal rows. The plan file says how
to read it, in its ``stats_import:`` section::

    stats_import:
      name_column: "Tên đơn vị"           # header of the unit-name column
      header_rows: 2                      # rows the header spans
      columns:                            # input code: header path, top to bottom
        tong_giai_quyet: ["Đã giải quyết", "Tổng"]
        truc_tuyen_giai_quyet: "Đã giải quyết trực tuyến"
      skip_rows_matching: ["cộng", "cấp xã"]   # subtotal / heading rows
      strip_prefixes: ["UBND", "xã"]           # ignored when matching names
      aliases: {"VP HĐND&UBND": CQ12}          # optional: export name -> unit code
      blank_as_zero: false                     # optional: read a blank cell as 0
      sheet: "Thống kê"                        # optional: sheet to read
      header_row: 4                            # optional: first header row

:func:`parse_mapping` checks that section (a :class:`PlanError` naming the key
and its line); :func:`read_stats_export` reads an ``.xlsx`` (merged cells
resolved) or ``.csv`` export into a :class:`StatsImport`; :func:`to_rows` gives
one row per unit of the unit list, ready to be written into a master.

What makes the file unreadable as a whole (cannot open it, no header, a mapped
column not found) raises :class:`InputError`. Everything else is collected in
``StatsImport.problems``, each with the file, sheet and cell: names that match
no unit or several, units of the list absent from the export, cells that are
not numbers. A value is never guessed: a problem cell leaves that input out.
"""
from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thidua.consolidate.names import NameMatcher
from thidua.errors import InputError, PlanError, Problem
from thidua.plan.model import Plan
from thidua.codecs import ValueProblem, codec
from thidua.codecs import shown as _shown
from thidua.table import (_cannot_open, _os_reason, _read_csv,
                          check_table_path)
from thidua.text import fold, is_blank, nfc
from thidua.units import Unit

__all__ = ["StatsMapping", "StatsImport", "parse_mapping", "read_stats_export", "to_rows",
           "SECTION"]

SECTION = "stats_import"
MAX_HEADER_ROWS = 6
_HEADER_SEARCH_ROWS = 30
_KEYS = {
    "name_column": "tiêu đề cột tên đơn vị",
    "header_rows": "số dòng tiêu đề",
    "header_row": "dòng tiêu đề đầu tiên",
    "columns": "cột của từng số liệu",
    "skip_rows_matching": "dòng tổng, dòng nhóm cần bỏ qua",
    "strip_prefixes": "tiền tố bỏ qua khi so tên",
    "aliases": "tên khác của đơn vị",
    "blank_as_zero": "ô trống là 0",
    "sheet": "trang tính cần đọc",
}
_NON_WORD = re.compile(r"[\W_]+")
_LETTER = re.compile(r"[^\W\d_]")
_ENUMERATOR = re.compile(r"^\s*(?:[ivxlc]+|\d+|[a-z])\s*[.)/-]\s*", re.IGNORECASE)


# ================================================================= mapping
@dataclass(frozen=True)
class StatsMapping:
    """The checked ``stats_import`` section of a plan."""

    columns: dict[str, tuple[str, ...]]  # input code -> header path (top to bottom)
    name_column: tuple[str, ...] = ("Tên đơn vị",)
    header_rows: int = 1
    header_row: int | None = None  # 1-based first header row; None: found by name_column
    skip_rows_matching: tuple[str, ...] = ()
    strip_prefixes: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # export name -> unit code
    blank_as_zero: bool = False
    sheet: str | None = None
    lines: dict[str, int | None] = field(default_factory=dict)  # dotted key -> plan line


def _line(obj: Any, key: str | None = None) -> int | None:
    if key is not None and hasattr(obj, "line_of"):
        return obj.line_of(key)
    return getattr(obj, "line", None)


def _shown_yaml(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown_yaml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{…}"
    return str(value)


def parse_mapping(plan: Plan) -> StatsMapping:
    """Check ``plan.stats_import``; raise :class:`PlanError` listing every mistake."""
    file = plan.source or f"kế hoạch {plan.id}"
    raw = plan.stats_import
    problems: list[Problem] = []

    def error(line: int | None, message: str, hint: str = "") -> None:
        problems.append(Problem(message, file=file, line=line, hint=hint))

    if not raw:
        raise PlanError(Problem(
            f"kế hoạch «{plan.id}» chưa có mục {SECTION} (cách đọc tệp thống kê của "
            "Hệ thống thông tin giải quyết TTHC)", file=file,
            hint=f"thêm mục «{SECTION}:» với «name_column», «header_rows» và «columns» "
                 "(mã số liệu: tiêu đề cột trong tệp thống kê)"))
    if not isinstance(raw, Mapping):
        raise PlanError(Problem(
            f"{SECTION} phải là một bảng khóa: giá trị (name_column, header_rows, columns, …)",
            file=file, line=_line(raw)))

    lines: dict[str, int | None] = {SECTION: _line(raw)}
    for key in raw:
        lines[f"{SECTION}.{key}"] = _line(raw, key)
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), list(_KEYS), n=1)
            error(_line(raw, key), f"khóa «{SECTION}.{key}» không dùng được",
                  (f"có phải «{close[0]}»? " if close else "")
                  + "các khóa dùng được: " + ", ".join(_KEYS))

    def text_list(key: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        """A string or a list of non-empty strings."""
        value = raw.get(key)
        where = _line(raw, key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip()
                for v in value):
            error(where, f"{SECTION}.{key} ({_KEYS[key]}) phải là một chuỗi hoặc danh sách "
                         f"chuỗi không rỗng (đang là «{_shown_yaml(value)}»)",
                  f'ví dụ: {key}: ["UBND", "xã"]')
            return ()
        if not value and not allow_empty:
            error(where, f"{SECTION}.{key} ({_KEYS[key]}) không được để trống")
        return tuple(nfc(str(v)).strip() for v in value)

    def integer(key: str, lo: int, hi: int | None) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < lo or (
                hi is not None and value > hi):
            upper = f" đến {hi}" if hi is not None else " trở lên"
            error(_line(raw, key), f"{SECTION}.{key} ({_KEYS[key]}) phải là số nguyên từ "
                                   f"{lo}{upper} (đang là «{_shown_yaml(value)}»)")
            return None
        return value

    header_rows = integer("header_rows", 1, MAX_HEADER_ROWS) or 1
    header_row = integer("header_row", 1, None)

    name_column = ("Tên đơn vị",)
    if "name_column" in raw:
        got = text_list("name_column")
        if got:
            name_column = got
        elif raw.get("name_column") is None or raw.get("name_column") == []:
            error(_line(raw, "name_column"),
                  f"{SECTION}.name_column ({_KEYS['name_column']}) không được để trống",
                  'ví dụ: name_column: "Tên đơn vị"')
    if len(name_column) > header_rows:
        error(_line(raw, "name_column"),
              f"{SECTION}.name_column có {len(name_column)} tầng tiêu đề nhưng "
              f"header_rows là {header_rows}",
              "bớt tầng tiêu đề hoặc tăng header_rows")

    # -- columns
    columns: dict[str, tuple[str, ...]] = {}
    cols_raw = raw.get("columns")
    input_codes = [inp.code for inp in plan.inputs]
    example = (f'ví dụ: columns: {{{input_codes[0]}: ["Đã giải quyết", "Tổng"]}}'
               if input_codes else "")
    if cols_raw is None or (isinstance(cols_raw, Mapping) and not cols_raw):
        error(_line(raw, "columns") if "columns" in raw else _line(raw),
              f"{SECTION}.columns ({_KEYS['columns']}) chưa khai báo cột nào",
              "mỗi dòng: mã số liệu: tiêu đề cột trong tệp thống kê (từ tầng trên xuống); "
              + example)
    elif not isinstance(cols_raw, Mapping):
        error(_line(raw, "columns"),
              f"{SECTION}.columns phải là một bảng mã số liệu: tiêu đề cột", example)
    else:
        for code, path in cols_raw.items():
            where = _line(cols_raw, code)
            dotted = f"{SECTION}.columns.{code}"
            lines[dotted] = where
            if code not in input_codes:
                close = difflib.get_close_matches(str(code), input_codes, n=1)
                error(where, f"«{code}» ({dotted}) không phải mã số liệu đầu vào của kế hoạch",
                      (f"có phải «{close[0]}»? " if close else "")
                      + "các mã dùng được: " + ", ".join(input_codes))
                continue
            if isinstance(path, str):
                path = [path]
            if (not isinstance(path, list) or not path or not all(
                    isinstance(p, (str, int, float)) and not isinstance(p, bool)
                    and str(p).strip() for p in path)):
                error(where, f"{dotted} phải là tiêu đề cột (chuỗi) hoặc danh sách tiêu đề "
                             f"từ tầng trên xuống (đang là «{_shown_yaml(path)}»)",
                      f'ví dụ: {code}: ["Đã giải quyết", "Tổng"]')
                continue
            if len(path) > header_rows:
                error(where, f"{dotted} có {len(path)} tầng tiêu đề nhưng tiêu đề tệp thống kê "
                             f"chỉ có {header_rows} dòng (header_rows)",
                      "bớt tầng tiêu đề hoặc sửa header_rows")
                continue
            columns[code] = tuple(nfc(str(p)).strip() for p in path)

    skip = text_list("skip_rows_matching")
    prefixes = text_list("strip_prefixes")

    aliases: dict[str, str] = {}
    al = raw.get("aliases")
    if al is not None:
        if not isinstance(al, Mapping) or not all(
                isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip()
                and str(k).strip() for k, v in al.items()):
            error(_line(raw, "aliases"),
                  f"{SECTION}.aliases phải là bảng «tên trong tệp thống kê: mã đơn vị»",
                  'ví dụ: aliases: {"VP HĐND&UBND huyện": CQ12}')
        else:
            for k, v in al.items():
                aliases[nfc(str(k)).strip()] = nfc(str(v)).strip()
                lines[f"{SECTION}.aliases.{k}"] = _line(al, k)

    blank_as_zero = raw.get("blank_as_zero", False)
    if not isinstance(blank_as_zero, bool):
        error(_line(raw, "blank_as_zero"),
              f"{SECTION}.blank_as_zero phải là true hoặc false "
              f"(đang là «{_shown_yaml(blank_as_zero)}»)")
        blank_as_zero = False

    sheet = raw.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        error(_line(raw, "sheet"), f"{SECTION}.sheet phải là tên trang tính (chuỗi)")
        sheet = None

    if problems:
        raise PlanError(problems)
    return StatsMapping(columns=columns, name_column=name_column, header_rows=header_rows,
                        header_row=header_row, skip_rows_matching=skip, strip_prefixes=prefixes,
                        aliases=aliases, blank_as_zero=blank_as_zero,
                        sheet=nfc(sheet).strip() if sheet else None, lines=lines)


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
    target = _hkey(mapping.name_column[0])
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
    (see :func:`parse_mapping`). Rows are matched to ``units`` by name
    (:mod:`thidua.consolidate.names`); rows whose name matches no unit but a
    ``skip_rows_matching`` pattern, and rows without any figure, are skipped
    (listed in ``skipped``). Raises :class:`PlanError` for a bad mapping and
    :class:`InputError` when the file or its header cannot be read.
    """
    mapping = parse_mapping(plan)
    source = str(path)
    name = Path(path).name or source
    ext = _check_path(path, source, name)
    plan_file = plan.source or f"kế hoạch {plan.id}"

    if ext == ".csv":
        records, numbers = _read_csv(Path(path), source, name)
        grids = [_Grid(source, name, "", records, numbers, set())]
    else:
        grids = _load_xlsx(Path(path), source, name)
        if mapping.sheet:
            chosen = [g for g in grids if fold(g.sheet) == fold(mapping.sheet)]
            if not chosen:
                raise InputError(Problem(
                    f"tệp «{name}» không có trang «{mapping.sheet}» ({SECTION}.sheet)",
                    file=source,
                    hint="các trang có trong tệp: " + ", ".join(f"«{g.sheet}»" for g in grids)
                         + f"; sửa {SECTION}.sheet trong {plan_file}"
                         + _at_line(mapping, f"{SECTION}.sheet")))
            grids = chosen

    grid, head = None, None
    for g in grids:
        head = _find_header(g, mapping)
        if head is not None:
            grid = g
            break
    if grid is None or head is None:
        g = grids[0]
        if mapping.header_row is not None:
            what = f"không có dòng {mapping.header_row} ({SECTION}.header_row)"
            key = f"{SECTION}.header_row"
        else:
            what = (f"không tìm thấy dòng tiêu đề có cột «{mapping.name_column[0]}» "
                    f"trong {_HEADER_SEARCH_ROWS} dòng đầu")
            key = f"{SECTION}.name_column"
        raise InputError(Problem(
            f"tệp «{name}»: {what}", file=source, sheet=g.sheet if len(grids) == 1 else "",
            hint=f"kiểm tra đây đúng là tệp thống kê xuất từ Hệ thống thông tin giải quyết TTHC; "
                 f"nếu tiêu đề cột tên đơn vị khác, sửa {key} trong {plan_file}"
                 + _at_line(mapping, key)))

    header_first = grid.numbers[head]
    paths = _header_paths(grid, head, mapping.header_rows)
    found = ", ".join(f"«{s}»" for _k, s in paths if s)

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
    if name_col is None:
        problems.append(column_problem(f"{SECTION}.name_column", mapping.name_column, hits))
    cols: dict[str, int] = {}
    for code, want in mapping.columns.items():
        hits = _match_column(paths, want)
        if len(hits) == 1:
            cols[code] = hits[0]
        else:
            problems.append(column_problem(f"{SECTION}.columns.{code}", want, hits))
    if problems:
        raise InputError(problems)
    assert name_col is not None

    result = StatsImport(values={}, matched=[], problems=[], source=source, sheet=grid.sheet,
                         columns={code: grid.ref(c, paths[c][1]) for code, c in cols.items()})
    problems = result.problems

    matcher = NameMatcher(units, mapping.strip_prefixes, mapping.aliases)
    for alias, code in matcher.bad_aliases.items():
        key = f"{SECTION}.aliases.{alias}"
        problems.append(Problem(
            f"{SECTION}.aliases: «{alias}» chỉ tới mã đơn vị «{code}» không có trong danh sách "
            "đơn vị", file=plan_file, line=mapping.lines.get(key),
            hint="sửa mã cho đúng mã trong danh sách đơn vị"))

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

    for r in range(head + mapping.header_rows, len(grid.records)):
        raw_name = grid.cell(r, name_col)
        text = _clean(raw_name) if not is_blank(raw_name) else ""
        if not text or not _LETTER.search(text):
            continue  # blank, or a line of column numbers "(1) (2) …"
        found_unit = matcher.match(text)
        if found_unit is not None and not isinstance(found_unit, list):
            unit = found_unit
        else:
            figures = [grid.cell(r, c) for c in cols.values()]
            if _is_skip(text, mapping.skip_rows_matching) or all(is_blank(v) for v in figures):
                result.skipped.append((grid.numbers[r], text))
                continue
            if isinstance(found_unit, list):
                problems.append(Problem(
                    f"tên đơn vị «{text}» khớp với nhiều đơn vị: {_units_text(found_unit)}",
                    code="don_vi_khong_co",
                    **place(r, name_col),
                    hint="ghi tên đầy đủ (kèm «xã», «phòng»…) trong tệp thống kê, hoặc chỉ rõ "
                         f"mã đơn vị cho tên này trong {SECTION}.aliases của {plan_file}"))
                continue
            guesses = matcher.suggest(text)
            for u in guesses:
                unmatched.setdefault(u.code, []).append(r)
            maybe = (" Có phải " + " hay ".join(f"«{u.name}» ({u.code})" for u in guesses) + "?"
                     if guesses else "")
            problems.append(Problem(
                f"không khớp tên đơn vị «{text}» với danh sách đơn vị.{maybe}", code="don_vi_khong_co",
                **place(r, name_col), hint=fix_name))
            continue

        if unit.code in first_row:
            problems.append(Problem(
                f"đơn vị «{unit.name}» ({unit.code}) có hai dòng trong tệp thống kê: "
                f"{where(first_row[unit.code], name_col)} và {where(r, name_col)} "
                "(chỉ lấy dòng đầu)", code="trung_don_vi",
                **place(r, name_col),
                hint="xoá dòng thừa, hoặc sửa tên nếu đây là đơn vị khác"))
            continue
        first_row[unit.code] = r
        result.matched.append((text, unit.code, unit.name))
        result.rows[unit.code] = grid.numbers[r]
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
                value = codec(inp).read(raw, percent_format=(r, c) in grid.percent)
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
        hint = ("kiểm tra tệp thống kê đã xuất đủ đơn vị, đúng kỳ; nếu đơn vị có trong tệp "
                f"dưới tên khác, sửa tên cho khớp hoặc thêm vào {SECTION}.aliases "
                f"trong {plan_file}")
        if rows:
            hint = ("có thể là " + ", ".join(
                f"«{_clean(grid.cell(r, name_col))}» ({where(r, name_col)})" for r in rows)
                + f": sửa tên cho khớp hoặc thêm vào {SECTION}.aliases trong {plan_file}")
        problems.append(Problem(
            f"đơn vị «{u.name}» ({u.code}) không có trong tệp thống kê", code="chua_gui",
            file=source, sheet=grid.sheet, hint=hint))
    return result


def _at_line(mapping: StatsMapping, key: str) -> str:
    line = mapping.lines.get(key) or mapping.lines.get(key.rsplit(".", 1)[0])
    return f" (dòng {line})" if line else ""


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
