from datetime import date

import pytest

from forms import normalize as n
from forms.fields import FIELDS, label_key, match_label, split_label_value


@pytest.mark.parametrize("text, expected", [
    ("2020年9月15日", "2020-09-15"),
    ("2020 年 9 月 15 日", "2020-09-15"),
    ("2020-09-15", "2020-09-15"),
    ("2020.9.15", "2020-09-15"),
    ("2020/9/15", "2020-09-15"),
    ("二〇二〇年九月十五日", "2020-09-15"),
    ("二〇二〇年十二月三十一日", "2020-12-31"),
    ("二零一九年十月一日", "2019-10-01"),
    ("２０２０年９月１５日", "2020-09-15"),
    ("20200915", "2020-09-15"),
    ("填表日期：2021年1月5日（盖章）", "2021-01-05"),
])
def test_dates_in_every_form(text, expected):
    assert n.parse_date(text) == expected


@pytest.mark.parametrize("text", ["2020年2月30日", "2020-13-01", "明年", "", "二〇二〇年十三月一日"])
def test_impossible_dates_are_not_dates(text):
    assert n.parse_date(text) is None


def test_range_gives_its_end_to_valid_until():
    assert n.parse_date_end("2018年1月1日至2023年12月31日") == "2023-12-31"
    assert n.parse_date_end("自2019.12.20起至2024.12.19止") == "2024-12-19"
    assert FIELDS["permit_valid_until"].normalise("2018年1月1日—2023年12月31日") == "2023-12-31"
    assert n.find_dates("2018年1月1日至2023年12月31日")[0][0] == date(2018, 1, 1)


@pytest.mark.parametrize("text, grade", [
    ("A级", "A"), ("A", "A"), ("Ａ级", "A"), ("B-级", "B-"), ("B－", "B-"), ("引领性", "引领性"),
    ("引领性企业", "引领性"), ("☑A级 □B级 □C级", "A"), ("□A级 ☑B级 □C级", "B"), ("C级企业", "C"),
    ("非引领性", None), ("☑A级 ☑B级", None), ("E级", None),
    ("A.", "A"), ("C级。", "C"), ("B-.", "B-"),  # a scan's speck or stray full stop beside the grade (d28)
])
def test_grades(text, grade):
    assert n.normalise_grade(text) == grade


@pytest.mark.parametrize("text, value", [
    ("☑是 □否", True), ("□是 ☑否", False), ("√", True), ("是", True), ("否", False), ("已安装", True),
    ("未安装", False), ("■有 □无", True), ("", None), ("不确定", None),
])
def test_checkboxes_are_booleans(text, value):
    assert n.parse_bool(text) is value


def test_phone_and_codes():
    assert n.normalise_phone("（0311）8910 9306") == "0311-89109306"
    assert n.normalise_phone("138 1234 5678") == "13812345678"
    assert n.normalise_code(" 91130200 699229617x ") == "91130200699229617X"
    assert n.normalise_code("９１１３０２００６９９２２９６１７Ｘ") == "91130200699229617X"


@pytest.mark.parametrize("text, name", [
    ("SO2", "二氧化硫"), ("SO₂", "二氧化硫"), ("NOx", "氮氧化物"), ("NOX", "氮氧化物"), ("PM", "颗粒物"),
    ("烟尘", "颗粒物"), ("颗粒物", "颗粒物"), ("VOCs", "VOCs"), ("非甲烷总烃", "非甲烷总烃"),
])
def test_pollutants(text, name):
    assert n.normalise_pollutant(text) == name


@pytest.mark.parametrize("text, stage", [
    ("国Ⅴ", "国五"), ("国V", "国五"), ("国5", "国五"), ("国六", "国六"), ("国VI", "国六"), ("纯电动", "新能源"),
    ("LNG", "燃气"), ("天然气", "燃气"), ("国IV", "国四"),
])
def test_emission_stages(text, stage):
    assert n.normalise_emission_stage(text) == stage


def test_numbers():
    assert n.parse_number("6.3") == 6.3
    assert n.parse_number("10") == 10
    assert n.parse_number("6.3 mg/m³") == 6.3
    assert n.parse_number("未检出") is None


@pytest.mark.parametrize("label, key", [
    ("企 业 名 称", "enterprise_name"), ("企业名称：", "enterprise_name"), ("企业(单位)名称", "enterprise_name"),
    ("*统一社会信用代码:", "credit_code"), ("1、法定代表人", "legal_representative"),
    ("所在县（市、区）", "county"), ("申 请 级 别", "applied_grade"), ("设计产能（万吨/年）", "design_capacity"),
    ("环保负责人", "contact_person"), ("负责人", "legal_representative"),
])
def test_labels_with_spaces_colons_and_synonyms(label, key):
    assert label_key(label)
    spec = match_label(label)
    assert spec is not None and spec.key == key


@pytest.mark.parametrize("label", ["产品名称说明", "建设单位名称", "备注", "企业名称及地址", ""])
def test_other_labels_do_not_match(label):
    spec = match_label(label)
    assert spec is None or spec.key != "enterprise_name"


def test_split_label_value_either_colon():
    spec, value = split_label_value("所在区县: 鹿泉区")
    assert spec.key == "county" and value == "鹿泉区"
    spec, value = split_label_value("企 业 名 称：某某有限公司")
    assert spec.key == "enterprise_name" and value == "某某有限公司"
    assert split_label_value("说明：本表一式三份") is None


def test_industry_normalises_to_catalogue_name():
    assert FIELDS["industry"].normalise("铸 造") == "铸造"
    assert FIELDS["industry"].normalise("铸造行业") == "铸造"
    assert FIELDS["industry"].normalise("玻璃钢(纤维增强塑料制品)") == "玻璃钢（纤维增强塑料制品）"
    assert FIELDS["industry"].validate("无此行业") is not None
    assert FIELDS["industry"].validate("水泥") is None


@pytest.mark.parametrize("raw, want", [("P·042.5水泥、熟料", "P·O42.5水泥、熟料"), ("P.O 42.5水泥", "P·O42.5水泥"),
                                       ("PO42.5", "P·O42.5"), ("P·S·A32.5", "P·S·A32.5")])
def test_cement_strength_classes_read_by_ocr(raw, want):
    assert FIELDS["main_products"].normalise(raw) == want


@pytest.mark.parametrize(("text", "expected"), [
    ("填报日期：二□二一年八月二十二日", "2021-08-22"),  # OCR reads the round 〇 as a square
    ("二□二□年九月三日", "2020-09-03"),
    ("二口二三年九月三日", "2023-09-03"),
    ("□□□□年一月一日", None),  # four squares are boxes, not a year
    ("□A级 □B级", None),
])
def test_a_chinese_year_whose_zero_ocr_read_as_a_square(text, expected):
    assert n.parse_date(text) == expected


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("county", "1", None),  # a scan's row number under an empty 所在县 cell
    ("county", "鹿泉区", "鹿泉区"),
    ("county", "泊 头 市", "泊头市"),
    ("contact_person", "手", None),  # one stray character is no name
    ("contact_person", "赵 斌", "赵斌"),
    ("legal_representative", "阿不都·热合曼", "阿不都·热合曼"),
])
def test_a_place_or_a_person_needs_a_name(key, raw, expected):
    assert FIELDS[key].normalise(raw) == expected


# ---------------------------------------------------------------- answers and values as other hands write them
# (the corpus generator writes ☑ before the option, a bare grade letter and one phone number)


@pytest.mark.parametrize(("text", "value"), [
    ("是（√） 否（ ）", True), ("是( ) 否(√)", False), ("有[✓] 无[ ]", True),  # a mark in brackets after its option
    ("是☑ 否□", True), ("是□ 否☑", False), ("已安装■ 未安装□", True),  # a glyph after its option
    ("是 否", None), ("有/无", None),  # both offered, neither marked
])
def test_marks_after_their_options(text, value):
    from forms.normalize import parse_bool

    assert parse_bool(text) is value


@pytest.mark.parametrize(("text", "grade"), [
    ("环保绩效A级", "A"), ("C级（非重点行业）", "C"), ("评定为B-级企业", "B-"),
    ("非A级", None), ("不低于B级", None),
])
def test_grades_with_words_around_them(text, grade):
    from forms.normalize import normalise_grade

    assert normalise_grade(text) == grade


@pytest.mark.parametrize(("text", "phone"), [
    ("0311-12345678 / 13812345678", "0311-12345678"), ("13812345678；13912345678", "13812345678"),
    ("13812345678 或 0311-87654321", "13812345678"), ("138 1234 5678", "13812345678"),
])
def test_a_cell_with_two_phone_numbers_gives_the_first(text, phone):
    from forms.normalize import normalise_phone

    assert normalise_phone(text) == phone


@pytest.mark.parametrize("text", ["0311-87654321转801", "0311-87654321 分机 12", "0311-87654321 ext.8"])
def test_an_extension_is_not_part_of_the_number(text):
    """A switchboard's number with its extension: the number is read (it was digits run together, and since
    a phone's shape counts at most 13 digits, no phone at all)."""
    from forms.normalize import normalise_phone

    assert normalise_phone(text) == "0311-87654321"


@pytest.mark.parametrize("raw, phone", [
    ("+86 138 0317 1234", "13803171234"),  # the country's code, digits grouped
    ("138-0317-1234", "13803171234"),  # a mobile written in groups is one number
    ("0317 8123456", "0317-8123456"),  # the area code set off by a space
    ("(0317)8123456", "0317-8123456"),
])
def test_phones_as_other_hands_group_them(raw, phone):
    assert n.normalise_phone(raw) == phone


@pytest.mark.parametrize("raw, place", [
    ("河北省沧州市泊头市", "泊头市"), ("沧州市运河区", "运河区"), ("内蒙古自治区包头市土默特右旗", "土默特右旗"),
    ("沧州市", "沧州市"), ("枣强县", "枣强县"),
])
def test_a_place_written_with_the_units_above_it_is_its_last_unit(raw, place):
    assert n.normalise_place(raw) == place


@pytest.mark.parametrize("raw", ["冀J·12345", "冀J 12345", "冀j12345", "冀Ｊ．12345"])
def test_a_plate_with_the_separator_people_print_is_the_plate(raw):
    assert n.normalise_plate(raw) == "冀J12345"


@pytest.mark.parametrize("raw, grade", [("A级 B级 √B-级 C级 D级", "B-"), ("A级 B-级√ C级", "B-"), ("√ A级 B级", None)])
def test_options_without_boxes_the_chosen_one_marked(raw, grade):
    """Class: only the chosen option carries a mark, written against it (before or after, no space between);
    a mark standing alone between two options says neither."""
    assert n.normalise_grade(raw) == grade


@pytest.mark.parametrize("raw", ["2017-01-01 ~ 长期", "自2017年1月1日起长期有效", "2017年1月1日至无固定期限", "长期"])
def test_a_range_with_no_end_has_no_end_date(raw):
    """Class: a validity with no end (长期, 无固定期限): its start is not when it ends (it was read as expired)."""
    assert n.parse_date_end(raw) is None


@pytest.mark.parametrize("question", ["是否接入生态环境主管部门监控平台", "有无车辆门禁", "专职环保员（是/否）",
                                      "是否安装视频监控系统？"])
def test_a_yes_no_question_is_never_its_own_answer(question):
    """Class: a question cell read where its answer was expected (a form that puts its questions over their
    answers, read across instead of down). The generator puts answers beside their questions."""
    assert n.parse_bool(question) is None


@pytest.mark.parametrize("raw, grade", [
    ("□A级B级□C级□D\n级", "B"),  # the ticked box OCR could not read; the unticked ones it read as □
    ("□A级 B级 □C级 □D级 □引领性", "B"),
    ("X A级□B级□C级□D级", "A"),  # ☒, a ticked Word legacy check box, read as the letter X
    ("□A级 X B级 □C级", "B"),
    ("□A级 □B级 □C级", None),  # nothing ticked: no grade
    ("□A级 B级 C级", None),  # two options without a box: which was ticked is not known
])
def test_the_one_option_whose_box_ocr_lost_or_misread_is_the_ticked_one(raw, grade):
    """Class: a scan whose ticked box OCR dropped or read as a letter while it read every empty box as □ (a
    legacy ☒ box, a box touching its option's letter). The generator's ticks are always read as ☑ or √."""
    assert n.normalise_grade(raw) == grade


@pytest.mark.parametrize("raw, kind", [
    ("□重点管理□\n简化管理登\n记管理", "登记管理"),  # the ticked box between two options lost, the text wrapped
    ("□重点管理简化管理□登记管理", "简化管理"),
    ("□重点管理□简化管理□登记管理", None),
    ("□重点管理□\n简化管理☑登\n记管理", "登记管理"),  # the ticked option itself wrapped over two lines
])
def test_options_run_together_where_their_box_was_lost_are_told_apart_by_the_fields_choices(raw, kind):
    """Class: a photographed 排污许可管理类别 whose ticked box OCR lost between two options written without a
    space (the robustness benchmark's photo of c05). The generator spaces its options and ticks with ☑."""
    assert n.normalise_permit_class(raw) == kind


@pytest.mark.parametrize("raw, grade, kind", [
    ("□A级 ☑B级C级D级", "B", None),  # the boxes after the ticked one lost: the options run on behind it
    ("☑A级B级 □C\n级", "A", None),
    ("□A级☑B级C\n级D级", "B", None),  # one of them wrapped
    ("□A级☑B-级C级", "B-", None),
    ("☑简化管理登记管理", None, "简化管理"),
    ("☑B级（非重点行业）", "B", None),  # one option and its note: as before
])
def test_options_run_on_behind_the_ticked_box_where_their_own_boxes_were_lost(raw, grade, kind):
    """Class: a phone photo whose faint empty boxes OCR lost after the ticked one, so that the options after
    it run on behind its mark (☑B级C级D级): the ticked option is the first of them. The generator's boxes
    are dark and each is read."""
    if kind is None:
        assert n.normalise_grade(raw) == grade
    else:
        assert n.normalise_permit_class(raw) == kind


@pytest.mark.parametrize("raw, grade", [("□A级□B级√C级|.|D级", "C"), ("√A级 |_| B级 |_| C级", "A"),
                                        ("□A级 | B级", None)])
def test_an_empty_box_read_as_its_two_sides_is_an_empty_box(raw, grade):
    """Class: a scan's empty box between two options read as its sides and a speck inside (|.|, |_|), so
    that the ticked option ran on into the next one (C级|.|D级). A lone bar is no box. The generator's boxes
    are read as □."""
    assert n.normalise_grade(raw) == grade


@pytest.mark.parametrize("raw, name", [("朱卫东.", "朱卫东"), ("·张敏", "张敏"), ("阿卜杜·热合曼", "阿卜杜·热合曼"),
                                       ("是否", ""), ("有无", "")])
def test_a_speck_beside_a_name_is_no_part_of_it_and_a_questions_words_are_no_name(raw, name):
    """Class: a scan's speck read beside a name; a yes/no question whose boxes were lost (环保管理人员是否专职 read
    as a role's label over 是否)."""
    assert n.normalise_person(raw) == name


@pytest.mark.parametrize("raw, end", [("2018/11/8至\n2023/11./7", "2023-11-07"), ("2020./9/15", "2020-09-15")])
def test_a_speck_beside_a_dates_separator_is_no_figure(raw, end):
    """Class: a scan's speck read as a full stop beside a date's separator (2023/11./7)."""
    assert n.parse_date_end(raw) == end


def test_a_middle_dot_read_as_two_full_stops_is_the_cement_class():
    assert n.repair_cement_grades("P..O42.5水泥、熟料") == n.repair_cement_grades("P-O42.5水泥、熟料") == "P·O42.5水泥、熟料"


@pytest.mark.parametrize("raw, vin", [("一LGAK1B557J4439385", "LGAK1B557J4439385"), ("LGAK1B557J4439385。", "LGAK1B557J4439385"),
                                      ("LZZ5CLSB9KW123456", "LZZ5CLSB9KW123456"),
                                      ("LRDS4SAFXM4859798LRD84SAFXM4859798", "LRDS4SAFXM4859798LRD84SAFXM4859798")])
def test_a_vin_beside_a_speck_is_the_vin_and_two_readings_run_together_are_left_as_read(raw, vin):
    """Class: a scan's speck read as 一 or a full stop beside a VIN; a line the engine read twice is not
    guessed at (the two readings differ)."""
    assert n.normalise_vin(raw) == vin


@pytest.mark.parametrize("raw", ["冀D,15533D", "冀D，15533D", "冀D'15533D"])
def test_a_speck_inside_a_plate_is_no_part_of_it(raw):
    assert n.normalise_plate(raw) == "冀D15533D"


def test_a_figure_in_powers_of_ten_as_a_report_prints_it():
    """Class: a monitoring report's figures in scientific notation: superscript figures (1.2×10³, 3.2×10⁻², as
    Word sets them) and a spreadsheet's E notation (1.2E+01) were read as their first factor alone."""
    from forms.normalize import parse_number

    assert parse_number("1.2×10³") == 1200
    assert parse_number("3.2×10⁻²") == 0.032
    assert parse_number("1.2E+01") == 12
    assert parse_number("2.5e-1") == 0.25
    assert parse_number("1.2×10^2") == 120
    assert parse_number("8.2 E区") == 8.2
    assert parse_number("8.2mg/m³") == 8.2


def test_a_stage_written_as_its_figure_alone():
    """Class: a ledger's 排放阶段 column holding the stage's figure without 国 (Ⅵ, VI, 五, V阶段, 6b): it was
    kept as written, no stage, so the vehicle counted as no 国五/国六 truck. An Arabic figure alone stays as
    it is: it may be a row's number."""
    from forms.normalize import normalise_emission_stage

    assert [normalise_emission_stage(t) for t in ("Ⅵ", "VI", "六", "6b", "Ⅵ(b)", "V阶段", "五", "IV")] == \
        ["国六"] * 5 + ["国五"] * 2 + ["国四"]
    assert normalise_emission_stage("6") == "6"
    assert normalise_emission_stage("V6") == "V6"


def test_a_plate_with_its_colour_written_round_it_or_a_combination_s_two_plates():
    """Class: a ledger's plate cell with the plate's colour written without brackets (黄 冀A12345, 冀A12345黄牌)
    or a tractor's plate and its trailer's (冀A12345/冀B5678挂): the cell was kept whole, no plate, so its
    row's vehicle was missed. The first plate in it is the vehicle's."""
    from forms.normalize import normalise_plate

    assert normalise_plate("黄 冀A12345") == "冀A12345"
    assert normalise_plate("冀A12345黄牌") == "冀A12345"
    assert normalise_plate("冀A12345/冀B5678挂") == "冀A12345"
    assert normalise_plate("冀A1234挂") == "冀A1234挂"
    assert normalise_plate("冀AD12345") == "冀AD12345"


def test_a_date_with_a_scan_s_speck_beside_its_words():
    """Class: a scan's speck read as a dot beside a date's words (2019·年9月4日): no date was read, so the
    vehicle had no registration date (seed 59's c21 scan)."""
    from forms.normalize import parse_date

    assert [parse_date(t) for t in ("2019·年9月4日", "2019年·9月4日", "2019年9月4·日")] == ["2019-09-04"] * 3
    assert parse_date("2023.5.6") == "2023-05-06"


def test_a_date_wrapped_in_a_cell_whose_next_line_opens_with_a_speck():
    """Class: a date wrapped in a scanned form's narrow cell, the speck at its next line's start read as a comma
    (2022年11月⏎,29日): no date was read, no application date, and the permit and report were judged against
    today (seed 67's c17 scan: expired:discharge_permit and stale:monitoring_report, both blocking). A list of
    months is no date (3月，2022年4月5日)."""
    from forms.normalize import parse_date

    assert [parse_date(t) for t in ("2022年11月\n,29日", "2022年11月，29日", "2022年、11月29日")] == ["2022-11-29"] * 3
    assert [d for d, _, _ in n.find_dates("2021年3月，2022年4月5日")] == [date(2022, 4, 5)]


def test_a_grade_whose_next_option_wrapped_and_lost_its_box_before_it():
    """Class: a scanned grade row wrapped in its cell, the next option's box read after it (□A级 ☑B级⏎C级□ D级):
    the ticked option ran on to the next mark, B级 and C级 both, and no grade was read (missing_field:applied_grade,
    blocking; seed 67's d23 scan). A line ends one option; a grade opening the next line is another. On one
    line, a mark between them still decides nothing (☑B级 C级□ D级)."""
    assert n.normalise_grade("□A级  ☑B级\nC级□  D级") == "B"
    assert n.normalise_grade("☑A\n级 □B级") == "A"  # one option wrapped: still one
    assert n.normalise_grade("□A级  ☑B级 C级□  D级") is None


def test_a_speck_between_a_tick_and_its_option():
    """Class: a scan's speck read as a middle dot or a full stop between a tick and its option (□是√·否): the option
    read ·否, no answer word, and the tick counted as a yes (seed 67's c01 scan: cems_networked read True, truth
    False: a wrong answer, not a missing one)."""
    assert [n.parse_bool(t) for t in ("□是√·否", "□是☑.否", "□是√ •否")] == [False] * 3
    assert n.parse_bool("☑·是 □否") is True


def test_an_empty_box_ocr_read_as_brackets_among_boxes_before_their_options():
    """Class: a photographed grade row whose last empty box OCR read as a pair of brackets (□A级☑B级[]⏎C级):
    among boxes before their options, [] is a box before the next option, not an empty mark after the one before
    (which made 'B级 C级' the answer: no grade, and missing_field:applied_grade blocked seed 61's d35 photo)."""
    assert n.ticked_options("□A级☑B级[]\nC级") == ["B级"]
    assert n.ticked_options("□A级☑B级L]\nC级") == ["B级"]  # its corners read as L and ] (seed 61's d35 scan)
    assert FIELDS["applied_grade"].normalise("□A级☑B级[]C级") == "B"
    assert n.ticked_options("是（√）否（ ）") == ["是"] and n.ticked_options("[√]重点管理 [ ]简化管理") == ["重点管理"]


def test_a_cement_class_s_dot_read_as_a_comma_or_a_speck_after_it():
    """Class: the cement class's middle dot read by OCR as a comma (P，O42.5), and a speck after the class read
    as a full stop (P·O42.5.水泥): main_products mismatched the permit's (seed 61's c10 and c11 scans)."""
    assert n.repair_cement_grades("P，O42.5水泥、熟料") == n.repair_cement_grades("P·O42.5.水泥、熟料") == "P·O42.5水泥、熟料"


@pytest.mark.parametrize("raw, want", [("由C级升为B级", "B"), ("原B级，申请A级", "A"), ("B级→A级", "A"),
                                       ("现为C级，申报B级", "B"), ("申请绩效等级：A", "A"), ("原C级", "C"),
                                       ("B级（申报）", "B"), ("A级（拟申报）", "A")])
def test_a_grade_written_with_the_one_held_and_the_one_asked_for(raw, want):
    """Class: an applied grade written with the grade the enterprise holds (由C级升为B级, 原B级，申请A级): the one
    after the asking is the one applied for; two letters read no grade at all."""
    assert FIELDS["applied_grade"].normalise(raw) == want


@pytest.mark.parametrize("raw, want", [("自2020年6月15日起五年", "2025-06-14"), ("5年（自2020年6月15日起）", "2025-06-14"),
                                       ("2024年2月29日起三年", "2027-02-28"), ("自2020年6月15日起", None),
                                       ("有效期至2025年6月14日（5年）", "2025-06-14"), ("2020.6.15-2025.6.14", "2025-06-14")])
def test_a_term_given_as_its_start_and_its_length(raw, want):
    """Class: a validity written as a start and a length (自2020年6月15日起五年): its one date was taken for the
    end, and a valid permit read as expired five years ago; a start alone says nothing of the end."""
    assert n.parse_date_end(raw) == want
