"""Documents, not files: a PDF put together from several documents is read as those documents.

The generator writes one document per file; these bundles are put together the way enterprises do
(a 申报材料汇编 printed to one PDF, a monitoring report appended to the form's PDF).
"""

import json

import pypdfium2 as pdfium
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from extractors.pipeline import extract_bundle
from forms.facts import Extraction
from tests.test_pdf_tables import borderless_report

FONT = "STSong-Light"
SAMPLES = "fixtures/samples"


def _page(c: canvas.Canvas, title: str | None, lines: list[str]) -> None:
    c.setFont(FONT, 18)
    if title:
        c.drawCentredString(297, 780, title)
    c.setFont(FONT, 11)
    y = 740
    for line in lines:
        c.drawString(72, y, line)
        y -= 22
    c.showPage()


def compendium(path) -> None:
    """Cover and contents, licence, permit, a two-page EIA approval and a pledge, in one PDF."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path))
    _page(c, "河北某某铸造有限公司申报材料汇编", ["目  录", "一、企业法人营业执照", "二、排污许可证副本",
                                                "三、环评批复", "四、承诺书"])
    _page(c, "营 业 执 照", ["统一社会信用代码：91130100MA0CXXK21T", "名称：河北某某铸造有限公司",
                            "类型：有限责任公司", "法定代表人：王强", "成立日期：2012年03月15日",
                            "住所：河北省石家庄市藁城区工业路8号", "登记机关：石家庄市藁城区行政审批局"])
    _page(c, "排污许可证", ["证书编号：91130100MA0CXXK21T001P", "单位名称：河北某某铸造有限公司",
                          "行业类别：黑色金属铸造", "有效期限：自2020年06月01日起至2025年05月31日止",
                          "发证机关：石家庄市生态环境局"])
    _page(c, "关于河北某某铸造有限公司年产3万吨铸件项目环境影响报告表的批复",
          ["河北某某铸造有限公司：", "你公司报送的环境影响报告表收悉。经研究，批复如下：",
           "一、项目位于藁城区工业路8号。"])
    _page(c, None, ["二、项目建成后须按规定开展竣工环境保护验收。", "石家庄市生态环境局", "2019年4月2日"])
    _page(c, "承 诺 书", ["本企业郑重承诺：所提交的申报材料真实、准确、完整。", "企业名称（盖章）：河北某某铸造有限公司",
                        "日期：2020年8月9日"])
    c.save()


def merged(path, *parts) -> None:
    """The PDFs `parts` one after another in one file, as a print-to-PDF or a scanner's merge makes it."""
    out = pdfium.PdfDocument.new()
    for part in parts:
        src = pdfium.PdfDocument(str(part))
        out.import_pages(src)
    out.save(str(path))


def test_compendium_is_split_into_its_documents(tmp_path):
    path = tmp_path / "申报材料汇编.pdf"
    compendium(path)
    extraction = extract_bundle([path])
    docs = extraction.documents
    assert [(d.kind, d.pages_range) for d in docs] == [
        ("business_license", (1, 2)), ("discharge_permit", (3, 3)), ("eia_approval", (4, 5)), ("pledge", (6, 6))]
    assert all(d.file == path.name and d.part_of == path.name for d in docs)
    license_facts = {f.key: f for f in docs[0].facts}
    assert license_facts["credit_code"].value == "91130100MA0CXXK21T"
    assert license_facts["credit_code"].kind == "business_license"
    permit = {f.key: f.value for f in docs[1].facts}
    assert permit["permit_number"] == "91130100MA0CXXK21T001P"
    assert all(docs[1].pages_range[0] <= f.source.page <= docs[1].pages_range[1] for f in docs[1].facts)
    data = json.loads(json.dumps(extraction.to_dict(), ensure_ascii=False))
    assert [(d["kind"], d["pages_range"], d["part_of"]) for d in data["documents"]] == [
        (d.kind, list(d.pages_range), path.name) for d in docs]
    again = Extraction.from_dict(data)  # stored and read back, each value stays with its part
    assert [(d.kind, d.pages_range) for d in again.documents] == [(d.kind, d.pages_range) for d in docs]
    assert {f.key for f in again.documents[1].facts} == {f.key for f in docs[1].facts}


def test_form_with_its_monitoring_report_appended(tmp_path):
    form = f"{SAMPLES}/coating-pdf/申报表.pdf"
    report = tmp_path / "report.pdf"
    borderless_report(report)
    path = tmp_path / "申报表及监测报告.pdf"
    merged(path, form, report)
    alone = extract_bundle([form]).documents
    assert len(alone) == 1 and alone[0].pages_range is None  # a two-page form stays one document
    form_part, report_part = extract_bundle([path]).documents
    pages = alone[0].pages
    assert (form_part.kind, form_part.pages_range) == ("application_form", (1, pages))
    assert (report_part.kind, report_part.pages_range) == ("monitoring_report", (pages + 1, pages + 1))
    assert {f.key: f.value for f in form_part.facts} == {f.key: f.value for f in alone[0].facts}
    def rows(doc):  # the same rows from the same places; only the file's name differs
        return {key: [dict(r, source_ref=dict(r["source_ref"], file=None)) for r in table]
                for key, table in doc.tables.items()}

    assert rows(form_part) == rows(alone[0]) and form_part.tables["vehicles"]
    assert {f.key: f.value for f in report_part.facts}["report_number"] == "HBJC-2020-0815"


@pytest.mark.parametrize("heading", ["五、运输车辆台账", "（三）监测报告"])
def test_a_numbered_section_heading_opens_no_document(tmp_path, heading):
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    path = tmp_path / "x.pdf"
    c = canvas.Canvas(str(path))
    _page(c, "重污染天气重点行业绩效分级申报表", ["企业名称：河北某某铸造有限公司", "申报等级：B级"])
    _page(c, heading, ["车牌号  排放阶段", "冀A12345  国五"])
    c.save()
    (doc,) = extract_bundle([path]).documents
    assert doc.pages_range is None and doc.kind == "application_form"


def test_titles_as_other_hands_set_them(tmp_path):
    """A form titled by the grading and 表 (…绩效分级企业基本情况表), then an official document whose title
    follows the issuing office's header and number and wraps over two centred lines (关于…环境影响报告表⏎的批复):
    two documents, each of its kind."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    path = tmp_path / "材料.pdf"
    c = canvas.Canvas(str(path))
    _page(c, "重点行业绩效分级企业基本情况表", ["企业名称：河北某某铸造有限公司", "统一社会信用代码：91130100MA0CXXK21T",
                                           "申报等级：B级", "环保负责人：李明"])
    c.setFont(FONT, 22)
    c.drawCentredString(297, 790, "石家庄市生态环境局文件")
    c.setFont(FONT, 14)
    c.drawCentredString(297, 750, "石环评〔2019〕35号")
    c.drawCentredString(297, 715, "关于河北某某铸造有限公司年产3万吨铸件技术改造项目环境影响报告表")
    c.drawCentredString(297, 695, "的批复")
    c.setFont(FONT, 11)
    c.drawString(72, 660, "河北某某铸造有限公司：")
    c.drawString(72, 638, "你公司报送的环境影响报告表收悉。经研究，批复如下：")
    c.showPage()
    c.save()
    docs = extract_bundle([path]).documents
    assert [(d.kind, d.pages_range) for d in docs] == [("application_form", (1, 1)), ("eia_approval", (2, 2))]


def test_a_text_page_shown_turned_is_read_as_drawn(tmp_path):
    """A merging tool turned the permit's page 90° (/Rotate): its text layer is read as drawn — no OCR — the
    page opens its document, and each box is where the page shows it."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    path = tmp_path / "汇编.pdf"
    c = canvas.Canvas(str(path))
    _page(c, "营 业 执 照", ["统一社会信用代码：91130100MA0CXXK21T", "名称：河北某某铸造有限公司",
                            "法定代表人：王强", "登记机关：石家庄市藁城区行政审批局"])
    _page(c, "排污许可证", ["证书编号：91130100MA0CXXK21T001P", "单位名称：河北某某铸造有限公司",
                          "有效期限：自2020年06月01日起至2025年05月31日止", "发证机关：石家庄市生态环境局"])
    c.save()
    pdf = pdfium.PdfDocument(str(path))
    pdf[1].set_rotation(90)
    turned = tmp_path / "汇编（转）.pdf"
    pdf.save(str(turned))
    pdf.close()
    docs = extract_bundle([turned]).documents
    assert [(d.kind, d.pages_range, d.method) for d in docs] == [
        ("business_license", (1, 1), "pdf-text"), ("discharge_permit", (2, 2), "pdf-text")]
    permit = {f.key: f for f in docs[1].facts}
    assert permit["permit_number"].value == "91130100MA0CXXK21T001P"
    assert permit["permit_valid_until"].value == "2025-05-31"
    x0, top, x1, bottom = permit["permit_number"].source.bbox
    # on the page as shown, landscape and turned clockwise: the top left of the text as drawn is at the right
    assert 600 < x0 < x1 <= 842 and 0 <= top < bottom <= 595


def test_a_form_s_last_page_holding_its_vehicles_and_its_date_is_the_form_s():
    """Class: a form scanned a page a file (扫描件001-1.jpg, 扫描件001-2.jpg) whose last page is its vehicle
    table and its signing date: that page read as a ledger (0.99), its date was dropped as no ledger's field,
    the checks ran as of today and found the permit expired and the report stale (seed 53's d26 scan and
    photo, both blocking). A field only the form states says whose page it is."""
    from extractors.pipeline import _own_fields, settle_page_sets
    from forms.facts import DocumentResult, Fact, Source

    first = DocumentResult("扫描件001-1.jpg", "a", kind="application_form", confidence=0.95,
                           facts=[Fact("enterprise_name", "某某公司", "某某公司", 0.9, Source("扫描件001-1.jpg", 1))])
    second = DocumentResult("扫描件001-2.jpg", "b", kind="transport_ledger", confidence=0.99,
                            facts=[Fact("application_date", "2023-11-23", "2023-11-23", 0.9, Source("扫描件001-2.jpg", 1))])
    ledger = DocumentResult("车辆台账-1.jpg", "c", kind="transport_ledger", confidence=0.99)
    settle_page_sets([first, second, ledger])
    assert second.kind == "application_form"
    assert [f.key for f in _own_fields(second).facts] == ["application_date"]
    assert ledger.kind == "transport_ledger"


def test_photos_in_a_folder_named_after_a_document_are_its_pages():
    """Class: a bundle put together a folder per document, the pages photographed and named by the phone
    (申报表/IMG_20231201_093101.jpg …): no name numbered the pages, so the form's second page (its vehicle
    table, its emissions and its date) read as a ledger of its own and the form lost its date and emission
    rows. Photos in a folder named after a document are its pages in their names' order; a folder named
    after nothing, or files named after a document of their own, are not."""
    from extractors.kinds import classify, folder_page, page_sets
    from extractors.pipeline import settle_page_sets
    from forms.facts import DocumentResult, Fact, Source

    names = ["申报材料/申报表/IMG_20231201_10.jpg", "申报材料/申报表/IMG_20231201_9.jpg", "营业执照/1.jpg",
             "营业执照/2.jpg", "附件/营业执照.jpg", "附件/排污许可证.jpg", "照片/IMG_1.jpg", "照片/IMG_2.jpg",
             "IMG_3.jpg", "IMG_4.jpg", "监测报告/报告.pdf", "监测报告/附表.pdf"]
    assert page_sets(names) == {"申报材料/申报表/": ["申报材料/申报表/IMG_20231201_9.jpg", "申报材料/申报表/IMG_20231201_10.jpg"],
                                "营业执照/": ["营业执照/1.jpg", "营业执照/2.jpg"],
                                "照片/": ["照片/IMG_1.jpg", "照片/IMG_2.jpg"]}
    assert not folder_page("IMG_3.jpg") and not folder_page("附件/营业执照.jpg")
    # the folder's name hints at its files' kind as a file's own name does
    text = "名称：某某公司\n类型：有限责任公司\n住所：河北省某某县\n经营范围：铸件制造"
    assert classify(text, "营业执照/1.jpg") == classify(text, "营业执照.jpg") != classify(text, "1.jpg")

    first = DocumentResult("申报表/IMG_20231201_9.jpg", "a", kind="application_form", confidence=0.95,
                           facts=[Fact("enterprise_name", "某某公司", "某某公司", 0.9, Source("申报表/IMG_20231201_9.jpg", 1))])
    second = DocumentResult("申报表/IMG_20231201_10.jpg", "b", kind="transport_ledger", confidence=0.99)
    settle_page_sets([first, second])
    assert second.kind == "application_form"


def _page_pdf(title: str | None, rows: list[list[str]]) -> bytes:
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    story = [Paragraph(title, ParagraphStyle("t", fontName=FONT, fontSize=16, alignment=1))] if title else []
    story.append(Table(rows, style=TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9),
                                               ("GRID", (0, 0), (-1, -1), 0.5, "black")])))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def test_a_form_s_middle_page_holding_only_its_vehicles_is_the_form_s(tmp_path):
    """Class: a form sent a page a file under a phone's names (IMG_…_1-1, 1-2, 1-3), its middle page only the
    vehicle table (its header, no title): read alone it is a ledger (0.99), and the fleet was counted twice
    (seed 61's c12 photo and scan). A page of the set opening with no title of its own is the first page's;
    a ledger photographed with the form names itself and stays a ledger."""
    vins = ["LGAX2A139J1023456", "LFWSRXSJ5H1A00001", "LZZ5CLSB9KW123456"]
    vehicles = [["车牌号码", "车辆识别代号（VIN）", "排放阶段", "注册日期"]] + [
        [f"冀D1234{k}", vin, "国六", "2021-07-15"] for k, vin in enumerate(vins)]
    pages = {"IMG_20231201_1-1.pdf": _page_pdf("重污染天气重点行业绩效分级申报表", [
                 ["企业名称", "河北某某铸造有限公司"], ["统一社会信用代码", "91130100MA0CXXK21T"], ["申报级别", "B级"],
                 ["环保负责人", "李明"], ["是否安装在线监测", "☑是 □否"]]),
             "IMG_20231201_1-2.pdf": _page_pdf(None, vehicles),
             "IMG_20231201_1-3.pdf": _page_pdf("运输车辆台账", vehicles)}
    for name, data in pages.items():
        (tmp_path / name).write_bytes(data)
    kinds = {doc.file: doc.kind for doc in extract_bundle(sorted(tmp_path.iterdir())).documents}
    assert kinds == {"IMG_20231201_1-1.pdf": "application_form", "IMG_20231201_1-2.pdf": "application_form",
                     "IMG_20231201_1-3.pdf": "transport_ledger"}


def _word_compendium(path, form: str | None = None) -> None:
    """A Word file as an enterprise puts one together: (the form,) a page break, a permit retyped as a
    table, a section starting on a new page, a pledge."""
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK

    doc = Document(form) if form else Document()
    if form:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("排污许可证（副本）")
    table = doc.add_table(rows=3, cols=2)
    for row, (label, value) in zip(table.rows, [("单位名称", "河北某某铸造有限公司"),
                                                ("证书编号", "91130100MA0CXXK21T001P"),
                                                ("有效期限", "自2021年03月02日起至2026年03月01日止")], strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    doc.add_section(WD_SECTION.NEW_PAGE)
    doc.add_paragraph("承诺书")
    doc.add_paragraph("本单位郑重承诺：所报送的绩效分级申报材料真实、准确、完整。")
    doc.add_paragraph("承诺单位（盖章）：河北某某铸造有限公司")
    doc.save(str(path))


def test_a_word_file_holding_several_documents_a_page_each(tmp_path):
    """The generator writes one document per Word file; a 申报附件.docx of a permit and a pledge on pages of
    their own (a hard page break, a section starting on a new page) is two documents, each with its pages
    counted from the breaks."""
    path = tmp_path / "申报附件.docx"
    _word_compendium(path)
    permit, pledge = extract_bundle([path]).documents
    assert (permit.kind, permit.pages_range, pledge.kind, pledge.pages_range) == (
        "discharge_permit", (1, 1), "pledge", (2, 2))
    facts = {f.key: f for f in permit.facts}
    assert facts["permit_number"].value == "91130100MA0CXXK21T001P"
    assert facts["permit_valid_until"].value == "2026-03-01" and facts["permit_number"].source.page == 1
    assert {f.key: f.value for f in pledge.facts}["enterprise_name"] == "河北某某铸造有限公司"


def test_a_word_form_with_evidence_after_it_keeps_its_facts(tmp_path):
    """The form first, then the evidence a page each: the form's part reads what the form alone reads; a
    Word form without page breaks still has no pages."""
    form = f"{SAMPLES}/foundry-a-docx/绩效分级申报表.docx"
    (alone,) = extract_bundle([form]).documents
    assert alone.pages is None and alone.pages_range is None
    assert all(f.source.page is None for f in alone.facts)
    path = tmp_path / "申报材料.docx"
    _word_compendium(path, form)
    form_part, permit, pledge = extract_bundle([path]).documents
    assert [(d.kind, d.pages_range) for d in (form_part, permit, pledge)] == [
        ("application_form", (1, 1)), ("discharge_permit", (2, 2)), ("pledge", (3, 3))]
    assert {f.key: f.value for f in form_part.facts} == {f.key: f.value for f in alone.facts}
    assert {k: len(v) for k, v in form_part.tables.items()} == {k: len(v) for k, v in alone.tables.items()}


def _pages(path, *pages: tuple[str, list[str]]):
    """A PDF of pages, each a centred title over lines."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path))
    for title, lines in pages:
        _page(c, title, lines)
    c.save()
    return path


def test_a_page_titled_as_a_document_no_kind_names_opens_one_of_its_page_s_kind(tmp_path):
    """Titles no kind's words name: an approval issued as 准予行政许可决定书, a register of trucks and machines
    (厂内运输车辆及非道路移动机械台账). Each is a document's title, whose kind its page says."""
    path = _pages(tmp_path / "申报附件.pdf",
                  ("排污许可证（副本）", ["单位名称：河北某某铸造有限公司", "证书编号：91130100MA0CXXK21T001P"]),
                  ("准予行政许可决定书", ["衡审批环字〔2021〕36号", "河北某某铸造有限公司：",
                                        "你单位报送的《年产1万吨铸件项目环境影响报告表》收悉。经研究，批复如下："]),
                  ("厂内运输车辆及非道路移动机械台账", ["企业名称：河北某某铸造有限公司",
                                                    "序号  号牌号码  车辆识别代号（VIN）  排放阶段  注册日期",
                                                    "1  冀T12345  LGAZC2F59M2491964  国六  2021-09-16"]))
    assert [(d.kind, d.pages_range) for d in extract_bundle([path]).documents] == [
        ("discharge_permit", (1, 1)), ("eia_approval", (2, 2)), ("transport_ledger", (3, 3))]


def test_a_form_s_page_headed_like_a_document_stays_the_form_s(tmp_path):
    """A form's own list (…清单) after its first page is no document of its own, whatever its page mentions."""
    path = _pages(tmp_path / "申报表.pdf",
                  ("重点行业绩效分级申报表", ["企业名称：河北某某铸造有限公司", "申报等级：B级"]),
                  ("主要生产设备及治理设施清单", ["序号  设备名称  数量  治理设施", "1  中频感应电炉  2  布袋除尘器",
                                               "采样日期：2021-04-06  监测结果：颗粒物 12.1 mg/m3"]))
    (doc,) = extract_bundle([path]).documents
    assert doc.pages_range is None and doc.kind == "application_form"
