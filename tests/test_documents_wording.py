"""What an official reads in the award documents: units that sent nothing, legal bases by
date, signers, titles, typography (review «tiếng Việt và văn phòng», section 3)."""
from __future__ import annotations

import datetime as dt
import math

import docx
import pytest

from tests.conftest import frame, unit000
from thidua.demo import sample_path
from thidua.documents import TEMPLATES, render_documents
from thidua.documents.context import (NBSP, expand_abbreviations, keep_last_words,
                                      position_and_unit, score_number, short_date)
from thidua.documents.settings import load_settings
from thidua.engine import score
from thidua.errors import ThiduaError
from thidua.plan import load_plan
from thidua.table import read_units

WHEN = dt.datetime(2026, 11, 22, 8, 0, 0)


def texts(path) -> list[str]:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return [p.text for p in d.paragraphs] + cells


def doc(done, key: str) -> list[str]:
    return texts(next(p for p in done.docx if p.name == TEMPLATES[key]))


# ---------------------------------------------------------------- units that sent nothing
def test_a_unit_that_sent_nothing_is_not_counted_as_taking_part(plan000, tmp_path):
    rows = [dict(unit000(1000, 900, 880, 0), nhom="xa", ten="Xã Một"),
            dict(unit000(1000, 850, 800, 0), nhom="xa", ten="Xã Hai"),
            dict(nhom="xa", ten="Xã Im Lặng"),  # every figure blank
            dict(unit000(1000, 900, 870, 0), nhom="co_quan", ten="Phòng Một")]
    result = score(plan000, frame(plan000, rows))
    done = render_documents(result, tmp_path, pdf=False, when=WHEN, backup=False)
    tt, bc = doc(done, "to_trinh"), doc(done, "bao_cao")
    assert any("có 03 cơ quan, đơn vị, địa phương tham gia (01 đơn vị chưa gửi báo cáo: Xã Im Lặng)"
               in p for p in tt)
    assert any(p.startswith("Có 03 cơ quan, đơn vị, địa phương tham gia") for p in bc)
    assert "Chưa gửi báo cáo (không tính là tham gia): Xã Im Lặng." in bc
    assert "Tất cả các đơn vị đều đủ điều kiện xét khen thưởng." not in bc
    ranking = docx.Document(str(next(p for p in done.docx if p.name == TEMPLATES["bao_cao"])))
    rows_shown = [[c.text for c in r.cells] for t in ranking.tables for r in t.rows]
    silent = [r for r in rows_shown if r[1:2] == ["Xã Im Lặng"] and len(r) == 4]
    assert silent == [["—", "Xã Im Lặng", "—", "Chưa gửi báo cáo"]]
    # not listed among the units that failed a condition either
    assert not any("Xã Im Lặng" in r[-1] for r in rows_shown if len(r) == 4 and r[0].isdigit()
                   and r[1] != "Xã Im Lặng")


def test_a_checklist_unit_that_sent_nothing_reads_not_sent(tmp_path):
    plan = load_plan("xuan-thanh-mot-cua-2021")
    table = read_units(sample_path(plan.id), plan)
    inputs = [i.code for i in plan.inputs if i.code in table.frame.columns]
    table.frame.loc[table.frame.index[-1], inputs] = math.nan
    silent = str(table.frame.iloc[-1]["ten_don_vi"])
    result = score(plan, table)
    done = render_documents(result, tmp_path, pdf=False, when=WHEN, backup=False)
    bc = doc(done, "bao_cao")
    assert f"Chưa gửi báo cáo (không tính là tham gia): {silent}." in bc
    assert not any(p.startswith("Còn ") and silent in p for p in bc)
    n = len(table) - 1
    assert any(p.startswith(f"Có {n:02d} cơ quan, đơn vị, địa phương gửi báo cáo") for p in bc)


# ---------------------------------------------------------------- legal bases by date
@pytest.mark.parametrize("signed, expected", [
    (dt.date(2024, 1, 12), ["Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi",
                            "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022", "91/2017/NĐ-CP"]),
    (dt.date(2025, 6, 30), ["Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi",
                            "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022", "98/2023/NĐ-CP"]),
    (dt.date(2025, 7, 1), ["Luật Tổ chức chính quyền địa phương số 72/2025/QH15",
                           "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022", "152/2025/NĐ-CP"]),
    (dt.date(2019, 3, 4), ["Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
                           "Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003", "91/2017/NĐ-CP"]),
])
def test_the_decision_cites_the_texts_in_force_on_its_date(plan000, tmp_path, signed, expected):
    result = score(plan000, read_units(sample_path(plan000.id), plan000))
    done = render_documents(result, tmp_path, pdf=False, when=WHEN, backup=False,
                            config={"quyet_dinh": {"ngay_ky": signed.isoformat()}})
    bases = [p for p in doc(done, "quyet_dinh") if p.startswith("Căn cứ ") and "Kế hoạch" not in p]
    assert len(bases) == len(expected)
    for line, part in zip(bases, expected):
        assert part in line, (signed, line)


def test_the_office_edits_the_list_of_legal_bases(plan000, tmp_path):
    config = tmp_path / "van-ban.yaml"
    config.write_text(
        "can_cu_phap_ly:\n"
        "  - noi_dung: \"Căn cứ Văn bản A;\"\n"
        "    den_ngay: 2024-12-31\n"
        "  - noi_dung: \"Căn cứ Văn bản B;\"\n"
        "    tu_ngay: 2025-01-01\n"
        "quyet_dinh:\n"
        "  ngay_ky: 2025-02-03\n", encoding="utf-8")
    result = score(plan000, read_units(sample_path(plan000.id), plan000))
    done = render_documents(result, tmp_path / "out", pdf=False, when=WHEN, backup=False, config=config)
    qd = doc(done, "quyet_dinh")
    assert "Căn cứ Văn bản B;" in qd and "Căn cứ Văn bản A;" not in qd
    config.write_text("can_cu_phap_ly:\n  - noi_dung: \"Căn cứ X;\"\n    tu_ngay: 30/02/2025\n"
                      "  - {noi_dung: \"Y\", hieu_luc: 2020-01-01}\n", encoding="utf-8")
    with pytest.raises(ThiduaError) as err:
        load_settings(plan000, config)
    text = str(err.value)
    assert "van-ban.yaml" in text and "can_cu_phap_ly" in text
    assert "không đọc được" in text and "không có khóa «hieu_luc»" in text
    config.write_text("quyet_dinh:\n  ngay_ky: 2025-02-30\n", encoding="utf-8")  # YAML's own date
    with pytest.raises(ThiduaError, match="ngày không hợp lệ"):
        load_settings(plan000, config)


def test_a_decision_of_the_chairman_is_never_signed_for_the_committee(plan000):
    with pytest.raises(ThiduaError) as err:
        load_settings(plan000, {"quyet_dinh": {"quyen_han": ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]}})
    assert "KT. CHỦ TỊCH" in str(err.value) and "TM." in str(err.value)
    load_settings(plan000, {"quyet_dinh": {"quyen_han": ["KT. CHỦ TỊCH"]}})  # the right form


# ---------------------------------------------------------------- words and typography
def test_titles_keep_their_last_words_together_and_spell_out_abbreviations(plan000, tmp_path):
    result = score(plan000, read_units(sample_path(plan000.id), plan000))
    done = render_documents(result, tmp_path, pdf=False, when=WHEN, backup=False)
    for key in ("to_trinh", "quyet_dinh", "bao_cao"):
        title = doc(done, key)[1]
        assert title.endswith(f"một phần năm{NBSP}2023"), (key, title)
        assert "TTHC" not in title and "DVC" not in title
    every = "\n".join(t for path in done.docx for t in texts(path))
    assert "«" not in every and "»" not in every  # documents quote with “…”
    assert " %" not in every


def test_helpers():
    assert score_number(34.4) == "34,40" and score_number(0) == "0,00" and score_number(47.031) == "47,03"
    assert score_number(1234.5) == "1.234,50"
    assert short_date(dt.date(2023, 6, 1)) == "01/6/2023" and short_date(dt.date(2018, 2, 19)) == "19/02/2018"
    assert keep_last_words("năm 2023") == f"năm{NBSP}2023" and keep_last_words("một") == "một"
    assert expand_abbreviations("giải quyết TTHC qua DVC") == "giải quyết thủ tục hành chính qua dịch vụ công"
    assert position_and_unit("Phó Chủ tịch UBND xã", "UBND xã Tam Thanh") == "Phó Chủ tịch UBND xã Tam Thanh"
    assert position_and_unit("Chuyên viên", "Phòng Nội vụ") == "Chuyên viên, Phòng Nội vụ"


def test_a_number_under_ten_gets_a_leading_zero(plan000, tmp_path):
    result = score(plan000, read_units(sample_path(plan000.id), plan000))
    done = render_documents(result, tmp_path, pdf=False, when=WHEN, backup=False,
                            config={"bao_cao": {"so": "7"}, "to_trinh": {"so": "15"}})
    assert "Số: 07/BC-NV" in doc(done, "bao_cao") and "Số: 15/TTr-NV" in doc(done, "to_trinh")
