"""The grading catalogue: its workbook round trip, refused workbooks, and checks that cite its rows."""

import io
import re

import pytest
from openpyxl import load_workbook

from forms import catalogue_workbook as workbook
from forms.catalogue import packaged
from forms.checks import run_checks
from forms.facts import DocumentResult, Extraction, Fact, Source
from forms.grading import propose_grade
from forms.vocabulary import UNVERIFIED, VERIFIED
from generators.review_sheet import review_sheet_data

FORM = "申报表.docx"


def _doc(file, kind, fields=None, tables=None):
    facts = [Fact(k, v, str(v), 0.99, Source(file, None, f"table 1, row {i + 1}"), kind)
             for i, (k, v) in enumerate((fields or {}).items())]
    rows = {key: [dict(r, source_ref={"file": file, "page": 1, "cell": f"row {i + 2}", "bbox": None})
                  for i, r in enumerate(table)] for key, table in (tables or {}).items()}
    return DocumentResult(file=file, sha256="0" * 64, kind=kind, method="docx", facts=facts, tables=rows)


def _cement(grade="A", emissions=(), vehicles=()):
    fields = {"enterprise_name": "唐山市某水泥有限公司", "industry": "水泥", "applied_grade": grade,
              "application_date": "2020-08-01"}
    report = _doc("监测报告.pdf", "monitoring_report", {"sampling_date": "2020-05-01"}, {"emissions": list(emissions)})
    return Extraction([_doc(FORM, "application_form", fields, {"vehicles": list(vehicles)}), report])


def _edit(data: bytes, sheet: str, match: dict, changes: dict) -> bytes:
    """The workbook with the first row of `sheet` whose cells equal `match` changed to `changes` (by header)."""
    book = load_workbook(io.BytesIO(data))
    ws = book[sheet]
    headers = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headers)}
    for row in ws.iter_rows(min_row=2):
        if all(row[col[h]].value == v for h, v in match.items()):
            for h, v in changes.items():
                row[col[h]].value = v
            break
    else:
        raise AssertionError(f"no row {match} in {sheet}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


LIMIT = "限值（mg/m³）"
STATUS = "状态"


@pytest.fixture(scope="module")
def exported() -> bytes:
    return workbook.write(packaged())


def test_export_then_import_of_the_unchanged_workbook_is_a_no_op(exported):
    again = workbook.read(exported)
    assert again == packaged()
    assert workbook.changes(packaged(), again) == []
    assert workbook.write(again) and workbook.read(workbook.write(again)) == again


def test_the_workbook_has_a_sheet_per_kind_of_row_each_row_sourced(exported):
    book = load_workbook(io.BytesIO(exported))
    assert book.sheetnames == ["说明", "行业", "行业别名", "申报材料", "排放限值", "运输要求", "监测要求", "申报等级要求", "整改措辞"]
    limits = book["排放限值"]
    headers = [c.value for c in limits[1]]
    for header in ("行业", "申报等级", "污染物", LIMIT, "基准氧含量（%）", "来源（文件、条款或页）", "状态"):
        assert header in headers
    for name in book.sheetnames[1:]:
        ws = book[name]
        heads = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2, values_only=True):
            assert row[heads.index("来源（文件、条款或页）")], (name, row)
            assert row[heads.index("状态")] in (VERIFIED, UNVERIFIED), (name, row)


def test_a_changed_limit_changes_the_findings(exported):
    row = {"outlet_id": "DA001", "source": "窑尾", "pollutant": "氨", "concentration_mg_m3": 4.0, "limit_mg_m3": 8}
    before = run_checks(_cement(emissions=[row]), catalogue=packaged())
    assert not [f for f in before if f.rule == "over_limit:氨"]  # 4 ≤ 5

    changed = _edit(exported, "排放限值", {"行业": "水泥", "污染物": "氨"}, {LIMIT: 3, STATUS: VERIFIED})
    catalogue = workbook.read(changed, version="第2版")
    lines = workbook.changes(packaged(), catalogue)
    assert len(lines) == 1 and "L-" in lines[0] and "限值：5 → 3" in lines[0] and "状态：待核实 → 已核实" in lines[0]
    after = [f for f in run_checks(_cement(emissions=[row]), catalogue=catalogue) if f.rule == "over_limit:氨"]
    assert len(after) == 1 and after[0].severity == "blocking"
    assert "第2版" in after[0].basis and re.search(r"L-\d{3}", after[0].basis)
    assert propose_grade(_cement(emissions=[row]), after, catalogue).grade == "B"


def test_an_unverified_row_gives_a_note_never_a_blocking_finding():
    row = {"outlet_id": "DA001", "source": "窑尾", "pollutant": "氨", "concentration_mg_m3": 6.0, "limit_mg_m3": 8}
    found = [f for f in run_checks(_cement(emissions=[row])) if f.rule == "over_limit:氨"]
    assert [f.severity for f in found] == ["note"]
    assert "待核实" in found[0].message and "待核实" in found[0].basis
    assert propose_grade(_cement(emissions=[row]), found).grade == "A"  # a note holds nothing down


def test_every_blocking_finding_from_the_catalogue_cites_a_verified_row():
    catalogue = packaged()
    rows = {getattr(r, "id", ""): r for sheet in (catalogue.documents, catalogue.limits, catalogue.transport)
            for r in sheet}
    trucks = [{"plate": f"冀B{i:05d}", "vin": None, "emission_stage": s} for i, s in enumerate(["国四"] * 3 + ["国五"])]
    emissions = [{"outlet_id": "DA001", "source": "窑尾", "pollutant": "氨", "concentration_mg_m3": 9, "limit_mg_m3": 8}]
    for grade in ("A", "B", "C", "D"):
        found = run_checks(_cement(grade, emissions, trucks), catalogue=catalogue)
        cited = [f for f in found if f.basis and "行业目录" in f.basis]
        assert cited, grade
        for f in cited:
            ident = re.search(r"[MLT]-\d{3}", f.basis).group(0)
            assert f.severity != "blocking" or rows[ident].verified, (grade, f)
            assert f.severity == "blocking" or not rows[ident].verified, (grade, f)


def test_clean_share_cites_the_transport_row():
    trucks = [{"plate": f"冀B{i:05d}", "vin": None, "emission_stage": s} for i, s in enumerate(["国四"] * 3 + ["国五"])]
    found = {f.rule: f for f in run_checks(_cement("B", vehicles=trucks))}
    share = found["transport:clean_share"]
    assert share.severity == "blocking" and "80%" in share.message and "运输要求" in share.basis
    assert "olympiacleaningservice" in share.basis  # the quoted guideline page is the row's source


def test_missing_documents_cite_the_documents_row():
    found = {f.rule: f for f in run_checks(_cement("A"))}
    assert "“申报材料”表 M-" in found["missing_document:eia_approval"].basis


def _problems(data: bytes) -> list[workbook.Problem]:
    with pytest.raises(workbook.CatalogueRefused) as caught:
        workbook.read(data)
    assert "目录未作任何修改" in caught.value.user_message
    return caught.value.problems


def test_bad_rows_are_refused_with_sheet_row_and_reason(exported):
    bad = _edit(exported, "排放限值", {"行业": "水泥", "污染物": "氨"}, {LIMIT: "五", STATUS: "已审核"})
    bad = _edit(bad, "运输要求", {"行业（全部）": "水泥", "申报等级": "B", "类别": "大宗物料公路运输"},
                {"清洁运输比例（%）": 180})
    bad = _edit(bad, "申报材料", {"申报等级": "C", "材料": "营业执照"}, {"材料": "身份证"})
    problems = _problems(bad)
    by_sheet = {p.sheet: p for p in problems}
    assert set(by_sheet) == {"排放限值", "运输要求", "申报材料"}
    limit = by_sheet["排放限值"]
    assert limit.row >= 2 and "“五”不是数值" in limit.reason and "“已审核”不是可选值" in limit.reason
    assert "超出范围" in by_sheet["运输要求"].reason
    assert "“身份证”不是已知的材料" in by_sheet["申报材料"].reason
    assert str(limit).startswith(f"“排放限值”表第{limit.row}行")


def test_an_unknown_industry_and_a_duplicate_row_are_refused(exported):
    bad = _edit(exported, "排放限值", {"行业": "水泥", "污染物": "氨"}, {"行业": "水泥厂"})
    assert "行业“水泥厂”不在“行业”表中" in _problems(bad)[0].reason
    book = load_workbook(io.BytesIO(exported))
    ws = book["排放限值"]
    ws.append([c.value for c in ws[2]])  # the first limit twice, same 编号
    out = io.BytesIO()
    book.save(out)
    problem = _problems(out.getvalue())[0]
    assert problem.row == ws.max_row and "重复" in problem.reason


def test_formulas_are_refused(exported):
    book = load_workbook(io.BytesIO(exported))
    ws = book["排放限值"]
    headers = [c.value for c in ws[1]]
    ws.cell(2, headers.index(LIMIT) + 1, "=2*5")
    out = io.BytesIO()
    book.save(out)
    problem = _problems(out.getvalue())[0]
    assert problem.sheet == "排放限值" and problem.row == 2 and "公式" in problem.reason


def test_a_new_row_without_a_number_gets_the_next_one(exported):
    book = load_workbook(io.BytesIO(exported))
    ws = book["排放限值"]
    headers = [c.value for c in ws[1]]
    values = {"行业": "水泥", "申报等级": "B", "工序/排放口（关键词以“、”分隔，*代表若干字；全部）": "窑尾",
              "污染物": "颗粒物", LIMIT: 20, "来源（文件、条款或页）": "某省2021年补充说明 第3条", STATUS: VERIFIED}
    ws.append([values.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    catalogue = workbook.read(out.getvalue())
    added = catalogue.limits[-1]
    assert added.id == f"L-{len(packaged().limits) + 1:03d}" and added.process == "窑尾" and added.o2_percent is None
    assert workbook.changes(packaged(), catalogue) == [f"排放限值 {added.id} 新增"]
    assert catalogue.limit_for("水泥", "B", "颗粒物", "2#窑尾") == added
    assert catalogue.limit_for("水泥", "B", "颗粒物", "窑头") is None


def test_a_file_that_is_not_a_workbook_or_lacks_a_sheet_is_refused(exported):
    assert "不是可读取的 Excel 工作簿" in _problems(b"PK\x03\x04 not really")[0].reason
    book = load_workbook(io.BytesIO(exported))
    del book["监测要求"]
    out = io.BytesIO()
    book.save(out)
    assert [(p.sheet, p.reason) for p in _problems(out.getvalue())] == [("监测要求", "缺少该工作表")]


def test_the_review_sheet_requirement_cells_come_from_the_catalogue(exported):
    extraction = _cement("B")
    cells = {row["key"]: row for row in review_sheet_data(extraction)["indicators"]}
    assert cells["transport"]["requirement"].startswith("物料公路运输采用国五")
    assert cells["equipment"]["requirement"] == "（请专家填写）"  # the catalogue states none: the expert fills it
    changed = _edit(exported, "申报等级要求", {"行业（全部）": "水泥", "指标": "运输方式", "申报等级": "B"},
                    {"要求": "大宗物料公路运输全部采用新能源车辆。"})
    data = review_sheet_data(extraction, catalogue=workbook.read(changed, version="第3版"))
    cells = {row["key"]: row for row in data["indicators"]}
    assert cells["transport"]["requirement"] == "大宗物料公路运输全部采用新能源车辆。"
    assert "第3版" in cells["transport"]["requirement_source"] and data["catalogue_version"] == "第3版"


def test_the_packaged_catalogue_loads_the_guideline_rows_with_their_quotes():
    catalogue = packaged()
    cement = catalogue.clean_share_rows("水泥")
    assert {g: r.clean_share_percent for g, r in cement.items()} == {"A": 100, "B": 80, "C": 50}
    assert all(r.verified and r.quote for r in cement.values())
    # inference rows (steel ultra-low limits) and uncorroborated ones (水泥 氨) are not blocking rules
    assert all(r.status == UNVERIFIED for r in catalogue.limits)
    assert catalogue.clean_share_rows("长流程联合钢铁")["A"].status == UNVERIFIED
    assert {r.topic for r in catalogue.monitoring} >= {"电子台账保存期限"}
