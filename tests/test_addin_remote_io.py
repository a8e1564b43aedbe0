"""The add-in's direct reads and writes in xlwings' remote engine give what ``.value`` gives.

``BookView`` reads a sheet of the payload as raw values and cleans them in one pass;
``Writer`` queues ``setValues`` with ``raw_value``. Both skip xlwings' conversion
pipeline, which in the remote engine copies the whole sheet several times per call.
These tests hold them to that pipeline: the same cell values read, the same actions
queued (blanks, dates, errors, decomposed Vietnamese text, numpy scalars, NaN, and a
block over the engine's cells-per-write budget, which it cuts into pieces).
"""
from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # before xlwings is imported

import numpy as np  # noqa: E402
import xlwings as xw  # noqa: E402

from thidua.addin.workbook import BookView, Writer, _clean_rows, _plain  # noqa: E402

NFD = unicodedata.normalize("NFD", "Xã Tam Hải")

#: Cells as xlwings' VBA client sends them (``Remote.bas``: VBA-JSON).
CELLS = [
    ["Mã", "Tên", "Ngày", "Số", "Lỗi"],
    ["XA01", NFD, "2025-07-01T00:00:00.000Z", 12, "#DIV/0!"],
    ["", "12 hồ sơ", "2025-12-31T13:45:10.000Z", 2.5, "#N/A"],
    [None, "-5 điểm", "2025-13-01T00:00:00.000Z", True, "#KHÁC"],
    ["007", "# ghi chú", "", -3, "#VALUE!"],
]


def payload(cells=CELLS) -> dict:
    return {"client": "VBA", "version": xw.__version__,
            "book": {"name": "so.xlsx", "active_sheet_index": 0, "selection": "A1"},
            "names": [],
            "sheets": [{"name": "Tổng hợp", "pictures": [], "tables": [], "values": cells}]}


def test_a_sheet_is_read_as_range_value_reads_it():
    with xw.Book(json=payload()) as book:
        assert book.app.engine.name == "remote"
        view = BookView(book)
        assert view.remote
        fast = view.values("Tổng hợp")
        ws = book.sheets["Tổng hợp"]
        slow = _clean_rows(ws.range((1, 1), (5, 5)).options(ndim=2).value)
    assert fast == slow
    assert [type(v) for v in fast[1]] == [type(v) for v in slow[1]]
    # what a handler sees: NFC text, dates, blanks and errors as None, text kept as typed
    assert fast[1] == ["XA01", "Xã Tam Hải", dt.datetime(2025, 7, 1), 12, None]
    assert fast[2] == [None, "12 hồ sơ", dt.datetime(2025, 12, 31, 13, 45, 10), 2.5, None]
    assert fast[3] == [None, "-5 điểm", "2025-13-01T00:00:00.000Z", True, "#KHÁC"]
    assert fast[4] == ["007", "# ghi chú", None, -3, None]


def test_rows_read_as_needed_give_the_same_cells_by_row_and_by_column():
    """Scoring reads the columns it needs of a sheet's rows (``BookView.rows``), each
    cleaned on its own: the cells are those ``values`` gives, whichever way they are read."""
    with xw.Book(json=payload()) as book:
        view = BookView(book)
        lazy = view.rows("Tổng hợp")
        assert not isinstance(lazy, list)  # nothing cleaned yet
        body = lazy[1:]
        by_column = body.columns([0, 2, 4, 7])
        by_row = [lazy[i] for i in range(len(lazy))]
        whole = view.values("Tổng hợp")
        assert view.rows("Tổng hợp") is whole  # once read whole, the rows are those
    assert by_row == list(lazy) == whole
    assert by_column[0] == [r[0] for r in whole[1:]] == ["XA01", None, None, "007"]
    assert by_column[2] == [r[2] for r in whole[1:]]
    assert by_column[4] == [None, None, "#KHÁC", None]
    assert by_column[7] == [None] * 4  # past the sheet's last column


def test_a_column_on_the_tables_rows_with_or_without_gaps():
    """The formula check reads a column on the rows the table kept: one run of rows, or
    rows with gaps (blank rows left out), or rows past the sheet's end."""
    from types import SimpleNamespace

    from thidua.addin.handlers import _sheet_column

    with xw.Book(json=payload()) as book:
        master = SimpleNamespace(view=BookView(book), sheet="Tổng hợp")
        assert _sheet_column(master, [2, 3, 4], 1) == ["XA01", None, None]
        assert _sheet_column(master, [2, 5], 2) == ["Xã Tam Hải", "# ghi chú"]
        assert _sheet_column(master, [5, 9], 4) == [-3, None]
        assert _sheet_column(master, [2, 3], None) == [None, None]


def test_a_used_range_beyond_the_cells_sent_reads_blanks_there():
    """The payload's cells are read as they are when they are the used range from A1; when
    the client says the used range is bigger, the engine's own read pads it with blanks."""
    sent = payload()
    sent["sheets"][0]["used_range_address"] = "B2:F7"
    with xw.Book(json=sent) as book:
        fast = BookView(book).values("Tổng hợp")
        slow = _clean_rows(book.sheets["Tổng hợp"].range("A1:F7").options(ndim=2).value)
    assert fast == slow
    assert len(fast) == 7 and fast[6] == [None] * 6 and fast[1][5] is None
    assert fast[1][:2] == ["XA01", "Xã Tam Hải"]


def _rows(n: int) -> list[list]:
    out = []
    for i in range(n):
        out.append([None if i % 7 == 0 else f"{NFD} {i}", np.int64(i) if i % 3 else i,
                    math.nan if i % 11 == 0 else i / 4, dt.date(2025, 1, 1 + i % 28)])
    return out


def test_writes_queue_the_actions_range_value_queues():
    rows = _rows(30_000)  # 120,000 cells: over the engine's 100,000 per write, so cut in two
    fast_book, slow_book = xw.Book(json=payload()), xw.Book(json=payload())
    w = Writer(fast_book)
    assert w.remote
    w.values("Tổng hợp", 2, 3, rows)
    w.values("Tổng hợp", 1, 1, [["Mã đơn vị", None]])
    w.commit()
    ws = slow_book.sheets["Tổng hợp"]
    ws.range("C2:F30001").value = [[_plain(v) for v in r] for r in rows]
    ws.range("A1:B1").value = [["Mã đơn vị", None]]
    fast, slow = fast_book.json()["actions"], slow_book.json()["actions"]
    fast_book.close()
    slow_book.close()
    assert [a["func"] for a in fast] == ["setValues"] * 3
    assert [a["row_count"] for a in fast] == [25_000, 5_000, 1]
    assert fast == slow
    first = fast[0]["values"]
    assert first[0] == ["", 0, "", "2025-01-01"]
    assert first[1] == ["Xã Tam Hải 1", 1, 0.25, "2025-01-02"]


def test_the_handlers_load_without_the_workbook_writer():
    """A click starts a Python (RunPython) that imports the handlers: they need the master's
    names, formats and layout (``thidua.workbook.master_layout``), not openpyxl and the
    writer that builds a master (0.15 s more on every click)."""
    import subprocess
    import sys

    code = ("import sys, thidua.addin.handlers, thidua.addin.workbook; "
            "print(sorted(m for m in ('openpyxl', 'thidua.workbook.master') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
