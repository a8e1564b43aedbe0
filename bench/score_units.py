"""Benchmark: ``thidua score`` on a CSV table of 29, 10,000 and 100,000 units.

Whole commands, each a fresh process, medians of several runs, in the same run:

* thidua: ``python -m thidua score nui-thanh-dvc-2023 don-vi.csv`` (the summary);
* naive: the plan written by hand row by row (``DataFrame.iterrows``);
* best realistic peer: the plan written by hand with vectorised pandas
  (``bench/peers/score_nui_thanh.py``).

All three print a summary; their totals, eligibility and prizes are compared
with thidua's ``--json`` before timing. Also timed: ``thidua score --json``.

    python bench/score_units.py [--sizes 29,10000,100000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import units_csv  # noqa: E402
from harness import PYTHON, env, measure, ratio, save, script, thidua  # noqa: E402

PLAN = "nui-thanh-dvc-2023"
TARGETS = {29: 0.25, 10_000: 0.4, 100_000: 1.0}


def check(path: Path) -> None:
    """The peers compute what thidua computes (totals, eligibility, prizes)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(thidua("score", PLAN, path, "--json"), env=env(), check=True,
                             capture_output=True).stdout
        ours = {u["code"]: u for u in json.loads(out)["units"]}
        for style in ("pandas", "iterrows"):
            target = Path(tmp) / f"{style}.json"
            subprocess.run(script("score_nui_thanh.py", style, path, "--check", target), env=env(),
                           check=True, capture_output=True)
            theirs = json.loads(target.read_text(encoding="utf-8"))
            assert theirs.keys() == ours.keys()
            for code, (total, eligible, prize) in theirs.items():
                u = ours[code]
                assert abs(total - u["total"]) < 1e-9, (style, code, total, u["total"])
                assert eligible == u["eligible"], (style, code)
                assert (prize is None) == (u["prize"] is None), (style, code, prize, u["prize"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="29,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        path = units_csv(n)
        check(path)
        print(f"Chấm {n:,} đơn vị ({PLAN}), bảng {path.stat().st_size / 1e6:.1f} MB:", flush=True)
        ours = measure("thidua score (tóm tắt)", thidua("score", PLAN, path), repeat=args.repeat)
        as_json = measure("thidua score --json", thidua("score", PLAN, path, "--json"),
                          repeat=args.repeat)
        repeat_naive = args.repeat if n <= 10_000 else 3
        naive = measure("cách thô: pandas iterrows", script("score_nui_thanh.py", "iterrows", path),
                        repeat=repeat_naive)
        peer = measure("đối thủ tốt nhất: pandas vectơ hóa",
                       script("score_nui_thanh.py", "pandas", path), repeat=args.repeat)
        print(f"  so với cách thô {ratio(naive.wall, ours.wall)}, so với đối thủ "
              f"{ratio(peer.wall, ours.wall)}; mục tiêu < {TARGETS.get(n, '—')} s", flush=True)
        rows.append({"size": n, "thidua": ours.as_dict(), "thidua_json": as_json.as_dict(),
                     "naive": naive.as_dict(), "peer": peer.as_dict(), "target": TARGETS.get(n)})
    save("score_units", {"title": "thidua score", "plan": PLAN, "rows": rows,
                         "python": PYTHON})
    return 0


if __name__ == "__main__":
    sys.exit(main())
