#!/usr/bin/env python3
"""Build the Word templates of the award documents from the text in this file.

    python -m thidua.documents.templates.build   # rewrites the .docx beside this file

The templates are ordinary .docx files with jinja2 tags (docxtpl syntax) that
``thidua documents`` fills in. They follow the form of Nghị định
30/2020/NĐ-CP: A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times
New Roman; quốc hiệu and tiêu ngữ on the right, the issuing body on the left,
số/ký hiệu and the date line under them, the document type and trích yếu
centred, nơi nhận bottom left and the signature block bottom right; page
numbers from page 2, centred in the header.

An office can edit the built files in Word (or copy them to a folder of its
own and pass ``--templates``); this script is how the defaults are made and
can be remade. Its output is byte-for-byte reproducible.

Tags: ``{{ field }}`` prints a field; ``{%p if … %}`` / ``{%p for … %}`` on a
paragraph of their own repeat or drop paragraphs (and tables between them);
``{%tr for … %}`` in a table row repeats the row below it. Fields: README,
section “Văn bản khen thưởng”.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
TEXT_WIDTH = 165  # mm: 210 − 30 (left) − 15 (right)
BUILD_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)

# Paragraph styles (names are what an office sees in Word's style list).
BODY = "VB Thân văn bản"
HEADING = "VB Đề mục"
CENTER = "VB Giữa"
CELL = "VB Ô bảng"
CELL_CENTER = "VB Ô bảng giữa"
CELL_HEAD = "VB Tiêu đề bảng"
RECIPIENTS = "VB Nơi nhận"
TAG = "VB Thẻ"  # paragraphs holding only a {%p … %} tag (removed when rendered)


# ---------------------------------------------------------------- low-level helpers
def _fonts(rpr_owner, size: float | None = None) -> None:
    """Times New Roman for every script, on a style's or run's rPr."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _style(doc, name: str, *, base: str = "Normal", size: float = 14, bold: bool = False,
           italic: bool = False, align=None, first_line: float | None = None,
           before: float = 0, after: float = 0, line: float | None = None,
           keep_next: bool = False):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.quick_style = True
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.first_line_indent = Mm(first_line) if first_line else Mm(0)
    pf.left_indent = Mm(0)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is not None:
        pf.line_spacing = line
    pf.keep_with_next = keep_next
    pf.widow_control = True
    _fonts(style.element)
    return style


# Child order inside pPr / tblPr / tcPr (ECMA-376): Word rejects files out of order.
_PPR = ("pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
        "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
        "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
        "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
        "rPr sectPr pPrChange").split()
_TBLPR = ("tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
          "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption "
          "tblDescription").split()
_TCPR = ("cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText "
         "vAlign hideMark").split()


def _put(parent, element, order: list[str]) -> None:
    """Insert ``element`` into ``parent`` at its schema position, replacing one of its kind."""
    name = element.tag.split("}")[1]
    for old in parent.findall(qn(f"w:{name}")):
        parent.remove(old)
    later = set(order[order.index(name) + 1:])
    for i, child in enumerate(parent):
        if child.tag.split("}")[-1] in later:
            parent.insert(i, element)
            return
    parent.append(element)


def _cell_margins(table, mm: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(mm * 56.7)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _put(table._tbl.tblPr, margins, _TBLPR)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    _put(table._tbl.tblPr, borders, _TBLPR)


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed column widths: the grid (LibreOffice) and every cell (Word)."""
    table.autofit = False
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_mm) * 56.7)))
    width.set(qn("w:type"), "dxa")
    _put(table._tbl.tblPr, width, _TBLPR)
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(w * 56.7)))
    for row in table.rows:
        spans = 0
        for tc in row._tr.findall(qn("w:tc")):
            span = tc.grid_span
            w = sum(widths_mm[spans:spans + span])
            spans += span
            tc.get_or_add_tcPr().width = Mm(w)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))  # no w:val: on (strict validators take only on/off)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.insert(0, OxmlElement("w:cantSplit"))


def _shade(cell, color: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), color)
    _put(cell._tc.get_or_add_tcPr(), shd, _TCPR)


def _valign(cell, where: str = "center") -> None:
    el = OxmlElement("w:vAlign")
    el.set(qn("w:val"), where)
    _put(cell._tc.get_or_add_tcPr(), el, _TCPR)


def _rule(paragraph, length_mm: float, box_mm: float) -> None:
    """A short centred line drawn as the top border of an empty, thin paragraph."""
    side = max((box_mm - length_mm) / 2, 0)
    pf = paragraph.paragraph_format
    pf.left_indent = Mm(side)
    pf.right_indent = Mm(side)
    pf.first_line_indent = Mm(0)
    pf.space_before = Pt(4)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    top.set(qn("w:val"), "single")
    top.set(qn("w:sz"), "6")
    top.set(qn("w:space"), "1")
    top.set(qn("w:color"), "auto")
    borders.append(top)
    _put(p_pr, borders, _PPR)
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "8")
    mark.append(size)
    _put(p_pr, mark, _PPR)


def para(container, parts="", style: str = BODY, *, bold=None, italic=None, size=None,
         align=None, before=None, after=None, underline=None, keep_next=None,
         first_line=None):
    """Add a paragraph. ``parts``: text, or a list of text / (text, {"b", "i", "u", "size"})."""
    p = container.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    if before is not None:
        p.paragraph_format.space_before = Pt(before)
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    if keep_next is not None:
        p.paragraph_format.keep_with_next = keep_next
    if first_line is not None:
        p.paragraph_format.first_line_indent = Mm(first_line)
    if isinstance(parts, str):
        parts = [parts] if parts else []
    for part in parts:
        text, fmt = (part, {}) if isinstance(part, str) else part
        run = p.add_run(text)
        b = fmt.get("b", bold)
        i = fmt.get("i", italic)
        u = fmt.get("u", underline)
        s = fmt.get("size", size)
        if b is not None:
            run.bold = b
        if i is not None:
            run.italic = i
        if u is not None:
            run.underline = u
        if s is not None:
            run.font.size = Pt(s)
    return p


def tag(container, text: str):
    """A paragraph holding only a docxtpl paragraph tag (``{%p if … %}``)."""
    return para(container, text, TAG)


def first_cell_paragraph(cell, parts="", style: str = CELL, **kw):
    """Fill a fresh cell's first (empty) paragraph instead of adding one."""
    p = cell.paragraphs[0]
    p.style = style
    if isinstance(parts, str):
        parts = [parts] if parts else []
    for part in parts:
        text, fmt = (part, {}) if isinstance(part, str) else part
        run = p.add_run(text)
        if fmt.get("b", kw.get("bold")) is not None:
            run.bold = fmt.get("b", kw.get("bold"))
        if fmt.get("i", kw.get("italic")) is not None:
            run.italic = fmt.get("i", kw.get("italic"))
        if fmt.get("u") is not None:
            run.underline = fmt.get("u")
        if fmt.get("size", kw.get("size")) is not None:
            run.font.size = Pt(fmt.get("size", kw.get("size")))
    if kw.get("align") is not None:
        p.alignment = kw["align"]
    return p


# ---------------------------------------------------------------- document skeleton
def new_document(title: str):
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _fonts(normal.element)

    _style(doc, BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=12.7, before=6, line=1.1)
    _style(doc, HEADING, base=BODY, bold=True, keep_next=True, before=6, line=1.1,
           align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=12.7)
    _style(doc, CENTER, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, CELL, size=12, before=2, after=2, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, CELL_CENTER, base=CELL, size=12, before=2, after=2, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, CELL_HEAD, base=CELL, size=12, bold=True, before=2, after=2,
           align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, RECIPIENTS, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, TAG, size=6, align=WD_ALIGN_PARAGRAPH.LEFT)

    # Page numbers from page 2, centred at the top (Nghị định 30).
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.style = doc.styles[CENTER]
    run = header.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    run.font.size = Pt(14)

    props = doc.core_properties
    props.title = title
    props.author = "thidua"
    props.last_modified_by = "thidua"
    props.created = BUILD_TIME
    props.modified = BUILD_TIME
    props.revision = 1
    props.language = "vi-VN"
    # (no jinja tags here: docxtpl renders the core properties as templates too)
    props.comments = ("Mẫu văn bản của thidua (jinja2/docxtpl), được điền khi chạy “thidua "
                      "documents”. Danh sách trường: README, mục “Văn bản khen thưởng”.")
    # The default template starts with no paragraph; nothing to remove.
    return doc


def header_block(doc, key: str) -> None:
    """Issuing body | quốc hiệu, tiêu ngữ; số/ký hiệu | địa danh, ngày tháng năm."""
    left_w, right_w = 62, 103
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, 0.5)
    left, right = table.rows[0].cells
    first_cell_paragraph(left, "{%p if " + key + ".co_quan_tren %}", TAG)
    para(left, "{{ " + key + ".co_quan_tren }}", CENTER, size=13)
    tag(left, "{%p endif %}")
    para(left, "{{ " + key + ".co_quan }}", CENTER, bold=True, size=13)
    _rule(left.add_paragraph(style=CENTER), 22, left_w - 1)
    first_cell_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", CENTER, bold=True, size=12.5)
    para(right, [("Độc lập - Tự do - Hạnh phúc", {"b": True, "u": True})], CENTER, size=13.5)
    number, place = table.rows[1].cells
    first_cell_paragraph(number, "Số: {{ " + key + ".so }}/{{ " + key + ".ky_hieu }}", CENTER, size=13)
    number.paragraphs[0].paragraph_format.space_before = Pt(6)
    first_cell_paragraph(place, "{{ vb.dia_danh }}, {{ " + key + ".ngay }}", CENTER, italic=True, size=14)
    place.paragraphs[0].paragraph_format.space_before = Pt(6)
    _widths(table, [left_w, right_w])


def title_block(doc, kind: str, summary: str, *, rule_mm: float = 40) -> None:
    """Document type (bold capitals) and trích yếu, centred, with a short line under."""
    para(doc, kind, CENTER, bold=True, size=14, before=18, keep_next=True)
    para(doc, summary, CENTER, bold=True, size=14, keep_next=True)
    _rule(doc.add_paragraph(style=CENTER), rule_mm, TEXT_WIDTH)


def signature_block(doc, key: str, *, recipients: bool = True) -> None:
    """Nơi nhận (left, size 11) | quyền hạn, chức vụ, chữ ký, họ tên (right)."""
    last = doc.paragraphs[-1] if doc.paragraphs else None
    if last is not None:  # the signature never stands alone on a page
        last.paragraph_format.keep_with_next = True
    para(doc, "", CENTER, size=8, keep_next=True)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _cell_margins(table, 0.5)
    _cant_split(table.rows[0])
    left, right = table.rows[0].cells
    if recipients:
        first_cell_paragraph(left, [("Nơi nhận:", {"b": True, "i": True})], RECIPIENTS, size=12)
        tag(left, "{%p for n in " + key + ".noi_nhan %}")
        para(left, "- {{ n }}", RECIPIENTS)
        tag(left, "{%p endfor %}")
    first_cell_paragraph(right, "{%p if " + key + ".quyen_han %}", TAG)
    para(right, "{{ " + key + ".quyen_han }}", CENTER, bold=True, size=14)
    tag(right, "{%p endif %}")
    para(right, "{{ " + key + ".chuc_vu }}", CENTER, bold=True, size=14)
    for _ in range(4):
        para(right, "", CENTER)
    para(right, "{{ " + key + ".nguoi_ky }}", CENTER, bold=True, size=14, before=12)
    _widths(table, [75, 90])


def grid_table(doc, headers: list[str], widths: list[float], *, rows: int = 0):
    """A bordered table with a bold header row repeated on every page."""
    table = doc.add_table(rows=1 + rows, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers):
        first_cell_paragraph(cell, text, CELL_HEAD)
        _valign(cell)
        _shade(cell, "E7EEF6")
    _repeat_header(table.rows[0])
    return table


def add_row(table, values: list, styles: list[str] | None = None, *, merge: int = 0,
            bold: bool | None = None, italic: bool | None = None, keep: bool = True,
            size: float | None = None):
    """Append a row; ``merge``: merge the first n cells into one holding ``values[0]``."""
    row = table.add_row()
    if keep:
        _cant_split(row)
    cells = row.cells
    if merge > 1:
        merged = cells[0].merge(cells[merge - 1])
        cells = [merged] + list(cells[merge:])
    styles = styles or [CELL] * len(cells)
    for cell, value, style in zip(cells, values, styles):
        first_cell_paragraph(cell, value, style, bold=bold, italic=italic, size=size)
        _valign(cell)
    return row


def loop_row(table, text: str):
    """A row holding only a ``{%tr … %}`` tag (docxtpl removes it when rendering)."""
    row = table.add_row()
    first_cell_paragraph(row.cells[0], text, CELL)
    return row


def page_break(doc) -> None:
    p = doc.add_paragraph(style=TAG)
    p.add_run().add_break(WD_BREAK.PAGE)


# ---------------------------------------------------------------- the documents
# The title runs on by itself (no line break typed in); ke_hoach.tieu_de binds its last two
# words with a no-break space, so no line holds a single word.
AWARD_SUMMARY = ("Về việc tặng Giấy khen cho các tập thể có thành tích xuất sắc trong "
                 "{{ ke_hoach.tieu_de }}")


def award_lines(doc, *, money_sep: str = "; tiền thưởng ") -> None:
    """The proposed awards, group by group, one line each."""
    tag(doc, "{%p for g in khen_thuong_nhom %}")
    para(doc, "{{ g.ten }}:", BODY, italic=True, bold=True, keep_next=True)
    tag(doc, "{%p for r in g.dong %}")
    para(doc, "- {{ r.giai }}: {{ r.mo_ta }}{% if co_tien %}" + money_sep
         + "{{ r.tien }} đồng ({{ r.tien_chu }}){% endif %}{{ r.cham }}", BODY)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if co_tien %}")
    para(doc, "Tổng số tiền thưởng: {{ tong_tien }} đồng ({{ tong_tien_chu }}).", BODY, bold=True)
    tag(doc, "{%p endif %}")


def ties_and_vacancies(doc, *, heading_style: str = BODY) -> None:
    tag(doc, "{%p if dong_hang %}")
    para(doc, "Các trường hợp đồng hạng, đề nghị {{ vb.hoi_dong }} quyết định:", heading_style,
         italic=True, bold=True, keep_next=True)
    tag(doc, "{%p for t in dong_hang %}")
    para(doc, "- {{ t.nhom }}: {{ t.don_vi_trong_cau }} cùng {% if ke_hoach.chi_tieu %}đạt {{ t.diem }} "
              "tiêu chí{% else %}đạt {{ t.diem }} điểm{% endif %}, đồng hạng {{ t.hang }}; các giải cần "
              "xác định đơn vị nhận: {{ t.giai }}{% if co_tien %} (cộng {{ t.tien }} đồng){% endif %}"
              "{% if loop.last %}.{% else %};{% endif %}", BODY)
    tag(doc, "{%p endfor %}")
    para(doc, "Các giải này đã tính vào tổng số tiền thưởng; Hội đồng quyết định đơn vị nhận từng "
              "giải trước khi ban hành Quyết định.", BODY, italic=True)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if de_trong %}")
    para(doc, "Giải để trống:", heading_style, italic=True, bold=True, keep_next=True)
    tag(doc, "{%p for v in de_trong %}")
    para(doc, "- {{ v.nhom }}: {{ v.giai }}{% if v.tien %} ({{ v.tien }} đồng){% endif %} — {{ v.ly_do }}"
              "{% if loop.last %}.{% else %};{% endif %}", BODY)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if tien_de_trong %}")
    para(doc, "Số tiền của các giải để trống ({{ tien_de_trong }} đồng) không tính vào tổng số "
              "tiền thưởng.", BODY, italic=True)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")


def build_to_trinh(path: Path) -> None:
    doc = new_document("Tờ trình đề nghị khen thưởng")
    header_block(doc, "to_trinh")
    title_block(doc, "TỜ TRÌNH", "Về việc đề nghị tặng Giấy khen cho các tập thể có thành tích xuất "
                                 "sắc trong {{ ke_hoach.tieu_de }}")
    para(doc, "Kính gửi: {{ vb.nguoi_dung_dau }}.", CENTER, before=12, after=6)
    para(doc, "Căn cứ {{ ke_hoach.can_cu }};", BODY)
    para(doc, "Căn cứ kết quả {% if ke_hoach.chi_tieu %}đánh giá các tiêu chí{% else %}chấm điểm, "
              "xếp hạng{% endif %} các cơ quan, đơn vị, địa phương {{ ke_hoach.thoi_gian }};", BODY)
    para(doc, "Căn cứ kết quả họp xét của {{ vb.hoi_dong }} ngày {{ vb.ngay_hop_hoi_dong }};", BODY)
    para(doc, "{{ vb.co_quan_tham_muu }} đã tổng hợp kết quả: có {{ so_da_gui | so_dem }} cơ quan, đơn vị, "
              "địa phương tham gia{% if so_chua_gui %} ({{ so_chua_gui | so_dem }} đơn vị chưa gửi báo cáo: "
              "{{ ten_chua_gui }}){% endif %}, {{ so_du_dieu_kien | so_dem }} đơn vị đủ điều kiện xét khen thưởng"
              "{% if so_khong_du_dieu_kien %}, {{ so_khong_du_dieu_kien | so_dem }} đơn vị không đủ điều kiện"
              "{% endif %}. Căn cứ {% if co_tien %}tiêu chuẩn, cơ cấu giải của Kế hoạch{% else %}tiêu "
              "chuẩn khen thưởng quy định tại Kế hoạch{% endif %}, {{ vb.co_quan_tham_muu }} kính trình "
              "{{ vb.nguoi_dung_dau }} xem xét, quyết định tặng Giấy khen cho {{ so_giai_chu }} tập thể "
              "(có danh sách và dự thảo Quyết định kèm theo), cụ thể như sau:", BODY)
    award_lines(doc)
    ties_and_vacancies(doc)
    tag(doc, "{%p if ca_nhan.co %}")
    para(doc, "Đồng thời, đề nghị xem xét khen thưởng {{ ca_nhan.so_du | so_dem }} cá nhân đủ tiêu chuẩn và hồ "
              "sơ trong số {{ ca_nhan.so_nguoi | so_dem }} cá nhân được đề xuất (có danh sách kèm theo).", BODY)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if co_tien %}")
    para(doc, "Kinh phí khen thưởng: trích từ {{ vb.nguon_kinh_phi }}.", BODY)
    tag(doc, "{%p endif %}")
    para(doc, "{{ vb.co_quan_tham_muu }} kính trình {{ vb.nguoi_dung_dau }} xem xét, quyết định./.",
         BODY)
    signature_block(doc, "to_trinh")
    save(doc, path)


def award_table(doc, money: bool) -> None:
    score = "{{ ke_hoach.ten_cot_diem }}"
    if money:
        widths = [12, 70, 32, 21, 30]
        headers = ["STT", "Tên tập thể", "Giải", score, "Tiền thưởng (đồng)"]
    else:
        widths = [12, 95, 35, 23]
        headers = ["STT", "Tên tập thể", "Hình thức", score]
    table = grid_table(doc, headers, widths)
    loop_row(table, "{%tr for g in khen_thuong_nhom %}")
    add_row(table, ["{{ g.ten }}"], [CELL], merge=len(widths), bold=True)
    loop_row(table, "{%tr for r in g.dong %}")
    values = ["{{ r.stt }}",
              "{{ r.don_vi }}{% if r.dong_hang %} (đồng hạng — Hội đồng chọn một trong: "
              "{{ r.ung_vien }}){% endif %}",
              "{{ r.giai }}", "{{ r.diem }}"]
    styles = [CELL_CENTER, CELL, CELL_CENTER, CELL_CENTER]
    if money:
        values.append("{{ r.tien }}")
        styles.append(CELL_CENTER)
    add_row(table, values, styles)
    loop_row(table, "{%tr endfor %}")
    loop_row(table, "{%tr endfor %}")
    if money:
        add_row(table, ["Tổng cộng ({{ so_giai }} giải)", "{{ tong_tien }}"], [CELL_CENTER, CELL_CENTER],
                merge=4, bold=True)
        add_row(table, ["Bằng chữ: {{ tong_tien_chu_chan }}"], [CELL], merge=5, italic=True)
    else:
        add_row(table, ["Tổng cộng: {{ so_giai }} tập thể"], [CELL_CENTER], merge=4, bold=True)
    _widths(table, widths)


def build_quyet_dinh(path: Path) -> None:
    doc = new_document("Quyết định khen thưởng")
    header_block(doc, "quyet_dinh")
    title_block(doc, "QUYẾT ĐỊNH", AWARD_SUMMARY)
    para(doc, "{{ vb.nguoi_dung_dau | upper }}", CENTER, bold=True, size=14, before=12, after=6)
    italic = dict(italic=True)
    # The legal bases in force on the decision's date (documents/can_cu.yaml, or the office's).
    tag(doc, "{%p for c in vb.can_cu %}")
    para(doc, "{{ c }}", BODY, **italic)
    tag(doc, "{%p endfor %}")
    para(doc, "Căn cứ {{ ke_hoach.can_cu }};", BODY, **italic)
    para(doc, "Theo đề nghị của {{ vb.co_quan_tham_muu }} tại Tờ trình số {{ to_trinh.so }}/"
              "{{ to_trinh.ky_hieu }} {{ to_trinh.ngay }}.", BODY, **italic)
    para(doc, "QUYẾT ĐỊNH:", CENTER, bold=True, size=14, before=12, after=6)
    para(doc, [("Điều 1. ", {"b": True}),
               "Tặng Giấy khen của {{ vb.nguoi_dung_dau }} cho {{ so_giai_chu }} tập thể đã có thành "
               "tích xuất sắc trong {{ ke_hoach.ten_day_du }} (có danh sách kèm theo)."], BODY)
    tag(doc, "{%p if co_tien %}")
    para(doc, [("Điều 2. ", {"b": True}),
               "Tiền thưởng kèm theo Giấy khen theo cơ cấu giải của Kế hoạch; tổng số tiền: "
               "{{ tong_tien }} đồng ({{ tong_tien_chu }}), trích từ {{ vb.nguon_kinh_phi }}."],
         BODY)
    tag(doc, "{%p else %}")
    para(doc, [("Điều 2. ", {"b": True}),
               "Mức tiền thưởng kèm theo Giấy khen thực hiện theo quy định của Luật Thi đua, khen thưởng "
               "và các văn bản hướng dẫn thi hành, trích từ {{ vb.nguon_kinh_phi }}."], BODY)
    tag(doc, "{%p endif %}")
    para(doc, [("Điều 3. ", {"b": True}),
               "Quyết định này có hiệu lực kể từ ngày ký. {{ vb.thi_hanh }} và các tập thể có tên tại "
               "Điều 1 chịu trách nhiệm thi hành Quyết định này./."], BODY)
    signature_block(doc, "quyet_dinh")

    page_break(doc)
    para(doc, "DANH SÁCH", CENTER, bold=True, size=14, keep_next=True)
    para(doc, "Tập thể được tặng Giấy khen trong {{ ke_hoach.tieu_de }}", CENTER, bold=True,
         size=14, keep_next=True)
    para(doc, "(Kèm theo Quyết định số {{ quyet_dinh.so }}/{{ quyet_dinh.ky_hieu }} {{ quyet_dinh.ngay }} "
              "của {{ vb.nguoi_dung_dau }})", CENTER, italic=True, size=14, keep_next=True)
    _rule(doc.add_paragraph(style=CENTER), 40, TEXT_WIDTH)
    para(doc, "", CENTER, size=6)
    tag(doc, "{%p if co_tien %}")
    award_table(doc, money=True)
    tag(doc, "{%p else %}")
    award_table(doc, money=False)
    tag(doc, "{%p endif %}")
    save(doc, path)


def build_bao_cao(path: Path) -> None:
    doc = new_document("Báo cáo kết quả phong trào thi đua")
    header_block(doc, "bao_cao")
    title_block(doc, "BÁO CÁO", "Kết quả {{ ke_hoach.tieu_de }}")
    para(doc, "Thực hiện {{ ke_hoach.can_cu }}, {{ vb.co_quan_tham_muu }} đã tổng hợp, "
              "{% if ke_hoach.chi_tieu %}đánh giá kết quả thực hiện các tiêu chí{% else %}chấm điểm, "
              "xếp hạng{% endif %} các cơ quan, đơn vị, địa phương {{ ke_hoach.thoi_gian }}. "
              "Kết quả cụ thể như sau:", BODY, before=12)

    para(doc, "{{ muc.khai_quat }}. TÌNH HÌNH THAM GIA", HEADING)
    tag(doc, "{%p if ke_hoach.co_giai %}")
    para(doc, "Có {{ so_da_gui | so_dem }} cơ quan, đơn vị, địa phương tham gia{% if so_nhom > 1 %}, chia "
              "thành {{ so_nhom | so_dem }} nhóm xếp hạng riêng{% endif %}; {{ so_du_dieu_kien | so_dem }} đơn vị đủ điều "
              "kiện xét khen thưởng{% if so_khong_du_dieu_kien %}, {{ so_khong_du_dieu_kien | so_dem }} "
              "đơn vị không đủ điều kiện{% endif %}; "
              "{{ so_giai | so_dem }} giải được đề nghị trao.", BODY)
    widths = [50, 19, 19, 25, 25, 27]
    table = grid_table(doc, ["Nhóm", "Số đơn vị", "Đã gửi báo cáo", "Đủ điều kiện",
                             "Không đủ điều kiện", "Được đề nghị khen thưởng"], widths)
    loop_row(table, "{%tr for g in nhom %}")
    add_row(table, ["{{ g.ten }}", "{{ g.so_don_vi }}", "{{ g.so_da_gui }}", "{{ g.so_du_dieu_kien }}",
                    "{{ g.so_khong_du_dieu_kien }}", "{{ g.so_khen_thuong }}"],
            [CELL] + [CELL_CENTER] * 5)
    loop_row(table, "{%tr endfor %}")
    add_row(table, ["Tổng cộng", "{{ tong.so_don_vi }}", "{{ tong.so_da_gui }}",
                    "{{ tong.so_du_dieu_kien }}", "{{ tong.so_khong_du_dieu_kien }}",
                    "{{ tong.so_khen_thuong }}"], [CELL_CENTER] * 6, bold=True)
    _widths(table, widths)
    tag(doc, "{%p else %}")
    para(doc, "Có {{ so_da_gui | so_dem }} cơ quan, đơn vị, địa phương gửi báo cáo{% if so_nhom > 1 %}, "
              "chia thành {{ so_nhom | so_dem }} nhóm{% endif %}; {% if tong.so_dat_het %}"
              "{{ tong.so_dat_het | so_dem }} đơn vị đạt toàn bộ các tiêu chí áp dụng{% else %}chưa có "
              "đơn vị nào đạt toàn bộ các tiêu chí áp dụng{% endif %}, {{ tong.so_chua_dat_het | so_dem }} đơn vị còn tiêu chí chưa đạt hoặc chưa có "
              "số liệu.", BODY)
    widths = [60, 25, 25, 27, 28]
    table = grid_table(doc, ["Nhóm", "Số đơn vị", "Đã gửi báo cáo", "Đạt toàn bộ tiêu chí",
                             "Còn tiêu chí chưa đạt"], widths)
    loop_row(table, "{%tr for g in nhom %}")
    add_row(table, ["{{ g.ten }}", "{{ g.so_don_vi }}", "{{ g.so_da_gui }}", "{{ g.so_dat_het }}",
                    "{{ g.so_chua_dat_het }}"], [CELL] + [CELL_CENTER] * 4)
    loop_row(table, "{%tr endfor %}")
    add_row(table, ["Tổng cộng", "{{ tong.so_don_vi }}", "{{ tong.so_da_gui }}", "{{ tong.so_dat_het }}",
                    "{{ tong.so_chua_dat_het }}"], [CELL_CENTER] * 5, bold=True)
    _widths(table, widths)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if chua_gui %}")
    para(doc, "Chưa gửi báo cáo (không tính là tham gia): {{ ten_chua_gui }}.", BODY, before=6)
    tag(doc, "{%p endif %}")

    para(doc, "{{ muc.ket_qua }}. KẾT QUẢ {% if ke_hoach.chi_tieu %}ĐÁNH GIÁ{% else %}CHẤM ĐIỂM"
              "{% endif %}, XẾP HẠNG", HEADING, before=12)
    para(doc, "1. Kết quả xếp hạng theo nhóm", HEADING)
    widths = [16, 74, 27, 48]
    table = grid_table(doc, ["Hạng", "Đơn vị", "{{ ke_hoach.ten_cot_diem }}", "Kết quả"], widths)
    loop_row(table, "{%tr for g in nhom %}")
    add_row(table, ["{{ g.ten }}"], [CELL], merge=4, bold=True)
    loop_row(table, "{%tr for u in g.don_vi %}")
    add_row(table, ["{{ u.hang }}", "{{ u.ten }}", "{{ u.diem }}", "{{ u.ket_qua }}"],
            [CELL_CENTER, CELL, CELL_CENTER, CELL])
    loop_row(table, "{%tr endfor %}")
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)

    para(doc, "2. Biểu đồ {{ ke_hoach.ten_cot_diem | lower }}", HEADING, before=12)
    tag(doc, "{%p for g in nhom %}")
    para(doc, "{{ g.ten }}", BODY, italic=True, keep_next=True, first_line=0)
    widths = [70, 78, 17]
    table = doc.add_table(rows=0, cols=3)
    _no_borders(table)
    _cell_margins(table, 1)
    loop_row(table, "{%tr for b in g.bieu_do %}")
    row = add_row(table, ["{{ b.ten }}", "{{ b.thanh }}", "{{ b.diem }}"], [CELL, CELL, CELL],
                  size=11)
    for cell in row.cells:
        cell.paragraphs[0].paragraph_format.space_before = Pt(1)
        cell.paragraphs[0].paragraph_format.space_after = Pt(1)
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if ke_hoach.co_giai %}")
    para(doc, "Chú giải: thanh xanh đậm — đơn vị được đề nghị khen thưởng hoặc đồng hạng chờ Hội đồng "
              "quyết định; xanh nhạt — đủ điều kiện; xám — không đủ điều kiện.", BODY, italic=True,
         size=12)
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if ke_hoach.co_giai or khong_du_dieu_kien %}")
    para(doc, "3. Đơn vị không đủ điều kiện xét khen thưởng", HEADING, before=12)
    tag(doc, "{%p if khong_du_dieu_kien %}")
    para(doc, "a) Theo lý do", BODY, italic=True, keep_next=True)
    widths = [12, 83, 20, 50]
    table = grid_table(doc, ["STT", "Lý do", "Số đơn vị", "Đơn vị"], widths)
    loop_row(table, "{%tr for r in ly_do_khong_du %}")
    add_row(table, ["{{ r.stt }}", "{{ r.ly_do }}", "{{ r.so_don_vi }}", "{{ r.don_vi }}"],
            [CELL_CENTER, CELL, CELL_CENTER, CELL])
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)
    para(doc, "b) Chi tiết từng đơn vị", BODY, italic=True, keep_next=True)
    widths = [12, 55, 25, 73]
    table = grid_table(doc, ["STT", "Đơn vị", "{{ ke_hoach.ten_cot_diem }}", "Lý do"], widths)
    loop_row(table, "{%tr for u in khong_du_dieu_kien %}")
    add_row(table, ["{{ u.stt_khong_du }}", "{{ u.ten }}", "{{ u.diem }}", "{{ u.ly_do }}"],
            [CELL_CENTER, CELL, CELL_CENTER, CELL])
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)
    tag(doc, "{%p else %}")
    para(doc, "{% if chua_gui %}Các đơn vị đã gửi báo cáo đều đủ điều kiện xét khen thưởng."
              "{% else %}Tất cả các đơn vị đều đủ điều kiện xét khen thưởng.{% endif %}", BODY)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if ke_hoach.chi_tieu %}")
    para(doc, "{{ muc.tieu_chi }}. KẾT QUẢ THỰC HIỆN CÁC TIÊU CHÍ", HEADING, before=12)
    para(doc, "1. Tổng hợp theo tiêu chí{% if ke_hoach.nam %} (năm {{ ke_hoach.nam }}){% endif %}", HEADING)
    widths = [10, 79, 19, 19, 19, 19]
    table = grid_table(doc, ["TC", "Nội dung tiêu chí", "Đạt", "Không đạt", "Chưa có số liệu",
                             "Không áp dụng"], widths)
    loop_row(table, "{%tr for c in chi_tieu %}")
    add_row(table, ["{{ c.tieu_chi }}", "{{ c.noi_dung }}", "{{ c.dat }}", "{{ c.khong_dat }}",
                    "{{ c.chua_co_so_lieu }}", "{{ c.khong_ap_dung }}"],
            [CELL_CENTER, CELL] + [CELL_CENTER] * 4)
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)
    para(doc, "Các cột Đạt, Không đạt, Chưa có số liệu, Không áp dụng ghi số đơn vị.", BODY, italic=True,
         size=12)
    para(doc, "2. Đơn vị còn tiêu chí chưa đạt", HEADING, before=12)
    tag(doc, "{%p if chi_tieu_don_vi %}")
    widths = [12, 60, 25, 68]
    table = grid_table(doc, ["STT", "Đơn vị", "Số tiêu chí đạt", "Tiêu chí chưa đạt"],
                       widths)
    loop_row(table, "{%tr for u in chi_tieu_don_vi %}")
    add_row(table, ["{{ u.stt }}", "{{ u.ten }}", "{{ u.dat }}", "{{ u.chua_dat }}"],
            [CELL_CENTER, CELL, CELL_CENTER, CELL])
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)
    tag(doc, "{%p else %}")
    para(doc, "{% if chua_gui %}Các đơn vị đã gửi báo cáo đều đạt toàn bộ tiêu chí áp dụng."
              "{% else %}Tất cả các đơn vị đạt toàn bộ tiêu chí áp dụng.{% endif %}", BODY)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if ke_hoach.co_giai %}")
    para(doc, "{{ muc.khen_thuong }}. KẾT QUẢ XÉT KHEN THƯỞNG", HEADING, before=12)
    para(doc, "Đề nghị tặng Giấy khen cho {{ so_giai_chu }} tập thể:", BODY)
    award_lines(doc, money_sep=" — ")
    ties_and_vacancies(doc)
    tag(doc, "{%p if not de_trong %}")
    para(doc, "Không có giải nào để trống.", BODY)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    para(doc, "{{ muc.kien_nghi }}. NHẬN XÉT, KIẾN NGHỊ", HEADING, before=12)
    para(doc, "(Phần nhận xét, đánh giá và kiến nghị do {{ vb.co_quan_tham_muu }} bổ sung.)", BODY,
         italic=True)
    for _ in range(3):  # lines to write on: a dotted tab leader to the right margin
        line = para(doc, "\t", BODY, first_line=0)
        line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT,
                                                     WD_TAB_LEADER.DOTS)
    para(doc, "Trên đây là báo cáo kết quả {{ ke_hoach.ten_day_du }}./.", BODY)
    signature_block(doc, "bao_cao")
    save(doc, path)


def build_ca_nhan(path: Path) -> None:
    # An annex of the Tờ trình: no number, no national motto of its own (Nghị định 30/2020).
    doc = new_document("Danh sách cá nhân đề nghị khen thưởng")
    para(doc, "DANH SÁCH", CENTER, bold=True, size=14, keep_next=True)
    para(doc, "Cá nhân đề nghị khen thưởng trong {{ ke_hoach.tieu_de }}", CENTER, bold=True,
         keep_next=True)
    para(doc, "(Kèm theo Tờ trình số {{ to_trinh.so }}/{{ to_trinh.ky_hieu }} {{ to_trinh.ngay }} "
              "của {{ vb.co_quan_tham_muu }})", CENTER, italic=True, keep_next=True)
    _rule(doc.add_paragraph(style=CENTER), 40, TEXT_WIDTH)
    para(doc, "", CENTER, size=6)
    widths = [12, 31, 40, 27, 30, 25]
    table = grid_table(doc, ["STT", "Họ và tên", "Chức vụ, đơn vị", "Tiêu chuẩn",
                             "Hồ sơ còn thiếu", "Kết luận"], widths)
    loop_row(table, "{%tr for p in ca_nhan.danh_sach %}")
    add_row(table, ["{{ p.stt }}", "{{ p.ho_ten }}", "{{ p.chuc_vu_don_vi }}", "{{ p.tieu_chuan_text }}",
                    "{{ p.thieu_ho_so }}", "{{ p.ket_luan }}"],
            [CELL_CENTER, CELL, CELL, CELL, CELL, CELL])
    loop_row(table, "{%tr endfor %}")
    _widths(table, widths)
    para(doc, "Tổng hợp: {{ ca_nhan.so_nguoi | so_dem }} cá nhân được đề xuất; {{ ca_nhan.so_du | so_dem }} cá nhân đủ tiêu "
              "chuẩn và hồ sơ{% if ca_nhan.du %} ({{ ca_nhan.du }}){% endif %}; "
              "{{ ca_nhan.so_chua_du_tieu_chuan | so_dem }} cá nhân chưa đủ tiêu chuẩn; {{ ca_nhan.so_thieu_ho_so | so_dem }} "
              "cá nhân đủ tiêu chuẩn nhưng còn thiếu hồ sơ.", BODY, before=12)
    para(doc, "Tiêu chuẩn cá nhân:", BODY, bold=True, italic=True, keep_next=True)
    tag(doc, "{%p for s in ca_nhan.tieu_chuan %}")
    para(doc, "({{ s.stt }}) {{ s.ten }}.", BODY, size=13)
    tag(doc, "{%p endfor %}")
    para(doc, "Thành phần hồ sơ đề nghị khen thưởng:", BODY, bold=True, italic=True, keep_next=True)
    tag(doc, "{%p for d in ca_nhan.ho_so %}")
    para(doc, "- {{ d.ten }}.", BODY, size=13)
    tag(doc, "{%p endfor %}")
    para(doc, "Ô “Chưa rõ”: bảng đề xuất để trống, được coi là chưa đạt; hồ sơ để trống được coi là còn "
              "thiếu.", BODY, italic=True, size=12)
    save(doc, path)


BUILDERS = {
    "to-trinh-khen-thuong.docx": build_to_trinh,
    "quyet-dinh-khen-thuong.docx": build_quyet_dinh,
    "bao-cao-ket-qua.docx": build_bao_cao,
    "danh-sach-ca-nhan.docx": build_ca_nhan,
}


#: Parts of python-docx's default document that a template must not carry: Word 2010's
#: copy of the styles (stale beside ours: Word may call the file unreadable), a
#: bibliography store and python-docx's own thumbnail picture.
_LEFTOVERS = ("/stylesWithEffects", "/customXml", "/thumbnail")


def _drop_leftovers(doc) -> None:
    for owner in (doc.part.package, doc.part):
        for r_id, rel in list(owner.rels.items()):
            if rel.reltype.endswith(_LEFTOVERS):
                del owner.rels[r_id]


def save(doc, path: Path) -> None:
    """Save with fixed zip timestamps so the bytes depend only on this script."""
    import re
    import zipfile

    _drop_leftovers(doc)
    tmp = path.with_name(f".~{path.name}.tmp")
    doc.save(str(tmp))
    stamp = BUILD_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (BUILD_TIME.year, BUILD_TIME.month, BUILD_TIME.day, 0, 0, 0)
    out = path.with_name(f".~{path.name}.out")
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    tmp.unlink()
    out.replace(path)


def build(out_dir: Path = HERE) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, builder in BUILDERS.items():
        path = out_dir / name
        builder(path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for p in build(target):
        print(f"Đã ghi mẫu: {p}")
