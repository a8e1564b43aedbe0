"""What a unit sees is what the office scores, and figures that cannot be true never score.

Issue 11, end to end with real files:

* Hòa Thành templates filled as units really fill them — values pasted past the
  drop-downs (x, có, TRUE as text, 1, a choice written as its code, NFD, stray
  spaces, ko, rồi…), a «Có» alone in the three-way choice, 85 % typed in a
  percent cell, 2 % typed in a count, numbers pasted as text — are recalculated
  by LibreOffice; every self-score the template shows equals the score the
  office computes after consolidating the same files (blank «Chưa đủ số liệu»
  when a figure neither can read is missing).
* An empty template shows no points and «Chưa đủ số liệu».
* Núi Thành figures that break a consistency check, on every surface: the
  engine (property test), generate → fill → consolidate → score, and the
  template recalculated by LibreOffice: never eligible, ranked or awarded.
"""
from __future__ import annotations

import json
import math
import random
import unicodedata

import numpy as np
import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.libreoffice import soffice_or_skip
from thidua.plan import load_plan
from thidua.result import ELIGIBLE, RANK, SELF_TOTAL
from thidua.units import Unit
from thidua.workbook import recalc
from thidua.workbook.template import SHEET_INPUT, SHEET_META

UNITS = 48



def _layout(path) -> dict:
    wb = openpyxl.load_workbook(path)
    meta = {r[0].value: r[1].value for r in wb[SHEET_META].iter_rows()}
    return json.loads(meta["bo_cuc"])


YES = ["Có", "có ", "x", "X", "TRUE", True, 1, "1", "yes", "Đã", "rồi",
       unicodedata.normalize("NFD", "có"), "đạt"]
NO = ["Không", "không", "k", "ko", "0", 0, False, "FALSE", "chưa", "Không có", "không đạt"]
BAD_YESNO = ["đúng", "có thể", "?", 2]


def _typed(plan, rng: random.Random) -> dict[str, object]:
    """What one unit types, mistakes included; a cell value or (value, number format)."""
    out: dict[str, object] = {}
    for inp in plan.inputs:
        if inp.office_only:
            continue
        roll = rng.random()
        if inp.type == "yesno":
            out[inp.code] = rng.choice(BAD_YESNO) if roll < 0.01 else rng.choice(YES + NO)
        elif inp.type == "choice":
            options = [c.label for c in inp.choices] + [c.code for c in inp.choices] + [
                c.label.upper() for c in inp.choices]
            out[inp.code] = "Có" if roll < 0.05 else rng.choice(options)
        elif inp.type == "percent":
            value = rng.choice([100, 95, 80, 99.99, 4, 0, 85.5])
            out[inp.code] = (value / 100, "0%") if roll < 0.2 else value
        else:  # counts
            hi = int(inp.max) if inp.max is not None else 12
            value = rng.randint(0, hi)
            if roll < 0.01:
                out[inp.code] = (value / 100, "0%")  # 2% typed in a count: unreadable
            elif roll < 0.02:
                out[inp.code] = str(value)  # a number pasted as text: unreadable
            else:
                out[inp.code] = value
        if roll > 0.99:
            out[inp.code] = None  # left blank
    return out


def _fill(path, typed: dict) -> None:
    wb = openpyxl.load_workbook(path)
    cells = _layout(path)["input_cells"]
    ws = wb[SHEET_INPUT]
    for code, value in typed.items():
        cell = ws[cells[code]]
        if isinstance(value, tuple):
            cell.value, cell.number_format = value
        else:
            cell.value = value
    wb.save(path)


def _shown_number(value):
    if value in (None, "", "Chưa đủ số liệu"):
        return None
    return float(value)


def test_the_self_score_a_unit_sees_is_the_score_the_office_computes(tmp_path):
    soffice_or_skip()
    from thidua.consolidate.collect import consolidate
    from thidua.data import load_data
    from thidua.engine import score
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.master import write_master

    plan = load_plan("hoa-thanh-cchc-2018")
    rng = random.Random(11)
    units = [Unit(f"U{k:02d}", f"Đơn vị {k}", "chung", "xa" if k % 2 else "huyen")
             for k in range(UNITS)]
    paths = generate_templates(plan, units, tmp_path / "mau", workers=1)
    typed = {}
    for unit, path in zip(units, paths):
        typed[unit.code] = _typed(plan, rng)
        _fill(path, typed[unit.code])
    master = write_master(plan, [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": u.group,
                                  "cap": u.level} for u in units], tmp_path / "so.xlsx",
                          backup=False)
    consolidate(plan, tmp_path / "mau", master, backup=False)
    data = load_data(plan, master)
    office = score(plan, data.table, year=data.year).frame.set_index("ma_don_vi")

    outputs = recalc.recalculate(paths, tmp_path / "tinh-lai")
    layout = _layout(paths[0])
    total_cell = layout["self_cells"]["tong_diem"]
    differ, blank, scored = [], 0, 0
    for unit, out in zip(units, outputs):
        values = recalc.read_values(out)
        assert not recalc.formula_errors(values), unit.code
        seen = _shown_number(values[SHEET_INPUT].get(total_cell))
        want = office.at[unit.code, SELF_TOTAL]
        want = None if math.isnan(want) else float(want)
        if seen is None and want is None:
            blank += 1
        elif seen is None or want is None or abs(seen - want) > 1e-9:
            differ.append(f"{unit.code}: phiếu {seen!r} ≠ cơ quan {want!r} ({typed[unit.code]})")
        else:
            scored += 1
    assert not differ, "\n".join(differ[:10])
    assert scored >= UNITS // 3 and blank >= 3  # both kinds of outcome were exercised


def test_an_empty_template_shows_no_points(tmp_path):
    soffice_or_skip()
    from thidua.workbook.generate import generate_templates

    for plan_id in ("hoa-thanh-cchc-2018", "nui-thanh-dvc-2023"):
        plan = load_plan(plan_id)
        group = plan.groups[0]
        (path,) = generate_templates(plan, [Unit("A", "Xã A", group.code, group.level or "xa")],
                                     tmp_path / plan_id, workers=1)
        (out,) = recalc.recalculate([path], tmp_path / f"{plan_id}-tinh-lai")
        values = recalc.read_values(out)[SHEET_INPUT]
        layout = _layout(path)
        assert values.get(layout["computed_cells"]["tong_diem"]) == "Chưa đủ số liệu"
        assert values.get(layout["eligible_cell"]) == "Chưa đủ số liệu"
        for item in plan.items:
            if item.role == "score":
                assert values.get(layout["computed_cells"][item.code]) in (None, ""), item.code
        assert not any(str(values.get(c) or "").startswith("⚠") for c in layout["check_cells"].values())


# ------------------------------------------------------------------ figures that cannot be true
NUI = "nui-thanh-dvc-2023"


def _nui_frame(rows: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"ma_don_vi": f"X{k:02d}", "ten_don_vi": f"Xã {k}", "nhom": "xa",
                          "cap": "xa", "tong_giai_quyet": t, "truc_tuyen_giai_quyet": o,
                          "truc_tuyen_dung_han": d, "tre_han": late}
                         for k, (t, o, d, late) in enumerate(rows)])


def _breaks_a_check(t: int, o: int, d: int, late: int) -> bool:
    return d > o or o > t or late > t


figures = st.tuples(*[st.integers(min_value=0, max_value=3000)] * 4)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(figures, min_size=2, max_size=12))
def test_no_impossible_figures_are_ever_eligible_ranked_or_awarded(rows):
    from thidua.engine import score

    result = score(load_plan(NUI), _nui_frame(rows))
    f = result.frame
    for k, row in enumerate(rows):
        if _breaks_a_check(*row):
            assert not f.at[k, ELIGIBLE] and np.isnan(f.at[k, RANK]) and not f.at[k, "giai"]
            assert any("lớn hơn" in reason for reason in f.at[k, "ly_do"])
    tied = {u for tie in result.ties for u in tie["units"]}
    assert not tied & {f.at[k, "ma_don_vi"] for k, row in enumerate(rows) if _breaks_a_check(*row)}


def test_impossible_figures_through_templates_consolidation_and_the_master(tmp_path):
    """The issue's case: 2,600 on-time online dossiers of 2,000 resolved scored 130 and won."""
    from thidua.consolidate.collect import consolidate
    from thidua.data import load_data
    from thidua.engine import score
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.master import write_master

    plan = load_plan(NUI)
    rows = {"X00": (2000, 2000, 2600, 0), "X01": (2000, 2500, 1900, 0),
            "X02": (2000, 1800, 1700, 10), "X03": (1000, 800, 700, 0)}
    units = [Unit(code, f"Xã {code}", "xa", "xa") for code in rows]
    paths = generate_templates(plan, units, tmp_path / "nhan-ve", workers=1)
    for unit, path in zip(units, paths):
        t, o, d, late = rows[unit.code]
        _fill(path, {"tong_giai_quyet": t, "truc_tuyen_giai_quyet": o,
                     "truc_tuyen_dung_han": d, "tre_han": late})
    master = write_master(plan, [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": "xa",
                                  "cap": "xa"} for u in units], tmp_path / "so.xlsx", backup=False)
    outcome = consolidate(plan, tmp_path / "nhan-ve", master, backup=False)
    flagged = {p.unit.split(" ")[0] for p in outcome.issues if p.code == "so_lieu_mau_thuan"}
    assert flagged == {"X00", "X01"}
    data = load_data(plan, master)
    f = score(plan, data.table, year=data.year).frame.set_index("ma_don_vi")
    for code in ("X00", "X01"):
        assert not f.at[code, ELIGIBLE] and np.isnan(f.at[code, RANK]) and not f.at[code, "giai"]
    assert f.at["X02", "giai"] == "nhat" and f.at["X03", ELIGIBLE]

    # the unit saw it while typing: the template says why, and is not eligible
    soffice_or_skip()
    outputs = recalc.recalculate(paths[:1], tmp_path / "tinh-lai")
    values = recalc.read_values(outputs[0])[SHEET_INPUT]
    layout = _layout(paths[0])
    assert values.get(layout["eligible_cell"]) == "Không"
    warning = values.get(layout["check_cells"]["truc_tuyen_dung_han"])
    assert warning.startswith("⚠") and "lớn hơn số hồ sơ giải quyết trực tuyến" in warning


def test_a_unit_typing_an_office_only_field_is_ignored_and_reported(tmp_path):
    """The issue's case: an ordinary unit typed 120 into the hand-total cell and won Giải Nhất."""
    from thidua.consolidate.collect import consolidate
    from thidua.data import load_data
    from thidua.engine import score
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.master import write_master

    plan = load_plan("hoa-thanh-cchc-2018")
    units = [Unit("A", "Phòng A", "chung", "huyen"), Unit("B", "Phòng B", "chung", "huyen")]
    paths = generate_templates(plan, units, tmp_path / "nhan-ve", workers=1)
    figures = {inp.code: (0 if inp.type == "count" else "Có" if inp.type == "yesno" else
                          inp.choices[0].label if inp.type == "choice" else 50)
               for inp in plan.inputs if not inp.office_only}
    for path in paths:
        _fill(path, figures)
    _fill(paths[0], {"diem_thu_cong": 120})  # the sheet is only protected against accidents
    wb = openpyxl.load_workbook(paths[0])
    cells = _layout(paths[0])["appraisal_cells"]
    wb[SHEET_INPUT][cells["ty_le_truoc_han"]] = 100  # and an appraisal of its own
    wb.save(paths[0])
    master = write_master(plan, [{"ma_don_vi": u.code, "ten_don_vi": u.name, "nhom": "chung",
                                  "cap": "huyen"} for u in units], tmp_path / "so.xlsx",
                          backup=False)
    outcome = consolidate(plan, tmp_path / "nhan-ve", master, backup=False)
    office = [p for p in outcome.issues if p.code == "o_cua_co_quan"]
    assert len(office) == 2 and all(p.unit.startswith("A") for p in office)
    assert any("120" in p.message for p in office)
    data = load_data(plan, master)
    f = score(plan, data.table, year=data.year).frame.set_index("ma_don_vi")
    assert f.at["A", "tong_diem"] == f.at["B", "tong_diem"] < 100  # scored by its criteria
    assert not f.at["A", "nhap_tay"]


def test_the_template_validates_figures_a_check_reads(tmp_path):
    """Excel's data validation warns as the unit types a figure that breaks a check: the
    validation formula, evaluated by LibreOffice on typed figures, holds exactly when the
    figure is a valid count and every check it takes part in holds (blank figures pass)."""
    soffice_or_skip()
    from thidua.workbook.generate import generate_templates

    plan = load_plan(NUI)
    (path,) = generate_templates(plan, [Unit("X00", "Xã A", "xa", "xa")], tmp_path / "mau",
                                 workers=1)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_INPUT]
    cells = _layout(path)["input_cells"]
    target = cells["truc_tuyen_dung_han"]
    (dv,) = [dv for dv in ws.data_validations.dataValidation if target in str(dv.sqref)]
    assert dv.type == "custom" and dv.errorStyle == "warning"
    assert "lớn hơn số hồ sơ giải quyết trực tuyến" in dv.error
    cases = [((2000, 1800, 1700, 0), True), ((2000, 1800, 1900, 0), False),
             ((2000, None, 1900, 0), True), ((2000, 1800, 17.5, 0), False),
             ((2000, 1800, -1, 0), False), ((2000, 1800, 1800, 0), True)]
    out = tmp_path / "tinh"
    files = []
    for k, (figures, _) in enumerate(cases):
        book = openpyxl.load_workbook(path)
        sheet = book[SHEET_INPUT]
        sheet.protection.sheet = False
        for code, value in zip(("tong_giai_quyet", "truc_tuyen_giai_quyet", "truc_tuyen_dung_han",
                                "tre_han"), figures):
            sheet[cells[code]] = value
        sheet["Z1"] = f"={dv.formula1}"
        files.append(tmp_path / f"ca-{k}.xlsx")
        book.save(files[-1])
    for (figures, ok), done in zip(cases, recalc.recalculate(files, out)):
        assert recalc.read_values(done)[SHEET_INPUT].get("Z1") is ok, figures
