"""The 整改台账 (rectification ledger) of an office: every tracked rectification item with its evidence,
the county's verification, the city's review and its closure (销号), as .xlsx to work in and as a landscape
.docx table that generators.pdf turns into the PDF to file. The rows come ready-made from the web layer."""

from __future__ import annotations

import io
from collections.abc import Sequence

from generators.sheets import write_sheets

WIDTHS_MM = (9, 18, 30, 26, 9, 48, 20, 30, 28, 28, 22, 20)  # A4 landscape, 28 mm margins


def ledger_xlsx(title: str, lead: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    out = io.BytesIO()
    write_sheets(out, [{"name": "整改台账", "title": title, "lead": [lead], "header": list(header),
                        "widths": [max(6, w // 2 + 2) for w in WIDTHS_MM], "rows": [list(r) for r in rows],
                        "notes": [] if rows else ["暂无整改事项。"]}], title=title)
    return out.getvalue()


def ledger_docx(title: str, lead: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(9)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title)
    run.font.size, run.font.bold = Pt(16), True
    doc.add_paragraph(lead)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for r in cell.paragraphs[0].runs:
            r.font.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    for i, width in enumerate(WIDTHS_MM[:len(header)]):
        for cell in table.columns[i].cells:
            cell.width = Mm(width * 267 / sum(WIDTHS_MM))
    if not rows:
        doc.add_paragraph("暂无整改事项。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
