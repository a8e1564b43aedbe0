#!/usr/bin/env python3
"""Set-up and everyday jobs, runnable with nothing but ``python3``.

    python3 tasks.py demo    # create .venv, install thidua, run the sample job
    python3 tasks.py test    # create .venv, install thidua[test], run the tests
    python3 tasks.py bench   # run every benchmark in bench/

The virtual environment lives in ``.venv`` next to this file and is
re-installed only when ``pyproject.toml`` changes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


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


def main(argv: list[str]) -> int:
    job = argv[0] if argv else "demo"
    rest = argv[1:]
    ensure_env()
    if job == "demo":
        return subprocess.call([str(PY), "-m", "thidua", "demo", *rest], cwd=ROOT)
    if job == "test":
        return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)
    if job == "bench":
        code = 0
        for script in sorted((ROOT / "bench").glob("*.py")):
            print(f"== {script.name}", flush=True)
            code |= subprocess.call([str(PY), str(script)], cwd=ROOT)
        return code
    print(f"Không rõ việc cần làm: {job!r}. Dùng: demo | test | bench", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
