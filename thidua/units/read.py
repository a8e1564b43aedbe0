"""Reading a unit list back: ``read_unit_list``."""
from __future__ import annotations

import os
from pathlib import Path

from thidua.errors import InputError, Problem
from thidua.plan.model import LEVELS, Plan
from thidua.codecs import shown as _shown
from thidua.table import _find_header, _key, _level_code, _read_csv, _read_xlsx, check_table_path
from thidua.text import is_blank
from thidua.units.unit import (_ALIASES, _BAD_CHARS, _RESERVED, _SPACES, UNIT_LIST_COLUMNS, Unit,
                               _optional_group)


# ================================================================== reading
def _clean(value) -> str:
    """A text cell: NFC, spaces squeezed and stripped; numbers as the user sees them."""
    return _SPACES.sub(" ", _shown(value)).strip()


def _header_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for code in UNIT_LIST_COLUMNS:
        keys.setdefault(_key(code), code)
    for code, label in UNIT_LIST_COLUMNS.items():
        keys.setdefault(_key(label), code)
        for alias in _ALIASES.get(code, []):
            keys.setdefault(_key(alias), code)
    return keys


def _file_name_problem(code: str) -> tuple[str, str] | None:
    """(message, hint) when ``code`` cannot be used as (part of) a file name."""
    bad = [ch for ch in dict.fromkeys(code) if ch in _BAD_CHARS or ord(ch) < 32]
    if bad:
        shown = " ".join(ch if ord(ch) >= 32 else f"(mã {ord(ch)})" for ch in bad)
        return (f"mã đơn vị «{code}» có ký tự không dùng được trong tên tệp: {shown}",
                "bỏ các ký tự / \\ : * ? \" < > | khỏi mã; nên chỉ dùng chữ, số, "
                "dấu gạch ngang (-) hoặc gạch dưới (_)")
    if code.split(".")[0].strip().lower() in _RESERVED:
        return (f"mã đơn vị «{code}» trùng với tên Windows dành riêng, không đặt được tên tệp",
                f"thêm chữ hoặc số vào mã, ví dụ «{code}1» hoặc «DV_{code}»")
    if code.endswith("."):
        return (f"mã đơn vị «{code}» kết thúc bằng dấu chấm, không dùng được trong tên tệp",
                "bỏ dấu chấm ở cuối mã")
    return None


def _load(path) -> tuple[str, str, list[list], list[int]]:
    """(source, sheet, records, row numbers) of a .csv or .xlsx file."""
    source, name, ext, p = check_table_path(
        path, "lưu danh sách đơn vị dạng .xlsx (Excel Workbook) hoặc .csv (CSV UTF-8)")
    if ext == ".csv":
        records, numbers = _read_csv(p, source, name)
        return source, "", records, numbers
    sheet, records, _percent = _read_xlsx(p, source, name)
    return source, sheet, records, list(range(1, len(records) + 1))


def read_unit_list(path: str | os.PathLike, plan: Plan) -> list[Unit]:
    """Read the unit list ``path`` (.xlsx/.xlsm or .csv) for ``plan``.

    From a workbook the sheet «Dữ liệu» is read if there is one, else the first
    sheet (the form's «Danh sách đơn vị»). The header is the first row holding
    «Mã đơn vị» or «Tên đơn vị» (a title above it is skipped); other columns
    and blank rows are ignored. Raises :class:`InputError` with every problem.
    """
    from openpyxl.utils import get_column_letter

    source, sheet, records, numbers = _load(path)
    xlsx = bool(sheet)
    name = Path(source).name or source

    head = _find_header(records, plan)
    if head is None:
        raise InputError([Problem(
            f"tệp «{name}» trống: không có dòng tiêu đề và danh sách đơn vị",
            file=source, sheet=sheet,
            hint="dòng tiêu đề gồm các cột «Mã đơn vị», «Tên đơn vị», «Nhóm», «Cấp»; "
                 "mỗi dòng tiếp theo là một đơn vị")])
    header_row = numbers[head]
    problems: list[Problem] = []

    # ---- columns
    keys = _header_keys()
    cols: dict[str, int] = {}
    typed: dict[str, str] = {}

    def ref(index: int) -> str:
        return get_column_letter(index + 1) if xlsx else f"thứ {index + 1}"

    for index, raw in enumerate(records[head]):
        if is_blank(raw):
            continue
        code = keys.get(_key(_clean(raw)))
        if code is None:
            continue  # other columns are ignored
        if code in cols:
            problems.append(Problem(
                f"có hai cột cùng là «{UNIT_LIST_COLUMNS[code]}» ({code}): "
                f"cột {ref(cols[code])} và cột {ref(index)}",
                file=source, sheet=sheet, row=header_row, column=_clean(raw),
                hint="xóa hoặc đổi tên một trong hai cột"))
            continue
        cols[code] = index
        typed[code] = _clean(raw)

    def whole(message: str, hint: str = "") -> Problem:
        return Problem(message, file=source, sheet=sheet, hint=hint)

    def missing(code: str, why: str = "") -> None:
        label = UNIT_LIST_COLUMNS[code]
        problems.append(whole(
            f"thiếu cột «{label}» ({code}){why}",
            f"thêm cột có tiêu đề «{label}» vào dòng tiêu đề (dòng {header_row})"))

    for code in ("ma_don_vi", "ten_don_vi"):
        if code not in cols:
            missing(code)
    if "nhom" not in cols and not _optional_group(plan):
        missing("nhom")
    if "cap" not in cols and plan.group_from_level and len(plan.levels) > 1:
        missing("cap", ": kế hoạch xếp nhóm theo cấp của đơn vị")
    if problems and not ({"ma_don_vi", "ten_don_vi"} & set(cols)):
        raise InputError(problems)

    # ---- body: skip a line of column codes right under the header, and blank rows
    body = list(range(head + 1, len(records)))
    if body:
        nxt = records[body[0]]
        matched = [code for code, index in cols.items()
                   if index < len(nxt) and not is_blank(nxt[index])
                   and keys.get(_key(_clean(nxt[index]))) == code]
        filled = [v for i, v in enumerate(nxt) if i in cols.values() and not is_blank(v)]
        if len(matched) >= 2 and len(matched) == len(filled):
            body = body[1:]

    def cell(r: int, code: str):
        index = cols.get(code)
        row = records[r]
        if index is None or index >= len(row):
            return None
        return row[index]

    kept = [r for r in body if not all(is_blank(cell(r, code)) for code in cols)]
    if not kept:
        problems.append(whole(
            "danh sách không có đơn vị nào (không có dòng nào dưới dòng tiêu đề)",
            f"mỗi đơn vị nhập trên một dòng, dưới dòng tiêu đề (dòng {header_row})"))
        raise InputError(problems)

    def place(code: str, rownum: int) -> str:
        return f"ô {ref(cols[code])}{rownum}" if xlsx else f"dòng {rownum}"

    def at(code: str, rownum: int, message: str, hint: str) -> Problem:
        index = cols.get(code)
        cell_ref = f"{ref(index)}{rownum}" if (xlsx and index is not None) else ""
        return Problem(message, file=source, sheet=sheet, cell=cell_ref, row=rownum,
                       column=typed.get(code, ""), hint=hint)

    group_keys: dict[str, str] = {}
    for g in plan.groups:
        group_keys.setdefault(_key(g.code), g.code)
    for g in plan.groups:
        group_keys.setdefault(_key(g.label), g.code)
    group_list = ", ".join(f"«{g.label}» (mã {g.code})" for g in plan.groups)
    level_list = ", ".join(f"«{LEVELS[lv]}»" for lv in plan.levels)

    units: list[Unit] = []
    first_seen: dict[str, str] = {}
    missing_level_reported = False
    for r in kept:
        rownum = numbers[r]

        # -- code
        code = _clean(cell(r, "ma_don_vi"))
        if "ma_don_vi" in cols and not code:
            problems.append(at("ma_don_vi", rownum, "thiếu mã đơn vị",
                               "nhập mã riêng cho đơn vị, ví dụ XA01"))
        elif code:
            key = _key(code)
            here = place("ma_don_vi", rownum)
            if key in first_seen:
                problems.append(at("ma_don_vi", rownum,
                                   f"mã đơn vị «{code}» bị trùng: {first_seen[key]} và {here}",
                                   "mỗi đơn vị chỉ nhập một dòng, với mã riêng "
                                   "(mã không phân biệt chữ hoa, chữ thường)"))
            else:
                first_seen[key] = here
            bad = _file_name_problem(code)
            if bad:
                problems.append(at("ma_don_vi", rownum, *bad))

        # -- name
        unit_name = _clean(cell(r, "ten_don_vi"))
        if "ten_don_vi" in cols and not unit_name:
            problems.append(at("ten_don_vi", rownum, "thiếu tên đơn vị",
                               "nhập tên đầy đủ của đơn vị"))

        # -- level (read first: a plan may derive the group from it)
        level: str | None = None
        level_failed = False
        raw = cell(r, "cap")
        if not is_blank(raw):
            shown = _clean(raw)
            level = _level_code(shown)
            if level is None:
                problems.append(at("cap", rownum, f"không hiểu cấp «{shown}»",
                                   f"chọn một trong: {level_list}"))
                level_failed = True
            elif level not in plan.levels:
                problems.append(at("cap", rownum,
                                   f"cấp «{shown}» không áp dụng trong kế hoạch này",
                                   f"kế hoạch chỉ dành cho: {level_list}"))
                level, level_failed = None, True

        if level is None and not level_failed and len(plan.levels) == 1:
            level = plan.levels[0]

        # -- group
        group: str | None = None
        raw = cell(r, "nhom")
        if not is_blank(raw):
            shown = _clean(raw)
            group = group_keys.get(_key(shown))
            if group is None:
                problems.append(at("nhom", rownum, f"không có nhóm «{shown}» trong kế hoạch",
                                   f"chọn một trong: {group_list}"))
        elif plan.one_pool:
            group = plan.groups[0].code
        elif plan.group_from_level:
            if level is not None:
                if level in {g.code for g in plan.groups}:
                    group = level
                else:
                    problems.append(at("nhom" if "nhom" in cols else "cap", rownum,
                                       f"kế hoạch không có nhóm cho {LEVELS[level].lower()}",
                                       f"chọn nhóm, một trong: {group_list}"))
            elif not level_failed and "cap" in cols:  # else the missing column is reported
                if "nhom" in cols:
                    problems.append(at("nhom", rownum, "thiếu nhóm và cấp",
                                       f"chọn cấp ({level_list}) hoặc nhóm ({group_list})"))
                else:
                    problems.append(at("cap", rownum, "thiếu cấp",
                                       f"chọn một trong: {level_list}"))
                level_failed = True
        elif "nhom" in cols:
            problems.append(at("nhom", rownum, "thiếu nhóm", f"chọn một trong: {group_list}"))

        # -- blank level: the group's, or the plan's only level
        if level is None and not level_failed:
            if group is not None and plan.group(group).level:
                level = plan.group(group).level
            elif len(plan.levels) == 1:
                level = plan.levels[0]
            elif group is None and not plan.one_pool:
                pass  # the group is already reported
            elif "cap" in cols:
                problems.append(at("cap", rownum, "thiếu cấp",
                                   f"chọn cấp của đơn vị, một trong: {level_list}"))
            elif not missing_level_reported:
                missing_level_reported = True
                missing("cap", f": nhóm «{plan.group(group).label}» không có cấp mặc định, "
                               "cần ghi cấp của từng đơn vị")

        units.append(Unit(code=code, name=unit_name, group=group or "", level=level or "",
                          email=_clean(cell(r, "email")), note=_clean(cell(r, "ghi_chu")),
                          row=rownum))

    if problems:
        raise InputError(problems)
    return units
