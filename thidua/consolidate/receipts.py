"""Receipts: what each returned file held, kept in the master, so a re-run reads only what changed.

For every file of the folder the master keeps (hidden metadata ``bien_nhan``, a line
of JSON a file over as many rows as it needs) the file's size, modification time and
SHA-256, and what the reader found in it — only what the checks use: the metadata keys
that recognise it, the input cells' values and places, the formula cells of its input
sheet, the unit typed on the sheet — or the reader's refusal. A file whose size and
modification time are those of its receipt is not read again; every check then
runs on the receipts exactly as on a fresh read (a fresh read is turned into a
receipt first), so the report cannot depend on which files were read.

What a receipt holds stays JSON text until its file is checked (a few hundred bytes
a file, not the thousands its objects take: 33,210 files), in two parts: its shape —
what the copies of one template share (defined names, formula cells, most of the
metadata), one text however many files — and its own part.

A file modified within a moment of the run that read it is read again next time
(its time may not show a second change made within the same tick), and so is every
file when the tool, the plan or the reading limits change. Refusals that can go
away with the file unchanged (no permission, too big for the limit, a time-out) are
not remembered.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import thidua
from thidua.consolidate.check_file import TemplateFacts
from thidua.consolidate.reader import Limits, ReadFailure, ReturnedFile
from thidua.errors import Problem
from thidua.plan.model import Plan
from thidua.workbook import contract

__all__ = ["Entry", "Receipts", "Shapes", "compact", "expand", "names_kept"]

FORMAT = 2
#: Failures not remembered: they can go away with the file unchanged.
NOT_KEPT = {"khong_doc_duoc", "tep_qua_lon"}
#: A file modified this close before the run that read it is read again (file systems keep
#: times to the nanosecond, 100 ns, or — FAT, some shares — two seconds).
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000
#: Metadata that differs between the copies of one template (the rest is kept once for all).
_PER_FILE_META = (contract.UNIT_CODE, contract.UNIT_NAME, contract.GROUP, contract.LEVEL,
                  contract.MADE_AT, contract.SAVED_AT)


@dataclass(slots=True)
class Entry:
    """One file's receipt."""

    rel: str
    size: int
    mtime_ns: int
    mtime: float
    sha256: str
    seen_ns: int  # when the run that read it started
    failure: tuple[str, str] | None = None  # the reader's refusal: (code, message)
    shape: str | None = None  # JSON: what copies of one template share (one text: see Shapes)
    own: str | None = None  # JSON: the rest of what it held (see :func:`compact`)

    def usable(self, size: int, mtime_ns: int) -> bool:
        """The file (its size and modification time now) is as it was read, and was not being
        written then."""
        if size != self.size or mtime_ns != self.mtime_ns:
            return False
        margin = RACY_COARSE_NS if self.mtime_ns % 1_000_000_000 == 0 else RACY_NS
        return self.mtime_ns < self.seen_ns - margin


def names_kept(plan: Plan, template: TemplateFacts) -> frozenset[str]:
    """Defined names a receipt keeps: the template's named cells, every input and appraisal,
    the year."""
    names = set(template.named_cells) | {contract.YEAR_NAME}
    for inp in plan.inputs:
        names |= {inp.code, contract.appraisal_name(inp.code)}
    return frozenset(names)


# ------------------------------------------------------------------ values
def _value(value):
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$": "timedelta", "v": value.total_seconds()}
    return {"$": "text", "v": str(value)}


def _unvalue(value):
    if not isinstance(value, dict):
        return value
    kind, v = value.get("$"), value.get("v")
    if kind == "datetime":
        return dt.datetime.fromisoformat(v)
    if kind == "date":
        return dt.date.fromisoformat(v)
    if kind == "time":
        return dt.time.fromisoformat(v)
    if kind == "timedelta":
        return dt.timedelta(seconds=v)
    return v


# ------------------------------------------------------------------ one file
def _meta(meta: dict) -> dict:
    """The metadata without the template layout's JSON (kept as a key: it was there)."""
    layout = contract.LAYOUT
    out = {k: v for k, v in meta.items() if k != layout and not k.startswith(layout + "#")}
    if layout in meta:
        out[layout] = ""
    return out


_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def compact(result: ReturnedFile | ReadFailure, keep: frozenset[str] | None) -> tuple:
    """A read result as a receipt's content: ("ok", (shape, own), sha, False) or
    ("no", (code, message), "", transient).

    ``shape`` and ``own`` (JSON text) keep what the checks use, no more: formulas as their
    cells only (the text of those in located input cells), defined names in ``keep`` (every
    one when None), the metadata without the layout's JSON. ``shape`` holds what the copies
    of one template share, ``own`` the rest (figures, the unit typed, this file's metadata).
    """
    if isinstance(result, ReadFailure):
        return "no", (result.code, result.message), "", result.transient
    rf = result
    located = {rf.names[c][1] for c in rf.cells if c in rf.names and rf.names[c][0] == rf.input_sheet}
    meta = _meta(rf.meta)
    shape = {
        "kind": rf.kind,
        "input_sheet": rf.input_sheet,
        "names": {k: list(v) for k, v in rf.names.items() if keep is None or k in keep},
        "formula_cells": sorted(rf.formulas),
        "meta": dict(sorted((k, v) for k, v in meta.items() if k not in _PER_FILE_META)),
    }
    own = {
        "cells": {k: _value(v) for k, v in rf.cells.items()},
        "formula_texts": {c: rf.formulas[c] for c in sorted(located) if c in rf.formulas},
        "typed_unit": dict(rf.typed_unit),
        "percent": sorted(rf.percent),
        "uncomputed": sorted(rf.uncomputed),
        "saved_at": rf.saved_at,
        "meta": {k: v for k, v in meta.items() if k in _PER_FILE_META},
    }
    return "ok", (_encode(shape), _encode(own)), rf.sha256, False


class Shapes:
    """The shapes of one run's receipts: one text object each, however many files share it,
    with only the defined names in ``keep`` (a file read before the template was known kept
    them all)."""

    def __init__(self, keep: frozenset[str]):
        self.keep = keep
        self._seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        found = self._seen.get(text)
        if found is None:
            shape = json.loads(text)
            names = shape.get("names") or {}
            kept = {k: v for k, v in names.items() if k in self.keep}
            canonical = text if len(kept) == len(names) else _encode({**shape, "names": kept})
            found = self._seen[text] = self._seen.setdefault(canonical, canonical)
        return found


def expand(entry: Entry, folder: Path, shared: dict | None = None) -> ReturnedFile | ReadFailure:
    """The reader's result as the checks see it, from a receipt.

    ``shared`` (a dict kept for one run): what copies of one template have in common
    (a shape: defined names, formula cells, metadata) is decoded once and shared — the
    checks only read it.
    """
    path = folder / entry.rel
    if entry.failure is not None:
        code, message = entry.failure
        return ReadFailure(Problem(message, code=code, file=path.name))
    shared = {} if shared is None else shared
    shape = shared.get(entry.shape)
    if shape is None:
        d = json.loads(entry.shape) if entry.shape else {}
        shape = shared[entry.shape] = (
            d.get("kind", ""), d.get("input_sheet"),
            {k: tuple(t) for k, t in (d.get("names") or {}).items()},
            {c: "" for c in d.get("formula_cells") or ()}, d.get("meta") or {})
    kind, input_sheet, names, formulas, meta = shape
    d = json.loads(entry.own) if entry.own else {}
    if d.get("meta"):
        meta = {**meta, **d["meta"]}
    if d.get("formula_texts"):
        formulas = {**formulas, **d["formula_texts"]}
    cells = d.get("cells") or {}
    if any(isinstance(v, dict) for v in cells.values()):
        cells = {k: _unvalue(v) for k, v in cells.items()}
    percent, uncomputed = d.get("percent"), d.get("uncomputed")
    return ReturnedFile(  # what the shape holds is shared, not copied: the checks only read it
        path=path, sha256=entry.sha256, size=entry.size, mtime=entry.mtime, kind=kind,
        meta=meta, input_sheet=input_sheet, names=names, cells=cells,
        formulas=formulas, typed_unit=d.get("typed_unit") or {},
        percent=set(percent) if percent else _NONE, saved_at=d.get("saved_at"),
        uncomputed=set(uncomputed) if uncomputed else _NONE, mtime_ns=entry.mtime_ns)


_NONE: frozenset = frozenset()


# ------------------------------------------------------------------ all files
def _key(plan: Plan, limits: Limits) -> list:
    return [FORMAT, thidua.__version__, plan.id, plan.version, plan.fingerprint,
            limits.max_bytes, limits.max_uncompressed, limits.max_ratio, limits.max_members]


class Receipts:
    """The receipts of a folder's files, and the template facts they were checked against."""

    def __init__(self, key: list, template: TemplateFacts | None = None,
                 entries: dict[str, Entry] | None = None):
        self.key = key
        self.template = template
        self.entries: dict[str, Entry] = entries or {}

    @classmethod
    def empty(cls, plan: Plan, limits: Limits) -> "Receipts":
        return cls(_key(plan, limits))

    @classmethod
    def load(cls, meta: dict, plan: Plan, limits: Limits) -> "Receipts":
        """The receipts kept in a master's metadata; none when absent, damaged or made for
        another version, plan or limits."""
        key = _key(plan, limits)
        text = contract.joined(meta, contract.RECEIPTS)
        if not text:
            return cls(key)
        try:
            end = text.rindex("\n")  # the last line: the digest of the lines before it
            if text[end + 1:] != _digest(text, end):
                return cls(key)
            lines = _lines(text, end)
            head = json.loads(next(lines))
            if head.get("key") != key:
                return cls(key)
            template = TemplateFacts.from_json(head["template"])
            shapes = [next(lines) for _ in range(head["shapes"])]
            entries = {}
            for line in lines:
                tab = line.index("\t")
                rel, size, mtime_ns, mtime, sha, seen, shape = json.loads(line[:tab])
                if shape < 0:
                    code, message = json.loads(line[tab + 1:])
                    entries[rel] = Entry(rel, size, mtime_ns, mtime, sha, seen,
                                         failure=(code, message))
                else:
                    entries[rel] = Entry(rel, size, mtime_ns, mtime, sha, seen,
                                         shape=shapes[shape], own=line[tab + 1:])
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, StopIteration):
            return cls(key)
        return cls(key, template, entries)

    def lines(self) -> Iterator[str]:
        """The receipts' text, a piece at a time (never as one string): a line with the key
        and the template, one per shape (what copies of one template share, kept once), one
        per file (its stamp and shape, a tab, its own part or its refusal), the digest of
        those."""
        order = sorted(self.entries)
        shapes: dict[str, int] = {}
        for rel in order:
            shape = self.entries[rel].shape
            if self.entries[rel].failure is None and shape not in shapes:
                shapes[shape] = len(shapes)
        digest = hashlib.sha256()

        def line(text: str) -> str:
            text += "\n"
            digest.update(text.encode("ascii"))
            return text

        yield line(_encode({"key": self.key, "template": self.template.to_json()
                            if self.template else None, "shapes": len(shapes)}))
        for shape in shapes:
            yield line(shape)
        for rel in order:
            e = self.entries[rel]
            head = [e.rel, e.size, e.mtime_ns, e.mtime, e.sha256, e.seen_ns]
            if e.failure is not None:
                yield line(_encode(head + [-1]) + "\t" + _encode(list(e.failure)))
            else:
                yield line(_encode(head + [shapes[e.shape]]) + "\t" + e.own)
        yield digest.hexdigest()


def _lines(text: str, end: int) -> Iterator[str]:
    """The lines of ``text[:end]``, one at a time (no list of them all)."""
    at = 0
    while at <= end:
        stop = text.find("\n", at, end)
        stop = end if stop < 0 else stop
        yield text[at:stop]
        at = stop + 1


def _digest(text: str, end: int) -> str:
    """SHA-256 of ``text[:end + 1]`` (a megabyte at a time)."""
    digest = hashlib.sha256()
    for at in range(0, end + 1, 1 << 20):
        digest.update(text[at:min(at + (1 << 20), end + 1)].encode("ascii"))
    return digest.hexdigest()
