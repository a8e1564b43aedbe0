"""A column's formula stored once, as Excel stores a formula filled down (shared formulas).

A master has one row per unit, and most of its formula columns hold the same formula
in every row, shifted: ``=IF(ISNUMBER($W7),…)`` in row 7, ``…$W8…`` in row 8. Excel
saves such a column as a *shared formula*: the first cell holds the text and the
range it serves (``<f t="shared" ref="J6:J3326" si="0">…</f>``), every other cell
only the index (``<f t="shared" si="0"/>``); Excel, LibreOffice and openpyxl read
each follower as the first cell's formula shifted to its row. At 33,210 units this
takes the master's «Tổng hợp» from 200 MB of XML to 53 MB, which every later
consolidation reads, patches and compresses.

How: a sheet writer asks :class:`SharedColumns` for the text of each formula cell
(first row to last, column by column in any order). The first row's formula is
written whole; when it, shifted by a row as Excel shifts it, gives exactly the next
row's formula and the last row's, the column is shared: the range is registered on the book
(:meth:`thidua.workbook.cached.Book.share`) and the other rows get :data:`FOLLOWER`, a
placeholder that :func:`thidua.workbook.cached.bake` turns into the follower element
when the book is saved. Any other column is written whole in every row.
"""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["FOLLOWER", "FOLLOWER_TEXT", "SharedColumns", "shifts_to"]

#: What a writer puts in a follower cell of a shared column (never saved as such).
FOLLOWER = "=THIDUA.SHARED.FOLLOWER()"
#: Its text in the ``<f>`` openpyxl writes.
FOLLOWER_TEXT = FOLLOWER[1:]


def shifts_to(formula: str, ref: str, other: str, other_ref: str) -> bool:
    """Whether ``formula`` in cell ``ref``, shifted to ``other_ref`` as Excel shifts a shared
    (or copied) formula, is exactly ``other``."""
    from openpyxl.formula.translate import Translator

    try:
        return Translator(formula, ref).translate_formula(other_ref) == other
    except Exception:  # noqa: BLE001 - a formula the translator cannot read is not shared
        return False


class SharedColumns:
    """The formula text of each unit-row cell of one sheet, rows ``first``..``last``."""

    def __init__(self, book, sheet: str, first: int, last: int):
        self.book, self.sheet, self.first, self.last = book, sheet, first, last
        self.shared: dict[str, bool] = {}  # column letter -> stored once?

    def formula(self, column: str, r: int, make: Callable[[int], str]) -> str:
        """What to write in ``column`` at row ``r``: ``make(r)`` (the row's formula, "=…"),
        or :data:`FOLLOWER` in a shared column's rows after the first."""
        shared = self.shared.get(column)
        if shared is None:
            if r != self.first:
                raise ValueError(f"{self.sheet}!{column}: first written at row {r}, "
                                 f"not {self.first}")
            text = make(r)
            # checked at the next row and the last (a formula that shifts right at both
            # shifts right between them: rows differ only by their same-row references)
            shared = (r < self.last and text.startswith("=") and hasattr(self.book, "share")
                      and all(shifts_to(text, f"{column}{r}", make(o), f"{column}{o}")
                              for o in sorted({r + 1, self.last})))
            if shared:
                self.book.share(self.sheet, column, r, self.last)
            self.shared[column] = shared
            return text
        if not self.first < r <= self.last:
            raise ValueError(f"{self.sheet}!{column}{r}: outside rows {self.first}..{self.last}")
        return FOLLOWER if shared else make(r)
