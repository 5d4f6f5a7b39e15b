"""The clerk's corrections (original and correction both kept; the checks run again on the corrected
values; documents use them) and decisions on findings (confirmed or dismissed, with a reason)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web import steps
from tests.web.support import docx_text, sample_truth
from web.models import Case, Correction, FindingDecision

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

VALID_CODE = "91130200699229617X"  # passes the GB 32100 check character


def _text(response) -> str:
    return response.get_data(as_text=True)


def _correct(client, case_id, key, value, reason="对照原件更正"):
    return client.post_form(f"/cases/{case_id}/fields/{key}", {"value": value, "reason": reason})


def test_a_correction_keeps_the_original_and_rechecks(app, db, users, case, browser, api):
    truth = sample_truth()
    clerk = browser("clerk")
    page = _text(clerk.get(f"/cases/{case}/fields/credit_code"))
    assert truth["credit_code"] in page and "原识别值" in page

    response = _correct(clerk, case, "credit_code", "91130200699229617Y")  # a wrong check character
    assert response.status_code == 303
    detail = api("clerk").get(f"/api/v1/cases/{case}").get_json()
    field = detail["extraction"]["fields"]["credit_code"]
    assert field["value"] == "91130200699229617Y" and field["confidence"] == 1.0
    assert field["corrected"]["original"] == truth["credit_code"] and field["corrected"]["by"] == "clerk"
    assert field["source"]["file"]  # the original source stays: the viewer still shows where it was read
    assert "invalid:credit_code" in {f["rule"] for f in detail["findings"]}
    assert detail["credit_code"] == "91130200699229617Y"
    actions = [h["action"] for h in detail["history"]]
    assert actions[-2:] == ["corrected", "rechecked"]

    _correct(clerk, case, "credit_code", VALID_CODE.lower(), "扫描识别错误")  # typed in lower case: normalised
    detail = api("clerk").get(f"/api/v1/cases/{case}").get_json()
    assert detail["extraction"]["fields"]["credit_code"]["value"] == VALID_CODE
    assert "invalid:credit_code" not in {f["rule"] for f in detail["findings"]}

    with db.session() as s:
        rows = s.scalars(select(Correction).where(Correction.case_id == case).order_by(Correction.id)).all()
        assert [(r.typed, r.value) for r in rows] == [("91130200699229617Y", "91130200699229617Y"),
                                                      (VALID_CODE.lower(), VALID_CODE)]
        assert all(r.original["value"] == truth["credit_code"] for r in rows)
        stored = s.get(Case, case).extraction  # the extraction itself is never touched
        assert stored["fields"]["credit_code"]["value"] == truth["credit_code"]
    page = _text(clerk.get(f"/cases/{case}"))
    assert "已更正" in page and truth["credit_code"] in page
    history = _text(clerk.get(f"/cases/{case}/fields/credit_code"))
    assert "扫描识别错误" in history and "更正记录" in history


def test_documents_use_the_corrected_values(app, users, case, browser):
    clerk = browser("clerk")
    _correct(clerk, case, "enterprise_name", "沧州市更正后铸造有限公司")
    steps.assign(app, case)
    content = docx_text(browser("expert").get(f"/cases/{case}/documents/review-sheet.docx").data)
    assert "沧州市更正后铸造有限公司" in content


def test_removing_and_adding_values(app, users, case, browser, api):
    clerk = browser("clerk")
    assert _correct(clerk, case, "legal_representative", "").status_code == 303
    detail = api("clerk").get(f"/api/v1/cases/{case}").get_json()
    assert "legal_representative" not in detail["extraction"]["fields"]
    assert "missing_field:legal_representative" in {f["rule"] for f in detail["findings"]}
    assert _correct(clerk, case, "legal_representative", "张三").status_code == 303
    detail = api("clerk").get(f"/api/v1/cases/{case}").get_json()
    assert detail["extraction"]["fields"]["legal_representative"]["value"] == "张三"
    assert "missing_field:legal_representative" not in {f["rule"] for f in detail["findings"]}


def test_bad_corrections_are_refused(app, users, case, browser):
    clerk = browser("clerk")
    response = _correct(clerk, case, "applied_grade", "Z级")
    assert response.status_code == 400 and "不是有效的申报等级" in _text(response)
    assert clerk.get(f"/cases/{case}/fields/no_such_field").status_code == 404
    assert browser("expert").get(f"/cases/{case}/fields/credit_code").status_code == 403
    assert browser("other-clerk").get(f"/cases/{case}/fields/credit_code").status_code == 404
    same = _correct(clerk, case, "credit_code", sample_truth()["credit_code"])
    assert same.status_code == 400 and "相同" in _text(same)
    # the picker of fields to add goes to the field's page
    assert clerk.get(f"/cases/{case}/fields/_?key=main_products").headers["Location"].endswith("/fields/main_products")


def test_low_confidence_is_highlighted(app, db, users, case, browser):
    with db.session() as s:
        c = s.get(Case, case)
        extraction = dict(c.extraction)
        fields = dict(extraction["fields"])
        fields["address"] = dict(fields["address"], confidence=0.62)
        extraction["fields"] = fields
        c.extraction = extraction
        s.commit()
    page = _text(browser("clerk").get(f"/cases/{case}"))
    row = page[page.index('<th scope="row">注册地址</th>') - 40:page.index('<th scope="row">注册地址</th>') + 600] \
        if '<th scope="row">注册地址</th>' in page else page[page.index("62%") - 600:page.index("62%") + 10]
    assert 'class="low-confidence"' in row and 'class="num low"' in row and "62%" in row
    assert page.count('class="low-confidence"') == 1  # 0.99 is not low


def _finding_index(app, case_id, rule_prefix):
    found = steps.get_case(app, case_id).findings
    return next((i, f) for i, f in enumerate(found) if f["rule"].startswith(rule_prefix))


def test_findings_are_confirmed_or_dismissed_with_a_reason(app, db, users, case, browser):
    clerk = browser("clerk")
    index, finding = _finding_index(app, case, "")
    url = f"/cases/{case}/findings/{index}"
    page = _text(clerk.post_form(f"/cases/{case}", {"rule": finding["rule"], "decision": "dismissed", "reason": ""},
                                 action=url, follow_redirects=True))
    assert "理由" in page
    clerk.post_form(f"/cases/{case}", {"rule": finding["rule"], "decision": "dismissed", "reason": "现场核实无此问题"},
                    action=url)
    browser("office").post_form(f"/cases/{case}", {"rule": finding["rule"], "decision": "confirmed",
                                                   "reason": "复核后确认"}, action=url)
    with db.session() as s:
        rows = s.scalars(select(FindingDecision).where(FindingDecision.case_id == case)
                         .order_by(FindingDecision.id)).all()
        assert [(r.decision, r.reason) for r in rows] == [("dismissed", "现场核实无此问题"), ("confirmed", "复核后确认")]
    page = _text(clerk.get(f"/cases/{case}"))
    assert "已确认" in page and "复核后确认" in page and f'id="finding-{index}" class="decided-confirmed"' in page
    history = _text(clerk.get(f"/cases/{case}/history.csv"))
    assert "排除问题" in history and "现场核实无此问题" in history
    stale = clerk.post_form(f"/cases/{case}", {"rule": "not:this", "decision": "confirmed", "reason": "x"},
                            action=url, follow_redirects=True)
    assert "请刷新页面" in _text(stale)
    assert browser("expert").post_form("/cases", {"rule": finding["rule"], "decision": "confirmed", "reason": "x"},
                                       action=url).status_code == 403


def test_dismissed_findings_leave_the_rectification_notice(app, users, case, browser):
    from web.services.documents import render
    from web.storage import Storage

    index, finding = _finding_index(app, case, "")
    blocking = [f for f in steps.get_case(app, case).findings if f["severity"] == "blocking"]
    steps.assign(app, case)
    office = browser("office")
    for i, f in enumerate(steps.get_case(app, case).findings):
        if f["severity"] == "blocking":
            office.post_form(f"/cases/{case}", {"rule": f["rule"], "decision": "dismissed", "reason": "已核实"},
                             action=f"/cases/{case}/findings/{i}")
    warning = next((i, f) for i, f in enumerate(steps.get_case(app, case).findings) if f["severity"] != "blocking")
    office.post_form(f"/cases/{case}", {"rule": warning[1]["rule"], "decision": "confirmed", "reason": "需整改"},
                     action=f"/cases/{case}/findings/{warning[0]}")
    with app.app_context():
        from web.db import get_db

        with get_db(app).session() as s:
            text = docx_text(render(s.get(Case, case), "rectification-notice", "docx",
                                    storage=Storage(app.config["GRADEDESK_DATA_DIR"])).content)
    assert warning[1]["message"].rstrip("。")[:20] in text
    for f in blocking:
        assert f["message"][:20] not in text
    assert finding  # the first finding exists
