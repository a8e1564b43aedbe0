"""Benchmark: ``thidua consolidate`` — returned unit files into the office's master.

The returned files are realistic: each unit's template (``thidua generate``)
filled with its own figures and saved again by LibreOffice, as a unit's
spreadsheet program saves what it sends back (``data.returned_files``).
Whole commands, each a fresh process, medians of several runs, in the same run:

* full: every file into the master made by ``thidua generate --master``;
* again: the same folder once more, nothing changed since the last run;
* 10 new: the master already holds all but 10 units' files; those 10 arrive.

Against: the naive way (``pandas.read_excel`` per file, the master filled with
openpyxl) and the best realistic peer (python-calamine on 2 processes, the
master's cells written with XlsxWriter; with a cache of each file's size, time
and figures for «again» and «10 new»), both in ``peers/consolidate.py``. The
peer is timed writing the master's formulas too (as thidua's master has them)
and without them (values only: XlsxWriter is slow to write formulas).

    python bench/consolidate_units.py [--size 3321] [--repeat 5] [--naive-repeat 3]

The files for 3,321 units take LibreOffice about 10 minutes to save the first
time (cached); ``--size 33210`` takes about 1½ hours the first time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))

from data import returned_files  # noqa: E402
from harness import CACHE, env, measure, ratio, save, script, thidua  # noqa: E402

PLAN = "nui-thanh-dvc-2023"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=3321)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-repeat", type=int, default=3,
                        help="0: the naive way is not run (about 10 minutes a run at 33,210)")
    args = parser.parse_args()
    n = args.size
    inbox, listing, _cached = returned_files(n)
    files = sorted(inbox.rglob("*.xlsx"))
    assert len(files) == n, len(files)
    work = CACHE / "consolidate" / f"{n}-run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # the office's master, made by this thidua (a master cached from an older version would
    # be rebuilt on its first consolidation, not changed in place)
    pristine = work / "so-tong-hop-moi.xlsx"
    subprocess.run(thidua("generate", PLAN, "--units", listing, "--master", pristine), env=env(),
                   check=True, capture_output=True)
    import model
    model_json = model.save(model.model(pristine), work / "model.json")
    master = work / "so-tong-hop.xlsx"
    states = work / "states"
    states.mkdir()

    def restore(name: str, cache: str | None = None):
        def go() -> None:
            for old in work.glob("so-tong-hop.bak-*"):
                old.unlink()
            shutil.copyfile(states / name, master)
            if cache:
                shutil.copyfile(states / cache, work / "cache.json")
            elif (work / "cache.json").exists():
                (work / "cache.json").unlink()
        return go

    shutil.copyfile(pristine, states / "empty.xlsx")
    consolidate = thidua("consolidate", PLAN, inbox, "--master", master)
    rows = {}
    print(f"Tổng hợp {n:,} tệp đơn vị gửi về (lưu lại bằng LibreOffice), {PLAN}:", flush=True)
    rows["full"] = {
        "thidua": measure("cả thư mục: thidua consolidate", consolidate, repeat=args.repeat,
                          before=restore("empty.xlsx")).as_dict()}
    shutil.copyfile(master, states / "full.xlsx")
    rows["full"]["peer"] = measure(
        "cả thư mục: đối thủ (calamine ×2 + XlsxWriter, có công thức)",
        script("consolidate.py", "calamine", inbox, master, model_json, work / "cache.json"),
        repeat=args.repeat, before=restore("empty.xlsx")).as_dict()
    shutil.copyfile(work / "cache.json", states / "cache-full.json")
    rows["full"]["peer_values"] = measure(
        "cả thư mục: đối thủ (chỉ giá trị, không công thức)",
        script("consolidate.py", "calamine-values", inbox, master, model_json),
        repeat=args.repeat, before=restore("empty.xlsx")).as_dict()
    rows["full"]["naive"] = measure(
        "cả thư mục: cách thô (pandas.read_excel + openpyxl)",
        script("consolidate.py", "naive", inbox, master, model_json),
        repeat=args.naive_repeat, before=restore("empty.xlsx")).as_dict() \
        if args.naive_repeat > 0 else None

    rows["again"] = {
        "thidua": measure("chạy lại, không có gì mới: thidua", consolidate, repeat=args.repeat,
                          before=restore("full.xlsx")).as_dict(),
        "peer": measure("chạy lại, không có gì mới: đối thủ (bộ nhớ đệm)",
                        script("consolidate.py", "calamine", inbox, master, model_json,
                               work / "cache.json"),
                        repeat=args.repeat, before=restore("full.xlsx", "cache-full.json")).as_dict()}

    # 10 new files: the same folder, first consolidated without them
    late = files[-10:]
    aside = work / "aside"
    aside.mkdir()
    for path in late:
        shutil.move(str(path), aside / path.name)
    try:
        restore("empty.xlsx")()
        subprocess.run(consolidate, env=env(), check=True, capture_output=True)
        shutil.copyfile(master, states / "minus10.xlsx")
        subprocess.run(script("consolidate.py", "calamine", inbox, master, model_json,
                              work / "cache.json"), env=env(), check=True, capture_output=True)
        shutil.copyfile(work / "cache.json", states / "cache-minus10.json")
    finally:
        for path in late:
            shutil.move(str(aside / path.name), path)
    os.utime(inbox)
    rows["new10"] = {
        "thidua": measure("10 tệp mới: thidua", consolidate, repeat=args.repeat,
                          before=restore("minus10.xlsx")).as_dict(),
        "peer": measure("10 tệp mới: đối thủ (bộ nhớ đệm)",
                        script("consolidate.py", "calamine", inbox, master, model_json,
                               work / "cache.json"),
                        repeat=args.repeat, before=restore("full.xlsx", "cache-minus10.json")).as_dict()}
    f = rows["full"]
    naive = ratio(f['naive']['wall'], f['thidua']['wall']) if f["naive"] else "(không đo)"
    print(f"  cả thư mục: so với cách thô {naive}, "
          f"so với đối thủ {ratio(f['peer']['wall'], f['thidua']['wall'])} (đối thủ chỉ giá trị "
          f"{ratio(f['peer_values']['wall'], f['thidua']['wall'])})", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    # the default size is the table's main row; other sizes are kept beside it
    save("consolidate_units" if n == 3321 else f"consolidate_units_{n}",
         {"title": "thidua consolidate", "plan": PLAN, "size": n, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
