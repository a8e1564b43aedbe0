"""Seed 000 — Núi Thành: hand-computed examples from the spec."""
import pytest

from thidua.engine import score
from tests.conftest import frame, unit000


def one(plan, **kw):
    nhom = kw.pop("nhom", "xa")
    r = score(plan, frame(plan, [dict(unit000(**kw), nhom=nhom)]))
    return r.frame.iloc[0], r.explanations.iloc[0]


@pytest.mark.parametrize("online, coefficient", [
    (1, 0.1), (299, 0.1), (300, 0.2), (599, 0.2), (600, 0.3), (1199, 0.4), (1200, 0.5),
    (2099, 0.7), (2100, 0.8), (2699, 0.9), (2700, 1.0), (9000, 1.0)])
def test_coefficient_band_edges(plan000, online, coefficient):
    row, _ = one(plan000, tong=10000, tt=online, dh=online, tre=0)
    assert row["he_so"] == coefficient


def test_total_is_rate_score_times_coefficient_minus_deduction(plan000):
    row, why = one(plan000, tong=1000, tt=800, dh=780, tre=4)
    assert row["ty_le_truc_tuyen"] == 80
    assert row["diem_ty_le"] == 78
    assert row["he_so"] == 0.3
    assert row["diem_tru"] == pytest.approx(0.4)
    assert row["tong_diem"] == pytest.approx(78 * 0.3 - 0.4, abs=1e-12)
    assert why["he_so"] == "800 hồ sơ → bậc [600, 900) → hệ số 0,3"
    assert why["diem_tru"] == "2: 0,4 % × 1 = 0,4 (tối đa 5) → 0,4 điểm"
    assert why["tong_diem"] == "78 × 0,3 − 0,4 = 23"


@pytest.mark.parametrize("late, deduction", [(0, 0), (4, 0.4), (50, 5), (51, 5), (60, 5), (300, 5)])
def test_deduction_proportional_and_capped_at_5(plan000, late, deduction):
    row, _ = one(plan000, tong=1000, tt=900, dh=800, tre=late)
    assert row["diem_tru"] == pytest.approx(deduction)


def test_late_rate_above_5_percent_explains_the_cap(plan000):
    _, why = one(plan000, tong=1000, tt=900, dh=800, tre=60)
    assert why["diem_tru"] == "2: 6 % × 1 = 6 → tối đa 5 → 5 điểm"


def test_commune_at_exactly_65_percent_is_eligible(plan000):
    row, _ = one(plan000, tong=400, tt=260, dh=250, tre=0)
    assert row["ty_le_truc_tuyen"] == 65
    assert row["du_dieu_kien"]


def test_commune_below_65_percent_is_not_eligible_with_reason(plan000):
    row, _ = one(plan000, tong=1000, tt=649, dh=600, tre=0)
    assert not row["du_dieu_kien"]
    assert row["ly_do"] == ["Tỷ lệ hồ sơ giải quyết trực tuyến 64,9 % chưa đạt tối thiểu 65 %"]
    assert row["hang"] != row["hang"]  # NaN: no rank


def test_office_needs_70_percent_and_100_online_dossiers(plan000):
    ok, _ = one(plan000, nhom="co_quan", tong=100, tt=70, dh=70, tre=0)  # 70 % but only 70 dossiers
    assert not ok["du_dieu_kien"]
    assert ok["ly_do"] == ["Số hồ sơ giải quyết trực tuyến 70 chưa đạt tối thiểu 100 hồ sơ"]
    exact, _ = one(plan000, nhom="co_quan", tong=140, tt=100, dh=100, tre=0)  # exactly 100
    assert exact["truc_tuyen_giai_quyet"] == 100 and exact["ty_le_truc_tuyen"] == pytest.approx(100 / 1.4)
    assert exact["du_dieu_kien"]
    seventy, _ = one(plan000, nhom="co_quan", tong=200, tt=140, dh=140, tre=0)
    assert seventy["ty_le_truc_tuyen"] == 70 and seventy["du_dieu_kien"]
    below, _ = one(plan000, nhom="co_quan", tong=1000, tt=699, dh=699, tre=0)
    assert not below["du_dieu_kien"]
    assert "69,9 % chưa đạt tối thiểu 70 %" in below["ly_do"][0]


def test_office_with_exactly_99_online_dossiers_is_not_eligible(plan000):
    row, _ = one(plan000, nhom="co_quan", tong=120, tt=99, dh=99, tre=0)
    assert not row["du_dieu_kien"]


def test_no_dossiers_is_not_eligible(plan000):
    row, why = one(plan000, tong=0, tt=0, dh=0, tre=0)
    assert not row["du_dieu_kien"]
    assert row["ly_do"][0] == "Không phát sinh hồ sơ"
    assert row["tong_diem"] == 0
    assert "không phát sinh" in why["ty_le_truc_tuyen"]


def test_first_prize_needs_70_percent_the_top_commune_gets_second(plan000):
    rows = [
        dict(unit000(1000, 680, 680, 0), ma="A"),  # 68 % → 68 × 0,3 = 20,4: best, but < 70 %
        dict(unit000(1000, 700, 650, 0), ma="B"),  # 70 % → 65 × 0,3 = 19,5
        dict(unit000(1000, 690, 600, 0), ma="C"),  # 60 × 0,3 = 18
    ]
    r = score(plan000, frame(plan000, [dict(x, nhom="xa") for x in rows])).to_json()
    by = {u["code"]: u for u in r["units"]}
    assert (by["A"]["rank"], by["A"]["prize"], by["A"]["amount"]) == (1, "nhi", 4500000)
    assert (by["B"]["rank"], by["B"]["prize"], by["B"]["amount"]) == (2, "nhat", 7000000)
    assert (by["C"]["rank"], by["C"]["prize"], by["C"]["amount"]) == (3, "ba", 3000000)
    assert {"group": "xa", "prize": "kk"} in r["vacant"]
    assert r["vacant"].count({"group": "xa", "prize": "kk"}) == 2


def test_vacancy_when_too_few_offices_qualify(plan000):
    rows = [dict(unit000(1000, 900, 900, 0), ma="P1", nhom="co_quan"),
            dict(unit000(1000, 800, 800, 0), ma="P2", nhom="co_quan"),
            dict(unit000(1000, 500, 500, 0), ma="P3", nhom="co_quan")]  # 50 %: not eligible
    r = score(plan000, frame(plan000, rows)).to_json()
    assert [u["prize"] for u in r["units"]] == ["nhat", "nhi", None]
    assert {"group": "co_quan", "prize": "ba"} in r["vacant"]


def test_tie_on_top_goes_to_the_council_and_third_prize_to_the_next(plan000):
    same = unit000(2000, 1500, 1480, 10)
    rows = [dict(same, ma="T1"), dict(same, ma="T2"), dict(unit000(1000, 800, 700, 0), ma="N")]
    r = score(plan000, frame(plan000, [dict(x, nhom="xa") for x in rows])).to_json()
    by = {u["code"]: u for u in r["units"]}
    assert by["T1"]["rank"] == by["T2"]["rank"] == 1
    assert by["N"]["rank"] == 3
    assert by["T1"]["prize"] is None and by["T2"]["prize"] is None
    assert r["ties"] == [{"group": "xa", "prizes": ["nhat", "nhi"], "units": ["T1", "T2"]}]
    assert by["N"]["prize"] == "ba"


def test_tie_break_keys_order_equal_totals(plan000):
    rows = [dict(unit000(2000, 1400, 800, 0), ma="E"),   # 40 × 0,5 = 20; 70 %
            dict(unit000(1000, 900, 500, 0), ma="C")]    # 50 × 0,4 = 20; 90 % → before E
    r = score(plan000, frame(plan000, [dict(x, nhom="xa") for x in rows]))
    out = {u["code"]: u for u in r.to_json()["units"]}
    assert out["E"]["total"] == pytest.approx(out["C"]["total"], abs=1e-9)
    assert (out["C"]["rank"], out["E"]["rank"]) == (1, 2)
    assert r.ties == []
    assert (out["C"]["prize"], out["E"]["prize"]) == ("nhat", "nhi")
