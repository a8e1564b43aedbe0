"""The office's master workbook: structure, and its live formulas against the engine.

For every seed plan the master is built for the plan's sample units (plus one
unit with no figures at all), written, and read back with openpyxl: sheets,
headers, defined names, the layout stored in ``_thidua``, validations, prize
money, settings. Then LibreOffice recalculates all five masters and every
computed cell is compared with ``thidua.engine.score`` on the same units.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests.libreoffice import soffice_or_skip
from tests.stored import differences
from thidua.engine import score
from thidua.plan import load_plan
from thidua.plan.model import APPLICABLE_CODE, MET_CODE, TOTAL_CODE
from thidua.result import ELIGIBLE, SELF_TOTAL
from thidua.table import read_units
from thidua.workbook import contract as fx
from thidua.codecs import NO, YES
from thidua.plan.model import LEVELS
from thidua.workbook import master as m

SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"
POINTS = ["nui-thanh-dvc-2023", "hoa-thanh-cchc-2018"]
CHECKLISTS = ["vu-ban-cchc-2023", "quang-nam-dvc-2023", "xuan-thanh-mot-cua-2021"]
PLANS = POINTS + CHECKLISTS
BLANK_CODE = "ZZTRONG"  # a unit that sent no figures yet
FORBIDDEN = re.compile(r"XLOOKUP|IFS\(|LET\(|LAMBDA|FILTER\(|SORT\(|UNIQUE\(", re.I)
NOW = dt.datetime(2024, 1, 31, 15, 45)


def _units(plan, frame: pd.DataFrame) -> list[dict]:
    """The ``units`` dicts of a unit table: blanks left out."""
    out = []
    for rec in frame.to_dict("records"):
        out.append({k: v for k, v in rec.items()
                    if not (v is None or (isinstance(v, float) and math.isnan(v)))})
    return out


def _blank_unit(plan, frame: pd.DataFrame) -> dict:
    group = plan.groups[-1]
    return {"ma_don_vi": BLANK_CODE, "ten_don_vi": "Đơn vị chưa gửi số liệu",
            "nhom": group.code, "cap": group.level or plan.levels[-1]}


OTHER_YEARS = {"xuan-thanh-mot-cua-2021": [2021, 2022, 2025]}  # targets by year


@pytest.fixture(scope="module")
def masters(tmp_path_factory):
    """plan id (or ``id@year``) -> (plan, engine frame, units, path of the master, year)."""
    out_dir = tmp_path_factory.mktemp("masters")
    built = {}
    for pid in PLANS:
        plan = load_plan(pid)
        frame = read_units(SAMPLES / f"{pid}.csv", plan).frame
        blank = _blank_unit(plan, frame)
        extra = {c: (blank.get(c, np.nan)) for c in frame.columns}
        if "nam" in frame.columns:
            extra["nam"] = frame["nam"].iloc[0]
            blank["nam"] = int(frame["nam"].iloc[0])
        frame = pd.concat([frame, pd.DataFrame([extra])], ignore_index=True)
        units = _units(plan, frame.iloc[:-1]) + [blank]
        path = m.write_master(plan, units, out_dir / f"{pid}.xlsx", backup=False)
        built[pid] = (plan, frame, units, path, None)
        for year in OTHER_YEARS.get(pid, []):
            path = m.write_master(plan, units, out_dir / f"{pid}@{year}.xlsx", year=year,
                                  backup=False)
            built[f"{pid}@{year}"] = (plan, frame, units, path, year)
    return built


def _layout(wb) -> m.MasterLayout:
    return m.read_layout(wb)


# ------------------------------------------------------------------ structure
@pytest.mark.parametrize("pid", PLANS)
def test_sheets_headers_and_layout(masters, pid):
    plan, frame, units, path, _ = masters[pid]
    wb = openpyxl.load_workbook(path)
    expected = [m.SHEET_SUMMARY]
    if plan.is_checklist:
        expected.append(m.SHEET_INDICATORS)
        if plan.settings.get("periods"):
            expected.append(m.SHEET_TREND)
    if plan.settings.get("tasks"):
        expected.append(m.SHEET_TASKS)
    expected += [m.SHEET_AWARDS, m.SHEET_CHARTS, m.SHEET_PLAN, m.SHEET_CONFIG, m.SHEET_LISTS,
                 m.SHEET_META]
    assert wb.sheetnames == expected
    assert wb[m.SHEET_LISTS].sheet_state == "hidden"
    assert wb[m.SHEET_META].sheet_state == "veryHidden"

    meta = {r[0].value: r[1].value for r in wb[m.SHEET_META].iter_rows(max_col=2)}
    assert meta["loai"] == "so_tong_hop" and meta["ke_hoach"] == plan.id
    assert meta["phien_ban"] == plan.version
    layout = m.MasterLayout.from_json(meta["bo_cuc"])
    assert json.loads(meta["bo_cuc"])["plan"] == plan.id
    ws = wb[layout.sheet]
    col = layout.columns

    def header(key):
        return ws[f"{col[key]}{layout.header_row}"].value

    assert [ws.cell(row=layout.header_row, column=j).value for j in range(1, 6)] == \
        ["STT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Cấp"]
    for inp in plan.inputs:
        assert header(inp.code).startswith(inp.label)
        if plan.self_scored:
            appraisal = fx.appraisal_name(inp.code)
            assert header(appraisal).endswith("(thẩm định)")
            assert ws[f"{col[appraisal]}1"].column == ws[f"{col[inp.code]}1"].column + 1
    if plan.is_checklist:
        assert header(MET_CODE) == "Số tiêu chí đạt"
        assert header(APPLICABLE_CODE) == "Số tiêu chí áp dụng"
    else:
        for item in plan.items:
            assert header(item.code).startswith(f"{item.id}. {item.label}")
        for key, text in [(TOTAL_CODE, "Tổng điểm"), (ELIGIBLE, "Đủ điều kiện"),
                          ("ly_do", "Lý do không đủ điều kiện"), ("hang", "Xếp hạng trong nhóm"),
                          ("giai", "Giải"), ("tien", "Số tiền (đồng)"), ("ghi_chu", "Ghi chú")]:
            assert header(key) == text
        assert (SELF_TOTAL in col) == plan.self_scored
        if plan.self_scored:
            assert header(SELF_TOTAL) == "Tổng tự chấm"
        for key in ("ly_do", "hang", "giai", "tien"):
            assert ws[f"{col[key]}{layout.first_row}"].value == m.PLACEHOLDER

    # Rows: sorted by group (plan order) then code; each group contiguous.
    order = {g.code: i for i, g in enumerate(plan.groups)}
    expected_units = sorted(units, key=lambda u: (order[u.get("nhom") or u["cap"]], u["ma_don_vi"]))
    assert layout.units == [u["ma_don_vi"] for u in expected_units]
    assert layout.last_row == layout.first_row + len(units) - 1
    for code in layout.units:
        assert ws[f"{col['ma_don_vi']}{layout.row_of(code)}"].value == code
    for group, (first, last) in layout.groups.items():  # people read labels, not codes
        assert {ws[f"{col['nhom']}{r}"].value for r in range(first, last + 1)} == \
            {plan.group(group).label}
        assert {ws[f"{col['cap']}{r}"].value for r in range(first, last + 1)} <= \
            {LEVELS[lv] for lv in plan.levels}

    # Every formula: starts with "=", only functions Excel 2010 and LibreOffice share.
    count = 0
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str):
                    # text people read is NFC; formulas also match the NFD spellings of words
                    assert cell.data_type == "f" or unicodedata.is_normalized("NFC", value), (
                        sheet.title, cell.coordinate)
                    if cell.data_type == "f":
                        count += 1
                        assert value.startswith("=")
                        assert not FORBIDDEN.search(value), (sheet.title, cell.coordinate, value)
                        assert len(value) < 8192
    assert count > len(units)
    for r in range(layout.first_row, layout.last_row + 1):
        computed = ([TOTAL_CODE, ELIGIBLE] + [i.code for i in plan.items] if not plan.is_checklist
                    else [MET_CODE, APPLICABLE_CODE])
        for key in computed:
            assert str(ws[f"{col[key]}{r}"].value).startswith("="), (key, r)

    # Defined names.
    names = set(wb.defined_names)
    assert {fx.YESNO_LIST, m.GROUP_LIST, m.LEVEL_LIST, "cau_hinh_ma_ke_hoach",
            "cau_hinh_phien_ban", "cau_hinh_thu_muc_nhan", "cau_hinh_thu_muc_mau",
            "cau_hinh_tep_nhat_ky"} <= names
    assert (m.YEAR_NAME in names) == plan.is_checklist
    for inp in plan.inputs:
        if inp.type == "choice":
            assert fx.choice_list_name(inp.code) in names
    assert set(layout.names) <= names

    # Validations: yes/no columns use the Có/Không list, groups the group codes.
    validations = ws.data_validations.dataValidation
    by_formula: dict[str, list[str]] = {}
    for dv in validations:
        by_formula.setdefault(str(dv.formula1).lstrip("="), []).append(str(dv.sqref))
    span = f"{layout.first_row}:"
    for inp in plan.inputs:
        if inp.type == "yesno":
            assert any(f"{col[inp.code]}{layout.first_row}:" in s
                       for s in by_formula[fx.YESNO_LIST]), inp.code
    assert any(f"{col['nhom']}{span}" in s for s in by_formula[m.GROUP_LIST])
    numeric = [dv for dv in validations if dv.type in ("whole", "decimal")]
    assert len(numeric) == sum(inp.type in ("count", "number", "percent") for inp in plan.inputs)
    assert all(dv.error for dv in validations)

    # Ineligible rows greyed (points plans); status colours (checklists).
    if not plan.is_checklist:
        rules = [r for cf in ws.conditional_formatting for r in cf.rules]
        assert any('="Không"' in r.formula[0] for r in rules)
    else:
        cw = wb[layout.indicator_sheet]
        colours = {r.dxf.fill.fgColor.rgb[-6:] for cf in cw.conditional_formatting for r in cf.rules}
        assert {"C6EFCE", "FFC7CE", "D9D9D9"} <= colours
        for code, cells in layout.indicators.items():
            assert cw[f"{cells['trang_thai']}{m.HEADER_ROW}"].value.startswith("Trạng thái")

    assert ws.freeze_panes and ws.auto_filter.ref
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows


@pytest.mark.parametrize("pid", PLANS)
def test_awards_plan_and_settings(masters, pid):
    plan, frame, units, path, _ = masters[pid]
    wb = openpyxl.load_workbook(path)
    layout = _layout(wb)

    aw = wb[m.SHEET_AWARDS]
    amounts = [row[3].value for row in aw.iter_rows(min_row=5)
               if row[1].value == m.PLACEHOLDER]
    expected = [p.amount for ps in plan.prize_sets for p in ps.sequence()]
    assert amounts == expected
    assert sum(amounts) == sum(p.amount for ps in plan.prize_sets for p in ps.sequence())
    labels = [row[0].value for row in aw.iter_rows(min_row=5)]
    assert "Tổng số tiền" in labels
    for ps in plan.prize_sets:
        assert plan.group(ps.group).label in labels

    config = {row[2].value: row[1].value for row in wb[m.SHEET_CONFIG].iter_rows(min_row=5)}
    assert config["cau_hinh_ma_ke_hoach"] == plan.id
    assert config["cau_hinh_phien_ban"] == plan.version
    assert config["cau_hinh_thu_muc_nhan"] == "Nhận về"
    assert config["cau_hinh_thu_muc_mau"] == "Mẫu đơn vị"
    assert config["cau_hinh_tep_nhat_ky"]
    if plan.is_checklist:
        expected_year = 2023
        assert config[m.YEAR_NAME] == expected_year
    ref = wb.defined_names["cau_hinh_thu_muc_nhan"].attr_text
    sheet, cell = ref.split("!")
    assert wb[sheet.strip("'")][cell.replace("$", "")].value == "Nhận về"

    text = "\n".join(str(c.value) for row in wb[m.SHEET_PLAN].iter_rows() for c in row if c.value)
    if plan.is_checklist:
        for ind in plan.indicators:
            assert ind.label in text
    else:
        from thidua.program.describe import rule_text, total_text
        for item in plan.items:  # described with labels, never codes
            assert rule_text(plan, item.rule) in text
            if item.rule.full_description() != rule_text(plan, item.rule):
                assert item.rule.full_description() not in text
        assert total_text(plan) in text
        for gate in plan.gates:
            assert m._reason_text(gate.reason) in text
        for code in plan.tie_break:
            assert plan.label_of(code) in text
    for ps in plan.prize_sets:
        for p in ps.prizes:
            assert p.label in text
    if any(p.amount for ps in plan.prize_sets for p in ps.prizes):
        assert re.search(r"\d{1,3}(\.\d{3})+ đ", text)

    charts = wb[m.SHEET_CHARTS]._charts
    assert len(charts) == len(layout.groups)

    if plan.settings.get("tasks"):
        ts = wb[m.SHEET_TASKS]
        tasks = plan.settings["tasks"]
        assert [c.value for c in ts[m.HEADER_ROW]] == [
            "STT", "Năm", "Nội dung", "Chủ trì", "Phối hợp", "Thời hạn", "Sản phẩm",
            "Hạn hoàn thành", "Trạng thái", "Ngày hoàn thành", "Quá hạn"]
        assert ts.max_row == m.HEADER_ROW + len(tasks)
        r = m.HEADER_ROW + 1
        assert ts[f"C{r}"].value == tasks[0]["noi_dung"]
        assert ts[f"K{r}"].value == (
            f'=IF(AND(H{r}<>"",I{r}<>"Hoàn thành",TODAY()>H{r}),"Quá hạn",'
            f'IF(AND(H{r}<>"",J{r}<>"",J{r}>H{r}),"Hoàn thành trễ",""))')
        assert ts[f"H{r}"].number_format == "dd/mm/yyyy"
        assert any(str(dv.formula1) == m.TASK_STATUS_LIST for dv in ts.data_validations.dataValidation)
    if plan.settings.get("periods"):
        tr = wb[m.SHEET_TREND]
        assert [c.value for c in tr[m.HEADER_ROW]][4:] == [f"Tháng {k:02d}/2023" for k in range(1, 13)]
        assert len(tr._charts) == 1


def test_blank_figures_stay_blank_and_values_are_typed(masters):
    plan, frame, units, path, _ = masters["hoa-thanh-cchc-2018"]
    wb = openpyxl.load_workbook(path)
    layout = _layout(wb)
    ws = wb[layout.sheet]
    col = layout.columns
    row = layout.row_of("PNV")
    assert ws[f"{col['co_quy_che_phoi_hop']}{row}"].value == "Có"
    assert ws[f"{col['sang_kien']}{row}"].value == "Có, được áp dụng, nhân rộng trên địa bàn huyện"
    assert ws[f"{col['ty_le_truoc_han']}{row}"].value == 5
    assert ws[f"{col['diem_thu_cong']}{row}"].value is None
    ptp = layout.row_of("PTP")
    assert ws[f"{col['ty_le_mot_cua_dien_tu_tham_dinh']}{ptp}"].value == 94
    blank = layout.row_of(BLANK_CODE)
    assert all(ws[f"{col[inp.code]}{blank}"].value is None for inp in plan.inputs)
    assert ws[f"{col[TOTAL_CODE]}{blank}"].value.endswith(',"Chưa đủ số liệu")')


def test_write_master_backup_reproducible_and_config(tmp_path):
    plan = load_plan("nui-thanh-dvc-2023")
    units = [{"ma_don_vi": "XA01", "ten_don_vi": "Xã Một", "nhom": "xa", "cap": "xa",
              "tong_giai_quyet": 100, "truc_tuyen_giai_quyet": 80, "truc_tuyen_dung_han": 70,
              "tre_han": 1}]
    path = tmp_path / "Sổ tổng hợp.xlsx"
    m.write_master(plan, units, path, now=NOW)
    first = path.read_bytes()
    m.write_master(plan, units, path, now=NOW, config={"thu_muc_nhan": "Hồ sơ về"})
    backups = list(tmp_path.glob("*.bak-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == first
    m.write_master(plan, units, tmp_path / "b.xlsx", now=NOW, backup=False)
    assert (tmp_path / "b.xlsx").read_bytes() == first
    wb = openpyxl.load_workbook(path)
    ref = wb.defined_names["cau_hinh_thu_muc_nhan"].attr_text.split("!")[1].replace("$", "")
    assert wb[m.SHEET_CONFIG][ref].value == "Hồ sơ về"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_year_argument_and_unknown_group():
    plan = load_plan("xuan-thanh-mot-cua-2021")
    wb, layout = m.build_master_and_layout(plan, [{"ma_don_vi": "A", "ten_don_vi": "A",
                                                   "nhom": "chung", "cap": "xa"}], year=2022)
    ref = wb.defined_names[m.YEAR_NAME].attr_text.split("!")[1].replace("$", "")
    assert wb[m.SHEET_CONFIG][ref].value == 2022
    from thidua.errors import InputError
    with pytest.raises(InputError, match="nhóm «khac» không có trong kế hoạch"):
        m.build_master(plan, [{"ma_don_vi": "A", "ten_don_vi": "A", "nhom": "khac", "cap": "xa"}])


# ------------------------------------------------------------------ the real proof
def _close(got, want) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):  # a blank shows as blank,
        return got is None or got in ("", "Chưa đủ số liệu")  # or «Chưa đủ số liệu» (totals)
    if isinstance(want, str):
        return got == want
    return isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - want) <= 1e-9


def test_recalculated_masters_equal_the_engine(masters, tmp_path):
    soffice_or_skip()
    from thidua.workbook import recalc

    order = list(masters)
    outputs = recalc.recalculate([masters[pid][3] for pid in order], tmp_path / "rc")
    problems: list[str] = []
    checked = 0
    for pid, out in zip(order, outputs):
        plan, frame, units, path, year = masters[pid]
        problems += differences(path, out)  # the values stored with the formulas
        values = recalc.read_values(out)
        errors = recalc.formula_errors(values)
        assert not errors, f"{pid}: {errors[:5]}"
        for sheet, cells in values.items():
            bad = [(k, v) for k, v in cells.items() if isinstance(v, str) and v.startswith("Err:")]
            assert not bad, (pid, sheet, bad[:5])
        layout = m.read_layout(path)
        result = score(plan, frame, year=year)
        res = result.frame.set_index("ma_don_vi")
        summary = values[layout.sheet]
        col = layout.columns

        def check(where: str, got, want) -> None:
            nonlocal checked
            checked += 1
            if not _close(got, want):
                problems.append(f"{pid} {where}: bảng tính {got!r} ≠ engine {want!r}")

        for code in layout.units:
            r = layout.row_of(code)
            blank = code == BLANK_CODE
            if not plan.is_checklist:
                keys = [v.code for v in plan.values] + [i.code for i in plan.items] + [TOTAL_CODE]
                if plan.self_scored:
                    keys.append(SELF_TOTAL)
                for key in keys:
                    cell = f"{col[key]}{r}"
                    check(f"{m.SHEET_SUMMARY}!{cell} ({code}, {key})", summary.get(cell),
                          float(res.at[code, key]))
                want = "Chưa đủ số liệu" if blank else (YES if res.at[code, ELIGIBLE] else NO)
                cell = f"{col[ELIGIBLE]}{r}"
                check(f"{m.SHEET_SUMMARY}!{cell} ({code}, {ELIGIBLE})", summary.get(cell), want)
                continue
            grid = values[layout.indicator_sheet]
            rows = result.indicators[result.indicators["ma_don_vi"] == code]
            for ind in plan.indicators:
                for part in ind.parts or [ind]:
                    phan = part.id if ind.parts else ""
                    rec = rows[(rows["ma"] == ind.code) & (rows["phan"] == phan)]
                    assert len(rec) == 1
                    rec = rec.iloc[0]
                    cells = layout.indicators[part.code]
                    for key, field in (("gia_tri", "gia_tri"), ("muc_tieu", "muc_tieu"),
                                       ("trang_thai", "trang_thai")):
                        cell = f"{cells[key]}{r}"
                        want = rec[field]
                        want = want if isinstance(want, str) else float(want)
                        check(f"{layout.indicator_sheet}!{cell} ({code}, {part.code}, {key})",
                              grid.get(cell), want)
                if ind.parts:
                    rec = rows[(rows["ma"] == ind.code) & (rows["phan"] == "")].iloc[0]
                    cell = f"{layout.indicators[ind.code]['trang_thai']}{r}"
                    check(f"{layout.indicator_sheet}!{cell} ({code}, {ind.code})", grid.get(cell),
                          rec["trang_thai"])
            for key in (MET_CODE, APPLICABLE_CODE):
                for sheet, letter in ((layout.indicator_sheet, layout.indicator_columns[key]),
                                      (layout.sheet, col[key])):
                    cell = f"{letter}{r}"
                    check(f"{sheet}!{cell} ({code}, {key})", values[sheet].get(cell),
                          float(res.at[code, key]))

        total_row = next(k for k, v in values[m.SHEET_AWARDS].items()
                         if k.startswith("A") and v == "Tổng số tiền")[1:]
        check(f"{m.SHEET_AWARDS}!D{total_row}", values[m.SHEET_AWARDS].get(f"D{total_row}"),
              float(sum(p.amount for ps in plan.prize_sets for p in ps.sequence())))
    assert not problems, "\n".join(problems[:40])
    assert checked > 1000, checked
