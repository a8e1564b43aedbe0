"""Entry points: build the master (and its layout), write it atomically."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from openpyxl import Workbook

import thidua
from thidua import fileio
from thidua.plan.model import Plan
from thidua.program.compile import compile_plan
from thidua.text import nfc
from thidua.workbook.cached import Book
from thidua.workbook.master.base import (SHEET_AWARDS, SHEET_CHARTS, SHEET_CONFIG, SHEET_INDICATORS,
                                         SHEET_LISTS, SHEET_META, SHEET_PLAN, SHEET_SUMMARY,
                                         SHEET_TASKS, SHEET_TREND, YEAR_NAME, MasterLayout, _Unit,
                                         _blank, _units)
from thidua.workbook.master.lists import _lists_sheet
from thidua.workbook.master.values import _MasterValues
from thidua.workbook.master.summary import _summary_sheet
from thidua.workbook.master.indicators import (_indicators_sheet, _plan_indicator_columns)
from thidua.workbook.master.trend import _trend_sheet
from thidua.workbook.master.tasks import _tasks_sheet
from thidua.workbook.master.awards import _awards_sheet
from thidua.workbook.master.charts import _charts_sheet
from thidua.workbook.master.plan_sheet import _plan_sheet
from thidua.workbook.master.config import _config_sheet
from thidua.workbook.master.meta import _meta_sheet


def _year_of(plan: Plan, units: list[_Unit], year: int | None, config: dict) -> int | None:
    if not plan.is_checklist:
        return None
    if year is not None:
        return int(year)
    if not _blank(config.get(YEAR_NAME)):
        return int(config[YEAR_NAME])
    years = set()
    for u in units:
        y = u.values.get("nam")
        if not _blank(y):
            years.add(int(float(y)))
    if len(years) == 1:
        return years.pop()
    return plan.last_year()


def build_master_and_layout(plan: Plan, units: list[dict], *, year: int | None = None,
                            config: dict | None = None) -> tuple[Workbook, MasterLayout]:
    """The master workbook of ``plan`` for ``units``, and where everything is in it.

    ``units``: dicts with ``ma_don_vi``, ``ten_don_vi``, ``nhom``, ``cap`` and
    optionally figures keyed by input code (``<code>_tham_dinh`` for appraised
    figures): numbers, yes/no as 1/0, a choice as its 0-based position; blank
    cells stay blank. ``year`` (checklist plans): the year targets apply to
    (default: ``config["nam_ap_dung"]``, the units' single ``nam``, else the
    plan's last year). ``config``: overrides of the «Cấu hình» values, keyed
    ``thu_muc_nhan``, ``thu_muc_mau``, ``tep_nhat_ky`` (or their defined names);
    other keys are ignored.
    """
    config = dict(config or {})
    checked = _units(plan, units)
    year = _year_of(plan, checked, year, config)
    layout = MasterLayout(plan=plan.id, version=plan.version, kind=plan.kind)

    wb = Book()
    vals = _MasterValues(plan, compile_plan(plan), layout)
    wb.compute(vals)
    summary = wb.active
    summary.title = SHEET_SUMMARY
    indicators = wb.create_sheet(SHEET_INDICATORS) if plan.is_checklist else None
    trend = wb.create_sheet(SHEET_TREND) if plan.is_checklist and plan.settings.get("periods") else None
    tasks = wb.create_sheet(SHEET_TASKS) if plan.settings.get("tasks") else None
    awards = wb.create_sheet(SHEET_AWARDS)
    charts = wb.create_sheet(SHEET_CHARTS)
    plan_ws = wb.create_sheet(SHEET_PLAN)
    config_ws = wb.create_sheet(SHEET_CONFIG)
    lists = wb.create_sheet(SHEET_LISTS)
    meta = wb.create_sheet(SHEET_META)

    _lists_sheet(wb, lists, plan, layout)
    _config_sheet(wb, config_ws, plan, layout, config, year)
    if plan.is_checklist:
        _plan_indicator_columns(plan, layout)
    _summary_sheet(wb, summary, plan, checked, layout, vals)
    if indicators is not None:
        _indicators_sheet(indicators, plan, checked, layout, year, vals)
    if trend is not None:
        _trend_sheet(trend, plan, checked, layout, year, vals)
    if tasks is not None:
        _tasks_sheet(tasks, plan, layout, vals)
    _awards_sheet(awards, plan, vals)
    _charts_sheet(charts, summary, plan, layout)
    _plan_sheet(plan_ws, plan)
    _meta_sheet(meta, plan, layout)

    wb.active = 0
    wb.properties.title = nfc(plan.title)
    wb.properties.creator = f"thidua {thidua.__version__}"
    return wb, layout


def build_master(plan: Plan, units: list[dict], *, year: int | None = None,
                 config: dict | None = None) -> Workbook:
    """The master workbook (see ``build_master_and_layout``)."""
    return build_master_and_layout(plan, units, year=year, config=config)[0]


def write_master(plan: Plan, units: list[dict], path: str | os.PathLike, *,
                 year: int | None = None, config: dict | None = None, backup: bool = True,
                 now: dt.datetime | None = None) -> Path:
    """Build the master workbook and write it to ``path`` atomically; return ``path``.

    An existing file is first copied to a dated backup beside it (unless
    ``backup=False``). With ``now`` the file's bytes depend only on its content
    and ``now`` (``fileio.make_reproducible``).
    """
    from thidua.output.results_xlsx import exact_floats

    path = Path(path)
    wb = build_master(plan, units, year=year, config=config)
    if now is not None:
        wb.properties.created = now
        wb.properties.modified = now
    if backup:
        fileio.backup(path, now)

    def save(tmp: Path) -> None:
        from thidua.workbook.package import seal_file
        with exact_floats():
            wb.save(tmp)
        seal_file(tmp)  # consolidation may then change it in place

    fileio.atomic_write(path, save)
    if now is not None:
        fileio.make_reproducible(path, now)
    return path
