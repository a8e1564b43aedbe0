"""`thidua import-stats`: figures from the online-service system's statistics export.

Reads the export through the plan's ``stats_import`` column mapping
(``thidua.consolidate.portal``), matches unit names tolerantly, writes the
figures into the master (backing it up first) and reports every name that
could not be matched and every unit the export lacks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thidua.consolidate.collect import rewrite_master
from thidua.consolidate.master_io import read_master
from thidua.consolidate.portal import read_stats_export
from thidua.consolidate.report import ERROR, WARNING, count, write_csv
from thidua.errors import Problem
from thidua.plan.model import Plan
from thidua.units import Unit


@dataclass
class StatsOutcome:
    matched: int = 0
    units: int = 0
    issues: list[Problem] = field(default_factory=list)
    changed: bool = False
    backup: Path | None = None

    def summary(self) -> str:
        errors, warnings = count(self.issues, ERROR), count(self.issues, WARNING)
        return (f"Khớp {self.matched}/{self.units} đơn vị với tệp thống kê; {errors} lỗi, "
                f"{warnings} cảnh báo. " + ("Đã cập nhật sổ tổng hợp." if self.changed
                                           else "Sổ tổng hợp không có gì thay đổi."))


def import_stats(plan: Plan, export: str | Path, master_path: str | Path, *,
                 report_csv: str | Path | None = None, backup: bool = True,
                 now=None) -> StatsOutcome:
    master = read_master(master_path, plan)
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
    out.changed, out.backup = rewrite_master(plan, master, records, issues, backup=backup, now=now)
    if report_csv:
        write_csv(issues, report_csv)
    return out
