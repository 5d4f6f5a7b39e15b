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
