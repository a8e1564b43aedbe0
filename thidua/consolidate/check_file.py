"""One returned file: whose it is, whether it can be used, and its figures as the master stores them.

Each function reads one :class:`~thidua.consolidate.reader.ReturnedFile` against the
plan, the master's units and the plan's template (a :class:`Context`) and adds what it
finds to ``ctx.issues`` as coded problems (codes in ``thidua.errors.CODES``):

* :func:`recognise` — the unit (hidden metadata, else the code or name typed on the
  sheet, in Unicode or a legacy encoding); a master, another plan or an unknown unit
  is refused;
* :func:`unusable` — the template is broken (input sheet deleted or emptied) or
  nothing is typed: refused before any figure is taken, so the unit's earlier figures stay;
* :func:`check_structure` — an older template version, a changed structure, formulas
  overwritten by values (allowing for inserted rows);
* :func:`uncomputed` — formulas saved without their result (the figure is unknown);
* :func:`values` — each figure read through the input's codec as the template reads it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thidua.codecs import CELL, ValueProblem, codec, shown
from thidua.consolidate.legacy import decode_tcvn3, decode_vni, detect_legacy_encoding
from thidua.consolidate.master_io import MasterData
from thidua.consolidate.reader import ReturnedFile
from thidua.errors import Problem
from thidua.plan.model import Plan
from thidua.text import fold, is_blank
from thidua.workbook import contract
from thidua.workbook.contract import appraisal_name

__all__ = ["TemplateFacts", "template_facts", "Context", "saved_at", "recognise", "unusable",
           "check_structure", "uncomputed", "values", "number_of"]


@dataclass(frozen=True)
class TemplateFacts:
    """What the checks compare a returned file with: the plan's template as the tool makes it."""

    fingerprint: str  # structure fingerprint stamped into every unit's copy
    named_cells: dict[str, str]  # defined name -> template cell (inputs, results…)
    formula_cells: tuple[str, ...]  # cells of the input sheet holding a formula

    def to_json(self) -> dict:
        return {"fingerprint": self.fingerprint, "named_cells": self.named_cells,
                "formula_cells": list(self.formula_cells)}

    @classmethod
    def from_json(cls, data: dict) -> "TemplateFacts":
        return cls(str(data["fingerprint"]), dict(data["named_cells"]),
                   tuple(data["formula_cells"]))


def template_facts(plan: Plan) -> TemplateFacts:
    """Build the plan's template (openpyxl) and take what the checks need from it."""
    from thidua.workbook.template import build_template

    wb, _ = build_template(plan)
    meta = {r[0]: r[1] for r in wb[contract.META_SHEET].iter_rows(values_only=True) if r and r[0]}
    layout = json.loads(meta.get(contract.LAYOUT) or "{}")
    named: dict[str, str] = {}
    for cells in layout.values():
        if isinstance(cells, dict):
            named.update({k: v for k, v in cells.items() if isinstance(v, str)})
    formulas = tuple(cell.coordinate for row in wb[contract.TEMPLATE_INPUT].iter_rows() for cell in row
                     if isinstance(cell.value, str) and cell.value.startswith("="))
    return TemplateFacts(str(meta[contract.FINGERPRINT]), named, formulas)


class Context:
    """The plan, the master's units and the template every returned file is checked against;
    the problems found so far."""

    def __init__(self, plan: Plan, master: MasterData, template: TemplateFacts):
        self.plan = plan
        self.master = master
        self.units = {u["ma_don_vi"]: u for u in master.units}
        self._by_name: dict[str, list[str]] | None = None
        self.template = template
        self.fingerprint = template.fingerprint
        self.named_cells = template.named_cells
        self.formulas = template.formula_cells
        self.issues: list[Problem] = []
        self._lost: dict[tuple, list[str]] = {}  # lost formulas by the shape of a file
        self.unit_index = None  # check_units.UnitIndex, built when a file name must be matched
        self.codecs = {inp.code: codec(inp) for inp in plan.inputs}  # one per input per run
        self._reads: dict[tuple, object] = {}  # (input, type, raw, percent) -> value or problem

    @property
    def by_name(self) -> dict[str, list[str]]:
        """Unit codes by folded name (for files recognised by the name typed on the sheet)."""
        if self._by_name is None:
            self._by_name = {}
            for u in self.master.units:
                self._by_name.setdefault(fold(str(u.get("ten_don_vi", ""))), []).append(
                    u["ma_don_vi"])
        return self._by_name

    def label(self, code: str) -> str:
        unit = self.units.get(code)
        return f"{code} — {unit.get('ten_don_vi', '')}" if unit else code

    def read(self, inp, raw, percent: bool):
        """``codec(inp).read(raw, mode=CELL, …)``, or the ValueProblem it raises; the same
        value in the same input is read once per run."""
        key = (inp.code, type(raw), raw, percent)
        try:
            return self._reads[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key
            key = None
        try:
            value = self.codecs[inp.code].read(raw, mode=CELL, percent_format=percent)
        except ValueProblem as bad:
            value = bad
        if key is not None and len(self._reads) < 200_000:
            self._reads[key] = value
        return value

    def add(self, code: str, message: str, **where) -> None:
        self.issues.append(Problem(message, code=code, **where))


def saved_at(returned: ReturnedFile) -> str:
    saved = getattr(returned, "saved_at", None) or returned.meta.get(contract.SAVED_AT)
    if saved:
        return str(saved)
    return dt.datetime.fromtimestamp(returned.mtime).strftime("%Y-%m-%dT%H:%M:%S")


def recognise(ctx: Context, rf: ReturnedFile, rel: str) -> str | None:
    """The unit a returned file belongs to, or None (with an issue) to reject it."""
    meta = rf.meta or {}
    plan = ctx.plan
    if meta.get(contract.KIND) == contract.KIND_MASTER:  # a copy of a master saved among the returned files
        ctx.add("bo_qua_so_tong_hop", "tệp này là một sổ tổng hợp (không phải tệp đơn vị gửi về) nên "
                "được bỏ qua — nên để sổ tổng hợp ở ngoài thư mục nhận về", file=rel)
        return None
    if meta.get(contract.KIND) == contract.KIND_TEMPLATE:
        if meta.get(contract.PLAN) != plan.id:
            ctx.add("sai_ke_hoach", f"tệp là mẫu của kế hoạch «{meta.get(contract.PLAN)}», không phải "
                    f"«{plan.id}» — gửi lại đơn vị đúng mẫu của kế hoạch này", file=rel)
            return None
        made_from = str(meta.get(contract.PLAN_FINGERPRINT) or "").strip()
        if made_from and plan.fingerprint and made_from != plan.fingerprint \
                and str(meta.get(contract.VERSION)) == str(plan.version):
            made_file = meta.get(contract.PLAN_FILE) or plan.id
            ctx.add("ke_hoach_thay_doi", f"mẫu được tạo từ kế hoạch «{made_file}» "
                    f"trước khi kế hoạch «{Path(plan.source).name or plan.id}» được sửa (cùng phiên "
                    f"bản {plan.version}) — số liệu vẫn được nhận theo mã chỉ tiêu; nếu thang điểm đã "
                    "đổi, tăng «Phiên bản» của kế hoạch và gửi lại mẫu mới cho đơn vị",
                    file=rel, unit=str(meta.get(contract.UNIT_CODE) or ""))
        unit = str(meta.get(contract.UNIT_CODE) or "").strip()
        if unit not in ctx.units:
            ctx.add("don_vi_khong_co", f"mã đơn vị «{unit}» trong tệp không có trong danh sách đơn vị "
                    "của sổ tổng hợp — thêm đơn vị vào danh sách hoặc kiểm tra tệp", file=rel, unit=unit)
            return None
        return unit
    typed = rf.typed_unit or {}
    code, name = str(typed.get("ma_don_vi") or "").strip(), str(typed.get("ten_don_vi") or "").strip()
    legacy = detect_legacy_encoding(name) if name else None
    if legacy:  # read the name as it was meant, and say so (never a silent mismatch)
        meant = decode_tcvn3(name) if legacy == "TCVN3" else decode_vni(name)
    else:
        meant = name
    unit = None
    if code in ctx.units:
        unit = code
    elif meant and len(ctx.by_name.get(fold(meant), [])) == 1:
        unit = ctx.by_name[fold(meant)][0]
    if legacy:
        ctx.add("ma_hoa_cu", f"tên đơn vị «{name}» được gõ bằng bảng mã {legacy} (đọc ra «{meant}»), "
                "không phải Unicode — đề nghị đơn vị gõ lại bằng Unicode (Unikey, bảng mã Unicode)",
                file=rel, unit=ctx.label(unit) if unit else "", sheet=rf.input_sheet or "")
    if unit is None or not rf.cells:
        ctx.add("khong_phai_mau", "bảng tính không có dữ liệu nhận diện của mẫu thi đua và không nhận ra "
                "mã/tên đơn vị — đề nghị đơn vị dùng đúng tệp mẫu đã gửi", file=rel)
        return None
    ctx.add("khop_theo_ten", f"tệp không còn dữ liệu ẩn của mẫu; nhận là của đơn vị {ctx.label(unit)} "
            "theo mã/tên ghi trên trang — kiểm tra lại", file=rel, unit=ctx.label(unit),
            sheet=rf.input_sheet or "")
    return unit


def check_structure(ctx: Context, rf: ReturnedFile, rel: str, unit: str) -> None:
    meta = rf.meta or {}
    version = meta.get(contract.VERSION)
    try:
        older = version is not None and int(version) < ctx.plan.version
    except (TypeError, ValueError):
        older = False
    if older:
        ctx.add("mau_cu", f"mẫu phiên bản {version}, kế hoạch hiện là phiên bản {ctx.plan.version} — "
                "số liệu vẫn được nhận theo mã chỉ tiêu; nên gửi đơn vị mẫu mới", file=rel,
                unit=ctx.label(unit))
    elif meta.get(contract.FINGERPRINT) and meta.get(contract.FINGERPRINT) != ctx.fingerprint:
        ctx.add("cau_truc_thay_doi", "dấu vân tay cấu trúc của mẫu không khớp (trang, công thức hoặc tên ô "
                "đã bị sửa) — số liệu vẫn được đọc theo tên ô; kiểm tra lại tệp", file=rel,
                unit=ctx.label(unit), sheet=rf.input_sheet or "")
    if rf.formulas is not None and rf.kind in ("xlsx", "xlsm") and rf.meta:
        lost = _lost_formulas(ctx, rf)
        if lost:
            shown = ", ".join(lost[:8]) + ("…" if len(lost) > 8 else "")
            ctx.add("cau_truc_thay_doi", f"{len(lost)} ô công thức bị ghi đè bằng giá trị ({shown}) — "
                    "công cụ tự tính lại điểm nên số liệu vẫn dùng được; nhắc đơn vị không sửa ô công thức",
                    file=rel, unit=ctx.label(unit), sheet=rf.input_sheet or "", cell=lost[0])


def _cell_pos(ref: str) -> tuple[int, str] | None:
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})", ref or "")
    return (int(m.group(2)), m.group(1).upper()) if m else None


def _lost_formulas(ctx: Context, rf: ReturnedFile) -> list[str]:
    """:func:`_find_lost_formulas`, once per shape of file (most files share one)."""
    key = (rf.input_sheet, frozenset(rf.formulas),
           tuple(rf.names.get(code) for code in ctx.named_cells))
    lost = ctx._lost.get(key)
    if lost is None:
        lost = ctx._lost[key] = _find_lost_formulas(ctx, rf)
    return lost


def _find_lost_formulas(ctx: Context, rf: ReturnedFile) -> list[str]:
    """Template formula cells the returned input sheet no longer has a formula in.

    Rows a unit inserts (or deletes) move the formulas below them, in Excel as
    in LibreOffice, and the defined names of the template's cells (inputs,
    results) move with them. So each template row may have moved by as much as
    the named cells around it moved: a formula is lost only if no formula is
    found in its column anywhere in that range. Returned as the cells where the
    formulas should now be.
    """
    present: dict[str, set[int]] = {}
    for ref in rf.formulas:
        pos = _cell_pos(ref)
        if pos:
            present.setdefault(pos[1], set()).add(pos[0])
    moved: dict[int, int] = {}  # template row -> rows it moved by (from the named input cells)
    for code, cell in ctx.named_cells.items():
        target = rf.names.get(code)
        old = _cell_pos(cell)
        new = _cell_pos(target[1]) if target and target[0] == rf.input_sheet else None
        if old and new and old[1] == new[1]:
            moved[old[0]] = new[0] - old[0]
    anchors = sorted(moved.items())
    last_template = max((p[0] for p in map(_cell_pos, ctx.formulas) if p), default=0)
    last_returned = max((max(rows) for rows in present.values()), default=0)
    lost = []
    for ref in ctx.formulas:
        pos = _cell_pos(ref)
        if pos is None:
            continue
        row, col = pos
        before = [d for r, d in anchors if r <= row]
        after = [d for r, d in anchors if r >= row]
        low = before[-1] if before else 0
        high = after[0] if after else max(low, last_returned - last_template)
        low, high = min(low, high), max(low, high)
        rows = present.get(col, set())
        if not any(row + d in rows for d in range(low, high + 1)):
            lost.append(f"{col}{row + low}")
    return lost


def unusable(ctx: Context, rf: ReturnedFile, rel: str, unit: str) -> bool:
    """Refuse (with its code) a file that cannot be read as the template: True if refused.

    Decided before any value is taken, so such a file never replaces the
    unit's earlier figures with blanks: the input sheet deleted (or every
    input cell lost), the input sheet emptied (values and formulas gone), or
    nothing typed at all.
    """
    plan = ctx.plan
    where = dict(file=rel, unit=ctx.label(unit))
    inputs = [inp for inp in plan.inputs if not inp.office_only]  # what a unit types
    located = [inp.code for inp in inputs if inp.code in rf.cells]
    resend = ("đề nghị đơn vị điền lại vào tệp mẫu đã gửi (không xóa hay đổi tên trang, không xóa "
              "ô) rồi gửi lại; số liệu đã có của đơn vị trong sổ được giữ nguyên")
    if rf.input_sheet is None or not located:
        gone = ("không còn trang «Nhập liệu» (trang bị xóa)" if rf.input_sheet is None else
                f"trang «{rf.input_sheet}» không còn ô nhập liệu nào của mẫu (tên ô và bố cục bị mất)")
        ctx.add("mau_bi_hong", f"tệp có dữ liệu nhận diện của mẫu nhưng {gone}, nên không đọc được "
                "số liệu", hint=resend, sheet=rf.input_sheet or "", **where)
        return True
    filled = [c for c in located if not is_blank(rf.cells.get(c)) or c in rf.uncomputed]
    special = bool(plan.manual_total) and not is_blank(ctx.units.get(unit, {}).get(plan.manual_total))
    if filled or special:  # a unit whose total the office enters may send nothing else
        return False
    if rf.kind in ("xlsx", "xlsm") and ctx.formulas and not rf.formulas:
        ctx.add("mau_bi_hong", f"trang «{rf.input_sheet}» bị xóa trắng: không còn số liệu và cũng "
                "không còn công thức nào của mẫu", hint=resend, sheet=rf.input_sheet, **where)
        return True
    if any(inp.required and inp.default is None for inp in inputs):
        ctx.add("chua_nhap_so_lieu", f"trang «{rf.input_sheet}» chưa nhập số liệu nào (có thể đơn vị "
                "gửi nhầm tệp mẫu trống)", hint=resend.replace("điền lại vào", "điền vào"),
                sheet=rf.input_sheet, **where)
        return True
    return False


_NO_CODES: frozenset[str] = frozenset()


def uncomputed(ctx: Context, rf: ReturnedFile, rel: str, unit: str) -> frozenset[str]:
    """Report input cells holding a formula saved without its result; their codes (the empty
    frozenset, one object, for almost every file).

    The figure is unknown, not blank: the master keeps whatever it had for it.
    """
    codes = frozenset(inp.code for inp in ctx.plan.inputs if inp.code in rf.uncomputed) or _NO_CODES
    for inp in ctx.plan.inputs:
        if inp.code not in codes:
            continue
        sheet, cell = rf.names.get(inp.code, (rf.input_sheet or "", ""))
        formula = rf.formulas.get(cell, "") if sheet == rf.input_sheet else ""
        shown = f" ({formula})" if formula and len(formula) <= 60 else ""
        ctx.add("cong_thuc_chua_tinh", f"«{inp.label}»: ô chứa công thức{shown} nhưng tệp được lưu "
                "mà chưa có kết quả tính (thường do tệp được tạo hoặc sửa bằng phần mềm khác Excel) — "
                "giá trị này chưa được nhận, giá trị cũ trong sổ (nếu có) được giữ nguyên",
                hint="mở tệp bằng Excel rồi lưu lại (Excel tính công thức khi lưu), hoặc gõ thẳng con "
                     "số vào ô, rồi gửi lại", file=rel, unit=ctx.label(unit), sheet=sheet, cell=cell)
    return codes


def values(ctx: Context, rf: ReturnedFile, rel: str, unit: str) -> tuple[dict, dict]:
    """The unit's figures as the master stores them, and as scored (numbers).

    Cells are read exactly as the template's own formulas read them
    (``codecs``, ``CELL``), so the office scores what the unit saw. Office-only
    cells (appraisals, a special unit's hand-entered total) are never taken from
    a unit's file: a value typed there is reported and ignored.
    """
    plan = ctx.plan
    values: dict[str, object] = {}
    scored: dict[str, float] = {}
    record = ctx.units.get(unit, {})
    special = bool(plan.manual_total) and not is_blank(record.get(plan.manual_total))
    label = ctx.label(unit)
    percent = getattr(rf, "percent", ())
    for inp in plan.inputs:
        if inp.code in rf.uncomputed:  # reported by _uncomputed; the master keeps its figure
            continue
        raw = rf.cells.get(inp.code)

        def where(code: str = inp.code) -> dict:
            sheet, cell = rf.names.get(code, (rf.input_sheet or "", ""))
            return dict(file=rel, unit=label, sheet=sheet, cell=cell)

        if inp.office_only:
            if not is_blank(raw):
                ctx.add("o_cua_co_quan", f"đơn vị tự ghi «{inp.label}» = «{shown(raw)}» — ô này do "
                        "cơ quan thẩm định nhập nên giá trị bị bỏ qua", **where())
            continue
        if is_blank(raw):
            if inp.default is None and inp.required and not special:
                ctx.add("thieu_gia_tri", f"chưa nhập «{inp.label}» — đề nghị đơn vị bổ sung", **where())
            continue
        value = ctx.read(inp, raw, inp.code in percent)
        if isinstance(value, ValueProblem):
            ctx.issues.append(Problem(f"«{inp.label}»: {value.message}", code=value.code,
                                      hint=value.hint, **where()))
            continue
        values[inp.code] = ctx.codecs[inp.code].cell_value(value)
        scored[inp.code] = value
    if plan.self_scored:
        for inp in plan.inputs:
            key = appraisal_name(inp.code)
            raw = rf.cells.get(key)
            if not is_blank(raw):
                sheet, cell = rf.names.get(key, (rf.input_sheet or "", ""))
                ctx.add("o_cua_co_quan", f"đơn vị tự ghi vào cột thẩm định của «{inp.label}» "
                        f"(«{shown(raw)}») — cột này do cơ quan thẩm định ghi nên giá trị bị bỏ qua",
                        file=rel, unit=ctx.label(unit), sheet=sheet, cell=cell)
    return values, scored


def number_of(raw, inp) -> float:
    try:
        return codec(inp).read(raw)
    except ValueProblem:
        return np.nan
