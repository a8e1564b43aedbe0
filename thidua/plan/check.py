"""What ``thidua check-plan`` (and the add-in's «Kiểm tra kế hoạch») says about a plan.

* :func:`summary` — one line: what the plan holds;
* :func:`maximum` — the largest total a unit can reach, in words
  («tổng điểm tối đa 104 = 100 + 4 điểm thưởng»);
* :func:`warnings` — what loads but is probably a mistake: a prize or gate no
  unit can reach, criteria whose maxima do not add up to the stated scale;
* :func:`error_rows` / :func:`mark_copy` — the problems of a plan workbook as
  a «Lỗi» sheet and highlighted cells (``--mark``);
* :func:`try_lines` — a few units scored with their explanations (``--try``).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from thidua import expr as ex
from thidua.errors import Problem
from thidua.plan.model import MET_CODE, TOTAL_CODE, Plan
from thidua.text import format_money, format_number

FILL_ERROR = "FFC7CE"
ERROR_HEADERS = ("STT", "Trang", "Ô", "Lỗi", "Cách sửa")


def summary(plan: Plan) -> str:
    parts = [f"{len(plan.inputs)} số liệu"]
    if plan.is_checklist:
        parts.append(f"{len(plan.indicators)} tiêu chí đối chiếu mục tiêu")
    else:
        parts.append(f"{len(plan.items)} tiêu chí chấm điểm")
    parts.append(f"{len(plan.groups)} nhóm")
    prizes = sum(len(ps.sequence()) for ps in plan.prize_sets)
    if prizes:
        parts.append(f"{prizes} giải")
    if plan.checks:
        parts.append(f"{len(plan.checks)} kiểm tra số liệu")
    return (f"Kế hoạch hợp lệ: {plan.id} (phiên bản {plan.version}) — {', '.join(parts)}.")


def _top(plan: Plan) -> float | None:
    """The largest total (points plans without a formula; checklist: the number of criteria)."""
    if plan.is_checklist:
        return float(len(plan.indicators))
    if plan.total is not None or any(i.max is None for i in plan.items if i.role != "deduction"):
        return None
    return sum(i.max or 0 for i in plan.items if i.role in ("score", "bonus"))


def maximum(plan: Plan) -> str:
    """The largest total in words."""
    if plan.is_checklist:
        return f"Số tiêu chí tối đa: {len(plan.indicators)}."
    score = sum(i.max or 0 for i in plan.items if i.role == "score")
    bonus = sum(i.max or 0 for i in plan.items if i.role == "bonus")
    deductions = [i for i in plan.items if i.role == "deduction"]
    if plan.total is not None:
        return (f"Tổng điểm tính theo công thức «{plan.total_text}»; điểm tối đa các tiêu chí "
                f"cộng: {format_number(score)}.")
    text = f"Tổng điểm tối đa {format_number(score + bonus)}"
    if bonus:
        text += f" = {format_number(score)} + {format_number(bonus)} điểm thưởng"
    if deductions:
        text += f" (trước khi trừ điểm ở {len(deductions)} mục điểm trừ)"
    return text + "."


def _bounds(node: ex.Node, name: str) -> list[tuple[str, float]]:
    """Lower bounds «name >= x» / «name > x» that the condition requires."""
    if isinstance(node, ex.Logic) and node.op == "and":
        return [b for item in node.items for b in _bounds(item, name)]
    if isinstance(node, ex.Cmp) and isinstance(node.left, ex.Name) and node.left.code == name \
            and isinstance(node.right, ex.Num) and node.op in (">=", ">", "=="):
        return [(node.op, node.right.value)]
    if isinstance(node, ex.Cmp) and isinstance(node.right, ex.Name) and node.right.code == name \
            and isinstance(node.left, ex.Num) and node.op in ("<=", "<"):
        return [({"<=": ">=", "<": ">"}[node.op], node.left.value)]
    return []


def warnings(plan: Plan) -> list[str]:
    out: list[str] = []
    top = _top(plan)
    name = MET_CODE if plan.is_checklist else TOTAL_CODE
    what = "số tiêu chí đạt" if plan.is_checklist else "tổng điểm"
    if top is not None:
        def unreachable(node: ex.Node) -> float | None:
            for op, x in _bounds(node, name):
                if x > top + 1e-9 or (op == ">" and x >= top - 1e-9):
                    return x
            return None

        for ps in plan.prize_sets:
            group = plan.group(ps.group).label if ps.group in {g.code for g in plan.groups} \
                else ps.group
            for prize in ps.prizes:
                x = unreachable(prize.condition) if prize.condition is not None else None
                if x is not None:
                    out.append(f"{prize.label} ({group}) không đơn vị nào đạt được: điều kiện "
                               f"«{prize.condition_text}» cần {what} {format_number(x)}, cao hơn "
                               f"mức tối đa {format_number(top)}.")
        for gate in plan.gates:
            x = unreachable(gate.condition)
            if x is not None:
                out.append(f"Điều kiện xét «{gate.text}» không đơn vị nào đạt được: {what} tối "
                           f"đa là {format_number(top)}.")
    if not plan.is_checklist and plan.total_max is not None and plan.total is not None:
        score = sum(i.max or 0 for i in plan.items if i.role == "score")
        if abs(score - plan.total_max) > 1e-9:
            out.append(f"Điểm tối đa các tiêu chí cộng là {format_number(score)}, khác điểm chuẩn "
                       f"{format_number(plan.total_max)} của kế hoạch: kiểm tra lại điểm tối đa "
                       "của từng tiêu chí.")
    if not plan.is_checklist and plan.classification is not None and top is not None:
        for band in plan.classification.bands:
            if band.lo is not None and band.lo > top + 1e-9:
                out.append(f"Mức xếp loại «{band.label}» (từ {format_number(band.lo)}) không đơn "
                           f"vị nào đạt được: {what} tối đa là {format_number(top)}.")
    return out


# ------------------------------------------------------------------ problems of a workbook
def error_rows(problems: list[Problem]) -> list[list]:
    """The «Lỗi» sheet: one row per problem (place, what, how to fix)."""
    rows = [list(ERROR_HEADERS)]
    for n, p in enumerate(problems, start=1):
        where = p.cell or (f"dòng {p.line}" if p.line else "")
        rows.append([n, p.sheet, where, p.message, p.hint])
    return rows


def marked_cells(problems: list[Problem]) -> dict[str, list[str]]:
    """Sheet → cells to highlight."""
    out: dict[str, list[str]] = {}
    for p in problems:
        if p.sheet and p.cell and p.cell not in out.setdefault(p.sheet, []):
            out[p.sheet].append(p.cell)
    return out


def mark_copy(source: str | Path, problems: list[Problem], out: str | Path) -> Path:
    """A copy of the plan workbook ``source`` with faulty cells highlighted and a «Lỗi» sheet."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from thidua import fileio
    from thidua.plan.form import ERRORS_SHEET

    source, out = Path(source), Path(out)
    tmp = out.with_name(out.name + ".tmp.xlsx")
    shutil.copyfile(source, tmp)
    try:
        wb = openpyxl.load_workbook(tmp)
        fill = PatternFill("solid", fgColor=FILL_ERROR)
        notes: dict[tuple[str, str], list[str]] = {}
        for p in problems:
            if p.sheet and p.cell:
                notes.setdefault((p.sheet, p.cell), []).append(
                    p.message + (f" — Cách sửa: {p.hint}" if p.hint else ""))
        for (sheet, cell), texts in notes.items():
            if sheet not in wb.sheetnames:
                continue
            c = wb[sheet][cell]
            c.fill = fill
            c.comment = Comment("\n".join(texts)[:1500], "thidua")
        if ERRORS_SHEET in wb.sheetnames:
            del wb[ERRORS_SHEET]
        ws = wb.create_sheet(ERRORS_SHEET, 0)
        for r, row in enumerate(error_rows(problems), start=1):
            for j, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=j, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if r == 1:
                    cell.font = Font(name="Calibri", bold=True)
            if r > 1 and row[1] and row[2] and row[1] in wb.sheetnames and row[2][:1].isalpha():
                ws.cell(row=r, column=3).hyperlink = f"#'{row[1]}'!{row[2]}"
        widths = (5, 16, 8, 70, 60)
        for letter, width in zip("ABCDE", widths):
            ws.column_dimensions[letter].width = width
        header = PatternFill("solid", fgColor="D9E1F2")
        for j in range(1, 6):
            ws.cell(row=1, column=j).fill = header
        for r in range(2, ws.max_row + 1):
            lines = max(max(1, -(-len(str(ws.cell(row=r, column=j).value or "")) // (w - 2)))
                        for j, w in ((4, widths[3]), (5, widths[4])))
            ws.row_dimensions[r].height = 15 * min(lines, 20) + 2
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        wb.active = 0
        for sheet in wb.worksheets:
            sheet.sheet_view.tabSelected = sheet.title == ERRORS_SHEET
        fileio.atomic_write(out, lambda p: wb.save(p))
    finally:
        tmp.unlink(missing_ok=True)
    return out


# ------------------------------------------------------------------ try
def try_lines(plan: Plan, data: str | Path, units: int = 5, year: int | None = None) -> list[str]:
    """Score the first ``units`` rows of ``data`` and explain each, criterion by criterion."""
    from thidua.engine import score
    from thidua.result import AMOUNT, ELIGIBLE, PRIZE_LABEL, REASONS
    from thidua.table import read_units

    table = read_units(data, plan)
    result = score(plan, table, year=year)
    frame, expl = result.frame, result.explanations
    codes = ([i.code for i in plan.indicators] if plan.is_checklist
             else [v.code for v in plan.values] + [i.code for i in plan.items])
    lines = [f"Chấm thử {min(units, len(frame))}/{len(frame)} đơn vị của «{Path(data).name}»:"]
    for i in range(min(units, len(frame))):
        row = frame.iloc[i]
        total = format_number(row[TOTAL_CODE])
        lines.append("")
        lines.append(f"• {row['ten_don_vi']} ({row['ma_don_vi']}): "
                     + (f"đạt {total}/{len(plan.indicators)} tiêu chí" if plan.is_checklist
                        else f"tổng điểm {total}"))
        for code in codes:
            if code in expl.columns:
                lines.append(f"    {plan.label_of(code)}: {expl[code].iloc[i]}")
        if TOTAL_CODE in expl.columns and not plan.is_checklist:
            lines.append(f"    Tổng điểm: {expl[TOTAL_CODE].iloc[i]}")
        shown = _class_label(plan, row)
        if shown:
            lines.append(f"    {plan.classification.label}: {shown}")
        if not row[ELIGIBLE]:
            lines.append(f"    Không đủ điều kiện xét: {'; '.join(row[REASONS])}")
        elif row[PRIZE_LABEL]:
            money = f" ({format_money(row[AMOUNT])})" if row[AMOUNT] else ""
            lines.append(f"    Khen thưởng: {row[PRIZE_LABEL]}{money}")
    return lines


def _class_label(plan: Plan, row) -> str:
    """The classification of a scored row, when the plan has one over a scored value."""
    cls = plan.classification
    if cls is None or not isinstance(cls.of, ex.Name) or cls.of.code not in row.index:
        return ""
    value = row[cls.of.code]
    if value != value:  # NaN: no data
        return ""
    for band in cls.bands:
        if (band.lo is None or value >= band.lo - ex.EPS) and \
                (band.hi is None or value < band.hi - ex.EPS):
            return band.label
    return ""
