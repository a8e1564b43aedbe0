"""Incremental consolidation (issue 14): receipts, the master changed in place — same result.

Each round of returned files (added, changed, removed, broken, duplicated, an
attachment, an appraisal typed by the office) is consolidated twice from the
same master: changed in place, and rebuilt whole by the master writer. The two
masters must hold the same content cell for cell (values, formulas, looks, sheet
set-up, names, validations, conditional formats) and the same report. Files
whose receipt says they are unchanged are not read again; a master saved by
another program is rebuilt, not patched.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from tests.test_consolidate import fill, send, setup_campaign
from thidua.consolidate.collect import consolidate
from thidua.consolidate.master_io import _read_openpyxl, read_master
from thidua.fileio import make_reproducible
from thidua.workbook import contract

OURS = (contract.SEAL, contract.RECEIPTS, contract.SNAPSHOT)  # bookkeeping of each run


def _style(cell) -> tuple:
    fill = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None
    font, align, border = cell.font, cell.alignment, cell.border
    return (cell.number_format, bool(font.b), font.sz, bool(font.i), fill, bool(align.wrap_text),
            align.vertical, align.horizontal, border.left.style, border.bottom.style,
            cell.protection.locked)


def content(path: Path) -> dict:
    """Everything a person sees or an Excel program uses, sheet by sheet (no save times)."""
    out: dict = {}
    for data_only in (False, True):
        wb = openpyxl.load_workbook(path, data_only=data_only)
        out[("sheets", data_only)] = [(ws.title, ws.sheet_state) for ws in wb.worksheets]
        out[("names", data_only)] = sorted((n, d.attr_text) for n, d in wb.defined_names.items())
        for ws in wb.worksheets:
            cells = {}
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if ws.title == contract.META_SHEET and cell.column == 1 \
                            and str(value).split("#")[0] in OURS:
                        break  # this row is the runs' bookkeeping
                    cells[cell.coordinate] = (value, _style(cell))
            sheet = {
                "cells": cells,
                "merged": sorted(str(r) for r in ws.merged_cells.ranges),
                "widths": sorted((k, d.width, d.hidden) for k, d in ws.column_dimensions.items()),
                "heights": sorted((k, d.height) for k, d in ws.row_dimensions.items() if d.height),
                "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                "print": (ws.print_title_rows, ws.print_title_cols, ws.print_area,
                          ws.page_setup.orientation, ws.page_setup.paperSize,
                          ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
                          ws.sheet_properties.pageSetUpPr.fitToPage
                          if ws.sheet_properties.pageSetUpPr else None),
                "validations": sorted((str(v.sqref), v.type, v.formula1, v.formula2)
                                      for v in ws.data_validations.dataValidation),
                "formats": sorted((str(rng.sqref), tuple(r.formula or ()))
                                  for rng in ws.conditional_formatting for r in rng.rules),
                "local_names": sorted((n, d.attr_text) for n, d in ws.defined_names.items()),
                "protected": ws.protection.sheet,
            }
            out[(ws.title, data_only)] = sheet
    return out


def assert_same_master(a: Path, b: Path) -> None:
    left, right = content(a), content(b)
    assert left.keys() == right.keys()
    for key in left:
        if left[key] != right[key]:
            if isinstance(left[key], dict) and "cells" in left[key]:
                for part in left[key]:
                    if part == "cells":
                        la, ra = left[key]["cells"], right[key]["cells"]
                        diff = {c: (la.get(c), ra.get(c)) for c in set(la) | set(ra)
                                if la.get(c) != ra.get(c)}
                        assert not diff, (key, sorted(diff.items())[:10])
                    assert left[key][part] == right[key][part], (key, part)
            assert left[key] == right[key], key


class Twins:
    """One folder consolidated into two copies of a master: in place, and rebuilt."""

    def __init__(self, plan, master: Path, inbox: Path, tmp_path: Path):
        self.plan, self.inbox = plan, inbox
        self.fast, self.full = tmp_path / "tai-cho" / master.name, tmp_path / "dung-lai" / master.name
        for target in (self.fast, self.full):
            target.parent.mkdir()
            shutil.copy(master, target)

    def run(self, *, expect_in_place: bool | None = None):
        time.sleep(0.06)  # files written just now are read again (their time could repeat)
        fast = consolidate(self.plan, self.inbox, self.fast, backup=False)
        full = consolidate(self.plan, self.inbox, self.full, backup=False, in_place=False)
        assert full.written_how in ("dung_lai", "")
        if expect_in_place is None:  # a task list's stored values depend on the day: rebuilt
            expect_in_place = not self.plan.settings.get("tasks")
        if fast.changed:
            assert fast.written_how == ("tai_cho" if expect_in_place else "dung_lai")
        assert [(p.code, p.file, p.unit, p.sheet, p.cell, p.message) for p in fast.issues] == \
            [(p.code, p.file, p.unit, p.sheet, p.cell, p.message) for p in full.issues]
        assert fast.summary() == full.summary() and fast.changed == full.changed
        assert_same_master(self.fast, self.full)
        for path in (self.fast, self.full):  # read straight from the package = read by openpyxl
            quick, slow = read_master(path, self.plan), _read_openpyxl(path, path.read_bytes(),
                                                                        self.plan)
            assert quick.package is not None
            assert (quick.units, quick.config, quick.year, quick.log_rows) == \
                (slow.units, slow.config, slow.year, slow.log_rows)
            assert {k: v for k, v in quick.meta.items() if k.split("#")[0] not in OURS} == \
                {k: v for k, v in slow.meta.items() if k.split("#")[0] not in OURS}
        return fast


def _older(path: Path, year: int) -> Path:
    make_reproducible(path, dt.datetime(year, 1, 1))  # saved (by the time inside it) long ago
    return path


@pytest.mark.parametrize("plan_id", ["nui-thanh-dvc-2023", "hoa-thanh-cchc-2018",
                                     "quang-nam-dvc-2023", "xuan-thanh-mot-cua-2021"])
def test_in_place_equals_a_full_rebuild_after_adding_changing_and_removing_files(tmp_path, plan_id):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, plan_id)
    codes = list(templates)
    twins = Twins(plan, master, inbox, tmp_path)
    first = plan.inputs[0]
    numeric = next(i for i in plan.inputs if i.type in ("count", "number") and not i.office_only)

    # round 1: half the units send their files
    sent = send(templates, inbox, plan, figures, codes[: len(codes) // 2])
    outcome = twins.run()
    assert outcome.changed and outcome.seconds["doc_so_tep"] == len(sent)

    # the same folder again: nothing read, nothing written
    before = twins.fast.read_bytes()
    again = consolidate(plan, inbox, twins.fast, backup=False)
    assert not again.changed and again.seconds["doc_so_tep"] == 0
    assert twins.fast.read_bytes() == before

    # round 2: a unit changes a figure, one file goes, another unit sends, an older duplicate,
    # a broken file, a PDF, a figure out of range
    fill(templates[codes[0]], sent[0], plan, figures, codes[0], {numeric.code: 7})
    os.remove(sent[1])
    send(templates, inbox, plan, figures, [codes[-1]])
    _older(fill(templates[codes[2]], inbox / "cu" / "ban-cu.xlsx", plan, figures, codes[2],
                {numeric.code: 999}), 2020)
    (inbox / "hong.xlsx").write_bytes(b"PK\x03\x04 khong phai bang tinh")
    (inbox / f"{codes[3]}-bao-cao.pdf").write_bytes(b"%PDF-1.4")
    send(templates, inbox, plan, figures, [codes[3]], **{codes[3]: {numeric.code: -5}})
    outcome = twins.run()
    assert outcome.seconds["doc_so_tep"] == 5  # the changed, new and broken files only
    assert read_master(twins.fast, plan).unit(codes[0])[numeric.code] == 7

    # round 3: most files removed (units keep their figures), one unit blanks a figure
    for path in sorted(inbox.glob("*.xlsx"))[2:]:
        os.remove(path)
    keep = sorted(inbox.glob("*.xlsx"))
    code = next(c for c in codes if any(p.name.startswith(c) for p in keep))
    fill(templates[code], next(p for p in keep if p.name.startswith(code)), plan, figures, code,
         {first.code: None} if not first.office_only else {})
    twins.run()


def test_an_appraised_figure_sent_again_different_is_marked_in_place(tmp_path):
    """The office types an appraisal (the master is then saved by another program: rebuilt
    once); a unit re-sends a different figure: the cell turns orange in place, as rebuilt."""
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "hoa-thanh-cchc-2018")
    twins = Twins(plan, master, inbox, tmp_path)
    send(templates, inbox, plan, figures, ["PNV", "PTC"] if "PTC" in templates else ["PNV"])
    twins.run()
    code = "ty_le_mot_cua_dien_tu"
    for path in (twins.fast, twins.full):  # typed in Excel (here openpyxl) and saved
        wb = openpyxl.load_workbook(path)
        data = read_master(path, plan)
        row = data.layout.row_of("PNV")
        wb[data.layout.sheet][f"{data.layout.columns[code + '_tham_dinh']}{row}"] = 94
        wb.save(path)
    assert read_master(twins.fast, plan).package is None  # not as the tool left it any more
    twins.run(expect_in_place=False)  # rebuilt (sealed again)
    send(templates, inbox, plan, figures, ["PNV"], PNV={code: 80})
    outcome = twins.run()
    assert any(p.code == "sua_sau_tham_dinh" for p in outcome.issues)
    data = read_master(twins.fast, plan)
    wb = openpyxl.load_workbook(twins.fast)
    cell = wb[data.layout.sheet][f"{data.layout.columns[code]}{data.layout.row_of('PNV')}"]
    assert cell.value == 80 and cell.fill.fgColor.rgb.endswith("F8CBAD")


def test_receipts_read_only_what_changed_and_forget_what_may_change_back(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    codes = list(templates)
    paths = send(templates, inbox, plan, figures, codes[:4])
    (inbox / "rong.xlsx").write_bytes(b"")  # refused, and remembered
    (inbox / "to.xlsx").write_bytes(b"PK" + b"\0" * 4000)
    time.sleep(0.06)
    first = consolidate(plan, inbox, master, backup=False)
    assert first.seconds["doc_so_tep"] == 6
    time.sleep(0.06)
    # a smaller limit: every file read again (a refusal for size is never remembered)
    second = consolidate(plan, inbox, master, backup=False, limits=_limits(max_bytes=3000))
    assert second.seconds["doc_so_tep"] == 6
    assert any(p.code == "tep_qua_lon" for p in second.issues)
    third = consolidate(plan, inbox, master, backup=False)
    assert third.seconds["doc_so_tep"] == 6  # the limits changed back: all read again
    fourth = consolidate(plan, inbox, master, backup=False)
    assert fourth.seconds["doc_so_tep"] == 0 and not fourth.changed
    # touched (same bytes, new time): read again, nothing else changes but the log's time
    os.utime(paths[0], ns=(time.time_ns() - 10**9, time.time_ns() - 10**9))
    time.sleep(0.06)
    fifth = consolidate(plan, inbox, master, backup=False)
    assert fifth.seconds["doc_so_tep"] == 1


def _limits(**kw):
    from thidua.consolidate.reader import Limits
    return Limits(**kw)


def test_a_master_with_a_damaged_sheet_is_said_damaged_and_left_as_it_is(tmp_path):
    """Sheets are scanned a piece at a time, their CRC checked at the end: what garbage
    inflated raises on the way is said as a damaged master, with the sheet, never a crash."""
    import struct
    import zipfile

    from thidua.errors import InputError

    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:3])
    data = bytearray(master.read_bytes())
    info = zipfile.ZipFile(master).getinfo("xl/worksheets/sheet1.xml")  # «Tổng hợp»
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    middle = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[middle:middle + 40] = bytes(b ^ 0x55 for b in data[middle:middle + 40])
    master.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        consolidate(plan, inbox, master, backup=False)
    (problem,) = caught.value.problems
    assert problem.code == "tep_hong" and "trang «Tổng hợp» bị hỏng" in problem.message
    assert master.read_bytes() == bytes(data)
