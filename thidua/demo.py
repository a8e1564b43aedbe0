"""The main job on built-in sample data: score every seed plan, write results."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from thidua.engine import score
from thidua.fileio import atomic_write
from thidua.output.results_xlsx import write_results
from thidua.plan import builtin_ids, load_plan
from thidua.table import read_units
from thidua.text import format_money

SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_TIME = dt.datetime(2026, 11, 22, 8, 0, 0)


def sample_path(plan_id: str) -> Path:
    return SAMPLES / f"{plan_id}.csv"


def sample_time() -> dt.datetime:
    """Generation time stamped on sample outputs: fixed, so they are reproducible.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) overrides it.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).replace(tzinfo=None)
    return SAMPLE_TIME


def run_demo(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Chấm điểm số liệu mẫu của {len(builtin_ids())} kế hoạch → {out_dir}/")
    for plan_id in builtin_ids():
        plan = load_plan(plan_id)
        table = read_units(sample_path(plan_id), plan)
        result = score(plan, table)
        folder = out_dir / plan_id
        folder.mkdir(exist_ok=True)
        write_results(result, folder / "ket-qua.xlsx", backup=False, now=sample_time())
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
        atomic_write(folder / "ket-qua.json", lambda p: p.write_text(text, encoding="utf-8"))
        eligible = int(result.frame["du_dieu_kien"].sum())
        prizes = int(result.frame["giai"].notna().sum())
        line = f"• {plan_id}: {len(table)} đơn vị, {eligible} đủ điều kiện"
        if plan.prize_sets:
            line += f", {prizes} đơn vị được khen thưởng"
        if result.vacant:
            line += f", {len(result.vacant)} giải để trống"
        if result.ties:
            line += f", {len(result.ties)} nhóm đồng hạng chờ Hội đồng"
        money = result.money_total()
        if money:
            line += f", tổng thưởng {format_money(money)}"
        print(line)
    print("Xong. Mở các tệp ket-qua.xlsx để xem điểm, cách tính và danh sách khen thưởng.")
    return 0
