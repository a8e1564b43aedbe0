"""The add-in's «Kế hoạch» buttons on an open plan workbook, driven as Excel drives them:
the payload xlwings' VBA client sends, built from a real plan workbook, through
``run_button``, the returned actions replayed on the file (see tests/test_addin.py)."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # before xlwings is imported

import openpyxl  # noqa: E402
import pytest  # noqa: E402

from thidua.addin import BUTTONS  # noqa: E402
from thidua.addin.handlers import FILL_BAD  # noqa: E402
from thidua.plan import load_plan  # noqa: E402
from thidua.plan.load import load_raw  # noqa: E402
from thidua.plan.snapshot import snapshot  # noqa: E402
from thidua.plan.xlsxwrite import write_workbook  # noqa: E402

from tests.test_addin import FIXED, click  # noqa: E402


def plan_book(tmp_path: Path, plan_id: str = "nui-thanh-dvc-2023") -> Path:
    raw, _ = load_raw(plan_id)
    return write_workbook(raw, tmp_path / "ke-hoach.xlsx", backup=False, now=FIXED)


def test_the_two_buttons_are_registered():
    assert BUTTONS["kiem_tra_ke_hoach"] == ("kiem_tra_ke_hoach", "Kiểm tra kế hoạch")
    assert BUTTONS["tao_so_tu_ke_hoach"] == ("tao_so_tu_ke_hoach", "Tạo sổ từ kế hoạch")


def test_the_open_workbook_reads_as_the_file_does(tmp_path):
    """The payload's values (what Excel shows) give the same plan as the file, same fingerprint."""
    import xlwings as xw
    from thidua.addin.handlers import _read_open_plan
    from thidua.addin.payload import payload_from_xlsx

    path = plan_book(tmp_path, "hoa-thanh-cchc-2018")
    with xw.Book(json=payload_from_xlsx(path)) as book:
        plan, problems, _view, name = _read_open_plan(book, path)
    assert problems == [] and name == "ke-hoach.xlsx"
    from_file = load_plan(path)
    assert snapshot(plan) == snapshot(from_file)
    assert plan.fingerprint == from_file.fingerprint


def test_kiem_tra_ke_hoach_marks_the_faulty_cells_and_lists_them(tmp_path):
    path = plan_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Số liệu"]["C3"] = "so demm"
    wb["Điều kiện"]["A3"] = "ty_le_truc_tuyenn >= 65"
    wb.save(path)
    shown = click(path, "kiem_tra_ke_hoach", plan_path=path)
    assert shown[0]["mode"] == "critical"
    assert "Kế hoạch còn 2 lỗi" in shown[0]["prompt"]
    assert "trang «Điều kiện», ô A3" in shown[0]["prompt"]
    assert "có phải ý bạn là «ty_le_truc_tuyen»?" in shown[0]["prompt"]
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Lỗi"].iter_rows(values_only=True))
    assert rows[0] == ("STT", "Trang", "Ô", "Lỗi", "Cách sửa")
    assert {(r[1], r[2]) for r in rows[1:]} == {("Số liệu", "C3"), ("Điều kiện", "A3")}
    assert wb["Số liệu"]["C3"].fill.fgColor.rgb.endswith(FILL_BAD)
    assert wb["Điều kiện"]["A3"].fill.fgColor.rgb.endswith(FILL_BAD)
    # fixed and checked again: the marks go, the plan is valid
    wb["Số liệu"]["C3"] = "số đếm"
    wb["Điều kiện"]["A3"] = "ty_le_truc_tuyen >= 65"
    wb.save(path)
    shown = click(path, "kiem_tra_ke_hoach", plan_path=path)
    assert shown[0]["mode"] == "info"
    assert "Kế hoạch hợp lệ: nui-thanh-dvc-2023" in shown[0]["prompt"]
    wb = openpyxl.load_workbook(path)
    assert not wb["Số liệu"]["C3"].fill.fgColor.rgb.endswith(FILL_BAD)
    assert not wb["Điều kiện"]["A3"].fill.fgColor.rgb.endswith(FILL_BAD)
    assert wb["Lỗi"]["A1"].value == "Không còn lỗi."


def test_kiem_tra_ke_hoach_on_a_master_says_it_is_not_a_plan(tmp_path):
    from thidua.workbook.master import write_master

    master = write_master(load_plan("nui-thanh-dvc-2023"), [], tmp_path / "so.xlsx",
                          backup=False, now=FIXED)
    shown = click(master, "kiem_tra_ke_hoach")
    assert "sổ tổng hợp do thidua tạo, không phải tệp kế hoạch" in shown[0]["prompt"]


def test_tao_so_tu_ke_hoach_asks_for_the_unit_list_then_makes_master_and_templates(tmp_path):
    from thidua.demo import sample_path

    path = plan_book(tmp_path)
    shown = click(path, "tao_so_tu_ke_hoach", plan_path=path, now=FIXED)
    units = tmp_path / "danh-sach-don-vi.xlsx"
    assert units.is_file() and "Chưa có danh sách đơn vị" in shown[0]["prompt"]
    # the office fills the unit list (here: the sample's units)
    plan = load_plan(path)
    from thidua.units import read_unit_list
    sample = read_unit_list(sample_path("nui-thanh-dvc-2023"), plan)
    wb = openpyxl.load_workbook(units)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    header_row = 1
    for r in range(1, 10):
        if ws.cell(row=r, column=1).value in ("Mã đơn vị", "ma_don_vi"):
            header_row = r
            head = [c.value for c in ws[r]]
            break
    for i, u in enumerate(sample, start=header_row + 1):
        ws.cell(row=i, column=1, value=u.code)
        ws.cell(row=i, column=2, value=u.name)
        ws.cell(row=i, column=3, value=plan.group(u.group).label if "Nhóm" in head[2] else u.group)
        ws.cell(row=i, column=4, value=u.level)
    wb.save(units)
    shown = click(path, "tao_so_tu_ke_hoach", plan_path=path, now=FIXED, workers=1)
    assert shown[0]["mode"] == "info", shown[0]["prompt"]
    master = tmp_path / "so-tong-hop.xlsx"
    templates = sorted((tmp_path / "Mẫu đơn vị").glob("*.xlsx"))
    assert master.is_file() and len(templates) == len(sample)
    assert f"và {len(sample)} tệp mẫu đơn vị" in shown[0]["prompt"]
    meta = {r[0]: r[1] for r in openpyxl.load_workbook(master)["_thidua"].iter_rows(values_only=True)}
    assert meta["tep_ke_hoach"] == "ke-hoach.xlsx"
    assert meta["dau_van_tay_ke_hoach"] == load_plan(path).fingerprint
    # the master's buttons find its plan: the workbook beside it
    from thidua.addin.workbook import load_plan_for
    assert load_plan_for("nui-thanh-dvc-2023", tmp_path, "ke-hoach.xlsx").source == str(path)


def test_tao_so_tu_ke_hoach_refuses_a_plan_with_problems(tmp_path):
    path = plan_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Số liệu"]["C3"] = "so demm"
    wb.save(path)
    shown = click(path, "tao_so_tu_ke_hoach", plan_path=path)
    assert "kế hoạch còn lỗi nên chưa tạo sổ" in shown[0]["prompt"]
    assert "Kiểm tra kế hoạch" in shown[0]["prompt"]
    assert not (tmp_path / "so-tong-hop.xlsx").exists()
