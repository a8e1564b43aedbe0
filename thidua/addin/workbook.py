"""Reading an open master workbook once, and writing to it once.

``BookView`` reads each sheet's values from A1 to the end of its used range in
one call (what xlwings' VBA client sends as the payload, and one COM call on
the desktop) and remembers them: handlers never read a cell twice, and never
read back what they wrote (in the remote engine writes are only queued).

``Writer`` collects every write a handler decides on and sends them in
``commit()``, after all the work is done: an error while computing leaves the
workbook untouched. Only operations that xlwings' VBA client
(``xlwings/addin/Remote.bas``) can replay are used: values, fill colours,
number formats, clearing, adding a sheet, defined names, activating a sheet
and message boxes — so the payload path tested without Excel exercises
exactly what the desktop does.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from thidua.errors import Problem, ThiduaError
from thidua.plan.model import Plan
from thidua.text import nfc
from thidua.workbook import contract
from thidua.workbook.contract import KIND_MASTER
from thidua.workbook.contract import META_SHEET as SHEET_META
from thidua.workbook.master_layout import MasterLayout
from thidua.workbook.sheet_xml import col_index, col_letter

__all__ = ["BookView", "Master", "Writer", "open_master", "col_index"]

NOT_A_MASTER = ("sổ đang mở không phải sổ tổng hợp do thidua tạo (không có dữ liệu ẩn «_thidua»)")
NOT_A_MASTER_HINT = ("mở sổ tổng hợp của kế hoạch (tệp so-tong-hop.xlsx) rồi bấm lại; chưa có sổ thì "
                     "mở tệp kế hoạch và bấm «Tạo sổ từ kế hoạch» trên thẻ «Thi đua»")


def _clean(value):
    """A cell value as Python sees it: NFC text, None for blanks."""
    if isinstance(value, str):
        return nfc(value) if value != "" else None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _clean_rows(rows) -> list[list]:
    """:func:`_clean` of every cell (the usual types handled inline)."""
    nfc_ = unicodedata.normalize
    return [[(nfc_("NFC", v) if v else None) if type(v) is str
             else (None if v != v else v) if type(v) is float
             else v if v is None or type(v) is int or type(v) is bool
             else _clean(v) for v in row] for row in rows]


def _payload_cleaner(engine):
    """A function giving a list of raw values of xlwings' remote engine (``engine``:
    ``book.app.engine.impl``) as ``Range.value`` and :func:`_clean_rows` together give
    them, in one pass.

    The engine's own pass calls a function on every cell; here only text that may be a
    date (ISO text) or an error (``#DIV/0!``) goes to it, and it decides as it always does.
    """
    import datetime as dt

    def special(v: str):
        v = engine.clean_value_data([[v]], dt.datetime, None, None, False)[0][0]
        return _clean(v)

    nfc_ = unicodedata.normalize

    def clean(cells) -> list:
        return [((special(v) if v[0] in "-0123456789#" else nfc_("NFC", v)) if v else None)
                if type(v) is str
                else (None if v != v else v) if type(v) is float
                else v if v is None or type(v) is int or type(v) is bool
                else _clean(v) for v in cells]

    return clean


class SheetRows(Sequence):
    """The rows of a remote sheet (a rectangle of raw payload values), each cleaned when
    read, and whole columns cleaned on their own (``columns``, as ``thidua.table`` reads a
    table): scoring reads the dozen columns it needs of 33,210 rows, not every cell."""

    def __init__(self, raw: list, clean):
        self._raw, self._clean = raw, clean

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return SheetRows(self._raw[index], self._clean)
        return self._clean(self._raw[index])

    def __iter__(self):
        return map(self._clean, self._raw)

    def columns(self, indices: list[int]) -> dict[int, list]:
        """The cleaned cells of each column (0-based ``indices``; None past the width)."""
        width = len(self._raw[0]) if self._raw else 0
        return {i: self._clean(list(map(itemgetter(i), self._raw))) if i < width
                else [None] * len(self._raw) for i in indices}


def _payload_block(ws, nrows: int, ncols: int) -> list | None:
    """A remote sheet's cells from A1 to row ``nrows``, column ``ncols``, as the payload
    holds them (read, never changed), when the payload's values are exactly that block
    (they start at A1); else None (then ``Range.raw_value`` reads them, copying each row
    into a tuple, 0.03 s for 33,210 rows of 25 cells)."""
    api = ws.api
    values = api.get("values") if isinstance(api, dict) else None
    if type(values) is list and len(values) == nrows and values \
            and set(map(type, values)) == {list} and set(map(len, values)) == {ncols}:
        return values
    return None


_PAYLOAD_PLAIN = frozenset((str, int, float, bool))


def _payload_value(book, value):
    """A value (any :func:`_plain` takes) as the remote engine's ``Range.value`` queues it:
    a blank or NaN as "", a date as ISO text (the engine's own conversion)."""
    value = _plain(value)
    if value is None:
        return ""
    if type(value) in _PAYLOAD_PLAIN:
        return value
    return book.app.engine.impl.prepare_xl_data_element(value, {})


def _remote(book) -> bool:
    """Whether ``book`` lives in xlwings' remote engine (a payload, writes queued as actions)."""
    return getattr(getattr(book.app, "engine", None), "name", "") == "remote"


class BookView:
    """Values of an ``xlwings.Book``'s sheets, each read once (from A1)."""

    def __init__(self, book):
        self.book = book
        self.sheet_names: list[str] = [s.name for s in book.sheets]
        self.remote = _remote(book)
        self._values: dict[str, list[list]] = {}
        self._raw: dict[str, list] = {}  # remote: a sheet's payload values, as sent
        self._cleaner = None
        self._names: dict[str, tuple[str, int, int]] | None = None

    def has(self, sheet: str) -> bool:
        return sheet in self.sheet_names

    def values(self, sheet: str) -> list[list]:
        """Rows of ``sheet`` from row 1, each from column A (blank: None)."""
        if sheet not in self._values:
            if self.remote:
                self._values[sheet] = list(self.rows(sheet))
            else:
                ws = self.book.sheets[sheet]
                last = ws.used_range.last_cell
                block = ws.range((1, 1), (last.row, last.column))
                self._values[sheet] = _clean_rows(block.options(ndim=2).value or [[]])
        return self._values[sheet]

    def rows(self, sheet: str) -> Sequence:
        """The rows of ``values``, read as they are needed: in the remote engine a
        :class:`SheetRows` (whole columns cleaned on their own) until ``values`` has been
        asked for the sheet."""
        if not self.remote or sheet in self._values:
            return self.values(sheet)
        if sheet not in self._raw:
            ws = self.book.sheets[sheet]
            last = ws.used_range.last_cell
            self._raw[sheet] = (_payload_block(ws, last.row, last.column)
                                or ws.range((1, 1), (last.row, last.column)).raw_value or [[]])
        if self._cleaner is None:
            self._cleaner = _payload_cleaner(self.book.app.engine.impl)
        return SheetRows(self._raw[sheet], self._cleaner)

    def cell(self, sheet: str, row: int, col: int):
        rows = self.values(sheet)
        if 1 <= row <= len(rows) and 1 <= col <= len(rows[row - 1]):
            return rows[row - 1][col - 1]
        return None

    def named_value(self, name: str):
        """The value of the single cell a workbook-level defined name points to."""
        if self._names is None:
            self._names = {}
            for n in self.book.names:
                try:
                    rng = n.refers_to_range
                except Exception:  # noqa: BLE001 - a name that is not a range
                    continue
                if rng is None:
                    continue
                label = n.name.split("!")[-1]
                if "!" in n.name:  # sheet-level names do not hide workbook-level ones
                    self._names.setdefault(label, (rng.sheet.name, rng.row, rng.column))
                else:
                    self._names[label] = (rng.sheet.name, rng.row, rng.column)
        where = self._names.get(name)
        if where is None or not self.has(where[0]):
            return None
        return self.cell(*where)


@dataclass
class Master:
    """An open master workbook: its plan, layout and where it lives on disk."""

    view: BookView
    plan: Plan
    layout: MasterLayout
    meta: dict
    path: Path | None = None  # the workbook's file, when known (desktop Excel)
    notes: list[str] = field(default_factory=list)

    @property
    def sheet(self) -> str:
        return self.layout.sheet

    def rows(self) -> list[list]:
        return self.view.values(self.layout.sheet)

    def col(self, key: str) -> int | None:
        letter = self.layout.columns.get(key)
        return col_index(letter) if letter else None

    def unit_rows(self) -> list[tuple[int, str]]:
        """(sheet row, unit code) of every row below the header holding a unit code."""
        code_col = self.col("ma_don_vi")
        out = []
        rows = self.rows()
        for r in range(self.layout.first_row, len(rows) + 1):
            row = rows[r - 1]
            code = row[code_col - 1] if code_col - 1 < len(row) else None
            if code is None or (isinstance(code, str) and not code.strip()):
                continue
            out.append((r, _code_text(code)))
        return out

    def folder(self, override=None, config_key: str = "", default: str = "") -> Path:
        """A folder named on «Cấu hình» (or ``override``), relative to the master's folder."""
        from thidua.workbook.master_layout import CONFIG_NAMES

        if override is not None:
            return Path(override)
        name, label, fallback = CONFIG_NAMES[config_key]
        value = self.view.named_value(name)
        text = str(value).strip() if value not in (None, "") else (default or fallback)
        folder = Path(text)
        if folder.is_absolute():
            return folder
        if self.path is None:
            raise ThiduaError(Problem(
                f"chưa biết sổ tổng hợp được lưu ở đâu nên không tìm được thư mục «{text}» "
                f"(mục «{label}» ở trang «Cấu hình»)",
                hint="lưu sổ (Ctrl+S) rồi bấm lại, hoặc ghi đường dẫn đầy đủ của thư mục "
                     "vào trang «Cấu hình»"))
        return self.path.parent / folder


def _code_text(code) -> str:
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    return nfc(str(code).strip())


def book_path(book, override=None) -> Path | None:
    """The workbook's file on disk: ``override``, else ``book.fullname`` when it is one."""
    if override is not None:
        return Path(override)
    try:
        full = book.fullname
    except Exception:  # noqa: BLE001 - engines without a file name
        return None
    if not full or "://" in str(full):
        return None
    path = Path(full)
    return path if path.is_absolute() and path.is_file() else None


def load_plan_for(plan_id: str, folder: Path | None, plan_file: str | None = None) -> Plan:
    """The master's plan, found beside the master, else built in.

    Beside the master (``folder``): the plan file the master was made from
    (``plan_file``, recorded in its metadata: a ``.yaml`` or a plan workbook
    ``.xlsx``), else ``<id>.yaml`` / ``<id>.yml`` / ``<id>.xlsx``. A file of
    another plan id is not taken.
    """
    from thidua.plan import load_plan

    if folder is not None:
        names = [plan_file] if plan_file else []
        names += [f"{plan_id}.yaml", f"{plan_id}.yml", f"{plan_id}.xlsx"]
        for name in names:
            candidate = folder / Path(str(name)).name
            if candidate.is_file() and candidate.suffix.lower() in (".yaml", ".yml", ".xlsx"):
                plan = load_plan(candidate)
                if plan.id == plan_id:
                    return plan
    return load_plan(plan_id)


def open_master(book, master_path=None) -> Master:
    """Check that ``book`` is a master made by thidua; read its layout and plan."""
    import json

    view = BookView(book)
    if not view.has(SHEET_META):
        raise ThiduaError(Problem(NOT_A_MASTER, hint=NOT_A_MASTER_HINT))
    meta = {}
    for row in view.values(SHEET_META):
        if row and row[0] not in (None, "") and len(row) > 1:
            meta[str(row[0])] = row[1]
    if meta.get("loai") != KIND_MASTER:
        raise ThiduaError(Problem(NOT_A_MASTER, hint=NOT_A_MASTER_HINT))
    try:
        from thidua.workbook.master_layout import layout_json
        layout = MasterLayout.from_json(layout_json(meta))
    except (json.JSONDecodeError, TypeError, ValueError):
        raise ThiduaError(Problem(
            "dữ liệu ẩn mô tả bố cục của sổ (trang «_thidua», mục «bo_cuc») bị hỏng",
            hint="tạo lại sổ: mở tệp kế hoạch, bấm «Tạo sổ từ kế hoạch» trên thẻ «Thi đua», rồi "
                 "chép số liệu sang sổ mới"))
    if not view.has(layout.sheet):
        raise ThiduaError(Problem(f"sổ không còn trang «{layout.sheet}»",
                                  hint="không đổi tên hoặc xóa trang này; tạo lại sổ nếu cần"))
    path = book_path(book, master_path)
    plan = load_plan_for(str(meta.get("ke_hoach")), path.parent if path else None,
                         str(meta.get(contract.PLAN_FILE) or "") or None)
    master = Master(view, plan, layout, meta, path)
    version = meta.get("phien_ban")
    try:
        if version is not None and int(version) != plan.version:
            master.notes.append(f"Sổ được tạo theo phiên bản {int(version)} của kế hoạch, kế hoạch "
                                f"hiện là phiên bản {plan.version}: nên tạo lại sổ theo kế hoạch mới.")
    except (TypeError, ValueError):
        pass
    return master


def read_table(master: Master, source: str, *, allow_missing: bool = True):
    """The scoring table from «Tổng hợp», exactly as ``thidua score`` reads the file
    (``thidua.data``): a blank required figure is «no data» (the unit is then not
    eligible) unless ``allow_missing`` is False (checking the data)."""
    from thidua.data import from_sheet

    return from_sheet(master.plan, master.view.rows(master.sheet), source=source, sheet=master.sheet,
                      allow_missing=allow_missing).table


def master_year(master: Master) -> int | None:
    """The year of targets set on «Cấu hình» (checklist plans), like ``thidua.data.load_data``."""
    from thidua.workbook.contract import YEAR_NAME

    if not master.plan.is_checklist:
        return None
    year = master.view.named_value(YEAR_NAME)
    return int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None


# ------------------------------------------------------------------ writing
def _plain(value):
    """What xlwings can send: Python scalars, None for blanks and NaN."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return nfc(value)
    return value


def runs(items: list) -> list[tuple[int, int, object]]:
    """Consecutive equal items: (first index, last index, item)."""
    from itertools import groupby

    out: list[tuple[int, int, object]] = []
    first = 0
    for item, group in groupby(items):
        last = first + sum(1 for _ in group) - 1
        out.append((first, last, item))
        first = last + 1
    return out


def ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"${col_letter(c1)}${r1}:${col_letter(c2)}${r2}"


class Writer:
    """Writes decided by a handler, sent to the workbook together in ``commit``."""

    def __init__(self, book):
        self.book = book
        self.remote = _remote(book)
        self.ops: list[tuple] = []
        self._sheets: dict[str, object] = {}

    def values(self, sheet: str, row: int, col: int, rows: list[list]) -> None:
        if not rows or not rows[0]:
            return
        if self.remote:  # as the payload holds them (see ``_apply``), in one pass
            plain, book = _PAYLOAD_PLAIN, self.book
            rows = [["" if v is None else v if type(v) is int
                     else _payload_value(book, v) if type(v) not in plain
                     else nfc(v) if type(v) is str else "" if v != v else v for v in r]
                    for r in rows]
        else:
            rows = [[v if v is None or type(v) is int else _plain(v) for v in r] for r in rows]
        self.ops.append(("values", sheet, row, col, rows))

    def color(self, sheet: str, r1: int, c1: int, r2: int, c2: int, color: str) -> None:
        self.ops.append(("color", sheet, r1, c1, r2, c2, "#" + color.lstrip("#").upper()))

    def number_format(self, sheet: str, r1: int, c1: int, r2: int, c2: int, fmt: str) -> None:
        self.ops.append(("number_format", sheet, r1, c1, r2, c2, fmt))

    def clear(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ops.append(("clear", sheet, r1, c1, r2, c2))

    def clear_sheet(self, sheet: str) -> None:
        self.ops.append(("clear_sheet", sheet))

    def add_sheet(self, name: str, after: str) -> None:
        self.ops.append(("add_sheet", name, after))

    def print_area(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ops.append(("print_area", sheet, r1, c1, r2, c2))

    def activate(self, sheet: str) -> None:
        self.ops.append(("activate", sheet))

    def alert(self, text: str, title: str, critical: bool = False) -> None:
        self.ops.append(("alert", text, title, critical))

    def commit(self) -> None:
        book = self.book
        desktop = getattr(getattr(book.app, "engine", None), "name", "") == "excel"
        if desktop:
            try:
                book.app.screen_updating = False
            except Exception:  # noqa: BLE001
                desktop = False
        try:
            for op in self.ops:
                self._apply(op)
        finally:
            if desktop:
                book.app.screen_updating = True

    def _range(self, sheet: str, r1: int, c1: int, r2: int, c2: int):
        """The block by its address: one call to Excel (corner cells would be three), on a
        sheet looked up once."""
        ws = self._sheets.get(sheet)
        if ws is None:
            ws = self._sheets[sheet] = self.book.sheets[sheet]
        return ws.range(f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}")

    def _apply(self, op: tuple) -> None:
        from thidua.addin import _alert

        kind = op[0]
        if kind == "values":
            _, sheet, row, col, rows = op
            ncols = len(rows[0])
            block = self._range(sheet, row, col, row + len(rows) - 1, col + ncols - 1)
            if not self.remote:
                block.value = rows
                return
            # The actions ``.value`` would queue (a blank as "", the block cut into pieces of at
            # most the engine's cells per write), without its conversion pipeline: in the
            # remote engine that copies the whole sheet nine times to size the block. The
            # cells were made what the payload holds in ``values``.
            budget = block.impl.max_cells_per_write
            step = max(1, budget // ncols) if budget and len(rows) * ncols > budget else len(rows)
            for start in range(0, len(rows), step):
                part = rows[start:start + step]
                self._range(sheet, row + start, col, row + start + len(part) - 1,
                            col + ncols - 1).raw_value = part
        elif kind == "color":
            self._range(*op[1:6]).color = op[6]
        elif kind == "number_format":
            self._range(*op[1:6]).number_format = op[6]
        elif kind == "clear":
            self._range(*op[1:6]).clear()
        elif kind == "clear_sheet":
            self.book.sheets[op[1]].clear()
        elif kind == "add_sheet":
            self.book.sheets.add(name=op[1], after=self.book.sheets[op[2]])
            self._sheets.clear()
        elif kind == "print_area":
            _, sheet, r1, c1, r2, c2 = op
            quoted = "'" + sheet.replace("'", "''") + "'"
            self.book.sheets[sheet].names.add("Print_Area", f"={quoted}!{ref(r1, c1, r2, c2)}")
        elif kind == "activate":
            self.book.sheets[op[1]].activate()
        elif kind == "alert":
            _alert(self.book, op[1], op[2], critical=op[3])
        else:  # pragma: no cover - programming error
            raise ValueError(kind)


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def cell_position(cell: str) -> tuple[int, int] | None:
    """«F7» -> (7, 6)."""
    m = _CELL.match(cell or "")
    if not m:
        return None
    return int(m.group(2)), col_index(m.group(1))
