"""The built add-in files: structure, ribbon, VBA callbacks (read with olevba), install steps."""
from __future__ import annotations

import datetime as dt
import importlib
import os
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # before xlwings is imported

import pytest  # noqa: E402
import xlwings  # noqa: E402

from thidua.addin import BUTTONS, XLWINGS_VERSION  # noqa: E402
from thidua.addin.build import (CUSTOMUI_NS, PREFIX, addin_file_name, build_addins,  # noqa: E402
                                module_name, ribbon_buttons, template_path)
from thidua.addin.install import NOT_WINDOWS, install  # noqa: E402
from thidua.errors import ThiduaError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")  # oletools uses old pyparsing names
WHEN = dt.datetime(2026, 11, 22, 8, 0, 0)
Q = f"{{{CUSTOMUI_NS}}}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    return build_addins(tmp_path_factory.mktemp("xlam"), when=WHEN)


def vba_modules(path: Path) -> dict[str, str]:
    """Module name -> VBA source, as olevba reads the add-in."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {Path(vba_filename).stem: code
                for _f, _s, vba_filename, code in parser.extract_macros()}
    finally:
        parser.close()


def test_one_addin_per_button_in_ribbon_order(built):
    buttons = ribbon_buttons()
    assert [b.id for b in buttons] == list(BUTTONS)  # every button, the registry's order
    assert [p.name for p in built] == [addin_file_name(b) for b in buttons]
    assert [p.name for p in built] == sorted(p.name for p in built)  # Excel loads XLSTART by name


def test_addin_is_a_valid_package_with_a_customui_ribbon(built):
    for path in built:
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            names = zf.namelist()
            rels = zf.read("_rels/.rels").decode()
            assert 'Target="customUI/customUI.xml"' in rels and "ui/extensibility" in rels
            assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in \
                zf.read("[Content_Types].xml").decode()
            raw = zf.read("customUI/customUI.xml").decode("utf-8")
            with zipfile.ZipFile(template_path()) as template:
                # the VBA project is xlwings' own, byte for byte: nothing binary is edited
                assert zf.read("xl/vbaProject.bin") == template.read("xl/vbaProject.bin")
                assert set(names) == set(template.namelist())
        root = ET.fromstring(raw)
        assert root.tag == Q + "customUI"
        tabs = list(root.iter(Q + "tab"))
        groups = list(root.iter(Q + "group"))
        buttons = list(root.iter(Q + "button"))
        assert len(tabs) == 1 and len(groups) == 1 and len(buttons) == 1
        assert tabs[0].get("idQ") == "t:tabThiDua" and tabs[0].get("label") == "Thi đua"
        assert 'xmlns:t="vn.thidua.addin"' in raw  # the shared namespace of the idQ ids
        assert groups[0].get("idQ").startswith("t:")
        assert buttons[0].get("imageMso") and buttons[0].get("size") == "large"


def test_every_onaction_is_a_vba_callback_of_the_addin(built):
    for path in built:
        modules = vba_modules(path)
        raw = zipfile.ZipFile(path).read("customUI/customUI.xml")
        for el in ET.fromstring(raw).iter():
            action = el.get("onAction")
            if action is None:
                continue
            module, sub = action.split(".")
            assert module in modules, (path.name, sorted(modules))
            assert re.search(rf"^\s*(Public\s+)?Sub\s+{sub}\s*\(\s*control\s+As\s+IRibbonControl\s*\)",
                             modules[module], re.M | re.I)
        # the callback runs the module named after the add-in file
        assert 'RunPython "import " & mymodule' in modules["RibbonMyAddin"]
        assert "InStrRev(ThisWorkbook.Name" in modules["RibbonMyAddin"]


def test_vba_xlwings_version_is_the_installed_one(built):
    modules = vba_modules(built[0])
    versions = re.findall(r'XLWINGS_VERSION As String = "([^"]+)"', "\n".join(modules.values()))
    assert versions and set(versions) == {xlwings.__version__} == {XLWINGS_VERSION}
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"xlwings=={XLWINGS_VERSION}"' in pyproject  # pinned exactly


def test_labels_are_vietnamese_nfc(built):
    for path in built:
        raw = zipfile.ZipFile(path).read("customUI/customUI.xml").decode("utf-8")
        assert raw == unicodedata.normalize("NFC", raw)
        for el in ET.fromstring(raw).iter():
            for key in ("label", "screentip", "supertip"):
                text = el.get(key)
                if text:
                    assert text == unicodedata.normalize("NFC", text)
        core = zipfile.ZipFile(path).read("docProps/core.xml").decode("utf-8")
        assert "<dc:title>Thi đua — " in core
    labels = [b.label for b in ribbon_buttons()]
    assert labels == ["Tạo mẫu đơn vị", "Tổng hợp", "Kiểm tra dữ liệu", "Tính điểm",
                      "Xét khen thưởng", "Xuất văn bản"]


def test_each_addin_runs_its_button(built, monkeypatch):
    calls = []
    for button in ribbon_buttons():
        name = module_name(button)
        assert name.startswith(PREFIX)
        module = importlib.import_module(name)  # what RunMain imports for this file name
        monkeypatch.setattr(module, "run_button", lambda b, book=None: calls.append(b))
        module.main()
    assert calls == list(BUTTONS)


def test_build_is_reproducible_and_replaces_old_files(built, tmp_path):
    (tmp_path / f"{PREFIX}nut9_cu.xlam").write_bytes(b"old")
    again = build_addins(tmp_path, when=WHEN)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in built]
    assert not (tmp_path / f"{PREFIX}nut9_cu.xlam").exists()


def test_install_steps(tmp_path):
    with pytest.raises(ThiduaError) as err:
        install(platform="linux", folder=tmp_path / "x", config=tmp_path / "c.conf")
    assert NOT_WINDOWS in str(err.value) and "Windows" in str(err.value)

    folder, conf = tmp_path / "XLSTART", tmp_path / ".myaddin" / "myaddin.conf"
    conf.parent.mkdir()
    conf.write_text('"LICENSE_KEY","abc"\r\n"INTERPRETER_WIN","C:\\cu\\python.exe"\r\n')
    (folder).mkdir()
    (folder / f"{PREFIX}nut9_cu.xlam").write_bytes(b"old")
    (folder / "khac.xlam").write_bytes(b"other add-in")
    done = install(platform="win32", folder=folder, config=conf,
                   interpreter="C:\\thidua\\.venv\\Scripts\\pythonw.exe", when=WHEN)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in done.files] + ["khac.xlam"])
    lines = conf.read_text().splitlines()
    assert lines == ['"LICENSE_KEY","abc"', '"INTERPRETER_WIN","C:\\thidua\\.venv\\Scripts\\python.exe"',
                     '"ADD_WORKBOOK_TO_PYTHONPATH","false"']
    removed = install(platform="win32", folder=folder, config=conf, remove=True)
    assert len(removed.removed) == len(BUTTONS)
    assert [p.name for p in folder.iterdir()] == ["khac.xlam"]
