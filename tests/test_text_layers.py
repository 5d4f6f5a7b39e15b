"""Text layers as office suites write them: a font that draws common characters with its radicals' glyphs
gives those radicals' code points to the text layer (工 as ⼯ U+2F2F, 长 as ⻓ U+2ED3), and a Word file converted
from such a PDF keeps them. Every input here is built in the test; fixtures/ writes every character as itself."""

from __future__ import annotations

from extractors.backends.pdf import PdfBackend
from extractors.labels import facts_from_layout
from fixtures.hostile import _pdf, _stream
from forms.normalize import clean_text, unify_radicals
from tests.test_labels_by_meaning import CODE, _docx, _read, _row


def _pdf_coded(lines: list[str]) -> bytes:
    """A page whose font is a Type0 font coded 1…n (Identity-H) and whose ToUnicode map gives each code the
    character as written here, radicals and all: what the text layer says, not what the glyph looks like."""
    chars = sorted({ch for line in lines for ch in line})
    code = {ch: i + 1 for i, ch in enumerate(chars)}
    content = b"BT /F1 11 Tf 14 TL 60 780 Td " + b"".join(
        b"<" + b"".join(b"%04X" % code[ch] for ch in line) + b"> Tj T* " for line in lines) + b"ET"
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
            "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n"
            + "".join(f"<{code[ch]:04X}> <{ch.encode('utf-16-be').hex().upper()}>\n" for ch in chars)
            + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end").encode()
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                 b"/Resources << /Font << /F1 5 0 R >> >> >>",
                 _stream(content),
                 b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                 b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
                 b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) "
                 b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 1000 >>",
                 _stream(cmap),
                 b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -140 1000 860] /ItalicAngle 0 "
                 b"/Ascent 860 /Descent -140 /CapHeight 700 /StemV 80 >>"])


def test_radicals_a_pdf_s_font_gave_the_text_layer_are_the_characters_they_draw():
    """Class: a PDF exported with a font that maps 金 山 人 长 to the Kangxi radicals and the radicals supplement.
    The name was kept with its radicals (a mismatch with the licence's 河北金山铸造有限公司), 法定代表⼈ was no label
    and ⻓安路 no street anybody writes."""
    data = _pdf_coded(["企业名称：河北⾦⼭铸造有限公司", "法定代表⼈：王建国",
                       "详细地址：河北省邯郸市永年区⻓安路8号", f"统⼀社会信⽤代码：{CODE}"])
    layout = PdfBackend("申报表.pdf", data).read()
    assert layout.method == "pdf-text"
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99, [])}
    assert fields["enterprise_name"] == "河北金山铸造有限公司"
    assert fields["legal_representative"] == "王建国"
    assert fields["address"] == "河北省邯郸市永年区长安路8号"
    assert fields["credit_code"] == CODE


def test_a_word_file_converted_from_such_a_pdf_keeps_them_and_is_read_the_same():
    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称", "河北⾦⼭铸造有限公司")
        _row(table, "法定代表⼈", "王建国")
        _row(table, "所在区县", "永年区")

    fields, _, _ = _read(_docx(build))
    assert fields["enterprise_name"] == "河北金山铸造有限公司"
    assert fields["legal_representative"] == "王建国"


def test_unify_radicals_leaves_every_other_character_as_it_is():
    text = "（盖章）：河北省 No.8 ①②，㎡ ＡＢ 丶丿"
    assert unify_radicals(text) == text
    assert unify_radicals("⻋⻔⻛⻜⻢⻥⻩⻬⻰") == "车门风飞马鱼黄齐龙"
    assert clean_text(" ⼯业园区 ") == "工业园区"


def _fake_bold_pdf(rows: list[tuple[str, str]], ruled: bool) -> bytes:
    """Labels drawn twice a hair apart, as a font without a bold face is made bold; in a ruled table or as
    lines on the page."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from fixtures.pages import PDF_FONT, _register_pdf_font

    _register_pdf_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setFont(PDF_FONT, 11)
    top = 780
    for r, (label, value) in enumerate(rows):
        y = top - 26 * r
        for dx, dy in ((0, 0), (0.3, 0), (0, 0.3), (0.3, 0.3)):
            pdf.drawString(64 + dx, y - 17 + dy, label)
        pdf.drawString(224, y - 17, value)
        if ruled:
            pdf.rect(58, y - 26, 160, 26)
            pdf.rect(218, y - 26, 320, 26)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_text_drawn_twice_for_bold_is_read_once():
    """Class: a PDF whose bold labels are the text drawn again a hair apart (WPS, some print drivers, for a
    font without a bold face): the text layer said 企企业业名名称称：：, so no label was found."""
    rows = [("企业名称", "河北恒信铸造有限公司"), ("法定代表人", "王建国"), ("统一社会信用代码", CODE),
            ("联系电话", "13812345678")]
    for ruled in (True, False):
        layout = PdfBackend("申报表.pdf", _fake_bold_pdf([(f"{k}：" if not ruled else k, v) for k, v in rows],
                                                       ruled)).read()
        assert bool(layout.grids) is ruled
        fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99, [])}
        assert fields["enterprise_name"] == "河北恒信铸造有限公司", ruled
        assert fields["legal_representative"] == "王建国"
        assert fields["credit_code"] == CODE
        assert fields["contact_phone"] == "13812345678"


def test_letters_repeated_in_a_value_are_kept():
    """Two strikes are one character only where they lie on each other: 11, 888 and 一一 stay."""
    from extractors.backends.pdf import without_double_strikes

    chars = [{"text": t, "fontname": "F", "size": 11.0, "upright": True, "x0": x, "top": 100.0, "doctop": 100.0}
             for t, x in (("8", 10.0), ("8", 16.0), ("8", 22.0), ("8", 22.4), ("一", 40.0), ("一", 51.0))]
    assert [c["x0"] for c in without_double_strikes(chars)] == [10.0, 16.0, 22.0, 40.0, 51.0]


def test_text_typed_onto_a_pdf_with_a_reader_s_typewriter_is_read(tmp_path):
    """Class: the form received as a plain PDF and filled in with a reader's typewriter or Fill & Sign tool:
    each value is a FreeText annotation over the blank after its label, not the page's text, so only the
    labels were read. A value typed on two lines is one value."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from extractors.pipeline import extract_bundle
    from fixtures.pages import PDF_FONT, _register_pdf_font

    _register_pdf_font()
    values = {"name": "河北恒信铸造有限公司", "legal": "王建国", "address": "河北省衡水市枣强县\n工业园区8号"}

    def placeholder(key: str) -> str:  # as long as the UTF-16 string put in its place, so the offsets hold
        return key[0].upper() * (4 * len(values[key]) + 4 - 2)

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont(PDF_FONT, 16)
    page.drawString(180, 780, "重点行业绩效分级申报表")
    page.setFont(PDF_FONT, 12)
    rows = [("企业名称：", placeholder("name")), ("统一社会信用代码：", CODE), ("法定代表人：", placeholder("legal")),
            ("联系电话：", "13812345678"), ("详细地址：", placeholder("address"))]
    for k, (label, value) in enumerate(rows):
        y = 720 - 40 * k
        page.drawString(60, y, label)
        page.line(180, y - 3, 520, y - 3)
        height = 34 if label.startswith("详细") else 18
        page.freeTextAnnotation(value, "/Helv 12 Tf 0 g", Rect=(182, y - 2 - height + 16, 518, y + 14),
                                relative=0)
    page.save()
    data = out.getvalue()
    for key, text in values.items():  # the texts as a reader saves Chinese: UTF-16 strings
        data = data.replace(f"({placeholder(key)})".encode(),
                            ("<FEFF" + "".join(f"{ord(ch):04X}" for ch in text) + ">").encode())
    path = tmp_path / "申报表.pdf"
    path.write_bytes(data)
    (doc,) = extract_bundle([path]).documents
    assert doc.kind == "application_form" and doc.method == "pdf-text"
    facts = {f.key: f.value for f in doc.facts}
    assert facts["enterprise_name"] == "河北恒信铸造有限公司"
    assert facts["credit_code"] == CODE
    assert facts["legal_representative"] == "王建国"
    assert facts["contact_phone"] == "13812345678"
    assert facts["address"] == "河北省衡水市枣强县工业园区8号"


def test_a_text_layer_of_a_font_s_private_codes_is_read_by_ocr():
    """Class: a PDF whose font maps its glyphs to private-use code points (U+E000–U+F8FF) instead of the
    characters drawn: the text layer is noise that was read as text; the page goes to OCR as one without a
    text layer. A few private codes (a symbol font's boxes) leave the text layer as it is."""
    noise = "".join(chr(0xE000 + k) for k in range(40))
    backend = PdfBackend("申报表.pdf", _pdf_coded([noise[:20], noise[20:], "企业名称：河北恒信"]))
    backend.read()
    assert backend.ocr_pages == [1]
    boxes = PdfBackend("申报表.pdf", _pdf_coded(["企业名称：河北恒信铸造有限公司", "是否安装在线监测：\uf0fe是 \uf0a8否"]))
    boxes.read()
    assert boxes.ocr_pages == []
