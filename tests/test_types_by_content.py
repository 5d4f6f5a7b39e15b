"""Types by content: files as enterprises send them, not as the generator writes them.

Every test builds a member of a class of input `fixtures/` does not produce: transport ledgers kept in
Excel (title rows, merged group headings, a date column Excel stores as dates) or saved as CSV in GBK,
legacy .xls/.et workbooks, .doc/.wps texts made by a real LibreOffice conversion, WebP/BMP/HEIC images
and files whose extension lies.
"""

import csv
import datetime as dt
import io
import shutil
import subprocess

import openpyxl
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors import intake
from extractors.pipeline import extract_bundle
from forms.facts import cell_in_chinese

FORM_DOCX = "fixtures/samples/foundry-a-docx/绩效分级申报表.docx"
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

TRUCKS = [("冀A12345", "LGAX2A358H1012345", "国五", dt.date(2017, 5, 3)),
          ("冀A6B789", "LZZ1CLSB8JW123456", "国六", dt.date(2019, 11, 20)),
          ("冀AD1234", "LFV2A21K7E3012345", "国Ⅳ", dt.date(2014, 1, 8))]
EXPECTED = [{"plate": p, "vin": v} for p, v, _, _ in TRUCKS]


def _vehicles(extraction):
    return [{"plate": r["plate"], "vin": r["vin"]} for r in extraction.table("vehicles")]


def ledger_rows():
    """A ledger as clerks keep it: a title, the company, then a header under a merged group heading."""
    return ([["河北某某铸造有限公司运输车辆台账", None, None, None, None],
             ["单位名称：河北某某铸造有限公司", None, None, "填报日期：2020年8月9日", None],
             ["序号", "车辆信息", None, None, None],
             [None, "车牌号码", "车辆识别代号（VIN）", "排放阶段", "注册登记日期"]]
            + [[i + 1, p, v, s, d] for i, (p, v, s, d) in enumerate(TRUCKS)])


def test_xlsx_ledger_with_title_rows_and_merged_headers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "车辆台账"
    for row in ledger_rows():
        sheet.append(row)
    sheet.merge_cells("A1:E1")
    sheet.merge_cells("B3:E3")
    sheet.merge_cells("A3:A4")
    hidden = book.create_sheet("说明")
    hidden.append(["本表由系统导出"])
    path = tmp_path / "运输车辆台账.xlsx"
    book.save(path)
    extraction = extract_bundle([path])
    (doc,) = extraction.documents
    assert doc.error is None and doc.kind == "transport_ledger" and doc.method == "spreadsheet"
    assert _vehicles(extraction) == EXPECTED
    rows = extraction.table("vehicles")
    assert rows[0]["registration_date"] == "2017-05-03"
    assert rows[0]["source_ref"]["cell"] == "sheet 车辆台账, row 5"
    assert cell_in_chinese("sheet 车辆台账, row 5, column 2") == "工作表“车辆台账”第5行第2列"
    assert (cell_in_chinese("page header"), cell_in_chinese("paragraph 4, text box")) == ("页眉", "第4段文本框")


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_ledger_in_gbk_or_utf8(tmp_path, encoding):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["河北某某铸造有限公司运输车辆台账"])
    writer.writerow(["序号", "号牌号码", "车架号", "排放标准", "注册日期"])
    for i, (p, v, s, d) in enumerate(TRUCKS):
        writer.writerow([i + 1, p, v, s, d.strftime("%Y/%m/%d")])
    path = tmp_path / "车辆清单.csv"
    path.write_bytes(out.getvalue().replace("国Ⅳ", "国四" if encoding == "gbk" else "国Ⅳ").encode(encoding))
    assert intake.sniff(path.read_bytes()) == "csv"
    extraction = extract_bundle([path])
    (doc,) = extraction.documents
    assert doc.error is None and doc.kind == "transport_ledger"
    assert _vehicles(extraction) == EXPECTED
    assert extraction.table("vehicles")[1]["source_ref"]["cell"] == "row 4"


def test_legacy_xls_and_wps_et_workbooks(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(ledger_rows()):
        for c, value in enumerate(row):
            if value is None:
                continue
            sheet.write(r, c, value, date_style if isinstance(value, dt.date) else xlwt.Style.default_style)
    buf = io.BytesIO()
    book.save(buf)
    for name in ("运输车辆台账.xls", "运输车辆台账.et"):
        path = tmp_path / name
        path.write_bytes(buf.getvalue())
        assert intake.sniff(path.read_bytes()) == "xls"
        extraction = extract_bundle([path])
        (doc,) = extraction.documents
        assert doc.error is None and doc.kind == "transport_ledger", doc.error
        assert _vehicles(extraction) == EXPECTED
        assert extraction.table("vehicles")[2]["registration_date"] == "2014-01-08"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_doc_and_wps_converted_by_libreoffice_read_like_the_docx(tmp_path):
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                    "--convert-to", "doc", "--outdir", str(tmp_path), FORM_DOCX], check=True, capture_output=True,
                   timeout=120)
    doc_bytes = (tmp_path / "绩效分级申报表.doc").read_bytes()
    assert intake.sniff(doc_bytes) == "doc"
    (tmp_path / "申报表.wps").write_bytes(doc_bytes)
    original = {f.key: f.value for f in extract_bundle([FORM_DOCX]).documents[0].facts}
    for name in ("绩效分级申报表.doc", "申报表.wps"):
        (doc,) = extract_bundle([tmp_path / name]).documents
        assert doc.error is None and doc.kind == "application_form", doc.error
        facts = {f.key: f.value for f in doc.facts}
        assert facts == original
        assert all(f.source.file == name for f in doc.facts)


def _page_image(lines: list[str], size=(1240, 1754), font_size=36) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(NOTO, font_size)
    title = ImageFont.truetype(NOTO, font_size + 20)
    draw.text((size[0] // 2, 150), lines[0], font=title, fill="black", anchor="mm")
    for i, line in enumerate(lines[1:]):
        draw.text((120, 300 + i * 80), line, font=font, fill="black")
    return image


LICENCE = ["营业执照", "统一社会信用代码：91130100MA0CXXK21T", "名称：河北某某铸造有限公司",
           "法定代表人：王强", "成立日期：2012年03月15日"]


@pytest.mark.parametrize("fmt, name", [("WEBP", "营业执照.webp"), ("BMP", "营业执照.bmp"), ("HEIF", "营业执照.heic"),
                                       ("PNG", "营业执照.pdf")])
def test_images_read_by_content(tmp_path, fmt, name):
    if fmt == "HEIF":
        pillow_heif = pytest.importorskip("pillow_heif")
        pillow_heif.register_heif_opener()
    path = tmp_path / name
    _page_image(LICENCE).save(path, format=fmt, **({"quality": 90} if fmt in ("WEBP", "HEIF") else {}))
    (doc,) = extract_bundle([path]).documents
    assert doc.error is None and doc.method == "ocr" and doc.kind == "business_license", doc.error
    facts = {f.key: f.value for f in doc.facts}
    assert facts["credit_code"] == "91130100MA0CXXK21T"
    assert bool(doc.warnings) == name.endswith(".pdf")  # the extension lied: read, and the clerk is told
    assert doc.to_dict().get("warnings", []) == doc.warnings


def test_a_pdf_named_docx_is_read_with_a_warning(tmp_path):
    path = tmp_path / "申报表.docx"
    shutil.copy("fixtures/samples/coating-pdf/申报表.pdf", path)
    (doc,) = extract_bundle([path]).documents
    assert doc.error is None and doc.method == "pdf-text" and doc.kind == "application_form"
    assert "PDF" in doc.warnings[0] and "Word" in doc.warnings[0]


def test_a_zip_under_another_extension_stays_refused():
    data = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("a.pdf", b"%PDF-1.4")
    (item,) = intake._intake_bytes("申报表.docx", data.getvalue(), 0)
    assert item.code == "type_mismatch"


def ofd_bytes(lines: list[str]) -> bytes:
    """A minimal OFD (GB/T 33190) as e-licence systems write it: OFD.xml, a document, one page of text objects."""
    import zipfile

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    objects = "".join(
        f'<ofd:TextObject ID="{i + 10}" Boundary="20 {30 + 12 * i} 170 10" Font="3" Size="{6 if i else 9}">'
        f'<ofd:TextCode X="{60 if i == 0 else 0}" Y="{8 if i == 0 else 5}">{text}</ofd:TextCode></ofd:TextObject>'
        for i, text in enumerate(lines))
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   '<ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                   '</ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData>'
                              '<ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                              '</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>'
                              '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/Pages/Page_0/Content.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content>'
                                          f'<ofd:Layer ID="2">{objects}</ofd:Layer></ofd:Content></ofd:Page>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def test_ofd_electronic_licence(tmp_path):
    path = tmp_path / "电子营业执照.ofd"
    path.write_bytes(ofd_bytes(LICENCE))
    assert intake.sniff(path.read_bytes()) == "ofd"
    (doc,) = extract_bundle([path]).documents
    assert doc.error is None and doc.method == "ofd" and doc.kind == "business_license", doc.error
    facts = {f.key: f for f in doc.facts}
    assert facts["credit_code"].value == "91130100MA0CXXK21T"
    assert facts["established_date"].value == "2012-03-15"
    assert facts["credit_code"].source.page == 1 and facts["credit_code"].source.bbox[0] > 50  # in points


@pytest.mark.parametrize("variant, code", [("cut", "ofd_broken"), ("dtd", "ofd_too_large")])
def test_a_broken_or_hostile_ofd_gets_a_clear_message(tmp_path, variant, code):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd_bytes(LICENCE))) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("Content.xml"):  # page XML cut short, or carrying an entity declaration
                data = data[:60] if variant == "cut" else b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data[38:]
            dst.writestr(info, data)
    path = tmp_path / "执照.ofd"
    path.write_bytes(buf.getvalue())
    (doc,) = extract_bundle([path]).documents
    assert doc.error_code == code and "OFD" in doc.error


def test_a_scan_pasted_into_word_is_a_document_of_its_own(tmp_path):
    """Class: the licence's scan pasted into a Word file (附件1.docx), with a photo of the works, a logo and a
    signature beside it. The page-like picture is read and classified as a scan is; the others are no
    documents. The generator never puts a picture into a Word file."""
    from docx import Document
    from docx.shared import Cm

    def saved(image: Image.Image, name: str) -> str:
        path = tmp_path / name
        image.save(path, quality=85)
        return str(path)

    works = Image.new("RGB", (1280, 960), (70, 110, 160))  # a blue sky over a grey works
    ImageDraw.Draw(works).rectangle((0, 500, 1280, 960), fill=(110, 105, 95))
    doc = Document()
    doc.add_paragraph("附件1：营业执照及现场照片")
    doc.add_picture(saved(Image.new("RGB", (300, 120), "white"), "logo.png"), width=Cm(3))
    doc.add_picture(saved(_page_image(LICENCE), "licence.jpg"), width=Cm(15))
    doc.add_picture(saved(works, "works.jpg"), width=Cm(15))
    word = tmp_path / "bundle" / "附件1.docx"
    word.parent.mkdir()
    doc.save(word)

    items = intake.collect([word.parent])
    assert [(item.name, item.type) for item in items] == [("附件1.docx", "docx"), ("附件1.docx/image2.jpg", "jpeg")]
    documents = extract_bundle([word.parent]).documents
    licence = next(d for d in documents if d.file == "附件1.docx/image2.jpg")
    assert licence.kind == "business_license" and licence.method == "ocr"
    assert {f.key: f.value for f in licence.facts}["credit_code"] == "91130100MA0CXXK21T"


def test_an_application_form_filled_in_excel_is_read_like_the_word_form(tmp_path):
    """Class: the form kept as a workbook (label | value | label | value rows, a merged title), as some
    offices hand out their template; the generator writes the form only in Word. A sheet's cells were read
    for tables only, so none of its fields was found."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "申报表"
    sheet.append(["重点行业绩效分级申报表"])
    sheet.merge_cells("A1:D1")
    for row in (("企业名称", "河北恒远铸造有限公司", "统一社会信用代码", "91130100MA0CXXK21T"),
                ("法定代表人", "王建国", "所在县（市、区）", "永年区"),
                ("所属行业", "铸造", "申报等级", "B级"),
                ("环保负责人", "李明", "联系电话", 13812345678),
                ("填报日期", dt.datetime(2026, 3, 5), "是否安装在线监测", "是")):
        sheet.append(list(row))
    path = tmp_path / "申报表.xlsx"
    book.save(path)
    (doc,) = extract_bundle([path]).documents
    assert doc.error is None and doc.kind == "application_form" and doc.method == "spreadsheet"
    facts = {f.key: f.value for f in doc.facts}
    assert facts == {"enterprise_name": "河北恒远铸造有限公司", "credit_code": "91130100MA0CXXK21T",
                     "legal_representative": "王建国", "county": "永年区", "industry": "铸造", "applied_grade": "B",
                     "contact_person": "李明", "contact_phone": "13812345678", "application_date": "2026-03-05",
                     "cems_installed": True}
    assert next(f for f in doc.facts if f.key == "county").source.cell == "sheet 申报表, row 3, column 4"


def test_a_searchable_scan_s_invisible_text_layer_is_not_taken_for_the_page(tmp_path):
    """Class: a scan made searchable by a scanner, a phone app or another OCR tool: the page's image with an
    invisible text layer (render mode 3) under it, that engine's reading (here a misread code and name). It
    was read as a text PDF; the page is read by OCR as any scan is. Visible text stays text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    image = io.BytesIO()
    _page_image(LICENCE).save(image, format="PNG")
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.drawImage(ImageReader(io.BytesIO(image.getvalue())), 0, 0, *A4)
    layer = page.beginText(60, 700)
    layer.setTextRenderMode(3)
    layer.setFont("STSong-Light", 12)
    for line in ("营业执照", "统一社会信用代码：91130100MA0CXXK2IT", "名称：河北某某铸造有眼公司", "法定代表人：王强"):
        layer.textLine(line)
    page.drawText(layer)
    page.save()
    path = tmp_path / "营业执照.pdf"
    path.write_bytes(out.getvalue())
    (doc,) = extract_bundle([path]).documents
    assert doc.method == "ocr" and doc.kind == "business_license", doc.error
    facts = {f.key: f.value for f in doc.facts}
    assert facts["credit_code"] == "91130100MA0CXXK21T"
    assert facts["enterprise_name"] == "河北某某铸造有限公司"


def test_a_fillable_pdf_s_values_are_read_from_its_fields(tmp_path):
    """Class: the form handed out as a fillable PDF and typed into in a PDF viewer: the values live in its form
    fields (UTF-16 texts, a check box's state), not in the page's text, and only the labels were read. A
    field whose area the page's own text already fills adds nothing (no value read twice)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    def placeholder(text: str) -> str:  # as long as the UTF-16 string put in its place, so the offsets hold
        return "X" * (4 * len(text) + 4)

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("STSong-Light", 16)
    page.drawString(200, 780, "重点行业绩效分级申报表")
    page.setFont("STSong-Light", 12)
    chinese = {"name": "河北某某铸造有限公司", "legal": "王强"}
    rows = [("企业名称：", "name", placeholder(chinese["name"])), ("统一社会信用代码：", "code", "91130100MA0CXXK21T"),
            ("联系电话：", "phone", "13812345678")]
    for k, (label, name, value) in enumerate(rows):
        y = 720 - 40 * k
        page.drawString(60, y, label)
        page.acroForm.textfield(name=name, value=value, x=200, y=y - 5, width=300, height=20)
    page.drawString(60, 600, "是否安装在线监测：")
    page.acroForm.checkbox(name="cems", x=200, y=595, size=14, checked=True)
    page.drawString(220, 600, "是")
    page.drawString(60, 560, "法定代表人：")
    page.drawString(200, 560, chinese["legal"])  # typed on the page itself, under a field holding the same
    page.acroForm.textfield(name="legal", value=placeholder(chinese["legal"]), x=195, y=555, width=100, height=20)
    page.save()
    data = out.getvalue()
    for text in chinese.values():  # the values as a viewer saves Chinese: UTF-16 strings
        data = data.replace(f"({placeholder(text)})".encode(),
                            ("<FEFF" + "".join(f"{ord(ch):04X}" for ch in text) + ">").encode())
    path = tmp_path / "申报表.pdf"
    path.write_bytes(data)
    (doc,) = extract_bundle([path]).documents
    assert doc.kind == "application_form"
    facts = {f.key: f.value for f in doc.facts}
    assert facts == {"enterprise_name": "河北某某铸造有限公司", "credit_code": "91130100MA0CXXK21T",
                     "contact_phone": "13812345678", "cems_installed": True, "legal_representative": "王强"}


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_an_image_with_a_transparent_background_reads_as_on_white(tmp_path, mode):
    """Class: a page exported as a PNG with a transparent background (a PDF tool's export, a scanner app):
    converted as it was, the background turned black and the page read as nothing."""
    page = _page_image(LICENCE).convert("L")
    ink = page.point(lambda v: 255 - v)  # the text opaque, the paper transparent
    image = Image.new(mode, page.size, (0, 0, 0, 0) if mode == "RGBA" else (0, 0))
    image.putalpha(ink)
    path = tmp_path / "营业执照.png"
    image.save(path)
    (doc,) = extract_bundle([path]).documents
    assert doc.error is None and doc.kind == "business_license"
    assert {f.key: f.value for f in doc.facts}["credit_code"] == "91130100MA0CXXK21T"
