"""The template's layout in a returned file: its metadata, its defined names, where each input is.

A template says where its inputs are twice: each input cell has a workbook-level
defined name equal to the input's code (names follow renamed sheets and inserted
rows), and the metadata sheet keeps the layout as JSON (``bo_cuc``). Files re-saved
by other programs may lose either, so a cell is found through its defined name
first, then through the layout on the input sheet. The unit's name and code typed
near the top of the input sheet recognise a file whose metadata is gone. Names
shared with the template writer are in :mod:`thidua.workbook.contract`.
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter

from thidua.consolidate.reader import cells
from thidua.text import fold, nfc
from thidua.workbook import contract

__all__ = ["UNIT_REGION", "META_ROWS", "meta_from", "typed_unit", "layout_of", "codes", "codes_of",
           "pick_input_sheet", "locate", "name_target", "meta_sheet"]

#: Where the unit's name/code labels are looked for on the input sheet (rows, columns).
UNIT_REGION = (10, 6)
#: Metadata rows read at most.
META_ROWS = 200

#: Labels (folded, without the colon) of the unit's details on the input sheet -> their key.
_UNIT_LABELS = {fold(label).rstrip(":").strip(): key for key, label in contract.UNIT_LABELS.items()}
_UNIT_LABELS["ten don vi"] = contract.UNIT_NAME  # «Tên đơn vị:» in hand-made copies


def meta_sheet(sheets, names: dict[str, tuple[str, str]]) -> str | None:
    """The metadata sheet: by its name, else the sheet the template's metadata names point to."""
    if contract.META_SHEET in sheets:
        return contract.META_SHEET
    return next((names[n][0] for n in contract.meta_names()
                 if n in names and names[n][0] in sheets), None)


def meta_from(rows: dict[int, dict[int, object]]) -> dict[str, str]:
    """The metadata sheet's key (column A) / value (column B) rows; the first of a key wins."""
    meta: dict[str, str] = {}
    for r in sorted(rows):
        key = rows[r].get(1)
        if isinstance(key, str) and key.strip() and key.strip() not in meta:
            value = rows[r].get(2)
            meta[key.strip()] = "" if value is None else cells.shown(value)
    return meta


@functools.lru_cache(maxsize=4096)
def _label_key(label: str) -> str | None:
    return _UNIT_LABELS.get(fold(label).rstrip(":").strip())


def typed_unit(rows: dict[int, dict[int, object]]) -> dict[str, str]:
    """The unit's name/code shown right of «Đơn vị:», «Mã đơn vị:» … near the top of the sheet."""
    found: dict[str, str] = {}
    for r in sorted(rows):
        cols = rows[r]
        for c in sorted(cols):
            label = cols[c]
            if not isinstance(label, str) or len(label) > 24:
                continue  # labels are short; skip folding long texts
            key = _label_key(label)
            if key is None or key in found:
                continue
            for c2 in sorted(x for x in cols if c < x <= c + 5):
                value = cols[c2]
                if value is not None and cells.shown(value):
                    found[key] = nfc(cells.shown(value))
                    break
    return found


def layout_of(meta: dict[str, str]) -> dict:
    """The template layout stored as JSON in the metadata ({} when absent or damaged).

    The result is shared between files with the same layout text: read it, do not change it.
    """
    text = meta.get(contract.LAYOUT) or "{}"
    return _parsed_layout(text) if isinstance(text, str) else {}


@functools.lru_cache(maxsize=256)
def _parsed_layout(text: str) -> dict:
    try:
        layout = json.loads(text)
    except (ValueError, TypeError):
        return {}
    return layout if isinstance(layout, dict) else {}


def codes_of(meta: dict[str, str]) -> dict[str, str]:
    """:func:`codes` of the metadata's layout (shared between files with the same layout)."""
    text = meta.get(contract.LAYOUT) or "{}"
    return _codes_of_text(text) if isinstance(text, str) else {}


@functools.lru_cache(maxsize=256)
def _codes_of_text(text: str) -> dict[str, str]:
    return codes(_parsed_layout(text))


def codes(layout: dict) -> dict[str, str]:
    """Input code -> layout cell ("D12") for input, appraisal and year cells."""
    found: dict[str, str] = {}

    def add(code, cell):
        if isinstance(code, str) and isinstance(cell, str) and cells.pos(cell):
            found[code] = cells.cell_name(*cells.pos(cell))

    for key, suffix in ((contract.LAYOUT_INPUTS, ""),
                        (contract.LAYOUT_APPRAISALS, contract.APPRAISAL_SUFFIX)):
        section = layout.get(key)
        if isinstance(section, dict):
            for code, cell in section.items():
                add(f"{code}{suffix}", cell)
    if layout.get(contract.LAYOUT_YEAR):
        add(contract.YEAR_NAME, layout.get(contract.LAYOUT_YEAR))
    return found


def pick_input_sheet(sheets: list[str], names: dict[str, tuple[str, str]],
                     codes: dict[str, str], meta: dict[str, str]) -> str | None:
    """Defined names of the input codes → metadata ``trang_nhap_lieu`` → a sheet called «Nhập liệu»."""
    keys = [c for c in codes if c in names] if codes else [
        n for n, (_, ref) in names.items() if ":" not in ref and n not in contract.meta_names()]
    votes = Counter(names[k][0] for k in keys if names[k][0] in sheets)
    if votes:
        return votes.most_common(1)[0][0]
    wanted = meta.get(contract.INPUT_SHEET_KEY)
    if wanted in sheets:
        return wanted
    target = fold(contract.TEMPLATE_INPUT)
    for sheet in sheets:
        if fold(sheet) == target:
            return sheet
    for sheet in sheets:
        if target in fold(sheet):
            return sheet
    return None


def locate(codes: dict[str, str], names: dict[str, tuple[str, str]], sheets: list[str],
           input_sheet: str | None) -> dict[str, tuple[str, int, int]]:
    """Code -> (sheet, row, col): the defined name first, else the layout cell on the input sheet."""
    if not codes:  # no layout: every single-cell name on the input sheet
        codes = {n: "" for n, (sheet, ref) in names.items()
                 if sheet == input_sheet and ":" not in ref and n not in contract.meta_names()}
    where: dict[str, tuple[str, int, int]] = {}
    for code, cell in codes.items():
        target = names.get(code)
        pos = cells.pos(target[1]) if target is not None and target[0] in sheets else None
        if pos is not None:
            where[code] = (target[0], *pos)
        elif input_sheet is not None and cell:
            where[code] = (input_sheet, *cells.pos(cell))
    return where


_NAME_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!\[\]]+))!(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})"
    r"(?::(\$?[A-Za-z]{1,3}\$?[0-9]{1,7}))?$")


_TARGET_CACHE: dict[str, tuple[str, str] | None] = {}


def name_target(text: str) -> tuple[str, str] | None:
    """``'Nhập liệu'!$D$12`` → ("Nhập liệu", "D12"); ranges → "A1:A2"; anything else None."""
    try:
        return _TARGET_CACHE[text]
    except KeyError:
        target = _name_target_uncached(text)
        if len(_TARGET_CACHE) < 100_000:
            _TARGET_CACHE[text] = target
        return target


def _name_target_uncached(text: str) -> tuple[str, str] | None:
    m = _NAME_REF.match(text.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    first = cells.parse_cell(m.group(3))
    if first is None:
        return None
    ref = cells.cell_name(*first)
    if m.group(4):
        last = cells.parse_cell(m.group(4))
        if last is None:
            return None
        ref += ":" + cells.cell_name(*last)
    return nfc(sheet), ref


