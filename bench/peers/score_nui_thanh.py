"""The Núi Thành plan written out by hand: what a peer script computes, in two styles.

``python score_nui_thanh.py pandas|iterrows DATA.csv [--check OUT.json]``

* ``pandas`` — the best realistic peer: ``pandas.read_csv`` (Vietnamese thousands
  separators), every rule as a vectorised column operation, ranks and prizes
  with sorting, the summary printed line by line from ``itertuples``;
* ``iterrows`` — the naive way: the same rules row by row with ``DataFrame.iterrows``.

Both print a summary like ``thidua score`` (groups, rank, code, name, total,
prize; ineligible units with their reasons). ``--check`` writes every unit's
total, eligibility and prize, which the benchmark compares with thidua's
``--json``. The rules are those of ``thidua/plans/nui-thanh-dvc-2023.yaml``:
ratios (x / 0 = 0), the coefficient bands, the capped deduction, the gates and
consistency checks, tie-breaks, prizes with their conditions (1e-9 tolerance).
"""
from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd

EPS = 1e-9
BANDS = [300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700]
COEF = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
GROUPS = {"co_quan": "Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện",
          "xa": "Nhóm 2 — UBND các xã, thị trấn"}
PRIZES = {"co_quan": [("Giải Nhất", 3500000, True), ("Giải Nhì", 2500000, False),
                      ("Giải Ba", 2000000, False)],
          "xa": [("Giải Nhất", 7000000, True), ("Giải Nhì", 4500000, False),
                 ("Giải Ba", 3000000, False), ("Giải Khuyến khích", 2000000, False),
                 ("Giải Khuyến khích", 2000000, False)]}
TITLE = ("Đợt thi đua cao điểm nâng cao chất lượng giải quyết TTHC qua DVC trực tuyến toàn "
         "trình, một phần năm 2023")
NUMBERS = ["tong_giai_quyet", "truc_tuyen_giai_quyet", "truc_tuyen_dung_han", "tre_han"]


def vn(x: float) -> str:
    if x != x:
        return "—"
    x = float(np.copysign(np.floor(abs(x) * 100 + 0.5 + 1e-9) / 100, x))
    if x == 0:
        return "0"
    return f"{x:,.2f}".rstrip("0").rstrip(".").translate(str.maketrans(",.", ".,"))


def money(x: int) -> str:
    return f"{x:,}".replace(",", ".") + " đ"


def reasons_of(group, tong, tt, dh, tre, rate) -> list[str]:
    out = []
    if not tong > EPS:
        out.append("Không phát sinh hồ sơ")
    if group == "xa" and not rate >= 65 - EPS:
        out.append(f"Tỷ lệ hồ sơ giải quyết trực tuyến {vn(rate)} % chưa đạt tối thiểu 65 %")
    if group == "co_quan" and not rate >= 70 - EPS:
        out.append(f"Tỷ lệ hồ sơ giải quyết trực tuyến {vn(rate)} % chưa đạt tối thiểu 70 %")
    if group == "co_quan" and not tt >= 100 - EPS:
        out.append(f"Số hồ sơ giải quyết trực tuyến {vn(tt)} chưa đạt tối thiểu 100 hồ sơ")
    if not dh <= tt + EPS:
        out.append("Số hồ sơ trực tuyến đúng hạn, trước hạn lớn hơn số hồ sơ giải quyết trực tuyến")
    if not tt <= tong + EPS:
        out.append("Số hồ sơ giải quyết trực tuyến lớn hơn tổng số hồ sơ đã giải quyết")
    if not tre <= tong + EPS:
        out.append("Số hồ sơ trễ hạn lớn hơn tổng số hồ sơ đã giải quyết")
    return out


def vectorised(df: pd.DataFrame) -> pd.DataFrame:
    tong, tt, dh, tre = (df[c].to_numpy(dtype=float) for c in NUMBERS)
    safe = np.where(tong == 0, 1.0, tong)
    rate = np.where(tong == 0, 0.0, 100 * tt / safe)
    late = np.where(tong == 0, 0.0, 100 * tre / safe)
    on_time = np.where(tong == 0, 0.0, 100 * dh / safe)
    coef = np.asarray(COEF)[(tt[:, None] >= np.asarray(BANDS) - EPS).sum(axis=1)]
    total = on_time * coef - np.minimum(late * 1.0, 5.0)
    group = df["nhom"].to_numpy()
    ok = (tong > EPS) & (dh <= tt + EPS) & (tt <= tong + EPS) & (tre <= tong + EPS)
    ok &= np.where(group == "xa", rate >= 65 - EPS, (rate >= 70 - EPS) & (tt >= 100 - EPS))
    out = df[["ma_don_vi", "ten_don_vi", "nhom"]].copy()
    out["tong_diem"], out["ty_le"], out["tt"], out["du"] = total, rate, tt, ok
    bad = np.flatnonzero(~ok)
    out["ly_do"] = ""
    out.loc[out.index[bad], "ly_do"] = ["; ".join(reasons_of(group[i], tong[i], tt[i], dh[i],
                                                              tre[i], rate[i])) for i in bad]
    return out


def row_by_row(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in df.iterrows():
        tong, tt, dh, tre = (float(r[c]) for c in NUMBERS)
        rate = 100 * tt / tong if tong else 0.0
        late = 100 * tre / tong if tong else 0.0
        on_time = 100 * dh / tong if tong else 0.0
        coef = COEF[sum(tt >= b - EPS for b in BANDS)]
        why = reasons_of(r["nhom"], tong, tt, dh, tre, rate)
        rows.append({"ma_don_vi": r["ma_don_vi"], "ten_don_vi": r["ten_don_vi"],
                     "nhom": r["nhom"], "tong_diem": on_time * coef - min(late * 1.0, 5.0),
                     "ty_le": rate, "tt": tt, "du": not why, "ly_do": "; ".join(why)})
    return pd.DataFrame(rows)


def award(out: pd.DataFrame) -> pd.DataFrame:
    out = out.sort_values(["nhom", "tong_diem", "ty_le", "tt", "ma_don_vi"],
                          ascending=[True, False, False, False, True], kind="stable")
    out["hang"] = np.nan
    out["giai"], out["tien"] = "", 0
    for group, prizes in PRIZES.items():
        members = out[(out["nhom"] == group) & out["du"]]
        key = members[["tong_diem", "ty_le", "tt"]].round(9)
        first = ~key.duplicated()
        pos = np.arange(1, len(members) + 1)
        out.loc[members.index, "hang"] = pd.Series(np.where(first, pos, np.nan),
                                                   index=members.index).ffill()
        taken = set()
        for label, amount, needs_70 in prizes:
            pool = members[~members.index.isin(taken)]
            if needs_70:
                pool = pool[pool["ty_le"] >= 70 - EPS]
            if len(pool):
                winner = pool.index[0]
                taken.add(winner)
                out.loc[winner, ["giai", "tien"]] = [label, amount]
    return out


def summary(out: pd.DataFrame) -> str:
    lines = [TITLE]
    for group, label in GROUPS.items():
        rows = out[out["nhom"] == group]
        if rows.empty:
            continue
        lines += ["", f"== {label} ({len(rows)} đơn vị)",
                  f"  {'Hạng':>4}  {'Mã':<10} {'Tên đơn vị':<40} {'Tổng điểm':>15}  Giải"]
        for r in rows[rows["du"]].itertuples():
            prize = r.giai + (f" ({money(r.tien)})" if r.tien else "")
            lines.append(f"  {int(r.hang):>4}  {r.ma_don_vi:<10} {r.ten_don_vi[:40]:<40} "
                         f"{vn(r.tong_diem):>15}  {prize}")
        for r in rows.loc[~rows["du"]].sort_index().itertuples():
            lines.append(f"  {'—':>4}  {r.ma_don_vi:<10} {r.ten_don_vi[:40]:<40} "
                         f"{vn(r.tong_diem):>15}  không đủ điều kiện: {r.ly_do}")
    lines.append(f"Tổng tiền thưởng: {money(int(out['tien'].sum()))}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    style, path = argv[0], argv[1]
    df = pd.read_csv(path, thousands=".", decimal=",", dtype={"ma_don_vi": str})
    out = award(vectorised(df) if style == "pandas" else row_by_row(df))
    sys.stdout.write(summary(out))
    if "--check" in argv:
        check = {r.ma_don_vi: [float(r.tong_diem), bool(r.du), r.giai or None]
                 for r in out.itertuples()}
        with open(argv[argv.index("--check") + 1], "w", encoding="utf-8") as fh:
            json.dump(check, fh, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
