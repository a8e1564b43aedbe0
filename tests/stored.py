"""Test helper: the values stored with a workbook's formulas against a real recalculation.

``differences(path, recalculated)`` compares, for every formula cell of the file
at ``path``, the value stored with it (``thidua.workbook.cached.stored_values``)
with the value LibreOffice computed for it in ``recalculated`` (the file passed
through ``thidua.workbook.recalc.recalculate``). A formula without a stored value
is a difference too.
"""
from __future__ import annotations

import math
from pathlib import Path

from thidua.workbook.cached import formula_cells, stored_values
from thidua.workbook.recalc import read_values


def _same(stored, computed) -> bool:
    if stored in (None, ""):
        return computed in (None, "")
    if isinstance(stored, bool) or isinstance(computed, bool):
        return stored == computed
    if isinstance(stored, (int, float)) and isinstance(computed, (int, float)):
        return math.isclose(stored, computed, rel_tol=1e-9, abs_tol=1e-9)
    return stored == computed


def differences(path: str | Path, recalculated: str | Path) -> list[str]:
    """Every formula cell whose stored value differs from LibreOffice's (or has none)."""
    name = Path(path).name
    cells = formula_cells(path)
    stored = stored_values(path)
    computed = read_values(recalculated)
    out = []
    for sheet, refs in cells.items():
        for ref, (_, text) in refs.items():
            if text is None:
                out.append(f"{name} {sheet}!{ref}: công thức không có giá trị lưu kèm")
                continue
            got, want = stored[sheet][ref], computed.get(sheet, {}).get(ref)
            if not _same(got, want):
                out.append(f"{name} {sheet}!{ref}: lưu {got!r}, LibreOffice tính {want!r}")
    return out
