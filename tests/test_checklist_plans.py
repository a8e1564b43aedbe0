"""Checklist seed plans: 001 Vụ Bản, 003 Quảng Nam, 004 Xuân Thành.

First the plan files themselves (they load; targets are the spec's), then
scoring on small hand-computed frames, then the shipped sample tables.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thidua.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "thidua" / "plans"
SAMPLES = ROOT / "thidua" / "samples"
CHECKLIST_IDS = ["vu-ban-cchc-2023", "quang-nam-dvc-2023", "xuan-thanh-mot-cua-2021"]
STATUSES = {"đạt", "không đạt", "chưa có số liệu", "không áp dụng"}
MET, NOT_MET, NO_DATA, NA = "đạt", "không đạt", "chưa có số liệu", "không áp dụng"


@pytest.fixture(scope="module")
def p001():
    return load_plan("vu-ban-cchc-2023")


@pytest.fixture(scope="module")
def p003():
    return load_plan("quang-nam-dvc-2023")


@pytest.fixture(scope="module")
def p004():
    return load_plan("xuan-thanh-mot-cua-2021")


def ind(plan, ind_id):
    return next(i for i in plan.indicators if i.id == ind_id)


def spans(target):
    """by_year target as [(from, to, number)]."""
    return [(a, b, t.number) for a, b, t in target.by_year]


# ====================================================================== plan files
@pytest.mark.parametrize("plan_id", CHECKLIST_IDS)
def test_plan_loads_as_checklist(plan_id):
    plan = load_plan(plan_id)
    assert plan.id == plan_id
    assert plan.kind == "checklist" and plan.is_checklist
    assert plan.title and plan.issuer and plan.document
    assert plan.period_from is not None and plan.period_to is not None


@pytest.mark.parametrize("plan_id", CHECKLIST_IDS)
def test_plan_file_is_nfc_and_codes_are_plain(plan_id):
    text = (PLANS / f"{plan_id}.yaml").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    plan = load_plan(plan_id)
    for inp in plan.inputs:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", inp.code), inp.code
        assert inp.label != inp.code  # a real Vietnamese label
    for i in plan.indicators:
        assert (i.value is None) == bool(i.parts)
        for p in i.parts:
            assert p.value is not None and p.target is not None


@pytest.mark.parametrize("plan_id", CHECKLIST_IDS)
def test_percent_inputs_are_typed_percent(plan_id):
    plan = load_plan(plan_id)
    for inp in plan.inputs:
        if inp.code.startswith(("ty_le_", "muc_do_hai_long")):
            assert inp.type == "percent", inp.code
            assert (inp.min, inp.max) == (0, 100)


# ---------------------------------------------------------------- 001 Vụ Bản
def test_001_has_16_indicators_in_order(p001):
    assert [i.id for i in p001.indicators] == [str(k) for k in range(1, 17)]
    assert len({i.code for i in p001.indicators}) == 16


def test_001_groups_levels_years(p001):
    assert p001.levels == ["huyen", "xa"]
    assert [(g.code, g.level) for g in p001.groups] == [("co_quan", "huyen"), ("xa", "xa")]
    assert p001.years == (2023, 2023)


def test_001_criterion_1_is_yes_no(p001):
    c1 = ind(p001, "1")
    assert p001.input(c1.value_text).type == "yesno"
    assert c1.op == "==" and c1.target.number == 1


def test_001_targets_are_100_unless_the_spec_says_otherwise(p001):
    special = {"1", "7", "8", "9", "10"}
    for i in p001.indicators:
        if i.id in special:
            continue
        assert i.op == ">=" and i.target.number == 100, i.id
        assert p001.input(i.value_text).type == "percent"
    assert ind(p001, "7").op == ">=" and ind(p001, "7").target.number == 62
    by_level = ind(p001, "8").target.by_level
    assert {k: v.number for k, v in by_level.items()} == {"huyen": 60, "xa": 55}


def test_001_two_part_criteria(p001):
    for ind_id, targets in (("9", [70, 60]), ("10", [90, 85])):
        c = ind(p001, ind_id)
        assert c.value is None
        assert [p.id for p in c.parts] == ["a", "b"]
        assert [p.target.number for p in c.parts] == targets
        assert all(p.op == ">=" for p in c.parts)
        assert len({p.value_text for p in c.parts}) == 2


def test_001_giay_khen_for_every_unit_meeting_all_16(p001):
    assert {ps.group for ps in p001.prize_sets} == {"co_quan", "xa"}
    for ps in p001.prize_sets:
        (prize,) = ps.prizes
        assert (prize.code, prize.amount, prize.count) == ("giay_khen", 0, None)
        assert prize.condition_text == "so_tieu_chi_dat >= 16"


def test_001_individual_standards_and_dossier(p001):
    standards = p001.individuals["standards"]
    assert len(standards) == 3
    assert all(s["type"] == "yesno" and s["label"] for s in standards)
    assert len({s["code"] for s in standards}) == 3
    assert [d["code"] for d in p001.individuals["dossier"]] == [
        "to_trinh", "bao_cao_thanh_tich_mau_07", "bien_ban_hop"]


# ---------------------------------------------------------------- 003 Quảng Nam
def test_003_levels_groups(p003):
    assert p003.levels == ["tinh", "huyen", "xa"]
    assert [(g.code, g.level) for g in p003.groups] == [
        ("tinh", "tinh"), ("huyen", "huyen"), ("xa", "xa")]
    assert p003.group_from_level
    assert p003.prize_sets == []
    assert p003.years == (2023, 2023)
    assert p003.settings["periods"] == "thang"


def test_003_indicators_and_targets(p003):
    assert len(p003.indicators) == 8
    by_value = {i.value_text: i for i in p003.indicators}
    for code in ("ty_le_nop_truc_tuyen", "ty_le_thanh_toan_truc_tuyen"):
        i = by_value[code]
        assert i.op == ">="
        assert i.target.expr_text.replace(" ", "") == f"min({code}_2022+10,100)"  # capped at 100
        assert p003.input(f"{code}_2022").type == "percent"
    late = by_value["so_ho_so_tre_han_chu_quan"]
    assert (late.op, late.target.number) == ("<=", 0)
    assert p003.input("so_ho_so_tre_han_chu_quan").type == "count"
    digit = by_value["ty_le_so_hoa_ket_qua"]
    assert {k: v.number for k, v in digit.target.by_level.items()} == {
        "tinh": 70, "huyen": 60, "xa": 55}
    numbers = sorted(i.target.number for i in p003.indicators if i.target.number is not None)
    assert numbers == [0, 50, 60, 100, 100]


# ---------------------------------------------------------------- 004 Xuân Thành
def test_004_one_commune_group(p004):
    assert p004.levels == ["xa"]
    assert [(g.code, g.level) for g in p004.groups] == [("chung", "xa")]
    assert p004.years == (2021, 2025)
    assert p004.prize_sets == []


def test_004_targets_by_year(p004):
    by_value = {i.value_text.replace(" ", ""): i for i in p004.indicators}
    assert len(p004.indicators) == 9
    assert spans(by_value["ty_le_so_hoa_ket_qua"].target) == [
        (2021, None, 15), (2022, None, 35), (2023, None, 55), (2024, None, 75),
        (2025, None, 95), (2026, None, 100)]
    assert spans(by_value["ty_le_khong_cung_cap_lai"].target) == [
        (2022, None, 30), (2023, 2025, 80)]
    wait = by_value["thoi_gian_cho_trung_binh"]
    assert wait.op == "<=" and spans(wait.target) == [(2022, None, 30), (2025, None, 15)]
    proc = by_value["thoi_gian_xu_ly_ho_so"]
    assert proc.op == "<=" and spans(proc.target) == [(2025, None, 30)]
    for code, number in (("ty_le_ho_so_truc_tuyen", 50), ("ty_le_luan_chuyen_dien_tu", 80),
                         ("ty_le_ho_so_da_giai_quyet_so_hoa", 100)):
        i = by_value[code]
        assert i.op == ">=" and spans(i.target) == [(2023, 2025, number)], code
    prod = by_value["tong_ho_so_tiep_nhan/so_nhan_su_mot_cua"]
    assert prod.op == ">=" and spans(prod.target) == [(2023, 2025, 1200)]
    assert prod.waive_text.replace(" ", "") == "tong_ho_so_tiep_nhan<1200"
    assert "1.200" in prod.waive_reason
    sat = by_value["muc_do_hai_long"]
    assert sat.op == ">=" and spans(sat.target) == [(2025, None, 95)]


def test_004_task_list_from_the_appendix(p004):
    tasks = p004.settings["tasks"]
    keys = {"stt", "nam", "noi_dung", "chu_tri", "phoi_hop", "thoi_han", "san_pham"}
    assert all(set(t) == keys for t in tasks)
    assert all(t["noi_dung"] for t in tasks)
    years = [t["nam"] for t in tasks]
    assert years.count("2021") == 16 and years.count("2022") == 5 and years.count("2023-2025") == 7
    assert [t["stt"] for t in tasks if t["nam"] == "2021"] == [str(k) for k in range(1, 17)]
    assert tasks[0]["chu_tri"] == "- Văn phòng UBND xã"
    assert tasks[0]["thoi_han"] == "Tháng 7"
    assert tasks[1]["thoi_han"] == "Trước ngày 15/8/2021"


# ====================================================================== scoring
def make_frame(plan, rows: list[dict]) -> pd.DataFrame:
    """Unit columns + every input as float (NaN = no data); ``nam`` passed through."""
    records = []
    for k, row in enumerate(rows):
        row = dict(row)
        nhom = row.pop("nhom", plan.groups[0].code)
        rec = {"ma_don_vi": row.pop("ma", f"DV{k + 1:02d}"),
               "ten_don_vi": row.pop("ten", f"Đơn vị {k + 1}"),
               "nhom": nhom,
               "cap": row.pop("cap", plan.group(nhom).level)}
        for inp in plan.inputs:
            rec[inp.code] = float(row.pop(inp.code, np.nan))
        assert not row, f"unknown columns {row}"
        records.append(rec)
    return pd.DataFrame.from_records(records)


def score(plan, rows, year=None):
    from thidua.engine import score as engine_score
    return engine_score(plan, make_frame(plan, rows), year=year)


def status(result, ma, tieu_chi, phan=""):
    rows = result.indicators
    hit = rows[(rows.ma_don_vi == ma) & (rows.tieu_chi == tieu_chi) & (rows.phan == phan)]
    assert len(hit) == 1, (ma, tieu_chi, phan)
    return hit.iloc[0]


PERFECT_001 = dict(
    trien_khai_van_ban_day_du=1, ty_le_vbqppl_duoc_ra_soat=100,
    ty_le_van_ban_moi_duoc_tuyen_truyen=100, ty_le_tthc_duoc_cong_khai=100,
    ty_le_tra_ket_qua_dung_han=100, ty_le_ho_so_qua_mot_cua_dien_tu=100,
    ty_le_ho_so_tren_cong_dvc=62, ty_le_so_hoa_ket_qua=60,
    ty_le_tthc_thanh_toan_truc_tuyen=70, ty_le_giao_dich_thanh_toan_truc_tuyen=60,
    muc_do_hai_long=90, muc_do_hai_long_dat_dai_xay_dung_dau_tu=85,
    ty_le_van_ban_trao_doi_dien_tu=100, ty_le_ho_so_cong_viec_tren_mang=100,
    ty_le_thong_tin_cong_khai_tren_cong_ttdt=100, ty_le_bao_cao_dien_tu=100,
    ty_le_ho_so_luu_tru_dien_tu=100, ty_le_van_ban_ky_so=100)


def u001(ma, nhom="co_quan", **changes):
    row = dict(PERFECT_001, ma=ma, nhom=nhom)
    row.update(changes)
    return row


def test_001_result_contract(p001):
    r = score(p001, [u001("A"), u001("B", nhom="xa", ty_le_so_hoa_ket_qua=55)])
    cols = ["ma_don_vi", "tieu_chi", "ma", "phan", "noi_dung", "gia_tri", "muc_tieu",
            "chenh_lech", "trang_thai", "ghi_chu"]
    assert set(cols) <= set(r.indicators.columns)
    # 16 indicator rows + 2 part rows for each of criteria 9 and 10, per unit
    assert len(r.indicators) == 2 * (16 + 4)
    assert set(r.indicators.trang_thai) <= STATUSES
    row = status(r, "A", "7")
    assert (row.ma, row.gia_tri, row.muc_tieu, row.chenh_lech) == ("tc_7", 62, 62, 0)
    for ma in ("A", "B"):
        f = r.frame.set_index("ma_don_vi").loc[ma]
        assert f["so_tieu_chi_dat"] == 16 and f["so_tieu_chi_ap_dung"] == 16
        assert f["tong_diem"] == f["so_tieu_chi_dat"]


def test_001_exactly_at_target_62_is_met_61_99_is_not(p001):
    r = score(p001, [u001("A", ty_le_ho_so_tren_cong_dvc=62),
                     u001("B", ty_le_ho_so_tren_cong_dvc=61.99)])
    assert status(r, "A", "7").trang_thai == MET
    b = status(r, "B", "7")
    assert b.trang_thai == NOT_MET
    assert b.chenh_lech == pytest.approx(-0.01)
    f = r.frame.set_index("ma_don_vi")
    assert f.loc["A", "so_tieu_chi_dat"] == 16 and f.loc["B", "so_tieu_chi_dat"] == 15
    assert f.loc["B", "tong_diem"] == 15


def test_001_criterion_8_target_depends_on_level(p001):
    r = score(p001, [u001("H", nhom="co_quan", ty_le_so_hoa_ket_qua=57),
                     u001("X", nhom="xa", ty_le_so_hoa_ket_qua=57)])
    h, x = status(r, "H", "8"), status(r, "X", "8")
    assert (h.muc_tieu, h.trang_thai) == (60, NOT_MET)
    assert (x.muc_tieu, x.trang_thai) == (55, MET)
    assert h.chenh_lech == -3 and x.chenh_lech == 2


def test_001_two_part_criterion_fails_when_one_part_fails(p001):
    r = score(p001, [u001("A", ty_le_giao_dich_thanh_toan_truc_tuyen=59.9),
                     u001("B", muc_do_hai_long=95, muc_do_hai_long_dat_dai_xay_dung_dau_tu=84)])
    assert status(r, "A", "9", "a").trang_thai == MET
    assert status(r, "A", "9", "b").trang_thai == NOT_MET
    assert status(r, "A", "9").trang_thai == NOT_MET
    assert status(r, "B", "10", "a").trang_thai == MET
    assert status(r, "B", "10", "b").trang_thai == NOT_MET
    assert status(r, "B", "10").trang_thai == NOT_MET
    part = status(r, "B", "10", "b")
    assert (part.ma, part.muc_tieu, part.chenh_lech) == ("tc_10", 85, -1)
    f = r.frame.set_index("ma_don_vi")
    assert list(f["so_tieu_chi_dat"]) == [15, 15]


def test_001_blank_value_is_no_data(p001):
    r = score(p001, [u001("A", ty_le_van_ban_ky_so=np.nan),
                     u001("B", trien_khai_van_ban_day_du=np.nan)])
    assert status(r, "A", "16").trang_thai == NO_DATA
    assert status(r, "B", "1").trang_thai == NO_DATA
    f = r.frame.set_index("ma_don_vi")
    assert f.loc["A", "so_tieu_chi_dat"] == 15
    assert f.loc["A", "so_tieu_chi_ap_dung"] == 16


def test_001_yes_no_criterion(p001):
    r = score(p001, [u001("A", trien_khai_van_ban_day_du=1), u001("B", trien_khai_van_ban_day_du=0)])
    assert status(r, "A", "1").trang_thai == MET
    assert status(r, "B", "1").trang_thai == NOT_MET


def test_001_giay_khen_to_every_unit_meeting_all_16_and_nobody_else(p001):
    rows = [
        u001("CQ1"), u001("CQ2", ty_le_so_hoa_ket_qua=75), u001("CQ3", ty_le_van_ban_ky_so=99),
        u001("CQ4", muc_do_hai_long_dat_dai_xay_dung_dau_tu=np.nan),
        u001("XA1", nhom="xa", ty_le_so_hoa_ket_qua=55), u001("XA2", nhom="xa"),
        u001("XA3", nhom="xa", ty_le_so_hoa_ket_qua=54.99), u001("XA4", nhom="xa"),
    ]
    r = score(p001, rows)
    got = dict(zip(r.frame["ma_don_vi"], r.frame["giai"]))
    winners = {"CQ1", "CQ2", "XA1", "XA2", "XA4"}
    assert {ma for ma, g in got.items() if g == "giay_khen"} == winners
    assert all(not g for ma, g in got.items() if ma not in winners)
    assert (r.frame["tien"] == 0).all()
    assert r.money_total() == 0


def test_001_units_ranked_by_criteria_met_within_their_group(p001):
    rows = [u001("A"), u001("B"), u001("C", ty_le_van_ban_ky_so=90),
            u001("D", ty_le_van_ban_ky_so=90, trien_khai_van_ban_day_du=0),
            u001("X", nhom="xa", ty_le_so_hoa_ket_qua=50)]
    r = score(p001, rows)
    f = r.frame.set_index("ma_don_vi")
    assert list(f["so_tieu_chi_dat"]) == [16, 16, 15, 14, 15]
    assert list(f["hang"]) == [1, 1, 3, 4, 1]


# ---------------------------------------------------------------- 003 Quảng Nam
GOOD_003 = dict(
    ty_le_tthc_toan_trinh=100, ty_le_nop_truc_tuyen=40, ty_le_nop_truc_tuyen_2022=30,
    ty_le_thanh_toan_truc_tuyen=25, ty_le_thanh_toan_truc_tuyen_2022=15,
    ty_le_ho_so_truc_tuyen_tu_xa=50, ty_le_dvc_phat_sinh_ho_so=60, so_ho_so_tre_han_chu_quan=0,
    ty_le_so_hoa_ket_qua=70, ty_le_cbcc_su_dung_dvc=100)


def u003(ma, nhom="tinh", **changes):
    row = dict(GOOD_003, ma=ma, nhom=nhom)
    row.update(changes)
    return row


def test_003_baseline_plus_10(p003):
    r = score(p003, [u003("A"), u003("B", ty_le_nop_truc_tuyen=39.9),
                     u003("C", ty_le_nop_truc_tuyen_2022=np.nan)])
    a = status(r, "A", "2")
    assert (a.gia_tri, a.muc_tieu, a.chenh_lech, a.trang_thai) == (40, 40, 0, MET)
    b = status(r, "B", "2")
    assert b.trang_thai == NOT_MET and b.chenh_lech == pytest.approx(-0.1)
    c = status(r, "C", "2")
    assert c.trang_thai == NO_DATA
    assert all(status(r, ma, "3").trang_thai == MET for ma in "ABC")
    f = r.frame.set_index("ma_don_vi")
    assert list(f["so_tieu_chi_dat"]) == [8, 7, 7]


def test_003_late_dossiers_for_subjective_reasons(p003):
    r = score(p003, [u003("A", so_ho_so_tre_han_chu_quan=0), u003("B", so_ho_so_tre_han_chu_quan=1),
                     u003("C", so_ho_so_tre_han_chu_quan=np.nan)])
    assert status(r, "A", "6").trang_thai == MET
    b = status(r, "B", "6")
    assert (b.muc_tieu, b.chenh_lech, b.trang_thai) == (0, 1, NOT_MET)
    assert status(r, "C", "6").trang_thai == NO_DATA


def test_003_digitisation_by_level(p003):
    r = score(p003, [u003("T", nhom="tinh", ty_le_so_hoa_ket_qua=65),
                     u003("H", nhom="huyen", ty_le_so_hoa_ket_qua=65),
                     u003("X", nhom="xa", ty_le_so_hoa_ket_qua=55)])
    assert [status(r, m, "7").muc_tieu for m in "THX"] == [70, 60, 55]
    assert [status(r, m, "7").trang_thai for m in "THX"] == [NOT_MET, MET, MET]
    assert r.frame["giai"].isna().all()


# ---------------------------------------------------------------- 004 Xuân Thành
def test_004_digitisation_target_switches_with_the_year(p004):
    rows = [dict(ma="XT", ty_le_so_hoa_ket_qua=40)]
    assert status(score(p004, rows, year=2021), "XT", "1").trang_thai == MET
    r22 = score(p004, rows, year=2022)
    assert (status(r22, "XT", "1").muc_tieu, status(r22, "XT", "1").trang_thai) == (35, MET)
    r23 = score(p004, rows, year=2023)
    assert (status(r23, "XT", "1").muc_tieu, status(r23, "XT", "1").trang_thai) == (55, NOT_MET)
    expected = {2024: 75, 2025: 95, 2026: 100}
    for year, target in expected.items():
        assert status(score(p004, rows, year=year), "XT", "1").muc_tieu == target


def test_004_waiting_time_carries_the_2022_target_until_2025(p004):
    rows = [dict(ma="XT", thoi_gian_cho_trung_binh=25)]
    got = {y: status(score(p004, rows, year=y), "XT", "3") for y in (2021, 2022, 2023, 2024, 2025)}
    assert got[2021].trang_thai == NA
    assert (got[2022].muc_tieu, got[2022].trang_thai) == (30, MET)
    assert (got[2023].muc_tieu, got[2023].trang_thai) == (30, MET)
    assert (got[2024].muc_tieu, got[2024].trang_thai) == (30, MET)
    assert (got[2025].muc_tieu, got[2025].trang_thai) == (15, NOT_MET)
    assert got[2025].chenh_lech == 10


def test_004_range_and_from_year_targets(p004):
    rows = [dict(ma="XT", ty_le_khong_cung_cap_lai=50, thoi_gian_xu_ly_ho_so=30,
                 ty_le_ho_so_truc_tuyen=50, muc_do_hai_long=94.9)]
    st = lambda y, c: status(score(p004, rows, year=y), "XT", c).trang_thai  # noqa: E731
    assert [st(y, "2") for y in (2021, 2022, 2023, 2025, 2026)] == [NA, MET, NOT_MET, NOT_MET, NA]
    assert [st(y, "4") for y in (2024, 2025)] == [NA, MET]
    assert [st(y, "5") for y in (2022, 2023, 2025, 2026)] == [NA, MET, MET, NA]
    assert [st(y, "9") for y in (2024, 2025)] == [NA, NOT_MET]


def test_004_productivity_waived_below_1200_dossiers(p004):
    rows = [
        dict(ma="NHO", tong_ho_so_tiep_nhan=1000, so_nhan_su_mot_cua=1),
        dict(ma="DU", tong_ho_so_tiep_nhan=2400, so_nhan_su_mot_cua=2),
        dict(ma="THIEU", tong_ho_so_tiep_nhan=3000, so_nhan_su_mot_cua=3),
        dict(ma="TRONG", tong_ho_so_tiep_nhan=np.nan, so_nhan_su_mot_cua=2),
    ]
    r = score(p004, rows, year=2023)
    small = status(r, "NHO", "8")
    assert small.trang_thai == NA and "1.200" in small.ghi_chu
    assert (status(r, "DU", "8").gia_tri, status(r, "DU", "8").trang_thai) == (1200, MET)
    assert (status(r, "THIEU", "8").gia_tri, status(r, "THIEU", "8").trang_thai) == (1000, NOT_MET)
    assert status(r, "TRONG", "8").trang_thai == NO_DATA
    f = r.frame.set_index("ma_don_vi")
    # 2023: criteria 1, 2, 3, 5, 6, 7, 8 apply (4 and 9 only from 2025); waived → not applicable
    assert f.loc["DU", "so_tieu_chi_ap_dung"] == 7
    assert f.loc["NHO", "so_tieu_chi_ap_dung"] == 6
    assert f.loc["DU", "so_tieu_chi_dat"] == 1


def test_004_year_2021_counts_only_criteria_with_a_target(p004):
    r = score(p004, [dict(ma="XT", ty_le_so_hoa_ket_qua=20, thoi_gian_cho_trung_binh=10)], year=2021)
    f = r.frame.iloc[0]
    assert (f["so_tieu_chi_dat"], f["so_tieu_chi_ap_dung"], f["tong_diem"]) == (1, 1, 1)
    assert r.year == 2021


# ====================================================================== samples
@pytest.mark.parametrize("plan_id", CHECKLIST_IDS)
def test_sample_table_reads_and_scores(plan_id):
    from thidua.engine import score as engine_score
    from thidua.table import read_units

    plan = load_plan(plan_id)
    table = read_units(SAMPLES / f"{plan_id}.csv", plan)
    n = len(table.frame)
    assert (4 if plan_id.startswith("xuan-thanh") else 10) <= n <= 20
    assert table.frame[[i.code for i in plan.inputs]].isna().to_numpy().sum() >= 1
    result = engine_score(plan, table)
    per_unit = sum(1 + len(i.parts) for i in plan.indicators)
    assert len(result.indicators) == n * per_unit
    assert set(result.indicators.trang_thai) <= STATUSES
    assert {MET, NOT_MET, NO_DATA} <= set(result.indicators.trang_thai)
    assert (result.frame["tong_diem"] == result.frame["so_tieu_chi_dat"]).all()


def test_sample_001_awards(p001):
    from thidua.engine import score as engine_score
    from thidua.table import read_units

    table = read_units(SAMPLES / "vu-ban-cchc-2023.csv", p001)
    r = engine_score(p001, table)
    full = r.frame["so_tieu_chi_dat"] == 16
    assert full.any() and (~full).any()
    assert ((r.frame["giai"] == "giay_khen") == full).all()


def test_sample_003_group_from_level(p003):
    from thidua.table import read_units

    table = read_units(SAMPLES / "quang-nam-dvc-2023.csv", p003)
    assert (table.frame["nhom"] == table.frame["cap"]).all()
    assert set(table.frame["cap"]) == {"tinh", "huyen", "xa"}


def test_sample_004_year_comes_from_the_nam_column(p004):
    from thidua.engine import score as engine_score
    from thidua.table import read_units

    r = engine_score(p004, read_units(SAMPLES / "xuan-thanh-mot-cua-2021.csv", p004))
    assert r.year == 2023
    assert set(r.indicators.loc[r.indicators.tieu_chi.isin(["4", "9"]), "trang_thai"]) == {NA}
