"""«Cấu hình»: settings read by name by the tools."""
from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from thidua.plan.model import Plan
from thidua.program.compile import last_target_year
from thidua.workbook.master.base import (CONFIG_NAMES, CONFIG_NOTES, FILL_HEADER, FILL_INPUT,
                                         HEADER_ROW, SHEET_CONFIG, YEAR_NAME, _BOLD, _HEADER_ALIGN,
                                         _ITALIC, _TITLE, MasterLayout, _name, _print_setup, _put,
                                         _text, _text_cell, _title)


def _config_sheet(wb: Workbook, ws: Worksheet, plan: Plan, layout: MasterLayout,
                  config: dict, year: int | None) -> None:
    _title(ws, [("CẤU HÌNH SỔ TỔNG HỢP", _TITLE), (plan.title, _BOLD),
                ("Các công cụ đọc các ô ở cột «Giá trị» (theo tên ô trong cột ẩn C); chỉ sửa ô "
                 "nền vàng.",
                 _ITALIC)])
    rows: list[tuple[str, str, Any, bool]] = [
        ("cau_hinh_ma_ke_hoach", "Mã kế hoạch", plan.id, False),
        ("cau_hinh_phien_ban", "Phiên bản", plan.version, False),
    ]
    if plan.is_checklist:
        rows.append((YEAR_NAME, "Năm áp dụng", year, True))
    for key, (name, label, default) in CONFIG_NAMES.items():
        value = config.get(key, config.get(name, default))
        rows.append((name, label, _text(value) if isinstance(value, str) else value, True))
    heads = [("Mục", 24), ("Giá trị", 30), ("Tên ô", 26), ("Ghi chú", 60)]
    for j, (text, width) in enumerate(heads, start=1):
        _put(ws, HEADER_ROW - 1, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        ws.column_dimensions[get_column_letter(j)].width = width
    for r, (name, label, value, editable) in enumerate(rows, start=HEADER_ROW):
        _put(ws, r, 1, label, bold=True)
        if isinstance(value, str):
            _text_cell(ws, r, 2, value, fill=FILL_INPUT if editable else None)
        else:
            _put(ws, r, 2, value, fmt="0", fill=FILL_INPUT if editable else None)
        _put(ws, r, 3, name)
        _put(ws, r, 4, CONFIG_NOTES.get(name, ""), wrap=True)
        layout.names[name] = _name(wb, name, SHEET_CONFIG, f"$B${r}")
        if name == YEAR_NAME:
            first = plan.years[0] if plan.years else 2000
            dv = DataValidation(type="whole", operator="between", formula1=str(first),
                                formula2=str(max(last_target_year(plan) or first, first)), allow_blank=False)
            dv.error = "Nhập năm trong thời gian của kế hoạch."
            dv.errorTitle = "Năm không hợp lệ"
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(f"B{r}")
    ws.column_dimensions["C"].hidden = True  # the names the tools read: not for people
    _print_setup(ws, 4, HEADER_ROW + len(rows), None)
