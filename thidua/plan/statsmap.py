"""The plan's ``stats_import`` section: how to read a statistics export, checked once.

A statistics export (the province's online-service system, the national
portal's Bộ chỉ số 766…) is read as it is, through a mapping the plan
declares::

    stats_import:
      name_column: "Tên đơn vị"           # header of the unit-name column
      header_rows: 2                      # rows the header spans
      columns:                            # input code: header path, top to bottom
        tong_giai_quyet: ["Đã giải quyết", "Tổng"]
        truc_tuyen_giai_quyet: "Đã giải quyết trực tuyến"
      skip_rows_matching: ["cộng", "cấp xã"]   # subtotal / heading rows
      strip_prefixes: ["UBND", "xã"]           # ignored when matching names
      aliases: {"VP HĐND&UBND": CQ12}          # optional: export name -> unit code
      blank_as_zero: false                     # optional: read a blank cell as 0
      sheet: "Thống kê"                        # optional: sheet to read
      sheets: {tinh: "Sở Ban", xa: "Xã Phường"}  # optional: one sheet per level
      header_row: 4                            # optional: first header row
      code_column: MA_COQUAN                   # optional: match units by this code column
      decimal: "."                             # optional: decimal mark of numbers stored as text

:func:`check_mapping` checks the section while the plan loads (so ``thidua
check-plan`` reports a misspelled key with its line, never a crash later) and
:func:`thidua.consolidate.portal.parse_mapping` uses the same function when an
export is read.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from thidua.text import nfc

SECTION = "stats_import"
MAX_HEADER_ROWS = 6
KEYS = {
    "name_column": "tiêu đề cột tên đơn vị",
    "header_rows": "số dòng tiêu đề",
    "header_row": "dòng tiêu đề đầu tiên",
    "columns": "cột của từng số liệu",
    "skip_rows_matching": "dòng tổng, dòng nhóm cần bỏ qua",
    "strip_prefixes": "tiền tố bỏ qua khi so tên",
    "aliases": "tên khác của đơn vị",
    "blank_as_zero": "ô trống là 0",
    "sheet": "trang tính cần đọc",
    "sheets": "trang tính của từng cấp",
    "code_column": "tiêu đề cột mã đơn vị",
    "decimal": "dấu thập phân của số ghi dạng chữ",
}
DECIMALS = {".": "dấu chấm", ",": "dấu phẩy"}


@dataclass(frozen=True)
class StatsMapping:
    """The checked ``stats_import`` section of a plan."""

    columns: dict[str, tuple[str, ...]]  # input code -> header path (top to bottom)
    name_column: tuple[str, ...] = ("Tên đơn vị",)
    header_rows: int = 1
    header_row: int | None = None  # 1-based first header row; None: found by name_column
    skip_rows_matching: tuple[str, ...] = ()
    strip_prefixes: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # export name -> unit code
    blank_as_zero: bool = False
    sheet: str | None = None
    sheets: dict[str, str] = field(default_factory=dict)  # level -> sheet
    code_column: tuple[str, ...] | None = None  # header path of the unit-code column
    decimal: str | None = None  # "." or ",": how numbers stored as text are written
    lines: dict[str, Any] = field(default_factory=dict)  # dotted key -> place in the plan


def _line(obj: Any, key: str | None = None):
    if key is not None and hasattr(obj, "line_of"):
        return obj.line_of(key)
    return getattr(obj, "line", None)


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{…}"
    return str(value)


def check_mapping(raw: Any, input_codes: list[str], levels: list[str],
                  error: Callable[[Any, str, str], None], where: Any = None) -> StatsMapping | None:
    """Check a ``stats_import`` section; report each mistake through ``error(place, message, hint)``.

    ``input_codes``: the plan's inputs (the only codes ``columns`` may name);
    ``levels``: the plan's levels (the keys ``sheets`` may use). Returns the
    mapping, or None when the section is not a mapping at all.
    """
    if not isinstance(raw, Mapping):
        error(_line(raw) or where,
              f"{SECTION} phải là một bảng khóa: giá trị (name_column, header_rows, columns, …)",
              "ví dụ «stats_import: {name_column: Tên đơn vị, header_rows: 2, columns: {…}}»")
        return None
    count = [0]

    def bad(place, message: str, hint: str = "") -> None:
        count[0] += 1
        error(place, message, hint)

    lines: dict[str, Any] = {SECTION: _line(raw)}
    for key in raw:
        lines[f"{SECTION}.{key}"] = _line(raw, key)
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), list(KEYS), n=1)
            bad(_line(raw, key), f"khóa «{SECTION}.{key}» không dùng được",
                (f"có phải «{close[0]}»? " if close else "")
                + "các khóa dùng được: " + ", ".join(KEYS))

    def text_list(key: str) -> tuple[str, ...]:
        """A string or a list of non-empty strings."""
        value = raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip()
                for v in value):
            bad(_line(raw, key), f"{SECTION}.{key} ({KEYS[key]}) phải là một chuỗi hoặc danh "
                                 f"sách chuỗi không rỗng (đang là «{_shown(value)}»)",
                f'ví dụ: {key}: ["UBND", "xã"]')
            return ()
        return tuple(nfc(str(v)).strip() for v in value)

    def integer(key: str, lo: int, hi: int | None) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < lo or (
                hi is not None and value > hi):
            upper = f" đến {hi}" if hi is not None else " trở lên"
            bad(_line(raw, key), f"{SECTION}.{key} ({KEYS[key]}) phải là số nguyên từ "
                                 f"{lo}{upper} (đang là «{_shown(value)}»)")
            return None
        return value

    header_rows = integer("header_rows", 1, MAX_HEADER_ROWS) or 1
    header_row = integer("header_row", 1, None)

    def header_path(key: str, example: str) -> tuple[str, ...] | None:
        if key not in raw:
            return None
        got = text_list(key)
        if not got and raw.get(key) in (None, [], ""):
            bad(_line(raw, key), f"{SECTION}.{key} ({KEYS[key]}) không được để trống",
                f"ví dụ: {key}: {example}")
        if len(got) > header_rows:
            bad(_line(raw, key), f"{SECTION}.{key} có {len(got)} tầng tiêu đề nhưng "
                                 f"header_rows là {header_rows}",
                "bớt tầng tiêu đề hoặc tăng header_rows")
        return got or None

    name_column = header_path("name_column", '"Tên đơn vị"') or ("Tên đơn vị",)
    code_column = header_path("code_column", '"Mã đơn vị"')

    # -- columns
    columns: dict[str, tuple[str, ...]] = {}
    cols_raw = raw.get("columns")
    example = (f'ví dụ: columns: {{{input_codes[0]}: ["Đã giải quyết", "Tổng"]}}'
               if input_codes else "")
    if cols_raw is None or (isinstance(cols_raw, Mapping) and not cols_raw):
        bad(_line(raw, "columns") if "columns" in raw else _line(raw),
            f"{SECTION}.columns ({KEYS['columns']}) chưa khai báo cột nào",
            "mỗi dòng: mã số liệu: tiêu đề cột trong tệp thống kê (từ tầng trên xuống); "
            + example)
    elif not isinstance(cols_raw, Mapping):
        bad(_line(raw, "columns"), f"{SECTION}.columns phải là một bảng mã số liệu: tiêu đề cột",
            example)
    else:
        for code, path in cols_raw.items():
            place = _line(cols_raw, code)
            dotted = f"{SECTION}.columns.{code}"
            lines[dotted] = place
            if code not in input_codes:
                close = difflib.get_close_matches(str(code), input_codes, n=1)
                bad(place, f"«{code}» ({dotted}) không phải mã số liệu đầu vào của kế hoạch",
                    (f"có phải «{close[0]}»? " if close else "")
                    + "các mã dùng được: " + ", ".join(input_codes))
                continue
            if isinstance(path, str):
                path = [path]
            if (not isinstance(path, list) or not path or not all(
                    isinstance(p, (str, int, float)) and not isinstance(p, bool)
                    and str(p).strip() for p in path)):
                bad(place, f"{dotted} phải là tiêu đề cột (chuỗi) hoặc danh sách tiêu đề "
                           f"từ tầng trên xuống (đang là «{_shown(path)}»)",
                    f'ví dụ: {code}: ["Đã giải quyết", "Tổng"]')
                continue
            if len(path) > header_rows:
                bad(place, f"{dotted} có {len(path)} tầng tiêu đề nhưng tiêu đề tệp thống kê "
                           f"chỉ có {header_rows} dòng (header_rows)",
                    "bớt tầng tiêu đề hoặc sửa header_rows")
                continue
            columns[code] = tuple(nfc(str(p)).strip() for p in path)

    skip = text_list("skip_rows_matching")
    prefixes = text_list("strip_prefixes")

    aliases: dict[str, str] = {}
    al = raw.get("aliases")
    if al is not None:
        if not isinstance(al, Mapping) or not all(
                isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip()
                and str(k).strip() for k, v in al.items()):
            bad(_line(raw, "aliases"),
                f"{SECTION}.aliases phải là bảng «tên trong tệp thống kê: mã đơn vị»",
                'ví dụ: aliases: {"VP HĐND&UBND huyện": CQ12}')
        else:
            for k, v in al.items():
                aliases[nfc(str(k)).strip()] = nfc(str(v)).strip()
                lines[f"{SECTION}.aliases.{k}"] = _line(al, k)

    blank_as_zero = raw.get("blank_as_zero", False)
    if not isinstance(blank_as_zero, bool):
        bad(_line(raw, "blank_as_zero"),
            f"{SECTION}.blank_as_zero phải là true hoặc false (đang là «{_shown(blank_as_zero)}»)")
        blank_as_zero = False

    sheet = raw.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        bad(_line(raw, "sheet"), f"{SECTION}.sheet phải là tên trang tính (chuỗi)")
        sheet = None

    sheets: dict[str, str] = {}
    sh = raw.get("sheets")
    if sh is not None:
        if not isinstance(sh, Mapping) or not sh:
            bad(_line(raw, "sheets"), f"{SECTION}.sheets phải là bảng «cấp: tên trang tính»",
                'ví dụ: sheets: {tinh: "Sở Ban", xa: "Xã Phường"}')
        else:
            for level, name in sh.items():
                place = _line(sh, level)
                lines[f"{SECTION}.sheets.{level}"] = place
                if level not in levels:
                    close = difflib.get_close_matches(str(level), levels, n=1)
                    bad(place, f"{SECTION}.sheets: «{level}» không phải cấp của kế hoạch",
                        (f"có phải «{close[0]}»? " if close else "")
                        + "các cấp: " + ", ".join(levels))
                elif not isinstance(name, str) or not name.strip():
                    bad(place, f"{SECTION}.sheets.{level} phải là tên trang tính (chuỗi)")
                else:
                    sheets[str(level)] = nfc(name).strip()
        if sheet is not None:
            bad(_line(raw, "sheet"), f"{SECTION} dùng cả «sheet» lẫn «sheets»",
                "giữ «sheets» (mỗi cấp một trang) hoặc «sheet» (một trang cho mọi đơn vị)")

    decimal = raw.get("decimal")
    if decimal is not None:
        decimal = str(decimal).strip()
        if decimal not in DECIMALS:
            bad(_line(raw, "decimal"),
                f"{SECTION}.decimal phải là «.» (dấu chấm) hoặc «,» (dấu phẩy), không phải "
                f"«{decimal}»", 'ví dụ: decimal: "." khi tệp ghi 17.125 nghĩa là mười bảy phẩy '
                                "một trăm hai mươi lăm")
            decimal = None

    if count[0]:
        return None
    return StatsMapping(columns=columns, name_column=name_column, header_rows=header_rows,
                        header_row=header_row, skip_rows_matching=skip, strip_prefixes=prefixes,
                        aliases=aliases, blank_as_zero=blank_as_zero,
                        sheet=nfc(sheet).strip() if sheet else None, sheets=sheets,
                        code_column=code_column, decimal=decimal, lines=lines)


def canonical(raw: Any) -> Any:
    """A checked section in one spelling: header paths and text lists as lists.

    ``name_column: "Tên đơn vị"`` and ``name_column: ["Tên đơn vị"]`` mean the
    same; the plan keeps the list form, so a plan read from YAML and the same
    plan read from a workbook compare equal. Places (lines, cells) are kept.
    """
    from thidua.plan.yamlload import LineDict

    def like(src: Any, items: dict) -> Any:
        out = LineDict(items)
        out.line = getattr(src, "line", None)
        out.key_lines = {k: src.line_of(k) for k in items} if hasattr(src, "line_of") else {}
        return out

    def as_list(value: Any) -> list:
        values = [value] if isinstance(value, (str, int, float)) else list(value)
        return [nfc(str(v)).strip() for v in values]

    out: dict[str, Any] = {}
    order = list(KEYS)
    for key, value in sorted(raw.items(), key=lambda kv: order.index(kv[0])
                             if kv[0] in order else len(order)):
        if key in ("name_column", "code_column", "skip_rows_matching", "strip_prefixes"):
            value = as_list(value)
        elif key == "columns":
            value = like(value, {code: as_list(path) for code, path in value.items()})
        elif key in ("aliases", "sheets"):
            value = like(value, {nfc(str(k)).strip(): nfc(str(v)).strip()
                                 for k, v in value.items()})
        elif key in ("sheet", "decimal"):
            value = nfc(str(value)).strip()
        out[key] = value
    return like(raw, out)
