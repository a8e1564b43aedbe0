"""Benchmark: ``thidua generate`` — every unit's template and the office's master.

Whole commands, each a fresh process writing into an empty folder, medians of
several runs, in the same run:

* thidua: ``python -m thidua generate nui-thanh-dvc-2023 --units don-vi.csv
  --out mau/ --master so-tong-hop.xlsx``;
* naive: per unit, the template opened with openpyxl, the unit's details put
  in, saved; the master's cells written with openpyxl (``peers/generate.py``);
* best realistic peer: the template's zip read once and patched per unit on 2
  processes; the master's cells written with XlsxWriter (also timed without
  the master's formula cells: XlsxWriter is slow to write formulas).

The peers write the master's cells only (no styles, validations or charts)
and never flush files to disk; thidua writes each file atomically.

    python bench/generate_units.py [--size 3321] [--repeat 5]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))

from harness import CACHE, env, measure, ratio, save, script, thidua  # noqa: E402

PLAN = "nui-thanh-dvc-2023"


def inputs(n: int) -> tuple[Path, Path, Path]:
    """(units csv, template with placeholders, master model) for ``n`` units."""
    from data import _units

    root = CACHE / "generate" / str(n)
    listing, template, model_json = root / "don-vi.csv", root / "mau.xlsx", root / "so-tong-hop.json"
    if model_json.exists():
        return listing, template, model_json
    root.mkdir(parents=True, exist_ok=True)
    units, _ = _units(n, 3321)
    listing.write_text("ma_don_vi,ten_don_vi,nhom,cap\n" + "".join(
        f"{u.code},{u.name},{u.group},{u.level}\n" for u in units), encoding="utf-8")
    from thidua.plan import load_plan
    from thidua.workbook.template import build_template
    wb, _ = build_template(load_plan(PLAN))
    wb.save(template)
    master = root / "so-tong-hop.xlsx"
    subprocess.run(thidua("generate", PLAN, "--units", listing, "--master", master), env=env(),
                   check=True, capture_output=True)
    import model
    model.save(model.model(master), model_json)
    return listing, template, model_json


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=3321)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.size
    listing, template, model_json = inputs(n)
    work = CACHE / "generate" / f"{n}-run"

    def fresh() -> None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)

    print(f"Tạo mẫu cho {n:,} đơn vị và sổ tổng hợp ({PLAN}):", flush=True)
    ours = measure("thidua generate (mẫu đơn vị + sổ tổng hợp)",
                   thidua("generate", PLAN, "--units", listing, "--out", work / "mau", "--master",
                          work / "so-tong-hop.xlsx"), repeat=args.repeat, before=fresh)
    made = len(list((work / "mau").glob("*.xlsx")))
    assert made == n, made
    naive = measure("cách thô: openpyxl từng tệp",
                    script("generate.py", "naive", listing, template, model_json, work / "mau",
                           work / "so-tong-hop.xlsx"), repeat=args.naive_repeat, before=fresh)
    peer = measure("đối thủ tốt nhất: vá zip, 2 tiến trình, XlsxWriter",
                   script("generate.py", "zippatch", listing, template, model_json, work / "mau",
                          work / "so-tong-hop.xlsx"), repeat=args.repeat, before=fresh)
    values = measure("đối thủ, sổ tổng hợp chỉ giá trị (không công thức)",
                     script("generate.py", "zippatch-values", listing, template, model_json,
                            work / "mau", work / "so-tong-hop.xlsx"), repeat=args.repeat,
                     before=fresh)
    print(f"  so với cách thô {ratio(naive.wall, ours.wall)}, so với đối thủ "
          f"{ratio(peer.wall, ours.wall)} (đối thủ chỉ giá trị {ratio(values.wall, ours.wall)})",
          flush=True)
    shutil.rmtree(work, ignore_errors=True)
    save("generate_units", {"title": "thidua generate", "plan": PLAN, "rows": [
        {"size": n, "thidua": ours.as_dict(), "naive": naive.as_dict(), "peer": peer.as_dict(),
         "peer_values": values.as_dict()}]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
