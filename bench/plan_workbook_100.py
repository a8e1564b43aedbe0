"""Benchmark: read a plan workbook of 100 criteria, beside the same plan in YAML.

Generates a plan with 100 inputs and 100 criteria (every rule kind in turn),
writes it as a plan workbook (``thidua plan export`` layout) and as YAML
(``thidua plan import`` layout), checks both read as the same plan, then
prints medians of:

* reading and validating it in the process (``load_plan``): the goal, < 0.3 s;
* the whole command ``thidua check-plan`` in a fresh Python (start-up and
  imports included), for the workbook and for the YAML file.

    python bench/plan_workbook_100.py
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from thidua.fileio import atomic_write  # noqa: E402
from thidua.plan import load_plan  # noqa: E402
from thidua.plan.snapshot import snapshot  # noqa: E402
from thidua.plan.xlsxwrite import write_workbook  # noqa: E402
from thidua.plan.yamlwrite import plan_yaml  # noqa: E402

N = 100
GOAL_SECONDS = 0.3


def big_plan(n: int) -> dict:
    inputs, criteria = [], []
    for i in range(1, n + 1):
        kind = ("bands", "yesno", "per_item", "per_occurrence", "coefficient", "expression")[i % 6]
        code = f"so_lieu_{i}"
        typ = "yesno" if kind == "yesno" else "count"
        inputs.append({"code": code, "label": f"Số liệu thứ {i} của đơn vị", "type": typ})
        rule = {
            "bands": {"kind": "bands", "of": code, "bands": [
                {"to": 1, "points": 0}, {"from": 1, "to": 3, "points": 0.5},
                {"from": 3, "points": 1}]},
            "yesno": {"kind": "yesno", "of": code, "yes": 1},
            "per_item": {"kind": "per_item", "of": code, "points": 0.25, "cap": 1},
            "per_occurrence": {"kind": "per_occurrence", "of": code, "start": 1, "points": 0.5,
                               "floor": 0},
            "coefficient": {"kind": "coefficient", "of": code, "bands": [
                {"to": 10, "points": 0.5}, {"from": 10, "points": 1}]},
            "expression": {"kind": "expression", "expr": f"min({code} / 100, 1)"},
        }[kind]
        criteria.append({"id": f"{(i - 1) // 10 + 1}.{(i - 1) % 10 + 1}",
                         "section": f"Phần {(i - 1) // 10 + 1}",
                         "label": f"Tiêu chí thứ {i}: nội dung như trong thang điểm", "max": 1,
                         "role": "score", "rule": rule})
    return {"id": "ke-hoach-100", "version": 1, "title": "Kế hoạch thử 100 tiêu chí",
            "issuer": "UBND tỉnh Thử", "kind": "points", "levels": ["tinh", "xa"],
            "groups": [{"code": "chung", "label": "Chung"}], "inputs": inputs,
            "criteria": criteria, "total_max": n,
            "gates": [{"condition": "tong_diem >= 50", "reason": "Dưới 50 điểm"}],
            "prizes": [{"group": "chung", "prizes": [
                {"code": "nhat", "label": "Giải Nhất", "amount": 1000000}]}]}


def median_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command(path: Path) -> float:
    def run() -> None:
        subprocess.run([sys.executable, "-m", "thidua", "check-plan", str(path)], check=True,
                       capture_output=True, cwd=ROOT)
    run()  # warm the disk cache
    return median_of(run, 5)


def main() -> int:
    raw = big_plan(N)
    with tempfile.TemporaryDirectory(prefix="thidua-bench-") as tmp:
        book = write_workbook(raw, Path(tmp) / "ke-hoach-100.xlsx", backup=False)
        text = plan_yaml(raw)
        yaml_path = atomic_write(Path(tmp) / "ke-hoach-100.yaml",
                                 lambda p: p.write_text(text, encoding="utf-8"))
        same = snapshot(load_plan(book)) == snapshot(load_plan(yaml_path))
        read_book = median_of(lambda: load_plan(book), 9)
        read_yaml = median_of(lambda: load_plan(yaml_path), 9)
        cmd_book, cmd_yaml = command(book), command(yaml_path)
    print(f"Đọc và kiểm tra kế hoạch {N} tiêu chí (trung vị):")
    print(f"  tệp Excel (.xlsx), trong tiến trình:   {read_book:7.3f} s")
    print(f"  tệp YAML, trong tiến trình:            {read_yaml:7.3f} s")
    print(f"  lệnh «thidua check-plan» với .xlsx:    {cmd_book:7.3f} s (cả khởi động Python)")
    print(f"  lệnh «thidua check-plan» với .yaml:    {cmd_yaml:7.3f} s (cả khởi động Python)")
    print(f"  hai tệp cho cùng một kế hoạch: {'có' if same else 'KHÔNG'}")
    ok = read_book < GOAL_SECONDS and same
    print(f"  mục tiêu đọc tệp Excel < {GOAL_SECONDS:g} s: {'ĐẠT' if ok else 'KHÔNG ĐẠT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
