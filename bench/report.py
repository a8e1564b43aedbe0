"""Gather ``bench/results/*.json`` into ``bench/RESULTS.md`` (``python3 tasks.py bench``)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def s(m: dict | None) -> str:
    return "—" if not m else f"{m['wall']:.2f} s"


def mb(m: dict | None) -> str:
    return "—" if not m else f"{m['peak_mb']:.0f} MB"


def x(a: dict | None, b: dict | None) -> str:
    """How many times faster thidua (``b``) is than ``a``: above 1 thidua is faster."""
    if not a or not b:
        return "—"
    r = a["wall"] / b["wall"]
    return f"{r:.1f}×" if r >= 0.95 else f"{r:.2g}× (slower)"


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def main() -> int:
    rows = []
    machines = []
    score = load("score_units")
    if score:
        machines.append(("score_units", score["machine"]))
        for r in score["rows"]:
            n = r["size"]
            rows.append((f"score {n:,} units (summary)", r["thidua"], r["naive"], r["peer"],
                         f"< {r['target']} s" if r.get("target") else ""))
            rows.append((f"score {n:,} units (--json)", r["thidua_json"], None, None, ""))
    gen = load("generate_units")
    if gen:
        machines.append(("generate_units", gen["machine"]))
        for r in gen["rows"]:
            rows.append((f"generate {r['size']:,} templates + master", r["thidua"], r["naive"],
                         r["peer"], "≤ peer"))
            if r.get("peer_values"):
                rows.append((f"generate {r['size']:,}: peer's master without formulas",
                             r["thidua"], None, r["peer_values"], ""))
    for name in ["consolidate_units"] + sorted(p.stem for p in RESULTS.glob("consolidate_units_*.json")):
        con = load(name)
        if not con:
            continue
        machines.append((name, con["machine"]))
        n = con["size"]
        r = con["rows"]
        big = n != 3321
        rows.append((f"consolidate {n:,} returned files", r["full"]["thidua"], r["full"]["naive"],
                     r["full"]["peer"], "< 25 s, < 500 MB" if big else "< peer (issue 14 item 2)"))
        rows.append((f"consolidate {n:,}: peer's master without formulas", r["full"]["thidua"],
                     None, r["full"]["peer_values"], ""))
        rows.append((f"same ({n:,}), nothing changed since last run", r["again"]["thidua"], None,
                     r["again"]["peer"], "" if big else "< 0.5 s (item 2)"))
        rows.append((f"same ({n:,}), 10 new files", r["new10"]["thidua"], None, r["new10"]["peer"],
                     "" if big else "< 1 s (item 2)"))
    tinh = load("tinh_diem_units")
    if tinh:
        machines.append(("tinh_diem_units", tinh["machine"]))
        rows.append((f"Tính điểm {tinh['size']:,} units, whole process", tinh["whole"], None, None,
                     "< 1 s, < 300 MB"))
    lines = ["# Benchmark results", "",
             "Written by `python3 tasks.py bench` (`bench/report.py`) from `bench/results/*.json`. "
             "Every time is the median wall time of whole processes (a fresh `python -m thidua …` "
             "or a peer's script), each run after one warm-up run; memory is the peak resident "
             "memory of the whole process tree (each process's peak, added up). Inputs and how "
             "each side works: the docstring of each `bench/*.py` and `bench/peers/*.py`.", "",
             "| job | thidua | naive | best realistic peer | thidua vs naive | thidua vs peer "
             "| thidua memory | target |", "|---|---|---|---|---|---|---|---|"]
    for job, ours, naive, peer, target in rows:
        lines.append(f"| {job} | {s(ours)} | {s(naive)} | {s(peer)} | {x(naive, ours)} "
                     f"| {x(peer, ours)} | {mb(ours)} | {target} |")
    if tinh:
        lines += ["", f"Tính điểm: one click inside a warm process (payload text in, actions text "
                  f"out) {tinh['warm']:.2f} s (median); actions returned: "
                  + ", ".join(f"{k} × {v:,}" for k, v in tinh["actions"].items())
                  + f"; {tinh['value_cells']:,} cells of values."]
        office = tinh.get("office")
        if office:
            per = ", ".join(f"{k} {v:.2f} ms each" for k, v in office["per_action_ms"].items())
            lines.append(f"Applying them in LibreOffice Calc over UNO from another process: "
                         f"{office['seconds']:.1f} s ({per}).")
    lines += ["", "## Machines", ""]
    for name, m in machines:
        load_avg = ", ".join(f"{v:.1f}" for v in m["load"])
        versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        lines.append(f"- `{name}` ({m['when']}): {m['cpu']}, {m['cores']} cores, Python "
                     f"{m['python']}; load average at the end {load_avg}; {versions}.")
    extra = HERE / "RESULTS-notes.md"
    if extra.exists():
        lines += ["", extra.read_text(encoding="utf-8").strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
