"""Consolidate returned unit workbooks into the office's master.

take the master's write lock → list the folder → read every new or changed file
(safely, on every core; the others are known from their receipts in the master) →
recognise it (hidden metadata, or the unit code/name typed on the sheet) → check it
(plan, version, structure, is it still a usable template at all, values) → keep the
newest submission per unit → write the master with the new figures, keeping what the
office typed (appraisals, notes, settings) — changed in place when it is as the tool
left it, else rebuilt — → back up the old master → put the new one and the CSV report
in place together, with the report, the receipt log and the receipts inside. A bad
file never stops the others; nothing is lost:

* a file that cannot be read as the template (input sheet deleted or emptied,
  nothing typed) is refused with its code, and the unit's earlier figures stay;
* a formula saved without its computed value is reported as such, and the
  figure it stands for is not erased;
* two files of one unit saved in the same second with different figures are
  both refused (no silent pick);
* PDFs, pictures, Word files are listed with the unit guessed from the file
  name; the master itself, its backups and other masters in the folder are skipped.

Where each step lives: :mod:`.reader` (one file), :mod:`.receipts` (what is not read
again), :mod:`.check_file` (one file's checks), :mod:`.check_units` (one file per unit,
missing units, checks across figures), :mod:`.master_io` and :mod:`.master_write` (the
master), :mod:`.report` (the report's rows).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

from thidua import fileio
from thidua.consolidate import check_file, check_units
from thidua.consolidate.check_units import ATTACHMENTS, guess_unit
from thidua.consolidate.master_io import MasterData, OpenMaster, drop, open_master, read_master
from thidua.consolidate.master_write import (IN_USE, LOG_COLUMNS, SHEET_LOG, SHEET_REPORT,
                                             _log_sheet, log_rows, match_period, rewrite_master)
from thidua.consolidate.outcome import Outcome, Received, Submission
from thidua.consolidate.reader import Limits, ReadFailure, read_returned
from thidua.consolidate.receipts import (NOT_KEPT, Entry, Receipts, Shapes, compact, expand,
                                         names_kept)
from thidua.consolidate.report import sort_key, write_csv_into
from thidua.errors import Problem
from thidua.lock import write_lock
from thidua.plan.model import Plan
from thidua.workbook import contract

__all__ = ["consolidate", "find_returned", "guess_unit", "read_all", "progress_bar", "Outcome",
           "Submission", "rewrite_master", "match_period", "EXTENSIONS", "OTHER_SPREADSHEETS",
           "ATTACHMENTS", "SHEET_REPORT", "SHEET_LOG", "LOG_COLUMNS", "IN_USE", "_log_sheet"]

EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
#: Spreadsheet formats the reader refuses with its own advice (saved in the wrong format).
OTHER_SPREADSHEETS = {".xlsb", ".csv"}


# ------------------------------------------------------------------ the folder
_CASE_SENSITIVE = os.path.normcase("A") == "A"  # paths sort as pathlib sorts them here
def _walk(folder: str | Path, problems: list[Problem] | None,
          pick: Callable[[os.DirEntry], object]) -> list[tuple[str, object]]:
    """Every file under ``folder`` that ``pick`` keeps, as (path relative to it, what
    ``pick(entry)`` kept of it; None: the file is left out), following links (each real
    folder once), in the order of their paths. The folder's entries themselves are not kept
    (with their stat results, a kilobyte a file).

    Our staging folders (``.~…``) are skipped; a sub-folder that cannot be read is
    added to ``problems`` (when given), never skipped silently.
    """
    found: list[tuple[str, object]] = []
    seen: set[str] = set()

    def visit(top: str, prefix: tuple[str, ...]) -> None:
        real = os.path.realpath(top)
        if real in seen:  # a link back up the tree
            return
        seen.add(real)
        here, folders = [], []
        try:
            with os.scandir(top) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if is_dir:
                        if not entry.name.startswith(".~"):
                            folders.append((entry.path, prefix + (entry.name,)))
                        continue
                    kept = pick(entry)
                    if kept is not None:
                        here.append((os.sep.join(prefix + (entry.name,)), kept))
        except OSError as exc:
            if problems is not None:
                problem = fileio.os_problem(exc, action="đọc")
                problems.append(problem.with_place(message=problem.message.replace(
                    "không đọc được", "không đọc được thư mục", 1)
                    + " — các tệp trong đó chưa được tổng hợp"))
            return
        found.extend(here)
        for sub, parts in sorted(folders):
            visit(sub, parts)

    visit(os.fspath(folder), ())
    found.sort(key=lambda item: _parts(item[0]))  # as paths sort (by their parts)
    return found


def _parts(rel: str) -> tuple[str, ...]:
    """A relative path's parts as paths compare here (by case or not)."""
    parts = tuple(rel.split(os.sep))
    return parts if _CASE_SENSITIVE else tuple(os.path.normcase(p) for p in parts)


def _wanted(entry: os.DirEntry, kinds, skip: tuple[str, os.stat_result] | None) -> bool:
    name = entry.name
    dot = name.rfind(".")
    if (dot <= 0 or name[dot:].lower() not in kinds or name.startswith("~$")
            or name.startswith(".~") or ".bak-" in name):
        return False
    try:
        if not entry.is_file():
            return False
        if skip is not None and (os.path.normcase(name) == skip[0] or entry.is_symlink()):
            if os.path.samestat(os.stat(entry.path), skip[1]):  # the master itself
                return False
    except OSError:
        return False
    return True


def _identity(path: str | Path | None) -> tuple[str, os.stat_result] | None:
    """(name as the file system compares names, stat) of the master, to skip it in the folder."""
    if path is None:
        return None
    try:
        return os.path.normcase(Path(path).name), os.stat(path)
    except OSError:
        return None


def find_returned(folder: str | Path, *, master: str | Path | None = None,
                  kinds: set[str] | frozenset[str] = frozenset(EXTENSIONS | OTHER_SPREADSHEETS),
                  problems: list[Problem] | None = None) -> list[Path]:
    """Files under ``folder`` (recursively) with a suffix in ``kinds``.

    Skipped: Excel/LibreOffice lock files (``~$…``, ``.~lock…#``), our temporary
    and lock files (``.~…``), backups (``….bak-…``) and ``master`` itself. A
    sub-folder that cannot be read is not skipped silently: it is added to
    ``problems`` (when given).
    """
    skip = _identity(master)
    return [path for _, path in _walk(folder, problems, lambda entry: Path(entry.path)
                                      if _wanted(entry, kinds, skip) else None)]


# ------------------------------------------------------------------ reading
def _read_one(args: tuple[str, Limits, frozenset[str] | None]) -> tuple:
    """Read one file into a receipt's content (see ``receipts.compact``: the defined names in
    ``keep``, every one when None), with its size and times."""
    path, limits, keep = args
    try:
        result = read_returned(path, limits=limits)
    except ReadFailure as failure:
        result = failure
    kind, content, sha, transient = compact(result, keep)
    if isinstance(result, ReadFailure):
        return kind, content, sha, transient, None
    return kind, content, sha, transient, (result.size, result.mtime_ns, result.mtime)


def _noop() -> None:
    return None


#: Fewer files than this are read in the main process (starting workers costs more).
FEW_FILES = 64


class _Workers:
    """Processes to read files on every core; none for fewer than :data:`FEW_FILES` files
    (or ``workers`` 1). Started now: a forked worker carries a copy of everything the main
    process holds when it starts, so they are started as early as the number of files is
    known — before the master, its receipts or any file's figures are read."""

    def __init__(self, count: int, workers: int | None):
        if workers is None:
            workers = min(os.cpu_count() or 1, 8) if count >= FEW_FILES else 1
        self.pool = ProcessPoolExecutor(workers) if workers > 1 else None
        if self.pool is not None:
            self.pool.submit(_noop)  # starts every worker now

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "_Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Reading:
    """Files being read, in order; iterate for the results. The work starts when it is made,
    so the caller can do something else meanwhile. Fewer than :data:`FEW_FILES` files are
    read here, as they are iterated (the workers are let go)."""

    def __init__(self, paths: list[str | Path], limits: Limits, workers: _Workers,
                 progress: Callable[[int, int], None] | None, keep: frozenset[str] | None = None):
        self.jobs = [(str(p), limits, keep) for p in paths]
        self.progress = progress
        if len(self.jobs) < FEW_FILES:
            workers.close()
        pool = workers.pool
        self.results = (pool.map(_read_one, self.jobs, chunksize=16) if pool
                        else map(_read_one, self.jobs))

    def __iter__(self):
        for i, result in enumerate(self.results, start=1):
            if self.progress:
                self.progress(i, len(self.jobs))
            yield result


def read_all(paths: list[str | Path], limits: Limits, *, workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[tuple]:
    """Every path read (in order) into a receipt's content, on every core for many files."""
    with _Workers(len(paths), workers) as pool:
        return list(_Reading(paths, limits, pool, progress))


def progress_bar(stream=None) -> Callable[[int, int], None]:
    stream = stream or sys.stderr
    state = {"last": -1}

    def show(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent == state["last"] and done != total:
            return
        state["last"] = percent
        bar = "#" * (percent // 4) + "." * (25 - percent // 4)
        end = "\n" if done == total else ""
        if stream.isatty():
            stream.write(f"\rĐang đọc tệp: {done}/{total} [{bar}] {percent}%{end}")
        elif percent % 10 == 0 or done == total:
            stream.write(f"Đang đọc tệp: {done}/{total} [{bar}] {percent}%\n")
        stream.flush()

    return show


# ------------------------------------------------------------------ consolidation
def consolidate(plan: Plan, folder: str | Path, master_path: str | Path, *,
                report_csv: str | Path | None = None, limits: Limits | None = None,
                workers: int | None = None, progress: Callable[[int, int], None] | None = None,
                now: dt.datetime | None = None, period: str | None = None,
                backup: bool = True, force: bool = False, in_place: bool = True) -> Outcome:
    """Read every returned file under ``folder`` into the master at ``master_path``.

    The master's write lock is held from reading it to writing it (another
    writer waits, then is refused; a master open in Excel or LibreOffice is
    refused unless ``force``). Every output is checked writable before any
    work, then prepared as a temporary file; the new master and the CSV report
    are put in place together at the end. ``backup=False`` skips the dated copy
    of the old master (for files the tool regenerates itself); ``now`` fixed
    makes the written master reproducible. Files whose receipt in the master
    says they are unchanged are not read again. ``in_place=False`` rebuilds the
    master even when it could be changed in place (same content either way).
    """
    folder, master_path = Path(folder), Path(master_path)
    if not master_path.is_file():
        read_master(master_path, plan)  # its own message: not found, not a master…
    with write_lock(master_path, force=force) as lock:
        clock = time.perf_counter()
        problems: list[Problem] = []
        listed = _listing(folder, master_path, problems)
        with _Workers(len(listed[0]), workers) as pool:  # before the master is opened
            opened = open_master(master_path, plan)
            fileio.check_writable(master_path, what="sổ tổng hợp")
            if report_csv:
                fileio.check_writable(report_csv, what="báo cáo")
            limits = limits or Limits()
            out, receipts, master = _collect(plan, opened, folder, listed, problems, limits, pool,
                                             progress, clock, now)
        clock = time.perf_counter()
        how: dict = {}
        with fileio.Outputs(backup=backup, now=now) as outputs:
            out.changed, _ = rewrite_master(plan, master, _merged_units(plan, master, out), out.issues,
                                            log_rows=log_rows(master, out), period=period,
                                            now=now, backup=backup, outputs=outputs,
                                            receipts=receipts.lines, in_place=in_place, how=how)
            out.written_how = how.get("ghi", "")
            if report_csv:
                outputs.write(report_csv, lambda tmp: write_csv_into(out.issues, tmp), backup=False)
            out.written = outputs.commit()
        out.backup = outputs.backups.get(master_path)
        out.seconds["ghi_so"] = time.perf_counter() - clock
    out.notices = lock.notices
    return out


def _listing(folder: Path, master: Path, problems: list[Problem]):
    """(spreadsheets as paths relative to the folder, attachments) of the folder: the names
    only (forked workers carry a copy of whatever is held)."""
    skip = _identity(master)
    sheets, attached = frozenset(EXTENSIONS | OTHER_SPREADSHEETS), frozenset(ATTACHMENTS)
    listed = _walk(folder, problems, lambda entry: True if _wanted(entry, sheets, skip)
                   else False if _wanted(entry, attached, skip) else None)
    files = [rel for rel, sheet in listed if sheet]
    attachments = [folder / rel for rel, sheet in listed if not sheet]
    return files, attachments


def _stamp(path: str) -> tuple[int, int, float] | None:
    """(size, modification time in ns, in seconds) of a file; None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_mtime


def _collect(plan: Plan, opened: OpenMaster, folder: Path, listed, problems: list[Problem],
             limits: Limits, pool: _Workers, progress: Callable[[int, int], None] | None,
             clock: float, now: dt.datetime | None = None
             ) -> tuple[Outcome, Receipts, MasterData]:
    """Read (what changed), recognise and check every file of ``folder`` (on ``pool``, let go
    once they are read); pick one per unit. The master's unit rows are read while the files
    are.

    The receipts are dated ``now`` when given (a reproducible master), else the time now."""
    started = (round(now.replace(tzinfo=dt.timezone.utc).timestamp() * 1e9) if now is not None
               else time.time_ns())
    known = Receipts.load(opened.meta, plan, limits)
    drop(opened.meta, contract.RECEIPTS)  # read: megabytes for a big folder, written anew
    files, attachments = listed
    entries: dict[str, Entry] = {}
    to_read: list[tuple[str, str, tuple[int, int, float] | None]] = []
    for rel in files:
        path = os.path.join(folder, rel)
        stamp = _stamp(path)
        kept = known.entries.get(rel)
        if kept is not None and stamp is not None and kept.usable(*stamp[:2]):
            entries[rel] = kept
        else:
            to_read.append((path, rel, stamp))
    template = known.template
    keep = names_kept(plan, template) if template is not None else None
    out = Outcome()
    refused: dict[str, list[str]] = {}  # unit -> its files that could not be used
    fresh: list = []  # (receipt, remember it) of each file read, in the folder's order
    try:
        reading = _Reading([p for p, _, _ in to_read], limits, pool, progress, keep)
        master = opened.read()
        if template is None:
            template = check_file.template_facts(plan)  # while the files are read
            keep = names_kept(plan, template)
        ctx = check_file.Context(plan, master, template)
        ctx.issues += problems
        # each file is checked as it comes, while the next ones are being read
        results = _receipts_of(reading, to_read, keep, started)
        waiting = {rel for _, rel, _ in to_read}
        shared: dict = {}
        for rel in files:
            if rel in waiting:
                fresh.append(next(results))
                entries[rel] = fresh[-1][0]
            _check(ctx, out, expand(entries[rel], folder, shared), rel, refused)
    finally:
        pool.close()
    receipts = Receipts(known.key, template, {rel: entries[rel] for rel in entries
                                              if rel not in waiting})
    for entry, remember in fresh:
        if remember:
            receipts.entries[entry.rel] = entry
    out.seconds["doc"] = time.perf_counter() - clock
    out.seconds["doc_so_tep"] = len(to_read)
    clock = time.perf_counter()
    out.received = len(files) - len(out.skipped)
    check_units.pick_newest(ctx, out)
    used = [s for s in out.accepted if s.used]
    check_units.check_figures(ctx, used)
    check_units.changed_after_appraisal(ctx, used)
    attached = check_units.attachments(ctx, out, attachments, folder)
    in_use = {s.unit for s in used}
    out.missing = [code for code in ctx.units if code not in in_use]
    check_units.report_missing(ctx, out, refused, attached)
    out.issues = sorted(ctx.issues, key=sort_key)
    out.seconds["kiem_tra"] = time.perf_counter() - clock
    return out, receipts, master


def _check(ctx: check_file.Context, out: Outcome, result, rel: str,
           refused: dict[str, list[str]]) -> None:
    """Recognise and check one file's content (or the failure to read it) into ``out``."""
    if isinstance(result, ReadFailure):  # the reader's own code is kept
        guessed = check_units.guess(ctx, os.path.basename(rel))
        ctx.issues.append(result.problem.with_place(file=rel, unit=ctx.label(guessed) if guessed
                                                    else ""))
        out.rejected.append(rel)
        if guessed:
            refused.setdefault(guessed, []).append(rel)
        return
    unit = check_file.recognise(ctx, result, rel)
    if unit is None:
        if (result.meta or {}).get(contract.KIND) == contract.KIND_MASTER:
            out.skipped.append(rel)
        else:
            out.rejected.append(rel)
        return
    if check_file.unusable(ctx, result, rel, unit):
        out.rejected.append(rel)
        refused.setdefault(unit, []).append(rel)
        return
    check_file.check_structure(ctx, result, rel, unit)
    keep = check_file.uncomputed(ctx, result, rel, unit)
    values, scored = check_file.values(ctx, result, rel, unit)
    out.accepted.append(Submission(Received.of(result), rel, unit, values,
                                   check_file.saved_at(result),
                                   (result.meta or {}).get(contract.VERSION), scored=scored,
                                   keep=keep))


def _receipts_of(reading: _Reading, to_read: list, keep: frozenset[str] | None, started: int):
    """(receipt, remember it) of each file read, as the results come."""
    shapes = Shapes(keep)
    for (path, rel, listed), (kind, content, sha, transient, stamp) in zip(to_read, reading):
        size, mtime_ns, mtime = stamp or listed or (0, 0, 0.0)
        if kind == "no":
            yield (Entry(rel, size, mtime_ns, mtime, sha, started, failure=tuple(content)),
                   content[0] not in NOT_KEPT and not transient and listed is not None)
            continue
        shape, own = content
        yield Entry(rel, size, mtime_ns, mtime, sha, started, shape=shapes(shape), own=own), True


def _merged_units(plan: Plan, master: MasterData, out: Outcome) -> list[dict]:
    """The master's units with the newest submitted figures; appraisals, office-only
    figures and notes kept.

    A unit without a file in use keeps its figures; so does every figure a used
    file could not give (a formula saved without its result).
    """
    from thidua.workbook.master_layout import CHANGED

    used = {s.unit: s for s in out.accepted if s.used}
    codes = [inp.code for inp in plan.inputs if not inp.office_only]
    units = []
    for record in master.units:
        merged = dict(record)
        sub = used.get(record["ma_don_vi"])
        if sub is not None:
            for code in codes:
                if code in sub.values:
                    merged[code] = sub.values[code]
                elif code not in sub.keep:
                    merged.pop(code, None)
            if sub.changed:
                merged[CHANGED] = list(sub.changed)
        if master.year is not None and plan.is_checklist:
            merged["nam"] = master.year
        units.append(merged)
    return units
