"""The plan's free-form sections, checked when the plan loads: ``settings`` and ``individuals``.

``settings`` holds what scoring does not read but the workbooks and documents
do::

    settings:
      periods: thang            # reporting period of the «Xu hướng» sheet: thang | quy
      han_nop: "15/01/2024"     # deadline printed in the unit template's guide
      noi_nhan: "Phòng Nội vụ"  # where the units send their file
      tasks: [{stt, nam, noi_dung, chu_tri, phoi_hop, thoi_han, san_pham}, …]
      van_ban: {…}              # document settings (thidua.documents.settings)

``individuals`` the standards a person proposed for an award must meet and
the parts of the award dossier::

    individuals:
      standards: [{code, label, type: yesno}, …]
      dossier: [{code, label}, …]

Each function reports every mistake through ``error(place, message, hint)``,
``place`` being a line (YAML) or a cell (plan workbook).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any, Callable

SETTINGS_KEYS = {
    "periods": "kỳ báo cáo (thang hoặc quy)",
    "han_nop": "hạn gửi phiếu",
    "noi_nhan": "nơi nhận phiếu",
    "tasks": "danh sách nhiệm vụ",
    "van_ban": "cấu hình văn bản khen thưởng",
}
#: Task columns, in the order of the plan's appendix (Phụ lục).
TASK_KEYS = {"stt": "STT", "nam": "Năm", "noi_dung": "Nội dung", "chu_tri": "Chủ trì",
             "phoi_hop": "Phối hợp", "thoi_han": "Thời hạn", "san_pham": "Sản phẩm"}
PERIODS = {"thang": "tháng", "quy": "quý"}
_PERIOD_WORDS = {"thang": "thang", "tháng": "thang", "month": "thang", "quy": "quy",
                 "quý": "quy", "quarter": "quy"}
INDIVIDUAL_KEYS = {"standards": "tiêu chuẩn cá nhân", "dossier": "thành phần hồ sơ"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

Error = Callable[[Any, str, str], None]


def _where(obj: Any, key: str | None = None):
    if key is not None and hasattr(obj, "line_of"):
        return obj.line_of(key)
    return getattr(obj, "line", None)


def _unknown(obj: Mapping, allowed: Mapping[str, str], what: str, error: Error) -> None:
    for key in obj:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            error(_where(obj, key), f"{what} có khóa lạ «{key}»",
                  (f"có phải ý bạn là «{close[0]}»? " if close else "")
                  + "các khóa dùng được: " + ", ".join(allowed))


def _scalar(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool))


def period_code(value: Any) -> str | None:
    """«thang»/«tháng»/«month» → thang; «quy»/«quý»/«quarter» → quy; else None."""
    return _PERIOD_WORDS.get(str(value).strip().lower()) if value is not None else None


def check_settings(raw: Any, where: Any, file: str, error: Error) -> dict:
    """Check ``settings``; the section as given (an empty dict when it is not a mapping)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        error(where, "«settings» phải là một bảng khóa: giá trị",
              "các khóa dùng được: " + ", ".join(SETTINGS_KEYS))
        return {}
    _unknown(raw, SETTINGS_KEYS, "«settings»", error)
    if "periods" in raw and period_code(raw["periods"]) is None:
        error(_where(raw, "periods"), f"«settings.periods» phải là thang hoặc quy, không phải "
              f"«{raw['periods']}»", "thang: theo dõi theo tháng; quy: theo quý")
    for key in ("han_nop", "noi_nhan"):
        if key in raw and not _scalar(raw[key]):
            error(_where(raw, key), f"«settings.{key}» ({SETTINGS_KEYS[key]}) phải là một dòng chữ",
                  f"ví dụ «{key}: Phòng Nội vụ»" if key == "noi_nhan" else f"ví dụ «{key}: 15/01/2024»")
    if "tasks" in raw:
        _check_tasks(raw["tasks"], _where(raw, "tasks"), error)
    if raw.get("van_ban") is not None:
        from thidua.documents.settings import check_van_ban

        for problem in check_van_ban(raw["van_ban"], file, _where(raw, "van_ban")):
            error(problem.line, problem.message, problem.hint)
    return _canonical_settings(raw)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _canonical_settings(raw: Mapping) -> dict:
    """Settings in one spelling (period code, every task key as text), for equal plans."""
    out = dict(raw)
    if "periods" in out and period_code(out["periods"]):
        out["periods"] = period_code(out["periods"])
    for key in ("han_nop", "noi_nhan"):
        if key in out and _scalar(out[key]):
            out[key] = _text(out[key])
    tasks = out.get("tasks")
    if isinstance(tasks, list) and all(isinstance(t, Mapping) for t in tasks):
        out["tasks"] = [{key: _text(t.get(key)) for key in TASK_KEYS} for t in tasks]
    return out


def _check_tasks(tasks: Any, where: Any, error: Error) -> None:
    example = ("mỗi nhiệm vụ dạng «- {stt: \"1\", nam: \"2021\", noi_dung: …, chu_tri: …, "
               "phoi_hop: …, thoi_han: …, san_pham: …}»")
    if not isinstance(tasks, list):
        error(where, f"«settings.tasks» phải là danh sách nhiệm vụ (đang là «{tasks}»)", example)
        return
    for n, task in enumerate(tasks, start=1):
        if not isinstance(task, Mapping):
            error(_where(task) or where, f"nhiệm vụ thứ {n} của «settings.tasks» phải là một bảng "
                  "khóa: giá trị", example)
            continue
        _unknown(task, TASK_KEYS, f"nhiệm vụ thứ {n}", error)
        for key, value in task.items():
            if key in TASK_KEYS and not _scalar(value):
                error(_where(task, key), f"nhiệm vụ thứ {n}: «{key}» phải là một dòng chữ")
        if not str(task.get("noi_dung") or "").strip():
            error(_where(task, "noi_dung"), f"nhiệm vụ thứ {n} thiếu «noi_dung» (nội dung công việc)")


def check_individuals(raw: Any, where: Any, error: Error) -> dict:
    """Check ``individuals``; the section as given (empty when it is not a mapping)."""
    if raw is None:
        return {}
    example = ("ví dụ «individuals: {standards: [{code: chap_hanh_tot, label: …, type: yesno}], "
               "dossier: [{code: to_trinh, label: Tờ trình}]}»")
    if not isinstance(raw, Mapping):
        error(where, "«individuals» phải là một bảng khóa: giá trị (standards, dossier)", example)
        return {}
    _unknown(raw, INDIVIDUAL_KEYS, "«individuals»", error)
    seen: set[str] = set()
    for key, what in INDIVIDUAL_KEYS.items():
        items = raw.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            error(_where(raw, key), f"«individuals.{key}» ({what}) phải là một danh sách", example)
            continue
        for n, item in enumerate(items, start=1):
            if not isinstance(item, Mapping):
                error(_where(item) or _where(raw, key), f"«individuals.{key}»: phần tử thứ {n} "
                      "phải là một bảng khóa: giá trị (code, label)", example)
                continue
            allowed = {"code": "mã", "label": "nội dung"}
            if key == "standards":
                allowed["type"] = "kiểu (yesno)"
            _unknown(item, allowed, f"{what} thứ {n}", error)
            code = item.get("code")
            if not isinstance(code, str) or not _CODE.match(code):
                error(_where(item, "code"), f"{what} thứ {n}: mã «{code}» không hợp lệ",
                      "mã viết chữ thường không dấu, nối bằng «_», ví dụ to_trinh")
            elif code in seen:
                error(_where(item, "code"), f"{what} thứ {n}: mã «{code}» bị trùng")
            else:
                seen.add(code)
            if not str(item.get("label") or "").strip():
                error(_where(item, "label"), f"{what} thứ {n} thiếu «label» (nội dung hiển thị)")
            if "type" in item and item["type"] != "yesno":
                error(_where(item, "type"), f"{what} thứ {n}: kiểu «{item['type']}» không dùng được",
                      "tiêu chuẩn cá nhân là có/không: «type: yesno» (hoặc bỏ khóa này)")
    out: dict = {}
    for key in INDIVIDUAL_KEYS:
        items = raw.get(key)
        if isinstance(items, list):
            out[key] = [{"code": _text(i.get("code")), "label": _text(i.get("label")),
                         **({"type": "yesno"} if key == "standards" else {})}
                        for i in items if isinstance(i, Mapping)]
    return out
