"""Install the add-in on a Windows PC with Excel (``thidua addin install``).

* ``thidua.xlam`` is built afresh (or, with ``xlam=``, a copy the office's IT
  has signed is taken as it is) and copied into Excel's user start-up folder
  (``%APPDATA%\\Microsoft\\Excel\\XLSTART``), which Excel opens at every start
  and trusts by default. It is always installed as ``thidua.xlam``: the
  buttons do not depend on the file name, but two copies would show two tabs,
  so any other copy of this add-in found there (``thidua (1).xlam`` …) and the
  first release's ``thidua.addin.*.xlam`` files are removed. Files copied by
  Python carry no Mark of the Web; a ``Zone.Identifier`` stream is removed all
  the same.
* xlwings' settings are written to the add-in's own configuration file
  (``%USERPROFILE%\\.thidua\\thidua.conf``, named after its VBA project):
  ``INTERPRETER_WIN`` — the Python that runs this command, where thidua is
  installed — and ``ADD_WORKBOOK_TO_PYTHONPATH`` = false (a workbook's folder
  never shadows a Python module).

``remove=True`` deletes the add-in and its configuration file again.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from thidua.errors import Problem, ThiduaError

__all__ = ["Installed", "install", "startup_dir", "config_path", "NOT_WINDOWS"]

NOT_WINDOWS = ("add-in «Thi đua» chạy trong Microsoft Excel cho Windows (Excel 2010 trở lên): "
               "không cài được trên máy này")
NOT_WINDOWS_HINT = ("chạy «thidua addin install» trên máy Windows có Excel; trên máy này có thể "
                    "dùng «thidua addin bundle --out thidua-cai-dat.zip» để làm bộ cài chép sang "
                    "máy Windows")


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
    from thidua.addin.build import PROJECT_NAME
    return Path(home) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


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


def _is_thidua_addin(path: Path) -> bool:
    """A copy of this add-in: an .xlam whose ribbon has the «Thi đua» tab of thidua."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            ribbon = zf.read("customUI/customUI.xml").decode("utf-8", "replace")
            return 'id="tabThiDua"' in ribbon and "xl/vbaProject.bin" in zf.namelist()
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _check_given(xlam: Path) -> None:
    if not xlam.is_file():
        raise ThiduaError(Problem("không tìm thấy tệp add-in", file=str(xlam),
                                  hint="chỉ đúng tệp thidua.xlam (đã ký) cần cài"))
    if not _is_thidua_addin(xlam):
        raise ThiduaError(Problem(
            "tệp này không phải add-in «Thi đua» do thidua tạo", file=str(xlam),
            hint="dùng tệp thidua.xlam do «thidua addin build» tạo (có thể đã được ký số)"))


def install(*, folder: str | os.PathLike | None = None, config: str | os.PathLike | None = None,
            interpreter: str | None = None, remove: bool = False, xlam: str | os.PathLike | None = None,
            platform: str | None = None, when=None) -> Installed:
    """Build and install the add-in (or ``remove`` it); see the module docstring.

    ``xlam``: install this add-in file (e.g. signed by the office's IT) instead
    of building one. ``folder``, ``config``, ``interpreter`` and ``platform``
    default to this PC's (tests pass their own to run the steps anywhere).
    """
    import shutil

    from thidua.addin.build import ADDIN_NAME, OLD_PREFIX, build_addin

    platform = platform or sys.platform
    if not platform.startswith("win"):
        raise ThiduaError(Problem(NOT_WINDOWS, hint=NOT_WINDOWS_HINT))
    target = Path(folder) if folder is not None else startup_dir()
    conf = Path(config) if config is not None else config_path()
    done = Installed(target, config=conf)
    if xlam is not None:
        _check_given(Path(xlam))
    try:
        target.mkdir(parents=True, exist_ok=True)
        for old in sorted(target.glob("*.xla*")):
            if old.name.startswith(OLD_PREFIX) or (old.name != ADDIN_NAME and _is_thidua_addin(old)):
                old.unlink()
                done.removed.append(old)
        if remove:
            mine = target / ADDIN_NAME
            if mine.exists():
                mine.unlink()
                done.removed.append(mine)
            if conf.exists():
                conf.unlink()
            return done
        if xlam is not None:
            shutil.copyfile(xlam, target / ADDIN_NAME)
            done.files = [target / ADDIN_NAME]
        else:
            done.files = [build_addin(target, when=when)]
        for path in done.files:
            _strip_mark_of_the_web(path)
    except PermissionError as exc:
        raise ThiduaError(Problem(
            f"không ghi được vào «{exc.filename or target}» (tệp đang mở hoặc không có quyền)",
            hint="đóng hết cửa sổ Excel rồi chạy lại")) from None
    exe = interpreter or sys.executable
    if exe.lower().endswith("pythonw.exe"):
        exe = exe[:-len("pythonw.exe")] + "python.exe"
    done.interpreter = exe
    _write_config(conf, {"INTERPRETER_WIN": exe, "ADD_WORKBOOK_TO_PYTHONPATH": "false"})
    return done
