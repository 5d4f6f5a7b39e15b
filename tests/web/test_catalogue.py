"""The grading catalogue on the office page: download, import as versions, refusals, re-checks that record
the version, issued documents that record it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.web import steps
from tests.web.support import csrf_from

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LIMIT = "限值（mg/m³）"
PROCESS = "工序/排放口（关键词以“、”分隔，*代表若干字；全部）"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _upload(client, data: bytes, name: str = "行业目录.xlsx", note: str = ""):
    page = client.get("/catalogue")
    return client.client.post("/catalogue", data={"csrf_token": csrf_from(_text(page)), "note": note,
                                                  "workbook": (io.BytesIO(data), name)},
                              content_type="multipart/form-data", follow_redirects=True)


def _cement_nox_limit(data: bytes, mg_m3, status="已核实") -> bytes:
    """The workbook with the 水泥 氨 row turned into a 水泥 B 窑尾 氮氧化物 limit (or that limit changed)."""
    book = load_workbook(io.BytesIO(data))
    ws = book["排放限值"]
    col = {c.value: i for i, c in enumerate(ws[1])}
    row = next(r for r in ws.iter_rows(min_row=2) if r[col["行业"]].value == "水泥"
               and r[col["污染物"]].value in ("氨", "氮氧化物"))
    for header, value in (("申报等级", "B"), (PROCESS, "窑尾"), ("污染物", "氮氧化物"), (LIMIT, mg_m3),
                          ("状态", status), ("来源（文件、条款或页）", "省大气办2026年12月核定（测试）")):
        row[col[header]].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _versions(app):
    from web.db import get_db
    from web.models import CatalogueVersion

    with get_db(app).session() as s:
        return [(v.number, v.changes, v.imported_by.username) for v in s.scalars(select(CatalogueVersion))]


def test_office_imports_a_changed_limit_and_a_recheck_records_the_version(app, users, new_case, browser):
    office = browser("province-office")
    page = _text(office.get("/catalogue"))
    assert "内置目录" in page and "尚未导入" in page
    download = office.get("/catalogue.xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    exported = download.data

    same = _upload(office, exported)
    assert "与现行目录相同，未产生新版本" in _text(same) and _versions(app) == []

    case_id = new_case(sample="cement-b-docx")
    clerk = browser("clerk")
    before = steps.get_case(app, case_id)
    assert not [f for f in before.findings if f["rule"] == "over_limit:氮氧化物"]

    imported = _upload(office, _cement_nox_limit(exported, 50), note="水泥B级窑尾氮氧化物限值")
    assert "已导入行业目录第 1 版（1 处修改）" in _text(imported)
    [(number, changes, who)] = _versions(app)
    assert number == 1 and who == "province-office" and "限值：5 → 50" in changes[0]
    assert "水泥B级窑尾氮氧化物限值" in _text(office.get("/catalogue"))

    response = clerk.post_form(f"/cases/{case_id}", {}, action=f"/cases/{case_id}/recheck", follow_redirects=True)
    assert "已按现行行业目录重新审核" in _text(response)
    case = steps.get_case(app, case_id)
    [over] = [f for f in case.findings if f["rule"] == "over_limit:氮氧化物"]
    assert over["severity"] == "blocking" and "76.5" in over["message"] and "50" in over["message"]
    assert "行业目录（第1版）“排放限值”表 L-" in over["basis"] and "省大气办2026年12月核定" in over["basis"]
    assert case.catalogue_version == 1
    page = _text(clerk.get(f"/cases/{case_id}"))
    assert "按行业目录（第1版）审核" in page
    assert "按更正后的材料和行业目录（第1版）重新审核" in page  # the history

    # the limit raised again: the finding goes away on the next re-check, the history names 第2版
    _upload(office, _cement_nox_limit(office.get("/catalogue.xlsx").data, 80))
    clerk.post_form(f"/cases/{case_id}", {}, action=f"/cases/{case_id}/recheck")
    case = steps.get_case(app, case_id)
    assert not [f for f in case.findings if f["rule"] == "over_limit:氮氧化物"] and case.catalogue_version == 2


def test_an_unverified_limit_gives_a_note(app, users, new_case, browser):
    office = browser("province-office")
    _upload(office, _cement_nox_limit(office.get("/catalogue.xlsx").data, 50, status="待核实"))
    case_id = new_case(sample="cement-b-docx")
    browser("clerk").post_form(f"/cases/{case_id}", {}, action=f"/cases/{case_id}/recheck")
    [over] = [f for f in steps.get_case(app, case_id).findings if f["rule"] == "over_limit:氮氧化物"]
    assert over["severity"] == "note" and "待核实" in over["message"]


def test_bad_rows_and_formulas_are_refused_with_sheet_and_row(app, users, browser):
    office = browser("province-office")
    exported = office.get("/catalogue.xlsx").data
    bad = _cement_nox_limit(exported, "五十")
    response = _upload(office, bad)
    page = _text(response)
    assert response.status_code == 400 and 'id="catalogue-problems"' in page
    assert "排放限值" in page and "“限值（mg/m³）”“五十”不是数值" in page and "目录未作任何修改" in page

    book = load_workbook(io.BytesIO(exported))
    ws = book["运输要求"]
    col = {c.value: i for i, c in enumerate(ws[1])}
    ws.cell(3, col["清洁运输比例（%）"] + 1, "=40+40")
    out = io.BytesIO()
    book.save(out)
    page = _text(_upload(office, out.getvalue()))
    assert "运输要求" in page and "含公式" in page
    assert _text(_upload(office, b"not a workbook", name="目录.xlsx")).count("不是可读取的 Excel 工作簿") >= 1
    assert "请上传 Excel 工作簿（.xlsx）" in _text(_upload(office, exported, name="目录.csv"))
    assert _versions(app) == []


def test_only_the_province_office_imports(app, users, browser):
    city = browser("office")
    assert "由省级大气办维护" in _text(city.get("/catalogue"))
    exported = city.get("/catalogue.xlsx").data
    assert _upload(city, _cement_nox_limit(exported, 50)).status_code == 403
    assert _versions(app) == []


def test_issued_documents_record_the_catalogue_version(app, users, new_case, browser):
    from web.db import get_db
    from web.models import IssuedDocument

    office = browser("province-office")
    _upload(office, _cement_nox_limit(office.get("/catalogue.xlsx").data, 50))
    case_id = new_case(sample="cement-b-docx")
    browser("clerk").post_form(f"/cases/{case_id}", {}, action=f"/cases/{case_id}/recheck")
    steps.to_city_review(app, case_id)
    city = browser("office")
    assert city.post_form(f"/cases/{case_id}/rectification", {"reason": "氮氧化物超过B级限值"}).status_code == 303
    with get_db(app).session() as s:
        doc = s.scalar(select(IssuedDocument).where(IssuedDocument.case_id == case_id))
        assert doc.catalogue_version == 1
