"""Templates written on worker processes while the master is built: the same files, all or nothing."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from thidua.errors import ThiduaError
from thidua.plan import load_plan
from thidua.units import read_unit_list
from thidua.workbook import generate

SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"
PLAN = "nui-thanh-dvc-2023"
NOW = dt.datetime(2026, 11, 30, 9, 0, 0)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_parallel_campaign_writes_what_one_process_writes(tmp_path, monkeypatch):
    plan = load_plan(PLAN)
    units = read_unit_list(SAMPLES / f"{PLAN}.csv", plan)
    one = tmp_path / "mot"
    generate.write_campaign(plan, units, out_dir=one / "mau", master=one / "so.xlsx", now=NOW,
                            workers=1)
    monkeypatch.setattr(generate, "BATCH", 4)  # several batches: the worker processes are used
    started = []
    real = generate._Writing.__init__

    def spy(self, batches, *args):
        real(self, batches, *args)
        started.append((len(batches), self.pool is not None))

    monkeypatch.setattr(generate._Writing, "__init__", spy)
    two = tmp_path / "hai"
    done = generate.write_campaign(plan, units, out_dir=two / "mau", master=two / "so.xlsx",
                                   now=NOW, workers=2)
    assert started == [(-(-len(units) // 4), True)]
    assert len(done.templates) == len(units) and done.master == two / "so.xlsx"
    assert _files(two) == _files(one)


def test_a_failing_master_leaves_no_templates_and_stops_the_workers(tmp_path, monkeypatch):
    plan = load_plan(PLAN)
    units = read_unit_list(SAMPLES / f"{PLAN}.csv", plan)
    monkeypatch.setattr(generate, "BATCH", 4)
    import thidua.workbook.master as master_pkg

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(master_pkg, "write_master", broken)
    closed = []
    real_close = generate._Writing.close

    def close(self):
        closed.append(self.pool is not None)
        real_close(self)

    monkeypatch.setattr(generate._Writing, "close", close)
    with pytest.raises(ThiduaError, match="chưa ghi tệp nào"):
        generate.write_campaign(plan, units, out_dir=tmp_path / "mau", master=tmp_path / "so.xlsx",
                                now=NOW, workers=2)
    assert closed and closed[0] is True  # the pool was running, and was shut down
    assert _files(tmp_path) == {}
