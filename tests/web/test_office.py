"""The office: decide the grade, the rectification notice (numbered, returns the case), the result
notice (涉密 never listed), the weekly report, the contact form, the templates, the expert pool."""

from __future__ import annotations

import io
import re

import docx
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from tests.web import steps
from tests.web.support import REPO, docx_text, sample_truth

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_decide_the_grade_beside_the_proposal(app, users, case, browser):
    office = browser("office")
    assert "确定等级" not in _text(office.get(f"/cases/{case}"))  # not before the city review
    steps.to_city_review(app, case)
    page = _text(office.get(f"/cases/{case}"))
    assert 'id="decision"' in page and "系统建议：" in page and "审核意见：" in page
    refused = office.post_form(f"/cases/{case}", {"grade": "B", "reason": ""}, action=f"/cases/{case}/grade",
                               follow_redirects=True)
    assert "请填写确定等级的理由" in _text(refused)
    done = office.post_form(f"/cases/{case}", {"grade": "B", "reason": "材料审核和现场审核均符合"},
                            action=f"/cases/{case}/grade", follow_redirects=True)
    assert "核定等级已记为 B" in _text(done)
    assert steps.get_case(app, case).decided_grade == "B"
    assert browser("clerk").post_form(f"/cases/{case}", {"grade": "A", "reason": "x"},
                                      action=f"/cases/{case}/grade").status_code == 403


def test_rectification_notice_is_numbered_and_returns_the_case(app, users, new_case, browser):
    first, second = new_case(), new_case()
    office = browser("office")
    for case_id in (first, second):
        steps.to_city_review(app, case_id)
    page = _text(office.get(f"/cases/{first}/rectification"))
    assert "2020年9月15日" in page and "沧州市生态环境局" in page
    draft = office.get(f"/cases/{first}/rectification/draft.docx")
    assert draft.status_code == 200 and "限期整改" in docx_text(draft.data)
    response = office.post_form(f"/cases/{first}/rectification", {"reason": "排放限值超标", "contact_name": "王某",
                                                                  "contact_phone": "0317-2000000"})
    assert response.status_code == 303
    case = steps.get_case(app, first)
    assert case.stage == "returned" and str(case.rectify_by) == "2020-09-15"
    page = _text(office.get(f"/cases/{first}"))
    assert "沧环整改〔2020〕1号" in page and "退回整改" in page
    office.post_form(f"/cases/{second}/rectification", {"reason": "限期整改"})
    assert "沧环整改〔2020〕2号" in _text(office.get(f"/cases/{second}"))

    # the issued notice: the number, the shortfalls, the deadline; the clerk downloads it for the enterprise
    clerk = browser("clerk")
    link = next(line for line in _text(clerk.get(f"/cases/{first}")).split('"') if line.startswith("/issued/")
                and line.endswith(".docx"))
    text = docx_text(clerk.get(link).data)
    assert "沧环整改〔2020〕1号" in text and sample_truth()["enterprise_name"] in text and "2020年9月15日" in text
    assert "王某" in text
    assert browser("other-clerk").get(link).status_code == 404
    api_copy = docx_text(browser("office").get(f"/cases/{first}/documents/rectification-notice.docx").data)
    assert "沧环整改〔2020〕1号" in api_copy  # the documents route gives the notice as issued
    # a case already returned cannot be returned again
    again = office.post_form(f"/cases/{first}/rectification", {"reason": "x"}, follow_redirects=True)
    assert "不能执行" in _text(again)


def test_result_notice_never_lists_a_secret_case(app, users, new_case, browser):
    public = new_case()
    secret = new_case(enterprise_name="某军工配套铸造厂")
    for case_id in (public, secret):
        steps.to_city_review(app, case_id)
        steps.decide(app, case_id, "C")
    browser("office").post_form(f"/cases/{secret}", {"secret": "1", "reason": "涉密单位"}, action=f"/cases/{secret}/secret")
    office = browser("office")
    page = _text(office.get("/notices"))
    assert "C 级及以下" in page and "另有 1 家涉密企业" in page
    listing = page[page.index('id="publish-list"'):page.index("</table>", page.index('id="publish-list"'))]
    assert "某军工配套铸造厂" not in listing
    response = office.post_form("/notices", {"contact_name": "李某", "contact_phone": "0317-1"})
    assert response.status_code == 400 and "确认公示以上 1 家企业" in _text(response)  # not confirmed
    response = office.post_form("/notices", {"contact_name": "李某", "contact_phone": "0317-1", "confirm": "2"})
    assert response.status_code == 409 and "公示名单已变化" in _text(response)
    preview = office.get("/notices/preview.pdf?contact_name=李某")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF"), re.findall(r"<p class=\"[^\"]*\">([^<]*)", preview.get_data(as_text=True))
    assert "沧环公示〔2020〕1号" not in _text(office.get("/notices"))  # a preview takes no number
    assert "公示" in "".join(pdfium.PdfDocument(preview.data)[0].get_textpage().get_text_range().split())
    response = office.post_form("/notices", {"contact_name": "李某", "contact_phone": "0317-1", "confirm": "1"})
    assert response.status_code == 303
    page = _text(office.get("/notices"))
    assert "沧环公示〔2020〕1号" in page
    link = next(p for p in page.split('"') if p.startswith("/issued/") and p.endswith(".docx"))
    text = docx_text(office.get(link).data)
    name = steps.get_case(app, public).enterprise_name
    assert name in text and "某军工配套铸造厂" not in text and "沧环公示〔2020〕1号" in text
    assert steps.get_case(app, public).stage == "published"
    assert steps.get_case(app, secret).stage == "decided"
    assert "没有可以公示的案件" in _text(office.post_form("/notices", {}, follow_redirects=True))


def test_weekly_report(app, users, case, browser):
    steps.to_province(app, case)
    office = browser("office")
    assert "2020-08-17 至 2020-08-23" in _text(office.get("/reports/weekly?week=2020-08-19"))  # Monday to Sunday
    from web.services.clock import local_date

    with app.app_context():  # sent up just now (events keep the real time), in the office's zone
        local = local_date(steps.get_case(app, case).stage_at)
    page = _text(office.get(f"/reports/weekly?week={local.isoformat()}"))
    assert sample_truth()["enterprise_name"] in page
    response = office.post_form(f"/reports/weekly?week={local.isoformat()}", {"week": local.isoformat()})
    assert response.status_code == 303
    page = _text(office.get(f"/reports/weekly?week={local.isoformat()}"))
    xlsx = next(p for p in page.split('"') if p.startswith("/issued/") and p.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(office.get(xlsx).data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert sample_truth()["enterprise_name"] in cells and any("第1期" in str(c) for c in cells)
    assert "周报由市级大气办报送" in _text(browser("province-office").get("/reports/weekly"))


def test_contact_form(app, users, browser):
    office = browser("office")
    data = {f"liaison_{k}": v for k, v in zip(("name", "unit", "post", "office_phone", "mobile", "email"),
                                               ("孙某", "沧州市生态环境局", "科长", "0317-1", "13900000000", "s@x.cn"),
                                               strict=True)}
    data["group_grading"] = "李某，沧州市生态环境局，副科长，0317-2，13900000001，l@x.cn\n周某，沧州市环科院，高工"
    assert office.post_form("/contact-form", data).status_code == 303
    page = _text(office.get("/contact-form"))
    assert "孙某" in page and "周某" in page  # the last form fills the next one
    xlsx = next(p for p in page.split('"') if p.startswith("/issued/") and p.endswith(".xlsx"))
    cells = [c.value for row in load_workbook(io.BytesIO(office.get(xlsx).data)).active.iter_rows() for c in row]
    assert "孙某" in cells and "周某" in cells
    refused = office.post_form("/contact-form", {}, follow_redirects=True)
    assert "联络人" in _text(refused)
    # an error keeps what was typed (no liaison's name: the head's details and the groups come back)
    typed = {"head_name": "钱某", "head_mobile": "13911112222", "group_assistance": "吴某，沧州市环科院，工程师"}
    refused = office.post_form("/contact-form", typed)
    page = _text(refused)
    assert refused.status_code == 400 and "请至少填写联络人" in page
    assert 'value="钱某"' in page and 'value="13911112222"' in page and "吴某，沧州市环科院，工程师" in page


def _template(extra: str, name: str = "rectification_notice.docx") -> bytes:
    document = docx.Document(str(REPO / "templates" / name))
    document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(office, kind: str, content: bytes, filename: str = "模板.docx"):
    return office.post_form("/templates", {"kind": kind, "template": (io.BytesIO(content), filename), "note": "本市格式"},
                            content_type="multipart/form-data")


def test_templates_are_checked_versioned_and_used(app, users, new_case, browser):
    office = browser("office")
    refused = _upload(office, "rectification-notice", _template("{{ no_such_variable }}"))
    assert refused.status_code == 400 and "no_such_variable" in _text(refused) and "没有的变量" in _text(refused)
    broken = _upload(office, "rectification-notice", _template("{{ enterprise_name "))
    assert broken.status_code == 400 and "标签写法有误" in _text(broken)
    assert _upload(office, "rectification-notice", b"%PDF-1.4", "模板.pdf").status_code == 400
    assert _upload(office, "no-such-kind", _template("x")).status_code == 400

    assert _upload(office, "rectification-notice", _template("沧州市定制版式第一版")).status_code == 303
    assert _upload(office, "rectification-notice", _template("沧州市定制版式第二版")).status_code == 303
    page = _text(office.get("/templates"))
    assert "第 1 版" in page and "第 2 版" in page and "使用中" in page and "恢复使用" in page

    case_id = new_case()
    steps.to_city_review(app, case_id)
    office.post_form(f"/cases/{case_id}/rectification", {"reason": "限期整改"})
    link = next(p for p in _text(office.get(f"/cases/{case_id}")).split('"') if p.startswith("/issued/")
                and p.endswith(".docx"))
    text = docx_text(office.get(link).data)
    assert "沧州市定制版式第二版" in text and "第一版" not in text

    # version 1 back in use (as version 3); another office keeps the built-in template
    from web.db import get_db
    from web.models import OfficeTemplate

    with get_db(app).session() as s:
        first = s.query(OfficeTemplate).filter_by(number=1).one().id
    office.post_form("/templates", {}, action=f"/templates/{first}/restore")
    assert "第 3 版" in _text(office.get("/templates"))
    assert browser("other-office").post_form("/templates", {}, action=f"/templates/{first}/restore").status_code == 404
    assert browser("other-office").get(f"/templates/{first}.docx").status_code == 404
    assert office.get(f"/templates/{first}.docx").status_code == 200
    assert browser("clerk").get("/templates").status_code == 403


def test_expert_pool(app, users, browser):
    page = _text(browser("office").get("/experts"))
    assert "consultant-expert" in page and "第三方服务机构人员" in page and "未签署廉洁守纪承诺书" in page
    assert browser("expert").get("/experts").status_code == 403
