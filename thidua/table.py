"""Reading the table of unit figures (bảng số liệu đơn vị) for a plan.

A table is a ``.csv`` or ``.xlsx`` file with one row per unit: its code
(``ma_don_vi``), name (``ten_don_vi``), group (``nhom``), level (``cap``),
optionally a year (``nam``), then one column per input of the plan. Headers
are matched tolerantly (case, accents, NFC/NFD, spaces; the code or the
Vietnamese label). Values are read the way people type them (``1.234,5``,
``85%``, ``có``/``x``…); nothing unreadable is ever turned into 0. Every
problem of the file is collected and raised together in one
:class:`~thidua.errors.InputError`.

``read_units`` loads the raw cells of a file and hands them to
``parse_rows``, which does all the checking and can be called directly with
Python lists.
"""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter, methodcaller, not_
from pathlib import Path

import numpy as np

from thidua.codecs import TABLE, ValueProblem, codec, group_code, level_code, shown
from thidua.errors import InputError, Problem
from thidua.plan.model import APPRAISAL_SUFFIX, INPUT_TYPES, LEVELS, Plan
from thidua.text import fold, is_blank, nfc, parse_number
from thidua.workbook.sheet_xml import col_letter as column_letter

__all__ = ["UnitTable", "read_units", "parse_rows", "columns_of", "UNIT_COLUMNS", "YEAR_COLUMN", "DATA_SHEET"]

#: The unit columns every table has (code → Vietnamese header).
UNIT_COLUMNS: dict[str, str] = {
    "ma_don_vi": "Mã đơn vị",
    "ten_don_vi": "Tên đơn vị",
    "nhom": "Nhóm",
    "cap": "Cấp",
}
YEAR_COLUMN = ("nam", "Năm")
#: Preferred sheet name in a workbook; otherwise the first sheet is read.
DATA_SHEET = "Dữ liệu"
APPRAISAL_LABEL = " (thẩm định)"

_CHECK_MARKS = {"x", "✓", "✔"}
_HEADER_SEARCH_ROWS = 30


@dataclass
class UnitTable:
    """The units of a table, checked and converted for one plan.

    ``data``: one array per column, one element per unit in file order — the
    unit columns as text (object arrays), ``nam`` (int64) when the table gives
    years, each input code (float64: yes/no as 1/0, a choice as its position,
    NaN for no data) and, for self-scored plans, ``<code>_tham_dinh``.
    ``frame`` is the same as a DataFrame (built on first use: scoring a CSV
    never needs pandas).
    """

    data: dict[str, np.ndarray]
    source: str  # file name as given
    rows: list[int] = field(default_factory=list)  # row number the user sees, per unit
    sheet: str = ""  # xlsx sheet read ("" for csv)
    columns: dict[str, str] = field(default_factory=dict)  # code -> column letter / header

    def __len__(self) -> int:
        return len(self.data["ma_don_vi"])

    @cached_property
    def frame(self):
        """The table as a ``pandas.DataFrame`` (default RangeIndex, columns as ``data``)."""
        import pandas as pd

        frame = pd.DataFrame(
            {code: pd.Series(self.data[code], dtype=object) for code in UNIT_COLUMNS},
            index=pd.RangeIndex(len(self)))
        for code, values in self.data.items():
            if code not in UNIT_COLUMNS:
                frame[code] = values
        return frame

    @property
    def frame_built(self) -> bool:
        """Whether ``frame`` was asked for: it then holds what the table says (a caller may
        have changed it), and scoring reads it instead of ``data``."""
        return "frame" in self.__dict__

    def where(self, index: int, code: str | None = None) -> str:
        """Where unit ``index`` (and column ``code``) is, in Vietnamese."""
        row = self.rows[index]
        col = self.columns.get(code) if code else None
        if col and self.sheet:
            return f"ô {col}{row}"
        if col:
            return f"dòng {row}, cột «{col}»"
        return f"dòng {row}"


# ----------------------------------------------------------------- helpers
@dataclass
class _Col:
    code: str  # canonical code (input code, ``x_tham_dinh``, ma_don_vi…)
    index: int  # 0-based position in the row
    header: str  # header as typed (stripped, NFC)


def _key(text) -> str:
    """Matching key of a header or a typed choice: fold plus ``_``/``*`` tolerance."""
    key = fold(str(text)).replace("_", " ").replace("*", " ")
    return re.sub(r"\s+", " ", key).strip(" :.")


def _text(value) -> str:
    """A text cell: NFC, stripped; numbers typed into text columns kept as typed."""
    if isinstance(value, str):
        return nfc(value).strip()
    return shown(value)


def _level_code(value) -> str | None:
    return level_code(value)


def _is_check_mark(value) -> bool:
    return isinstance(value, str) and fold(value) in _CHECK_MARKS


# ------------------------------------------------------------- header map
def _header_keys(plan: Plan) -> dict[str, str]:
    """Matching key → canonical column code. Codes win over labels."""
    codes: list[tuple[str, list[str]]] = []
    for code, label in UNIT_COLUMNS.items():
        codes.append((code, [label]))
    input_codes = {inp.code for inp in plan.inputs}
    if YEAR_COLUMN[0] not in input_codes:
        codes.append((YEAR_COLUMN[0], [YEAR_COLUMN[1]]))
    for inp in plan.inputs:
        labels = [inp.label] + ([f"{inp.label} ({inp.unit})"] if inp.unit else [])
        codes.append((inp.code, labels))
    if plan.self_scored:
        for inp in plan.inputs:
            labels = [inp.label + APPRAISAL_LABEL]
            if inp.unit:
                labels.append(f"{inp.label} ({inp.unit}){APPRAISAL_LABEL}")
            codes.append((inp.code + APPRAISAL_SUFFIX, labels))
    keys: dict[str, str] = {}
    for code, _labels in codes:
        keys.setdefault(_key(code), code)
    for code, labels in codes:
        for label in labels:
            keys.setdefault(_key(label), code)
    return keys


def _label(plan: Plan, code: str) -> str:
    if code in UNIT_COLUMNS:
        return UNIT_COLUMNS[code]
    if code == YEAR_COLUMN[0]:
        return YEAR_COLUMN[1]
    if code.endswith(APPRAISAL_SUFFIX):
        base = code[: -len(APPRAISAL_SUFFIX)]
        if base in {i.code for i in plan.inputs}:
            return plan.input(base).label + APPRAISAL_LABEL
    return plan.label_of(code)


def _find_header(rows: list[list], plan: Plan) -> int | None:
    """Index of the header row: the first non-blank row, unless a title sits above
    the real header (then the first row within reach holding a unit column)."""
    keys = _header_keys(plan)
    first = None
    seen = 0
    for i, row in enumerate(rows):
        if all(is_blank(v) for v in row):
            continue
        if first is None:
            first = i
        if any(keys.get(_key(v)) in ("ma_don_vi", "ten_don_vi")
               for v in row if isinstance(v, str)):
            return i
        seen += 1
        if seen >= _HEADER_SEARCH_ROWS:
            break
    return first


# ---------------------------------------------------------------- parsing
def parse_rows(
    headers: list,
    rows: list[list],
    plan: Plan,
    *,
    source: str = "",
    sheet: str = "",
    first_row: int = 2,
    percent_cells: set[tuple[int, int]] | None = None,
    row_numbers: list[int] | None = None,
    allow_missing: bool = False,
    mode: str = TABLE,
) -> UnitTable:
    """Check and convert raw rows (as read from a file) into a :class:`UnitTable`.

    ``headers`` is the header row, ``rows`` the rows below it (cells as read:
    str, int, float, bool, None…). ``rows[i]`` is shown to the user as row
    ``first_row + i`` (or ``row_numbers[i]`` when given: csv records spanning
    several lines). With a ``sheet`` name, places are cells ("E7"); without,
    a row and the column header. ``percent_cells`` holds ``(i, column index)``
    of numeric cells formatted as percent in Excel (0.85 shown as 85%).

    ``mode``: how values are read (``thidua.codecs``): ``TABLE`` for data tables and
    CSV, ``CELL`` for the cells of a generated workbook, read exactly as its formulas
    read them.

    The table is read column by column: each distinct value of a column is read
    once (by its input's codec, or the group/level words) and the answer spread
    to every row holding it. Problems are listed in the order a row-by-row read
    finds them: by row, then by column (code, name, group and level, year, each
    input and its appraisal).

    Raises :class:`InputError` with every problem found.
    """
    percent_cells = percent_cells or set()
    codecs = {inp.code: codec(inp) for inp in plan.inputs}
    xlsx = bool(sheet)
    found: list[tuple[int, int, Problem]] = []  # (row position or -1, slot, problem)
    header_row = first_row - 1

    def col_ref(col: _Col) -> str:
        return column_letter(col.index + 1) if xlsx else col.header

    def at(col: _Col | None, rownum: int, message: str, hint: str = "",
           code: str = "bang_sai") -> Problem:
        cell = f"{col_ref(col)}{rownum}" if (xlsx and col is not None) else ""
        return Problem(message, file=source, sheet=sheet, cell=cell, row=rownum,
                       column=col.header if col is not None else "", hint=hint, code=code)

    def whole(message: str, hint: str = "") -> Problem:
        return Problem(message, file=source, sheet=sheet, hint=hint)

    # ---- headers
    keys = _header_keys(plan)
    cols: dict[str, _Col] = {}
    for index, head in enumerate(headers):
        if is_blank(head):
            continue
        typed = _text(head)
        code = keys.get(_key(typed))
        if code is None:
            continue  # extra columns are ignored
        col = _Col(code, index, typed)
        if code in cols:
            other = cols[code]
            if xlsx:
                both = f"cột {col_ref(other)} và cột {col_ref(col)}"
            else:
                both = f"cột thứ {other.index + 1} và cột thứ {col.index + 1}"
            found.append((-1, 0, Problem(
                f"có hai cột cùng là «{_label(plan, code)}» ({code}): {both}",
                file=source, sheet=sheet, row=header_row, column=col.header,
                hint="xóa hoặc đổi tên một trong hai cột")))
            continue
        cols[code] = col

    expected = ["ma_don_vi", "ten_don_vi"] + (["nhom"] if not plan.one_pool else []) + [
        inp.code for inp in plan.inputs]
    if not cols:
        where = f"dòng {header_row}" if header_row >= 1 else "dòng tiêu đề"
        raise InputError([Problem(
            f"không tìm thấy dòng tiêu đề: {where} không có cột nào khớp với kế hoạch "
            f"«{plan.title}»",
            file=source, sheet=sheet, row=header_row if header_row >= 1 else None,
            hint="dòng đầu tiên của bảng phải là tiêu đề cột, gồm: " + ", ".join(expected))])

    def missing_column(code: str, label: str, why: str = "", position: int = -1) -> None:
        found.append((position, 2, whole(
            f"thiếu cột «{label}» ({code}){why}",
            f"thêm cột có tiêu đề «{code}» hoặc «{label}» vào dòng tiêu đề")))

    for code in ("ma_don_vi", "ten_don_vi"):
        if code not in cols:
            missing_column(code, UNIT_COLUMNS[code])
    if "nhom" not in cols and not plan.one_pool:
        if not plan.group_from_level:
            missing_column("nhom", "Nhóm")
        elif "cap" not in cols and len(plan.levels) != 1:
            missing_column("cap", "Cấp", ": kế hoạch xếp nhóm theo cấp của đơn vị")

    for inp in plan.inputs:
        own = inp.code in cols
        appraisal = plan.self_scored and (inp.code + APPRAISAL_SUFFIX) in cols
        if inp.required and inp.default is None and not own and not appraisal:
            missing_column(inp.code, inp.label)

    # ---- the columns, and which rows hold data
    known = sorted(cols.values(), key=lambda c: c.index)
    raw = columns_of(rows, [c.index for c in known])  # column index -> values, every row
    empty = np.arange(len(rows))  # rows blank in every column seen so far
    for c in known:
        if not len(empty):
            break
        cells = raw[c.index]
        if len(empty) == len(rows):
            empty = empty[_blank_mask(cells)]
        else:
            empty = empty[_blank_mask([cells[i] for i in empty.tolist()])]
    every = not len(empty)
    kept = np.arange(len(rows)) if every else np.setdiff1d(np.arange(len(rows)), empty)
    n = len(kept)
    cache: dict[int, tuple] = {}

    def values_of(col: _Col | None) -> list:
        """The column's cells on the kept rows (None where the column is missing)."""
        if col is None:
            return (None,) * n
        values = raw[col.index]
        return values if every else [values[i] for i in kept.tolist()]

    def blanks_of(col: _Col | None) -> np.ndarray:
        if col is None:
            return np.ones(n, dtype=bool)
        if col.index not in cache:
            cache[col.index] = _blank_mask(values_of(col))
        return cache[col.index]

    if row_numbers is not None:
        user_rows = [row_numbers[i] for i in kept.tolist()]
    else:
        user_rows = (kept + first_row).tolist()

    if not n and not found:
        found.append((-1, 0, whole(
            "bảng không có đơn vị nào (không có dòng số liệu dưới dòng tiêu đề)",
            "mỗi đơn vị nhập trên một dòng, dưới dòng tiêu đề")))

    # ---- code and name
    col = cols.get("ma_don_vi")
    codes = _texts(values_of(col)) if col else [""] * n
    if col:
        if "" in codes:
            for pos in [p for p, code in enumerate(codes) if not code]:
                found.append((pos, 0, at(col, user_rows[pos], "thiếu mã đơn vị",
                                         "nhập mã đơn vị (mỗi đơn vị một mã riêng)")))
        joined = "".join(codes)
        if joined.isascii() and joined.isalnum():  # letters and digits: the key is the lower case
            code_keys = list(map(str.lower, codes)) if "" not in codes else \
                [c.lower() for c in codes if c]
        else:
            code_keys = [_key(c) for c in codes if c]
        if len(set(code_keys)) < len(code_keys):
            first_seen: dict[str, str] = {}
            typed = [(pos, code) for pos, code in enumerate(codes) if code]
            for (pos, code), key in zip(typed, code_keys):
                rownum = user_rows[pos]
                here = f"ô {col_ref(col)}{rownum}" if xlsx else f"dòng {rownum}"
                if key in first_seen:
                    found.append((pos, 0, at(
                        col, rownum,
                        f"mã đơn vị «{code}» bị trùng: đã có ở {first_seen[key]} và {here}",
                        "mỗi đơn vị chỉ nhập một dòng, với mã riêng")))
                else:
                    first_seen[key] = here

    col = cols.get("ten_don_vi")
    names = _texts(values_of(col)) if col else [""] * n
    if col and "" in names:
        for pos in [p for p, name in enumerate(names) if not name]:
            found.append((pos, 1, at(col, user_rows[pos], "thiếu tên đơn vị", "nhập tên đơn vị")))

    # ---- group and level: decided once per distinct (group, level) pair of cells
    decide = _GroupLevel(plan, cols)
    group_values, level_values = values_of(cols.get("nhom")), values_of(cols.get("cap"))
    pairs = list(zip(_keys(group_values), _keys(level_values)))
    decided = {pair: decide(*raw) for pair, raw in dict(zip(pairs, zip(group_values,
                                                                         level_values))).items()}
    answers = list(map(decided.__getitem__, pairs))
    groups = list(map(itemgetter(0), answers))
    levels = list(map(itemgetter(1), answers))
    missing_level_reported = False
    if any(notes for _, _, notes in decided.values()):
        for pos, (group, _level, notes) in enumerate(answers):
            for note in notes:
                if note is _MISSING_LEVEL:
                    if not missing_level_reported:
                        missing_level_reported = True
                        missing_column("cap", "Cấp", f": nhóm «{group or None}» không có cấp "
                                       "mặc định, cần ghi cấp của từng đơn vị", position=pos)
                    continue
                where, message, hint = note
                found.append((pos, 2, at(cols.get(where) if where != "cap|nhom"
                                         else (cols.get("cap") or cols.get("nhom")),
                                         user_rows[pos], message, hint)))

    # ---- year
    use_year = "nam" in cols and "nam" not in {i.code for i in plan.inputs}
    years: list[int] = []
    if use_year:
        col = cols["nam"]
        year_of: dict = {}
        for pos, value in enumerate(values_of(col)):
            key = _vkey(value)
            answer = year_of.get(key)
            if answer is None:
                answer = year_of[key] = _year_cell(plan, value)
            years.append(answer[0])
            if answer[1] is not None:
                found.append((pos, 3, at(col, user_rows[pos], *answer[1])))

    # ---- inputs
    manual = plan.manual_total if plan.manual_total in {i.code for i in plan.inputs} else None
    exempt = np.zeros(n, dtype=bool)
    if manual is not None:
        exempt = ~blanks_of(cols.get(manual))
        if plan.self_scored:
            exempt |= ~blanks_of(cols.get(manual + APPRAISAL_SUFFIX))
    percent_by_col: dict[int, set[int]] = {}
    for r, c in percent_cells:
        percent_by_col.setdefault(c, set()).add(r)

    def read_column(inp, col: _Col, slot: int, appraisal: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
        """The codec's reading of every cell (NaN where blank or unreadable), and where the
        column is blank (then filled with the input's default). A yes/no column of check marks only (x, ✓) reads a mark as
        «có» and a blank as «không»."""
        values = values_of(col)
        percent = percent_by_col.get(col.index)
        pct_keys: set = set()
        if percent:
            pct = {pos for pos, i in enumerate(kept.tolist()) if i in percent}
            keys = [("%", _vkey(v)) if pos in pct and _is_number(v) else _vkey(v)
                    for pos, v in enumerate(values)]
            pct_keys = {k for k in keys if type(k) is tuple and k[0] == "%"}
        else:
            keys = _keys(values)
        filled = dict(zip(keys, values))
        blank_keys = [k for k, v in filled.items() if is_blank(v)]
        for k in blank_keys:
            del filled[k]
        if (inp.type == "yesno" and not appraisal and filled
                and all(_is_check_mark(v) for v in filled.values())):
            number, bad = dict.fromkeys(filled, 1.0), {}
            number.update(dict.fromkeys(blank_keys, 0.0))
            out = np.fromiter(map(number.__getitem__, keys), dtype=np.float64, count=n)
            return out, np.zeros(n, dtype=bool)  # every cell has its answer
        number, bad = codecs[inp.code].read_many(filled, mode=mode, appraisal=appraisal,
                                                 percent=pct_keys)
        number.update(dict.fromkeys(blank_keys, math.nan))
        out = np.fromiter(map(number.__getitem__, keys), dtype=np.float64, count=n)
        blank = np.isnan(out)  # a cell that reads is never NaN
        if bad:
            for pos, key in enumerate(keys):
                problem = bad.get(key)
                if problem is not None:
                    blank[pos] = False
                    found.append((pos, slot, at(col, user_rows[pos], problem.message,
                                                problem.hint, problem.code)))
        return out, blank

    values: dict[str, np.ndarray] = {}
    appraisals: dict[str, np.ndarray] = {}
    for k, inp in enumerate(plan.inputs):
        col = cols.get(inp.code)
        acol = cols.get(inp.code + APPRAISAL_SUFFIX) if plan.self_scored else None
        if acol is not None:
            appraised, appraisal_blank = read_column(inp, acol, 5 + 2 * k, appraisal=True)
        else:
            appraised, appraisal_blank = np.full(n, math.nan), np.ones(n, dtype=bool)
        if plan.self_scored:
            appraisals[inp.code + APPRAISAL_SUFFIX] = appraised
        if col is None:
            values[inp.code] = np.full(n, math.nan if inp.default is None else float(inp.default))
            continue
        out, blank = read_column(inp, col, 4 + 2 * k)
        if inp.default is not None:
            out[blank] = float(inp.default)
        elif inp.required and not allow_missing:
            gone = blank & ~exempt & appraisal_blank
            for pos in np.flatnonzero(gone).tolist():
                found.append((pos, 4 + 2 * k, at(
                    col, user_rows[pos], f"thiếu giá trị bắt buộc «{inp.label}»",
                    f"nhập {INPUT_TYPES.get(inp.type, 'giá trị')}"
                    + (f" ({inp.unit})" if inp.unit else ""), "thieu_gia_tri")))
        values[inp.code] = out

    if found:
        found.sort(key=lambda item: (item[0], item[1]))
        raise InputError([problem for _, _, problem in found])

    data: dict[str, np.ndarray] = {
        "ma_don_vi": _objects(codes), "ten_don_vi": _objects(names),
        "nhom": _objects(groups), "cap": _objects(levels)}
    if use_year:
        data["nam"] = np.asarray(years, dtype=np.int64)
    data.update(values)
    data.update(appraisals)
    columns = {code: col_ref(col) for code, col in sorted(cols.items(), key=lambda kv: kv[1].index)}
    if not use_year:
        columns.pop("nam", None)
    return UnitTable(data=data, source=source, rows=user_rows, sheet=sheet, columns=columns)


#: A row's group/level note asking for the missing «Cấp» column (reported once).
_MISSING_LEVEL = object()


class _GroupLevel:
    """A row's group and level from its two cells, with the problems they raise.

    Returns ``(group code or "", level code or "", notes)``; a note is
    ``(column code, message, hint)`` («cap|nhom»: the level column, else the
    group's) or :data:`_MISSING_LEVEL`.
    """

    def __init__(self, plan: Plan, cols: dict[str, _Col]):
        self.plan = plan
        self.cols = cols
        self.group_codes = [g.code for g in plan.groups]
        self.level_labels = ", ".join(LEVELS.get(lv, lv) for lv in plan.levels)

    def __call__(self, graw, lraw) -> tuple[str, str, list]:
        plan, cols = self.plan, self.cols
        group_codes, level_labels = self.group_codes, self.level_labels
        notes: list = []
        group: str | None = None
        group_failed = False
        from_level = False
        has_group = "nhom" in cols
        if has_group and not is_blank(graw):
            group = group_code(plan, shown(graw))
            if group is None:
                group_failed = True
                notes.append(("nhom", f"không có nhóm «{shown(graw)}» trong kế hoạch",
                              "dùng một trong các mã nhóm: " + ", ".join(group_codes)))
        elif plan.one_pool:
            group = group_codes[0]
        elif plan.group_from_level:
            from_level = True
        else:
            group_failed = True
            if has_group:
                notes.append(("nhom", "thiếu nhóm", "nhập mã nhóm: " + ", ".join(group_codes)))

        level: str | None = None
        has_level = "cap" in cols
        if has_level and not is_blank(lraw):
            level = level_code(shown(lraw))
            if level is None:
                notes.append(("cap", f"không hiểu cấp «{shown(lraw)}»",
                              f"nhập một trong: {level_labels}"))
                group_failed = group_failed or from_level
            elif level not in plan.levels:
                notes.append(("cap", f"cấp «{shown(lraw)}» không áp dụng trong kế hoạch này",
                              f"kế hoạch chỉ dành cho: {level_labels}"))
                level = None
                group_failed = group_failed or from_level
        else:
            if group is not None and plan.group(group).level:
                level = plan.group(group).level
            elif len(plan.levels) == 1:
                level = plan.levels[0]
            elif group_failed:
                pass  # the group is already reported
            elif has_level:
                notes.append(("cap", "thiếu cấp", f"nhập cấp của đơn vị: {level_labels}"))
                group_failed = from_level
            elif from_level:
                group_failed = True
                if has_group:  # else the missing column is already reported
                    notes.append(("nhom", "thiếu nhóm", "nhập mã nhóm: " + ", ".join(group_codes)
                                  + " (hoặc thêm cột «Cấp»)"))
            else:
                notes.append(_MISSING_LEVEL)
        if from_level and not group_failed and level is not None:
            if level in group_codes:
                group = level
            else:
                notes.append(("cap|nhom",
                              f"kế hoạch không có nhóm cho {LEVELS.get(level, level).lower()}",
                              "nhập cột nhóm, dùng một trong các mã: " + ", ".join(group_codes)))
        return group or "", level or "", notes


def _year_cell(plan: Plan, value) -> tuple[int, tuple[str, str] | None]:
    """(year or 0, problem (message, hint) or None) of a «nam» cell."""
    if is_blank(value):
        year = plan.last_year()
        if year is None:
            return 0, ("thiếu năm", "nhập năm, ví dụ 2024")
        return year, None
    try:
        number = parse_number(value)
    except ValueError:
        number = float("nan")
    if number.is_integer() and 1900 <= number <= 2200:
        return int(number), None
    return 0, (f"năm «{shown(value)}» không hợp lệ", "nhập năm bằng 4 chữ số, ví dụ 2024")


def columns_of(rows: list[list], indices: list[int]) -> dict[int, list]:
    """The cells of each column ``indices`` over every row (None past a short row's end).
    Rows that know their columns (``columns(indices)``: a csv file's cells, an open
    workbook's sheet in the add-in) give them."""
    columns = getattr(rows, "columns", None)
    if columns is not None:
        return columns(indices)
    if not indices or not rows:
        return {i: [] for i in indices}
    width = max(indices) + 1
    if min(map(len, rows)) < width:
        rows = [r if len(r) >= width else list(r) + [None] * (width - len(r)) for r in rows]
    return {i: list(map(itemgetter(i), rows)) for i in indices}


def _blank_mask(values) -> np.ndarray:
    """True where a cell is blank (each distinct value checked once; text by ``str.strip``,
    which removes exactly the spaces :func:`thidua.text.is_blank` ignores)."""
    if _all_text(values):
        return np.fromiter(map(not_, map(str.strip, values)), dtype=bool, count=len(values))
    blank = {v for v in set(values) if is_blank(v)}
    if not blank:
        return np.zeros(len(values), dtype=bool)
    return np.fromiter(map(blank.__contains__, values), dtype=bool, count=len(values))


def _vkey(value):
    """A dictionary key telling apart what reads differently (1, 1.0, True; 0.0, -0.0)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float and value == 0.0:
        return (kind, value, math.copysign(1.0, value))
    return (kind, value)


def _keys(values) -> list:
    """:func:`_vkey` of each value. A column of one kind of value is its own keys: text;
    whole numbers; fractions, unless a zero is among them (0.0 and -0.0 are equal)."""
    if type(values) is _TextColumn:
        return values
    kinds = set(map(type, values))
    if kinds <= {str} or kinds == {int} or (kinds == {float} and 0.0 not in values):
        return values
    return list(map(_vkey, values))


class _TextColumn(list):
    """A column of a csv file: only text, already NFC (the whole text was normalised)."""


def _all_text(values) -> bool:
    """Every cell is text (a type check, not a loop in Python)."""
    return type(values) is _TextColumn or set(map(type, values)) <= {str}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _texts(values) -> list[str]:
    """Text cells as :func:`_text` gives them (text already NFC only stripped; a csv
    file's cells are: its whole text was normalised)."""
    if type(values) is _TextColumn or (
            _all_text(values) and unicodedata.is_normalized("NFC", "\n".join(values))):
        return list(map(str.strip, values))  # pieces of an NFC text joined by «\n» are NFC
    return [v.strip() if type(v) is str and v.isascii() else _text(v) for v in values]


def _objects(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


# ------------------------------------------------------------------ files
def _cannot_open(source: str, name: str, reason: str, hint: str = "") -> InputError:
    return InputError([Problem(f"không mở được tệp «{name}»: {reason}", file=source, hint=hint)])


def check_table_path(path, save_hint: str) -> tuple[str, str, str, Path]:
    """(source, name, extension, path) of a .csv/.xlsx/.xlsm file to read, or an InputError.

    ``save_hint`` tells the user how to save the file in a readable format.
    """
    source = str(path)
    p = Path(path)
    name = p.name or source
    ext = p.suffix.lower()
    if ext not in (".csv", ".xlsx", ".xlsm"):
        hint = save_hint
        if ext == ".xls":
            hint = ("tệp .xls là định dạng Excel cũ: mở bằng Excel rồi chọn Lưu thành → "
                    "«Excel Workbook (*.xlsx)»")
        shown_ext = f"«{ext}»" if ext else "không có phần mở rộng"
        raise _cannot_open(source, name, f"chỉ đọc được tệp .csv hoặc .xlsx (tệp này {shown_ext})",
                           hint)
    if not p.exists():
        raise _cannot_open(source, name, "không tìm thấy tệp",
                           "kiểm tra lại đường dẫn và tên tệp")
    if p.is_dir():
        raise _cannot_open(source, name, "đây là thư mục, không phải tệp")
    return source, name, ext, p


def read_units(path, plan: Plan, *, allow_missing: bool = False, mode: str = TABLE,
               percent_formats: bool = True) -> UnitTable:
    """Read the unit table ``path`` (.csv, .xlsx or .xlsm) for ``plan``.

    From a workbook the sheet named "Dữ liệu" is read if there is one, else the
    first sheet. The header is the first non-blank row (a title line above it
    is skipped when the real header is found just below). ``mode`` and
    ``percent_formats``: how cells are read (``thidua.codecs``; a master is read
    as its formulas read it: ``CELL``, without number formats). Raises
    :class:`InputError` with every problem found.
    """
    source, name, ext, p = check_table_path(
        path, "lưu bảng số liệu dạng .xlsx (Excel Workbook) hoặc .csv (CSV UTF-8)")
    if ext == ".csv":
        text = _csv_text(p, source, name)
        fast = _csv_columns(text, plan)
        if fast is not None:  # no quoted field, every line the same width: read by columns
            head, header, body = fast
            return parse_rows(header, body, plan, source=source, first_row=head + 2,
                              allow_missing=allow_missing, mode=mode)
        records, numbers = _read_csv(p, source, name, text)
        sheet = ""
        percent: set[tuple[int, int]] = set()
    else:
        sheet, records, percent = _read_xlsx(p, source, name)
        numbers = list(range(1, len(records) + 1))

    head = _find_header(records, plan)
    if head is None:
        raise InputError([Problem(
            f"tệp «{name}» trống: không có dòng tiêu đề và số liệu",
            file=source, sheet=sheet,
            hint="dòng đầu tiên phải là tiêu đề cột (ma_don_vi, ten_don_vi, …), "
                 "mỗi dòng tiếp theo là một đơn vị")])
    body = records[head + 1:]
    body_numbers = numbers[head + 1:]
    body_percent = {(r - head - 1, c) for r, c in percent if r > head} if percent_formats else set()
    return parse_rows(
        list(records[head]), body, plan,
        source=source, sheet=sheet, first_row=numbers[head] + 1,
        percent_cells=body_percent, row_numbers=body_numbers, allow_missing=allow_missing,
        mode=mode,
    )


def _csv_text(p: Path, source: str, name: str) -> str:
    """The text of a csv file (UTF-8, UTF-16 or the Vietnamese Windows code page), NFC."""
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise _cannot_open(source, name, _os_reason(exc)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1258")  # Vietnamese Windows code page
            except UnicodeDecodeError:
                text = None
    if text is None:
        raise _cannot_open(
            source, name, "không đọc được bảng mã chữ của tệp (không phải UTF-8)",
            "trong Excel chọn Lưu thành → «CSV UTF-8 (Comma delimited) (*.csv)»")
    return nfc(text)


class _Columnar:
    """Rows of equal width held as one flat list of cells, read column by column."""

    def __init__(self, cells: list[str], width: int):
        self.cells, self.width = cells, width

    def __len__(self) -> int:
        return len(self.cells) // self.width

    def columns(self, indices: list[int]) -> dict[int, list]:
        return {i: _TextColumn(self.cells[i::self.width]) if i < self.width
                else [None] * len(self) for i in indices}


def _csv_columns(text: str, plan: Plan) -> tuple[int, list[str], _Columnar] | None:
    """(header index, header, body by columns) of a csv text that has no quoted field and
    the same number of fields on every line below its header — what ``csv`` reads from
    it, without a list per row; None for any other text (read by ``csv``)."""
    if '"' in text or "\x00" in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line
    delimiter = _delimiter(text)
    head = _find_header((line.split(delimiter) if line else [] for line in lines), plan)
    if head is None or head + 1 >= len(lines):
        return None
    body = lines[head + 1:]
    commas = body[0].count(delimiter)
    if (commas < 1 or set(map(methodcaller("count", delimiter), body)) != {commas}
            or max(map(len, lines)) > csv.field_size_limit()):
        return None
    return head, lines[head].split(delimiter), _Columnar(
        delimiter.join(body).split(delimiter), commas + 1)


def _read_csv(p: Path, source: str, name: str, text: str | None = None
              ) -> tuple[list[list[str]], list[int]]:
    """All records of a csv file as strings, with the line each record starts on."""
    if text is None:
        text = _csv_text(p, source, name)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        if '"' not in text:  # no quoted field: one record per line
            records = list(reader)
            return records, list(range(1, len(records) + 1))
        records = []
        numbers: list[int] = []
        last = 0
        for record in reader:
            records.append(record)
            numbers.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        raise _cannot_open(source, name, f"tệp CSV sai định dạng ở dòng {reader.line_num} ({exc})",
                           "mở tệp bằng Excel rồi lưu lại dạng «CSV UTF-8»") from None
    return records, numbers


def _delimiter(text: str) -> str:
    """``,`` or ``;`` (or tab): whichever splits the header line into most fields."""
    lines = text[:65536].splitlines()
    if len(text) > 65536 and not any(line.strip() for line in lines[:-1]):
        lines = text.splitlines()  # no whole non-blank line in the first 64 KB
    for line in lines:
        if line.strip():
            best, best_count = ",", 0
            for candidate in (",", ";", "\t"):
                try:
                    fields = next(csv.reader([line], delimiter=candidate), [])
                except csv.Error:
                    continue
                if len(fields) > best_count:
                    best, best_count = candidate, len(fields)
            return best
    return ","


def _read_xlsx(p: Path, source: str, name: str) -> tuple[str, list[list], set[tuple[int, int]]]:
    """(sheet name, all rows of values from row 1, percent-formatted numeric cells)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except OSError as exc:
        raise _cannot_open(source, name, _os_reason(exc)) from None
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise _cannot_open(
            source, name,
            f"tệp không phải bảng tính Excel hợp lệ hoặc đã bị hỏng ({type(exc).__name__}: {exc})",
            "mở tệp bằng Excel kiểm tra, rồi lưu lại dạng .xlsx") from None
    try:
        sheets = list(wb.worksheets)
        if not sheets:
            raise _cannot_open(source, name, "tệp không có trang tính nào")
        ws = next((s for s in sheets if fold(s.title) == fold(DATA_SHEET)), sheets[0])
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # do not trust the stored dimension of the sheet
        records: list[list] = []
        percent: set[tuple[int, int]] = set()
        try:
            for r, row in enumerate(ws.iter_rows()):
                values = []
                for c, cell in enumerate(row):
                    value = cell.value
                    if isinstance(value, str):
                        value = nfc(value)
                    elif isinstance(value, (int, float)) and not isinstance(value, bool):
                        fmt = getattr(cell, "number_format", None) or ""
                        if "%" in fmt:
                            percent.add((r, c))
                    values.append(value)
                records.append(values)
        except Exception as exc:  # damaged sheet XML
            raise _cannot_open(
                source, name, f"trang «{ws.title}» bị hỏng ({type(exc).__name__}: {exc})",
                "mở tệp bằng Excel kiểm tra, rồi lưu lại dạng .xlsx") from None
        return ws.title, records, percent
    finally:
        wb.close()


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp (tệp có thể đang mở trong chương trình khác)"
    if isinstance(exc, FileNotFoundError):
        return "không tìm thấy tệp"
    return f"lỗi đọc tệp ({exc.strerror or exc})"
