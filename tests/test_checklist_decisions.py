"""The product owner's checklist decisions (issue 11, «Target checklists»), as a user meets them.

Rank by the share of applicable criteria met, then by the number met; Quảng Nam's
baseline targets capped at 100; Xuân Thành productivity with 0 staff is «chưa có
số liệu» with its reason; --year overriding the table's «nam» says so; one answer
for a year after the plan's end on every surface; the JSON contract of a checklist.
"""
from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from thidua.cli import main
from thidua.engine import score
from thidua.errors import InputError
from thidua.plan import load_plan
from thidua.program.compile import last_target_year

MET, NOT_MET, NO_DATA, NA = "đạt", "không đạt", "chưa có số liệu", "không áp dụng"


def frame(plan, rows: list[dict]) -> pd.DataFrame:
    out = []
    for k, row in enumerate(rows):
        rec = {"ma_don_vi": f"U{k}", "ten_don_vi": f"Đơn vị {k}", "nhom": plan.groups[0].code,
               "cap": plan.groups[0].level or plan.levels[0]}
        rec.update(row)
        out.append(rec)
    data = pd.DataFrame(out)
    for inp in plan.inputs:
        if inp.code not in data:
            data[inp.code] = float("nan")
    return data


def status(result, unit: str, code: str) -> tuple[str, str]:
    rows = result.indicators
    row = rows[(rows["ma_don_vi"] == unit) & (rows["ma"] == code) & (rows["phan"] == "")].iloc[0]
    return row["trang_thai"], row["ghi_chu"]


def test_rank_by_share_of_applicable_criteria_then_by_number_met():
    plan = load_plan("xuan-thanh-mot-cua-2021")
    everything = {"ty_le_so_hoa_ket_qua": 100, "ty_le_khong_cung_cap_lai": 100,
                  "thoi_gian_cho_trung_binh": 5, "thoi_gian_xu_ly_ho_so": 5,
                  "ty_le_ho_so_truc_tuyen": 100, "ty_le_luan_chuyen_dien_tu": 100,
                  "ty_le_ho_so_da_giai_quyet_so_hoa": 100, "muc_do_hai_long": 100}
    rows = [
        dict(everything, tong_ho_so_tiep_nhan=1000, so_nhan_su_mot_cua=1),  # 8 of 8 (tc_8 waived)
        dict(everything, tong_ho_so_tiep_nhan=2400, so_nhan_su_mot_cua=2),  # 9 of 9
        dict(everything, tong_ho_so_tiep_nhan=2400, so_nhan_su_mot_cua=4),  # 8 of 9: fewer met
    ]
    result = score(plan, frame(plan, rows), year=2025)
    f = result.frame.set_index("ma_don_vi")
    assert list(f["so_tieu_chi_dat"]) == [8, 9, 8] and list(f["so_tieu_chi_ap_dung"]) == [8, 9, 9]
    # share 1 and 1 rank before 8/9, and among equal shares more criteria met ranks first
    assert (f.at["U1", "hang"], f.at["U0", "hang"], f.at["U2", "hang"]) == (1, 2, 3)


def test_quang_nam_baseline_targets_are_capped_at_100():
    plan = load_plan("quang-nam-dvc-2023")
    rows = [{"ty_le_nop_truc_tuyen": 100, "ty_le_nop_truc_tuyen_2022": 95},
            {"ty_le_nop_truc_tuyen": 60, "ty_le_nop_truc_tuyen_2022": 50}]
    result = score(plan, frame(plan, rows), year=2023)
    rows = result.indicators[result.indicators["ma"] == "tc_2"].set_index("ma_don_vi")
    assert rows.at["U0", "muc_tieu"] == 100 and rows.at["U0", "trang_thai"] == MET
    assert rows.at["U1", "muc_tieu"] == 60 and rows.at["U1", "trang_thai"] == MET


def test_productivity_with_no_staff_is_no_data_with_its_reason():
    plan = load_plan("xuan-thanh-mot-cua-2021")
    rows = [{"tong_ho_so_tiep_nhan": 2400, "so_nhan_su_mot_cua": 0},
            {"tong_ho_so_tiep_nhan": 1000, "so_nhan_su_mot_cua": 0},  # waived first
            {"tong_ho_so_tiep_nhan": 2400, "so_nhan_su_mot_cua": 3}]
    result = score(plan, frame(plan, rows), year=2024)
    assert status(result, "U0", "tc_8") == (NO_DATA, "Xã khai 0 nhân sự Bộ phận Một cửa nên chưa "
                                                     "tính được năng suất")
    assert status(result, "U1", "tc_8")[0] == NA
    assert status(result, "U2", "tc_8")[0] == NOT_MET  # 800 per person < 1.200


def test_year_overriding_the_nam_column_says_so(tmp_path, capsys):
    plan = load_plan("xuan-thanh-mot-cua-2021")
    data = frame(plan, [{"ty_le_so_hoa_ket_qua": 60}])
    data["nam"] = 2023
    path = tmp_path / "so-lieu.csv"
    data.to_csv(path, index=False)
    assert main(["score", plan.id, str(path), "--year", "2025", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["year"] == 2025
    assert "Chấm theo năm 2025 (tham số --year), khác năm ghi ở cột «nam»" in err and "2023" in err
    assert main(["score", plan.id, str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["year"] == 2023 and "Lưu ý" not in err


def test_one_answer_for_a_year_after_the_plan_on_every_surface(tmp_path, capsys):
    """Xuân Thành runs to 2025, its targets name 2026: 2026 is accepted everywhere, 2027 nowhere."""
    from thidua.units import Unit
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.master import write_master
    from thidua.workbook.template import SHEET_INPUT

    plan = load_plan("xuan-thanh-mot-cua-2021")
    assert last_target_year(plan) == 2026
    data = frame(plan, [{"ty_le_so_hoa_ket_qua": 100}])
    assert score(plan, data, year=2026).year == 2026
    with pytest.raises(InputError) as info:
        score(plan, data, year=2027)
    assert "2021–2026" in str(info.value)
    path = tmp_path / "so-lieu.csv"
    data.to_csv(path, index=False)
    assert main(["score", plan.id, str(path), "--year", "2027"]) == 2
    assert "2021–2026" in capsys.readouterr().err
    # the unit template and the master's «Cấu hình» accept exactly the same years
    (template,) = generate_templates(plan, [Unit("U0", "Xã A", "chung", "xa")], tmp_path / "mau",
                                     workers=1)
    bounds = set()
    for ws in (openpyxl.load_workbook(template)[SHEET_INPUT],
               openpyxl.load_workbook(write_master(plan, [
                   {"ma_don_vi": "U0", "ten_don_vi": "Xã A", "nhom": "chung", "cap": "xa"}],
                   tmp_path / "so.xlsx", backup=False))["Cấu hình"]):
        for dv in ws.data_validations.dataValidation:
            if dv.type == "whole" and str(dv.formula1).isdigit() and int(dv.formula1) > 1900:
                bounds.add((int(dv.formula1), int(dv.formula2)))
    assert bounds == {(2021, 2026)}


def test_checklist_json_carries_met_applicable_year_and_indicators(capsys):
    from thidua.demo import sample_path

    assert main(["score", "vu-ban-cchc-2023", str(sample_path("vu-ban-cchc-2023")), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2023
    unit = data["units"][0]
    assert {"met", "applicable", "indicators"} <= set(unit)
    assert len(unit["indicators"]) == 16
    assert unit["met"] == sum(i["status"] == MET for i in unit["indicators"])
    assert unit["applicable"] == sum(i["status"] != NA for i in unit["indicators"])
    nine = next(i for i in unit["indicators"] if i["code"] == "tc_9")
    assert [p["code"] for p in nine["parts"]] == ["tc_9.a", "tc_9.b"]
    assert {"code", "label", "value", "target", "status"} <= set(nine["parts"][0])
    assert nine["parts"][0]["target"] == 70
