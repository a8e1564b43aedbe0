"""Today's row-by-row table parse, kept as the oracle the column-wise parse is tested against.

A verbatim copy of ``thidua.table.parse_rows`` before it was made column-wise
(``reference_parse_rows``); ``tests/test_table_columnwise.py`` checks that the
new parse gives the same frame, rows, columns and problems (same messages,
cells, order) on generated tables.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from thidua.codecs import TABLE, ValueProblem, codec, group_code, level_code, shown
from thidua.errors import InputError, Problem
from thidua.plan.model import APPRAISAL_SUFFIX, INPUT_TYPES, LEVELS, Plan
from thidua.table import (UNIT_COLUMNS, _Col, _header_keys, _is_check_mark, _key, _label,
                          _text)
from thidua.text import is_blank, parse_number

_level_code = level_code


class ReferenceTable:
    def __init__(self, frame, source, rows, sheet, columns):
        self.frame, self.source, self.rows, self.sheet, self.columns = (
            frame, source, rows, sheet, columns)


def reference_parse_rows(
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
) -> ReferenceTable:
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

    Raises :class:`InputError` with every problem found.
    """
    percent_cells = percent_cells or set()
    codecs = {inp.code: codec(inp) for inp in plan.inputs}
    xlsx = bool(sheet)
    problems: list[Problem] = []
    header_row = first_row - 1

    def col_ref(col: _Col) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(col.index + 1) if xlsx else col.header

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
            problems.append(Problem(
                f"có hai cột cùng là «{_label(plan, code)}» ({code}): {both}",
                file=source, sheet=sheet, row=header_row, column=col.header,
                hint="xóa hoặc đổi tên một trong hai cột"))
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

    def missing_column(code: str, label: str, why: str = "") -> None:
        problems.append(whole(
            f"thiếu cột «{label}» ({code}){why}",
            f"thêm cột có tiêu đề «{code}» hoặc «{label}» vào dòng tiêu đề"))

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

    # ---- which rows hold data
    known = sorted(cols.values(), key=lambda c: c.index)

    def cell(raw_row: list, col: _Col | None):
        if col is None or col.index >= len(raw_row):
            return None
        return raw_row[col.index]

    kept: list[int] = [
        i for i, raw_row in enumerate(rows)
        if not all(is_blank(cell(raw_row, c)) for c in known)
    ]

    def rownum_of(i: int) -> int:
        return row_numbers[i] if row_numbers is not None else first_row + i

    if not kept and not problems:
        problems.append(whole(
            "bảng không có đơn vị nào (không có dòng số liệu dưới dòng tiêu đề)",
            "mỗi đơn vị nhập trên một dòng, dưới dòng tiêu đề"))

    # checkbox-style yes/no columns: only x marks, so blank means "không"
    checkbox: set[str] = set()
    for inp in plan.inputs:
        col = cols.get(inp.code)
        if inp.type != "yesno" or col is None:
            continue
        values = [cell(rows[i], col) for i in kept]
        filled = [v for v in values if not is_blank(v)]
        if filled and all(_is_check_mark(v) for v in filled):
            checkbox.add(inp.code)

    manual = plan.manual_total if plan.manual_total in {i.code for i in plan.inputs} else None
    group_codes = [g.code for g in plan.groups]
    level_labels = ", ".join(LEVELS.get(lv, lv) for lv in plan.levels)
    use_year = "nam" in cols and "nam" not in {i.code for i in plan.inputs}

    data: dict[str, list] = {"ma_don_vi": [], "ten_don_vi": [], "nhom": [], "cap": []}
    years: list[int] = []
    values: dict[str, list[float]] = {inp.code: [] for inp in plan.inputs}
    appraisals: dict[str, list[float]] = (
        {inp.code + APPRAISAL_SUFFIX: [] for inp in plan.inputs} if plan.self_scored else {})
    user_rows: list[int] = []
    first_seen: dict[str, tuple[int, str]] = {}
    missing_level_reported = False

    for i in kept:
        raw_row = rows[i]
        rownum = rownum_of(i)
        user_rows.append(rownum)

        # -- code and name
        col = cols.get("ma_don_vi")
        code = _text(cell(raw_row, col)) if col else ""
        if col and not code:
            problems.append(at(col, rownum, "thiếu mã đơn vị",
                               "nhập mã đơn vị (mỗi đơn vị một mã riêng)"))
        elif code:
            key = _key(code)
            here = f"ô {col_ref(col)}{rownum}" if xlsx else f"dòng {rownum}"
            if key in first_seen:
                _first_row, first_where = first_seen[key]
                problems.append(at(col, rownum,
                                   f"mã đơn vị «{code}» bị trùng: đã có ở {first_where} và {here}",
                                   "mỗi đơn vị chỉ nhập một dòng, với mã riêng"))
            else:
                first_seen[key] = (rownum, here)
        data["ma_don_vi"].append(code)

        col = cols.get("ten_don_vi")
        name = _text(cell(raw_row, col)) if col else ""
        if col and not name:
            problems.append(at(col, rownum, "thiếu tên đơn vị", "nhập tên đơn vị"))
        data["ten_don_vi"].append(name)

        # -- group and level
        group: str | None = None
        group_failed = False
        from_level = False
        col = cols.get("nhom")
        raw = cell(raw_row, col)
        if col is not None and not is_blank(raw):
            group = group_code(plan, shown(raw))
            if group is None:
                group_failed = True
                problems.append(at(col, rownum,
                                   f"không có nhóm «{shown(raw)}» trong kế hoạch",
                                   "dùng một trong các mã nhóm: " + ", ".join(group_codes)))
        elif plan.one_pool:
            group = group_codes[0]
        elif plan.group_from_level:
            from_level = True
        else:
            group_failed = True
            if col is not None:
                problems.append(at(col, rownum, "thiếu nhóm",
                                   "nhập mã nhóm: " + ", ".join(group_codes)))

        level: str | None = None
        col = cols.get("cap")
        raw = cell(raw_row, col)
        if col is not None and not is_blank(raw):
            level = _level_code(shown(raw))
            if level is None:
                problems.append(at(col, rownum, f"không hiểu cấp «{shown(raw)}»",
                                   f"nhập một trong: {level_labels}"))
                group_failed = group_failed or from_level
            elif level not in plan.levels:
                problems.append(at(col, rownum,
                                   f"cấp «{shown(raw)}» không áp dụng trong kế hoạch này",
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
            elif col is not None:
                problems.append(at(col, rownum, "thiếu cấp",
                                   f"nhập cấp của đơn vị: {level_labels}"))
                group_failed = from_level
            elif from_level:
                group_failed = True
                if "nhom" in cols:  # else the missing column is already reported
                    problems.append(at(cols["nhom"], rownum, "thiếu nhóm",
                                       "nhập mã nhóm: " + ", ".join(group_codes)
                                       + " (hoặc thêm cột «Cấp»)"))
            elif not missing_level_reported:
                missing_level_reported = True
                missing_column("cap", "Cấp", f": nhóm «{group}» không có cấp mặc định, "
                               "cần ghi cấp của từng đơn vị")
        if from_level and not group_failed and level is not None:
            if level in group_codes:
                group = level
            else:
                problems.append(at(cols.get("cap") or cols.get("nhom"), rownum,
                                   f"kế hoạch không có nhóm cho {LEVELS.get(level, level).lower()}",
                                   "nhập cột nhóm, dùng một trong các mã: "
                                   + ", ".join(group_codes)))
        data["nhom"].append(group or "")
        data["cap"].append(level or "")

        # -- year
        if use_year:
            col = cols["nam"]
            raw = cell(raw_row, col)
            year = None
            if is_blank(raw):
                year = plan.last_year()
                if year is None:
                    problems.append(at(col, rownum, "thiếu năm", "nhập năm, ví dụ 2024"))
            else:
                try:
                    number = parse_number(raw)
                except ValueError:
                    number = float("nan")
                if number.is_integer() and 1900 <= number <= 2200:
                    year = int(number)
                else:
                    problems.append(at(col, rownum, f"năm «{shown(raw)}» không hợp lệ",
                                       "nhập năm bằng 4 chữ số, ví dụ 2024"))
            years.append(year if year is not None else 0)

        # -- inputs
        exempt = False
        if manual is not None:
            exempt = not is_blank(cell(raw_row, cols.get(manual))) or (
                plan.self_scored
                and not is_blank(cell(raw_row, cols.get(manual + APPRAISAL_SUFFIX))))
        for inp in plan.inputs:
            col = cols.get(inp.code)
            acol = cols.get(inp.code + APPRAISAL_SUFFIX) if plan.self_scored else None
            raw = cell(raw_row, col)
            araw = cell(raw_row, acol)
            value = math.nan
            if col is not None and not is_blank(raw) and inp.code in checkbox:
                value = 1.0  # a column of check marks (x, ✓): a mark is «có», blank «không»
            elif col is not None and not is_blank(raw):
                try:
                    value = codecs[inp.code].read(raw, mode=mode,
                                                  percent_format=(i, col.index) in percent_cells)
                except ValueProblem as bad:
                    problems.append(at(col, rownum, bad.message, bad.hint, bad.code))
            elif col is not None and inp.code in checkbox:
                value = 0.0
            elif inp.default is not None:
                value = float(inp.default)
            elif (inp.required and col is not None and not exempt and not allow_missing
                  and (acol is None or is_blank(araw))):
                problems.append(at(col, rownum, f"thiếu giá trị bắt buộc «{inp.label}»",
                                   f"nhập {INPUT_TYPES.get(inp.type, 'giá trị')}"
                                   + (f" ({inp.unit})" if inp.unit else ""), "thieu_gia_tri"))
            values[inp.code].append(value)
            if plan.self_scored:
                avalue = math.nan
                if acol is not None and not is_blank(araw):
                    try:
                        avalue = codecs[inp.code].read(
                            araw, mode=mode, percent_format=(i, acol.index) in percent_cells,
                            appraisal=True)
                    except ValueProblem as bad:
                        problems.append(at(acol, rownum, bad.message, bad.hint, bad.code))
                appraisals[inp.code + APPRAISAL_SUFFIX].append(avalue)

    if problems:
        raise InputError(problems)

    n = len(user_rows)
    frame = pd.DataFrame(
        {code: pd.Series(data[code], dtype=object) for code in ("ma_don_vi", "ten_don_vi", "nhom", "cap")},
        index=pd.RangeIndex(n),
    )
    if use_year:
        frame["nam"] = np.asarray(years, dtype=np.int64)
    for code, vals in values.items():
        frame[code] = np.asarray(vals, dtype=np.float64)
    for code, vals in appraisals.items():
        frame[code] = np.asarray(vals, dtype=np.float64)

    columns = {code: col_ref(col) for code, col in sorted(cols.items(), key=lambda kv: kv[1].index)}
    if not use_year:
        columns.pop("nam", None)
    return ReferenceTable(frame=frame, source=source, rows=user_rows, sheet=sheet, columns=columns)
