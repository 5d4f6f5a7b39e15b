"""GB/T 9704-2012 page and elements for the official-document templates (build_templates.py).

docs/official-document-format.md has the rules; the numbers here follow them:
A4, margins 37 / 28 / 35 / 26 mm (text block 156 × 225 mm), 3号 (16 pt) 仿宋 with a
fixed line pitch of 28.95 pt (22 lines fill 225 mm) and a character spacing of
−0.25 pt (28 characters of 15.75 pt fill 156 mm), red issuer mark, document number,
red rule, 2号小标宋 title, body levels, attachment list, signature and date, 附注,
attachments on new pages, 版记 with its rules, page numbers `— N —` in 4号宋体 on
alternating sides. A few offsets were measured on LibreOffice's PDF output of these
templates (tests/test_official_layout.py checks the result with pdfplumber).
"""

from __future__ import annotations

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

FANGSONG, KAI, HEI, SONG, XBS = "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体", "方正小标宋简体"
RED = RGBColor(0xFF, 0x00, 0x00)
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
NUMBER_PT = 14  # 4号
LINE_TWIPS = 579  # 28.95 pt: 22 lines fill the 225 mm text block
LINE_PT = LINE_TWIPS / 20
CHAR_SPACING_TWIPS = -5  # −0.25 pt a character: 28 characters fill the 156 mm line
CHAR_PT = BODY_PT  # "一字": one 3号 character
TEXT_WIDTH_MM = 156
# A 16 pt glyph sits 7.2 pt (2.5 mm) down in its 28.95 pt line (LibreOffice centres it), so the
# page's top margin is 34.5 mm for the first line's characters to begin 37 mm from the top.
GLYPH_OFFSET_MM = 2.5
MARGINS_MM = {"top": 37 - GLYPH_OFFSET_MM, "bottom": 35, "left": 28, "right": 26}
# Measured on LibreOffice's output: where a 16 pt line's glyph top sits in its 28.95 pt line.
FOOTER_DISTANCE_MM = 25.3  # measured: the dashes of `— N —` 7 mm under the text block
ISSUER_MARK_GAP_PT = 113.5  # the mark's top edge 35 mm under the text block's top (204.1 pt from the page top)


# ---- low-level XML ----------------------------------------------------------------

def _el(tag: str, **attrs) -> OxmlElement:
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    return el


def _replace(parent, tag: str, new) -> None:
    old = parent.find(qn(tag))
    if old is not None:
        parent.remove(old)
    parent.append(new)


def set_fonts(rpr, face: str) -> None:
    """Name one face for every script (no theme fonts), so digits take the same face."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face)


def _ordered_rpr(rpr) -> None:
    """Put rPr children in schema order (Word refuses files with them out of order)."""
    order = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
             "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
             "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"]
    children = list(rpr)
    children.sort(key=lambda el: order.index(el.tag.split("}")[1]) if el.tag.split("}")[1] in order else 99)
    for child in children:
        rpr.remove(child)
        rpr.append(child)


def _ordered_ppr(ppr) -> None:
    order = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
             "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
             "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
             "sectPr", "pPrChange"]
    children = list(ppr)
    children.sort(key=lambda el: order.index(el.tag.split("}")[1]) if el.tag.split("}")[1] in order else 99)
    for child in children:
        ppr.remove(child)
        ppr.append(child)


def char_spacing(rpr, twips: int = CHAR_SPACING_TWIPS) -> None:
    _replace(rpr, "w:spacing", _el("w:spacing", val=twips))
    _replace(rpr, "w:kern", _el("w:kern", val=0))
    _ordered_rpr(rpr)


def line_exact(ppr, twips: int = LINE_TWIPS, before: float = 0, after: float = 0) -> None:
    """Fixed line pitch; `before`/`after` in points."""
    _replace(ppr, "w:spacing", _el("w:spacing", before=round(before * 20), after=round(after * 20),
                                   line=twips, lineRule="exact"))
    _ordered_ppr(ppr)


def indent(ppr, *, first_chars: float = 0, left_chars: float = 0, right_chars: float = 0,
           hanging_chars: float = 0, char_pt: float = CHAR_PT) -> None:
    """Indents in characters, written both in twips (LibreOffice) and in hundredths of a
    character (Word keeps them in characters when the font size changes)."""
    attrs = {}
    if left_chars:
        attrs.update(left=round(left_chars * char_pt * 20), leftChars=round(left_chars * 100))
    if right_chars:
        attrs.update(right=round(right_chars * char_pt * 20), rightChars=round(right_chars * 100))
    if first_chars:
        attrs.update(firstLine=round(first_chars * char_pt * 20), firstLineChars=round(first_chars * 100))
    if hanging_chars:
        attrs.update(hanging=round(hanging_chars * char_pt * 20), hangingChars=round(hanging_chars * 100))
    if not attrs:
        attrs = {"left": 0, "right": 0, "firstLine": 0, "leftChars": 0, "rightChars": 0, "firstLineChars": 0}
    _replace(ppr, "w:ind", _el("w:ind", **attrs))
    _ordered_ppr(ppr)


def no_autospace(ppr) -> None:
    """No extra space between Chinese and Latin text or digits and no punctuation hanging past
    the margin: either would break the 28-character grid."""
    _replace(ppr, "w:overflowPunct", _el("w:overflowPunct", val=0))
    _replace(ppr, "w:autoSpaceDE", _el("w:autoSpaceDE", val=0))
    _replace(ppr, "w:autoSpaceDN", _el("w:autoSpaceDN", val=0))
    _replace(ppr, "w:snapToGrid", _el("w:snapToGrid", val=0))
    _ordered_ppr(ppr)


def border(ppr, side: str, *, val: str = "single", size_eighths: int = 8, space_pt: int = 0,
           color: str = "auto") -> None:
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    _replace(bdr, f"w:{side}", _el(f"w:{side}", val=val, sz=size_eighths, space=space_pt, color=color))
    _ordered_ppr(ppr)


def _ordered_tblpr(tbl_pr) -> None:
    order = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
             "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"]
    children = list(tbl_pr)
    children.sort(key=lambda el: order.index(el.tag.split("}")[1]) if el.tag.split("}")[1] in order else 99)
    for child in children:
        tbl_pr.remove(child)
        tbl_pr.append(child)


# ---- document and styles -------------------------------------------------------------

def new_document():
    doc = Document()
    _defaults(doc)
    _styles(doc)
    _page(doc)
    return doc


def _defaults(doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    _replace(rpr, "w:sz", _el("w:sz", val=BODY_PT * 2))
    _replace(rpr, "w:szCs", _el("w:szCs", val=BODY_PT * 2))
    _ordered_rpr(rpr)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    line_exact(ppr)
    # no widow/orphan control: it would move lines and leave pages short of 22
    _replace(ppr, "w:widowControl", _el("w:widowControl", val=0))
    no_autospace(ppr)


def _pstyle(doc, name: str, *, face: str = FANGSONG, size: float = BODY_PT, align=None, color=None,
            first_chars: float = 0, before_pt: float = 0, line_twips: int = LINE_TWIPS, spacing: bool = True,
            keep_next: bool = False, page_break_before: bool = False):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    if color is not None:
        style.font.color.rgb = color
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, face)
    if spacing:
        char_spacing(rpr)
    ppr = style.element.get_or_add_pPr()
    line_exact(ppr, line_twips, before=before_pt)
    no_autospace(ppr)
    indent(ppr, first_chars=first_chars)
    if align is not None:
        style.paragraph_format.alignment = align
    if keep_next:
        style.paragraph_format.keep_with_next = True
    if page_break_before:
        style.paragraph_format.page_break_before = True
    _ordered_ppr(ppr)
    return style


def _cstyle(doc, name: str, face: str):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.quick_style = True
    set_fonts(style.element.get_or_add_rPr(), face)
    return style


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    set_fonts(rpr, FANGSONG)
    char_spacing(rpr)
    ppr = normal.element.get_or_add_pPr()
    line_exact(ppr)
    no_autospace(ppr)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    _pstyle(doc, "公文正文", first_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _pstyle(doc, "发文机关标志", face=XBS, size=36, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER,
            spacing=False, line_twips=36 * 20, before_pt=ISSUER_MARK_GAP_PT)
    _pstyle(doc, "发文字号", align=WD_ALIGN_PARAGRAPH.CENTER, before_pt=2 * LINE_PT)
    _pstyle(doc, "公文标题", face=XBS, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, spacing=False)
    _pstyle(doc, "主送机关", before_pt=LINE_PT)
    _pstyle(doc, "附件说明", before_pt=LINE_PT)
    _pstyle(doc, "发文机关署名", before_pt=2 * LINE_PT, keep_next=True)
    _pstyle(doc, "成文日期", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _pstyle(doc, "附注", first_chars=2)
    _pstyle(doc, "附件标识", face=HEI, page_break_before=True, keep_next=True)
    _pstyle(doc, "附件标题", face=XBS, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, spacing=False,
            before_pt=LINE_PT, keep_next=True)
    _pstyle(doc, "空行")
    _pstyle(doc, "表格文字", size=12, line_twips=300, spacing=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _pstyle(doc, "表格文字左", size=12, line_twips=300, spacing=False)
    _pstyle(doc, "表头文字", face=HEI, size=12, line_twips=300, spacing=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _pstyle(doc, "版记", size=NUMBER_PT, spacing=False)
    _pstyle(doc, "页码", face=SONG, size=NUMBER_PT, spacing=False, line_twips=NUMBER_PT * 20 + 40)
    _cstyle(doc, "一级标题字", HEI)
    _cstyle(doc, "二级标题字", KAI)


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is not None:
        sect.remove(grid)
    sect.append(_el("w:docGrid", linePitch=LINE_TWIPS))  # no snapping grid: the pitch is in the styles


# ---- page numbers ------------------------------------------------------------------

def _field(paragraph, instr: str, placeholder: str = "1") -> None:
    """A complex field (begin/instr/separate/result/end): LibreOffice and Word both update it."""
    def run(child):
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)

    run(_el("w:fldChar", fldCharType="begin"))
    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    run(instr_el)
    run(_el("w:fldChar", fldCharType="separate"))
    t = OxmlElement("w:t")
    t.text = placeholder
    run(t)
    run(_el("w:fldChar", fldCharType="end"))


def _page_number(paragraph, *, odd: bool) -> None:
    paragraph.style = paragraph.part.document.styles["页码"] if hasattr(paragraph.part, "document") else "页码"
    ppr = paragraph._p.get_or_add_pPr()
    if odd:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        indent(ppr, right_chars=1, char_pt=NUMBER_PT)
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        indent(ppr, left_chars=1, char_pt=NUMBER_PT)
    paragraph.add_run("— ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" —")


def page_numbers(doc, *, first_page: bool = True, footer_distance_mm: float = FOOTER_DISTANCE_MM) -> None:
    """`— N —` 4号宋体: odd pages right, even pages left, one character in from the text block's edge.
    `first_page=False` leaves page 1 without a number (信函格式)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        _page_number(footer.paragraphs[0], odd=odd)
        lift = FOOTER_DISTANCE_MM - footer_distance_mm  # a lower footer: lift the number back
        if lift > 0:
            footer.paragraphs[0].paragraph_format.space_after = Mm(lift)
    if not first_page:
        section.different_first_page_header_footer = True


# ---- elements ---------------------------------------------------------------------

def paragraph(doc, text: str, style: str):
    p = doc.add_paragraph(style=style)
    if text:
        p.add_run(text)
    return p


def red_head(doc) -> None:
    """发文机关标志 (its run built by the generator: size and width fitted to the name), 发文字号, red rule."""
    paragraph(doc, "{%p if red_head %}", "发文机关标志")
    paragraph(doc, "{{r issuer_mark }}", "发文机关标志")
    number = paragraph(doc, "{{ doc_number }}", "发文字号")
    # the red rule 4 mm under the document number's characters (5.75 pt of the line + 5 pt), as wide
    # as the text block
    border(number._p.get_or_add_pPr(), "bottom", size_eighths=12, space_pt=5, color="FF0000")
    paragraph(doc, "{%p endif %}", "发文字号")


LETTER_RULE_MM = 170
LETTER_MARK_TOP_MM = 30
LETTER_BOTTOM_RULE_MM = 20  # above the page's bottom edge
LETTER_FOOTER_DISTANCE_MM = 19.0  # measured: puts the bottom rule 20 mm above the page's bottom edge


def letter_head(doc) -> None:
    """信函格式, first page only (in its own header): the issuer mark 30 mm below the page's top
    edge, a red double rule (thick over thin) 4 mm under it, the document number flush right under
    the rule; a red double rule (thin over thick) 20 mm above the page's bottom edge; rules 170 mm
    long, centred on the page."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    # the mark's 36 pt glyphs stand 7.2 pt above their line's top
    section.header_distance = Mm(LETTER_MARK_TOP_MM) + Pt(7.2)
    header = section.first_page_header
    header.is_linked_to_previous = False
    out_left = MARGINS_MM["left"] - (210 - LETTER_RULE_MM) / 2
    out_right = MARGINS_MM["right"] - (210 - LETTER_RULE_MM) / 2
    mark = header.paragraphs[0]
    mark.style = doc.styles["发文机关标志"]
    mark.add_run("{{r issuer_mark }}")
    ppr = mark._p.get_or_add_pPr()
    line_exact(ppr, 36 * 20)
    _replace(ppr, "w:ind", _el("w:ind", left=-round(out_left / 25.4 * 1440), right=-round(out_right / 25.4 * 1440)))
    _ordered_ppr(ppr)
    border(ppr, "bottom", val="thickThinSmallGap", size_eighths=24, space_pt=2, color="FF0000")
    number = header.add_paragraph(style=doc.styles["发文字号"])
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.add_run("{{ doc_number }}")
    line_exact(number._p.get_or_add_pPr(), before=2)
    # the bottom rule: in the first page's footer, which sits lower than the page numbers' footers
    section.footer_distance = Mm(LETTER_FOOTER_DISTANCE_MM)
    footer = section.first_page_footer
    footer.is_linked_to_previous = False
    rule = footer.paragraphs[0]
    rule.style = doc.styles["空行"]
    ppr = rule._p.get_or_add_pPr()
    line_exact(ppr, twips=20)
    _replace(ppr, "w:ind", _el("w:ind", left=-round(out_left / 25.4 * 1440), right=-round(out_right / 25.4 * 1440)))
    _ordered_ppr(ppr)
    border(ppr, "top", val="thickThinSmallGap", size_eighths=24, space_pt=0, color="FF0000")


def title(doc, tag: str = "{{ title }}", *, gap_lines: int = 2) -> None:
    p = paragraph(doc, tag, "公文标题")
    line_exact(p._p.get_or_add_pPr(), before=gap_lines * LINE_PT)


def addressees(doc, tag: str = "{{ addressees }}") -> None:
    paragraph(doc, tag, "主送机关")


def body_paragraphs(doc, var: str = "body") -> None:
    """One paragraph per item of `var`: `level` 1 (一、 in 黑体), 2 (（一） in 楷体), else 仿宋;
    `heading` is the numbered lead-in, `text` the rest."""
    paragraph(doc, f"{{%p for para in {var} %}}", "公文正文")
    paragraph(doc, "{%p if para.level == 1 %}", "公文正文")
    p = paragraph(doc, "", "公文正文")
    p.add_run("{{ para.heading }}", style="一级标题字")
    p.add_run("{{ para.text }}")
    paragraph(doc, "{%p elif para.level == 2 %}", "公文正文")
    p = paragraph(doc, "", "公文正文")
    p.add_run("{{ para.heading }}", style="二级标题字")
    p.add_run("{{ para.text }}")
    paragraph(doc, "{%p else %}", "公文正文")
    paragraph(doc, "{{ para.heading }}{{ para.text }}", "公文正文")
    paragraph(doc, "{%p endif %}", "公文正文")
    paragraph(doc, "{%p endfor %}", "公文正文")


def attachment_list(doc, var: str = "attachments") -> None:
    """附件：1.名称 … under the body, one blank line above, wrapped lines aligned with the names."""
    paragraph(doc, f"{{%p if {var} %}}", "附件说明")
    paragraph(doc, f"{{%p if {var}|length == 1 %}}", "附件说明")
    p = paragraph(doc, f"附件：{{{{ {var}[0] }}}}", "附件说明")
    indent(p._p.get_or_add_pPr(), left_chars=5, hanging_chars=3)
    paragraph(doc, "{%p else %}", "附件说明")
    paragraph(doc, f"{{%p for name in {var} %}}", "附件说明")
    paragraph(doc, "{%p if loop.first %}", "附件说明")
    p = paragraph(doc, "附件：{{ loop.index }}.{{ name }}", "附件说明")
    indent(p._p.get_or_add_pPr(), left_chars=6, hanging_chars=4)
    paragraph(doc, "{%p else %}", "附件说明")
    p = paragraph(doc, "{{ loop.index }}.{{ name }}", "附件说明")
    line_exact(p._p.get_or_add_pPr())
    indent(p._p.get_or_add_pPr(), left_chars=6, hanging_chars=1)
    paragraph(doc, "{%p endif %}", "附件说明")
    paragraph(doc, "{%p endfor %}", "附件说明")
    paragraph(doc, "{%p endif %}", "附件说明")
    paragraph(doc, "{%p endif %}", "附件说明")


def signature(doc) -> None:
    """署名 centred over the date (padded by the generator), 成文日期 right-indented four characters."""
    paragraph(doc, "{{ signature }}", "发文机关署名")
    p = paragraph(doc, "{{ date }}", "成文日期")
    indent(p._p.get_or_add_pPr(), right_chars=4)


def note(doc) -> None:
    paragraph(doc, "{%p if note %}", "附注")
    paragraph(doc, "{{ note }}", "附注")
    paragraph(doc, "{%p endif %}", "附注")


END_LINE_TWIPS = 600  # one 版记 line: a 4号 line and its rules
TEXT_BOTTOM_TWIPS = round((297 - MARGINS_MM["bottom"]) / 25.4 * 1440)  # from the page's top edge


def _frame(ppr, lines_from_bottom: int) -> None:
    """A frame of one line, `lines_from_bottom` 版记 lines above the text block's bottom edge,
    placed from the page's top edge (LibreOffice counts "margin" from its own page margin,
    which moves with a first-page header): each element of the end block is a one-paragraph
    frame (LibreOffice drops frames holding several paragraphs with rules)."""
    width = round(TEXT_WIDTH_MM / 25.4 * 1440)
    y = TEXT_BOTTOM_TWIPS - lines_from_bottom * END_LINE_TWIPS
    _replace(ppr, "w:framePr", _el("w:framePr", w=width, h=END_LINE_TWIPS, hRule="exact", wrap="around",
                                   vAnchor="page", hAnchor="margin", xAlign="center", y=y))
    _ordered_ppr(ppr)


def _end_paragraph(doc, text: str, lines_from_bottom: int, *, top: int = 0, bottom: int = 0, tab: bool = False):
    p = paragraph(doc, text, "版记")
    ppr = p._p.get_or_add_pPr()
    _frame(ppr, lines_from_bottom)
    indent(ppr, left_chars=1, right_chars=1, char_pt=NUMBER_PT)
    if top:
        border(ppr, "top", size_eighths=top, space_pt=0)
    if bottom:
        border(ppr, "bottom", size_eighths=bottom, space_pt=0)
    if tab:
        width = round(TEXT_WIDTH_MM / 25.4 * 1440)
        tabs = OxmlElement("w:tabs")
        tabs.append(_el("w:tab", val="right", pos=width - round(NUMBER_PT * 20)))
        ppr.append(tabs)
        _ordered_ppr(ppr)
    return p


def end_block(doc, *, letter: bool = False) -> None:
    """版记 at the bottom of the last page, in frames anchored to the text block's bottom edge:
    rules as wide as the text block (first and last 0.35 mm, middle 0.25 mm, the last on the
    bottom edge); 抄送 in 4号仿宋 one character in from each side, ending with a full stop;
    印发机关 one character from the left and 印发日期 + 印发 one character from the right.
    The letter format's end block is the 抄送 line alone, without rules."""
    if letter:
        paragraph(doc, "{%p if copy_to %}", "空行")
        _end_paragraph(doc, "抄送：{{ copy_to }}", 1)
        paragraph(doc, "{%p endif %}", "空行")
        _anchor(doc)
        return
    thick, thin = 8, 6  # eighths of a point: 1 pt ≈ 0.35 mm, 0.75 pt ≈ 0.26 mm
    paragraph(doc, "{%p if copy_to and printer %}", "空行")
    _end_paragraph(doc, "抄送：{{ copy_to }}", 2, top=thick)
    _end_paragraph(doc, "{{ printer }}\t{{ print_date }}印发", 1, top=thin, bottom=thick, tab=True)
    paragraph(doc, "{%p elif copy_to %}", "空行")
    _end_paragraph(doc, "抄送：{{ copy_to }}", 1, top=thick, bottom=thick)
    paragraph(doc, "{%p elif printer %}", "空行")
    _end_paragraph(doc, "{{ printer }}\t{{ print_date }}印发", 1, top=thick, bottom=thick, tab=True)
    paragraph(doc, "{%p endif %}", "空行")
    _anchor(doc)


def _anchor(doc) -> None:
    """A frame is anchored to the paragraph after it: a hair-thin empty one ends the document."""
    p = paragraph(doc, "", "空行")
    line_exact(p._p.get_or_add_pPr(), twips=20)


def finish(doc, title_text: str) -> None:
    core = doc.core_properties
    core.title, core.author, core.comments = title_text, "gradedesk", "docxtpl 模板 v1（GB/T 9704-2012）"
