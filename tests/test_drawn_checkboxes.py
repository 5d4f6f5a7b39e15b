"""Check boxes a PDF draws instead of printing a glyph (extractors/backends/drawn_checkboxes.py), and a label
and its value on one line with a wide gap and no colon (extractors/labels.py, _facts_across_gaps).

The corpus generator types ☑/□ glyphs into its forms; these PDFs come from other programs: a Word form
whose answers are legacy FORMCHECKBOX fields printed by LibreOffice (a square and a drawn cross), and a
form drawn by a reporting tool (reportlab) whose ticked boxes are filled squares or a tick drawn as a path."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from extractors.backends.pdf import PdfBackend
from extractors.labels import facts_from_layout
from forms.normalize import parse_bool


def _legacy_box(paragraph, checked: bool) -> None:
    state = "<w:checked/>" if checked else ""
    for xml in (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"><w:ffData><w:enabled/><w:checkBox>'
                f'<w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>',
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'):
        paragraph._p.append(parse_xml(xml))


def _answer(paragraph, yes: bool, words=("是", "否")) -> None:
    _legacy_box(paragraph, yes)
    paragraph.add_run(f"{words[0]}  ")
    _legacy_box(paragraph, not yes)
    paragraph.add_run(words[1])


def _fields(pdf: bytes) -> dict:
    layout = PdfBackend("申报表.pdf", pdf).read()
    return {f.key: f.value for f in facts_from_layout(layout, "application_form", 1.0)}


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_legacy_form_fields_printed_by_libreoffice(tmp_path):
    doc = Document()
    _answer(doc.add_paragraph("是否安装在线监测设施（CEMS）："), True)
    _answer(doc.add_paragraph("在线监测是否与环保部门联网："), False)
    table = doc.add_table(rows=2, cols=2)  # no borders: a tab-aligned look, label and answer far apart
    table.cell(0, 0).text = "门禁系统"
    _answer(table.cell(0, 1).paragraphs[0], False, ("有", "无"))
    table.cell(1, 0).text = "视频监控"
    _answer(table.cell(1, 1).paragraphs[0], True, ("有", "无"))
    doc.save(tmp_path / "form.docx")
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "form.docx")],
                   check=True, capture_output=True, timeout=120)
    fields = _fields((tmp_path / "form.pdf").read_bytes())
    assert {k: fields.get(k) for k in ("cems_installed", "cems_networked", "gate_system", "video_monitoring")} == {
        "cems_installed": True, "cems_networked": False, "gate_system": False, "video_monitoring": True}


def _drawn_form() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    height = A4[1]

    def row(y: float, label: str, ticks: tuple[bool, bool], how: str) -> None:
        c.setFont("STSong-Light", 11)
        c.drawString(60, height - y, label)
        x = 300
        for word, ticked in zip(("是", "否"), ticks, strict=True):
            c.rect(x, height - y - 1, 9, 9, stroke=1, fill=1 if ticked and how == "filled" else 0)
            if ticked and how == "tick":
                path = c.beginPath()
                path.moveTo(x + 1.5, height - y + 4)
                path.lineTo(x + 4, height - y + 1)
                path.lineTo(x + 8, height - y + 8)
                c.drawPath(path, stroke=1, fill=0)
            c.drawString(x + 12, height - y, word)
            x += 40

    row(100, "是否配备专职环保人员", (True, False), "filled")
    row(130, "是否安装门禁系统", (False, True), "tick")
    row(160, "视频监控系统", (True, False), "tick")
    c.showPage()
    c.save()
    return out.getvalue()


def test_boxes_drawn_by_a_reporting_tool():
    fields = _fields(_drawn_form())
    assert {k: fields.get(k) for k in ("dedicated_env_staff", "gate_system", "video_monitoring")} == {
        "dedicated_env_staff": True, "gate_system": False, "video_monitoring": True}


@pytest.mark.parametrize("text", ["是 否", "是/否", "有 无", "已安装 未安装"])
def test_both_answers_offered_and_none_marked_is_no_answer(text):
    assert parse_bool(text) is None


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_boxes_in_a_ruled_table_do_not_cut_the_answer_into_cells(tmp_path):
    """In a ruled table the printed boxes are squares like the table's rules: they must not make a cell of
    each box and option; an empty spacer cell between a label and its answer is skipped."""
    doc = Document()
    table = doc.add_table(rows=2, cols=3)
    table.style = "Table Grid"
    table.cell(0, 0).text = "在线监测是否与生态环境部门联网"
    _answer(table.cell(0, 2).paragraphs[0], True)  # the middle cell left empty
    table.cell(1, 0).text = "是否建设门禁系统"
    _answer(table.cell(1, 1).paragraphs[0], False)
    doc.save(tmp_path / "form.docx")
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "form.docx")],
                   check=True, capture_output=True, timeout=120)
    layout = PdfBackend("申报表.pdf", (tmp_path / "form.pdf").read_bytes()).read()
    assert [len(row) for grid in layout.grids for row in grid.rows] == [3, 3]
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 1.0)}
    assert {k: fields.get(k) for k in ("cems_networked", "gate_system")} == {"cems_networked": True,
                                                                            "gate_system": False}


def _ringed_form() -> bytes:
    """Answers ringed: Word's enclosed characters printed (a larger ○ drawn over the option chosen), and a circle
    drawn round the option in an editor (an ellipse path); radio-button glyphs beside options ring none."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("STSong-Light", 16)
    page.drawString(72, 800, "重污染天气重点行业绩效分级申报表")
    y = 760
    for label, options, chosen, how in [("是否安装在线监测：", ["是", "否"], 0, "glyph"),
                                        ("是否与生态环境部门联网：", ["是", "否"], 1, "glyph"),
                                        ("门禁系统：", ["有", "无"], 0, "ellipse"),
                                        ("排污许可管理类别：", ["重点管理", "简化管理", "登记管理"], 1, "ellipse")]:
        page.setFont("STSong-Light", 11)
        page.drawString(72, y, label)
        x = 72 + 11 * len(label)
        for k, option in enumerate(options):
            page.drawString(x, y, option)
            width = 11 * len(option)
            if k == chosen and how == "glyph":
                page.setFont("STSong-Light", 16)
                page.drawString(x - 2.5, y - 2, "○")
                page.setFont("STSong-Light", 11)
            elif k == chosen:
                page.ellipse(x - 3, y - 4, x + width + 3, y + 12)
            x += width + 20
        y -= 24
    page.save()
    return out.getvalue()


def test_an_option_ringed_is_the_one_chosen():
    """Class: a form printed to PDF whose answers are ringed, not ticked. The ring glyph read as text made the
    option an unticked box (○是 否), and the answer the other option."""
    assert _fields(_ringed_form()) == {"cems_installed": True, "cems_networked": False, "gate_system": True,
                                       "permit_class": "简化管理"}
