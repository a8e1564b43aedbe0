"""Seed 002 — Hòa Thành: hand-computed examples from the spec."""
import numpy as np
import pytest

from thidua.engine import score
from tests.conftest import frame, unit002


def run(plan, rows):
    r = score(plan, frame(plan, rows))
    return r, {u["code"]: u for u in r.to_json()["units"]}


def points(plan, **changes):
    cap = changes.pop("cap", "huyen")
    r = score(plan, frame(plan, [dict(unit002(**changes), cap=cap)]))
    return r.frame.iloc[0], r.explanations.iloc[0]


def test_perfect_unit_scores_the_standard_100(plan002):
    row, _ = points(plan002)
    assert row["tong_diem"] == 100


@pytest.mark.parametrize("cap, count, expected", [
    ("huyen", 5, 10), ("huyen", 3, 8), ("huyen", 1, 6), ("huyen", 0, 5),
    ("xa", 10, 10), ("xa", 9, 8), ("xa", 6, 8), ("xa", 5, 6), ("xa", 2, 6), ("xa", 1, 5), ("xa", 0, 5)])
def test_item_3_1_commune_thresholds_are_doubled(plan002, cap, count, expected):
    row, _ = points(plan002, cap=cap, so_tthc_don_gian_hoa=count)
    assert row["diem_3_1"] == expected


def test_item_3_1_not_reviewed_gives_zero(plan002):
    row, why = points(plan002, co_ra_soat_don_gian_hoa=0, so_tthc_don_gian_hoa=7)
    assert row["diem_3_1"] == 0
    # the condition by its label, never its code: the explanation is read by people
    assert why["diem_3_1"] == ("3.1: không thỏa «có rà soát, đề xuất đơn giản hóa thành phần "
                               "hồ sơ TTHC» → 0 điểm")


def test_item_3_1_explanation_names_the_commune_band(plan002):
    _, why = points(plan002, cap="xa", so_tthc_don_gian_hoa=7)
    assert why["diem_3_1"] == "3.1: 7 TTHC → bậc [6, 10) → 8 điểm"


@pytest.mark.parametrize("rate, expected", [(100, 10), (99.99, 8), (95, 8), (94.99, 6), (80, 6), (79.9, 4), (0, 4)])
def test_item_1_1_bands(plan002, rate, expected):
    row, _ = points(plan002, ty_le_mot_cua_dien_tu=rate)
    assert row["diem_1_1"] == expected


def test_item_1_1_explanation(plan002):
    _, why = points(plan002, ty_le_mot_cua_dien_tu=96)
    assert why["diem_1_1"] == "1.1: 96 % → bậc [95, 100) → 8 điểm"


def test_item_4_deducts_only_within_the_item(plan002):
    row, _ = points(plan002, so_phan_anh_dung=3)
    assert row["diem_4"] == 0
    assert row["tong_diem"] == 90


def test_item_6_may_go_negative(plan002):
    row, why = points(plan002, so_vi_pham_van_hoa=3)
    assert row["diem_6"] == -5
    assert row["tong_diem"] == 85
    assert why["diem_6"] == "6: 10 − 5 × 3 trường hợp = -5 điểm"


def test_item_7_not_posted_is_zero_else_may_go_negative(plan002):
    row, _ = points(plan002, co_niem_yet=0, so_tthc_niem_yet_thieu=3)
    assert row["diem_7"] == 0
    row, _ = points(plan002, co_niem_yet=1, so_tthc_niem_yet_thieu=12)
    assert row["diem_7"] == -2


def test_item_9_caps_each_part(plan002):
    row, _ = points(plan002, so_tin_truyen_thanh=3, so_tin_trang_ttdt=10)
    assert row["diem_9"] == 1.5 + 3


def test_item_5_choice(plan002):
    assert points(plan002, sang_kien=0)[0]["diem_5"] == 0
    assert points(plan002, sang_kien=1)[0]["diem_5"] == 2.5
    assert points(plan002, sang_kien=2)[0]["diem_5"] == 5


def test_bonus_only_for_communes(plan002):
    commune, _ = points(plan002, cap="xa", so_tthc_don_gian_hoa=10, co_camera_hoac_dieu_hoa=1,
                        co_wifi_mien_phi=1)
    office, why = points(plan002, cap="huyen", co_camera_hoac_dieu_hoa=1, co_wifi_mien_phi=1)
    assert commune["tong_diem"] == 104
    assert office["tong_diem"] == 100
    assert why["thuong_wifi"] == "T2: chỉ áp dụng cho cấp xã → 0 điểm"


def test_late_replies_deduct_half_a_point_each_even_below_zero(plan002):
    row, _ = points(plan002, so_phan_hoi_tre=3)
    assert row["tong_diem"] == 98.5
    worst = dict(ty_le_mot_cua_dien_tu=0, ty_le_truoc_han=0, co_quy_che_phoi_hop=0,
                 co_ra_soat_don_gian_hoa=0, co_ra_soat_thoi_gian=0, co_de_xuat_cai_tien=0,
                 so_phan_anh_dung=2, sang_kien=0, so_vi_pham_van_hoa=4, co_niem_yet=0,
                 so_noi_dung_bo_tri_thieu=4, so_tin_truyen_thanh=0, so_tin_trang_ttdt=0,
                 so_phan_hoi_tre=20)
    row, _ = points(plan002, **worst)
    # 4 (item 1.1) + 0 + 0 + 0 + 0 + 0 + 0 + 0 − 10 (item 6) + 0 + 6 (item 8) + 0 − 10 (20 × 0,5)
    assert row["tong_diem"] == -10


def test_appraisal_wins_over_self_score(plan002):
    rows = [dict(unit002(ty_le_mot_cua_dien_tu=100), ty_le_mot_cua_dien_tu_tham_dinh=96.0)]
    r = score(plan002, frame(plan002, rows))
    assert r.frame.loc[0, "diem_1_1"] == 8
    assert r.frame.loc[0, "tong_diem_tu_cham"] == 100
    assert r.frame.loc[0, "tong_diem"] == 98


def test_manual_total_for_special_units(plan002):
    blank = {k: np.nan for k in unit002()}
    rows = [dict(blank, ma="TTRA", diem_thu_cong=97, so_bien_ban_nhac_nho=0),
            dict(unit002(so_phan_hoi_tre=2), ma="PNV")]  # 99
    r, by = run(plan002, rows)
    assert by["TTRA"]["total"] == 97
    assert r.explanations.loc[0, "tong_diem"] == "Tổng điểm nhập tay (đơn vị đặc thù): 97"
    assert r.explanations.loc[0, "diem_1_1"] == "1.1: đơn vị đặc thù — không chấm theo tiêu chí"
    assert (by["PNV"]["prize"], by["TTRA"]["prize"]) == ("nhat", "nhi")


def test_95_point_gate_for_top_three_places(plan002):
    rows = [dict(unit002(so_phan_hoi_tre=11), ma="A"),   # 94,5: no nhất/nhì/ba
            dict(unit002(so_phan_hoi_tre=12), ma="B")]   # 94
    r, by = run(plan002, rows)
    assert by["A"]["prize"] == "kk" and by["B"]["prize"] == "kk"
    assert by["A"]["rank"] == 1
    assert [v["prize"] for v in r.to_json()["vacant"]] == ["nhat", "nhi", "ba"]
    assert r.money_total() == 1_000_000


def test_exactly_95_qualifies(plan002):
    r, by = run(plan002, [dict(unit002(so_phan_hoi_tre=10), ma="A")])
    assert by["A"]["total"] == 95 and by["A"]["prize"] == "nhat"


def test_two_reminder_records_bar_the_top_three_but_not_kk(plan002):
    rows = [dict(unit002(so_bien_ban_nhac_nho=2), ma="A"),  # 100 points, 2 reminders
            dict(unit002(so_bien_ban_nhac_nho=1, so_phan_hoi_tre=1), ma="B"),  # 99,5
            dict(unit002(so_phan_hoi_tre=2), ma="C")]  # 99
    r, by = run(plan002, rows)
    assert (by["A"]["rank"], by["A"]["prize"]) == (1, "kk")
    assert (by["B"]["prize"], by["C"]["prize"]) == ("nhat", "nhi")
    assert {"group": "chung", "prize": "ba"} in r.to_json()["vacant"]


def test_no_tie_break_keys_so_equal_totals_go_to_the_council(plan002):
    rows = [dict(unit002(), ma="A"), dict(unit002(), ma="B"), dict(unit002(so_phan_hoi_tre=1), ma="C")]
    r, by = run(plan002, rows)
    assert r.to_json()["ties"] == [{"group": "chung", "prizes": ["nhat", "nhi"], "units": ["A", "B"]}]
    assert by["C"]["prize"] == "ba"
    assert r.money_total() == 1_200_000 + 1_000_000 + 800_000
