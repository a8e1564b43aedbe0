"""Award documents (thidua documents): every seed plan, read back with python-docx.

Each document is checked against the scoring result itself: every unit, every
award line with its amount and amount in words, the total, ties left blank for
the council, vacant prizes stated and not counted; the form fields (số, ngày,
người ký) from settings or left visibly blank; template errors named.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest

from tests.conftest import frame, unit000
from thidua.cli import main
from thidua.demo import individuals_path, sample_path
from thidua.documents import TEMPLATES, render_documents
from thidua.documents.templates import DIR as TEMPLATE_DIR
from thidua.documents.context import in_sentence_name, score_number
from thidua.documents.individuals import read_individuals
from thidua.documents.settings import NAME_BLANK, load_settings
from thidua.documents.words import money_in_words
from thidua.engine import score
from thidua.errors import InputError, ThiduaError
from thidua.plan import builtin_ids, load_plan, parse_plan
from thidua.plan.load import resolve
from thidua.result import TIE_LABEL
from thidua.table import read_units
from thidua.text import format_number

ROOT = Path(__file__).resolve().parent.parent
WHEN = dt.datetime(2026, 11, 22, 8, 0, 0)
PRIZE_PLANS = ["nui-thanh-dvc-2023", "hoa-thanh-cchc-2018", "vu-ban-cchc-2023"]


def money(n: int) -> str:
    return format_number(n, 0)


def running(n: int) -> str:
    """Amount in words in running text: no «chẵn» (only tables carry it)."""
    return money_in_words(n).removesuffix(" chẵn")


def count(n: int) -> str:
    return f"{n:02d}" if n < 10 else str(n)


class Doc:
    """Text of a rendered .docx: body paragraphs and every table's cell texts."""

    def __init__(self, path: Path):
        self.path = path
        self.doc = docx.Document(str(path))
        self.paragraphs = [p.text for p in self.doc.paragraphs]
        self.tables = [[[c.text.strip() for c in row.cells] for row in t.rows] for t in self.doc.tables]
        cells = [c for t in self.tables for row in t for c in row]
        self.text = "\n".join(self.paragraphs + cells)

    def table_with(self, header: str) -> list[list[str]]:
        for t in self.tables:
            if t and header in t[0]:
                return t
        raise AssertionError(f"no table with header {header!r} in {self.path.name}")

    def rows_with(self, table: list[list[str]], *texts: str) -> list[list[str]]:
        return [row for row in table if all(any(t in c for c in row) for t in texts)]


def render(plan_id: str, out: Path, **kw):
    plan = load_plan(plan_id)
    result = score(plan, read_units(sample_path(plan_id), plan))
    people = individuals_path(plan_id)
    kw.setdefault("individuals", people if people.is_file() else None)
    kw.setdefault("pdf", False)
    done = render_documents(result, out, when=WHEN, backup=False, **kw)
    return result, done


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("van-ban")
    return {pid: render(pid, base / pid) for pid in builtin_ids()}


def awards_of(result):
    """(unit name or None for a tie line, prize label, amount, candidates) from the result itself."""
    lines = []
    f = result.frame
    for row in f.itertuples(index=False):
        if row.giai:
            lines.append((row.ten_don_vi, row.ten_giai, int(row.tien), ""))
    names = dict(zip(f["ma_don_vi"], f["ten_don_vi"]))
    for tie in result.ties:
        for d in tie["prize_details"]:
            lines.append((None, d["label"], int(d["amount"]), [names[c] for c in tie["units"]]))
    return lines


# ---------------------------------------------------------------- every seed plan
def test_every_seed_plan_gets_its_documents(rendered):
    for pid, (result, done) in rendered.items():
        names = sorted(p.name for p in done.docx)
        expected = {TEMPLATES["bao_cao"]}
        if result.plan.prize_sets:
            expected |= {TEMPLATES["to_trinh"], TEMPLATES["quyet_dinh"]}
        if pid == "vu-ban-cchc-2023":
            expected.add(TEMPLATES["ca_nhan"])
        assert set(names) == expected, pid
        assert done.pdf == [] and done.notes == []


def test_no_tag_left_and_all_text_is_nfc(rendered):
    for pid, (_, done) in rendered.items():
        for path in done.docx:
            text = Doc(path).text
            assert "{{" not in text and "{%" not in text and "}}" not in text, (pid, path.name)
            assert unicodedata.normalize("NFC", text) == text, (pid, path.name)
            assert "Undefined" not in text and "None" not in text and "nan" not in text.split()


@pytest.mark.parametrize("pid", PRIZE_PLANS)
def test_decision_lists_every_award_with_amount_and_total(rendered, pid):
    result, done = rendered[pid]
    qd = Doc(done.docx[[p.name for p in done.docx].index(TEMPLATES["quyet_dinh"])])
    table = qd.table_with("Tên tập thể")
    lines = awards_of(result)
    total = result.money_total()
    assert total == sum(a for _, _, a, _ in lines)
    data_rows = [r for r in table[1:] if r[0].strip().isdigit()]
    assert len(data_rows) == len(lines)
    for name, label, amount, candidates in lines:
        if name is not None:
            rows = qd.rows_with(table, name, label)
            assert len(rows) == 1, (name, label)
        else:  # tie: the unit cell is left to fill, the candidates are named
            rows = [r for r in qd.rows_with(table, NAME_BLANK, label)
                    if all(c in r[1] for c in candidates)]
            assert rows, (label, candidates)
        if amount:
            assert money(amount) in rows[0], (name, label)
    if total:
        assert any(money(total) in c for c in table[-2])
        assert table[-1][0] == f"Bằng chữ: {money_in_words(total)}"  # «chẵn» in the table
        assert f"tổng số tiền: {money(total)} đồng ({running(total)})" in qd.text
    n = len(lines)
    assert f"cho {count(n)} tập thể đã có thành tích xuất sắc" in qd.text
    assert "Điều 1." in qd.text and "Điều 2." in qd.text and "Điều 3." in qd.text


@pytest.mark.parametrize("pid", PRIZE_PLANS)
def test_proposal_lists_every_award_with_amount_in_words(rendered, pid):
    result, done = rendered[pid]
    tt = Doc(done.docx[[p.name for p in done.docx].index(TEMPLATES["to_trinh"])])
    for name, label, amount, candidates in awards_of(result):
        line = next((p for p in tt.paragraphs if p.startswith(f"- {label}: ")
                     and (name is None or f": {name} (" in p)
                     and (name is not None or all(in_sentence_name(c) in p for c in candidates))),
                    None)
        assert line is not None, (name, label)
        if amount:
            assert f"{money(amount)} đồng ({running(amount)})" in line
    total = result.money_total()
    if total:
        assert f"Tổng số tiền thưởng: {money(total)} đồng ({running(total)})." in tt.paragraphs
    assert tt.text.count("Kính gửi: Chủ tịch Ủy ban nhân dân huyện") == 1


def test_nui_thanh_figures_are_the_known_ones(rendered):
    result, done = rendered["nui-thanh-dvc-2023"]
    tt = Doc(done.docx[0])
    assert "Tổng số tiền thưởng: 26.500.000 đồng (Hai mươi sáu triệu năm trăm nghìn đồng)." \
        in tt.paragraphs
    assert any("Xã Tam Xuân I (70,57 điểm); tiền thưởng 7.000.000 đồng (Bảy triệu đồng);" in p
               for p in tt.paragraphs)
    # the last prize ends the list with a full stop; two decimals on every score
    assert "- Giải Khuyến khích: Xã Tam Quang (60,26 điểm); tiền thưởng 2.000.000 đồng (Hai triệu " \
           "đồng)." in tt.paragraphs
    assert any("(34,40 điểm)" in p for p in tt.paragraphs)
    # the tie block: XA11 and XA12 hold Giải Ba and one KK, for the council
    assert ("- Giải Ba: chưa xác định — xã Tam Hải và xã Tam Giang đồng hạng 3 (63,60 điểm), đề nghị "
            "Hội đồng Thi đua - Khen thưởng huyện xem xét, quyết định; tiền thưởng 3.000.000 đồng "
            "(Ba triệu đồng);") in tt.paragraphs
    assert any(p.startswith("- Nhóm 2 — UBND các xã, thị trấn: xã Tam Hải và xã Tam Giang cùng đạt "
                            "63,60 điểm") and "Giải Ba, Giải Khuyến khích" in p for p in tt.paragraphs)
    # the council's meeting, the request for a decision, no abbreviation in the title
    assert "Căn cứ kết quả họp xét của Hội đồng Thi đua - Khen thưởng huyện ngày …;" in tt.paragraphs
    assert any("xem xét, quyết định tặng Giấy khen cho 08 tập thể (có danh sách và dự thảo Quyết "
               "định kèm theo)" in p for p in tt.paragraphs)
    assert "TTHC" not in tt.paragraphs[1] and "thủ tục hành chính qua dịch vụ công" in tt.paragraphs[1]
    assert "Căn cứ Kế hoạch số …/KH-UBND ngày … của Ủy ban nhân dân huyện Núi Thành về phát động " \
           "đợt thi đua cao điểm dịch vụ công trực tuyến;" in tt.paragraphs


@pytest.mark.parametrize("pid", builtin_ids())
def test_report_ranks_every_unit_with_its_score(rendered, pid):
    result, done = rendered[pid]
    bc = Doc(next(p for p in done.docx if p.name == TEMPLATES["bao_cao"]))
    table = bc.table_with("Hạng")
    f = result.frame
    for i, row in f.iterrows():
        if result.plan.is_checklist:
            shown = f"{int(row['tong_diem'])}/{int(row['so_tieu_chi_ap_dung'])}"
        else:
            shown = score_number(row["tong_diem"])
        rank = "—" if math.isnan(row["hang"]) else str(int(row["hang"]))
        matches = [r for r in table if r[1] == row["ten_don_vi"]]
        assert len(matches) == 1, row["ten_don_vi"]
        assert matches[0][0] == rank and matches[0][2] == shown
        if row["ten_giai"] == TIE_LABEL:
            assert "Đồng hạng" in matches[0][3]
        elif row["ten_giai"]:
            assert matches[0][3] == row["ten_giai"]
        elif not row["du_dieu_kien"]:
            assert matches[0][3] == "Không đủ điều kiện"
    participation = bc.table_with("Số đơn vị")
    assert participation[-1][1] == str(len(f))
    # the chart: one bar (picture) per unit with a positive total
    pictures = bc.doc.inline_shapes
    assert len(pictures) == int((f["tong_diem"] > 0.005).sum())
    if result.plan.is_checklist:
        crit = bc.table_with("Nội dung tiêu chí")
        assert len(crit) - 1 == len(result.plan.indicators)
        for r in crit[1:]:
            assert sum(int(x) for x in r[2:6]) == len(f)
    if result.plan.prize_sets and result.money_total():
        total = result.money_total()
        assert f"Tổng số tiền thưởng: {money(total)} đồng ({running(total)})." in bc.paragraphs


def test_report_groups_ineligible_units_by_reason(rendered):
    result, done = rendered["nui-thanh-dvc-2023"]
    bc = Doc(next(p for p in done.docx if p.name == TEMPLATES["bao_cao"]))
    by_reason = bc.table_with("Lý do")
    # the condition without any unit's own figure, no placeholder left
    row = bc.rows_with(by_reason, "Số hồ sơ giải quyết trực tuyến chưa đạt tối thiểu 100 hồ sơ")[0]
    assert "Tỷ lệ hồ sơ giải quyết trực tuyến chưa đạt tối thiểu 70%" in [r[1] for r in by_reason]
    assert not any("…" in r[1] for r in by_reason)
    assert row[2] == "3" and "Phòng Tư pháp" in row[3] and "Thanh tra huyện" in row[3]
    detail = [t for t in bc.tables if t and t[0][-1] == "Lý do" and "Đơn vị" in t[0]][0]
    assert len(detail) - 1 == int((~result.frame["du_dieu_kien"]).sum())


def test_documents_follow_the_decree_form(rendered):
    _, done = rendered["nui-thanh-dvc-2023"]
    for path in done.docx:
        d = Doc(path)
        s = d.doc.sections[0]
        mm = [round(x.mm) for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin,
                                     s.left_margin, s.right_margin)]
        assert mm == [210, 297, 20, 20, 30, 15]
        assert d.doc.styles["Normal"].font.name == "Times New Roman"
        header = d.tables[0]
        assert header[0][1].startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc")
        assert header[1][1] == "Núi Thành, ngày … tháng … năm 2024"
        assert header[1][0].startswith("Số: …/")
        signature = d.tables[-1] if path.name != TEMPLATES["quyet_dinh"] else \
            [t for t in d.tables if t and t[0][0].startswith("Nơi nhận:")][0]
        assert signature[0][0].startswith("Nơi nhận:\n- ")
        assert NAME_BLANK in signature[0][1]
    qd = Doc(done.docx[1])
    assert qd.tables[0][0][0] == "ỦY BAN NHÂN DÂN\nHUYỆN NÚI THÀNH"
    assert qd.tables[0][1][0] == "Số: …/QĐ-UBND"
    assert "QUYẾT ĐỊNH" in qd.paragraphs and "QUYẾT ĐỊNH:" in qd.paragraphs
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN NÚI THÀNH" in qd.paragraphs
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" in qd.paragraphs
    tt = Doc(done.docx[0])
    assert tt.tables[0][0][0] == "UBND HUYỆN NÚI THÀNH\nPHÒNG NỘI VỤ"
    assert tt.tables[0][1][0] == "Số: …/TTr-NV"


def test_old_law_for_a_2018_campaign(rendered):
    _, done = rendered["hoa-thanh-cchc-2018"]
    qd = Doc(done.docx[1])
    assert "Căn cứ Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy định chi " \
           "tiết thi hành một số điều của Luật Thi đua, khen thưởng;" in qd.paragraphs
    assert not any("2022" in p for p in qd.paragraphs if p.startswith("Căn cứ Luật Thi đua"))
    assert qd.tables[0][1][1] == "Hòa Thành, ngày … tháng … năm 2019"


def test_no_money_plan_decision_has_no_money_column(rendered):
    _, done = rendered["vu-ban-cchc-2023"]
    qd = Doc(done.docx[1])
    table = qd.table_with("Tên tập thể")
    assert table[0] == ["STT", "Tên tập thể", "Hình thức", "Số tiêu chí đạt"]
    assert "Tổng cộng: 7 tập thể" in table[-1][0]
    assert "đồng" not in "\n".join(c for r in table for c in r)
    assert any(p.startswith("Điều 2. Mức tiền thưởng kèm theo Giấy khen thực hiện theo quy định")
               for p in qd.paragraphs)


def test_monitoring_plans_get_only_the_report(rendered):
    for pid in ("quang-nam-dvc-2023", "xuan-thanh-mot-cua-2021"):
        result, done = rendered[pid]
        bc = Doc(done.docx[0])
        assert "KẾT QUẢ XÉT KHEN THƯỞNG" not in bc.text
        assert "không đủ điều kiện xét khen thưởng" not in bc.text.lower()
        assert "Đạt toàn bộ tiêu chí" in bc.text
    bc = Doc(rendered["quang-nam-dvc-2023"][1].docx[0])
    assert bc.tables[0][0][0] == "UBND TỈNH QUẢNG NAM\nSỞ NỘI VỤ"
    assert bc.tables[0][1][0] == "Số: …/BC-SNV"
    bc = Doc(rendered["xuan-thanh-mot-cua-2021"][1].docx[0])
    assert bc.tables[0][0][0] == "ỦY BAN NHÂN DÂN\nXÃ XUÂN THÀNH"
    assert "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" in bc.tables[-1][0][1]


# ---------------------------------------------------------------- individuals (seed 001)
def test_individual_proposals_list_standards_and_missing_dossier(rendered):
    _, done = rendered["vu-ban-cchc-2023"]
    ca = Doc(next(p for p in done.docx if p.name == TEMPLATES["ca_nhan"]))
    table = ca.table_with("Họ và tên")
    people = read_individuals(individuals_path("vu-ban-cchc-2023"), load_plan("vu-ban-cchc-2023")).people
    assert len(table) - 1 == len(people) == 7
    by_name = {r[1]: r for r in table[1:]}
    phuc = by_name["Trần Văn Phúc"]
    assert phuc[3] == "(1) Đạt\n(2) Đạt\n(3) Đạt"
    assert phuc[4] == "Báo cáo thành tích" and phuc[5] == "Còn thiếu hồ sơ"
    assert by_name["Lê Minh Tuấn"][4] == "Biên bản họp bình, xét khen thưởng"
    assert by_name["Nguyễn Thị Hồng Nhung"][4] == "Đủ hồ sơ"
    assert by_name["Nguyễn Thị Hồng Nhung"][5] == "Đủ điều kiện đề nghị"
    huy = by_name["Đỗ Quang Huy"]
    assert "(2) Chưa đạt" in huy[3] and huy[5] == "Chưa đủ tiêu chuẩn"
    lan = by_name["Vũ Thị Lan Anh"]
    assert "(3) Chưa rõ" in lan[3]
    assert lan[4] == "Báo cáo thành tích; Biên bản họp bình, xét khen thưởng"
    assert by_name["Hoàng Đức Mạnh"][2] == "Phó Chủ tịch UBND xã Tam Thanh"  # not «…xã, UBND xã …»
    assert ("Tổng hợp: 07 cá nhân được đề xuất; 03 cá nhân đủ tiêu chuẩn và hồ sơ (Nguyễn Thị Hồng "
            "Nhung, Phạm Thu Hà, Hoàng Đức Mạnh); 02 cá nhân chưa đủ tiêu chuẩn; 02 cá nhân đủ tiêu "
            "chuẩn nhưng còn thiếu hồ sơ.") in ca.paragraphs
    # an annex of the Tờ trình: no number or national motto of its own, no decree out of force
    assert ca.paragraphs[0] == "DANH SÁCH" and ca.paragraphs[1].startswith("Cá nhân đề nghị")
    assert ca.paragraphs[2] == "(Kèm theo Tờ trình số …/TTr-NV ngày … tháng … năm 2024 của Phòng Nội vụ)"
    assert "CỘNG HÒA" not in ca.text and "Số: " not in ca.text and "91/2017" not in ca.text
    for standard in load_plan("vu-ban-cchc-2023").individuals["standards"]:
        assert any(standard["label"] in p for p in ca.paragraphs)
    tt = Doc(done.docx[0])
    assert any("khen thưởng 03 cá nhân đủ tiêu chuẩn và hồ sơ trong số 07" in p for p in tt.paragraphs)


def test_individuals_file_errors_name_row_and_column(tmp_path):
    plan = load_plan("vu-ban-cchc-2023")
    bad = tmp_path / "ca-nhan.csv"
    bad.write_text("ho_ten,chuc_vu,don_vi,chap_hanh_tot_chu_truong_phap_luat\nA,B,C,có\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_individuals(bad, plan)
    assert "thiếu cột «bien_ban_hop»" in str(err.value)
    text = individuals_path("vu-ban-cchc-2023").read_text(encoding="utf-8")
    bad.write_text(text.replace("Nguyễn Thị Hồng Nhung,Chuyên viên,Phòng Nội vụ,có",
                                "Nguyễn Thị Hồng Nhung,Chuyên viên,Phòng Nội vụ,chắc chắn"),
                   encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_individuals(bad, plan)
    message = str(err.value)
    assert "dòng 2" in message and "chap_hanh_tot_chu_truong_phap_luat" in message and "chắc chắn" in message
    with pytest.raises(ThiduaError) as err:
        read_individuals(individuals_path("vu-ban-cchc-2023"), load_plan("nui-thanh-dvc-2023"))
    assert "individuals" in str(err.value)


def test_individuals_from_xlsx(tmp_path):
    import openpyxl
    plan = load_plan("vu-ban-cchc-2023")
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in individuals_path("vu-ban-cchc-2023").read_text(encoding="utf-8").splitlines():
        ws.append(line.split(","))
    wb.save(tmp_path / "ca-nhan.xlsx")
    people = read_individuals(tmp_path / "ca-nhan.xlsx", plan).people
    assert [p.ho_ten for p in people][:2] == ["Nguyễn Thị Hồng Nhung", "Trần Văn Phúc"]
    assert people[1].missing() == ["bao_cao_thanh_tich_mau_07"]


# ---------------------------------------------------------------- ties and vacancies
def test_vacant_prize_is_stated_and_not_counted(plan000, tmp_path):
    # three communes between 65 % and 70 % online: eligible, but none may take Giải Nhất
    rows = [dict(unit000(1000, 690, 680, 0), nhom="xa", ten="Xã Một"),
            dict(unit000(1000, 680, 660, 0), nhom="xa", ten="Xã Hai"),
            dict(unit000(1000, 670, 640, 0), nhom="xa", ten="Xã Ba"),
            dict(unit000(1000, 900, 880, 0), nhom="co_quan", ten="Phòng Một"),
            dict(unit000(1000, 900, 870, 0), nhom="co_quan", ten="Phòng Hai")]
    result = score(plan000, frame(plan000, rows))
    vacant = {(v["group"], v["label"]) for v in result.vacant}
    assert ("xa", "Giải Nhất") in vacant and ("co_quan", "Giải Ba") in vacant
    done = render_documents(result, tmp_path, pdf=False, when=WHEN)
    total = result.money_total()
    spent = sum(int(a) for a in result.frame["tien"])
    assert total == spent == 4_500_000 + 3_000_000 + 2_000_000 + 3_500_000 + 2_500_000
    tt = Doc(done.docx[0])
    assert "Giải để trống:" in tt.paragraphs and "Giải không trao:" not in tt.paragraphs
    assert ("- Nhóm 2 — UBND các xã, thị trấn: Giải Nhất (7.000.000 đồng) — không có đơn vị đạt "
            "(điều kiện Giải Nhất: tỷ lệ hồ sơ giải quyết trực tuyến từ 70% trở lên);") in tt.paragraphs
    vacancies = [p for p in tt.paragraphs if "không còn đơn vị đủ điều kiện để xét" in p]
    assert vacancies[-1].endswith(".")  # the last item ends the sentence, the others with «;»
    assert all(p.endswith(";") for p in vacancies[:-1])
    assert {p[:-1] for p in vacancies} == {
        "- Nhóm 2 — UBND các xã, thị trấn: Giải Khuyến khích (2.000.000 đồng) — không còn đơn vị "
        "đủ điều kiện để xét",
        "- Nhóm 1 — Cơ quan chuyên môn thuộc UBND huyện: Giải Ba (2.000.000 đồng) — không còn đơn "
        "vị đủ điều kiện để xét"}
    assert ("Số tiền của các giải để trống (11.000.000 đồng) không tính vào tổng số tiền thưởng."
            in tt.paragraphs)
    assert f"Tổng số tiền thưởng: {money(total)} đồng ({running(total)})." in tt.paragraphs
    qd = Doc(done.docx[1])
    table = qd.table_with("Tên tập thể")
    assert not qd.rows_with(table, "Giải Nhất", "Xã")  # the vacant prize is not in the list
    assert money(total) in table[-2][-1]
    bc = Doc(done.docx[2])
    assert "Giải để trống:" in bc.paragraphs
    assert "Không có giải nào để trống." not in bc.paragraphs


def test_tie_block_lines_are_left_blank_for_the_council(rendered):
    result, done = rendered["nui-thanh-dvc-2023"]
    qd = Doc(done.docx[1])
    table = qd.table_with("Tên tập thể")
    blanks = qd.rows_with(table, NAME_BLANK)
    assert [r[2] for r in blanks] == ["Giải Ba", "Giải Khuyến khích"]
    for r in blanks:
        assert "Xã Tam Hải" in r[1] and "Xã Tam Giang" in r[1] and "Hội đồng chọn" in r[1]
    # no note to the drafter left in a document to be signed
    assert not any(p.startswith("Ghi chú") for p in qd.paragraphs)
    # their money is spent whoever gets it: it is in the total
    assert result.money_total() == 26_500_000


# ---------------------------------------------------------------- settings
def test_settings_fill_number_date_signer_and_place(tmp_path):
    config = {"dia_danh": "Tam Kỳ", "doc_so_nghin": "ngàn",
              "nguon_kinh_phi": "Quỹ Thi đua, khen thưởng huyện năm 2024",
              "to_trinh": {"so": "15", "ngay_ky": "05/01/2024", "nguoi_ky": "Nguyễn Văn An"},
              "quyet_dinh": {"so": "120", "ngay_ky": dt.date(2024, 1, 12), "nguoi_ky": "Lê Thị Bình",
                             "quyen_han": "KT. CHỦ TỊCH",
                             "noi_nhan": ["Như Điều 3;", "Lưu: VT."]}}
    _, done = render("nui-thanh-dvc-2023", tmp_path, config=config)
    tt, qd = Doc(done.docx[0]), Doc(done.docx[1])
    assert tt.tables[0][1] == ["Số: 15/TTr-NV", "Tam Kỳ, ngày 05 tháng 01 năm 2024"]
    assert "Nguyễn Văn An" in tt.tables[-1][0][1]
    assert qd.tables[0][1] == ["Số: 120/QĐ-UBND", "Tam Kỳ, ngày 12 tháng 01 năm 2024"]
    sign = [t for t in qd.tables if t and t[0][0].startswith("Nơi nhận:")][0][0]
    assert sign[0] == "Nơi nhận:\n- Như Điều 3;\n- Lưu: VT."
    assert sign[1].split("\n")[:2] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    # signed on 12/01/2024: the 2022 Law (from 01/01/2024) and still Nghị định 91/2017
    # (Nghị định 98/2023 takes effect on 15/01/2024)
    bases = [p for p in qd.paragraphs if p.startswith("Căn cứ Luật Thi đua") or "Nghị định" in p]
    assert bases == ["Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
                     "Căn cứ Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy "
                     "định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng;"]
    assert sign[1].rstrip().endswith("Lê Thị Bình")
    assert "Theo đề nghị của Phòng Nội vụ tại Tờ trình số 15/TTr-NV ngày 05 tháng 01 năm 2024." \
        in qd.paragraphs
    assert "(Kèm theo Quyết định số 120/QĐ-UBND ngày 12 tháng 01 năm 2024 của Chủ tịch Ủy ban nhân " \
           "dân huyện Núi Thành)" in qd.paragraphs
    assert "Hai mươi sáu triệu năm trăm ngàn đồng chẵn" in qd.text
    assert "Quỹ Thi đua, khen thưởng huyện năm 2024" in qd.text


def test_config_file_yaml_json_and_errors(tmp_path):
    plan = load_plan("nui-thanh-dvc-2023")
    good = tmp_path / "van-ban.yaml"
    good.write_text("van_ban:\n  dia_danh: Núi Thành\n  nam: 2025\n  bao_cao: {so: '7'}\n",
                    encoding="utf-8")
    s = load_settings(plan, good)
    assert s.nam == 2025 and s.docs["bao_cao"].so == "7"
    js = tmp_path / "van-ban.json"
    js.write_text('{"to_trinh": {"ngay_ky": "2024-02-03"}}', encoding="utf-8")
    assert load_settings(plan, js).docs["to_trinh"].ngay_ky == dt.date(2024, 2, 3)
    bad = tmp_path / "sai.yaml"
    bad.write_text("dia_danh: X\nnguoi_kyy: Y\nto_trinh: {so_van_ban: 1, ngay_ky: 32/13/2024}\n"
                   "doc_so_linh: le\n", encoding="utf-8")
    with pytest.raises(ThiduaError) as err:
        load_settings(plan, bad)
    message = str(err.value)
    for part in ("sai.yaml", "dòng 2", "«nguoi_kyy»", "«to_trinh.so_van_ban»", "32/13/2024", "«le»"):
        assert part in message, part
    with pytest.raises(ThiduaError):
        load_settings(plan, tmp_path / "khong-co.yaml")


def test_plan_settings_van_ban_are_read_with_lines():
    text = resolve("vu-ban-cchc-2023").read_text(encoding="utf-8")
    plan = parse_plan(text + "\nsettings:\n  van_ban:\n    dia_danh: Gôi\n    to_trinh:\n"
                             "      so: '12'\n", "vu-ban.yaml")
    s = load_settings(plan)
    assert s.dia_danh == "Gôi" and s.docs["to_trinh"].so == "12"
    # A misspelled key is refused when the plan loads (check-plan), not when documents are made.
    with pytest.raises(ThiduaError) as err:
        parse_plan(text + "\nsettings:\n  van_ban:\n    dia_danhh: Gôi\n", "vu-ban.yaml")
    assert "vu-ban.yaml" in str(err.value) and "«dia_danhh»" in str(err.value)
    assert "có phải ý bạn là «dia_danh»?" in str(err.value)
    assert f"dòng {text.count(chr(10)) + 4}" in str(err.value)


def test_defaults_come_from_the_issuer():
    s = load_settings(load_plan("quang-nam-dvc-2023"), year=2023)
    assert (s.dia_danh, s.co_quan_tham_muu, s.docs["bao_cao"].ky_hieu) == ("Quảng Nam", "Sở Nội vụ", "BC-SNV")
    assert s.nam == 2024
    s = load_settings(load_plan("xuan-thanh-mot-cua-2021"), year=2023)
    assert s.co_quan_tham_muu == "" and s.docs["bao_cao"].quyen_han == ["TM. ỦY BAN NHÂN DÂN"]
    assert s.nam == 2024  # the year after the scored year, not after the plan's end (2025)


# ---------------------------------------------------------------- templates
def _template_with(tmp_path: Path, key: str, text: str) -> Path:
    folder = tmp_path / "mau"
    folder.mkdir(exist_ok=True)
    d = docx.Document()
    d.add_paragraph("Mở đầu")
    d.add_paragraph(text)
    d.save(str(folder / TEMPLATES[key]))
    return folder


@pytest.mark.parametrize("text, expected", [
    ("Tổng: {{ tong_tienn }} đồng", ["«tong_tienn» không có", "«{{ tong_tienn }}»"]),
    ("Kế hoạch {{ ke_hoach.tenn }}", ["«tenn» không có", "«{{ ke_hoach.tenn }}»"]),
    ("Tổng: {{ tong_tien } đồng", ["lỗi", "tong_tien"]),
    ("{% if co_tien %}có tiền", ["thiếu thẻ đóng", "endif"]),
    ("{% iff co_tien %}x{% endif %}", ["thẻ lạ «iff»"]),
])
def test_broken_template_names_file_and_tag(tmp_path, text, expected):
    folder = _template_with(tmp_path, "bao_cao", text)
    with pytest.raises(ThiduaError) as err:
        render("quang-nam-dvc-2023", tmp_path / "out", templates=folder)
    message = str(err.value)
    assert TEMPLATES["bao_cao"] in message
    for part in expected:
        assert part in message, (part, message)
    assert not (tmp_path / "out" / TEMPLATES["bao_cao"]).exists()


def test_office_templates_override_one_file_and_fall_back_for_the_rest(tmp_path):
    folder = _template_with(tmp_path, "to_trinh", "Tờ trình rút gọn: {{ so_giai }} giải, "
                                                 "{{ tong_tien_so | so_tien }} đồng "
                                                 "({{ tong_tien_so | bang_chu }})")
    _, done = render("nui-thanh-dvc-2023", tmp_path / "out", templates=folder)
    assert "Tờ trình rút gọn: 8 giải, 26.500.000 đồng (Hai mươi sáu triệu năm trăm nghìn đồng chẵn)" \
        in Doc(done.docx[0]).paragraphs
    assert "QUYẾT ĐỊNH" in Doc(done.docx[1]).paragraphs
    with pytest.raises(ThiduaError) as err:
        render("nui-thanh-dvc-2023", tmp_path / "out2", templates=tmp_path / "khong-co")
    assert "khong-co" in str(err.value)


def test_not_a_word_file_is_a_clear_error(tmp_path):
    folder = tmp_path / "mau"
    folder.mkdir()
    (folder / TEMPLATES["bao_cao"]).write_text("không phải docx", encoding="utf-8")
    with pytest.raises(ThiduaError) as err:
        render("quang-nam-dvc-2023", tmp_path / "out", templates=folder)
    assert "không mở được mẫu văn bản" in str(err.value)


def test_templates_are_what_build_py_makes(tmp_path):
    from thidua.documents.templates import DIR
    from thidua.documents.templates.build import build
    for path in build(tmp_path):
        committed = DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), \
            f"{path.name} đã cũ: chạy «python -m thidua.documents.templates.build»"


def test_templates_are_valid_word_xml():
    """Element order inside pPr/tblPr/tcPr as the schema wants (Word refuses otherwise)."""
    from lxml import etree
    orders = {"pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
                     "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap "
                     "overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
                     "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
                     "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr "
                     "sectPr pPrChange".split(),
              "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize "
                       "tblStyleColBandSize tblW jc tblCellSpacing tblInd tblBorders shd tblLayout "
                       "tblCellMar tblLook tblCaption tblDescription".split(),
              "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
                      "tcFitText vAlign hideMark".split()}
    for name in TEMPLATES.values():
        with zipfile.ZipFile(TEMPLATE_DIR / name) as z:
            root = etree.fromstring(z.read("word/document.xml"))
        for parent, order in orders.items():
            for el in root.iter(f"{{*}}{parent}"):
                seen = [order.index(c.tag.split("}")[1]) for c in el]
                assert seen == sorted(seen), (name, parent, [c.tag.split("}")[1] for c in el])


# ---------------------------------------------------------------- files
def test_documents_are_reproducible_and_back_up_edits(tmp_path):
    _, first = render("nui-thanh-dvc-2023", tmp_path / "a")
    _, second = render("nui-thanh-dvc-2023", tmp_path / "b")
    for x, y in zip(first.docx, second.docx):
        assert x.read_bytes() == y.read_bytes()
    plan = load_plan("nui-thanh-dvc-2023")
    result = score(plan, read_units(sample_path(plan.id), plan))
    render_documents(result, tmp_path / "c", pdf=False)
    render_documents(result, tmp_path / "c", pdf=False)  # an office may have edited the first
    assert len(list((tmp_path / "c").glob("to-trinh-khen-thuong.bak-*.docx"))) == 1


def test_without_libreoffice_only_docx_with_a_note(tmp_path, monkeypatch):
    import thidua.documents.render as render_module
    monkeypatch.setattr(render_module, "writer_available", lambda: False)
    plan = load_plan("quang-nam-dvc-2023")
    result = score(plan, read_units(sample_path(plan.id), plan))
    done = render_documents(result, tmp_path, backup=False)
    assert done.pdf == [] and len(done.docx) == 1
    assert done.notes == ["Không tìm thấy LibreOffice Writer: chỉ ghi tệp .docx (mở bằng Word rồi "
                          "lưu thành PDF nếu cần)."]
    with pytest.raises(ThiduaError) as err:
        render_documents(result, tmp_path, pdf=True, backup=False)
    assert "LibreOffice Writer" in str(err.value)


# ---------------------------------------------------------------- command line
def test_cli_documents(capsys, tmp_path):
    out = tmp_path / "van-ban"
    rc = main(["documents", "vu-ban-cchc-2023", "--data", str(sample_path("vu-ban-cchc-2023")),
               "--out", str(out), "--individuals", str(individuals_path("vu-ban-cchc-2023")),
               "--no-pdf"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert printed.count("Đã ghi: ") == 4
    assert sorted(p.name for p in out.iterdir()) == sorted(TEMPLATES.values())
    config = tmp_path / "cau-hinh.yaml"
    config.write_text("khoa_la: 1\n", encoding="utf-8")
    rc = main(["documents", "vu-ban-cchc-2023", "--data", str(sample_path("vu-ban-cchc-2023")),
               "--out", str(out), "--config", str(config), "--no-pdf"])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: ") and "«khoa_la»" in err and "cau-hinh.yaml" in err


def test_sample_individuals_file_is_shipped():
    path = individuals_path("vu-ban-cchc-2023")
    assert path.parent.name == "samples" and path.suffix == ".csv"
    plan = load_plan("vu-ban-cchc-2023")
    assert len(read_individuals(path, plan).people) == 7


def test_names_with_special_characters_are_escaped(plan000, tmp_path):
    rows = [dict(unit000(1000, 900, 880, 0), nhom="co_quan", ten="Phòng Tài chính & Kế hoạch <TC-KH>"),
            dict(unit000(1000, 900, 870, 0), nhom="co_quan", ten="Phòng \"Nội vụ\" 'NV'")]
    result = score(plan000, frame(plan000, rows))
    done = render_documents(result, tmp_path, pdf=False)
    qd = Doc(done.docx[1])
    names = [r[1] for r in qd.table_with("Tên tập thể")]
    assert "Phòng Tài chính & Kế hoạch <TC-KH>" in names and "Phòng \"Nội vụ\" 'NV'" in names
