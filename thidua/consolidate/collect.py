"""Consolidate returned unit workbooks into the office's master.

take the master's write lock → read every file (safely, on every core) →
recognise it (hidden metadata, or the unit code/name typed on the sheet) →
check it (plan, version, structure, is it still a usable template at all,
values) → keep the newest submission per unit → rebuild the master with the
new figures, keeping what the office typed (appraisals, notes, settings) →
back up the old master → put the new one and the CSV report in place together,
with the report and the receipt log inside. A bad file never stops the others;
nothing is lost:

* a file that cannot be read as the template (input sheet deleted or emptied,
  nothing typed) is refused with its code, and the unit's earlier figures stay;
* a formula saved without its computed value is reported as such, and the
  figure it stands for is not erased;
* two files of one unit saved in the same second with different figures are
  both refused (no silent pick);
* PDFs, pictures, Word files are listed with the unit guessed from the file
  name; the master itself, its backups and other masters in the folder are skipped.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import openpyxl

from thidua import fileio
from thidua.consolidate.legacy import decode_tcvn3, decode_vni, detect_legacy_encoding
from thidua.consolidate.master_io import MasterData, read_master
from thidua.consolidate.reader import Limits, ReadFailure, ReturnedFile, read_returned
from thidua.consolidate.report import ERROR, INFO, WARNING, count, sort_key, write_csv_into
from thidua.errors import Problem
from thidua.codecs import CELL, ValueProblem, codec, shown
from thidua.lock import write_lock
from thidua.plan.model import Plan
from thidua.text import fold, format_number, is_blank
from thidua.workbook import contract
from thidua.workbook.contract import appraisal_name
from thidua.workbook.master import CHANGED
from thidua.workbook.master import build_master_and_layout
from thidua.workbook.template import build_template

EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
#: Spreadsheet formats the reader refuses with its own advice (saved in the wrong format).
OTHER_SPREADSHEETS = {".xlsb", ".csv"}
#: Files units attach instead of (or beside) their spreadsheet: what each is, in words.
ATTACHMENTS = {
    ".pdf": "tệp PDF", ".doc": "văn bản Word", ".docx": "văn bản Word", ".odt": "văn bản",
    ".rtf": "văn bản", ".jpg": "ảnh", ".jpeg": "ảnh", ".png": "ảnh", ".gif": "ảnh", ".bmp": "ảnh",
    ".tif": "ảnh", ".tiff": "ảnh", ".heic": "ảnh", ".webp": "ảnh", ".zip": "tệp nén",
    ".rar": "tệp nén", ".7z": "tệp nén"}
SHEET_REPORT = contract.REPORT_SHEET
SHEET_LOG = "Nhật ký nhận"
LOG_COLUMNS = ["Tệp", "SHA-256", "Đơn vị", "Thời điểm nhận", "Lưu lúc", "Phiên bản mẫu", "Sử dụng"]
IN_USE = "đang dùng"


@dataclass
class Submission:
    file: ReturnedFile
    rel: str  # path relative to the folder
    unit: str
    values: dict[str, object]  # input code -> value as the master stores it (number, Có/Không, label)
    saved_at: str  # ISO time the unit saved the file (inside the file), else the file's time
    version: object = None
    used: bool = False
    scored: dict[str, float] = field(default_factory=dict)  # input code -> number as scored
    changed: list[str] = field(default_factory=list)  # inputs re-sent after the office appraised
    keep: set[str] = field(default_factory=set)  # codes whose figure in the master stays as it is
    status: str = ""  # why it is not used, for the receipt log


@dataclass
class Outcome:
    received: int = 0
    accepted: list[Submission] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    issues: list[Problem] = field(default_factory=list)
    changed: bool = False
    backup: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # reading / checking / writing
    attachments: list[str] = field(default_factory=list)  # PDFs, pictures… (not read)
    skipped: list[str] = field(default_factory=list)  # masters and their backups in the folder
    notices: list[Problem] = field(default_factory=list)  # the lock's (a crashed run cleaned up…)
    written: list[Path] = field(default_factory=list)  # files put in place (master, report)

    def summary(self) -> str:
        errors, warnings = count(self.issues, ERROR), count(self.issues, WARNING)
        used = sum(1 for s in self.accepted if s.used)
        unused = [s for s in self.accepted if not s.used]
        conflicts = sum(1 for s in unused if s.status == _CONFLICT)
        extra = f", {conflicts} trùng thời điểm lưu (không dùng)" if conflicts else ""
        attached = (f"; {len(self.attachments)} tệp không phải bảng tính (PDF, ảnh…)"
                    if self.attachments else "")
        return (f"Nhận {self.received} tệp: {used} được dùng, "
                f"{len(unused) - conflicts} trùng đơn vị (không dùng){extra}, "
                f"{len(self.rejected)} bị loại{attached}; "
                f"{len(self.missing)} đơn vị chưa gửi; {errors} lỗi, {warnings} cảnh báo.")


def find_returned(folder: str | Path, *, master: str | Path | None = None,
                  kinds: set[str] | frozenset[str] = frozenset(EXTENSIONS | OTHER_SPREADSHEETS),
                  problems: list[Problem] | None = None) -> list[Path]:
    """Files under ``folder`` (recursively) with a suffix in ``kinds``.

    Skipped: Excel/LibreOffice lock files (``~$…``, ``.~lock…#``), our temporary
    and lock files (``.~…``), backups (``….bak-…``) and ``master`` itself. A
    sub-folder that cannot be read is not skipped silently: it is added to
    ``problems`` (when given).
    """
    skip = None
    if master is not None:
        try:
            skip = Path(master).resolve()
        except OSError:
            skip = None

    def unreadable(exc: OSError) -> None:
        if problems is not None:
            problem = fileio.os_problem(exc, action="đọc")
            problems.append(problem.with_place(message=problem.message.replace(
                "không đọc được", "không đọc được thư mục", 1) + " — các tệp trong đó chưa được tổng hợp"))

    found, seen = [], set()
    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:  # a link back up the tree
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".~"))  # our staging folders
        found += [Path(root, name) for name in files]
    out = []
    for path in sorted(found):
        name = path.name
        if (path.suffix.lower() not in kinds or name.startswith("~$")
                or name.startswith(".~") or ".bak-" in name or not path.is_file()):
            continue
        if skip is not None and path.resolve() == skip:
            continue
        out.append(path)
    return out


def guess_unit(units: dict[str, dict], file_name: str) -> str | None:
    """The one unit a file name points at (its code, else its name as a whole phrase), or None.

    «XA02-xa-tam-xuan-i.pdf», «Bao cao Xa Tam Xuan I.pdf» → XA02; «Tam Xuân I» does
    not match «Tam Xuân II». Codes win over names; two candidates give None.
    """
    key = " " + re.sub(r"[^a-z0-9]+", " ", fold(Path(file_name).stem)) + " "
    by_code = [c for c in units if f" {re.sub(r'[^a-z0-9]+', ' ', fold(c)).strip()} " in key]
    if len(by_code) == 1:
        return by_code[0]
    by_name = []
    for code, unit in units.items():
        name = re.sub(r"[^a-z0-9]+", " ", fold(str(unit.get("ten_don_vi") or ""))).strip()
        if name and f" {name} " in key:
            by_name.append((len(name), code))
    if by_name:
        longest = max(n for n, _ in by_name)
        best = [c for n, c in by_name if n == longest]
        if len(best) == 1:
            return best[0]
    return None


def _read_one(args: tuple[str, Limits]):
    path, limits = args
    try:
        return read_returned(path, limits=limits)
    except ReadFailure as failure:
        return failure


def read_all(paths: list[Path], limits: Limits, *, workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> list:
    """``read_returned`` on every path (in order), on every core for many files."""
    jobs = [(str(p), limits) for p in paths]
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(jobs) >= 64 else 1
    results = []
    if workers <= 1:
        for i, job in enumerate(jobs, start=1):
            results.append(_read_one(job))
            if progress:
                progress(i, len(jobs))
        return results
    with ProcessPoolExecutor(workers) as pool:
        for i, result in enumerate(pool.map(_read_one, jobs, chunksize=16), start=1):
            results.append(result)
            if progress:
                progress(i, len(jobs))
    return results


def progress_bar(stream=None) -> Callable[[int, int], None]:
    stream = stream or sys.stderr
    state = {"last": -1}

    def show(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent == state["last"] and done != total:
            return
        state["last"] = percent
        bar = "#" * (percent // 4) + "." * (25 - percent // 4)
        end = "\n" if done == total else ""
        if stream.isatty():
            stream.write(f"\rĐang đọc tệp: {done}/{total} [{bar}] {percent}%{end}")
        elif percent % 10 == 0 or done == total:
            stream.write(f"Đang đọc tệp: {done}/{total} [{bar}] {percent}%\n")
        stream.flush()

    return show


# ------------------------------------------------------------------ values
# ------------------------------------------------------------------ consolidation
class _Context:
    def __init__(self, plan: Plan, master: MasterData, folder: Path):
        self.plan = plan
        self.master = master
        self.folder = folder
        self.units = {u["ma_don_vi"]: u for u in master.units}
        self.by_name = {}
        for u in master.units:
            self.by_name.setdefault(fold(str(u.get("ten_don_vi", ""))), []).append(u["ma_don_vi"])
        wb, _ = build_template(plan)
        meta = {r[0]: r[1] for r in wb[contract.META_SHEET].iter_rows(values_only=True) if r and r[0]}
        self.fingerprint = meta[contract.FINGERPRINT]  # as stamped into every unit's copy
        layout = json.loads(meta.get(contract.LAYOUT) or "{}")
        self.named_cells: dict[str, str] = {}  # defined name -> template cell (inputs, results…)
        for cells in layout.values():
            if isinstance(cells, dict):
                self.named_cells.update({k: v for k, v in cells.items() if isinstance(v, str)})
        self.formulas = {}
        ws = wb[contract.TEMPLATE_INPUT]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    self.formulas[cell.coordinate] = cell.value
        self.issues: list[Problem] = []

    def label(self, code: str) -> str:
        unit = self.units.get(code)
        return f"{code} — {unit.get('ten_don_vi', '')}" if unit else code

    def add(self, code: str, message: str, **where) -> None:
        self.issues.append(Problem(message, code=code, **where))


def _saved_at(returned: ReturnedFile) -> str:
    saved = getattr(returned, "saved_at", None) or returned.meta.get(contract.SAVED_AT)
    if saved:
        return str(saved)
    return dt.datetime.fromtimestamp(returned.mtime).strftime("%Y-%m-%dT%H:%M:%S")


def _recognise(ctx: _Context, rf: ReturnedFile, rel: str) -> str | None:
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


def _check_structure(ctx: _Context, rf: ReturnedFile, rel: str, unit: str) -> None:
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


def _lost_formulas(ctx: _Context, rf: ReturnedFile) -> list[str]:
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


def _unusable(ctx: _Context, rf: ReturnedFile, rel: str, unit: str) -> bool:
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


def _uncomputed(ctx: _Context, rf: ReturnedFile, rel: str, unit: str) -> set[str]:
    """Report input cells holding a formula saved without its result; their codes.

    The figure is unknown, not blank: the master keeps whatever it had for it.
    """
    codes = {inp.code for inp in ctx.plan.inputs if inp.code in rf.uncomputed}
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


def _values(ctx: _Context, rf: ReturnedFile, rel: str, unit: str) -> tuple[dict, dict]:
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
    for inp in plan.inputs:
        if inp.code in rf.uncomputed:  # reported by _uncomputed; the master keeps its figure
            continue
        raw = rf.cells.get(inp.code)
        sheet, cell = rf.names.get(inp.code, (rf.input_sheet or "", ""))
        where = dict(file=rel, unit=ctx.label(unit), sheet=sheet, cell=cell)
        cdc = codec(inp)
        if inp.office_only:
            if not is_blank(raw):
                ctx.add("o_cua_co_quan", f"đơn vị tự ghi «{inp.label}» = «{shown(raw)}» — ô này do "
                        "cơ quan thẩm định nhập nên giá trị bị bỏ qua", **where)
            continue
        if is_blank(raw):
            if inp.default is None and inp.required and not special:
                ctx.add("thieu_gia_tri", f"chưa nhập «{inp.label}» — đề nghị đơn vị bổ sung", **where)
            continue
        try:
            value = cdc.read(raw, mode=CELL, percent_format=inp.code in getattr(rf, "percent", ()))
        except ValueProblem as bad:
            ctx.issues.append(Problem(f"«{inp.label}»: {bad.message}", code=bad.code,
                                      hint=bad.hint, **where))
            continue
        values[inp.code] = cdc.cell_value(value)
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


def _check_figures(ctx: _Context, subs: list["Submission"]) -> None:
    """Report every file whose figures break one of the plan's consistency checks."""
    from thidua.program.compile import compile_plan, run

    plan = ctx.plan
    if not plan.checks or not subs:
        return
    program = compile_plan(plan)
    inputs = {inp.code: np.array([s.scored.get(inp.code, np.nan) for s in subs], dtype=float)
              for inp in plan.inputs}
    for inp in plan.inputs:  # office-only figures come from the master
        if inp.office_only:
            inputs[inp.code] = np.array([_number(ctx.units.get(s.unit, {}).get(inp.code), inp)
                                         for s in subs], dtype=float)
    levels = [str(ctx.units.get(s.unit, {}).get("cap") or "") for s in subs]
    groups = [str(ctx.units.get(s.unit, {}).get("nhom") or "") for s in subs]
    scope = run(program, inputs, levels, groups, ctx.master.year)
    for cell in program.of_kind("check"):
        cond = scope.values[cell.code]
        for k in np.flatnonzero(~np.isnan(cond) & (cond == 0)):
            s = subs[k]
            first = cell.source.inputs[0] if cell.source.inputs else ""
            sheet, where = s.file.names.get(first, (s.file.input_sheet or "", ""))
            figures = "; ".join(f"«{plan.input(c).label}» = {format_number(s.scored[c])}"
                                for c in cell.source.inputs if c in s.scored)
            ctx.add("so_lieu_mau_thuan", f"{cell.source.message} ({figures}) — số liệu này không "
                    "thể đúng nên đơn vị không được xếp hạng, xét khen thưởng cho tới khi sửa",
                    file=s.rel, unit=ctx.label(s.unit), sheet=sheet, cell=where)


def _number(raw, inp) -> float:
    try:
        return codec(inp).read(raw)
    except ValueProblem:
        return np.nan


def consolidate(plan: Plan, folder: str | Path, master_path: str | Path, *,
                report_csv: str | Path | None = None, limits: Limits | None = None,
                workers: int | None = None, progress: Callable[[int, int], None] | None = None,
                now: dt.datetime | None = None, period: str | None = None,
                backup: bool = True, force: bool = False) -> Outcome:
    """Read every returned file under ``folder`` into the master at ``master_path``.

    The master's write lock is held from reading it to writing it (another
    writer waits, then is refused; a master open in Excel or LibreOffice is
    refused unless ``force``). Every output is checked writable before any
    work, then prepared as a temporary file; the new master and the CSV report
    are put in place together at the end. ``backup=False`` skips the dated copy
    of the old master (for files the tool regenerates itself); ``now`` fixed
    makes the written master reproducible.
    """
    folder, master_path = Path(folder), Path(master_path)
    if not master_path.is_file():
        read_master(master_path, plan)  # its own message: not found, not a master…
    with write_lock(master_path, force=force) as lock:
        master = read_master(master_path, plan)
        fileio.check_writable(master_path, what="sổ tổng hợp")
        if report_csv:
            fileio.check_writable(report_csv, what="báo cáo")
        out = _collect(plan, master, folder, limits, workers, progress)
        import time
        clock = time.perf_counter()
        with fileio.Outputs(backup=backup, now=now) as outputs:
            out.changed, _ = rewrite_master(plan, master, _merged_units(plan, master, out), out.issues,
                                            log_rows=_log_rows(master_path, out), period=period,
                                            now=now, backup=backup, outputs=outputs)
            if report_csv:
                outputs.write(report_csv, lambda tmp: write_csv_into(out.issues, tmp), backup=False)
            out.written = outputs.commit()
        out.backup = outputs.backups.get(master_path)
        out.seconds["ghi_so"] = time.perf_counter() - clock
    out.notices = lock.notices
    return out


def _collect(plan: Plan, master: MasterData, folder: Path, limits: Limits | None,
             workers: int | None, progress: Callable[[int, int], None] | None) -> Outcome:
    """Read, recognise and check every file of ``folder``; pick one file per unit."""
    import time
    ctx = _Context(plan, master, folder)
    clock = time.perf_counter()
    paths = find_returned(folder, master=master.path, problems=ctx.issues)
    attachments = find_returned(folder, master=master.path, kinds=frozenset(ATTACHMENTS))
    results = read_all(paths, limits or Limits(), workers=workers, progress=progress)
    out = Outcome()
    out.seconds["doc"] = time.perf_counter() - clock
    clock = time.perf_counter()
    refused: dict[str, list[str]] = {}  # unit -> its files that could not be used
    for path, result in zip(paths, results):
        rel = str(path.relative_to(folder))
        if isinstance(result, ReadFailure):  # the reader's own code is kept
            guessed = guess_unit(ctx.units, path.name)
            ctx.issues.append(result.problem.with_place(file=rel, unit=ctx.label(guessed) if guessed
                                                        else ""))
            out.rejected.append(rel)
            if guessed:
                refused.setdefault(guessed, []).append(rel)
            continue
        unit = _recognise(ctx, result, rel)
        if unit is None:
            if (result.meta or {}).get(contract.KIND) == contract.KIND_MASTER:
                out.skipped.append(rel)
            else:
                out.rejected.append(rel)
            continue
        if _unusable(ctx, result, rel, unit):
            out.rejected.append(rel)
            refused.setdefault(unit, []).append(rel)
            continue
        _check_structure(ctx, result, rel, unit)
        keep = _uncomputed(ctx, result, rel, unit)
        values, scored = _values(ctx, result, rel, unit)
        out.accepted.append(Submission(result, rel, unit, values, _saved_at(result),
                                       (result.meta or {}).get(contract.VERSION), scored=scored,
                                       keep=keep))
    out.received = len(paths) - len(out.skipped)
    _pick_newest(ctx, out)
    _check_figures(ctx, [s for s in out.accepted if s.used])
    _changed_after_appraisal(ctx, [s for s in out.accepted if s.used])
    attached = _attachments(ctx, out, attachments, folder)
    out.missing = [code for code in ctx.units if not any(s.used and s.unit == code for s in out.accepted)]
    _report_missing(ctx, out, refused, attached)
    out.issues = sorted(ctx.issues, key=sort_key)
    out.seconds["kiem_tra"] = time.perf_counter() - clock
    return out


def rewrite_master(plan: Plan, master: MasterData, units: list[dict], issues: list[Problem], *,
                   log_rows: list[list] | None = None, period: str | None = None,
                   now: dt.datetime | None = None, backup: bool = True,
                   outputs: fileio.Outputs | None = None) -> tuple[bool, Path | None]:
    """Rebuild the master with ``units`` (figures, appraisals, notes), the report and the log.

    What the office typed on rebuilt sheets is carried over; nothing is written
    when the content is unchanged; otherwise the old file is backed up first and
    the new one replaces it atomically. With ``outputs`` the new master is only
    prepared there (the caller commits it with its other outputs; the backup is
    then in ``outputs.backups``). Returns (changed, backup path).
    """
    path = master.path
    wb, layout = build_master_and_layout(plan, units, year=master.year, config=master.config)
    rebuilt = [s for s in (layout.trend_sheet, layout.tasks_sheet) if s]
    if rebuilt:
        try:
            old = openpyxl.load_workbook(path, read_only=True)
        except Exception:  # noqa: BLE001 - an unreadable old master is replaced (after a backup)
            old = None
        _carry_over(old, wb, rebuilt)
    if period:
        _record_period(plan, wb, layout, units, period, master.year)
    _report_sheet(wb, issues)
    _log_sheet(wb, log_rows if log_rows is not None else _old_log_rows(path))
    # A digest of everything a person sees or types is kept in the hidden sheet, so a
    # re-run can tell «nothing changed» without loading the old master again.
    digest = _digest(wb)
    wb[contract.META_SHEET].append([contract.CONTENT, digest])
    if master.meta.get(contract.CONTENT) == digest:
        return False, None
    if outputs is not None:
        _stage(wb, outputs.file(path, backup=backup), now)
        return True, None
    with fileio.Outputs(backup=backup, now=now) as own:
        _stage(wb, own.file(path), now)
        own.commit()
    return True, own.backups.get(path)


def _stage(wb, tmp: Path, now: dt.datetime | None) -> None:
    """Save the master into the temporary file ``tmp`` (reproducibly with ``now``)."""
    from thidua.output.results_xlsx import exact_floats

    with exact_floats():
        wb.save(tmp)
    if now is not None:
        fileio.make_reproducible(tmp, now)


_CONFLICT = "không dùng — trùng thời điểm lưu với tệp khác của đơn vị, số liệu khác nhau"
_OLDER = "không dùng — trùng đơn vị, có tệp mới hơn"
_SAME = "không dùng — trùng đơn vị, cùng số liệu với tệp đang dùng"


def _second(saved_at: object) -> str:
    """A save time to the second, whatever way it was written («…Z», space or «T»)."""
    return str(saved_at).strip().replace(" ", "T").rstrip("Z")[:19]


def _shown_time(saved_at: object) -> str:
    """«2024-01-31T15:45:00Z» → «15:45:00 ngày 31/01/2024» (as written when not a time)."""
    try:
        when = dt.datetime.fromisoformat(_second(saved_at))
    except ValueError:
        return str(saved_at)
    return f"{when:%H:%M:%S} ngày {when:%d/%m/%Y}"


def _pick_newest(ctx: _Context, out: Outcome) -> None:
    """One file per unit: the last saved. Files saved in the same second with different
    figures are both refused: nothing tells which is the final one."""
    by_unit: dict[str, list[Submission]] = {}
    for s in out.accepted:
        by_unit.setdefault(s.unit, []).append(s)
    for unit, subs in by_unit.items():
        subs.sort(key=lambda s: (_second(s.saved_at), s.file.mtime, s.rel), reverse=True)
        top, label = subs[0], ctx.label(unit)
        tied = [s for s in subs if _second(s.saved_at) == _second(top.saved_at)]
        if any((s.values, s.keep) != (top.values, top.keep) for s in tied[1:]):
            names = ", ".join(f"«{s.rel}»" for s in tied)
            for s in tied:
                s.status = _CONFLICT
                ctx.add("trung_thoi_diem", f"đơn vị {label} có {len(tied)} tệp lưu cùng một lúc "
                        f"({_shown_time(s.saved_at)}) nhưng số liệu khác nhau: {names} — không dùng "
                        "tệp nào vì không biết bản nào là bản cuối",
                        hint="hỏi đơn vị bản nào đúng, chuyển tệp còn lại ra khỏi thư mục nhận về "
                             "rồi chạy lại", file=s.rel, unit=label)
            for other in subs[len(tied):]:
                other.status = _OLDER
            continue
        top.used = True
        for other in subs[1:]:
            if other in tied:
                other.status = _SAME
                ctx.add("trung_don_vi", f"đơn vị {label} gửi {len(subs)} tệp: tệp này lưu cùng lúc "
                        f"({_shown_time(other.saved_at)}) và có cùng số liệu với «{top.rel}» (tệp "
                        "được dùng) — đây là bản thừa, có thể xóa khỏi thư mục nhận về",
                        file=other.rel, unit=label)
                continue
            other.status = _OLDER
            ctx.add("trung_don_vi", f"đơn vị {label} gửi {len(subs)} tệp: dùng «{top.rel}» "
                    f"(lưu lúc {top.saved_at}), không dùng tệp này (lưu lúc {other.saved_at}) — "
                    "xóa tệp cũ nếu đúng", file=other.rel, unit=label)


def _attachments(ctx: _Context, out: Outcome, paths: list[Path], folder: Path) -> dict[str, list[str]]:
    """List PDFs, pictures, Word files… with the unit guessed from the name; per unit, its files."""
    used = {s.unit for s in out.accepted if s.used}
    by_unit: dict[str, list[str]] = {}
    for path in paths:
        rel = str(path.relative_to(folder))
        out.attachments.append(rel)
        kind = ATTACHMENTS[path.suffix.lower()]
        unit = guess_unit(ctx.units, path.name)
        label = ctx.label(unit) if unit else ""
        if unit in used:
            ctx.issues.append(Problem(
                f"{kind} gửi kèm, không phải bảng tính nên không đọc số liệu; đơn vị đã gửi tệp bảng "
                "tính nên tệp này chỉ để lưu hồ sơ", file=rel, unit=label, code="tep_dinh_kem",
                severity=INFO))
            continue
        of = (f" (theo tên tệp, có thể là của đơn vị {label})" if unit
              else " (tên tệp không cho biết của đơn vị nào)")
        unpack = "; nếu là tệp nén, giải nén rồi chép tệp bảng tính bên trong vào thư mục nhận về" \
            if kind == "tệp nén" else ""
        ctx.add("tep_dinh_kem", f"{kind} không phải bảng tính nên không đọc được số liệu{of}",
                hint="đề nghị đơn vị gửi tệp mẫu Excel (.xlsx) đã điền; bản PDF hay ảnh có chữ ký chỉ "
                     "để lưu hồ sơ" + unpack, file=rel, unit=label)
        if unit:
            by_unit.setdefault(unit, []).append(rel)
    return by_unit


def _report_missing(ctx: _Context, out: Outcome, refused: dict[str, list[str]],
                    attached: dict[str, list[str]]) -> None:
    """Every unit without a file in use this run, with why, and whether its earlier figures stay."""
    conflicting: dict[str, list[str]] = {}
    for s in out.accepted:
        if s.status == _CONFLICT:
            conflicting.setdefault(s.unit, []).append(s.rel)
    for code in out.missing:
        label = ctx.label(code)
        files = refused.get(code, []) + conflicting.get(code, [])
        if files:
            shown = ", ".join(f"«{f}»" for f in files)
            record = ctx.units[code]
            if any(not is_blank(record.get(inp.code)) for inp in ctx.plan.inputs):
                ctx.add("giu_so_lieu_cu", f"đơn vị {label}: tệp gửi về ({shown}) không dùng được (xem "
                        "dòng của từng tệp) — số liệu đã có của đơn vị trong sổ được giữ nguyên, chưa "
                        "cập nhật", hint="đề nghị đơn vị gửi lại tệp đúng rồi chạy lại", unit=label)
            else:
                ctx.add("chua_gui", f"đơn vị {label}: tệp gửi về ({shown}) không dùng được (xem dòng "
                        "của từng tệp) nên đơn vị chưa có số liệu — đề nghị đơn vị gửi lại",
                        unit=label)
        elif attached.get(code):
            shown = ", ".join(f"«{f}»" for f in attached[code])
            ctx.add("chua_gui", f"đơn vị {label} chưa gửi tệp bảng tính, chỉ gửi {shown} — đề nghị đơn "
                    "vị gửi tệp mẫu Excel đã điền", unit=label)
        else:
            ctx.add("chua_gui", f"đơn vị {label} chưa gửi tệp (hoặc tệp gửi bị loại) — "
                    "nhắc đơn vị gửi lại", unit=label)


def _changed_after_appraisal(ctx: _Context, subs: list[Submission]) -> None:
    """A figure the office has appraised that the unit now sends different: say so, mark it."""
    plan = ctx.plan
    if not plan.self_scored:
        return
    for s in subs:
        record = ctx.units.get(s.unit, {})
        for inp in plan.inputs:
            appraised = record.get(appraisal_name(inp.code))
            if is_blank(appraised) or inp.office_only:
                continue
            before, now = _number(record.get(inp.code), inp), s.scored.get(inp.code, np.nan)
            if np.isnan(before) or (not np.isnan(now) and abs(before - now) <= 1e-9):
                continue  # first figures in, or the same as appraised
            s.changed.append(inp.code)
            sheet, cell = s.file.names.get(inp.code, (s.file.input_sheet or "", ""))
            was = format_number(before)
            new = "trống" if np.isnan(now) else format_number(now)
            ctx.add("sua_sau_tham_dinh", f"«{inp.label}»: đơn vị gửi lại {new}, khác số liệu "
                    f"{was} đã được thẩm định ({shown(appraised)}) — số thẩm định vẫn được dùng để "
                    "tính điểm; ô được tô cam trong sổ để cơ quan thẩm định xem lại", file=s.rel,
                    unit=ctx.label(s.unit), sheet=sheet, cell=cell)


def _merged_units(plan: Plan, master: MasterData, out: Outcome) -> list[dict]:
    """The master's units with the newest submitted figures; appraisals, office-only
    figures and notes kept.

    A unit without a file in use keeps its figures; so does every figure a used
    file could not give (a formula saved without its result).
    """
    used = {s.unit: s for s in out.accepted if s.used}
    codes = [inp.code for inp in plan.inputs if not inp.office_only]
    units = []
    for record in master.units:
        merged = dict(record)
        sub = used.get(record["ma_don_vi"])
        if sub is not None:
            for code in codes:
                if code in sub.values:
                    merged[code] = sub.values[code]
                elif code not in sub.keep:
                    merged.pop(code, None)
            if sub.changed:
                merged[CHANGED] = list(sub.changed)
        if master.year is not None and plan.is_checklist:
            merged["nam"] = master.year
        units.append(merged)
    return units


def _report_sheet(wb, issues: list[Problem]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from thidua.consolidate.report import COLUMNS, row
    ws = wb.create_sheet(SHEET_REPORT, 1)
    ws["A1"] = contract.REPORT_TITLE
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = (f"{count(issues, ERROR)} lỗi, {count(issues, WARNING)} cảnh báo. Lọc theo cột "
                "«Mã lỗi» hoặc «Mức độ» để xem từng loại.")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    header = 4
    last = get_column_letter(len(COLUMNS))
    severity_col = [label for label, _ in COLUMNS].index("Mức độ") + 1
    wrapped = {1, 2, 6, len(COLUMNS)}
    for j, (label, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(header, j, label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="D9E1F2")
    red, yellow = PatternFill("solid", start_color="FFC7CE"), PatternFill("solid", start_color="FFF2CC")
    widths = [width for _, width in COLUMNS]
    for i, issue in enumerate(issues, start=header + 1):
        values = row(issue)
        for j, value in enumerate(values, start=1):
            cell = ws.cell(i, j, value)
            cell.alignment = Alignment(wrap_text=j in wrapped, vertical="top")
        # Wrapped text needs its row height set: neither Excel nor LibreOffice grows a row
        # of a generated file by itself, and long messages would print over the next row.
        lines = max(_wrapped_lines(str(values[j - 1] or ""), widths[j - 1]) for j in wrapped)
        if lines > 1:
            ws.row_dimensions[i].height = 15 * lines
        ws.cell(i, severity_col).fill = red if issue.severity == ERROR else yellow
    for j, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = f"A{header + 1}"
    ws.auto_filter.ref = f"A{header}:{last}{max(header, header + len(issues))}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped column ``width`` characters wide (a safe estimate)."""
    per_line = max(1, int(width * 1.1))
    lines = 0
    for paragraph in text.split("\n"):
        words, current = paragraph.split(" "), 0
        lines += 1
        for word in words:
            if current and current + 1 + len(word) > per_line:
                lines += 1 + len(word) // per_line
                current = len(word) % per_line
            else:
                current += (1 if current else 0) + len(word)
    return lines


def _old_log_rows(master_path: Path) -> list[list]:
    rows = []
    try:
        wb = openpyxl.load_workbook(master_path, read_only=True)
        if SHEET_LOG in wb.sheetnames:
            for row in wb[SHEET_LOG].iter_rows(min_row=4, values_only=True):
                if row and row[0] and row[1]:
                    rows.append(list(row[:len(LOG_COLUMNS)]))
        wb.close()
    except Exception:  # noqa: BLE001 - a log we cannot read is started afresh
        pass
    return rows


def _log_rows(master_path: Path, out: Outcome) -> list[list]:
    """Receipt log: earlier rows of the master kept, this run's files updated."""
    rows: dict[tuple[str, str], list] = {(r[0], r[1]): r for r in _old_log_rows(master_path)}
    for key in list(rows):  # an older file of a unit now submitted again is no longer in use
        rows[key] += [""] * (len(LOG_COLUMNS) - len(rows[key]))
        if rows[key][6] == IN_USE:
            rows[key][6] = "không dùng (có tệp khác)"
    for s in out.accepted:
        received = dt.datetime.fromtimestamp(s.file.mtime).strftime("%d/%m/%Y %H:%M:%S")
        status = IN_USE if s.used else (s.status or _OLDER)
        rows[(s.rel, s.file.sha256)] = [s.rel, s.file.sha256, s.unit, received, s.saved_at,
                                        str(s.version or ""), status]
    return sorted(rows.values(), key=lambda r: (str(r[2]), str(r[0]), str(r[1])))


def _log_sheet(wb, rows: list[list]) -> None:
    from openpyxl.styles import Font, PatternFill
    ws = wb.create_sheet(SHEET_LOG, 2)
    ws["A1"] = "NHẬT KÝ NHẬN TỆP"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = "Mỗi tệp được nhận: tên, mã băm SHA-256, đơn vị, thời điểm nhận, thời điểm đơn vị lưu, phiên bản mẫu, tệp nào đang dùng."
    for j, label in enumerate(LOG_COLUMNS, start=1):
        cell = ws.cell(3, j, label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="D9E1F2")
    for i, row in enumerate(rows, start=4):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, value)
    for letter, width in zip("ABCDEFG", (36, 66, 14, 20, 20, 10, 34)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _carry_over(old, wb, sheets: list[str]) -> None:
    """Keep what the office typed on sheets the tool rebuilds (trend figures, task status)."""
    if old is None:
        return
    for name in sheets:
        if name not in old.sheetnames or name not in wb.sheetnames:
            continue
        src, dst = old[name], wb[name]
        for row in src.iter_rows():
            for cell in row:
                value = cell.value
                if value is None or (isinstance(value, str) and value.startswith("=")):
                    continue
                target = dst[cell.coordinate]
                if target.value is None:
                    target.value = value


def match_period(text: str, periods: list[str]) -> str | None:
    """«09/2023», «9», «tháng 9», «Quý III» → the master's period label."""
    import re
    key = fold(text).replace("thang", "").replace("quy", "").strip()
    for period in periods:
        label = fold(period).replace("thang", "").replace("quy", "").strip()
        head = label.split("/")[0].strip()
        if key in (label, head) or (key.isdigit() and head.isdigit() and int(key) == int(head)) \
                or re.fullmatch(rf"0?{re.escape(key)}/\d{{4}}", label):
            return period
    return None


def _record_period(plan: Plan, wb, layout, units: list[dict], period: str, year) -> None:
    """Write each unit's criteria met this period into the trend sheet."""
    from thidua.engine import score
    from thidua.errors import InputError, Problem
    from thidua.table import parse_rows

    if not layout.trend_sheet:
        raise InputError(Problem(f"kế hoạch «{plan.id}» không theo dõi theo kỳ (không có trang Xu hướng)",
                                 hint="bỏ tùy chọn --period"))
    label = match_period(period, layout.periods)
    if label is None:
        raise InputError(Problem(f"kỳ «{period}» không có trong sổ (các kỳ: {', '.join(layout.periods)})",
                                 hint="ví dụ --period 09/2023"))
    codes = [inp.code for inp in plan.inputs]
    headers = ["ma_don_vi", "ten_don_vi", "nhom", "cap"] + codes
    rows = [[u.get(h, "") for h in headers] for u in units]
    result = score(plan, parse_rows(headers, rows, plan, source="sổ tổng hợp"), year=year)
    met = dict(zip(result.frame["ma_don_vi"], result.frame["so_tieu_chi_dat"]))
    ws = wb[layout.trend_sheet]
    column = layout.period_columns[label]
    for i, code in enumerate(layout.units):
        ws[f"{column}{layout.first_row + i}"] = int(met[code])



def _digest(wb) -> str:
    import hashlib
    h = hashlib.sha256()
    for title, cells in _content(wb, skip=(contract.META_SHEET,)):
        h.update(f"\x00{title}".encode())
        for coordinate, value in cells:
            h.update(f"\x01{coordinate}\x02{type(value).__name__}\x02{value!r}".encode())
    return h.hexdigest()


def _content(wb, skip=()) -> list:
    """Everything a person sees or types, sheet by sheet (no file timestamps)."""
    out = []
    for ws in wb.worksheets:
        if ws.title in skip:
            continue
        cells = []
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and cell.value != "":  # "" is not saved
                    cells.append((cell.coordinate, cell.value))
        out.append((ws.title, cells))
    return out
