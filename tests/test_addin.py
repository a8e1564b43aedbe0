"""The add-in's buttons, driven as Excel drives them but without Excel.

Each test builds the payload xlwings' VBA client sends (``payload_from_xlsx``
on a real master), hands it to xlwings' remote engine (``xlwings.Book(json=…)``),
runs the button through ``run_button`` and replays the returned actions on the
file (``apply_actions``). The remote engine is xlwings PRO code under the
PolyForm Noncommercial licence, which permits use by government institutions.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # before xlwings is imported

import openpyxl  # noqa: E402
import pytest  # noqa: E402
import xlwings as xw  # noqa: E402

from thidua.addin import BUTTONS, XLWINGS_VERSION, run_button  # noqa: E402
from thidua.addin.handlers import FILL_BAD, FILL_MISSING, SHEET_CHECK, award_rows  # noqa: E402
from thidua.addin.payload import REMOTE_ACTIONS, alerts, apply_actions, payload_from_xlsx  # noqa: E402
from thidua.cli import main  # noqa: E402
from thidua.fileio import make_reproducible  # noqa: E402
from thidua.plan import builtin_ids, load_plan  # noqa: E402
from thidua.result import TIE_LABEL  # noqa: E402
from thidua.workbook.master import PLACEHOLDER, read_layout  # noqa: E402
from thidua.workbook.master.base import FILL_INELIGIBLE  # noqa: E402

from tests.libreoffice import soffice  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
FIXED = __import__("datetime").datetime(2026, 1, 2, 3, 4, 5)


def click(path: Path, button: str, **options) -> list[dict]:
    """One click on ``button`` with the master at ``path`` open; the file is updated."""
    with xw.Book(json=payload_from_xlsx(path)) as book:  # closed, as xlwings Server closes it
        run_button(button, book, **options)
        actions = book.json()["actions"]
    assert {a["func"] for a in actions} <= REMOTE_ACTIONS
    json.dumps(actions)  # what goes back to VBA must be plain JSON
    apply_actions(path, actions)
    shown = alerts(actions)
    for box in shown:  # every word the user sees: Vietnamese, NFC, never a traceback
        assert box["prompt"] == unicodedata.normalize("NFC", box["prompt"])
        assert box["title"].startswith("Thi đua — ") and "Traceback" not in box["prompt"]
    return shown


def cli_json(plan_id: str, path: Path) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["score", plan_id, str(path), "--json"]) == 0
    return json.loads(out.getvalue())


_MASTERS: dict[str, bytes] = {}


def master_copy(tmp_path: Path, plan_id: str) -> Path:
    """A master of the plan filled with its sample figures (as ``thidua generate`` makes it)."""
    from thidua.demo import master_units, sample_path
    from thidua.table import read_units
    from thidua.workbook.master import write_master

    path = tmp_path / plan_id / "so-tong-hop.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    if plan_id not in _MASTERS:
        plan = load_plan(plan_id)
        table = read_units(sample_path(plan_id), plan)
        write_master(plan, master_units(plan, table.frame), path, backup=False, now=FIXED)
        _MASTERS[plan_id] = path.read_bytes()
    path.write_bytes(_MASTERS[plan_id])
    return path


def summary_rows(path: Path, computed: Path | None = None) -> tuple[dict, dict]:
    """Layout columns and {unit code: {column key: value}} of «Tổng hợp»; ``_fill``: the fill
    a person sees on each cell, conditional formats evaluated on the values of ``computed``
    (the same master with its formulas' values, e.g. before a click replayed by openpyxl)."""
    wb = openpyxl.load_workbook(path)
    layout = read_layout(wb)
    ws = wb[layout.sheet]
    seen = openpyxl.load_workbook(computed or path, data_only=True)[layout.sheet]
    cols = layout.columns
    rows = {}
    for r in range(layout.first_row, layout.last_row + 1):
        code = ws[f"{cols['ma_don_vi']}{r}"].value
        rows[code] = {k: ws[f"{letter}{r}"].value for k, letter in cols.items()}
        rows[code]["_fill"] = {k: shown_fill(ws, f"{letter}{r}", seen) for k, letter in cols.items()}
    return cols, rows


def shown_fill(ws, ref: str, values) -> str:
    """The fill a person sees on ``ref``: the first conditional format over it whose rule
    (``$X5="text"``, as the master writes them) holds on the cell's row of ``values``, else
    its own fill."""
    cell = ws[ref]
    for cf in ws.conditional_formatting:
        if not any(cell.coordinate in rng for rng in cf.sqref.ranges):
            continue
        for rule in sorted(cf.rules, key=lambda x: x.priority):
            m = re.fullmatch(r'\$([A-Z]+)\d+="(.*)"', (rule.formula or [""])[0])
            if m and values[f"{m[1]}{cell.row}"].value == m[2] and rule.dxf and rule.dxf.fill:
                return rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb
    return cell.fill.start_color.rgb


def test_payload_is_what_remote_bas_sends(tmp_path):
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    payload = payload_from_xlsx(path)
    assert payload["client"] == "VBA" and payload["version"] == xw.__version__ == XLWINGS_VERSION
    names = [s["name"] for s in payload["sheets"]]
    assert names[0] == "Tổng hợp" and "_thidua" in names  # hidden sheets are sent too
    assert all(set(s) == {"name", "pictures", "tables", "values"} for s in payload["sheets"])
    assert {"name", "sheet_index", "address", "book_scope"} <= set(payload["names"][0])
    with xw.Book(json=payload) as book:
        assert book.sheets["Tổng hợp"]["B5"].value == "Mã đơn vị"


@pytest.mark.parametrize("plan_id", builtin_ids())
def test_tinh_diem_writes_exactly_what_score_json_gives(tmp_path, plan_id):
    path = master_copy(tmp_path, plan_id)
    expected = cli_json(plan_id, path)
    before = tmp_path / "truoc.xlsx"
    shutil.copyfile(path, before)
    shown = click(path, "tinh_diem")
    assert len(shown) == 1 and shown[0]["title"] == "Thi đua — Tính điểm" and shown[0]["mode"] == "info"
    assert "Traceback" not in shown[0]["prompt"]

    plan = load_plan(plan_id)
    labels = {p.code: p.label for ps in plan.prize_sets for p in ps.prizes}
    tied = {u for t in expected["ties"] for u in t["units"]}
    cols, rows = summary_rows(path, before)
    assert cli_json(plan_id, path) == expected  # writing results changed no figure
    for unit in expected["units"]:
        row = rows[unit["code"]]
        if "ly_do" in cols:
            assert row["ly_do"] == ("; ".join(unit["reasons"]) or None)
            if not unit["eligible"]:  # the sheet greys the row (its own «Không»), else red
                seen = "00" + (FILL_BAD if plan.is_checklist else FILL_INELIGIBLE)
                assert row["_fill"]["ly_do"] == seen
        if "hang" in cols:
            assert row["hang"] == unit["rank"]
            prize = labels[unit["prize"]] if unit["prize"] else (TIE_LABEL if unit["code"] in tied else None)
            assert row["giai"] == prize
        if "tien" in cols:
            assert row["tien"] == unit["amount"]
        assert PLACEHOLDER not in [v for k, v in row.items() if k != "_fill"]

    # «Khen thưởng»: the award list, its total the money of the result.
    wb = openpyxl.load_workbook(path)
    ws = wb["Khen thưởng"]
    listed = [[c.value for c in r] for r in ws.iter_rows(min_row=5, max_col=5)]
    assert listed[-1][0] == "Tổng số tiền"
    money = sum(u["amount"] for u in expected["units"])
    money += sum(p.amount for t in expected["ties"] for code in t["prizes"]
                 for ps in plan.prize_sets for p in ps.prizes if p.code == code
                 and (ps.group == t["group"] or plan.one_pool))
    assert listed[-1][3] == money
    awarded = {r[1] for r in listed if r[1]}
    for unit in expected["units"]:
        if unit["prize"]:
            assert unit["code"] in rows and rows[unit["code"]]["ten_don_vi"] in awarded
    assert ws.print_area.endswith(f"$E${4 + len(listed)}")
    assert PLACEHOLDER not in {c for r in listed for c in r}


@pytest.mark.parametrize("plan_id", ["nui-thanh-dvc-2023", "vu-ban-cchc-2023"])
def test_two_clicks_give_the_same_file(tmp_path, plan_id):
    path = master_copy(tmp_path, plan_id)
    click(path, "tinh_diem")
    make_reproducible(path, FIXED)
    once = path.read_bytes()
    click(path, "tinh_diem")
    make_reproducible(path, FIXED)
    assert path.read_bytes() == once
    awards = [[c.value for c in r] for r in openpyxl.load_workbook(path)["Khen thưởng"].iter_rows()]
    click(path, "xet_khen_thuong")  # the same list; only the sheet shown changes
    wb = openpyxl.load_workbook(path)
    assert wb.active.title == "Khen thưởng"
    assert [[c.value for c in r] for r in wb["Khen thưởng"].iter_rows()] == awards


def test_tinh_diem_agrees_with_recalculated_formulas(tmp_path, soffice):  # noqa: F811
    """The sheet's formulas (totals, eligibility) as a spreadsheet computes them = the engine."""
    from thidua.workbook.recalc import read_values, recalculate

    plans = builtin_ids()
    sources = [master_copy(tmp_path / "in", p) for p in plans]
    recalculated = recalculate(sources, tmp_path / "calc")
    for plan_id, source, path in zip(plans, sources, recalculated):
        expected = cli_json(plan_id, source)
        shown = click(path, "tinh_diem")
        assert "Chú ý" not in shown[0]["prompt"], shown[0]["prompt"]  # formulas = engine
        values = read_values(recalculate([path], tmp_path / "again")[0])["Tổng hợp"]
        layout = read_layout(openpyxl.load_workbook(source))
        cols = layout.columns
        for unit in expected["units"]:
            r = layout.row_of(unit["code"])
            if "tong_diem" in cols and unit["total"] is not None:
                assert values[f"{cols['tong_diem']}{r}"] == pytest.approx(unit["total"], abs=1e-9)
            if "du_dieu_kien" in cols and unit["total"] is not None:
                assert (values.get(f"{cols['du_dieu_kien']}{r}") == "Có") == unit["eligible"]
            if "hang" in cols:
                assert values.get(f"{cols['hang']}{r}") == unit["rank"]


def test_formula_disagreement_is_reported(tmp_path):
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    wb = openpyxl.load_workbook(path)
    layout = read_layout(wb)
    wb[layout.sheet][f"{layout.columns['tong_diem']}{layout.first_row}"] = 12345  # typed over a formula
    wb.save(path)
    shown = click(path, "tinh_diem")
    assert "Chú ý: 1 ô công thức" in shown[0]["prompt"]
    assert f"{layout.columns['tong_diem']}{layout.first_row}" in shown[0]["prompt"]


def test_formula_disagreements_are_reported_in_row_order(tmp_path):
    """Totals and eligibility typed over the sheet's formulas are listed by row, a total
    before an eligibility; text typed in a total is not a number to compare."""
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    expected = {u["code"]: u for u in cli_json("nui-thanh-dvc-2023", path)["units"]}
    wb = openpyxl.load_workbook(path)
    layout = read_layout(wb)
    ws, total, mark = wb[layout.sheet], layout.columns["tong_diem"], layout.columns["du_dieu_kien"]
    first = layout.first_row
    codes = [ws[f"{layout.columns['ma_don_vi']}{r}"].value for r in (first, first + 1, first + 2)]
    ws[f"{total}{first + 2}"] = 99999
    ws[f"{mark}{first + 2}"] = "Không" if expected[codes[2]]["eligible"] else "Có"
    ws[f"{mark}{first}"] = "Không" if expected[codes[0]]["eligible"] else "Có"
    ws[f"{total}{first + 1}"] = "chưa tính"  # text: not compared
    wb.save(path)
    prompt = click(path, "tinh_diem")[0]["prompt"]
    assert "Chú ý: 3 ô công thức" in prompt
    listed = prompt[prompt.index("ví dụ"):]
    assert listed.index(f"ô {mark}{first}:") < listed.index(f"ô {total}{first + 2}: sổ ghi 99.999") \
        < listed.index(f"ô {mark}{first + 2}:")
    assert f"{total}{first + 1}" not in listed


def test_xet_khen_thuong_lists_ties_and_vacancies(tmp_path):
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    expected = cli_json("nui-thanh-dvc-2023", path)
    shown = click(path, "xet_khen_thuong")
    text = shown[0]["prompt"]
    assert "Hội đồng Thi đua - Khen thưởng quyết định" in text
    names = {u["code"]: u["name"] for u in expected["units"]}
    for tie in expected["ties"]:  # tied units by name, never by code
        assert all(names[code] in text and code not in text for code in tie["units"])
    assert "Xã Tam Hải và Xã Tam Giang" in text
    wb = openpyxl.load_workbook(path)
    assert wb.active.title == "Khen thưởng"
    rows = [[c.value for c in r] for r in wb["Khen thưởng"].iter_rows(min_row=5, max_col=5)]
    tie_rows = [r for r in rows if r[0] and "(đồng hạng)" in str(r[0])]
    assert len(tie_rows) == len(expected["ties"])
    # the old layout's merges under the header are gone (the title lines stay merged)
    assert all(rng.max_row < 4 for rng in wb["Khen thưởng"].merged_cells.ranges)


def test_award_rows_total_is_money_total():
    from thidua.demo import sample_path
    from thidua.engine import score
    from thidua.table import read_units
    for plan_id in builtin_ids():
        plan = load_plan(plan_id)
        result = score(plan, read_units(sample_path(plan_id), plan))
        rows = award_rows(plan, result)
        assert rows[-1][0][0] == "Tổng số tiền" and rows[-1][0][3] == result.money_total()


def _break_cells(path: Path) -> tuple[str, str]:
    """Type an unreadable figure and blank a required one; return both cells."""
    wb = openpyxl.load_workbook(path)
    layout = read_layout(wb)
    plan = load_plan(layout.plan)
    ws = wb[layout.sheet]
    numeric = [i for i in plan.inputs if i.type in ("count", "number", "percent")]
    required = [i for i in plan.inputs if i.required and i.default is None]
    bad = f"{layout.columns[numeric[0].code]}{layout.first_row + 1}"
    blank = f"{layout.columns[required[-1].code]}{layout.first_row + 2}"
    ws[bad] = "mười hai"
    ws[blank] = None
    wb.save(path)
    return bad, blank


def test_unreadable_figure_stops_tinh_diem_with_vietnamese_message(tmp_path):
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    bad, blank = _break_cells(path)
    shown = click(path, "tinh_diem")
    assert len(shown) == 1 and shown[0]["mode"] == "critical"
    text = shown[0]["prompt"]
    assert text.startswith("Chưa làm được việc này") and f"ô {bad}" in text
    assert f"ô {blank}" not in text  # a blank figure is «no data», as for «thidua score»
    assert "Traceback" not in text
    cols, rows = summary_rows(path)  # nothing written: the results still wait for a click
    assert {row["ly_do"] for row in rows.values()} == {PLACEHOLDER}


def test_kiem_tra_colours_and_lists_every_problem(tmp_path):
    path = master_copy(tmp_path, "hoa-thanh-cchc-2018")
    shown = click(path, "kiem_tra")
    assert "số liệu đầy đủ" in shown[0]["prompt"]
    bad, blank = _break_cells(path)
    shown = click(path, "kiem_tra")
    assert "1 lỗi" in shown[0]["prompt"] and "1 ô thiếu" in shown[0]["prompt"]
    wb = openpyxl.load_workbook(path)
    ws = wb["Tổng hợp"]
    assert ws[bad].fill.start_color.rgb == "00" + FILL_BAD
    assert ws[blank].fill.start_color.rgb == "00" + FILL_MISSING
    listed = [[c.value for c in r] for r in wb[SHEET_CHECK].iter_rows(min_row=4)]
    assert {r[1] for r in listed} == {bad, blank}
    assert wb.sheetnames.index(SHEET_CHECK) == 1
    # fixed: the colours go back to the input colour and the list empties
    wb[layout_sheet := "Tổng hợp"][bad] = 12
    wb[layout_sheet][blank] = 0
    wb.save(path)
    shown = click(path, "kiem_tra")
    ws = openpyxl.load_workbook(path)["Tổng hợp"]
    assert ws[bad].fill.start_color.rgb == ws[blank].fill.start_color.rgb == "00FFF2CC"
    assert [c.value for c in openpyxl.load_workbook(path)[SHEET_CHECK]["A"]][3:] in ([], [None])


def test_not_a_master_and_unknown_button(tmp_path):
    plain = tmp_path / "khac.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "xin chào"
    wb.save(plain)
    shown = click(plain, "tinh_diem")
    assert "không phải sổ tổng hợp" in shown[0]["prompt"] and shown[0]["mode"] == "critical"
    shown = click(plain, "khong_co")
    assert "chưa có trong phiên bản thidua" in shown[0]["prompt"]


def test_unexpected_error_names_the_log_and_hides_the_traceback(tmp_path, monkeypatch):
    from thidua.addin import handlers
    log = tmp_path / "nhat-ky.txt"
    monkeypatch.setenv("THIDUA_ADDIN_LOG", str(log))

    def boom(book, **_):
        raise ZeroDivisionError("lỗi thử")
    monkeypatch.setattr(handlers, "tinh_diem", boom)
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    shown = click(path, "tinh_diem")
    assert str(log) in shown[0]["prompt"] and "Traceback" not in shown[0]["prompt"]
    assert "ZeroDivisionError: lỗi thử" in log.read_text(encoding="utf-8")


def _fill_template(template: Path, dest: Path, plan, figures: dict) -> None:
    wb = openpyxl.load_workbook(template)
    ws = wb["_thidua"]
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    cells = json.loads(meta["bo_cuc"])["input_cells"]
    for inp in plan.inputs:
        value = figures.get(inp.code)
        if value is None or value != value:
            continue
        if inp.type == "yesno":
            value = "Có" if value else "Không"
        elif inp.type == "choice":
            value = inp.choices[int(value)].label
        elif float(value).is_integer():
            value = int(value)
        wb["Nhập liệu"][cells[inp.code]] = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)


def test_tong_hop_and_tao_mau_match_the_command_line(tmp_path):
    from thidua.consolidate.collect import consolidate
    from thidua.consolidate.master_io import read_master
    from thidua.demo import sample_path
    from thidua.table import read_units
    from thidua.units import read_unit_list
    from thidua.workbook.master import write_master

    plan_id = "nui-thanh-dvc-2023"
    plan = load_plan(plan_id)
    units = read_unit_list(sample_path(plan_id), plan)
    records = [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group, "cap": u.level}
               for u in units]
    office = tmp_path / "Phòng Nội vụ"
    office.mkdir()
    master = write_master(plan, records, office / "so-tong-hop.xlsx", backup=False)

    # «Tạo mẫu đơn vị»: templates into «Mẫu đơn vị» beside the master.
    shown = click(master, "tao_mau", master_path=master, workers=1)
    templates = sorted((office / "Mẫu đơn vị").glob("*.xlsx"))
    assert len(templates) == len(units) and f"Đã tạo {len(units)} tệp" in shown[0]["prompt"]

    # Units fill in and send back a few; «Tổng hợp» brings them into the open book.
    figures = read_units(sample_path(plan_id), plan).frame.set_index("ma_don_vi")
    for template in templates[:7]:
        code = template.name.split("-")[0]
        _fill_template(template, office / "Nhận về" / template.name, plan, figures.loc[code].to_dict())
    reference = tmp_path / "tham-chieu.xlsx"
    shutil.copy(master, reference)
    consolidate(plan, office / "Nhận về", reference, workers=1)

    shown = click(master, "tong_hop", master_path=master, workers=1)
    assert "Nhận 7 tệp: 7 được dùng" in shown[0]["prompt"]
    got, want = read_master(master, plan), read_master(reference, plan)
    assert got.units == want.units  # the same figures as «thidua consolidate»
    wb = openpyxl.load_workbook(master)
    assert {"Kiểm tra tệp nhận về", "Nhật ký nhận"} <= set(wb.sheetnames)
    report = [[c.value for c in r] for r in wb["Kiểm tra tệp nhận về"].iter_rows(min_row=5, max_col=7)]
    reference_report = [[c.value for c in r] for r in
                        openpyxl.load_workbook(reference)["Kiểm tra tệp nhận về"].iter_rows(min_row=5, max_col=7)]
    assert report == reference_report

    make_reproducible(master, FIXED)
    once = master.read_bytes()
    click(master, "tong_hop", master_path=master, workers=1)
    make_reproducible(master, FIXED)
    assert master.read_bytes() == once  # a second click changes nothing


@pytest.mark.parametrize("button", list(BUTTONS))
def test_every_button_has_a_handler(button):
    from thidua.addin import handlers
    name, title = BUTTONS[button]
    assert callable(getattr(handlers, name, None)) and title


def test_xuat_van_ban_writes_documents_beside_the_master(tmp_path):
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    shown = click(path, "xuat_van_ban", master_path=path)
    assert shown[0]["mode"] == "info", shown[0]["prompt"]
    written = sorted((path.parent / "Văn bản").glob("*.docx"))
    assert written and f"Đã soạn {len(written)} văn bản" in shown[0]["prompt"]
    shown = click(path, "xuat_van_ban")  # the remote engine knows no file: asks to save first
    assert "lưu sổ" in shown[0]["prompt"]


@pytest.mark.parametrize("plan_id", builtin_ids())
def test_tinh_diem_on_the_consolidated_sample_master(tmp_path, plan_id):
    """The demo's master (some units late, some figures missing) scores as the CLI scores it."""
    path = tmp_path / "so-tong-hop.xlsx"
    shutil.copy(SAMPLES / plan_id / "so-tong-hop.xlsx", path)
    expected = cli_json(plan_id, path)
    shown = click(path, "tinh_diem")
    assert shown[0]["mode"] == "info", shown[0]["prompt"]
    cols, rows = summary_rows(path)
    for unit in expected["units"]:
        if "hang" in cols:
            assert rows[unit["code"]]["hang"] == unit["rank"]
        if "ly_do" in cols:
            assert rows[unit["code"]]["ly_do"] == ("; ".join(unit["reasons"]) or None)


def test_figures_that_cannot_be_true_are_marked_and_never_ranked(tmp_path):
    """Issue 11: more on-time online dossiers than online dossiers. «Kiểm tra dữ liệu» marks
    both cells and names the check; «Tính điểm» leaves the unit unranked, with the reason."""
    path = master_copy(tmp_path, "nui-thanh-dvc-2023")
    cols, rows = summary_rows(path)
    wb = openpyxl.load_workbook(path)
    layout = read_layout(wb)
    ws = wb[layout.sheet]
    r = layout.row_of("XA02")  # the sample's Giải Nhất
    ws[f"{cols['truc_tuyen_dung_han']}{r}"] = 2600
    ws[f"{cols['truc_tuyen_giai_quyet']}{r}"] = 2000
    ws[f"{cols['tong_giai_quyet']}{r}"] = 2000
    wb.save(path)
    shown = click(path, "kiem_tra")
    assert "lớn hơn số hồ sơ giải quyết trực tuyến" in shown[0]["prompt"]
    ws = openpyxl.load_workbook(path)[layout.sheet]
    for key in ("truc_tuyen_dung_han", "truc_tuyen_giai_quyet"):
        assert ws[f"{cols[key]}{r}"].fill.start_color.rgb == "00" + FILL_BAD
    click(path, "tinh_diem")
    _, rows = summary_rows(path)
    assert rows["XA02"]["hang"] in (None, "", "—") and not rows["XA02"]["giai"]
    assert "lớn hơn số hồ sơ giải quyết trực tuyến" in rows["XA02"]["ly_do"]
    assert any(row["giai"] == "Giải Nhất" for code, row in rows.items() if code != "XA02")
