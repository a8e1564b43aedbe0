"""Install the add-in on a Windows PC with Excel (``thidua addin install``).

* The add-ins are built afresh and copied into Excel's user start-up folder
  (``%APPDATA%\\Microsoft\\Excel\\XLSTART``), which Excel opens at every start
  and trusts by default — as ``xlwings addin install`` does. Files copied by
  Python carry no Mark of the Web; a ``Zone.Identifier`` stream is removed all
  the same. Older ``thidua.addin.*.xlam`` there are replaced.
* xlwings' settings for the add-ins are written to the user configuration the
  template's VBA reads (``%USERPROFILE%\\.myaddin\\myaddin.conf``, named after
  the template's project): ``INTERPRETER_WIN`` — the Python that runs this
  command, where thidua is installed — and ``ADD_WORKBOOK_TO_PYTHONPATH`` =
  false (a workbook's folder never shadows a Python module).

``remove=True`` deletes the add-ins again (the configuration file is kept: it
may serve other xlwings add-ins; its path is printed).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from thidua.errors import Problem, ThiduaError

__all__ = ["Installed", "install", "startup_dir", "config_path", "NOT_WINDOWS"]

NOT_WINDOWS = ("add-in «Thi đua» chạy trong Microsoft Excel cho Windows (Excel 2016 trở lên): "
               "không cài được trên máy này")
NOT_WINDOWS_HINT = ("chạy «thidua addin install» trên máy Windows có Excel; trên máy này có thể "
                    "dùng «thidua addin build --out THƯ_MỤC» để tạo các tệp .xlam rồi chép sang")


@dataclass
class Installed:
    folder: Path
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    config: Path | None = None
    interpreter: str = ""


def startup_dir() -> Path:
    appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def config_path() -> Path:
    home = os.environ.get("USERPROFILE") or str(Path.home())
    return Path(home) / ".myaddin" / "myaddin.conf"


def _strip_mark_of_the_web(path: Path) -> None:
    if os.name != "nt":
        return
    try:
        os.remove(str(path) + ":Zone.Identifier")
    except OSError:
        pass


def _write_config(path: Path, settings: dict[str, str]) -> None:
    """xlwings' user config: one ``"KEY","value"`` line per setting (read by VBA ``Input #``).

    Existing keys of other tools are kept. VBA reads the file in the system's
    ANSI code page, so a value it cannot hold is refused with advice.
    """
    encoding = "mbcs" if os.name == "nt" else "utf-8"
    lines = []
    if path.is_file():
        for line in path.read_text(encoding=encoding, errors="replace").splitlines():
            key = line.split(",", 1)[0].strip().strip('"').upper()
            if key and key not in settings:
                lines.append(line)
    for key, value in settings.items():
        lines.append(f'"{key}","{value}"')
    text = "\r\n".join(lines) + "\r\n"
    try:
        data = text.encode(encoding, errors="strict")
    except UnicodeEncodeError:
        raise ThiduaError(Problem(
            f"đường dẫn Python «{settings.get('INTERPRETER_WIN', '')}» có ký tự mà Excel (VBA) "
            "không đọc được trong tệp cấu hình",
            hint="cài Python và thidua vào thư mục không dấu, ví dụ C:\\thidua, rồi chạy lại"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def install(*, folder: str | os.PathLike | None = None, config: str | os.PathLike | None = None,
            interpreter: str | None = None, remove: bool = False,
            platform: str | None = None, when=None) -> Installed:
    """Build and install the add-ins (or ``remove`` them); see the module docstring.

    ``folder``, ``config``, ``interpreter`` and ``platform`` default to this PC's
    (tests pass their own to run the steps anywhere).
    """
    from thidua.addin.build import PREFIX, build_addins

    platform = platform or sys.platform
    if not platform.startswith("win"):
        raise ThiduaError(Problem(NOT_WINDOWS, hint=NOT_WINDOWS_HINT))
    target = Path(folder) if folder is not None else startup_dir()
    conf = Path(config) if config is not None else config_path()
    done = Installed(target, config=conf)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for old in sorted(target.glob(PREFIX + "*.xlam")):
            old.unlink()
            done.removed.append(old)
        if remove:
            return done
        done.files = build_addins(target, when=when)
        for path in done.files:
            _strip_mark_of_the_web(path)
    except PermissionError as exc:
        raise ThiduaError(Problem(
            f"không ghi được vào «{exc.filename or target}» (tệp đang mở hoặc không có quyền)",
            hint="đóng hết cửa sổ Excel rồi chạy lại lệnh"))
    exe = interpreter or sys.executable
    if exe.lower().endswith("pythonw.exe"):
        exe = exe[:-len("pythonw.exe")] + "python.exe"
    done.interpreter = exe
    _write_config(conf, {"INTERPRETER_WIN": exe, "ADD_WORKBOOK_TO_PYTHONPATH": "false"})
    return done
