"""Ranking and prize allocation, driven through a small plan file."""
import numpy as np
import pandas as pd

from thidua.engine import score
from thidua.plan import parse_plan

PLAN = """
id: thu-giai
title: Kế hoạch thử xét giải
levels: [xa]
groups: [{code: chung, label: Chung, level: xa}]
inputs:
  - {code: diem, type: number, label: Điểm}
  - {code: phu, type: number, label: Tiêu chí phụ, required: false}
  - {code: du, type: yesno, label: Đủ điều kiện giải nhất, required: false}
criteria:
  - {id: "1", code: diem_chinh, label: Điểm, max: 1000, rule: {kind: expression, expr: diem}}
tie_break: [phu]
prizes:
  - group: chung
    total: 4
    prizes:
      - {code: nhat, label: Giải Nhất, amount: 300, condition: "du == 1"}
      - {code: nhi, label: Giải Nhì, amount: 200}
      - {code: kk, label: Giải Khuyến khích, amount: 100, count: 2}
"""


def run(rows, plan_text=PLAN):
    plan = parse_plan(plan_text)
    df = pd.DataFrame([{"ma_don_vi": code, "ten_don_vi": code, "nhom": "chung", "cap": "xa",
                        "diem": d, "phu": p, "du": u} for code, d, p, u in rows])
    r = score(plan, df)
    return r, {u["code"]: u for u in r.to_json()["units"]}


def test_shared_ranks_1_1_3():
    r, by = run([("A", 90, np.nan, 1), ("B", 90, np.nan, 1), ("C", 80, np.nan, 1)])
    assert [by[c]["rank"] for c in "ABC"] == [1, 1, 3]


def test_floating_point_noise_does_not_split_a_tie():
    total = 0.1 + 0.2  # 0.30000000000000004
    r, by = run([("A", total, 1, 1), ("B", 0.3, 1, 1)])
    assert by["A"]["rank"] == by["B"]["rank"] == 1
    assert r.ties and r.ties[0]["units"] == ["A", "B"]


def test_difference_beyond_nine_decimals_is_not_a_tie():
    r, by = run([("A", 0.3 + 2e-9, 1, 1), ("B", 0.3, 1, 1)])
    assert (by["A"]["rank"], by["B"]["rank"]) == (1, 2)
    assert not r.ties


def test_tie_break_key_orders_then_blank_key_last():
    r, by = run([("A", 50, 1, 1), ("B", 50, 3, 1), ("C", 50, np.nan, 1)])
    assert [by[c]["rank"] for c in "BAC"] == [1, 2, 3]
    assert [by[c]["prize"] for c in "BAC"] == ["nhat", "nhi", "kk"]


def test_block_larger_than_the_prizes_left():
    rows = [("A", 99, 1, 1), ("B", 90, 1, 1), ("C", 80, 1, 1), ("D", 80, 1, 1), ("E", 80, 1, 1)]
    r, by = run(rows)
    assert by["A"]["prize"] == "nhat" and by["B"]["prize"] == "nhi"
    assert r.ties == [{"group": "chung", "prizes": ["kk", "kk"], "units": ["C", "D", "E"],
                       "prize_details": [{"code": "kk", "label": "Giải Khuyến khích", "amount": 100}] * 2}]
    assert all(by[c]["prize"] is None and by[c]["amount"] == 0 for c in "CDE")
    assert r.frame.set_index("ma_don_vi").loc["C", "ten_giai"] == "đồng hạng — Hội đồng quyết định"
    assert r.money_total() == 300 + 200 + 200


def test_prize_condition_skips_the_top_unit_and_tie_among_qualified_only():
    rows = [("A", 99, 1, 0), ("B", 90, 1, 1), ("C", 90, 1, 0)]
    r, by = run(rows)
    # Only B meets giải nhất's condition, so B takes it alone; then A (best left) gets nhì.
    assert (by["B"]["prize"], by["A"]["prize"], by["C"]["prize"]) == ("nhat", "nhi", "kk")
    assert not r.ties
    assert r.to_json()["vacant"] == [{"group": "chung", "prize": "kk"}]


def test_ineligible_units_get_no_rank_nor_prize():
    plan = PLAN.replace("tie_break: [phu]", "tie_break: [phu]\ngates:\n  - {condition: diem >= 50, reason: Dưới 50 điểm}")
    r, by = run([("A", 40, 1, 1), ("B", 60, 1, 1)], plan)
    assert by["A"] == {"code": "A", "name": "A", "group": "chung", "total": 40.0, "eligible": False,
                       "reasons": ["Dưới 50 điểm"], "rank": None, "prize": None, "amount": 0}
    assert by["B"]["prize"] == "nhat" and by["B"]["rank"] == 1


def test_unlimited_prize_goes_to_every_unit_meeting_its_condition():
    plan = PLAN.replace("""    total: 4
    prizes:
      - {code: nhat, label: Giải Nhất, amount: 300, condition: "du == 1"}
      - {code: nhi, label: Giải Nhì, amount: 200}
      - {code: kk, label: Giải Khuyến khích, amount: 100, count: 2}""",
                        """    prizes:
      - {code: giay_khen, label: Giấy khen, amount: 0, count: null, condition: "diem >= 80"}""")
    r, by = run([("A", 90, 1, 1), ("B", 90, 1, 1), ("C", 80, 1, 1), ("D", 79, 1, 1)], plan)
    assert [by[c]["prize"] for c in "ABCD"] == ["giay_khen"] * 3 + [None]
    assert not r.ties and not r.vacant
