"""Build version 1 of the Word templates with python-docx.

The .docx files in this folder are what offices edit in Word; this script is how
the first version was made. Run it again only to start over from scratch:

    .venv/bin/python templates/build_templates.py

Jinja tags are written in single runs so Word and docxtpl see them whole.
`{%tr ... %}` rows repeat a table row, `{%p ... %}` paragraphs repeat a paragraph.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # official.py beside this file

import official as gb  # noqa: E402  (GB/T 9704 page and elements)

LATIN = "Times New Roman"
SONG, FANGSONG, HEI, TITLE = "宋体", "仿宋", "黑体", "方正小标宋简体"
TEXT_WIDTH_MM = 165  # A4 210 mm less 25 mm left and 20 mm right margins

RECUSAL = "本人与该企业不存在技术服务、咨询等利害关系，承诺遵守廉洁守纪要求。"
PREFILL_NOTE = ("注：“企业实际情况”一栏由系统根据申报材料自动预填并注明来源，仅供参考，"
                "须由专家对照原件逐项核实；预填内容不代表审核结论。")


# ---- fonts and styles -----------------------------------------------------

def set_fonts(rpr_owner, east_asia: str, latin: str = LATIN) -> None:
    """Name the Latin and East-Asian faces explicitly (no theme fonts, which would win)."""
    rpr = rpr_owner.get_or_add_rPr() if hasattr(rpr_owner, "get_or_add_rPr") else rpr_owner.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr, face in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        fonts.set(qn(attr), face)


def setup_styles(doc) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    set_fonts(rpr_default, SONG)
    lang = rpr_default.find(qn("w:rPr")).find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = styles["Normal"]
    normal.font.size = Pt(10.5)  # 五号
    set_fonts(normal.element, SONG)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    def add(name: str, east_asia: str, size: float, *, bold=False, align=None, before=0, after=0,
            indent_chars=0, color=None):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = bold
        if color:
            style.font.color.rgb = color
        set_fonts(style.element, east_asia)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if align is not None:
            fmt.alignment = align
        if indent_chars:
            fmt.first_line_indent = Pt(size * indent_chars)
        return style

    add("审核表标题", TITLE, 18, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)  # 小二 方正小标宋简体
    add("审核表小标题", HEI, 12, before=10, after=4)  # 小四 黑体
    add("审核表正文", FANGSONG, 12, indent_chars=2, before=4, after=4)
    add("表格文字", SONG, 10.5)
    add("表格标题", HEI, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    add("来源说明", SONG, 9, color=RGBColor(0x40, 0x40, 0x40))
    add("表注", SONG, 9, before=3)


# ---- page ---------------------------------------------------------------

def setup_page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    section.header_distance, section.footer_distance = Mm(12), Mm(12)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", None), (None, "PAGE"), (" 页 共 ", None), (None, "NUMPAGES"), (" 页", None)):
        if field:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {field} ")
            run = OxmlElement("w:r")
            t = OxmlElement("w:t")
            t.text = "1"
            run.append(t)
            simple.append(run)
            footer._p.append(simple)
        else:
            set_fonts(footer.add_run(text)._r, SONG)


# ---- tables ---------------------------------------------------------------

def table(doc, widths_mm: list[float], rows: int):
    assert abs(sum(widths_mm) - TEXT_WIDTH_MM) < 0.5, widths_mm
    t = doc.add_table(rows=rows, cols=len(widths_mm))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False  # a fixed layout: Word keeps the column widths
    for row in t.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for col, width in zip(t.columns, widths_mm, strict=True):
        col.width = Mm(width)
    return t


def write(cell, *lines: str, style: str = "表格文字", align=None, middle=True) -> None:
    """Put lines of text in a cell, one paragraph each, each in a single run."""
    cell.paragraphs[0].text = ""
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.style = cell.part.document.styles[style]
        if align is not None:
            p.alignment = align
        p.add_run(line)
    if middle:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def header_row(row, *titles: str) -> None:
    for cell, title in zip(row.cells, titles, strict=True):
        write(cell, title, style="表格标题")
    tr_pr = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # repeat on every page
    tr_pr.append(repeat)


def tag_row(row, tag: str) -> None:
    """A row docxtpl replaces by a `{%tr ... %}` statement."""
    write(row.cells[0], tag)


def min_height(row, mm: float) -> None:
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def heading(doc, text: str) -> None:
    doc.add_paragraph(text, style="审核表小标题")


# ---- the review sheet -------------------------------------------------------

def build_review_sheet(path: Path) -> None:
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    doc.add_paragraph("企业绩效分级专家审核表", style="审核表标题")

    # identity
    t = table(doc, [30, 52.5, 30, 52.5], rows=4)
    write(t.cell(0, 0), "企业名称", style="表格标题")
    name = t.cell(0, 1).merge(t.cell(0, 3))
    write(name, "{{ enterprise_name }}")
    for r, (l1, v1, l2, v2) in enumerate((
        ("统一社会信用代码", "{{ credit_code }}", "所在县（市、区）", "{{ county }}"),
        ("所属行业", "{{ industry }}", "申报等级", "{{ applied_grade }}"),
        ("审核类型",
         "{{ '☑' if review_type == '材料审核' else '□' }}材料审核　"
         "{{ '☑' if review_type == '现场审核' else '□' }}现场审核",
         "审核日期", "{{ review_date }}"),
    ), start=1):
        write(t.cell(r, 0), l1, style="表格标题")
        write(t.cell(r, 1), v1)
        write(t.cell(r, 2), l2, style="表格标题")
        write(t.cell(r, 3), v2)
    for row in t.rows:
        min_height(row, 9)

    # indicators
    heading(doc, "一、差异化指标审核")
    t = table(doc, [10, 22, 42, 47, 20, 24], rows=4)
    header_row(t.rows[0], "序号", "差异化指标", "申报等级要求", "企业实际情况（自动预填，注明来源）", "是否符合", "备注")
    tag_row(t.rows[1], "{%tr for row in indicators %}")
    cells = t.rows[2].cells
    write(cells[0], "{{ loop.index }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    write(cells[1], "{{ row.name }}")
    write(cells[2], "{{ row.requirement }}", middle=False)
    write(cells[3], "{{ row.actual }}", "{%p for s in row.sources %}", "{{ s }}", "{%p endfor %}", middle=False)
    for p in cells[3].paragraphs[1:]:
        p.style = doc.styles["来源说明"]
    write(cells[4], "□符合", "□不符合", "□不涉及")
    write(cells[5], "")
    tag_row(t.rows[3], "{%tr endfor %}")
    doc.add_paragraph(PREFILL_NOTE, style="表注")
    doc.add_paragraph("{{ requirement_note }}", style="表注")

    # findings
    heading(doc, "二、自动审核发现的问题（请专家重点核实）")
    t = table(doc, [10, 16, 84, 55], rows=7)
    header_row(t.rows[0], "序号", "级别", "问题", "依据材料")
    tag_row(t.rows[1], "{%tr for f in findings %}")
    for cell, text in zip(t.rows[2].cells, ("{{ loop.index }}", "{{ f.severity_label }}", "{{ f.message }}",
                                            "{{ f.evidence }}"), strict=True):
        write(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if text in ("{{ loop.index }}",) else None)
    tag_row(t.rows[3], "{%tr endfor %}")
    tag_row(t.rows[4], "{%tr if not findings %}")
    none = t.cell(5, 0).merge(t.cell(5, 3))
    write(none, "自动审核未发现需要提示的问题。", align=WD_ALIGN_PARAGRAPH.CENTER)
    tag_row(t.rows[6], "{%tr endif %}")

    # conclusion: the page the experts sign starts here, so the signed page (scanned back) always holds
    # the conclusion, the suggested grade and the signatures together
    heading(doc, "三、审核结论")
    doc.paragraphs[-1].paragraph_format.page_break_before = True
    t = table(doc, [30, 135], rows=3)
    write(t.cell(0, 0), "审核意见", style="表格标题")
    write(t.cell(0, 1), "{{ opinion }}", middle=False)
    min_height(t.rows[0], 40)
    write(t.cell(1, 0), "是否同意申报等级", style="表格标题")
    write(t.cell(1, 1), "□同意　　□不同意")
    write(t.cell(2, 0), "建议等级", style="表格标题")
    write(t.cell(2, 1), "{{ proposed_grade }}")
    for row in t.rows[1:]:
        min_height(row, 9)

    # recusal and signatures: the statement heads the table the experts sign
    heading(doc, "四、专家承诺与签字")
    t = table(doc, [12, 28, 55, 35, 35], rows=5)
    pledge = t.cell(0, 0).merge(t.cell(0, 4))
    write(pledge, f"专家承诺：{RECUSAL}")
    min_height(t.rows[0], 10)
    for cell, title in zip(t.rows[1].cells, ("序号", "姓名", "单位", "专业/行业", "签字"), strict=True):
        write(cell, title, style="表格标题")
    tag_row(t.rows[2], "{%tr for e in experts %}")
    for cell, text in zip(t.rows[3].cells, ("{{ loop.index }}", "{{ e.name }}", "{{ e.employer }}",
                                            "{{ e.specialty }}", ""), strict=True):
        write(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if text == "{{ loop.index }}" else None)
    min_height(t.rows[3], 12)
    tag_row(t.rows[4], "{%tr endfor %}")

    date = doc.add_paragraph("日期：{{ review_date or '　　　　年　　月　　日' }}", style="审核表正文")
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date.paragraph_format.space_before = Pt(12)

    # where the prefilled facts were read: numbered notes, cited in the cells as（注1）
    doc.add_paragraph("{%p if notes %}", style="表注")
    doc.add_paragraph("“企业实际情况”来源：", style="表注")
    doc.add_paragraph("{%p for n in notes %}", style="来源说明")
    doc.add_paragraph("注{{ loop.index }}：{{ n }}", style="来源说明")
    doc.add_paragraph("{%p endfor %}", style="来源说明")
    doc.add_paragraph("{%p endif %}", style="表注")

    core = doc.core_properties
    core.title, core.author, core.comments = "企业绩效分级专家审核表", "gradedesk", "docxtpl 模板 v1"
    doc.save(path)


# ---- official documents (GB/T 9704-2012, templates/official.py) ------------------------

def _official_table(doc, widths_mm: list[float], header: list[str], cells: list[str], loop: str, *,
                    empty: str | None = None):
    """A ruled table of the text block's width: a header repeated on each page, one row per item."""
    assert abs(sum(widths_mm) - gb.TEXT_WIDTH_MM) < 0.5, widths_mm
    rows = 4 + (3 if empty else 0)
    t = doc.add_table(rows=rows, cols=len(widths_mm))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for row in t.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for col, width in zip(t.columns, widths_mm, strict=True):
        col.width = Mm(width)
    for cell, title in zip(t.rows[0].cells, header, strict=True):
        write(cell, title, style="表头文字")
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    min_height(t.rows[0], 9)
    write(t.rows[1].cells[0], f"{{%tr for {loop} %}}", style="表格文字")
    for cell, text in zip(t.rows[2].cells, cells, strict=True):
        style = "表格文字左" if text.startswith("<") else "表格文字"
        write(cell, text.lstrip("<"), style=style)
    min_height(t.rows[2], 8)
    write(t.rows[3].cells[0], "{%tr endfor %}", style="表格文字")
    if empty:
        var = loop.split(" in ", 1)[1]
        write(t.rows[4].cells[0], f"{{%tr if not {var} %}}", style="表格文字")
        merged = t.cell(5, 0).merge(t.cell(5, len(widths_mm) - 1))
        write(merged, empty, style="表格文字")
        min_height(t.rows[5], 8)
        write(t.rows[6].cells[0], "{%tr endif %}", style="表格文字")
    return t


def _official_start(letter: bool = False):
    doc = gb.new_document()
    if letter:
        gb.letter_head(doc)
    else:
        gb.red_head(doc)
    return doc


def _official_end(doc, *, letter: bool = False) -> None:
    gb.end_block(doc, letter=letter)
    if letter:
        gb.page_numbers(doc, first_page=False, footer_distance_mm=gb.LETTER_FOOTER_DISTANCE_MM)
    else:
        gb.page_numbers(doc)


def build_notice(path: Path, *, letter: bool = False) -> None:
    """通知 (文件格式) or 函 (信函格式): title, addressees, body, attachment list, signature, date, 附注, 版记."""
    doc = _official_start(letter)
    gb.title(doc)
    gb.addressees(doc)
    gb.body_paragraphs(doc)
    gb.attachment_list(doc)
    gb.signature(doc)
    gb.note(doc)
    _official_end(doc, letter=letter)
    gb.finish(doc, "函" if letter else "通知")
    doc.save(path)


def build_result_notice(path: Path) -> None:
    """绩效分级结果公示: basis, procedure and counts, publicity period, objection channel; one list per grade."""
    doc = _official_start()
    gb.title(doc)
    gb.paragraph(doc, "", "空行")  # one blank line under the title (a 公示 has no addressees)
    gb.paragraph(doc, "根据{{ guideline }}有关要求，本着公开、公平、公正的原则，{{ organiser }}组织开展了"
                     "{{ region }}{{ year }}年重污染天气重点行业绩效评级工作。", "公文正文")
    gb.paragraph(doc, "经企业自评、资料审核、现场核验、专家会审等程序，确定{{ scope }}共{{ total }}家，其中"
                     "{% for c in counts %}{{ c.label }}{{ c.count }}家{% if not loop.last %}、{% endif %}{% endfor %}"
                     "（名单见附件）。现予以公示。", "公文正文")
    gb.paragraph(doc, "公示时间：{{ period_start }}至{{ period_end }}（{{ working_days }}个工作日）。", "公文正文")
    gb.paragraph(doc, "公示期间，任何单位和个人如有异议，请以书面形式向{{ contact.unit }}反映，并具体列举异议理由和相关材料。"
                     "以单位名义反映的，请加盖单位公章；以个人名义反映的，请署真实姓名并提供联系方式。我们将为反映人保密。",
                "公文正文")
    gb.paragraph(doc, "联系人：{{ contact.name }}", "公文正文")
    gb.paragraph(doc, "{%p if contact.phone %}", "公文正文")
    gb.paragraph(doc, "联系电话：{{ contact.phone }}", "公文正文")
    gb.paragraph(doc, "{%p endif %}", "公文正文")
    gb.paragraph(doc, "{%p if contact.fax %}", "公文正文")
    gb.paragraph(doc, "传　　真：{{ contact.fax }}", "公文正文")
    gb.paragraph(doc, "{%p endif %}", "公文正文")
    gb.paragraph(doc, "{%p if contact.email %}", "公文正文")
    gb.paragraph(doc, "电子邮箱：{{ contact.email }}", "公文正文")
    gb.paragraph(doc, "{%p endif %}", "公文正文")
    gb.attachment_list(doc)
    gb.signature(doc)
    gb.note(doc)
    # the attachments: each on a new page, 附件N at the top left in 黑体, the title on the third line
    gb.paragraph(doc, "{%p for list in lists %}", "附件标识")
    gb.paragraph(doc, "附件{{ loop.index }}", "附件标识")
    gb.paragraph(doc, "{{ list.title }}", "附件标题")
    gb.paragraph(doc, "", "空行")
    _official_table(doc, [14, 26, 62, 32, 22], ["序号", "区县", "企业名称", "行业类别", "绩效等级"],
                    ["{{ row.index }}", "{{ row.county }}", "<{{ row.name }}", "{{ row.industry }}",
                     "{{ row.grade }}"], "row in list.rows")
    gb.paragraph(doc, "{%p endfor %}", "空行")
    _official_end(doc)
    gb.finish(doc, "绩效分级结果公示")
    doc.save(path)


def build_rectification_notice(path: Path) -> None:
    """整改通知书: the shortfalls, the requirements and the deadline, what happens if it is missed,
    how to re-apply."""
    doc = _official_start()
    gb.title(doc)
    gb.addressees(doc)
    gb.paragraph(doc, "你单位申报{{ industry }}行业{{ grade_label }}重污染天气绩效评级。经{{ reviewer }}"
                     "{{ review_type }}核查，你单位存在以下问题：", "公文正文")
    gb.paragraph(doc, "{%p for s in shortfalls %}", "公文正文")
    gb.paragraph(doc, "{{ loop.index }}.{{ s.problem }}", "公文正文")
    gb.paragraph(doc, "{%p endfor %}", "公文正文")
    gb.paragraph(doc, "根据{{ basis }}，请你单位于{{ deadline }}前按以下要求完成整改：", "公文正文")
    gb.paragraph(doc, "{%p for r in requirements %}", "公文正文")
    gb.paragraph(doc, "{{ loop.index }}.{{ r }}", "公文正文")
    gb.paragraph(doc, "{%p endfor %}", "公文正文")
    gb.paragraph(doc, "{%p if window == 'first' %}", "公文正文")
    gb.paragraph(doc, "完成整改后，请将整改情况报告及相关证明材料报送{{ reapply_to }}，由我局组织复核。{{ deadline }}前"
                     "未完成整改或整改后仍达不到{{ grade_label }}指标要求的，退回你单位申报材料，"
                     "按原级别{% if old_grade %}（{{ old_grade }}）{% endif %}执行；{{ second_deadline }}前完成整改的，"
                     "可重新申报，我局将及时更新你单位绩效等级。", "公文正文")
    gb.paragraph(doc, "{%p else %}", "公文正文")
    gb.paragraph(doc, "完成整改后，请于{{ deadline }}前将整改情况报告及相关证明材料报送{{ reapply_to }}，重新申报。"
                     "逾期未完成整改或整改后仍达不到{{ grade_label }}指标要求的，退回你单位申报材料，"
                     "按原级别{% if old_grade %}（{{ old_grade }}）{% endif %}执行。", "公文正文")
    gb.paragraph(doc, "{%p endif %}", "公文正文")
    gb.paragraph(doc, "{%p if contact.name or contact.phone %}", "公文正文")
    gb.paragraph(doc, "联系人：{{ contact.name }}　　联系电话：{{ contact.phone }}", "公文正文")
    gb.paragraph(doc, "{%p endif %}", "公文正文")
    gb.signature(doc)
    gb.note(doc)
    _official_end(doc)
    gb.finish(doc, "整改通知书")
    doc.save(path)


# ---- table forms: contact form, weekly report, one-enterprise reduction list --------------

def _landscape(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    section.left_margin, section.right_margin = Mm(20), Mm(20)


def _form_table(doc, widths_mm: list[float], header: list[str]):
    t = doc.add_table(rows=1, cols=len(widths_mm))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for cell, width, title in zip(t.rows[0].cells, widths_mm, header, strict=True):
        cell.width = Mm(width)
        write(cell, title, style="表格标题")
    for col, width in zip(t.columns, widths_mm, strict=True):
        col.width = Mm(width)
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    min_height(t.rows[0], 9)
    return t


def _add_row(t, texts: list[str], *, height: float | None = None, center: bool = False):
    row = t.add_row()
    for cell, text in zip(row.cells, texts, strict=True):
        if text:  # an untouched empty cell merges without leaving an empty paragraph behind
            write(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if center else None)
    if height:
        min_height(row, height)
    return row


def build_contact_form(path: Path) -> None:
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    _landscape(doc)
    doc.add_paragraph("{{ city }}应急减排清单和绩效分级工作联络表", style="审核表标题")
    p = doc.add_paragraph("填报单位（盖章）：{{ unit }}　　　　填报日期：{{ date }}", style="表格文字")
    p.paragraph_format.space_after = Pt(6)
    widths = [28, 20, 52, 34, 38, 32, 53]
    t = _form_table(doc, widths, list(("类别", "姓名", "单位", "职务", "办公电话", "手机", "电子邮箱")))
    _add_row(t, ["{%tr for group in rows %}"] + [""] * 6)
    _add_row(t, ["{%tr for m in group.members %}"] + [""] * 6)
    row = _add_row(t, ["{% vm %}{{ group.label }}", "{{ m.name }}", "{{ m.unit }}", "{{ m.post }}",
                       "{{ m.office_phone }}", "{{ m.mobile }}", "{{ m.email }}"], height=9)
    write(row.cells[0], "{% vm %}{{ group.label }}", style="表格标题")
    _add_row(t, ["{%tr endfor %}"] + [""] * 6)
    _add_row(t, ["{%tr endfor %}"] + [""] * 6)
    for row in t.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    doc.add_paragraph("注：绩效分级组、清单编制组、技术帮扶组可填写多名成员；请于规定时间前报省大气办。", style="表注")
    core = doc.core_properties
    core.title, core.author, core.comments = "应急减排清单和绩效分级工作联络表", "gradedesk", "docxtpl 模板 v1"
    doc.save(path)


def build_weekly_report(path: Path) -> None:
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    _landscape(doc)
    doc.add_paragraph("{{ city }}A级、B级和引领性企业绩效分级初审情况周报", style="审核表标题")
    p = doc.add_paragraph("{% if number %}（第{{ number }}期）{% endif %}", style="表格标题")
    p.paragraph_format.space_after = Pt(6)
    doc.add_paragraph("报送单位：{{ unit }}　　　　统计时段：{{ period }}　　　　报送日期：{{ date }}", style="表格文字")
    doc.add_paragraph("本周共完成A级、B级和引领性企业申报材料初审{{ total }}家"
                      "{% if counts %}，其中{% for c in counts %}{{ c.label }}{{ c.count }}家"
                      "{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}。", style="审核表正文")
    widths = [12, 22, 52, 30, 18, 18, 34, 36, 35]
    t = _form_table(doc, widths, ["序号", "区县", "企业名称", "行业类别", "申报等级", "初审等级", "初审日期", "状态", "备注"])
    _add_row(t, ["{%tr for r in rows %}"] + [""] * 8)
    _add_row(t, ["{{ r.index }}", "{{ r.county }}", "{{ r.enterprise_name }}", "{{ r.industry }}",
                 "{{ r.applied_grade }}", "{{ r.proposed_grade }}", "{{ r.reviewed_on }}", "{{ r.status }}",
                 "{{ r.note }}"], height=8)
    _add_row(t, ["{%tr endfor %}"] + [""] * 8)
    _add_row(t, ["{%tr if not rows %}"] + [""] * 8)
    row = _add_row(t, [""] * 9, height=8)
    merged = row.cells[0].merge(row.cells[8])
    write(merged, "本周无完成初审的A级、B级和引领性企业。", align=WD_ALIGN_PARAGRAPH.CENTER)
    _add_row(t, ["{%tr endif %}"] + [""] * 8)
    for row in t.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    doc.add_paragraph("注：按冀气领办〔2020〕94号“实行周报制度”要求，A级、B级和引领性企业申报材料初审无误的，每周报送。",
                      style="表注")
    core = doc.core_properties
    core.title, core.author, core.comments = "绩效分级初审情况周报", "gradedesk", "docxtpl 模板 v1"
    doc.save(path)


def build_reduction_list(path: Path) -> None:
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    doc.add_paragraph("{{ enterprise_name }}重污染天气应急减排措施（一厂一策）", style="审核表标题")
    t = table(doc, [30, 52.5, 30, 52.5], rows=4)
    for r, (l1, v1, l2, v2) in enumerate((
        ("企业名称", "{{ enterprise_name }}", "统一社会信用代码", "{{ credit_code }}"),
        ("所在县（市、区）", "{{ county }}", "行业类别", "{{ industry }}"),
        ("绩效等级", "{{ grade_label }}", "联系人及电话", "{{ contact.name }} {{ contact.phone }}"),
        ("企业地址", "{{ address }}", "填报日期", "{{ date }}"),
    )):
        write(t.cell(r, 0), l1, style="表格标题")
        write(t.cell(r, 1), v1)
        write(t.cell(r, 2), l2, style="表格标题")
        write(t.cell(r, 3), v2)
        min_height(t.rows[r], 9)
    heading(doc, "一、主要生产工序及污染治理设施")
    t = table(doc, [15, 60, 90], rows=7)
    header_row(t.rows[0], "序号", "生产工序", "污染治理设施")
    tag_row(t.rows[1], "{%tr for p in processes %}")
    for cell, text in zip(t.rows[2].cells, ("{{ loop.index }}", "{{ p.process }}", "{{ p.facility }}"), strict=True):
        write(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if text == "{{ loop.index }}" else None)
    min_height(t.rows[2], 8)
    tag_row(t.rows[3], "{%tr endfor %}")
    tag_row(t.rows[4], "{%tr if not processes %}")
    none = t.cell(5, 0).merge(t.cell(5, 2))
    write(none, "申报材料中未找到生产工序及治理设施，请属地补充。", align=WD_ALIGN_PARAGRAPH.CENTER)
    tag_row(t.rows[6], "{%tr endif %}")
    doc.add_paragraph("{% if transport %}运输情况：{{ transport }}{% endif %}", style="表注")
    heading(doc, "二、重污染天气应急减排措施")
    t = table(doc, [25, 75, 65], rows=4)
    header_row(t.rows[0], "预警级别", "生产减排措施", "运输管控措施")
    tag_row(t.rows[1], "{%tr for m in measures %}")
    write(t.rows[2].cells[0], "{{ m.level }}", style="表格标题")
    write(t.rows[2].cells[1], "{{ m.production }}")
    write(t.rows[2].cells[2], "{{ m.transport }}")
    min_height(t.rows[2], 18)
    tag_row(t.rows[3], "{%tr endfor %}")
    doc.add_paragraph("注：减排措施按《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》对应行业、对应等级的要求制定，"
                      "由属地生态环境部门审核后纳入应急减排清单。", style="表注")
    core = doc.core_properties
    core.title, core.author, core.comments = "应急减排清单（一厂一策）", "gradedesk", "docxtpl 模板 v1"
    doc.save(path)


BUILDERS = {
    "review_sheet.docx": build_review_sheet,
    "notice.docx": build_notice,
    "letter.docx": lambda path: build_notice(path, letter=True),
    "result_notice.docx": build_result_notice,
    "rectification_notice.docx": build_rectification_notice,
    "contact_form.docx": build_contact_form,
    "weekly_report.docx": build_weekly_report,
    "reduction_list.docx": build_reduction_list,
}


def main(names: list[str] | None = None) -> None:
    """Build every template, or those named (`python templates/build_templates.py notice.docx`)."""
    for name in names or list(BUILDERS):
        BUILDERS[name](HERE / name)
        print(f"written: {HERE / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
