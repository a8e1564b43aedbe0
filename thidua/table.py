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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from thidua.codecs import TABLE, ValueProblem, codec, group_code, level_code, shown
from thidua.errors import InputError, Problem
from thidua.plan.model import APPRAISAL_SUFFIX, INPUT_TYPES, LEVELS, Plan
from thidua.text import fold, is_blank, nfc, parse_number

__all__ = ["UnitTable", "read_units", "parse_rows", "UNIT_COLUMNS", "YEAR_COLUMN", "DATA_SHEET"]

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
    """The units of a table, checked and converted for one plan."""

    frame: pd.DataFrame  # one row per unit, in file order, default RangeIndex
    source: str  # file name as given
    rows: list[int] = field(default_factory=list)  # row number the user sees, per frame row
    sheet: str = ""  # xlsx sheet read ("" for csv)
    columns: dict[str, str] = field(default_factory=dict)  # code -> column letter / header

    def __len__(self) -> int:
        return len(self.frame)

    def where(self, index: int, code: str | None = None) -> str:
        """Where frame row ``index`` (and column ``code``) is, in Vietnamese."""
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
    return UnitTable(frame=frame, source=source, rows=user_rows, sheet=sheet, columns=columns)


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
        records, numbers = _read_csv(p, source, name)
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
        list(records[head]), [list(r) for r in body], plan,
        source=source, sheet=sheet, first_row=numbers[head] + 1,
        percent_cells=body_percent, row_numbers=body_numbers, allow_missing=allow_missing,
        mode=mode,
    )


def _read_csv(p: Path, source: str, name: str) -> tuple[list[list[str]], list[int]]:
    """All records of a csv file as strings, with the line each record starts on."""
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
    text = nfc(text)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    numbers: list[int] = []
    last = 0
    try:
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
    for line in text.splitlines():
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
