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


def write_json(obj, out: TextIO) -> None:
    """``json.dump(obj, out, ensure_ascii=False, indent=2)`` and a newline."""
    out.write(dumps(obj))
    out.write("\n")


def dumps(obj) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)``."""
    if not _result_shaped(obj):
        return json.dumps(obj, ensure_ascii=False, indent=2)
    parts = []
    for key, value in obj.items():
        if key == "units":
            text = "[\n" + ",\n".join(map(_unit, value)) + "\n  ]" if value else "[]"
        else:
            text = _nested(value, 1)
        parts.append(f"  {encode_basestring(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _result_shaped(obj) -> bool:
    """A dict with text keys and a list ``units`` of dicts with text keys."""
    return (type(obj) is dict and type(obj.get("units")) is list
            and all(type(k) is str for k in obj)
            and all(type(u) is dict and all(type(k) is str for k in u) for u in obj["units"]))


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
    """One unit, as ``json`` indents it two levels deep (the usual keys from one template)."""
    if tuple(u) != UNIT_KEYS or type(u["reasons"]) is not list:
        if not u:
            return "    {}"
        return ("    {\n" + ",\n".join(f"      {encode_basestring(k)}: {_value(v)}"
                                    for k, v in u.items()) + "\n    }")
    return (f"    {{\n      \"code\": {_scalar(u['code'])},\n"
            f"      \"name\": {_scalar(u['name'])},\n"
            f"      \"group\": {_scalar(u['group'])},\n"
            f"      \"total\": {_scalar(u['total'])},\n"
            f"      \"eligible\": {_scalar(u['eligible'])},\n"
            f"      \"reasons\": {_value(u['reasons'])},\n"
            f"      \"rank\": {_scalar(u['rank'])},\n"
            f"      \"prize\": {_scalar(u['prize'])},\n"
            f"      \"amount\": {_scalar(u['amount'])}\n"
            "    }")


_SCALARS = (str, type(None), bool, int, float)


def _value(value) -> str:
    """A unit's value, three levels deep."""
    if type(value) in _SCALARS:
        return _scalar(value)
    if type(value) is list and all(type(v) is str for v in value):
        return ("[\n        " + ",\n        ".join(map(encode_basestring, value)) + "\n      ]"
                if value else "[]")
    return _nested(value, 3)
