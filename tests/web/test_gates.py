"""Decision gates: an open blocking finding stops forwarding (县级汇总上报, 报省级复核), a grade above the
system's and publishing — until it is confirmed, dismissed, cleared by a correction, or the office overrides it
with a reason (in the history, on the review sheet, in the result notice's internal annex). Every procedure step
× finding state, through the services, the pages and the API."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from forms.errors import BadInput
from tests.web import steps
from tests.web.support import docx_text
from web.db import get_db
from web.errors import Forbidden
from web.models import Case, CaseEvent
from web.services.findings import BlockingFindings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                                    indirect=True)

STATES = ("open", "confirmed", "dismissed", "corrected", "overridden")
GATED = ("collect", "send_to_province", "decide_above", "publish")
BLANKED = "contact_phone"  # a required field: blanking it raises missing_field:contact_phone (blocking)


def _correct(app, case_id: int, key: str, value: str, username: str = "clerk", reason: str = "核对原件") -> None:
    from web.services.corrections import correct_field

    with app.app_context(), get_db(app).session() as s:
        correct_field(s, s.get(Case, case_id), key, value, steps.user(s, username), reason)


def _open_ids(app, case_id: int) -> list[int]:
    from web.services.findings import open_blocking

    with app.app_context(), get_db(app).session() as s:
        return [f["index"] for f in open_blocking(s.get(Case, case_id), s)]


def _events(app, case_id: int, action: str) -> list[CaseEvent]:
    with get_db(app).session() as s:
        return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == action)
                              .order_by(CaseEvent.id)))


def _publish(app, username: str = "office", reason: str = "", override: bool = False):
    from web.services.issuing import publish_results
    from web.storage import Storage

    with app.app_context(), get_db(app).session() as s:
        return publish_results(s, Storage(app.config["GRADEDESK_DATA_DIR"]), steps.user(s, username), reason,
                               {"name": "李某"}, override=override)


def _before(app, case_id: int, action: str) -> None:
    """Bring the case to just before `action` with the bundle's own blocking findings confirmed."""
    steps.resolve_blocking(app, case_id)
    if action == "collect":
        return
    steps.to_city_review(app, case_id)
    if action in ("send_to_province", "decide_above"):
        steps.assign(app, case_id)
        steps.confirm_review(app, case_id, "材料审核", "B")
        steps.confirm_review(app, case_id, "现场审核", "B")
    if action == "send_to_province":
        steps.decide(app, case_id, "B")  # the findings are confirmed: B above the proposal C is allowed
    if action == "publish":
        steps.decide(app, case_id, "C")


def _act(app, case_id: int, action: str, *, username: str | None = None, override: bool = False,
         reason: str = "经会商，企业已补充材料原件"):
    if action == "collect":
        username = username or "clerk"
        from web.services.procedure import move

        with app.app_context(), get_db(app).session() as s:
            return move(s, s.get(Case, case_id), "collect", steps.user(s, username), reason if override else "",
                        override=override)
    if action == "send_to_province":
        from web.services.procedure import move

        with app.app_context(), get_db(app).session() as s:
            return move(s, s.get(Case, case_id), "send_to_province", steps.user(s, username or "office"), reason,
                        override=override)
    if action == "decide_above":
        from web.services.procedure import decide_grade

        with app.app_context(), get_db(app).session() as s:
            return decide_grade(s, s.get(Case, case_id), "B", steps.user(s, username or "office"), reason,
                                override=override)
    return _publish(app, username or "office", reason, override)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", GATED)
def test_every_gated_step_in_every_finding_state(app, users, case, action, state):
    _before(app, case, action)
    assert _open_ids(app, case) == []
    _correct(app, case, BLANKED, "")  # a correction that raises a new blocking finding, still open
    [index] = _open_ids(app, case)
    stored = steps.get_case(app, case)
    assert stored.findings[index]["rule"] == f"missing_field:{BLANKED}"

    if state == "open":
        with pytest.raises(BlockingFindings) as refused:
            _act(app, case, action)
        assert refused.value.open == [index] and refused.value.code == "blocking_findings"
        assert "1 项阻断性问题未处理" in refused.value.user_message
        assert steps.get_case(app, case).stage == stored.stage  # nothing moved
        return
    if state in ("confirmed", "dismissed"):
        steps.resolve_blocking(app, case, decision=state, reason="已电话核实联系电话")
    elif state == "corrected":
        _correct(app, case, BLANKED, "0317-8888888")
        assert _open_ids(app, case) == []
    _act(app, case, action, override=state == "overridden", username="office" if state == "overridden" else None)
    after = steps.get_case(app, case)
    expected = {"collect": "collected", "send_to_province": "province_review", "decide_above": "city_review",
                "publish": "published"}[action]
    assert after.stage == expected
    overrides = _events(app, case, "override")
    if state == "overridden":
        [event] = overrides
        assert event.reason == "经会商，企业已补充材料原件" and event.data["open"] == [index]
        assert event.data["findings"][0]["rule"] == f"missing_field:{BLANKED}"
        assert _open_ids(app, case) == []
    else:
        assert overrides == []


def test_a_grade_at_or_below_the_proposal_needs_no_override(app, users, case):
    _before(app, case, "publish")  # decided C, the proposal
    _correct(app, case, BLANKED, "")
    from web.services.procedure import decide_grade

    for grade in ("C", "D"):
        with app.app_context(), get_db(app).session() as s:
            decide_grade(s, s.get(Case, case), grade, steps.user(s, "office"), "专家审核意见")
    with pytest.raises(BlockingFindings):
        _act(app, case, "decide_above")


def test_only_the_office_overrides_and_always_with_a_reason(app, users, case):
    with pytest.raises(Forbidden, match="只有大气办"):
        _act(app, case, "collect", username="clerk", override=True)
    with pytest.raises(BadInput) as no_reason:
        _act(app, case, "collect", username="office", override=True, reason="  ")
    assert "须填写理由" in no_reason.value.user_message
    assert steps.get_case(app, case).stage == "submitted" and _events(app, case, "override") == []
    _act(app, case, "collect", username="office", override=True, reason="县级已核实原件，材料随后补交")
    [event] = _events(app, case, "override")
    assert len(event.data["open"]) == 6 and "县级汇总上报" in event.detail


def test_the_api_answers_409_with_the_open_ids(app, users, case, api):
    open_ids = _open_ids(app, case)
    clerk, office = api("clerk"), api("office")
    refused = clerk.post(f"/api/v1/cases/{case}/steps", json={"step": "collect", "reason": "汇总"})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "blocking_findings" and body["open"] == open_ids and "阻断性问题" in body["message"]
    assert clerk.post(f"/api/v1/cases/{case}/steps",
                      json={"step": "collect", "reason": "x", "override": True}).status_code == 403
    assert office.post(f"/api/v1/cases/{case}/steps",
                       json={"step": "collect", "override": "yes"}).status_code == 400
    # findings/N: confirm one, exclude the rest with reasons; a missing reason is refused
    assert clerk.post(f"/api/v1/cases/{case}/findings/{open_ids[0]}", json={"action": "confirm"}).status_code == 400
    first = clerk.post(f"/api/v1/cases/{case}/findings/{open_ids[0]}",
                       json={"action": "confirm", "reason": "确实缺少排污许可证"})
    assert first.status_code == 200 and first.get_json()["decision"]["decision"] == "confirmed"
    assert clerk.post(f"/api/v1/cases/{case}/findings/999", json={"action": "confirm", "reason": "x"}).status_code == 404
    again = clerk.post(f"/api/v1/cases/{case}/steps", json={"step": "collect", "reason": "汇总"})
    assert again.get_json()["open"] == open_ids[1:]
    for i in open_ids[1:]:
        assert clerk.post(f"/api/v1/cases/{case}/findings/{i}",
                          json={"action": "exclude", "reason": "材料另行报送"}).status_code == 200
    assert clerk.post(f"/api/v1/cases/{case}/steps", json={"step": "collect", "reason": "汇总"}).status_code == 200
    assert office.post(f"/api/v1/cases/{case}/steps", json={"step": "start_city_review"}).status_code == 200
    # fields/KEY: a correction that raises a new blocking finding; the decision above the proposal waits for it
    corrected = clerk.post(f"/api/v1/cases/{case}/fields/{BLANKED}", json={"value": "", "reason": "原值有误"})
    assert corrected.status_code == 200 and corrected.get_json()["field"] is None
    [new] = _open_ids(app, case)
    assert api("expert").post(f"/api/v1/cases/{case}/decision", json={"grade": "B", "reason": "x"}).status_code == 403
    refused = office.post(f"/api/v1/cases/{case}/decision", json={"grade": "B", "reason": "专家意见"})
    assert refused.status_code == 409 and refused.get_json() | {"message": ""} == {
        "error": "blocking_findings", "open": [new], "message": ""}
    assert office.post(f"/api/v1/cases/{case}/decision", json={"grade": "C", "reason": "按系统建议"}).status_code == 200
    done = office.post(f"/api/v1/cases/{case}/decision",
                       json={"grade": "B", "reason": "联系电话经核实无误", "override": True})
    assert done.status_code == 200 and done.get_json()["grade"] == "B" and done.get_json()["proposed_grade"] == "C"
    history = clerk.get(f"/api/v1/cases/{case}").get_json()["history"]
    assert [h["reason"] for h in history if h["action"] == "override"] == ["联系电话经核实无误"]
    fixed = clerk.post(f"/api/v1/cases/{case}/fields/{BLANKED}", json={"value": "0317-8888888", "reason": "补填"})
    assert fixed.status_code == 200 and fixed.get_json()["field"]["value"] == "0317-8888888"


def test_pages_block_and_the_office_overrides(app, users, case, browser):
    clerk, office = browser("clerk"), browser("office")
    page = clerk.get(f"/cases/{case}").get_data(as_text=True)
    assert 'id="open-blocking"' in page and "尚有 6 项阻断性问题未处理" in page and 'name="override"' not in page
    refused = clerk.post_form(f"/cases/{case}", {"step": "collect", "reason": "汇总"}, action=f"/cases/{case}/steps",
                              follow_redirects=True).get_data(as_text=True)
    assert "未能办理" in refused and "不能县级汇总上报" in refused
    assert steps.get_case(app, case).stage == "submitted"
    page = office.get(f"/cases/{case}").get_data(as_text=True)
    assert 'id="override-collect"' in page
    done = office.post_form(f"/cases/{case}", {"step": "collect", "reason": "县级已核实原件", "override": "1"},
                            action=f"/cases/{case}/steps", follow_redirects=True).get_data(as_text=True)
    assert "已办理" in done and "越过阻断性问题" in done and "已越过" in done
    assert 'id="open-blocking"' not in done


def test_an_override_is_on_the_review_sheet_and_in_the_internal_annex(app, users, case, browser):
    _before(app, case, "publish")
    _correct(app, case, BLANKED, "")
    office = browser("office")
    notices = office.get("/notices").get_data(as_text=True)
    assert 'id="publish-blocked"' in notices
    refused = office.post_form("/notices", {"reason": "公示"}, follow_redirects=True)
    assert refused.status_code == 409 and "尚有 1 项阻断性问题未处理" in refused.get_data(as_text=True)
    confirm = re.search(r'name="confirm" value="(\d+)"', notices).group(1)  # the count the office confirms
    office.post_form("/notices", {"reason": "联系电话已当面核实", "override": "1", "confirm": confirm})
    assert steps.get_case(app, case).stage == "published"

    sheet = docx_text(steps.review_sheet(app, case))
    assert "大气办越过：联系电话已当面核实（office，" in sheet and "已确认：已核实，企业补充材料后整改" in sheet

    from web.models import IssuedDocument

    with get_db(app).session() as s:
        doc = s.scalar(select(IssuedDocument).where(IssuedDocument.kind == "result-notice"))
        doc_id = doc.id
        public = docx_text(office.get(f"/issued/{doc_id}.docx").data)
    assert "联系电话已当面核实" not in public and "越过" not in public  # the public notice says nothing of it
    annex = office.get(f"/issued/{doc_id}.xlsx")
    assert annex.status_code == 200
    rows = [[c for c in row if c is not None] for row in load_workbook(io.BytesIO(annex.data)).active.values]
    text = "\n".join(" ".join(map(str, r)) for r in rows)
    assert "不公开" in text and "列入结果公示" in text and "联系电话已当面核实" in text and "missing" not in text
    assert "中未填写“" in text  # the finding overridden, in words
    assert browser("clerk").get(f"/issued/{doc_id}.xlsx").status_code in (403, 404)  # the office keeps it
