"""The unit-list form an office fills: ``write_units_template``."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from thidua import fileio
from thidua.errors import InputError, Problem
from thidua.plan.model import LEVELS, Plan
from thidua.text import nfc
from thidua.units.unit import (_BAD_CHARS, _FIRST_DATA_ROW, _HEADER_ROW, _NAME_GROUPS,
                               _NAME_LEVELS, _NOTE_ROW, _TITLE_ROW, FONT, SHEET_GUIDE,
                               SHEET_LISTS, SHEET_UNITS, TEMPLATE_ROWS, UNIT_LIST_COLUMNS,
                               _optional_level)


# ================================================================= template
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


