"""One codec per input type: how a figure is read, checked, written and read by Excel.

An input's type (count, number, percent, yes/no, choice) decides, here and
nowhere else:

* ``read(raw, …)`` — the number the engine scores from what was typed (a yes/no
  as 1/0, a choice as its position); NaN for a blank; a :class:`ValueProblem`
  (with its problem code) for what cannot be read or is out of range. Two
  ways of reading:

  - ``TABLE`` — CSV files, data tables and statistics exports (no formulas
    read them): numbers as people type them (``1.234,5``, ``85%`` for a
    percent), words normalised (NFC, spaces);
  - ``CELL`` — cells of the generated workbooks, whose own formulas read them:
    exactly what :meth:`Codec.excel_read` reads, so the self-score a unit sees
    is the score the office computes from the same file: a number must be a
    number (text that looks like one is refused by both), words match one of
    the spellings Excel compares (case-insensitive, after Excel's TRIM);
* ``cell_value(value)`` — what a workbook cell holds for a scored value (``Có``,
  a choice's label, a whole number);
* ``number_format`` and ``validation()`` — how the cell is formatted and
  validated in Excel (and LibreOffice);
* ``excel_read(ref)`` — an Excel expression giving the number, or ``""`` when
  the cell is blank or cannot be read; ``excel_problem(ref)`` the Vietnamese
  note shown beside a cell that cannot be read.

Yes/no words (product owner's decision): yes — có, co, x, 1, true, yes, đã, rồi,
đạt; no — không, khong, ko, k, 0, false, no, chưa, không có, không đạt; any
case, NFC or NFD. A blank yes/no cell is «no data». A choice cell takes only
the plan's choices or their labels: «Có» alone in a three-way choice is an
error asking which one.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from thidua.expr import excel_number
from thidua.plan.model import Input
from thidua.text import format_number, nfc, parse_number

TABLE = "table"
CELL = "cell"

YES = "Có"
NO = "Không"
YES_WORDS = ("có", "co", "x", "1", "true", "yes", "đã", "rồi", "đạt")
NO_WORDS = ("không", "khong", "ko", "k", "0", "false", "no", "chưa", "không có", "không đạt")
#: What a blank is read as, for the units' messages.
BLANK_TEXT = "chưa có số liệu"

_EXCEL_ERRORS = {"#div/0!", "#n/a", "#name?", "#null!", "#num!", "#ref!", "#value!",
                 "#spill!", "#calc!", "#getting_data"}
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
EPS = 1e-9
#: Whole numbers as typed plainly: ``1234`` or with dots between thousands (``1.234``).
_PLAIN_WHOLE = re.compile(r"[0-9]{1,15}|[0-9]{1,3}(?:\.[0-9]{3}){1,4}")


class ValueProblem(ValueError):
    """A figure that cannot be scored: a problem code, a message and how to fix it."""

    def __init__(self, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


# ------------------------------------------------------------------ words
def spellings(word: str) -> tuple[str, ...]:
    """The ways a Vietnamese word reaches a cell: NFC, NFD, and tones typed apart
    (Unikey's «Unicode tổ hợp»: ô, ư, ă… composed, the tone mark combining)."""
    nfc_form = unicodedata.normalize("NFC", word)
    nfd_form = unicodedata.normalize("NFD", word)
    apart = "".join(unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", ch)
                                                          if c not in _TONES))
                    + "".join(c for c in unicodedata.normalize("NFD", ch) if c in _TONES)
                    for ch in nfc_form)
    out: list[str] = []
    for form in (nfc_form, nfd_form, apart):
        if form not in out:
            out.append(form)
    return tuple(out)


def excel_trim(text: str) -> str:
    """What Excel's TRIM does: no leading/trailing spaces, single spaces inside (only U+0020)."""
    return re.sub(" +", " ", text.strip(" "))


def _excel_text(raw) -> str | None:
    """The text Excel's TRIM gives for a cell value (None for values TRIM would not give)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return None
        return str(int(raw)) if float(raw).is_integer() else None
    if isinstance(raw, str):
        return excel_trim(raw)
    return None


def _word_key(text: str, mode: str) -> str:
    text = text.lower()
    if mode == TABLE:
        text = re.sub(r"\s+", " ", nfc(text)).strip()
    return text


def _lookup(words: dict[str, int], raw, mode: str) -> int | None:
    """Index of the word ``raw`` spells (cells: as Excel compares; tables: normalised)."""
    if mode == TABLE:
        if isinstance(raw, (bool, int, float)):
            raw = _excel_text(raw)
        if raw is None:
            return None
        return words.get(_word_key(str(raw), TABLE))
    text = _excel_text(raw)
    return None if text is None else words.get(text.lower())


# ------------------------------------------------------------------ shown values
def shown(raw, percent_format: bool = False) -> str:
    """A raw value as the user sees it, for messages."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return str(raw)
        if percent_format:
            return format_number(raw * 100, 10) + "%"
        if float(raw).is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        return format_number(raw, 10)
    if isinstance(raw, dt.datetime):
        return raw.strftime("%d/%m/%Y" if raw.time() == dt.time(0) else "%d/%m/%Y %H:%M")
    if isinstance(raw, dt.date):
        return raw.strftime("%d/%m/%Y")
    return nfc(str(raw)).strip()


def _excel_round(value: float) -> float:
    """ROUND(value, 0) as Excel does it (halves away from zero)."""
    return math.copysign(math.floor(abs(value) + 0.5), value)


def is_blank(raw) -> bool:
    """Blank as every surface reads it: nothing, NaN, or only spaces."""
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, str) and not raw.strip():
        return True
    return False


def quote(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"từ {format_number(lo, 6)} đến {format_number(hi, 6)}"
    if lo is not None:
        return f"từ {format_number(lo, 6)} trở lên"
    if hi is not None:
        return f"không quá {format_number(hi, 6)}"
    return ""


# ------------------------------------------------------------------ the codec
@dataclass(frozen=True)
class Codec:
    """How one input's figures are read, checked and written, on every surface."""

    inp: Input

    # ---------------------------------------------------------- facts
    @property
    def type(self) -> str:
        return self.inp.type

    @property
    def is_number(self) -> bool:
        return self.inp.type in ("count", "number", "percent")

    @cached_property
    def bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.inp.min, self.inp.max
        if self.inp.type in ("count", "percent"):
            lo = 0.0 if lo is None else max(0.0, float(lo))
        if self.inp.type == "percent":
            hi = 100.0 if hi is None else min(100.0, float(hi))
        return (None if lo is None else float(lo)), (None if hi is None else float(hi))

    @cached_property
    def folded_labels(self) -> dict[str, int]:
        """Tables only: a choice's label typed without accents («Trung binh»), when unambiguous."""
        from thidua.text import fold
        out: dict[str, int] = {}
        seen: dict[str, int] = {}
        for k, choice in enumerate(self.inp.choices):
            key = fold(choice.label)
            seen[key] = seen.get(key, 0) + 1
            out[key] = k
        return {key: k for key, k in out.items() if seen[key] == 1}

    @cached_property
    def words(self) -> dict[str, int]:
        """Word (lower case, every spelling) → value, for yes/no and choice inputs."""
        out: dict[str, int] = {}
        if self.inp.type == "yesno":
            for value, group in ((1, YES_WORDS), (0, NO_WORDS)):
                for word in group:
                    for form in spellings(word):
                        out.setdefault(form.lower(), value)
        elif self.inp.type == "choice":
            for k, choice in enumerate(self.inp.choices):
                for word in (choice.label, choice.code):
                    for form in spellings(excel_trim(word)):
                        out.setdefault(form.lower(), k)
        return out

    @property
    def hint(self) -> str:
        t = self.inp.type
        if t == "yesno":
            return "chọn «Có» hoặc «Không» (cũng nhận: x, 1/0, đã, chưa, rồi, đạt/không đạt)"
        if t == "choice":
            return "chọn một trong: " + ", ".join(f"«{c.label}»" for c in self.inp.choices)
        if t == "percent":
            return "nhập tỷ lệ phần trăm từ 0 đến 100, ví dụ 85 hoặc 85%"
        if t == "count":
            return "nhập số nguyên, ví dụ 1.234"
        return "nhập một số, ví dụ 1.234 hoặc 1.234,5"

    # ---------------------------------------------------------- reading
    def read(self, raw, *, mode: str = TABLE, percent_format: bool = False,
             appraisal: bool = False) -> float:
        """The scored number for ``raw`` (blank: the plan's default, else NaN; a blank
        appraisal is always NaN: not appraised); raises :class:`ValueProblem`."""
        if is_blank(raw):
            return math.nan if self.inp.default is None or appraisal else float(self.inp.default)
        seen = shown(raw, percent_format and isinstance(raw, (int, float))
                     and not isinstance(raw, bool))
        t = self.inp.type
        if t in ("yesno", "choice"):
            found = _lookup(self.words, raw, mode)
            if found is None and t == "choice" and mode == TABLE and isinstance(raw, str):
                from thidua.text import fold
                found = self.folded_labels.get(fold(raw))
            if found is not None:
                return float(found)
            if t == "yesno":
                raise ValueProblem("gia_tri_khong_doc_duoc",
                                   f"không đọc được có/không từ «{seen}»", self.hint)
            key = (_word_key(seen, TABLE))
            if any(key in (f.lower() for f in spellings(w)) for w in YES_WORDS):
                raise ValueProblem("gia_tri_khong_doc_duoc",
                                   f"«{seen}» chưa rõ là lựa chọn nào của «{self.inp.label}»",
                                   self.hint)
            raise ValueProblem("gia_tri_khong_doc_duoc",
                               f"«{seen}» không có trong danh sách lựa chọn của «{self.inp.label}»",
                               self.hint)
        value = self._number(raw, seen, mode, percent_format)
        self.check(value, seen)
        return value

    def read_many(self, raws: dict, *, mode: str = TABLE, appraisal: bool = False,
                  percent: set | None = None) -> tuple[dict, dict]:
        """:meth:`read` of many cells at once: ``raws`` maps a key to a non-blank raw
        value (``percent``: the keys of numbers formatted as percent). Returns
        ``(numbers, problems)``, each by key; NaN where the cell has a problem.

        Whole numbers typed plainly (``1234``, ``1.234``) in a table are read in
        bulk (what :meth:`read` gives them); every other cell, and every bulk
        number out of range, goes through :meth:`read` itself.
        """
        numbers: dict = {}
        problems: dict = {}
        rest = raws
        if mode == TABLE and self.is_number:
            rest = {}
            lo, hi = self.bounds
            lo = -math.inf if lo is None else lo - EPS
            hi = math.inf if hi is None else hi + EPS
            match = _PLAIN_WHOLE.fullmatch
            for key, raw in raws.items():
                if type(raw) is str and match(raw):
                    value = float(raw.replace(".", ""))
                    if lo <= value <= hi:
                        numbers[key] = value
                        continue
                rest[key] = raw
        percent = percent or set()
        for key, raw in rest.items():
            try:
                numbers[key] = self.read(raw, mode=mode, appraisal=appraisal,
                                         percent_format=key in percent)
            except ValueProblem as problem:
                numbers[key] = math.nan
                problems[key] = problem
        return numbers, problems

    def _number(self, raw, seen: str, mode: str, percent_format: bool) -> float:
        t = self.inp.type
        typed_percent = False
        if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.time)):
            why = ("ô đang ở định dạng ngày tháng; đổi định dạng ô sang số rồi nhập lại"
                   if isinstance(raw, (dt.date, dt.time)) else self.hint)
            raise ValueProblem("gia_tri_khong_doc_duoc", f"không đọc được số từ «{seen}»", why)
        if isinstance(raw, (int, float)):
            value = float(raw)
            if not math.isfinite(value):
                raise ValueProblem("gia_tri_khong_doc_duoc", f"không đọc được số từ «{seen}»",
                                   self.hint)
            typed_percent = percent_format
            if typed_percent:
                value = round(value * 100, 9)  # Excel stores 85% as 0.85
        elif mode == CELL:
            text = shown(raw)
            if text.lower() in _EXCEL_ERRORS:
                raise ValueProblem("gia_tri_khong_doc_duoc", f"ô đang báo lỗi công thức «{text}»",
                                   "sửa công thức hoặc nhập số trực tiếp")
            raise ValueProblem(
                "gia_tri_khong_doc_duoc", f"«{text}» là chữ, không phải số",
                "xóa ô rồi gõ lại số (số dán từ nơi khác đôi khi thành chữ); " + self.hint)
        else:
            text = str(raw)
            try:
                value = parse_number(text)
            except ValueError:
                hint = self.hint
                if text.strip().lower() in _EXCEL_ERRORS:
                    hint = "ô đang báo lỗi công thức Excel; sửa công thức hoặc nhập số trực tiếp"
                raise ValueProblem("gia_tri_khong_doc_duoc", f"không đọc được số từ «{seen}»",
                                   hint) from None
            typed_percent = text.strip().endswith("%")
        if typed_percent and t != "percent":
            raise ValueProblem(
                "gia_tri_khong_doc_duoc",
                f"«{seen}» có dấu %, nhưng «{self.inp.label}» là "
                + ("số đếm" if t == "count" else "một số") + ", không phải tỷ lệ",
                "nhập số, không kèm dấu %; " + self.hint)
        return value

    def check(self, value: float, seen: str | None = None) -> None:
        """Range and whole-number checks; raises :class:`ValueProblem` (ngoai_khoang)."""
        if math.isnan(value):
            return
        seen = seen if seen is not None else format_number(value, 9)
        if self.inp.type == "count" and abs(value - round(value)) > EPS:
            raise ValueProblem("ngoai_khoang", f"«{seen}» không phải số nguyên (số đếm)",
                               "nhập số nguyên từ 0 trở lên, ví dụ 12")
        lo, hi = self.bounds
        if (lo is not None and value < lo - EPS) or (hi is not None and value > hi + EPS):
            allowed = _range_text(lo, hi)
            raise ValueProblem("ngoai_khoang", f"«{seen}» nằm ngoài khoảng cho phép: {allowed}",
                               f"kiểm tra lại số liệu; «{self.inp.label}» chỉ nhận giá trị {allowed}")

    # ---------------------------------------------------------- writing
    def cell_value(self, value):
        """What a workbook cell holds for a scored value (None: leave blank)."""
        if value is None:
            return None
        if hasattr(value, "item"):
            value = value.item()  # numpy scalar
        if isinstance(value, str):
            return nfc(value.strip()) or None
        number = float(value)
        if math.isnan(number):
            return None
        if self.inp.type == "yesno":
            return YES if number != 0 else NO
        if self.inp.type == "choice":
            k = int(number)
            if k == number and 0 <= k < len(self.inp.choices):
                return self.inp.choices[k].label
        if number.is_integer() and abs(number) < 1e15:
            return int(number)
        return number

    @property
    def number_format(self) -> str | None:
        """Whole numbers without a separator at the end, decimals only when present.

        A count is whole: ``#,##0`` (1.234). Any format with optional decimals
        (``#,##0.##``) shows the separator after a whole number in Excel («1.234,»),
        so other figures are ``General``: 1234, 85, 12,5 as typed."""
        if self.inp.type == "count":
            return "#,##0"
        if self.is_number:
            return "General"
        return None

    def list_values(self) -> list[str]:
        """The drop-down of a yes/no or choice cell."""
        if self.inp.type == "yesno":
            return [YES, NO]
        if self.inp.type == "choice":
            return [c.label for c in self.inp.choices]
        return []

    def validation(self) -> dict:
        """Excel data validation of the cell, as keyword arguments of openpyxl's
        ``DataValidation`` (``formula1`` of a list is filled in by the writer)."""
        lo, hi = self.bounds
        t = self.inp.type
        if t in ("yesno", "choice"):
            return dict(type="list", allow_blank=True,
                        error=("Chọn «Có» hoặc «Không» trong danh sách." if t == "yesno"
                               else "Chọn một lựa chọn trong danh sách thả xuống."))
        kind = "whole" if t == "count" else "decimal"
        if lo is not None and hi is not None:
            out = dict(type=kind, operator="between", formula1=excel_number(lo),
                       formula2=excel_number(hi))
        elif lo is not None:
            out = dict(type=kind, operator="greaterThanOrEqual", formula1=excel_number(lo))
        elif hi is not None:
            out = dict(type=kind, operator="lessThanOrEqual", formula1=excel_number(hi))
        else:
            out = dict(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15")
        what = "số nguyên" if t == "count" else "tỷ lệ %" if t == "percent" else "số"
        allowed = _range_text(lo, hi)
        example = "85" if t == "percent" else "1234" if t == "count" else "12,5"
        out["error"] = f"Nhập {what}{' ' + allowed if allowed else ''}, ví dụ {example}."
        out["allow_blank"] = True
        return out

    # ---------------------------------------------------------- Excel
    def excel_read(self, ref: str, *, percent_aware: bool = False, appraisal: bool = False) -> str:
        """Excel expression: the scored number of cell ``ref``, or "" when blank or unreadable.

        A date is never a number (``read`` refuses it too). ``percent_aware``: the
        cell is typed by a unit (templates), whose file is read with its number
        formats: a number shown as a percentage (85 %, stored 0.85) is 85 for a
        percent input and unreadable for any other, as ``read(…, percent_format=True)``.
        ``appraisal``: a blank reads as "" (not appraised), never as the default.
        """
        t = self.inp.type
        blank = '""' if appraisal else self._blank
        if t in ("yesno", "choice"):
            trimmed = f"TRIM({ref})"
            groups: dict[int, list[str]] = {}
            for word, value in self.words.items():
                groups.setdefault(value, []).append(f"{trimmed}={quote(word)}")
            if t == "yesno":
                groups[1].insert(0, f"{ref}=TRUE")
                groups[0].insert(0, f"{ref}=FALSE")
            out = '""'
            for value in sorted(groups, reverse=True):
                out = f"IF(OR({','.join(groups[value])}),{value},{out})"
            return f'IF({trimmed}="",{blank},{out})'
        fmt = f'LEFT(CELL("format",{ref}),1)'
        value = ref
        if percent_aware and t == "percent":
            value = f'IF({fmt}="P",{ref}*100,{ref})'
        tests = []
        lo, hi = self.bounds
        if lo is not None:
            tests.append(f"{value}>={excel_number(lo)}-1E-9")
        if hi is not None:
            tests.append(f"{value}<={excel_number(hi)}+1E-9")
        if t == "count":
            tests.append(f"ABS({value}-ROUND({value},0))<=1E-9")
        inner = f'IF(AND({",".join(tests)}),{value},"")' if tests else value
        if percent_aware and t != "percent":  # "" (a % in a count) must not reach the tests
            inner = f'IF({fmt}="P","",{inner})'
        return f'IF(ISNUMBER({ref}),IF({fmt}="D","",{inner}),IF(TRIM({ref})="",{blank},""))'

    def excel_value(self, raw, *, number_format: str | None = None, percent_aware: bool = False,
                    appraisal: bool = False) -> float:
        """What :meth:`excel_read` computes for a cell holding ``raw`` (as openpyxl reads it)
        formatted ``number_format``: the number, or NaN for its ``""``. Its Python twin,
        step by step (stored with the formula as its value)."""
        t = self.inp.type
        blank = math.nan if appraisal or self.inp.default is None else float(self.inp.default)
        trimmed_empty = raw is None or (isinstance(raw, str) and excel_trim(raw) == "")
        if t in ("yesno", "choice"):
            if trimmed_empty:
                return blank
            found = _lookup(self.words, raw, CELL)
            return math.nan if found is None else float(found)
        if isinstance(raw, (dt.date, dt.time)):  # a number formatted as a date: «D…»
            return math.nan
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
            if not math.isfinite(value):
                return math.nan
            percent = "%" in (number_format or "")
            if percent_aware and percent:
                if t != "percent":
                    return math.nan
                value = value * 100
            lo, hi = self.bounds
            if lo is not None and not value >= lo - 1e-9:
                return math.nan
            if hi is not None and not value <= hi + 1e-9:
                return math.nan
            if t == "count" and abs(value - _excel_round(value)) > 1e-9:
                return math.nan
            return value
        return blank if trimmed_empty else math.nan

    def problem_value(self, raw, read: float) -> str:
        """What :meth:`excel_problem` shows beside a cell holding ``raw`` read as ``read``."""
        if raw is None or (isinstance(raw, str) and excel_trim(raw) == "") or not math.isnan(read):
            return ""
        return self.problem_text

    @property
    def _blank(self) -> str:
        """What a blank cell reads as: the plan's default, else "" (no data)."""
        return '""' if self.inp.default is None else excel_number(self.inp.default)

    @property
    def problem_text(self) -> str:
        """The note beside a cell whose value cannot be scored."""
        if self.inp.type == "yesno":
            why = "không đọc được: chọn Có hoặc Không"
        elif self.inp.type == "choice":
            why = "không đọc được: chọn trong danh sách thả xuống"
        else:
            lo, hi = self.bounds
            allowed = _range_text(lo, hi)
            what = "số nguyên" if self.inp.type == "count" else "số"
            why = f"phải là {what}" + (f" {allowed}" if allowed else "")
            if self.inp.type != "percent":
                why += ", không kèm dấu %"
        return "⚠ " + why

    def excel_valid(self, ref: str) -> str:
        """Excel condition, for data validation, that the number typed in ``ref`` is one
        this input takes (type, range, whole number)."""
        tests = [f"ISNUMBER({ref})"]
        lo, hi = self.bounds
        if lo is not None:
            tests.append(f"{ref}>={excel_number(lo)}-1E-9")
        if hi is not None:
            tests.append(f"{ref}<={excel_number(hi)}+1E-9")
        if self.inp.type == "count":
            tests.append(f"ABS({ref}-ROUND({ref},0))<=1E-9")
        return f"AND({','.join(tests)})"

    def excel_problem(self, ref: str, read_ref: str) -> str:
        """Excel expression: the note beside cell ``ref`` when its value cannot be scored
        (``read_ref`` holds :meth:`excel_read` of it), else ""."""
        return f'IF(OR(TRIM({ref})="",ISNUMBER({read_ref})),"",{quote(self.problem_text)})'


def codec(inp: Input) -> Codec:
    """The codec of an input."""
    return Codec(inp)


# ------------------------------------------------------------------ unit columns
#: Words read as each level (a commune, ward, town or special zone is cấp xã).
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "tinh": ("tỉnh", "cấp tỉnh"),
    "huyen": ("huyện", "cấp huyện", "quận", "thị xã"),
    "xa": ("xã", "cấp xã", "phường", "thị trấn", "đặc khu"),
}


def _folded(text) -> str:
    from thidua.text import fold
    key = fold(str(text)).replace("_", " ").replace("*", " ")
    return re.sub(r"\s+", " ", key).strip(" :.")


def _level_keys() -> dict[str, str]:
    """Folded spelling → level code (the code, its label and the words of the level)."""
    global _LEVEL_KEYS
    if _LEVEL_KEYS is None:
        from thidua.plan.model import LEVELS
        keys: dict[str, str] = {}
        for code, label in LEVELS.items():
            for word in (code, label, *LEVEL_WORDS[code]):
                keys.setdefault(_folded(word), code)
        _LEVEL_KEYS = keys
    return _LEVEL_KEYS


_LEVEL_KEYS: dict[str, str] | None = None


def level_code(raw) -> str | None:
    """``Huyện``, ``cấp huyện``, ``Thị trấn``, ``Phường``, ``xa`` → the level code; None if unknown."""
    return _level_keys().get(_folded(raw))


def level_label(code: str) -> str:
    from thidua.plan.model import LEVELS
    return LEVELS.get(code, code)


def _group_keys(plan) -> dict[str, str]:
    """Folded code or label → group code (codes win over labels), kept on the plan."""
    keys = getattr(plan, "_group_keys", None)
    if keys is None:
        keys = {}
        for g in plan.groups:
            keys.setdefault(_folded(g.code), g.code)
        for g in plan.groups:
            keys.setdefault(_folded(g.label), g.code)
        plan._group_keys = keys
    return keys


def group_code(plan, raw) -> str | None:
    """A group typed as its code or its label (any case, accents optional); None if unknown."""
    return _group_keys(plan).get(_folded(raw))


def group_label(plan, code: str) -> str:
    for g in plan.groups:
        if g.code == code:
            return g.label
    return code


def unit_codes(plan, record: dict) -> dict:
    """A unit record as read from a sheet that shows labels: group and level as codes
    (a value that is neither a code nor a label is kept as typed, for its error message)."""
    out = dict(record)
    if out.get("nhom") not in (None, ""):
        out["nhom"] = group_code(plan, out["nhom"]) or out["nhom"]
    if out.get("cap") not in (None, ""):
        out["cap"] = level_code(out["cap"]) or out["cap"]
    return out
