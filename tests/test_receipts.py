"""Receipts: a read file turned into its receipt and back gives the checks the same file;
the receipts written into a master's metadata are read back as they were.

The receipts of 33,210 files are kept as text (a shape shared by the copies of one
template, and each file's own part), written a piece at a time and read back a line at a
time; a damaged text is ignored (every file is read again), never half believed.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from thidua.consolidate.check_file import TemplateFacts
from thidua.consolidate.reader import Limits, ReadFailure, ReturnedFile
from thidua.consolidate.receipts import Entry, Receipts, Shapes, compact, expand
from thidua.errors import Problem
from thidua.plan import load_plan
from thidua.workbook import contract

FOLDER = Path("/nhan-ve")


def _returned(code: str, name: str, **extra) -> ReturnedFile:
    meta = {contract.KIND: contract.KIND_TEMPLATE, contract.PLAN: "nui-thanh-dvc-2023",
            contract.VERSION: "1", contract.UNIT_CODE: code, contract.UNIT_NAME: name,
            contract.LAYOUT: '{"input_cells": {}}', contract.LAYOUT + "#2": "…"}
    fields = dict(
        path=FOLDER / f"{code}.xlsx", sha256=code * 8, size=15000, mtime=1700000000.25,
        kind="xlsx", meta=meta, input_sheet="Nhập liệu",
        names={"tong": ("Nhập liệu", "D12"), "tre_han": ("Nhập liệu", "D15"),
               "khac": ("Danh mục", "A1")},
        cells={"tong": 491, "tre_han": "3,5", "ngay": dt.datetime(2024, 1, 31, 15, 45)},
        formulas={"D12": "=SUM(D13:D14)", "D19": "=D15/D12", "E12": ""},
        typed_unit={"ma_don_vi": code, "ten_don_vi": name}, percent={"tre_han"},
        saved_at="2024-01-31T15:45:00Z", uncomputed=set(), mtime_ns=1700000000250000000)
    fields.update(extra)
    return ReturnedFile(**fields)


def _entry(rf: ReturnedFile, shapes: Shapes, keep=None) -> Entry:
    kind, (shape, own), sha, _ = compact(rf, keep)
    assert kind == "ok"
    return Entry(rf.path.name, rf.size, rf.mtime_ns, rf.mtime, sha, 1, shape=shapes(shape), own=own)


def test_a_file_comes_back_from_its_receipt_as_the_checks_saw_it():
    rf = _returned("XA01", "Xã Tam Xuân I")
    back = expand(_entry(rf, Shapes(frozenset({"tong", "tre_han"}))), FOLDER)
    assert back.path == rf.path and (back.sha256, back.size, back.mtime, back.mtime_ns) == \
        (rf.sha256, rf.size, rf.mtime, rf.mtime_ns)
    assert back.names == {"tong": ("Nhập liệu", "D12"), "tre_han": ("Nhập liệu", "D15")}
    assert back.cells == rf.cells and back.typed_unit == rf.typed_unit
    # every formula cell; the text of those in located input cells only
    assert back.formulas == {"D12": "=SUM(D13:D14)", "D19": "", "E12": ""}
    assert back.percent == {"tre_han"} and back.uncomputed == set()
    assert back.meta == {**{k: v for k, v in rf.meta.items() if not k.startswith(contract.LAYOUT)},
                         contract.LAYOUT: ""}
    assert (back.kind, back.input_sheet, back.saved_at) == (rf.kind, rf.input_sheet, rf.saved_at)


def test_copies_of_one_template_share_one_shape():
    shapes = Shapes(frozenset({"tong", "tre_han"}))
    a = _entry(_returned("XA01", "Xã Một"), shapes)
    b = _entry(_returned("XA02", "Xã Hai"), shapes, keep=frozenset({"tong", "tre_han"}))
    c = _entry(_returned("XA03", "Xã Ba", input_sheet="Nhap lieu"), shapes)
    assert a.shape is b.shape  # read before and after the template was known: one text
    assert c.shape != a.shape and a.own != b.own
    shared: dict = {}
    one, two = expand(a, FOLDER, shared), expand(b, FOLDER, shared)
    assert one.names is two.names  # decoded once for the run
    assert one.meta[contract.UNIT_NAME] == "Xã Một" and two.meta[contract.UNIT_NAME] == "Xã Hai"


def _receipts() -> Receipts:
    plan = load_plan("nui-thanh-dvc-2023")
    receipts = Receipts.empty(plan, Limits())
    receipts.template = TemplateFacts("abc", {"tong": "D12"}, ("D19", "D20"))
    shapes = Shapes(frozenset({"tong", "tre_han"}))
    for code in ("XA02", "XA01", "CQ07"):
        entry = _entry(_returned(code, f"Đơn vị {code}"), shapes)
        receipts.entries[entry.rel] = entry
    refused = ReadFailure(Problem("tệp có mật khẩu", code="co_mat_khau"))
    _, failure, _, _ = compact(refused, None)
    receipts.entries["khoa.xlsx"] = Entry("khoa.xlsx", 900, 5, 5e-9, "", 2,
                                          failure=tuple(failure))
    return receipts


def test_receipts_read_back_as_written(monkeypatch):
    monkeypatch.setattr(contract, "CELL_LIMIT", 100)  # many rows
    receipts = _receipts()
    meta = dict(contract.chunks(contract.RECEIPTS, receipts.lines()))  # the master's rows
    assert len(meta) > 10
    plan = load_plan("nui-thanh-dvc-2023")
    back = Receipts.load(meta, plan, Limits())
    assert back.key == receipts.key and back.template == receipts.template
    assert back.entries == receipts.entries
    assert len({id(e.shape) for e in back.entries.values() if e.shape}) == 1
    assert "".join(back.lines()) == "".join(receipts.lines())
    # for other limits (or another plan, version…) they are not used
    assert Receipts.load(meta, plan, Limits(max_bytes=10)).entries == {}


def test_damaged_receipts_are_not_believed():
    receipts = _receipts()
    text = "".join(receipts.lines())
    plan = load_plan("nui-thanh-dvc-2023")
    assert Receipts.load({contract.RECEIPTS: text}, plan, Limits()).entries
    for damaged in (text.replace("491", "492"), text[:-1], text.replace("\n", "", 1),
                    text[: len(text) // 2], "{}", "x\ny", text.replace("XA01", "XẠ01")):
        assert Receipts.load({contract.RECEIPTS: damaged}, plan, Limits()).entries == {}


def test_text_in_pieces_fills_the_same_rows_as_whole():
    text = "".join(f"dòng {i}\n" for i in range(20_000))
    pieces = [text[i:i + 7] for i in range(0, len(text), 7)] + ["", text[:3]]
    assert contract.chunks("k", pieces) == contract.chunks("k", text + text[:3])
    assert contract.joined(dict(contract.chunks("k", pieces)), "k") == text + text[:3]
    assert contract.chunks("k", iter([])) == contract.chunks("k", "") == [("k", "")]
