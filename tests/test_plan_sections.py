"""Every section of a plan is checked when it loads (issue 9 item 7): ``stats_import``,
``settings`` (periods, tasks, documents), ``individuals``. A misspelled key is an error
with its line and a "did you mean", all problems at once — never accepted by
``check-plan`` and a crash later in ``generate --master``."""
from __future__ import annotations

import contextlib
import io
import unicodedata

import pytest

from thidua.cli import main
from thidua.errors import PlanError, Problem
from thidua.plan import load_plan, parse_plan

FILE = "kh.yaml"
BASE = """\
id: thu
title: "Kế hoạch thử"
levels: [huyen, xa]
inputs:
  - {code: tong_giai_quyet, type: count}
  - {code: tre_han, type: count}
criteria:
  - id: "1"
    max: 10
    rule: {kind: per_occurrence, of: tre_han, start: 10, points: 1}
"""
END = len(BASE.splitlines())  # the next appended line is END + 1


def problems(text: str) -> list[Problem]:
    with pytest.raises(PlanError) as info:
        parse_plan(text, FILE)
    found = info.value.problems
    for p in found:
        assert p.file == FILE and unicodedata.is_normalized("NFC", str(p))
    return found


def one(found: list[Problem], needle: str) -> Problem:
    hits = [p for p in found if needle in p.message]
    assert len(hits) == 1, [str(p) for p in found]
    return hits[0]


# ---------------------------------------------------------------- stats_import
def test_misspelled_stats_import_key_is_refused_at_load_with_its_line():
    found = problems(BASE + "stats_import:\n"
                            "  name_colum: \"Tên đơn vị\"\n"
                            "  columns: {tong_giai_quyet: Tổng}\n")
    p = one(found, "khóa «stats_import.name_colum» không dùng được")
    assert p.line == END + 2
    assert p.hint.startswith("có phải «name_column»?")
    assert len(found) == 1


def test_stats_import_new_keys_are_checked():
    found = problems(BASE + "stats_import:\n"
                            "  code_column: MA_COQUAN\n"
                            "  sheets: {tinh: Sở Ban, xaa: Xã Phường}\n"
                            "  decimal: \";\"\n"
                            "  columns: {tong_giai_quyet: TONG}\n")
    assert one(found, "«xaa» không phải cấp của kế hoạch").hint.startswith("có phải «xa»?")
    assert "«.» (dấu chấm)" in one(found, "stats_import.decimal").message
    # «tinh» is not a level of this plan either
    one(found, "«tinh» không phải cấp của kế hoạch")
    assert len(found) == 3


def test_a_valid_mapping_with_the_new_keys_loads():
    plan = parse_plan(BASE.replace("levels: [huyen, xa]", "levels: [tinh, xa]")
                      + "stats_import:\n"
                        "  code_column: MA_COQUAN\n"
                        "  name_column: TEN_COQUAN\n"
                        "  sheets: {tinh: Sở Ban, xa: Xã Phường}\n"
                        "  decimal: \".\"\n"
                        "  columns: {tong_giai_quyet: TONG, tre_han: TRE}\n", FILE)
    from thidua.consolidate.portal import parse_mapping
    m = parse_mapping(plan)
    assert m.code_column == ("MA_COQUAN",) and m.decimal == "."
    assert m.sheets == {"tinh": "Sở Ban", "xa": "Xã Phường"}


# ---------------------------------------------------------------- settings
def test_settings_tasks_must_be_a_list():
    p = one(problems(BASE + "settings: {tasks: 5}\n"), "«settings.tasks» phải là danh sách")
    assert p.line == END + 1
    assert "noi_dung" in p.hint


def test_settings_unknown_key_and_bad_period_and_task_keys_all_at_once():
    found = problems(BASE + "settings:\n"
                            "  period: thang\n"
                            "  periods: nam\n"
                            "  tasks:\n"
                            "    - {stt: \"1\", noi_dung: Lập kế hoạch, chu_tr: Văn phòng}\n"
                            "    - {stt: \"2\"}\n")
    p = one(found, "«settings» có khóa lạ «period»")
    assert p.line == END + 2 and p.hint.startswith("có phải ý bạn là «periods»?")
    assert one(found, "«settings.periods» phải là thang hoặc quy").line == END + 3
    p = one(found, "nhiệm vụ thứ 1 có khóa lạ «chu_tr»")
    assert p.line == END + 5 and p.hint.startswith("có phải ý bạn là «chu_tri»?")
    one(found, "nhiệm vụ thứ 2 thiếu «noi_dung»")
    assert len(found) == 4


def test_settings_van_ban_keys_are_checked_at_load():
    found = problems(BASE + "settings:\n"
                            "  van_ban:\n"
                            "    dia_dan: Núi Thành\n"
                            "    to_trinh: {so: \"12\", nguoi_kyy: Nguyễn Văn A}\n"
                            "    doc_so_nghin: nghin\n")
    p = one(found, "không có khóa «dia_dan»")
    assert p.line == END + 3 and p.hint.startswith("có phải ý bạn là «dia_danh»?")
    p = one(found, "không có khóa «to_trinh.nguoi_kyy»")
    assert p.line == END + 4 and p.hint.startswith("có phải ý bạn là «nguoi_ky»?")
    one(found, "doc_so_nghin")
    assert len(found) == 3


def test_settings_of_the_builtin_plans_are_valid():
    plan = load_plan("xuan-thanh-mot-cua-2021")
    assert len(plan.settings["tasks"]) > 20
    assert load_plan("quang-nam-dvc-2023").settings["periods"] == "thang"


# ---------------------------------------------------------------- individuals
def test_individuals_are_checked():
    found = problems(BASE + "individuals:\n"
                            "  standard:\n"
                            "    - {code: a, label: A}\n"
                            "  dossier:\n"
                            "    - {code: to_trinh, lable: Tờ trình}\n"
                            "    - {code: Bien Ban, label: Biên bản}\n")
    p = one(found, "«individuals» có khóa lạ «standard»")
    assert p.line == END + 2 and p.hint.startswith("có phải ý bạn là «standards»?")
    p = one(found, "có khóa lạ «lable»")
    assert p.line == END + 5 and p.hint.startswith("có phải ý bạn là «label»?")
    one(found, "thành phần hồ sơ thứ 1 thiếu «label»")
    one(found, "mã «Bien Ban» không hợp lệ")
    assert len(found) == 4


# ---------------------------------------------------------------- all sections, one run
def test_every_section_reported_in_one_check_plan_run(tmp_path):
    path = tmp_path / "kh.yaml"
    path.write_text(BASE + "settings: {tasks: 5}\n"
                           "individuals: {dossier: [{code: to_trinh}]}\n"
                           "stats_import: {name_colum: Tên, columns: {tong_giai_quyet: Tổng}}\n",
                    encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["check-plan", str(path)]) == 2
    text = err.getvalue()
    assert "settings.tasks" in text and "thiếu «label»" in text and "name_colum" in text
    assert "Traceback" not in text and "TypeError" not in text
    # ... and generate --master refuses the plan with the same words, no crash.
    units = tmp_path / "dv.csv"
    units.write_text("ma_don_vi,ten_don_vi,cap\nX1,Xã A,xa\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["generate", str(path), "--units", str(units),
                     "--master", str(tmp_path / "so.xlsx")]) == 2
    assert "settings.tasks" in err.getvalue() and "Traceback" not in err.getvalue()
