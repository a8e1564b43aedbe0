"""The JSON of a result (``thidua score --json``), written fast.

The text is exactly ``json.dump(obj, out, ensure_ascii=False, indent=2)``
followed by a newline. Python's ``json`` writes indented output with its
slow pure-Python encoder (about 1 s for 100,000 units); here each unit of a
result is written from one template, its values encoded by ``json``'s own C
string encoder, and everything else by ``json`` itself. An object of any
other shape is handed to ``json.dump`` unchanged.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import TextIO

UNIT_KEYS = ("code", "name", "group", "total", "eligible", "reasons", "rank", "prize", "amount")
TOP_KEYS = ("plan", "units", "vacant", "ties")


def write_json(obj, out: TextIO) -> None:
    """``json.dump(obj, out, ensure_ascii=False, indent=2)`` and a newline."""
    out.write(dumps(obj))
    out.write("\n")


def dumps(obj) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)``."""
    if not _result_shaped(obj):
        return json.dumps(obj, ensure_ascii=False, indent=2)
    units = obj["units"]
    parts = ["{\n  \"plan\": ", _nested(obj["plan"], 1), ",\n  \"units\": "]
    if units:
        parts.append("[\n")
        parts.append(",\n".join(map(_unit, units)))
        parts.append("\n  ]")
    else:
        parts.append("[]")
    parts += [",\n  \"vacant\": ", _nested(obj["vacant"], 1), ",\n  \"ties\": ",
              _nested(obj["ties"], 1), "\n}"]
    return "".join(parts)


def _result_shaped(obj) -> bool:
    return (type(obj) is dict and tuple(obj) == TOP_KEYS and type(obj["units"]) is list
            and all(type(u) is dict and tuple(u) == UNIT_KEYS and type(u["reasons"]) is list
                    for u in obj["units"]))


def _nested(value, level: int) -> str:
    """``value`` as ``json`` indents it ``level`` levels deep."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


def _scalar(value) -> str:
    """A str, None, bool, int or float as ``json`` writes it (anything else: ``json`` itself)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _unit(u: dict) -> str:
    reasons = u["reasons"]
    if reasons:
        listed = ("[\n        " + ",\n        ".join(_scalar(r) if type(r) is str else _nested(r, 4)
                                                 for r in reasons)
                  + "\n      ]")
    else:
        listed = "[]"
    return (f"    {{\n      \"code\": {_scalar(u['code'])},\n"
            f"      \"name\": {_scalar(u['name'])},\n"
            f"      \"group\": {_scalar(u['group'])},\n"
            f"      \"total\": {_scalar(u['total'])},\n"
            f"      \"eligible\": {_scalar(u['eligible'])},\n"
            f"      \"reasons\": {listed},\n"
            f"      \"rank\": {_scalar(u['rank'])},\n"
            f"      \"prize\": {_scalar(u['prize'])},\n"
            f"      \"amount\": {_scalar(u['amount'])}\n"
            "    }")
