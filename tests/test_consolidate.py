"""Consolidation, driven as the office would: real templates filled, folder in, master out."""
from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from thidua.cli import main
from thidua.consolidate.collect import consolidate
from thidua.consolidate.master_io import read_master
from thidua.engine import score
from thidua.fileio import make_reproducible
from thidua.plan import load_plan
from thidua.table import read_units
from thidua.units import read_unit_list
from thidua.workbook.generate import generate_templates, template_name
from thidua.workbook.master import write_master

SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"


@dataclass
class U:
    code: str
    name: str
    group: str
    level: str


def setup_campaign(tmp_path: Path, plan_id: str, with_figures: bool = False):
    """Master (empty figures) and one template per sample unit, as `thidua generate` makes them."""
    plan = load_plan(plan_id)
    units = read_unit_list(SAMPLES / f"{plan_id}.csv", plan)
    records = [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group, "cap": u.level} for u in units]
    master = write_master(plan, records, tmp_path / "so-tong-hop.xlsx", backup=False)
    templates = generate_templates(plan, units, tmp_path / "mau", workers=1, backup=False)
    inbox = tmp_path / "Nhận về"
    inbox.mkdir()
    figures = read_units(SAMPLES / f"{plan_id}.csv", plan).frame.set_index("ma_don_vi")
    return plan, units, master, dict(zip([u.code for u in units], templates)), inbox, figures


def layout_of(wb) -> dict:
    ws = wb["_thidua"]
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    return json.loads(meta["bo_cuc"])


def fill(template: Path, dest: Path, plan, figures, code: str, overrides: dict | None = None) -> Path:
    """A unit fills its template with its figures (as it would type them)."""
    wb = openpyxl.load_workbook(template)
    layout = layout_of(wb)
    ws = wb["Nhập liệu"]
    row = figures.loc[code]
    for inp in plan.inputs:
        value = row.get(inp.code)
        if value != value or value is None:  # NaN
            continue
        if inp.type == "yesno":
            value = "Có" if value else "Không"
        elif inp.type == "choice":
            value = inp.choices[int(value)].label
        elif float(value).is_integer():
            value = int(value)
        ws[layout["input_cells"][inp.code]] = value
    for key, value in (overrides or {}).items():
        ws[layout["input_cells"][key]] = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def send(templates, inbox, plan, figures, codes, **overrides) -> list[Path]:
    return [fill(templates[c], inbox / template_name(U(c, str(figures.loc[c, "ten_don_vi"]), "", "")),
                 plan, figures, c, overrides.get(c)) for c in codes]


def issues_by_code(outcome) -> dict[str, list]:
    out: dict[str, list] = {}
    for issue in outcome.issues:
        out.setdefault(issue.code, []).append(issue)
    return out


def test_returned_templates_fill_the_master_and_score_like_the_data(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates))
    outcome = consolidate(plan, inbox, master)
    assert outcome.received == len(units) and not outcome.rejected and not outcome.missing
    assert outcome.issues == []  # clean files: not a single warning
    assert outcome.changed and outcome.backup is not None and outcome.backup.exists()
    from_master = score(plan, read_units(master, plan)).to_json()
    from_data = score(plan, read_units(SAMPLES / "nui-thanh-dvc-2023.csv", plan)).to_json()
    by = lambda r: {u["code"]: u for u in r["units"]}  # noqa: E731
    assert by(from_master) == by(from_data)
    wb = openpyxl.load_workbook(master)
    assert "Kiểm tra tệp nhận về" in wb.sheetnames and "Nhật ký nhận" in wb.sheetnames
    log = [r for r in wb["Nhật ký nhận"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(log) == len(units) and all(r[6] == "đang dùng" and len(r[1]) == 64 for r in log)


def test_rerunning_on_the_same_folder_changes_nothing(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:5])
    first = consolidate(plan, inbox, master)
    assert first.changed
    before = master.read_bytes()
    backups = sorted(tmp_path.glob("so-tong-hop.bak-*"))
    second = consolidate(plan, inbox, master)
    assert not second.changed
    assert master.read_bytes() == before
    assert sorted(tmp_path.glob("so-tong-hop.bak-*")) == backups


def test_every_problem_code_is_reported_and_bad_files_do_not_stop_the_others(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    codes = list(templates)
    good = send(templates, inbox, plan, figures, codes[:3])
    # value out of range, unreadable value, required value missing
    send(templates, inbox, plan, figures, [codes[3]], **{codes[3]: {"tre_han": -4}})
    send(templates, inbox, plan, figures, [codes[4]], **{codes[4]: {"tong_giai_quyet": "12a"}})
    send(templates, inbox, plan, figures, [codes[5]], **{codes[5]: {"tre_han": None}})
    # two files for one unit: the later one is used
    older = inbox / "cu" / "ban-cu.xlsx"
    fill(templates[codes[0]], older, plan, figures, codes[0], {"tre_han": 999})
    make_reproducible(older, dt.datetime(2020, 1, 1))  # saved (by the time inside the file) in 2020
    # a formula overwritten by a constant
    tampered = fill(templates[codes[6]], inbox / "sua-cong-thuc.xlsx", plan, figures, codes[6])
    wb = openpyxl.load_workbook(tampered)
    formula_cell = json.loads(wb["_thidua"]["B12"].value)["computed_cells"]["tong_diem"]
    wb["Nhập liệu"][formula_cell] = 100
    wb.save(tampered)
    # wrong plan, unit not in the list, not readable, older template version
    other = load_plan("hoa-thanh-cchc-2018")
    generate_templates(other, [U("PNV", "Phòng Nội vụ", "chung", "huyen")], inbox / "khac", workers=1)
    stranger = generate_templates(plan, [U("XA99", "Xã Lạ", "xa", "xa")], tmp_path / "la", workers=1)[0]
    shutil.copy(stranger, inbox / "don-vi-la.xlsx")
    (inbox / "hong.xlsx").write_bytes(b"PK\x03\x04 day khong phai bang tinh")
    old_version = fill(templates[codes[7]], inbox / "mau-cu.xlsx", plan, figures, codes[7])
    wb = openpyxl.load_workbook(old_version)
    wb["_thidua"]["B3"] = 0
    wb.save(old_version)

    outcome = consolidate(plan, inbox, master, report_csv=tmp_path / "bao-cao.csv")
    found = issues_by_code(outcome)
    for code in ("ngoai_khoang", "gia_tri_khong_doc_duoc", "thieu_gia_tri", "trung_don_vi",
                 "cau_truc_thay_doi", "sai_ke_hoach", "don_vi_khong_co", "tep_hong",
                 "mau_cu", "chua_gui"):
        assert code in found, f"thiếu mã lỗi {code}: {sorted(found)}"
    bad = found["gia_tri_khong_doc_duoc"][0]
    assert bad.sheet == "Nhập liệu" and bad.cell and "«12a»" in bad.message
    assert "ngoài khoảng" in found["ngoai_khoang"][0].message
    assert found["trung_don_vi"][0].file == "cu/ban-cu.xlsx"
    assert any("B3" in i.message or "ô công thức" in i.message for i in found["cau_truc_thay_doi"])
    assert {"khac/" + p.name for p in (inbox / "khac").glob("*.xlsx")} <= set(outcome.rejected)
    assert "hong.xlsx" in outcome.rejected and "don-vi-la.xlsx" in outcome.rejected
    data = read_master(master, plan)
    first = data.unit(codes[0])
    assert first["tre_han"] == int(figures.loc[codes[0], "tre_han"])  # the newer file won
    with open(tmp_path / "bao-cao.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(outcome.issues) and rows[0]["Mã lỗi"]
    assert len(good) == 3


def test_appraisals_and_notes_typed_in_the_master_survive_a_resubmission(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "hoa-thanh-cchc-2018")
    send(templates, inbox, plan, figures, list(templates))
    consolidate(plan, inbox, master)
    wb = openpyxl.load_workbook(master)
    layout = json.loads({r[0]: r[1] for r in wb["_thidua"].iter_rows(values_only=True)}["bo_cuc"])
    ws = wb[layout["sheet"]]
    row = layout["first_row"] + layout["units"].index("PNV")
    ws[f"{layout['columns']['ty_le_mot_cua_dien_tu_tham_dinh']}{row}"] = 94
    ws[f"{layout['columns']['ghi_chu']}{row}"] = "Đã thẩm định ngày 05/01"
    wb.save(master)
    send(templates, inbox, plan, figures, ["PNV"], PNV={"so_phan_hoi_tre": 3})
    consolidate(plan, inbox, master)
    record = read_master(master, plan).unit("PNV")
    assert record["ty_le_mot_cua_dien_tu_tham_dinh"] == 94
    assert record["ghi_chu"] == "Đã thẩm định ngày 05/01"
    assert record["so_phan_hoi_tre"] == 3


def test_a_renamed_sheet_is_still_read(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    code = list(templates)[0]
    path = fill(templates[code], inbox / "doi-ten.xlsx", plan, figures, code)
    wb = openpyxl.load_workbook(path)
    wb["Nhập liệu"].title = "Số liệu"
    for name in list(wb.defined_names):
        defined = wb.defined_names[name]
        defined.attr_text = defined.attr_text.replace("'Nhập liệu'", "'Số liệu'")
    wb.save(path)
    outcome = consolidate(plan, inbox, master)
    assert not outcome.rejected and outcome.accepted[0].unit == code
    assert read_master(master, plan).unit(code)["tong_giai_quyet"] == int(figures.loc[code, "tong_giai_quyet"])


def test_cli_consolidate_prints_the_summary(tmp_path, capsys):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    send(templates, inbox, plan, figures, list(templates)[:2])
    code = main(["consolidate", "nui-thanh-dvc-2023", str(inbox), "--master", str(master),
                 "--report", str(tmp_path / "r.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Nhận 2 tệp: 2 được dùng" in out and f"{len(units) - 2} đơn vị chưa gửi" in out
    assert "Đã cập nhật sổ tổng hợp" in out
    assert (tmp_path / "r.csv").exists()


def test_period_records_criteria_met_in_the_trend_sheet(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "quang-nam-dvc-2023")
    send(templates, inbox, plan, figures, list(templates))
    consolidate(plan, inbox, master, period="09/2023")
    expected = score(plan, read_units(SAMPLES / "quang-nam-dvc-2023.csv", plan)).frame
    wb = openpyxl.load_workbook(master)
    layout = json.loads({r[0]: r[1] for r in wb["_thidua"].iter_rows(values_only=True)}["bo_cuc"])
    ws = wb[layout["trend_sheet"]]
    column = layout["period_columns"]["Tháng 09/2023"]
    for code, met in zip(expected["ma_don_vi"], expected["so_tieu_chi_dat"]):
        assert ws[f"{column}{layout['first_row'] + layout['units'].index(code)}"].value == met
    consolidate(plan, inbox, master)  # a later run without --period keeps the recorded figures
    ws = openpyxl.load_workbook(master)[layout["trend_sheet"]]
    assert ws[f"{column}{layout['first_row']}"].value is not None


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_a_file_without_metadata_typed_in_a_legacy_encoding_is_recognised_and_reported(tmp_path, encoding):
    from thidua.consolidate.legacy import encode_tcvn3, encode_vni
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, "nui-thanh-dvc-2023")
    code = "XA02"  # Xã Tam Xuân I
    path = fill(templates[code], inbox / "bao-cao.xlsx", plan, figures, code)
    wb = openpyxl.load_workbook(path)
    del wb["_thidua"]  # a unit copied the sheet into its own workbook: the hidden data is gone
    ws = wb["Nhập liệu"]
    name = "Xã Tam Xuân I"
    ws["B5"] = encode_tcvn3(name) if encoding == "TCVN3" else encode_vni(name)
    ws["B6"] = None  # and the code cell was cleared
    wb.save(path)
    outcome = consolidate(plan, inbox, master)
    found = issues_by_code(outcome)
    assert [s.unit for s in outcome.accepted] == [code]
    assert encoding in found["ma_hoa_cu"][0].message and "«Xã Tam Xuân I»" in found["ma_hoa_cu"][0].message
    assert "khop_theo_ten" in found
