"""The built add-in thidua.xlam: package, ribbon, VBA project (read back by olefile,
olevba and LibreOffice), reproducibility, install steps and the offline bundle."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import struct
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # before xlwings is imported

import pytest  # noqa: E402
import xlwings  # noqa: E402

from thidua.addin import BUTTONS, XLWINGS_VERSION  # noqa: E402
from thidua.addin.build import (ADDIN_NAME, CALLBACK, CUSTOMUI_NS, OLD_PREFIX,  # noqa: E402
                                PROJECT_NAME, build_addin, ribbon_buttons, vba_literal_text)
from thidua.addin.install import NOT_WINDOWS, config_path, install  # noqa: E402
from thidua.addin.ovba import compress, decrypt, encrypt  # noqa: E402
from thidua.errors import ThiduaError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")  # oletools uses old pyparsing names
WHEN = dt.datetime(2026, 11, 22, 8, 0, 0)
Q = f"{{{CUSTOMUI_NS}}}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("xlam"), when=WHEN)


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


def vba_storage(path: Path):
    import olefile

    data = zipfile.ZipFile(path).read("xl/vbaProject.bin")
    # DEFECT_POTENTIAL: olefile's strictest mode, any irregularity of the container raises.
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_POTENTIAL)


# ------------------------------------------------------------------ the package and its ribbon
def test_one_addin_with_every_button_in_ribbon_order(built):
    assert built.name == ADDIN_NAME
    buttons = ribbon_buttons()
    assert {b.id for b in buttons} == set(BUTTONS)
    root = ET.fromstring(zipfile.ZipFile(built).read("customUI/customUI.xml"))
    groups = [(g.get("label"), [b.get("id") for b in g.iter(Q + "button")])
              for g in root.iter(Q + "group")]
    assert groups == [("Kế hoạch", ["kiem_tra_ke_hoach", "tao_so_tu_ke_hoach"]),
                      ("Đơn vị", ["tao_mau", "tong_hop"]),
                      ("Chấm điểm", ["kiem_tra", "tinh_diem", "xet_khen_thuong"]),
                      ("Văn bản", ["xuat_van_ban"])]
    labels = [b.label for b in buttons]
    assert labels == ["Kiểm tra kế hoạch", "Tạo sổ từ kế hoạch", "Tạo mẫu đơn vị", "Tổng hợp",
                      "Kiểm tra dữ liệu", "Tính điểm", "Xét khen thưởng", "Xuất văn bản"]
    for el in root.iter(Q + "button"):
        assert el.get("onAction") == CALLBACK and el.get("imageMso") and el.get("size") == "large"


def test_package_parts_and_no_foreign_names(built):
    with zipfile.ZipFile(built) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        assert {"xl/vbaProject.bin", "customUI/customUI.xml", "xl/workbook.xml",
                "xl/worksheets/sheet1.xml", "[Content_Types].xml"} <= names
        rels = zf.read("_rels/.rels").decode()
        assert 'Target="customUI/customUI.xml"' in rels and "ui/extensibility" in rels
        assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in \
            zf.read("[Content_Types].xml").decode()
        workbook = zf.read("xl/workbook.xml").decode()
        assert 'codeName="ThisWorkbook"' in workbook
        assert 'codeName="Sheet1"' in zf.read("xl/worksheets/sheet1.xml").decode()
        text = b"".join(zf.read(n) for n in names if n != "xl/vbaProject.bin").decode("utf-8")
        # No trace of the xlwings template or of a developer's machine.
        for foreign in ("myaddin", "MyAddin", "felix", "absPath", "C:\\Users", "/home/", "/work/"):
            assert foreign not in text, foreign
        ribbon = zf.read("customUI/customUI.xml").decode("utf-8")
        assert ribbon == unicodedata.normalize("NFC", ribbon)


# ------------------------------------------------------------------ the VBA project
def test_vba_project_is_thiduas_own(built):
    ole = vba_storage(built)
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert f'Name="{PROJECT_NAME}"' in project and "MyAddin" not in project
    assert "Module=RibbonThiDua" in project and "Module=xlwings" in project
    assert "Document=ThisWorkbook/&H00000000" in project and "Class=Dictionary" in project
    project_id = re.search(r'ID="(\{[0-9A-F-]+\})"', project).group(1)
    fields = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"', project, re.M))
    # Unprotected, no password, visible (MS-OVBA §2.3.1.15-17), encrypted with this project's key.
    key = sum(project_id.encode()) & 0xFF
    assert decrypt(fields["CMG"]) == (key, bytes(4))
    assert decrypt(fields["DPB"]) == (key, b"\0")
    assert decrypt(fields["GC"]) == (key, b"\xff")
    # Source only: version 0xFFFF and no performance cache, so Excel compiles on open.
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")


def test_every_onaction_is_a_vba_callback_that_passes_the_button_id(built):
    modules = vba_modules(built)
    assert set(modules) == {"ThisWorkbook", "Sheet1", "RibbonThiDua", "xlwings", "Dictionary"}
    module, sub = CALLBACK.split(".")
    assert re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)\s*\n\s*ChayNut control\.ID",
                     modules[module].replace("\r\n", "\n"), re.M)
    ribbon_code = modules[module]
    assert "RunPython \"import thidua.addin; thidua.addin.run_button('\" & buttonId & \"')\"" \
        in ribbon_code
    # Nothing depends on the file name: a copy saved as «thidua (1).xlam» runs the same.
    assert "ThisWorkbook.Name" not in ribbon_code and "ThisWorkbook.FullName" not in ribbon_code
    # Vietnamese reaches VBA as ChrW(n), the stored source is plain ASCII.
    assert all(ord(c) < 128 for c in "".join(modules.values()))
    assert "ChrW(273)" in ribbon_code  # «đ»


def test_xlwings_module_is_configured_for_thidua(built):
    modules = vba_modules(built)
    code = modules["xlwings"]
    assert f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"' in code
    assert "myaddin" not in code
    versions = re.findall(r'XLWINGS_VERSION As String = "([^"]+)"', code)
    assert versions and set(versions) == {xlwings.__version__} == {XLWINGS_VERSION}
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"xlwings=={XLWINGS_VERSION}"' in pyproject  # pinned exactly
    # The config file the VBA reads is the one «thidua addin install» writes.
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in code
    assert config_path().parts[-2:] == (f".{PROJECT_NAME}", f"{PROJECT_NAME}.conf")


def test_dir_stream_records(built):
    """The dir stream, decompressed by oletools (not by our code), holds what §2.3.4.2 asks."""
    from oletools.olevba import decompress_stream

    ole = vba_storage(built)
    data = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    records, pos = [], 0
    while pos < len(data):
        rec_id, size = struct.unpack_from("<HI", data, pos)
        if rec_id == 0x0009:  # PROJECTVERSION: Reserved (=4) then 6 bytes
            size = 6
        records.append((rec_id, data[pos + 6:pos + 6 + size]))
        pos += 6 + size
    ids = [r for r, _ in records]
    assert ids[:4] == [0x0001, 0x0002, 0x0014, 0x0003] and ids[-1] == 0x0010
    assert dict(records)[0x0004] == PROJECT_NAME.encode()
    assert struct.unpack("<H", dict(records)[0x0003])[0] == 1252
    libids = [d[4:].split(b"#")[0] for r, d in records if r == 0x000D]
    assert libids == [b"*\\G{00020430-0000-0000-C000-000000000046}",  # stdole
                      b"*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}"]  # Office (IRibbonControl)
    names = [d.decode() for r, d in records if r == 0x0019]
    offsets = [struct.unpack("<I", d)[0] for r, d in records if r == 0x0031]
    assert names == ["ThisWorkbook", "Sheet1", "RibbonThiDua", "xlwings", "Dictionary"]
    assert offsets == [0] * len(names)  # each module stream is its compressed source, nothing else
    assert struct.unpack("<H", dict(records)[0x000F])[0] == len(names)


def test_compound_file_tree_is_a_valid_red_black_tree(built):
    """Each storage's children: ordered as MS-CFB §2.6.4 says, red-black, equal black heights."""
    raw = zipfile.ZipFile(built).read("xl/vbaProject.bin")
    dir_start = struct.unpack_from("<I", raw, 0x30)[0]
    ole = vba_storage(built)
    entries = []
    for sid in range(len(ole.direntries)):
        entry = ole._load_direntry(sid) if ole.direntries[sid] is None else ole.direntries[sid]
        if entry is not None:
            entries.append(entry)
    by_sid = {e.sid: e for e in entries}
    assert dir_start >= 1

    def key(e):
        return (len(e.name), e.name.upper())

    def check(sid, lo=None, hi=None) -> int:
        if sid == 0xFFFFFFFF:
            return 1
        e = by_sid[sid]
        assert (lo is None or key(lo) < key(e)) and (hi is None or key(e) < key(hi))
        left, right = e.sid_left, e.sid_right
        if e.color == 0:  # red: both children black
            for child in (left, right):
                assert child == 0xFFFFFFFF or by_sid[child].color == 1
        hl, hr = check(left, lo, e), check(right, e, hi)
        assert hl == hr
        return hl + (1 if e.color == 1 else 0)

    for e in entries:
        if e.entry_type in (1, 5):  # storage, root
            assert e.sid_child == 0xFFFFFFFF or by_sid[e.sid_child].color == 1
            check(e.sid_child)


def test_libreoffice_reads_the_vba_project(built, tmp_path):
    """A second, independent reader (LibreOffice's C++ import) finds the project and its modules."""
    from thidua.workbook.recalc import find_soffice
    if find_soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required on CI")
        pytest.skip("LibreOffice not installed")
    # LibreOffice opens macro workbooks, not add-ins: the same parts typed as a workbook.
    xlsm = tmp_path / "thidua.xlsm"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(xlsm, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"addin.macroEnabled.main", b"sheet.macroEnabled.main")
            dst.writestr(info.filename, data)
    from thidua.workbook.recalc import recalculate
    ods = recalculate([xlsm], tmp_path / "out", fmt="ods")[0]
    with zipfile.ZipFile(ods) as zf:
        library = zf.read(f"Basic/{PROJECT_NAME}/script-lb.xml").decode()
        assert sorted(re.findall(r'library:element library:name="([^"]+)"', library)) == \
            ["Dictionary", "RibbonThiDua", "Sheet1", "ThisWorkbook", "xlwings"]
        ribbon = zf.read(f"Basic/{PROJECT_NAME}/RibbonThiDua.xml").decode()
        assert 'script:moduleType="normal"' in ribbon and "Public Sub BamNut" in ribbon
        assert 'script:moduleType="document"' in zf.read(f"Basic/{PROJECT_NAME}/ThisWorkbook.xml").decode()
        assert 'script:moduleType="class"' in zf.read(f"Basic/{PROJECT_NAME}/Dictionary.xml").decode()


# ------------------------------------------------------------------ pieces
def test_compression_round_trips_through_oletools():
    from oletools.olevba import decompress_stream

    samples = [b"", b"a", b"abc" * 2000, bytes(range(256)) * 40,
               (ROOT / "thidua" / "addin" / "vba" / "RibbonThiDua.bas").read_bytes() * 5]
    for data in samples:
        packed = compress(data)
        assert packed[0] == 1
        assert bytes(decompress_stream(bytearray(packed))) == data
    assert len(compress(b"abc" * 2000)) < 200


def test_encryption_matches_office():
    # CMG/DPB/GC written by Office into xlwings' template (ID {318BEE36-…}): an
    # unprotected, password-less, visible project.
    key = sum(b"{318BEE36-5BE1-492A-826D-473DB19B0F30}") & 0xFF
    assert decrypt("5D5F8AADDAA8DEA8DEA8DEA8DE") == (key, bytes(4))
    assert decrypt("5D5F8AADDAADDBADDBAD") == (key, b"\0")
    assert decrypt("5D5F8AADDAADDBADDB52") == (key, b"\xff")
    for seed in (0, 1, 6, 0x5D, 255):
        assert decrypt(encrypt(b"\x00\xff", "{318BEE36-5BE1-492A-826D-473DB19B0F30}", seed)) == \
            (key, b"\x00\xff")


def test_vietnamese_strings_become_chrw_and_comments_stay_ascii():
    assert vba_literal_text('x = "Thi đua"\n') == 'x = "Thi " & ChrW(273) & "ua"\r\n'
    assert vba_literal_text("' plain comment\n") == "' plain comment\r\n"
    with pytest.raises(ValueError, match="outside a string|comment"):
        vba_literal_text("' chú thích\n")


def test_build_is_reproducible_and_removes_the_first_releases_files(built, tmp_path):
    (tmp_path / f"{OLD_PREFIX}nut1_tao_mau.xlam").write_bytes(b"old")
    again = build_addin(tmp_path, when=WHEN)
    assert again.read_bytes() == built.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [ADDIN_NAME]


# ------------------------------------------------------------------ install
def test_install_steps(tmp_path, built):
    with pytest.raises(ThiduaError) as err:
        install(platform="linux", folder=tmp_path / "x", config=tmp_path / "c.conf")
    assert NOT_WINDOWS in str(err.value) and "Excel 2010" in str(err.value)

    folder, conf = tmp_path / "XLSTART", tmp_path / ".thidua" / "thidua.conf"
    conf.parent.mkdir()
    conf.write_text('"LICENSE_KEY","abc"\r\n"INTERPRETER_WIN","C:\\cu\\python.exe"\r\n')
    folder.mkdir()
    (folder / f"{OLD_PREFIX}nut1_tao_mau.xlam").write_bytes(b"old")
    shutil.copyfile(built, folder / "thidua (1).xlam")  # a renamed copy: would show a second tab
    (folder / "khac.xlam").write_bytes(b"other add-in")
    done = install(platform="win32", folder=folder, config=conf,
                   interpreter="C:\\thidua\\venv\\Scripts\\pythonw.exe", when=WHEN)
    assert sorted(p.name for p in folder.iterdir()) == ["khac.xlam", ADDIN_NAME]
    assert sorted(p.name for p in done.removed) == ["thidua (1).xlam", f"{OLD_PREFIX}nut1_tao_mau.xlam"]
    assert (folder / ADDIN_NAME).read_bytes() == built.read_bytes()
    lines = conf.read_text().splitlines()
    assert lines == ['"LICENSE_KEY","abc"', '"INTERPRETER_WIN","C:\\thidua\\venv\\Scripts\\python.exe"',
                     '"ADD_WORKBOOK_TO_PYTHONPATH","false"']
    removed = install(platform="win32", folder=folder, config=conf, remove=True)
    assert [p.name for p in removed.removed] == [ADDIN_NAME]
    assert [p.name for p in folder.iterdir()] == ["khac.xlam"] and not conf.exists()


def test_install_a_signed_copy_as_it_is(tmp_path, built):
    signed = tmp_path / "thidua-da-ky.xlam"
    shutil.copyfile(built, signed)
    with zipfile.ZipFile(signed, "a") as zf:  # what signing adds to the package
        zf.writestr("xl/vbaProjectSignature.bin", b"signature")
    done = install(platform="win32", folder=tmp_path / "XLSTART", config=tmp_path / "c.conf",
                   interpreter="C:\\p\\python.exe", xlam=signed)
    assert done.files == [tmp_path / "XLSTART" / ADDIN_NAME]
    assert done.files[0].read_bytes() == signed.read_bytes()
    other = tmp_path / "khac.xlam"
    other.write_bytes(b"not a zip")
    with pytest.raises(ThiduaError, match="không phải add-in «Thi đua»"):
        install(platform="win32", folder=tmp_path / "XLSTART", config=tmp_path / "c.conf", xlam=other)


def test_a_button_without_its_handler_says_what_to_do(monkeypatch):
    from thidua.addin import run_button

    shown = []

    class App:
        def alert(self, prompt, title, buttons, mode):
            shown.append(prompt)

    class Book:
        app = App()

    from thidua.addin import handlers
    monkeypatch.delattr(handlers, "xuat_van_ban")
    run_button("xuat_van_ban", Book())
    assert "chưa có trong phiên bản thidua" in shown[0] and "cai-dat.bat" in shown[0]
    assert "thidua addin" not in shown[0]  # an Excel user gets no command line


# ------------------------------------------------------------------ offline bundle
def _toy_wheel(folder: Path, name: str, requires: list[str]) -> Path:
    """A minimal pure-Python wheel (enough for pip to resolve it)."""
    path = folder / f"{name}-1.0-py3-none-any.whl"
    info = f"{name}-1.0.dist-info"
    meta = "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n{}\n".format(
        name, "".join(f"Requires-Dist: {r}\n" for r in requires))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}/__init__.py", "")
        zf.writestr(f"{info}/METADATA", meta)
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                     "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")
    return path


def test_bundle_holds_every_wheel_for_windows_and_the_install_script(tmp_path):
    from thidua.addin.bundle import bundle

    index = tmp_path / "index"
    index.mkdir()
    own = _toy_wheel(tmp_path, "toy", ["toydep>=1", "windep; platform_system == 'Windows'",
                                       "macdep; sys_platform == 'darwin'"])
    _toy_wheel(index, "toydep", [])
    _toy_wheel(index, "windep", [])
    made = bundle(tmp_path / "thidua-cai-dat.zip", own_wheel=own, find_links=index, when=WHEN)
    # windep is only needed on Windows: pip on this machine would skip it, the bundle must not.
    assert made.wheels == ["toy-1.0-py3-none-any.whl", "toydep-1.0-py3-none-any.whl",
                           "windep-1.0-py3-none-any.whl"]
    with zipfile.ZipFile(made.path) as zf:
        names = set(zf.namelist())
        assert {"thidua-cai-dat/cai-dat.bat", "thidua-cai-dat/HUONG-DAN.txt",
                "thidua-cai-dat/thidua.xlam"} <= names
        bat = zf.read("thidua-cai-dat/cai-dat.bat").decode("utf-8")
        assert "\r\n" in bat
        assert '--no-index --find-links "%HERE%wheels"' in bat
        assert 'thidua.exe" addin install --xlam "%HERE%thidua.xlam"' in bat
        assert "%d" not in bat.replace("%DEST%", "")  # cmd.exe would eat it
        guide = zf.read("thidua-cai-dat/HUONG-DAN.txt").decode("utf-8")
        assert "Python 3.12" in guide and "cai-dat.bat" in guide
        assert zf.read("thidua-cai-dat/thidua.xlam")[:2] == b"PK"

    broken = tmp_path / "broken"
    broken.mkdir()
    _toy_wheel(broken, "toydep", [])
    with pytest.raises(ThiduaError, match="windep"):
        bundle(tmp_path / "x.zip", own_wheel=own, find_links=broken)
    assert not (tmp_path / "x.zip").exists()
