"""Fuzzing thidua.consolidate.reader: a mutated real workbook gives a ReturnedFile or a
ReadFailure with a known code — never another exception, never a hang, never a crash.

The base is a real unit template of «hoa-thanh-cchc-2018» filled with openpyxl.
Mutations work on the file's bytes (flip, insert, delete, truncate) and on its zip
members (random bytes in place of a part, bytes flipped inside a part's XML, members
shuffled, dropped or duplicated). With LibreOffice present, .ods and .xls copies are
fuzzed too (fewer cases: each one starts the isolated calamine reader).
"""
from __future__ import annotations

import atexit
import datetime as dt
import functools
import io
import random
import shutil
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thidua.consolidate.reader import CODES, ReadFailure, ReturnedFile, read_returned
from thidua.plan import load_plan
from thidua.workbook.generate import generate_templates

WORK = Path(tempfile.mkdtemp(prefix="thidua-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)

def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                    print_blob=True)


@functools.lru_cache(maxsize=None)
def base() -> bytes:
    plan = load_plan("hoa-thanh-cchc-2018")
    unit = SimpleNamespace(code="XA02", name="Xã Tam Xuân I", group=plan.groups[0].code,
                           level=plan.levels[-1])
    path = generate_templates(plan, [unit], WORK / "mau", now=dt.datetime(2024, 1, 1), workers=1,
                              backup=False)[0]
    wb = openpyxl.load_workbook(path)
    ws = wb["Nhập liệu"]
    for row, value in zip(range(12, 40), [85, "1.234", "Có", "Không", None, 12.5, "Xã", 3] * 4):
        ws[f"D{row}"] = value
    wb.save(path)
    return path.read_bytes()


@functools.lru_cache(maxsize=None)
def members() -> tuple[tuple[str, bytes], ...]:
    with zipfile.ZipFile(io.BytesIO(base())) as zf:
        return tuple((i.filename, zf.read(i)) for i in zf.infolist())


def zipped(parts: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicated members are one of the mutations
        for name, data in parts:
            zf.writestr(name, data)
    return out.getvalue()


OUTCOMES: dict[str, int] = {}


def check(data: bytes, suffix: str = ".xlsx") -> None:
    path = WORK / f"mau{suffix}"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        result = read_returned(path)
    except ReadFailure as failure:
        assert failure.code in CODES
        assert failure.message and f"«{path.name}»" in failure.message
        OUTCOMES[failure.code] = OUTCOMES.get(failure.code, 0) + 1
    else:
        OUTCOMES["đọc được"] = OUTCOMES.get("đọc được", 0) + 1
        assert isinstance(result, ReturnedFile)
        assert isinstance(result.cells, dict) and isinstance(result.meta, dict)
    assert time.perf_counter() - start < 15, "a read must never hang"


def test_base_reads():
    rf = read_returned(_write(base()))
    assert rf.cells["ty_le_mot_cua_dien_tu"] == 85 and rf.meta["ma_don_vi"] == "XA02"


def _write(data: bytes) -> Path:
    path = WORK / "goc.xlsx"
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ byte level
@st.composite
def byte_mutations(draw) -> bytes:
    data = bytearray(base())
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "flip", "insert", "delete", "truncate", "overwrite"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 256))]
        elif op == "truncate":
            del data[pos:]
        elif op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=32))
            data[pos:pos + len(chunk)] = chunk
    return bytes(data)


@fuzz(1500)
@given(byte_mutations())
def test_byte_mutations_never_escape(data):
    check(data)


# ------------------------------------------------------------------ member level
@st.composite
def member_mutations(draw) -> bytes:
    parts = [list(p) for p in members()]
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["random", "xml", "xml", "xml", "shuffle", "drop", "duplicate",
                                   "cut"]))
        i = draw(st.integers(0, len(parts) - 1)) if parts else 0
        if not parts:
            break
        if op == "random":
            parts[i][1] = draw(st.binary(max_size=2048))
        elif op == "xml":  # damage the XML text itself, behind a valid zip
            content = bytearray(parts[i][1])
            for _ in range(draw(st.integers(1, 8))):
                if not content:
                    break
                pos = draw(st.integers(0, len(content) - 1))
                what = draw(st.sampled_from([b"<", b">", b"&", b'"', b"/", b"\x00", b"<c r=\"A1\">",
                                             b"</row>", b"<!--", b"]]>", b"\xff", b"9" * 9]))
                content[pos:pos + draw(st.integers(0, 4))] = what
            parts[i][1] = bytes(content)
        elif op == "shuffle":
            random.Random(draw(st.integers(0, 2 ** 32))).shuffle(parts)
        elif op == "drop":
            parts.pop(i)
        elif op == "duplicate":
            parts.append([parts[i][0], draw(st.binary(max_size=256))])
        elif op == "cut":
            parts[i][1] = parts[i][1][:draw(st.integers(0, len(parts[i][1])))]
    return zipped([(n, d) for n, d in parts])


@fuzz(1000)
@given(member_mutations())
def test_member_mutations_never_escape(data):
    check(data)


# ------------------------------------------------------------------ .ods and .xls
@functools.lru_cache(maxsize=None)
def converted(fmt: str) -> bytes:
    from thidua.workbook import recalc
    return recalc.recalculate([_write(base())], WORK / fmt.split(":")[0], fmt=fmt)[0].read_bytes()


@pytest.mark.parametrize("fmt, suffix", [("ods", ".ods"), ("xls:MS Excel 97", ".xls")])
def test_converted_formats_survive_mutations(fmt, suffix):
    from tests.libreoffice import soffice_or_skip
    soffice_or_skip()
    source = converted(fmt)
    check(source, suffix)
    rng = random.Random(20240301)
    for _ in range(40):
        data = bytearray(source)
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            del data[rng.randrange(len(data)):]
        check(bytes(data), suffix)
