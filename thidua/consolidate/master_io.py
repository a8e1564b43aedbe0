"""Read what an office's master workbook holds: units, figures, appraisals, notes, settings."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from thidua.codecs import unit_codes
from thidua.errors import InputError, Problem
from thidua.plan.model import Plan
from thidua.workbook import contract
from thidua.workbook.contract import APPRAISAL_SUFFIX, KIND_MASTER, META_SHEET, YEAR_NAME
from thidua.workbook.master import CONFIG_NAMES, MasterLayout, layout_json


@dataclass
class MasterData:
    path: Path
    layout: MasterLayout
    units: list[dict]  # ma_don_vi, ten_don_vi, nhom, cap, inputs and appraisals as typed, ghi_chu
    config: dict[str, object] = field(default_factory=dict)
    year: int | None = None
    meta: dict[str, object] = field(default_factory=dict)  # the hidden _thidua rows

    def unit(self, code: str) -> dict:
        for u in self.units:
            if u["ma_don_vi"] == code:
                return u
        raise KeyError(code)


def is_master(path: str | Path) -> bool:
    """True when ``path`` is a master workbook made by thidua (cheap check)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return KIND_MASTER.encode() in b"".join(
                zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")
                or n == "xl/sharedStrings.xml")
    except (OSError, zipfile.BadZipFile):
        return False


def _meta(wb) -> dict:
    ws = wb[META_SHEET]
    return {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and row[0]}


def read_master(path: str | Path, plan: Plan) -> MasterData:
    """Units and everything typed in the master (figures, appraisals, notes, settings)."""
    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:  # missing, no permission, network drive gone…
        from thidua.fileio import os_problem
        problem = os_problem(exc, path, action="mở")
        raise InputError(problem.with_place(
            message=problem.message.replace("không mở được", "không mở được sổ tổng hợp", 1))) from None
    except Exception:  # noqa: BLE001 - not a workbook, damaged…: reported the same way
        raise InputError(Problem("không mở được sổ tổng hợp: tệp không phải bảng tính Excel (.xlsx) "
                                 "hoặc đã bị hỏng", file=str(path), code="tep_hong",
                                 hint="kiểm tra đường dẫn; nếu sổ bị hỏng, dùng bản sao lưu "
                                      "(tên có «.bak-») bên cạnh")) from None
    try:
        if META_SHEET not in wb.sheetnames or _meta(wb).get(contract.KIND) != KIND_MASTER:
            raise InputError(Problem("tệp này không phải sổ tổng hợp do thidua tạo", file=path.name,
                                     hint="tạo sổ bằng «thidua generate … --master»"))
        meta = _meta(wb)
        if meta.get(contract.PLAN) != plan.id:
            raise InputError(Problem(
                f"sổ tổng hợp thuộc kế hoạch «{meta.get(contract.PLAN)}», không phải «{plan.id}»",
                file=path.name, hint="chọn đúng kế hoạch hoặc đúng sổ tổng hợp"))
        layout = MasterLayout.from_json(layout_json(meta))
        ws = wb[layout.sheet]
        col = {k: openpyxl.utils.column_index_from_string(v) - 1 for k, v in layout.columns.items()}
        keep = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "ghi_chu"]
        keep += [i.code for i in plan.inputs] + [i.code + APPRAISAL_SUFFIX for i in plan.inputs]
        units = []
        for row in ws.iter_rows(min_row=layout.first_row, max_row=layout.last_row, values_only=True):
            record = {k: row[col[k]] for k in keep if k in col and col[k] < len(row)}
            if record.get("ma_don_vi") in (None, ""):
                continue
            record["ma_don_vi"] = str(record["ma_don_vi"]).strip()
            units.append(unit_codes(plan, {k: v for k, v in record.items()
                                           if v is not None and v != ""}))
        config = {}
        for key, (name, _label, _default) in CONFIG_NAMES.items():
            config[key] = _named_value(wb, name)
        year = _named_value(wb, YEAR_NAME)
        return MasterData(path, layout, units, config,
                          int(year) if isinstance(year, (int, float)) else None, meta)
    finally:
        wb.close()


def _named_value(wb, name: str):
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    for sheet, ref in defined.destinations:
        cell = wb[sheet][ref.replace("$", "")]
        return cell.value
    return None


