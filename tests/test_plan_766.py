"""The sixth built-in plan, written only as a plan workbook, on real data: monthly ranking of
An Giang's communes and departments by the Bộ chỉ số 766 the national portal publishes.

The export (October 2025, public data) is read as it is: one sheet per level, the portal's
column codes, units matched by MA_COQUAN, numbers stored as text with "." as the decimal
point (declared in the plan). For every unit of the export the computed total equals its
TONG_SCORE; import → score → documents and generate → fill → consolidate both work.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from thidua.cli import main
from thidua.consolidate.portal import read_stats_export
from thidua.plan import builtin_ids, load_plan
from thidua.plan.load import BUILTIN_DIR
from thidua.units import read_unit_list

from tests.test_consolidate import send, setup_campaign

PLAN = "chi-so-766-2025"
SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"
EXPORT = SAMPLES / "chi-so-766-thang-10-2025.xlsx"
UNITS = SAMPLES / f"{PLAN}.csv"
COMPONENTS = {"CKMB": ("cong_khai_minh_bach", 18), "TDGQ": ("tien_do_giai_quyet", 20),
              "CLGQ": ("dich_vu_cong_truc_tuyen", 12), "TTTT": ("thanh_toan_truc_tuyen", 10),
              "MDHL": ("muc_do_hai_long", 18), "MDSH": ("so_hoa_ho_so", 22)}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def export_rows() -> dict[str, dict]:
    """MA_COQUAN → the export's row (text values), from the department and commune sheets."""
    wb = openpyxl.load_workbook(EXPORT, read_only=True)
    out = {}
    for sheet in ("Sở Ban", "Xã Phường"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        for r in rows[1:]:
            d = dict(zip(rows[0], r))
            out[d["MA_COQUAN"]] = d
    return out


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


def test_the_plan_is_written_only_as_a_workbook(plan):
    assert PLAN in builtin_ids()
    assert (BUILTIN_DIR / f"{PLAN}.xlsx").is_file()
    assert not list(BUILTIN_DIR.glob(f"{PLAN}.y*ml"))
    assert plan.source == f"{PLAN}.xlsx"
    assert plan.levels == ["tinh", "xa"]
    assert [(g.code, g.label, g.level) for g in plan.groups] == [
        ("so_ban_nganh", "Sở, ban, ngành", "tinh"), ("xa_phuong", "Xã, phường", "xa")]
    assert [(i.code, i.min, i.max) for i in plan.inputs] == [
        (code, 0, top) for code, top in COMPONENTS.values()]
    assert [i.max for i in plan.items] == [18, 20, 12, 10, 18, 22] and plan.total is None
    assert plan.total_max == 100
    assert len(plan.gates) == 1 and set(plan.gates[0].condition.names()) == {
        code for code, _ in COMPONENTS.values()}
    cls = plan.classification
    assert [(b.lo, b.hi, b.label) for b in cls.bands] == [
        (None, 50, "Yếu"), (50, 70, "Trung bình"), (70, 80, "Khá"), (80, 90, "Tốt"),
        (90, None, "Xuất sắc")]
    prizes = {ps.group: [(p.code, p.count, p.amount, p.condition_text) for p in ps.prizes]
              for ps in plan.prize_sets}
    assert prizes == {"xa_phuong": [("giay_khen", 3, 0, "tong_diem >= 90")],
                      "so_ban_nganh": [("giay_khen", 1, 0, "tong_diem >= 90")]}
    assert plan.settings["periods"] == "thang"


def test_the_plan_says_its_thresholds_and_commendations_are_an_example():
    wb = openpyxl.load_workbook(BUILTIN_DIR / f"{PLAN}.xlsx")
    texts = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
             for c in row if c]
    assert any("Kế hoạch mẫu: ngưỡng xếp loại và khen thưởng ở đây là ví dụ" in t
               and "sửa trực tiếp trong tệp Excel này" in t for t in texts)
    assert any("Ví dụ — sửa ngưỡng" in t for t in texts)


def test_stats_mapping_reads_the_export_as_it_is(plan):
    mapping = plan.stats_import
    assert mapping["sheets"] == {"tinh": "Sở Ban", "xa": "Xã Phường"}
    assert mapping["code_column"] == ["MA_COQUAN"] and mapping["decimal"] == "."
    assert {code: path[0] for code, path in mapping["columns"].items()} == {
        code: portal for portal, (code, _) in COMPONENTS.items()}


def test_every_unit_total_equals_the_portal_total(plan):
    """import → score: 117 units, each total equal to the export's TONG_SCORE."""
    from thidua.engine import score
    from thidua.consolidate.portal import to_rows
    import pandas as pd

    units = read_unit_list(UNITS, plan)
    imported = read_stats_export(EXPORT, plan, units)
    assert imported.problems == []
    assert len(imported.values) == 117
    assert {imported.unit_sheets[u.code] for u in units if u.level == "xa"} == {"Xã Phường"}
    frame = pd.DataFrame(to_rows(imported, units))
    result = score(plan, frame)
    rows = export_rows()
    totals = dict(zip(result.frame["ma_don_vi"], result.frame["tong_diem"]))
    assert len(totals) == 117
    for code, row in rows.items():
        assert totals[code] == pytest.approx(float(Decimal(row["TONG_SCORE"])), abs=1e-9), code
        for portal, (inp, _top) in COMPONENTS.items():
            assert imported.values[code][inp] == float(Decimal(row[portal]))
    assert result.frame["du_dieu_kien"].all()


def test_import_score_documents_end_to_end(tmp_path):
    master = tmp_path / "so-tong-hop.xlsx"
    code, out, err = run("generate", PLAN, "--units", str(UNITS), "--master", str(master))
    assert code == 0, err
    code, out, err = run("import-stats", PLAN, str(EXPORT), "--master", str(master))
    assert code == 0, err
    assert "Khớp 117/117 đơn vị với tệp thống kê; 0 lỗi, 0 cảnh báo." in out
    code, out, err = run("score", PLAN, str(master), "--json")
    assert code == 0, err
    units = {u["code"]: u for u in json.loads(out)["units"]}
    rows = export_rows()
    assert set(units) == set(rows)
    for code_, row in rows.items():
        assert units[code_]["total"] == pytest.approx(float(Decimal(row["TONG_SCORE"])), abs=1e-9)
    given = sorted((u["group"], u["code"]) for u in units.values() if u["prize"])
    best_communes = sorted((r for r in rows.values() if r["LOAI_COQUAN"] == "3"),
                           key=lambda r: -float(r["TONG_SCORE"]))[:3]
    best_department = max((r for r in rows.values() if r["LOAI_COQUAN"] == "2"),
                          key=lambda r: float(r["TONG_SCORE"]))
    assert given == sorted([("so_ban_nganh", best_department["MA_COQUAN"])]
                           + [("xa_phuong", r["MA_COQUAN"]) for r in best_communes])
    assert all(float(r["TONG_SCORE"]) >= 90 for r in best_communes)
    code, out, err = run("documents", PLAN, "--data", str(master), "--out", str(tmp_path / "vb"),
                         "--no-pdf")
    assert code == 0, err
    import docx

    text = "\n".join(p.text for p in docx.Document(tmp_path / "vb" /
                                                   "quyet-dinh-khen-thuong.docx").paragraphs)
    table = "\n".join(c.text for t in docx.Document(tmp_path / "vb" / "quyet-dinh-khen-thuong.docx")
                      .tables for r in t.rows for c in r.cells)
    assert "Giấy khen" in text and "Nghị định số 152/2025/NĐ-CP" in text
    assert "ỦY BAN NHÂN DÂN TỈNH AN GIANG" in text
    for r in best_communes:  # «UBND xã Đông Thái - tỉnh An Giang»: the place name is in the list
        place = unicodedata.normalize("NFC", r["TEN_COQUAN"]).replace(" - tỉnh An Giang", "")
        place = place.split(" ", 2)[2]
        assert place in table


def test_classification_of_each_unit(plan):
    from thidua.plan.check import _class_label
    import pandas as pd

    def label(total: float) -> str:
        return _class_label(plan, pd.Series({"tong_diem": total}))

    assert [label(x) for x in (93.75, 90, 89.99, 80, 78.03, 70, 63.01, 50, 30.21)] == [
        "Xuất sắc", "Xuất sắc", "Tốt", "Tốt", "Khá", "Khá", "Trung bình", "Trung bình", "Yếu"]


def test_a_decimal_point_is_never_read_as_a_thousands_separator(plan, tmp_path):
    """«17.125» is 17,125 points because the mapping declares "." — never 17125."""
    wb = openpyxl.load_workbook(EXPORT)
    ws = wb["Xã Phường"]
    head = [c.value for c in ws[1]]
    ws.cell(row=2, column=head.index("CKMB") + 1, value="17.125")
    code = ws.cell(row=2, column=head.index("MA_COQUAN") + 1).value
    path = tmp_path / "xuat.xlsx"
    wb.save(path)
    units = read_unit_list(UNITS, plan)
    got = read_stats_export(path, plan, units)
    assert got.problems == [] and got.values[code]["cong_khai_minh_bach"] == 17.125
    # without the declaration the usual Vietnamese reading takes «17.125» for 17125: refused
    undeclared = dataclasses.replace(plan, stats_import={
        k: v for k, v in plan.stats_import.items() if k != "decimal"})
    got = read_stats_export(path, undeclared, units)
    assert any("17.125" in p.message and "ngoài khoảng" in p.message for p in got.problems)


def test_a_unit_missing_from_its_level_sheet_is_named(plan, tmp_path):
    wb = openpyxl.load_workbook(EXPORT)
    ws = wb["Sở Ban"]
    ws.delete_rows(3)  # a department
    path = tmp_path / "thieu.xlsx"
    wb.save(path)
    got = read_stats_export(path, plan, read_unit_list(UNITS, plan))
    missing = [p for p in got.problems if "không có trong tệp thống kê" in p.message]
    assert len(missing) == 1 and "(trang «Sở Ban»)" in missing[0].message
    wb = openpyxl.load_workbook(EXPORT)
    wb["Xã Phường"].title = "Xa"
    path = tmp_path / "khong-trang.xlsx"
    wb.save(path)
    from thidua.errors import InputError
    with pytest.raises(InputError) as info:
        read_stats_export(path, plan, read_unit_list(UNITS, plan))
    assert "không có trang «Xã Phường» (stats_import.sheets.xa)" in str(info.value)
    assert "trang «Nhập thống kê»" in str(info.value)


def test_generate_fill_consolidate_for_units_that_report_their_own_figures(tmp_path):
    from thidua.consolidate.collect import consolidate
    from thidua.data import load_data
    from thidua.engine import score

    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    reporting = ["H01.13", "H01.04", "H01.187", "H01.174", "H01.113", "H01.188"]
    send(templates, inbox, plan, figures, reporting)
    outcome = consolidate(plan, inbox, master, backup=False)
    assert not [i for i in outcome.issues if i.code not in ("chua_gui",)], outcome.issues
    data = load_data(plan, master)
    result = score(plan, data.table, year=data.year)
    totals = dict(zip(result.frame["ma_don_vi"], result.frame["tong_diem"]))
    rows = export_rows()
    for code in reporting:
        assert totals[code] == pytest.approx(float(Decimal(rows[code]["TONG_SCORE"])), abs=1e-9)
    eligible = dict(zip(result.frame["ma_don_vi"], result.frame["du_dieu_kien"]))
    assert eligible["H01.187"] and not eligible["H01.10"]  # H01.10 sent nothing: not ranked


def test_consolidation_reports_templates_made_before_the_plan_was_changed(tmp_path):
    from thidua.consolidate.collect import consolidate
    from thidua.plan.xlsxwrite import write_workbook
    from thidua.plan.load import load_raw

    book = tmp_path / "ke-hoach.xlsx"
    raw, _ = load_raw(PLAN)
    write_workbook(raw, book, backup=False)
    plan, units, master, templates, inbox, figures = (None,) * 6
    from thidua.units import read_unit_list as rul
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.master import write_master

    plan = load_plan(book)
    units = rul(UNITS, plan)[:3]
    records = [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group, "cap": u.level}
               for u in units]
    master = write_master(plan, records, tmp_path / "so.xlsx", backup=False)
    paths = generate_templates(plan, units, tmp_path / "mau", workers=1, backup=False)
    # the office edits the plan workbook afterwards (a threshold), keeping the version
    wb = openpyxl.load_workbook(book)
    wb["Xếp loại"]["B6"] = 91
    wb["Xếp loại"]["C5"] = 91
    wb.save(book)
    changed = load_plan(book)
    assert changed.fingerprint != plan.fingerprint and changed.version == plan.version
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    import shutil
    shutil.copy(paths[0], inbox / paths[0].name)
    outcome = consolidate(changed, inbox, master, backup=False)
    flagged = [i for i in outcome.issues if i.code == "ke_hoach_thay_doi"]
    assert len(flagged) == 1
    assert "ke-hoach.xlsx" in flagged[0].message and "tăng «Phiên bản»" in flagged[0].message
