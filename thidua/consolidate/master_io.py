"""Read what an office's master workbook holds: units, figures, appraisals, notes, settings.

A master this tool wrote and nobody has saved since (its seal, ``niem_phong`` in the
hidden metadata, matches its parts: :func:`thidua.workbook.package.seal`) is read
straight from its package — the few columns needed, values as openpyxl would read
them — and kept (``MasterData.package``) so consolidation can change it in place. Any
other master (saved by Excel or LibreOffice, or by an older version) is read with
openpyxl.
"""
from __future__ import annotations

import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import thidua
from thidua.codecs import unit_codes
from thidua.errors import InputError, Problem, ThiduaError
from thidua.plan.model import Plan
from thidua.workbook import contract
from thidua.workbook.contract import APPRAISAL_SUFFIX, KIND_MASTER, META_SHEET, YEAR_NAME

if TYPE_CHECKING:
    from thidua.workbook.master_layout import MasterLayout

__all__ = ["MasterData", "OpenMaster", "is_master", "open_master", "read_master", "LOG_FIRST_ROW",
           "LOG_WIDTH", "damaged_master", "package_errors"]

#: The receipt log («Nhật ký nhận»): first row of files, number of columns.
LOG_FIRST_ROW = 4
LOG_WIDTH = 7
SHEET_LOG = "Nhật ký nhận"


@dataclass
class MasterData:
    path: Path
    layout: "MasterLayout"
    units: list[dict]  # ma_don_vi, ten_don_vi, nhom, cap, inputs and appraisals as typed, ghi_chu
    config: dict[str, object] = field(default_factory=dict)
    year: int | None = None
    meta: dict[str, object] = field(default_factory=dict)  # the hidden _thidua rows
    log_rows: list[list] = field(default_factory=list)  # the receipt log's rows
    #: sealed masters: the package as this tool wrote it, the row of each unit, and the cells
    #: of the input (and appraisal) columns: {row: {column: (value, style id)}}
    package: object | None = None
    rows: dict[str, int] = field(default_factory=dict)
    cells: dict[int, dict[str, tuple[object, int]]] = field(default_factory=dict)
    table: dict[int, dict[str, tuple[object, int]]] = field(default_factory=dict)  # all read columns

    def unit(self, code: str) -> dict:
        for u in self.units:
            if u["ma_don_vi"] == code:
                return u
        raise KeyError(code)


def is_master(path: str | Path) -> bool:
    """True when ``path`` is a master workbook made by thidua (cheap check)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return KIND_MASTER.encode() in b"".join(
                zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")
                or n == "xl/sharedStrings.xml")
    except (OSError, zipfile.BadZipFile):
        return False


def _not_a_master(path: Path) -> InputError:
    return InputError(Problem("tệp này không phải sổ tổng hợp do thidua tạo", file=path.name,
                              hint="tạo sổ bằng «thidua generate … --master»"))


def damaged_master(path: Path, sheet: str | None = None) -> InputError:
    """The master cannot be read: not a workbook, or damaged (``sheet``: the sheet whose part
    is damaged, when it is one)."""
    where = f" (trang «{sheet}» bị hỏng)" if sheet else ""
    return InputError(Problem(f"không mở được sổ tổng hợp: tệp không phải bảng tính Excel (.xlsx) "
                              f"hoặc đã bị hỏng{where}", file=str(path), code="tep_hong",
                              hint="kiểm tra đường dẫn; nếu sổ bị hỏng, dùng bản sao lưu "
                                   "(tên có «.bak-») bên cạnh"))


@contextmanager
def package_errors(path: Path, package) -> Iterator[None]:
    """Reading or changing a sealed master's ``package``: an error raised while its parts are
    scanned (their CRC is checked only at the end of each) is said as a damaged master when a
    part of the file is damaged; any other error is left as it is."""
    try:
        yield
    except ThiduaError:
        raise
    except Exception:
        part = package.damaged() if package is not None else None
        if part is None:
            raise
        titles = {entry.part: entry.title for entry in package.sheets()}
        raise damaged_master(path, titles.get(part)) from None


def _wrong_plan(path: Path, meta: dict, plan: Plan) -> InputError:
    return InputError(Problem(
        f"sổ tổng hợp thuộc kế hoạch «{meta.get(contract.PLAN)}», không phải «{plan.id}»",
        file=path.name, hint="chọn đúng kế hoạch hoặc đúng sổ tổng hợp"))


def _keep(plan: Plan) -> list[str]:
    """The columns read: the unit, every input and appraisal, the office's note."""
    return (["ma_don_vi", "ten_don_vi", "nhom", "cap", "ghi_chu"] + [i.code for i in plan.inputs]
            + [i.code + APPRAISAL_SUFFIX for i in plan.inputs])


def _record(plan: Plan, raw: dict, labels: dict | None = None) -> dict | None:
    """A unit's row as a record (group and level as codes); ``labels`` caches the codes of
    the group and level labels met so far (every unit of a group shows the same)."""
    if raw.get("ma_don_vi") in (None, ""):
        return None
    raw["ma_don_vi"] = str(raw["ma_don_vi"]).strip()
    record = {k: v for k, v in raw.items() if v is not None and v != ""}
    if labels is None:
        return unit_codes(plan, record)
    key = (record.get("nhom"), record.get("cap"))
    try:
        codes = labels[key]
    except KeyError:
        codes = labels[key] = unit_codes(plan, {k: v for k, v in zip(("nhom", "cap"), key)
                                                if v is not None})
    except TypeError:  # a value that cannot be a key: as it is
        return unit_codes(plan, record)
    record.update(codes)
    return record


class OpenMaster:
    """A master whose metadata is read and checked (a master of this plan, its receipts…);
    :meth:`read` reads the rest — its unit rows, megabytes for a big master — when wanted."""

    def __init__(self, path: Path, meta: dict[str, object], rest: Callable[[], MasterData]):
        self.path = path
        self.meta = meta  # the dict the master read keeps (what is dropped from it stays out)
        self._rest = rest

    def read(self) -> MasterData:
        return self._rest()


def open_master(path: str | Path, plan: Plan) -> OpenMaster:
    """The master's metadata, checked; the rest read by ``.read()`` (a master this tool did not
    seal is read whole with openpyxl here)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:  # missing, no permission, network drive gone…
        from thidua.fileio import os_problem
        problem = os_problem(exc, path, action="mở")
        raise InputError(problem.with_place(
            message=problem.message.replace("không mở được", "không mở được sổ tổng hợp", 1))) from None
    sealed = _open_sealed(path, data, plan)
    if sealed is not None:
        return sealed
    master = _read_openpyxl(path, data, plan)
    return OpenMaster(path, master.meta, lambda: master)


def read_master(path: str | Path, plan: Plan) -> MasterData:
    """Units and everything typed in the master (figures, appraisals, notes, settings)."""
    return open_master(path, plan).read()


# ------------------------------------------------------------------ sealed: from the package
def sealed_parts(package) -> tuple[str, dict] | None:
    """(metadata part, metadata) of a package this tool wrote and nobody saved since; else None."""
    from thidua.workbook.package import CORE, seal
    from thidua.workbook.sheet_xml import sheet_rows

    entries = package.sheets()
    meta_part = next((s.part for s in entries if s.title == META_SHEET), None)
    if meta_part is None or meta_part not in package:
        return None
    meta = _meta_rows(sheet_rows(package.pieces(meta_part), columns={"A", "B"}))
    package.forget(meta_part)
    if meta.get(contract.TOOL_VERSION) != thidua.__version__ or not meta.get(contract.SEAL):
        return None
    if meta[contract.SEAL] != seal(package, leave_out={meta_part, CORE}):
        return None
    return meta_part, meta


def _meta_rows(rows: dict) -> dict:
    meta: dict = {}
    for r in sorted(rows):
        key = rows[r].get("A", (None, 0))[0]
        if key not in (None, "") and key not in meta:
            meta[key] = rows[r].get("B", (None, 0))[0]
    return meta


def _open_sealed(path: Path, data: bytes, plan: Plan) -> OpenMaster | None:
    from thidua.workbook.master_layout import MasterLayout, layout_json
    from thidua.workbook.package import Package

    try:
        package = Package(data)
        found = sealed_parts(package)
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError):
        return None
    if found is None:
        return None
    _, meta = found
    if meta.get(contract.KIND) != KIND_MASTER:
        raise _not_a_master(path)
    if meta.get(contract.PLAN) != plan.id:
        raise _wrong_plan(path, meta, plan)
    layout = MasterLayout.from_json(layout_json(meta))
    return OpenMaster(path, meta, lambda: _read_sealed(path, package, meta, plan, layout))


def _read_sealed(path: Path, package, meta: dict, plan: Plan, layout) -> MasterData:
    with package_errors(path, package):
        return _read_sealed_parts(path, package, meta, plan, layout)


def _read_sealed_parts(path: Path, package, meta: dict, plan: Plan, layout) -> MasterData:
    from thidua.workbook.master_layout import CONFIG_NAMES
    from thidua.workbook.sheet_xml import sheet_rows

    parts = {s.title: s.part for s in package.sheets()}
    snapshot = _snapshot(meta, plan, layout)
    drop(meta, contract.SNAPSHOT)  # megabytes for a big master, no longer needed
    if snapshot is not None:
        table, log_rows = snapshot
    else:
        table = unit_table(package, parts[layout.sheet], plan, layout)
        log_rows = _log_of(package, parts)
    units, rows, cells = table_units(plan, layout, table)
    names = package.defined_names()
    by_sheet: dict[str, dict[int, dict]] = {}

    def named(name: str):
        target = names.get(name)
        if not target or "!" not in target:
            return None
        sheet, ref = target.rsplit("!", 1)
        sheet = sheet.strip("'").replace("''", "'")
        ref = ref.replace("$", "").split(":")[0]
        letters_ = "".join(ch for ch in ref if ch.isalpha())
        number = int("".join(ch for ch in ref if ch.isdigit()))
        if sheet not in by_sheet:
            by_sheet[sheet] = sheet_rows(package.pieces(parts[sheet])) if sheet in parts else {}
        return by_sheet[sheet].get(number, {}).get(letters_, (None, 0))[0]

    config = {key: named(name) for key, (name, _label, _default) in CONFIG_NAMES.items()}
    year = named(YEAR_NAME)
    return MasterData(path, layout, units, config,
                      int(year) if isinstance(year, (int, float)) else None, meta, log_rows,
                      package, rows, cells, table)


UNIT_KEYS = ("ma_don_vi", "ten_don_vi", "nhom", "cap", "ghi_chu")


def drop(meta: dict, key: str) -> None:
    """Remove ``key`` and its continuation rows from the metadata read."""
    for name in [k for k in meta if isinstance(k, str) and k.split("#")[0] == key]:
        del meta[name]


def table_columns(plan: Plan, layout) -> tuple[list[str], list[str]]:
    """The keys read from a master's unit rows and their column letters (sorted)."""
    keep = [k for k in _keep(plan) if k in layout.columns]
    return keep, sorted({layout.columns[k] for k in keep})


def unit_table(package, part: str, plan: Plan, layout) -> dict[int, dict[str, tuple[object, int]]]:
    """{row: {column: (value, style)}} of the read columns of the unit rows, from the part."""
    from thidua.workbook.sheet_xml import sheet_rows

    _, letters = table_columns(plan, layout)
    table = sheet_rows(package.pieces(part), columns=set(letters), first_row=layout.first_row,
                       last_row=layout.last_row)
    package.forget(part)  # megabytes for a big master: read again if it is changed
    return table


def table_units(plan: Plan, layout, table: dict) -> tuple[list[dict], dict[str, int], dict]:
    """(records, row of each unit, cells of the input columns) from a unit table."""
    col = layout.columns
    keep, _ = table_columns(plan, layout)
    inputs = {col[k] for k in keep if k not in UNIT_KEYS}
    units, rows, cells, labels = [], {}, {}, {}
    for r in range(layout.first_row, layout.last_row + 1):
        got = table.get(r, {})
        record = _record(plan, {k: got[col[k]][0] for k in keep if col[k] in got}, labels)
        cells[r] = {c: v for c, v in got.items() if c in inputs}
        if record is not None:
            units.append(record)
            rows[record["ma_don_vi"]] = r
    return units, rows, cells


def _log_of(package, parts: dict[str, str]) -> list[list]:
    from thidua.workbook.sheet_xml import sheet_rows

    rows = []
    if SHEET_LOG in parts:
        log = sheet_rows(package.pieces(parts[SHEET_LOG]), first_row=LOG_FIRST_ROW)
        for r in sorted(log):
            values = [log[r].get(chr(65 + j), (None, 0))[0] for j in range(LOG_WIDTH)]
            if values[0] and values[1]:
                rows.append(values)
    return rows


def snapshot_json(plan: Plan, layout, table: dict, log: list[list]) -> Iterator[str]:
    """The unit rows (read columns) and the receipt log as read, as JSON for the metadata (in
    pieces, a row at a time): a sealed master is then read without its sheets being scanned."""
    import json

    from thidua.workbook.sheet_xml import as_read

    encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
    _, letters = table_columns(plan, layout)
    yield f'{{"key":{encode([layout.first_row, layout.last_row, letters])},"rows":['
    for r in range(layout.first_row, layout.last_row + 1):
        cells = table.get(r, {})
        row: list = []  # per column: value, style (None: no cell)
        for c in letters:
            row += cells.get(c, (None, None))
        yield ("," if r > layout.first_row else "") + encode(row)
    yield '],"log":['
    first = True
    for values in log:
        shown = [as_read(v) for v in values]
        if shown[0] and shown[1]:
            yield ("" if first else ",") + encode(shown)
            first = False
    yield "]}"


def _snapshot(meta: dict, plan: Plan, layout):
    import json

    text = contract.joined(meta, contract.SNAPSHOT)
    if not text:
        return None
    try:
        data = json.loads(text)
        letters = table_columns(plan, layout)[1]
        if data.get("key") != [layout.first_row, layout.last_row, letters]:
            return None
        table = {}
        for r, row in enumerate(data["rows"], start=layout.first_row):
            table[r] = {c: (row[2 * i], row[2 * i + 1]) for i, c in enumerate(letters)
                        if row[2 * i + 1] is not None}
        return table, [list(v) for v in data["log"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# ------------------------------------------------------------------ anything else: openpyxl
def _meta(wb) -> dict:
    ws = wb[META_SHEET]
    return {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and row[0]}


def _read_openpyxl(path: Path, data: bytes, plan: Plan) -> MasterData:
    import io

    import openpyxl

    from thidua.workbook.master_layout import CONFIG_NAMES, MasterLayout, layout_json

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - not a workbook, damaged…: reported the same way
        raise damaged_master(path) from None
    try:
        if META_SHEET not in wb.sheetnames or _meta(wb).get(contract.KIND) != KIND_MASTER:
            raise _not_a_master(path)
        meta = _meta(wb)
        if meta.get(contract.PLAN) != plan.id:
            raise _wrong_plan(path, meta, plan)
        layout = MasterLayout.from_json(layout_json(meta))
        ws = wb[layout.sheet]
        col = {k: openpyxl.utils.column_index_from_string(v) - 1 for k, v in layout.columns.items()}
        keep = _keep(plan)
        units = []
        for row in ws.iter_rows(min_row=layout.first_row, max_row=layout.last_row, values_only=True):
            record = _record(plan, {k: row[col[k]] for k in keep if k in col and col[k] < len(row)})
            if record is not None:
                units.append(record)
        config = {}
        for key, (name, _label, _default) in CONFIG_NAMES.items():
            config[key] = _named_value(wb, name)
        year = _named_value(wb, YEAR_NAME)
        log_rows = []
        if SHEET_LOG in wb.sheetnames:
            for row in wb[SHEET_LOG].iter_rows(min_row=LOG_FIRST_ROW, values_only=True):
                if row and row[0] and row[1]:
                    log_rows.append(list(row[:LOG_WIDTH]))
        return MasterData(path, layout, units, config,
                          int(year) if isinstance(year, (int, float)) else None, meta, log_rows)
    finally:
        wb.close()


def _named_value(wb, name: str):
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    for sheet, ref in defined.destinations:
        cell = wb[sheet][ref.replace("$", "")]
        return cell.value
    return None
