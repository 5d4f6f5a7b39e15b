"""Round trip: a generated review sheet, filled in as an expert does in Word, read back exactly."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from PIL import Image

from extractors.review_sheet_reader import (
    ReviewSheetReading,
    Signer,
    Verdict,
    normalise_grade,
    read_review_sheet,
    read_ticks,
)
from forms.catalogue import indicators
from forms.errors import UnreadableFile
from generators.review_sheet import REVIEW_SHEET

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'


def generated_sheet() -> Document:
    buffer = io.BytesIO()
    REVIEW_SHEET.render_docx(REVIEW_SHEET.example(), buffer)
    return Document(io.BytesIO(buffer.getvalue()))


def indicator_rows(doc):
    table = next(t for t in doc.tables if "差异化指标" in t.rows[0].cells[1].text)
    return {row.cells[1].text: row for row in table.rows[1:]}


def option(cell, name):
    """The paragraph of the option `name` (□符合 / □不符合 / □不涉及) in a 是否符合 cell."""
    return next(p for p in cell.paragraphs if p.text.lstrip("□") == name)


def retype(paragraph, text):
    """Replace a paragraph's text as typing over it does: the first run keeps its formatting."""
    runs = [r for r in paragraph.runs if r.text]
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def fill_like_an_expert(doc) -> None:
    rows = indicator_rows(doc)
    names = [i.name for i in indicators()]

    # 1 装备水平: the box overtyped with ☑
    retype(option(rows[names[0]].cells[4], "符合"), "☑符合")
    # 2 污染治理技术: a √ typed over the box, a remark in 备注
    retype(option(rows[names[1]].cells[4], "不符合"), "√不符合")
    rows[names[1]].cells[5].text = "熔化工序未设二次捕集"
    # 3 排放限值: a filled square
    retype(option(rows[names[2]].cells[4], "不涉及"), "■不涉及")
    # 4 无组织排放: the other options deleted, a remark typed in the same cell
    cell = rows[names[3]].cells[4]
    retype(option(cell, "符合"), "")
    retype(option(cell, "不涉及"), "")
    retype(option(cell, "不符合"), "不符合")
    cell.add_paragraph("料场未封闭")
    # 5 监测监控水平: Insert ▸ Symbol ▸ Wingdings 2 check box in place of □
    p = option(rows[names[4]].cells[4], "符合")
    retype(p, "符合")
    p.runs[0]._r.addprevious(parse_xml(f'<w:r {W}><w:sym w:font="Wingdings 2" w:char="F052"/></w:r>'))
    # 6 环境管理水平: a check-box content control, checked (it shows ☒)
    p = option(rows[names[5]].cells[4], "符合")
    retype(p, "符合")
    p.runs[0]._r.addprevious(parse_xml(
        f'<w:sdt {W} {W14}><w:sdtPr><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr>'
        f'<w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt>'))
    # 7 运输方式: the tick after the option, in brackets
    retype(option(rows[names[6]].cells[4], "不符合"), "□不符合（√）")
    rows[names[6]].cells[5].text = "国五及以上占75%"
    # 8 运输监管: left blank

    conclusion = next(t for t in doc.tables if t.rows[-1].cells[0].text == "建议等级")
    conclusion.rows[0].cells[1].text = "运输方式、污染治理技术不符合B级要求，建议整改后复核。"
    retype(conclusion.rows[1].cells[1].paragraphs[0], "□同意　☑不同意")
    conclusion.rows[2].cells[1].text = "C 级"

    signatures = doc.tables[-1]
    signatures.rows[2].cells[4].text = "王某某"  # typed
    second = signatures.rows[3]
    second.cells[1].text, second.cells[2].text, second.cells[3].text = "张某", "某大学环境学院", "大气"
    picture = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(picture, "PNG")
    picture.seek(0)
    second.cells[4].paragraphs[0].add_run().add_picture(picture)  # a scanned signature pasted in
    # the third row stays blank


def test_round_trip_reads_back_exactly():
    doc = generated_sheet()
    fill_like_an_expert(doc)
    out = io.BytesIO()
    doc.save(out)
    reading = read_review_sheet(out.getvalue())

    keys = [(i.key, i.name) for i in indicators()]
    expected = [
        Verdict(keys[0][0], keys[0][1], "符合", ""),
        Verdict(keys[1][0], keys[1][1], "不符合", "熔化工序未设二次捕集"),
        Verdict(keys[2][0], keys[2][1], "不涉及", ""),
        Verdict(keys[3][0], keys[3][1], "不符合", "料场未封闭"),
        Verdict(keys[4][0], keys[4][1], "符合", ""),
        Verdict(keys[5][0], keys[5][1], "符合", ""),
        Verdict(keys[6][0], keys[6][1], "不符合", "国五及以上占75%"),
        Verdict(keys[7][0], keys[7][1], None, ""),
    ]
    assert reading == ReviewSheetReading(
        enterprise_name="示例铸造有限公司", credit_code="91130200699229617X", review_type="材料审核",
        review_date="2020-09-10", verdicts=expected, proposed_grade="C", agrees=False,
        opinion="运输方式、污染治理技术不符合B级要求，建议整改后复核。",
        signers=[Signer("王某某", "某市环境科学研究院", "铸造", True, "王某某"),
                 Signer("张某", "某大学环境学院", "大气", True, "")],
        problems=[f"“{keys[7][1]}”一行的是否符合未勾选。"])
    assert [v.name for v in reading.failed] == [keys[1][1], keys[3][1], keys[6][1]]


def test_untouched_sheet_reads_as_unfilled():
    out = io.BytesIO()
    generated_sheet().save(out)
    reading = read_review_sheet(out.getvalue())
    assert [v.verdict for v in reading.verdicts] == [None] * len(indicators())
    assert reading.proposed_grade is None and reading.agrees is None
    assert reading.signers == [Signer("王某某", "某市环境科学研究院", "铸造", False, "")]
    assert len(reading.problems) == len(indicators())


def test_the_failed_verdicts_feed_a_rectification_notice():
    from datetime import date

    from generators.rectification_notice import rectification_notice_data
    from tests.generator_samples import foundry_extraction

    doc = generated_sheet()
    fill_like_an_expert(doc)
    out = io.BytesIO()
    doc.save(out)
    reading = read_review_sheet(out.getvalue())
    data = rectification_notice_data(foundry_extraction(), as_of=date(2020, 8, 20),
                                     verdicts=[v.__dict__ for v in reading.verdicts])
    assert [s["problem"] for s in data["shortfalls"]] == [
        "污染治理技术：熔化工序未设二次捕集。", "无组织排放：料场未封闭。", "运输方式：国五及以上占75%。"]


@pytest.mark.parametrize("text, expected", [
    ("☑符合\n□不符合\n□不涉及", ("符合", "")),
    ("□符合 □不符合 ✓不涉及", ("不涉及", "")),
    ("符合", ("符合", "")),
    ("□符合 ■不符合 □不涉及 见现场照片", ("不符合", "见现场照片")),
    ("√符合 √不符合 □不涉及", (None, "")),
    ("□符合 □不符合 □不涉及", (None, "")),
    ("符合（√） 不符合（ ） 不涉及（ ）", ("符合", "")),
])
def test_ticks(text, expected):
    choice, rest, _ = read_ticks(text)
    assert (choice, rest) == expected


def test_grades_and_refusals():
    assert [normalise_grade(t) for t in ("B级", "b", "B－", "引领性企业", "A+级", "甲")] == ["B", "B", "B-", "引领性",
                                                                                          "A+", None]
    with pytest.raises(UnreadableFile):
        read_review_sheet(b"not a docx")
    other = Document()
    other.add_paragraph("别的文件")
    out = io.BytesIO()
    other.save(out)
    with pytest.raises(UnreadableFile):
        read_review_sheet(out.getvalue())


@pytest.mark.skipif(shutil.which("tesseract") is None or shutil.which("soffice") is None,
                    reason="needs Tesseract and LibreOffice")
def test_scanned_sheet_gives_the_proposed_grade_and_signatures():
    import pypdfium2

    from extractors.ocr import get_engine
    from extractors.review_sheet_reader import read_scanned_sheet
    from forms.settings import Settings
    from generators.pdf import ConverterPool, uno_available

    if not uno_available():
        pytest.fail("no Python with the UNO bridge: install python3-uno (the README's commands do)")
    doc = generated_sheet()
    fill_like_an_expert(doc)
    with tempfile.TemporaryDirectory() as tmp:
        docx, pdf = Path(tmp) / "sheet.docx", Path(tmp) / "sheet.pdf"
        doc.save(str(docx))
        with ConverterPool(1) as pool:
            pool.convert(docx, pdf)
        document = pypdfium2.PdfDocument(str(pdf))
        page = next(document[i] for i in range(len(document)) if "建议等级" in document[i].get_textpage().get_text_range())
        image = page.render(scale=200 / 72).to_pil()
        document.close()
    reading = read_scanned_sheet(image, get_engine(Settings(ocr_engine="tesseract")))
    assert reading.proposed_grade == "C"
    assert reading.signers and reading.signers[0].signed
