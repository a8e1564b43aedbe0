"""Write a plan as a plan workbook (``thidua plan export``, ``thidua plan new``).

The writer takes the plan as written — the raw structure of a YAML file or of
another plan workbook (``thidua.plan.load.load_raw``) — and lays it out in the
format of :mod:`thidua.plan.form`, the inverse of :mod:`thidua.plan.xlsxread`:
reading the written workbook gives back an equal plan (tests prove it for every
built-in plan). Every closed choice gets a drop-down, codes and expressions
are text cells (so a typed ``=`` or ``1.10`` stays as typed), a «Hướng dẫn»
sheet explains every sheet and column with an example, and a hidden ``_thidua``
sheet records the format version.
"""
from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

import thidua
from thidua.workbook.paper import print_setup, row_height, text_lines
from thidua.plan import form as F
from thidua.plan import notation as N

FILL_HEADER = PatternFill("solid", fgColor="D9E1F2")
FILL_KEY = PatternFill("solid", fgColor="F2F2F2")
FILL_TITLE = PatternFill("solid", fgColor="DDEBF7")
FONT = "Calibri"  # named in every font
BOLD = Font(name=FONT, bold=True)
TITLE = Font(name=FONT, bold=True, size=14)
NOTE = Font(name=FONT, italic=True, color="595959")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEAD = Alignment(wrap_text=True, vertical="center", horizontal="center")
TEXT = "@"
SPARE_ROWS = 200  # rows below the last element that keep the drop-downs, for additions
_TEXT_TYPES = {"text", "label", "code", "codes", "expr", "id", "year", "choices", "points",
               "by_level", "target", "path", "list", "aliases", "level_map", "group", "levels"}


def build_workbook(raw: Mapping, kind: str | None = None) -> Workbook:
    """The plan workbook of ``raw`` (a plan as written)."""
    kind = kind or str(raw.get("kind") or "points")
    wb = Workbook()
    guide = wb.active
    guide.title = F.GUIDE_SHEET
    sheets = F.sheets_for(kind)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        if isinstance(spec, F.Settings):
            _settings_sheet(ws, spec, _setting_rows(spec, raw))
        else:
            _table_sheet(ws, spec, _table_rows(spec, raw))
    _guide(guide, kind)
    _meta(wb, raw)
    wb.active = wb.sheetnames.index(F.PLAN.name)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == F.PLAN.name
    return wb


def write_workbook(raw: Mapping, path: str | os.PathLike, *, backup: bool = True,
                   now: dt.datetime | None = None) -> Path:
    """Write the plan workbook of ``raw`` to ``path`` (.xlsx): backup, then atomic replace."""
    from thidua import fileio
    from thidua.errors import PlanError, Problem

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise PlanError(Problem(f"không ghi được tệp kế hoạch «{path.name}»: tên tệp phải có "
                                "đuôi .xlsx", file=str(path),
                                hint=f"đặt tên dạng «{path.stem or 'ke-hoach'}.xlsx»"))
    wb = build_workbook(raw)
    if backup:
        fileio.backup(path)
    fileio.atomic_write(path, lambda tmp: wb.save(tmp))
    if now is not None:
        fileio.make_reproducible(path, now)
    return path


# ==================================================================== values → cells
def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return N.text_of_number(value)
    return str(value)


def _yes_no(value: Any) -> str:
    return "có" if value else "không"


def _shown(value: Any, typ: str, words: F.Words | None = None) -> Any:
    """A plan value as its cell shows it."""
    if value is None:
        return None
    if typ in ("number", "int", "money"):
        return _number(value)
    if typ == "yesno":
        return _yes_no(value)
    if typ == "date":
        return value if isinstance(value, dt.date) else str(value)
    if typ == "words":
        return words.word(str(value)) if words else str(value)
    if typ == "levels":
        return ", ".join(F.LEVEL_WORDS.word(str(v)) for v in value) \
            if isinstance(value, list) else str(value)
    if typ == "years":
        return f"{value[0]}-{value[1]}" if isinstance(value, list) and len(value) == 2 else str(value)
    if typ == "codes":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if typ == "path":
        return " / ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if typ == "list":
        return "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if typ == "aliases":
        return "; ".join(f"{k} → {v}" for k, v in value.items()) \
            if isinstance(value, Mapping) else str(value)
    if typ == "level_map":
        return "; ".join(f"{F.LEVEL_WORDS.word(str(k))}: {v}" for k, v in value.items()) \
            if isinstance(value, Mapping) else str(value)
    if typ == "count":
        return F.UNLIMITED if value is None else _number(value)
    return _text(value)


def _target(value: Any) -> Any:
    if isinstance(value, Mapping) and "by_level" in value:
        return "; ".join(f"{F.LEVEL_WORDS.word(str(k))}: {_target(v)}"
                         for k, v in value["by_level"].items())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    return _text(value)


# ==================================================================== rows of each sheet
def _get(raw: Mapping, path: str) -> Any:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _setting_rows(spec: F.Settings, raw: Mapping) -> list[tuple[str, Any, F.Setting | None]]:
    """(label, value, setting) of every row of a settings sheet."""
    base: Any = raw
    if spec.section:
        base = _get(raw, spec.section) or {}
    out: list[tuple[str, Any, F.Setting | None]] = []
    for s in spec.rows:
        value = _get(base, s.key)
        if spec is F.PLAN and s.key.startswith("classification.") and value is None:
            value = None
        if s.repeat:
            items = value if isinstance(value, list) else ([] if value is None else
                                                           str(value).split("\n"))
            for item in items or [None]:
                out.append((s.label, item, s))
            continue
        out.append((s.label, _shown(value, s.type, s.words), s))
    if spec.open_rows == "inputs":
        columns = base.get("columns") if isinstance(base, Mapping) else None
        shown = set()
        for code, path in (columns or {}).items():
            out.append((str(code), _shown(path, "path"), None))
            shown.add(code)
    return out


def _rule_cells(rule: Mapping) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rule columns of a rule, and the continuation rows (per_item parts)."""
    kind = str(rule.get("kind") or "")
    keys = F.RULE_KEYS.get(kind, {})
    cells: dict[str, Any] = {"rule.kind": F.KINDS.word(kind)}
    extra: list[dict[str, Any]] = []
    for col_key, key in keys.items():
        if key not in rule:
            continue
        value = rule[key]
        if col_key == "rule.points":
            continue
        if col_key == "rule.by_level":
            cells[col_key] = "\n".join(f"{F.LEVEL_WORDS.word(str(lv))}: {N.shown_bands(bands)}"
                                       for lv, bands in (value or {}).items())
        elif col_key == "rule.floor":
            cells[col_key] = F.NO_FLOOR if value is None else _number(value)
        elif col_key in ("rule.of", "rule.den", "rule.only_if"):
            cells[col_key] = _text(value)
        else:
            cells[col_key] = _number(value)
    if kind in ("bands", "coefficient"):
        cells["rule.points"] = N.shown_bands(rule.get("bands") or [])
    elif kind == "yesno":
        text = f"có → {N.shown_number(rule.get('yes', 0))}"
        if rule.get("no") not in (None, 0):
            text += f"; không → {N.shown_number(rule['no'])}"
        cells["rule.points"] = text
    elif kind == "choice":
        points = rule.get("points") or {}
        cells["rule.points"] = "; ".join(f"{k} → {N.shown_number(v)}" for k, v in points.items())
    elif kind in ("per_item", "per_occurrence") and "points" in rule:
        cells["rule.points"] = _number(rule["points"])
    if kind == "per_item" and rule.get("parts"):
        parts = list(rule["parts"])
        first = parts[0]
        cells.update({"rule.of": _text(first.get("of")),
                      "rule.points": _number(first.get("points")),
                      "rule.cap": _number(first.get("cap"))})
        for part in parts[1:]:
            extra.append({"rule.of": _text(part.get("of")),
                          "rule.points": _number(part.get("points")),
                          "rule.cap": _number(part.get("cap"))})
    return cells, extra


def _table_rows(spec: F.Table, raw: Mapping) -> list[dict[str, Any]]:
    """One dict (column key → cell value) per row of a table sheet."""
    section = _get(raw, spec.section) if spec.section not in ("year_targets",) else None
    out: list[dict[str, Any]] = []
    if spec is F.INDICATORS or spec is F.YEAR_TARGETS:
        return _indicator_rows(spec, raw.get("indicators") or [])
    if spec is F.CLASSES:
        cls = raw.get("classification") or {}
        return [{"label": _text(b.get("label")), "from": _number(b.get("from")),
                 "to": _number(b.get("to"))} for b in cls.get("bands") or []]
    if spec is F.PRIZES:
        for ps in section or []:
            group = ps.get("group")
            for n, p in enumerate(ps.get("prizes") or []):
                row = {"group": F.ALL_GROUPS if group in (None, "*") else _text(group)}
                row.update(_plain_cells(spec, p, skip=("group", "total")))
                if "count" in p:
                    row["count"] = F.UNLIMITED if p["count"] is None else _number(p["count"])
                if n == 0 and ps.get("total") is not None:
                    row["total"] = _number(ps["total"])
                out.append(row)
        return out
    if spec is F.PEOPLE:
        for key in ("standards", "dossier"):
            for item in (section or {}).get(key) or []:
                out.append({"part": F.PERSON_PARTS.word(key), "code": _text(item.get("code")),
                            "label": _text(item.get("label"))})
        return out
    for item in section or []:
        if not isinstance(item, Mapping):
            continue
        row = _plain_cells(spec, item)
        if spec is F.CRITERIA and "role" not in row:
            row["role"] = F.ROLES.word("score")
        extra: list[dict[str, Any]] = []
        if isinstance(item.get("rule"), Mapping):
            cells, extra = _rule_cells(item["rule"])
            row.update(cells)
        out.append(row)
        out.extend(extra)
    return out


def _plain_cells(spec: F.Table, item: Mapping, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for col in spec.columns:
        if col.key.startswith("rule.") or col.key in skip or col.key not in item:
            continue
        value = item[col.key]
        if col.type == "choices":
            row[col.key] = "; ".join(f"{c.get('code')}: {c.get('label', c.get('code'))}"
                                     for c in value or [] if isinstance(c, Mapping))
        elif col.type == "target":
            row[col.key] = _target(value)
        else:
            row[col.key] = _shown(value, col.type, col.words)
    return row


def _indicator_rows(spec: F.Table, indicators: list) -> list[dict[str, Any]]:
    rows, years = [], []

    def add(ind: Mapping, ident: str) -> None:
        row = _plain_cells(F.INDICATORS, ind)
        row["id"] = ident
        target = ind.get("target")
        if isinstance(target, Mapping) and "by_year" in target:
            row.pop("target", None)
            for year, value in target["by_year"].items():
                years.append({"id": ident, "year": str(year), "target": _target(value)})
        rows.append(row)

    for ind in indicators:
        if not isinstance(ind, Mapping):
            continue
        ident = _text(ind.get("id"))
        add(ind, ident)
        for part in ind.get("parts") or []:
            add(part, f"{ident}.{_text(part.get('id'))}")
    return years if spec is F.YEAR_TARGETS else rows


# ==================================================================== sheets
def _lines(text: Any, width: float) -> int:
    """Lines a wrapped cell of ``width`` characters needs for ``text``."""
    per = max(width * 0.95 - 2, 1)
    return sum(max(1, math.ceil(len(part) / per)) for part in str(text).split("\n"))


def _fit_rows(ws: Worksheet, first: int, last: int, widths: dict[int, float]) -> None:
    """Row heights for wrapped text (Excel and LibreOffice do not grow rows of a saved file)."""
    for r in range(first, last + 1):
        lines = 1
        for j, width in widths.items():
            value = ws.cell(row=r, column=j).value
            if value not in (None, ""):
                lines = max(lines, _lines(value, width))
        if lines > 1:
            ws.row_dimensions[r].height = 15 * min(lines, 30) + 2


def _head(ws: Worksheet, headers: list[tuple[str, int]]) -> None:
    lines = 2
    for j, (text, width) in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=j, value=text)
        cell.font = BOLD
        cell.fill = FILL_HEADER
        cell.alignment = HEAD
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(j)].width = width
        lines = max(lines, text_lines(text, width))
    ws.row_dimensions[1].height = row_height(lines)
    ws.freeze_panes = "A2"


def _list_validation(words: list[str], strict: bool = True) -> DataValidation:
    dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
    dv.showErrorMessage = strict
    dv.errorTitle = "Giá trị không có trong danh sách"
    dv.error = "Chọn một trong: " + ", ".join(words) + "."
    return dv


def _ref_validation(sheet: str, column: str = "A") -> DataValidation:
    dv = DataValidation(type="list", allow_blank=True,
                        formula1=f"{quote_sheetname(sheet)}!${column}$2:${column}${SPARE_ROWS + 100}")
    dv.showErrorMessage = False  # a suggestion: expressions are typed freely
    return dv


def _table_sheet(ws: Worksheet, spec: F.Table, rows: list[dict[str, Any]]) -> None:
    _head(ws, [(c.header, c.width) for c in spec.columns])
    last = 1 + len(rows)
    for i, row in enumerate(rows, start=2):
        for j, col in enumerate(spec.columns, start=1):
            value = row.get(col.key)
            cell = ws.cell(row=i, column=j, value=value if value != "" else None)
            cell.border = BORDER
            cell.alignment = WRAP
            if col.type in _TEXT_TYPES or (col.type in ("count", "floor") and isinstance(value, str)):
                cell.number_format = TEXT
            elif col.type == "money":
                cell.number_format = "#,##0"
            elif col.type == "date":
                cell.number_format = "dd/mm/yyyy"
    _fit_rows(ws, 2, last, {j: c.width for j, c in enumerate(spec.columns, start=1)})
    end = last + SPARE_ROWS
    for j, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(j)
        rng = f"{letter}2:{letter}{end}"
        if col.type in _TEXT_TYPES:
            ws.column_dimensions[letter].number_format = TEXT
        if col.words is not None:
            dv = _list_validation(col.words.choices())
            ws.add_data_validation(dv)
            dv.add(rng)
        elif col.type == "yesno":
            dv = _list_validation(F.YES_NO.choices())
            ws.add_data_validation(dv)
            dv.add(rng)
        elif col.dropdown == "inputs":
            dv = _ref_validation(F.INPUTS.name)
            ws.add_data_validation(dv)
            dv.add(rng)
        elif col.dropdown == "groups":
            dv = _ref_validation(F.GROUPS.name)
            ws.add_data_validation(dv)
            dv.add(rng)
        elif col.type == "levels":
            dv = _list_validation(F.LEVEL_WORDS.choices(), strict=False)
            ws.add_data_validation(dv)
            dv.add(rng)
        elif col.type in ("count", "floor"):
            dv = _list_validation([F.UNLIMITED], strict=False)
            ws.add_data_validation(dv)
            dv.add(rng)
    _print(ws, len(spec.columns), last)


def _settings_sheet(ws: Worksheet, spec: F.Settings, rows: list) -> None:
    _head(ws, [("Mục", 30), ("Giá trị", 46), ("Ghi chú", 70)])
    for i, (label, value, setting) in enumerate(rows, start=2):
        key = ws.cell(row=i, column=1, value=label)
        key.font = BOLD
        key.fill = FILL_KEY
        key.alignment = WRAP
        key.border = BORDER
        cell = ws.cell(row=i, column=2, value=value if value != "" else None)
        cell.alignment = WRAP
        cell.border = BORDER
        note = ws.cell(row=i, column=3)
        note.alignment = WRAP
        note.font = NOTE
        note.border = BORDER
        if setting is None:  # an input's column in a statistics export
            cell.number_format = TEXT
            note.value = "Tiêu đề cột của số liệu này trong tệp thống kê"
            continue
        note.value = setting.help + (f" Ví dụ: {setting.example}" if setting.example else "")
        if setting.type == "date":
            cell.number_format = "dd/mm/yyyy"
        elif setting.type in _TEXT_TYPES or setting.type == "years":
            cell.number_format = TEXT
        if setting.words is not None:
            dv = _list_validation(setting.words.choices())
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
        elif setting.type == "yesno":
            dv = _list_validation(F.YES_NO.choices())
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
    if spec.open_rows == "inputs":
        dv = _ref_validation(F.INPUTS.name)
        ws.add_data_validation(dv)
        dv.add(f"A{len(rows) + 2}:A{len(rows) + 60}")
    for r in range(len(rows) + 2, len(rows) + 60):
        ws.cell(row=r, column=2).number_format = TEXT
    _fit_rows(ws, 2, len(rows) + 1, {1: 26, 2: 46, 3: 58})  # notes are italic: wider
    _print(ws, 3, len(rows) + 1)


def _print(ws: Worksheet, columns: int, last: int, header: bool = True) -> None:
    """A4 landscape, fitted or split by columns (the first two repeated), header row repeated."""
    print_setup(ws, last_col=columns, last_row=max(last, 2),
                header_rows=(1, 1) if header else None, key_cols=2 if header else 0)


# ==================================================================== guide
_INTRO = (
    "Tệp này là kế hoạch thi đua viết bằng Excel: thidua đọc nó như một tệp kế hoạch "
    "(chấm điểm, tạo mẫu gửi đơn vị, sổ tổng hợp, xét khen thưởng, văn bản).",
    "Mỗi trang là một phần của kế hoạch; dòng 1 là tiêu đề cột (đừng đổi tên), mỗi dòng sau "
    "là một phần tử. Ô có mũi tên thả xuống: chọn trong danh sách. Mã viết chữ thường không "
    "dấu, nối bằng «_» (ví dụ tong_giai_quyet); tên hiện cho người đọc viết có dấu.",
    "Kiểm tra trước khi dùng: «thidua check-plan ke-hoach.xlsx» (hoặc nút «Kiểm tra kế hoạch» "
    "trên thẻ Thi đua): mọi lỗi được báo cùng lúc, kèm trang, ô và cách sửa; thêm «--mark» để "
    "tô các ô lỗi, «--try du-lieu.csv» để chấm thử vài đơn vị.",
    "Cột riêng của người soạn: đặt tiêu đề bắt đầu bằng «Ghi chú» (thidua bỏ qua).",
)
_KIND_EXAMPLES = {
    "expression": ("Một biểu thức theo mã", "Tính trên: diem_ty_le * he_so"),
    "ratio": ("Tử số ÷ mẫu số × «Nhân với» (mặc định 100)",
              "Tính trên: truc_tuyen_giai_quyet; Chia cho: tong_giai_quyet"),
    "bands": ("Giá trị rơi vào bậc nào được điểm bậc đó",
              "Tính trên: ty_le_truoc_han; Điểm: ≥ 5 → 10; [3, 5) → 8; [1, 3) → 6; < 1 → 0"),
    "coefficient": ("Như thang bậc, kết quả là hệ số",
                    "Điểm: < 300 → 0,1; [300, 600) → 0,2; ≥ 600 → 0,3"),
    "per_item": ("Điểm mỗi đơn vị số lượng, tới mức «Tối đa»; thêm số liệu ở dòng viết tiếp",
                 "Tính trên: so_tin_truyen_thanh; Điểm: 0,5; Tối đa: 2"),
    "per_occurrence": ("«Điểm ban đầu» trừ «Điểm» mỗi lần, không dưới «Thấp nhất»",
                       "Tính trên: so_vi_pham; Điểm ban đầu: 10; Điểm: 5; Thấp nhất: 0"),
    "yesno": ("Có được điểm, không được 0 (hoặc điểm ghi sau «không →»)",
              "Tính trên: co_quy_che_phoi_hop; Điểm: có → 5"),
    "choice": ("Mỗi lựa chọn một mức điểm", "Tính trên: sang_kien; Điểm: khong → 0; co → 2,5"),
}


_GUIDE_WIDTHS = {1: 20, 2: 26, 3: 62, 4: 40}


def _guide(ws: Worksheet, kind: str) -> None:
    for j, width in _GUIDE_WIDTHS.items():
        ws.column_dimensions[get_column_letter(j)].width = width
    r = 1
    ws.cell(row=r, column=1, value="HƯỚNG DẪN SOẠN KẾ HOẠCH THI ĐUA BẰNG EXCEL").font = TITLE
    ws.row_dimensions[r].height = row_height(1, 14)
    r += 2
    for text in _INTRO:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        cell = ws.cell(row=r, column=1, value=text)
        cell.alignment = WRAP
        ws.row_dimensions[r].height = 15 * _lines(text, 150) + 2
        r += 1
    r += 1

    def table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
        nonlocal r
        ws.cell(row=r, column=1, value=title).font = BOLD
        r += 1
        for j, text in enumerate(("Trang", "Cột / mục", "Ý nghĩa", "Ví dụ"), start=1):
            cell = ws.cell(row=r, column=j, value=text)
            cell.font = BOLD
            cell.fill = FILL_HEADER
            cell.border = BORDER
            cell.alignment = HEAD
        r += 1
        for row in rows:
            for j, text in enumerate(row, start=1):
                cell = ws.cell(row=r, column=j, value=text or None)
                cell.alignment = WRAP
                cell.border = BORDER
                if j == 4:
                    cell.number_format = TEXT
            _fit_rows(ws, r, r, _GUIDE_WIDTHS)
            r += 1
        r += 1

    for spec in F.sheets_for(kind):
        rows: list[tuple[str, str, str, str]] = [(spec.name, "", spec.help, "")]
        if isinstance(spec, F.Settings):
            rows += [("", s.label, s.help, s.example) for s in spec.rows]
            if spec.open_rows == "inputs":
                rows.append(("", "<mã số liệu>", "Tiêu đề cột của số liệu trong tệp thống kê, "
                             "các tầng cách nhau bằng « / ».", "Đã giải quyết / Tổng"))
        else:
            rows += [("", c.header, c.help, c.example) for c in spec.columns]
        table(f"Trang «{spec.name}»", rows)
    if kind != "checklist":
        rows = []
        for code, (what, example) in _KIND_EXAMPLES.items():
            used = ", ".join(F.CRITERIA.column(c).header for c in F.RULE_KEYS[code]
                             if c not in ("rule.only_if", "rule.else"))
            rows.append((F.KINDS.word(code), used, what, example))
        ws.cell(row=r, column=1, value="Các cách tính (cột «Cách tính» của trang «Tiêu chí» và "
                "«Giá trị trung gian»); mọi cách tính dùng thêm được «Chỉ tính khi», «Nếu không "
                "thỏa»").font = BOLD
        r += 1
        for j, text in enumerate(("Cách tính", "Các cột dùng", "Ý nghĩa", "Ví dụ"), start=1):
            cell = ws.cell(row=r, column=j, value=text)
            cell.font = BOLD
            cell.fill = FILL_HEADER
            cell.border = BORDER
        r += 1
        for row in rows:
            for j, text in enumerate(row, start=1):
                cell = ws.cell(row=r, column=j, value=text)
                cell.alignment = WRAP
                cell.border = BORDER
            _fit_rows(ws, r, r, _GUIDE_WIDTHS)
            r += 1
        r += 1
    notes = [
        ("Thang bậc", "Viết như trong văn bản: «≥ 5 → 10; [3, 5) → 8; [1, 3) → 6; < 1 → 0»: "
         "«[3, 5)» là từ 3 đến dưới 5; các bậc liền nhau, thứ tự tùy ý; hoặc một bậc một dòng "
         "(dòng dưới để trống STT)."),
        ("Biểu thức", "Dùng mã, số, + - * /, so sánh (≥ ≤ = < >), «và», «hoặc», min(a, b), "
         "max(a, b), round(x, 2). Ví dụ: tong_diem >= 95 và so_bien_ban_nhac_nho < 2."),
        ("Số", "Viết 2,5 hoặc 2.5; 3500000 hoặc 3.500.000; phần trăm ghi 85 (nghĩa là 85 %)."),
    ]
    for title, text in notes:
        ws.cell(row=r, column=1, value=title).font = BOLD
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        cell = ws.cell(row=r, column=2, value=text)
        cell.alignment = WRAP
        ws.row_dimensions[r].height = 15 * _lines(text, 128) + 2
        r += 1
    ws.sheet_view.showGridLines = False
    _print(ws, 4, r, header=False)


def _meta(wb: Workbook, raw: Mapping) -> None:
    ws = wb.create_sheet(F.META_SHEET)
    rows = [("loai", F.META_KIND), ("dinh_dang", F.FORMAT_VERSION),
            ("phien_ban_thidua", thidua.__version__), ("ke_hoach", _text(raw.get("id")))]
    for i, (key, value) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=value)
    ws.sheet_state = "veryHidden"
