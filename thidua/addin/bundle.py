"""An offline installer for Windows PCs (``thidua addin bundle``).

Offices often have no internet on the PC that runs Excel. The bundle is one
``.zip`` made on a machine that has it:

* ``wheels/`` — thidua's own wheel (built from the source tree this package
  runs from) and the wheel of every dependency for 64-bit Windows and the
  chosen Python versions, downloaded by pip for the ``win_amd64`` platform;
  before the zip is written, pip's resolver checks, without any index, that
  these wheels alone install thidua on that platform;
* ``thidua.xlam`` — the add-in, built here, so the office's IT can sign it once
  (``addin/README.md``) before copying the bundle to every PC;
* ``cai-dat.bat`` — checks the PC's Python, makes ``C:\\thidua\\venv`` (or the
  folder given as its argument), installs with ``pip --no-index`` from
  ``wheels/`` and runs ``thidua addin install --xlam thidua.xlam``;
* ``HUONG-DAN.txt`` — the steps, in Vietnamese.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from thidua.errors import Problem, ThiduaError

__all__ = ["Bundle", "bundle", "build_wheel", "install_script", "source_root", "PLATFORM", "DEFAULT_PYTHONS"]

PLATFORM = "win_amd64"
DEFAULT_PYTHONS = ("3.12",)
FOLDER = "thidua-cai-dat"  # the folder inside the zip
DEFAULT_TARGET = r"C:\thidua"


@dataclass
class Bundle:
    path: Path
    wheels: list[str] = field(default_factory=list)
    pythons: list[str] = field(default_factory=list)


def source_root() -> Path | None:
    """The source tree this package runs from (with its pyproject.toml), if any."""
    root = Path(__file__).resolve().parents[2]
    project = root / "pyproject.toml"
    if project.is_file() and re.search(r'(?m)^name\s*=\s*"thidua"', project.read_text("utf-8")):
        return root
    return None


def _pip_env() -> dict[str, str]:
    """pip without this machine's own settings (config files, extra indexes, find-links)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _pip(args: list[str], what: str) -> str:
    run = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                         env=_pip_env())
    if run.returncode != 0:
        lines = [line for line in (run.stderr + run.stdout).splitlines()
                 if line.startswith("ERROR") or "No matching distribution" in line]
        detail = lines[-1] if lines else (run.stderr.strip().splitlines() or ["pip báo lỗi"])[-1]
        raise ThiduaError(Problem(f"{what} không được: {detail}",
                                  hint="kiểm tra kết nối Internet (máy làm bộ cài cần Internet) "
                                       "rồi chạy lại"))
    return run.stdout


def _platform_args(python: str) -> list[str]:
    return ["--only-binary=:all:", "--platform", PLATFORM, "--python-version", python,
            "--implementation", "cp"]


def build_wheel(out: Path) -> Path:
    """thidua's wheel, built from a clean copy of the source tree into ``out``.

    The copy matters: setuptools reuses ``build/`` and ``*.egg-info`` left in a
    checkout, so a file missing from the package data could slip into the wheel.
    """
    import shutil

    root = source_root()
    if root is None:
        raise ThiduaError(Problem(
            "không tìm thấy mã nguồn thidua (thư mục có pyproject.toml) để đóng gói",
            hint="chạy lệnh từ bản mã nguồn thidua (cài bằng «python3 tasks.py demo»)"))
    out = Path(out)
    src = out / "src"
    shutil.copytree(root / "thidua", src / "thidua",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    _pip(["wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(src)],
         "tạo gói thidua")
    wheels = sorted(out.glob("thidua-*.whl"))
    if not wheels:
        raise ThiduaError(Problem("tạo gói thidua không ra tệp .whl"))
    return wheels[-1]


def _distribution(wheel: Path) -> str:
    return wheel.name.split("-", 1)[0]


def _packaging():
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:  # pip carries its own copy
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name
    return Requirement, canonicalize_name


def target_environment(python: str) -> dict[str, str]:
    """The PEP 508 marker values of CPython ``python`` on 64-bit Windows."""
    return {"implementation_name": "cpython", "implementation_version": f"{python}.0",
            "os_name": "nt", "platform_machine": "AMD64", "platform_release": "10",
            "platform_system": "Windows", "platform_version": "10.0.19045",
            "platform_python_implementation": "CPython", "python_full_version": f"{python}.0",
            "python_version": python, "sys_platform": "win32", "extra": ""}


def missing_requirements(folder: Path, python: str) -> list[str]:
    """Requirements of the wheels in ``folder`` that no wheel there meets on Windows.

    pip evaluates environment markers on the machine it runs on, not on the
    ``--platform`` it downloads for: ``pywin32; platform_system == 'Windows'``
    (xlwings) or ``tzdata; sys_platform == 'win32'`` (pandas) are skipped when
    the bundle is made on Linux. This check evaluates them for the target.
    """
    Requirement, canonical = _packaging()
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        from pip._vendor.packaging.specifiers import SpecifierSet
    env = target_environment(python)
    have: dict[str, str] = {}
    for wheel in folder.glob("*.whl"):
        parts = wheel.name.split("-")
        have[canonical(parts[0])] = parts[1]
    missing = []
    for wheel in sorted(folder.glob("*.whl")):
        with zipfile.ZipFile(wheel) as zf:
            meta = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA")), None)
            text = zf.read(meta).decode("utf-8", "replace") if meta else ""
        for line in text.split("\n\n", 1)[0].splitlines():
            if line.lower().startswith("requires-python:"):
                if not SpecifierSet(line.split(":", 1)[1].strip()).contains(env["python_full_version"]):
                    missing.append(f"{wheel.name} (cần Python {line.split(':', 1)[1].strip()})")
                continue
            if not line.lower().startswith("requires-dist:"):
                continue
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            version = have.get(canonical(req.name))
            if version is None or not req.specifier.contains(version, prereleases=True):
                req.marker = None
                missing.append(str(req))
    return sorted(set(missing))


def install_script(pythons: list[str], project: str = "thidua") -> str:
    """The text of ``cai-dat.bat`` (CRLF line ends are added when written)."""
    versions = " ".join(pythons)
    # No «%» and no «&» in it: cmd.exe would expand or split them.
    check = ("import sys,struct;v='.'.join(map(str,sys.version_info[:2]));"
             f"sys.exit(0 if v in '{versions}'.split() and struct.calcsize('P')==8 else 1)")
    return f"""@echo off
chcp 65001 >nul
setlocal
rem Bộ cài thidua không cần Internet: cài thidua và add-in Excel «Thi đua».
rem Cách dùng: cai-dat.bat [THƯ_MỤC_CÀI]   (mặc định {DEFAULT_TARGET})
set "HERE=%~dp0"
set "DEST={DEFAULT_TARGET}"
if not "%~1"=="" set "DEST=%~1"

set "PY="
for %%V in ({versions}) do (
  if not defined PY (
    py -%%V-64 -c "import sys" >nul 2>&1 && set "PY=py -%%V-64"
  )
)
if not defined PY (
  python -c "{check}" >nul 2>&1 && set "PY=python"
)
if not defined PY (
  echo Không tìm thấy Python {" hoặc ".join(pythons)} bản 64 bit trên máy này.
  echo Cài Python đó cho người dùng hiện tại (xem HUONG-DAN.txt, bước 1^) rồi chạy lại cai-dat.bat.
  exit /b 1
)
%PY% -c "{check}" >nul 2>&1
if errorlevel 1 (
  echo Python tìm thấy không phải bản {" hoặc ".join(pythons)} 64 bit mà bộ cài này dành cho.
  exit /b 1
)

echo Đóng hết cửa sổ Excel trước khi cài.
echo Cài vào %DEST% ...
if not exist "%DEST%\\venv\\Scripts\\python.exe" (
  %PY% -m venv "%DEST%\\venv"
  if errorlevel 1 (
    echo Không tạo được thư mục %DEST%\\venv: chọn thư mục khác, ví dụ cai-dat.bat D:\\thidua
    exit /b 1
  )
)
"%DEST%\\venv\\Scripts\\python.exe" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%wheels" --upgrade {project}
if errorlevel 1 (
  echo Cài các gói Python không được: xem thông báo ở trên.
  exit /b 1
)
"%DEST%\\venv\\Scripts\\thidua.exe" addin install --xlam "%HERE%thidua.xlam"
if errorlevel 1 exit /b 1
echo.
echo Xong. Mở Excel: thẻ «Thi đua» hiện trên thanh công cụ.
exit /b 0
"""


def _guide(pythons: list[str]) -> str:
    versions = " hoặc ".join(pythons)
    return f"""BỘ CÀI THIDUA VÀ ADD-IN EXCEL «THI ĐUA» (không cần Internet)

Máy cần: Windows 10 hoặc 11 (64 bit), Microsoft Excel 2010 trở lên, Python {versions} bản 64 bit.

1. Cài Python {versions} bản «Windows installer (64-bit)» (tải sẵn từ python.org và chép
   sang cùng bộ cài này): chọn «Install for current user» và đánh dấu «Add python.exe
   to PATH». Nên để thư mục cài mặc định.
2. Đóng hết cửa sổ Excel.
3. Giải nén tệp .zip này vào một thư mục, nhấp đúp cai-dat.bat (hoặc mở Command Prompt
   và chạy: cai-dat.bat D:\\thidua để cài vào thư mục khác {DEFAULT_TARGET}). Đường dẫn
   thư mục cài nên không dấu.
4. Mở Excel: thẻ «Thi đua» hiện trên thanh công cụ.

Cán bộ công nghệ thông tin: nếu cơ quan chỉ cho chạy macro có chữ ký số, ký tệp
thidua.xlam trong bộ cài này một lần trước khi chép bộ cài cho các máy (cách ký và cách
đặt vị trí tin cậy bằng chính sách: addin/README.md của mã nguồn thidua, mục «Ký số»).
Cài lại hay cập nhật: chạy lại cai-dat.bat của bộ cài mới. Gỡ: {DEFAULT_TARGET}\\venv\\Scripts\\thidua
addin install --remove, rồi xóa thư mục {DEFAULT_TARGET}.
"""


def bundle(out: str | os.PathLike, *, pythons: list[str] | None = None,
           own_wheel: str | os.PathLike | None = None, find_links: str | os.PathLike | None = None,
           when: dt.datetime | None = None) -> Bundle:
    """Write the offline installer ``out`` (a .zip); see the module docstring.

    ``pythons``: Python versions of the Windows PCs ("3.12"…). ``own_wheel``:
    the project's wheel (default: built from the source tree); ``find_links``:
    a folder of wheels to use instead of the package index (tests, mirrors).
    """
    from thidua.addin.build import build_addin

    pythons = list(pythons or DEFAULT_PYTHONS)
    for python in pythons:
        if not re.fullmatch(r"3\.\d{1,2}", python):
            raise ThiduaError(Problem(f"phiên bản Python «{python}» không hợp lệ",
                                      hint="viết dạng 3.12"))
    index = ["--no-index", "--find-links", str(find_links)] if find_links else []
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="thidua-bundle-") as tmp:
        work = Path(tmp)
        wheels = work / "wheels"
        wheels.mkdir()
        project = Path(own_wheel) if own_wheel else build_wheel(work / "own")
        name = _distribution(project)
        for python in pythons:
            wanted = [str(project)]
            for _round in range(8):
                _pip(["download", *index, *_platform_args(python), "--dest", str(wheels), *wanted],
                     f"tải các gói cho Windows 64 bit, Python {python}")
                wanted = missing_requirements(wheels, python)
                if not wanted:
                    break
            if wanted:
                raise ThiduaError(Problem(
                    f"bộ cài cho Python {python} vẫn thiếu: {', '.join(wanted)}",
                    hint="kiểm tra kết nối Internet rồi chạy lại"))
            # Requires-Python is checked against this machine's Python by pip: skipped here,
            # checked for the target by missing_requirements.
            _pip(["install", "--dry-run", "--ignore-installed", "--ignore-requires-python",
                  "--no-index", "--find-links",
                  str(wheels), *_platform_args(python), "--target", str(work / "check"), name],
                 f"kiểm tra bộ cài (Python {python}, không có Internet)")
        addin = build_addin(work / "addin", when=when)
        stamp = (when or dt.datetime.now()).replace(microsecond=0)
        date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute,
                     stamp.second)
        files = {f"{FOLDER}/wheels/{w.name}": w.read_bytes() for w in sorted(wheels.glob("*.whl"))}
        files[f"{FOLDER}/thidua.xlam"] = addin.read_bytes()
        files[f"{FOLDER}/cai-dat.bat"] = install_script(pythons, name).replace(
            "\n", "\r\n").encode("utf-8")
        files[f"{FOLDER}/HUONG-DAN.txt"] = _guide(pythons).replace("\n", "\r\n").encode("utf-8")

        def write(target: Path) -> None:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
                for entry_name, data in files.items():
                    entry = zipfile.ZipInfo(entry_name, date_time=date_time)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry.external_attr = 0o644 << 16
                    zf.writestr(entry, data)

        from thidua.fileio import atomic_write
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, write)
        return Bundle(out, sorted(w.name for w in wheels.glob("*.whl")), pythons)
