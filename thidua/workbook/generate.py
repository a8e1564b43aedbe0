"""Generate every unit's template (stamped copies) and the office's master."""
from __future__ import annotations

import datetime as dt
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from thidua import fileio
from thidua.plan.model import LEVELS, Plan
from thidua.text import fold
from thidua.workbook.cached import bake
from thidua.workbook.stamp import PreparedTemplate
from thidua.workbook.template import build_template


def slug(text: str, limit: int = 40) -> str:
    """File-name friendly: «Xã Tam Xuân I» → «xa-tam-xuan-i»."""
    out = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return out[:limit].rstrip("-") or "don-vi"


def template_name(unit) -> str:
    code = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(unit.code)).strip("-") or "don-vi"
    return f"{code}-{slug(unit.name)}.xlsx"


def stamp_values(plan: Plan, unit, when: dt.datetime) -> dict[str, str]:
    group = plan.group(unit.group)
    return {
        "{{ma_don_vi}}": str(unit.code), "{{ten_don_vi}}": unit.name,
        "{{nhom}}": group.code, "{{nhom_nhan}}": group.label,
        "{{cap}}": unit.level, "{{cap_nhan}}": LEVELS.get(unit.level, unit.level),
        "{{thoi_gian_tao}}": when.strftime("%Y-%m-%dT%H:%M:%S"),
    }


_PREPARED: dict[tuple[str, str], PreparedTemplate] = {}
#: Files written and flushed to disk together.
BATCH = 500


def _init_worker(prepared: dict[tuple[str, str], PreparedTemplate]) -> None:
    global _PREPARED
    _PREPARED = prepared


def _write_batch(jobs: list[tuple[str, dict[str, str]]]) -> list[str]:
    """Write each job's template (in a batch: one flush to disk for all of them)."""
    return [str(p) for p in _write(jobs, atomic=True)]


def _write_plain(jobs: list[tuple[str, dict[str, str]]]) -> list[str]:
    """Write each job's template into a private staging folder (``fileio.Outputs``)."""
    return [str(p) for p in _write(jobs, atomic=False)]


def _write(jobs: list[tuple[str, dict[str, str]]], *, atomic: bool) -> list[Path]:
    files = [(Path(path), _PREPARED[_variant(values)].render(values)) for path, values in jobs]
    if atomic:
        return fileio.atomic_write_many(files)
    for path, data in files:
        with open(path, "xb") as fh:
            fh.write(data)
    return [path for path, _ in files]


def _variant(values: dict[str, str]) -> tuple[str, str]:
    """What a template's formulas depend on besides its figures: the unit's level and group."""
    return values["{{cap}}"], values["{{nhom}}"]


def prepare(wb, variants, when: dt.datetime) -> dict[tuple[str, str], PreparedTemplate]:
    """One prepared template per (level, group), its formula cells holding the values they
    compute for a unit of that level and group (variants with the same values share one)."""
    package = wb.package()
    out: dict[tuple[str, str], PreparedTemplate] = {}
    by_values: dict[str, PreparedTemplate] = {}
    for level, group in variants:
        values = wb.formula_values(level=level, group=group)
        key = repr(sorted((s, sorted(c.items())) for s, c in values.items()))
        if key not in by_values:
            by_values[key] = PreparedTemplate.from_bytes(bake(package, values), when)
        out[(level, group)] = by_values[key]
    return out


def generate_templates(plan: Plan, units: list, out_dir: str | os.PathLike, *,
                       now: dt.datetime | None = None, year: int | None = None,
                       workers: int | None = None, backup: bool = True,
                       atomic: bool = True) -> list[Path]:
    """Write one template per unit into ``out_dir``; returns the paths in unit order.

    The template is built once and stamped per unit (``thidua.workbook.stamp``);
    the files are written in batches of ``BATCH``, each file atomically (temp file,
    then rename) and each batch flushed to disk once — or, with ``atomic`` False,
    straight into ``out_dir``, a private staging folder whose files ``fileio.Outputs``
    flushes and puts in place. With many units the batches run on every core
    (``workers``; default: all cores for ≥ 2,000 units). A file already at a
    template's path (perhaps filled in) is first copied to a dated backup unless
    ``backup`` is False.
    """
    return start_templates(plan, units, out_dir, now=now, year=year, workers=workers,
                           backup=backup, atomic=atomic).wait()


class _Writing:
    """Templates being written (by worker processes, or when waited for); :meth:`wait` for
    their paths. The caller can do other work meanwhile (``write_campaign`` builds the master)."""

    def __init__(self, batches: list, write, prepared, workers: int):
        self.pool = None
        self.batches, self.write, self.prepared = batches, write, prepared
        if workers > 1 and len(batches) > 1:
            self.pool = ProcessPoolExecutor(workers, initializer=_init_worker,
                                            initargs=(prepared,))
            self.futures = [self.pool.submit(write, batch) for batch in batches]

    def wait(self) -> list[Path]:
        if self.pool is None:
            _init_worker(self.prepared)
            return [Path(p) for batch in self.batches for p in self.write(batch)]
        try:
            return [Path(p) for future in self.futures for p in future.result()]
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def start_templates(plan: Plan, units: list, out_dir: str | os.PathLike, *,
                    now: dt.datetime | None = None, year: int | None = None,
                    workers: int | None = None, backup: bool = True,
                    atomic: bool = True) -> _Writing:
    """:func:`generate_templates`, started: the files are written (on worker processes for
    many units) while the caller goes on; ``.wait()`` gives the paths, ``.close()`` stops."""
    now = now or dt.datetime.now().replace(microsecond=0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wb, _ = build_template(plan, year=year)
    jobs = [(str(out / template_name(u)), stamp_values(plan, u, now)) for u in units]
    prepared = prepare(wb, dict.fromkeys(_variant(v) for _, v in jobs), now)
    if backup:
        for path, _ in jobs:
            if os.path.exists(path):
                fileio.backup(path)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(jobs) >= 2000 else 1
    batches = [jobs[i:i + BATCH] for i in range(0, len(jobs), BATCH)]
    return _Writing(batches, _write_batch if atomic else _write_plain, prepared, workers)


@dataclass
class Campaign:
    """What ``write_campaign`` wrote: templates, master, backups, and notices for the user."""

    templates: list[Path] = field(default_factory=list)
    master: Path | None = None
    backups: dict[Path, Path] = field(default_factory=dict)  # target -> its dated copy
    notices: list = field(default_factory=list)  # thidua.errors.Problem (a crashed run cleaned up…)


def write_campaign(plan: Plan, units: list, *, out_dir: str | os.PathLike | None = None,
                   master: str | os.PathLike | None = None, year: int | None = None,
                   now: dt.datetime | None = None, workers: int | None = None,
                   force: bool = False, command: str = "") -> Campaign:
    """The unit templates (into ``out_dir``) and/or the master, all or nothing.

    Used by ``thidua generate`` and the add-in's «Tạo sổ từ kế hoạch». The master's
    write lock is held (``thidua.lock``: another writer, or the master open in Excel
    unless ``force``, is refused); everything is prepared as temporary files and put
    in place together (``fileio.Outputs``), files already there backed up first.
    """
    from contextlib import nullcontext

    from thidua.lock import write_lock
    from thidua.workbook.master import write_master

    done = Campaign()
    lock = write_lock(master, force=force, command=command) if master is not None else None
    with lock or nullcontext(), fileio.Outputs(now=now) as outputs:
        if master is not None:
            fileio.check_writable(master, what="sổ tổng hợp")
        writing = None
        if out_dir is not None:  # written by worker processes while the master is built
            writing = start_templates(plan, units, outputs.folder(out_dir), now=now, year=year,
                                      workers=workers, backup=False, atomic=False)
        try:
            if master is not None:
                records = [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group,
                            "cap": u.level} for u in units]
                write_master(plan, records, outputs.file(master), year=year, backup=False, now=now)
            if writing is not None:
                writing.wait()
        finally:
            if writing is not None:
                writing.close()
        written = outputs.commit()
    done.master = Path(master) if master is not None else None
    done.templates = [p for p in written if done.master is None or p != done.master]
    done.backups = dict(outputs.backups)
    done.notices = list(lock.notices) if lock is not None else []
    return done
