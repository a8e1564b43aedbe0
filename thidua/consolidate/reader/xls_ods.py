"""``.xls`` and ``.ods``: python-calamine in a child process, behind limits.

calamine reads ``.xls`` and ``.ods``, where no other dependency reads the format —
in a child process with an address-space limit and a timeout, because fuzzing
found damaged ``.xls`` files that make it abort the interpreter or panic. For
``.ods`` a streaming pre-scan of ``content.xml`` first checks the used area of
every sheet (calamine allocates it densely) and collects the named ranges and the
text of error cells (calamine gives neither).
"""
from __future__ import annotations

import io
import re
from xml.etree import ElementTree as ET

from thidua.consolidate.reader import cells, layout
from thidua.consolidate.reader.failures import xml_error as _xml_error
from thidua.text import nfc

__all__ = ["MAX_GRID_CELLS", "CHILD_MEMORY", "CHILD_TIMEOUT", "read_xls", "read_ods"]

#: Largest used area (cells) of an .ods sheet handed to calamine, which allocates it densely.
MAX_GRID_CELLS = 4_000_000
#: The child process reading .xls/.ods: address-space limit, seconds, rows and columns returned.
CHILD_MEMORY = 3 * 1024 ** 3
CHILD_TIMEOUT = 60
CHILD_ROWS = 2000
CHILD_COLS = 40


def read_xls(source) -> None:
    """Fill ``source.result`` from the OLE2 ``.xls`` bytes of ``source`` (see ``read.Opened``)."""
    source.result.kind = "xls"
    _Calamine(source, "xls").read()


def read_ods(source) -> None:
    """Fill ``source.result`` from the checked OpenDocument zip ``source``."""
    _ODS(source).read()


_CHILD = r"""
import io, pickle, sys
limit, rows, cols = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
except Exception:
    pass
data = sys.stdin.buffer.read()
try:
    import python_calamine as pc
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(m.name, str(m.visible).rsplit(".", 1)[-1]) for m in wb.sheets_metadata]
        grids = {}
        for name, _ in sheets:
            try:
                grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=rows)
                grids[name] = [list(r[:cols]) for r in grid]
            except Exception as exc:
                grids[name] = "%s: %s" % (type(exc).__name__, str(exc)[:200])
        out = {"sheets": sheets, "grids": grids}
    except pc.PasswordError:
        out = {"password": True}
except BaseException as exc:
    out = {"error": "%s: %s" % (type(exc).__name__, str(exc)[:200])}
sys.stdout.buffer.write(pickle.dumps(out))
"""


class _Calamine:
    """.xls and .ods through python-calamine, in a child process.

    calamine is fast but not safe in-process against hostile or damaged files:
    fuzzing found mutated .xls files that make it abort the whole interpreter
    (a Rust allocation failure of ~100 GB while building a sheet grid, which no
    ``try`` can catch) and others that panic. The child runs with an address
    space limit and a timeout; whatever happens to it, this process only sees a
    result or a :class:`ReadFailure`. Costs one interpreter start (~0.1 s) per
    file — .xls/.ods returns are rare.
    """

    def __init__(self, reader, kind: str):
        self.r = reader
        self.fail = reader.fail
        self.kind = kind
        self.names: dict[str, tuple[str, str]] = {}
        self.used: dict[str, tuple[int, int]] = {}  # ods: sheet -> (last used row, col)
        self.errors: dict[str, dict[tuple[int, int], str]] = {}  # ods: error cells' text

    def read(self) -> None:
        res = self.r.result
        for sheet, (rows, cols) in self.used.items():  # calamine loads every sheet of an .ods
            if rows * cols > MAX_GRID_CELLS:
                raise self.fail("tep_qua_lon", detail=f"trang «{sheet}» có ô dữ liệu tới dòng "
                                                      f"{rows:,}, cột {cols:,}".replace(",", "."))
        out = self._child()
        if out.get("password"):
            raise self.fail("co_mat_khau")
        if "error" in out:
            raise self.fail("tep_hong", detail="không đọc được nội dung bảng tính; chi tiết kỹ thuật: "
                                               + str(out["error"]))
        states = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}
        original: dict[str, str] = {}
        for name, visible in out["sheets"]:
            original[nfc(name)] = name
            res.sheets[nfc(name)] = states.get(visible, "visible")
        self.grids = out["grids"]
        sheets = list(original)
        meta_sheet = layout.meta_sheet(original, self.names)
        if meta_sheet is not None:
            res.meta = layout.meta_from(self._grid(original[meta_sheet], meta_sheet,
                                                   layout.META_ROWS, 2))
        codes = layout.codes_of(res.meta)
        res.input_sheet = layout.pick_input_sheet(sheets, self.names, codes, res.meta)
        where = layout.locate(codes, self.names, sheets, res.input_sheet)
        need: dict[str, int] = {}
        for sheet, row, _ in where.values():
            need[sheet] = max(need.get(sheet, 0), row)
        if res.input_sheet is not None:
            need[res.input_sheet] = max(need.get(res.input_sheet, 0), layout.UNIT_REGION[0])
        grids = {sheet: self._grid(original[sheet], sheet, rows, None) for sheet, rows in need.items()}
        res.cells = {code: grids[sheet].get(row, {}).get(col)
                     for code, (sheet, row, col) in where.items()}
        if res.input_sheet is not None:
            grid = grids[res.input_sheet]
            last_row, last_col = layout.UNIT_REGION
            res.typed_unit = layout.typed_unit({r: {c: v for c, v in cols.items() if c <= last_col}
                                                for r, cols in grid.items() if r <= last_row})
        res.names = self.names

    def _child(self) -> dict:
        import pickle
        import subprocess
        import sys

        cmd = [sys.executable, "-I", "-c", _CHILD, str(CHILD_MEMORY), str(CHILD_ROWS),
               str(CHILD_COLS)]
        try:
            proc = subprocess.run(cmd, input=self.r.data, capture_output=True,
                                  timeout=CHILD_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            failure = self.fail("tep_hong", detail=f"đọc tệp {self.kind} quá {CHILD_TIMEOUT} giây")
            failure.transient = True
            raise failure from None
        except OSError as exc:
            raise self.fail("khong_doc_duoc", detail=f"không chạy được bộ đọc .{self.kind} "
                                                     f"({exc.strerror or exc})") from None
        try:
            out = pickle.loads(proc.stdout) if proc.stdout else None
        except Exception:  # noqa: BLE001 - a child that died mid-write
            out = None
        if not isinstance(out, dict):
            raise self.fail("tep_hong", detail=f"bộ đọc tệp .{self.kind} dừng đột ngột "
                                               f"(mã {proc.returncode}) — tệp hỏng hoặc có cấu trúc "
                                               "bất thường")
        return out

    def _grid(self, original: str, sheet: str, nrows: int, ncols: int | None):
        """{row: {col: value}} of the first ``nrows`` rows (1-based)."""
        data = self.grids.get(original)
        if not isinstance(data, list):
            raise self.fail("tep_hong", detail=f"trang «{sheet}» không đọc được"
                            + (f"; chi tiết kỹ thuật: {data}" if data else ""))
        errors = self.errors.get(sheet, {})
        rows: dict[int, dict[int, object]] = {}
        for r, values in enumerate(data[:nrows], start=1):
            for c, value in enumerate(values, start=1):
                if ncols is not None and c > ncols:
                    break
                value = cells.plain(value)
                if value is None and (r, c) in errors:
                    value = errors[(r, c)]
                if value is not None:
                    rows.setdefault(r, {})[c] = value
        return rows


_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_ODS_REF = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.'$][^.]*))\.(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})"
                      r"(?::\$?(?:'(?:[^']|'')+'|[^.'$][^.]*)?\.(\$?[A-Za-z]{1,3}\$?[0-9]{1,7}))?$")


class _ODS(_Calamine):
    """OpenDocument: a streaming pre-scan of content.xml, then calamine for the values."""

    def __init__(self, reader):
        super().__init__(reader, "ods")

    def read(self) -> None:
        manifest = self.r.part("META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            raise self.fail("co_mat_khau")
        self.r.result.kind = "ods"
        self._prescan(self.r.part("content.xml"))
        meta = self.r.part("meta.xml")
        if meta:
            m = re.search(rb"<dc:date>([^<]{1,64})</dc:date>", meta)
            if m:
                self.r.result.saved_at = m.group(1).decode("utf-8", "replace").strip()
        super().read()

    def _prescan(self, content: bytes | None) -> None:
        if content is None:
            raise self.fail("tep_hong", detail="thiếu phần «content.xml»")
        t = "{%s}" % _ODF_TABLE
        o = "{%s}" % _ODF_OFFICE
        calc = "{%s}value-type" % _ODF_CALCEXT
        depth_table = 0
        sheet = None
        row = col = 0
        row_repeat = 1
        stack: list[ET.Element] = []  # open elements, to drop finished rows: memory stays flat
        try:
            for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
                tag = el.tag
                if event == "start":
                    stack.append(el)
                    if tag == t + "table":
                        depth_table += 1
                        sheet = nfc(el.get(t + "name") or "")
                        row = 0
                        self.used.setdefault(sheet, (0, 0))
                    elif tag == t + "table-row" and sheet is not None:
                        row_repeat = _repeat(el.get(t + "number-rows-repeated"))
                        row += 1
                        col = 0
                    elif tag == t + "named-range" and depth_table == 0:
                        target = _ods_target(el.get(t + "cell-range-address") or "")
                        if target and el.get(t + "name"):
                            self.names[el.get(t + "name")] = target
                    continue
                stack.pop()
                if tag in (t + "table-cell", t + "covered-table-cell") and sheet is not None:
                    repeat = _repeat(el.get(t + "number-columns-repeated"))
                    first = col + 1
                    col += repeat
                    if el.get(o + "value-type") or len(el):
                        last_row = row + row_repeat - 1
                        used = self.used[sheet]
                        self.used[sheet] = (max(used[0], last_row), max(used[1], col))
                        if el.get(calc) == "error" and len(self.errors.setdefault(sheet, {})) < 10_000:
                            text = "".join(el.itertext()).strip()
                            if text:
                                self.errors[sheet][(row, first)] = text
                    el.clear()
                elif tag == t + "table-row":
                    row += row_repeat - 1
                    if stack:
                        del stack[-1][:]  # the finished rows (this one included) are not needed
                elif tag == t + "table":
                    depth_table -= 1
                    sheet = None
                    el.clear()
        except ET.ParseError as exc:
            raise self.fail("tep_hong", detail=f"phần «content.xml» hỏng ({_xml_error(exc)})") from None


def _repeat(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1_048_576 * 16_384))
    except ValueError:
        return 1


def _ods_target(address: str) -> tuple[str, str] | None:
    m = _ODS_REF.match(address.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    first = cells.parse_cell(m.group(3))
    if first is None:
        return None
    ref = cells.cell_name(*first)
    if m.group(4):
        last = cells.parse_cell(m.group(4))
        if last is None:
            return None
        if last != first:
            ref += ":" + cells.cell_name(*last)
    return nfc(sheet), ref
