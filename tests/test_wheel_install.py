"""A plain (non-editable) install of the wheel has everything the commands need.

The wheel is built from the repository, installed without ``-e`` and without
its dependencies into a fresh virtual environment (offline: ``--no-index``),
which then sees the dependencies of the test environment after its own
site-packages. ``thidua documents`` and ``thidua addin build`` run from a
folder outside the repository, so nothing can be found through it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from thidua.addin.bundle import _pip_env, build_wheel

ROOT = Path(__file__).resolve().parent.parent


def run(args: list, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a venv holding thidua installed from its wheel."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(work / "dist")  # from a clean copy of the sources
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         wheel], env=_pip_env())
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return bin_dir


def test_the_wheel_carries_the_package_data():
    # What setuptools puts in the wheel is what pyproject.toml lists: check the listed globs
    # match the files the code looks for.
    from thidua.addin.build import SOURCE_DIR
    from thidua.documents import TEMPLATES
    from thidua.documents.templates import DIR
    assert all((DIR / name).is_file() for name in TEMPLATES.values())
    assert (SOURCE_DIR / "ribbon.xml").is_file() and list((SOURCE_DIR / "vba").glob("*.bas"))


def test_plain_install_runs_documents_and_addin_build(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    exe = installed / ("thidua.exe" if os.name == "nt" else "thidua")
    where = run([installed / "python", "-c", "import thidua; print(thidua.__file__)"],
                cwd=tmp_path, env=env).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where  # not the repository's copy
    sample = ROOT / "thidua" / "samples" / "nui-thanh-dvc-2023.csv"
    done = run([exe, "documents", "nui-thanh-dvc-2023", "--data", sample, "--out", "van-ban",
                "--no-pdf"], cwd=tmp_path, env=env)
    written = sorted(p.name for p in (tmp_path / "van-ban").glob("*.docx"))
    assert written == ["bao-cao-ket-qua.docx", "quyet-dinh-khen-thuong.docx",
                       "to-trinh-khen-thuong.docx"], done.stdout + done.stderr
    done = run([exe, "addin", "build", "--out", "addin"], cwd=tmp_path, env=env)
    xlam = tmp_path / "addin" / "thidua.xlam"
    with zipfile.ZipFile(xlam) as zf:
        assert {"customUI/customUI.xml", "xl/vbaProject.bin"} <= set(zf.namelist())
    assert "Đã tạo add-in" in done.stdout
