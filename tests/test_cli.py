"""The command line, driven as a user would: real files in, text/JSON/xlsx out."""
import csv
import json
import subprocess
import sys
import unicodedata

import openpyxl
import pytest

from thidua.cli import main
from thidua.demo import sample_path
from thidua.plan import builtin_ids

SEEDS = ["hoa-thanh-cchc-2018", "nui-thanh-dvc-2023", "quang-nam-dvc-2023",
         "vu-ban-cchc-2023", "xuan-thanh-mot-cua-2021"]
WORKBOOK_PLANS = ["chi-so-766-2025"]  # built-in plans written only as a plan workbook


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_builtin_plans_are_the_five_seeds_and_the_766_workbook():
    assert builtin_ids() == sorted(SEEDS + WORKBOOK_PLANS)


def test_plans_lists_every_seed(capsys):
    code, out, _ = run(capsys, "plans")
    assert code == 0
    for plan_id in SEEDS:
        assert plan_id in out
    assert "chấm điểm" in out and "chỉ tiêu" in out


def test_check_plan_accepts_a_good_file(capsys, tmp_path):
    code, out, _ = run(capsys, "check-plan", "nui-thanh-dvc-2023")
    assert code == 0
    assert out.startswith("Kế hoạch hợp lệ: nui-thanh-dvc-2023 (phiên bản 1)")
    assert "8 giải" in out


def test_check_plan_reports_errors_with_line_on_stderr(capsys, tmp_path):
    bad = tmp_path / "ke-hoach.yaml"
    bad.write_text("id: thu\ntitle: Thử\ninputs:\n  - {code: a, type: number, label: A}\n"
                   "criteria:\n  - id: '1'\n    label: X\n    rule: {kind: band, of: a}\n",
                   encoding="utf-8")
    code, out, err = run(capsys, "check-plan", str(bad))
    assert code == 2 and out == ""
    assert f"Lỗi: {bad}, dòng 8: tiêu chí 1: loại quy tắc «band» không tồn tại" in err
    assert "có phải ý bạn là «bands»?" in err
    assert "dòng 6: tiêu chí 1 thiếu «max» (điểm chuẩn)" in err


def test_score_json_is_exactly_the_documented_object(capsys):
    code, out, err = run(capsys, "score", "nui-thanh-dvc-2023",
                         str(sample_path("nui-thanh-dvc-2023")), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"plan", "units", "vacant", "ties"}
    assert data["plan"] == "nui-thanh-dvc-2023"
    for unit in data["units"]:
        assert set(unit) == {"code", "name", "group", "total", "eligible", "reasons", "rank",
                             "prize", "amount"}
        assert unit["prize"] in (None, "nhat", "nhi", "ba", "kk")
        assert isinstance(unit["amount"], int)
        assert (unit["rank"] is None) == (not unit["eligible"])
    by = {u["code"]: u for u in data["units"]}
    assert by["XA17"]["eligible"]  # exactly 65 %
    assert not by["XA14"]["eligible"]  # 64 %
    assert by["CQ11"]["reasons"][0] == "Không phát sinh hồ sơ"
    assert data["ties"] == [{"group": "xa", "prizes": ["ba", "kk"], "units": ["XA11", "XA12"]}]
    assert unicodedata.is_normalized("NFC", out)


def test_score_prints_a_vietnamese_summary(capsys):
    code, out, _ = run(capsys, "score", "hoa-thanh-cchc-2018", str(sample_path("hoa-thanh-cchc-2018")))
    assert code == 0
    assert "Thị trấn Hòa Thành" in out and "Giải Nhất" in out
    assert "Tổng tiền thưởng:" in out


@pytest.mark.parametrize("plan_id", SEEDS)
def test_score_writes_a_results_workbook(capsys, tmp_path, plan_id):
    out_file = tmp_path / "kết quả.xlsx"
    code, out, err = run(capsys, "score", plan_id, str(sample_path(plan_id)), "--out", str(out_file))
    assert code == 0, err
    assert f"Đã ghi sổ kết quả: {out_file}" in out
    wb = openpyxl.load_workbook(out_file, read_only=True)
    assert "Kết quả" in wb.sheetnames and "Khen thưởng" in wb.sheetnames


def test_year_option_switches_targets(capsys):
    data = str(sample_path("xuan-thanh-mot-cua-2021"))
    _, a, _ = run(capsys, "score", "xuan-thanh-mot-cua-2021", data, "--year", "2021", "--json")
    _, b, _ = run(capsys, "score", "xuan-thanh-mot-cua-2021", data, "--year", "2025", "--json")
    totals_2021 = [u["total"] for u in json.loads(a)["units"]]
    totals_2025 = [u["total"] for u in json.loads(b)["units"]]
    assert totals_2021 != totals_2025


def test_bad_data_exits_2_naming_row_column_and_value(capsys, tmp_path):
    data = tmp_path / "so-lieu.csv"
    data.write_text("ma_don_vi,ten_don_vi,nhom,cap,tong_giai_quyet,truc_tuyen_giai_quyet,"
                    "truc_tuyen_dung_han,tre_han\nX1,Xã A,xa,xa,1.000,800,780,4\n"
                    "X2,Xã B,xa,xa,12a,800,780,4\n", encoding="utf-8")
    code, out, err = run(capsys, "score", "nui-thanh-dvc-2023", str(data), "--json")
    assert code == 2 and out == ""
    assert "dòng 3" in err and "«12a»" in err and "tong_giai_quyet" in err


def test_unknown_plan_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "score", "khong-co", "x.csv")
    assert code == 2
    assert "không có kế hoạch dựng sẵn «khong-co»" in err


def test_argparse_messages_are_vietnamese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "lỗi: thiếu tham số bắt buộc" in err and "Cách dùng:" in err


def test_console_entry_point_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "thidua", "plans"], capture_output=True,
                          text=True, encoding="utf-8")
    assert proc.returncode == 0 and "nui-thanh-dvc-2023" in proc.stdout


def test_year_outside_the_plan_is_an_error(capsys):
    code, out, err = run(capsys, "score", "xuan-thanh-mot-cua-2021",
                         str(sample_path("xuan-thanh-mot-cua-2021")), "--year", "20225")
    assert code == 2 and out == ""
    assert "năm 20225 nằm ngoài thời gian của kế hoạch «xuan-thanh-mot-cua-2021» (2021–2026)" in err


def test_data_with_several_years_asks_for_one(capsys, tmp_path):
    with open(sample_path("xuan-thanh-mot-cua-2021"), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("nam")] = "2022"
    data = tmp_path / "nhieu-nam.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    code, _, err = run(capsys, "score", "xuan-thanh-mot-cua-2021", str(data))
    assert code == 2
    assert "bảng số liệu có nhiều năm (2022, 2023) trong cột «nam»" in err
    code, out, _ = run(capsys, "score", "xuan-thanh-mot-cua-2021", str(data), "--year", "2023", "--json")
    assert code == 0 and json.loads(out)["plan"] == "xuan-thanh-mot-cua-2021"


def test_units_template_then_generate_templates(capsys, tmp_path):
    out = tmp_path / "danh sách.xlsx"
    code, text, err = run(capsys, "units-template", "nui-thanh-dvc-2023", "--out", str(out))
    assert code == 0, err
    assert f"Đã ghi mẫu danh sách đơn vị: {out}" in text
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    header = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "Mã đơn vị")
    assert header[:4] == ("Mã đơn vị", "Tên đơn vị", "Nhóm", "Cấp")
    ws.append(["XA01", "Xã Tam Xuân I", "Nhóm 2 — UBND các xã, thị trấn", "Cấp xã"])
    ws.append(["CQ01", "Phòng Nội vụ", "co_quan", "huyen"])
    wb.save(out)
    folder = tmp_path / "mẫu"
    code, text, err = run(capsys, "generate", "nui-thanh-dvc-2023", "--units", str(out),
                          "--out", str(folder))
    assert code == 0, err
    assert "Đã tạo 2 tệp mẫu đơn vị" in text
    names = sorted(p.name for p in folder.glob("*.xlsx"))
    assert names == ["CQ01-phong-noi-vu.xlsx", "XA01-xa-tam-xuan-i.xlsx"]
    unit = openpyxl.load_workbook(folder / "XA01-xa-tam-xuan-i.xlsx")
    assert unit["Nhập liệu"]["B5"].value == "Xã Tam Xuân I"
    assert unit["Nhập liệu"]["B7"].value == "Nhóm 2 — UBND các xã, thị trấn"
    meta = unit["_thidua"]
    assert unit["_thidua"].sheet_state == "veryHidden"
    assert {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, 6)}["ma_don_vi"] == "XA01"


def test_generate_backs_up_a_template_that_is_already_there(capsys, tmp_path):
    units = str(sample_path("hoa-thanh-cchc-2018"))
    folder = tmp_path / "mau"
    assert run(capsys, "generate", "hoa-thanh-cchc-2018", "--units", units, "--out", str(folder))[0] == 0
    filled = folder / "PNV-phong-noi-vu.xlsx"
    filled.write_bytes(b"du lieu cua don vi")
    assert run(capsys, "generate", "hoa-thanh-cchc-2018", "--units", units, "--out", str(folder))[0] == 0
    backups = list(folder.glob("PNV-phong-noi-vu.bak-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"du lieu cua don vi"


def test_generate_needs_out_or_master(capsys):
    code, _, err = run(capsys, "generate", "nui-thanh-dvc-2023", "--units",
                       str(sample_path("nui-thanh-dvc-2023")))
    assert code == 2 and "cần ít nhất một trong hai" in err


def test_generate_reports_bad_unit_list_with_cells(capsys, tmp_path):
    bad = tmp_path / "ds.csv"
    bad.write_text("ma_don_vi,ten_don_vi,nhom,cap\nA1,Xã A,xa,xa\nA1,Xã B,khong_co,xa\n", encoding="utf-8")
    code, _, err = run(capsys, "generate", "nui-thanh-dvc-2023", "--units", str(bad), "--out",
                       str(tmp_path / "o"))
    assert code == 2
    assert "bị trùng" in err and "khong_co" in err


def test_summary_never_cuts_a_name_mid_word():
    from thidua.output.summary import short_name
    name = "Văn phòng Điều phối Chương trình mục tiêu quốc gia xây dựng nông thôn mới"
    cut = short_name(name)
    assert len(cut) <= 40 and cut.endswith("…")
    assert name.startswith(cut[:-1]) and name[len(cut) - 1] == " "  # ends after a whole word
    assert short_name("Xã Tam Xuân I") == "Xã Tam Xuân I"


def test_explanations_are_made_only_for_what_shows_them(capsys, monkeypatch, tmp_path):
    """A summary or JSON never builds every unit's explanation; the results workbook does,
    and the explanations it shows are the ones scoring gives."""
    import thidua.engine

    made = []

    class Counted(thidua.engine.Context):  # what every explainer writes numbers with
        def numbers(self, values, *args, **kwargs):
            made.append(len(values))
            return super().numbers(values, *args, **kwargs)

    monkeypatch.setattr(thidua.engine, "Context", Counted)
    data = str(sample_path("nui-thanh-dvc-2023"))
    assert run(capsys, "score", "nui-thanh-dvc-2023", data)[0] == 0
    assert run(capsys, "score", "nui-thanh-dvc-2023", data, "--json")[0] == 0
    assert made == []
    out = tmp_path / "ket-qua.xlsx"
    assert run(capsys, "score", "nui-thanh-dvc-2023", data, "--out", str(out))[0] == 0
    assert made
    from thidua.data import load_data
    from thidua.engine import score
    from thidua.plan import load_plan

    plan = load_plan("nui-thanh-dvc-2023")
    shown = score(plan, load_data(plan, data).table).explanation_columns
    texts = {c.value for ws in openpyxl.load_workbook(out).worksheets for row in ws.iter_rows()
             for c in row if isinstance(c.value, str)}
    item = plan.items[0].code
    assert shown[item][0] and shown[item][0] in texts
