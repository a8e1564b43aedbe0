"""What the documents need that scoring cannot know: numbers, dates, signers.

Read from the plan's ``settings.van_ban`` and, over it, a ``--config`` YAML or
JSON file with the same keys (optionally under a top-level ``van_ban:``).
Anything unset gets a default derived from the plan's issuer
(``UBND huyện Núi Thành`` → địa danh ``Núi Thành``, Phòng Nội vụ, ``TTr-NV``…)
or stays visibly blank (``…``) in the document: the number, the signing date
and the signer's name.

Keys (all optional; every value is text unless said otherwise)::

    van_ban:
      dia_danh: Núi Thành                 # place on the date line
      nam: 2024                           # year on the date line while unsigned (number)
      co_quan_chu_quan: UBND huyện Núi Thành
      co_quan_tham_muu: Phòng Nội vụ      # drafts the Tờ trình and the Báo cáo
      co_quan_ban_hanh: Ủy ban nhân dân huyện Núi Thành
      nguoi_dung_dau: Chủ tịch Ủy ban nhân dân huyện Núi Thành
      hoi_dong: Hội đồng Thi đua - Khen thưởng huyện
      nguon_kinh_phi: nguồn kinh phí thi đua, khen thưởng của huyện năm 2024
      thi_hanh: Chánh Văn phòng HĐND và UBND huyện, Trưởng phòng Nội vụ, …
      can_cu_phap_ly:                     # legal bases of the Quyết định, chosen by its date
        - {noi_dung: "Căn cứ Luật …;", tu_ngay: 2024-01-01, den_ngay: 2025-06-30}
      can_cu: ["Căn cứ Luật …;", …]       # or: these bases whatever the date
      ke_hoach_so: 45/KH-UBND             # the plan cited in «Căn cứ Kế hoạch số …»
      ke_hoach_ngay: 2023-05-10
      ke_hoach_ve: phát động đợt thi đua …   # its subject («về …»)
      hoi_dong_ngay_hop: 2024-01-10       # the council's meeting (Tờ trình)
      co_quan_cap_tren: UBND huyện …      # a commune's Báo cáo also goes there
      doc_so_nghin: nghìn                 # or ngàn
      doc_so_linh: linh                   # or lẻ
      doc_so_bon: tư                      # or bốn (24 = hai mươi tư / hai mươi bốn)
      to_trinh:   {so, ky_hieu, ngay_ky, quyen_han, chuc_vu, nguoi_ky, noi_nhan}
      quyet_dinh: {so, ky_hieu, ngay_ky, quyen_han, chuc_vu, nguoi_ky, noi_nhan}
      bao_cao:    {so, ky_hieu, ngay_ky, quyen_han, chuc_vu, nguoi_ky, noi_nhan}

``ngay_ky`` is a date (``2024-01-15`` or ``15/01/2024``); ``quyen_han`` the
lines above the title of the signer (``KT. CHỦ TỊCH``; ``TM. ỦY BAN NHÂN DÂN``
only where the collective body decides: a list or lines separated by a line
break); ``noi_nhan`` a list.

Without ``can_cu_phap_ly`` the built-in list ``can_cu.yaml`` (beside this
module) is used: each text with the dates it is in force, so a decision cites
what is in force on its date.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thidua.errors import Problem, ThiduaError
from thidua.plan.model import Plan
from thidua.text import nfc

BLANK = "…"
NAME_BLANK = "……………………"

DOCS = ("to_trinh", "quyet_dinh", "bao_cao")
DOC_KEYS = ("so", "ky_hieu", "ngay_ky", "quyen_han", "chuc_vu", "nguoi_ky", "noi_nhan")
TEXT_KEYS = ("dia_danh", "co_quan_chu_quan", "co_quan_tham_muu", "co_quan_ban_hanh",
             "nguoi_dung_dau", "hoi_dong", "nguon_kinh_phi", "thi_hanh", "ke_hoach_so",
             "ke_hoach_ve", "co_quan_cap_tren")
DATE_KEYS = ("ngay_ky", "ke_hoach_ngay", "hoi_dong_ngay_hop")
LEGAL_KEYS = ("noi_dung", "tu_ngay", "den_ngay")
LEGAL_FILE = Path(__file__).resolve().parent / "can_cu.yaml"
CHOICES = {"doc_so_nghin": ("nghìn", "ngàn"), "doc_so_linh": ("linh", "lẻ"),
           "doc_so_bon": ("tư", "bốn")}
TOP_KEYS = TEXT_KEYS + ("nam", "can_cu", "can_cu_phap_ly", "ke_hoach_ngay", "hoi_dong_ngay_hop") \
    + tuple(CHOICES) + DOCS

_ISSUER = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+"
    r"(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s+(.+)$", re.IGNORECASE)
_PROVINCE, _DISTRICT, _COMMUNE = "tỉnh", "huyện", "xã"
_LEVEL_OF = {"tỉnh": _PROVINCE, "thành phố": _DISTRICT, "huyện": _DISTRICT, "quận": _DISTRICT,
             "thị xã": _DISTRICT, "xã": _COMMUNE, "phường": _COMMUNE, "thị trấn": _COMMUNE}


@dataclass
class Signed:
    """One document's number, date and signature block."""

    so: str = ""
    ky_hieu: str = ""
    ngay_ky: dt.date | None = None
    quyen_han: list[str] = field(default_factory=list)
    chuc_vu: str = ""
    nguoi_ky: str = ""
    noi_nhan: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LegalText:
    """One legal basis and the days it is in force (``None``: open-ended)."""

    text: str
    since: dt.date | None = None
    until: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)


@dataclass
class DocSettings:
    """Every field of the documents the scoring result does not give."""

    dia_danh: str
    nam: int | None
    cap: str  # "huyện", "tỉnh", "xã": the level words like «Hội đồng … huyện» use
    co_quan_chu_quan: str
    co_quan_tham_muu: str  # "" at commune level: the UBND drafts itself
    co_quan_ban_hanh: str
    nguoi_dung_dau: str
    hoi_dong: str
    nguon_kinh_phi: str
    thi_hanh: str
    can_cu: list[str]  # legal bases whatever the date (overrides can_cu_phap_ly)
    can_cu_phap_ly: list[LegalText] = field(default_factory=list)
    ke_hoach_so: str = ""
    ke_hoach_ngay: dt.date | None = None
    ke_hoach_ve: str = ""
    hoi_dong_ngay_hop: dt.date | None = None
    co_quan_cap_tren: str = ""
    doc_so_nghin: str = "nghìn"
    doc_so_linh: str = "linh"
    doc_so_bon: str = "tư"
    docs: dict[str, Signed] = field(default_factory=dict)


def _title_issuer(issuer: str) -> tuple[str, str, str]:
    """(kind word as written, level, place name) from ``UBND huyện Núi Thành``."""
    m = _ISSUER.match(issuer.strip())
    if not m:
        return "", _DISTRICT, ""
    kind = m.group(1).lower()
    return kind, _LEVEL_OF[kind], m.group(2).strip()


def defaults(plan: Plan) -> dict[str, Any]:
    """The values used when neither the plan nor the config file sets a key."""
    kind, level, place = _title_issuer(plan.issuer)
    if kind:
        body = f"Ủy ban nhân dân {kind} {place}"
        short = f"UBND {kind} {place}"
    else:
        body = plan.issuer.strip() or BLANK
        short = body
    if level == _PROVINCE:
        office, office_code, head_title = "Sở Nội vụ", "SNV", "GIÁM ĐỐC"
        executors = (f"Chánh Văn phòng Ủy ban nhân dân {kind}, Giám đốc Sở Nội vụ, Giám đốc Sở "
                     "Tài chính, Thủ trưởng các cơ quan, đơn vị có liên quan")
    elif level == _COMMUNE:
        office, office_code, head_title = "", "UBND", "CHỦ TỊCH"
        executors = ("Công chức Văn phòng - Thống kê, công chức Tài chính - Kế toán, Thủ trưởng "
                     "các cơ quan, đơn vị có liên quan")
    else:
        office, office_code, head_title = "Phòng Nội vụ", "NV", "TRƯỞNG PHÒNG"
        executors = (f"Chánh Văn phòng HĐND và UBND {kind or 'huyện'}, Trưởng phòng Nội vụ, "
                     "Trưởng phòng Tài chính - Kế hoạch, Thủ trưởng các cơ quan, đơn vị có liên quan")
    archive = f"Lưu: VT, {office_code}." if office else "Lưu: VT."
    level_word = kind or "huyện"
    own = {"quyen_han": [], "chuc_vu": head_title}
    if not office:  # the UBND itself drafts and signs
        own = {"quyen_han": ["TM. ỦY BAN NHÂN DÂN"], "chuc_vu": "CHỦ TỊCH"}
    leaders = f"Chủ tịch, các Phó Chủ tịch UBND {level_word};"
    return {
        "dia_danh": place or BLANK,
        "cap": level_word,
        "co_quan_chu_quan": short,
        "co_quan_tham_muu": office,
        "co_quan_ban_hanh": body,
        "nguoi_dung_dau": f"Chủ tịch {body}" if kind else f"Người đứng đầu {body}",
        "hoi_dong": f"Hội đồng Thi đua - Khen thưởng {level_word}",
        "nguon_kinh_phi": f"nguồn kinh phí thi đua, khen thưởng của {level_word}",
        "thi_hanh": executors,
        "to_trinh": {"ky_hieu": f"TTr-{office_code}", **own,
                     "noi_nhan": ["Như trên;", archive]},
        "quyet_dinh": {"ky_hieu": "QĐ-UBND", "quyen_han": ["KT. CHỦ TỊCH"], "chuc_vu": "PHÓ CHỦ TỊCH",
                       "noi_nhan": ["Như Điều 3;", leaders, "Lưu: VT, " + (office_code if office else "VP") + "."]},
        "bao_cao": {"ky_hieu": f"BC-{office_code}", **own,
                    "noi_nhan": [leaders, f"Hội đồng Thi đua - Khen thưởng {level_word};", archive]},
    }


# ---------------------------------------------------------------- reading
def read_config(path: str | Path) -> tuple[dict, str]:
    """The ``van_ban`` keys of a YAML/JSON config file, and the file name for errors."""
    p = Path(path)
    name = str(path)
    try:
        text = nfc(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ThiduaError(Problem("không tìm thấy tệp cấu hình văn bản", file=name)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ThiduaError(Problem(f"không đọc được tệp cấu hình văn bản ({exc.__class__.__name__})",
                                  file=name, hint="lưu tệp dạng văn bản UTF-8")) from None
    if p.suffix.lower() == ".json":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ThiduaError(Problem("tệp JSON sai cú pháp", file=name, line=exc.lineno,
                                      hint="kiểm tra dấu phẩy, ngoặc kép và ngoặc nhọn")) from None
    else:
        from thidua.plan.yamlload import load_yaml
        import yaml
        try:
            raw = load_yaml(text)
        except ValueError as exc:  # a date YAML reads and cannot make, e.g. 2025-02-30
            raise ThiduaError(Problem(f"tệp có ngày không hợp lệ ({exc})", file=name,
                                      hint="kiểm tra các ngày dạng 2025-01-15")) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ThiduaError(Problem("tệp YAML sai cú pháp", file=name,
                                      line=mark.line + 1 if mark else None,
                                      hint="kiểm tra thụt lề (dùng dấu cách) và dấu hai chấm sau mỗi khóa")) from None
    if raw is None:
        raw = {}
    if isinstance(raw, dict) and set(raw) == {"van_ban"}:
        raw = raw["van_ban"] or {}
    if not isinstance(raw, dict):
        raise ThiduaError(Problem("tệp cấu hình văn bản phải là một bảng khóa: giá trị "
                                  "(dia_danh, to_trinh, …)", file=name))
    return raw, name


def _line(raw, key: str) -> int | None:
    line_of = getattr(raw, "line_of", None)
    return line_of(key) if line_of else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def _date(value, problem) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    problem(f"ngày «{text}» không đọc được", "viết dạng 15/01/2024 hoặc 2024-01-15")
    return None


def _lines(value, problem, what: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [s.strip() for s in nfc(value).splitlines() if s.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [_text(v) for v in value if _text(v)]
    problem(f"«{what}» phải là một dòng chữ hoặc một danh sách", f"ví dụ «{what}: [\"…\", \"…\"]»")
    return []


def _legal_list(value, problem) -> list[LegalText]:
    """``can_cu_phap_ly``: a list of {noi_dung, tu_ngay, den_ngay}."""
    if not isinstance(value, list):
        problem("phải là một danh sách, mỗi mục có noi_dung, tu_ngay, den_ngay",
                "ví dụ «- {noi_dung: \"Căn cứ Luật …;\", tu_ngay: 2024-01-01}»")
        return []
    out = []
    for k, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or not _text(entry.get("noi_dung")):
            problem(f"mục {k} thiếu «noi_dung»", "mỗi mục: noi_dung (câu căn cứ), tu_ngay, den_ngay")
            continue
        unknown = [str(key) for key in entry if key not in LEGAL_KEYS]
        if unknown:
            problem(f"mục {k}: không có khóa «{unknown[0]}»", "các khóa: " + ", ".join(LEGAL_KEYS))
            continue
        since = _date(entry.get("tu_ngay"), problem)
        until = _date(entry.get("den_ngay"), problem)
        if since and until and until < since:
            problem(f"mục {k}: «den_ngay» trước «tu_ngay»", "kiểm tra lại hai ngày")
            continue
        out.append(LegalText(_text(entry["noi_dung"]), since, until))
    return out


def builtin_legal_texts() -> list[LegalText]:
    """The built-in legal bases (``can_cu.yaml``)."""
    from thidua.plan.yamlload import load_yaml

    raw = load_yaml(LEGAL_FILE.read_text(encoding="utf-8"))
    problems: list[Problem] = []

    def problem(message: str, hint: str = "") -> None:
        problems.append(Problem(f"can_cu_phap_ly: {message}", file=str(LEGAL_FILE), hint=hint))

    texts = _legal_list(raw.get("can_cu_phap_ly"), problem)
    if problems:
        raise ThiduaError(problems)
    return texts


def check_van_ban(raw, file: str, place=None) -> list[Problem]:
    """Every problem of a ``van_ban`` section (plan settings or config file), values unused.

    Run when the plan loads, so a misspelled key is reported by ``check-plan``.
    """
    problems: list[Problem] = []
    _merge(problems, {}, raw, file, place=place)
    return problems


def _merge(problems: list[Problem], out: dict, raw, file: str, where: str = "",
           place=None) -> None:
    """Check ``raw`` (plan settings or config) and lay its values over ``out``."""
    if not isinstance(raw, dict):
        problems.append(Problem(f"«{where or 'van_ban'}» phải là một bảng khóa: giá trị",
                                file=file, line=place,
                                hint="các khóa dùng được: " + ", ".join(DOC_KEYS if where else TOP_KEYS)))
        return
    allowed = DOC_KEYS if where else TOP_KEYS
    for key, value in raw.items():
        label = f"{where}.{key}" if where else str(key)
        line = _line(raw, key)

        def problem(message: str, hint: str = "", _label=label, _line_no=line) -> None:
            problems.append(Problem(f"cấu hình văn bản, khóa «{_label}»: {message}", file=file,
                                    line=_line_no, hint=hint))

        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            problems.append(Problem(
                f"cấu hình văn bản: không có khóa «{label}»", file=file, line=line,
                hint=(f"có phải ý bạn là «{close[0]}»? " if close else "")
                + "các khóa dùng được: " + ", ".join(allowed)))
            continue
        if key in DOCS:
            sub = out.setdefault(key, {})
            if value is not None:
                _merge(problems, sub, value, file, key, place=line)
            continue
        if key in DATE_KEYS:
            out[key] = _date(value, problem)
        elif key == "can_cu_phap_ly":
            out[key] = _legal_list(value, problem)
        elif key == "nam":
            if value in (None, ""):
                out[key] = None
            else:
                try:
                    year = int(_text(value))
                except ValueError:
                    year = 0
                if not 1900 < year < 3000:
                    problem(f"năm «{_text(value)}» không hợp lệ", "ví dụ «nam: 2024»")
                else:
                    out[key] = year
        elif key in ("can_cu", "noi_nhan", "quyen_han"):
            out[key] = _lines(value, problem, label)
        elif key in CHOICES:
            text = _text(value)
            if text not in CHOICES[key]:
                problem(f"chỉ nhận {' hoặc '.join(CHOICES[key])}, không phải «{text}»")
            else:
                out[key] = text
        elif isinstance(value, (dict, list)):
            problem("phải là một dòng chữ")
        else:
            out[key] = _text(value)


def _default_year(plan: Plan, year: int | None) -> int | None:
    """The year after the assessed period ends: when the council sits."""
    end = plan.period_to
    if year is not None and (end is None or year < end.year):
        end = dt.date(year, 12, 31)
    if end is None:
        return None
    return (end + dt.timedelta(days=1)).year


def load_settings(plan: Plan, config: str | Path | dict | None = None,
                  year: int | None = None) -> DocSettings:
    """The document fields for ``plan``: defaults, then ``settings.van_ban``, then ``config``.

    ``config``: a path to a YAML/JSON file, or a dict of the same keys.
    ``year``: the year scored (checklist plans), for the default year.
    Raises :class:`ThiduaError` naming every unknown key or bad value.
    """
    values = defaults(plan)
    problems: list[Problem] = []
    raw = (plan.settings or {}).get("van_ban")
    if raw is not None:
        _merge(problems, values, raw, plan.source or plan.id)
    if config is not None:
        if isinstance(config, dict):
            data, name = config, "<cấu hình>"
            if set(data) == {"van_ban"}:
                data = data["van_ban"] or {}
        else:
            data, name = read_config(config)
        _merge(problems, values, data, name)
    decision_powers = (values.get("quyet_dinh") or {}).get("quyen_han") or []
    if any(line.upper().startswith("TM.") for line in decision_powers) and \
            values["nguoi_dung_dau"].lower().startswith("chủ tịch"):
        problems.append(Problem(
            f"cấu hình văn bản, khóa «quyet_dinh.quyen_han»: «{decision_powers[0]}» không dùng được "
            f"cho Quyết định của {values['nguoi_dung_dau']}",
            hint="«TM.» chỉ dùng khi tập thể Ủy ban nhân dân quyết định; Quyết định của Chủ tịch "
                 "do Chủ tịch ký (để trống quyen_han) hoặc Phó Chủ tịch ký thay: "
                 "quyen_han: [\"KT. CHỦ TỊCH\"]"))
    if problems:
        raise ThiduaError(problems)
    if values["cap"] in ("xã", "phường", "thị trấn") and \
            values["bao_cao"]["noi_nhan"] == defaults(plan)["bao_cao"]["noi_nhan"]:
        # A commune's report also goes to the level above.
        above = values.get("co_quan_cap_tren") or f"{BLANK}{BLANK}"
        values["bao_cao"]["noi_nhan"] = [f"{above} (để báo cáo);"] + values["bao_cao"]["noi_nhan"]
    docs = {}
    for key in DOCS:
        d = values.get(key, {})
        docs[key] = Signed(so=d.get("so", ""), ky_hieu=d.get("ky_hieu", ""), ngay_ky=d.get("ngay_ky"),
                           quyen_han=list(d.get("quyen_han", [])), chuc_vu=d.get("chuc_vu", ""),
                           nguoi_ky=d.get("nguoi_ky", ""), noi_nhan=list(d.get("noi_nhan", [])))
    return DocSettings(
        dia_danh=values["dia_danh"] or BLANK,
        nam=values.get("nam") or _default_year(plan, year),
        cap=values["cap"],
        co_quan_chu_quan=values["co_quan_chu_quan"],
        co_quan_tham_muu=values["co_quan_tham_muu"],
        co_quan_ban_hanh=values["co_quan_ban_hanh"],
        nguoi_dung_dau=values["nguoi_dung_dau"],
        hoi_dong=values["hoi_dong"],
        nguon_kinh_phi=values["nguon_kinh_phi"] or BLANK,
        thi_hanh=values["thi_hanh"],
        can_cu=list(values.get("can_cu", [])),
        can_cu_phap_ly=list(values["can_cu_phap_ly"]) if "can_cu_phap_ly" in values
        else builtin_legal_texts(),
        ke_hoach_so=values.get("ke_hoach_so", ""),
        ke_hoach_ngay=values.get("ke_hoach_ngay"),
        ke_hoach_ve=values.get("ke_hoach_ve", ""),
        hoi_dong_ngay_hop=values.get("hoi_dong_ngay_hop"),
        co_quan_cap_tren=values.get("co_quan_cap_tren", ""),
        doc_so_nghin=values.get("doc_so_nghin", "nghìn"),
        doc_so_linh=values.get("doc_so_linh", "linh"),
        doc_so_bon=values.get("doc_so_bon", "tư"),
        docs=docs,
    )
