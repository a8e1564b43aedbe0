"""Cell references (``"D12"`` ↔ (12, 4)) and cell values as every format's reader gives them."""
from __future__ import annotations

import datetime as dt
import functools
import math
import re

from thidua.text import nfc
from thidua.workbook.sheet_xml import col_index as col_number, col_letter as col_letters  # noqa: F401

__all__ = ["local", "text", "unescape", "col_number", "col_letters", "parse_cell", "cell_name",
           "pos", "number", "plain", "shown"]

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def text(value: str | None) -> str | None:
    if value is None:
        return None
    value = nfc(value).strip()
    return value or None


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def parse_cell(ref: str) -> tuple[int, int] | None:
    """``"$D$12"`` → (12, 4); None if not a single cell inside Excel's grid."""
    m = _CELL.match(ref.strip())
    if not m:
        return None
    row, col = int(m.group(2)), col_number(m.group(1))
    if not (1 <= row <= 1_048_576 and 1 <= col <= 16_384):
        return None
    return row, col


@functools.lru_cache(maxsize=65536)
def cell_name(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def number(x: float):
    if x.is_integer() and abs(x) < 2 ** 53:
        return int(x)
    return x


def plain(value) -> object:
    """Normalise a value from calamine: floats that are whole → int, text stripped NFC, '' → None."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return number(value) if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return text(value)
    return value  # date, datetime, time, timedelta


def shown(value) -> str:
    """A metadata/label value as text."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_POS_CACHE: dict[str, tuple[int, int] | None] = {}


def pos(ref: str) -> tuple[int, int] | None:
    """Cached :func:`parse_cell` for cell references (the same few hundred in every file)."""
    try:
        return _POS_CACHE[ref]
    except KeyError:
        found = parse_cell(ref)
        if len(_POS_CACHE) < 200_000:
            _POS_CACHE[ref] = found
        return found
