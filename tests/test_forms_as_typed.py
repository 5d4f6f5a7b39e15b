"""Forms typed as people type them into a table or a page: a label and its value in one cell (two pairs to a
row), a pair's value wrapped onto the cell's next line, fill-in lines typed as underscores round a value,
instructions and other fields' values typed after a value, codes with their headings, answers written as what
was done. Every input here is built in the test; fixtures/ produces none of these
classes."""

from __future__ import annotations

from extractors.backends.pdf import PdfBackend
from extractors.labels import facts_from_layout
from forms.field_types import FIELD_TYPES
from forms.normalize import parse_bool
from tests.test_labels_by_meaning import CODE, _docx, _read, _row
from tests.test_table_layouts import _pdf


def _pairs_two_to_a_row(doc):
    table = doc.add_table(rows=0, cols=2)
    _row(table, "企业名称：河北恒远铸造有限公司", f"统一社会信用代码：{CODE}")
    _row(table, "法定代表人：王建国", "所在区县：永年区")
    _row(table, "详细地址：河北省邯郸市永年区临洺关镇工业园区8号", "所属行业：铸造")
    _row(table, "环保负责人：李明", "联系电话：13812345678")


def test_a_cell_holding_its_label_and_value_is_a_pair_not_a_label_of_the_next_cell():
    """Class: `标签：值` in every cell, two pairs to a row. The left cell is label-shaped and near a label of
    ours, so it was read as a label whose value is the next cell: 法定代表人 became 所在区县：永年区, and
    详细地址's whole cell was kept unassigned with 所属行业：铸造 as its value."""
    fields, _, unassigned = _read(_docx(_pairs_two_to_a_row))
    assert fields["legal_representative"] == "王建国"
    assert fields["county"] == "永年区"
    assert fields["address"] == "河北省邯郸市永年区临洺关镇工业园区8号"
    assert fields["industry"] == "铸造"
    assert fields["contact_person"] == "李明"
    assert fields["contact_phone"] == "13812345678"
    assert not unassigned


def test_a_pair_s_value_wrapped_onto_the_cell_s_next_line_is_read_whole():
    """Class: a text PDF's narrow cell wraps a pair's value (详细地址：河北省邯郸市永年区临洺关镇⏎工业园区8号); each
    line was read on its own, so the address lost its end. A next line that is a pair of its own stays one."""
    rows = [["企业名称：河北恒远铸造有限公司", f"统一社会信用代码：{CODE}"],
            ["详细地址：河北省邯郸市永年区临洺关镇\n工业园区8号", "法定代表人：王建国\n联系电话：13812345678"]]
    layout = PdfBackend("申报表.pdf", _pdf((rows, [230, 230], []))).read()
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99, [])}
    assert fields["address"] == "河北省邯郸市永年区临洺关镇工业园区8号"
    assert fields["legal_representative"] == "王建国"
    assert fields["contact_phone"] == "13812345678"


def test_fill_in_lines_typed_round_a_value_are_no_part_of_it():
    """Class: a paper form's blanks kept as underscores when it was retyped (申报单位（盖章）：__某某公司__)."""
    def build(doc):
        doc.add_paragraph("申报单位（盖章）：__河北恒远铸造有限公司__")
        doc.add_paragraph("法定代表人：＿＿王建国＿＿    联系电话：13812345678")
        doc.add_paragraph("环评批复文号：________")

    fields, _, _ = _read(_docx(build))
    assert fields["enterprise_name"] == "河北恒远铸造有限公司"
    assert fields["legal_representative"] == "王建国"
    assert "eia_approval_number" not in fields


def test_a_text_layer_s_space_between_a_figure_and_a_chinese_character_is_no_part_of_a_value():
    """Class: a PDF's text layer puts a space where the font changes (工业园区8 号, 5 万吨/年); Chinese text
    never writes one there. Latin words keep theirs."""
    text = FIELD_TYPES["text"].normalise
    assert text("河北省邯郸市永年区临洺关镇工业园区8 号") == "河北省邯郸市永年区临洺关镇工业园区8号"
    assert text("5 万吨/年") == "5万吨/年"
    assert text("ZL 50 装载机") == "ZL 50装载机"


def test_an_answer_written_as_what_was_done_is_a_yes_or_a_no():
    """Class: yes/no questions answered in words other than 是/否/已安装 (已建设, 建有, 具备, 尚未建设, 暂无); an
    answer saying the thing is gone or only asked for is no yes."""
    assert [parse_bool(t) for t in ("已建设", "已设立", "建有", "配有专职人员", "具备")] == [True] * 5
    assert [parse_bool(t) for t in ("尚未建设", "暂无", "不具备", "未设立")] == [False] * 4
    assert parse_bool("已拆除") is None
    assert parse_bool("已申请") is None
    assert parse_bool("已报废") is None and parse_bool("已淘汰") is None  # scrapped, phased out: gone

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "企业名称", "河北恒远铸造有限公司", "门禁系统", "已建设")
        _row(table, "视频监控", "已建成", "专职环保人员", "暂无")

    fields, _, _ = _read(_docx(build))
    assert fields["gate_system"] is True
    assert fields["video_monitoring"] is True
    assert fields["dedicated_env_staff"] is False


def test_words_written_round_a_code_are_no_part_of_it():
    """Class: a permit number or credit code typed with its heading or a note in the same cell (证书编号：…,
    …（重点管理）, …（三证合一）). A single misread character inside a code stays, for the check to report."""
    permit = FIELD_TYPES["permit_number"].normalise
    code = FIELD_TYPES["credit_code"].normalise
    assert permit(f"证书编号：{CODE}001P") == f"{CODE}001P"
    assert permit(f"{CODE}001P（重点管理）") == f"{CODE}001P"
    assert code(f"{CODE}（三证合一）") == CODE
    assert code("911301001一CNUQ04H") == "911301001一CNUQ04H"


def test_a_cross_answers_no_as_a_tick_answers_yes():
    """Class: a yes/no cell answered with a mark alone, × for no as √ for yes."""
    assert parse_bool("×") is False
    assert parse_bool("√") is True


def test_an_instruction_or_another_field_s_value_typed_after_a_value_is_no_part_of_it():
    """Class: the template's instruction kept after the value (某某公司（盖章）, 王建国（签字）), a person's phone in
    the person's cell (李明/13812345678), the city after a county in brackets (永年区（邯郸市））. A company's own
    brackets (河北恒远（邯郸）铸造有限公司) stay."""
    text, person, place = (FIELD_TYPES[t].normalise for t in ("text", "person", "place"))
    assert text("河北恒远铸造有限公司（盖章）") == "河北恒远铸造有限公司"
    assert text("河北恒远（邯郸）铸造有限公司") == "河北恒远（邯郸）铸造有限公司"
    assert person("王建国（签字）") == "王建国"
    assert person("李明/13812345678") == person("李明 0310-6812345") == "李明"
    assert place("永年区（邯郸市）") == "永年区"

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "企业名称", "河北恒远铸造有限公司（盖章）", "法定代表人", "王建国（签字）")
        _row(table, "环保负责人", "李明/13812345678", "所在区县", "永年区（邯郸市）")

    fields, _, _ = _read(_docx(build))
    assert (fields["enterprise_name"], fields["legal_representative"], fields["contact_person"], fields["county"]) == (
        "河北恒远铸造有限公司", "王建国", "李明", "永年区")


def test_boxes_typed_as_letters_of_a_symbol_font_are_boxes():
    """Class: boxes typed as text in a symbol font, as pasting from another form leaves them (R and £ in
    Wingdings 2, þ and ¨ in Wingdings), not inserted as Word's symbols; they were read as the letters."""
    from docx.oxml.ns import qn

    def symbol_run(paragraph, text, font):
        run = paragraph.add_run(text)
        fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi"):
            fonts.set(qn(attribute), font)

    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称", "河北恒远铸造有限公司")
        for label, ticked, font in (("申报等级", "B级", "Wingdings 2"), ("是否安装在线监测", "是", "Wingdings")):
            cells = table.add_row().cells
            cells[0].text = label
            paragraph = cells[1].paragraphs[0]
            boxes = ("R", "£") if font == "Wingdings 2" else ("þ", "¨")
            options = ("A级", "B级") if label == "申报等级" else ("是", "否")
            for option in options:
                symbol_run(paragraph, boxes[0] if option == ticked else boxes[1], font)
                paragraph.add_run(option + " ")

    fields, _, _ = _read(_docx(build))
    assert fields["applied_grade"] == "B"
    assert fields["cems_installed"] is True


def test_a_document_number_set_letter_spaced_is_one_number():
    """Class: a PDF whose text layer places every character apart (冀 环 评 〔 2 0 1 8 〕 1 2 3 号)."""
    assert FIELD_TYPES["doc_number"].normalise("冀 环 评 〔 2 0 1 8 〕 1 2 3 号") == "冀环评〔2018〕123号"


def test_a_label_split_into_a_group_heading_and_sub_labels():
    """Class: a group heading merged down its rows with a sub-label a row (环保联系人 | 姓名 | 李明 over
    电话 | …, 排污许可证 | 编号 / 管理类别 / 有效期): 姓名 says only what kind of value is asked, and was taken
    for the contact person's name."""
    def build(doc):
        table = doc.add_table(rows=0, cols=3)
        _row(table, "企业名称", "", "河北恒远铸造有限公司")
        _row(table, "环保联系人", "姓名", "李明")
        _row(table, "", "电话", "13812345678")
        _row(table, "排污许可证", "编号", f"{CODE}001P")
        _row(table, "", "管理类别", "重点管理")
        _row(table, "", "有效期", "2022年5月4日至2027年5月3日")
        table.cell(1, 0).merge(table.cell(2, 0)).text = "环保联系人"
        table.cell(3, 0).merge(table.cell(5, 0)).text = "排污许可证"

    fields, _, _ = _read(_docx(build))
    assert (fields["contact_person"], fields["contact_phone"]) == ("李明", "13812345678")
    assert (fields["permit_number"], fields["permit_class"], fields["permit_valid_until"]) == (
        f"{CODE}001P", "重点管理", "2027-05-03")


def test_an_industry_written_with_a_word_left_out_is_the_catalogue_s():
    """Class: an industry's name shortened by a word (汽车制造 for 汽车整车制造, 防水材料制造 for 防水建筑材料
    制造): its characters in order, most of them, in one catalogue name only."""
    industry = FIELD_TYPES["industry"].normalise
    assert industry("汽车制造") == "汽车整车制造"
    assert industry("工程机械制造") == "工程机械整机制造"
    assert industry("防水材料制造") == "防水建筑材料制造"
    assert industry("铸件") == "铸件"  # no catalogue name holds it: left for the check to report


def test_a_date_with_its_time_and_a_plate_with_its_colour():
    """Class: dates as a spreadsheet's export writes them (2017/5/3 0:00:00 was read as 2017-05-30; with a
    dash, as nothing) and a plate with its colour noted after it (冀A12345（黄）)."""
    date, plate = FIELD_TYPES["date"].normalise, FIELD_TYPES["plate"].normalise
    assert date("2017/5/3 0:00:00") == date("2017-05-03 00:00:00") == date("2017-05-03T00:00:00") == "2017-05-03"
    assert plate("冀A12345（黄）") == plate("冀A12345(黄牌)") == "冀A12345"


def test_options_before_their_boxes_are_no_unassigned_labels():
    """Class: a choice written with the box after each option (重点管理□ 简化管理☑ 登记管理□); each option was
    kept as an unassigned label whose value is its box, for the clerk to read through."""
    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称", "河北恒远铸造有限公司")
        _row(table, "管理类别", "重点管理□ 简化管理☑ 登记管理□")
        _row(table, "是否安装在线监测", "是☑ 否□")

    fields, _, unassigned = _read(_docx(build))
    assert (fields["permit_class"], fields["cems_installed"]) == ("简化管理", True)
    assert unassigned == []


def test_a_label_alone_on_its_line_has_its_value_on_the_next():
    """Class: a form typed as paragraphs, each label with its colon on a line and the value on the next; only
    the pairs typed on one line were read. A field left empty before a numbered heading takes no heading."""
    def build(doc):
        for line in ("企业名称：", "河北恒远铸造有限公司", "统一社会信用代码：", CODE, "法定代表人：王建国",
                     "详细地址：", "二、生产情况", "主要产品：", "灰铸铁件", "申报单位（盖章）：", "2026年3月5日"):
            doc.add_paragraph(line)

    fields, _, _ = _read(_docx(build))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "credit_code": CODE,
                      "legal_representative": "王建国", "main_products": "灰铸铁件"}


def test_the_form_s_filling_instructions_are_no_values():
    """Class: the template's 填表说明 kept in the filled form (企业名称：填写营业执照上的单位全称, 法定代表人：与营业执照
    一致); they were read as the enterprise's name and legal representative beside the table's."""
    from extractors.backends.docx import DocxBackend

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "企业名称", "河北恒远铸造有限公司", "法定代表人", "王建国")
        doc.add_paragraph("填表说明：")
        doc.add_paragraph("1. 企业名称：填写营业执照上的单位全称；")
        doc.add_paragraph("2. 法定代表人：与营业执照一致。")
        doc.add_paragraph("3. 详细地址：按排污许可证上的生产经营场所地址填写。")

    layout = DocxBackend("申报表.docx", _docx(build)).layout()
    found = [(f.key, f.value) for f in facts_from_layout(layout, "application_form", 0.99, [])]
    assert found == [("enterprise_name", "河北恒远铸造有限公司"), ("legal_representative", "王建国")]


def test_the_enterprise_named_only_in_the_form_s_title(tmp_path):
    """Class: a template with no row for the enterprise's name, which is written in the title instead
    (河北恒远铸造有限公司重点行业绩效分级申报表); the form had no name, a blocking finding. A form with its row keeps
    the row's value."""
    from extractors.pipeline import extract_bundle

    def build(row: bool):
        def fill(doc):
            doc.add_heading("河北恒远铸造有限公司重点行业绩效分级申报表", 1)
            table = doc.add_table(rows=0, cols=4)
            _row(table, "统一社会信用代码", CODE, "法定代表人", "王建国")
            if row:
                _row(table, "企业名称", "河北恒远铸造股份有限公司", "所属行业", "铸造")
        return fill

    for row, name in ((False, "河北恒远铸造有限公司"), (True, "河北恒远铸造股份有限公司")):
        path = tmp_path / f"{row}" / "申报表.docx"
        path.parent.mkdir()
        path.write_bytes(_docx(build(row)))
        (doc,) = extract_bundle([path]).documents
        assert doc.kind == "application_form"
        assert [f.value for f in doc.facts if f.key == "enterprise_name"] == [name]


def test_a_question_wrapped_in_a_narrow_cell_whose_last_line_is_a_label():
    """Class: yes/no questions heading a row of narrow columns over their answers, wrapped by the PDF
    (自动监控是⏎否与省平台⏎联网): the wrap left 联网, itself a label, on the last line, so the cell was taken for
    labels a line and the row for no row of labels; all five answers were lost."""
    rows = [["是否安装污\n染源自动监\n控", "自动监控是\n否与省平台\n联网", "门禁系统是\n否建成", "有无视频监\n控设施",
             "环保管理人\n员是否专职"],
            ["☑是 □否", "□是 ☑否", "☑是 □否", "☑是 □否", "□是 ☑否"]]
    layout = PdfBackend("申报表.pdf", _pdf((rows, [80] * 5, []))).read()
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99, [])}
    assert fields == {"cems_installed": True, "cems_networked": False, "gate_system": True,
                      "video_monitoring": True, "dedicated_env_staff": False}


def test_a_label_s_note_ends_it_when_the_colon_after_it_is_lost():
    """Class: a label reworded and carrying a note, its colon lost by the scan or never typed
    (绩效分级申报级别（必填）A级企业); the note's closing bracket ends the label, the value's type tells the field.
    Seed 53's c01 scan lost its grade (blocking) to it."""
    from extractors.labels import pairs_in_text
    from forms.label_meaning import reading

    with reading("application_form"):
        found = [(spec.key, value) for text in ("绩效分级申报级别（必填）A级企业", "企业名称（盖章） 河北恒远铸造有限公司")
                 for spec, value, _, _ in pairs_in_text(text, allow_no_colon=True, fuzzy=True)]
    assert found == [("applied_grade", "A级企业"), ("enterprise_name", "河北恒远铸造有限公司")]


def test_a_known_label_s_colon_read_as_a_semicolon_on_a_scan():
    """Class: OCR reads a colon as a semicolon (所在县（市、区）;枣强县 run on after the legal representative's
    name): seed 53's c02 scan lost its county (blocking). Typed text keeps its semicolons."""
    from extractors.labels import pairs_in_text
    from forms.label_meaning import reading

    with reading("application_form"):
        scan = [(s.key, v) for s, v, _, _ in pairs_in_text("企业法人:何刚所在县（市、区）;枣强县", fuzzy=True)]
        typed = [(s.key, v) for s, v, _, _ in pairs_in_text("主要产品：灰铸铁件；球墨铸铁件")]
    assert scan == [("legal_representative", "何刚"), ("county", "枣强县")]
    assert typed == [("main_products", "灰铸铁件；球墨铸铁件")]


def test_a_scan_s_speck_before_a_value_or_before_a_number_s_word():
    """Class: a speck read as a middle dot before a value (·河北省…, seed 53's c19 scan: two address
    mismatches) or as a full stop between a figure and 号 (沧环评〔2011〕9.号, c21). A name's middle dot stays."""
    from extractors.labels import pairs_in_text
    from forms.label_meaning import reading

    with reading("application_form"):
        found = {spec.key: spec.normalise(value) for text in (
            "详细地址：·河北省廊坊市霸州市胜芳镇富强路81号", "环评批复文号：沧环评〔2011〕9.号", "法定代表人：买买提·艾力")
            for spec, value, _, _ in pairs_in_text(text, fuzzy=True)}
    assert found == {"address": "河北省廊坊市霸州市胜芳镇富强路81号", "eia_approval_number": "沧环评〔2011〕9号",
                     "legal_representative": "买买提·艾力"}


def test_a_value_naming_its_field_is_no_label_of_the_next_cell():
    """Class: label | value | label | value where the first label is one no field's labels come near
    (涉及行业（签字）) and the value names its field (焦化行业): the value was read as a label whose value is the
    next cell, and the industry became 申请评定等级（A/B/C） (seed 53's d14 scan and photo: invalid:industry,
    blocking)."""
    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "企业名称", "河北恒远焦化有限公司", "统一社会信用代码", CODE)
        _row(table, "涉及行业（签字）", "焦化行业", "申请评定等级（A/B/C）", "B")

    fields, _, _ = _read(_docx(build))
    assert (fields["industry"], fields["applied_grade"]) == ("焦化", "B")


def test_an_outlet_code_whose_figures_a_scan_read_as_letters():
    """Class: a scan's DA003 read as DAQ03 (or DA0O1): the form's outlet then matched no report's, two
    mismatch:outlets warnings (seed 53's c07 scan). An outlet's code is D, A or W, and three figures."""
    outlet = FIELD_TYPES["outlet"].normalise
    assert (outlet("DAQ03"), outlet("DA0O1"), outlet("2#排气筒（DAOl2）")) == ("DA003", "DA001", "DA012")
    assert outlet("DAQ003") == "DAQ003"  # four figures' worth: no code, the text as written
    assert outlet("DÁ002") == "DA002"  # an accent the OCR put on a letter (seed 53's c17 scan)


def test_a_vin_s_zero_read_as_the_letter_o():
    """Class: a scan's 0 in a VIN read as O (LGAC0HON2MG508830, seed 53's c14 scan and photo); a VIN holds no I,
    O or Q (ISO 3779). Only what OCR read is repaired: a typed VIN with an O is the enterprise's mistake."""
    from forms.normalize import vin_as_scanned

    assert vin_as_scanned("LGAC0HON2MG508830") == "LGAC0H0N2MG508830"
    assert vin_as_scanned("LGAC0HON2MG50883") == "LGAC0HON2MG50883"  # not 17 characters: as read
    assert FIELD_TYPES["vin"].normalise("LGAC0HON2MG508830") == "LGAC0HON2MG508830"  # typed: for the check


def test_a_scanned_ledger_s_vin_is_repaired_and_a_typed_one_kept():
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def grid():
        return Grid(index=1, rows=[[Cell(t, Source("台账.jpg", 1)) for t in row] for row in (
            ("车牌号码", "车辆识别代号", "排放阶段"), ("冀T12345", "LGAC0HON2MG508830", "国五"))])

    scanned = tables_from_layout(Layout(file="台账.jpg", method="ocr", grids=[grid()]))["vehicles"]
    typed = tables_from_layout(Layout(file="台账.docx", method="docx", grids=[grid()]))["vehicles"]
    assert (scanned[0]["vin"], typed[0]["vin"]) == ("LGAC0H0N2MG508830", "LGAC0HON2MG508830")


def test_a_speck_inside_a_vin_or_after_guo():
    """Class: a scan's speck read as a comma inside a VIN (LFWZ7XFF9M,F815960) or as a full stop after 国
    (国.V): seed 53's c04 and d23 scans."""
    assert FIELD_TYPES["vin"].normalise("LFWZ7XFF9M,F815960") == "LFWZ7XFF9MF815960"
    assert FIELD_TYPES["emission_stage"].normalise("国.V") == "国五"


def test_dot_leaders_between_a_label_and_its_value():
    """Class: a form typed with leaders from the label to the value (企业名称…………某某公司, 法定代表人........王建国,
    联系电话——138…, 统一社会信用代码：……代码): the leaders were read as the value or kept the label unfound. An
    ellipsis inside a value (灰铸铁件……等) and a range's dash after a date stay as they are."""
    def build(doc):
        for line in ("企业名称…………河北恒远铸造有限公司", f"统一社会信用代码：……{CODE}",
                     "法定代表人........王建国    联系电话——13812345678", "有效期限：2022年5月4日——2027年5月3日",
                     "主要产品：灰铸铁件……等"):
            doc.add_paragraph(line)

    fields, _, _ = _read(_docx(build))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "credit_code": CODE, "legal_representative": "王建国",
                      "contact_phone": "13812345678", "permit_valid_until": "2027-05-03", "main_products": "灰铸铁件……等"}


def test_an_answer_whose_options_stand_a_cell_each():
    """Class: options set a cell each after the label (□A级 | ☑B级 | □C级, □重点管理 | ☑简化管理, 是 | □ | 否 | ☑):
    only the first cell was read, an unticked option, and the grade and class were lost."""
    def build(doc):
        table = doc.add_table(rows=0, cols=5)
        _row(table, "申报等级", "□A级", "☑B级", "□C级", "□D级")
        _row(table, "管理类别", "□重点管理", "☑简化管理", "□登记管理", "")
        _row(table, "门禁系统", "是", "□", "否", "☑")
        _row(table, "法定代表人", "王建国", "联系电话", "13812345678", "")

    fields, _, _ = _read(_docx(build))
    assert fields == {"applied_grade": "B", "permit_class": "简化管理", "gate_system": False,
                      "legal_representative": "王建国", "contact_phone": "13812345678"}


def test_a_mark_in_brackets_before_its_option():
    """Class: the mark typed in brackets before its option (（ ）是 （√）否, [ ]A级 [√]B级): brackets were
    read as after their options only, so the tick went to the option before it: 否 read as 是, B级 as
    nothing. Brackets after their options are read as before."""
    from forms.normalize import normalise_grade, normalise_permit_class

    assert parse_bool("( )是 (√)否") is False
    assert parse_bool("[ ]是 [√]否") is False
    assert parse_bool("【√】是【 】否") is True
    assert parse_bool("是（ ）否（√）") is False
    assert parse_bool("（ ）") is None
    assert normalise_grade("（ ）A级 （√）B级 （ ）C级") == "B"
    assert normalise_permit_class("[√]重点管理 [ ]简化管理") == "重点管理"


def test_a_label_and_its_value_apart_by_a_space_with_no_colon():
    """Class: a Word form typed without colons, a label and its value apart by a space or a tab, in a cell
    (联系电话 13812345678, 详细地址（全称）河北省…) or a paragraph with two pairs (法定代表人 王建国   联系电话 …).
    They were read on scans only; a cell holding such a pair was taken for a label whose value is the next
    cell. A word that is no value (签字, 详细到门牌号) is no pair: the value is the next cell's."""
    def cells(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称  河北恒远铸造有限公司", "法定代表人\t王建国")
        _row(table, f"统一社会信用代码 {CODE}", "联系电话 13812345678")
        _row(table, "详细地址（全称）河北省邯郸市永年区工业园区8号", "所在区县  永年区")
        _row(table, "环保负责人  签字", "李明")

    fields, _, unassigned = _read(_docx(cells))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "legal_representative": "王建国", "credit_code": CODE,
                      "contact_phone": "13812345678", "address": "河北省邯郸市永年区工业园区8号", "county": "永年区",
                      "contact_person": "李明"}
    assert not unassigned

    def lines(doc):
        doc.add_paragraph("企业名称 河北恒远铸造有限公司")
        doc.add_paragraph("法定代表人 王建国       联系电话 13812345678")
        doc.add_paragraph(f"统一社会信用代码 {CODE}")
        doc.add_paragraph("联系电话 请填写手机号码")

    fields, _, _ = _read(_docx(lines))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "legal_representative": "王建国",
                      "contact_phone": "13812345678", "credit_code": CODE}


def test_a_label_wrapped_in_a_narrow_cell_whose_first_line_is_another_label():
    """Class: a narrow PDF cell wrapping a label and its note (环保联系人⏎电话（请如⏎实填写）): its first line is
    a label of ours (环保联系人), so the cell was taken for a label over its value and the phone was missed (seed
    59's c08 pdf-text, photo and scan: missing_field:contact_phone, blocking). A bracket opened on one line
    and closed on a later one says the lines are one wrapped text; a label over a value stays that."""
    rows = [["企业名称", "河北恒远铸造有限公司", "法定代表人", "王建国"],
            ["环保负责人", "李明", "环保联系人\n电话（请如\n实填写）", "15143346065"],
            ["环保联系人\n李明", "", "", ""]]
    layout = PdfBackend("申报表.pdf", _pdf((rows, [70, 170, 55, 170], []))).read()
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99, [])}
    assert fields["contact_phone"] == "15143346065"
    assert fields["contact_person"] == "李明"


def test_a_scan_s_speck_at_a_text_s_end_or_set_apart_inside_it():
    """Class: a scan's speck read as a dot before an address (·河北省…) or as a dot set apart between two of its
    characters (煎茶铺· 镇): the address then differed from the form's (seed 59's d11 on every delivery, a
    mismatch:address note; c04 scan's address missed). A name's dot, written between its parts, stays."""
    text = FIELD_TYPES["text"].normalise
    assert text("·河北省沧州市泊头市四营乡工业园区兴业路78号") == "河北省沧州市泊头市四营乡工业园区兴业路78号"
    assert text("河北省廊坊市霸州市煎茶铺· 镇园区北路145号") == "河北省廊坊市霸州市煎茶铺镇园区北路145号"
    assert text("买买提·艾力商贸有限公司") == "买买提·艾力商贸有限公司"
    assert text("P·O42.5水泥") == "P·O42.5水泥"


def test_an_outlet_code_with_a_scan_s_speck_inside_it():
    """Class: a scan's speck read as a dot or a space inside an outlet's code (DA00.4, D A001): the code was
    not read, so the row's outlet was a new one and the outlets did not match the permit's (seed 59's d29
    scan: mismatch:outlets)."""
    from forms.normalize import outlet_code

    assert [outlet_code(t) for t in ("DA00.4", "D A001", "DA0·02", "DA003 制芯", "DA00")] == [
        "DA004", "DA001", "DA002", "DA003", None]


def test_an_empty_content_control_s_placeholder_is_no_value():
    """Class: a Word form of content controls, one left empty: Word keeps its placeholder in the file
    (单击或点击此处输入文字。, Click or tap here to enter text.), marked w:showingPlcHdr, and it was read as the
    value (主要产品 = Click or tap here to enter text). A filled control is read as before."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def control(paragraph, text, empty):
        # a filled control may keep the flag switched off (w:val="0"), as some tools write it
        flag = "<w:showingPlcHdr/>" if empty else '<w:showingPlcHdr w:val="0"/>'
        paragraph._p.append(parse_xml(
            f'<w:sdt {nsdecls("w")}><w:sdtPr>{flag}<w:text/></w:sdtPr>'
            f"<w:sdtContent><w:r><w:t>{text}</w:t></w:r></w:sdtContent></w:sdt>"))

    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称", "河北恒远铸造有限公司")
        for label, text, empty in (("法定代表人", "王建国", False), ("主要产品", "Click or tap here to enter text.", True),
                                   ("设计产能", "单击或点击此处输入文字。", True)):
            cells = table.add_row().cells
            cells[0].text = label
            control(cells[1].paragraphs[0], text, empty)
        doc.add_paragraph().add_run("详细地址：")
        control(doc.paragraphs[-1], "单击或点击此处输入文字。", True)

    fields, _, unassigned = _read(_docx(build))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "legal_representative": "王建国"}


def test_hidden_text_is_no_part_of_a_value():
    """Class: a template's notes formatted hidden (w:vanish), which Word neither shows nor prints, left in the
    value's cell: they were read into the value."""
    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        cells = table.add_row().cells
        cells[0].text = "企业名称"
        paragraph = cells[1].paragraphs[0]
        paragraph.add_run("河北恒远铸造有限公司")
        paragraph.add_run("（与营业执照名称一致）").font.hidden = True
        _row(table, "法定代表人", "王建国")

    fields, _, _ = _read(_docx(build))
    assert fields["enterprise_name"] == "河北恒远铸造有限公司"
    assert fields["legal_representative"] == "王建国"


def test_text_a_tracked_change_moved_away_is_read_where_it_went():
    """Class: a form edited with changes tracked: a value moved from one cell to another stays in the file at
    both places (w:moveFrom, shown struck through, and w:moveTo), and was read twice."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(doc):
        table = doc.add_table(rows=0, cols=2)
        cells = table.add_row().cells
        cells[0].text = "企业名称"
        cells[1].paragraphs[0]._p.append(parse_xml(
            f'<w:moveTo {nsdecls("w")} w:id="1" w:author="a"><w:r><w:t>河北恒远铸造有限公司</w:t></w:r></w:moveTo>'))
        cells = table.add_row().cells
        cells[0].text = "法定代表人"
        cells[1].paragraphs[0]._p.append(parse_xml(
            f'<w:moveFrom {nsdecls("w")} w:id="2" w:author="a"><w:r><w:t>河北恒远铸造有限公司</w:t></w:r></w:moveFrom>'))
        cells[1].paragraphs[0].add_run("王建国")

    fields, _, _ = _read(_docx(build))
    assert fields["enterprise_name"] == "河北恒远铸造有限公司"
    assert fields["legal_representative"] == "王建国"


def test_a_line_of_two_columns_whose_second_label_nobody_listed():
    """Class: a Word page typed in two columns aligned with spaces or tabs, the second column's label one no
    field has (邮政编码, 占地面积, 职务): the value before it ends at the column's gap, wider than the gap between
    a label and its value; a value's own spacing (河北省邯郸市永年区  临洺关镇…) and a known label after it keep
    their reading."""
    def lines(doc):
        doc.add_paragraph("企业名称  河北恒远铸造有限公司        邮政编码  057150")
        doc.add_paragraph("法定代表人\t王建国\t\t占地面积\t12万平方米")
        doc.add_paragraph("联系人  李明        职务  环保主管")
        doc.add_paragraph("企业地址  河北省邯郸市永年区  临洺关镇工业园区8号        联系电话  13812345678")

    fields, _, _ = _read(_docx(lines))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "legal_representative": "王建国", "contact_person": "李明",
                      "address": "河北省邯郸市永年区临洺关镇工业园区8号", "contact_phone": "13812345678"}


def test_a_label_spread_a_character_at_a_time_with_no_colon():
    """Class: a licence or a form retyped in Word with its labels spread over their column as print has them
    (名    称  某某公司, 住    所  …) and no colon: the spread characters are one label."""
    def lines(doc):
        doc.add_paragraph(f"统一社会信用代码  {CODE}")
        doc.add_paragraph("名    称  河北恒远铸造有限公司        注册资本  伍佰万元整")
        doc.add_paragraph("住    所  河北省邯郸市永年区临洺关镇工业园区8号")
        doc.add_paragraph("法 定 代 表 人  王建国")

    fields, _, _ = _read(_docx(lines), "营业执照.docx")
    assert fields["enterprise_name"] == "河北恒远铸造有限公司"
    assert fields["address"] == "河北省邯郸市永年区临洺关镇工业园区8号"
    assert fields["legal_representative"] == "王建国"


def test_an_option_struck_through_is_the_one_not_chosen():
    """Class: a Word form answered by striking through the option not chosen (是 ~~否~~, 有/~~无~~), or a value
    struck through and another typed after it (~~张三~~ 李明, ~~A级~~ B级): struck text is crossed out, not read."""
    def form(doc):
        table = doc.add_table(rows=0, cols=2)

        def row(label, *runs):
            cells = table.add_row().cells
            cells[0].text = label
            paragraph = cells[1].paragraphs[0]
            for text, struck in runs:
                paragraph.add_run(text).font.strike = struck

        row("是否安装在线监测", ("是", False), ("  ", False), ("否", True))
        row("是否与生态环境部门联网", ("是", True), ("  ", False), ("否", False))
        row("门禁系统", ("有", False), ("/", False), ("无", True))
        row("环保负责人", ("张三", True), (" 李明", False))
        row("申报级别", ("A级  ", True), ("B级", False))

    fields, _, _ = _read(_docx(form))
    assert fields == {"cems_installed": True, "cems_networked": False, "gate_system": True, "contact_person": "李明",
                      "applied_grade": "B"}


def _enclosed(paragraph, enclosure: str, inner: str) -> None:
    """Word's 带圈字符 as Word writes it: an EQ field whose code holds the enclosure and the character."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    for xml in ('<w:r %s><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r %s><w:instrText xml:space="preserve"> eq \\o\\ac(</w:instrText></w:r>',
                f'<w:r %s><w:rPr><w:position w:val="-4"/><w:sz w:val="31"/></w:rPr><w:instrText>{enclosure}</w:instrText></w:r>',
                f'<w:r %s><w:instrText>,{inner})</w:instrText></w:r>',
                '<w:r %s><w:fldChar w:fldCharType="end"/></w:r>'):
        paragraph._p.append(parse_xml(xml % nsdecls("w")))


def test_an_option_circled_with_word_s_enclosed_characters_is_the_one_chosen():
    """Class: a Word form answered by circling the option chosen with 带圈字符 (an EQ field, \\o\\ac(○,是), whose
    characters are in its code, not its text), or by a tick typed inside a box the same way (\\o\\ac(□,√)).
    Read as text, the circled option vanished and the one left read as the answer: the opposite."""
    def form(doc):
        table = doc.add_table(rows=0, cols=2)

        def answer(label):
            cells = table.add_row().cells
            cells[0].text = label
            return cells[1].paragraphs[0]

        _enclosed(p := answer("是否安装在线监测"), "○", "是")
        p.add_run("  否")
        (p := answer("是否与生态环境部门联网")).add_run("是  ")
        _enclosed(p, "○", "否")
        _enclosed(p := answer("门禁系统"), "□", "√")
        p.add_run("有  □无")

    fields, _, _ = _read(_docx(form))
    assert fields == {"cems_installed": True, "cems_networked": False, "gate_system": True}


def test_text_struck_through_in_a_text_pdf_is_not_read():
    """Class: the same form printed to PDF, struck text drawn with a line through it (the text layer keeps the
    characters): a thin line between the characters' top and baseline strikes them out; an underline or a
    table's rule does not."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=10)
    rows = [("企业名称", "<u>河北恒远铸造有限公司</u>"), ("是否安装在线监测", "是  <strike>否</strike>"),
            ("是否与生态环境部门联网", "<strike>是</strike>  否"), ("环保负责人", "<strike>张三</strike> 李明"),
            ("申报级别", "<strike>A级</strike>  B级")]
    table = Table([[Paragraph(a, style), Paragraph(b, style)] for a, b in rows], colWidths=[160, 220],
                  style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([table])
    layout = PdfBackend("申报表.pdf", out.getvalue()).layout()
    fields = {f.key: f.value for f in facts_from_layout(layout, "application_form", 0.99)}
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "cems_installed": True, "cems_networked": False,
                      "contact_person": "李明", "applied_grade": "B"}


def test_a_scan_s_speck_read_as_a_middle_dot_inside_a_label():
    """Class: a scan's speck read as a middle dot between two characters of a known label (视频·监控): the label
    was not found, and the pair before it ran on into it (门禁系统 read 有视频·监控, no answer; seed 61's c13
    scan). A middle dot inside a label is dropped; one parting a name (买买提·艾力) stays."""
    from extractors.labels import pairs_in_text
    from forms.label_meaning import reading

    with reading("application_form"):
        pairs = pairs_in_text("是否建设运输车辆门禁系统:有视频·监控:有", fuzzy=True)
        assert [(spec.key, value) for spec, value, _, _ in pairs] == [("gate_system", "有"), ("video_monitoring", "有")]
        assert [value for _, value, _, _ in pairs_in_text("法定代表人：买买提·艾力", fuzzy=True)] == ["买买提·艾力"]


def test_a_scan_s_lost_colon_after_a_label_its_own_bracket_ends():
    """Class: OCR ran two pairs together and lost the second one's colon, whose label ends in its own closing
    bracket (企业法人:何刚所在县（市、区）枣强县): the bracket ends the label (seed 61's c02 scan, whose missing
    county blocked)."""
    from extractors.labels import pairs_in_text
    from forms.label_meaning import reading

    with reading("application_form"):
        pairs = pairs_in_text("企业法人:何刚所在县（市、区）枣强县", fuzzy=True)
        assert [(spec.key, value) for spec, value, _, _ in pairs] == [("legal_representative", "何刚"), ("county", "枣强县")]


def test_a_scan_s_stray_mark_at_the_end_of_a_label_beside_its_marked_options():
    """Class: a scanned form whose label cell ends in a stray box or tick (the value cell's first box read into
    it, a rule's stub: 申请评定等级（A/B/C)☑) beside a cell holding the marked options: the label was no longer
    label-shaped, and the grade went unread (seed 61's d23 scan and photo, a blocking missing_field)."""
    from extractors.layout import Cell, Grid, Layout
    from forms.facts import Source

    def cell(text, c):
        return Cell(text, Source("申报表.jpg", 1, f"table 1, row 1, column {c}", (c * 300.0, 100.0, c * 300.0 + 290, 160.0)), 0.9)

    grid = Grid(1, [[cell("申请评定等级（A/\nB/C)☑", 1), cell("□A级☑B级□C\n级□D级", 2)]])
    facts = facts_from_layout(Layout("申报表.jpg", "ocr", 1, grids=[grid]), "application_form", 0.9)
    assert [(f.key, f.value) for f in facts] == [("applied_grade", "B")]


def test_a_wrapped_label_whose_last_line_ocr_reads_longer_than_the_first():
    """Class: a scanned label wrapped in its narrow cell whose last line OCR gives more characters than the first
    (排污登记编⏎号/许可证编号: the half-width / on it): the line widths did not look like one text wrapped, and
    the permit number went unread (seed 61's d35 photo). Lines that together are a label of ours are one."""
    from extractors.layout import Cell, Grid, Layout
    from forms.facts import Source

    def cell(text, c):
        return Cell(text, Source("申报表.jpg", 1, f"table 1, row 1, column {c}", (c * 300.0, 100.0, c * 300.0 + 290, 160.0)), 0.9)

    grid = Grid(1, [[cell("排污登记编\n号/许可证编号", 1), cell(f"{CODE[:12]}\n{CODE[12:]}003P", 2)]])
    facts = facts_from_layout(Layout("申报表.jpg", "ocr", 1, grids=[grid]), "application_form", 0.9)
    assert [(f.key, f.value) for f in facts] == [("permit_number", f"{CODE}003P")]


def test_answers_marked_in_columns_headed_by_the_options():
    """Class: yes/no questions laid out as a matrix, the options heading columns (项目 | 是 | 否) and each row's
    tick under the one it chooses: the tick under 否 was read as the question's value, a bare tick, a yes."""
    def form(doc):
        table = doc.add_table(rows=0, cols=3)
        _row(table, "项目", "是", "否")
        _row(table, "是否安装在线监测", "√", "")
        _row(table, "是否与生态环境部门联网", "", "√")
        _row(table, "是否安装视频监控", "", "✓")
        _row(table, "是否配备专职环保人员", "☑", "")

    fields, _, _ = _read(_docx(form))
    assert fields == {"cems_installed": True, "cems_networked": False, "video_monitoring": False,
                      "dedicated_env_staff": True}


def test_a_cell_holding_a_label_and_its_value_apart_by_one_ideographic_space():
    """Class: a Word cell typed 企业名称　某某公司 (one full-width space, no colon), two such cells to a row: each
    cell is a pair, not a label whose value is the next cell."""
    def cells(doc):
        table = doc.add_table(rows=0, cols=2)
        _row(table, "企业名称\u3000河北恒远铸造有限公司", "法定代表人\u3000王建国")
        _row(table, "联系电话\u300013812345678", "所在区县\u3000永年区")

    fields, _, _ = _read(_docx(cells))
    assert fields == {"enterprise_name": "河北恒远铸造有限公司", "legal_representative": "王建国",
                      "contact_phone": "13812345678", "county": "永年区"}


def test_a_lab_report_retyped_in_word_keeps_its_number_in_the_page_header(tmp_path):
    """Class: a monitoring report retyped in Word with its number in the page header, as labs print it on every
    page (报告编号：…): the body never states it, and the report had no number."""
    from docx import Document

    from extractors.pipeline import extract_bundle

    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "报告编号：HBJC-2021-0815"
    doc.add_paragraph("检测报告")
    doc.add_paragraph("委托单位：河北某某铸造有限公司")
    doc.add_paragraph("采样日期：2021年4月6日")
    doc.add_paragraph("检测结果：颗粒物 12.5 mg/m³")
    doc.save(str(tmp_path / "附件6.docx"))
    (report,) = extract_bundle([tmp_path / "附件6.docx"]).documents
    facts = {f.key: f for f in report.facts}
    assert report.kind == "monitoring_report"
    assert facts["report_number"].value == "HBJC-2021-0815" and facts["report_number"].source.cell == "page header"
