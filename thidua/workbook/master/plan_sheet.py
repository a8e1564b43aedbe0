"""«Thang điểm»: the plan itself, in words."""
from __future__ import annotations

import re

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from thidua import expr as ex
from thidua.plan.model import (INPUT_TYPES, LEVELS, MET_CODE, ROLES, TOTAL_CODE, Plan, Target)
from thidua.program.compile import OP_TEXT
from thidua.program.describe import condition_words, gate_text, rule_text, total_text
from thidua.text import format_money, format_number
from thidua.workbook.master.base import (FILL_HEADER, NUM, _BOLD, _HEADER_ALIGN, _ITALIC, _TITLE,
                                         _lines, _print_setup, _put, _subtitle, _text_cell)
from thidua.workbook.master.awards import (_condition_text, _money_total)


def _target_text(target: Target | None, unit: str = "") -> str:
    suffix = f" {unit}" if unit else ""
    if target is None:
        return "—"
    if target.number is not None:
        return f"{format_number(target.number, 9)}{suffix}"
    if target.expr is not None:
        return target.expr_text or ex.to_text(target.expr)
    if target.by_level is not None:
        return "; ".join(f"{LEVELS.get(lv, lv)}: {_target_text(sub, unit)}"
                         for lv, sub in target.by_level.items())
    if target.by_year is not None:
        parts = []
        for start, end, sub in target.by_year:
            when = f"{start}–{end}" if end is not None and end != start else (
                f"năm {start}" if end is not None else f"từ {start}")
            parts.append(f"{when}: {_target_text(sub, unit)}")
        return "; ".join(parts) + " (năm khác: không áp dụng)"
    return "—"


class _Doc:
    """A sheet written top to bottom: headings and small bordered tables."""

    WIDTHS = (10, 26, 55, 14, 24, 70)

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.row = 1
        for j, width in enumerate(self.WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width

    def line(self, text: str, font: Font | None = None, span: bool = True) -> None:
        cell = _put(self.ws, self.row, 1, text, border=False, wrap=span)
        if font is not None:
            cell.font = font
        if span and text:
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                                end_column=len(self.WIDTHS))
            self.ws.row_dimensions[self.row].height = 15 * min(_lines(text, sum(self.WIDTHS)), 10)
        self.row += 1

    def table(self, headers: list[str], rows: list[list]) -> None:
        for j, text in enumerate(headers, start=1):
            _put(self.ws, self.row, j, text, bold=True, fill=FILL_HEADER, align=_HEADER_ALIGN)
        self.row += 1
        for values in rows:
            lines = 1
            for j, value in enumerate(values, start=1):
                fmt = None
                if isinstance(value, float) and not value.is_integer():
                    fmt = NUM
                if isinstance(value, str):
                    _text_cell(self.ws, self.row, j, value, wrap=True)
                    lines = max(lines, _lines(value, self.WIDTHS[j - 1]))
                else:
                    _put(self.ws, self.row, j, value, fmt=fmt)
            if lines > 1:
                self.ws.row_dimensions[self.row].height = 15 * min(lines, 25)
            self.row += 1
        self.row += 1


def _plan_sheet(ws: Worksheet, plan: Plan) -> None:
    doc = _Doc(ws)
    doc.line(f"THANG ĐIỂM VÀ CÁCH TÍNH — {plan.title}", _TITLE)
    doc.line(_subtitle(plan), _BOLD)
    doc.line(f"Mã kế hoạch: {plan.id}, phiên bản {plan.version}", _ITALIC)
    doc.row += 1
    section = iter(["I", "II", "III", "IV", "V", "VI", "VII", "VIII"])
    if plan.is_checklist:
        doc.line(f"{next(section)}. TIÊU CHÍ VÀ MỤC TIÊU", _BOLD)
        rows = []
        for ind in plan.indicators:
            for part in ([ind] + ind.parts):
                is_parent = part is ind and ind.parts
                pid = ind.id if part is ind else f"{ind.id}{part.id}"
                how = "" if is_parent else (part.value_text or (
                    ex.to_text(part.value) if part.value is not None else ""))
                if is_parent:
                    how = "Đạt khi mọi phần áp dụng đều đạt"
                if part.waive_if is not None:
                    how += (f"; miễn xét (không áp dụng) khi {condition_words(plan, part.waive_if)}"
                            + (f": {part.waive_reason}" if part.waive_reason else ""))
                if part.no_data_if is not None:
                    how += (f"; chưa đánh giá được khi {condition_words(plan, part.no_data_if)}"
                            + (f": {part.no_data_reason}" if part.no_data_reason else ""))
                target = "" if is_parent else f"{OP_TEXT[part.op]} {_target_text(part.target, part.unit)}"
                rows.append([pid, part.code, part.label, part.unit, target, how])
        doc.table(["Tiêu chí", "Mã", "Nội dung", "Đơn vị", "Mục tiêu", "Giá trị đối chiếu"], rows)
        doc.line(f"{next(section)}. CÁCH ĐÁNH GIÁ", _BOLD)
        doc.line("Mỗi tiêu chí: «đạt» khi giá trị thỏa mục tiêu; «không đạt» khi không thỏa; "
                 "«chưa có số liệu» khi thiếu số liệu; «không áp dụng» khi năm áp dụng không có "
                 "mục tiêu hoặc được miễn xét. Tiêu chí nhiều phần chỉ đạt khi mọi phần áp dụng "
                 "đều đạt. Kết quả của đơn vị: số tiêu chí đạt trên số tiêu chí áp dụng.")
        doc.row += 1
    else:
        if plan.values:
            doc.line(f"{next(section)}. GIÁ TRỊ TRUNG GIAN", _BOLD)
            doc.table(["", "Mã", "Nội dung", "Đơn vị", "Loại", "Cách tính"],
                      [["", v.code, v.label, v.unit, v.rule.title, rule_text(plan, v.rule)]
                       for v in plan.values])
        doc.line(f"{next(section)}. TIÊU CHÍ CHẤM ĐIỂM", _BOLD)
        rows = []
        for item in plan.items:
            role = ROLES[item.role]
            if item.levels is not None:
                role += " — chỉ " + ", ".join(LEVELS[lv].lower() for lv in item.levels)
            label = f"{item.section}: {item.label}" if item.section else item.label
            rows.append([item.id, item.code, label,
                         item.max if item.max is not None else "", role,
                         rule_text(plan, item.rule, item.role)])
        doc.table(["Mục", "Mã", "Nội dung", "Điểm tối đa", "Loại", "Cách tính"], rows)
        doc.line(f"{next(section)}. TỔNG ĐIỂM", _BOLD)
        doc.line(f"Tổng điểm = {total_text(plan)}")
        if plan.total_max is not None:
            doc.line(f"Điểm chuẩn: {format_number(plan.total_max)} điểm")
        if plan.manual_total:
            doc.line(f"Đơn vị đặc thù: khi có «{plan.label_of(plan.manual_total)}» thì tổng điểm "
                     "lấy theo số nhập tay, không chấm theo từng tiêu chí.")
        if plan.self_scored:
            doc.line("Đơn vị tự chấm; số liệu thẩm định (khi có) được dùng thay số liệu tự báo cáo.")
        doc.row += 1
        doc.line(f"{next(section)}. ĐIỀU KIỆN XÉT THI ĐUA", _BOLD)
        if plan.gates:
            doc.table(["STT", "Điều kiện", "Lý do khi không đạt", "", "Áp dụng cho nhóm", ""],
                      [[k, gate_text(plan, g), _reason_text(g.reason), "",
                        "Tất cả các nhóm" if g.groups is None
                        else "; ".join(_group_label(plan, c) for c in g.groups), ""]
                       for k, g in enumerate(plan.gates, start=1)])
        else:
            doc.line("Không có điều kiện riêng; mọi đơn vị có đủ số liệu đều được xét.")
            doc.row += 1
        doc.line(f"{next(section)}. TIÊU CHÍ PHỤ KHI BẰNG ĐIỂM", _BOLD)
        if plan.tie_break:
            doc.table(["Thứ tự", "Mã", "Nội dung", "", "", ""],
                      [[k, code, f"{plan.label_of(code)} (cao hơn xếp trước)", "", "", ""]
                       for k, code in enumerate(plan.tie_break, start=1)])
        else:
            doc.line("Không có: các đơn vị bằng điểm do Hội đồng Thi đua - Khen thưởng quyết định.")
            doc.row += 1
    doc.line(f"{next(section)}. CƠ CẤU GIẢI THƯỞNG", _BOLD)
    if plan.prize_sets:
        heads = ["", "Giải", "Điều kiện", "Số lượng", "Mức thưởng (mỗi giải)", "Ghi chú"]
        for ps in plan.prize_sets:
            if not plan.one_pool:
                doc.line(f"Nhóm: {_group_label(plan, ps.group)}", _BOLD)
            rows = []
            for k, prize in enumerate(ps.prizes, start=1):
                count = "Không giới hạn" if prize.count is None else str(prize.count)
                rows.append([k, prize.label,
                             "" if prize.condition is None else _condition_text(plan, prize),
                             count, format_money(prize.amount), prize.reason])
            money = sum(int(p.amount) for p in ps.sequence())
            unlimited = any(p.count is None for p in ps.prizes)
            rows.append(["", "Cộng", "", "" if unlimited else str(len(ps.sequence())),
                         format_money(money), ""])
            doc.table(heads, rows)
        doc.line(f"Tổng số tiền thưởng theo kế hoạch: {format_money(_money_total(plan))}", _BOLD)
        doc.row += 1
    else:
        doc.line("Kế hoạch không quy định cơ cấu giải thưởng.")
        doc.row += 1
    doc.line(f"{next(section)}. BẢNG MÃ", _BOLD)
    rows = [[g.code, "", g.label, "", "Nhóm", ""] for g in plan.groups]
    rows += [[lv, "", LEVELS.get(lv, lv), "", "Cấp", ""] for lv in plan.levels]
    rows += [[inp.code, "", inp.label, inp.unit or ("%" if inp.type == "percent" else ""),
              f"Số liệu nhập: {INPUT_TYPES[inp.type]}", inp.note] for inp in plan.inputs]
    rows += [[v.code, "", v.label, v.unit, "Giá trị trung gian", ""] for v in plan.values]
    rows += [[i.code, "", i.label, "điểm", f"Tiêu chí {i.id}", ""] for i in plan.items]
    for ind in plan.indicators:
        rows.append([ind.code, "", ind.label, ind.unit, f"Tiêu chí {ind.id}", ""])
        rows += [[p.code, "", p.label, p.unit, f"Tiêu chí {ind.id}{p.id}", ""] for p in ind.parts]
    rows.append([MET_CODE if plan.is_checklist else TOTAL_CODE, "",
                 plan.label_of(MET_CODE if plan.is_checklist else TOTAL_CODE), "", "Kết quả", ""])
    for r in rows:  # code in column A is too narrow: move it to B
        r[0], r[1] = "", r[0]
    doc.table(["", "Mã", "Nội dung", "Đơn vị", "Loại", "Ghi chú"], rows)
    _print_setup(ws, len(_Doc.WIDTHS), doc.row, None)


def _reason_text(reason: str) -> str:
    """A gate's reason as a rule: the unit's figure ({code}) shown as «…»."""
    return re.sub(r"\{[a-z][a-z0-9_]*\}", "…", reason)


def _group_label(plan: Plan, code: str) -> str:
    try:
        return plan.group(code).label
    except KeyError:
        return code
