"""Recalculate workbooks with a real spreadsheet engine (LibreOffice Calc).

Our generated .xlsx files carry live formulas, stored with the values the
tool computes for them (``thidua.workbook.cached``). To check what a
spreadsheet really computes, tests and renderers pass them through
LibreOffice in headless mode: it loads each file, recalculates every formula
and saves a copy (xlsx with cached values, or pdf), whose values are then read
back with openpyxl (``data_only=True``).

LibreOffice facts this module relies on (checked on 7.4):

* By default Calc does *not* recalculate xlsx files on load
  (``OOXMLRecalcMode`` = 1, "never"): a stale cached value survives. Cells
  without any cached value are computed anyway, but we do not rely on that: a
  private profile sets ``OOXMLRecalcMode`` and ``ODFRecalcMode`` to 0 ("always").
* A private profile (``-env:UserInstallation``) also keeps a desktop
  LibreOffice the user has open from swallowing our command line: two soffice
  processes on one profile hand the work to the first one.
* ``soffice --convert-to`` exits with status 0 even when it converted nothing
  ("source file could not be loaded"), and given 300 files in one call it
  converted only the first 246, silently: we batch (200 files at most), check
  that every output exists, retry the missing ones once, then raise.
* Errors are written to xlsx as Excel error values: ``#NAME?``, ``#VALUE!``,
  ``#DIV/0!``, ``#REF!``, ``#N/A``, ``#NUM!``, ``#NULL!``. LibreOffice's own
  codes (``Err:502`` invalid argument, ``Err:522`` circular reference, …) are
  exported as ``#VALUE!``; the ``Err:5xx`` text only shows in pdf/csv output.
* A formula returning ``""`` reads back as ``None`` (an empty cached string).

Nothing here imports pytest: see ``tests/libreoffice.py`` for the skip helpers.
"""
from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "BATCH_SIZE",
    "RecalcError",
    "find_soffice",
    "find_pdftoppm",
    "profile_dir",
    "recalculate",
    "to_pdf",
    "to_png",
    "read_values",
    "formula_errors",
    "computed_values",
]

#: Most files handed to one soffice call (it silently drops files past ~246).
BATCH_SIZE = 200
#: Seconds allowed for one soffice call: a fixed start-up part plus a part per file.
TIMEOUT_BASE = 120.0
TIMEOUT_PER_FILE = 5.0

# --convert-to targets. The filter name pins the exact export filter.
_FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pdf": "pdf:calc_pdf_Export",
    "ods": "ods:calc8",
}

_ERROR_RE = re.compile(
    r"^(?:#NAME\?|#VALUE!|#DIV/0!|#REF!|#N/A|#NUM!|#NULL!|#SPILL!|#CALC!"
    r"|#GETTING_DATA|Err:\d{3})$"
)

_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class RecalcError(RuntimeError):
    """LibreOffice is missing, timed out, or did not produce every output."""


# --------------------------------------------------------------------------
# Finding the programs
# --------------------------------------------------------------------------

def find_soffice() -> str | None:
    """Path of the LibreOffice ``soffice`` program, or None if not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = ["/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                  "/usr/local/bin/soffice", "/snap/bin/libreoffice",
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice"]
    candidates += sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True)
    if os.name == "nt":
        for root in (os.environ.get("PROGRAMFILES", r"C:\Program Files"),
                     os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")):
            candidates.append(os.path.join(root, "LibreOffice", "program", "soffice.exe"))
    for cand in candidates:
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def find_pdftoppm() -> str | None:
    """Path of poppler's ``pdftoppm``, or None if not installed."""
    return shutil.which("pdftoppm")


def _require_soffice() -> str:
    exe = find_soffice()
    if exe is None:
        raise RecalcError(
            "Không tìm thấy LibreOffice (soffice) để tính lại công thức. "
            "Cài bằng: apt-get install libreoffice-calc-nogui")
    return exe


# --------------------------------------------------------------------------
# Private profile, one per process
# --------------------------------------------------------------------------

_LOCK = threading.RLock()  # one soffice at a time on the shared profile
_PROFILE: Path | None = None
_PROFILE_PID: int | None = None


def profile_dir() -> Path:
    """The private LibreOffice profile of this process (created on first use).

    Its ``user/registrymodifications.xcu`` makes Calc recalculate xlsx and ods
    files on load. LibreOffice completes the profile on its first start.
    """
    global _PROFILE, _PROFILE_PID
    with _LOCK:
        if _PROFILE is None or _PROFILE_PID != os.getpid() or not _PROFILE.is_dir():
            root = Path(tempfile.mkdtemp(prefix="thidua-lo-profile-"))
            (root / "user").mkdir()
            (root / "user" / "registrymodifications.xcu").write_text(_RECALC_XCU, encoding="utf-8")
            _PROFILE, _PROFILE_PID = root, os.getpid()
            atexit.register(_remove_profile, root, os.getpid())
        return _PROFILE


def _remove_profile(root: Path, pid: int) -> None:
    if os.getpid() == pid:  # a forked child must not remove its parent's profile
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------
# Running a program and never leaving it behind
# --------------------------------------------------------------------------

def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the process group started for ``proc`` (soffice forks soffice.bin)."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run(cmd: list[str], timeout: float, log: Path) -> tuple[int | None, str]:
    """Run ``cmd`` in its own process group; return (exit status or None on timeout, output).

    Output goes to a file, not a pipe, so a lingering grandchild holding the
    pipe open can never block us. Whatever the outcome, every process left in
    the group is killed before returning.
    """
    kwargs: dict = {}
    if os.name == "nt":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    else:
        kwargs["start_new_session"] = True
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, **kwargs)
    status: int | None = None
    try:
        status = _wait_keep_zombie(proc, timeout)
    finally:
        # The leader is still an unreaped zombie here (on Linux), so its
        # process-group id cannot have been reused by anyone else.
        _kill_tree(proc)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - should not happen after SIGKILL
            proc.kill()
            code = proc.wait()
        if status is not None:
            status = code
    return status, log.read_text(encoding="utf-8", errors="replace")


def _wait_keep_zombie(proc: subprocess.Popen, timeout: float) -> int | None:
    """Wait for ``proc`` to exit without reaping it; None if ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    waitid = getattr(os, "waitid", None)
    if waitid is None or os.name == "nt":  # macOS, Windows: plain wait
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    delay = 0.01
    while True:
        info = waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None and info.si_pid == proc.pid:
            return info.si_status
        if time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)


# --------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------

def recalculate(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
                fmt: str = "xlsx", *, batch_size: int = BATCH_SIZE,
                timeout: float | None = None) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate it and save it to ``out_dir``.

    ``fmt`` is ``"xlsx"`` (cached values then readable with :func:`read_values`),
    ``"pdf"``, ``"ods"`` or any ``--convert-to`` target such as ``"csv:Text - txt - csv
    (StarCalc):44,34,76"``. Output names are the input stems with the new
    extension; when two inputs share a stem (same name in different folders)
    the later ones get ``-2``, ``-3``, … so nothing collides. Existing files of
    those names in ``out_dir`` are replaced.

    Files go to soffice in batches of at most ``batch_size``; ``timeout``
    (seconds per batch; default 120 + 5 per file) kills a stuck batch. Files
    whose output is missing after a batch are converted once more; if any is
    still missing, :class:`RecalcError` (a ``RuntimeError``) names them.

    Returns the output paths in input order.
    """
    sources = [Path(p) for p in paths]
    out_dir = Path(out_dir)
    if not sources:
        return []
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    missing_inputs = [str(p) for p in sources if not p.is_file()]
    if missing_inputs:
        raise RecalcError("Không tìm thấy tệp cần tính lại: " + ", ".join(missing_inputs))
    exe = _require_soffice()
    target = _FILTERS.get(fmt, fmt)
    ext = target.split(":", 1)[0]
    out_dir.mkdir(parents=True, exist_ok=True)
    final = _output_names(sources, out_dir, ext)

    with _LOCK, tempfile.TemporaryDirectory(prefix="thidua-lo-work-") as work_str:
        work = Path(work_str)
        in_dir, conv_dir = work / "in", work / "out"
        in_dir.mkdir()
        conv_dir.mkdir()
        # Unique ASCII names: no collisions, and no dependence on the locale
        # for non-ASCII (Vietnamese) file names.
        staged = []
        for i, src in enumerate(sources):
            dst = in_dir / f"f{i:05d}{src.suffix.lower() or '.xlsx'}"
            shutil.copyfile(src, dst)
            staged.append(dst)
        produced = [conv_dir / f"{s.stem}.{ext}" for s in staged]
        profile_url = profile_dir().as_uri()
        timeouts: list[str] = []

        def convert(indices: list[int]) -> list[int]:
            for start in range(0, len(indices), batch_size):
                chunk = indices[start:start + batch_size]
                limit = timeout if timeout is not None else TIMEOUT_BASE + TIMEOUT_PER_FILE * len(chunk)
                cmd = [exe, f"-env:UserInstallation={profile_url}", "--headless",
                       "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                       "--convert-to", target, "--outdir", str(conv_dir),
                       *(str(staged[i]) for i in chunk)]
                status, _ = _run(cmd, limit, work / "soffice.log")
                if status is None:
                    timeouts.append(f"{len(chunk)} tệp quá {limit:.0f} giây")
            return [i for i in indices if not _nonempty(produced[i])]

        missing = convert(list(range(len(sources))))
        if missing:  # one retry, for exactly the files that did not come out
            missing = convert(missing)
        if missing:
            log = (work / "soffice.log").read_text(encoding="utf-8", errors="replace").strip()
            names = ", ".join(str(sources[i]) for i in missing)
            raise RecalcError(
                f"LibreOffice không tạo được {len(missing)}/{len(sources)} tệp {ext} "
                f"(đã thử lại một lần): {names}"
                + (f"; hết thời gian: {', '.join(timeouts)}" if timeouts else "")
                + (f"\n{log[-2000:]}" if log else ""))
        for i, dst in enumerate(final):
            shutil.move(str(produced[i]), dst)
    return final


def _nonempty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _output_names(sources: Sequence[Path], out_dir: Path, ext: str) -> list[Path]:
    used: set[str] = set()
    names = []
    for src in sources:
        stem, n = src.stem, 1
        name = f"{stem}.{ext}"
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}.{ext}"
        used.add(name.lower())
        names.append(out_dir / name)
    return names


def to_pdf(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike, **kwargs) -> list[Path]:
    """Recalculate and print each workbook to PDF (every sheet, its print settings)."""
    return recalculate(paths, out_dir, fmt="pdf", **kwargs)


def to_png(pdf: str | os.PathLike, out_dir: str | os.PathLike, dpi: int = 80,
           *, timeout: float = 120.0) -> list[Path]:
    """Render every page of ``pdf`` to ``out_dir/<stem>-<page>.png``; pages in order."""
    exe = find_pdftoppm()
    if exe is None:
        raise RecalcError("Không tìm thấy pdftoppm. Cài bằng: apt-get install poppler-utils")
    pdf, out_dir = Path(pdf), Path(out_dir)
    if not pdf.is_file():
        raise RecalcError(f"Không tìm thấy tệp PDF: {pdf}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="thidua-png-") as tmp_str:
        tmp = Path(tmp_str)
        status, output = _run([exe, "-r", str(int(dpi)), "-png", str(pdf), str(tmp / "page")],
                              timeout, tmp / "pdftoppm.log")
        pages = sorted(tmp.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if status != 0 or not pages:
            why = "quá thời gian" if status is None else f"mã lỗi {status}"
            raise RecalcError(f"pdftoppm không vẽ được {pdf} ({why}): {output.strip()[-1000:]}")
        width = len(str(len(pages)))
        result = []
        for k, page in enumerate(pages, 1):
            dst = out_dir / f"{pdf.stem}-{k:0{width}d}.png"
            shutil.move(str(page), dst)
            result.append(dst)
    return result


# --------------------------------------------------------------------------
# Reading the computed values back
# --------------------------------------------------------------------------

def read_values(path: str | os.PathLike) -> dict[str, dict[str, object]]:
    """Sheet name -> {"A1": value} for every non-empty cell, as last computed.

    Reads cached values (``data_only=True``): on a file that went through
    :func:`recalculate` these are LibreOffice's results; on a file written by
    openpyxl alone, formula cells have none and are left out. Errors are strings
    such as ``"#DIV/0!"`` (see :func:`formula_errors`).
    """
    import openpyxl  # local: keeps this module importable without openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        result: dict[str, dict[str, object]] = {}
        for ws in wb.worksheets:
            cells: dict[str, object] = {}
            for row in ws.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is not None:
                        cells[cell.coordinate] = value
            result[ws.title] = cells
        return result
    finally:
        wb.close()


def formula_errors(values: dict[str, dict[str, object]]) -> list[tuple[str, str, str]]:
    """Every (sheet, cell, error text) among ``values`` (as from :func:`read_values`)."""
    return [(sheet, ref, value)
            for sheet, cells in values.items()
            for ref, value in cells.items()
            if isinstance(value, str) and _ERROR_RE.match(value.strip())]


def computed_values(path: str | os.PathLike, out_dir: str | os.PathLike | None = None
                    ) -> dict[str, dict[str, object]]:
    """Shortcut: recalculate one workbook with LibreOffice and read its values.

    The recalculated copy goes to ``out_dir`` if given (kept), else to a
    temporary folder (removed).
    """
    if out_dir is not None:
        return read_values(recalculate([path], out_dir)[0])
    with tempfile.TemporaryDirectory(prefix="thidua-recalc-") as tmp:
        return read_values(recalculate([path], tmp)[0])


if __name__ == "__main__":  # python -m thidua.workbook.recalc FILE... : print computed values
    for arg in sys.argv[1:]:
        vals = computed_values(arg)
        for sheet, cells in vals.items():
            for ref, val in cells.items():
                print(f"{arg}\t{sheet}!{ref}\t{val!r}")
