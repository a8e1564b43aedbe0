"""Plans written in Excel (issue 10): a second front end to the same plan model.

Round trip: every built-in plan exported to a plan workbook and read back is an
equal plan (the model, not the text), scores every sample unit the same, and
makes templates and a master with the same formulas. Errors name the sheet and
the cell, all at once, with «có phải ý bạn là …?»; cells typed with stray
spaces, NFD text or full-width symbols are read as meant.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from thidua.cli import main
from thidua.engine import score
from thidua.errors import PlanError
from thidua.plan import builtin_ids, load_plan
from thidua.plan.load import load_raw
from thidua.plan.snapshot import snapshot
from thidua.plan.xlsxwrite import write_workbook
from thidua.table import read_units

FIXED = dt.datetime(2026, 1, 2, 3, 4, 5)
YAML_PLANS = [p for p in builtin_ids() if (Path(load_plan(p).source).suffix == ".yaml")]


def export(plan_id: str, folder: Path) -> Path:
    raw, _name = load_raw(plan_id)
    return write_workbook(raw, folder / f"{plan_id}.xlsx", backup=False, now=FIXED)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def problems_of(path: Path) -> list:
    with pytest.raises(PlanError) as info:
        load_plan(path)
    for p in info.value.problems:
        assert unicodedata.is_normalized("NFC", str(p)) and "Traceback" not in str(p)
    return info.value.problems


def one(problems: list, needle: str):
    hits = [p for p in problems if needle in p.message]
    assert len(hits) == 1, [str(p) for p in problems]
    return hits[0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ke-hoach")
    return {plan_id: export(plan_id, folder) for plan_id in YAML_PLANS}


# ==================================================================== round trip
def test_five_yaml_plans_are_built_in():
    assert len(YAML_PLANS) == 5


@pytest.mark.parametrize("plan_id", YAML_PLANS)
def test_export_then_read_gives_an_equal_plan(plan_id, exported):
    original, again = load_plan(plan_id), load_plan(exported[plan_id])
    assert again.source == str(exported[plan_id])
    assert snapshot(again) == snapshot(original)


@pytest.mark.parametrize("plan_id", YAML_PLANS)
def test_same_scores_on_the_sample(plan_id, exported):
    from thidua.demo import sample_path

    original, again = load_plan(plan_id), load_plan(exported[plan_id])
    a = score(original, read_units(sample_path(plan_id), original))
    b = score(again, read_units(sample_path(plan_id), again))
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.explanations, b.explanations)
    assert a.vacant == b.vacant and a.ties == b.ties


def _cells(path: Path) -> dict:
    """Every cell of every sheet (formulas as text), leaving out where the plan came from."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out[(ws.title, c.coordinate)] = c.value
    skip = {"tep_ke_hoach", "dau_van_tay_ke_hoach"}
    return {k: v for k, v in out.items()
            if not (k[0] == "_thidua" and (v in skip or out.get((k[0], "A" + k[1][1:])) in skip))}


@pytest.mark.parametrize("plan_id", YAML_PLANS)
def test_same_templates_and_master(plan_id, exported, tmp_path):
    from thidua.demo import master_units, sample_path
    from thidua.units import read_unit_list
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.master import write_master

    outputs = {}
    for name, plan in (("yaml", load_plan(plan_id)), ("xlsx", load_plan(exported[plan_id]))):
        units = read_unit_list(sample_path(plan_id), plan)[:3]
        paths = generate_templates(plan, units, tmp_path / name, now=FIXED, workers=1,
                                   backup=False)
        table = read_units(sample_path(plan_id), plan)
        master = write_master(plan, master_units(plan, table.frame), tmp_path / name / "so.xlsx",
                              backup=False, now=FIXED)
        outputs[name] = [_cells(p) for p in paths] + [_cells(master)]
    assert outputs["yaml"] == outputs["xlsx"]
    formulas = [v for v in outputs["xlsx"][-1].values() if isinstance(v, str) and v.startswith("=")]
    assert len(formulas) > 20


@pytest.mark.parametrize("plan_id", YAML_PLANS)
def test_import_writes_yaml_that_reads_as_the_same_plan(plan_id, exported, tmp_path):
    out = tmp_path / "kh.yaml"
    code, text, err = run("plan", "import", str(exported[plan_id]), "--out", str(out))
    assert code == 0, err
    assert "Đã chuyển kế hoạch" in text
    assert snapshot(load_plan(out)) == snapshot(load_plan(plan_id))


def test_export_command_and_every_command_takes_a_plan_workbook(tmp_path):
    from thidua.demo import sample_path

    book = tmp_path / "ke-hoach.xlsx"
    code, text, err = run("plan", "export", "nui-thanh-dvc-2023", "--out", str(book))
    assert code == 0, err and "Đã xuất" in text
    sample = str(sample_path("nui-thanh-dvc-2023"))
    _, by_id, _ = run("score", "nui-thanh-dvc-2023", sample, "--json")
    code, by_book, err = run("score", str(book), sample, "--json")
    assert code == 0, err
    assert json.loads(by_book) == json.loads(by_id)
    code, text, err = run("check-plan", str(book))
    assert code == 0 and "Kế hoạch hợp lệ: nui-thanh-dvc-2023" in text
    code, text, err = run("units-template", str(book), "--out", str(tmp_path / "dv.xlsx"))
    assert code == 0, err
    code, text, err = run("generate", str(book), "--units", sample, "--out",
                          str(tmp_path / "mau"), "--master", str(tmp_path / "so.xlsx"))
    assert code == 0, err
    meta = {r[0]: r[1] for r in openpyxl.load_workbook(tmp_path / "so.xlsx")["_thidua"]
            .iter_rows(values_only=True)}
    assert meta["tep_ke_hoach"] == "ke-hoach.xlsx"
    assert meta["dau_van_tay_ke_hoach"] == load_plan(book).fingerprint
    code, text, err = run("documents", str(book), "--data", sample, "--out",
                          str(tmp_path / "vb"), "--no-pdf")
    assert code == 0, err


def test_fingerprint_is_stable_for_the_same_file_and_changes_with_its_content(exported, tmp_path):
    path = exported["hoa-thanh-cchc-2018"]
    assert load_plan(path).fingerprint == load_plan(path).fingerprint
    assert len(load_plan(path).fingerprint) == 16
    wb = openpyxl.load_workbook(path)
    ws = wb["Tiêu chí"]
    ws["D2"] = "Nội dung tiêu chí 1.1 đã sửa"
    changed = tmp_path / "sua.xlsx"
    wb.save(changed)
    assert load_plan(changed).fingerprint != load_plan(path).fingerprint


# ==================================================================== plan new
@pytest.mark.parametrize("kind", ["diem", "chi-tieu"])
def test_plan_new_is_a_valid_plan_with_an_example_of_every_rule_kind(kind, tmp_path):
    out = tmp_path / "ke-hoach.xlsx"
    code, text, err = run("plan", "new", "--out", str(out), "--kind", kind)
    assert code == 0, err
    plan = load_plan(out)
    if kind == "diem":
        kinds = {i.rule.kind for i in plan.items} | {v.rule.kind for v in plan.values}
        from thidua.rules import KINDS
        assert kinds == set(KINDS)
        assert {i.role for i in plan.items} == {"score", "bonus", "deduction"}
        assert plan.classification is not None and plan.checks and plan.stats_import
    else:
        assert plan.is_checklist and any(i.parts for i in plan.indicators)
        targets = [i.target for i in plan.indicators if i.target is not None]
        assert any(t.by_level for t in targets) and any(t.by_year for t in targets)
        assert any(t.expr is not None for t in targets)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Hướng dẫn" and wb.active.title == "Kế hoạch"
    assert wb["_thidua"].sheet_state == "veryHidden"
    # drop-downs for the closed choices, and for the input codes
    inputs = wb["Số liệu"]
    lists = [dv.formula1 for dv in inputs.data_validations.dataValidation]
    assert any("số đếm" in f and "tỷ lệ %" in f for f in lists)
    sheet = wb["Tiêu chí"]
    lists = [dv.formula1 for dv in sheet.data_validations.dataValidation]
    assert any("'Số liệu'!$A$2" in f for f in lists)
    if kind == "diem":
        assert any("thang bậc" in f and "trừ theo số lần" in f for f in lists)
        assert any('"cộng,thưởng,trừ"' == f for f in lists)
    guide = [c for row in wb["Hướng dẫn"].iter_rows(values_only=True) for c in row if c]
    assert "Điểm tối đa" in guide or kind != "diem"
    assert "Mục tiêu" in guide or kind == "diem"


# ==================================================================== tolerance
def test_cells_with_stray_spaces_nfd_and_full_width_symbols_read_as_meant(exported, tmp_path):
    path = exported["hoa-thanh-cchc-2018"]
    wb = openpyxl.load_workbook(path)
    ws = wb["Tiêu chí"]
    head = {c.value: c.column_letter for c in ws[1]}
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    # criterion 1.2 (row 3): bands written the document's way, full-width, one per line
    ws[f"{head['Điểm']}3"] = "＞＝ ５ → 10\n[3,  5) -> 8\n[1, 3) ⇒ 6\n< 1 — > 0".replace("— >", "→")
    ws[f"{head['Cách tính']}3"] = nfd("  Thang  bậc ")
    ws[f"{head['Loại điểm']}3"] = nfd("CỘNG")
    ws[f"{head['STT']}3"] = " 1.2 "
    ws[f"{head['Tính trên']}3"] = "\u00a0ty_le_truoc_han "
    wb["Số liệu"]["C3"] = nfd("tỷ lệ %")
    wb["Kế hoạch"]["A4"] = nfd(" tên  kế hoạch ")
    changed = tmp_path / "lech.xlsx"
    wb.save(changed)
    assert snapshot(load_plan(changed)) == snapshot(load_plan("hoa-thanh-cchc-2018"))


def test_bands_in_one_row_each_and_a_heading_row(exported, tmp_path):
    wb = openpyxl.load_workbook(exported["hoa-thanh-cchc-2018"])
    ws = wb["Tiêu chí"]
    head = {c.value: c.column_letter for c in ws[1]}
    ws[f"{head['Điểm']}3"] = "≥ 5 → 10"
    ws.insert_rows(4, 3)  # the other bands of 1.2 on rows of their own (no STT)
    for r, band in zip((4, 5, 6), ("[3, 5) → 8", "[1, 3) → 6", "dưới 1 → 0")):
        ws[f"{head['Điểm']}{r}"] = band
    changed = tmp_path / "bac.xlsx"
    wb.save(changed)
    assert snapshot(load_plan(changed)) == snapshot(load_plan("hoa-thanh-cchc-2018"))


# ==================================================================== errors
def test_every_problem_at_once_with_sheet_cell_and_did_you_mean(exported, tmp_path):
    wb = openpyxl.load_workbook(exported["nui-thanh-dvc-2023"])
    crit = wb["Tiêu chí"]
    head = {c.value: c.column_letter for c in crit[1]}
    crit[f"{head['Điểm tối đa']}2"] = "100 điểm"
    crit[f"{head['Cách tính']}3"] = "theo so luongg"
    wb["Điều kiện"]["A3"] = "ty_le_truc_tuyenn >= 65"
    wb["Số liệu"]["C2"] = "so dem x"
    wb["Số liệu"]["K1"] = "Đơn vị tínhh"
    wb["Số liệu"]["K2"] = "hồ sơ"
    wb["Giải thưởng"]["D2"] = "3.500.000 đồng"  # tolerated: read as 3500000
    wb["Nhập thống kê"]["A3"] = "Cột tên đơn vịx"
    wb["Kế hoạch"]["B9"] = "chấm điểmm"
    path = tmp_path / "loi.xlsx"
    wb.save(path)
    found = problems_of(path)
    p = one(found, "«100 điểm» không phải là số")
    assert (p.sheet, p.cell) == ("Tiêu chí", f"{head['Điểm tối đa']}2")
    assert p.hint.startswith("viết số")
    p = one(found, "«theo so luongg» không có trong danh sách cách tính")
    assert p.cell == f"{head['Cách tính']}3" and "có phải ý bạn là «theo số lượng»?" in p.hint
    p = one(found, "mã «ty_le_truc_tuyenn» chưa được khai báo")
    assert (p.sheet, p.cell) == ("Điều kiện", "A3")
    assert "có phải ý bạn là «ty_le_truc_tuyen»?" in p.hint
    p = one(found, "«so dem x» không có trong danh sách kiểu số liệu")
    assert (p.sheet, p.cell) == ("Số liệu", "C2")
    p = one(found, "cột «Đơn vị tínhh» không dùng được")
    assert p.cell == "K1" and "có phải ý bạn là «Đơn vị tính»?" in p.hint
    p = one(found, "mục «Cột tên đơn vịx» không dùng được")
    assert (p.sheet, p.cell) == ("Nhập thống kê", "A3")
    p = one(found, "«chấm điểmm» không có trong danh sách loại kế hoạch")
    assert p.cell == "B9" and "«chấm điểm»" in p.hint
    assert all(p.sheet and p.cell and p.line is None for p in found)
    # the builder's messages speak the workbook's words, never YAML keys
    for p in found:
        assert "«max»" not in str(p) and "«rule»" not in str(p) and "«inputs»" not in str(p)
    assert len({(p.sheet, p.cell) for p in found}) == len(found)


def test_builder_messages_use_headers(exported, tmp_path):
    wb = openpyxl.load_workbook(exported["hoa-thanh-cchc-2018"])
    crit = wb["Tiêu chí"]
    head = {c.value: c.column_letter for c in crit[1]}
    crit[f"{head['Điểm tối đa']}2"] = None
    crit[f"{head['Điểm tối đa']}3"] = 12  # bands give at most 10 … fine; the sum check is later
    path = tmp_path / "thieu.xlsx"
    wb.save(path)
    found = problems_of(path)
    p = one(found, "tiêu chí 1.1 thiếu «Điểm tối đa»")
    assert p.sheet == "Tiêu chí" and p.cell.startswith("A")
    assert "cột «Điểm tối đa»" in p.hint


def test_a_rule_column_the_kind_does_not_use(exported, tmp_path):
    wb = openpyxl.load_workbook(exported["hoa-thanh-cchc-2018"])
    crit = wb["Tiêu chí"]
    head = {c.value: c.column_letter for c in crit[1]}
    crit[f"{head['Tối đa']}4"] = 3  # criterion 2 is «có/không»
    path = tmp_path / "cot.xlsx"
    wb.save(path)
    p = one(problems_of(path), "cách tính «có/không» không dùng cột «Tối đa»")
    assert p.cell == f"{head['Tối đa']}4" and "«Tính trên», «Điểm»" in p.hint


def test_a_plan_workbook_from_a_newer_thidua_says_so(exported, tmp_path):
    wb = openpyxl.load_workbook(exported["nui-thanh-dvc-2023"])
    meta = wb["_thidua"]
    for row in meta.iter_rows():
        if row[0].value == "dinh_dang":
            row[1].value = 99
        if row[0].value == "phien_ban_thidua":
            row[1].value = "9.0"
    path = tmp_path / "moi.xlsx"
    wb.save(path)
    p = problems_of(path)[0]
    assert "được tạo bằng thidua 9.0 (định dạng 99), mới hơn" in p.message
    assert "cập nhật thidua" in p.hint


def test_a_master_given_as_plan_is_named_for_what_it_is(tmp_path):
    from thidua.workbook.master import write_master

    plan = load_plan("nui-thanh-dvc-2023")
    master = write_master(plan, [], tmp_path / "so.xlsx", backup=False, now=FIXED)
    code, _out, err = run("check-plan", str(master))
    assert code == 2 and "sổ tổng hợp do thidua tạo, không phải tệp kế hoạch" in err


def test_check_plan_mark_writes_a_copy_with_faulty_cells_and_an_error_sheet(exported, tmp_path):
    wb = openpyxl.load_workbook(exported["hoa-thanh-cchc-2018"])
    crit = wb["Tiêu chí"]
    head = {c.value: c.column_letter for c in crit[1]}
    crit[f"{head['Điểm']}2"] = "≥ 100 → 10; [95,100) → 8"
    wb["Số liệu"]["C4"] = "co-khong-x"
    path = tmp_path / "ke-hoach.xlsx"
    wb.save(path)
    code, _out, err = run("check-plan", str(path), "--mark")
    assert code == 2
    marked = tmp_path / "ke-hoach-loi.xlsx"
    assert f"Đã ghi bản đánh dấu 2 lỗi" in err and str(marked) in err
    out = openpyxl.load_workbook(marked)
    assert out.sheetnames[0] == "Lỗi"
    rows = list(out["Lỗi"].iter_rows(values_only=True))
    assert rows[0] == ("STT", "Trang", "Ô", "Lỗi", "Cách sửa")
    assert {(r[1], r[2]) for r in rows[1:]} == {("Tiêu chí", f"{head['Điểm']}2"), ("Số liệu", "C4")}
    cell = out["Tiêu chí"][f"{head['Điểm']}2"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "[95,100)" in cell.comment.text
    assert out["Số liệu"]["C4"].fill.fgColor.rgb.endswith("FFC7CE")
    # the original is untouched
    assert "Lỗi" not in openpyxl.load_workbook(path).sheetnames


def test_check_plan_prints_the_maximum_and_warns(exported, tmp_path):
    code, text, _ = run("check-plan", "hoa-thanh-cchc-2018")
    assert code == 0 and "Tổng điểm tối đa 104 = 100 + 4 điểm thưởng" in text
    wb = openpyxl.load_workbook(exported["hoa-thanh-cchc-2018"])
    prizes = wb["Giải thưởng"]
    prizes["F2"] = "tong_diem >= 105 and so_bien_ban_nhac_nho < 2"
    path = tmp_path / "canh-bao.xlsx"
    wb.save(path)
    code, text, _ = run("check-plan", str(path))
    assert code == 0
    assert ("Cảnh báo: Giải Nhất (Các cơ quan, đơn vị, UBND xã, thị trấn) không đơn vị nào đạt "
            "được: điều kiện «tong_diem >= 105 and so_bien_ban_nhac_nho < 2» cần tổng điểm 105, "
            "cao hơn mức tối đa 104.") in text
    code, text, _ = run("check-plan", "nui-thanh-dvc-2023")
    assert "theo công thức «diem_ty_le * he_so - diem_tru»" in text


def test_check_plan_try_scores_a_few_units_with_explanations(exported):
    from thidua.demo import sample_path

    code, text, err = run("check-plan", str(exported["hoa-thanh-cchc-2018"]), "--try",
                          str(sample_path("hoa-thanh-cchc-2018")), "--units", "2")
    assert code == 0, err
    assert "Chấm thử 2/" in text
    assert text.count("\n• ") == 2
    assert "→ bậc" in text and "Tổng điểm:" in text
