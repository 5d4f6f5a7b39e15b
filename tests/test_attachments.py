"""Attachments: what kind each file is, what it states, and nothing it does not state."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.attachments import licence_facts
from extractors.backends.image import with_checkboxes
from extractors.kinds import classify, page_sets, title_kind
from extractors.layout import Layout, Segment
from extractors.ocr import get_engine
from extractors.pipeline import extract_bundle
from fixtures import corpus
from forms.checks import run_checks
from forms.facts import DocumentResult, Extraction, Fact, Source
from forms.settings import Settings

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

EIA = """衡水市生态环境局文件
衡环评〔2010〕79号
关于衡水市恒达铸造股份有限公司年产铸件技术改造项目环境影响报告表
的批复
衡水市恒达铸造股份有限公司：
三、项目竣工后，你单位应按规定程序开展竣工环境保护验收，验收合格后方可正式投入生产。
衡水市生态环境局
二〇一〇年六月六日"""


def test_a_wrapped_approval_title_beats_the_acceptance_its_body_mentions():
    assert classify(EIA, "环评批复.pdf")[0] == "eia_approval"
    assert classify(EIA, "附件3.pdf")[0] == "eia_approval"
    opinion = "某公司年产铸件项目竣工环境保护验收意见\n验收日期：2011年8月14日\n验收组同意该项目通过竣工环境保护验收。"
    assert classify(opinion, "附件4.pdf")[0] == "acceptance"


@pytest.mark.parametrize("title", ["门禁系统进出厂车辆记录", "车辆进出厂记录明细", "门禁监控数据导出"])
def test_gate_records_by_their_title_though_they_list_vins(title):
    text = f"{title}\n序号 车牌号 进厂时间 出厂时间 排放阶段 车辆识别代号\n1 冀T12345 2021-11-19 04:44 2021-11-19 07:07 国六 LZZ9ASCUXK6877075"
    assert classify(text, "扫描件008.pdf")[0] == "gate_records"
    ledger = "运输车辆电子台账\n序号 车牌号 车辆识别代号 排放阶段 注册日期\n1 冀T12345 LZZ9ASCUXK6877075 国六 2020-03-07"
    assert classify(ledger, "扫描件007.pdf")[0] == "transport_ledger"


def test_numbered_pages_of_one_document_are_grouped_but_camera_numbers_are_not():
    names = ["申报表-1.jpg", "申报表-2.jpg", "附件2 绩效分级申报表-1.jpg", "附件2 绩效分级申报表-2.jpg",
             "IMG_0001.jpg", "IMG_0002.jpg", "营业执照.jpg"]
    assert page_sets(names) == {"申报表": ["申报表-1.jpg", "申报表-2.jpg"],
                                "附件2 绩效分级申报表": ["附件2 绩效分级申报表-1.jpg", "附件2 绩效分级申报表-2.jpg"]}


def _seg(text, x, line, y):
    return Segment(text, Source("营业执照.pdf", 1, None, (x, y, x + 12 * len(text), y + 10)), 1.0, line)


def test_licence_in_two_columns_without_colons_keeps_each_value_to_itself():
    layout = Layout("营业执照.pdf", "pdf-text", 1, segments=[
        _seg("营 业 执 照", 233, 1, 114),
        _seg("统一社会信用代码 911301109175607391", 70, 2, 191),
        _seg("名 称 石家庄市鹿泉区顺发新材料有限责任 注册资本 伍佰万元整", 70, 3, 287),
        _seg("公司", 136, 4, 302),
        _seg("成立日期 2009年01月11日", 318, 5, 316),
        _seg("法定代表人 周雪峰", 70, 6, 360),
        _seg("住 所 河北省石家庄市鹿泉区黄壁庄镇", 318, 7, 374),
        _seg("经营范围 石灰、氧化钙生产、销售（依法须经批", 70, 8, 389),
        _seg("工业大街65号", 380, 8, 389),
        _seg("准的项目，经相关部门批准后方可开展", 136, 9, 404),
    ])
    facts = {f.key: f.value for f in licence_facts(layout, 0.97)}
    assert facts == {"credit_code": "911301109175607391", "enterprise_name": "石家庄市鹿泉区顺发新材料有限责任公司",
                     "established_date": "2009-01-11", "legal_representative": "周雪峰",
                     "address": "河北省石家庄市鹿泉区黄壁庄镇工业大街65号"}


def test_a_square_character_is_not_a_check_box_but_a_ticked_box_is():
    """日 in a date and 国 in 国六 have square outlines; the OCR read them as characters, so they stay."""
    font = ImageFont.truetype(FONT, 36)
    image = Image.new("L", (1300, 220), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 30), "填报日期：2022年08月27日  国六", font=font, fill=0)
    draw.text((40, 130), "门禁系统：", font=font, fill=0)
    for x, ticked, option in ((230, True, "是"), (330, False, "否")):
        draw.rectangle((x, 136, x + 30, 166), outline=0, width=3)
        if ticked:
            draw.line((x + 5, 150, x + 13, 160, x + 26, 140), fill=0, width=4)
        draw.text((x + 40, 130), option, font=font, fill=0)
    lines = get_engine().recognise(image)
    text = "\n".join("".join(w.text for w in line.words) or line.text
                     for line in with_checkboxes(lines, np.asarray(image)))
    assert "2022年08月27日" in text and "国六" in text
    assert "☑是" in text and "□否" in text


@pytest.fixture(scope="module")
def lime_pdf(tmp_path_factory):
    """A text-PDF bundle with every attachment kind (rendered by the corpus generator)."""
    plan = next(p for p, d in corpus.all_bundles() if corpus.bundle_name(p, d) == "c36-lime-a-pdf")
    built = corpus.build_bundle(plan, "pdf-text")
    folder = tmp_path_factory.mktemp("c36")
    for name, content in built.files.items():
        (folder / name).write_bytes(content)
    return built.truth, extract_bundle([folder])


def test_every_file_of_a_bundle_gets_its_kind(lime_pdf):
    truth, extraction = lime_pdf
    assert {d.file: d.kind for d in extraction.documents} == truth["documents"]


def test_attachments_state_their_own_fields(lime_pdf):
    truth, extraction = lime_pdf
    for doc in extraction.documents:
        want = truth["document_facts"].get(doc.file, {}).get("fields", {})
        if doc.kind not in ("business_license", "eia_approval", "acceptance", "discharge_permit"):
            continue
        got = {}
        for fact in doc.facts:
            got.setdefault(fact.key, fact.value)
        assert {k: got.get(k) for k in want} == want, doc.file


def test_no_attachment_lends_the_enterprise_a_field_it_does_not_state(lime_pdf):
    truth, extraction = lime_pdf
    for key in ("contact_phone", "application_date", "address", "contact_person"):
        for fact in extraction.facts(key):
            assert fact.kind in ("application_form", "business_license", "discharge_permit"), (key, fact)
    gate_files = {d.file for d in extraction.documents if d.kind == "gate_records"}
    assert gate_files and not [r for r in extraction.table("vehicles") if r["source_ref"]["file"] in gate_files]


def test_the_clean_bundle_raises_no_blocking_finding(lime_pdf):
    truth, extraction = lime_pdf
    assert truth["clean"]
    assert [f.rule for f in run_checks(extraction) if f.severity == "blocking"] == []


def _doc(file, kind, method, name):
    return DocumentResult(file=file, sha256="", kind=kind, method=method, facts=[
        Fact("enterprise_name", name, name, 0.9, Source(file, 1, None, None), kind)])


def test_a_one_character_difference_read_from_a_scan_is_a_warning_to_verify():
    form = _doc("申报表.docx", "application_form", "docx", "河北永盛陶瓷有限责任公司")
    ocr = _doc("承诺书.jpg", "pledge", "ocr", "河北永盛陶瓷有限责任司")
    typed = _doc("承诺书.pdf", "pledge", "pdf-text", "河北永盛陶瓷有限责任司")
    other = _doc("营业执照.jpg", "business_license", "ocr", "河北振华陶瓷制品有限公司")
    found = {(f.rule, f.severity, f.evidence[1].file) for f in run_checks(Extraction([form, ocr, typed, other]))
             if f.rule == "mismatch:enterprise_name"}
    assert found == {("mismatch:enterprise_name", "warning", "承诺书.jpg"),
                     ("mismatch:enterprise_name", "blocking", "承诺书.pdf"),
                     ("mismatch:enterprise_name", "blocking", "营业执照.jpg")}


def test_ocr_memo_returns_what_the_engine_read(tmp_path):
    from extractors.ocr.memo import MemoEngine

    class Counting:
        name = "counting"
        calls = 0

        def recognise(self, image):
            Counting.calls += 1
            return get_engine(Settings(ocr_engine="rapidocr")).recognise(image)

    image = Image.new("L", (400, 80), 255)
    ImageDraw.Draw(image).text((10, 10), "企业名称", font=ImageFont.truetype(FONT, 40), fill=0)
    memo = MemoEngine(Counting(), tmp_path)
    first, second = memo.recognise(image), memo.recognise(image.copy())
    assert Counting.calls == 1 and first == second and first[0].text == "企业名称"
    other = image.copy()
    other.putpixel((0, 0), 0)
    memo.recognise(other)
    assert Counting.calls == 2
    assert len(list(Path(tmp_path).rglob("*.json"))) == 2


@pytest.mark.parametrize("text, pairs", [
    ("法定代表人（主要负责人）：何刚·技术负责人：徐宏伟", [("legal_representative", "何刚")]),
    ("法定代表人：何刚  技术负责人：徐宏伟", [("legal_representative", "何刚")]),
    ("项目名称:唐山市泰和铜业有限公司有组织废气检测", []),
    ("林卫东所在县：枣强县", [("county", "枣强县")]),
    ("受检单位:唐山市泰和铜业(集团)有限公司", [("enterprise_name", "唐山市泰和铜业(集团)有限公司")]),
    # a longer label whose fields are too close to tell apart without the value (the contact person, or the
    # dedicated staff question), none of them the legal representative of the 负责人 it ends with
    ("环境保护专职负责人:王丽娟电话:13903170000", [("contact_person", "王丽娟"), ("contact_phone", "13903170000")]),
])
def test_somebody_elses_label_ending_like_ours_is_not_ours(text, pairs):
    from extractors.labels import pairs_in_text

    assert [(spec.key, value) for spec, value, _, _ in pairs_in_text(text, fuzzy=True)] == pairs


def test_a_scanners_running_numbers_are_not_pages_of_one_document():
    assert page_sets(["新建文件1-1.jpg", "新建文件1-2.jpg", "新建文件8.pdf", "新建文件9.jpg", "扫描件008.pdf",
                      "扫描件009.docx", "申报表（1）.jpg", "申报表（2）.jpg"]) == {
        "新建文件1": ["新建文件1-1.jpg", "新建文件1-2.jpg"], "申报表": ["申报表（1）.jpg", "申报表（2）.jpg"]}


def test_a_licence_name_the_ocr_ran_into_the_next_label_ends_with_the_company():
    layout = Layout("营业执照.jpg", "ocr", 1, segments=[
        _seg("营业执照", 233, 1, 114), _seg("名称", 70, 2, 200),
        _seg("唐山市泰和铜业（集团）有限公司类其他有限责任公司", 150, 2, 200),
        _seg("名称", 70, 3, 300)])
    assert [f.value for f in licence_facts(layout, 0.9) if f.key == "enterprise_name"] == [
        "唐山市泰和铜业（集团）有限公司"]


def test_a_name_read_under_a_seal_is_a_warning_to_verify_but_a_typed_one_is_not():
    form = _doc("申报表.docx", "application_form", "docx", "河北永盛包装印刷有限责任公司")
    sealed = _doc("承诺书.jpg", "pledge", "ocr", "河北包装印刷有限任公司")  # 永盛 and 责 under the seal
    sealed.facts[0].sealed = True
    unsealed = _doc("营业执照.jpg", "business_license", "ocr", "河北包装印刷有限任公司")
    found = {(f.evidence[1].file, f.severity, "印章" in f.message) for f in run_checks(Extraction([form, sealed, unsealed]))
             if f.rule == "mismatch:enterprise_name"}
    assert found == {("承诺书.jpg", "warning", True), ("营业执照.jpg", "blocking", False)}
    # the flag survives the stored extraction JSON
    again = Extraction.from_dict(Extraction([form, sealed]).to_dict())
    assert [f.sealed for f in again.facts("enterprise_name")] == [False, True]


def test_values_under_a_seal_on_a_scan_are_marked():
    """A pledge photographed with its seal over the company name: the name fact is marked sealed, the
    date line below it is not."""
    import io

    from extractors.backends.image import ImageBackend
    from extractors.pipeline import mark_sealed
    from extractors.scan import seal_boxes

    image = Image.new("RGB", (1654, 1200), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    draw.text((200, 400), "企业名称（盖章）：河北永盛包装印刷有限责任公司", font=font, fill="black")
    draw.text((200, 900), "2023年9月3日", font=font, fill="black")
    seal = Image.new("RGB", image.size, "white")
    ink = ImageDraw.Draw(seal)
    ink.ellipse((620, 280, 900, 560), outline=(210, 35, 35), width=8)
    ink.text((700, 400), "专用章", font=font, fill=(210, 35, 35))
    image = Image.fromarray(np.minimum(np.asarray(image), np.asarray(seal)))
    boxes = seal_boxes(image)
    assert len(boxes) == 1
    x0, top, x1, bottom = boxes[0]
    assert abs(x0 - 620) < 15 and abs(top - 280) < 15 and abs(x1 - 900) < 15 and abs(bottom - 560) < 15
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    layout = ImageBackend("承诺书.jpg", buf.getvalue()).layout()
    assert len(layout.seals) == 1
    name = next(s for s in layout.segments if "河北" in s.text)
    date = next(s for s in layout.segments if "2023" in s.text)
    facts = [Fact("enterprise_name", "x", name.text, 0.9, name.source, "pledge"),
             Fact("application_date", "2023-09-03", date.text, 0.9, date.source, "pledge")]
    mark_sealed(facts, layout.seals)
    assert [f.sealed for f in facts] == [True, False]


def test_a_vehicle_table_that_lost_the_rule_between_plate_and_vin():
    """c31's scanned form: the rule between 车牌号 and VIN did not survive, so both headings and both
    values of each row share one cell, apart by two spaces."""
    from extractors.layout import Cell, Grid
    from extractors.tables import tables_from_layout

    def row(r, *texts):
        return [Cell(t, Source("申报表.tif", 1, f"table 4, row {r}, column {c + 1}", (c * 100.0, r * 20.0,
                                                                                      c * 100.0 + 90, r * 20.0 + 18)))
                for c, t in enumerate(texts)]

    grid = Grid(4, [row(1, "车牌号  VIN", "排放阶段", "注册日期"),
                    row(2, "冀RN7875  LGA78X2XXKA117167", "燃气", "2019.2.17"),
                    row(3, "晋A89868D\nLZZWCVP71JF871540", "新能源", "2018.5.12"),
                    row(4, "冀RQ1027", "燃气", "2019.10.21")])  # the VIN not read: the plate is still a plate
    rows = tables_from_layout(Layout("申报表.tif", "ocr", 1, grids=[grid]))["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in rows] == [
        ("冀RN7875", "LGA78X2XXKA117167", "燃气", "2019-02-17"),
        ("晋A89868D", "LZZWCVP71JF871540", "新能源", "2018-05-12"),
        ("冀RQ1027", None, "燃气", "2019-10-21")]


def test_the_date_under_the_signatures_when_they_landed_in_a_cell():
    """c22's photographed form: rules found round the signature block put its lines in one cell."""
    from extractors.labels import signature_date
    from extractors.layout import Cell, Grid

    cell = Cell("法定代表  (签字):\n报  期:2020-09-05\n第2页共2页", Source("新建文件1-2.jpg", 1, "table 1, row 7, column 1",
                                                                    (375.0, 509.0, 1548.0, 2385.0)), 0.9)
    layout = Layout("新建文件1-2.jpg", "ocr", 1, grids=[Grid(1, [[cell]])])
    facts = signature_date(layout, "application_form", 1.0, [])
    assert [(f.value, f.source.cell) for f in facts] == [("2020-09-05", "table 1, row 7, column 1")]
    assert signature_date(Layout("x.docx", "docx", 1, grids=[Grid(1, [[cell]])]), "application_form", 1.0, []) == []


def test_a_header_cell_merged_over_two_columns_and_a_row_that_lost_the_same_rule():
    """c30's photographed form: `1  号牌号码  VIN` heads two columns (a stray 1 run into it); most rows
    keep the rule between plate and VIN, one row lost it."""
    from extractors.layout import Cell, Grid
    from extractors.tables import tables_from_layout

    def cells(r, *texts):
        return [None if t is None else Cell(t, Source("申报表-1.jpg", 1, f"table 4, row {r}, column {c + 1}",
                                                     (c * 100.0, r * 20.0, c * 100.0 + 90, r * 20.0 + 18)))
                for c, t in enumerate(texts)]

    grid = Grid(4, [cells(1, "1  号牌号码  VIN", None, "排放标准", "注册日期"),
                    cells(2, "冀F17614", "LFWY4Y4P2K4325746", "国五", "2019/3/29"),
                    cells(3, "冀FE7900  LRDGXF3W9KG052109", None, "国V", "2019-03-01")])
    rows = tables_from_layout(Layout("申报表-1.jpg", "ocr", 1, grids=[grid]))["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in rows] == [
        ("冀F17614", "LFWY4Y4P2K4325746", "国五", "2019-03-29"),
        ("冀FE7900", "LRDGXF3W9KG052109", "国五", "2019-03-01")]


@pytest.mark.parametrize("text, kind", [
    # a pledge written as a letter, in the first person
    ("真实性承诺函\n我公司承诺所报材料真实、准确、完整", "pledge"),
    # passages through the gate exported as a "ledger": 进出 says passages, not the fleet
    ("车辆进出厂电子台账（门禁导出）\n车牌号 进厂时间 出厂时间", "gate_records"),
])
def test_kinds_as_other_hands_title_them(text, kind):
    assert classify(text)[0] == kind


def test_a_phones_numbered_pages_are_pages_of_one_document_though_their_stem_has_no_chinese():
    """Class: pages named by a phone or a scanner app (IMG_20201130_1-1.jpg, scan(2).jpg), the page number set
    apart by a hyphen or brackets; a camera's running numbers (IMG_0001.jpg, IMG_12.jpg) stay apart. The
    generator names numbered pages in Chinese."""
    assert page_sets(["IMG_20201130_1-1.jpg", "IMG_20201130_1-2.jpg", "IMG_0001.jpg", "IMG_0002.jpg", "IMG_12.jpg",
                      "IMG_13.jpg", "scan(1).jpg", "scan(2).jpg"]) == {
        "IMG_20201130_1": ["IMG_20201130_1-1.jpg", "IMG_20201130_1-2.jpg"], "scan": ["scan(1).jpg", "scan(2).jpg"]}


def test_a_label_note_naming_another_document_does_not_make_the_page_that_document():
    """Class: a form's last page whose label carries a note naming the licence (申报填报日期（与营业执照一致）)
    over the rest of its vehicle table. The generator's labels name no other document."""
    text = ("注：1.本表一式三份，县级、市级生态环境部门各留存一份；2.申报企业对所填内容的真实性负责。\n企业（盖章）：\n"
            "法定代表人（签字）\n申报填报日期（与营业执照一致)：2020/9/13\n晋A24194 LFWRN8FN2K3911754 国V 2019-12-24\n"
            "冀AZ4431 LFWUB7DF2KB282608 国VI 2019-08-03")
    assert classify(text, "附件1-2.jpg", is_image=True)[0] != "business_license"
    assert classify("营业执照\n统一社会信用代码 91130100MA0CNUQ04H\n名称 某某公司\n登记机关", "1.jpg")[0] == "business_license"


def _piece(text, x0, top, x1, height=40):
    return Segment(text, Source("营业执照.jpg", 1, None, (x0, top, x1, top + height)), 0.95, 0)


def _licence_pieces() -> list[Segment]:
    """A licence as OCR reads it off a skewed scan (see the test below)."""
    return [
        _piece("统一社会信用代码91130100MA0CNUQ04H", 350, 600, 900),
        _piece("名", 350, 860, 390), _piece("称", 432, 862, 478), _piece("保定市恒信铸造有限责任公司", 544, 866, 950),
        _piece("注册资本", 1047, 884, 1160), _piece("伍佰万元整", 1214, 890, 1350),
        _piece("法定代表人", 355, 1020, 500), _piece("王建国", 544, 1026, 630),
        _piece("经营范围", 354, 1104, 470), _piece("铸件、机械配件制造、销售（依法须经住", 545, 1106, 1074),
        _piece("所", 1126, 1112, 1170), _piece("河北省保定市清苑区东闾乡工业", 1222, 1128, 1620),
        _piece("批准的项目，经相关部门批准后方可开", 542, 1150, 1022), _piece("园区兴业路12号", 1229, 1170, 1430),
        _piece("展经营活动)", 545, 1192, 700),
        _piece("清苑区行政审批局", 1225, 1240, 1460),  # the seal's ring of words, under the address's start
        _piece("150号", 238, 240, 300),  # a scrap read off the scan's margin, shaped like an address's end
        _piece("成立日期", 1045, 965, 1163), _piece("2012年05月08日", 1219, 971, 1414),
    ]


def test_a_licence_read_piece_by_piece_keeps_each_wrapped_value_under_its_own_label():
    """Class: a licence as OCR reads it off a skewed scan, each run of text a piece where it stands: the right
    column half a line lower than the left, letter-spaced labels read as two pieces (名 | 称) or run into the
    other column's value (…依法须经住 | 所), both columns' long values wrapped under themselves, the seal's
    words under the address, where a next line of it would start, and a scrap like an address's end far above."""
    layout = Layout("营业执照.jpg", "ocr", 1, segments=_licence_pieces())
    facts = {f.key: f.value for f in licence_facts(layout, 0.9)}
    assert facts == {"credit_code": "91130100MA0CNUQ04H", "enterprise_name": "保定市恒信铸造有限责任公司",
                     "legal_representative": "王建国", "established_date": "2012-05-08",
                     "address": "河北省保定市清苑区东闾乡工业园区兴业路12号"}


def test_a_page_in_a_ruled_border_reads_as_the_free_text_it_is():
    """Class: a page whose only rules are a border round free text (a licence printed in one thick frame, not
    the corpus's double border): taken for a table of one cell, its two columns became one cell's lines and a
    wrapped address lost its place. Read through OCR, each line stands where it is printed."""
    import io

    from extractors.backends.image import ImageBackend

    font = ImageFont.truetype(FONT, 36)
    image = Image.new("L", (1700, 1300), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((70, 70, 1630, 1230), outline=0, width=6)
    draw.text((700, 130), "营 业 执 照", font=ImageFont.truetype(FONT, 56), fill=0)
    rows = [(300, "名　　称", "廊坊市广源金属制品有限公司", "注册资本", "叁佰万元整"),
            (380, "法定代表人", "孙志强", "成立日期", "2016年09月12日"),
            (460, "经营范围", "金属制品加工、销售（依法", "住　　所", "河北省廊坊市文安县左各庄")]
    for top, left_label, left_value, right_label, right_value in rows:
        draw.text((130, top), left_label, font=font, fill=0)
        draw.text((350, top), left_value, font=font, fill=0)
        draw.text((900, top), right_label, font=font, fill=0)
        draw.text((1080, top), right_value, font=font, fill=0)
    draw.text((350, 510), "须经批准的项目，经相关", font=font, fill=0)  # each value wrapped under itself
    draw.text((1080, 510), "镇工业园区9号", font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    layout = ImageBackend("营业执照.png", out.getvalue(), Settings()).layout()
    assert not any(cell is not None and cell.text.strip() for grid in layout.grids for row in grid.rows for cell in row)
    facts = {f.key: f.value for f in licence_facts(layout, 0.9)}
    assert facts["enterprise_name"] == "廊坊市广源金属制品有限公司" and facts["legal_representative"] == "孙志强"
    assert facts["address"] == "河北省廊坊市文安县左各庄镇工业园区9号"


def test_a_licence_on_a_page_turned_sideways_in_its_pdf():
    """Class: a merged PDF whose licence page is turned a quarter (its text runs down the page, each line's box
    tall): read as if turned back, each fact where it stands on the page as the file has it."""
    turned = []
    for seg in _licence_pieces():
        x0, top, x1, bottom = seg.source.bbox
        turned.append(Segment(seg.text, Source("申报材料汇编.pdf", 7, None, (2000 - bottom, x0, 2000 - top, x1)),
                              seg.confidence, 0))
    facts = licence_facts(Layout("申报材料汇编.pdf", "pdf-text", 1, segments=turned), 0.9)
    assert {f.key: f.value for f in facts}["address"] == "河北省保定市清苑区东闾乡工业园区兴业路12号"
    name = next(f for f in facts if f.key == "enterprise_name")
    assert name.source.bbox == (2000 - 902, 350, 2000 - 860, 478)  # 名 and 称 together, as on the turned page


def test_an_approval_issued_as_a_licensing_decision_and_a_pledge_written_as_a_declaration():
    """Class: an EIA approval issued by an administrative approval bureau as a 行政许可决定书 (准予行政许可 of the
    environmental impact report), and the truthfulness pledge written as a declaration (本单位郑重声明 …): both
    were unknown documents, so the bundle lacked its approval and its pledge. A report's own 声明 about itself
    stays a report's."""
    approval = ("行政许可决定书\n衡审批环字〔2021〕36号\n衡水市恒达铸造股份有限公司：\n你单位提交的年产1.2万吨铸件项目环境影响报告表"
                "审批申请，经审查，符合法定条件，决定准予行政许可。")
    assert classify(approval, "扫描件003.pdf")[0] == "eia_approval"
    pledge = "声明\n本单位郑重声明：所提交的绩效分级申报材料真实、准确、完整，如有虚假，愿承担相应法律责任。"
    assert classify(pledge, "扫描件004.pdf")[0] == "pledge"
    report = "检测报告\n报告编号：HJ2023-112\n委托单位：某某公司\n检测类别：委托检测\n声明：本报告仅对所检样品负责。"
    assert classify(report, "扫描件005.pdf")[0] == "monitoring_report"


def test_titles_other_systems_and_labs_give_their_documents():
    """Class: a monitoring system's export titled 自动监测数据日报表 (not 在线监测), a lab's 监测数据报告, a
    ledger titled 运输车辆一览表 over a VIN column: each was an unknown document."""
    assert classify("污染源自动监测数据日报表\n监测点位 DA001\n时间 颗粒物 二氧化硫 折算浓度", "导出.pdf")[0] == "cems_data"
    assert classify("监测数据报告\n委托单位：某某公司", "报告.pdf")[0] == "monitoring_report"
    assert classify("运输车辆一览表\n车牌号 VIN 国六", "附件5.pdf")[0] == "transport_ledger"


@pytest.mark.parametrize("title", ["重污染天气重点行业绩效分级申报真实性承诺", "绩效分级申报材料真实性声明"])
def test_a_pledge_titled_after_the_application_it_vouches_for(title):
    """Class: a pledge whose title names the application before its own last word (…绩效分级申报真实性承诺,
    no 书): what the title ends with says what the document is, alone and as a page of a merged file."""
    text = f"{title}\n本单位郑重承诺：所提交的申报材料真实、准确、完整。\n企业名称（盖章）：河北某某铸造有限公司\n法定代表人（签字）：王强"
    assert classify(text, "附件5.pdf")[0] == "pledge"
    assert title_kind(title) == "pledge"
    assert title_kind("企业承诺") is None and title_kind("声明") is None  # a form's section, a report's notes


def test_a_short_document_s_title_is_its_own_line_not_the_sentence_under_it():
    """A pledge retyped in Word with no addressee: its first sentence names the application it vouches for
    (绩效分级申报材料) right under its title; the title line 承诺书 says what it is. A line saying something
    (a colon, a comma) is no title: 声明 over 本单位郑重声明：… still reads as one title."""
    pledge = ("承诺书\n本单位郑重承诺：所报送的重污染天气重点行业绩效分级申报材料真实、准确、完整。\n"
              "承诺单位（盖章）：河北某某铸造有限公司")
    assert classify(pledge, "附件5.docx")[0] == "pledge"
    approval = "衡水市生态环境局\n衡环评〔2010〕79号\n关于河北某某铸造有限公司绩效分级改造项目环境影响报告表的批复"
    assert classify(approval, "附件3.docx")[0] == "eia_approval"
    form = "重点行业绩效分级申报表\n企业名称：河北某某铸造有限公司\n申报等级：B级"
    assert classify(form, "1.docx")[0] == "application_form"


def test_a_licence_retyped_as_a_four_column_table_in_a_pdf(tmp_path):
    """A licence retyped in Word as a table of label | value | label | value and printed to PDF: the narrow
    cells wrap (衡水市德润机械铸⏎造有限责任公司, 法定代表人（负责⏎人）). The licence's line reader, made for a
    printed licence's columns, cannot tell a cell's wrapped line from the next row's; the cells can."""
    from docx import Document

    from generators.pdf import convert_cold

    doc = Document()
    doc.add_paragraph("营业执照（正本）")
    rows = [("统一社会信用代码", "91131121MA00107586", "名称", "衡水市德润机械铸造有限责任公司"),
            ("注册资本", "5700万元整", "法定代表人（负责人）", "何刚"),
            ("成立日期", "2010年3月13日", "经营场所", "河北省衡水市枣强县恩察镇工业大街167号")]
    table = doc.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    doc.save(str(tmp_path / "营业执照.docx"))
    convert_cold(tmp_path / "营业执照.docx", tmp_path / "营业执照.pdf")
    (licence,) = extract_bundle([tmp_path / "营业执照.pdf"]).documents
    facts = {f.key: f.value for f in licence.facts}
    assert licence.kind == "business_license"
    assert {k: facts.get(k) for k in ("enterprise_name", "legal_representative", "address", "credit_code")} == {
        "enterprise_name": "衡水市德润机械铸造有限责任公司", "legal_representative": "何刚",
        "address": "河北省衡水市枣强县恩察镇工业大街167号", "credit_code": "91131121MA00107586"}


def test_a_fleet_register_titled_after_the_gate_or_the_machines_beside_it():
    """Class: transport ledgers retyped under other titles: 车辆进出厂登记台账 (a register of the vehicles going in
    and out: their VINs, stages and registration dates, no passage) was taken for gate records, and
    厂内运输车辆及非道路移动机械台账 (its words before 台账 longer than the kind's pattern allowed) for a form, so
    the bundle lacked its ledger (missing_document:transport_ledger, blocking; robustness seed 73). Gate
    records state passages (进厂时间) and stay gate records."""
    register = "序号 牌照号 车辆识别码 环保排放阶段 初次登记日期\n1 冀A12345 LGAZC2F59M2491964 国六 2021-09-16"
    assert classify(f"车辆进出厂登记台账\n单位名称：河北某某铸造有限公司\n{register}", "扫描件007.docx")[0] == "transport_ledger"
    assert classify(f"厂内运输车辆及非道路移动机械台账\n填报单位（盖章）：河北某某铸造有限公司\n{register}",
                    "附件7.docx")[0] == "transport_ledger"
    # a ledger named after the trucks and the carrying (重型柴油货车运输台账), in a merged Word file (seed 73's d26)
    assert classify(f"重型柴油货车运输台账\n填报单位（盖章）：河北某某铸造有限公司\n{register}", "")[0] == "transport_ledger"
    assert title_kind("重型柴油货车运输台账") == "transport_ledger"
    passages = "进出厂车辆记录\n车牌号 进厂时间 出厂时间 车辆识别代号 排放阶段 注册日期\n冀A12345 2021-09-16 08:01 2021-09-16 09:12"
    assert classify(passages, "门禁.pdf")[0] == "gate_records"


def test_a_licence_retyped_with_words_before_and_notes_after_its_labels(tmp_path):
    """Class: a licence retyped line by line with its labels as other hands word them (主要经营场所, 法定代表人
    （负责人）, 成立日期（注册日期）) and printed to PDF: the licence's reader took the note for the person's
    name ((负责人)何刚: a blocking mismatch:legal_representative) and missed the address (robustness seed 73)."""
    from docx import Document

    from generators.pdf import convert_cold

    doc = Document()
    for line in ("营业执照", "统一社会信用代码   91131121MA00107586", "单位名称      衡水市德润机械铸造有限责任公司",
                 "法定代表人（负责人）   何刚", "成立日期（注册日期）   2010年03月13日",
                 "主要经营场所      河北省衡水市枣强县恩察镇工业大街167号", "类型     有限责任公司（自然人投资或控股）"):
        doc.add_paragraph(line)
    doc.save(str(tmp_path / "营业执照.docx"))
    convert_cold(tmp_path / "营业执照.docx", tmp_path / "营业执照.pdf")
    (licence,) = extract_bundle([tmp_path / "营业执照.pdf"]).documents
    facts = {f.key: f.value for f in licence.facts}
    assert {k: facts.get(k) for k in ("enterprise_name", "legal_representative", "established_date", "address")} == {
        "enterprise_name": "衡水市德润机械铸造有限责任公司", "legal_representative": "何刚",
        "established_date": "2010-03-13", "address": "河北省衡水市枣强县恩察镇工业大街167号"}
