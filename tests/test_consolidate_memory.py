"""Consolidation's memory at 33,210 files (issue 14): what the processes hold, and when.

The reader workers are forked processes: each starts with a copy of everything the main
process holds at that moment, so they are started as soon as the folder is listed — before
the master is opened (its receipts, megabytes for a big folder) and before its unit rows
are read — and let go as soon as it is known that few files need reading.
"""
from __future__ import annotations

from tests.test_consolidate import send, setup_campaign
from thidua.consolidate import collect, master_io


def test_the_workers_start_before_the_master_is_opened_and_go_when_not_needed(tmp_path,
                                                                              monkeypatch):
    plan, _units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:3])
    order: list[str] = []
    started: list[collect._Workers] = []

    class Workers(collect._Workers):
        def __init__(self, *args):
            order.append("workers")
            super().__init__(*args)
            started.append(self)

    def opened(*args):
        order.append("open")
        return master_io.open_master(*args)

    read = master_io.OpenMaster.read

    def rows(self):
        order.append("rows" if started[0].pool is None else "rows, workers still there")
        return read(self)

    monkeypatch.setattr(collect, "_Workers", Workers)
    monkeypatch.setattr(collect, "open_master", opened)
    monkeypatch.setattr(master_io.OpenMaster, "read", rows)
    outcome = collect.consolidate(plan, inbox, master, backup=False, workers=2)
    assert len([s for s in outcome.accepted if s.used]) == 3
    # three files to read: read here, the two workers let go before the rows are read
    assert order == ["workers", "open", "rows"]


def test_a_submission_keeps_only_what_the_checks_across_files_and_the_log_use(tmp_path):
    plan, _units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    paths = send(templates, inbox, plan, figures, list(templates)[:2])
    outcome = collect.consolidate(plan, inbox, master, backup=False)
    assert len(outcome.accepted) == 2
    for s, path in zip(sorted(outcome.accepted, key=lambda s: s.rel), sorted(paths)):
        assert s.rel == path.name and s.file.mtime == path.stat().st_mtime
        assert not hasattr(s.file, "cells") and not hasattr(s.file, "meta")  # not 33,210 copies
        assert s.file.names[plan.inputs[0].code][0] == s.file.input_sheet


def test_the_snapshot_written_a_row_at_a_time_reads_back_as_the_rows(tmp_path):
    from thidua.workbook import contract

    plan, _units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:3])
    collect.consolidate(plan, inbox, master, backup=False)
    data = master_io.read_master(master, plan)
    assert data.package is not None and len(data.log_rows) == 3
    pieces = list(master_io.snapshot_json(plan, data.layout, data.table, data.log_rows))
    assert len(pieces) > len(data.units)  # a row at a time
    meta = dict(contract.chunks(contract.SNAPSHOT, iter(pieces)))
    table, log = master_io._snapshot(meta, plan, data.layout)
    assert table == data.table and log == data.log_rows


def test_a_master_changed_in_place_copies_only_the_rows_it_changes(tmp_path):
    from thidua.consolidate import master_write

    plan, _units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:3])
    collect.consolidate(plan, inbox, master, backup=False)
    data = master_io.read_master(master, plan)
    before = {r: dict(cells) for r, cells in data.table.items()}
    units = [dict(u) for u in data.units]
    code = plan.inputs[0].code
    units[1][code] = 12345
    package, table = master_write._changed_in_place(plan, data, units)
    changed = data.rows[units[1]["ma_don_vi"]]
    assert table[changed][data.layout.columns[code]][0] == 12345
    assert all(table[r] is data.table[r] for r in data.table if r != changed)  # not copied
    assert data.table == before  # the master as read is left as it was
