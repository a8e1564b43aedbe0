"""Safe file writing: nothing a user had is lost or left half-written.

``atomic_write`` writes to a temporary file beside the target and renames it
over the target only once the content is complete and on disk, so a crash or
an error mid-write leaves the old file intact. ``backup`` keeps a dated copy
of a file about to be replaced.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path
from typing import Callable


def _temp_path(path: Path) -> Path:
    """A fresh, not yet existing temp name beside ``path`` with the same suffix.

    ``.~ten.xlsx.tmp-1a2b3c4d.xlsx``: hidden on POSIX, recognisable as ours,
    and ending in the target's suffix so writers that check it (openpyxl) agree.
    """
    while True:
        candidate = path.with_name(f".~{path.name}.tmp-{secrets.token_hex(4)}{path.suffix}")
        if not candidate.exists():
            return candidate


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); silently skipped where unsupported."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then move ``tmp`` onto ``path`` in one step.

    ``tmp`` is created empty (with the usual permissions, honouring the umask)
    in the target's directory, so ``os.replace`` never crosses file systems.
    ``write`` may overwrite it. If ``write`` or anything after it fails, the
    temp file is removed, ``path`` is left exactly as it was and the error is
    re-raised. When ``path`` already exists its permission bits are kept.
    Returns ``path``.
    """
    path = Path(path)
    tmp = _temp_path(path)
    try:
        with open(tmp, "xb"):
            pass
        write(tmp)
        _fsync_file(tmp)
        if path.exists():
            try:
                shutil.copymode(path, tmp)
            except OSError:
                pass
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def backup_name(path: Path, when: dt.datetime, n: int = 0) -> Path:
    """``ket-qua.xlsx`` → ``ket-qua.bak-20240131-154500.xlsx`` (``-1``, ``-2``… when taken)."""
    stamp = when.strftime("%Y%m%d-%H%M%S")
    extra = f"-{n}" if n else ""
    return path.with_name(f"{path.stem}.bak-{stamp}{extra}{path.suffix}")


def backup(path: str | os.PathLike, now: dt.datetime | None = None) -> Path | None:
    """Copy ``path`` (if it exists) to a dated name beside it; return the copy.

    An existing backup is never overwritten: the name gets ``-1``, ``-2``…
    The copy is created exclusively, so two runs in the same second cannot
    clobber each other. Returns ``None`` when there is nothing to back up.
    """
    path = Path(path)
    if not path.is_file():
        return None
    when = now or dt.datetime.now()
    n = 0
    while True:
        target = backup_name(path, when, n)
        try:
            out = open(target, "xb")
        except FileExistsError:
            n += 1
            continue
        break
    try:
        with out, open(path, "rb") as src:
            shutil.copyfileobj(src, out)
        shutil.copystat(path, target)
    except BaseException:
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        raise
    return target


def make_reproducible(path: str | os.PathLike, when: dt.datetime) -> None:
    """Rewrite an .xlsx so its bytes depend only on its content and ``when``.

    openpyxl stamps the save time into docProps/core.xml and every zip entry;
    generated files the repository keeps (sample workbooks) must not change
    when nothing in them did. The rewrite is itself atomic.
    """
    import re
    import zipfile

    path = Path(path)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                  rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
                entry = zipfile.ZipInfo(info.filename, date_time=date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o600 << 16
                dst.writestr(entry, data)

    atomic_write(path, write)
