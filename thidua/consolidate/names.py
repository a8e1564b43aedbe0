"""Matching unit names typed by other systems to the campaign's unit list.

An export from the province's online-service system names units its own way:
``UBND xã Tam Xuân I``, ``XÃ TAM XUÂN 1``, ``Uỷ ban nhân dân xã Tam Xuân I``
(decomposed accents), ``Văn phòng HĐND&UBND huyện``… while the unit list says
``Xã Tam Xuân I``. :func:`name_key` turns a name into a matching key that
ignores case, diacritics (NFC/NFD, ``đ``), spacing and punctuation, reads roman
numerals after the first word as numbers (``I`` ↔ ``1``, ``II`` ↔ ``2``) and
drops the word ``và``/``&``. :class:`NameMatcher` then compares keys level by
level: the full key first, then the key with the plan's administrative
prefixes (``UBND``, ``xã``, ``Phòng``…) stripped one at a time, on both sides.
The closest level wins; a tie between units is reported as ambiguous, never
decided by guesswork.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from thidua.text import fold, nfc

__all__ = ["NameMatcher", "match_name", "name_key", "suggest"]

_NON_WORD = re.compile(r"[\W_]+")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7",
          "viii": "8", "ix": "9", "x": "10", "xi": "11", "xii": "12"}
_DROPPED = {"va"}  # "và" / "&": "Tài chính và Kế hoạch" = "Tài chính - Kế hoạch"


class _Named(Protocol):
    code: str
    name: str


def _tokens(text: str) -> list[str]:
    text = fold(nfc(str(text)).replace("&", " và "))
    tokens = [t for t in _NON_WORD.sub(" ", text).split() if t]
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if i and tok in _DROPPED:
            continue
        if i and tok in _ROMAN:
            tok = _ROMAN[tok]
        elif tok.isdigit():
            tok = str(int(tok))
        out.append(tok)
    return out


def name_key(name: str) -> str:
    """Matching key of a unit name: ``UBND Xã Tam Xuân I`` → ``ubnd xa tam xuan 1``."""
    return " ".join(_tokens(name))


def _prefix_tokens(prefixes: Iterable[str]) -> list[list[str]]:
    """Prefixes as token lists, longest first (``Ủy ban nhân dân`` before ``Ủy``)."""
    seen: set[tuple[str, ...]] = set()
    out: list[list[str]] = []
    for p in prefixes:
        toks = [t for t in _NON_WORD.sub(" ", fold(nfc(str(p)))).split() if t]
        if toks and tuple(toks) not in seen:
            seen.add(tuple(toks))
            out.append(toks)
    out.sort(key=len, reverse=True)
    return out


def _levels(name: str, prefixes: list[list[str]]) -> list[str]:
    """The key of ``name``, then the key with one more leading prefix stripped each time."""
    tokens = _tokens(name)
    levels = [" ".join(tokens)] if tokens else []
    while True:
        for p in prefixes:
            if len(tokens) > len(p) and tokens[: len(p)] == p:
                tokens = tokens[len(p):]
                levels.append(" ".join(tokens))
                break
        else:
            return levels


class NameMatcher:
    """Match names to ``units`` (anything with ``code`` and ``name``).

    ``aliases`` maps a name as another system writes it to a unit code; an
    alias is compared by its full key and wins over everything else.
    """

    def __init__(self, units: Sequence[_Named], strip_prefixes: Iterable[str] = (),
                 aliases: Mapping[str, str] | None = None):
        self.units = list(units)
        self.prefixes = _prefix_tokens(strip_prefixes)
        by_code = {fold(u.code): u for u in self.units}
        self.aliases: dict[str, _Named] = {}
        self.bad_aliases: dict[str, str] = {}  # alias name -> unknown code
        for alias, code in (aliases or {}).items():
            unit = by_code.get(fold(str(code)))
            if unit is None:
                self.bad_aliases[str(alias)] = str(code)
            else:
                self.aliases[name_key(alias)] = unit
        # key -> [(level, unit index)]
        self._index: dict[str, list[tuple[int, int]]] = {}
        for i, u in enumerate(self.units):
            for level, key in enumerate(_levels(u.name, self.prefixes)):
                self._index.setdefault(key, []).append((level, i))

    def match(self, name: str) -> _Named | None | list[_Named]:
        """The unit ``name`` designates; ``None`` if none; a list if several tie."""
        key = name_key(name)
        if not key:
            return None
        if key in self.aliases:
            return self.aliases[key]
        best: int | None = None
        found: list[int] = []
        for level, k in enumerate(_levels(name, self.prefixes)):
            for unit_level, i in self._index.get(k, ()):
                distance = level + unit_level
                if best is None or distance < best:
                    best, found = distance, [i]
                elif distance == best and i not in found:
                    found.append(i)
        if not found:
            return None
        if len(found) == 1:
            return self.units[found[0]]
        return [self.units[i] for i in found]

    def suggest(self, name: str, n: int = 2) -> list[_Named]:
        """Units whose (prefix-stripped) names look like ``name``, for a hint."""
        return _suggest(name, self.units, self.prefixes, n)


def suggest(name: str, units: Sequence[_Named], strip_prefixes: Iterable[str] = (),
            n: int = 2) -> list[_Named]:
    """Up to ``n`` units whose names look like ``name`` (never a match, only a hint)."""
    return _suggest(name, units, _prefix_tokens(strip_prefixes), n)


def _suggest(name: str, units: Sequence[_Named], prefixes: list[list[str]],
             n: int) -> list[_Named]:
    levels = _levels(name, prefixes)
    if not levels:
        return []
    target = levels[-1]
    scored = []
    for u in units:
        ulevels = _levels(u.name, prefixes)
        if not ulevels:
            continue
        ratio = difflib.SequenceMatcher(None, target, ulevels[-1]).ratio()
        if ratio >= 0.85:
            scored.append((ratio, u))
    scored.sort(key=lambda t: -t[0])
    return [u for _r, u in scored[:n]]


def match_name(name: str, units: Sequence[_Named], strip_prefixes: Iterable[str] = (),
               aliases: Mapping[str, str] | None = None) -> _Named | None | list[_Named]:
    """Which of ``units`` ``name`` designates: a unit, ``None``, or a list when ambiguous.

    Exact match of the folded name first, then with the ``strip_prefixes``
    removed from the front (on both sides); see :class:`NameMatcher`.
    """
    return NameMatcher(units, strip_prefixes, aliases).match(name)
