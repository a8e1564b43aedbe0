"""What a consolidation run found: each usable file (a submission) and the run's outcome."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from thidua.consolidate.reader import ReturnedFile
from thidua.consolidate.report import ERROR, WARNING, count
from thidua.errors import Problem

__all__ = ["Received", "Submission", "Outcome", "CONFLICT", "OLDER", "SAME"]

#: Why a file of a unit is not used (the receipt log's «Sử dụng» column).
CONFLICT = "không dùng — trùng thời điểm lưu với tệp khác của đơn vị, số liệu khác nhau"
OLDER = "không dùng — trùng đơn vị, có tệp mới hơn"
SAME = "không dùng — trùng đơn vị, cùng số liệu với tệp đang dùng"


@dataclass(frozen=True, slots=True)
class Received:
    """What is kept of a usable file once its figures are taken: what the checks across files
    and the receipt log use (not its cells, metadata…: 33,210 files' worth)."""

    sha256: str
    mtime: float
    input_sheet: str | None  # where its defined names are
    names: dict[str, tuple[str, str]]  # defined name -> (sheet, cell); shared by the copies

    @classmethod
    def of(cls, rf: ReturnedFile) -> "Received":
        return cls(rf.sha256, rf.mtime, rf.input_sheet, rf.names)


@dataclass
class Submission:
    file: Received
    rel: str  # path relative to the folder
    unit: str
    values: dict[str, object]  # input code -> value as the master stores it (number, Có/Không, label)
    saved_at: str  # ISO time the unit saved the file (inside the file), else the file's time
    version: object = None
    used: bool = False
    scored: dict[str, float] = field(default_factory=dict)  # input code -> number as scored
    changed: list[str] = field(default_factory=list)  # inputs re-sent after the office appraised
    keep: frozenset[str] = frozenset()  # codes whose figure in the master stays as it is
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
    #: how the master was written: "tai_cho" (changed in place), "dung_lai" (rebuilt), "" (not)
    written_how: str = ""
    attachments: list[str] = field(default_factory=list)  # PDFs, pictures… (not read)
    skipped: list[str] = field(default_factory=list)  # masters and their backups in the folder
    notices: list[Problem] = field(default_factory=list)  # the lock's (a crashed run cleaned up…)
    written: list[Path] = field(default_factory=list)  # files put in place (master, report)

    def summary(self) -> str:
        errors, warnings = count(self.issues, ERROR), count(self.issues, WARNING)
        used = sum(1 for s in self.accepted if s.used)
        unused = [s for s in self.accepted if not s.used]
        conflicts = sum(1 for s in unused if s.status == CONFLICT)
        extra = f", {conflicts} trùng thời điểm lưu (không dùng)" if conflicts else ""
        attached = (f"; {len(self.attachments)} tệp không phải bảng tính (PDF, ảnh…)"
                    if self.attachments else "")
        return (f"Nhận {self.received} tệp: {used} được dùng, "
                f"{len(unused) - conflicts} trùng đơn vị (không dùng){extra}, "
                f"{len(self.rejected)} bị loại{attached}; "
                f"{len(self.missing)} đơn vị chưa gửi; {errors} lỗi, {warnings} cảnh báo.")
