"""The expert review sheet: data from an extraction, rendering, the `generate` command."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from docx import Document

from cli.main import main
from forms.catalogue import indicators
from forms.errors import DataDoesNotFit, TemplateInvalid
from forms.facts import DocumentResult, Extraction, Fact, Finding, Source
from generators.docx_render import check_template, template_variables
from generators.review_sheet import (
    KEYS,
    NO_REQUIREMENT,
    REVIEW_SHEET,
    review_sheet_data,
)
from generators.text import cn_date

RECUSAL = "本人与该企业不存在技术服务、咨询等利害关系，承诺遵守廉洁守纪要求。"
NAME = "邢台市华北精密铸造有限公司"
CODE = "91130200699229617X"


def cell_texts(path) -> list[str]:
    doc = Document(str(path))
    return [cell.text for table in doc.tables for row in table.rows for cell in row.cells]


def all_text(path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + cell_texts(path))


def hand_made_extraction() -> Extraction:
    form = "申报表.docx"

    def fact(key, value, cell, file=form, page=None, kind="application_form"):
        return Fact(key, value, str(value), 0.95, Source(file, page, cell), kind)

    application = DocumentResult(
        file=form, sha256="0" * 64, kind="application_form", method="docx",
        facts=[
            fact("enterprise_name", NAME, "表1第1行第2列"),
            fact("credit_code", CODE, "表1第2行第2列"),
            fact("industry", "铸造", "表1第4行第2列"),
            fact("applied_grade", "A", "表1第5行第2列"),
            fact("cems_installed", True, "表4第1行第2列"),
            fact("cems_networked", False, "表4第2行第2列"),
            fact("permit_valid_until", "2023-06-30", "表5第3行第2列"),
        ],
        tables={"vehicles": [
            {"plate": f"冀E{i:05d}", "vin": None, "emission_stage": stage, "registration_date": None,
             "source_ref": {"file": form, "page": None, "cell": "表7", "bbox": None}}
            for i, stage in enumerate(["国六", "国六", "国五", "新能源", "燃气", "国四", "国三", None])]})
    report = DocumentResult(
        file="监测报告.pdf", sha256="1" * 64, kind="monitoring_report", method="pdf-text", pages=4,
        facts=[fact("enterprise_name", NAME, None, file="监测报告.pdf", page=1, kind="monitoring_report")],
        tables={"emissions": [
            {"outlet_id": "DA001", "source": "熔化工序", "pollutant": "颗粒物", "concentration_mg_m3": 6.3,
             "limit_mg_m3": 10, "source_ref": {"file": "监测报告.pdf", "page": 3, "cell": None, "bbox": None}},
            {"outlet_id": "DA002", "source": "制芯工序", "pollutant": "非甲烷总烃", "concentration_mg_m3": 72.0,
             "limit_mg_m3": 60, "source_ref": {"file": "监测报告.pdf", "page": 4, "cell": None, "bbox": None}},
        ]})
    return Extraction([report, application])


FINDINGS = [
    Finding("stale:monitoring_report", "note", "监测报告距申报日期已超过10个月。", [Source("监测报告.pdf", 1)]),
    Finding("over_limit:非甲烷总烃", "blocking", "DA002 非甲烷总烃 72 mg/m³，超过报告所列限值 60 mg/m³。",
            [Source("监测报告.pdf", 4)]),
]


# ---- data -------------------------------------------------------------------

def test_data_from_extraction():
    data = review_sheet_data(hand_made_extraction(), FINDINGS, review_type="现场审核",
                             review_date=date(2020, 9, 5), experts=["李某"], proposed_grade="B")
    assert set(KEYS) <= set(data)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert (data["enterprise_name"], data["credit_code"], data["industry"], data["applied_grade"]) == (
        NAME, CODE, "铸造", "A")
    assert data["review_date"] == "2020年9月5日"
    assert data["proposed_grade"] == "B"
    assert data["experts"] == [{"name": "李某", "employer": "", "specialty": ""}]

    rows = {row["key"]: row for row in data["indicators"]}
    assert [row["name"] for row in data["indicators"]] == [i.name for i in indicators()]
    # the cells cite numbered notes; the notes, listed once at the end, say where each fact was read
    notes = data["notes"]
    assert len(notes) == len(set(notes)) and all(row["sources"] == [] for row in data["indicators"])

    def cited(row) -> list[str]:
        marks = re.findall(r"注(\d+)", row["actual"].rsplit("（", 1)[-1])
        return [notes[int(m) - 1] for m in marks]

    assert rows["monitoring"]["actual"].startswith("安装在线监测：是\n联网：否（注")
    assert cited(rows["monitoring"]) == ["申报表.docx 表4第1行第2列（安装在线监测）", "申报表.docx 表4第2行第2列（联网）"]
    assert rows["emission_limits"]["actual"].startswith(
        "DA001 颗粒物 6.3 mg/m³（限值10）；DA002 非甲烷总烃 72 mg/m³（限值60，超限）（注")
    assert cited(rows["emission_limits"]) == ["监测报告.pdf 第3页", "监测报告.pdf 第4页"]
    assert rows["transport"]["actual"].startswith(
        "运输车辆共8辆：国五及以上3辆、新能源1辆、燃气1辆，合计5辆，占62.5%；其余国三1辆、国四1辆、排放阶段不明1辆（注")
    assert cited(rows["transport"]) == ["申报表.docx 表7"]
    assert rows["management"]["actual"].startswith("许可证有效期至：2023年6月30日\n")
    assert "申报材料中未找到" in rows["management"]["actual"]
    assert rows["fugitive"]["actual"] == "申报材料中未找到，请现场核实"
    assert rows["equipment"]["actual"] == "申报材料中未找到，请现场核实"
    # the catalogue has the A requirement of 运输监管 but none of 排放限值: that cell asks the expert, and one
    # line under the table says how many are missing, never a placeholder sentence in every cell
    assert rows["transport_supervision"]["requirement"].startswith("门禁系统")
    assert rows["emission_limits"]["requirement"] == "（请专家填写）"
    lacking = sum(row["requirement"] == "（请专家填写）" for row in data["indicators"])
    assert data["requirement_note"] == NO_REQUIREMENT.format(n=lacking, grade="A级") and "技术指南" in data[
        "requirement_note"]

    # blocking first, with its evidence described
    assert [f["severity_label"] for f in data["findings"]] == ["阻断", "提示"]
    assert data["findings"][0]["evidence"] == "监测报告.pdf 第4页"
    # stored findings (Finding.to_dict()) give the same rows
    stored = review_sheet_data(hand_made_extraction(), [f.to_dict() for f in FINDINGS])
    assert stored["findings"] == data["findings"]


def test_unknown_grade_has_honest_requirement_and_bad_review_type_is_refused():
    data = review_sheet_data(Extraction())
    assert data["enterprise_name"] == "" and data["applied_grade"] == ""
    assert {row["requirement"] for row in data["indicators"]} == {"（请专家填写）"}
    assert data["requirement_note"] == NO_REQUIREMENT.format(n=len(data["indicators"]), grade="申报等级")
    with pytest.raises(DataDoesNotFit):
        review_sheet_data(Extraction(), review_type="电话审核")


def test_form_and_report_emissions_are_one_row_each_side_by_side():
    extraction = hand_made_extraction()
    form = extraction.documents[1]
    form.tables["emissions"] = [
        {"outlet_id": "DA001", "pollutant": "颗粒物", "concentration_mg_m3": 6.3, "limit_mg_m3": 10,
         "source_ref": {"file": "申报表.docx", "page": None, "cell": "表2第2行", "bbox": None}},
        {"outlet_id": "DA002", "pollutant": "非甲烷总烃", "concentration_mg_m3": 45.0, "limit_mg_m3": 60,
         "source_ref": {"file": "申报表.docx", "page": None, "cell": "表2第3行", "bbox": None}}]
    data = review_sheet_data(extraction)
    [row] = [r for r in data["indicators"] if r["key"] == "emission_limits"]
    actual = row["actual"].rsplit("（注", 1)[0]
    assert actual == ("DA001 颗粒物 申报表6.3、监测报告6.3 mg/m³（限值10）；"
                      "DA002 非甲烷总烃 申报表45、监测报告72 mg/m³，两者不一致，请核实（限值60，超限）")


def test_cn_date():
    assert cn_date(date(2020, 9, 15)) == "2020年9月15日"
    assert cn_date("2021-01-05") == "2021年1月5日"
    assert cn_date(None) == ""


# ---- rendering ----------------------------------------------------------------

def test_template_reads_exactly_the_data_keys():
    assert template_variables(_template_path()) == set(KEYS)
    check_template(_template_path(), REVIEW_SHEET.example())


def test_render_example(tmp_path):
    data = REVIEW_SHEET.example()
    out = tmp_path / "example.docx"
    REVIEW_SHEET.render_docx(data, out)
    cells = cell_texts(out)
    joined = "\n".join(cells)
    assert data["enterprise_name"] in cells and data["credit_code"] in cells
    for indicator in indicators():
        assert indicator.name in cells
    paragraphs = [p.text for p in Document(str(out)).paragraphs]
    assert data["notes"] and all(f"注{i}：{n}" in paragraphs for i, n in enumerate(data["notes"], start=1))
    assert "来源：" not in joined  # the cells cite the notes, they do not repeat the places
    assert any(RECUSAL in c for c in cells)
    assert "☑材料审核　□现场审核" in cells
    assert "{{" not in all_text(out) and "{%" not in all_text(out)
    # one named expert and blank rows up to three for signatures
    doc = Document(str(out))
    signatures = doc.tables[-1]
    assert [row.cells[1].text for row in signatures.rows[2:]] == ["王某某", "", ""]


def test_render_hand_made_extraction_to_file_object(tmp_path):
    data = review_sheet_data(hand_made_extraction(), FINDINGS, review_date="2020-09-05")
    buffer = io.BytesIO()
    REVIEW_SHEET.render_docx(data, buffer)
    out = tmp_path / "sheet.docx"
    out.write_bytes(buffer.getvalue())
    cells = cell_texts(out)
    joined = "\n".join(cells)
    assert NAME in cells and CODE in cells
    for indicator in indicators():
        assert indicator.name in cells
    text = all_text(out)
    assert "监测报告.pdf 第4页" in text and "来源：" not in joined
    assert "申报表.docx 表4第2行第2列（联网）" in text
    assert "DA002 非甲烷总烃 72 mg/m³（限值60，超限）" in joined
    assert "阻断" in cells and FINDINGS[1].message in cells
    assert any(RECUSAL in c for c in cells)
    assert "日期：2020年9月5日" in all_text(out)
    # no experts named: three blank signature rows
    assert len(Document(str(out)).tables[-1].rows) == 2 + 3


def test_render_without_findings_says_so(tmp_path):
    data = dict(REVIEW_SHEET.example(), findings=[])
    out = tmp_path / "clean.docx"
    REVIEW_SHEET.render_docx(data, out)
    assert "自动审核未发现需要提示的问题。" in cell_texts(out)


def test_text_that_looks_like_markup_is_escaped(tmp_path):
    data = dict(REVIEW_SHEET.example(), enterprise_name="A&B <测试> 公司")
    out = tmp_path / "escaped.docx"
    REVIEW_SHEET.render_docx(data, out)
    assert "A&B <测试> 公司" in cell_texts(out)


def test_missing_keys_are_named(tmp_path):
    data = REVIEW_SHEET.example()
    del data["credit_code"]
    del data["indicators"][1]["actual"]
    with pytest.raises(DataDoesNotFit) as err:
        REVIEW_SHEET.render_docx(data, tmp_path / "x.docx")
    assert "credit_code" in err.value.user_message
    assert "indicators[1].actual" in err.value.user_message
    assert not (tmp_path / "x.docx").exists()


def test_broken_template_is_template_invalid(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ enterprise_name ")
    doc.add_paragraph("{% for x in %}")
    broken = tmp_path / "broken.docx"
    doc.save(str(broken))
    with pytest.raises(TemplateInvalid):
        REVIEW_SHEET.render_docx(REVIEW_SHEET.example(), tmp_path / "x.docx", template=broken)
    unknown = Document()
    unknown.add_paragraph("{{ no_such_key }}")
    path = tmp_path / "unknown.docx"
    unknown.save(str(path))
    with pytest.raises(TemplateInvalid) as err:
        check_template(path, REVIEW_SHEET.example())
    assert "no_such_key" in err.value.user_message


def _template_path():
    from generators.docx_render import find_template

    return find_template("review_sheet.docx")


# ---- the command ----------------------------------------------------------------

def test_generate_example_renders_via_data(tmp_path, capsys):
    assert main(["generate", "review-sheet", "--example"]) == 0
    example = json.loads(capsys.readouterr().out)
    assert example == REVIEW_SHEET.example()
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps(example, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "审核表.docx"
    assert main(["generate", "review-sheet", "--data", str(data_file), "--out", str(out)]) == 0
    cells = cell_texts(out)
    assert example["enterprise_name"] in cells and example["credit_code"] in cells


def test_generate_refusals(tmp_path, capsys):
    data_file = tmp_path / "data.json"
    data = REVIEW_SHEET.example()
    del data["experts"]
    data_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "x.docx"

    assert main(["generate", "review-sheet", "--data", str(data_file), "--out", str(out)]) == 2
    assert "experts" in capsys.readouterr().err
    assert not out.exists()

    assert main(["generate", "review-sheet", "--data", str(data_file), "--out", str(tmp_path / "x.xlsx")]) == 2
    assert ".xlsx" in capsys.readouterr().err

    assert main(["generate", "rectification-notice", "--data", str(data_file), "--out", str(out)]) == 2
    assert "shortfalls" in capsys.readouterr().err

    assert main(["generate", "no-such-kind", "--example"]) == 2
    assert "未知的文书类型" in capsys.readouterr().err

    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert main(["generate", "review-sheet", "--data", str(tmp_path / "bad.json"), "--out", str(out)]) == 2
    assert "JSON" in capsys.readouterr().err
