"""How a generated sheet is printed, and how tall its rows are: one rule for every writer.

Spreadsheets do not grow the rows of a file they open, so every writer sets the
height of a row holding wrapped text or a large title (:func:`row_height`,
:func:`text_lines`). Printing (:func:`print_setup`) is chosen per sheet from
the widths of its printed columns: A4 landscape (portrait for a page of
prose), fitted to the page width while that keeps the text at 60 % or more;
a wider table is printed at the largest scale that keeps the fewest pages
across, split by columns at manual breaks (never inside a block of columns
that belong together), its key columns and header rows repeated on every page,
its title in the page header (a title in a cell would be cut at the page edge
and repeated in pieces). Band headers above the column headers are merged per
printed page (:func:`merge_bands`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["MIN_SCALE", "LINE", "Pages", "text_lines", "row_height", "fit_rows",
           "column_pixels", "page_width", "plan_pages", "print_setup", "merge_bands"]

MIN_SCALE = 60  # percent: smaller print is not read
LINE = 15.0  # points per line of 11-pt text
_DPI = 96
_DEFAULT_WIDTH = 8.43


def text_lines(text, width: float, size: float = 11) -> int:
    """Lines ``text`` wraps to in a cell ``width`` characters wide (font ``size`` pt)."""
    per = max(width * 1.1 * 11 / size - 1, 1)
    return sum(max(1, math.ceil(len(part) / per)) for part in str(text).split("\n"))


def row_height(lines: int, size: float = 11) -> float:
    """Points for ``lines`` lines of ``size``-pt text: room for the marks above capitals
    (Ế, Ỗ) and below (Ậ), which a 14-pt title in a default row loses."""
    per = LINE if size <= 11 else math.ceil(size * 1.7)
    return per * max(lines, 1) + 3


def fit_rows(ws: Worksheet, first: int, last: int) -> None:
    """Rows ``first..last`` made tall enough for their wrapped text and large type (a
    merged cell wraps over all its columns); a row already taller is left as it is."""
    spans = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = sum(
            ws.column_dimensions[get_column_letter(c)].width or _DEFAULT_WIDTH
            for c in range(rng.min_col, rng.max_col + 1))
    for row in ws.iter_rows(min_row=first, max_row=last):
        need = 0.0
        for cell in row:
            value = cell.value
            if not isinstance(value, str) or not value or value.startswith("="):
                continue
            size = (cell.font.sz if cell.font is not None else None) or 11
            lines = 1
            if cell.alignment is not None and cell.alignment.wrap_text:
                width = spans.get((cell.row, cell.column)) or \
                    ws.column_dimensions[get_column_letter(cell.column)].width or _DEFAULT_WIDTH
                lines = text_lines(value, width, size)
            if size > 11 or lines > 1:
                need = max(need, row_height(min(lines, 30), size))
        if need:
            dim = ws.row_dimensions[row[0].row]
            if (dim.height or 0) < need:
                dim.height = need


def column_pixels(width: float | None) -> int:
    """Screen pixels of a column ``width`` characters wide (the default font's digit: 7 px)."""
    return int((width if width else _DEFAULT_WIDTH) * 7 + 5)


def page_width(portrait: bool = False, left: float = 0.4, right: float = 0.4) -> float:
    """Printable width of an A4 page, in pixels at 96 dpi."""
    return ((8.27 if portrait else 11.69) - left - right) * _DPI


def _widths(ws: Worksheet, first: int, last: int) -> list[int]:
    out = []
    for j in range(first, last + 1):
        dim = ws.column_dimensions.get(get_column_letter(j))
        if dim is not None and dim.hidden:
            out.append(0)
        else:
            out.append(column_pixels(dim.width if dim is not None and dim.customWidth else None))
    return out


def _pack(widths: list[int], blocks: list[tuple[int, int]], room: float) -> list[tuple[int, int]]:
    """Pages across (first, last column) for ``blocks`` of columns kept together, each page
    ``room`` pixels wide (a block wider than a page gets a page of its own)."""
    pages: list[tuple[int, int]] = []
    start, used = None, 0.0
    for first, last in blocks:
        w = sum(widths[first - 1:last])
        if start is not None and used + w > room:
            pages.append((start, first - 1))
            start, used = None, 0.0
        if start is None:
            start = first
        used += w
    if start is not None:
        pages.append((start, blocks[-1][1]))
    return pages


@dataclass
class Pages:
    """How a table prints across: the scale and each page's columns (the key columns,
    repeated on every page, are not in ``columns``: page 1 starts after them)."""

    scale: int
    key_cols: int
    columns: list[tuple[int, int]]

    @property
    def split(self) -> bool:
        return len(self.columns) > 1

    def page_of(self, col: int) -> int:
        for k, (first, last) in enumerate(self.columns):
            if first <= col <= last:
                return k
        return 0


def plan_pages(ws: Worksheet, last_col: int, key_cols: int = 0,
               blocks: list[tuple[int, int]] | None = None, portrait: bool = False,
               side: float = 0.4) -> Pages:
    """The printing of columns ``1..last_col``: fitted to one page width when that keeps the
    scale at :data:`MIN_SCALE` or more, else the largest scale giving the fewest pages across
    (the columns of a block kept on one page)."""
    room = page_width(portrait, side, side) * 0.98  # a little slack: fonts differ
    widths = _widths(ws, 1, last_col)
    fit = min(100, math.floor(100 * room / max(sum(widths), 1)))
    if fit >= MIN_SCALE or not key_cols or key_cols >= last_col:
        return Pages(max(fit, 1), key_cols, [(key_cols + 1, last_col)])
    blocks = [b for b in (blocks or []) if b[0] > key_cols]
    covered = {j for first, last in blocks for j in range(first, last + 1)}
    blocks = sorted(blocks + [(j, j) for j in range(key_cols + 1, last_col + 1)
                              if j not in covered])
    key = sum(widths[:key_cols])

    def pages(scale: int) -> list[tuple[int, int]]:
        return _pack(widths, blocks, room * 100 / scale - key)

    fewest = len(pages(MIN_SCALE))
    scale = next((s for s in range(100, MIN_SCALE, -5) if len(pages(s)) <= fewest), MIN_SCALE)
    return Pages(scale, key_cols, pages(scale))


def print_setup(ws: Worksheet, *, last_col: int, last_row: int, first_row: int = 1,
                header_rows: tuple[int, int] | None = None, key_cols: int = 0,
                blocks: list[tuple[int, int]] | None = None, title: str | None = None,
                portrait: bool = False, margins: tuple[float, float] = (0.4, 0.75),
                footer: bool = True, area: bool = True) -> Pages:
    """Set up printing of ``ws`` rows ``first_row..last_row``, columns ``1..last_col``.

    ``header_rows`` (first, last) are repeated on every page. A table too wide to fit
    (see :func:`plan_pages`) is printed pages across with manual column breaks, its
    ``key_cols`` first columns (STT, code, name) repeated on every page, ``title`` in the
    page header and the rows above the header rows out of print. ``area``: False for a
    sheet to be filled in (printed as far as it is filled). Returns the pages.
    """
    side, vertical = margins
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT if portrait else ws.ORIENTATION_LANDSCAPE
    ws.page_margins.left = ws.page_margins.right = side
    ws.page_margins.top = ws.page_margins.bottom = vertical
    ws.page_margins.header = ws.page_margins.footer = 0.3  # room for the page header, footer
    pages = plan_pages(ws, last_col, key_cols, blocks, portrait, side)
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    top = first_row
    if not pages.split:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = pages.scale
        ws.print_title_cols = f"A:{get_column_letter(key_cols)}"
        for _, last in pages.columns[:-1]:
            ws.col_breaks.append(Break(id=last))
        if title and header_rows:
            top = header_rows[0]
            ws.oddHeader.center.text = _header_text(title)
            ws.oddHeader.center.size = 12
            ws.oddHeader.center.font = "Times New Roman,Bold"
    if area:
        ws.print_area = f"A{top}:{get_column_letter(last_col)}{max(last_row, top)}"
    if footer:
        ws.oddFooter.center.text = "Trang &P / &N"
        ws.oddFooter.right.text = "&A"
    return pages


def merge_bands(ws: Worksheet, row: int, bands: list[str], pages: Pages) -> None:
    """Label and merge a row of band headers (``bands[j]`` is column ``j + 1``'s; runs of
    equal bands merged), cut where the printed pages are cut so that no label spans a page
    break; a piece beside its band's labelled piece on the same page stays unlabelled."""
    cuts = ({pages.key_cols + 1} | {first for first, _ in pages.columns}) if pages.split else set()
    labelled: set[tuple[int, str]] = set()
    start = 1
    for col in range(2, len(bands) + 2):
        if col <= len(bands) and bands[col - 1] == bands[start - 1] and col not in cuts:
            continue
        band, last = bands[start - 1], col - 1
        page = 0 if start <= pages.key_cols else pages.page_of(start)
        ws.cell(row=row, column=start).value = band if (page, band) not in labelled else None
        labelled.add((page, band))
        if last > start:
            ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=last)
        start = col


def _header_text(title: str, limit: int = 200) -> str:
    """A page header: «&» doubled, cut at a word under Excel's 255-character limit."""
    title = " ".join(title.split())
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0] + "…"
    return title.replace("&", "&&")
