"""Build the add-in files from text sources on top of xlwings' own add-in template.

Sources: ``addin/ribbon.xml`` (the ribbon: tab, groups, buttons) in the
repository. Template: ``quickstart_addin_ribbon.xlam`` shipped inside the
installed xlwings package (what ``xlwings quickstart NAME --addin --ribbon``
copies): a ``customUI/customUI.xml`` part and a VBA project whose only ribbon
callback, ``RibbonMyAddin.RunMain``, runs ``import <file name>; <file
name>.main()`` through ``RunPython``.

One add-in per button (``thidua.addin.nutK_<id>.xlam``): its VBA project is the
template's, byte for byte; its ribbon part declares the shared tab and the
button's group with qualified ids (``idQ``) so Excel merges the add-ins into
one «Thi đua» tab; its file name makes the template's callback import
``thidua.addin.nutK_<id>``, whose ``main()`` calls ``run_button("<id>")``.
Nothing binary is edited; the zip is written with fixed timestamps, so the
same sources and time give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from thidua.errors import Problem, ThiduaError
from thidua.text import nfc

__all__ = ["Button", "build_addins", "ribbon_buttons", "customui_for", "addin_file_name",
           "module_name", "template_path", "source_dir", "CUSTOMUI_NS", "CALLBACK", "PREFIX"]

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
CALLBACK = "RibbonMyAddin.RunMain"  # the template's only ribbon callback
TEMPLATE = "quickstart_addin_ribbon.xlam"
PREFIX = "thidua.addin."
_BUTTON_ATTRS = ("label", "size", "imageMso", "onAction", "screentip", "supertip")


@dataclass
class Button:
    """One button of the ribbon, with the tab and group it sits in."""

    id: str
    position: int  # 1-based, document order
    attrs: dict[str, str]
    group_idq: str
    group_label: str
    tab_idq: str
    tab_label: str
    namespaces: dict[str, str] = field(default_factory=dict)  # prefix -> uri for idQ

    @property
    def label(self) -> str:
        return self.attrs["label"]


def source_dir() -> Path:
    """``addin/`` of the repository this package runs from."""
    return Path(__file__).resolve().parents[2] / "addin"


def template_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent / TEMPLATE


def module_name(button: Button) -> str:
    return f"{PREFIX}nut{button.position}_{button.id}"


def addin_file_name(button: Button) -> str:
    return module_name(button) + ".xlam"


def _namespaces(path: Path) -> dict[str, str]:
    out = {}
    for _event, (prefix, uri) in ET.iterparse(str(path), events=("start-ns",)):
        out[prefix] = uri
    return out


def ribbon_buttons(ribbon: str | os.PathLike | None = None) -> list[Button]:
    """The buttons of ``addin/ribbon.xml`` in document order (checked)."""
    path = Path(ribbon) if ribbon is not None else source_dir() / "ribbon.xml"
    if not path.is_file():
        raise ThiduaError(Problem(f"không tìm thấy tệp nguồn của thanh công cụ «{path}»",
                                  hint="chạy lệnh từ bản mã nguồn thidua (có thư mục addin/), "
                                       "hoặc chỉ rõ thư mục bằng --src"))
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ThiduaError(Problem(f"tệp «{path.name}» không phải XML hợp lệ ({exc})", file=str(path)))
    namespaces = {p: u for p, u in _namespaces(path).items() if p}
    q = f"{{{CUSTOMUI_NS}}}"
    if root.tag != q + "customUI":
        raise ThiduaError(Problem(f"«{path.name}»: phần tử gốc phải là customUI ({CUSTOMUI_NS})",
                                  file=str(path)))
    buttons: list[Button] = []
    for tab in root.iter(q + "tab"):
        for group in tab.iter(q + "group"):
            for el in group.iter(q + "button"):
                attrs = {k: nfc(v) for k, v in el.attrib.items() if k in _BUTTON_ATTRS}
                buttons.append(Button(el.get("id", ""), len(buttons) + 1, attrs,
                                      group.get("idQ", ""), nfc(group.get("label", "")),
                                      tab.get("idQ", ""), nfc(tab.get("label", "")), namespaces))
    problems = []
    from thidua.addin import BUTTONS
    for b in buttons:
        if b.id not in BUTTONS:
            problems.append(Problem(f"nút «{b.id}» không có trong thidua.addin.BUTTONS", file=str(path)))
        if b.attrs.get("onAction") != CALLBACK:
            problems.append(Problem(f"nút «{b.id}»: onAction phải là «{CALLBACK}»", file=str(path)))
        if not b.group_idq or not b.tab_idq:
            problems.append(Problem(f"nút «{b.id}»: thẻ và nhóm phải có idQ (dùng chung giữa các "
                                    "add-in)", file=str(path)))
    if not buttons:
        problems.append(Problem("không có nút nào", file=str(path)))
    if problems:
        raise ThiduaError(problems)
    return buttons


def customui_for(button: Button) -> str:
    """The ribbon part of one button's add-in: shared tab and group, this button."""
    ns = " ".join(f"xmlns:{p}={quoteattr(u)}" for p, u in sorted(button.namespaces.items()))
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in button.attrs.items())
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<customUI xmlns="{CUSTOMUI_NS}" {ns}>\n'
        "  <ribbon>\n    <tabs>\n"
        f"      <tab idQ={quoteattr(button.tab_idq)} label={quoteattr(button.tab_label)}>\n"
        f"        <group idQ={quoteattr(button.group_idq)} label={quoteattr(button.group_label)}>\n"
        f"          <button id={quoteattr(button.id)} {attrs}/>\n"
        "        </group>\n      </tab>\n    </tabs>\n  </ribbon>\n</customUI>\n"
    )


def _core_xml(button: Button, when: dt.datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    title = escape(f"{button.tab_label} — {button.label}")
    about = escape(f"Nút «{button.label}» của thẻ «{button.tab_label}» (thidua). "
                   f"{button.attrs.get('supertip', '')}")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{title}</dc:title><dc:description>{about}</dc:description>"
        "<dc:creator>thidua</dc:creator><cp:lastModifiedBy>thidua</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode("utf-8")


def check_xlwings() -> None:
    """The installed xlwings is the pinned one (its template's VBA must match its Python)."""
    import xlwings

    from thidua.addin import XLWINGS_VERSION
    if xlwings.__version__ != XLWINGS_VERSION:
        raise ThiduaError(Problem(
            f"add-in cần xlwings {XLWINGS_VERSION} nhưng máy đang có xlwings {xlwings.__version__}",
            hint=f"cài đúng phiên bản: pip install xlwings=={XLWINGS_VERSION}"))


def build_addins(out_dir: str | os.PathLike, *, source: str | os.PathLike | None = None,
                 when: dt.datetime | None = None) -> list[Path]:
    """Write one ``.xlam`` per ribbon button into ``out_dir``; returns their paths.

    ``source``: the folder holding ``ribbon.xml`` (default: the repository's
    ``addin/``). ``when``: the time stamped inside (default: now); a fixed time
    makes the files byte-for-byte reproducible. Add-ins of an earlier build
    (``thidua.addin.*.xlam``) no longer produced are removed from ``out_dir``.
    """
    from thidua.fileio import atomic_write

    check_xlwings()
    buttons = ribbon_buttons(Path(source) / "ribbon.xml" if source is not None else None)
    when = (when or dt.datetime.now()).replace(microsecond=0)
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(template_path()) as zf:
        parts = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    names = [n for n, _ in parts]
    if "customUI/customUI.xml" not in names or "xl/vbaProject.bin" not in names:
        raise ThiduaError(Problem(f"mẫu add-in của xlwings ({TEMPLATE}) không như mong đợi",
                                  hint="cài lại xlwings đúng phiên bản"))
    written = []
    for button in buttons:
        replaced = {"customUI/customUI.xml": customui_for(button).encode("utf-8"),
                    "docProps/core.xml": _core_xml(button, when)}

        def write(tmp: Path, replaced=replaced) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
                for name, data in parts:
                    entry = zipfile.ZipInfo(name, date_time=date_time)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry.external_attr = 0o600 << 16
                    dst.writestr(entry, replaced.get(name, data))

        written.append(atomic_write(out / addin_file_name(button), write))
    keep = {p.name for p in written}
    for old in out.glob(PREFIX + "*.xlam"):
        if old.name not in keep:
            old.unlink()
    return written
