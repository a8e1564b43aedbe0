"""Cell formats of a workbook package (``xl/styles.xml``): the id of a look, added when missing.

The report and receipt-log sheets of a master, and input cells marked after an
appraisal, need formats the package may not have yet; a :class:`Look` says what a
cell looks like, :meth:`Styles.look` gives its id in the package (adding the font,
fill and format as openpyxl would write them).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from thidua.xmltext import escape, escape_attr

__all__ = ["Look", "Styles"]


@dataclass(frozen=True)
class Look:
    """How a cell looks: the parts of a cell format this tool uses."""

    bold: bool = False
    size: float | None = None  # points; None: the default
    fill: str | None = None  # "D9E1F2"
    wrap: bool = False
    vertical: str | None = None  # "top"
    number_format: str | None = None


_SECTION = r"<{section}\b[^>]*?(?:/>|>(.*?)</{section}>)"


def _children(xml: str, section: str, tag: str) -> list[str]:
    m = re.search(_SECTION.format(section=section), xml, re.S)
    if not m or not m.group(1):
        return []
    return re.findall(rf"<{tag}\b[^>]*?/>|<{tag}\b[^>]*?>.*?</{tag}>", m.group(1), re.S)


class Styles:
    """The cell formats of ``xl/styles.xml``, with new ones added on demand."""

    def __init__(self, xml: bytes):
        self.xml = xml.decode("utf-8")
        self.fonts = _children(self.xml, "fonts", "font")
        self.fills = _children(self.xml, "fills", "fill")
        self.xfs = _children(self.xml, "cellXfs", "xf")
        self.formats = {int(i): html.unescape(code) for i, code in re.findall(
            r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', self.xml)}
        self.added = False
        self._looks: dict[Look, int] = {}
        # formats are only ever added: what is known of one never changes
        self._fill_of: dict[int, str | None] = {}
        self._with_fill: dict[tuple[int, str], int] = {}

    def fill_of(self, xf_id: int) -> str | None:
        """The solid fill colour (``"FFF2CC"``) of a cell format, if it has one."""
        try:
            return self._fill_of[xf_id]
        except KeyError:
            pass
        try:
            xf = self.xfs[xf_id]
        except IndexError:
            return None
        m = re.search(r'fillId="(\d+)"', xf)
        fill = self.fills[int(m.group(1))] if m and int(m.group(1)) < len(self.fills) else ""
        color = re.search(r'<fgColor rgb="([0-9A-Fa-f]{6,8})"', fill)
        self._fill_of[xf_id] = found = color.group(1)[-6:].upper() if color else None
        return found

    def with_fill(self, xf_id: int, color: str) -> int:
        """The id of cell format ``xf_id`` with a solid ``color`` fill instead of its own."""
        known = self._with_fill.get((xf_id, color))
        if known is not None:
            return known
        fill = self._index(self.fills, _fill_xml(color))
        xf = re.sub(r'fillId="\d+"', f'fillId="{fill}"', self.xfs[xf_id], count=1)
        if "applyFill" not in xf:
            xf = xf.replace(" fillId=", ' applyFill="1" fillId=', 1)
        self._with_fill[(xf_id, color)] = found = self._index(self.xfs, xf)
        return found

    def look(self, look: Look) -> int:
        """The id of the cell format of ``look`` (added when missing)."""
        known = self._looks.get(look)
        if known is not None:
            return known
        font = self._index(self.fonts, _font_xml(look)) if look.bold or look.size else 0
        fill = self._index(self.fills, _fill_xml(look.fill)) if look.fill else 0
        fmt = self._format_id(look.number_format) if look.number_format else 0
        attrs = [f'numFmtId="{fmt}"', f'fontId="{font}"', f'fillId="{fill}"', 'borderId="0"']
        attrs += ['applyNumberFormat="1"'] if fmt else []
        attrs += ['applyFont="1"'] if font else []
        attrs += ['applyFill="1"'] if fill else []
        alignment = ""
        if look.wrap or look.vertical:
            attrs.append('applyAlignment="1"')
            parts = ([f'vertical="{look.vertical}"'] if look.vertical else []) + \
                (['wrapText="1"'] if look.wrap else [])
            alignment = f"<alignment {' '.join(parts)}/>"
        attrs += ['pivotButton="0"', 'quotePrefix="0"', 'xfId="0"']
        xf = f"<xf {' '.join(attrs)}>{alignment}</xf>" if alignment else f"<xf {' '.join(attrs)}/>"
        self._looks[look] = found = self._index(self.xfs, xf)
        return found

    def _index(self, items: list[str], element: str) -> int:
        try:
            return items.index(element)
        except ValueError:
            items.append(element)
            self.added = True
            return len(items) - 1

    def _format_id(self, code: str) -> int:
        for i, known in self.formats.items():
            if known == code:
                return i
        new = max([163] + list(self.formats)) + 1
        self.formats[new] = code
        self.added = True
        return new

    def to_xml(self) -> bytes:
        xml = self.xml
        for section, items in (("fonts", self.fonts), ("fills", self.fills),
                               ("cellXfs", self.xfs)):
            xml = re.sub(_SECTION.format(section=section),
                         lambda m, t=section, i=items: f'<{t} count="{len(i)}">{"".join(i)}</{t}>',
                         xml, count=1, flags=re.S)
        if self.formats:
            formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape_attr(c)}"/>'
                              for i, c in sorted(self.formats.items()))
            block = f'<numFmts count="{len(self.formats)}">{formats}</numFmts>'
            if re.search(r"<numFmts\b", xml):
                xml = re.sub(r"<numFmts\b.*?</numFmts>|<numFmts\b[^>]*/>", lambda m: block, xml,
                             count=1, flags=re.S)
            else:
                xml = re.sub(r"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + block, xml, count=1)
        return xml.encode("utf-8")


def _font_xml(look: Look) -> str:
    bold = '<b val="1"/>' if look.bold else ""
    size = f'<sz val="{look.size:g}"/>' if look.size else '<sz val="11"/>'
    return f'<font><name val="Calibri"/><family val="2"/>{bold}{size}</font>'


def _fill_xml(color: str) -> str:
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="00{color}"/>'
            f'<bgColor rgb="00{color}"/></patternFill></fill>')
