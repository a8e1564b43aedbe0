#!/usr/bin/env python3
"""Set-up and everyday jobs, runnable with nothing but ``python3``.

    python3 tasks.py demo    # create .venv, install thidua, run the sample job
    python3 tasks.py test    # create .venv, install thidua[test], run the tests
    python3 tasks.py bench   # run every benchmark in bench/, write bench/RESULTS.md
                             # (python3 tasks.py bench score_units.py: only that one)

The virtual environment lives in ``.venv`` next to this file and is
re-installed only when ``pyproject.toml`` changes. ``test`` and ``demo`` also
install LibreOffice Calc and poppler-utils with apt-get when they are missing
and we are root (the tests recalculate the generated workbooks with them).
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

# Debian packages for the spreadsheet proof: LibreOffice Calc recalculates the
# generated workbooks' formulas, pdftoppm renders them, DejaVu has Vietnamese glyphs.
SYSTEM_PACKAGES = ("libreoffice-calc-nogui", "libreoffice-writer-nogui", "poppler-utils",
                   "fonts-dejavu-core",
                   "fonts-liberation2", "fonts-crosextra-carlito")


def _have_soffice() -> bool:
    return bool(shutil.which("soffice") or shutil.which("libreoffice")
                or os.path.exists("/usr/lib/libreoffice/program/soffice")
                or glob.glob("/opt/libreoffice*/program/soffice"))


def _have_writer() -> bool:
    """LibreOffice Writer (for documents to PDF) next to the soffice binary."""
    return any(os.path.exists(os.path.join(d, "program", "libswlo.so"))
               for d in ["/usr/lib/libreoffice", *glob.glob("/opt/libreoffice*")])


def _missing_tools() -> list[str]:
    missing = [] if _have_soffice() else ["soffice"]
    missing += [] if _have_writer() else ["LibreOffice Writer"]
    return missing + ([] if shutil.which("pdftoppm") else ["pdftoppm"])


def ensure_system_packages() -> None:
    """Install LibreOffice Calc and poppler-utils with apt-get when missing.

    Does nothing when both are present. Without root or apt-get it only warns:
    the tests that need LibreOffice then skip (or fail when CI is set).
    """
    missing = _missing_tools()
    if not missing:
        return
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt and is_root:
        print(f"• Cài LibreOffice Calc và poppler-utils ({', '.join(SYSTEM_PACKAGES)}) "
              "để tính lại công thức trong bảng tính …", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        ok = subprocess.call([apt, "update", "-qq"], env=env) == 0
        ok = ok and subprocess.call([apt, "install", "-y", "-qq", "--no-install-recommends",
                                     *SYSTEM_PACKAGES], env=env) == 0
        missing = _missing_tools()
        if ok and not missing:
            return
        why = "apt-get báo lỗi" if not ok else "cài xong nhưng vẫn không thấy chương trình"
    else:
        why = "không có apt-get" if not apt else "cần quyền root"
    print(f"⚠ Thiếu {', '.join(missing)} và không tự cài được ({why}). Các kiểm thử cần "
          f"LibreOffice sẽ bị bỏ qua (hoặc báo lỗi nếu đặt biến CI). Cài tay: "
          f"sudo apt-get install {' '.join(SYSTEM_PACKAGES)}", file=sys.stderr, flush=True)


def ensure_env() -> None:
    """Create the virtual environment and install the package (editable)."""
    if not PY.exists():
        print("• Tạo môi trường Python riêng trong .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("• Cài đặt thidua và các thư viện cần thiết …", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-e", f"{ROOT}[test]"], check=True)
    stamp.write_text(digest)


#: The benchmarks ``bench`` runs (each writes bench/results/<name>.json), then bench/RESULTS.md.
BENCHES = ("score_units.py", "tinh_diem_units.py", "generate_units.py", "consolidate_units.py",
           "plan_workbook_100.py")


def main(argv: list[str]) -> int:
    job = argv[0] if argv else "demo"
    rest = argv[1:]
    if job in ("test", "demo"):
        ensure_system_packages()
    ensure_env()
    if job == "demo":
        return subprocess.call([str(PY), "-m", "thidua", "demo", *rest], cwd=ROOT)
    if job == "test":
        return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)
    if job == "bench":
        # the peers write workbooks with XlsxWriter (only the benchmarks need it)
        subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "xlsxwriter>=3.1"], check=True)
        code = 0
        for name in BENCHES:
            if rest and name not in rest:
                continue
            print(f"== {name}", flush=True)
            code |= subprocess.call([str(PY), str(ROOT / "bench" / name)], cwd=ROOT)
        subprocess.call([str(PY), str(ROOT / "bench" / "report.py")], cwd=ROOT)
        return code
    print(f"Không rõ việc cần làm: {job!r}. Dùng: demo | test | bench", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
