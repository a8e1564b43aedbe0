"""``thidua score --json`` text: the fast writer gives exactly what ``json.dump`` gives."""
from __future__ import annotations

import io
import json

from hypothesis import given, settings, strategies as st

from thidua.data import load_data
from thidua.demo import SAMPLES
from thidua.engine import score
from thidua.output.jsonout import dumps, write_json
from thidua.plan import load_plan

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["Xã Tam Xuân I", 'có "ngoặc" và \\', "dòng\nmới", "\t\x00\x1f", "𝔘", "ế"])
SCALAR = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | TEXT


@st.composite
def results(draw):
    units = [{"code": draw(TEXT | st.integers()), "name": draw(TEXT), "group": draw(TEXT),
              "total": draw(st.none() | st.floats()), "eligible": draw(st.booleans()),
              "reasons": draw(st.lists(TEXT, max_size=3)), "rank": draw(st.none() | st.integers()),
              "prize": draw(st.none() | TEXT), "amount": draw(st.integers(0, 10**12))}
             for _ in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):  # a classification, or a checklist's criteria
        for u in units:
            u["class"] = draw(st.none() | TEXT)
            u["met"], u["applicable"] = draw(st.integers(0, 9)), draw(st.integers(0, 9))
            u["indicators"] = draw(st.lists(st.fixed_dictionaries(
                {"code": TEXT, "value": st.none() | st.floats(), "status": TEXT,
                 "parts": st.lists(st.fixed_dictionaries({"code": TEXT}), max_size=2)}),
                max_size=2))
    vacant = draw(st.lists(st.fixed_dictionaries({"group": TEXT, "prize": TEXT}), max_size=2))
    ties = draw(st.lists(st.fixed_dictionaries({"group": TEXT, "prizes": st.lists(TEXT, max_size=2),
                                                "units": st.lists(TEXT, max_size=3)}), max_size=2))
    out = {"plan": draw(TEXT), "units": units, "vacant": vacant, "ties": ties}
    if draw(st.booleans()):
        out["year"] = draw(st.none() | st.integers(2000, 2100))
    return out


@settings(max_examples=400, deadline=None)
@given(results())
def test_same_text_as_json_dump(obj):
    expected = io.StringIO()
    json.dump(obj, expected, ensure_ascii=False, indent=2)
    expected.write("\n")
    got = io.StringIO()
    write_json(obj, got)
    assert got.getvalue() == expected.getvalue()


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(TEXT, SCALAR | st.lists(SCALAR), max_size=4) | st.lists(SCALAR))
def test_other_shapes_are_plain_json(obj):
    assert dumps(obj) == json.dumps(obj, ensure_ascii=False, indent=2)


def test_seed_results_same_as_json_dump():
    for plan_id in ("nui-thanh-dvc-2023", "hoa-thanh-cchc-2018", "vu-ban-cchc-2023",
                    "quang-nam-dvc-2023", "xuan-thanh-mot-cua-2021", "chi-so-766-2025"):
        plan = load_plan(plan_id)
        data = load_data(plan, SAMPLES / f"{plan_id}.csv")
        obj = score(plan, data.table, year=data.year).to_json()
        assert dumps(obj) == json.dumps(obj, ensure_ascii=False, indent=2)
