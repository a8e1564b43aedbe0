"""`thidua import-stats`: the portal's statistics export into the master."""
from pathlib import Path

import openpyxl

from thidua.cli import main
from thidua.consolidate.master_io import read_master
from thidua.engine import score
from thidua.plan import load_plan
from thidua.table import read_units
from thidua.units import read_unit_list
from thidua.workbook.master import write_master

SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"


def empty_master(tmp_path: Path):
    plan = load_plan("nui-thanh-dvc-2023")
    units = read_unit_list(SAMPLES / "nui-thanh-dvc-2023.csv", plan)
    records = [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group, "cap": u.level} for u in units]
    return plan, write_master(plan, records, tmp_path / "so-tong-hop.xlsx", backup=False)


def test_import_stats_fills_the_master_with_the_export(tmp_path, capsys):
    plan, master = empty_master(tmp_path)
    code = main(["import-stats", "nui-thanh-dvc-2023", str(SAMPLES / "nui-thanh-thong-ke.xlsx"),
                 "--master", str(master)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Khớp 29/29 đơn vị" in out and "Đã cập nhật sổ tổng hợp." in out
    got = score(plan, read_units(master, plan)).to_json()
    want = score(plan, read_units(SAMPLES / "nui-thanh-dvc-2023.csv", plan)).to_json()
    assert {u["code"]: u for u in got["units"]} == {u["code"]: u for u in want["units"]}
    assert list(tmp_path.glob("so-tong-hop.bak-*.xlsx"))  # the old master was kept


def test_unmatched_names_are_reported_and_nothing_else_is_lost(tmp_path, capsys):
    plan, master = empty_master(tmp_path)
    export = tmp_path / "thong-ke.xlsx"
    wb = openpyxl.load_workbook(SAMPLES / "nui-thanh-thong-ke.xlsx")
    ws = wb.worksheets[0]
    renamed = None
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "Tam Trà" in cell.value:
                cell.value = "UBND xã Trà Đốc"
                renamed = cell.coordinate
    wb.save(export)
    assert renamed
    main(["import-stats", "nui-thanh-dvc-2023", str(export), "--master", str(master),
          "--report", str(tmp_path / "r.csv")])
    out = capsys.readouterr().out
    assert "Khớp 28/29 đơn vị" in out
    assert "Trà Đốc" in out
    report = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "Trà Đốc" in report and renamed in report
    data = read_master(master, plan)
    assert "tong_giai_quyet" not in data.unit("XA17")  # never set to 0
    assert data.unit("XA01")["tong_giai_quyet"] == 2168


def test_the_wrong_file_gets_one_clear_message(tmp_path, capsys):
    """Review 5.2: not five near-identical errors pointing into the plan file."""
    _plan, master = empty_master(tmp_path)
    wrong = tmp_path / "ket-qua.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["STT", "Mã đơn vị", "Tên", "Tổng điểm"])
    wb.active.append([1, "XA01", "Xã Tam Xuân I", 70])
    wb.save(wrong)
    assert main(["import-stats", "nui-thanh-dvc-2023", str(wrong), "--master", str(master)]) == 2
    err = capsys.readouterr().err
    assert err.count("Lỗi:") == 1
    assert "tệp không giống tệp thống kê xuất từ Hệ thống" in err and "đúng tệp" in err
