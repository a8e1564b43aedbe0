"""The list of units (danh sách đơn vị) taking part in a campaign.

``write_units_template(plan, path)`` writes an ``.xlsx`` form an office fills
with its units: code, name, group, level, e-mail and a note, with drop-down
lists for the group and the level (read from a hidden sheet through workbook
names, so labels holding commas are safe) and a sheet explaining each column.

``read_unit_list(path, plan)`` reads such a list back, from the filled form or
from any ``.csv``/``.xlsx`` with the same columns (the unit figures tables of
:mod:`thidua.table` qualify: their first four columns are the same). Headers,
groups and levels are matched tolerantly (codes or Vietnamese labels; case,
accents, NFC/NFD and spaces do not matter). Every problem is collected and
raised together in one :class:`~thidua.errors.InputError`, each naming the
file, sheet and cell and saying what to do.

The template has a single header row: :func:`thidua.table.read_units` reads
the first row holding a unit column as the header and every row below it as a
unit, so a second header line of machine codes would be read as a unit. The
column codes are listed on the «Hướng dẫn» sheet instead; a code line right
under the header is nevertheless skipped when reading, should someone add one.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from thidua import fileio
from thidua.errors import InputError, Problem
from thidua.plan.model import LEVELS, Plan
from thidua.table import (
    check_table_path,
    UNIT_COLUMNS,
    _find_header,
    _key,
    _level_code,
    _read_csv,
    _read_xlsx,
)
from thidua.codecs import shown as _shown
from thidua.text import is_blank, nfc

__all__ = [
    "Unit",
    "read_unit_list",
    "write_units_template",
    "UNIT_LIST_COLUMNS",
    "SHEET_UNITS",
    "SHEET_GUIDE",
    "SHEET_LISTS",
    "TEMPLATE_ROWS",
]

#: Columns of a unit list, in template order (code → Vietnamese header).
UNIT_LIST_COLUMNS: dict[str, str] = {
    **UNIT_COLUMNS,
    "email": "Email",
    "ghi_chu": "Ghi chú",
}
#: Further headers accepted for the optional columns.
_ALIASES: dict[str, list[str]] = {
    "email": ["E-mail", "Thư điện tử", "Địa chỉ email", "Địa chỉ thư điện tử"],
    "ghi_chu": [],
}

SHEET_UNITS = "Danh sách đơn vị"
FONT = "Calibri"  # named in every font
SHEET_GUIDE = "Hướng dẫn"
SHEET_LISTS = "Danh mục"
TEMPLATE_ROWS = 200  # empty, formatted rows offered for units
_NAME_GROUPS = "DS_NHOM"
_NAME_LEVELS = "DS_CAP"
_TITLE_ROW, _NOTE_ROW, _HEADER_ROW = 1, 2, 3
_FIRST_DATA_ROW = _HEADER_ROW + 1

#: Characters Windows (and so an office's shared folder) refuses in a file name.
_BAD_CHARS = '/\\:*?"<>|'
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass
class Unit:
    """One unit of the list, as read and checked."""

    code: str
    name: str
    group: str  # group code of the plan
    level: str  # level code (tinh, huyen, xa)
    email: str = ""
    note: str = ""
    row: int | None = None  # row number in the source file


# ================================================================= template
def _optional_group(plan: Plan) -> bool:
    return plan.one_pool or plan.group_from_level


def _optional_level(plan: Plan) -> bool:
    return len(plan.levels) == 1 or all(g.level for g in plan.groups)


def _instruction(plan: Plan) -> str:
    parts = ["Mỗi dòng một đơn vị, bắt đầu từ dòng ngay dưới dòng tiêu đề.",
             "Mã đơn vị không được trùng nhau và không chứa các ký tự / \\ : * ? \" < > |."]
    if plan.one_pool:
        parts.append("Kế hoạch chỉ có một nhóm nên có thể để trống cột «Nhóm».")
    elif plan.group_from_level:
        parts.append("Có thể để trống cột «Nhóm»: đơn vị được xếp nhóm theo cấp.")
    else:
        parts.append("Chọn «Nhóm» trong danh sách thả xuống.")
    if len(plan.levels) == 1:
        parts.append(f"Có thể để trống cột «Cấp» (mặc định: {LEVELS[plan.levels[0]].lower()}).")
    elif all(g.level for g in plan.groups) and not plan.group_from_level:
        parts.append("Có thể để trống cột «Cấp»: lấy theo cấp của nhóm.")
    else:
        parts.append("Chọn «Cấp» trong danh sách thả xuống.")
    parts.append(f"Xem trang «{SHEET_GUIDE}».")
    return " ".join(parts)


def _guide_rows(plan: Plan) -> list[tuple[str, str, str, str]]:
    """(header, column code, required?, how to fill) for the «Hướng dẫn» sheet."""
    level_labels = ", ".join(f"«{LEVELS[lv]}»" for lv in plan.levels)
    if plan.one_pool:
        group_need = "Không"
        group_how = (f"Kế hoạch chỉ có một nhóm («{plan.groups[0].label}»): để trống "
                     "hoặc chọn trong danh sách.")
    elif plan.group_from_level:
        group_need = "Không"
        group_how = ("Chọn trong danh sách thả xuống; để trống thì đơn vị được xếp vào "
                     "nhóm theo cấp. Cũng nhận mã nhóm.")
    else:
        group_need = "Có"
        group_how = "Chọn trong danh sách thả xuống (tên nhóm); cũng nhận mã nhóm."
    if len(plan.levels) == 1:
        level_need = "Không"
        level_how = f"Để trống hoặc chọn «{LEVELS[plan.levels[0]]}»."
    elif _optional_level(plan) and not plan.group_from_level:
        level_need = "Không"
        level_how = (f"Chọn một trong: {level_labels}. Để trống thì lấy cấp của nhóm "
                     "(xem bảng nhóm bên dưới).")
    else:
        level_need = "Có"
        level_how = (f"Chọn một trong: {level_labels}. Cũng nhận «huyện», «xã», "
                     "«cấp xã», «xa»…")
    return [
        (UNIT_LIST_COLUMNS["ma_don_vi"], "ma_don_vi", "Có",
         "Mã ngắn, riêng cho từng đơn vị, ví dụ XA01. Dùng làm tên tệp nên không chứa "
         "các ký tự / \\ : * ? \" < > |; không phân biệt chữ hoa, chữ thường."),
        (UNIT_LIST_COLUMNS["ten_don_vi"], "ten_don_vi", "Có",
         "Tên đầy đủ của đơn vị, có dấu, ví dụ «UBND xã Tam Xuân I»."),
        (UNIT_LIST_COLUMNS["nhom"], "nhom", group_need, group_how),
        (UNIT_LIST_COLUMNS["cap"], "cap", level_need, level_how),
        (UNIT_LIST_COLUMNS["email"], "email", "Không",
         "Địa chỉ thư điện tử nhận kết quả, ví dụ vanthu@example.gov.vn."),
        (UNIT_LIST_COLUMNS["ghi_chu"], "ghi_chu", "Không", "Ghi chú tùy ý, không ảnh hưởng chấm điểm."),
    ]


def _build_template(plan: Plan):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    from openpyxl.formatting.rule import FormulaRule

    from thidua.workbook.paper import print_setup, row_height, text_lines

    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_UNITS
    codes = list(UNIT_LIST_COLUMNS)
    ncols = len(codes)
    last_col = get_column_letter(ncols)
    last_row = _FIRST_DATA_ROW + TEMPLATE_ROWS - 1

    # -- title, instruction, header
    widths = {"ma_don_vi": 14, "ten_don_vi": 40, "nhom": 36, "cap": 14, "email": 30, "ghi_chu": 30}
    total = sum(widths.values())
    title = ws.cell(_TITLE_ROW, 1, nfc(plan.title))
    title.font = Font(name=FONT, bold=True, size=14)
    title.alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=_TITLE_ROW, start_column=1, end_row=_TITLE_ROW, end_column=ncols)
    ws.row_dimensions[_TITLE_ROW].height = row_height(text_lines(plan.title, total, 14), 14)
    note = ws.cell(_NOTE_ROW, 1, _instruction(plan))
    note.font = Font(name=FONT, italic=True, color="595959")
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=_NOTE_ROW, start_column=1, end_row=_NOTE_ROW, end_column=ncols)
    ws.row_dimensions[_NOTE_ROW].height = row_height(text_lines(note.value, total))
    for c, code in enumerate(codes, start=1):
        cell = ws.cell(_HEADER_ROW, c, UNIT_LIST_COLUMNS[code])
        cell.font = Font(name=FONT, bold=True)
        cell.fill = header_fill
        cell.alignment = center
        cell.border = border
    ws.row_dimensions[_HEADER_ROW].height = row_height(1)

    # -- the rows for units: formatted by column (code and e-mail kept as text, «01» as
    # typed), bordered once something is typed: no empty cells to print as empty pages
    for c, code in enumerate(codes, start=1):
        column = ws.column_dimensions[get_column_letter(c)]
        column.width = widths[code]
        column.alignment = wrap
        column.font = Font(name=FONT)
        if code in ("ma_don_vi", "email"):
            column.number_format = "@"
    ws.conditional_formatting.add(
        f"A{_FIRST_DATA_ROW}:{last_col}{last_row}",
        FormulaRule(formula=[f"COUNTA($A{_FIRST_DATA_ROW}:${last_col}{_FIRST_DATA_ROW})>0"],
                    border=border))

    # -- the lists behind the drop-downs: a hidden sheet and workbook-level names
    lists = wb.create_sheet(SHEET_LISTS)
    for j, head in enumerate(("Nhóm", "Cấp", "Mã nhóm", "Mã cấp"), start=1):
        lists.cell(1, j, head).font = Font(name=FONT, bold=True)
    for i, group in enumerate(plan.groups, start=2):
        lists.cell(i, 1, nfc(group.label))
        lists.cell(i, 3, group.code)
    for i, level in enumerate(plan.levels, start=2):
        lists.cell(i, 2, LEVELS[level])
        lists.cell(i, 4, level)
    lists.column_dimensions["A"].width = 40
    lists.column_dimensions["B"].width = 14
    lists.sheet_state = "hidden"
    sheet_ref = quote_sheetname(SHEET_LISTS)
    names = {
        _NAME_GROUPS: f"{sheet_ref}!$A$2:$A${1 + len(plan.groups)}",
        _NAME_LEVELS: f"{sheet_ref}!$B$2:$B${1 + len(plan.levels)}",
    }
    for name, ref in names.items():
        defined = DefinedName(name, attr_text=ref)
        try:
            wb.defined_names[name] = defined  # openpyxl ≥ 3.1
        except TypeError:  # pragma: no cover - openpyxl 3.0
            wb.defined_names.append(defined)

    def column_range(code: str) -> str:
        letter = get_column_letter(codes.index(code) + 1)
        return f"{letter}{_FIRST_DATA_ROW}:{letter}{last_row}"

    group_dv = DataValidation(
        type="list", formula1=_NAME_GROUPS, allow_blank=True, showErrorMessage=True,
        showInputMessage=True, errorStyle="warning", errorTitle="Nhóm không có trong danh sách",
        error="Hãy chọn nhóm trong danh sách thả xuống.", promptTitle="Nhóm",
        prompt=("Để trống được: kế hoạch chỉ có một nhóm." if plan.one_pool else
                "Để trống được: xếp nhóm theo cấp." if plan.group_from_level else
                "Chọn nhóm của đơn vị."))
    level_dv = DataValidation(
        type="list", formula1=_NAME_LEVELS, allow_blank=True, showErrorMessage=True,
        showInputMessage=True, errorStyle="warning", errorTitle="Cấp không có trong danh sách",
        error="Hãy chọn cấp trong danh sách thả xuống.", promptTitle="Cấp",
        prompt="Chọn cấp của đơn vị.")
    code_cell = f"A{_FIRST_DATA_ROW}"
    bad = ",".join(f'ISERROR(FIND("{ch * 2 if ch == chr(34) else ch}",{code_cell}))'
                   for ch in _BAD_CHARS)
    code_dv = DataValidation(
        type="custom",
        formula1=f"AND(COUNTIF(${code_cell[0]}${_FIRST_DATA_ROW}:${code_cell[0]}${last_row},"
                 f"{code_cell})=1,{bad})",
        allow_blank=True, showErrorMessage=True, showInputMessage=True, errorStyle="stop",
        errorTitle="Mã đơn vị không hợp lệ",
        error="Mã đơn vị bị trùng hoặc chứa ký tự / \\ : * ? \" < > |. Hãy nhập mã khác.",
        promptTitle="Mã đơn vị", prompt="Mã riêng của đơn vị, ví dụ XA01.")
    email_cell = f"{get_column_letter(codes.index('email') + 1)}{_FIRST_DATA_ROW}"
    email_dv = DataValidation(
        type="custom", formula1=f'ISNUMBER(FIND("@",{email_cell}))', allow_blank=True,
        showErrorMessage=True, errorStyle="warning", errorTitle="Email",
        error="Địa chỉ email thường có dạng ten@example.gov.vn.")
    for dv, code in ((code_dv, "ma_don_vi"), (group_dv, "nhom"), (level_dv, "cap"),
                     (email_dv, "email")):
        ws.add_data_validation(dv)
        dv.add(column_range(code))

    # -- view and print: the rows typed in, no print area (one would print empty pages)
    ws.freeze_panes = f"A{_FIRST_DATA_ROW}"
    print_setup(ws, last_col=ncols, last_row=_HEADER_ROW, header_rows=(_HEADER_ROW, _HEADER_ROW),
                area=False)
    ws.print_options.horizontalCentered = True

    _guide_sheet(wb.create_sheet(SHEET_GUIDE, 1), plan, border, header_fill)
    wb.active = 0
    wb.properties.title = nfc(f"Danh sách đơn vị — {plan.title}")
    return wb


def _guide_sheet(ws, plan: Plan, border, header_fill) -> None:
    from openpyxl.styles import Alignment, Font

    from thidua.workbook.paper import print_setup, row_height, text_lines

    wrap = Alignment(wrap_text=True, vertical="top")
    widths = (18, 16, 12, 80)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions["ABCD"[c - 1]].width = width
    r = 1
    ws.cell(r, 1, "Hướng dẫn điền danh sách đơn vị").font = Font(name=FONT, bold=True, size=14)
    ws.row_dimensions[r].height = row_height(1, 14)
    r += 1
    ws.cell(r, 1, nfc(f"Kế hoạch: {plan.title}")).font = Font(name=FONT, italic=True,
                                                              color="595959")
    r += 2

    def table(headers: list[str], rows: list[tuple], start: int) -> int:
        for c, text in enumerate(headers, start=1):
            cell = ws.cell(start, c, text)
            cell.font = Font(name=FONT, bold=True)
            cell.fill = header_fill
            cell.border = border
        start += 1
        for values in rows:
            lines = 1
            for c, value in enumerate(values, start=1):
                cell = ws.cell(start, c, nfc(value) if isinstance(value, str) else value)
                cell.border = border
                cell.alignment = wrap
                cell.font = Font(name=FONT)
                if isinstance(value, str):
                    lines = max(lines, text_lines(value, widths[c - 1]))
            if lines > 1:
                ws.row_dimensions[start].height = row_height(lines)
            start += 1
        return start + 1

    ws.cell(r, 1, f"Các cột của trang «{SHEET_UNITS}»").font = Font(name=FONT, bold=True)
    r = table(["Cột", "Mã cột", "Bắt buộc", "Cách điền"], _guide_rows(plan), r + 1)

    ws.cell(r, 1, "Các nhóm của kế hoạch").font = Font(name=FONT, bold=True)
    group_rows = [(g.code, g.label, LEVELS[g.level] if g.level else "", "")
                  for g in plan.groups]
    r = table(["Mã nhóm", "Tên nhóm", "Cấp mặc định", ""], group_rows, r + 1)

    ws.cell(r, 1, "Các cấp áp dụng").font = Font(name=FONT, bold=True)
    r = table(["Mã cấp", "Tên cấp"], [(lv, LEVELS[lv]) for lv in plan.levels], r + 1)

    notes = [
        "Không đổi tên, không xóa các cột; có thể thêm cột khác ở bên phải (sẽ được bỏ qua).",
        "Dòng trống được bỏ qua. Chữ hoa, chữ thường, dấu cách thừa không ảnh hưởng.",
        "Có thể lưu thành tệp .csv (CSV UTF-8) với cùng các cột.",
    ]
    for text in notes:
        cell = ws.cell(r, 1, "• " + text)
        cell.alignment = Alignment(vertical="top")
        cell.font = Font(name=FONT)
        r += 1
    print_setup(ws, last_col=4, last_row=r - 1)


def write_units_template(plan: Plan, path: str | os.PathLike, *, backup: bool = True,
                         now: dt.datetime | None = None) -> Path:
    """Write the unit list form of ``plan`` to ``path`` (.xlsx) and return it.

    An existing file is first copied to a dated backup beside it (unless
    ``backup=False``); the new file replaces it atomically. ``now``: when
    given, the file's bytes depend only on the plan and ``now``.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError([Problem(
            f"không ghi được mẫu danh sách đơn vị vào «{path.name}»: tên tệp phải có đuôi .xlsx",
            file=str(path), hint=f"đặt tên tệp dạng «{path.stem or 'danh-sach-don-vi'}.xlsx»")])
    wb = _build_template(plan)
    if backup:
        fileio.backup(path)
    fileio.atomic_write(path, lambda tmp: wb.save(tmp))
    if now is not None:
        fileio.make_reproducible(path, now)
    return path


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
