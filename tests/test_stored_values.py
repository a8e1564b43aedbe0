"""Formula cells carry the values they compute (what Excel shows before it calculates).

Protected View, Outlook and phone previews show the values stored with the formulas.
Proof, cell by cell against LibreOffice's own recalculation of the same file:

* templates filled as units fill them — figures, blanks, and the usual mistakes (numbers
  typed as text, «12a», a percentage format, a date, loose yes/no words) — for every unit
  level and group, saved by the tool (so the values are the tool's);
* every workbook in ``sample_workbooks/`` (plan workbooks, unit lists, templates, masters
  after consolidation, results), except the simulated returned files (``nhan-ve/``: what
  units send back, saved by whatever program they use). Stamped templates of one level and
  group are the same sheets with a different name: one of each is recalculated, and the
  others' stored values must equal it.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.libreoffice import soffice_or_skip
from tests.stored import differences
from tests.test_template_formulas import cases_for
from thidua.plan import builtin_ids, load_plan
from thidua.plan.model import APPRAISAL_SUFFIX
from thidua.workbook import contract as c
from thidua.workbook.cached import Book, bake, formula_cells, stored_values
from thidua.workbook.recalc import recalculate
from thidua.workbook.template import SHEET_INPUT, SHEET_META, build_template

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"


def _mistakes(plan) -> list[dict]:
    """Figures as units really type them, wrong ones included."""
    out = []
    for inp in plan.inputs:
        if inp.type in ("count", "number", "percent"):
            # (no date: LibreOffice's CELL("format") says «G» for every date format, so
            # a date in a number cell is a number to it, where Excel reads «D4», not a
            # number, and the stored value follows Excel)
            out += [{inp.code: "1.234"}, {inp.code: "12a"}, {inp.code: -5},
                    {inp.code: ("%", 0.85)}, {inp.code: 2.5}, {inp.code: "   "}]
        elif inp.type == "yesno":
            out += [{inp.code: " có "}, {inp.code: "x"}, {inp.code: "Đạt"}, {inp.code: "có lẽ"},
                    {inp.code: True}, {inp.code: 0}]
        else:
            out += [{inp.code: inp.choices[-1].label.upper()}, {inp.code: inp.choices[0].code},
                    {inp.code: "Có"}]
        if len(out) > 24:
            break
    return out


def _set_meta(wb, key: str, value: str) -> None:
    ws = wb[SHEET_META]
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == key:
            ws.cell(row=r, column=2).value = value


def _fill(wb, layout, inputs: dict, year) -> None:
    ws = wb[SHEET_INPUT]
    for cell in list(layout.input_cells.values()) + list(layout.appraisal_cells.values()):
        ws[cell].value = None
    for code, value in inputs.items():
        if code.endswith(APPRAISAL_SUFFIX):
            ref = layout.appraisal_cells[code[: -len(APPRAISAL_SUFFIX)]]
        else:
            ref = layout.input_cells[code]
        fmt = None
        if isinstance(value, tuple):
            fmt, value = "0%", value[1]
        ws[ref].value = None if value == "" else value
        if fmt:
            ws[ref].number_format = fmt
    if year is not None and layout.year_cell:
        ws[layout.year_cell].value = year


def test_filled_templates_store_what_libreoffice_computes(tmp_path):
    soffice_or_skip()
    rng = random.Random(13)
    files = []
    for pid in builtin_ids():
        plan = load_plan(pid)
        wb, layout = build_template(plan)
        assert isinstance(wb, Book)
        number_formats = {ref: wb[SHEET_INPUT][ref].number_format
                          for ref in layout.input_cells.values()}
        cases = [(unit, inputs, year) for unit, inputs, year in cases_for(plan, rng)]
        unit = cases[0][0]
        cases += [(unit, m, None) for m in _mistakes(plan)]
        for k, (unit, inputs, year) in enumerate(cases):
            for ref, fmt in number_formats.items():
                wb[SHEET_INPUT][ref].number_format = fmt
            _set_meta(wb, c.LEVEL, unit.level)
            _set_meta(wb, c.GROUP, unit.group)
            _fill(wb, layout, inputs, year)
            path = tmp_path / f"{pid}-{k:02d}.xlsx"
            wb.save(path)
            files.append(path)
    problems = []
    for path, out in zip(files, recalculate(files, tmp_path / "tinh-lai")):
        problems += differences(path, out)
    assert not problems, "\n".join(problems[:30])
    assert len(files) > 100


def _sample_files() -> list[Path]:
    return [p for p in sorted(SAMPLES.rglob("*.xlsx")) if "nhan-ve" not in p.parts]


def test_sample_workbooks_store_what_libreoffice_computes(tmp_path):
    soffice_or_skip()
    files = _sample_files()
    assert len(files) > 100
    templates: dict[tuple, list[Path]] = {}
    others = []
    for path in files:
        if path.parent.name == "mau-don-vi":
            templates.setdefault(_sheets_and_unit(path), []).append(path)
        else:
            others.append(path)
    chosen = others + [paths[0] for paths in templates.values()]
    problems = []
    for path, out in zip(chosen, recalculate(chosen, tmp_path / "tinh-lai")):
        problems += differences(path, out)
    assert not problems, "\n".join(problems[:30])
    assert len(chosen) < len(files)


def _sheets_and_unit(path: Path) -> tuple:
    """What a template's formulas compute from and store: its formulas and stored values,
    the figures in its input cells, the unit's level and group. Stamped copies that agree
    on these differ only in the unit's name and code, which no formula reads."""
    import json

    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    meta = {r[0]: r[1] for r in wb[SHEET_META].iter_rows(max_col=2, values_only=True)}
    layout = json.loads(meta[c.LAYOUT])
    refs = [*layout["input_cells"].values(), *layout["appraisal_cells"].values()]
    refs += [layout["year_cell"]] if layout["year_cell"] else []
    ws = wb[SHEET_INPUT]
    figures = [ws[ref].value for ref in refs]
    wb.close()
    return (path.parent.parent.name, repr(formula_cells(path)), repr(figures), meta[c.LEVEL],
            meta[c.GROUP])


def test_bake_writes_types_as_excel_does():
    wb = Book()
    ws = wb.active
    ws.title = "Trang 1"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"], ws["A5"] = ("=1+1", '="a"&"<b>"', '=""', "=TRUE",
                                                        "=1/3")
    ws["B1"] = "chữ thường"
    wb.compute(lambda book, facts: {"Trang 1": {"A1": 2, "A2": "a<b>", "A3": "", "A4": True,
                                                "A5": 1 / 3}})
    data = bake(wb.package(), wb.formula_values())
    assert stored_values(data) == {"Trang 1": {"A1": 2.0, "A2": "a<b>", "A3": "", "A4": True,
                                               "A5": 1 / 3}}
    kinds = {ref: kind for ref, (kind, _) in formula_cells(data)["Trang 1"].items()}
    assert kinds == {"A1": None, "A2": "str", "A3": "str", "A4": "b", "A5": None}


@pytest.mark.parametrize("pid", ["vu-ban-cchc-2023", "quang-nam-dvc-2023"])
def test_stamped_templates_of_other_levels_store_their_own_values(tmp_path, pid):
    """Values depend on the unit's level and group: each variant is baked for its own."""
    from thidua.units import read_unit_list
    from thidua.demo import sample_path
    from thidua.workbook.generate import generate_templates

    plan = load_plan(pid)
    units = read_unit_list(sample_path(pid), plan)
    paths = generate_templates(plan, units, tmp_path, workers=1, backup=False)
    seen = {}
    for unit, path in zip(units, paths):
        values = stored_values(path)
        assert all(v is not None for cells in values.values() for v in cells.values())
        seen.setdefault((unit.level, unit.group), repr(values))
    assert len(set(seen.values())) > 1, "the variants should differ"


def test_charts_carry_the_values_they_plot(tmp_path):
    """A chart is drawn from its cache until Excel calculates: names as text, totals as numbers."""
    import re
    import zipfile

    from thidua.demo import master_units, sample_path
    from thidua.data import load_data
    from thidua.workbook.master import SHEET_SUMMARY, read_layout, write_master

    plan = load_plan("nui-thanh-dvc-2023")
    table = load_data(plan, sample_path(plan.id)).table
    path = write_master(plan, master_units(plan, table.frame), tmp_path / "so.xlsx", backup=False)
    layout = read_layout(path)
    stored = stored_values(path)[SHEET_SUMMARY]
    with zipfile.ZipFile(path) as zf:
        charts = [zf.read(n).decode() for n in sorted(zf.namelist()) if n.startswith("xl/charts/")]
    assert len(charts) == len(plan.groups)
    for xml, group in zip(charts, plan.groups):
        first, last = layout.groups[group.code]
        names = re.findall(r"<strCache>.*?</strCache>", xml)[0]
        numbers = re.findall(r"<numCache>.*?</numCache>", xml)[0]
        want_names = [u.name for u in load_units(plan)[first - layout.first_row:last - layout.first_row + 1]]
        assert re.findall(r"<v>([^<]*)</v>", names) == want_names
        got = [float(v) for v in re.findall(r"<v>([^<]*)</v>", numbers)]
        total = layout.columns["tong_diem"]
        assert got == [stored[f"{total}{r}"] for r in range(first, last + 1)]


def load_units(plan):
    """The master's units in its row order (group, then code)."""
    from thidua.demo import sample_path
    from thidua.units import read_unit_list

    order = {g.code: i for i, g in enumerate(plan.groups)}
    return sorted(read_unit_list(sample_path(plan.id), plan), key=lambda u: (order[u.group], u.code))
