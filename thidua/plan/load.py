"""Read a plan — a YAML file or a plan workbook — into a validated ``Plan``.

Stages, as in XLSForm's compiler: read (YAML with line numbers, or a plan
workbook with sheet and cell: ``thidua.plan.xlsxread``) into one raw
structure → check and build each part (``_Builder``, the only validator),
collecting every problem with its place and a hint → raise one ``PlanError``
listing them all, or return the plan.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Callable

import yaml

from thidua import expr as ex
from thidua.errors import PlanError, Problem
from thidua.plan.model import (APPLICABLE_CODE, DEFAULT_GROUP, INPUT_TYPES, LEVELS, MET_CODE,
                               ROLES, TOTAL_CODE, Check, Choice, ClassBand, Classification, Gate,
                               Group, Indicator, Input, Item, Plan, Prize, PrizeSet, Target, Value)
from thidua.plan.place import placed
from thidua.plan.sections import check_individuals, check_settings
from thidua.plan.snapshot import fingerprint
from thidua.plan.statsmap import canonical, check_mapping
from thidua.plan.yamlload import LineDict, load_yaml
from thidua.rules import KINDS, Spec
from thidua.rules.answers import ChoiceRule
from thidua.text import nfc

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "plans"
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Codes become Excel defined names: they must not read as a cell address (tc1, r1c1).
CELL_LIKE_RE = re.compile(r"^(?:[a-z]{1,3}\d+|r|c|r\d*c\d*)$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOP_KEYS = {"id", "version", "title", "issuer", "document", "period", "kind", "groups", "levels",
            "inputs", "values", "criteria", "total", "total_max", "gates", "checks",
            "classification", "tie_break",
            "prizes", "indicators", "self_scored", "manual_total", "group_from_level",
            "years", "settings", "individuals", "stats_import"}
OPS = {">=": "≥", "<=": "≤", "==": "="}


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
YAML_SUFFIXES = (".yaml", ".yml")


def builtin_ids() -> list[str]:
    """Ids of the plans shipped with thidua (YAML files and plan workbooks)."""
    return sorted({p.stem for suffix in ("*.yaml", "*.xlsx") for p in BUILTIN_DIR.glob(suffix)})


def is_workbook(path: str | Path) -> bool:
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def resolve(ref: str | Path) -> Path:
    """A built-in plan id, or a path to a plan file (``.yaml``) or plan workbook (``.xlsx``).

    The one place where a PLAN argument becomes a file: every command, the
    add-in and the master's «Cấu hình» go through :func:`load_plan`.
    """
    path = Path(ref)
    if path.suffix.lower() in YAML_SUFFIXES + WORKBOOK_SUFFIXES or path.exists():
        return path
    for suffix in (".yaml", ".xlsx"):
        candidate = BUILTIN_DIR / f"{ref}{suffix}"
        if candidate.exists():
            return candidate
    close = difflib.get_close_matches(str(ref), builtin_ids(), n=1)
    raise PlanError(Problem(
        f"không có kế hoạch dựng sẵn «{ref}» và cũng không có tệp nào tên như vậy",
        hint=(f"có phải ý bạn là «{close[0]}»? " if close else "")
        + f"dùng một trong: {', '.join(builtin_ids())}, hoặc đường dẫn tới tệp kế hoạch "
          ".yaml hoặc .xlsx"))


def _name(ref: str | Path, path: Path) -> str:
    return path.name if path.parent == BUILTIN_DIR else str(ref)


def load_plan(ref: str | Path) -> Plan:
    """The validated plan of a built-in id, a YAML plan file or a plan workbook."""
    path = resolve(ref)
    name = _name(ref, path)
    if is_workbook(path):
        from thidua.plan.xlsxread import read_plan_workbook

        got = read_plan_workbook(path, name)
        return build_plan(got.raw, name, prior=got.problems, localize=got.localize)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanError(Problem("không tìm thấy tệp kế hoạch", file=name)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(Problem(f"không đọc được tệp kế hoạch ({exc})", file=name,
                                hint="lưu tệp dạng văn bản UTF-8")) from None
    return parse_plan(text, name)


def load_raw(ref: str | Path) -> tuple[LineDict, str]:
    """The plan as written (before validation) and its file name: for ``thidua plan export``."""
    path = resolve(ref)
    name = _name(ref, path)
    if is_workbook(path):
        from thidua.plan.xlsxread import read_plan_workbook

        return read_plan_workbook(path, name).raw, name
    try:
        raw = load_yaml(nfc(path.read_text(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        load_plan(ref)  # raises the error with its message
        raise
    return raw, name


#: What PyYAML's problems mean, in words an official reads (never the English text).
_YAML_PROBLEMS = (
    ("unexpected end of stream", "có dấu nháy mở mà chưa đóng",
     "đóng dấu nháy (\" hoặc ') ở cuối giá trị"),
    ("expected ',' or '}'", "thiếu dấu «}» (hoặc «,») trong một dòng dạng {khóa: giá trị}",
     "kiểm tra mỗi «{» có «}» tương ứng và các cặp khóa: giá trị cách nhau bằng dấu phẩy"),
    ("expected ',' or ']'", "thiếu dấu «]» (hoặc «,») trong một danh sách dạng [a, b]",
     "kiểm tra mỗi «[» có «]» tương ứng"),
    ("mapping values are not allowed", "có dấu hai chấm ở chỗ không được phép",
     "giá trị có dấu «:» (ví dụ giờ hoặc ghi chú) phải đặt trong dấu nháy kép"),
    ("found character '\t'", "có ký tự tab", "thụt lề bằng dấu cách, không dùng tab"),
    ("could not find expected ':'", "thiếu dấu hai chấm sau một khóa",
     "mỗi dòng viết «khóa: giá trị»"),
    ("found undefined alias", "có ký tự «*» ở đầu giá trị",
     "đặt giá trị bắt đầu bằng «*» hoặc «&» trong dấu nháy kép"),
    ("did not find expected key", "thụt lề không đều", "các khóa cùng cấp phải thẳng hàng"),
    ("did not find expected '-'", "thụt lề của danh sách không đều",
     "các dòng «- » của một danh sách phải thẳng hàng"),
    ("found duplicate anchor", "có ký tự «&» ở đầu giá trị", "đặt giá trị trong dấu nháy kép"),
)


def yaml_problem(exc: yaml.YAMLError) -> tuple[str, str]:
    """(what is wrong, how to fix it) for a YAML syntax error, in Vietnamese."""
    text = f"{getattr(exc, 'context', '') or ''} {getattr(exc, 'problem', '') or exc}"
    for needle, why, hint in _YAML_PROBLEMS:
        if needle in text:
            return why, hint
    return ("cách viết không đúng quy tắc YAML",
            "kiểm tra thụt lề (dùng dấu cách, không dùng tab), dấu hai chấm sau mỗi khóa và "
            "các dấu nháy, ngoặc được đóng đủ")


def parse_plan(text: str, file: str = "<kế hoạch>") -> Plan:
    try:
        raw = load_yaml(nfc(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        why, hint = yaml_problem(exc)
        raise PlanError(Problem(f"tệp không đúng cú pháp YAML: {why}", file=file,
                                line=mark.line + 1 if mark else None, hint=hint,
                                code="ke_hoach_sai")) from None
    if not isinstance(raw, LineDict):
        raise PlanError(Problem("tệp kế hoạch phải là một bảng khóa: giá trị (id, title, …)",
                                file=file, line=1))
    return build_plan(raw, file)


def build_plan(raw: LineDict, file: str, prior: list[Problem] = (),
               localize: Callable[[Problem], Problem] | None = None) -> Plan:
    """The validated plan of ``raw`` (from YAML or a plan workbook); PlanError lists every problem.

    Places in ``raw`` are YAML lines or plan-workbook cells
    (:class:`thidua.plan.place.Cell`): each problem names the one it was found at.
    ``prior``: problems the workbook reader found (a cell it could not read);
    the builder's own finding at such a cell is left out, the reader's says more.
    ``localize``: rewrites the builder's words for the workbook (keys → headers).
    """
    builder = _Builder(raw, file)
    plan = builder.build()
    problems = list(prior)
    taken = {(p.sheet, p.cell) for p in prior if p.cell}
    for p in builder.problems:
        p = placed(p)
        if localize is not None:
            p = localize(p)
        if p.cell and (p.sheet, p.cell) in taken:
            continue
        problems.append(p)
    if problems:
        raise PlanError(problems)
    plan.source = file
    plan.fingerprint = fingerprint(raw)
    return plan


def _line_naming(raw: LineDict, name: str) -> int | None:
    """Line of the (possibly nested) key whose expression mentions ``name``."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")

    def search(node) -> int | None:
        if isinstance(node, LineDict):
            for key, value in node.items():
                if isinstance(value, str) and pattern.search(value):
                    return node.line_of(key)
                found = search(value)
                if found is not None:
                    return found
        elif isinstance(node, list):
            for item in node:
                found = search(item)
                if found is not None:
                    return found
        return None

    found = search(raw)
    return found if found is not None else raw.line


class _Builder:
    def __init__(self, raw: LineDict, file: str):
        self.raw = raw
        self.file = file
        self.problems: list[Problem] = []
        self.known: set[str] = set()

    # ------------------------------------------------------------ helpers
    def error(self, line: int | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(message, file=self.file, line=line, hint=hint))

    def line(self, obj: Any, key: str | None = None) -> int | None:
        if isinstance(obj, LineDict):
            return obj.line_of(key) if key else obj.line
        return getattr(obj, "line", None)

    def mapping_list(self, key: str, required: bool = False) -> list[LineDict]:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.error(self.raw.line_of(key), f"thiếu mục «{key}»",
                           f"thêm «{key}:» với danh sách các phần tử")
            return []
        if not isinstance(value, list):
            self.error(self.raw.line_of(key), f"«{key}» phải là một danh sách (mỗi phần tử bắt đầu bằng «- »)")
            return []
        out = []
        for item in value:
            if not isinstance(item, LineDict):
                self.error(getattr(value, "line", None), f"mỗi phần tử của «{key}» phải là một bảng khóa: giá trị")
            else:
                out.append(item)
        return out

    def code(self, obj: LineDict, key: str, what: str, default: str | None = None) -> str:
        value = obj.get(key, default)
        if value is None:
            self.error(self.line(obj), f"{what} thiếu «{key}»", f"thêm «{key}: ten_ma» (chữ thường, không dấu)")
            return f"_thieu_{id(obj)}"
        value = str(value)
        if not CODE_RE.match(value):
            self.error(self.line(obj, key), f"mã «{value}» của {what} không hợp lệ",
                       "mã viết chữ thường không dấu, nối bằng «_», ví dụ tong_giai_quyet")
        elif CELL_LIKE_RE.match(value):
            example = re.sub(r"(\d+)", r"_\1", value, count=1)
            self.error(self.line(obj, key), f"mã «{value}» của {what} trùng dạng địa chỉ ô Excel",
                       f"thêm dấu «_», ví dụ «{example}»")
        return value

    def unknown_keys(self, obj: LineDict, allowed: set[str], what: str) -> None:
        for key in obj:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f"có phải ý bạn là «{close[0]}»?" if close else f"các khóa hợp lệ: {', '.join(sorted(allowed))}"
                self.error(obj.line_of(key), f"{what} có khóa lạ «{key}»", hint)

    def check_names(self, node: ex.Node | None, line: int | None, what: str,
                    extra: set[str] = frozenset()) -> None:
        if node is None:
            return
        for name in sorted(node.names() - self.known - set(extra)):
            close = difflib.get_close_matches(name, sorted(self.known | set(extra)), n=1)
            hint = (f"có phải ý bạn là «{close[0]}»?" if close
                    else "khai báo mã này trong «inputs» hoặc «values» trước khi dùng")
            self.error(line, f"{what} dùng mã «{name}» chưa được khai báo", hint)

    def parse_expr(self, value: Any, line: int | None, what: str) -> ex.Node | None:
        if value is None:
            self.error(line, f"{what} thiếu biểu thức")
            return None
        try:
            return ex.parse(value)
        except ex.ExprError as exc:
            self.error(line, f"{what}: {exc}")
            return None

    def rule(self, obj: LineDict, label: str, result_word: str | None = None):
        raw = obj.get("rule")
        if not isinstance(raw, LineDict):
            self.error(self.line(obj, "rule"), f"{label} thiếu «rule» (cách tính điểm)",
                       f"thêm «rule: {{kind: ...}}» với kind là một trong: {', '.join(KINDS)}")
            return None
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
            self.error(raw.line_of("kind"), f"{label}: loại quy tắc «{kind}» không tồn tại",
                       (f"có phải ý bạn là «{close[0]}»? " if close else "")
                       + f"các loại hợp lệ: {', '.join(KINDS)}")
            return None
        cls = KINDS[kind]
        self.unknown_keys(raw, cls.keys | {"kind", "only_if", "else"}, f"{label} (quy tắc {kind})")
        spec = Spec(raw, raw.line_of, self.problems, self.file, label)
        rule = cls.build(spec)
        if result_word is not None and cls.result_word == "điểm":
            rule.result_word = result_word
        if isinstance(rule, ChoiceRule):
            self.bind_choice(rule, raw, label)
        else:
            self.check_names_of_rule(rule, raw, label)
        return rule

    def check_names_of_rule(self, rule, raw: LineDict, label: str) -> None:
        for name in sorted(rule.names() - self.known):
            close = difflib.get_close_matches(name, sorted(self.known), n=1)
            hint = (f"có phải ý bạn là «{close[0]}»?" if close
                    else "khai báo mã này trong «inputs» hoặc «values» trước khi dùng")
            self.error(_line_naming(raw, name), f"{label}: quy tắc dùng mã «{name}» chưa được khai báo", hint)

    def bind_choice(self, rule: ChoiceRule, raw: LineDict, label: str) -> None:
        try:
            inp = self.plan_inputs[rule.of]
        except KeyError:
            self.error(raw.line_of("of"), f"{label}: «{rule.of}» không phải một chỉ tiêu nhập liệu",
                       "quy tắc choice phải trỏ tới một input kiểu choice")
            return
        if inp.type != "choice":
            self.error(raw.line_of("of"), f"{label}: chỉ tiêu «{rule.of}» không phải kiểu choice")
            return
        rule.options = [(c.code, c.label) for c in inp.choices]
        codes = {c.code for c in inp.choices}
        for code in rule.points:
            if code not in codes:
                self.error(raw.line_of("points"), f"{label}: lựa chọn «{code}» không có trong "
                           f"danh sách của «{rule.of}»", f"các lựa chọn: {', '.join(sorted(codes))}")
        for code in codes - set(rule.points):
            self.error(raw.line_of("points"), f"{label}: chưa cho điểm lựa chọn «{code}»",
                       f"thêm «{code}: <điểm>» vào points")

    # ------------------------------------------------------------ parts
    def build(self) -> Plan:
        raw = self.raw
        self.unknown_keys(raw, TOP_KEYS, "kế hoạch")
        plan_id = str(raw.get("id", ""))
        if not ID_RE.match(plan_id):
            self.error(raw.line_of("id"), f"mã kế hoạch «{plan_id}» không hợp lệ" if plan_id
                       else "thiếu «id» (mã kế hoạch)", "ví dụ «id: nui-thanh-dvc-2023»")
        version = raw.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.error(raw.line_of("version"), "«version» phải là số nguyên ≥ 1")
            version = 1
        title = str(raw.get("title") or "")
        if not title:
            self.error(raw.line_of("title"), "thiếu «title» (tên kế hoạch)")
        kind = raw.get("kind", "points")
        if kind not in ("points", "checklist"):
            self.error(raw.line_of("kind"), f"«kind» phải là points hoặc checklist, không phải «{kind}»",
                       "points: chấm điểm theo thang điểm; checklist: đối chiếu chỉ tiêu với mục tiêu")
        groups = self.groups()
        levels = self.levels(groups)
        inputs = self.inputs()
        self.plan_inputs = {i.code: i for i in inputs}
        self.known = set(self.plan_inputs)
        values = self.values()
        items = self.items() if kind == "points" else []
        if kind == "checklist" and raw.get("criteria"):
            self.error(raw.line_of("criteria"), "kế hoạch checklist không dùng «criteria»",
                       "khai báo các tiêu chí trong «indicators»")
        indicators = self.indicators(levels) if kind == "checklist" else []
        if kind == "points" and raw.get("indicators"):
            self.error(raw.line_of("indicators"), "kế hoạch chấm điểm không dùng «indicators»",
                       "đặt kind: checklist, hoặc khai báo tiêu chí trong «criteria»")
        total, total_text = None, ""
        if raw.get("total") is not None:
            total_text = str(raw["total"])
            total = self.parse_expr(raw["total"], raw.line_of("total"), "«total»")
            self.check_names(total, raw.line_of("total"), "«total»")
        total_max = None
        raw_max = raw.get("total_max")
        if raw_max is not None and (isinstance(raw_max, bool) or not isinstance(raw_max, (int, float))):
            self.error(raw.line_of("total_max"), f"«total_max» phải là một số, không phải «{raw_max}»",
                       "ví dụ «total_max: 100»")
        elif raw_max is not None:
            total_max = float(raw_max)
            standard = sum(i.max or 0 for i in items if i.role == "score")
            # Only on criteria read without a problem: a criterion already reported would
            # make the sum wrong for a reason the user has just been told.
            if total is None and items and not self.problems and abs(standard - total_max) > 1e-9:
                self.error(raw.line_of("total_max"),
                           f"tổng điểm chuẩn các tiêu chí là {standard:g}, khác «total_max: {total_max:g}»",
                           "sửa điểm chuẩn (max) của tiêu chí hoặc total_max cho khớp")
        self.known |= {TOTAL_CODE}
        if kind == "checklist":
            self.known |= {MET_CODE, APPLICABLE_CODE}
        checks = self.checks(values)
        gates = self.gates(groups)
        classification = self.classification()
        tie_break = self.tie_break()
        prize_sets = self.prizes(groups)
        manual_total = raw.get("manual_total")
        if manual_total is not None and (not isinstance(manual_total, str)
                                         or manual_total not in self.plan_inputs):
            self.error(raw.line_of("manual_total"), f"«manual_total: {manual_total}» không phải một input",
                       "khai báo input kiểu number (không bắt buộc) cho tổng điểm nhập tay")
        elif manual_total is not None:
            self.plan_inputs[manual_total].office_only = True  # the office scores special units
        period_from, period_to = self.period()
        years = None
        if raw.get("years") is not None:
            y = raw["years"]
            if (not isinstance(y, list) or len(y) != 2
                    or not all(isinstance(v, int) for v in y) or y[0] > y[1]):
                self.error(raw.line_of("years"), "«years» phải có dạng [năm đầu, năm cuối]")
            else:
                years = (y[0], y[1])
        return Plan(
            id=plan_id, version=version, title=title, kind=kind, groups=groups, levels=levels,
            inputs=inputs, values=values, items=items, total=total, total_text=total_text,
            total_max=total_max, gates=gates, checks=checks, classification=classification,
            tie_break=tie_break, prize_sets=prize_sets,
            indicators=indicators, self_scored=bool(raw.get("self_scored", False)),
            manual_total=manual_total, group_from_level=bool(raw.get("group_from_level", False)),
            issuer=str(raw.get("issuer") or ""), document=str(raw.get("document") or ""),
            period_from=period_from, period_to=period_to, years=years,
            settings=check_settings(raw.get("settings"), raw.line_of("settings"), self.file,
                                    self.error),
            individuals=check_individuals(raw.get("individuals"), raw.line_of("individuals"),
                                          self.error),
            stats_import=self.stats_import(inputs, levels),
        )

    def stats_import(self, inputs: list[Input], levels: list[str]) -> dict:
        """The ``stats_import`` section, checked now (the reader checks it the same way)."""
        raw = self.raw.get("stats_import")
        if raw is None:
            return {}
        mapping = check_mapping(raw, [i.code for i in inputs], levels, self.error,
                                where=self.raw.line_of("stats_import"))
        return canonical(raw) if mapping is not None else raw

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        p = self.raw.get("period")
        if p is None:
            return None, None
        if not isinstance(p, LineDict) or not all(isinstance(p.get(k), dt.date) for k in ("from", "to")):
            self.error(self.raw.line_of("period"), "«period» phải có from và to dạng năm-tháng-ngày",
                       "ví dụ «period: {from: 2023-06-01, to: 2023-12-31}»")
            return None, None
        return p["from"], p["to"]

    def groups(self) -> list[Group]:
        out: list[Group] = []
        raws = self.mapping_list("groups")
        if not raws:
            return [Group(DEFAULT_GROUP, "Chung")]
        for g in raws:
            self.unknown_keys(g, {"code", "label", "level"}, "nhóm")
            code = self.code(g, "code", "nhóm")
            if any(o.code == code for o in out):
                self.error(self.line(g, "code"), f"mã nhóm «{code}» bị trùng")
            level = g.get("level")
            if level is not None and (not isinstance(level, str) or level not in LEVELS):
                self.error(self.line(g, "level"), f"cấp «{level}» không tồn tại", f"dùng: {', '.join(LEVELS)}")
            out.append(Group(code, str(g.get("label") or code), level))
        return out

    def levels(self, groups: list[Group]) -> list[str]:
        raw = self.raw.get("levels")
        if raw is None:
            return list(LEVELS)
        if not isinstance(raw, list) or not raw:
            self.error(self.raw.line_of("levels"), "«levels» phải là danh sách cấp", "ví dụ [huyen, xa]")
            return list(LEVELS)
        for level in raw:
            if not isinstance(level, str) or level not in LEVELS:
                self.error(self.raw.line_of("levels"), f"cấp «{level}» không tồn tại", f"dùng: {', '.join(LEVELS)}")
        return [str(level) for level in raw]

    def inputs(self) -> list[Input]:
        out: list[Input] = []
        for r in self.mapping_list("inputs", required=True):
            self.unknown_keys(r, {"code", "label", "type", "unit", "min", "max", "required",
                                  "default", "choices", "note", "office_only"}, "chỉ tiêu nhập liệu")
            code = self.code(r, "code", "chỉ tiêu nhập liệu")
            if any(o.code == code for o in out):
                self.error(self.line(r, "code"), f"mã chỉ tiêu «{code}» bị khai báo hai lần")
            typ = r.get("type")
            if not isinstance(typ, str) or typ not in INPUT_TYPES:
                self.error(self.line(r, "type"), f"chỉ tiêu «{code}»: kiểu «{typ}» không tồn tại",
                           f"dùng một trong: {', '.join(INPUT_TYPES)}")
                typ = "number"
            choices = []
            if typ == "choice":
                raws = r.get("choices")
                if not isinstance(raws, list) or not raws:
                    self.error(self.line(r), f"chỉ tiêu «{code}» kiểu choice thiếu «choices»",
                               "ví dụ «choices: [{code: khong, label: Không}, {code: co, label: Có}]»")
                else:
                    for c in raws:
                        if isinstance(c, dict) and "code" in c:
                            choices.append(Choice(str(c["code"]), str(c.get("label") or c["code"])))
                        else:
                            self.error(self.line(r, "choices"), f"chỉ tiêu «{code}»: mỗi lựa chọn cần code và label")
            lo, hi = r.get("min"), r.get("max")
            if typ == "percent":
                lo = 0 if lo is None else lo
                hi = 100 if hi is None else hi
            if typ == "count":
                lo = 0 if lo is None else lo
            for key, v in (("min", lo), ("max", hi)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    self.error(self.line(r, key), f"chỉ tiêu «{code}»: «{key}» phải là số")
            default = r.get("default")
            out.append(Input(code=code, label=str(r.get("label") or code), type=typ,
                             unit=str(r.get("unit") or ("%" if typ == "percent" else "")),
                             min=lo if isinstance(lo, (int, float)) else None,
                             max=hi if isinstance(hi, (int, float)) else None,
                             required=bool(r.get("required", True)),
                             default=float(default) if isinstance(default, (int, float)) else None,
                             choices=choices, note=str(r.get("note") or ""),
                             office_only=r.get("office_only") is True, line=self.line(r)))
        return out

    def values(self) -> list[Value]:
        out: list[Value] = []
        for r in self.mapping_list("values"):
            self.unknown_keys(r, {"code", "label", "rule", "unit"}, "giá trị tính toán")
            code = self.code(r, "code", "giá trị tính toán")
            if code in self.known:
                self.error(self.line(r, "code"), f"mã «{code}» bị khai báo hai lần")
            rule = self.rule(r, f"giá trị «{code}»", result_word="")
            self.known.add(code)
            if rule is not None:
                out.append(Value(code, str(r.get("label") or code), rule,
                                 str(r.get("unit") or ""), self.line(r)))
        return out

    def items(self) -> list[Item]:
        out: list[Item] = []
        for r in self.mapping_list("criteria", required=True):
            self.unknown_keys(r, {"id", "code", "label", "max", "role", "levels", "rule", "section"},
                              "tiêu chí")
            item_id = str(r.get("id") or "")
            if not item_id:
                self.error(self.line(r), "tiêu chí thiếu «id» (số thứ tự, ví dụ 1.1)")
            default_code = "diem_" + re.sub(r"[^a-z0-9]+", "_", item_id.lower()).strip("_")
            code = self.code(r, "code", f"tiêu chí {item_id}", default=default_code)
            if code in self.known:
                self.error(self.line(r, "code"), f"mã «{code}» của tiêu chí {item_id} bị khai báo hai lần")
            label = f"tiêu chí {item_id}"
            role = r.get("role", "score")
            if not isinstance(role, str) or role not in ROLES:
                self.error(self.line(r, "role"), f"{label}: «role» phải là một trong {', '.join(ROLES)}")
                role = "score"
            word = "điểm"
            rule = self.rule(r, label, result_word=word)
            maximum = r.get("max")
            if maximum is None:
                if role in ("score", "bonus"):
                    self.error(self.line(r), f"{label} thiếu «max» (điểm chuẩn)",
                               "thêm «max: <điểm tối đa>» theo thang điểm của kế hoạch")
            elif isinstance(maximum, bool) or not isinstance(maximum, (int, float)):
                self.error(self.line(r, "max"), f"{label}: «max» phải là số")
                maximum = None
            elif rule is not None and rule.max_result() is not None \
                    and rule.max_result() > maximum + 1e-9:
                self.error(self.line(r, "max"), f"{label}: quy tắc có thể cho {rule.max_result():g} điểm, "
                           f"vượt điểm chuẩn {maximum:g}", "sửa điểm của quy tắc hoặc «max»")
            levels = r.get("levels")
            if levels is not None:
                if not isinstance(levels, list) or any(not isinstance(lv, str) or lv not in LEVELS
                                                       for lv in levels):
                    self.error(self.line(r, "levels"), f"{label}: «levels» phải là danh sách cấp",
                               f"dùng: {', '.join(LEVELS)}")
                    levels = None
            self.known.add(code)
            if rule is not None:
                out.append(Item(item_id, code, str(r.get("label") or label), rule,
                                float(maximum) if isinstance(maximum, (int, float)) else None,
                                role, levels, str(r.get("section") or ""), self.line(r)))
        return out

    def gates(self, groups: list[Group]) -> list[Gate]:
        out: list[Gate] = []
        codes = [g.code for g in groups]
        for r in self.mapping_list("gates"):
            self.unknown_keys(r, {"condition", "reason", "groups"}, "điều kiện xét")
            node = self.parse_expr(r.get("condition"), self.line(r, "condition"), "điều kiện xét")
            self.check_names(node, self.line(r, "condition"), "điều kiện xét")
            gs = r.get("groups")
            if gs is not None and (not isinstance(gs, list)
                                   or any(not isinstance(g, str) or g not in codes for g in gs)):
                bad = [str(g) for g in gs if not isinstance(g, str) or g not in codes] \
                    if isinstance(gs, list) else [str(gs)]
                self.error(self.line(r, "groups"),
                           f"điều kiện xét: «groups» chỉ được dùng các nhóm {', '.join(codes)} — "
                           f"nhóm «{', '.join(bad)}» không tồn tại", "viết «groups: [mã_nhóm, …]»")
                gs = None
            if not r.get("reason"):
                self.error(self.line(r), "điều kiện xét thiếu «reason» (lý do hiển thị khi không đạt)")
            if node is not None:
                out.append(Gate(node, str(r.get("condition")), str(r.get("reason") or ""), gs, self.line(r)))
        return out

    def checks(self, values: list[Value]) -> list[Check]:
        """Consistency checks: expressions over inputs (and derived values) that must hold."""
        out: list[Check] = []
        derived = {v.code: v for v in values}
        for r in self.mapping_list("checks"):
            self.unknown_keys(r, {"condition", "message"}, "kiểm tra số liệu")
            line = self.line(r, "condition")
            node = self.parse_expr(r.get("condition"), line, "kiểm tra số liệu")
            allowed = set(self.plan_inputs) | set(derived)
            if node is not None:
                for name in sorted(node.names() - allowed):
                    close = difflib.get_close_matches(name, sorted(allowed), n=1)
                    self.error(line, f"kiểm tra số liệu dùng mã «{name}», không phải chỉ tiêu "
                               "nhập liệu hay giá trị tính toán",
                               f"có phải ý bạn là «{close[0]}»?" if close
                               else "điều kiện kiểm tra chỉ so sánh các số liệu đơn vị nhập")
            message = str(r.get("message") or "").strip()
            if not message:
                self.error(self.line(r), "kiểm tra số liệu thiếu «message» (thông báo khi số "
                           "liệu không hợp lý)", "ví dụ «message: Số hồ sơ đúng hạn không được "
                           "lớn hơn số hồ sơ đã giải quyết»")
            if node is None:
                continue
            inputs: list[str] = []

            def walk(names: set[str]) -> None:
                for name in sorted(names):
                    if name in self.plan_inputs and name not in inputs:
                        inputs.append(name)
                    elif name in derived and derived[name].rule is not None:
                        walk(derived[name].rule.names())

            walk(node.names())
            out.append(Check(node, str(r.get("condition")), message, inputs, self.line(r)))
        return out

    def classification(self) -> Classification | None:
        """``classification: {of: tong_diem, label: Xếp loại, bands: [{from: 90, label: …}]}``."""
        raw = self.raw.get("classification")
        if raw is None:
            return None
        where = self.raw.line_of("classification")
        if not isinstance(raw, LineDict):
            self.error(where, "«classification» phải là bảng khóa: of, label, bands",
                       "ví dụ «classification: {of: tong_diem, label: Xếp loại, bands: "
                       "[{from: 90, label: Xuất sắc}, {to: 90, label: Chưa xuất sắc}]}»")
            return None
        self.unknown_keys(raw, {"of", "label", "bands"}, "xếp loại")
        node = self.parse_expr(raw.get("of", TOTAL_CODE), raw.line_of("of"), "xếp loại: «of»")
        self.check_names(node, raw.line_of("of"), "xếp loại: «of»")
        bands: list[ClassBand] = []
        raws = raw.get("bands")
        if not isinstance(raws, list) or not raws:
            self.error(raw.line_of("bands"), "xếp loại thiếu «bands» (danh sách các mức)",
                       "mỗi mức dạng «- {from: 80, to: 90, label: Tốt}»")
            raws = []
        for i, b in enumerate(raws, start=1):
            if not isinstance(b, LineDict) or not str(b.get("label") or "").strip():
                self.error(getattr(b, "line", where), f"mức xếp loại thứ {i} thiếu «label»",
                           "mỗi mức dạng «- {from: 80, to: 90, label: Tốt}»")
                continue
            self.unknown_keys(b, {"from", "to", "label"}, f"mức xếp loại thứ {i}")
            lo, hi = b.get("from"), b.get("to")
            for key, v in (("from", lo), ("to", hi)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    self.error(b.line_of(key), f"mức xếp loại thứ {i}: «{key}» phải là số")
            bands.append(ClassBand(float(lo) if isinstance(lo, (int, float)) else None,
                                   float(hi) if isinstance(hi, (int, float)) else None,
                                   str(b["label"]).strip(), b.line))
        bands.sort(key=lambda b: -1e300 if b.lo is None else b.lo)
        for a, b in zip(bands, bands[1:]):
            if a.hi is None or b.lo is None or abs(a.hi - b.lo) > 1e-9:
                self.error(b.line, f"các mức xếp loại «{a.label}» và «{b.label}» không liền nhau",
                           "mức sau bắt đầu («from») đúng chỗ mức trước kết thúc («to»)")
        if node is None:
            return None
        return Classification(node, str(raw.get("of", TOTAL_CODE)),
                              str(raw.get("label") or "Xếp loại"), bands, where)

    def tie_break(self) -> list[str]:
        raw = self.raw.get("tie_break") or []
        if not isinstance(raw, list):
            self.error(self.raw.line_of("tie_break"), "«tie_break» phải là danh sách mã")
            return []
        for code in raw:
            if not isinstance(code, str) or code not in self.known:
                self.error(self.raw.line_of("tie_break"), f"«tie_break» dùng mã «{code}» chưa được khai báo",
                           "liệt kê mã các chỉ tiêu hoặc giá trị đã khai báo, ví dụ [ty_le_truc_tuyen]")
        return [str(c) for c in raw if isinstance(c, str)]

    def prizes(self, groups: list[Group]) -> list[PrizeSet]:
        out: list[PrizeSet] = []
        codes = [g.code for g in groups]
        for r in self.mapping_list("prizes"):
            self.unknown_keys(r, {"group", "total", "prizes"}, "cơ cấu giải")
            group = r.get("group")
            if group is not None and not isinstance(group, str):
                self.error(self.line(r, "group"), "«group» của cơ cấu giải phải là một mã nhóm")
                continue
            targets = codes if group in (None, "*") else [group]
            if group not in (None, "*") and group not in codes:
                self.error(self.line(r, "group"), f"cơ cấu giải cho nhóm «{group}» không tồn tại",
                           f"các nhóm: {', '.join(codes)}")
                continue
            prizes: list[Prize] = []
            raws = r.get("prizes")
            if not isinstance(raws, list) or not raws:
                self.error(self.line(r), "cơ cấu giải thiếu danh sách «prizes»")
                continue
            for p in raws:
                if not isinstance(p, LineDict):
                    self.error(self.line(r, "prizes"), "mỗi giải phải là một bảng khóa: giá trị")
                    continue
                self.unknown_keys(p, {"code", "label", "amount", "count", "condition", "reason"}, "giải")
                code = self.code(p, "code", "giải")
                amount = p.get("amount", 0)
                if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                    self.error(self.line(p, "amount"), f"giải «{code}»: «amount» phải là số tiền nguyên (đồng) ≥ 0",
                               "viết 3500000, không viết 3.500.000")
                    amount = 0
                count = p.get("count", 1)
                if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
                    self.error(self.line(p, "count"), f"giải «{code}»: «count» phải là số nguyên ≥ 1 (hoặc null: không giới hạn)")
                    count = 1
                cond = None
                if p.get("condition") is not None:
                    cond = self.parse_expr(p["condition"], self.line(p, "condition"), f"điều kiện giải «{code}»")
                    self.check_names(cond, self.line(p, "condition"), f"điều kiện giải «{code}»")
                prizes.append(Prize(code, str(p.get("label") or code), amount, count, cond,
                                    str(p.get("condition") or ""), str(p.get("reason") or ""), self.line(p)))
            total = r.get("total")
            if total is not None:
                counted = sum(p.count or 0 for p in prizes)
                if any(p.count is None for p in prizes) or counted != total:
                    detail = " + ".join(f"{p.count if p.count is not None else 'không giới hạn'} {p.code}"
                                        for p in prizes)
                    self.error(self.line(r, "total"),
                               f"số giải không khớp: «total: {total}» nhưng cộng các giải được {counted} ({detail})",
                               "sửa «count» của từng giải hoặc «total» cho khớp với kế hoạch")
            for g in targets:
                if any(ps.group == g for ps in out):
                    self.error(self.line(r), f"nhóm «{g}» có hai cơ cấu giải")
                out.append(PrizeSet(g, prizes, total))
        return out

    # ------------------------------------------------------------ checklist
    def indicators(self, levels: list[str]) -> list[Indicator]:
        out: list[Indicator] = []
        for r in self.mapping_list("indicators", required=True):
            ind = self.indicator(r, levels, top=True)
            if ind is None:
                continue
            if any(o.code == ind.code for o in out):
                self.error(self.line(r), f"mã tiêu chí «{ind.code}» bị trùng")
            out.append(ind)
        return out

    def indicator(self, r: LineDict, levels: list[str], top: bool, parent: str = "") -> Indicator | None:
        allowed = {"id", "code", "label", "value", "op", "target", "unit", "waive_if", "waive_reason",
                   "no_data_if", "no_data_reason", "parts"}
        self.unknown_keys(r, allowed, "tiêu chí")
        ind_id = str(r.get("id") or "")
        if not ind_id:
            self.error(self.line(r), "tiêu chí thiếu «id»")
        default = ("tc_" if top else f"{parent}_") + re.sub(r"[^a-z0-9]+", "_", ind_id.lower()).strip("_")
        code = self.code(r, "code", f"tiêu chí {ind_id}", default=default)
        label = f"tiêu chí {ind_id}"
        ind = Indicator(ind_id, code, str(r.get("label") or label), unit=str(r.get("unit") or ""),
                        line=self.line(r))
        if r.get("parts") is not None:
            if not isinstance(r["parts"], list) or len(r["parts"]) < 2:
                self.error(self.line(r, "parts"), f"{label}: «parts» cần ít nhất hai phần")
            else:
                for p in r["parts"]:
                    if isinstance(p, LineDict):
                        sub = self.indicator(p, levels, top=False, parent=code)
                        if sub is not None:
                            ind.parts.append(sub)
            return ind
        ind.value_text = str(r.get("value") or "")
        ind.value = self.parse_expr(r.get("value"), self.line(r, "value"), f"{label}: «value»")
        self.check_names(ind.value, self.line(r, "value"), f"{label}: «value»")
        ind.op = str(r.get("op", ">="))
        if ind.op not in OPS:
            self.error(self.line(r, "op"), f"{label}: phép so sánh «{ind.op}» không hợp lệ",
                       "dùng >= (tối thiểu), <= (tối đa) hoặc == (bằng)")
        if "target" not in r:
            self.error(self.line(r), f"{label} thiếu «target» (mục tiêu)")
        else:
            ind.target = self.target(r["target"], r.line_of("target"), label, levels)
        if r.get("waive_if") is not None:
            ind.waive_text = str(r["waive_if"])
            ind.waive_if = self.parse_expr(r["waive_if"], self.line(r, "waive_if"), f"{label}: «waive_if»")
            self.check_names(ind.waive_if, self.line(r, "waive_if"), f"{label}: «waive_if»")
            ind.waive_reason = str(r.get("waive_reason") or "được miễn")
        if r.get("no_data_if") is not None:
            ind.no_data_text = str(r["no_data_if"])
            ind.no_data_if = self.parse_expr(r["no_data_if"], self.line(r, "no_data_if"),
                                             f"{label}: «no_data_if»")
            self.check_names(ind.no_data_if, self.line(r, "no_data_if"), f"{label}: «no_data_if»")
            ind.no_data_reason = str(r.get("no_data_reason") or "chưa có số liệu để đánh giá")
        return ind

    def target(self, raw: Any, line: int | None, label: str, levels: list[str]) -> Target | None:
        if isinstance(raw, bool):
            self.error(line, f"{label}: mục tiêu phải là số hoặc biểu thức")
            return None
        if isinstance(raw, (int, float)):
            return Target(number=float(raw))
        if isinstance(raw, str):
            node = self.parse_expr(raw, line, f"{label}: mục tiêu")
            self.check_names(node, line, f"{label}: mục tiêu")
            return Target(expr=node, expr_text=raw)
        if isinstance(raw, LineDict) and set(raw) == {"by_level"} and isinstance(raw["by_level"], dict):
            by_level = {}
            for level, v in raw["by_level"].items():
                if level not in LEVELS:
                    self.error(raw.line_of("by_level"), f"{label}: cấp «{level}» không tồn tại")
                    continue
                by_level[level] = self.target(v, raw.line_of("by_level"), label, levels)
            missing = [lv for lv in levels if lv not in by_level]
            if missing:
                self.error(raw.line_of("by_level"), f"{label}: chưa có mục tiêu cho cấp {', '.join(missing)}",
                           "thêm mục tiêu cho mọi cấp trong «levels» của kế hoạch")
            return Target(by_level=by_level)
        if isinstance(raw, LineDict) and set(raw) == {"by_year"} and isinstance(raw["by_year"], dict):
            spans: list[tuple[int, int | None, Target]] = []
            for key, v in raw["by_year"].items():
                m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", str(key))
                if not m:
                    self.error(raw.line_of("by_year"), f"{label}: năm «{key}» không hợp lệ",
                               "viết «2022» (từ năm đó trở đi) hoặc «2023-2025» (chỉ các năm đó)")
                    continue
                y0, y1 = int(m.group(1)), int(m.group(2)) if m.group(2) else None
                spans.append((y0, y1, self.target(v, raw.line_of("by_year"), label, levels)))
            spans.sort(key=lambda s: s[0])
            for a, b in zip(spans, spans[1:]):
                if a[1] is not None and a[1] >= b[0]:
                    self.error(raw.line_of("by_year"), f"{label}: các năm {a[0]}-{a[1]} và {b[0]} chồng lấn")
            return Target(by_year=spans)
        self.error(line, f"{label}: mục tiêu không hợp lệ",
                   "dùng một số, một biểu thức, «by_level: {...}» hoặc «by_year: {...}»")
        return None
