"""The fields a document template sees, built from a scoring result.

Everything here is ready-made Vietnamese text (numbers as ``47,03``, money as
``7.000.000``, amounts in words, dates as the decree writes them), so a
template only places fields. The field names are the contract with the
templates in ``thidua/documents/templates/`` and are listed in the README («Văn bản khen
thưởng»): rename one and every office template using it breaks.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from thidua.documents.individuals import Proposals
from thidua.documents.settings import BLANK, NAME_BLANK, DocSettings, Signed
from thidua.documents.words import money_in_words
from thidua.result import (AMOUNT, ELIGIBLE, PRIZE, PRIZE_LABEL, RANK, REASONS, STATUS_MET,
                           STATUS_NA, STATUS_NO_DATA, STATUS_NOT_MET, TIE_LABEL, ScoreResult)
from thidua.text import format_number

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
NO_DATA_REASON = "Chưa đủ số liệu để tính tổng điểm"
#: Longest bar of the chart, in millimetres (the chart column is 78 mm wide).
BAR_MAX_MM = 72.0


@dataclass(frozen=True)
class Bar:
    """A bar of the chart: the renderer turns it into a picture of this width."""

    width_mm: float
    color: str  # "RRGGBB"


BAR_AWARDED = "1F4E79"  # dark blue: prize winners (and tie blocks)
BAR_ELIGIBLE = "5B9BD5"  # blue: eligible units
BAR_INELIGIBLE = "BFBFBF"  # grey: not eligible


#: Abbreviations an official document spells out in its title and in Điều 1.
ABBREVIATIONS = {"TTHC": "thủ tục hành chính", "DVC": "dịch vụ công", "CCHC": "cải cách hành chính",
                 "CBCCVC": "cán bộ, công chức, viên chức", "CBCC": "cán bộ, công chức"}
NBSP = "\u00a0"
NOT_SENT = "Chưa gửi báo cáo"
#: Unit-kind words that lose their capital inside a sentence («… và xã Tam Giang»).
_KIND_WORDS = ("Xã ", "Phường ", "Thị trấn ")


def expand_abbreviations(text: str) -> str:
    """``giải quyết TTHC qua DVC`` → ``giải quyết thủ tục hành chính qua dịch vụ công``."""
    for short, full in ABBREVIATIONS.items():
        text = re.sub(rf"\b{short}\b", full, text)
    return text


def keep_last_words(text: str) -> str:
    """No single word alone on the last line: a no-break space before the last word."""
    head, sep, last = text.rstrip().rpartition(" ")
    return f"{head}{NBSP}{last}" if sep and head else text


def in_sentence_name(name: str) -> str:
    """A unit's name inside a sentence: ``Xã Tam Hải`` → ``xã Tam Hải``."""
    for word in _KIND_WORDS:
        if name.startswith(word):
            return word.lower() + name[len(word):]
    return name


def and_list(names: list[str]) -> str:
    """``a, b và c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def score_number(value: float) -> str:
    """A score as printed in documents: always two decimals (``34,40``, ``0,00``)."""
    text = format_number(value, 2)
    if text == "—":
        return text
    whole, _, frac = text.partition(",")
    return f"{whole},{(frac + '00')[:2]}"


def count_words(n: int) -> str:
    """A count in running text: two digits under ten (``08 tập thể``)."""
    return f"{n:02d}" if 0 < n < 10 else str(n)


def without_even(words: str) -> str:
    """Amount in words for running text: no «chẵn» (it belongs in tables)."""
    return words[:-len(" chẵn")] if words.endswith(" chẵn") else words


def date_words(day: dt.date | None, year: int | None) -> str:
    """``ngày 05 tháng 01 năm 2024`` (Nghị định 30: 0 before days < 10 and months 1, 2)."""
    if day is None:
        return f"ngày {BLANK} tháng {BLANK} năm {year if year else BLANK}"
    d = f"{day.day:02d}" if day.day < 10 else str(day.day)
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {d} tháng {m} năm {day.year}"


def short_date(day: dt.date | None) -> str:
    """``01/6/2023``: the date line's rule (0 before days < 10 and months 1, 2), in figures."""
    if day is None:
        return BLANK
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}/{m}/{day.year}"


def in_sentence(text: str) -> str:
    """``Phong trào thi đua …`` → ``phong trào thi đua …`` (not ``TTHC …``)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def agency_lines(name: str) -> str:
    """Header form of an agency: upper case, ``ỦY BAN NHÂN DÂN`` on a line of its own."""
    upper = name.upper()
    for head in ("ỦY BAN NHÂN DÂN ", "UỶ BAN NHÂN DÂN "):
        if upper.startswith(head):
            return "ỦY BAN NHÂN DÂN\n" + upper[len(head):]
    return upper


def short_item(label: str) -> str:
    """Short name of a dossier part: ``Báo cáo thành tích``."""
    short = label
    for cut in (" (", " kèm theo", " có xác nhận", " của "):
        pos = short.find(cut)
        if pos > 0:
            short = short[:pos]
    return short


def without_old_forms(label: str) -> str:
    """A dossier part without a form number of a named decree (``(mẫu số 07, Nghị định số
    91/2017/NĐ-CP)``): the decree may no longer be in force when the list is made."""
    return re.sub(r"\s*\((?:theo )?mẫu[^()]*Nghị định[^()]*\)", "", label).strip()


def position_and_unit(position: str, unit: str) -> str:
    """``Phó Chủ tịch UBND xã`` + ``UBND xã Tam Thanh`` → ``Phó Chủ tịch UBND xã Tam Thanh``."""
    if not position or not unit:
        return position or unit
    a, b = position.split(), unit.split()
    for n in range(min(len(a), len(b) - 1), 0, -1):
        if a[-n:] == b[:n]:
            return " ".join(a + b[n:])
    return f"{position}, {unit}"


def _all_met(frame, i: int) -> bool:
    met, applicable = frame.at[i, "tong_diem"], frame.at[i, "so_tieu_chi_ap_dung"]
    return not _isnan(met) and not _isnan(applicable) and met >= applicable


def _not_met(frame, i: int) -> int:
    met, applicable = frame.at[i, "tong_diem"], frame.at[i, "so_tieu_chi_ap_dung"]
    if _isnan(applicable):
        return 0
    return int(applicable - (0 if _isnan(met) else met))


def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


class _Money:
    def __init__(self, settings: DocSettings):
        self.options = dict(thousand=settings.doc_so_nghin, zero_tens=settings.doc_so_linh,
                            four=settings.doc_so_bon)

    def number(self, amount: int) -> str:
        return format_number(amount, 0)

    def words(self, amount: int) -> str:
        return money_in_words(int(amount), **self.options)


def decision_date(settings: DocSettings, today: dt.date) -> dt.date:
    """The day whose legal texts the decision cites: its signing date when known, else
    the day the documents are made, moved into the year on the date line."""
    for key in ("quyet_dinh", "to_trinh"):
        if settings.docs[key].ngay_ky:
            return settings.docs[key].ngay_ky
    year = settings.nam or today.year
    if year == today.year:
        return today
    return dt.date(year, 1, 1) if year > today.year else dt.date(year, 12, 31)


def legal_bases(settings: DocSettings, today: dt.date) -> list[str]:
    """The «Căn cứ» lines of the decision in force on its date (or the office's own)."""
    if settings.can_cu:
        return list(settings.can_cu)
    day = decision_date(settings, today)
    return [t.text for t in settings.can_cu_phap_ly if t.in_force(day)]


def plan_basis(plan, settings: DocSettings) -> str:
    """``Kế hoạch số 45/KH-UBND ngày 10/5/2023 của Ủy ban nhân dân huyện … về …`` (dots when unknown)."""
    document = (plan.document or "").strip()
    m = re.match(r"^Kế hoạch(?: số)?\s+(\S+/\S+)(?:\s+ngày\s+(\d{1,2})/(\d{1,2})/(\d{4}))?\s*(.*)$",
                 document)
    number, day, rest = "", None, document
    if m:
        number, rest = m.group(1), m.group(5)
        if m.group(2):
            day = dt.date(int(m.group(4)), int(m.group(3)), int(m.group(2)))
    elif document.startswith("Kế hoạch"):
        rest = document[len("Kế hoạch"):].strip()
    number = settings.ke_hoach_so or number or f"{BLANK}/KH-UBND"
    day = settings.ke_hoach_ngay or day
    subject = settings.ke_hoach_ve or (rest if rest and not rest.startswith("về ") else "") \
        or in_sentence(plan.title)
    subject = expand_abbreviations(subject[3:] if subject.startswith("về ") else subject)
    when = f"ngày {short_date(day)}" if day else f"ngày {BLANK}"
    return (f"Kế hoạch số {number} {when} của {settings.co_quan_ban_hanh} về "
            f"{in_sentence(subject)}")


def build_context(result: ScoreResult, settings: DocSettings,
                  proposals: Proposals | None = None, today: dt.date | None = None) -> dict:
    """Every field of the templates, for one scoring result.

    ``today``: the day the documents are made (default: today), for the legal
    texts of an unsigned decision.
    """
    plan = result.plan
    today = today or dt.date.today()
    frame = result.frame.reset_index(drop=True)
    # A unit that sent nothing (every input blank) did not take part: never counted as
    # participating, eligible or ranked; it reads «Chưa gửi báo cáo».
    input_codes = [i.code for i in plan.inputs if i.code in frame.columns and i.default is None]
    not_sent = (frame[input_codes].isna().all(axis=1).tolist() if input_codes
                else [False] * len(frame))
    money = _Money(settings)
    checklist = plan.is_checklist
    has_prizes = bool(plan.prize_sets)
    group_label = {g.code: g.label for g in plan.groups}
    score_unit = "tiêu chí" if checklist else "điểm"

    def score_text(i: int) -> str:
        total = frame.at[i, "tong_diem"]
        if _isnan(total) or not_sent[i]:
            return "—"
        if checklist:
            applicable = frame.at[i, "so_tieu_chi_ap_dung"]
            return f"{int(total)}/{int(applicable)}" if not _isnan(applicable) else f"{int(total)}"
        return score_number(total)

    def score_phrase(i: int) -> str:
        if checklist:
            return f"đạt {score_text(i)} tiêu chí"
        return f"{score_text(i)} điểm"

    # ------------------------------------------------------------ units
    units = []
    for i in range(len(frame)):
        rank = frame.at[i, RANK]
        label = frame.at[i, PRIZE_LABEL]
        sent = not not_sent[i]
        eligible = bool(frame.at[i, ELIGIBLE]) and sent
        if not sent:
            outcome = NOT_SENT
        elif not eligible:
            outcome = "Không đủ điều kiện"
        elif label == TIE_LABEL:
            outcome = "Đồng hạng — Hội đồng quyết định"
        elif label:
            outcome = str(label)
        elif checklist and not has_prizes:
            outcome = ("Đạt toàn bộ tiêu chí" if _all_met(frame, i) else
                       f"Còn {_not_met(frame, i)} tiêu chí chưa đạt")
        else:
            outcome = ""
        amount = int(frame.at[i, AMOUNT])
        units.append({
            "stt": i + 1,
            "ma": str(frame.at[i, "ma_don_vi"]),
            "ten": str(frame.at[i, "ten_don_vi"]),
            "ma_nhom": str(frame.at[i, "nhom"]),
            "nhom": group_label.get(str(frame.at[i, "nhom"]), str(frame.at[i, "nhom"])),
            "hang": "—" if _isnan(rank) or not sent else str(int(rank)),
            "diem": score_text(i),
            "du_dieu_kien": eligible,
            "chua_gui": not sent,
            "ly_do": "; ".join(frame.at[i, REASONS]),
            "giai": "" if label in (None, TIE_LABEL) else str(label),
            "dong_hang": label == TIE_LABEL,
            "tien": money.number(amount) if amount else "",
            "ket_qua": outcome,
            "_i": i,
            "_rank": math.inf if _isnan(rank) or not sent else float(rank),
            "_total": -math.inf if _isnan(frame.at[i, "tong_diem"]) or not sent
            else float(frame.at[i, "tong_diem"]),
        })
    by_code = {u["ma"]: u for u in units}

    # ------------------------------------------------------------ awards
    lines_by_group: dict[str, list[tuple]] = {}
    order_of: dict[str, dict[str, int]] = {}
    for g in plan.groups:
        ps = plan.prize_set(g.code)
        seq = ps.sequence() if ps else []
        order_of[g.code] = {}
        for k, prize in enumerate(seq):
            order_of[g.code].setdefault(prize.code, k)
    for u in units:
        code = frame.at[u["_i"], PRIZE]
        if code:
            key = (order_of[u["ma_nhom"]].get(code, 99), u["_rank"], u["ma"])
            amount = int(frame.at[u["_i"], AMOUNT])
            lines_by_group.setdefault(u["ma_nhom"], []).append((key, {
                "giai": u["giai"], "don_vi": u["ten"], "ma_don_vi": u["ma"], "diem": u["diem"],
                "tien_so": amount, "dong_hang": False, "ung_vien": "",
                "mo_ta": f"{u['ten']} ({score_phrase(u['_i'])})"}))
    ties = []
    for tie in result.ties:
        members = [by_code[c] for c in tie["units"] if c in by_code]
        names = ", ".join(m["ten"] for m in members)
        in_text = and_list([in_sentence_name(m["ten"]) for m in members]) if members else ""
        first = members[0] if members else None
        details = tie.get("prize_details", [])
        for detail in details:
            key = (order_of[tie["group"]].get(detail["code"], 99), first["_rank"] if first else 0, "")
            lines_by_group.setdefault(tie["group"], []).append((key, {
                "giai": detail["label"], "don_vi": NAME_BLANK, "ma_don_vi": "",
                "diem": first["diem"] if first else "", "tien_so": int(detail["amount"]),
                "dong_hang": True, "ung_vien": names,
                "mo_ta": (f"chưa xác định — {in_text} đồng hạng {first['hang'] if first else ''} "
                          f"({score_phrase(first['_i']) if first else ''}), đề nghị "
                          f"{settings.hoi_dong} xem xét, quyết định")}))
        tie_money = sum(int(d["amount"]) for d in details)
        ties.append({
            "nhom": group_label.get(tie["group"], tie["group"]),
            "don_vi": names,
            "don_vi_trong_cau": in_text,
            "so_don_vi": len(members),
            "diem": first["diem"] if first else "",
            "hang": first["hang"] if first else "",
            "giai": ", ".join(d["label"] for d in details),
            "so_giai": len(details),
            "tien": money.number(tie_money),
            "tien_chu": without_even(money.words(tie_money)),
        })
    award_groups = []
    awards = []
    for g in plan.groups:
        rows = [line for _, line in sorted(lines_by_group.get(g.code, []), key=lambda t: t[0])]
        for line in rows:
            line["nhom"] = g.label
            line["tien"] = money.number(line["tien_so"]) if line["tien_so"] else ""
            line["tien_chu"] = without_even(money.words(line["tien_so"])) if line["tien_so"] else ""
            line["cham"] = ";"
            awards.append(line)
        if rows:
            subtotal = sum(r["tien_so"] for r in rows)
            award_groups.append({"ten": g.label, "dong": rows, "so_giai": len(rows),
                                 "tong_tien": money.number(subtotal)})
    for k, line in enumerate(awards, 1):
        line["stt"] = k
    if awards:
        awards[-1]["cham"] = "."  # the last item of the list ends the sentence
    for group in award_groups:
        for k, line in enumerate(group["dong"], 1):
            line["stt_nhom"] = k
    total_money = result.money_total()
    vacant = []
    for v in result.vacant:
        taking_part = [u for u in units if u["ma_nhom"] == v["group"] and not u["chua_gui"]]
        if not taking_part:
            reason = "nhóm không có đơn vị tham gia"
        elif v.get("reason"):
            reason = f"không có đơn vị đạt ({in_sentence(v['reason'])})"
        else:
            reason = "không còn đơn vị đủ điều kiện để xét"
        vacant.append({"nhom": group_label.get(v["group"], v["group"]), "giai": v["label"],
                       "tien": money.number(v["amount"]) if v["amount"] else "",
                       "tien_chu": without_even(money.words(v["amount"])) if v["amount"] else "",
                       "ly_do": reason})
    vacant_money = sum(int(v["amount"]) for v in result.vacant)

    # ------------------------------------------------------------ groups, chart
    scale = max([plan.total_max or 0.0] + [u["_total"] for u in units if u["_total"] > -math.inf]
                + ([float(frame["so_tieu_chi_ap_dung"].max())] if checklist and len(frame) else []))
    scale = scale if scale > 0 else 1.0
    groups = []
    for g in plan.groups:
        members = [u for u in units if u["ma_nhom"] == g.code]
        if not members:
            continue
        ranked = sorted([u for u in members if u["du_dieu_kien"]],
                        key=lambda u: (u["_rank"], -u["_total"], u["ma"]))
        ranked += sorted([u for u in members if not u["du_dieu_kien"] and not u["chua_gui"]],
                         key=lambda u: (-u["_total"], u["ma"]))
        ranked += [u for u in members if u["chua_gui"]]
        chart = []
        for u in ranked:
            value = max(u["_total"], 0.0) if u["_total"] > -math.inf else 0.0
            color = (BAR_AWARDED if (u["giai"] or u["dong_hang"]) else
                     BAR_ELIGIBLE if u["du_dieu_kien"] else BAR_INELIGIBLE)
            width = round(BAR_MAX_MM * value / scale, 1)
            chart.append({"ten": u["ten"], "diem": u["diem"] if not u["chua_gui"] else NOT_SENT,
                          "thanh": Bar(width, color) if width >= 0.5 and not u["chua_gui"] else ""})
        awarded = sum(1 for line in awards if line["nhom"] == g.label)
        groups.append({
            "ma": g.code, "ten": g.label,
            "so_don_vi": len(members),
            "so_da_gui": sum(not u["chua_gui"] for u in members),
            "so_chua_gui": sum(u["chua_gui"] for u in members),
            "so_du_dieu_kien": sum(u["du_dieu_kien"] for u in members),
            "so_khong_du_dieu_kien": sum(not u["du_dieu_kien"] and not u["chua_gui"] for u in members),
            "so_khen_thuong": awarded,
            "so_dat_het": sum(1 for u in members if _all_met(frame, u["_i"]) and not u["chua_gui"])
            if checklist else 0,
            "don_vi": ranked,
            "bieu_do": chart,
        })
    totals = {k: sum(g[k] for g in groups) for k in
              ("so_don_vi", "so_da_gui", "so_chua_gui", "so_du_dieu_kien", "so_khong_du_dieu_kien",
               "so_khen_thuong", "so_dat_het")}
    for g in groups:
        g["so_chua_dat_het"] = g["so_da_gui"] - g["so_dat_het"]
    totals["so_chua_dat_het"] = totals["so_da_gui"] - totals["so_dat_het"]
    not_sent_units = [u for u in units if u["chua_gui"]]

    # ------------------------------------------------------------ not eligible, by reason
    ineligible = [u for u in units if not u["du_dieu_kien"] and not u["chua_gui"]]
    for k, u in enumerate(ineligible, 1):
        u["stt_khong_du"] = k
    reasons = _reasons_by_gate(plan, ineligible)

    # ------------------------------------------------------------ checklist
    indicators, unit_gaps = ([], [])
    if checklist and result.indicators is not None:
        indicators, unit_gaps = _indicator_tables(result, [u for u in units if not u["chua_gui"]])

    # ------------------------------------------------------------ sections of the report
    sections = {}
    numbers = iter(ROMAN)
    sections["khai_quat"] = next(numbers)
    sections["ket_qua"] = next(numbers)
    if checklist:
        sections["tieu_chi"] = next(numbers)
    if has_prizes:
        sections["khen_thuong"] = next(numbers)
    sections["kien_nghi"] = next(numbers)

    year = settings.nam
    period = ""
    if plan.period_from and plan.period_to:
        period = f"từ ngày {short_date(plan.period_from)} đến ngày {short_date(plan.period_to)}"
    scored_year = result.year
    if checklist and scored_year and plan.period_to and plan.period_to.year != scored_year:
        period = f"năm {scored_year}"
    if not period:
        period = f"năm {scored_year or (plan.period_to.year if plan.period_to else BLANK)}"
    for u in units:
        for key in ("_i", "_rank", "_total"):
            u.pop(key, None)

    context = {
        "ke_hoach": {
            "ma": plan.id,
            "ten": plan.title,
            "ten_trong_cau": in_sentence(plan.title),
            # spelled out, for the titles and Điều 1; the last two words never split
            "ten_day_du": expand_abbreviations(in_sentence(plan.title)),
            "tieu_de": keep_last_words(expand_abbreviations(in_sentence(plan.title))),
            "can_cu": plan_basis(plan, settings),
            "van_ban": plan.document or plan.title,
            "co_quan": plan.issuer or BLANK,
            "tu_ngay": short_date(plan.period_from),
            "den_ngay": short_date(plan.period_to),
            "thoi_gian": period,
            "nam": scored_year or (plan.period_to.year if plan.period_to else ""),
            "chi_tieu": checklist,
            "cham_diem": not checklist,
            "co_giai": has_prizes,
            "ten_cot_diem": "Số tiêu chí đạt" if checklist else "Tổng điểm",
            "don_vi_diem": score_unit,
        },
        "vb": {
            "dia_danh": settings.dia_danh,
            "nam": year or BLANK,
            "cap": settings.cap,
            "co_quan_chu_quan": settings.co_quan_chu_quan,
            "co_quan_tham_muu": settings.co_quan_tham_muu or settings.co_quan_ban_hanh,
            "co_quan_ban_hanh": settings.co_quan_ban_hanh,
            "nguoi_dung_dau": settings.nguoi_dung_dau,
            "hoi_dong": settings.hoi_dong,
            "nguon_kinh_phi": settings.nguon_kinh_phi,
            "thi_hanh": settings.thi_hanh,
            "can_cu": legal_bases(settings, today),
            "nam_so": year or today.year,
            "ngay_hop_hoi_dong": short_date(settings.hoi_dong_ngay_hop),
        },
        "to_trinh": _signed(settings, "to_trinh", own=True),
        "quyet_dinh": _signed(settings, "quyet_dinh", own=False),
        "bao_cao": _signed(settings, "bao_cao", own=True),
        "muc": sections,
        "don_vi": units,
        "nhom": groups,
        "tong": totals,
        "tong_so_don_vi": totals["so_don_vi"],
        "so_da_gui": totals["so_da_gui"],
        "chua_gui": [{"stt": k, "ten": u["ten"], "nhom": u["nhom"]}
                     for k, u in enumerate(not_sent_units, 1)],
        "so_chua_gui": len(not_sent_units),
        "ten_chua_gui": ", ".join(u["ten"] for u in not_sent_units),
        "so_nhom": len(groups),
        "so_du_dieu_kien": totals["so_du_dieu_kien"],
        "so_khong_du_dieu_kien": totals["so_khong_du_dieu_kien"],
        "khen_thuong": awards,
        "khen_thuong_nhom": award_groups,
        "so_giai": len(awards),
        "so_giai_chu": count_words(len(awards)),
        "co_tien": total_money > 0 or any(line["tien_so"] for line in awards),
        "tong_tien": money.number(total_money),
        "tong_tien_so": total_money,
        "tong_tien_chu": without_even(money.words(total_money)),
        "tong_tien_chu_chan": money.words(total_money),  # tables: «Bằng chữ: … đồng chẵn»
        "dong_hang": ties,
        "dong_hang_trong": NAME_BLANK,
        "de_trong": vacant,
        "tien_de_trong": money.number(vacant_money) if vacant_money else "",
        "tien_de_trong_chu": without_even(money.words(vacant_money)) if vacant_money else "",
        "khong_du_dieu_kien": ineligible,
        "ly_do_khong_du": reasons,
        "chi_tieu": indicators,
        "chi_tieu_don_vi": unit_gaps,
        "ca_nhan": _people(proposals),
    }
    return context


def _signed(settings: DocSettings, key: str, own: bool) -> dict:
    """Number, date line, header and signature of one document.

    ``own``: drafted by the advising office (Tờ trình, Báo cáo) — its header is
    the parent body over the office; otherwise (Quyết định) the issuing body.
    """
    s: Signed = settings.docs[key]
    if own and settings.co_quan_tham_muu:
        upper, main = settings.co_quan_chu_quan.upper(), agency_lines(settings.co_quan_tham_muu)
    else:
        upper, main = "", agency_lines(settings.co_quan_ban_hanh)
    number = s.so
    if number.isdigit() and int(number) < 10:  # Nghị định 30/2020: a number under 10 gets a 0
        number = f"{int(number):02d}"
    return {
        "so": number or BLANK,
        "ky_hieu": s.ky_hieu,
        "ngay": date_words(s.ngay_ky, settings.nam),
        "ngay_so": short_date(s.ngay_ky),
        "co_quan_tren": upper,
        "co_quan": main,
        "quyen_han": "\n".join(line.upper() for line in s.quyen_han),
        "chuc_vu": s.chuc_vu.upper(),
        "nguoi_ky": s.nguoi_ky or NAME_BLANK,
        "noi_nhan": s.noi_nhan,
    }


def _reasons_by_gate(plan, ineligible: list[dict]) -> list[dict]:
    """Failed eligibility conditions with how many units, and which, failed each."""
    patterns = []
    for gate in plan.gates:
        parts = re.split(r"\{[a-z][a-z0-9_]*\}", gate.reason)
        regex = "^" + "(.+?)".join(re.escape(p) for p in parts) + r"( \(chưa có số liệu\))?$"
        # The condition without the unit's own figure: «Tỷ lệ … {x} % chưa đạt tối thiểu 70 %»
        # → «Tỷ lệ … chưa đạt tối thiểu 70%».
        shown = re.sub(r"\s*\{[a-z][a-z0-9_]*\}(?:\s*%)?", "", gate.reason)
        shown = re.sub(r"(\d) %", r"\1%", re.sub(r"\s{2,}", " ", shown)).strip()
        patterns.append((re.compile(regex), shown))
    buckets: dict[str, list[str]] = {}
    for u in ineligible:
        texts = [t for t in u["ly_do"].split("; ") if t]
        for text in texts:
            shown = text
            if text != NO_DATA_REASON:
                for regex, label in patterns:
                    if regex.match(text):
                        shown = label
                        break
            names = buckets.setdefault(shown, [])
            if u["ten"] not in names:
                names.append(u["ten"])
    return [{"stt": k, "ly_do": reason, "so_don_vi": len(names), "don_vi": ", ".join(names)}
            for k, (reason, names) in enumerate(buckets.items(), 1)]


def _indicator_tables(result: ScoreResult, units: list[dict]) -> tuple[list[dict], list[dict]]:
    """Criteria × status counts, and each unit's criteria not met."""
    rows = result.indicators
    whole = rows[rows["phan"].fillna("").astype(str) == ""]
    table = []
    order = list(dict.fromkeys(whole["tieu_chi"].astype(str)))
    for k, ident in enumerate(order, 1):
        part = whole[whole["tieu_chi"].astype(str) == ident]
        counts = part["trang_thai"].value_counts()
        table.append({
            "stt": k, "tieu_chi": ident, "noi_dung": str(part["noi_dung"].iloc[0]),
            "dat": int(counts.get(STATUS_MET, 0)),
            "khong_dat": int(counts.get(STATUS_NOT_MET, 0)),
            "chua_co_so_lieu": int(counts.get(STATUS_NO_DATA, 0)),
            "khong_ap_dung": int(counts.get(STATUS_NA, 0)),
        })
    gaps = []
    names = {u["ma"]: u for u in units}
    for code, part in whole.groupby(whole["ma_don_vi"].astype(str), sort=False):
        bad = part[~part["trang_thai"].isin([STATUS_MET, STATUS_NA])]
        if bad.empty:
            continue
        u = names.get(code)
        if u is None:
            continue
        by_status: dict[str, list[str]] = {}
        for r in bad.itertuples(index=False):
            by_status.setdefault(str(r.trang_thai), []).append(str(r.tieu_chi))
        gaps.append({"ten": u["ten"], "nhom": u["nhom"], "dat": u["diem"],
                     "chua_dat": "; ".join(f"{status}: {', '.join(ids)}"
                                           for status, ids in by_status.items())})
    for k, g in enumerate(gaps, 1):
        g["stt"] = k
    return table, gaps


def _people(proposals: Proposals | None) -> dict:
    if proposals is None:
        return {"co": False, "tieu_chuan": [], "ho_so": [], "danh_sach": [], "so_nguoi": 0,
                "so_du": 0, "so_chua_du_tieu_chuan": 0, "so_thieu_ho_so": 0, "du": ""}
    standards = [{"stt": k, "ma": s.code, "ten": s.label} for k, s in enumerate(proposals.standards, 1)]
    dossier = [{"stt": k, "ma": d.code, "ten": without_old_forms(d.label),
                "ten_ngan": short_item(d.label)}
               for k, d in enumerate(proposals.dossier, 1)]
    short = {d["ma"]: d["ten_ngan"] for d in dossier}
    people = []
    for k, p in enumerate(proposals.people, 1):
        marks = ["Đạt" if ok else ("Chưa rõ" if ok is None else "Chưa đạt")
                 for ok in p.standards.values()]
        missing = [short[c] for c in p.missing()]
        meets = not p.unmet()
        complete = not missing
        if meets and complete:
            verdict = "Đủ điều kiện đề nghị"
        elif not meets:
            verdict = "Chưa đủ tiêu chuẩn"
        else:
            verdict = "Còn thiếu hồ sơ"
        people.append({
            "stt": k, "ho_ten": p.ho_ten, "chuc_vu": p.chuc_vu, "don_vi": p.don_vi,
            "chuc_vu_don_vi": position_and_unit(p.chuc_vu, p.don_vi),
            "tieu_chuan": marks,
            "tieu_chuan_text": "\n".join(f"({j}) {m}" for j, m in enumerate(marks, 1)),
            "du_tieu_chuan": meets, "du_ho_so": complete,
            "thieu_ho_so": "; ".join(missing) if missing else "Đủ hồ sơ",
            "ket_luan": verdict,
        })
    ok = [p for p in people if p["du_tieu_chuan"] and p["du_ho_so"]]
    return {
        "co": True, "tieu_chuan": standards, "ho_so": dossier, "danh_sach": people,
        "so_nguoi": len(people), "so_du": len(ok),
        "so_chua_du_tieu_chuan": sum(not p["du_tieu_chuan"] for p in people),
        "so_thieu_ho_so": sum(p["du_tieu_chuan"] and not p["du_ho_so"] for p in people),
        "du": ", ".join(p["ho_ten"] for p in ok),
    }
