"""The workbook contract: names the writers put in a file and the readers look for.

A unit template or a master is recognised and read back by what is written
here, so every writer and reader imports these names from this one module:
sheet names, the hidden metadata sheet and its keys, the defined names, and
the naming of the cells a template reads its inputs into.
"""
from __future__ import annotations

from typing import Iterable

from thidua.plan.model import APPRAISAL_SUFFIX

__all__ = [
    "APPRAISAL_SUFFIX", "SELF_SUFFIX", "META_SHEET", "KIND", "KIND_TEMPLATE", "KIND_MASTER",
    "PLAN", "VERSION", "UNIT_CODE", "UNIT_NAME", "GROUP", "LEVEL", "MADE_AT", "FINGERPRINT",
    "TOOL_VERSION", "INPUT_SHEET_KEY", "LAYOUT", "CONTENT", "SEAL", "RECEIPTS", "SNAPSHOT",
    "SAVED_AT",
    "CELL_LIMIT", "chunks", "joined",
    "PLAN_FILE", "PLAN_FINGERPRINT", "TEMPLATE_GUIDE", "TEMPLATE_INPUT", "TEMPLATE_LISTS",
    "UNIT_LABELS", "LAYOUT_INPUTS", "LAYOUT_APPRAISALS", "LAYOUT_YEAR",
    "YEAR_NAME", "LEVEL_NAME", "GROUP_NAME", "YESNO_LIST", "choice_list_name", "appraisal_name",
    "self_name", "meta_names",
]

#: Suffix of a self-scored input's appraisal (thẩm định) column / cell name.
SELF_SUFFIX = "_tu_cham"  # a template's own-figure (self-score) result cells

# ---------------------------------------------------------------- metadata sheet
META_SHEET = "_thidua"  # very hidden; column A keys, column B values
KIND = "loai"
KIND_TEMPLATE = "mau_don_vi"
KIND_MASTER = "so_tong_hop"
PLAN = "ke_hoach"
VERSION = "phien_ban"
UNIT_CODE = "ma_don_vi"
UNIT_NAME = "ten_don_vi"
GROUP = "nhom"
LEVEL = "cap"
MADE_AT = "thoi_gian_tao"
FINGERPRINT = "dau_van_tay"
TOOL_VERSION = "phien_ban_thidua"
INPUT_SHEET_KEY = "trang_nhap_lieu"
LAYOUT = "bo_cuc"  # JSON of where everything is (continued in bo_cuc#2… for big masters)
CONTENT = "noi_dung"  # a master's content digest (consolidation)
SEAL = "niem_phong"  # a master: digest of its parts as this tool last wrote them (package.seal)
RECEIPTS = "bien_nhan"  # a master: what each returned file held (continued in bien_nhan#2…)
SNAPSHOT = "ban_chup"  # a sealed master: its unit rows and receipt log as read (JSON)
SAVED_AT = "_luu_luc"
PLAN_FILE = "tep_ke_hoach"  # the plan file (YAML or workbook) the file was made from
PLAN_FINGERPRINT = "dau_van_tay_ke_hoach"  # the fingerprint of that plan's content

#: Characters a metadata value holds per cell (Excel keeps at most 32,767); longer values
#: continue in rows ``key#2``, ``key#3``…
CELL_LIMIT = 32_000


def chunks(key: str, text: str | Iterable[str]) -> list[tuple[str, str]]:
    """Metadata rows holding ``text`` under ``key`` (``key``, ``key#2``…); ``text`` may come
    as pieces (joined a row at a time, never whole)."""
    parts: list[str] = []
    held: list[str] = []  # the row being filled
    size = 0
    for piece in ([text] if isinstance(text, str) else text):
        at = 0
        while at < len(piece):
            part = piece[at:at + CELL_LIMIT - size]
            held.append(part)
            size += len(part)
            at += len(part)
            if size == CELL_LIMIT:
                parts.append("".join(held))
                held, size = [], 0
    if held or not parts:
        parts.append("".join(held))
    return [(key if n == 1 else f"{key}#{n}", part) for n, part in enumerate(parts, start=1)]


def joined(meta: dict, key: str) -> str:
    """The text stored under ``key`` over its continuation rows (see :func:`chunks`)."""
    parts, n = [str(meta.get(key) or "")], 2
    while f"{key}#{n}" in meta:
        parts.append(str(meta[f"{key}#{n}"] or ""))
        n += 1
    return "".join(parts)


# ---------------------------------------------------------------- unit template
TEMPLATE_GUIDE = "Hướng dẫn"
TEMPLATE_INPUT = "Nhập liệu"
TEMPLATE_LISTS = "Danh mục"
#: The unit's details at the top of the input sheet: key -> label left of the value. A returned
#: file whose metadata is gone is recognised by the code and name written right of these labels.
UNIT_LABELS = {UNIT_NAME: "Đơn vị:", UNIT_CODE: "Mã đơn vị:", "nhom_nhan": "Nhóm:",
               "cap_nhan": "Cấp:"}
#: Keys of the template layout JSON (``LAYOUT``; the fields of ``TemplateLayout``) a reader uses.
LAYOUT_INPUTS = "input_cells"  # input code -> cell
LAYOUT_APPRAISALS = "appraisal_cells"  # input code -> its appraisal cell (self-scored plans)
LAYOUT_YEAR = "year_cell"  # the cell of the year targets apply to (YEAR_NAME)

# ---------------------------------------------------------------- master, after consolidation
REPORT_SHEET = "Kiểm tra tệp nhận về"  # the problems found in the returned files
REPORT_TITLE = "KIỂM TRA CÁC TỆP ĐƠN VỊ GỬI VỀ"

# ---------------------------------------------------------------- defined names
YEAR_NAME = "nam_ap_dung"  # the year targets apply to (template input sheet, master «Cấu hình»)
LEVEL_NAME = "cap_don_vi"  # template: the unit's level code (on the metadata sheet)
GROUP_NAME = "nhom_don_vi"  # template: the unit's group code (on the metadata sheet)
YESNO_LIST = "ds_co_khong"  # the Có/Không drop-down list


def choice_list_name(code: str) -> str:
    """Defined name of a choice input's drop-down list."""
    return f"ds_{code}"


def appraisal_name(code: str) -> str:
    """Column key / cell name of an input's appraised (thẩm định) figure."""
    return code + APPRAISAL_SUFFIX


def self_name(code: str) -> str:
    """Template: the cell name of a result computed from the unit's own figures."""
    return code + SELF_SUFFIX


def meta_names() -> tuple[str, ...]:
    """Defined names a template puts on its metadata sheet."""
    return (LEVEL_NAME, GROUP_NAME)
