"""Benchmark: the «Tính điểm» button on a master of 3,321 units (every commune in Vietnam).

Times the payload path the add-in takes — the JSON xlwings' VBA client sends
(every sheet's used range) in, the actions it replays out — through xlwings'
remote engine: ``xlwings.Book(json=…)``, ``run_button("tinh_diem")``, the
actions serialised. Against it, in the same run, the naive way: the same
handler writing cell by cell (one write and one colour per cell, as a
straightforward macro would), each write becoming an action Excel replays one
COM call at a time. Goal: under 2 s.

    python bench/tinh_diem_payload.py
"""
from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # remote engine (PolyForm NC)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xlwings as xw  # noqa: E402

from thidua.addin import run_button  # noqa: E402
from thidua.addin import workbook as addin_workbook  # noqa: E402
from thidua.addin.payload import alerts, payload_from_xlsx  # noqa: E402
from thidua.plan import load_plan  # noqa: E402
from thidua.workbook.master import write_master  # noqa: E402

N = 3321
GOAL_SECONDS = 2.0
PLAN = "nui-thanh-dvc-2023"


def units(plan, n: int) -> list[dict]:
    """n communes with plausible figures (seeded: the same every run)."""
    rnd = random.Random(20261122)
    out = []
    for i in range(n):
        total = rnd.randint(50, 2000)
        online = rnd.randint(0, total)
        record = {"ma_don_vi": f"XA{i:05d}", "ten_don_vi": f"Xã thử nghiệm số {i}",
                  "nhom": "xa", "cap": "xa"}
        for inp in plan.inputs:
            if inp.type == "yesno":
                record[inp.code] = rnd.randint(0, 1)
            elif inp.type == "choice":
                record[inp.code] = rnd.randrange(len(inp.choices))
            elif inp.type == "percent":
                record[inp.code] = round(rnd.uniform(0, 100), 1)
            else:
                record[inp.code] = rnd.randint(0, online)
        record.update(tong_giai_quyet=total, truc_tuyen_giai_quyet=online,
                      truc_tuyen_dung_han=rnd.randint(0, online), tre_han=rnd.randint(0, 5))
        out.append(record)
    return out


class CellByCell(addin_workbook.Writer):
    """The naive writer: every cell its own write and its own colour.

    Writing cell by cell through the engine costs the same for every cell, and
    all of them would take minutes: the first ``SAMPLE`` writes are timed and
    the time scaled to all of them (``stats``).
    """

    SAMPLE = 150
    stats: dict = {}

    def values(self, sheet, row, col, rows):
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                super().values(sheet, row + i, col + j, [[v]])

    def color(self, sheet, r1, c1, r2, c2, color):
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                super().color(sheet, r, c, r, c, color)

    def commit(self):
        writes = [op for op in self.ops if op[0] in ("values", "color")]
        sample = writes[:self.SAMPLE // 2] + [op for op in writes if op[0] == "color"][:self.SAMPLE // 2]
        start = time.perf_counter()
        for op in sample:
            self._apply(op)
        per_op = (time.perf_counter() - start) / len(sample)
        CellByCell.stats = {"ops": len(self.ops), "sampled": len(sample), "per_op": per_op}
        self.ops = [op for op in self.ops if op[0] not in ("values", "color")]
        super().commit()


def click(payload_text: str) -> tuple[float, int, str, str]:
    """Payload in → actions out; returns (seconds, actions, first alert, actions JSON)."""
    start = time.perf_counter()
    book = xw.Book(json=json.loads(payload_text))
    run_button("tinh_diem", book)
    actions = book.json()["actions"]
    out = json.dumps({"actions": actions}, ensure_ascii=False)
    seconds = time.perf_counter() - start
    shown = alerts(actions)
    return seconds, len(actions), shown[0]["prompt"] if shown else "", out


def main() -> int:
    plan = load_plan(PLAN)
    with tempfile.TemporaryDirectory(prefix="thidua-bench-") as tmp:
        path = write_master(plan, units(plan, N), Path(tmp) / "so-tong-hop.xlsx", backup=False)
        payload_text = json.dumps(payload_from_xlsx(path), ensure_ascii=False)
    print(f"Sổ tổng hợp {N} đơn vị ({PLAN}); payload {len(payload_text) / 1e6:.1f} MB")

    click(payload_text)  # warm-up: imports, plan parsing caches
    fast = min(click(payload_text)[0] for _ in range(3))
    seconds, n_actions, prompt, out = click(payload_text)
    assert prompt.startswith(f"Đã chấm điểm {N} đơn vị"), prompt
    print(f"Tính điểm (payload → actions): {fast:.2f} s, {n_actions} actions, "
          f"{len(out) / 1e6:.1f} MB trả về")

    from thidua.addin import handlers
    original = handlers.Writer
    handlers.Writer = CellByCell
    try:
        start = time.perf_counter()
        book = xw.Book(json=json.loads(payload_text))
        run_button("tinh_diem", book)
        json.dumps({"actions": book.json()["actions"]}, ensure_ascii=False)
        sampled = time.perf_counter() - start
    finally:
        handlers.Writer = original
    st = CellByCell.stats
    naive = sampled + st["per_op"] * (st["ops"] - st["sampled"])
    print(f"Cách thô (ghi và tô màu từng ô): ~{naive:.0f} s cho {st['ops']} actions (đo "
          f"{st['sampled']} lần ghi, {st['per_op'] * 1000:.0f} ms mỗi lần, nhân lên), mỗi action "
          "là một lần Excel gọi COM")
    print(f"Nhanh hơn ~{naive / fast:.0f} lần; ít hơn {st['ops'] / n_actions:.0f} lần số action.")
    ok = fast < GOAL_SECONDS
    print(f"Mục tiêu < {GOAL_SECONDS:.0f} s: {'đạt' if ok else 'CHƯA ĐẠT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
