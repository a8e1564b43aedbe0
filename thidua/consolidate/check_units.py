"""Across the files: one file per unit, the units without one, and checks over each unit's figures.

* :func:`pick_newest` — a unit's newest file is used; files saved in the same second
  with different figures are both refused (nothing tells which is final);
* :func:`check_figures` — the plan's consistency checks over the figures used;
* :func:`changed_after_appraisal` — a figure the office appraised that the unit now
  sends different is marked;
* :func:`attachments` — PDFs, pictures… listed with the unit guessed from the name;
* :func:`report_missing` — every unit without a file in use, with why and whether its
  earlier figures stay.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from thidua.codecs import shown
from thidua.consolidate.check_file import Context, number_of
from thidua.consolidate.outcome import CONFLICT, OLDER, SAME, Outcome, Submission
from thidua.consolidate.report import INFO
from thidua.errors import Problem
from thidua.text import fold, format_number, is_blank
from thidua.workbook.contract import appraisal_name

__all__ = ["ATTACHMENTS", "UnitIndex", "guess_unit", "guess", "pick_newest", "check_figures", "changed_after_appraisal",
           "attachments", "report_missing"]

#: Files units attach instead of (or beside) their spreadsheet: what each is, in words.
ATTACHMENTS = {
    ".pdf": "tệp PDF", ".doc": "văn bản Word", ".docx": "văn bản Word", ".odt": "văn bản",
    ".rtf": "văn bản", ".jpg": "ảnh", ".jpeg": "ảnh", ".png": "ảnh", ".gif": "ảnh", ".bmp": "ảnh",
    ".tif": "ảnh", ".tiff": "ảnh", ".heic": "ảnh", ".webp": "ảnh", ".zip": "tệp nén",
    ".rar": "tệp nén", ".7z": "tệp nén"}


def _words(text: object) -> tuple[str, ...]:
    return tuple(re.sub(r"[^a-z0-9]+", " ", fold(str(text or ""))).split())


class UnitIndex:
    """The units by the words of their codes and names, to guess a file's unit from its name
    in time independent of the number of units."""

    def __init__(self, units: dict[str, dict]):
        self.codes: dict[tuple[str, ...], list[str]] = {}
        self.names: dict[tuple[str, ...], list[str]] = {}
        self.length: dict[str, int] = {}
        for code, unit in units.items():
            self.codes.setdefault(_words(code), []).append(code)
            name = _words(unit.get("ten_don_vi"))
            if name:
                self.names.setdefault(name, []).append(code)
                self.length[code] = len(" ".join(name))
        self.longest = max([len(k) for k in self.codes] + [len(k) for k in self.names] + [1])

    def guess(self, file_name: str) -> str | None:
        words = _words(Path(file_name).stem)
        by_code: set[str] = set(self.codes.get((), ())) if not words else set()
        by_name: set[str] = set()
        for i in range(len(words)):
            for n in range(1, min(self.longest, len(words) - i) + 1):
                phrase = words[i:i + n]
                by_code.update(self.codes.get(phrase, ()))
                by_name.update(self.names.get(phrase, ()))
        if len(by_code) == 1:
            return next(iter(by_code))
        if by_name:
            longest = max(self.length[c] for c in by_name)
            best = [c for c in by_name if self.length[c] == longest]
            if len(best) == 1:
                return best[0]
        return None


def guess_unit(units: dict[str, dict], file_name: str) -> str | None:
    """The one unit a file name points at (its code, else its name as a whole phrase), or None.

    «XA02-xa-tam-xuan-i.pdf», «Bao cao Xa Tam Xuan I.pdf» → XA02; «Tam Xuân I» does
    not match «Tam Xuân II». Codes win over names; two candidates give None.
    """
    return UnitIndex(units).guess(file_name)


def guess(ctx: Context, file_name: str) -> str | None:
    """:func:`guess_unit` among the master's units (their index built once per run)."""
    if ctx.unit_index is None:
        ctx.unit_index = UnitIndex(ctx.units)
    return ctx.unit_index.guess(file_name)


def check_figures(ctx: Context, subs: list[Submission]) -> None:
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
            inputs[inp.code] = np.array([number_of(ctx.units.get(s.unit, {}).get(inp.code), inp)
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


def pick_newest(ctx: Context, out: Outcome) -> None:
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
                s.status = CONFLICT
                ctx.add("trung_thoi_diem", f"đơn vị {label} có {len(tied)} tệp lưu cùng một lúc "
                        f"({_shown_time(s.saved_at)}) nhưng số liệu khác nhau: {names} — không dùng "
                        "tệp nào vì không biết bản nào là bản cuối",
                        hint="hỏi đơn vị bản nào đúng, chuyển tệp còn lại ra khỏi thư mục nhận về "
                             "rồi chạy lại", file=s.rel, unit=label)
            for other in subs[len(tied):]:
                other.status = OLDER
            continue
        top.used = True
        for other in subs[1:]:
            if other in tied:
                other.status = SAME
                ctx.add("trung_don_vi", f"đơn vị {label} gửi {len(subs)} tệp: tệp này lưu cùng lúc "
                        f"({_shown_time(other.saved_at)}) và có cùng số liệu với «{top.rel}» (tệp "
                        "được dùng) — đây là bản thừa, có thể xóa khỏi thư mục nhận về",
                        file=other.rel, unit=label)
                continue
            other.status = OLDER
            ctx.add("trung_don_vi", f"đơn vị {label} gửi {len(subs)} tệp: dùng «{top.rel}» "
                    f"(lưu lúc {top.saved_at}), không dùng tệp này (lưu lúc {other.saved_at}) — "
                    "xóa tệp cũ nếu đúng", file=other.rel, unit=label)


def attachments(ctx: Context, out: Outcome, paths: list[Path], folder: Path) -> dict[str, list[str]]:
    """List PDFs, pictures, Word files… with the unit guessed from the name; per unit, its files."""
    used = {s.unit for s in out.accepted if s.used}
    by_unit: dict[str, list[str]] = {}
    for path in paths:
        rel = str(path.relative_to(folder))
        out.attachments.append(rel)
        kind = ATTACHMENTS[path.suffix.lower()]
        unit = guess(ctx, path.name)
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


def report_missing(ctx: Context, out: Outcome, refused: dict[str, list[str]],
                    attached: dict[str, list[str]]) -> None:
    """Every unit without a file in use this run, with why, and whether its earlier figures stay."""
    conflicting: dict[str, list[str]] = {}
    for s in out.accepted:
        if s.status == CONFLICT:
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


def changed_after_appraisal(ctx: Context, subs: list[Submission]) -> None:
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
            before, now = number_of(record.get(inp.code), inp), s.scored.get(inp.code, np.nan)
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
