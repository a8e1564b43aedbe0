"""Tests for thidua.plan: every mistake in a plan file is reported with its file, line and
a Vietnamese hint; the built-in plans load."""
from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from thidua.errors import PlanError, Problem
from thidua.plan import builtin_ids, load_plan, parse_plan
from thidua.plan.load import resolve
from thidua.plan.yamlload import load_yaml

FILE = "thu.yaml"

# Line numbers matter: the tests below point at them.
BASE = """\
id: thu
title: "Kế hoạch thử"
kind: points
levels: [huyen, xa]
groups:
  - {code: huyen, label: "Khối huyện", level: huyen}
  - {code: xa, label: "Khối xã", level: xa}
inputs:
  - {code: so_ho_so, type: count}
  - {code: ty_le, type: percent}
  - {code: co_ke_hoach, type: yesno}
criteria:
  - id: "1"
    max: 10
    rule: {kind: bands, of: ty_le, bands: [{to: 50, points: 5}, {from: 50, points: 10}]}
  - id: "2"
    max: 5
    rule: {kind: yesno, of: co_ke_hoach, yes: 5}
"""
END = len(BASE.splitlines())  # 18: the next appended line is END + 1


def problems(text: str) -> list[Problem]:
    with pytest.raises(PlanError) as info:
        parse_plan(text, FILE)
    found = info.value.problems
    assert found, "PlanError without problems"
    for p in found:
        assert p.file == FILE
        assert unicodedata.is_normalized("NFC", str(p))
    return found


def only(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_base_plan_is_valid():
    plan = parse_plan(BASE, FILE)
    assert plan.source == FILE
    assert [i.code for i in plan.items] == ["diem_1", "diem_2"]
    assert [i.max for i in plan.items] == [10.0, 5.0]


def test_problem_text_names_file_line_and_hint():
    p = only(BASE.replace("kind: bands", "kind: band"))
    assert str(p).startswith("thu.yaml, dòng 15: ")
    assert " — Cách sửa: " in str(p)


# ---------------------------------------------------------------- rules

def test_unknown_rule_kind_suggests_closest():
    p = only(BASE.replace("kind: bands", "kind: band"))
    assert p.line == 15
    assert "tiêu chí 1: loại quy tắc «band» không tồn tại" in p.message
    assert p.hint.startswith("có phải ý bạn là «bands»?")
    assert "các loại hợp lệ: expression, ratio, bands, coefficient" in p.hint


def test_unknown_rule_kind_without_close_match_lists_kinds():
    p = only(BASE.replace("kind: yesno", "kind: xyz"))
    assert p.line == 18
    assert "loại quy tắc «xyz» không tồn tại" in p.message
    assert "có phải" not in p.hint
    assert "yesno" in p.hint and "choice" in p.hint





def test_missing_max_is_fine_for_deduction():
    plan = parse_plan(BASE.replace("    max: 5\n", "    role: deduction\n"), FILE)
    assert plan.items[1].max is None and plan.items[1].role == "deduction"





def test_band_without_bound_in_the_middle_overlaps():
    found = problems(BASE.replace("[{to: 50, points: 5}, {from: 50, points: 10}]",
                                  "[{to: 50, points: 5}, {points: 7}, {from: 60, points: 10}]"))
    assert [p.message for p in found] == [
        "tiêu chí 1: bậc thứ 1 và 2 chồng lấn (một bậc không có giới hạn)",
        "tiêu chí 1: bậc thứ 2 và 3 chồng lấn (một bậc không có giới hạn)"]
    assert all(p.line == 15 for p in found)
    assert "chỉ bậc đầu được bỏ «from»" in found[0].hint



def test_band_from_not_below_to():
    p = only(BASE.replace("[{to: 50, points: 5}, {from: 50, points: 10}]",
                          "[{to: 50, points: 5}, {from: 50, to: 50, points: 7}, "
                          "{from: 50, points: 10}]"))
    assert p.line == 15
    assert "bậc thứ 2 có «from» (50) không nhỏ hơn «to» (50)" in p.message
    assert p.hint == "bậc là [from, to): from < to"


def test_band_missing_points_and_unknown_key():
    found = problems(BASE.replace("{from: 50, points: 10}", "{from: 50, diem: 10}"))
    messages = [p.message for p in found]
    assert any("bậc thứ 2 thiếu «points» (số điểm của bậc)" in m for m in messages)
    assert all(p.line == 15 for p in found)


def test_bands_by_level_unknown_level():
    p = only(BASE.replace("{from: 50, points: 10}]}",
                          "{from: 50, points: 10}], by_level: {phuong: [{points: 1}]}}"))
    assert "cấp «phuong» không tồn tại" in p.message
    assert p.hint == "dùng một trong: tinh, huyen, xa"


BLOCK = """\
id: thu
title: "Thử"
inputs:
  - {code: ty_le, type: percent}
criteria:
  - id: "1"
    max: 10
    rule:
      kind: bands
      of: ty_lee
      bands:
        - {to: 50, points: 5}
        - {from: 40, to: 80, points: 8}
        - {from: 80, points: 10}
"""


def test_band_problem_points_at_the_band_line():
    found = problems(BLOCK.replace("of: ty_lee", "of: ty_le"))
    assert [p.line for p in found] == [13]


def test_unknown_code_in_block_rule_points_at_its_key():
    found = problems(BLOCK.replace("{from: 40, to: 80", "{from: 50, to: 80"))
    assert [p.line for p in found] == [10]




def test_expression_naming_unknown_code():
    p = only(BASE + 'total: "diem_1 + diem_3"\n')
    assert p.line == END + 1
    assert "«total» dùng mã «diem_3» chưa được khai báo" in p.message
    assert p.hint == "có phải ý bạn là «diem_2»?"


def test_expression_naming_code_with_no_close_match():
    p = only(BASE + 'total: "diem_1 + zzz"\n')
    assert "«total» dùng mã «zzz» chưa được khai báo" in p.message
    assert p.hint == "khai báo mã này trong «inputs» hoặc «values» trước khi dùng"


def test_expression_syntax_error():
    p = only(BASE + 'total: "diem_1 * (diem_2"\n')
    assert p.line == END + 1
    assert "«total»: biểu thức «diem_1 * (diem_2» viết sai: thiếu dấu «)»" in p.message



@pytest.mark.parametrize("expression, fragment", [
    ("__import__('os')", "hàm «__import__» không được phép"),
    ("diem_1 ** 2", "thành phần «diem_1 ** 2» không được phép"),
    ("diem_1.real", "thành phần «diem_1.real» không được phép"),
    ("sqrt(diem_1)", "hàm «sqrt» không được phép"),
])
def test_forbidden_construct_in_expression(expression, fragment):
    p = only(BASE + f'total: "{expression}"\n')
    assert p.line == END + 1
    assert p.message.startswith("«total»: ")
    assert fragment in p.message


def test_forbidden_construct_in_gate():
    p = only(BASE + "gates:\n  - {condition: \"so_ho_so.x > 0\", reason: \"Không có\"}\n")
    assert p.line == END + 2
    assert p.message.startswith("điều kiện xét: thành phần «so_ho_so.x» không được phép")




def test_per_item_cap_exceeds_max():
    p = only(BASE.replace("{kind: yesno, of: co_ke_hoach, yes: 5}",
                          "{kind: per_item, parts: [{of: so_ho_so, points: 1, cap: 3}, "
                          "{of: so_ho_so, points: 1, cap: 3}]}"))
    assert "quy tắc có thể cho 6 điểm, vượt điểm chuẩn 5" in p.message


# ---------------------------------------------------------------- choices

CHOICE_INPUT = ("  - {code: co_ke_hoach, type: yesno}\n"
                "  - {code: sk, type: choice, choices: [{code: khong, label: Không}, "
                "{code: co, label: Có}]}\n")


def choice_plan(points: str, of: str = "sk") -> str:
    return (BASE.replace("  - {code: co_ke_hoach, type: yesno}\n", CHOICE_INPUT)
            + '  - id: "3"\n    max: 5\n'
            + f"    rule: {{kind: choice, of: {of}, points: {points}}}\n")


def test_choice_plan_is_valid():
    plan = parse_plan(choice_plan("{khong: 0, co: 2.5}"), FILE)
    assert plan.items[2].rule.options == [("khong", "Không"), ("co", "Có")]


def test_choice_rule_missing_a_choice():
    p = only(choice_plan("{khong: 0}"))
    assert p.line == 22
    assert "tiêu chí 3: chưa cho điểm lựa chọn «co»" in p.message
    assert p.hint == "thêm «co: <điểm>» vào points"


def test_choice_rule_unknown_choice():
    found = problems(choice_plan("{khong: 0, co: 1, nhan_rong: 2}"))
    assert len(found) == 1
    assert "lựa chọn «nhan_rong» không có trong danh sách của «sk»" in found[0].message
    assert found[0].hint == "các lựa chọn: co, khong"


def test_choice_rule_on_non_choice_input():
    p = only(choice_plan("{khong: 0, co: 1}", of="co_ke_hoach"))
    assert "chỉ tiêu «co_ke_hoach» không phải kiểu choice" in p.message


def test_choice_rule_points_must_be_numbers():
    found = problems(choice_plan("{khong: 0, co: nhieu}"))
    assert any("điểm của lựa chọn «co» phải là số" in p.message for p in found)


def test_choice_input_without_choices():
    p = only(BASE.replace("{code: co_ke_hoach, type: yesno}",
                          "{code: co_ke_hoach, type: yesno}\n  - {code: sk, type: choice}"))
    assert p.line == 12
    assert "chỉ tiêu «sk» kiểu choice thiếu «choices»" in p.message


# ---------------------------------------------------------------- prizes and gates

PRIZES = """\
prizes:
  - group: xa
    total: 5
    prizes:
      - {code: nhat, amount: 700}
      - {code: nhi, amount: 450}
      - {code: ba, amount: 300}
      - {code: kk, amount: 200}
"""


def test_prize_counts_do_not_add_up():
    p = only(BASE + PRIZES)
    assert p.line == END + 3
    assert "số giải không khớp: «total: 5» nhưng cộng các giải được 4" in p.message
    assert "(1 nhat + 1 nhi + 1 ba + 1 kk)" in p.message
    assert "count" in p.hint


def test_prize_counts_adding_up_are_valid():
    plan = parse_plan(BASE + PRIZES.replace("amount: 200}", "amount: 200, count: 2}"), FILE)
    ps = plan.prize_set("xa")
    assert ps.total == 5 and [p.code for p in ps.sequence()] == ["nhat", "nhi", "ba", "kk", "kk"]


def test_prize_total_message_has_no_python_none():
    p = only(BASE + "prizes:\n  - group: xa\n    total: 5\n    prizes:\n"
             "      - {code: nhat, amount: 100, count: null}\n")
    assert "số giải không khớp" in p.message
    assert "None" not in p.message


def test_prize_amount_must_be_integer_dong():
    p = only(BASE + PRIZES.replace("    total: 5\n", "").replace("amount: 700", "amount: 3.500.000"))
    assert p.line == END + 4
    assert "giải «nhat»: «amount» phải là số tiền nguyên (đồng) ≥ 0" in p.message
    assert p.hint == "viết 3500000, không viết 3.500.000"


def test_prize_for_unknown_group():
    p = only(BASE + PRIZES.replace("group: xa", "group: xaa").replace("    total: 5\n", ""))
    assert p.line == END + 2
    assert "cơ cấu giải cho nhóm «xaa» không tồn tại" in p.message
    assert p.hint == "các nhóm: huyen, xa"


def test_two_prize_sets_for_one_group():
    text = BASE + PRIZES.replace("    total: 5\n", "") + PRIZES.replace("prizes:\n  -", "  -", 1) \
        .replace("    total: 5\n", "")
    p = only(text)
    assert "nhóm «xa» có hai cơ cấu giải" in p.message


GATE = "gates:\n  - {condition: \"so_ho_so > 0\", reason: \"Không phát sinh\", groups: [xa, khac]}\n"


def test_gate_for_unknown_group():
    p = only(BASE + GATE)
    assert p.line == END + 2
    assert "điều kiện xét: «groups» chỉ được dùng các nhóm" in p.message
    assert "huyen" in p.message and "xa" in p.message


def test_gate_unknown_group_is_named():
    p = only(BASE + GATE)
    assert "khac" in str(p)


def test_gate_group_list_order_is_deterministic():
    script = ("from thidua.plan import parse_plan\n"
              "from thidua.errors import PlanError\n"
              "import sys\n"
              "try:\n    parse_plan(sys.stdin.read())\n"
              "except PlanError as e:\n    print(e.problems[0].message)\n")
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed,
                   PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        done = subprocess.run([sys.executable, "-c", script], input=BASE + GATE, env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1
    assert "chỉ được dùng các nhóm huyen, xa" in outputs.pop()


def test_gate_without_reason():
    p = only(BASE + "gates:\n  - {condition: \"so_ho_so > 0\"}\n")
    assert p.line == END + 2
    assert "điều kiện xét thiếu «reason»" in p.message


def test_gate_unknown_code():
    p = only(BASE + "gates:\n  - {condition: \"so_hoso > 0\", reason: \"x\"}\n")
    assert "điều kiện xét dùng mã «so_hoso» chưa được khai báo" in p.message
    assert p.hint == "có phải ý bạn là «so_ho_so»?"


# ---------------------------------------------------------------- top level

def test_unknown_top_level_key_suggests_closest():
    found = problems(BASE.replace("criteria:", "critera:"))
    first = found[0]
    assert first.line == 12
    assert "kế hoạch có khóa lạ «critera»" in first.message
    assert first.hint == "có phải ý bạn là «criteria»?"
    # …and criteria is then missing.
    assert any("thiếu mục «criteria»" in p.message for p in found)


def test_unknown_top_level_key_without_close_match_lists_keys():
    p = only(BASE + "xyzzy: 1\n")
    assert p.line == END + 1
    assert p.hint.startswith("các khóa hợp lệ: ")
    assert "criteria" in p.hint


def test_missing_title_and_bad_id():
    found = problems(BASE.replace("id: thu", "id: Thu Thu").replace('title: "Kế hoạch thử"\n', ""))
    assert sorted((p.line, p.message) for p in found) == [
        (1, "mã kế hoạch «Thu Thu» không hợp lệ"),
        (1, "thiếu «title» (tên kế hoạch)")]
    assert found[0].hint == "ví dụ «id: nui-thanh-dvc-2023»"


def test_duplicate_input_code():
    p = only(BASE.replace("  - {code: co_ke_hoach, type: yesno}\n",
                          "  - {code: co_ke_hoach, type: yesno}\n  - {code: ty_le, type: number}\n"))
    assert p.line == 12
    assert "mã chỉ tiêu «ty_le» bị khai báo hai lần" in p.message





def test_total_max_not_matching_sum_of_maxima():
    p = only(BASE + "total_max: 100\n")
    assert p.line == END + 1
    assert "tổng điểm chuẩn các tiêu chí là 15, khác «total_max: 100»" in p.message
    assert "total_max" in p.hint


def test_total_max_matching_is_valid():
    assert parse_plan(BASE + "total_max: 15\n", FILE).total_max == 15.0


def test_total_max_not_a_number():
    p = only(BASE + "total_max: một trăm\n")
    assert p.line == END + 1
    assert "total_max" in p.message


def test_rule_kind_as_list_is_a_plan_error():
    p = only(BASE.replace("kind: bands", "kind: [bands]"))
    assert p.line == 15


def test_invalid_yaml_tab_indentation():
    text = BASE.replace('  - id: "2"\n    max: 5', '  - id: "2"\n\tmax: 5')
    p = only(text)
    assert p.line == 17
    assert p.message.startswith("tệp không đúng cú pháp YAML")
    assert "không dùng tab" in p.hint


def test_invalid_yaml_unclosed_bracket():
    p = only(BASE.replace("levels: [huyen, xa]", "levels: [huyen, xa"))
    assert p.message.startswith("tệp không đúng cú pháp YAML")
    assert p.line is not None and 4 <= p.line <= 6


def test_plan_must_be_a_mapping():
    p = only("- a\n- b\n")
    assert p.line == 1
    assert "tệp kế hoạch phải là một bảng khóa: giá trị" in p.message


def test_manual_total_naming_a_non_input():
    p = only(BASE + "manual_total: tong_tay\n")
    assert p.line == END + 1
    assert "«manual_total: tong_tay» không phải một input" in p.message
    assert "number" in p.hint


def test_manual_total_naming_an_input_is_valid():
    text = BASE.replace("  - {code: co_ke_hoach, type: yesno}\n",
                        "  - {code: co_ke_hoach, type: yesno}\n"
                        "  - {code: tong_tay, type: number, required: false}\n")
    assert parse_plan(text + "manual_total: tong_tay\n", FILE).manual_total == "tong_tay"


def test_tie_break_unknown_code():
    p = only(BASE + "tie_break: [ty_le, khong_co]\n")
    assert p.line == END + 1
    assert "«tie_break» dùng mã «khong_co» chưa được khai báo" in p.message



# ---------------------------------------------------------------- checklist

CHECKLIST = """\
id: thu-cl
title: "Thử checklist"
kind: checklist
levels: [tinh, huyen, xa]
inputs:
  - {code: ty_le, type: percent}
indicators:
  - id: "1"
    value: ty_le
    target: {by_level: {tinh: 70, huyen: 60, xa: 55}}
  - id: "2"
    value: ty_le
    target: {by_year: {"2022": 30, "2023-2025": 80}}
"""


def test_checklist_base_is_valid():
    plan = parse_plan(CHECKLIST, FILE)
    assert plan.is_checklist
    assert plan.indicators[0].target.by_level["xa"].number == 55.0
    assert [(a, b) for a, b, _ in plan.indicators[1].target.by_year] == [(2022, None), (2023, 2025)]






def test_checklist_bad_op():
    p = only(CHECKLIST.replace("    value: ty_le\n    target: {by_level",
                               "    value: ty_le\n    op: '>>'\n    target: {by_level"))
    assert p.line == 10
    assert "phép so sánh «>>» không hợp lệ" in p.message


def test_checklist_with_criteria_is_rejected():
    found = problems(CHECKLIST + "criteria: [{id: '1'}]\n")
    assert any("kế hoạch checklist không dùng «criteria»" in p.message for p in found)


# ---------------------------------------------------------------- all at once

def test_several_problems_are_all_reported():
    text = (BASE.replace("kind: bands", "kind: band")
            .replace("yes: 5}", "yes: 6}")
            .replace("{code: ty_le, type: percent}", "{code: ty_le, type: percentage}")
            + "critera: 1\n" + 'total: "diem_1 +"\n' + "manual_total: khong_co\n")
    found = problems(text)
    got = sorted((p.line, p.message.split(":")[0]) for p in found)
    lines = sorted(p.line for p in found)
    assert lines == [10, 15, 17, END + 1, END + 2, END + 3]
    messages = " | ".join(p.message for p in found)
    for fragment in ("kiểu «percentage» không tồn tại", "loại quy tắc «band» không tồn tại",
                     "vượt điểm chuẩn 5", "khóa lạ «critera»", "viết sai cú pháp",
                     "«manual_total: khong_co» không phải một input"):
        assert fragment in messages, got
    # The exception text lists every problem, one a line.
    with pytest.raises(PlanError) as info:
        parse_plan(text, FILE)
    assert len(str(info.value).splitlines()) == len(found)


# ---------------------------------------------------------------- YAML details

def test_yes_no_keys_stay_strings():
    data = load_yaml("yes: 1\nno: 0\non: a\noff: b\ny: c\nt: true\nf: False\nv: yes\n")
    assert list(data) == ["yes", "no", "on", "off", "y", "t", "f", "v"]
    assert data["yes"] == 1 and data["no"] == 0
    assert data["on"] == "a" and data["v"] == "yes"
    assert data["t"] is True and data["f"] is False


def test_yes_no_rule_keys_from_plan():
    plan = parse_plan(BASE.replace("yes: 5}", "yes: 4, no: 1}"), FILE)
    rule = plan.items[1].rule
    assert (rule.yes, rule.no) == (4.0, 1.0)


def test_yaml_lines_are_recorded():
    data = load_yaml("a: 1\nb:\n  c: 2\n  d: [1, 2]\n")
    assert data.line == 1
    assert data.line_of("b") == 2
    assert data["b"].line_of("d") == 4
    assert data["b"]["d"].line == 4


# ---------------------------------------------------------------- built-in plans

@pytest.mark.parametrize("plan_id", builtin_ids())
def test_builtin_plan_loads(plan_id):
    plan = load_plan(plan_id)
    assert plan.id == plan_id
    assert plan.source in (f"{plan_id}.yaml", f"{plan_id}.xlsx")
    assert plan.title
    assert unicodedata.is_normalized("NFC", plan.title)


def test_known_builtin_plans_present():
    ids = builtin_ids()
    assert {"nui-thanh-dvc-2023", "hoa-thanh-cchc-2018"} <= set(ids)
    assert ids == sorted(ids)


def test_nui_thanh_plan_shape():
    plan = load_plan("nui-thanh-dvc-2023")
    assert plan.kind == "points"
    assert [g.code for g in plan.groups] == ["co_quan", "xa"]
    assert plan.total_text == "diem_ty_le * he_so - diem_tru"
    assert plan.prize_set("xa").total == 5
    assert len(plan.prize_set("xa").sequence()) == 5


def test_hoa_thanh_plan_shape():
    plan = load_plan("hoa-thanh-cchc-2018")
    assert plan.total_max == 100.0
    assert plan.manual_total == "diem_thu_cong"
    assert plan.self_scored is True
    assert sum(i.max for i in plan.items if i.role == "score") == 100


def test_unknown_builtin_lists_ids():
    with pytest.raises(PlanError) as info:
        load_plan("khong-co")
    p = info.value.problems[0]
    assert "không có kế hoạch dựng sẵn «khong-co»" in p.message
    for plan_id in builtin_ids():
        assert plan_id in p.hint
    assert unicodedata.is_normalized("NFC", str(info.value))


def test_missing_plan_file(tmp_path):
    with pytest.raises(PlanError) as info:
        load_plan(tmp_path / "khong-co.yaml")
    assert "không tìm thấy tệp kế hoạch" in str(info.value)


def test_plan_file_on_disk(tmp_path):
    path = tmp_path / "ke-hoach.yaml"
    path.write_text(BASE.replace("kind: bands", "kind: band"), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.problems[0].file == str(path)
    assert info.value.problems[0].line == 15


# ---------------------------------------------------------------- NFC

def test_messages_are_nfc_even_from_nfd_plan():
    nfd = unicodedata.normalize("NFD", BASE.replace("kind: bands", "kind: bậc")
                                .replace('title: "Kế hoạch thử"', 'title: "Kế hoạch thử đợt 1"'))
    assert not unicodedata.is_normalized("NFC", nfd)
    found = problems(nfd)
    assert "loại quy tắc «bậc» không tồn tại" in found[0].message
    for p in found:
        assert unicodedata.is_normalized("NFC", p.message)
        assert unicodedata.is_normalized("NFC", p.hint)


def test_nfd_plan_loads_with_nfc_labels():
    plan = parse_plan(unicodedata.normalize("NFD", BASE), FILE)
    assert plan.title == "Kế hoạch thử"
    assert unicodedata.is_normalized("NFC", plan.title)
    assert unicodedata.is_normalized("NFC", plan.groups[1].label)


#: Plans with one mistake: (plan text, replace, by, line, words of the message, hint check).
ONE_MISTAKE = [
    pytest.param(BASE, "    rule: {kind: yesno, of: co_ke_hoach, yes: 5}\n", "", 16,
                 "tiêu chí 2 thiếu «rule» (cách tính điểm)",
                 ("in", "kind"), id="missing_rule"),
    pytest.param(BASE, "yes: 5}", "yes: 5, off: 1}", 18,
                 "tiêu chí 2 (quy tắc yesno) có khóa lạ «off»",
                 ("==", "có phải ý bạn là «of»?"), id="unknown_rule_key_suggests_closest"),
    pytest.param(BASE, "    max: 5\n", "", 16,
                 "tiêu chí 2 thiếu «max» (điểm chuẩn)",
                 ("in", "max: <điểm tối đa>"), id="missing_max_on_score_criterion"),
    pytest.param(BASE, "max: 10", "max: 10 điểm", 14,
                 "tiêu chí 1: «max» phải là số",
                 None, id="max_must_be_a_number"),
    pytest.param(BASE, "yes: 5}", "yes: '5'}", 18,
                 "«yes» phải là một số, không phải «5»",
                 ("in", "2.5"), id="rule_number_must_be_a_number"),
    pytest.param(BASE, "{from: 50, points: 10}", "{from: 40, points: 10}", 15,
                 "tiêu chí 1: bậc thứ 1 [.., 50) và bậc thứ 2 [40, ..) chồng lấn nhau",
                 ("==", "sửa «from» của bậc 2 thành 50"), id="overlapping_bands"),
    pytest.param(BASE, "{from: 50, points: 10}", "{from: 60, points: 10}", 15,
                 "có khoảng trống giữa bậc thứ 1 (đến 50) và bậc thứ 2 (từ 60)",
                 ("==", "sửa «from» của bậc 2 thành 50"), id="gapped_bands"),
    pytest.param(BASE, "of: ty_le,", "of: ty_lee,", 15,
                 "tiêu chí 1: quy tắc dùng mã «ty_lee» chưa được khai báo",
                 ("==", "có phải ý bạn là «ty_le»?"), id="rule_naming_unknown_input_suggests_closest"),
    pytest.param(BASE, "yes: 5}", "yes: 5, only_if: 'so_ho_s > 0'}", 18,
                 "quy tắc dùng mã «so_ho_s» chưa được khai báo",
                 ("==", "có phải ý bạn là «so_ho_so»?"), id="unknown_name_in_only_if"),
    pytest.param(BASE, "yes: 5}", "yes: 5, only_if: 'so_ho_so >'}", 18,
                 "tiêu chí 2: biểu thức «so_ho_so >» viết sai cú pháp",
                 None, id="rule_expression_syntax_error"),
    pytest.param(BASE, "yes: 5}", "yes: 6}", 17,
                 "tiêu chí 2: quy tắc có thể cho 6 điểm, vượt điểm chuẩn 5",
                 ("==", "sửa điểm của quy tắc hoặc «max»"), id="rule_points_exceed_max"),
    pytest.param(BASE, "{from: 50, points: 10}", "{from: 50, points: 12}", 14,
                 "tiêu chí 1: quy tắc có thể cho 12 điểm, vượt điểm chuẩn 10",
                 None, id="band_points_exceed_max"),
    pytest.param(BASE, '  - id: "2"\n', '  - id: "2"\n    code: so_ho_so\n', 17,
                 "mã «so_ho_so» của tiêu chí 2 bị khai báo hai lần",
                 None, id="criterion_code_clashing_with_input"),
    pytest.param(BASE, "{code: ty_le, type: percent}", "{code: ty_le, type: percentage}", 10,
                 "chỉ tiêu «ty_le»: kiểu «percentage» không tồn tại",
                 ("==", "dùng một trong: count, number, percent, yesno, choice"), id="bad_input_type"),
    pytest.param(BASE, "{code: so_ho_so,", "{code: SoHoSo,", 9,
                 "mã «SoHoSo» của chỉ tiêu nhập liệu không hợp lệ",
                 ("in", "chữ thường"), id="bad_input_code"),
    pytest.param(BASE, "    max: 5\n", "    max: 5\n    levels: [xa, thon]\n", 18,
                 "tiêu chí 2: «levels» phải là danh sách cấp",
                 None, id="criterion_levels_must_be_known"),
    pytest.param(CHECKLIST, ", xa: 55}", "}", 10,
                 "tiêu chí 1: chưa có mục tiêu cho cấp xa",
                 ("in", "levels"), id="checklist_by_level_missing_a_level"),
    pytest.param(CHECKLIST, "xa: 55}", "xa: 55, thon: 1}", 10,
                 "tiêu chí 1: cấp «thon» không tồn tại",
                 None, id="checklist_by_level_unknown_level"),
    pytest.param(CHECKLIST, '"2023-2025"', '"hai nghin"', 13,
                 "tiêu chí 2: năm «hai nghin» không hợp lệ",
                 ("in", "2023-2025"), id="checklist_by_year_bad_key"),
    pytest.param(CHECKLIST, '{"2022": 30, "2023-2025": 80}', '{"2022-2024": 30, "2023": 80}', 13,
                 "các năm 2022-2024 và 2023 chồng lấn",
                 None, id="checklist_by_year_overlap"),
]


@pytest.mark.parametrize("text, old, new, line, message, hint", ONE_MISTAKE)
def test_one_mistake_is_named_with_its_line_and_fix(text, old, new, line, message, hint):
    assert old in text, "the mistake must change the plan"
    p = only(text.replace(old, new))
    assert p.line == line
    assert message in p.message
    if hint is not None:
        how, words = hint
        assert p.hint == words if how == "==" else words in p.hint


def _shape(node):
    """Values, types and remembered lines of a loaded YAML tree."""
    if isinstance(node, dict):
        return [("dict", node.line, sorted(node.key_lines.items()))] + [
            (key, _shape(value)) for key, value in node.items()]
    if isinstance(node, list):
        return [("list", node.line)] + [_shape(value) for value in node]
    return (type(node).__name__, node)


@pytest.mark.parametrize("plan_id", [i for i in builtin_ids() if resolve(i).suffix == ".yaml"])
def test_libyaml_reads_a_plan_as_the_python_parser_does(plan_id):
    """Plans are parsed by libyaml (a tenth of the time): the same values, types and lines."""
    import yaml

    from thidua.plan.yamlload import _FastLoader, _Loader

    if not yaml.__with_libyaml__:  # PyYAML built without libyaml: both are the same parser
        pytest.skip("PyYAML built without libyaml")
    assert issubclass(_FastLoader, yaml.CSafeLoader)
    text = unicodedata.normalize("NFC", resolve(plan_id).read_text(encoding="utf-8-sig"))
    fast = yaml.load(text, Loader=_FastLoader)  # noqa: S506
    assert _shape(fast) == _shape(yaml.load(text, Loader=_Loader))  # noqa: S506
    assert _shape(load_yaml(text)) == _shape(fast)


@pytest.mark.parametrize("text", ["id: a\n\ttitle: b\n", "id: [a, b\n", "id: a\n  title: b: c\n",
                                  "a: 'open\n"])
def test_a_syntax_error_is_the_python_parsers(text):
    """A text libyaml finds wrong is parsed again by the pure-Python parser: the error words
    and line are those plan.load turns into Vietnamese."""
    import yaml

    from thidua.plan.yamlload import _Loader

    with pytest.raises(yaml.YAMLError) as expected:
        yaml.load(text, Loader=_Loader)  # noqa: S506
    with pytest.raises(yaml.YAMLError) as got:
        load_yaml(text)
    assert str(got.value) == str(expected.value)
    assert type(got.value) is type(expected.value)
