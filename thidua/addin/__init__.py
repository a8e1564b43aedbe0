"""The Excel add-in: a «Thi đua» ribbon tab whose buttons run the tested package.

Every button of the ribbon ends in one call, ``run_button(button_id, book)``,
with ``book`` the workbook the official is looking at (``xlwings.Book.caller()``
when Excel runs it). The handlers (``thidua.addin.handlers``) read whole ranges
once, call the same functions as the command line, and write whole ranges once.

Nothing a handler raises reaches the user as a traceback: known problems
(``ThiduaError``) and operating-system errors (``thidua.fileio.os_problem``)
become a Vietnamese message box listing them, anything else a Vietnamese
message naming the log file the traceback was written to.

The add-in ``thidua.xlam`` is built by ``thidua.addin.build`` (``thidua addin
build``), installed by ``thidua.addin.install`` (``thidua addin install``) and
packed for offices without internet by ``thidua.addin.bundle`` (``thidua addin
bundle``).
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

#: xlwings version the add-in is built for. The VBA inside the .xlam (xlwings'
#: own module, read from the installed package) and the Python package must be
#: the same version: the remote engine refuses a mismatch outright, RunPython
#: misbehaves silently.
XLWINGS_VERSION = "0.37.8"

#: Button id -> (handler name in thidua.addin.handlers, title of its message boxes).
#: The ribbon (ribbon.xml) shows them; its VBA passes the clicked button's id here.
BUTTONS: dict[str, tuple[str, str]] = {
    "kiem_tra_ke_hoach": ("kiem_tra_ke_hoach", "Kiểm tra kế hoạch"),
    "tao_so_tu_ke_hoach": ("tao_so_tu_ke_hoach", "Tạo sổ từ kế hoạch"),
    "tao_mau": ("tao_mau", "Tạo mẫu đơn vị"),
    "tong_hop": ("tong_hop", "Tổng hợp"),
    "kiem_tra": ("kiem_tra", "Kiểm tra dữ liệu"),
    "tinh_diem": ("tinh_diem", "Tính điểm"),
    "xet_khen_thuong": ("xet_khen_thuong", "Xét khen thưởng"),
    "xuat_van_ban": ("xuat_van_ban", "Xuất văn bản"),
}

#: Buttons that change the master: they hold its write lock (``thidua.lock``) while they run, so
#: a command-line run cannot write the file meanwhile. Excel itself has the book open, so
#: its own owner file (``~$…``) is expected and not checked.
WRITES_MASTER = ("tong_hop", "kiem_tra", "tinh_diem", "xet_khen_thuong")

APP_TITLE = "Thi đua"
MAX_PROBLEMS_SHOWN = 12  # a message box stays readable (VBA's MsgBox cuts at 1,024 characters)

__all__ = ["BUTTONS", "XLWINGS_VERSION", "log_path", "run_button"]


def log_path() -> Path:
    """Where tracebacks go: ``THIDUA_ADDIN_LOG``, else a per-user folder."""
    from thidua.errors import log_file
    return log_file("nhat-ky-addin.txt", "THIDUA_ADDIN_LOG")


def _write_log(button_id: str, text: str) -> Path | None:
    from thidua.errors import write_log
    return write_log(f"nút «{button_id}»", text, name="nhat-ky-addin.txt", env="THIDUA_ADDIN_LOG")


def _alert(book, text: str, title: str, critical: bool) -> None:
    from thidua.text import nfc
    book.app.alert(nfc(text), title=nfc(f"{APP_TITLE} — {title}"), buttons="ok",
                   mode="critical" if critical else "info")


def problems_text(problems, limit: int = MAX_PROBLEMS_SHOWN) -> str:
    """Problems as numbered lines, the first ``limit`` of them."""
    lines = [f"{k}. {p}" for k, p in enumerate(problems[:limit], start=1)]
    if len(problems) > limit:
        lines.append(f"… và {len(problems) - limit} vấn đề khác.")
    return "\n".join(lines)


def _master_lock(button_id: str, book, options: dict):
    """The write lock of the master file behind ``book`` for buttons that change it."""
    from contextlib import nullcontext

    from thidua.addin.workbook import book_path
    from thidua.lock import write_lock

    path = book_path(book, options.get("master_path")) if button_id in WRITES_MASTER else None
    if path is None:
        return nullcontext()
    return write_lock(path, office=False,
                      command=f"nút «{BUTTONS[button_id][1]}» của add-in Excel")


def run_button(button_id: str, book=None, **options) -> None:
    """Run the handler of ``button_id`` on ``book``; never raises.

    ``book``: an ``xlwings.Book`` (default: ``xlwings.Book.caller()``, the book
    active when the ribbon button was clicked). ``options`` reach the handler
    (tests: ``master_path``, ``folder``, ``now``).
    """
    from thidua.errors import ThiduaError

    title = BUTTONS.get(button_id, (None, button_id))[1]
    try:
        if book is None:
            import xlwings as xw
            book = xw.Book.caller()
    except Exception:  # noqa: BLE001 - no Excel to talk to: only the log can tell
        _write_log(button_id, traceback.format_exc())
        return
    try:
        from thidua.addin import handlers
        handler = getattr(handlers, BUTTONS[button_id][0], None) if button_id in BUTTONS else None
        if handler is None:
            from thidua.errors import Problem
            raise ThiduaError(Problem(
                f"nút «{title}» chưa có trong phiên bản thidua đang cài trên máy này",
                hint="add-in và phần Python của thidua không cùng phiên bản: nhờ cán bộ công "
                     "nghệ thông tin chạy lại tệp cai-dat.bat của bộ cài mới nhất"))
        with _master_lock(button_id, book, options) as lock:
            handler(book, **options)
        if lock is not None and lock.notices:
            _alert(book, problems_text(lock.notices), title, critical=False)
    except (ThiduaError, OSError) as exc:
        if isinstance(exc, OSError):  # a file or folder that cannot be read or written
            from thidua.fileio import os_problem
            _write_log(button_id, traceback.format_exc())
            exc = ThiduaError(os_problem(exc))
        text = "Chưa làm được việc này:\n\n" + problems_text(exc.problems)
        try:
            _alert(book, text, title, critical=True)
        except Exception:  # noqa: BLE001
            _write_log(button_id, text + "\n" + traceback.format_exc())
    except Exception:  # noqa: BLE001 - a bug: the user gets words, the log gets the traceback
        where = _write_log(button_id, traceback.format_exc())
        shown = f"\n\nChi tiết kỹ thuật đã ghi vào tệp:\n{where}" if where else ""
        text = ("Có lỗi ngoài dự kiến nên việc này chưa làm xong. Hãy gửi tệp nhật ký dưới đây "
                "cho cán bộ công nghệ thông tin." + shown)
        try:
            _alert(book, text, title, critical=True)
        except Exception:  # noqa: BLE001
            print(text, file=sys.stderr)
