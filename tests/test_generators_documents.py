"""Every kind of document renders from its example; data functions; refusals; the 涉密 filter."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from docx import Document

from cli.main import main
from forms.errors import BadInput, DataDoesNotFit, TemplateInvalid
from forms.facts import DocumentResult, Extraction, Fact, Finding, Source
from generators import kinds
from generators.official import (
    body_paragraphs,
    check_doc_number,
    signature_line,
    text_width,
    title_lines,
)
from generators.rectification_notice import deadline_for, rectification_notice_data
from generators.result_notice import add_working_days, publishable, result_notice_data
from generators.weekly_report import weekly_report_data
from tests.generator_samples import examples_from_inputs, province_enterprises


def texts(path_or_bytes) -> list[str]:
    """Every paragraph and cell of a .docx, headers and footers included, in order."""
    doc = Document(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes))
    out = [p.text for p in doc.paragraphs]
    out += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for section in doc.sections:
        for part in (section.first_page_header, section.header):
            out += [p.text for p in part.paragraphs]
    return out


def render(kind: str, data) -> list[str]:
    buffer = io.BytesIO()
    kinds.get(kind).render(data, buffer, fmt=".docx")
    return texts(buffer.getvalue())


# ---- every kind from its example ----------------------------------------------------------

@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_every_kind_renders_its_example(kind):
    data = kinds.get(kind).example()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # plain JSON
    lines = render(kind, data)
    joined = "\n".join(lines)
    assert "{{" not in joined and "{%" not in joined
    assert joined.strip()


def test_examples_are_what_the_data_functions_make():
    for name, made in examples_from_inputs().items():
        assert kinds.get(name).example() == made, name


@pytest.fixture(scope="module")
def converter_pool():
    import shutil

    from generators.pdf import ConverterPool, uno_available

    if shutil.which("soffice") is None or not uno_available():
        pytest.skip("LibreOffice with the UNO bridge is not installed")
    pool = ConverterPool(1)
    yield pool
    pool.close()


def test_every_kind_renders_its_example_in_every_format(tmp_path, converter_pool):
    for kind in kinds.KINDS.values():
        for fmt in kind.formats:
            out = tmp_path / f"{kind.name}{fmt}"
            kind.render(kind.example(), out, pool=converter_pool)
            assert out.stat().st_size > 0, out.name
    assert kinds.CASE_KINDS == ("review-sheet", "rectification-notice", "reduction-list")


def test_templates_come_from_the_settings_directory(tmp_path, monkeypatch, capsys):
    import shutil

    from forms.settings import Settings

    letter = kinds.get("letter")
    with pytest.raises(TemplateInvalid):
        letter.render(letter.example(), io.BytesIO(), fmt=".docx", settings=Settings(template_dir=str(tmp_path)))
    shutil.copy(_template("letter.docx"), tmp_path / "letter.docx")
    letter.render(letter.example(), io.BytesIO(), fmt=".docx", settings=Settings(template_dir=str(tmp_path)))
    monkeypatch.setenv("GRADEDESK_TEMPLATE_DIR", str(tmp_path))
    assert main(["generate", "letter", "--example", "--out", str(tmp_path / "函.docx")]) == 0
    assert main(["generate", "notice", "--example", "--out", str(tmp_path / "通知.docx")]) == 2
    assert "notice.docx" in capsys.readouterr().err


def test_notice_content():
    data = kinds.get("notice").example()
    lines = render("notice", data)
    assert "示例市大气污染防治工作领导小组办公室文件" in lines
    assert "示气领办〔2020〕12号" in lines
    assert any(line.startswith("关于做好2020年") for line in lines)
    assert "各县（市、区）人民政府，市直有关部门：" in lines  # addressees end with a full-width colon
    assert "一、高度重视绩效评级工作" in lines
    assert "附件：1.应急减排清单和绩效分级工作联络表" in lines and "2.企业绩效分级专家审核表" in lines
    assert "2020年7月10日" in lines
    assert "（此件公开发布）" in lines
    assert "抄送：省大气污染防治工作领导小组办公室，市生态环境局。" in lines
    assert "示例市大气污染防治工作领导小组办公室\t2020年7月10日印发" in lines
    # the signature is padded to sit centred over the date
    signature = next(line for line in lines if line.strip() == "示例市大气污染防治工作领导小组办公室")
    assert signature.startswith("\u3000")


def test_letter_has_its_head_in_the_first_page_header():
    lines = render("letter", kinds.get("letter").example())
    doc_lines = lines
    assert "示例市生态环境局" in doc_lines and "示环函〔2020〕15号" in doc_lines
    assert "抄送：示例市大气污染防治工作领导小组办公室。" in lines
    assert not any("印发" in line for line in lines)  # the letter's end block has no 印发 line


def test_result_notice_content():
    data = kinds.get("result-notice").example()
    lines = render("result-notice", data)
    joined = "\n".join(lines)
    assert "经企业自评、资料审核、现场核验、专家会审等程序" in joined
    assert "其中A级1家、B级2家、B-级1家、引领性企业1家" in joined
    assert "公示时间：2020年9月21日至2020年9月25日（5个工作日）。" in lines
    assert "请以书面形式向示例省生态环境厅大气环境处反映，并具体列举异议理由和相关材料" in joined
    assert "联系电话：0311-87654321" in lines and "电子邮箱：dqc@example.gov.cn" in lines
    assert "附件1" in lines and "附件4" in lines
    assert "示例省2020年重点行业绩效分级A级名单" in lines
    for header in ("序号", "区县", "企业名称", "行业类别", "绩效等级"):
        assert header in lines
    assert "示例钢铁集团有限公司" in lines
    assert "（此件公开发布）" in lines
    # neither the secret enterprise nor a C-grade one is on a province notice
    assert "某军工配套铸造厂" not in joined and "示例砖瓦有限公司" not in joined


def test_rectification_notice_content():
    data = kinds.get("rectification-notice").example()
    lines = render("rectification-notice", data)
    joined = "\n".join(lines)
    assert "示例铸造有限公司：" in lines
    assert "你单位存在以下问题：" in joined
    assert any(line.startswith("1.DA001 颗粒物 12 mg/m³") for line in lines)
    assert any(line.startswith("2.运输方式：国五及以上运输车辆占比75%") for line in lines)
    assert "请你单位于2020年9月15日前按以下要求完成整改：" in joined
    assert "退回你单位申报材料，按原级别（C级）执行" in joined
    assert "2020年12月15日前完成整改的，可重新申报" in joined
    assert "示环整改〔2020〕7号" in lines


def test_contact_form_content_and_sheet(tmp_path):
    data = kinds.get("contact-form").example()
    lines = render("contact-form", data)
    assert "示例市应急减排清单和绩效分级工作联络表" in lines
    for label in ("主管负责人", "分管负责人", "联络人", "绩效分级组", "清单编制组", "技术帮扶组"):
        assert label in lines
    for value in ("赵某", "示例市人民政府", "副市长", "0311-80000001", "13900000001", "zhao@example.gov.cn", "周某"):
        assert value in lines
    out = tmp_path / "联络表.xlsx"
    kinds.get("contact-form").render(data, out)
    from openpyxl import load_workbook

    values = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert "绩效分级组" in values and "李某" in values and "zheng@example.org" in values


def test_weekly_report_selects_the_weeks_first_reviewed_a_b_and_leading_cases():
    data = kinds.get("weekly-report").example()
    names = [r["enterprise_name"] for r in data["rows"]]
    assert names == ["示例铸造有限公司", "示例钢铁集团有限公司", "示例水泥粉磨有限公司"]  # not C, not last week
    assert data["period"] == "2020年8月17日至2020年8月23日"
    lines = render("weekly-report", data)
    assert "本周共完成A级、B级和引领性企业申报材料初审3家，其中申报A级1家、申报B级1家、申报引领性企业1家。" in lines
    empty = weekly_report_data([], city="示例市", week_start=date(2020, 8, 17))
    assert "本周无完成初审的A级、B级和引领性企业。" in render("weekly-report", empty)


def test_reduction_list_docx_and_xlsx(tmp_path):
    data = kinds.get("reduction-list").example()
    lines = render("reduction-list", data)
    assert "示例铸造有限公司重污染天气应急减排措施（一厂一策）" in lines
    for level in ("红色预警", "橙色预警", "黄色预警"):
        assert level in lines
    assert "熔化" in lines and "袋式除尘器" in lines
    out = tmp_path / "一厂一策.xlsx"
    kinds.get("reduction-list").render(data, out)
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames == ["减排措施", "生产工艺"]
    rows = list(book["减排措施"].iter_rows(values_only=True))
    assert rows[1][:6] == ("企业名称", "统一社会信用代码", "区县", "行业类别", "绩效等级", "预警级别")
    assert [r[5] for r in rows[2:5]] == ["红色预警", "橙色预警", "黄色预警"]
    assert rows[2][0] == "示例铸造有限公司" and rows[2][4] == "B级"


def test_reduction_list_without_measures_says_who_fills_them():
    from generators.reduction_list import reduction_list_data

    data = reduction_list_data(_extraction())
    assert data["grade"] == "B"
    assert data["measures"][0]["production"] == "（待属地按《技术指南》铸造行业B级减排措施填写）"


# ---- data functions ---------------------------------------------------------------------------

def test_secret_enterprises_are_never_listed():
    enterprises = province_enterprises() + [
        {"name": "涉密企业乙", "county": "东城区", "industry": "焦化", "grade": "A", "涉密": True},
        {"name": "涉密企业丙", "county": "东城区", "industry": "砖瓦窑", "grade": "C", "secret": "是"},
    ]
    province = result_notice_data(enterprises, level="province", region="示例省", year=2020, issuer="示例省生态环境厅",
                                  period_start=date(2020, 9, 21))
    city = result_notice_data(enterprises, level="city", region="示例市", year=2020, issuer="示例市生态环境局",
                              period_start=date(2020, 9, 21))
    for data in (province, city):
        names = [row["name"] for item in data["lists"] for row in item["rows"]]
        assert not any("涉密" in n or "军工" in n for n in names)
        text = json.dumps(data, ensure_ascii=False)
        assert "涉密企业" not in text and "军工" not in text
    assert province["total"] == 5 and [c["grade"] for c in province["counts"]] == ["A", "B", "B-", "引领性"]
    assert city["total"] == 1 and city["lists"][0]["rows"][0]["name"] == "示例砖瓦有限公司"
    assert city["title"] == "关于示例市2020年重污染天气重点行业绩效评级C级及以下企业名单的公示"
    # a secret row slipped into hand-made data is dropped at rendering too
    tampered = json.loads(json.dumps(province, ensure_ascii=False))
    tampered["lists"][0]["rows"].append({"index": 2, "county": "东城区", "name": "涉密企业丁", "industry": "焦化",
                                         "grade": "A", "secret": True})
    assert "涉密企业丁" not in "\n".join(render("result-notice", tampered))


def test_result_notice_levels_and_period():
    assert publishable([{"grade": "B级"}, {"grade": "C"}], "province") == [{"grade": "B级"}]
    with pytest.raises(DataDoesNotFit):
        publishable([], "county")
    assert add_working_days(date(2020, 9, 21), 5) == date(2020, 9, 25)  # Monday to Friday
    assert add_working_days(date(2020, 9, 24), 5) == date(2020, 9, 30)  # over a weekend


def test_rectification_deadlines_follow_the_calendar():
    assert deadline_for(date(2020, 8, 1))[:2] == (date(2020, 9, 15), "first")
    assert deadline_for(date(2020, 9, 15))[:2] == (date(2020, 9, 15), "first")
    assert deadline_for(date(2020, 9, 16))[:2] == (date(2020, 12, 15), "second")
    assert deadline_for(date(2020, 12, 16))[:2] == (date(2021, 9, 15), "first")


def test_rectification_notice_lists_blocking_confirmed_and_expert_shortfalls():
    findings = [Finding("expired:discharge_permit", "blocking", "排污许可证已于2020年6月30日到期。", [Source("许可证.pdf", 1)]),
                Finding("stale:monitoring_report", "warning", "监测报告超过12个月。", []),
                Finding("missing_field:video_monitoring", "note", "未填写视频监控。", [])]
    confirmed = [findings[1].to_dict()]
    verdicts = [{"name": "运输监管", "verdict": "不符合", "remark": "未建设门禁系统"},
                {"name": "排放限值", "verdict": "符合"}]
    data = rectification_notice_data(_extraction(), findings, as_of=date(2020, 10, 8), confirmed=confirmed,
                                     verdicts=verdicts, issuer="示例市生态环境局", doc_number="示环整改〔2020〕9号")
    problems = [s["problem"] for s in data["shortfalls"]]
    assert problems == ["排污许可证已于2020年6月30日到期（见许可证.pdf 第1页）。", "监测报告超过12个月。",
                        "运输监管：未建设门禁系统。"]
    assert data["shortfalls"][2]["requirement"].startswith("运输监管达到B级要求：门禁系统")
    assert (data["deadline"], data["window"]) == ("2020年12月15日", "second")
    lines = render("rectification-notice", data)
    assert "请你单位于2020年12月15日前按以下要求完成整改：" not in lines  # second window: re-apply wording
    assert any("请于2020年12月15日前将整改情况报告及相关证明材料报送示例县生态环境主管部门，重新申报" in line for line in lines)


def test_official_helpers():
    assert check_doc_number("冀气领办[2020]94号") == "冀气领办〔2020〕94号"
    for bad in ("冀气领办〔20〕94号", "冀气领办〔2020〕094号", "冀气领办〔2020〕第94号", "94号"):
        with pytest.raises(DataDoesNotFit):
            check_doc_number(bad)
    assert title_lines("关于做好2020年绩效分级和应急减排清单修订工作的通知") == (
        "关于做好2020年绩效分级和\n应急减排清单修订工作的通知")
    for line in title_lines("关于示例省2020年重污染天气重点行业绩效评级B（含B-）级及以上和引领性企业名单的公示").split("\n"):
        assert text_width(line) <= 20 and not line.startswith(("级", "以上"))
    paras = body_paragraphs("一、总体要求\n（一）加强源头控制。要求企业真实申报。\n1.全面开展评级。\n正文")
    assert [(p["level"], p["heading"]) for p in paras] == [(1, "一、总体要求"), (2, "（一）加强源头控制。"), (3, ""), (0, "")]
    assert paras[1]["text"] == "要求企业真实申报。"
    # signature centred over a date right-indented four characters
    line = signature_line("示例市生态环境局", "2020年7月8日")
    assert text_width(line) == 28 - 4 - 3 + 4  # centre of the date at 21, half the signature right of it


# ---- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["notice", "letter", "result-notice", "rectification-notice", "contact-form",
                                  "weekly-report", "reduction-list"])
def test_missing_keys_are_named(kind):
    data = kinds.get(kind).example()
    first = next(iter(data))
    del data[first]
    with pytest.raises(DataDoesNotFit) as err:
        kinds.get(kind).render(data, io.BytesIO(), fmt=".docx")
    assert first in err.value.user_message


def test_nested_missing_keys_are_named():
    data = kinds.get("contact-form").example()
    del data["head"]["mobile"]
    del data["groups"]["grading"][1]["email"]
    with pytest.raises(DataDoesNotFit) as err:
        kinds.get("contact-form").render(data, io.BytesIO(), fmt=".docx")
    assert "head.mobile" in err.value.user_message and "groups.grading[1].email" in err.value.user_message
    data = kinds.get("result-notice").example()
    del data["lists"][1]["rows"][0]["county"]
    del data["contact"]["email"]
    with pytest.raises(DataDoesNotFit) as err:
        kinds.get("result-notice").render(data, io.BytesIO(), fmt=".docx")
    assert "lists[1].rows[0].county" in err.value.user_message and "contact.email" in err.value.user_message


def test_formats_and_templates(tmp_path):
    with pytest.raises(BadInput):
        kinds.get("letter").render(kinds.get("letter").example(), tmp_path / "x.xlsx")
    with pytest.raises(BadInput):
        kinds.get("memo")
    for kind in kinds.KINDS.values():
        kind.check_uploaded_template(_template(kind.template))
    bad = Document()
    bad.add_paragraph("{{ title }}{{ no_such_thing }}")
    path = tmp_path / "bad.docx"
    bad.save(str(path))
    with pytest.raises(TemplateInvalid) as err:
        kinds.get("notice").check_uploaded_template(path)
    assert "no_such_thing" in err.value.user_message


def test_generate_every_kind_from_its_example(tmp_path, capsys):
    for kind in kinds.KINDS:
        assert main(["generate", kind, "--example"]) == 0
        example = json.loads(capsys.readouterr().out)
        data_file = tmp_path / f"{kind}.json"
        data_file.write_text(json.dumps(example, ensure_ascii=False), encoding="utf-8")
        out = tmp_path / f"{kind}.docx"
        assert main(["generate", kind, "--data", str(data_file), "--out", str(out)]) == 0, capsys.readouterr().err
        assert out.stat().st_size > 0
        if ".xlsx" in kinds.get(kind).formats:
            assert main(["generate", kind, "--data", str(data_file), "--out", str(tmp_path / f"{kind}.xlsx")]) == 0
    assert main(["generate", "letter", "--example", "--out", str(tmp_path / "函.xlsx")]) == 2
    assert "不支持的输出格式" in capsys.readouterr().err
    assert main(["generate", "notice", "--bundle", str(tmp_path), "--out", str(tmp_path / "n.docx")]) == 2
    assert "--data" in capsys.readouterr().err


def test_generate_case_documents_from_a_bundle(tmp_path, form_docx, capsys):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "申报表.docx").write_bytes(form_docx)
    out = tmp_path / "一厂一策.xlsx"
    assert main(["generate", "reduction-list", "--bundle", str(bundle), "--out", str(out), "--as-of", "2020-08-20"]) == 0
    out = tmp_path / "审核表.docx"
    assert main(["generate", "review-sheet", "--bundle", str(bundle), "--out", str(out)]) == 0
    assert "石家庄市正定县恒通铸造有限公司" in texts(out)
    out = tmp_path / "整改通知书.docx"
    code = main(["generate", "rectification-notice", "--bundle", str(bundle), "--out", str(out),
                 "--as-of", "2020-08-20"])
    err = capsys.readouterr().err
    if code == 0:  # the bundle lacks documents: blocking findings become the shortfalls
        assert "你单位存在以下问题：" in "\n".join(texts(out))
    else:
        assert code == 2 and "无需整改通知书" in err


def _template(name):
    from generators.docx_render import find_template

    return find_template(name)


def _extraction() -> Extraction:
    def fact(key, value):
        return Fact(key, value, str(value), 0.95, Source("申报表.docx", cell="表1"), "application_form")

    facts = [fact("enterprise_name", "示例铸造有限公司"), fact("industry", "铸造"), fact("applied_grade", "B"),
             fact("county", "示例县")]
    return Extraction([DocumentResult("申报表.docx", "", "application_form", "docx", facts=facts)])
