"""What the reader accepts, what it gives back, and how it says no."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thidua.errors import Problem, ThiduaError

__all__ = ["CODES", "EXTENSIONS", "Limits", "ReadFailure", "ReturnedFile"]

#: The reader's failure codes (their meaning and severity are in ``thidua.errors.CODES``).
CODES: tuple[str, ...] = ("tep_qua_lon", "tep_rong", "khong_phai_bang_tinh", "tep_hong",
                          "co_mat_khau", "bom_nen", "bom_xml", "khong_doc_duoc", "dinh_dang_cu")

#: File name suffixes read, and the format each names (the content decides in the end).
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsm", ".xls": "xls", ".ods": "ods"}


@dataclass
class Limits:
    """What :func:`read_returned` refuses to read."""

    max_bytes: int = 50 * 1024 * 1024  # bigger files are refused (tep_qua_lon)
    max_uncompressed: int = 200 * 1024 * 1024  # sum of a zip's declared member sizes (bom_nen)
    max_ratio: float = 200.0  # uncompressed/compressed, for members over RATIO_FLOOR (bom_nen)
    max_members: int = 10_000  # members in one zip (bom_nen)


@dataclass
class ReturnedFile:
    """What a returned workbook holds, as typed (nothing is interpreted here)."""

    path: Path
    sha256: str
    size: int
    mtime: float
    kind: str  # "xlsx" | "xlsm" | "xls" | "ods" (from the content, not the extension)
    meta: dict[str, str]  # the metadata sheet's key/value rows ({} when absent)
    input_sheet: str | None  # current name of the input sheet (also after a rename)
    names: dict[str, tuple[str, str]]  # defined name -> (sheet, "D12" or "A1:A2")
    cells: dict[str, object]  # input code (code_tham_dinh, nam_ap_dung) -> raw value
    formulas: dict[str, str]  # xlsx/xlsm: input-sheet cell -> "=formula"; {} for xls/ods
    typed_unit: dict[str, str]  # ma_don_vi / ten_don_vi (/ nhom_nhan / cap_nhan) shown on the sheet
    percent: set[str] = field(default_factory=set)  # codes whose cell shows a % format (85% is 0.85)
    saved_at: str | None = None  # last save time recorded inside the file (ISO), if any
    sheets: dict[str, str] = field(default_factory=dict)  # sheet -> "visible"/"hidden"/"veryHidden"
    #: xlsx/xlsm: codes whose cell holds a formula saved without its computed value (blank in
    #: ``cells``: the value is unknown, not absent; Excel stores it, some other programs do not)
    uncomputed: set[str] = field(default_factory=set)
    mtime_ns: int = 0  # the modification time in nanoseconds (``mtime`` as read)


class ReadFailure(ThiduaError):
    """A returned file that cannot be read: one problem whose ``code`` is one of :data:`CODES`.

    ``transient``: the cause may go away with the file unchanged (a time limit hit on a
    busy machine), so the failure is not remembered for the next run.
    """

    transient = False

    @property
    def problem(self) -> Problem:
        return self.problems[0]

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def message(self) -> str:
        return self.problem.message

    def __str__(self) -> str:
        return self.problem.message

