"""Build version 1 of the Word templates with python-docx.

The .docx files in this folder are what offices edit in Word; this script is how
the first version was made. Run it again only to start over from scratch:

    .venv/bin/python templates/build_templates.py

Jinja tags are written in single runs so Word and docxtpl see them whole.
`{%tr ... %}` rows repeat a table row, `{%p ... %}` paragraphs repeat a paragraph.
"""

from __future__ import annotations

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

    # conclusion
    heading(doc, "三、审核结论")
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

    core = doc.core_properties
    core.title, core.author, core.comments = "企业绩效分级专家审核表", "gradedesk", "docxtpl 模板 v1"
    doc.save(path)


def main() -> None:
    build_review_sheet(HERE / "review_sheet.docx")
    print(f"written: {HERE / 'review_sheet.docx'}")


if __name__ == "__main__":
    main()
