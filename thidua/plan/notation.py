"""What people type in a plan workbook's cells, read as meant — and written back the same way.

Cells of a plan workbook hold numbers, codes, expressions and a few small
notations an official already uses in plan documents:

* bands: ``≥ 5 → 10; [3, 5) → 8; [1, 3) → 6; < 1 → 0`` (any order, also one
  band per line; ``từ 5``, ``dưới 1``, ``->``, ``=>``, ``:`` are read too);
* pairs: ``có → 5; không → 0``, ``khong: Không có; co: Có`` (choices, answers,
  targets by level ``huyện: 60; xã: 55`` or by year ``2022: 30; 2023-2025: 80``);
* lists: ``huyện, xã``; header paths ``Đã giải quyết / Tổng``.

Tolerance (issue 10, «Bad input»): stray and non-breaking spaces, NFD text,
full-width characters (``＞＝``, ``５``) and the typographic symbols ``≥ ≤ → – −
× ÷`` are all read as meant. Numbers follow the Vietnamese convention
(``2,5``; ``1.200``) and the English one (``2.5``) as in unit tables
(:func:`thidua.text.parse_number`).

Every reader raises :class:`NotationError` (Vietnamese, with the fix) on text
it does not understand; it never guesses.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from thidua.text import fold, nfc, parse_number


class NotationError(ValueError):
    """Cell text that does not read; ``hint`` says how to write it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


_SYMBOLS = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-",  # − – — ‐ ‑
    "\u00d7": "*", "\u00f7": "/",  # × ÷
    "\u2a7e": "≥", "\u2267": "≥", "\u2a7d": "≤", "\u2266": "≤",  # ⩾ ≧ ⩽ ≦
    "\u27f6": "→", "\u2192": "→", "\u21d2": "→", "\u279d": "→", "\u2794": "→",  # ⟶ → ⇒ ➝ ➔
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u3000": " ",
    "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'",
})
_SPACES = re.compile(r"[ \t]+")


def clean(value: Any) -> str:
    """Cell text as meant: NFKC (full-width → plain), symbols unified, spaces squeezed.

    Line breaks are kept (they separate entries); NFKC leaves Vietnamese
    letters and ≥ ≤ → as they are.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_SYMBOLS)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    return nfc("\n".join(line for line in lines if line))


def label(value: Any) -> str:
    """A label people read: NFC, spaces squeezed, nothing else changed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfc(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line.replace("\u00a0", " ")).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def text_of_number(value: float) -> str:
    """A number as an STT or a code reads it: 1.0 → «1», 1.1 → «1.1»."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    return repr(float(value))


# ------------------------------------------------------------------ numbers
def number(value: Any) -> float | int:
    """A number typed any usual way; int when whole (so «10» stays 10, not 10.0)."""
    if isinstance(value, bool):
        raise NotationError(f"«{value}» không phải là số")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise NotationError("ô trống")
        return int(value) if float(value).is_integer() and abs(value) < 1e15 else float(value)
    text = clean(value).replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    if text.lower().endswith("đ") or text.lower().endswith("đồng"):
        text = re.sub(r"(?i)(đồng|đ)$", "", text)
    try:
        got = parse_number(text)
    except ValueError:
        raise NotationError(f"«{clean(value)}» không phải là số",
                            "viết số, ví dụ 10 hoặc 2,5") from None
    return int(got) if got.is_integer() and abs(got) < 1e15 else got


def shown_number(value: float) -> str:
    """A number written for a cell of text: ``2,5``; ``2700`` (no thousands dots, never ambiguous)."""
    v = float(value)
    if v.is_integer():
        return str(int(v))
    return repr(v).replace(".", ",")


# ------------------------------------------------------------------ words
def _split(text: str, seps: str = ";\n") -> list[str]:
    """Split on ``seps`` outside brackets."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        if ch in seps and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def items(value: Any) -> list[str]:
    """A list typed in one cell: ``huyện, xã`` / ``a; b`` / one per line."""
    text = clean(value)
    if not text:
        return []
    seps = ";\n" if (";" in text or "\n" in text) else ","
    return _split(text, seps)


def pairs(value: Any) -> list[tuple[str, str]]:
    """``a → 1; b: 2`` → [(a, 1), (b, 2)] as text; the first → or : splits each entry."""
    out = []
    for entry in _split(clean(value)):
        m = re.match(r"^(.*?)\s*(?:→|->|=>|:)\s*(.*)$", entry)
        if not m or not m.group(1).strip():
            raise NotationError(f"không hiểu «{entry}»",
                                "mỗi mục viết dạng «tên → giá trị», cách nhau bằng dấu «;»")
        out.append((m.group(1).strip(), m.group(2).strip()))
    return out


def header_path(value: Any) -> list[str]:
    """``Đã giải quyết / Tổng`` → the header tiers, top to bottom."""
    text = clean(value)
    return [p.strip() for p in re.split(r"\s+/\s+|\s*>\s*|\n", text) if p.strip()]


def yes_no(value: Any) -> bool:
    """có/không in the usual words (``có``, ``x``, ``1``, ``không``, ``0``…)."""
    from thidua.text import parse_yesno

    if isinstance(value, str):
        value = clean(value)
    try:
        return parse_yesno(value)
    except ValueError:
        raise NotationError(f"«{clean(value)}» không phải có/không",
                            "chọn «có» hoặc «không» trong danh sách") from None


def date(value: Any) -> dt.date:
    """A date cell, or text ``15/01/2024`` / ``2024-01-15``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S.%fZ",
                "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise NotationError(f"«{text}» không phải ngày", "viết ngày dạng 15/01/2024")


def expression(value: Any) -> str:
    """Expression text as the plan language reads it.

    A leading «=» (typed as in an Excel formula) is dropped; a lone «=» is a
    comparison (``==``); × ÷ − are * / -; ≥ ≤ ≠ và hoặc stay (the parser reads them).
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return text_of_number(value)
    text = clean(value).replace("\n", " ")
    if text.startswith("="):
        text = text[1:].strip()
    text = re.sub(r"(?<![<>=!≤≥≠])=(?!=)", "==", text)
    return text


# ------------------------------------------------------------------ bands
_ARROW = re.compile(r"\s*(?:→|->|=>|:)\s*")
_NUM = r"[+-]?\d[\d.,]*%?"


def _bound(text: str) -> float:
    return float(number(text))


def band(entry: str) -> dict:
    """One band: ``[3, 5) → 8`` → {"from": 3, "to": 5, "points": 8}."""
    parts = _ARROW.split(entry, maxsplit=1) if not entry.lstrip().startswith("[") else None
    if parts is None:  # «[a, b) → p»: split after the closing bracket
        close = entry.find(")")
        if close < 0:
            close = entry.find("]")
        if close < 0:
            raise NotationError(f"bậc «{entry}» thiếu dấu đóng ngoặc «)»",
                                "bậc viết «[3, 5) → 8»: từ 3 đến dưới 5 được 8 điểm")
        rest = _ARROW.split(entry[close + 1:], maxsplit=1)
        if len(rest) != 2 or rest[0].strip():
            raise NotationError(f"bậc «{entry}» thiếu số điểm sau «→»",
                                "bậc viết «[3, 5) → 8»: từ 3 đến dưới 5 được 8 điểm")
        parts = [entry[:close + 1], rest[1]]
    if len(parts) != 2 or not parts[1].strip():
        raise NotationError(f"bậc «{entry}» thiếu số điểm sau «→»",
                            "mỗi bậc viết «khoảng → điểm», ví dụ «≥ 5 → 10» hoặc «[3, 5) → 8»")
    where, points = parts[0].strip(), parts[1].strip()
    try:
        pts = number(points)
    except NotationError:
        raise NotationError(f"bậc «{entry}»: «{points}» không phải số điểm",
                            "sau «→» ghi số điểm, ví dụ «[3, 5) → 8»") from None
    out: dict[str, Any] = {}
    low = fold(where)
    m = re.fullmatch(rf"(?:>=|≥|tu|tu\s+)\s*({_NUM})", low)
    if m:
        out["from"] = _bound(m.group(1))
    elif re.fullmatch(rf"(?:<|duoi)\s*({_NUM})", low):
        out["to"] = _bound(re.fullmatch(rf"(?:<|duoi)\s*({_NUM})", low).group(1))
    elif low.startswith("["):
        inner = where.strip()
        if not inner.endswith(")"):
            raise NotationError(
                f"bậc «{entry}» phải đóng bằng «)»: bậc gồm số đầu, không gồm số cuối",
                "viết «[3, 5)» nghĩa là từ 3 đến dưới 5")
        body = inner[1:-1]
        bits = [b for b in re.split(r";|,\s+", body) if b.strip()]
        if len(bits) != 2:
            raise NotationError(f"không hiểu khoảng «{where}»",
                                "viết «[3, 5)» (có dấu cách sau dấu phẩy) hoặc «[2,5; 5)»")
        out["from"], out["to"] = _bound(bits[0].strip()), _bound(bits[1].strip())
    elif re.fullmatch(r"tu\s*(.+?)\s*den\s*duoi\s*(.+)", low):
        m = re.fullmatch(r"tu\s*(.+?)\s*den\s*duoi\s*(.+)", low)
        out["from"], out["to"] = _bound(m.group(1)), _bound(m.group(2))
    elif low in ("*", "moi gia tri", "con lai"):
        pass
    elif re.fullmatch(rf"(?:>|<=|≤)\s*{_NUM}", low):
        raise NotationError(
            f"bậc «{entry}»: thang điểm chỉ dùng «≥ a» (từ a trở lên), «< b» (dưới b) và "
            "«[a, b)» (từ a đến dưới b)",
            "với số nguyên, «> 5» viết «≥ 6» và «≤ 5» viết «< 6»")
    elif re.fullmatch(_NUM, low):
        raise NotationError(f"bậc «{entry}» thiếu dấu so sánh trước {where}",
                            f"viết «≥ {where} → {points}» (từ {where} trở lên) hoặc một khoảng "
                            f"«[a, b) → {points}»")
    else:
        raise NotationError(f"không hiểu khoảng «{where}» của bậc «{entry}»",
                            "viết «≥ 5 → 10», «[3, 5) → 8» hoặc «< 1 → 0»")
    out["points"] = pts
    return out


def bands(value: Any) -> list[dict]:
    """Bands in any order, ascending as the plan language wants them."""
    entries = _split(clean(value))
    got = [band(e) for e in entries]
    got.sort(key=lambda b: (-math.inf if b.get("from") is None else b["from"]))
    return got


def shown_band(b: dict) -> str:
    lo, hi = b.get("from"), b.get("to")
    if lo is None and hi is None:
        where = "mọi giá trị"
    elif lo is None:
        where = f"< {shown_number(hi)}"
    elif hi is None:
        where = f"≥ {shown_number(lo)}"
    else:
        where = f"[{shown_number(lo)}, {shown_number(hi)})"
    return f"{where} → {shown_number(b['points'])}"


def shown_bands(items: list) -> str:
    """Bands as plan documents write them: the best first."""
    return "; ".join(shown_band(b) for b in reversed(list(items)))
