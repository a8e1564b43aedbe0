"""A plan's content as plain data: to compare two plans and to fingerprint one.

:func:`snapshot` walks the validated model (dataclasses, rules, expression
trees) into nested tuples of plain values, leaving out where things were
written (``line``: a YAML line or a workbook cell) and which file they came
from (``source``). Two plans with equal snapshots score every unit the same
and make the same workbooks: that is what «export then import gives an equal
plan» means. :func:`fingerprint` is a short digest of it, recorded in the
templates and the master so that consolidation can tell when a returned file
was made from a plan that has changed since: it digests the plan *as written* (the raw
structure read from the YAML file or the plan workbook), so it stays the same
for the same file whatever version of thidua reads it, and changes when any
value of the plan does (not when a comment or a cell colour does).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

_SKIPPED = {"line", "source", "fingerprint"}


def snapshot(obj: Any) -> Any:
    """Plain, comparable data for ``obj`` (a plan or any part of it)."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return float(repr(obj)) if obj == obj else "nan"
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, dict):
        return ("dict", tuple((str(k), snapshot(v)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return tuple(snapshot(v) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return ("set", tuple(sorted(repr(snapshot(v)) for v in obj)))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = tuple((f.name, snapshot(getattr(obj, f.name))) for f in dataclasses.fields(obj)
                       if f.name not in _SKIPPED)
        return (type(obj).__name__, fields)
    if hasattr(obj, "__dict__"):  # rule objects
        fields = tuple((k, snapshot(v)) for k, v in sorted(vars(obj).items())
                       if k not in _SKIPPED and not k.startswith("_"))
        return (type(obj).__name__, fields)
    return repr(obj)


def fingerprint(raw: Any) -> str:
    """16 hex digits naming the content of a plan as written (same content, same fingerprint)."""
    return hashlib.sha256(repr(snapshot(raw)).encode("utf-8")).hexdigest()[:16]
