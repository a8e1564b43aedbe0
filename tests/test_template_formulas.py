"""Proof with a real spreadsheet engine: the unit templates' live formulas equal the engine.

Templates of every seed plan are stamped, filled as a unit would fill them
(numbers, «Có»/«Không», choice labels, blanks), recalculated by LibreOffice
headless, and every computed cell is compared with ``thidua.engine.score`` on
the same figures read back through ``thidua.table`` — generated inputs plus
fixed edge rows (band edges, exactly 65 %/70 %/95 points, zero dossiers,
halves such as 46/320, blanks, years).
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import openpyxl

from tests.libreoffice import soffice_or_skip
from thidua.engine import score
from thidua.plan import builtin_ids, load_plan
from thidua.plan.model import APPRAISAL_SUFFIX, TOTAL_CODE
from thidua.result import ELIGIBLE, SELF_TOTAL
from thidua.table import parse_rows
from thidua.units import Unit
from thidua.workbook import recalc
from thidua.workbook.generate import generate_templates
from thidua.workbook.template import SHEET_INPUT, SHEET_META

RANDOM_PER_PLAN = 10



def _meta(wb) -> dict:
    ws = wb[SHEET_META]
    return {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}


def random_inputs(plan, rng: random.Random) -> dict[str, object]:
    """What a unit might type, per input type (values as typed in the cells)."""
    out: dict[str, object] = {}
    for inp in plan.inputs:
        if plan.manual_total == inp.code:
            continue
        if inp.type == "yesno":
            out[inp.code] = rng.choice(["Có", "Không"])
        elif inp.type == "choice":
            out[inp.code] = rng.choice(inp.choices).label
        elif inp.type == "percent":
            out[inp.code] = rng.choice([rng.randint(0, 100), round(rng.uniform(0, 100), 2), 100, 95, 80])
        elif inp.type == "count":
            hi = int(inp.max) if inp.max is not None else (4000 if plan.id.startswith("nui") else 14)
            out[inp.code] = rng.randint(0, hi)
        else:
            lo = inp.min if inp.min is not None else 0
            hi = inp.max if inp.max is not None else 200
            out[inp.code] = round(rng.uniform(lo, hi), 2)
    if plan.id == "nui-thanh-dvc-2023":  # keep the statistics consistent
        tong = out["tong_giai_quyet"]
        out["truc_tuyen_giai_quyet"] = rng.randint(0, tong)
        out["truc_tuyen_dung_han"] = rng.randint(0, out["truc_tuyen_giai_quyet"])
        out["tre_han"] = rng.randint(0, tong)
    return out


def edge_rows(plan) -> list[tuple[dict, dict]]:
    """(inputs, extra) rows at the edges the spec names; extra may set group/level/year."""
    if plan.id == "nui-thanh-dvc-2023":
        rows = [(299, 299, 299, 0), (300, 300, 250, 0), (2699, 2699, 2600, 1), (2700, 2700, 2700, 0),
                (400, 260, 255, 2), (1000, 700, 690, 0), (0, 0, 0, 0), (320, 300, 46, 17),
                (140, 100, 100, 0), (1000, 900, 800, 60), (1000, 649, 600, 0)]
        out = []
        for i, (tong, tt, dh, tre) in enumerate(rows):
            group = "co_quan" if i % 2 else "xa"
            out.append(({"tong_giai_quyet": tong, "truc_tuyen_giai_quyet": tt,
                         "truc_tuyen_dung_han": dh, "tre_han": tre},
                        {"group": group, "level": "huyen" if group == "co_quan" else "xa"}))
        return out
    if plan.id == "hoa-thanh-cchc-2018":
        perfect = {"ty_le_mot_cua_dien_tu": 100, "ty_le_truoc_han": 5, "co_quy_che_phoi_hop": "Có",
                   "co_ra_soat_don_gian_hoa": "Có", "so_tthc_don_gian_hoa": 5,
                   "co_ra_soat_thoi_gian": "Có", "so_tthc_cat_giam_thoi_gian": 5,
                   "co_de_xuat_cai_tien": "Có", "so_phan_anh_dung": 0,
                   "sang_kien": "Có, được áp dụng, nhân rộng trên địa bàn huyện",
                   "so_vi_pham_van_hoa": 0, "co_niem_yet": "Có", "so_tthc_niem_yet_thieu": 0,
                   "so_noi_dung_bo_tri_thieu": 0, "so_tin_truyen_thanh": 4, "so_tin_trang_ttdt": 6,
                   "co_camera_hoac_dieu_hoa": "", "co_wifi_mien_phi": "",
                   "so_phan_hoi_tre": 10, "so_bien_ban_nhac_nho": 1}  # exactly 95
        negative = dict(perfect, so_vi_pham_van_hoa=4, so_tthc_niem_yet_thieu=13, so_phan_hoi_tre=30,
                        so_phan_anh_dung=3)
        commune = dict(perfect, so_tthc_don_gian_hoa=7, co_camera_hoac_dieu_hoa="Có",
                       co_wifi_mien_phi="Không", ty_le_mot_cua_dien_tu=99.99)
        appraised = dict(perfect, **{"ty_le_mot_cua_dien_tu" + APPRAISAL_SUFFIX: 94.5,
                                     "co_niem_yet" + APPRAISAL_SUFFIX: "Không",
                                     "sang_kien" + APPRAISAL_SUFFIX: "Không có"})
        manual = {"diem_thu_cong": 96.5, "so_bien_ban_nhac_nho": 0}
        return [(perfect, {"level": "huyen"}), (negative, {"level": "huyen"}),
                (commune, {"level": "xa"}), (appraised, {"level": "xa"}), (manual, {"level": "huyen"})]
    if plan.id == "vu-ban-cchc-2023":
        at = {inp.code: (100 if inp.type == "percent" else "Có") for inp in plan.inputs}
        at.update({c: v for c, v in at.items()})
        exact = dict(at)
        for ind in plan.indicators:
            for part in ind.parts or [ind]:
                if part.target and part.target.number is not None and part.value is not None \
                        and len(part.value.names()) == 1:
                    exact[next(iter(part.value.names()))] = part.target.number
        level_edge = dict(exact)
        blanks = dict(exact)
        first_percent = next(i.code for i in plan.inputs if i.type == "percent")
        blanks[first_percent] = ""
        return [(exact, {"group": "xa", "level": "xa"}), (level_edge, {"group": "co_quan", "level": "huyen"}),
                (blanks, {"group": "xa", "level": "xa"})]
    if plan.id == "xuan-thanh-mot-cua-2021":
        base = {inp.code: 50 for inp in plan.inputs}
        base.update(tong_ho_so_tiep_nhan=1199, so_nhan_su_mot_cua=1)
        return [(dict(base), {"year": year}) for year in (2021, 2022, 2023, 2024, 2025, 2026)] + [
            (dict(base, tong_ho_so_tiep_nhan=2400, so_nhan_su_mot_cua=2, thoi_gian_cho_trung_binh=30),
             {"year": 2024}),
            (dict(base, so_nhan_su_mot_cua=""), {"year": 2025})]
    if plan.id == "quang-nam-dvc-2023":
        base = {inp.code: 60 for inp in plan.inputs}
        base.update({c: 50 for c in base if c.endswith("_2022")})
        return [(dict(base), {"level": lv, "group": lv}) for lv in ("tinh", "huyen", "xa")] + [
            (dict(base, **{next(c for c in base if c.endswith("_2022")): ""}), {"level": "xa", "group": "xa"})]
    return []


def cases_for(plan, rng: random.Random) -> list[tuple[Unit, dict, int | None]]:
    cases = []
    default_group = plan.groups[0]
    for i, (inputs, extra) in enumerate(edge_rows(plan)):
        group = extra.get("group", default_group.code)
        level = extra.get("level") or plan.group(group).level or plan.levels[0]
        cases.append((Unit(f"B{i:02d}", f"Đơn vị biên {i}", group, level), inputs, extra.get("year")))
    for i in range(RANDOM_PER_PLAN):
        group = rng.choice(plan.groups)
        level = group.level or rng.choice(plan.levels)
        if plan.group_from_level:
            level = group.code
        inputs = random_inputs(plan, rng)
        if plan.self_scored and i % 2:
            for code in rng.sample(list(inputs), 3):
                inputs[code + APPRAISAL_SUFFIX] = random_inputs(plan, rng)[code]
        if rng.random() < 0.2:  # a unit that leaves an optional figure blank
            optional = [inp.code for inp in plan.inputs if not inp.required and inp.code in inputs]
            if optional:
                inputs[rng.choice(optional)] = ""
        year = None
        if plan.years:
            year = rng.randint(plan.years[0], plan.years[1])
        cases.append((Unit(f"R{i:02d}", f"Đơn vị ngẫu nhiên {i}", group.code, level), inputs, year))
    return cases


def fill(path: Path, inputs: dict, year: int | None) -> None:
    wb = openpyxl.load_workbook(path)
    layout = json.loads(_meta(wb)["bo_cuc"])
    ws = wb[SHEET_INPUT]
    for code, value in inputs.items():
        if code.endswith(APPRAISAL_SUFFIX):
            cell = layout["appraisal_cells"][code[: -len(APPRAISAL_SUFFIX)]]
        else:
            cell = layout["input_cells"][code]
        ws[cell] = None if value == "" else value
    if year is not None and layout["year_cell"]:
        ws[layout["year_cell"]] = year
    wb.save(path)


def engine_result(plan, unit: Unit, inputs: dict, year: int | None):
    codes = [inp.code for inp in plan.inputs] + [c for c in inputs if c.endswith(APPRAISAL_SUFFIX)]
    headers = ["ma_don_vi", "ten_don_vi", "nhom", "cap"] + codes
    row = [unit.code, unit.name, unit.group, unit.level] + [inputs.get(c, "") for c in codes]
    table = parse_rows(headers, [row], plan, source="kiểm thử")
    default_year = year if year is not None else (plan.last_year() if plan.is_checklist else None)
    return score(plan, table, year=default_year)


def close(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)


def compare(plan, layout: dict, values: dict, result) -> list[str]:
    """Every computed cell against the engine; returns the differences."""
    sheet = values[SHEET_INPUT]
    frame = result.frame.iloc[0]
    diffs = []

    def check(where: str, got, want, what: str):
        if isinstance(want, float) and math.isnan(want):
            want = None if got in (None, "") else want
            got = None if got in (None, "") else got
        if not close(got, want):
            diffs.append(f"{what} ô {where}: bảng tính {got!r} ≠ engine {want!r}")

    for code, cell in layout["computed_cells"].items():
        if code == "so_tieu_chi_ap_dung":
            check(cell, sheet.get(cell), float(frame["so_tieu_chi_ap_dung"]), code)
        else:
            check(cell, sheet.get(cell), float(frame[code]), code)
    if plan.self_scored:
        for code, cell in layout["self_cells"].items():
            if code == TOTAL_CODE:
                check(cell, sheet.get(cell), float(frame[SELF_TOTAL]), "tổng tự chấm")
    if layout["eligible_cell"]:
        check(layout["eligible_cell"], sheet.get(layout["eligible_cell"]),
              "Có" if frame[ELIGIBLE] else "Không", "đủ điều kiện")
    if plan.is_checklist:
        rows = result.indicators
        for key, cell in layout["status_cells"].items():
            code, _, part = key.partition(".")
            match = rows[(rows["ma"] == code) & (rows["phan"] == part)].iloc[0]
            check(cell, sheet.get(cell), match["trang_thai"], f"trạng thái {key}")
            if key in layout["value_cells"]:
                value = match["gia_tri"]
                check(layout["value_cells"][key], sheet.get(layout["value_cells"][key]),
                      None if np.isnan(value) else float(value), f"giá trị {key}")
                target = match["muc_tieu"]
                if match["trang_thai"] != "không áp dụng" or not np.isnan(target):
                    got_target = sheet.get(layout["target_cells"][key])
                    if not (np.isnan(target) and got_target in (None, "")):
                        check(layout["target_cells"][key], got_target,
                              None if np.isnan(target) else float(target), f"mục tiêu {key}")
    return diffs


def run_plan_cases(plans, tmp_path: Path, seed: int = 2023):
    """Generate, fill, recalculate; yields (plan, unit, inputs, year, layout, values)."""
    rng = random.Random(seed)
    work = []
    for plan in plans:
        cases = cases_for(plan, rng)
        folder = tmp_path / plan.id
        paths = generate_templates(plan, [c[0] for c in cases], folder, workers=1)
        for (unit, inputs, year), path in zip(cases, paths):
            fill(path, inputs, year)
            work.append((plan, unit, inputs, year, path))
    outputs = recalc.recalculate([w[-1] for w in work], tmp_path / "tinh-lai")
    for (plan, unit, inputs, year, path), out in zip(work, outputs):
        wb = openpyxl.load_workbook(path)
        layout = json.loads(_meta(wb)["bo_cuc"])
        yield plan, unit, inputs, year, layout, recalc.read_values(out)


def test_templates_of_every_plan_compute_what_the_engine_computes(tmp_path):
    soffice_or_skip()
    plans = [load_plan(i) for i in builtin_ids()]
    checked = 0
    problems = []
    for plan, unit, inputs, year, layout, values in run_plan_cases(plans, tmp_path):
        errors = recalc.formula_errors(values)
        assert not errors, f"{plan.id} {unit.code}: lỗi công thức {errors[:5]}"
        for diff in compare(plan, layout, values, engine_result(plan, unit, inputs, year)):
            problems.append(f"{plan.id} {unit.code}: {diff}")
        checked += 1
    assert checked >= 50
    assert not problems, "\n".join(problems[:30])


def test_the_proof_bites_when_a_band_edge_is_off(tmp_path, monkeypatch):
    """Test of the test: turning one >= into > in the printed formulas must be caught."""
    soffice_or_skip()
    from thidua.program import excel
    original = excel.Printer.value
    monkeypatch.setattr(excel.Printer, "value", lambda self, node: original(self, node).replace(
        f">=(300)-{excel.EPS}", f">(300)+{excel.EPS}"))
    plan = load_plan("nui-thanh-dvc-2023")
    problems = []
    for plan_, unit, inputs, year, layout, values in run_plan_cases([plan], tmp_path):
        problems += compare(plan_, layout, values, engine_result(plan_, unit, inputs, year))
    assert any("he_so" in p for p in problems), "đổi >= thành > mà phép thử không phát hiện"
