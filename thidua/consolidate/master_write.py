"""Write the consolidated master: changed in place when it can be, rebuilt when it must be.

The master's content is a function of what goes into it: the plan, the units'
records (figures, appraisals, notes), the year and settings, the report's rows and
the receipt log's rows. A digest of those (``noi_dung``) is kept in the hidden
metadata: the same inputs as last time means nothing to write.

Otherwise, when the master is exactly as this tool last wrote it (its seal matches,
same tool version and plan) it is changed **in place**: the input cells of the units
whose figures changed are rewritten in the package (``thidua.workbook.package``),
nothing else of «Tổng hợp» is touched. Any other master is **rebuilt** by the
master writer (``build_master_and_layout``), keeping what the office typed on the
rebuilt sheets (trend figures, task status). Both ways then put in the same report
and receipt-log sheets (written here, straight as sheet XML), the metadata (digest,
receipts, seal), and give the same content cell for cell
(``tests/test_consolidate_incremental.py``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from typing import Callable, Iterable, Iterator

import thidua
from thidua import fileio
from thidua.consolidate.master_io import LOG_FIRST_ROW, SHEET_LOG, MasterData, package_errors
from thidua.consolidate.outcome import OLDER, Outcome
from thidua.consolidate.report import COLUMNS, ERROR, WARNING, count, row
from thidua.errors import Problem
from thidua.plan.model import Plan
from thidua.text import fold
from thidua.workbook import contract
from thidua.workbook.sheet_xml import patch_rows

__all__ = ["SHEET_REPORT", "SHEET_LOG", "LOG_COLUMNS", "IN_USE", "rewrite_master", "log_rows",
           "content_digest", "match_period"]

SHEET_REPORT = contract.REPORT_SHEET
REPORT_TITLE = contract.REPORT_TITLE
REPORT_INDEX, LOG_INDEX = 1, 2  # right after «Tổng hợp»
REPORT_HEADER_ROW = 4
LOG_TITLE = "NHẬT KÝ NHẬN TỆP"
LOG_NOTE = ("Mỗi tệp được nhận: tên, mã băm SHA-256, đơn vị, thời điểm nhận, thời điểm đơn vị lưu, "
            "phiên bản mẫu, tệp nào đang dùng.")
LOG_COLUMNS = ["Tệp", "SHA-256", "Đơn vị", "Thời điểm nhận", "Lưu lúc", "Phiên bản mẫu", "Sử dụng"]
LOG_WIDTHS = (36, 66, 14, 20, 20, 10, 34)
IN_USE = "đang dùng"
FILL_HEADER, FILL_ERROR, FILL_WARNING = "D9E1F2", "FFC7CE", "FFF2CC"


# ------------------------------------------------------------------ what goes in
def log_rows(master: MasterData, out: Outcome) -> list[list]:
    """Receipt log: earlier rows of the master kept, this run's files updated."""
    rows: dict[tuple[str, str], list] = {(r[0], r[1]): list(r) for r in master.log_rows}
    for key in list(rows):  # an older file of a unit now submitted again is no longer in use
        rows[key] += [""] * (len(LOG_COLUMNS) - len(rows[key]))
        if rows[key][6] == IN_USE:
            rows[key][6] = "không dùng (có tệp khác)"
    for s in out.accepted:
        received = dt.datetime.fromtimestamp(s.file.mtime).strftime("%d/%m/%Y %H:%M:%S")
        status = IN_USE if s.used else (s.status or OLDER)
        rows[(s.rel, s.file.sha256)] = [s.rel, s.file.sha256, s.unit, received, s.saved_at,
                                        str(s.version or ""), status]
    return sorted(rows.values(), key=lambda r: (str(r[2]), str(r[0]), str(r[1])))


def _typed(value):
    return [type(value).__name__, repr(value)]


def content_digest(plan: Plan, master: MasterData, units: list[dict], issues: list[Problem],
                   log: list[list], period: str | None) -> str:
    """A digest of everything the master is built from (the same inputs give the same master)."""
    digest = hashlib.sha256()
    for part in ([thidua.__version__, plan.id, plan.version, plan.fingerprint, period],
                 [master.year, master.config], units, [row(p) for p in issues], log):
        digest.update(json.dumps(part, sort_keys=True, ensure_ascii=True, default=_typed).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


# ------------------------------------------------------------------ the master
def rewrite_master(plan: Plan, master: MasterData, units: list[dict], issues: list[Problem], *,
                   log_rows: list[list] | None = None, period: str | None = None,
                   now: dt.datetime | None = None, backup: bool = True,
                   outputs: fileio.Outputs | None = None,
                   receipts: str | Callable[[], Iterable[str]] | None = None,
                   in_place: bool = True, how: dict | None = None) -> tuple[bool, Path | None]:
    """The master with ``units`` (figures, appraisals, notes), the report and the log.

    Nothing is written when what it is built from is unchanged; otherwise the old file
    is backed up first and the new one replaces it atomically. With ``outputs`` the new
    master is only prepared there (the caller commits it with its other outputs; the
    backup is then in ``outputs.backups``). ``receipts``: the receipts' text to keep, or
    a function giving it in pieces (default: those the master has). ``in_place=False`` always rebuilds; ``how`` (a
    dict) gets ``"ghi"``: ``"tai_cho"`` (changed in place) or ``"dung_lai"`` (rebuilt).
    Returns (changed, backup path).
    """
    log = master.log_rows if log_rows is None else log_rows
    digest = content_digest(plan, master, units, issues, log, period)
    if master.meta.get(contract.CONTENT) == digest:
        return False, None
    with package_errors(master.path, master.package):  # a part of the old file damaged
        changed = _changed_in_place(plan, master, units) if in_place and period is None else None
        if how is not None:
            how["ghi"] = "dung_lai" if changed is None else "tai_cho"
        package, table = changed or (_rebuilt(plan, master, units, period), None)
        if receipts is None:
            receipts = contract.joined(master.meta, contract.RECEIPTS)
        elif callable(receipts):
            receipts = receipts()
        _finish(plan, package, issues, log, digest, receipts, now, table)
        path = master.path
        if outputs is not None:
            package.save(outputs.file(path, backup=backup), when=now)
            return True, None
        with fileio.Outputs(backup=backup, now=now) as own:
            package.save(own.file(path), when=now)
            own.commit()
    return True, own.backups.get(path)


def _rebuilt(plan: Plan, master: MasterData, units: list[dict], period: str | None):
    """The master built again by the master writer, with what the office typed on the sheets
    the tool rebuilds carried over, and this period's criteria met recorded."""
    import openpyxl

    from thidua.output.results_xlsx import exact_floats
    from thidua.workbook.master import build_master_and_layout
    from thidua.workbook.package import Package

    wb, layout = build_master_and_layout(plan, units, year=master.year, config=master.config)
    rebuilt = [s for s in (layout.trend_sheet, layout.tasks_sheet) if s]
    if rebuilt:
        try:
            old = openpyxl.load_workbook(master.path, read_only=True)
        except Exception:  # noqa: BLE001 - an unreadable old master is replaced (after a backup)
            old = None
        _carry_over(old, wb, rebuilt)
    if period:
        _record_period(plan, wb, layout, units, period, master.year)
    buffer = io.BytesIO()
    with exact_floats():
        wb.save(buffer)
    return Package(buffer.getvalue())


def _changed_in_place(plan: Plan, master: MasterData, units: list[dict]):
    """(package, unit table) of the sealed master with the input cells of the units whose
    figures changed rewritten; None when the master cannot be changed in place (then it is
    rebuilt)."""
    from thidua.workbook.master_layout import CHANGED, FILL_CHANGED, FILL_INPUT, input_value
    from thidua.workbook.package import STYLES
    from thidua.workbook.sheet_xml import as_read, cell_xml
    from thidua.workbook.styles_xml import Styles

    package = master.package
    meta = master.meta
    if package is None or meta.get(contract.PLAN_FINGERPRINT) != plan.fingerprint \
            or str(meta.get(contract.VERSION)) != str(plan.version):
        return None
    if master.layout.tasks_sheet:  # its stored values depend on the day: rebuilt
        return None
    old = {u["ma_don_vi"]: u for u in master.units}
    if [u["ma_don_vi"] for u in units] != list(old) or set(old) - set(master.rows):
        return None
    col = master.layout.columns
    keys = {inp.code: inp for inp in plan.inputs}
    keys.update({contract.appraisal_name(inp.code): inp for inp in plan.inputs})
    keys = {k: inp for k, inp in keys.items() if k in col}
    free = set(keys) | {CHANGED, "nam"}  # what consolidation may change in a unit's record
    fixed: dict[tuple, list[str]] = {}  # the keys of a record that only the office changes
    styles = Styles(package.read(STYLES))
    changes: dict[int, dict[str, str]] = {}
    table = dict(master.table)  # a row is copied when it changes (few do, usually)
    for record in units:
        before = old[record["ma_don_vi"]]
        shape = (tuple(before), tuple(record))
        if shape not in fixed:
            fixed[shape] = [k for k in dict.fromkeys([*before, *record]) if k not in free]
        if any(before.get(k) != record.get(k) for k in fixed[shape]):
            return None  # a unit's name, group, level or note differs: not consolidation's
        if record == before:  # its cells are as the writer left them for this record
            continue
        r = master.rows[record["ma_don_vi"]]
        cells = master.cells.get(r, {})
        marked = set(record.get(CHANGED) or ())
        for key, inp in keys.items():
            letter = col[key]
            if letter not in cells:
                return None  # not as the writer leaves an input cell
            value = input_value(inp, record.get(key))
            old_value, style = cells[letter]
            fill = FILL_CHANGED if key in marked else FILL_INPUT
            new_style = style if styles.fill_of(style) == fill else styles.with_fill(style, fill)
            if new_style == style and type(value) is type(old_value) and value == old_value:
                continue
            if r not in changes:
                table[r] = dict(table.get(r, {}))
            changes.setdefault(r, {})[letter] = cell_xml(f"{letter}{r}", value, new_style) \
                or f'<c r="{letter}{r}" t="n"></c>'
            table[r][letter] = (as_read(value), new_style)
    _stored_values(plan, package, master, table, changes)
    if styles.added:
        package.write(STYLES, styles.to_xml())
    return package, table


class _Value:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _ref(ref: str) -> tuple[int, str]:
    """``"D12"`` → (12, "D")."""
    letters = len(ref) - len(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return int(ref[letters:]), ref[:letters]


class _Sheet:
    """A sheet as the master's value functions read it: ``sheet["D7"].value`` (from the
    {row: {column: (value, style)}} it was read into)."""

    def __init__(self, rows: dict[int, dict[str, tuple]]):
        self.rows = rows

    def __getitem__(self, ref: str) -> _Value:
        r, col = _ref(ref.replace("$", ""))
        return _Value(self.rows.get(r, {}).get(col, (None, 0))[0])

    def column_values(self, letter: str, rows: Iterable[int]) -> list:
        """The values of column ``letter`` in ``rows`` (as ``sheet[ref].value`` gives them)."""
        empty: dict = {}
        get = self.rows.get
        return [get(r, empty).get(letter, (None, 0))[0] for r in rows]


class _Book:
    """The sheets the value functions of the units' rows read (``book[title]``)."""

    def __init__(self, sheets: dict[str, dict[int, dict[str, tuple]]]):
        self.sheets = sheets

    def __getitem__(self, title: str) -> _Sheet:
        return _Sheet(self.sheets.get(title, {}))


def _column_values(plan: Plan, layout, sheets: dict) -> dict[str, dict[str, list]]:
    """Per sheet, per column: the value of every unit row's formula cell (as the master writer
    stores it), from the ``sheets`` as they are now. The figures' state they are computed
    from (tens of megabytes for 33,210 units) is let go before the sheets are patched."""
    from thidua.program.compile import compile_plan
    from thidua.workbook.master.values import _MasterState, unit_row_values

    vals = unit_row_values(plan, compile_plan(plan), layout)
    state = _MasterState(vals, _Book(sheets))
    columns: dict[str, dict[str, list]] = {}
    for sheet, letter, fn in vals.columns:
        columns.setdefault(sheet, {})[letter] = list(fn(state))
    return columns


def _stored_values(plan: Plan, package, master: MasterData, table: dict,
                   changes: dict[int, dict[str, str]]) -> None:
    """Write the input cells ``changes`` into «Tổng hợp» and, in the rows they change, store
    the values their formula cells compute (also on «Chỉ tiêu»), as the master writer stores
    them; the charts get the values they plot."""
    from thidua.workbook.cached import _bake_chart, _bake_sheet
    from thidua.workbook.master.values import _stored
    from thidua.workbook.master_layout import SHEET_SUMMARY
    from thidua.workbook.sheet_xml import sheet_rows

    layout = master.layout
    sheets = {SHEET_SUMMARY: table}
    for name, target in layout.names.items():  # the year (checklist plans)
        sheet = target.rsplit("!", 1)[0].strip("'").replace("''", "'")
        part = package.sheet_part(sheet)
        if part is not None and sheet not in sheets:
            sheets[sheet] = sheet_rows(package.pieces(part))
    columns = _column_values(plan, layout, sheets)
    first = layout.first_row

    stored = {sheet: [(letter, [_stored(v) for v in values]) for letter, values in cols.items()]
              for sheet, cols in columns.items()}

    def row_values(sheet: str, r: int) -> dict[str, object]:
        at = r - first
        return {f"{letter}{r}": values[at] for letter, values in stored.get(sheet, ())}

    for sheet in [layout.sheet] + [s for s in columns if s != layout.sheet]:
        # the input cells on «Tổng hợp»; on every sheet, the values in the rows they change
        rows = {r: (cells if sheet == layout.sheet else {}) for r, cells in changes.items()}
        part = package.sheet_part(sheet)
        if part is None or not rows:
            continue
        package.write(part, patch_rows(package.pieces(part), rows, lambda r, xml, sheet=sheet:
                                       _bake_sheet(xml.decode("utf-8"), row_values(sheet, r))
                                       .encode("utf-8")))
        package.forget(part)
    plotted = columns.get(SHEET_SUMMARY, {})

    def lookup(sheet: str, ref: str):
        if sheet != SHEET_SUMMARY:
            raise KeyError(sheet)  # a chart of another sheet is left as it is
        r, letter = _ref(ref)
        if letter in plotted and first <= r < first + len(plotted[letter]):
            return _stored(plotted[letter][r - first])
        return table.get(r, {}).get(letter, (None, 0))[0]

    for name in package.names():
        if name.startswith("xl/charts/chart") and name.endswith(".xml"):
            package.write(name, _bake_chart(package.read(name).decode("utf-8"), lookup)
                          .encode("utf-8"))


def _finish(plan: Plan, package, issues: list[Problem], log: list[list], digest: str,
            receipts: str | Iterable[str], now: dt.datetime | None, table: dict | None) -> None:
    """The report and log sheets, the metadata (digest, receipts, snapshot, seal), the save
    time. ``table``: the unit rows' read columns as now (None: read from the package)."""
    from thidua.consolidate.master_io import snapshot_json, unit_table
    from thidua.workbook.master_layout import MasterLayout, layout_json
    from thidua.workbook.package import STYLES, meta_rows, sealed
    from thidua.workbook.styles_xml import Styles

    styles = Styles(package.read(STYLES))
    report, autofilter = _report_part(issues, styles)
    titles = [s.title for s in package.sheets()]
    for title, index, content in ((SHEET_REPORT, REPORT_INDEX, report),
                                  (SHEET_LOG, LOG_INDEX, _log_part(log, styles))):
        part = package.sheet_part(title)
        if part is None:
            package.insert_sheet(title, index, content)
            titles.insert(index, title)
        else:
            package.write(part, content)
    package.set_filter_range(titles.index(SHEET_REPORT), SHEET_REPORT, autofilter)
    if styles.added:
        package.write(STYLES, styles.to_xml())
    when = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    package.stamp(modified=when, created=now)
    ours = (contract.CONTENT, contract.RECEIPTS, contract.SNAPSHOT, contract.SEAL)
    meta_part, kept = meta_rows(package, leave_out=ours)
    kept.append((contract.CONTENT, digest))
    if receipts:
        kept += contract.chunks(contract.RECEIPTS, receipts)
    layout = MasterLayout.from_json(layout_json(dict(kept)))
    if table is None:
        table = unit_table(package, package.sheet_part(layout.sheet), plan, layout)
    kept += contract.chunks(contract.SNAPSHOT, snapshot_json(plan, layout, table, log))
    sealed(package, meta_part, kept)


# ------------------------------------------------------------------ report and log sheets
def _report_part(issues: list[Problem], styles) -> tuple[Iterator[bytes], str]:
    """The report sheet (as pieces): one row per problem, errors in red, warnings in yellow;
    its filter."""
    from thidua.workbook.sheet_xml import col_letter, table_sheet_xml
    from thidua.workbook.styles_xml import Look

    header = REPORT_HEADER_ROW
    wrapped = {1, 2, 6, len(COLUMNS)}
    severity_col = [label for label, _ in COLUMNS].index("Mức độ") + 1
    title = styles.look(Look(bold=True, size=13))
    note = styles.look(Look(wrap=True, vertical="top"))
    head = styles.look(Look(bold=True, fill=FILL_HEADER))
    plain, wrap = styles.look(Look(vertical="top")), styles.look(Look(wrap=True, vertical="top"))
    marks = {sev: styles.look(Look(vertical="top", wrap=severity_col in wrapped, fill=color))
             for sev, color in ((ERROR, FILL_ERROR), (WARNING, FILL_WARNING))}
    rows = {1: [(REPORT_TITLE, title)],
            2: [(f"{count(issues, ERROR)} lỗi, {count(issues, WARNING)} cảnh báo. Lọc theo cột "
                 "«Mã lỗi» hoặc «Mức độ» để xem từng loại.", note)],
            header: [(label, head) for label, _ in COLUMNS]}
    widths = [width for _, width in COLUMNS]
    heights = {}
    for i, issue in enumerate(issues, start=header + 1):
        values = row(issue)
        cells = [(value, wrap if j in wrapped else plain) for j, value in enumerate(values, start=1)]
        cells[severity_col - 1] = (values[severity_col - 1],
                                   marks[ERROR if issue.severity == ERROR else WARNING])
        rows[i] = cells
        # Wrapped text needs its row height set: neither Excel nor LibreOffice grows a row
        # of a generated file by itself, and long messages would print over the next row.
        lines = max(_wrapped_lines(str(values[j - 1] or ""), widths[j - 1]) for j in wrapped)
        if lines > 1:
            heights[i] = 15 * lines
    autofilter = f"A{header}:{col_letter(len(COLUMNS))}{max(header, header + len(issues))}"
    return table_sheet_xml(rows, widths=widths, heights=heights, freeze=f"A{header + 1}",
                           autofilter=autofilter), autofilter


def _wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped column ``width`` characters wide (a safe estimate)."""
    per_line = max(1, int(width * 1.1))
    lines = 0
    for paragraph in text.split("\n"):
        words, current = paragraph.split(" "), 0
        lines += 1
        for word in words:
            if current and current + 1 + len(word) > per_line:
                lines += 1 + len(word) // per_line
                current = len(word) % per_line
            else:
                current += (1 if current else 0) + len(word)
    return lines


def _log_part(log: list[list], styles) -> Iterator[bytes]:
    """The receipt log sheet (as pieces): every file received, its SHA-256, unit, times,
    version, use."""
    from thidua.workbook.sheet_xml import table_sheet_xml
    from thidua.workbook.styles_xml import Look

    head = styles.look(Look(bold=True, fill=FILL_HEADER))
    rows = {1: [(LOG_TITLE, styles.look(Look(bold=True, size=13)))], 2: [(LOG_NOTE, 0)],
            LOG_FIRST_ROW - 1: [(label, head) for label in LOG_COLUMNS]}
    for i, values in enumerate(log, start=LOG_FIRST_ROW):
        rows[i] = [(value, 0) for value in values]
    return table_sheet_xml(rows, widths=list(LOG_WIDTHS), freeze=f"A{LOG_FIRST_ROW}")


def _log_sheet(wb, rows: list[list]) -> None:
    """The receipt log's rows in an openpyxl workbook (the add-in's in-memory copy of a master;
    the master's own log sheet is :func:`_log_part`)."""
    ws = wb.create_sheet(SHEET_LOG, LOG_INDEX)
    ws["A1"] = LOG_TITLE
    ws["A2"] = LOG_NOTE
    for j, label in enumerate(LOG_COLUMNS, start=1):
        ws.cell(LOG_FIRST_ROW - 1, j, label)
    for i, values in enumerate(rows, start=LOG_FIRST_ROW):
        for j, value in enumerate(values, start=1):
            ws.cell(i, j, value)


# ------------------------------------------------------------------ sheets the office types on
def _carry_over(old, wb, sheets: list[str]) -> None:
    """Keep what the office typed on sheets the tool rebuilds (trend figures, task status)."""
    if old is None:
        return
    for name in sheets:
        if name not in old.sheetnames or name not in wb.sheetnames:
            continue
        src, dst = old[name], wb[name]
        for cells in src.iter_rows():
            for cell in cells:
                value = cell.value
                if value is None or (isinstance(value, str) and value.startswith("=")):
                    continue
                target = dst[cell.coordinate]
                if target.value is None:
                    target.value = value


def match_period(text: str, periods: list[str]) -> str | None:
    """«09/2023», «9», «tháng 9», «Quý III» → the master's period label."""
    import re
    key = fold(text).replace("thang", "").replace("quy", "").strip()
    for period in periods:
        label = fold(period).replace("thang", "").replace("quy", "").strip()
        head = label.split("/")[0].strip()
        if key in (label, head) or (key.isdigit() and head.isdigit() and int(key) == int(head)) \
                or re.fullmatch(rf"0?{re.escape(key)}/\d{{4}}", label):
            return period
    return None


def _record_period(plan: Plan, wb, layout, units: list[dict], period: str, year) -> None:
    """Write each unit's criteria met this period into the trend sheet."""
    from thidua.engine import score
    from thidua.errors import InputError
    from thidua.table import parse_rows

    if not layout.trend_sheet:
        raise InputError(Problem(f"kế hoạch «{plan.id}» không theo dõi theo kỳ (không có trang Xu hướng)",
                                 hint="bỏ tùy chọn --period"))
    label = match_period(period, layout.periods)
    if label is None:
        raise InputError(Problem(f"kỳ «{period}» không có trong sổ (các kỳ: {', '.join(layout.periods)})",
                                 hint="ví dụ --period 09/2023"))
    codes = [inp.code for inp in plan.inputs]
    headers = ["ma_don_vi", "ten_don_vi", "nhom", "cap"] + codes
    rows = [[u.get(h, "") for h in headers] for u in units]
    result = score(plan, parse_rows(headers, rows, plan, source="sổ tổng hợp"), year=year)
    met = dict(zip(result.frame["ma_don_vi"], result.frame["so_tieu_chi_dat"]))
    ws = wb[layout.trend_sheet]
    column = layout.period_columns[label]
    for i, code in enumerate(layout.units):
        ws[f"{column}{layout.first_row + i}"] = int(met[code])
