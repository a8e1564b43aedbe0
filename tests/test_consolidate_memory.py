"""Consolidation's memory at 33,210 files (issue 14): what the processes hold, and when.

The reader workers are forked processes: each starts with a copy of everything the main
process holds at that moment, so they are started before the master's unit rows are read
(megabytes for a big master), and the rows are read while the files are.
"""
from __future__ import annotations

from tests.test_consolidate import send, setup_campaign
from thidua.consolidate import collect, master_io


def test_the_workers_start_before_the_masters_rows_are_read(tmp_path, monkeypatch):
    plan, _units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:3])
    order: list[str] = []

    class Workers(collect._Workers):
        def __init__(self, *args):
            order.append("workers")
            super().__init__(*args)

    read = master_io.OpenMaster.read

    def rows(self):
        order.append("rows")
        return read(self)

    monkeypatch.setattr(collect, "_Workers", Workers)
    monkeypatch.setattr(master_io.OpenMaster, "read", rows)
    outcome = collect.consolidate(plan, inbox, master, backup=False, workers=2)
    assert len([s for s in outcome.accepted if s.used]) == 3
    assert order == ["workers", "rows"]
