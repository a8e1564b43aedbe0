"""`thidua import-stats`: figures from the online-service system's statistics export.

Reads the export through the plan's ``stats_import`` column mapping
(``thidua.consolidate.portal``), matches unit names tolerantly, writes the
figures into the master (backing it up first) and reports every name that
could not be matched and every unit the export lacks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thidua import fileio
from thidua.consolidate.collect import rewrite_master
from thidua.consolidate.master_io import read_master
from thidua.consolidate.portal import read_stats_export
from thidua.consolidate.report import ERROR, WARNING, count, write_csv_into
from thidua.errors import Problem
from thidua.lock import write_lock
from thidua.plan.model import Plan
from thidua.units import Unit


@dataclass
class StatsOutcome:
    matched: int = 0
    units: int = 0
    issues: list[Problem] = field(default_factory=list)
    changed: bool = False
    backup: Path | None = None
    notices: list[Problem] = field(default_factory=list)  # the lock's (a crashed run cleaned up…)

    def summary(self) -> str:
        errors, warnings = count(self.issues, ERROR), count(self.issues, WARNING)
        return (f"Khớp {self.matched}/{self.units} đơn vị với tệp thống kê; {errors} lỗi, "
                f"{warnings} cảnh báo. " + ("Đã cập nhật sổ tổng hợp." if self.changed
                                           else "Sổ tổng hợp không có gì thay đổi."))


def import_stats(plan: Plan, export: str | Path, master_path: str | Path, *,
                 report_csv: str | Path | None = None, backup: bool = True,
                 now=None, force: bool = False) -> StatsOutcome:
    """Write the export's figures into the master, holding its write lock (see ``consolidate``)."""
    if not Path(master_path).is_file():
        read_master(master_path, plan)  # its own message: not found, not a master…
    with write_lock(master_path, force=force) as lock:
        out = _import(plan, export, master_path, report_csv, backup, now)
    out.notices = lock.notices
    return out


def _import(plan: Plan, export, master_path, report_csv, backup: bool, now) -> StatsOutcome:
    master = read_master(master_path, plan)
    fileio.check_writable(master_path, what="sổ tổng hợp")
    if report_csv:
        fileio.check_writable(report_csv, what="báo cáo")
    units = [Unit(u["ma_don_vi"], str(u.get("ten_don_vi", "")), str(u.get("nhom", "")),
                  str(u.get("cap", ""))) for u in master.units]
    imported = read_stats_export(export, plan, units)
    name = Path(export).name
    issues = []
    for problem in imported.problems:
        issues.append(problem.with_place(file=name))
    records = []
    for record in master.units:
        merged = dict(record)
        merged.update(imported.values.get(record["ma_don_vi"], {}))
        records.append(merged)
    out = StatsOutcome(matched=len(imported.values), units=len(units), issues=issues)
    with fileio.Outputs(backup=backup, now=now) as outputs:  # master and report together
        out.changed, _ = rewrite_master(plan, master, records, issues, backup=backup, now=now,
                                        outputs=outputs)
        if report_csv:
            outputs.write(report_csv, lambda tmp: write_csv_into(issues, tmp), backup=False)
        outputs.commit()
    out.backup = outputs.backups.get(Path(master_path))
    return out
