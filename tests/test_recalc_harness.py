"""The LibreOffice harness: formulas written by openpyxl come back computed.

Every test that needs LibreOffice takes the ``soffice`` fixture: it skips when
LibreOffice is missing, except under ``CI`` where it fails.
"""
from __future__ import annotations

import math
import os
import time
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from thidua.workbook import recalc
from thidua.workbook.recalc import (RecalcError, computed_values, formula_errors, read_values,
                                    recalculate, to_pdf, to_png)

try:
    from tests import libreoffice as lo_helpers
except ImportError:  # pytest run without the repository root on sys.path
    import libreoffice as lo_helpers  # type: ignore[no-redef]


@pytest.fixture
def soffice() -> str:
    """Path of soffice; skip without LibreOffice, fail instead when CI is set."""
    return lo_helpers.soffice_or_skip()


# ---------------------------------------------------------------------------
# The formula workbook and the values Python expects
# ---------------------------------------------------------------------------

UNITS = [  # name, group, score, meets standard (typed by a person: "có" lower-case too)
    ("Xã An Hòa", "I", 87.456, "Có"),
    ("Xã Bình Minh", "I", 92.1, "Không"),
    ("Xã Cẩm Thanh", "II", 75.0, "Có"),
    ("Phường Điện Bàn", "II", 92.1, "có"),
    ("Thị trấn Đông Phú", "I", 60.5, "Không"),
]
THRESHOLD, FACTOR = 80, 0.1
DATA = "Dữ liệu"
PARAMS = "Tham số"
FIRST, LAST = 2, 1 + len(UNITS)


def xl_round(x: float, digits: int) -> float:
    """Excel/LibreOffice ROUND: half away from zero on the decimal text."""
    q = Decimal(1).scaleb(-digits)
    d = Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP)  # HALF_UP is away from zero
    return float(d)


def yes(text: str) -> bool:
    """Spreadsheet ``="Có"`` comparison: case-insensitive."""
    return text.casefold() == "có".casefold()


def build_formula_workbook(path: Path) -> dict[str, dict[str, object]]:
    """Write the test workbook; return the values each formula cell must take."""
    wb = openpyxl.Workbook()
    params = wb.active
    params.title = PARAMS
    params["A1"], params["B1"] = "Ngưỡng điểm", THRESHOLD
    params["A2"], params["B2"] = "Hệ số thưởng", FACTOR
    data = wb.create_sheet(DATA)
    data.append(["Tên đơn vị", "Nhóm", "Điểm", "Đạt chuẩn", "Kết quả", "Điểm thưởng",
                 "Ưu tiên", "Hạng trong nhóm"])
    quoted = f"'{DATA}'"
    wb.defined_names["NGUONG"] = DefinedName("NGUONG", attr_text=f"'{PARAMS}'!$B$1")
    wb.defined_names["HE_SO"] = DefinedName("HE_SO", attr_text=f"'{PARAMS}'!$B$2")
    wb.defined_names["DIEM"] = DefinedName("DIEM", attr_text=f"{quoted}!$C${FIRST}:$C${LAST}")

    expected_data: dict[str, object] = {}
    scores = [u[2] for u in UNITS]
    for i, (name, group, score, flag) in enumerate(UNITS):
        r = FIRST + i
        data.append([name, group, score, flag,
                     f'=IF(AND(C{r}>=NGUONG,D{r}="Có"),"Đạt","Không đạt")',
                     f"=ROUND(C{r}*(1+HE_SO),2)",
                     f'=OR(B{r}="II",C{r}>90)',
                     f'=COUNTIFS($B${FIRST}:$B${LAST},B{r},$C${FIRST}:$C${LAST},">"&C{r})+1'])
        expected_data[f"E{r}"] = "Đạt" if score >= THRESHOLD and yes(flag) else "Không đạt"
        expected_data[f"F{r}"] = xl_round(score * (1 + FACTOR), 2)
        expected_data[f"G{r}"] = group == "II" or score > 90
        expected_data[f"H{r}"] = 1 + sum(1 for (_, g, s, _) in UNITS if g == group and s > score)

    summary = wb.create_sheet("Tổng hợp")
    rng = lambda col: f"{quoted}!{col}{FIRST}:{col}{LAST}"  # noqa: E731
    formulas = {
        "B1": (f"=SUM({rng('C')})", math.fsum(scores)),
        "B2": (f"=MIN({rng('C')})", min(scores)),
        "B3": (f"=MAX({rng('C')})", max(scores)),
        "B4": (f"=INDEX({rng('A')},MATCH(MAX({rng('C')}),{rng('C')},0))",
               UNITS[scores.index(max(scores))][0]),
        "B5": (f'=IFERROR(INDEX({rng("A")},MATCH("Xã Không Có",{rng("A")},0)),"không tìm thấy")',
               "không tìm thấy"),
        "B6": ("=IFERROR(1/0,-1)", -1),
        "B7": (f'=COUNTIFS({rng("D")},"Có")', sum(yes(u[3]) for u in UNITS)),
        "B8": (f'=COUNTIFS({rng("B")},"I",{rng("C")},">="&NGUONG)',
               sum(1 for u in UNITS if u[1] == "I" and u[2] >= THRESHOLD)),
        "B9": (f"=ROUND(SUM({rng('C')})/{len(UNITS)},3)", xl_round(math.fsum(scores) / len(UNITS), 3)),
        "B10": ("=NGUONG*2+HE_SO", THRESHOLD * 2 + FACTOR),
        "B11": ("=SUM(DIEM)", math.fsum(scores)),
        "B12": (f'=IF({quoted}!D{FIRST}="Có","Đúng","Sai")', "Đúng" if yes(UNITS[0][3]) else "Sai"),
        "B13": ('=AND(1<2,"Có"="CÓ")', True),
        "B14": ("=OR(1>2,2>3)", False),
        "B15": ("=ROUND(2.5,0)", 3),  # half away from zero, not Python's round()
        "B16": ("=ROUND(-2.5,0)", -3),
        "B17": ("=0.1+0.2", 0.1 + 0.2),
        "B18": (f"=MAX(0,MIN(10,{quoted}!C{FIRST}/10))", max(0, min(10, UNITS[0][2] / 10))),
        "B19": (f'=SUMPRODUCT(({rng("B")}="II")*{rng("C")})',
                math.fsum(u[2] for u in UNITS if u[1] == "II")),
    }
    expected_summary = {}
    for ref, (formula, value) in formulas.items():
        summary[ref] = formula
        summary[ref.replace("B", "A")] = f"Chỉ tiêu {ref}"
        expected_summary[ref] = value
    wb.save(path)
    return {DATA: expected_data, "Tổng hợp": expected_summary}


def assert_same(actual: object, expected: object, where: str) -> None:
    if isinstance(expected, bool):
        assert actual is expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, (int, float)):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), \
            f"{where}: {actual!r} is not a number"
        assert abs(actual - expected) <= 1e-12, f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


# ---------------------------------------------------------------------------
# Tests with LibreOffice
# ---------------------------------------------------------------------------

def test_formulas_are_recalculated_to_the_python_values(soffice, tmp_path):
    src = tmp_path / "công thức.xlsx"
    expected = build_formula_workbook(src)
    before = read_values(src)  # openpyxl wrote no cached values
    assert "E2" not in before[DATA] and "B1" not in before["Tổng hợp"]

    t0 = time.perf_counter()
    [out] = recalculate([src], tmp_path / "out")
    print(f"\none conversion: {time.perf_counter() - t0:.2f} s")
    assert out == tmp_path / "out" / "công thức.xlsx"
    values = read_values(out)
    assert formula_errors(values) == []
    for sheet, cells in expected.items():
        for ref, value in cells.items():
            assert ref in values[sheet], f"{sheet}!{ref} has no computed value"
            assert_same(values[sheet][ref], value, f"{sheet}!{ref}")
    # inputs survive unchanged, Vietnamese text included
    assert values[DATA]["A2"] == "Xã An Hòa" and values[DATA]["D5"] == "có"
    # the formulas themselves are still live in the recalculated copy
    wb = openpyxl.load_workbook(out)
    assert str(wb[DATA]["E2"].value).startswith("=")
    assert {"NGUONG", "HE_SO", "DIEM"} <= set(wb.defined_names)


def _with_cached_value(src: Path, dst: Path, formula: str, cached: str) -> None:
    """Copy an openpyxl file, planting a (wrong) cached value after ``formula``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                # openpyxl writes an empty value as <v /> (ElementTree) or <v></v> (lxml)
                planted = re.sub(rf"<f>{re.escape(formula)}</f><v\s*/>|<f>{re.escape(formula)}</f><v></v>",
                                 f"<f>{formula}</f><v>{cached}</v>", text)
                assert planted != text, text
                data = planted.encode("utf-8")
            zout.writestr(item, data)


def test_stale_cached_values_are_recomputed(soffice, tmp_path):
    """The private profile's OOXMLRecalcMode=0 is what makes this pass:
    LibreOffice's default (1, never recalculate) keeps the stale 999."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, "=SUM(A1:A2)*2"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    stale = tmp_path / "stale.xlsx"
    _with_cached_value(plain, stale, "SUM(A1:A2)*2", "999")
    assert read_values(stale)["Sheet"]["A3"] == 999
    assert computed_values(stale)["Sheet"]["A3"] == 10


def test_profile_sets_always_recalculate(soffice):
    xcu = (recalc.profile_dir() / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")
    for key in ("OOXMLRecalcMode", "ODFRecalcMode"):
        assert f'<prop oor:name="{key}" oor:op="fuse"><value>0</value></prop>' in xcu


def test_broken_formula_is_reported(soffice, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bảng điểm"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = "=FOO(1)", "=1/0", '="a"+1', "=1+1"
    ws["B1"] = "Lỗi #NAME? chỉ là chữ"  # text mentioning an error is no error
    src = tmp_path / "hỏng.xlsx"
    wb.save(src)
    values = computed_values(src, tmp_path / "out")
    assert (tmp_path / "out" / "hỏng.xlsx").is_file()
    assert formula_errors(values) == [("Bảng điểm", "A1", "#NAME?"),
                                      ("Bảng điểm", "A2", "#DIV/0!"),
                                      ("Bảng điểm", "A3", "#VALUE!")]
    assert values["Bảng điểm"]["A4"] == 2


def _tiny(path: Path, n: int) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = n, "=A1*2+1"
    wb.save(path)


def test_more_files_than_one_soffice_call_takes(soffice, tmp_path, monkeypatch):
    """soffice silently drops files past ~246 arguments: batches of 200 fix it."""
    n = 230
    src = tmp_path / "in"
    src.mkdir()
    paths = []
    for i in range(n):
        paths.append(src / f"don_vi_{i:03d}.xlsx")
        _tiny(paths[-1], i)
    calls: list[int] = []
    real_run = recalc._run

    def spy(cmd, timeout, log):
        calls.append(sum(1 for a in cmd if a.endswith(".xlsx")))
        return real_run(cmd, timeout, log)

    monkeypatch.setattr(recalc, "_run", spy)
    t0 = time.perf_counter()
    outs = recalculate(paths, tmp_path / "out")
    print(f"\n{n} files: {time.perf_counter() - t0:.1f} s in {len(calls)} soffice calls")
    assert calls == [200, n - 200]
    assert len(outs) == n and len(set(outs)) == n
    for i, out in enumerate(outs):  # right file, right place, right value
        assert out.name == f"don_vi_{i:03d}.xlsx"
        assert read_values(out)["Sheet"]["A2"] == 2 * i + 1


def test_same_name_in_two_folders(soffice, tmp_path):
    paths = []
    for k, folder in enumerate(["Hòa Thành", "Núi Thành"], 1):
        (tmp_path / folder).mkdir()
        paths.append(tmp_path / folder / "Bảng điểm.xlsx")
        _tiny(paths[-1], k * 10)
    outs = recalculate(paths, tmp_path / "out")
    assert [o.name for o in outs] == ["Bảng điểm.xlsx", "Bảng điểm-2.xlsx"]
    assert [read_values(o)["Sheet"]["A2"] for o in outs] == [21, 41]


def test_unreadable_file_is_retried_once_then_named(soffice, tmp_path, monkeypatch):
    good, bad = tmp_path / "tốt.xlsx", tmp_path / "hỏng.xlsx"
    _tiny(good, 1)
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    calls: list[int] = []
    real_run = recalc._run

    def spy(cmd, timeout, log):
        calls.append(sum(1 for a in cmd if a.endswith(".xlsx")))
        return real_run(cmd, timeout, log)

    monkeypatch.setattr(recalc, "_run", spy)
    with pytest.raises(RuntimeError, match="hỏng.xlsx") as info:
        recalculate([good, bad], tmp_path / "out")
    assert "tốt.xlsx" not in str(info.value).splitlines()[0]
    assert calls == [2, 1]  # the retry converts only what is missing


def _soffice_processes_using(profile: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if profile.as_uri().encode() in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_no_soffice_left_running(soffice, tmp_path):
    _tiny(tmp_path / "x.xlsx", 1)
    recalculate([tmp_path / "x.xlsx"], tmp_path / "out")
    assert _soffice_processes_using(recalc.profile_dir()) == []


def test_pdf_and_png(soffice, tmp_path):
    lo_helpers.pdftoppm_or_skip()
    src = tmp_path / "in.xlsx"
    build_formula_workbook(src)
    [pdf] = to_pdf([src], tmp_path / "pdf")
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    pngs = to_png(pdf, tmp_path / "png", dpi=40)
    assert len(pngs) >= 3  # one page per sheet at least
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------------------
# Tests without LibreOffice
# ---------------------------------------------------------------------------

def test_formula_errors_recognises_every_error_text():
    values = {"S": {"A1": "#NAME?", "A2": "#VALUE!", "A3": "#DIV/0!", "A4": "#REF!", "A5": "#N/A",
                    "A6": "Err:502", "A7": "#NUM!", "A8": "Có", "A9": 1, "A10": "Lỗi #REF! ở đây"},
              "T": {"B2": "Err:522"}}
    assert formula_errors(values) == [("S", f"A{i}", values["S"][f"A{i}"]) for i in range(1, 8)] \
        + [("T", "B2", "Err:522")]


@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_timeout_kills_the_whole_process_tree(tmp_path):
    """A stuck program and the children it started are all killed."""
    cmd = ["/bin/sh", "-c", "sleep 60 & echo $!; wait"]
    t0 = time.perf_counter()
    status, output = recalc._run(cmd, 0.5, tmp_path / "log")
    assert status is None and time.perf_counter() - t0 < 10
    child = int(output.split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            break  # gone
        if state == "Z":  # killed, waiting for init to reap it
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"child {child} still running")


def test_missing_soffice_skips_or_fails_under_ci(monkeypatch):
    monkeypatch.setattr(lo_helpers, "find_soffice", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        lo_helpers.soffice_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI"):
        lo_helpers.soffice_or_skip()


def test_missing_soffice_raises_runtime_error(monkeypatch, tmp_path):
    monkeypatch.setattr(recalc, "find_soffice", lambda: None)
    _tiny(tmp_path / "x.xlsx", 1)
    with pytest.raises(RuntimeError, match="LibreOffice"):
        recalculate([tmp_path / "x.xlsx"], tmp_path / "out")


def test_empty_input_needs_nothing(tmp_path):
    assert recalculate([], tmp_path / "out") == []


# ---------------------------------------------------------------------------
# tasks.py installs the system packages (apt-get mocked here)
# ---------------------------------------------------------------------------

def _load_tasks():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "thidua_tasks", Path(__file__).resolve().parents[1] / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_tasks_installs_missing_packages_as_root(monkeypatch, capsys):
    tasks = _load_tasks()
    states = iter([["soffice", "pdftoppm"], []])
    monkeypatch.setattr(tasks, "_missing_tools", lambda: next(states))
    monkeypatch.setattr(tasks.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.setattr(tasks.os, "geteuid", lambda: 0, raising=False)
    calls = []
    monkeypatch.setattr(tasks.subprocess, "call",
                        lambda cmd, env=None: calls.append((cmd, env["DEBIAN_FRONTEND"])) or 0)
    tasks.ensure_system_packages()
    assert [c[0] for c in calls] == [
        ["/usr/bin/apt-get", "update", "-qq"],
        ["/usr/bin/apt-get", "install", "-y", "-qq", "--no-install-recommends",
         *tasks.SYSTEM_PACKAGES]]
    assert all(c[1] == "noninteractive" for c in calls)
    out = capsys.readouterr()
    assert "Cài LibreOffice Calc" in out.out and out.err == ""


@pytest.mark.parametrize("apt, uid, why", [(None, 0, "không có apt-get"),
                                           ("/usr/bin/apt-get", 1000, "cần quyền root")])
def test_tasks_only_warns_when_it_cannot_install(monkeypatch, capsys, apt, uid, why):
    tasks = _load_tasks()
    monkeypatch.setattr(tasks, "_missing_tools", lambda: ["soffice"])
    monkeypatch.setattr(tasks.shutil, "which", lambda name: apt if name == "apt-get" else None)
    monkeypatch.setattr(tasks.os, "geteuid", lambda: uid, raising=False)
    monkeypatch.setattr(tasks.subprocess, "call", lambda *a, **k: pytest.fail("must not run apt-get"))
    tasks.ensure_system_packages()
    err = capsys.readouterr().err
    assert "Thiếu soffice" in err and why in err and "bỏ qua" in err


def test_tasks_does_nothing_when_everything_is_there(monkeypatch):
    tasks = _load_tasks()
    monkeypatch.setattr(tasks, "_missing_tools", lambda: [])
    monkeypatch.setattr(tasks.subprocess, "call", lambda *a, **k: pytest.fail("must not run apt-get"))
    tasks.ensure_system_packages()
