"""Benchmark: the add-in's «Tính điểm» on a master of 33,210 units.

The master is made by ``thidua generate --master`` for 33,210 units with their
figures, its formulas computed by LibreOffice (as Excel would have them), and
turned into the payload xlwings' VBA client sends (every sheet's values).
Timed, as whole processes (medians): a fresh Python reading the payload,
building the book with xlwings' remote engine (``xlwings.Book(json=…)``),
running ``run_button("tinh_diem")`` and writing the actions Excel replays —
start-up and imports included; and, inside one process, the click itself
(payload text in, actions text out) once warm.

Then what a spreadsheet program costs to apply those actions: the actions
replayed in LibreOffice Calc over UNO from another process (as ``python.exe``
drives Excel over COM on Windows), when the system Python has LibreOffice's
``uno`` module (``apt-get install python3-uno``).

    python bench/tinh_diem_units.py [--size 33210] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import master_payload  # noqa: E402
from harness import CACHE, PYTHON, ROOT, env, measure, save  # noqa: E402

DRIVERS = ROOT / "bench" / "drivers"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=33210)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.size
    payload = master_payload(n)
    actions = CACHE / "tinh-diem" / f"actions-{n}.json"
    print(f"«Tính điểm» trên sổ tổng hợp {n:,} đơn vị (payload "
          f"{payload.stat().st_size / 1e6:.1f} MB):", flush=True)
    whole = measure("cả tiến trình (khởi động, nạp thư viện, một lần bấm)",
                    [PYTHON, DRIVERS / "tinh_diem_click.py", payload, actions],
                    repeat=args.repeat)
    out = subprocess.run([PYTHON, str(DRIVERS / "tinh_diem_click.py"), str(payload), str(actions),
                          "--repeat", str(args.repeat + 1)], env=env(), check=True,
                         capture_output=True, text=True).stdout
    clicks = json.loads(out)
    warm = statistics.median(clicks["seconds"][1:])
    print(f"  {'một lần bấm, trong tiến trình đã nạp (trung vị)':<58} {warm:8.3f} s", flush=True)
    print(f"  thao tác trả về: {clicks['actions']}, {clicks['value_cells']:,} ô giá trị", flush=True)
    office = None
    try:
        master = next((CACHE / "tinh-diem" / f"work-{n}" / "tinh-lai").glob("*.xlsx"))
        done = subprocess.run(["/usr/bin/python3", str(DRIVERS / "office_apply.py"), str(actions),
                               str(master)], capture_output=True, text=True, timeout=3600)
        if done.returncode == 0:
            office = json.loads(done.stdout)
            print(f"  LibreOffice áp các thao tác qua UNO: {office['seconds']:.1f} s "
                  f"({', '.join(f'{k} {v:.2f} ms/lần' for k, v in office['per_action_ms'].items())})",
                  flush=True)
        else:
            print("  (không đo được LibreOffice qua UNO: " + done.stderr.strip()[-200:] + ")")
    except (StopIteration, FileNotFoundError, subprocess.TimeoutExpired) as exc:
        print(f"  (không đo được LibreOffice qua UNO: {exc})")
    save("tinh_diem_units", {"title": "Tính điểm (add-in)", "size": n, "whole": whole.as_dict(),
                             "warm_clicks": clicks["seconds"][1:], "warm": warm,
                             "actions": clicks["actions"], "value_cells": clicks["value_cells"],
                             "office": office})
    return 0


if __name__ == "__main__":
    sys.exit(main())
