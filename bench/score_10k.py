"""Benchmark: score 10,000 generated units of plan nui-thanh-dvc-2023.

Prints the engine's time and units per second, and the same job done the
naive way (row by row with ``DataFrame.iterrows`` and plain Python), measured
in the same run on the same data; checks both give the same totals.

    python bench/score_10k.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from thidua.engine import score  # noqa: E402
from thidua.plan import load_plan  # noqa: E402
from thidua.text import format_number  # noqa: E402

N = 10_000
GOAL_SECONDS = 1.0


def generate(n: int, seed: int = 2023) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tong = rng.integers(0, 4000, n).astype(float)
    tt = np.floor(tong * rng.uniform(0.4, 1.0, n))
    dh = np.floor(tt * rng.uniform(0.85, 1.0, n))
    tre = np.floor(tong * rng.uniform(0, 0.08, n))
    nhom = np.where(rng.random(n) < 0.3, "co_quan", "xa")
    return pd.DataFrame({
        "ma_don_vi": [f"DV{i:05d}" for i in range(n)],
        "ten_don_vi": [f"Đơn vị {i}" for i in range(n)],
        "nhom": nhom, "cap": np.where(nhom == "xa", "xa", "huyen"),
        "tong_giai_quyet": tong, "truc_tuyen_giai_quyet": tt,
        "truc_tuyen_dung_han": dh, "tre_han": tre})


def naive(df: pd.DataFrame) -> dict[str, float]:
    """Row by row, as a hand-written script would do it."""
    bands = [(2700, 1.0), (2400, 0.9), (2100, 0.8), (1800, 0.7), (1500, 0.6),
             (1200, 0.5), (900, 0.4), (600, 0.3), (300, 0.2)]
    totals = {}
    for _, row in df.iterrows():
        tong = row["tong_giai_quyet"]
        rate = 100 * row["truc_tuyen_dung_han"] / tong if tong else 0.0
        late = 100 * row["tre_han"] / tong if tong else 0.0
        coef = next((c for lo, c in bands if row["truc_tuyen_giai_quyet"] >= lo - 1e-9), 0.1)
        totals[row["ma_don_vi"]] = rate * coef - min(late, 5)
    groups: dict[str, list] = {}
    for _, row in df.iterrows():
        groups.setdefault(row["nhom"], []).append((-totals[row["ma_don_vi"]], row["ma_don_vi"]))
    for members in groups.values():
        members.sort()
    return totals


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> int:
    plan = load_plan("nui-thanh-dvc-2023")
    df = generate(N)
    score(plan, df.head(100))  # warm-up (imports, first-call costs)
    engine_s, result = best_of(lambda: score(plan, df), 5)
    naive_s, totals = best_of(lambda: naive(df), 2)
    engine_totals = dict(zip(result.frame["ma_don_vi"], result.frame["tong_diem"]))
    worst = max(abs(engine_totals[k] - v) for k, v in totals.items())
    fmt = format_number
    print(f"Chấm {fmt(N)} đơn vị (kế hoạch {plan.id}), lần chạy nhanh nhất:")
    print(f"  thidua (vectơ hóa):      {engine_s:8.3f} s   {fmt(N / engine_s, 0):>10} đơn vị/giây")
    print(f"  cách thô (từng dòng):    {naive_s:8.3f} s   {fmt(N / naive_s, 0):>10} đơn vị/giây")
    print(f"  nhanh hơn cách thô:      {naive_s / engine_s:8.1f} lần")
    print(f"  chênh lệch tổng điểm lớn nhất so với cách thô: {worst:.2e}")
    ok = engine_s < GOAL_SECONDS and worst < 1e-9
    print(f"  mục tiêu < {GOAL_SECONDS:g} s và cùng kết quả: {'ĐẠT' if ok else 'KHÔNG ĐẠT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
