"""The column-wise table parse against a row-by-row one, on generated tables.

``thidua.table.parse_rows`` reads each column once per distinct value. Two
oracles check it:

* per cell: every input cell is what ``Codec.read`` gives for it alone (the
  number, or the problem with its code, message, hint and cell);
* per table: the frame, rows, columns and problems (same messages, cells and
  order) are those of the row-by-row parse it replaced
  (``tests/reference_table.py``), on tables with every kind of column, blank
  and short rows, duplicates, unknown groups and levels, percent cells, years,
  appraisals and hand-entered totals.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from reference_table import reference_parse_rows
from thidua.codecs import CELL, TABLE, ValueProblem, codec
from thidua.errors import InputError
from thidua.plan.model import LEVELS, Choice, Group, Input, Plan
from thidua.table import parse_rows
from thidua.text import fold, is_blank

CHOICES = [Choice("tot", "Tốt"), Choice("kha", "Khá"), Choice("tb", "Trung bình")]

#: Cells people and programs put in tables: numbers typed every way, words, blanks, junk.
EDGE_TEXT = [
    "", " ", "\u00a0", "0", "1", "12", "1.234", "1.234,5", "12,5", "0.5", "1,234,567", "1,2,3",
    "85%", "85 %", "100", "100,0001", "-1", "-0", "1e3", "1E400", "12a", "x", "X ", "✓", "có",
    "Có", "co", "CÓ ", "khong", "Không", "không có", "k", "ko", "đã", "chưa", "rồi", "đạt",
    "không đạt", "true", "FALSE", "yes", "no", "Tốt", "tot", "KHÁ", "Trung binh", "trung bình",
    "tb", "#DIV/0!", "#N/A", "  7  ", "1 234", "0123", "9" * 20, "3.5", "2.000.000", "1.23",
    "c\u00f3", "co\u0301", "Kha\u0301", "nan", "None",
]
EDGE_OTHER = [None, 0, 1, 2, 3, 7, 1234, -1, 0.0, -0.0, 0.5, 0.85, 1.5, 99.999999999, 100.0,
              1e16, math.nan, math.inf, True, False, dt.datetime(2024, 1, 5), dt.date(2024, 1, 5),
              dt.time(8, 30)]
CELLS = st.sampled_from(EDGE_TEXT + EDGE_OTHER)

GROUP_CELLS = st.sampled_from(["huyen", "xa", "Khối xã", "khoi huyen", "HUYỆN", "tinh", "", None,
                               "nhóm lạ", 1, "chung"])
LEVEL_CELLS = st.sampled_from(["huyen", "xa", "Xã", "Phường", "thị trấn", "cấp huyện", "tỉnh", "",
                               None, "quận", "làng", 3])
CODE_CELLS = st.sampled_from(["A", "B", "a", "C_1", "C 1", "Đ1", "D1", "", " ", None, 7, 7.0,
                              "X1", "x1", "Y*2"])
NAME_CELLS = st.sampled_from(["Xã A", "Phường B", "", None, "  Thị trấn C ", 5])
YEAR_CELLS = st.sampled_from([2023, 2024.0, "2024", "2.024", "24", "", None, "năm", 1800, 2023.5])


def inputs(required: bool, bounded: bool, default: bool) -> list[Input]:
    return [
        Input("so_ho_so", "Số hồ sơ", "count", unit="hồ sơ", required=required,
              max=500 if bounded else None),
        Input("ty_le", "Tỷ lệ đúng hạn", "percent", unit="%", required=required,
              min=10 if bounded else None),
        Input("kinh_phi", "Kinh phí", "number", required=False,
              min=-5 if bounded else None, default=2.5 if default else None),
        Input("co_ke_hoach", "Có kế hoạch", "yesno", required=required),
        Input("xep_loai", "Xếp loại", "choice", required=False, choices=CHOICES,
              default=1 if default else None),
    ]


@st.composite
def plans(draw) -> Plan:
    pool = draw(st.sampled_from(["two", "one", "from_level"]))
    self_scored = draw(st.booleans())
    ins = inputs(draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    manual = None
    if self_scored and draw(st.booleans()):
        ins.append(Input("tong_tu_cham", "Tổng điểm tự chấm", "number", required=False))
        manual = "tong_tu_cham"
    if pool == "one":
        groups = [Group("chung", "Chung")]
    elif pool == "from_level":
        groups = [Group("huyen", "Khối huyện"), Group("xa", "Khối xã")]
    else:
        groups = [Group("huyen", "Khối huyện", level="huyen"),
                  Group("xa", "Khối xã", level=draw(st.sampled_from(["xa", None])))]
    levels = draw(st.sampled_from([["huyen", "xa"], ["xa"], ["tinh", "huyen", "xa"]]))
    years = draw(st.sampled_from([None, (2021, 2025)]))
    return Plan(id="thu", version=1, title="Kế hoạch thử", kind="points", groups=groups,
                levels=levels, inputs=ins, self_scored=self_scored, manual_total=manual,
                group_from_level=pool == "from_level", years=years)


@st.composite
def tables(draw):
    plan = draw(plans())
    columns = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "nam"] + [i.code for i in plan.inputs]
    if plan.self_scored:
        columns += [i.code + "_tham_dinh" for i in plan.inputs]
    clean = draw(st.booleans())
    if clean:
        columns = draw(st.permutations(columns + ["ghi_chu"]))
    else:
        columns = draw(st.lists(st.sampled_from(columns + ["ghi_chu", "Mã đơn vị", "Tỷ lệ đúng hạn"]),
                                min_size=1, max_size=14))
    cell_of = {"ma_don_vi": CODE_CELLS, "Mã đơn vị": CODE_CELLS, "ten_don_vi": NAME_CELLS,
               "nhom": GROUP_CELLS, "cap": LEVEL_CELLS, "nam": YEAR_CELLS}
    if clean:  # a table that reads cleanly, mostly
        valid = {"so_ho_so": ["12", 7, "123", "", "0"], "ty_le": ["85", "85%", 50.5, 99.5, ""],
                 "kinh_phi": ["1,5", "-2", 3.25, ""], "co_ke_hoach": ["có", "x", "Không", True, 0],
                 "xep_loai": ["Tốt", "kha", "Trung binh", ""], "tong_tu_cham": ["", "", "80,5"]}
        for code, pool in list(valid.items()):
            valid[code + "_tham_dinh"] = pool + [None]
        cell_of.update({k: st.sampled_from(v) for k, v in valid.items()})
        cell_of.update(nhom=st.sampled_from([g.code for g in plan.groups] + [plan.groups[0].label]),
                       cap=st.sampled_from(plan.levels + [LEVELS[plan.levels[0]]]),
                       ten_don_vi=st.sampled_from(["Xã A", " Phường B "]),
                       nam=st.sampled_from([2023, "2024"]))
    n = draw(st.integers(0, 12))
    rows = []
    for i in range(n):
        shape = "full" if clean else draw(st.sampled_from(["full", "full", "full", "blank", "short"]))
        if shape == "blank":
            rows.append(draw(st.sampled_from([[], [None] * len(columns), [""] * len(columns)])))
            continue
        row = [draw(cell_of.get(c, CELLS)) for c in columns]
        if clean:
            row[columns.index("ma_don_vi")] = f"DV{i}"
        if shape == "short":
            row = row[:draw(st.integers(0, len(row)))]
        rows.append(row)
    percent = set()
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if (not clean and isinstance(v, (int, float)) and not isinstance(v, bool)
                    and draw(st.booleans())):
                percent.add((i, j))
    kw = dict(source="bang.xlsx" if draw(st.booleans()) else "bang.csv",
              first_row=draw(st.integers(2, 5)), percent_cells=percent,
              allow_missing=draw(st.booleans()),
              mode=TABLE if clean else draw(st.sampled_from([TABLE, CELL])))
    if kw["source"].endswith(".xlsx"):
        kw["sheet"] = "Dữ liệu"
    if draw(st.booleans()):
        kw["row_numbers"] = sorted(draw(st.lists(st.integers(2, 99), min_size=n, max_size=n,
                                                 unique=True)))
    return plan, columns, rows, kw


def outcome(parse, plan, columns, rows, kw):
    try:
        return parse(list(columns), [list(r) for r in rows], plan, **kw), None
    except InputError as exc:
        return None, exc.problems


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_same_frame_and_problems_as_the_row_by_row_parse(case):
    plan, columns, rows, kw = case
    new, new_problems = outcome(parse_rows, plan, columns, rows, kw)
    old, old_problems = outcome(reference_parse_rows, plan, columns, rows, kw)
    assert new_problems == old_problems
    event('ok' if old is not None else 'errors')
    if old is None:
        return
    pd.testing.assert_frame_equal(new.frame, old.frame, check_exact=True)
    assert new.rows == old.rows
    assert new.columns == old.columns
    assert (new.source, new.sheet) == (old.source, old.sheet)
    for code in old.frame.columns:  # -0.0 stays -0.0: the same bits as a per-row read
        for a, b in zip(new.data[code].tolist(), old.frame[code].tolist()):
            if isinstance(a, float) and isinstance(b, float) and not math.isnan(b):
                assert math.copysign(1.0, a) == math.copysign(1.0, b)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELLS, min_size=1, max_size=30), which=st.integers(0, 4),
       mode=st.sampled_from([TABLE, CELL]), xlsx=st.booleans(), data=st.data())
def test_each_cell_reads_as_its_codec_reads_it_alone(cells, which, mode, xlsx, data):
    """One input column of a one-pool plan: value or problem of each cell = ``Codec.read``."""
    inp = inputs(required=False, bounded=data.draw(st.booleans()), default=False)[which]
    plan = Plan(id="thu", version=1, title="Thử", kind="points", groups=[Group("chung", "Chung")],
                levels=["xa"], inputs=[inp])
    percent = {i for i, v in enumerate(cells)
               if isinstance(v, (int, float)) and not isinstance(v, bool) and data.draw(st.booleans())}
    rows = [["A%d" % i, "Xã", v] for i, v in enumerate(cells)]
    kw = dict(source="t.xlsx" if xlsx else "t.csv", sheet="Dữ liệu" if xlsx else "", mode=mode,
              percent_cells={(i, 2) for i in percent})
    expected_values, expected_problems = [], []
    filled = [v for v in cells if not is_blank(v)]
    if inp.type == "yesno" and filled and all(isinstance(v, str) and fold(v) in ("x", "✓", "✔")
                                               for v in filled):
        cells = [None if is_blank(v) else "có" for v in cells]  # a column of check marks
        expected_values = [0.0 if v is None else 1.0 for v in cells]
        cells = []
    for i, v in enumerate(cells):
        if is_blank(v):
            expected_values.append(math.nan)
            continue
        try:
            expected_values.append(codec(inp).read(v, mode=mode, percent_format=i in percent))
        except ValueProblem as bad:
            expected_problems.append((bad.code, bad.message, bad.hint,
                                      f"C{i + 2}" if xlsx else "", i + 2))
            expected_values.append(math.nan)
    try:
        table = parse_rows(["ma_don_vi", "ten_don_vi", inp.code], rows, plan, **kw)
    except InputError as exc:
        got = [(p.code, p.message, p.hint, p.cell, p.row) for p in exc.problems]
        assert got == expected_problems
        return
    assert not expected_problems
    got = table.data[inp.code].tolist()
    assert len(got) == len(expected_values)
    for a, b in zip(got, expected_values):
        assert (math.isnan(a) and math.isnan(b)) or a == b


def test_same_problems_in_the_same_order_on_a_table_full_of_mistakes():
    plan = Plan(id="thu", version=1, title="Thử", kind="points",
                groups=[Group("huyen", "Khối huyện", level="huyen"), Group("xa", "Khối xã")],
                levels=["huyen", "xa"], inputs=inputs(True, True, False))
    head = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "so_ho_so", "ty_le", "kinh_phi",
            "co_ke_hoach", "xep_loai"]
    rows = [["A", "", "lạ", "", "12a", "101", "", "có", "Có"],
            ["A", "Xã B", "xa", "", "", "", "x", "hmm", ""],
            ["a", "Xã C", "", "làng", "1.5", "50%", "1", "x", "tot"]]
    new, new_problems = outcome(parse_rows, plan, head, rows, {"source": "t.csv"})
    old, old_problems = outcome(reference_parse_rows, plan, head, rows, {"source": "t.csv"})
    assert new is None and old is None
    assert [str(p) for p in new_problems] == [str(p) for p in old_problems]
    assert len(new_problems) >= 10


@pytest.mark.parametrize("n", [1, 2000])
def test_large_table_same_as_row_by_row(n):
    plan = Plan(id="thu", version=1, title="Thử", kind="points",
                groups=[Group("huyen", "Khối huyện", level="huyen"), Group("xa", "Khối xã",
                                                                          level="xa")],
                levels=["huyen", "xa"], inputs=inputs(True, False, True))
    head = ["ma_don_vi", "ten_don_vi", "nhom", "so_ho_so", "ty_le", "kinh_phi", "co_ke_hoach",
            "xep_loai"]
    rows = [[f"DV{i:05d}", f"Xã {i}", "xa" if i % 3 else "huyen", f"{i * 37 % 5000:,}".replace(",", "."),
             f"{i % 100},{i % 10}", "" if i % 7 else str(i), "có" if i % 2 else "không",
             ["Tốt", "kha", ""][i % 3]] for i in range(n)]
    new = parse_rows(head, rows, plan, source="t.csv")
    old = reference_parse_rows(head, rows, plan, source="t.csv")
    pd.testing.assert_frame_equal(new.frame, old.frame, check_exact=True)
    assert new.rows == old.rows
