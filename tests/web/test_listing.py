"""The case list: filters by county, industry, grade, stage and text; pages; the .xlsx export;
never more than the user may see."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from web.models import Case, User

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

COUNTIES = ("泊头市", "青县", "献县")
INDUSTRIES = ("铸造", "水泥", "砖瓦窑")


@pytest.fixture
def many(db, users):
    """120 cases in 沧州市 across three counties and industries, and 5 in 石家庄市."""
    from sqlalchemy import select

    with db.session() as s:
        clerk = s.scalar(select(User).where(User.username == "clerk"))
        rows = []
        for i in range(120):
            rows.append(Case(enterprise_name=f"沧州第{i:03d}号{INDUSTRIES[i % 3]}有限公司", credit_code=f"9113098{i:011d}",
                             city="沧州市", county=COUNTIES[i % 3], industry=INDUSTRIES[(i // 3) % 3],
                             applied_grade="B" if i % 2 else "C", decided_grade="A" if i == 7 else None,
                             status="done", stage="city_review" if i % 4 == 0 else "submitted", created_by_id=clerk.id))
        for i in range(5):
            rows.append(Case(enterprise_name=f"石家庄第{i}号铸造有限公司", city="石家庄市", county="鹿泉区", industry="铸造",
                             applied_grade="B", status="done", stage="submitted"))
        s.add_all(rows)
        s.commit()


def _ids(html: str) -> list[int]:
    body = html[html.index("<tbody>"):html.index("</tbody>")] if "<tbody>" in html else ""
    return [int(x) for x in re.findall(r'<a href="/cases/(\d+)">', body)]


def test_pages_and_filters(app, many, browser):
    office = browser("office")
    first = office.get("/cases").get_data(as_text=True)
    assert "共 120 件" in first and "第 1 / 3 页" in first and len(_ids(first)) == 50
    third = office.get("/cases?page=3").get_data(as_text=True)
    assert len(_ids(third)) == 20 and not set(_ids(first)) & set(_ids(third))
    assert "共 120 件" in office.get("/cases?page=999").get_data(as_text=True)  # past the end: the last page

    county = office.get("/cases?county=青县").get_data(as_text=True)
    assert "共 40 件" in county
    both = office.get("/cases?county=青县&industry=水泥").get_data(as_text=True)
    assert "共 13 件" in both or "共 14 件" in both
    grade = office.get("/cases?grade=A").get_data(as_text=True)
    assert "共 1 件" in grade and "沧州第007号" in grade  # the decided grade counts
    stage = office.get("/cases?stage=city_review").get_data(as_text=True)
    assert "共 30 件" in stage
    text = office.get("/cases?q=第011号").get_data(as_text=True)
    assert "共 1 件" in text
    code = office.get("/cases?q=911309800000000012").get_data(as_text=True)
    assert "共 1 件" in code
    wildcard = office.get("/cases?q=%25").get_data(as_text=True)  # % is a character, not a wildcard
    assert "共 0 件" in wildcard and "没有符合条件的案件" in wildcard
    assert "共 120 件" in office.get("/cases?stage=nonsense").get_data(as_text=True)
    page2 = office.get("/cases?county=泊头市&page=1").get_data(as_text=True)
    assert "county=%E6%B3%8A%E5%A4%B4%E5%B8%82" not in page2 or "page=2" not in page2  # 40 cases: one page


def test_visibility_holds_in_lists_and_exports(app, many, browser):
    assert "共 40 件" in browser("county-clerk").get("/cases").get_data(as_text=True)  # 泊头市 only
    assert "共 5 件" in browser("other-office").get("/cases").get_data(as_text=True)
    assert "共 125 件" in browser("province-office").get("/cases").get_data(as_text=True)
    assert "共 0 件" in browser("expert").get("/cases").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(browser("county-clerk").get("/cases.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "企业名称", "统一社会信用代码") and len(rows) == 41
    assert {r[4] for r in rows[1:]} == {"泊头市"}


def test_export_follows_the_filters(app, many, browser):
    response = browser("office").get("/cases.xlsx?industry=水泥&stage=city_review")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))[1:]
    assert rows and {r[5] for r in rows} == {"水泥"} and {r[8] for r in rows} == {"市级初审中"}
    page = browser("office").get("/cases?industry=水泥&stage=city_review").get_data(as_text=True)
    assert f"共 {len(rows)} 件" in page
    assert "/cases.xlsx?industry=" in page  # the export link keeps the filters


def test_the_api_list_is_the_contract_shape(app, many, api):
    rows = api("county-clerk").get("/api/v1/cases").get_json()
    assert len(rows) == 40
    assert {"id", "enterprise_name", "county", "industry", "applied_grade", "status"} <= set(rows[0])


def test_the_api_exports_the_visible_cases_as_a_workbook(app, many, api):
    """`GET /api/v1/cases.xlsx` (contract): the rows the token's user may see, with the list's filters."""
    response = api("county-clerk").get("/api/v1/cases.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "企业名称", "统一社会信用代码") and len(rows) == 41
    assert {r[4] for r in rows[1:]} == {"泊头市"}
    assert len(list(load_workbook(io.BytesIO(api("expert").get("/api/v1/cases.xlsx").data)).active.rows)) == 1
    filtered = api("office").get("/api/v1/cases.xlsx?industry=水泥&stage=city_review")
    rows = list(load_workbook(io.BytesIO(filtered.data)).active.iter_rows(values_only=True))[1:]
    assert rows and {r[5] for r in rows} == {"水泥"}
    assert api().get("/api/v1/cases.xlsx").status_code == 401
