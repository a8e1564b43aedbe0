"""The very hidden metadata sheet: kind, plan, version and the layout as JSON."""
from __future__ import annotations

from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

import thidua
from thidua.plan.model import Plan
from thidua.workbook import contract
from thidua.workbook.master.base import (CELL_LIMIT, KIND_MASTER, MasterLayout)


def _meta_sheet(ws: Worksheet, plan: Plan, layout: MasterLayout) -> None:
    text = layout.to_json()
    chunks = [text[i:i + CELL_LIMIT] for i in range(0, len(text), CELL_LIMIT)] or [""]
    rows = [("loai", KIND_MASTER), ("ke_hoach", plan.id), ("phien_ban", plan.version),
            ("bo_cuc", chunks[0])]
    rows += [(f"bo_cuc#{n}", chunk) for n, chunk in enumerate(chunks[1:], start=2)]
    rows += [("phien_ban_thidua", thidua.__version__)]
    rows += [(contract.PLAN_FILE, Path(plan.source).name if plan.source else plan.id),
             (contract.PLAN_FINGERPRINT, plan.fingerprint)]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=key)
        cell = ws.cell(row=r, column=2, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
