"""Individual proposals (cá nhân đề nghị khen thưởng): the standards and the dossier.

The plan's ``individuals:`` section names the standards a person must meet
(``standards``, yes/no) and the parts of the award dossier (``dossier``). The
office lists the people proposed in a table (.csv or .xlsx) with the columns
``ho_ten``, ``chuc_vu``, ``don_vi``, then one yes/no column per standard code
and per dossier code. A blank cell means "not yet known" and counts as not
met / still missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thidua.errors import InputError, Problem, ThiduaError
from thidua.plan.model import Plan
from thidua.text import fold, is_blank, nfc, parse_yesno

PERSON_COLUMNS = {"ho_ten": "Họ và tên", "chuc_vu": "Chức vụ", "don_vi": "Đơn vị"}


@dataclass
class Item:
    code: str
    label: str


@dataclass
class Person:
    ho_ten: str
    chuc_vu: str
    don_vi: str
    standards: dict[str, bool | None] = field(default_factory=dict)  # None: blank
    dossier: dict[str, bool | None] = field(default_factory=dict)
    row: int = 0

    def unmet(self) -> list[str]:
        return [code for code, ok in self.standards.items() if not ok]

    def missing(self) -> list[str]:
        return [code for code, ok in self.dossier.items() if not ok]


@dataclass
class Proposals:
    standards: list[Item]
    dossier: list[Item]
    people: list[Person]


def plan_items(plan: Plan) -> tuple[list[Item], list[Item]]:
    """The plan's standards and dossier parts; ThiduaError when it has none."""
    section = plan.individuals or {}
    standards = [Item(str(s.get("code")), nfc(str(s.get("label", s.get("code")))))
                 for s in section.get("standards") or [] if isinstance(s, dict) and s.get("code")]
    dossier = [Item(str(s.get("code")), nfc(str(s.get("label", s.get("code")))))
               for s in section.get("dossier") or [] if isinstance(s, dict) and s.get("code")]
    if not standards and not dossier:
        raise ThiduaError(Problem(
            f"kế hoạch «{plan.id}» không có mục «individuals» (tiêu chuẩn cá nhân, thành phần hồ sơ)",
            file=plan.source or plan.id,
            hint="bỏ --individuals, hoặc thêm mục individuals: {standards: …, dossier: …} vào kế hoạch"))
    return standards, dossier


def read_individuals(path: str | Path, plan: Plan) -> Proposals:
    """Read the people proposed from ``path`` (.csv/.xlsx). Raises InputError with every problem."""
    from thidua.table import _cannot_open, _read_csv, _read_xlsx

    standards, dossier = plan_items(plan)
    source = str(path)
    p = Path(path)
    name = p.name or source
    ext = p.suffix.lower()
    if ext not in (".csv", ".xlsx", ".xlsm"):
        raise _cannot_open(source, name, "chỉ đọc được tệp .csv hoặc .xlsx",
                           "lưu danh sách cá nhân dạng .xlsx hoặc .csv (CSV UTF-8)")
    if not p.is_file():
        raise _cannot_open(source, name, "không tìm thấy tệp", "kiểm tra lại đường dẫn và tên tệp")
    if ext == ".csv":
        records, numbers = _read_csv(p, source, name)
        sheet = ""
    else:
        sheet, records, _ = _read_xlsx(p, source, name)
        numbers = list(range(1, len(records) + 1))
    rows = [(n, r) for n, r in zip(numbers, records) if any(not is_blank(v) for v in r)]
    if not rows:
        raise InputError(Problem(f"tệp «{name}» trống", file=source, sheet=sheet,
                                 hint="dòng đầu là tiêu đề: ho_ten, chuc_vu, don_vi, rồi mã các tiêu "
                                      "chuẩn và thành phần hồ sơ"))
    head_no, head = rows[0]
    keys = {}
    labels = {c: t for c, t in PERSON_COLUMNS.items()}
    labels.update({i.code: i.label for i in standards + dossier})
    by_key = {fold(c): c for c in labels} | {fold(t): c for c, t in labels.items()}
    for col, value in enumerate(head):
        if is_blank(value):
            continue
        code = by_key.get(fold(str(value)))
        if code is not None:
            keys[code] = col
    problems = [Problem(f"thiếu cột «{code}» ({labels[code]})", file=source, sheet=sheet, row=head_no)
                for code in labels if code not in keys]
    if problems:
        raise InputError(problems)

    people: list[Person] = []
    for number, record in rows[1:]:
        def cell(code: str):
            col = keys[code]
            return record[col] if col < len(record) else None

        person = Person(ho_ten="", chuc_vu="", don_vi="", row=number)
        for code in PERSON_COLUMNS:
            value = cell(code)
            setattr(person, code, "" if is_blank(value) else nfc(str(value)).strip())
        if not person.ho_ten:
            problems.append(Problem("thiếu họ tên", file=source, sheet=sheet, row=number, column="ho_ten"))
        for items, target in ((standards, person.standards), (dossier, person.dossier)):
            for item in items:
                value = cell(item.code)
                if is_blank(value):
                    target[item.code] = None
                    continue
                try:
                    target[item.code] = parse_yesno(value)
                except ValueError:
                    problems.append(Problem(f"«{value}» không phải có/không", file=source, sheet=sheet,
                                            row=number, column=item.code,
                                            hint="ghi «có» hoặc «không» (hoặc x, 1/0); để trống nếu chưa rõ"))
        people.append(person)
    if problems:
        raise InputError(problems)
    return Proposals(standards=standards, dossier=dossier, people=people)
