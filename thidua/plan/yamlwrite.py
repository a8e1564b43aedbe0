"""Write a plan as YAML text (``thidua plan import ke-hoach.xlsx --out ke-hoach.yaml``).

The raw plan (from a plan workbook, or another YAML file) is written in the
layout of the built-in plans: top-level keys in their usual order, one list
item per element, small mappings (a band, a choice) on one line. Reading the
text back gives an equal plan.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import yaml


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Dumper(yaml.SafeDumper):
    """Block style at the top, flow style for mappings of plain values (bands, choices)."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    flow = all(not isinstance(v, (dict, list)) for v in data.values()) and len(data) <= 6 \
        and sum(len(str(k)) + len(str(v)) for k, v in data.items()) < 90
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = all(isinstance(v, (int, float, str)) and len(str(v)) < 40 for v in data) \
        and len(data) <= 8
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def plan_yaml(raw: Mapping, source: str = "") -> str:
    """YAML text of the raw plan ``raw``; ``source`` is named in a first comment line."""
    head = f"# Kế hoạch chuyển từ «{source}» bằng «thidua plan import».\n" if source else ""
    body = yaml.dump(_plain(raw), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)
    return head + body
