"""Read a plan workbook into the same raw plan the YAML loader produces.

The plan workbook (format: :mod:`thidua.plan.form`) is turned into nested
:class:`~thidua.plan.yamlload.LineDict` / ``LineList`` values exactly as
``load_yaml`` gives them for a YAML plan — ``{"id": …, "inputs": [{"code": …}],
"criteria": [{"id": "1.1", "rule": {"kind": "bands", "bands": […]}}]…}`` —
except that every key's place is a :class:`~thidua.plan.place.Cell` (sheet and
cell) instead of a line. The one plan builder (``thidua.plan.load``) then
validates it: there is no second validator.

What this module checks itself is what only a workbook can get wrong, the way
the YAML parser checks YAML syntax: unknown sheets and headers, words not in a
drop-down list, a band or a list it cannot read, a rule column the chosen way
of scoring does not use. Each problem names the sheet and the cell, with
«có phải ý bạn là …?» where a close word exists. The builder's own messages
speak of plan keys («max», «inputs»); :meth:`WorkbookPlan.localize` rewrites
them with the workbook's headers and sheet names.

The reader works on plain rows of values (``{sheet: [[value, …], …]}``), so
the same code reads a file (openpyxl) and an open workbook in Excel (the
add-in's ``xlwings`` view).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from thidua.errors import PlanError, Problem
from thidua.plan import form as F
from thidua.plan import notation as N
from thidua.plan.place import Cell, placed
from thidua.plan.yamlload import LineDict, LineList
from thidua.text import fold, is_blank


class CellDict(LineDict):
    """A ``LineDict`` whose keys sit in cells; a key left blank points at its (empty) cell."""

    places: dict

    def line_of(self, key: str):
        got = self.key_lines.get(key)
        if got is not None:
            return got
        return self.places.get(key, self.line)


class _Unread(str):
    """A cell the reader could not read (and has reported): kept as typed, so the key is
    present and the builder's own complaint lands on the same cell (and is left out)."""


def _key(text: Any) -> str:
    """Matching key of a header, a setting or a word: symbols unified, no case or diacritics."""
    return fold(N.clean(text))


def _dict(line: Cell | None, places: dict | None = None) -> CellDict:
    out = CellDict()
    out.line = line
    out.key_lines = {}
    out.places = dict(places or {})
    return out


def _list(line: Cell | None, values=()) -> LineList:
    out = LineList(values)
    out.line = line
    return out


def _put(d: CellDict, key: str, value: Any, where: Cell | None) -> None:
    d[key] = value
    if where is not None:
        d.key_lines[key] = where


@dataclass
class _Row:
    number: int  # 1-based row of the sheet
    values: dict[str, Any]  # column key -> cell value (non-blank only)
    cells: dict[str, Cell]  # column key -> place (every known column)
    first: Cell


@dataclass
class WorkbookPlan:
    """A plan workbook read: the raw plan, the problems only a workbook has, and its words."""

    raw: LineDict
    problems: list[Problem]
    file: str
    kind: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> key -> header

    def localize(self, problem: Problem) -> Problem:
        """A builder message in the workbook's words: «max» → «Điểm tối đa»."""
        if not problem.sheet:
            return problem
        words = dict(_GLOBAL_WORDS)
        words.update(self.headers.get(problem.sheet, {}))

        def quoted(key: str) -> str:
            word = words[key]
            return word if word.startswith("trang «") else f"«{word}»"

        def pair(m: re.Match, hint: bool) -> str:
            key, value = m.group(1), m.group(2)
            if key not in words:
                return m.group(0)
            return f"«{value}» vào cột {quoted(key)}" if hint else f"{quoted(key)} = {value}"

        def single(m: re.Match) -> str:
            return quoted(m.group(1)) if m.group(1) in words else m.group(0)

        def bare(m: re.Match) -> str:
            return quoted(m.group(1)) if m.group(1) in words else m.group(0)

        def rewrite(text: str, hint: bool) -> str:
            text = re.sub(r"«([a-z_]+): ([^«»]*)»", lambda m: pair(m, hint), text)
            text = re.sub(r"«([a-z_]+)»", single, text)
            # plan keys written bare in a hint: «(max)», «total_max»
            return re.sub(r"(?<![«\w])(max|total_max|only_if|by_level|tie_break|manual_total)"
                          r"(?![»\w])", bare, text)

        return dataclasses.replace(problem, message=rewrite(problem.message, False),
                                   hint=rewrite(problem.hint, True))


_SECTION_SHEETS = {"inputs": F.INPUTS.name, "values": F.VALUES.name, "criteria": F.CRITERIA.name,
                   "indicators": F.INDICATORS.name, "gates": F.GATES.name,
                   "checks": F.CHECKS.name, "prizes": F.PRIZES.name, "groups": F.GROUPS.name}
_GLOBAL_WORDS = {key: f"trang «{name}»" for key, name in _SECTION_SHEETS.items()}
_GLOBAL_WORDS.update({s.key: s.label for s in F.PLAN.rows if "." not in s.key})
_GLOBAL_WORDS.update({"rule": "Cách tính", "kind": "Cách tính", "bands": "Điểm", "max": "Điểm tối đa",
                      "classification": "trang «Xếp loại»",
                      "stats_import": f"trang «{F.STATS.name}»", "settings": "trang «Kế hoạch»"})


# ==================================================================== entry points
def read_plan_workbook(path: str | Path, file: str | None = None) -> WorkbookPlan:
    """Read the plan workbook at ``path``; :class:`PlanError` when it cannot be opened at all."""
    import openpyxl

    path = Path(path)
    name = file or path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except FileNotFoundError:
        raise PlanError(placed(Problem("không tìm thấy tệp kế hoạch", file=name))) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged files
        raise PlanError(placed(Problem(
            f"không mở được tệp kế hoạch: tệp không phải bảng tính Excel (.xlsx) hợp lệ hoặc "
            f"đã bị hỏng ({type(exc).__name__})", file=name,
            hint="mở tệp bằng Excel kiểm tra, rồi lưu lại dạng .xlsx (Excel Workbook)"))) from None
    try:
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                  for ws in wb.worksheets}
    finally:
        wb.close()
    return read_plan_sheets(sheets, name)


def read_plan_sheets(sheets: dict[str, list[list]], file: str) -> WorkbookPlan:
    """Read the rows of each sheet (``{name: [[value, …], …]}``, row 1 first)."""
    return _Reader(sheets, file).read()


def is_plan_workbook(sheets: dict[str, list[list]]) -> bool:
    """Does a workbook look like a plan workbook (its metadata, or a «Kế hoạch» sheet)?"""
    meta = _meta(sheets)
    if meta:
        return meta.get("loai") == F.META_KIND
    return any(_key(name) == _key(F.PLAN.name) for name in sheets)


def _meta(sheets: dict[str, list[list]]) -> dict[str, Any]:
    rows = sheets.get(F.META_SHEET)
    out: dict[str, Any] = {}
    for row in rows or []:
        if row and not is_blank(row[0]) and len(row) > 1:
            out[str(row[0]).strip()] = row[1]
    return out


# ==================================================================== reader
class _Reader:
    def __init__(self, sheets: dict[str, list[list]], file: str):
        self.sheets = sheets
        self.file = file
        self.problems: list[Problem] = []
        self.headers: dict[str, dict[str, str]] = {}
        self.kind = "points"
        self.groups: list[tuple[str, str]] = []  # (code, label)
        self.choices: dict[str, dict[str, str]] = {}  # input code -> {folded label: code}
        self.input_codes: list[str] = []
        self.input_labels: dict[str, str] = {}  # folded label -> input code

    # ---------------------------------------------------------- helpers
    def error(self, where: Cell | None, message: str, hint: str = "") -> None:
        self.problems.append(placed(Problem(message, file=self.file, line=where, hint=hint)))

    @staticmethod
    def cell(sheet: str, row: int, col: int) -> Cell:
        return Cell(sheet, f"{get_column_letter(col)}{row}", row)

    def find(self, spec) -> str | None:
        """The workbook's sheet for ``spec`` (its name in any case/diacritics, or its YAML name)."""
        wanted = {_key(spec.name), _key(spec.section)} | {_key(a) for a in spec.aliases}
        for name in self.sheets:
            if _key(name) in wanted:
                return name
        return None

    def words(self, value: Any, words: F.Words, where: Cell) -> str | None:
        """The code of a word picked from a list; the text as typed (reported) when unknown."""
        text = N.clean(value) if not isinstance(value, bool) else ("có" if value else "không")
        code = words.code(text)
        if code is None:
            close = difflib.get_close_matches(_key(text), [_key(w) for w in words.choices()], n=1)
            shown = {_key(w): w for w in words.choices()}
            self.error(where, f"«{text}» không có trong danh sách {words.name}",
                       (f"có phải ý bạn là «{shown[close[0]]}»? " if close else "")
                       + "chọn một trong: " + ", ".join(words.choices()))
            return _Unread(text)
        return code

    def convert(self, value: Any, typ: str, where: Cell, words: F.Words | None = None,
                column: str = "") -> Any:
        """A cell value as the plan language wants it; None (with a problem) when unreadable."""
        try:
            if typ in ("text", "id", "year"):
                return N.text_of_number(value) if isinstance(value, (int, float)) \
                    and not isinstance(value, bool) else N.label(value)
            if typ == "label":
                return N.label(value)
            if typ == "code":
                return N.text_of_number(value) if isinstance(value, (int, float)) \
                    and not isinstance(value, bool) else N.clean(value)
            if typ in ("target", "group"):
                return value
            if typ == "codes":
                return [N.clean(v) for v in N.items(value)]
            if typ == "expr":
                return N.expression(value)
            if typ in ("number", "money"):
                got = N.number(value)
                return int(round(got)) if typ == "money" and float(got).is_integer() else got
            if typ == "int":
                return N.number(value)
            if typ == "yesno":
                return N.yes_no(value)
            if typ == "date":
                return N.date(value)
            if typ == "words":
                return self.words(value, words, where)
            if typ == "levels":
                out = []
                for item in N.items(value):
                    code = self.words(item, F.LEVEL_WORDS, where)
                    if code:
                        out.append(code)
                return out
            if typ == "years":
                m = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", N.clean(value))
                if not m:
                    raise N.NotationError(f"«{N.clean(value)}» không phải khoảng năm",
                                          "viết năm đầu – năm cuối, ví dụ 2021-2025")
                return [int(m.group(1)), int(m.group(2))]
            if typ == "count":
                if isinstance(value, str) and _key(value) == _key(F.UNLIMITED):
                    return None
                return N.number(value)
            if typ == "floor":
                if isinstance(value, str) and _key(value) in (_key(F.NO_FLOOR), "khong"):
                    return None
                return N.number(value)
            if typ == "path":
                return N.header_path(value)
            if typ == "list":
                return N.items(value)
            if typ == "choices":
                return [{"code": c, "label": lab} for c, lab in N.pairs(value)]
            if typ == "aliases":
                return {name: code for name, code in N.pairs(value)}
            if typ == "level_map":
                out = {}
                for lv, sheet in N.pairs(value):
                    code = self.words(lv, F.LEVEL_WORDS, where)
                    if code:
                        out[code] = sheet
                return out
        except N.NotationError as exc:
            prefix = f"cột «{column}»: " if column else ""
            self.error(where, prefix + exc.message, exc.hint)
            return _Unread(value)
        raise ValueError(typ)  # pragma: no cover - a column type without a reader

    # ---------------------------------------------------------- tables
    def table_rows(self, spec: F.Table) -> tuple[str | None, list[_Row]]:
        name = self.find(spec)
        if name is None:
            return None, []
        rows = self.sheets[name]
        head_index = next((i for i, r in enumerate(rows) if any(not is_blank(v) for v in r)), None)
        if head_index is None:
            return name, []
        header = rows[head_index]
        head_row = head_index + 1
        columns: dict[int, F.Column] = {}
        seen: dict[str, int] = {}
        by_word = {}
        for col in spec.columns:
            for word in (col.header, col.key.split(".")[-1], col.key, *col.aliases):
                by_word[_key(word)] = col
        for j, value in enumerate(header, start=1):
            if is_blank(value):
                continue
            text = N.clean(value)
            key = _key(text)
            if key.startswith(F.NOTE_PREFIX):
                continue
            col = by_word.get(key)
            where = self.cell(name, head_row, j)
            if col is None:
                close = difflib.get_close_matches(key, [_key(c.header) for c in spec.columns], n=1)
                shown = {_key(c.header): c.header for c in spec.columns}
                self.error(where, f"cột «{text}» không dùng được ở trang «{name}»",
                           (f"có phải ý bạn là «{shown[close[0]]}»? " if close else "")
                           + "các cột: " + ", ".join(c.header for c in spec.columns)
                           + " (cột riêng của người soạn: đặt tiêu đề bắt đầu bằng «Ghi chú»)")
                continue
            if col.key in seen:
                self.error(where, f"cột «{col.header}» có hai lần ở trang «{name}» (cột "
                           f"{get_column_letter(seen[col.key])} và {get_column_letter(j)})",
                           "xóa một cột")
                continue
            seen[col.key] = j
            columns[j] = col
        self.headers[name] = {c.key.split(".")[-1]: c.header for c in spec.columns}
        for kind_keys in F.RULE_KEYS.values():
            for col_key, key in kind_keys.items():
                if col_key in {c.key for c in spec.columns}:
                    self.headers[name].setdefault(key, spec.column(col_key).header)
        if spec in (F.CRITERIA, F.VALUES):
            self.headers[name].update({"yes": "Điểm", "no": "Điểm", "bands": "Điểm",
                                       "rule": "Cách tính", "kind": "Cách tính"})
        for col in spec.columns:
            if col.required and col.key not in seen:
                self.error(self.cell(name, head_row, max(seen.values(), default=0) + 1),
                           f"trang «{name}» thiếu cột «{col.header}»",
                           f"thêm cột có tiêu đề «{col.header}» ở dòng {head_row}")
        out = []
        for i in range(head_index + 1, len(rows)):
            r = rows[i]
            values = {}
            for j, col in columns.items():
                v = r[j - 1] if j - 1 < len(r) else None
                if not is_blank(v):
                    values[col.key] = v
            if not values:
                continue
            cells = {col.key: self.cell(name, i + 1, j) for j, col in columns.items()}
            for col in spec.columns:
                cells.setdefault(col.key, self.cell(name, i + 1, 1))
            out.append(_Row(i + 1, values, cells, self.cell(name, i + 1, 1)))
        return name, out

    def item(self, spec: F.Table, row: _Row, skip: tuple[str, ...] = ()) -> CellDict:
        """The plain columns of a row as a mapping (rule columns are read apart)."""
        places = {c.key: row.cells[c.key] for c in spec.columns}
        if "rule.kind" in row.cells:
            places["rule"] = row.cells["rule.kind"]
        d = _dict(row.first, places)
        for col in spec.columns:
            if col.key in skip or col.key.startswith("rule.") or col.key not in row.values:
                continue
            value = self.convert(row.values[col.key], col.type, row.cells[col.key], col.words,
                                 col.header)
            if value is None and col.type not in ("count", "floor"):
                continue
            _put(d, col.key, value, row.cells[col.key])
        return d

    # ---------------------------------------------------------- settings sheets
    def settings(self, spec: F.Settings) -> tuple[str | None, list[tuple[F.Setting | str, Any, Cell]]]:
        """(setting or open row key, value, place) of each filled row of a settings sheet."""
        name = self.find(spec)
        if name is None:
            return None, []
        rows = self.sheets[name]
        by_word: dict[str, F.Setting] = {}
        for s in spec.rows:
            for word in (s.label, s.key, s.key.split(".")[-1], *s.aliases):
                by_word.setdefault(_key(word), s)
        self.headers[name] = {s.key.split(".")[-1]: s.label for s in spec.rows}
        out: list[tuple[F.Setting | str, Any, Cell]] = []
        seen: dict[str, Cell] = {}
        for i, r in enumerate(rows, start=1):
            if not r or is_blank(r[0]):
                continue
            label = N.clean(r[0])
            key = _key(label)
            if i == 1 and key in ("muc", "ten muc"):
                continue  # the header row
            value = r[1] if len(r) > 1 else None
            where = self.cell(name, i, 2)
            setting = by_word.get(key)
            if setting is None and spec.open_rows == "inputs":
                code = self.input_code(label)
                if code is not None:
                    if not is_blank(value):
                        out.append((code, value, where))
                    continue
            if setting is None:
                close = difflib.get_close_matches(key, [_key(s.label) for s in spec.rows], n=1)
                shown = {_key(s.label): s.label for s in spec.rows}
                extra = (" hoặc một mã số liệu của trang «Số liệu»"
                         if spec.open_rows == "inputs" else "")
                self.error(self.cell(name, i, 1), f"mục «{label}» không dùng được ở trang «{name}»",
                           (f"có phải ý bạn là «{shown[close[0]]}»? " if close else "")
                           + f"cột «Mục» ghi một trong các mục có sẵn{extra}")
                continue
            if is_blank(value):
                continue
            if setting.key in seen and not setting.repeat:
                self.error(where, f"mục «{setting.label}» ghi hai lần (ô {seen[setting.key].cell} "
                           f"và ô {where.cell})", "xóa một dòng")
                continue
            seen.setdefault(setting.key, where)
            out.append((setting, value, where))
        return name, out

    def input_code(self, text: str) -> str | None:
        key = _key(text)
        for code in self.input_codes:
            if _key(code) == key:
                return code
        return self.input_labels.get(key)

    # ---------------------------------------------------------- the plan
    def read(self) -> WorkbookPlan:
        meta = _meta(self.sheets)
        if meta:
            if meta.get("loai") != F.META_KIND:
                what = {"mau_don_vi": "phiếu (mẫu) gửi đơn vị",
                        "so_tong_hop": "sổ tổng hợp"}.get(str(meta.get("loai")), "tệp khác")
                raise PlanError(placed(Problem(
                    f"tệp là {what} do thidua tạo, không phải tệp kế hoạch", file=self.file,
                    hint="chọn tệp kế hoạch (ke-hoach.xlsx, tạo bằng «thidua plan new» hoặc "
                         "«thidua plan export»)")))
            try:
                fmt = int(meta.get("dinh_dang") or 1)
            except (TypeError, ValueError):
                fmt = 1
            if fmt > F.FORMAT_VERSION:
                made_by = meta.get("phien_ban_thidua") or "mới hơn"
                import thidua
                raise PlanError(placed(Problem(
                    f"tệp kế hoạch được tạo bằng thidua {made_by} (định dạng {fmt}), mới hơn "
                    f"thidua đang dùng ({thidua.__version__}, đọc được định dạng đến "
                    f"{F.FORMAT_VERSION})", file=self.file,
                    hint="cập nhật thidua (pip install -U thidua) rồi chạy lại")))
        raw = _dict(None)
        raw.line = None
        plan_sheet, plan_rows = self.settings(F.PLAN)
        if plan_sheet is None:
            raise PlanError(placed(Problem(
                f"tệp không có trang «{F.PLAN.name}»: không phải tệp kế hoạch", file=self.file,
                hint="tạo tệp kế hoạch bằng «thidua plan new --out ke-hoach.xlsx» rồi điền")))
        raw.line = self.cell(plan_sheet, 1, 1)
        sections: dict[str, dict[str, tuple[Any, Cell]]] = {}
        for setting, value, where in plan_rows:
            top, _, sub = setting.key.partition(".")
            got = self.convert(value, setting.type, where, setting.words, setting.label)
            if got is None and setting.type not in ("count", "floor"):
                continue
            if sub:
                sections.setdefault(top, {})[sub] = (got, where)
            elif top == "kind" and isinstance(got, _Unread):
                continue  # reported; read as the sheets are laid out
            else:
                _put(raw, top, got, where)
                if top == "kind":
                    self.kind = got or "points"
        for top, sub in sections.items():
            if top == "settings":
                continue
            d = _dict(next(iter(sub.values()))[1])
            for key, (value, where) in sub.items():
                _put(d, key, value, where)
            if top != "classification":
                _put(raw, top, d, d.line)
        self.places(raw, plan_sheet)
        self.read_groups(raw)
        self.read_inputs(raw)
        if self.kind == "checklist":
            self.read_indicators(raw)
        else:
            self.read_values(raw)
            self.read_criteria(raw)
        self.read_simple(raw, F.GATES, "gates")
        self.read_simple(raw, F.CHECKS, "checks")
        self.read_classes(raw, sections.get("classification", {}))
        self.read_prizes(raw)
        settings = self.read_settings(sections.get("settings", {}))
        if settings:
            _put(raw, "settings", settings, settings.line)
        self.read_people(raw)
        self.read_stats(raw)
        self.unknown_sheets()
        return WorkbookPlan(_ordered(raw), self.problems, self.file, self.kind, self.headers)

    def places(self, raw: CellDict, plan_sheet: str) -> None:
        """Where a missing key points: the setting's row, or the sheet that would hold it."""
        rows = self.sheets[plan_sheet]
        for i, r in enumerate(rows, start=1):
            if r and not is_blank(r[0]):
                key = _key(N.clean(r[0]))
                for s in F.PLAN.rows:
                    if key in (_key(s.label), _key(s.key)) and "." not in s.key:
                        raw.places[s.key] = self.cell(plan_sheet, i, 2)
        for spec in F.sheets_for(self.kind):
            if isinstance(spec, F.Table):
                name = self.find(spec) or spec.name
                raw.places.setdefault(spec.section, Cell(name, "A1", 1))

    def read_groups(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.GROUPS)
        if not rows:
            return
        out = _list(rows[0].first)
        for row in rows:
            d = self.item(F.GROUPS, row)
            out.append(d)
            code = d.get("code")
            if isinstance(code, str):
                self.groups.append((code, str(d.get("label") or code)))
        _put(raw, "groups", out, out.line)

    def read_inputs(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.INPUTS)
        if not rows:
            return
        out = _list(rows[0].first)
        for row in rows:
            d = self.item(F.INPUTS, row)
            if "choices" in d:
                items = _list(d.line_of("choices"))
                for c in d["choices"]:
                    cd = _dict(d.line_of("choices"))
                    _put(cd, "code", c["code"], d.line_of("choices"))
                    _put(cd, "label", c["label"], d.line_of("choices"))
                    items.append(cd)
                d["choices"] = items
            code = d.get("code")
            if isinstance(code, str):
                self.input_codes.append(code)
                self.input_labels[_key(str(d.get("label") or code))] = code
                self.choices[code] = {}
                for c in d.get("choices") or []:
                    self.choices[code][_key(c["label"])] = c["code"]
                    self.choices[code][_key(c["code"])] = c["code"]
            out.append(d)
        _put(raw, "inputs", out, out.line)

    # ---------------------------------------------------------- rules
    def rule(self, spec: F.Table, row: _Row, parts: list[_Row], owner: CellDict) -> None:
        """The rule columns of ``row`` (and its continuation rows) as ``owner["rule"]``."""
        kind_cell = row.cells["rule.kind"]
        used = [k for k in row.values if k.startswith("rule.")]
        if "rule.kind" not in row.values:
            if used:
                self.error(kind_cell, "chưa chọn «Cách tính»",
                           "chọn một trong: " + ", ".join(F.KINDS.choices()))
            return
        kind = self.words(row.values["rule.kind"], F.KINDS, kind_cell)
        if isinstance(kind, _Unread):  # reported; the rule is left unread
            d = _dict(kind_cell)
            _put(d, "kind", kind, kind_cell)
            _put(owner, "rule", d, kind_cell)
            return
        keys = F.RULE_KEYS[kind]
        d = _dict(kind_cell, {key: row.cells[col] for col, key in keys.items()})
        _put(d, "kind", kind, kind_cell)
        shown = F.KINDS.word(kind)
        allowed = ", ".join(f"«{spec.column(c).header}»" for c in keys)
        for col_key in used:
            if col_key != "rule.kind" and col_key not in keys:
                self.error(row.cells[col_key], f"cách tính «{shown}» không dùng cột "
                           f"«{spec.column(col_key).header}»",
                           f"xóa ô này, hoặc chọn cách tính khác; «{shown}» dùng các cột {allowed}")
        for col_key, key in keys.items():
            if col_key not in row.values:
                continue
            value, where = row.values[col_key], row.cells[col_key]
            column = spec.column(col_key)
            if col_key == "rule.points":
                self.points(d, kind, value, where, column.header)
                continue
            if col_key == "rule.by_level":
                got = self.by_level(value, where, column.header)
            elif col_key == "rule.floor":
                got = self.convert(value, "floor", where, column=column.header)
                _put(d, key, got, where)
                continue
            elif column.type == "expr":
                got = self.convert(value, "expr", where, column=column.header)
            else:
                got = self.convert(value, column.type, where, column.words, column.header)
            if got is not None:
                _put(d, key, got, where)
        for part in parts:
            self.continuation(d, kind, spec, part)
        _put(owner, "rule", d, kind_cell)

    def points(self, d: CellDict, kind: str, value: Any, where: Cell, header: str) -> None:
        if kind in ("bands", "coefficient"):
            try:
                bands = N.bands(value)
            except N.NotationError as exc:
                self.error(where, f"cột «{header}»: {exc.message}", exc.hint)
                return
            out = d.get("bands") or _list(where)
            for b in bands:
                out.append(self.band(b, where))
            out.sort(key=lambda b: float("-inf") if b.get("from") is None else b["from"])
            _put(d, "bands", out, d.line_of("bands") if "bands" in d else where)
        elif kind == "yesno":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                _put(d, "yes", N.number(value), where)
                return
            try:
                entries = N.pairs(value) if re.search(r"→|->|=>|:", N.clean(value)) else None
                if entries is None:
                    _put(d, "yes", N.number(value), where)
                    return
                for word, pts in entries:
                    yes = N.yes_no(word)
                    _put(d, "yes" if yes else "no", N.number(pts), where)
            except N.NotationError as exc:
                self.error(where, f"cột «{header}»: {exc.message}",
                           exc.hint or "viết «có → 5; không → 0» hoặc chỉ số điểm khi có")
        elif kind == "choice":
            try:
                entries = N.pairs(value)
            except N.NotationError as exc:
                self.error(where, f"cột «{header}»: {exc.message}",
                           "viết «mã lựa chọn → điểm», ví dụ «khong → 0; co → 2,5»")
                return
            of = d.get("of")
            known = self.choices.get(of, {}) if isinstance(of, str) else {}
            table = _dict(where)
            for word, pts in entries:
                code = known.get(_key(word), N.clean(word))
                try:
                    _put(table, code, N.number(pts), where)
                except N.NotationError as exc:
                    self.error(where, f"cột «{header}»: lựa chọn «{word}»: {exc.message}",
                               exc.hint)
            _put(d, "points", table, where)
        else:  # per_item, per_occurrence: points per item / occurrence
            got = self.convert(value, "number", where, column=header)
            if got is not None:
                _put(d, "points", got, where)

    def band(self, b: dict, where: Cell) -> CellDict:
        out = _dict(where)
        for key, value in b.items():
            _put(out, key, value, where)
        return out

    def by_level(self, value: Any, where: Cell, header: str) -> CellDict | None:
        out = _dict(where)
        current: str | None = None
        chunks: dict[str, list[str]] = {}
        for line in N.clean(value).split("\n"):
            m = re.match(r"^\s*([^\d\[<≥>:;→]+?)\s*:\s*(.*)$", line)
            level = F.LEVEL_WORDS.code(m.group(1)) if m else None
            if level is not None:
                current = level
                chunks.setdefault(level, []).append(m.group(2))
            elif current is not None:
                chunks[current].append(line)
            else:
                self.error(where, f"cột «{header}»: dòng «{line}» không bắt đầu bằng tên cấp",
                           "mỗi dòng viết «xã: ≥ 10 → 10; [6, 10) → 8; …»")
                return None
        for level, lines in chunks.items():
            try:
                bands = N.bands("\n".join(lines))
            except N.NotationError as exc:
                self.error(where, f"cột «{header}» ({F.LEVEL_WORDS.word(level)}): {exc.message}",
                           exc.hint)
                return None
            _put(out, level, _list(where, [self.band(b, where) for b in bands]), where)
        return out

    def continuation(self, d: CellDict, kind: str, spec: F.Table, row: _Row) -> None:
        """A row below a criterion with no STT: more bands, or another counted figure."""
        used = [k for k in row.values if k.startswith("rule.")]
        if kind in ("bands", "coefficient"):
            for col_key in used:
                where = row.cells[col_key]
                if col_key == "rule.points":
                    self.points(d, kind, row.values[col_key], where, spec.column(col_key).header)
                elif col_key == "rule.by_level":
                    extra = self.by_level(row.values[col_key], where,
                                          spec.column(col_key).header)
                    if extra:
                        base = d.get("by_level") or _dict(where)
                        for level, bands in extra.items():
                            got = base.get(level) or _list(where)
                            got.extend(bands)
                            got.sort(key=lambda b: float("-inf") if b.get("from") is None
                                     else b["from"])
                            _put(base, level, got, where)
                        _put(d, "by_level", base, d.line_of("by_level") if "by_level" in d
                             else where)
                else:
                    self.error(where, "dòng viết tiếp một thang bậc chỉ ghi ở cột «Điểm» "
                               "(hoặc «Điểm riêng theo cấp»)", "xóa ô này hoặc ghi STT cho "
                               "dòng nếu đây là một tiêu chí khác")
            return
        if kind == "per_item":
            part = _dict(row.first, {key: row.cells[col] for col, key in F.RULE_KEYS[kind].items()})
            for col_key in used:
                where = row.cells[col_key]
                key = {"rule.of": "of", "rule.points": "points", "rule.cap": "cap"}.get(col_key)
                if key is None:
                    self.error(where, "dòng thêm số liệu cho cách tính «theo số lượng» chỉ ghi "
                               "các cột «Tính trên», «Điểm», «Tối đa»", "xóa ô này")
                    continue
                typ = "expr" if key == "of" else "number"
                got = self.convert(row.values[col_key], typ, where,
                                   column=spec.column(col_key).header)
                if got is not None:
                    _put(part, key, got, where)
            if "parts" not in d:
                first = _dict(d.line, dict(d.places))
                for key in ("of", "points", "cap"):
                    if key in d:
                        _put(first, key, d.pop(key), d.key_lines.pop(key, d.line))
                _put(d, "parts", _list(d.line, [first]), d.line)
            d["parts"].append(part)
            return
        self.error(row.first, f"dòng {row.number} không có STT: chỉ thang bậc (viết tiếp các bậc) "
                   "và cách tính «theo số lượng» (thêm số liệu) mới có dòng viết tiếp",
                   "ghi STT và nội dung cho dòng này, hoặc xóa dòng")

    # ---------------------------------------------------------- sheets
    def read_values(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.VALUES)
        out = _list(rows[0].first if rows else None)
        for row, parts in _with_continuations(rows, ("code", "label")):
            d = self.item(F.VALUES, row)
            self.rule(F.VALUES, row, parts, d)
            out.append(d)
        if out:
            _put(raw, "values", out, out.line)

    def read_criteria(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.CRITERIA)
        out = _list(rows[0].first if rows else None)
        heading: tuple[str, str] | None = None
        grouped = _with_continuations(rows, ("id", "label"))
        for n, (row, parts) in enumerate(grouped):
            ident = self.convert(row.values.get("id", ""), "id", row.cells["id"])
            only = set(row.values) <= {"id", "label", "section"} and not parts
            following = [r for r, _p in grouped[n + 1:]]
            if only and ident and any(
                    str(self.convert(r.values.get("id", ""), "id", r.cells["id"])).startswith(
                        ident + ".") for r in following[:1]):
                label = N.label(row.values.get("label", ""))
                heading = (ident, f"{ident}. {label}" if label else ident)
                continue
            d = self.item(F.CRITERIA, row)
            if heading and "section" not in d and isinstance(d.get("id"), str) \
                    and d["id"].startswith(heading[0] + "."):
                _put(d, "section", heading[1], row.cells["section"])
            self.rule(F.CRITERIA, row, parts, d)
            out.append(d)
        if out or name is not None:
            _put(raw, "criteria", out, out.line or (Cell(name, "A1", 1) if name else None))

    def read_indicators(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.INDICATORS)
        out = _list(rows[0].first if rows else None)
        by_id: dict[str, CellDict] = {}
        parents: dict[str, CellDict] = {}
        for row in rows:
            d = self.item(F.INDICATORS, row)
            ident = d.get("id")
            if isinstance(ident, str):
                parent_id = next((p for p in parents if ident.startswith(p + ".")), None)
                if parent_id is not None and "value" not in parents[parent_id]:
                    part_id = ident[len(parent_id) + 1:].strip()
                    _put(d, "id", part_id, d.line_of("id"))
                    parent = parents[parent_id]
                    if "parts" not in parent:
                        _put(parent, "parts", _list(d.line), d.line)
                    parent["parts"].append(d)
                    by_id[ident] = d
                    continue
                parents[ident] = d
                by_id[ident] = d
            if "target" in d:
                d["target"] = self.target(d["target"], d.line_of("target"))
            out.append(d)
        _put(raw, "indicators", out, out.line or (Cell(name, "A1", 1) if name else None))
        for d in by_id.values():
            if "target" in d and d["target"] is None:
                del d["target"]
        self.read_year_targets(by_id)

    def target(self, value: Any, where: Cell) -> Any:
        """A target cell: a number, an expression, or «huyện: 60; xã: 55» / «2022: 30; …»."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return N.number(value)
        text = N.clean(value)
        if re.search(r"(?<![<>=!])[:→]", text):
            try:
                entries = N.pairs(text)
            except N.NotationError as exc:
                self.error(where, f"cột «Mục tiêu»: {exc.message}", exc.hint)
                return None
            years = all(re.fullmatch(r"\d{4}(\s*-\s*\d{4})?", k) for k, _v in entries)
            table = _dict(where)
            for key, v in entries:
                if years:
                    key = re.sub(r"\s+", "", key)
                else:
                    code = self.words(key, F.LEVEL_WORDS, where)
                    if isinstance(code, _Unread):
                        return None
                    key = code
                _put(table, key, self.target(v, where), where)
            out = _dict(where)
            _put(out, "by_year" if years else "by_level", table, where)
            return out
        try:
            return N.number(text)
        except N.NotationError:
            return N.expression(text)

    def read_year_targets(self, by_id: dict[str, CellDict]) -> None:
        name, rows = self.table_rows(F.YEAR_TARGETS)
        for row in rows:
            ident = self.convert(row.values.get("id", ""), "id", row.cells["id"])
            ind = by_id.get(ident)
            if ind is None:
                close = difflib.get_close_matches(ident, list(by_id), n=1)
                self.error(row.cells["id"], f"không có tiêu chí STT «{ident}» ở trang "
                           f"«{F.INDICATORS.name}»",
                           (f"có phải ý bạn là «{close[0]}»? " if close else "")
                           + "ghi STT như ở trang Tiêu chí")
                continue
            year = self.convert(row.values.get("year", ""), "year", row.cells["year"])
            year = re.sub(r"\s+", "", str(year or ""))
            if "target" not in row.values:
                self.error(row.cells["target"], "thiếu mục tiêu của năm " + year)
                continue
            value = self.target(row.values["target"], row.cells["target"])
            if value is None:
                continue
            current = ind.get("target")
            if current is not None and not (isinstance(current, dict) and "by_year" in current
                                            and getattr(current, "from_years", False)):
                self.error(row.cells["id"], f"tiêu chí {ident} đã có mục tiêu ở trang "
                           f"«{F.INDICATORS.name}» (ô {ind.line_of('target').cell})",
                           "ghi mục tiêu ở một nơi: để trống ô «Mục tiêu» ở trang Tiêu chí "
                           "khi mục tiêu thay đổi theo năm")
                continue
            if current is None:
                current = _dict(row.cells["id"])
                current.from_years = True
                _put(current, "by_year", _dict(row.cells["year"]), row.cells["year"])
                _put(ind, "target", current, row.cells["target"])
            _put(current["by_year"], year, value, row.cells["year"])

    def read_simple(self, raw: CellDict, spec: F.Table, key: str) -> None:
        name, rows = self.table_rows(spec)
        if not rows:
            return
        out = _list(rows[0].first)
        for row in rows:
            d = self.item(spec, row)
            if "groups" in d:
                d["groups"] = _list(d.line_of("groups"),
                                    [self.group_code(g, d.line_of("groups")) for g in d["groups"]])
            out.append(d)
        _put(raw, key, out, out.line)

    def group_code(self, value: str, where: Cell) -> str:
        key = _key(value)
        for code, label in self.groups:
            if key in (_key(code), _key(label)):
                return code
        return value

    def read_classes(self, raw: CellDict, head: dict[str, tuple[Any, Cell]]) -> None:
        name, rows = self.table_rows(F.CLASSES)
        if not rows and not head:
            return
        line = rows[0].first if rows else next(iter(head.values()))[1]
        d = _dict(line)
        for key, (value, where) in head.items():
            _put(d, key, value, where)
        if rows:
            bands = _list(rows[0].first, [self.item(F.CLASSES, row) for row in rows])
            _put(d, "bands", bands, bands.line)
        _put(raw, "classification", d, line)

    def read_prizes(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.PRIZES)
        if not rows:
            return
        sets: dict[str, CellDict] = {}
        for row in rows:
            d = self.item(F.PRIZES, row, skip=("group", "total"))
            group_value = row.values.get("group")
            where = row.cells["group"]
            if group_value is None:
                self.error(where, "giải chưa ghi «Nhóm»", "ghi mã nhóm, hoặc «tất cả»")
                continue
            text = N.clean(group_value)
            group = "*" if _key(text) in (_key(F.ALL_GROUPS), "*", "tat ca cac nhom") \
                else self.group_code(text, where)
            ps = sets.get(group)
            if ps is None:
                ps = _dict(where, {"group": where, "total": row.cells["total"]})
                _put(ps, "group", group, where)
                _put(ps, "prizes", _list(row.first), row.first)
                sets[group] = ps
            if "total" in row.values:
                total = self.convert(row.values["total"], "int", row.cells["total"],
                                     column="Tổng số giải của nhóm")
                if total is not None:
                    if "total" in ps and ps["total"] != total:
                        self.error(row.cells["total"], f"nhóm «{text}» ghi hai tổng số giải khác "
                                   f"nhau ({ps['total']} ở ô {ps.key_lines['total'].cell} và "
                                   f"{total})", "ghi tổng số giải ở một dòng của nhóm")
                    else:
                        _put(ps, "total", total, row.cells["total"])
            ps["prizes"].append(d)
        _put(raw, "prizes", _list(rows[0].first, list(sets.values())), rows[0].first)

    def read_settings(self, head: dict[str, tuple[Any, Cell]]) -> CellDict | None:
        d = _dict(next(iter(head.values()))[1] if head else None)
        for key, (value, where) in head.items():
            _put(d, key, value, where)
        name, rows = self.table_rows(F.TASKS)
        if rows:
            tasks = _list(rows[0].first)
            for row in rows:
                t = self.item(F.TASKS, row)
                tasks.append(t)
            _put(d, "tasks", tasks, tasks.line)
            d.line = d.line or tasks.line
        doc_sheet, doc_rows = self.settings(F.DOCUMENTS)
        if doc_rows:
            vb = _dict(doc_rows[0][2])
            for setting, value, where in doc_rows:
                top, _, sub = setting.key.partition(".")
                target, key = vb, top
                if sub:
                    if top not in vb:
                        _put(vb, top, _dict(where), where)
                    target, key = vb[top], sub
                got = self.convert(value, setting.type, where, setting.words, setting.label)
                if got is None:
                    continue
                if setting.repeat:
                    lines = [s for s in N.label(got).split("\n") if s]
                    if key in target:
                        target[key].extend(lines)
                    else:
                        _put(target, key, _list(where, lines), where)
                else:
                    _put(target, key, got, where)
            _put(d, "van_ban", vb, vb.line)
            d.line = d.line or vb.line
        return d if d else None

    def read_people(self, raw: CellDict) -> None:
        name, rows = self.table_rows(F.PEOPLE)
        if not rows:
            return
        d = _dict(rows[0].first)
        for row in rows:
            item = self.item(F.PEOPLE, row, skip=("part",))
            part = row.values.get("part")
            if part is None:
                continue
            key = self.words(part, F.PERSON_PARTS, row.cells["part"])
            if isinstance(key, _Unread):
                continue
            if key == "standards":
                _put(item, "type", "yesno", row.cells["part"])
            if key not in d:
                _put(d, key, _list(row.first), row.first)
            d[key].append(item)
        _put(raw, "individuals", d, d.line)

    def read_stats(self, raw: CellDict) -> None:
        name, rows = self.settings(F.STATS)
        if not rows:
            return
        d = _dict(rows[0][2])
        columns = _dict(None)
        for setting, value, where in rows:
            if isinstance(setting, str):  # an input code → its column's header path
                got = self.convert(value, "path", where, column="Giá trị")
                if got:
                    if columns.line is None:
                        columns.line = where
                    _put(columns, setting, got, where)
                continue
            got = self.convert(value, setting.type, where, setting.words, setting.label)
            if got is None:
                continue
            _put(d, setting.key, got, where)
        if columns:
            _put(d, "columns", columns, columns.line)
        _put(raw, "stats_import", d, d.line)

    def unknown_sheets(self) -> None:
        known = {_key(s.name) for s in F.sheets_for(self.kind)}
        known |= {_key(s.section) for s in F.sheets_for(self.kind)}
        known |= {_key(F.GUIDE_SHEET), _key(F.META_SHEET), _key(F.ERRORS_SHEET)}
        other = F.YEAR_TARGETS if self.kind != "checklist" else F.VALUES
        for name in self.sheets:
            key = _key(name)
            if key in known:
                continue
            if key == _key(other.name):
                kind_word = F.PLAN_KINDS.word(self.kind)
                self.error(Cell(name, "A1", 1), f"trang «{name}» chỉ dùng cho kế hoạch "
                           f"{F.PLAN_KINDS.word('checklist' if self.kind != 'checklist' else 'points')}"
                           f", kế hoạch này là kế hoạch {kind_word}",
                           "xóa trang này, hoặc sửa «Loại kế hoạch» ở trang «Kế hoạch»")
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
            if close:
                shown = {_key(s.name): s.name for s in F.sheets_for(self.kind)}
                self.error(Cell(name, "A1", 1), f"trang «{name}» không được đọc",
                           f"có phải ý bạn là «{shown.get(close[0], close[0])}»? đổi tên trang "
                           "cho đúng (trang riêng của người soạn: đặt tên khác hẳn)")


def _with_continuations(rows: list[_Row], keys: tuple[str, ...]) -> list[tuple[_Row, list[_Row]]]:
    """Rows with their continuation rows (rows below them with none of ``keys`` filled)."""
    out: list[tuple[_Row, list[_Row]]] = []
    for row in rows:
        if out and not any(k in row.values for k in keys) and "rule.kind" not in row.values:
            out[-1][1].append(row)
        else:
            out.append((row, []))
    return out


_ORDER = ("id", "version", "title", "issuer", "document", "period", "years", "kind", "levels",
          "groups", "self_scored", "manual_total", "group_from_level", "settings", "inputs",
          "values", "criteria", "indicators", "total", "total_max", "gates", "checks",
          "classification", "tie_break", "prizes", "individuals", "stats_import")


def _ordered(raw: CellDict) -> CellDict:
    """Top-level keys in the order a YAML plan writes them."""
    out = _dict(raw.line, raw.places)
    for key in _ORDER:
        if key in raw:
            _put(out, key, raw[key], raw.key_lines.get(key))
    for key in raw:
        if key not in out:
            _put(out, key, raw[key], raw.key_lines.get(key))
    return out
