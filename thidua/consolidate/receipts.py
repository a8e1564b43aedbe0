"""Receipts: what each returned file held, kept in the master, so a re-run reads only what changed.

For every file of the folder the master keeps (hidden metadata ``bien_nhan``, JSON
over as many rows as it needs) the file's size, modification time and SHA-256, and
what the reader found in it — only what the checks use: the metadata keys that
recognise it, the input cells' values and places, the formula cells of its input
sheet, the unit typed on the sheet — or the reader's refusal. A file whose size and
modification time are those of its receipt is not read again; every check then
runs on the receipts exactly as on a fresh read (a fresh read is turned into a
receipt first), so the report cannot depend on which files were read.

A file modified within a moment of the run that read it is read again next time
(its time may not show a second change made within the same tick), and so is every
file when the tool, the plan or the reading limits change. Refusals that can go
away with the file unchanged (no permission, too big for the limit, a time-out) are
not remembered.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import thidua
from thidua.consolidate.check_file import TemplateFacts
from thidua.consolidate.reader import Limits, ReadFailure, ReturnedFile
from thidua.errors import Problem
from thidua.plan.model import Plan
from thidua.workbook import contract

__all__ = ["Entry", "Receipts", "Canonical", "compact", "expand", "names_kept"]

FORMAT = 1
#: Failures not remembered: they can go away with the file unchanged.
NOT_KEPT = {"khong_doc_duoc", "tep_qua_lon"}
#: A file modified this close before the run that read it is read again (file systems keep
#: times to the nanosecond, 100 ns, or — FAT, some shares — two seconds).
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000
#: Metadata that differs between the copies of one template (the rest is kept once for all).
_PER_FILE_META = (contract.UNIT_CODE, contract.UNIT_NAME, contract.GROUP, contract.LEVEL,
                  contract.MADE_AT, contract.SAVED_AT)


@dataclass
class Entry:
    """One file's receipt."""

    rel: str
    size: int
    mtime_ns: int
    mtime: float
    sha256: str
    seen_ns: int  # when the run that read it started
    failure: tuple[str, str] | None = None  # the reader's refusal: (code, message)
    data: dict | None = None  # what it held (see :func:`compact`)

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


def compact(result: ReturnedFile | ReadFailure, keep: frozenset[str] | None) -> tuple:
    """A read result as a receipt's content: ("ok", data, sha, False) or
    ("no", (code, message), "", transient).

    ``data`` keeps what the checks use, no more: formulas as their cells only (the text
    of those in located input cells), defined names in ``keep``, the metadata without
    the layout's JSON (every name when ``keep`` is None).
    """
    if isinstance(result, ReadFailure):
        return "no", (result.code, result.message), "", result.transient
    rf = result
    located = {rf.names[c][1] for c in rf.cells if c in rf.names and rf.names[c][0] == rf.input_sheet}
    data = {
        "kind": rf.kind,
        "meta": _meta(rf.meta),
        "input_sheet": rf.input_sheet,
        "names": {k: list(v) for k, v in rf.names.items() if keep is None or k in keep},
        "cells": {k: _value(v) for k, v in rf.cells.items()},
        "formula_cells": sorted(rf.formulas),
        "formula_texts": {c: rf.formulas[c] for c in sorted(located) if c in rf.formulas},
        "typed_unit": dict(rf.typed_unit),
        "percent": sorted(rf.percent),
        "uncomputed": sorted(rf.uncomputed),
        "saved_at": rf.saved_at,
    }
    return "ok", data, rf.sha256, False


class Canonical:
    """Receipts' contents made to share what the copies of one template have in common (the
    defined names, the formula cells, the strings of the metadata): one object each, however
    many files. Only the defined names in ``keep`` are kept."""

    def __init__(self, keep: frozenset[str]):
        self.keep = keep
        self.objects: dict[tuple, object] = {}
        self.strings: dict[str, str] = {}

    def _one(self, key: tuple, value):
        return self.objects.setdefault(key, value)

    def _text(self, value):
        return self.strings.setdefault(value, value) if isinstance(value, str) else value

    def __call__(self, data: dict) -> dict:
        names = {k: v for k, v in data.get("names", {}).items() if k in self.keep}
        key = ("names",) + tuple((k, tuple(v)) for k, v in names.items())
        data["names"] = self._one(key, {self._text(k): [self._text(x) for x in v]
                                        for k, v in names.items()})
        cells = data.get("formula_cells", [])
        data["formula_cells"] = self._one(("formulas",) + tuple(cells), cells)
        text = self._text
        data["meta"] = {text(k): text(v) for k, v in data.get("meta", {}).items()}
        data["typed_unit"] = {text(k): v for k, v in data.get("typed_unit", {}).items()}
        data["cells"] = {text(k): v for k, v in data.get("cells", {}).items()}
        for field_ in ("kind", "input_sheet"):
            data[field_] = text(data.get(field_))
        return data


def expand(entry: Entry, folder: Path, shared: dict | None = None) -> ReturnedFile | ReadFailure:
    """The reader's result as the checks see it, from a receipt.

    ``shared`` (a dict kept for one run): what copies of one template have in common
    (defined names, formula cells, metadata) is converted once and shared — the checks
    only read it.
    """
    path = folder / entry.rel
    if entry.failure is not None:
        code, message = entry.failure
        return ReadFailure(Problem(message, code=code, file=path.name))
    d = entry.data or {}
    shared = {} if shared is None else shared

    def once(source, convert):
        found = shared.get(id(source))
        if found is None or found[0] is not source:
            found = shared[id(source)] = (source, convert(source))
        return found[1]

    names = once(d.get("names") or {}, lambda v: {k: tuple(t) for k, t in v.items()})
    meta = d.get("meta") or {}  # the checks only read it
    formulas = once(d.get("formula_cells") or (), lambda v: {c: "" for c in v})
    if d.get("formula_texts"):
        formulas = {**formulas, **d["formula_texts"]}
    cells = d.get("cells") or {}
    if any(isinstance(v, dict) for v in cells.values()):
        cells = {k: _unvalue(v) for k, v in cells.items()}
    percent, uncomputed = d.get("percent"), d.get("uncomputed")
    return ReturnedFile(  # what the receipt holds is shared, not copied: the checks only read it
        path=path, sha256=entry.sha256, size=entry.size, mtime=entry.mtime, kind=d.get("kind", ""),
        meta=meta, input_sheet=d.get("input_sheet"), names=names, cells=cells,
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
            stored = json.loads(text)
            if stored.get("key") != key:
                return cls(key)
            template = TemplateFacts.from_json(stored["template"])
            shapes = stored["shapes"]
            entries = {}
            for row in stored["files"]:
                rel, size, mtime_ns, mtime, sha, seen, shape, rest = row
                if shape < 0:
                    entries[rel] = Entry(rel, size, mtime_ns, mtime, sha, seen, failure=tuple(rest))
                    continue
                data = dict(shapes[shape])
                data["meta"] = {**data.get("meta", {}), **rest.pop("meta", {})}
                data.update(rest)
                entries[rel] = Entry(rel, size, mtime_ns, mtime, sha, seen, data=data)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return cls(key)
        return cls(key, template, entries)

    def dumps(self) -> str:
        """The receipts as compact JSON: what copies of one template share is kept once (one
        file at a time: nothing is copied whole)."""
        shape_keys = ("kind", "input_sheet", "names", "formula_cells")
        shapes: list[str] = []
        index: dict[tuple, int] = {}
        files: list[str] = []
        encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
        for rel in sorted(self.entries):
            e = self.entries[rel]
            head = [e.rel, e.size, e.mtime_ns, e.mtime, e.sha256, e.seen_ns]
            if e.failure is not None:
                files.append(encode(head + [-1, list(e.failure)]))
                continue
            data = e.data or {}
            meta = data.get("meta", {})
            shared = tuple(sorted((k, v) for k, v in meta.items() if k not in _PER_FILE_META))
            key = (data.get("kind"), data.get("input_sheet"), id(data.get("names")),
                   id(data.get("formula_cells")), shared)
            if key not in index:
                index[key] = len(shapes)
                shape = {k: data[k] for k in shape_keys if k in data}
                shape["meta"] = dict(shared)
                shapes.append(encode(shape))
            own = {k: v for k, v in data.items() if k not in shape_keys and k != "meta"}
            own["meta"] = {k: v for k, v in meta.items() if k in _PER_FILE_META}
            files.append(encode(head + [index[key], own]))
        template = encode(self.template.to_json() if self.template else None)
        return (f'{{"key":{encode(self.key)},"template":{template},'
                f'"shapes":[{",".join(shapes)}],"files":[{",".join(files)}]}}')
