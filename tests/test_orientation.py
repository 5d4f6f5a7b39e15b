"""Pages turned and pages whose text layer is not the page: scanners and merging tools make them, the
generator does not. Each class is built here: an image turned 90°/180°/270°, a text PDF whose content
is set sideways or upside down, a scan with a typed page number over it, and a multi-page TIFF of
several documents with one page turned."""

import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from extractors.ocr.orientation import quarter_turns
from extractors.pipeline import extract_bundle
from tests.test_types_by_content import LICENCE, _page_image

PLEDGE = ["承诺书", "本企业郑重承诺：所提交的申报材料真实、准确、完整。", "企业名称（盖章）：河北某某铸造有限公司",
          "日期：2020年8月9日"]
PERMIT = ["排污许可证", "证书编号：91130100MA0CXXK21T001P", "单位名称：河北某某铸造有限公司",
          "有效期限：自2020年06月01日起至2025年05月31日止"]


def _facts(doc):
    return {f.key: f.value for f in doc.facts}


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_scan_turned_is_read_upright(tmp_path, angle):
    path = tmp_path / "执照扫描.png"
    _page_image(LICENCE).rotate(angle, expand=True).save(path)
    assert quarter_turns(Image.open(path)) == (4 - angle // 90) % 4
    (doc,) = extract_bundle([path]).documents
    assert doc.kind == "business_license"
    facts = _facts(doc)
    assert facts["credit_code"] == "91130100MA0CXXK21T"
    assert facts["established_date"] == "2012-03-15"
    box = next(f for f in doc.facts if f.key == "credit_code").source.bbox
    width, height = Image.open(path).size  # the box is on the file's pixels, as the viewer shows them
    assert 0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height
    if angle in (90, 270):
        assert box[3] - box[1] > box[2] - box[0]  # the value's line runs up or down the turned page


def _text_pdf(path, turn: int) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.translate(297, 421)
    c.rotate(turn)
    c.translate(-297, -421)
    c.setFont("STSong-Light", 18)
    c.drawCentredString(297, 700, PERMIT[0])
    c.setFont("STSong-Light", 11)
    for i, line in enumerate(PERMIT[1:]):
        c.drawString(100, 660 - 24 * i, line)
    c.save()


@pytest.mark.parametrize("turn", [90, 180])
def test_a_text_pdf_set_sideways_or_upside_down(tmp_path, turn):
    path = tmp_path / "许可证.pdf"
    _text_pdf(path, turn)
    (doc,) = extract_bundle([path]).documents
    assert doc.kind == "discharge_permit" and doc.method == "ocr"
    assert _facts(doc)["permit_number"] == "91130100MA0CXXK21T001P"


def test_a_scan_with_a_typed_page_number_is_ocrd(tmp_path):
    image = tmp_path / "page.png"
    _page_image(LICENCE).save(image)
    path = tmp_path / "营业执照.pdf"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.drawImage(ImageReader(str(image)), 0, 0, 595, 842)
    c.setFont("STSong-Light", 9)
    c.drawCentredString(297, 20, "第 1 页 共 1 页")
    c.save()
    (doc,) = extract_bundle([path]).documents
    assert doc.method == "ocr" and doc.kind == "business_license"
    assert _facts(doc)["credit_code"] == "91130100MA0CXXK21T"


def test_a_multipage_tiff_of_several_documents_is_split(tmp_path):
    pages = [_page_image(LICENCE), _page_image(PERMIT).rotate(180), _page_image(PLEDGE)]
    path = tmp_path / "扫描件.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    docs = extract_bundle([path]).documents
    assert [(d.kind, d.pages_range) for d in docs] == [
        ("business_license", (1, 1)), ("discharge_permit", (2, 2)), ("pledge", (3, 3))]
    assert _facts(docs[1])["permit_number"] == "91130100MA0CXXK21T001P"
    assert all(f.source.page == 2 for f in docs[1].facts)
