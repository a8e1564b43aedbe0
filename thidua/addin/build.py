"""Build the add-in ``thidua.xlam`` from text sources (``thidua addin build``).

One add-in holds every button. Its parts are all written here, from text:

* ``customUI/customUI.xml`` — ``thidua/addin/ribbon.xml`` as it is (the tab,
  its groups and buttons; every button's ``onAction`` is ``RibbonThiDua.BamNut``);
* ``xl/vbaProject.bin`` — a VBA project named ``thidua`` compiled by
  ``thidua.addin.ovba`` from: ``vba/RibbonThiDua.bas`` (the ribbon callback:
  it passes the clicked button's id to ``thidua.addin.run_button``),
  ``vba/ThisWorkbook.cls`` and ``vba/Sheet1.cls`` (the document modules), and
  xlwings' own VBA (``RunPython``), read from the installed xlwings package
  (``xlwings_custom_addin.bas``, the module xlwings ships for custom add-ins,
  and its ``Dictionary`` class) with ``PROJECT_NAME`` set to ``thidua``, so the
  settings live in ``%USERPROFILE%\\.thidua\\thidua.conf``, shared with no
  other add-in;
* a one-sheet workbook saying what the file is, styles, document properties.

Nothing depends on the file's name (a copy saved as «thidua (1).xlam» works
the same), nothing binary is copied or edited, no path of the build machine
is written, and the zip is written with fixed timestamps: the same sources,
xlwings and time give the same bytes. Why one add-in rather than one per
button: ``addin/README.md``, «Thiết kế».
"""
from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from thidua.xmltext import escape

from thidua.addin.ovba import OFFICE, STDOLE, Module, project_bin
from thidua.errors import Problem, ThiduaError
from thidua.text import nfc

__all__ = ["Button", "ADDIN_NAME", "CALLBACK", "CUSTOMUI_NS", "OLD_PREFIX", "PROJECT_NAME",
           "SOURCE_DIR", "build_addin", "ribbon_buttons", "vba_modules", "vba_literal_text"]

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
ADDIN_NAME = "thidua.xlam"
PROJECT_NAME = "thidua"  # the VBA project, and xlwings' PROJECT_NAME (config file name)
CALLBACK = "RibbonThiDua.BamNut"  # every button's onAction
OLD_PREFIX = "thidua.addin."  # add-ins of the first release (one per button), removed on install
#: The add-in's text sources: ribbon.xml and vba/ (package data).
SOURCE_DIR = Path(__file__).resolve().parent
_ID = re.compile(r"[a-z0-9_]{1,40}")
_BUTTON_ATTRS = ("label", "size", "imageMso", "onAction", "screentip", "supertip")
_XLWINGS_MODULE = "xlwings_custom_addin.bas"  # what «xlwings quickstart --addin» puts in an add-in
_XLWINGS_DICTIONARY = Path("addin") / "Dictionary.cls"
_PROJECT_NAME_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'


@dataclass
class Button:
    """One button of the ribbon, with the group it sits in."""

    id: str
    position: int  # 1-based, document order
    attrs: dict[str, str]
    group: str  # the group's label

    @property
    def label(self) -> str:
        return self.attrs["label"]


# ------------------------------------------------------------------ ribbon
def _ribbon_path() -> Path:
    return SOURCE_DIR / "ribbon.xml"


def ribbon_buttons(ribbon: str | os.PathLike | None = None) -> list[Button]:
    """The buttons of ``ribbon.xml`` in document order, checked against ``BUTTONS``."""
    from thidua.addin import BUTTONS

    path = Path(ribbon) if ribbon is not None else _ribbon_path()
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise ThiduaError(Problem("không tìm thấy tệp nguồn của thanh công cụ", file=str(path),
                                  hint="cài lại thidua (tệp này đi kèm gói)")) from None
    except ET.ParseError as exc:
        raise ThiduaError(Problem(f"tệp không phải XML hợp lệ (dòng {exc.position[0]})",
                                  file=str(path))) from None
    q = f"{{{CUSTOMUI_NS}}}"
    if root.tag != q + "customUI":
        raise ThiduaError(Problem(f"phần tử gốc phải là customUI ({CUSTOMUI_NS})", file=str(path)))
    buttons: list[Button] = []
    for group in root.iter(q + "group"):
        for el in group.iter(q + "button"):
            attrs = {k: nfc(v) for k, v in el.attrib.items() if k in _BUTTON_ATTRS}
            buttons.append(Button(el.get("id", ""), len(buttons) + 1, attrs,
                                  nfc(group.get("label", ""))))
    problems = []
    for b in buttons:
        if not _ID.fullmatch(b.id):
            problems.append(Problem(f"mã nút «{b.id}» chỉ được gồm chữ thường không dấu, số và "
                                    "dấu gạch dưới", file=str(path)))
        if b.id not in BUTTONS:
            problems.append(Problem(f"nút «{b.id}» không có trong thidua.addin.BUTTONS",
                                    file=str(path)))
        if b.attrs.get("onAction") != CALLBACK:
            problems.append(Problem(f"nút «{b.id}»: onAction phải là «{CALLBACK}»", file=str(path)))
    if len({b.id for b in buttons}) != len(buttons):
        problems.append(Problem("hai nút trùng mã", file=str(path)))
    if not buttons:
        problems.append(Problem("không có nút nào", file=str(path)))
    if problems:
        raise ThiduaError(problems)
    return buttons


# ------------------------------------------------------------------ VBA sources
def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def vba_literal_text(text: str, source: str = "") -> str:
    """VBA source with every non-ASCII letter inside a string literal as ``ChrW(n)``.

    The project's code page (1252) has no Vietnamese letters; ``ChrW`` makes
    them at run time, so the text shows right on every Windows. Non-ASCII
    outside a string (a comment, a name) is an error; so is a line grown past
    what the VBA editor accepts.
    """
    out_lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        out, in_string, k = [], False, 0
        while k < len(line):
            ch = line[k]
            if ch == '"':
                in_string = not in_string
                out.append(ch)
            elif not in_string and ch == "'":
                out.append(line[k:])
                break
            elif ord(ch) > 127:
                if not in_string:
                    raise ValueError(f"{source}:{number}: non-ASCII character outside a string")
                run = ch
                while k + 1 < len(line) and ord(line[k + 1]) > 127:
                    k += 1
                    run += line[k]
                out.append('" & ' + " & ".join(f"ChrW({ord(c)})" for c in nfc(run)) + ' & "')
            else:
                out.append(ch)
            k += 1
        done = "".join(out)
        if any(ord(c) > 127 for c in done):
            raise ValueError(f"{source}:{number}: non-ASCII character in a comment")
        if len(done) > 1000:
            raise ValueError(f"{source}:{number}: line too long for VBA once accents are written "
                             "as ChrW(n); split the string")
        out_lines.append(done)
    return "\r\n".join(out_lines) + "\r\n"


def _xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def check_xlwings() -> None:
    """The installed xlwings is the pinned one (its VBA must match its Python)."""
    import xlwings

    from thidua.addin import XLWINGS_VERSION
    if xlwings.__version__ != XLWINGS_VERSION:
        raise ThiduaError(Problem(
            f"add-in cần xlwings {XLWINGS_VERSION} nhưng máy đang có xlwings {xlwings.__version__}",
            hint=f"cài đúng phiên bản: pip install xlwings=={XLWINGS_VERSION}"))


def _xlwings_sources() -> tuple[str, str]:
    """xlwings' add-in module (PROJECT_NAME = thidua) and its Dictionary class, as stored."""
    from thidua.addin import XLWINGS_VERSION

    folder = _xlwings_dir()
    try:
        module = (folder / _XLWINGS_MODULE).read_text(encoding="ascii")
        dictionary = (folder / _XLWINGS_DICTIONARY).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise ThiduaError(Problem("gói xlwings đang cài thiếu mã VBA của add-in",
                                  hint=f"cài lại: pip install --force-reinstall "
                                       f"xlwings=={XLWINGS_VERSION}")) from None
    if module.count(_PROJECT_NAME_LINE) != 1 or \
            f'XLWINGS_VERSION As String = "{XLWINGS_VERSION}"' not in module:
        raise ThiduaError(Problem(f"mã VBA của xlwings ({_XLWINGS_MODULE}) không như mong đợi",
                                  hint=f"cài đúng xlwings=={XLWINGS_VERSION}"))
    module = module.replace(_PROJECT_NAME_LINE,
                            f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')
    # A class module as exported (.cls) starts with a VERSION/BEGIN…END header
    # that the project does not store: the stored source starts at its attributes.
    start = dictionary.find('Attribute VB_Name = "Dictionary"')
    if start < 0:
        raise ThiduaError(Problem("mã VBA Dictionary.cls của xlwings không như mong đợi"))
    return _crlf(module), _crlf(dictionary[start:])


def vba_modules() -> list[Module]:
    """The add-in's VBA modules, in project order."""
    check_xlwings()
    folder = SOURCE_DIR / "vba"

    def ours(name: str, kind: str) -> Module:
        path = folder / (name + (".bas" if kind == "module" else ".cls"))
        try:
            return Module(name, kind, vba_literal_text(path.read_text(encoding="utf-8"), str(path)))
        except ValueError as exc:
            raise ThiduaError(Problem(f"mã VBA không dựng được ({exc})", file=str(path))) from None

    xlwings_module, dictionary = _xlwings_sources()
    return [ours("ThisWorkbook", "document"), ours("Sheet1", "document"),
            ours("RibbonThiDua", "module"), Module("xlwings", "module", xlwings_module),
            Module("Dictionary", "class", dictionary)]


# ------------------------------------------------------------------ package parts
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _sheet_lines(buttons: list[Button]) -> list[str]:
    from thidua import __version__
    return [f"Add-in «Thi đua» (thidua {__version__}): thẻ «Thi đua» trên thanh công cụ của Excel.",
            "Tệp này do lệnh «thidua addin build» tạo từ mã nguồn; không sửa tay.",
            "Các nút: " + "; ".join(f"{b.group} › {b.label}" for b in buttons) + "."]


def _parts(buttons: list[Button], vba: bytes, when: dt.datetime) -> dict[str, bytes]:
    from openpyxl.writer.theme import theme_xml

    from thidua import __version__

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = _sheet_lines(buttons)
    rows = "".join(f'<row r="{k}"><c r="A{k}" t="s"><v>{k - 1}</v></c></row>'
                   for k in range(1, len(lines) + 1))
    strings = "".join(f"<si><t>{escape(text)}</t></si>" for text in lines)
    parts = {
        "[Content_Types].xml": (
            _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.'
            'macroEnabled.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.theme+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            _XML + f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
            '<Relationship Id="rId4" Type="http://schemas.microsoft.com/office/2006/relationships/'
            'ui/extensibility" Target="customUI/customUI.xml"/></Relationships>'),
        "docProps/core.xml": (
            _XML + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:title>Thi đua</dc:title>"
            f"<dc:description>{escape(lines[0])}</dc:description>"
            "<dc:creator>thidua</dc:creator><cp:lastModifiedBy>thidua</cp:lastModifiedBy>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"),
        "docProps/app.xml": (
            _XML + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>Microsoft Excel</Application>'
            f"<Company>thidua {escape(__version__)}</Company></Properties>"),
        "xl/workbook.xml": (
            _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<workbookPr codeName="ThisWorkbook"/><bookViews><workbookView/></bookViews>'
            '<sheets><sheet name="thidua" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            _XML + f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId4" Type="http://schemas.microsoft.com/office/2006/relationships/'
            'vbaProject" Target="vbaProject.bin"/>'
            f'<Relationship Id="rId5" Type="{_REL}/theme" Target="theme/theme1.xml"/>'
            "</Relationships>"),
        "xl/worksheets/sheet1.xml": (
            _XML + f'<worksheet xmlns="{_MAIN}"><sheetPr codeName="Sheet1"/>'
            f'<dimension ref="A1:A{len(lines)}"/><sheetViews><sheetView workbookViewId="0"/>'
            '</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" '
            f'width="120" customWidth="1"/></cols><sheetData>{rows}</sheetData></worksheet>'),
        "xl/sharedStrings.xml": (
            _XML + f'<sst xmlns="{_MAIN}" count="{len(lines)}" uniqueCount="{len(lines)}">'
            f"{strings}</sst>"),
        "xl/styles.xml": (
            _XML + f'<styleSheet xmlns="{_MAIN}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
            '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
            "<left/><right/><top/><bottom/><diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    }
    out = {name: text.encode("utf-8") for name, text in parts.items()}
    out["xl/theme/theme1.xml"] = theme_xml.encode("utf-8")  # Office's default theme
    out["customUI/customUI.xml"] = nfc(_ribbon_path().read_text(encoding="utf-8")).encode("utf-8")
    out["xl/vbaProject.bin"] = vba
    return out


def build_addin(out_dir: str | os.PathLike, *, when: dt.datetime | None = None) -> Path:
    """Write ``thidua.xlam`` into ``out_dir`` and return its path.

    ``when``: the time stamped inside (default: now); a fixed time makes the
    file byte-for-byte reproducible. Add-ins of the first release
    (``thidua.addin.*.xlam``, one per button) found in ``out_dir`` are removed.
    """
    from thidua.fileio import atomic_write

    buttons = ribbon_buttons()
    vba = project_bin(PROJECT_NAME, vba_modules(), [STDOLE, OFFICE])
    when = (when or dt.datetime.now()).replace(microsecond=0)
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    parts = _parts(buttons, vba, when)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for name, data in parts.items():
                entry = zipfile.ZipInfo(name, date_time=date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o600 << 16
                dst.writestr(entry, data)

    path = atomic_write(out / ADDIN_NAME, write)
    for old in out.glob(OLD_PREFIX + "*.xlam"):
        old.unlink()
    return path
