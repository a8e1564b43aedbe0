"""The worked examples ``thidua plan new`` writes: one row per way of scoring.

Kept as YAML plans (data an office can read), loaded through the same reader
as every plan and written to a plan workbook by :mod:`thidua.plan.xlsxwrite`.
"""
from __future__ import annotations

from pathlib import Path

from thidua.plan.yamlload import LineDict, load_yaml

FOLDER = Path(__file__).resolve().parent
FILES = {"points": "diem.yaml", "checklist": "chi-tieu.yaml"}


def example_raw(kind: str = "points") -> LineDict:
    """The example plan of ``kind`` ("points" or "checklist"), as written."""
    return load_yaml((FOLDER / FILES[kind]).read_text(encoding="utf-8"))
