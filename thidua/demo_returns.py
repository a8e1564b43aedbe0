"""Sample «returned» files for the demo: units fill their templates, with the usual mistakes.

What really comes back to a Phòng Nội vụ: most files fine; a unit that pasted its
numbers as text («1.234», «12,5»: flagged, as its template flags them); «có » with a
trailing space; a file renamed by the mail
client; a unit that sends twice (an old copy in another folder); an unreadable
figure («12a»); a stray non-spreadsheet file; and one unit that sends nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import openpyxl

from thidua.fileio import make_reproducible
from thidua.plan.model import Plan
from thidua.workbook.template import SHEET_INPUT, SHEET_META


def _typed(inp, value, style: int):
    """The figure as a unit types it: text numbers and loose yes/no for some units."""
    if value is None or value != value:
        return None
    if inp.type == "yesno":
        return ("có " if style == 1 else "Có") if value else "Không"
    if inp.type == "choice":
        return inp.choices[int(value)].label
    number = float(value)
    if style == 0:  # Vietnamese separators, as text
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
        return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return int(number) if number.is_integer() else number


def _fill(template: Path, dest: Path, plan: Plan, row: dict, style: int, when: dt.datetime,
          overrides: dict | None = None) -> Path:
    wb = openpyxl.load_workbook(template)
    meta = {r[0]: r[1] for r in wb[SHEET_META].iter_rows(values_only=True) if r and r[0]}
    cells = json.loads(meta["bo_cuc"])["input_cells"]
    ws = wb[SHEET_INPUT]
    for inp in plan.inputs:
        ws[cells[inp.code]] = _typed(inp, row.get(inp.code), style)
    for code, value in (overrides or {}).items():
        ws[cells[code]] = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    make_reproducible(dest, when)
    stamp = when.timestamp()
    os.utime(dest, (stamp, stamp))
    return dest


def simulate_returns(plan: Plan, templates: Path, records: list[dict], inbox: Path,
                     when: dt.datetime) -> None:
    """Fill the sample units' templates into ``inbox`` (recreated), mistakes included."""
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    by_code = {p.name.split("-")[0]: p for p in templates.glob("*.xlsx")}
    numeric = [i.code for i in plan.inputs if i.type in ("count", "number", "percent")]
    for k, row in enumerate(records[:-1]):  # the last unit sends nothing
        code = row["ma_don_vi"]
        template = by_code[code]
        name = template.name if k != 1 else "bao cao thi dua (1).xlsx"  # renamed by the mail client
        overrides = {numeric[0]: "12a"} if k == 3 and numeric else None
        # one unit pasted its numbers as text («1.234»): both its template and the report flag
        # them (a workbook's cells are read as its formulas read them); others type loosely
        style = 0 if k == 4 else 1 + k % 2
        _fill(template, inbox / name, plan, row, style=style, when=when, overrides=overrides)
        if k == 2:  # an older copy sent earlier by the same unit
            older = dict(row)
            _fill(template, inbox / "gui-lan-truoc" / template.name, plan, older, style=2,
                  when=when.replace(year=when.year - 1))
    (inbox / "ghi-chu.xlsx").write_text("Ghi chú của đơn vị: đã gửi báo cáo qua Zalo.\n",
                                        encoding="utf-8")
    stamp = when.timestamp()
    os.utime(inbox / "ghi-chu.xlsx", (stamp, stamp))
