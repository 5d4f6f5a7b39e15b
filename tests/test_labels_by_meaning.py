"""Forms written by other hands: reworded labels, values running into the next label, Word structure the
generator never writes (content controls, legacy form fields, text boxes, tab stops, a table inside the
form's table). Every input here is built in the test; fixtures/ produces none of these classes."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from extractors.backends.docx import DocxBackend
from extractors.labels import facts_from_layout, label_of, pairs_in_text
from extractors.pipeline import extract_bundle
from extractors.tables import tables_from_layout
from forms.label_meaning import reading, resolve
from forms.normalize import normalise_grade

CODE = "91130100MA0CNUQ04H"  # check characters valid (GB 32100)


def _docx(build) -> bytes:
    doc = Document()
    build(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _read(data: bytes, name: str = "申报表.docx"):
    layout = DocxBackend(name, data).layout()
    unassigned: list = []
    facts = facts_from_layout(layout, "application_form", 0.99, unassigned)
    return {f.key: f.value for f in facts}, tables_from_layout(layout), unassigned


def _row(table, *texts):
    cells = table.add_row().cells
    for cell, text in zip(cells, texts, strict=True):
        cell.text = text


def _reworded_form(doc):
    table = doc.add_table(rows=0, cols=4)
    _row(table, "企业名称（全称）", "河北恒信铸造有限公司", "统一社会信用代码（18位）", CODE)
    _row(table, "法定代表人姓名", "王建国", "企业生产地址", "河北省衡水市枣强县工业园区8号")
    _row(table, "环保负责人姓名", "李明", "联系人电话", "13833187766")
    _row(table, "拟申报绩效级别", "拟申报B级", "占地面积（平方米）", "12000")
    _row(table, "是否安装在线监测设施（CEMS）", "☑是 □否", "是否安装门禁系统和视频监控", "☑是 □否")
    _row(table, "排污许可证编码", CODE + "001P", "填表时间", "2023年5月6日")


def test_reworded_labels_and_qualifiers_are_read_by_meaning():
    """Class: labels carrying qualifiers （全称）（18位）, words added (姓名, 企业…, 设施（CEMS）) or other terms
    (编码 for 编号, 时间 for 日期, 级别 for 等级), and a check-box question asking two things."""
    fields, _, unassigned = _read(_docx(_reworded_form))
    assert fields["enterprise_name"] == "河北恒信铸造有限公司"
    assert fields["credit_code"] == CODE
    assert fields["legal_representative"] == "王建国"
    assert fields["address"].startswith("河北省衡水市枣强县")
    assert fields["contact_person"] == "李明"
    assert fields["contact_phone"] == "13833187766"  # 联系人电话: the phone, the value's type decides
    assert fields["applied_grade"] == "B"
    assert fields["cems_installed"] is True
    assert fields["gate_system"] is True and fields["video_monitoring"] is True
    assert fields["permit_number"] == CODE + "001P"
    assert fields["application_date"] == "2023-05-06"
    # a label that means no field is kept for the clerk, not dropped
    assert [(u.label, u.value) for u in unassigned] == [("占地面积（平方米）", "12000")]


def test_unassigned_facts_are_in_the_extraction_json(tmp_path):
    (tmp_path / "申报表.docx").write_bytes(_docx(_reworded_form))
    data = json.loads(json.dumps(extract_bundle([tmp_path]).to_dict(), ensure_ascii=False))
    assert data["unassigned"] == [{"label": "占地面积（平方米）", "value": "12000", "source": {
        "file": "申报表.docx", "page": None, "cell": "table 1, row 4, column 4", "bbox": None}}]
    assert data["fields"]["credit_code"]["value"] == CODE


@pytest.mark.parametrize("label, value, key", [
    ("联系人手机", "13833187766", "contact_phone"),
    ("联系人", "李明", "contact_person"),
    ("CEMS是否联网", "是", "cems_networked"),
    ("在线监测是否与环保部门联网", "是", "cems_networked"),
    ("是否配备专职环保管理人员", "是", "dedicated_env_staff"),
])
def test_the_value_type_and_the_words_decide(label, value, key):
    assert resolve(label, value).key == key


@pytest.mark.parametrize("label", ["项目名称", "设备名称", "单位地址", "技术负责人", "注册资本", "经营范围"])
def test_other_peoples_labels_mean_no_field(label):
    assert resolve(label, "某某") is None


def test_a_value_ends_where_the_next_label_begins():
    """Class: a value followed on the same line by another label — one nobody listed (占地面积：), or the first
    characters of a known one after the company name (统一社会 of 统一社会信用代码 wrapped to the next line)."""
    pairs = {spec.key: value for spec, value, _, _ in pairs_in_text("企业名称：河北恒信铸造有限公司 占地面积：12000平方米")}
    assert pairs == {"enterprise_name": "河北恒信铸造有限公司"}

    def wrapped(doc):
        doc.add_paragraph("企业名称：河北恒信铸造有限公司统一社会")
        doc.add_paragraph("排污许可证编号：编号")  # the label's own word where the number should be

    fields, _, _ = _read(_docx(wrapped))
    assert fields["enterprise_name"] == "河北恒信铸造有限公司"
    assert "permit_number" not in fields


def test_grade_and_stage_spellings():
    assert [normalise_grade(x) for x in ("拟申报B级", "申请绩效等级：A", "评定为C级")] == ["B", "A", "C"]


_SDT = """<w:sdt {ns}><w:sdtPr><w:alias w:val="行业"/></w:sdtPr><w:sdtContent>
<w:p><w:r><w:t>所属行业：铸造</w:t></w:r></w:p></w:sdtContent></w:sdt>"""
_LEGACY_BOX = """<w:p {ns}><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>
<w:checkBox><w:sizeAuto/><w:default w:val="0"/><w:checked/></w:checkBox></w:ffData></w:fldChar></w:r>
<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
<w:r><w:t>是</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check2"/><w:enabled/>
<w:checkBox><w:sizeAuto/><w:default w:val="0"/></w:checkBox></w:ffData></w:fldChar></w:r>
<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
<w:r><w:t>否</w:t></w:r></w:p>"""
_FORMTEXT = """<w:p {ns}><w:r><w:t xml:space="preserve">环评批复文号：</w:t></w:r>
<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text1"/><w:enabled/><w:textInput/></w:ffData>
</w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>衡环评〔2019〕36号</w:t></w:r>
<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"""
_TEXT_BOX = """<w:p {ns} xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:r><mc:AlternateContent><mc:Choice Requires="wps">
<w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>环保负责人：赵敏</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing>
</mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>环保负责人：赵敏</w:t></w:r></w:p></w:txbxContent></w:pict>
</mc:Fallback></mc:AlternateContent></w:r></w:p>"""


def test_word_structure_other_suites_and_hands_write():
    """Class: a content control around a paragraph (w:sdt) and in a cell, a legacy FORMCHECKBOX (its w:default
    and w:checked) in a cell, a FORMTEXT field's result, a text box (read once, not with its VML copy) and a
    `标签<tab>值` paragraph."""

    def build(doc):
        body = doc.element.body
        body.append(parse_xml(_SDT.format(ns=nsdecls("w"))))
        body.append(parse_xml(_FORMTEXT.format(ns=nsdecls("w"))))
        body.append(parse_xml(_TEXT_BOX.format(ns=nsdecls("w"))))
        doc.add_paragraph("联系电话\t13833187766")
        table = doc.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "视频监控"
        tc = table.cell(0, 1)._tc
        tc.remove(tc.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"))
        tc.append(parse_xml(_LEGACY_BOX.format(ns=nsdecls("w"))))
        row = table.add_row().cells
        row[0].text = "申报等级"
        tc = row[1]._tc
        tc.remove(tc.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"))
        tc.append(parse_xml(_SDT.format(ns=nsdecls("w")).replace("所属行业：铸造", "A级")))
        for p in doc.element.body.iterchildren():
            if p.tag.endswith("sectPr"):
                body.remove(p)
                body.append(p)

    fields, _, _ = _read(_docx(build))
    assert fields["industry"] == "铸造"
    assert fields["eia_approval_number"] == "衡环评〔2019〕36号"
    assert fields["contact_person"] == "赵敏"
    assert fields["contact_phone"] == "13833187766"
    assert fields["video_monitoring"] is True
    assert fields["applied_grade"] == "A"


def test_a_table_inside_the_form_table_with_a_two_row_header_and_other_headings():
    """Class: the vehicles listed inside the one big form table, below the form's rows, under a heading split
    over two rows, a plate column called 号牌 and stages written 国5 / 国Ⅵ."""

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "企业名称", "河北恒信铸造有限公司", "联系电话", "13833187766")
        _row(table, "运输车辆", "运输车辆", "运输车辆", "运输车辆")
        _row(table, "号牌", "车辆识别代号（VIN）", "排放阶段", "注册登记日期")
        _row(table, "冀T12345", "LGAX2A139J1023456", "国5", "2019-03-01")
        _row(table, "冀T67890", "LGAX2A139J1023457", "国Ⅵ", "2021-07-15")
        _row(table, "申报日期", "2023年5月6日", "申报等级", "B级")
        title = table.rows[1].cells
        title[0].merge(title[3])

    fields, tables, _ = _read(_docx(build))
    vehicles = tables["vehicles"]
    assert [(v["plate"], v["vin"], v["emission_stage"]) for v in vehicles] == [
        ("冀T12345", "LGAX2A139J1023456", "国五"), ("冀T67890", "LGAX2A139J1023457", "国六")]
    assert fields["application_date"] == "2023-05-06" and fields["applied_grade"] == "B"


def test_word_lines_aligned_numbered_and_boxed_as_other_hands_lay_them_out():
    """Classes the corpus generator does not write: a label and its value apart by ideographic spaces, no
    colon (a Word line aligned by hand); labels after a list's numbers （2）, 3. , 四、; a box holding its
    label on one line and the value under it."""

    def build(doc):
        doc.add_paragraph("企业名称\u3000\u3000河北恒信铸造有限公司")
        doc.add_paragraph("（2）统一社会信用代码：" + CODE)
        doc.add_paragraph("3.法定代表人：王建国")
        doc.add_paragraph("四、申报等级：B级")
        table = doc.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "所在县（市、区）\n枣强县"
        table.cell(0, 1).text = "联系电话\n13833187766"

    fields, _, _ = _read(_docx(build))
    assert {k: fields.get(k) for k in ("enterprise_name", "credit_code", "legal_representative", "applied_grade",
                                       "county", "contact_phone")} == {
        "enterprise_name": "河北恒信铸造有限公司", "credit_code": CODE, "legal_representative": "王建国",
        "applied_grade": "B", "county": "枣强县", "contact_phone": "13833187766"}


def test_numbers_inside_a_value_are_not_a_list_s_numbers():
    from extractors.labels import pairs_in_text

    pairs = pairs_in_text("环评批复文号：冀环评〔2018〕12号  设计产能：10.5万吨/年")
    assert [(spec.key, value) for spec, value, _, _ in pairs] == [
        ("eia_approval_number", "冀环评〔2018〕12号"), ("design_capacity", "10.5万吨/年")]


@pytest.mark.parametrize(("label", "value", "key"), [
    # words put between a label's words, or an abbreviation written out (环评 = 环境影响评价)
    ("企业环保工作负责人", "李明", "contact_person"),
    ("排污许可证正本编号", CODE + "001P", "permit_number"),
    ("环境影响评价批复文件", "冀环评〔2018〕12号", "eia_approval_number"),
    # a label ending in a label's last word, which says what it asks for
    ("核准产能", "10万吨/年", "design_capacity"),
    # a note naming administrative levels is what the label asks for, not a note to drop
    ("归属县（市、区）", "枣强县", "county"),
])
def test_words_between_and_a_noun_s_last_word(label, value, key):
    spec = resolve(label, value)
    assert spec is not None and spec.key == key


@pytest.mark.parametrize("label", ["运行时间", "注册地址", "设备名称", "样品编号"])
def test_a_general_last_word_alone_means_nothing(label):
    """名称, 地址, 日期 end too many other people's labels to say what one asks for."""
    spec = resolve(label, "2023年5月6日" if "时间" in label else "某某")
    assert spec is None or spec.key not in ("application_date", "address", "enterprise_name", "permit_number")


def test_columns_named_by_what_they_hold():
    """Headings no synonym foresaw: the column's values say what it is (plates, VINs, stages, pollutants),
    or a heading's last word does when the values under it fit (初登日期 is a date, 折算浓度 a concentration)."""

    def build(doc):
        ledger = doc.add_table(rows=0, cols=5)
        _row(ledger, "序号", "车辆", "识别码", "初登日期", "环保标准")
        _row(ledger, "1", "冀T88321", "LZZ5CLSB9KW123456", "2019.05.06", "国Ⅵ")
        _row(ledger, "2", "冀T65120", "LFWSRXSJ5H1A00001", "2017.11.20", "国5")
        doc.add_paragraph("")
        outlets = doc.add_table(rows=0, cols=4)
        _row(outlets, "点位编号", "检测因子", "折算浓度(mg/m3)", "允许排放浓度限值")
        _row(outlets, "DA001", "二氧化硫", "12.5", "35")

    _, tables, _ = _read(_docx(build), name="台账.docx")
    assert [(v["plate"], v["vin"], v["registration_date"], v["emission_stage"]) for v in tables["vehicles"]] == [
        ("冀T88321", "LZZ5CLSB9KW123456", "2019-05-06", "国六"), ("冀T65120", "LFWSRXSJ5H1A00001", "2017-11-20", "国五")]
    assert [(e["outlet_id"], e["pollutant"], e["concentration_mg_m3"], e["limit_mg_m3"]) for e in tables["emissions"]] == [
        ("DA001", "二氧化硫", 12.5, 35)]


def test_a_row_of_values_is_no_header():
    """A ledger without headings: its first row of plates and VINs does not name the columns."""

    def build(doc):
        ledger = doc.add_table(rows=0, cols=3)
        _row(ledger, "冀T88321", "LZZ5CLSB9KW123456", "国六")
        _row(ledger, "冀T65120", "LFWSRXSJ5H1A00001", "国五")
        _row(ledger, "冀T65121", "LFWSRXSJ5H1A00002", "国五")

    _, tables, _ = _read(_docx(build), name="台账.docx")
    assert tables.get("vehicles", []) == []


def test_a_vertical_layout_of_reworded_labels():
    """Labels in a row over their values, reworded (企业详细地址, 所在地（县/市/区）, 所属重点行业（全称）) and
    one nobody's (占地面积（亩）, kept as unassigned); a label | value | label | value row below is not taken
    for one."""

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "申请单位名称（公章）", "营业执照统一社会信用代码（与营业执照一致）", "企业法人代表", "占地面积（亩）")
        _row(table, "衡水市枣强县金石铸造有限公司", CODE, "赵静", "234")
        _row(table, "企业详细地址", "所在地（县/市/区）", "所属重点行业（全称）", "")
        _row(table, "河北省衡水市枣强县枣强镇建设大街74号", "枣强县", "铸造行业", "")
        pairs = doc.add_table(rows=0, cols=4)
        _row(pairs, "主要产品及规格（请如实填写）", "机床铸件", "年设计产能（与营业执照一致）", "铸件3万吨/年")
        _row(pairs, "邮政编码", "056588", "职工人数", "286人")

    fields, _, unassigned = _read(_docx(build))
    assert {k: fields.get(k) for k in ("enterprise_name", "credit_code", "legal_representative", "address",
                                       "county", "industry", "main_products", "design_capacity")} == {
        "enterprise_name": "衡水市枣强县金石铸造有限公司", "credit_code": CODE, "legal_representative": "赵静",
        "address": "河北省衡水市枣强县枣强镇建设大街74号", "county": "枣强县", "industry": "铸造",
        "main_products": "机床铸件", "design_capacity": "铸件3万吨/年"}
    assert ("占地面积（亩）", "234") in {(u.label, u.value) for u in unassigned}
    assert not {u.label for u in unassigned} & {"机床铸件", "衡水市枣强县金石铸造有限公司"}


@pytest.mark.parametrize("kind, value, read", [("焦化行业", "引领性", "焦化"), ("铸造行业", "B", "铸造"),
                                              ("水泥行业", "C", "水泥")])
def test_a_value_that_names_its_field_is_no_label_over_the_row_below(kind, value, read):
    """Class: in a label | value table, a value ending with the word its field's labels end with (焦化行业:
    行业), over a label only its value explains (绩效评级（拟） | 引领性: the grade). It is the value beside its
    label, not a row of labels over the row below."""

    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称（全称）", "邯郸市宏达焦化有限公司")
        _row(table, "所属行业类型（按技术指南）", kind)
        _row(table, "绩效评级（拟）", value)
        _row(table, "环保联系人手机", "13803101234")

    fields, _, _ = _read(_docx(build))
    assert fields.get("industry") == read
    assert fields.get("applied_grade") == value


def test_a_column_named_by_its_values_though_the_vehicle_table_follows_in_the_same_grid():
    """Class: an emission table whose pollutant heading no list names (管控因子), its values saying what it holds
    (烟尘, SO2), with the vehicle table below it in one form-wide grid: the values read for the column stop at
    the vehicle table's header, whose stages are no pollutants (the column had gone unnamed)."""

    def build(doc):
        table = doc.add_table(rows=0, cols=5)
        _row(table, "排放口编号", "生产设施", "管控因子", "实测浓度", "标准限值")
        _row(table, "DA001", "熔化炉", "烟尘", "13.6", "30")
        _row(table, "DA001", "熔化炉", "SO2", "22.1", "100")
        _row(table, "车辆号牌", "车辆识别代码", "排放阶段", "注册日期", "车辆类型")
        for i, stage in enumerate(["国五", "国六", "国四", "电动", "国六", "国五"]):
            _row(table, f"冀R0950{i}", f"LZZ714NR5K594248{i}", stage, "2019-05-27", "重型厢式货车")

    _, tables, _ = _read(_docx(build))
    assert [(row["pollutant"], row["concentration_mg_m3"]) for row in tables["emissions"]] == [
        ("颗粒物", 13.6), ("二氧化硫", 22.1)]
    assert len(tables["vehicles"]) == 6


def test_labels_wrapped_in_narrow_cells_of_a_pdf():
    """A label cut over two lines by a narrow cell (所属绩效分级行业类⏎别) is one label, not a label and its
    value; a box of a label over its value still reads as that."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from extractors.backends.pdf import PdfBackend

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    rows = [["申报企业全称（与营业\n执照一致）", "河北恒信铸造有限公司"],
            ["所属绩效分级行业类\n别", "铸造"],
            ["法定代表人\n王建国", "联系电话\n13833187766"]]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([Table(rows, colWidths=[110, 200], style=style)])
    layout = PdfBackend("申报表.pdf", out.getvalue()).read()
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99, [])}
    assert {k: fields.get(k) for k in ("enterprise_name", "industry", "legal_representative", "contact_phone")} == {
        "enterprise_name": "河北恒信铸造有限公司", "industry": "铸造", "legal_representative": "王建国",
        "contact_phone": "13833187766"}


@pytest.mark.parametrize(("label", "value", "key"), [
    ("厂区是否设门禁", "☑是 □否", "gate_system"),
    ("排污许可编码号", CODE + "001P", "permit_number"),
    ("企业统一编码", CODE, "credit_code"),
    ("涉及行业（按技术指南）", "铸造", "industry"),  # an industry of the catalogue
])
def test_a_label_only_somewhat_like_ours_and_a_value_only_one_field_can_have(label, value, key):
    """The value's type decides where the label alone says too little: a ticked answer, a permit number,
    a credit code under words some of which are ours."""
    spec = resolve(label, value)
    assert spec is not None and spec.key == key


@pytest.mark.parametrize(("label", "value"), [
    ("营业期限", "2023年5月6日至长期"),  # dates are under every kind of label
    ("设备名称", "☑是 □否"),  # 设备 and 名称 say nothing of which question
    ("联系地址", CODE),  # a credit code is no phone number
    ("主要设备", "铸造"),  # a catalogue's word under a label nothing like the industry's
])
def test_a_value_does_not_make_a_label_ours(label, value):
    assert resolve(label, value) is None


@pytest.mark.parametrize("label, value, key", [
    # the trade's words for continuous emission monitoring (连续监测, 自动监测, 自动监控 are CEMS)
    ("烟气排放连续监测设施", "☑是 □否", "cems_installed"),
    ("是否安装污染源自动监测", "☑有 □无", "cems_installed"),
    # connecting said as 接入, 连通, 联入
    ("在线监测是否连通生态环境部门", "☑是 □否", "cems_networked"),
    # of two questions found whole in a sentence, the one that explains more of it
    ("在线监测设备是否与省级平台联网", "☑是 □否", "cems_networked"),
    # networked said as the data sent: 传输, 传送, 上传 (not the benchmark's paraphrase, 在线数据是否实时上传)
    ("监测数据是否传输至生态环境部门", "☑是 □否", "cems_networked"),
    ("自动监控数据实时传送", "是", "cems_networked"),
    # the end of a validity said as 到期, 截至, 截止
    ("排污许可到期日", "2025年6月30日", "permit_valid_until"),
    ("许可证截至", "2025-06-30", "permit_valid_until"),
    # handing a form in: 报送, 递交
    ("报送日期", "2024年3月1日", "application_date"),
    ("递交日期", "2024年3月1日", "application_date"),
    ("出具日期", "2023年5月6日", "report_date"),  # a report issued: 出具, 签发
    # capacity said as 规模, 能力, a design's yearly output
    ("设计生产规模", "年产5万吨", "design_capacity"),
    ("设计产量", "年产5万吨", "design_capacity"),
    ("产品品种", "灰铁铸件", "main_products"),
    ("公司全称", "河北强盛铸造有限公司", "enterprise_name"),
    ("环境保护负责人", "李明", "contact_person"),
])
def test_words_that_say_the_same(label, value, key):
    """Class: a label worded with other words of the trade for one of ours (forms/data/label-terms.toml)."""
    spec = resolve(label, value)
    assert spec is not None and spec.key == key


def test_each_pair_of_words_that_say_the_same_is_data_that_says_why():
    """The words are data a deployment extends (forms/data/label-terms.toml): each entry's words make a valid
    pattern and say why they are one."""
    import re
    import tomllib
    from importlib import resources

    entries = tomllib.loads(resources.files("forms").joinpath("data/label-terms.toml").read_text("utf-8"))["same"]
    assert entries
    for entry in entries:
        assert set(entry) == {"words", "means", "why"} and entry["why"].strip(), entry
        assert re.compile(entry["words"]).pattern


@pytest.mark.parametrize("label", ["所属辖区（旗县）", "管辖区域（市县）"])
def test_a_note_naming_administrative_levels_asks_for_a_place(label):
    """Class: levels written without separators, after words no county label has."""
    assert resolve(label, "泊头市").key == "county"
    assert resolve(label, "☑是 □否") is None


@pytest.mark.parametrize("label, value", [("环保工作人员", "李明"), ("环保主管人", "王晓红")])
def test_a_name_decides_between_fields_the_label_is_somewhat_like(label, value):
    """Class: a label only somewhat like a person's field (and like a yes/no question), with a person's name:
    the name says which; a ticked answer says the other."""
    assert resolve(label, value).key == "contact_person"
    assert resolve(label, "河北强盛铸造有限公司") is None  # a company's name is no person's


@pytest.mark.parametrize("label", ["单位类别", "所属单位", "所属行业"])
def test_an_organisation_s_name_mentions_an_industry_and_is_none(label):
    """Class: an enterprise's name written where a label somewhat like the industry's stands: 铸造 in
    河北强盛铸造有限公司 is a mention, not the industry."""
    assert resolve(label, "河北强盛铸造有限公司") is None
    assert resolve(label, "铸造（含冲天炉、电炉）").key == "industry"


@pytest.mark.parametrize("label, value, key", [
    ("单位地址", "河北省沧州市泊头市交河镇工业区88号", "address"),
    ("厂房地址", "河北省沧州市泊头市交河镇工业区88号", "address"),
    ("组织代码", CODE, "credit_code"),
    ("截止日期", "2025年6月30日", "permit_valid_until"),
])
def test_on_the_enterprise_s_own_form_its_labels_are_its_own(label, value, key):
    """Class: a label that is somebody else's on evidence (a lab report's 单位地址, a ledger's 截止日期) or ends
    with a general word (厂房地址) — on the application form it is the enterprise's, and a general last word
    names the one field of that kind the form asks for; elsewhere it stays nobody's."""
    from forms.label_meaning import reading

    with reading("application_form"):
        assert resolve(label, value).key == key
    with reading("monitoring_report"):
        assert resolve(label, value) is None


def test_a_form_s_own_labels_in_a_word_form_and_running_text():
    """The same class read end to end: a table row and a line of running text on a Word form."""

    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "申报企业名称", "河北强盛铸造有限公司")
        _row(table, "单位地址", "河北省沧州市泊头市交河镇工业区88号")
        doc.add_paragraph("排污许可证编号：" + CODE + "001P  许可证截止日期：2025年6月30日")

    fields, _, _ = _read(_docx(build))
    assert fields["address"] == "河北省沧州市泊头市交河镇工业区88号"
    assert fields["permit_valid_until"] == "2025-06-30"


def test_the_pipeline_reads_a_form_as_the_enterprise_s_own(tmp_path):
    """A file read first as of no kind, then found to be the application form, is read again as the form: its
    单位地址 is the enterprise's address (on a file of no kind it is nobody's)."""

    def build(doc):
        doc.add_paragraph("重污染天气重点行业绩效分级申报表")
        table = doc.add_table(rows=0, cols=2)
        for label, value in (("企业名称", "河北强盛铸造有限公司"), ("统一社会信用代码", CODE), ("单位地址", "河北省沧州市泊头市交河镇工业区88号"),
                             ("申报绩效等级", "B级"), ("所属行业", "铸造"), ("联系人", "李明"), ("联系电话", "13803171234")):
            _row(table, label, value)

    path = tmp_path / "申报表.docx"
    path.write_bytes(_docx(build))
    extraction = extract_bundle([path])
    assert [d.kind for d in extraction.documents] == ["application_form"]
    assert extraction.fields["address"].value == "河北省沧州市泊头市交河镇工业区88号"


@pytest.mark.parametrize("label", ["环保专员（签字）", "环境保护专员", "环保管理员"])
def test_a_role_names_the_person_field_of_its_domain(label):
    """Class: a person asked for by a role (专员, 管理员) whose domain (环保) is the one of a person field's labels;
    a ticked answer under the same words is the yes/no question about staff; a role of no field's domain
    (填表人) is nobody's."""
    assert resolve(label, "李振宇").key == "contact_person"
    assert resolve("填表人", "李振宇") is None


def test_a_vertical_layout_whose_labels_only_their_values_explain():
    """Class: a row of labels over a row of values where the labels are ours only given the values under them
    (拟评定级别 over a grade marked against one of unboxed options, 环保管理人员 over a name)."""

    def build(doc):
        table = doc.add_table(rows=0, cols=3)
        _row(table, "拟评定级别", "环保管理人员", "联系人手机")
        _row(table, "A级 B级 √B-级 C级 D级", "徐宏伟", "13501103444")

    fields, _, _ = _read(_docx(build))
    assert {k: fields.get(k) for k in ("applied_grade", "contact_person", "contact_phone")} == {
        "applied_grade": "B-", "contact_person": "徐宏伟", "contact_phone": "13501103444"}


@pytest.mark.parametrize("label, value, key", [("经营产品", "灰铸铁件", "main_products"), ("生产产品", "水泥熟料", "main_products")])
def test_on_the_form_a_last_word_only_one_field_s_labels_end_with(label, value, key):
    """Class: on the application form, a label whose last word (产品) ends one field's labels only."""
    from forms.label_meaning import reading

    with reading("application_form"):
        assert resolve(label, value).key == key
        assert resolve("实际产量", "5万吨") is None  # no field's labels end with 产量: a year's output is no capacity


def test_typed_text_s_label_that_ends_one_of_ours_is_a_label():
    """Class: a typed label that is the end of a registry label (安装在线监测设备, 是否安装在线监测设备 without
    是否), followed on its line by a spaced one: both questions read (only on a scan may such an end be what
    a seal left of a longer label)."""
    pairs = pairs_in_text("安装在线监测设备:□是 ☑否    是\u3000否\u3000联\u3000网:□是 ☑否")
    assert [(spec.key, value) for spec, value, _, _ in pairs] == [("cems_installed", "□是 ☑否"),
                                                                  ("cems_networked", "□是 ☑否")]


def test_questions_over_their_answers_in_narrow_cells_are_read_down():
    """Class: a row of yes/no questions over a row of answers, each question wrapped over up to four lines
    of a narrow cell (是否接入生⏎态环境主管⏎部门监控平⏎台), some of them no label of ours. Read across, a
    question would be taken for the answer of the cell before it. The generator writes each question beside
    its answer, on one line."""
    from extractors.layout import Cell, Grid, Layout
    from forms.facts import Source

    def row(r, texts):
        return [Cell(text, Source("申报表-1.jpg", 1, f"table 1, row {r}, column {c + 1}", None)) for c, text in enumerate(texts)]

    questions = ["在线监测设\n施安装情况", "是否接入生\n态环境主管\n部门监控平\n台", "是否建设运\n输车辆门禁\n系统",
                 "是否安装视\n频监控系统", "专职环保员\n(是/否)", "申报填报日\n期（盖章)"]
    answers = ["未安装", "否", "有", "有", "是", "二〇二一年\n八月十五日"]
    layout = Layout("申报表-1.jpg", "ocr", 1, grids=[Grid(1, [row(1, questions), row(2, answers)])])
    facts = {f.key: f.value for f in facts_from_layout(layout, "application_form", 1.0, [])}
    assert facts == {"cems_installed": False, "cems_networked": False, "gate_system": True, "video_monitoring": True,
                     "dedicated_env_staff": True, "application_date": "2021-08-15"}


def test_a_question_cut_in_two_by_a_rule_found_inside_its_cell_keeps_its_answer():
    """Class: a photographed form whose wrapped question (是否接入生态环境主管部门监控平台) had a column rule found
    inside its cell, so its last characters, misread (控 as 空), stand in a cell of their own between the
    question and its answer. The generator's questions fit their cells."""
    from extractors.layout import Cell, Grid, Layout
    from forms.facts import Source

    def row(r, texts):
        return [None if text is None else Cell(text, Source("申报表-1.jpg", 1, f"table 1, row {r}, column {c + 1}", None))
                for c, text in enumerate(texts)]

    layout = Layout("申报表-1.jpg", "ocr", 1, grids=[Grid(1, [
        row(1, ["有无在线监测设施", None, None, "☑是□否"]),
        row(2, ["是否接入生态环境主管部门监", None, "空平台", "☑是□否"]),
        row(3, ["企业法人", None, "宋金生", None]),  # a short value after a label is the label's value
    ])])
    facts = {f.key: (f.value, f.source.cell) for f in facts_from_layout(layout, "application_form", 1.0, [])}
    assert facts["cems_networked"] == (True, "table 1, row 2, column 4")
    assert facts["legal_representative"][0] == "宋金生"


@pytest.mark.parametrize("line, pairs", [
    ("环境管理负责人:徐宏伟手机号码:15144225162", [("contact_person", "徐宏伟"), ("contact_phone", "15144225162")]),
    ("企业法人代表:何刚所在县（市、区）:枣强县", [("legal_representative", "何刚"), ("county", "枣强县")]),
])
def test_a_longer_label_ending_with_another_fields_label_keeps_its_own_meaning(line, pairs):
    """Class: an OCR line whose label (环境管理负责人, the contact person) ends with a word that is a synonym of
    another field (负责人, the legal representative); a value run into the next label (何刚所在县) still ends
    there. The generator's labels never end with another field's synonym."""
    with reading("application_form"):
        assert [(spec.key, value) for spec, value, _, _ in pairs_in_text(line, fuzzy=True)] == pairs


def test_pairs_in_running_text_keep_the_label_they_were_read_under():
    """A value read from a line of running text (a typed form without a table, a scan's free line) keeps its
    label as written, as a table cell's does: a clerk's correction of a value read under the wrong field
    proposes that label (web/services/synonyms.py misread_matching)."""
    from extractors.layout import Layout, Segment
    from forms.facts import Source

    segments = [Segment("企业名称（全称）：河北恒信铸造有限公司  环境管理负责人：张敏", Source("申报表.pdf", 1, None, None), 1.0, 1),
                Segment("联系电话\t13812345678", Source("申报表.pdf", 1, None, None), 1.0, 2)]
    facts = facts_from_layout(Layout("申报表.pdf", "pdf-text", 1, segments=segments), "application_form", 0.97, [])
    assert {(f.key, f.value, f.label) for f in facts} == {
        ("enterprise_name", "河北恒信铸造有限公司", "企业名称（全称）"), ("contact_person", "张敏", "环境管理负责人"),
        ("contact_phone", "13812345678", "联系电话")}


def test_a_heading_misread_by_one_character_keeps_its_column_though_it_ends_in_a_general_word():
    """Class: an emission table's heading with one character misread (牛产设施名称 for 生产设施名称, as a
    photographed form's OCR gave it) and a general last word. 名称 ends 污染物名称 too, but says nothing of
    which column it heads: the table kept every row's pollutant, facility and figures."""

    def build(doc):
        table = doc.add_table(rows=0, cols=5)
        _row(table, "排口编码", "牛产设施名称", "排放污染物", "折算浓度", "标准限值要求")
        _row(table, "DA001", "隧道窑", "颗粒物", "8.2", "30")
        _row(table, "DA001", "隧道窑", "二氧化硫", "35", "100")

    _, tables, _ = _read(_docx(build))
    rows = tables["emissions"]
    assert [(r.get("source"), r.get("pollutant"), r.get("concentration_mg_m3"), r.get("limit_mg_m3")) for r in rows] == [
        ("隧道窑", "颗粒物", 8.2, 30.0), ("隧道窑", "二氧化硫", 35.0, 100.0)]


def test_a_box_of_options_begins_the_value_where_no_colon_does():
    """Class: a question typed without its colon, its options' boxes right after it (拟申报绩效等级☐A级☑B级),
    as a hand-typed form has it and as OCR gives a line whose colon it lost."""

    def build(doc):
        doc.add_paragraph("企业名称：河北恒信铸造有限公司")
        doc.add_paragraph("拟申报绩效等级☐A级☑B级☐C级")
        doc.add_paragraph("是否安装在线监测设施☐是☑否")

    fields, _, _ = _read(_docx(build))
    assert fields["applied_grade"] == "B" and fields["cems_installed"] is False


def test_a_row_of_values_naming_a_stack_does_not_end_the_values_under_a_heading():
    """Class: an emission table whose pollutant column is headed by a word no list has (污染因子), named by its
    values, under a two-row header; the first rows' facility is a stack (焦炉烟囱), a name near enough to a
    heading (排放口) that those rows were taken for headings and the values under 污染因子 ended before they
    began."""

    def build(doc):
        table = doc.add_table(rows=0, cols=5)
        _row(table, "排口编码", "生产设施名称", "污染因子", "排放浓度（mg/m³）", "排放浓度（mg/m³）")
        _row(table, "", "", "", "实测值", "排放标准值")
        _row(table, "DA001", "焦炉烟囱", "颗粒物", "5.6", "10")
        _row(table, "DA001", "焦炉烟囱", "SO2", "17.5", "30")
        _row(table, "DA002", "装煤地面站", "颗粒物", "2.9", "10")
        header = table.rows[0].cells
        header[3].merge(header[4])

    _, tables, _ = _read(_docx(build))
    assert [(e.get("outlet_id"), e.get("pollutant"), e.get("concentration_mg_m3")) for e in tables["emissions"]] == [
        ("DA001", "颗粒物", 5.6), ("DA001", "二氧化硫", 17.5), ("DA002", "颗粒物", 2.9)]


def test_a_label_merged_over_two_columns_reads_both_cells_under_it():
    """Class: a row of labels over a row of values (a vertical layout), the grade's label merged over two
    columns and its options cut in two under it (☐A级 | ☐B级☑C级☐D级), as a scan that found a rule among the
    options gives them: the tick is in the second cell."""

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "绩效分级申报级别", "", "环保管理人员", "负责人联系电话")
        _row(table, "☐A级", "☐B级☑C级☐D级", "郑建国", "13843416279")
        header = table.rows[0].cells
        header[0].merge(header[1])

    fields, _, _ = _read(_docx(build))
    assert fields["applied_grade"] == "C"


def test_ocr_lines_with_a_speck_for_a_full_stop_and_a_question_without_its_first_words():
    """Classes of OCR lines off a scanned form of other hands: a speck read as a full stop inside a label, against
    a bracket or at a value's end (县.(市、区), 沧环评·〔2011〕, 56号., .钢结构件), which Chinese text never writes; a yes/no question worded
    without 是否 (安装在线监测设备), the end of one of our labels but far longer than what a seal leaves of one,
    run into the next question (已安装是否联网). A dot between a name's parts stays."""
    pairs = lambda text: {spec.key: value for spec, value, _, _ in pairs_in_text(text, fuzzy=True)}  # noqa: E731
    assert pairs("企业法人:王红梅县.(市、区):迁安市") == {"legal_representative": "王红梅", "county": "迁安市"}
    assert pairs("安装在线监测设备:已安装是否联网:是") == {"cems_installed": "已安装", "cems_networked": "是"}
    assert pairs("环评批复文号:沧环评·〔2011〕9号")["eia_approval_number"].replace(" ", "") == "沧环评〔2011〕9号"
    assert pairs("环评批复文号:唐环评〔2015〕56号.") == {"eia_approval_number": "唐环评〔2015〕56号"}
    assert pairs("环评批复文号:唐环评〔2014〕.168号")["eia_approval_number"].replace(" ", "") == "唐环评〔2014〕168号"
    assert pairs("核定产能:.钢结构件5万吨/年") == {"design_capacity": "钢结构件5万吨/年"}
    assert pairs("核定产能:1.2万吨/年") == {"design_capacity": "1.2万吨/年"}
    assert pairs("核定产能:烧结砖6000.万块/年")["design_capacity"].replace(" ", "") == "烧结砖6000万块/年"
    assert pairs("法定代表人:买买提·艾力") == {"legal_representative": "买买提·艾力"}
    assert pairs("报日期:2023年5月6日") == {}  # what a seal left of 填报日期 is no label of its own


def test_a_scanned_cell_with_a_speck_read_as_a_full_stop():
    """Class: the same specks in a scanned table's cells (a value cell, not a line of text)."""
    from extractors.layout import Cell, Grid, Layout
    from forms.facts import Source

    def cell(text, c):
        return Cell(text, Source("申报表.jpg", 1, f"table 1, row 1, column {c}", (100 * c, 100, 100 * c + 90, 140)), 0.95)

    grid = Grid(1, [[cell("环评批复文号", 1), cell("唐环评〔2015〕56号.", 2)], [cell("核定产能", 1), cell(".钢结构件5万吨/年", 2)],
                    # between a figure and its date word: the range's end is no date without it
                    [cell("排污许可有效期", 1), cell("2022年2月7日至\n2027.年2月6.日", 2)]])
    facts = {f.key: f.value for f in facts_from_layout(Layout("申报表.jpg", "ocr", 1, grids=[grid]), "application_form",
                                                       0.9, [])}
    assert facts["eia_approval_number"] == "唐环评〔2015〕56号" and facts["design_capacity"] == "钢结构件5万吨/年"
    assert facts["permit_valid_until"] == "2027-02-06"


def test_where_the_works_is_asked_by_other_words_and_a_county_by_its_words_turned_round():
    """Class: the address asked as where the works is (企业所在地, 地理位置) and the county as 县区名称 / 区县名称
    (its words turned round, a general 名称 after them): no field's labels come near enough, so all three were
    missed. The value decides the county: an administrative unit's name (永年区) is what a place holds."""
    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "企业名称", "河北恒信铸造有限公司", "县区名称", "枣强县")
        _row(table, "企业所在地", "河北省衡水市枣强县工业园区8号", "法定代表人", "王建国")

    fields, _, unassigned = _read(_docx(build))
    assert fields["county"] == "枣强县"
    assert fields["address"] == "河北省衡水市枣强县工业园区8号"
    assert not unassigned
    assert resolve("地理位置", "河北省衡水市枣强县工业园区8号").key == "address"
    assert resolve("区县名称", "枣强县").key == "county"
    assert resolve("区县名称", "河北恒信铸造有限公司") is None  # a name is no place


def test_a_label_whose_note_lost_its_end_or_whose_character_ocr_read_as_a_look_alike():
    """Class: a photographed form's label whose note a narrow cell cut (是否已联网⏎(在线监, the rest not read), and
    one whose 入 OCR read as 人 (是否接人生态环境主管部门监控平台): neither meant a field, so the networked answer
    was missed (seed 59's c14 and c03 photos). A cut note is a note; a look-alike is read as the character it
    looks like only on a scan and only where the label as read means nothing (联系人 stays a person)."""
    from extractors.labels import label_of

    assert resolve("是否已联网（在线监", "是").key == "cems_networked"
    assert [s.key for s in label_of("是否接人生态环境主管部门监控平台", "否", fuzzy=True)] == ["cems_networked"]
    assert label_of("是否接人生态环境主管部门监控平台", "否") == []
    assert [s.key for s in label_of("环保联系人", "李明", fuzzy=True)] == ["contact_person"]


def test_an_organisation_s_name_wrapped_over_two_lines_under_a_reworded_label():
    """Class: a reworded label (企业单位名称（盖章）) over a narrow cell that wrapped the enterprise's name
    (沧州市瑞丰精密铸造⏎股份有限公司): the name normalised without its line break differed from the text as read,
    which the check for a word read out of a name took for such a word, so the form's name was missed and
    kept unassigned (seed 59's d35 photo; the licence's name hid it), as was a name whose bracket OCR read
    half-width. Only a shorter part of the text is a word read out of a name."""
    from extractors.labels import label_of

    assert [s.key for s in label_of("企业单位名称（盖章)", "沧州市瑞丰精密铸造\n股份有限公司", fuzzy=True)] == ["enterprise_name"]
    # a bracket OCR read half-width, made one width (seed 59's c20 photo)
    assert [s.key for s in label_of("企业单位名称", "河北金石紧固件制造（集团)股份有限公司", fuzzy=True)] == ["enterprise_name"]
    assert resolve("所属行业", "河北强盛铸造有限公司") is None or resolve("所属行业", "河北强盛铸造有限公司").key != "industry"


def test_a_registration_receipt_s_number_is_its_permit_number(tmp_path):
    """Class: an enterprise under registration management sends its 固定污染源排污登记回执, whose number is headed
    登记编号 — a general last word (编号) several fields' labels end with; the value only a permit number's type
    reads (the credit code, three figures, a letter) says which. A 登记编号 that is no such number is no field."""
    doc = Document()
    for line in ("固定污染源排污登记回执", f"登记编号：{CODE}001Y", "排污单位名称：河北恒远铸造有限公司",
                 f"统一社会信用代码：{CODE}", "登记类型：☑首次 □延续 □变更", "有效期：2020年06月15日至2025年06月14日"):
        doc.add_paragraph(line)
    path = tmp_path / "排污登记回执.docx"
    doc.save(path)
    (document,) = extract_bundle([path]).documents
    facts = {f.key: f.value for f in document.facts}
    assert document.kind == "discharge_permit"
    assert facts["permit_number"] == f"{CODE}001Y" and facts["permit_valid_until"] == "2025-06-14"
    with reading("discharge_permit"):
        assert pairs_in_text("登记编号：2020-001") == []


@pytest.mark.parametrize(("label", "value", "key"), [
    ("承诺单位（盖章）", "河北某某铸造有限公司", "enterprise_name"),  # a pledge
    ("项目建设单位", "河北某某铸造有限公司", "enterprise_name"),  # an EIA approval
    ("委托方", "河北某某铸造有限公司", "enterprise_name"),  # a lab report's client
    ("客户名称", "河北某某铸造有限公司", "enterprise_name"),
    ("检测单位", "河北华测检测技术有限公司", "testing_lab"),
    ("检验检测机构", "河北华测检测技术有限公司", "testing_lab"),
    ("承检单位", "河北华测检测技术有限公司", "testing_lab"),  # one character from 受检单位, the client
])
def test_an_organisation_named_by_its_role(label, value, key):
    """Documents name the organisations they concern by their role and a party word (单位, 企业, 方, 机构):
    the role decides whose name it is, whatever the party word."""
    assert resolve(label, value).key == key


def test_a_role_no_field_has_names_nobody_and_a_person_is_no_organisation():
    assert resolve("设计单位", "河北省建筑设计研究院有限公司") is None
    assert resolve("发证机关", "衡水市生态环境局") is None
    spec = resolve("承诺单位", "张三")
    assert spec is None or spec.key != "enterprise_name"


@pytest.mark.parametrize(("kind", "label", "value", "key"), [
    ("discharge_permit", "核发日期", "2021年3月2日", "permit_issue_date"),
    ("discharge_permit", "签发日期", "2021年3月2日", "permit_issue_date"),  # a lab report's report date elsewhere
    ("discharge_permit", "主要负责人", "何刚", "legal_representative"),
    ("discharge_permit", "注册地址", "河北省衡水市枣强县恩察镇工业大街167号", "address"),  # 单位地址 is a lab's
    ("eia_approval", "日期", "2010年6月6日", "eia_approval_date"),
    ("eia_approval", "成文日期", "2010年6月6日", "eia_approval_date"),
    ("eia_approval", "决定书编号", "衡审批环字〔2021〕36号", "eia_approval_number"),
    ("business_license", "经营者", "何刚", "legal_representative"),
    ("business_license", "注册号", "91131121MA00107586", "credit_code"),
    ("pledge", "承诺人", "何刚", "legal_representative"),
])
def test_an_evidence_document_s_label_is_read_as_the_fields_it_states(kind, label, value, key):
    """A label that, read against every field, means one the document does not state (签发日期 is a lab
    report's report date) or none (主要负责人, 日期): on the document, the one of its own fields its last word
    names, else the one whose type alone reads the value."""
    with reading(kind):
        assert [s.key for s in label_of(label, value)] == [key]


@pytest.mark.parametrize(("kind", "label", "value"), [
    ("business_license", "登记机关", "枣强县市场监督管理局"),
    ("business_license", "营业期限", "2010年3月13日至长期"),
    ("monitoring_report", "批准日期", "2021年4月15日"),  # sampled or reported: two dates, no word to tell
    ("gate_records", "货物名称", "车辆识别代号"),  # a name of something else: text says nothing of whose
])
def test_an_evidence_document_s_other_labels_stay_nobody_s(kind, label, value):
    with reading(kind):
        assert label_of(label, value) == []


def test_a_licence_retyped_with_its_other_holders_words(tmp_path):
    """A licence retyped line by line for a sole-owner enterprise (投资人：, 注册日期：): its person is the
    licence's one person, its date the licence's one date of establishment."""
    doc = Document()
    for line in ("企业法人营业执照", "社会信用代码：911310811478250823", "单位名称：霸州市瑞丰铸造有限公司", "投资人：林树林",
                 "类型：有限责任公司（自然人投资或控股）", "注册日期：2014/3/20", "地址：河北省廊坊市霸州市煎茶铺镇园区北路145号"):
        doc.add_paragraph(line)
    doc.save(str(tmp_path / "营业执照副本.docx"))
    (licence,) = extract_bundle([tmp_path / "营业执照副本.docx"]).documents
    facts = {f.key: f.value for f in licence.facts}
    assert licence.kind == "business_license"
    assert (facts.get("legal_representative"), facts.get("established_date")) == ("林树林", "2014-03-20")


def test_a_label_whose_note_a_rule_found_inside_its_cell_cut_off():
    """Class: a photographed form whose label cell (行业类型（按技术指南）, wrapped) a rule found inside it cut in
    two: its note's end 指南） stood in a cell of its own between the label and its value, and was read as the
    industry (invalid:industry, blocking; seed 67's c22 photo). A label goes on to the bracket it opened."""
    from extractors.layout import Cell, Grid, Layout
    from forms.facts import Source

    def cell(text, c):
        return Cell(text, Source("申报表.jpg", 1, f"table 1, row 1, column {c}", (100 * c, 100, 100 * c + 90, 140)), 0.95)

    grid = Grid(1, [[cell("行业类型（按技术", 1), cell("指南）", 2), cell("焦化", 3)],
                    [cell("企业法人", 1), None, cell("王占军", 3)]])
    facts = {f.key: f.value for f in facts_from_layout(Layout("申报表.jpg", "ocr", 1, grids=[grid]), "application_form",
                                                       0.9, [])}
    assert facts["industry"] == "焦化" and facts["legal_representative"] == "王占军"


def test_a_typed_line_of_a_label_no_list_holds_and_its_value_apart_by_spaces():
    """Class: evidence retyped with its labels and values aligned by spaces, no colon (成文日期      20100606,
    批准文号   衡环评〔2010〕79号): only listed labels were read so. The value must read as the field the
    label's meaning names; a line of two values is no pair."""
    with reading("eia_approval"):
        assert [(s.key, v) for s, v, _, _ in pairs_in_text("成文日期      20100606", allow_no_colon=True)] == [
            ("eia_approval_date", "20100606")]
        assert [s.key for s, *_ in pairs_in_text("批准文号   衡环评〔2010〕79号", allow_no_colon=True)] == [
            "eia_approval_number"]
    with reading("application_form"):
        assert pairs_in_text("二〇一〇年六月六日    衡水市生态环境局", allow_no_colon=True) == []
