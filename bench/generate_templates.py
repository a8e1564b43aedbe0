"""Benchmark: generate the templates of 3,321 units (every commune in Vietnam).

Prints time, files per second and peak memory of ``generate_templates``
(one template built once, each unit's copy stamped), against the naive way
(build each workbook from scratch with openpyxl and save it), measured in the
same run. The naive way is timed on a sample of units — it would take minutes
on all of them — and compared by files per second.

    python bench/generate_templates.py
"""
from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from thidua.plan import load_plan  # noqa: E402
from thidua.text import format_number  # noqa: E402
from thidua.workbook.generate import generate_templates, stamp_values, template_name  # noqa: E402
from thidua.workbook.template import build_template  # noqa: E402

N = 3321
NAIVE_SAMPLE = 60
GOAL_SECONDS, GOAL_RATIO = 30.0, 10.0


@dataclass
class Unit:
    code: str
    name: str
    group: str
    level: str


def naive(plan, units, out: Path) -> None:
    """Build and save every workbook from scratch."""
    for unit in units:
        wb, _ = build_template(plan)
        values = stamp_values(plan, unit, time_now)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and "{{" in cell.value:
                        text = cell.value
                        for key, value in values.items():
                            text = text.replace(key, value)
                        cell.value = text
        wb.save(out / template_name(unit))


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


time_now = None


def main() -> int:
    global time_now
    import datetime as dt
    time_now = dt.datetime(2026, 1, 1)
    plan = load_plan("nui-thanh-dvc-2023")
    units = [Unit(f"XA{i:05d}", f"Xã thử nghiệm số {i}", "xa", "xa") for i in range(N)]
    root = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    try:
        start = time.perf_counter()
        paths = generate_templates(plan, units, root / "stamped", now=time_now)
        fast = time.perf_counter() - start
        assert len(paths) == N and all(p.exists() for p in paths)
        fast_peak = peak_mb()
        (root / "naive").mkdir()
        start = time.perf_counter()
        naive(plan, units[:NAIVE_SAMPLE], root / "naive")
        slow = time.perf_counter() - start
    finally:
        shutil.rmtree(root, ignore_errors=True)
    fast_rate, slow_rate = N / fast, NAIVE_SAMPLE / slow
    print(f"Tạo mẫu cho {format_number(N)} đơn vị (kế hoạch {plan.id}):")
    print(f"  thidua (dựng 1 mẫu, đóng dấu từng bản): {fast:7.2f} s  "
          f"{format_number(fast_rate, 0):>7} tệp/giây  bộ nhớ đỉnh {format_number(fast_peak, 0)} MB")
    print(f"  cách thô (dựng từng tệp bằng openpyxl):  {slow:7.2f} s cho {NAIVE_SAMPLE} tệp  "
          f"{format_number(slow_rate, 1):>7} tệp/giây  (ước tính {format_number(N / slow_rate, 0)} s "
          f"cho {format_number(N)} tệp)")
    ratio = fast_rate / slow_rate
    print(f"  nhanh hơn cách thô: {ratio:.1f} lần")
    ok = fast < GOAL_SECONDS and ratio >= GOAL_RATIO
    print(f"  mục tiêu < {GOAL_SECONDS:g} s và ≥ {GOAL_RATIO:g} lần: {'ĐẠT' if ok else 'KHÔNG ĐẠT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
