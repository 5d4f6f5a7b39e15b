"""The procedure of 冀气领办〔2020〕94号: stages, who may take which step, returns with the calendar's deadline,
re-application as a new version, 涉密, the history and its export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from forms.errors import BadInput
from tests.web import steps
from tests.web.support import sample_zip
from web.errors import Conflict, Forbidden
from web.models import Case, CaseEvent, CaseFile, CaseVersion

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _events(db, case_id, action="stage"):
    from sqlalchemy.orm import selectinload

    with db.session() as s:
        return list(s.scalars(select(CaseEvent).options(selectinload(CaseEvent.actor))
                              .where(CaseEvent.case_id == case_id, CaseEvent.action == action).order_by(CaseEvent.id)))


def test_the_whole_procedure(app, db, users, case):
    steps.resolve_blocking(app, case)  # the clerk has checked the blocking findings (tests/web/test_gates.py)
    steps.step(app, case, "clerk", "collect")  # the default reason is recorded
    steps.step(app, case, "office", "start_city_review", "材料齐全，开始初审")
    with pytest.raises(Conflict, match="请先确定初审等级"):
        steps.step(app, case, "office", "send_to_province")
    steps.assign(app, case)
    steps.decide(app, case, "B")
    with pytest.raises(Conflict, match="材料审核和现场审核"):
        steps.step(app, case, "office", "send_to_province")
    steps.confirm_review(app, case, "材料审核", "B")
    steps.confirm_review(app, case, "现场审核", "B")
    steps.step(app, case, "office", "send_to_province", "初审通过")
    with pytest.raises(Conflict, match="省大气办"):  # the city office's part is done
        steps.decide(app, case, "A")
    steps.decide(app, case, "B", office="province-office", reason="省级复核同意")
    assert steps.get_case(app, case).stage == "province_review"

    from web.services.issuing import publish_results
    from web.storage import Storage

    with app.app_context(), db.session() as s:
        doc = publish_results(s, Storage(app.config["GRADEDESK_DATA_DIR"]), steps.user(s, "province-office"),
                              "公示", {"name": "李某", "phone": "0311-1"})
        assert doc.doc_number == "冀环公示〔2020〕1号"
    final = steps.get_case(app, case)
    assert final.stage == "published" and final.decided_grade == "B"

    moves = [(e.data["from"], e.data["to"], e.actor.username if e.actor else None) for e in _events(db, case)]
    assert moves == [("submitted", "collected", "clerk"), ("collected", "city_review", "office"),
                     ("city_review", "province_review", "office"), ("province_review", "published", "province-office")]
    for e in _events(db, case):
        assert e.reason and e.at and e.actor_id  # every step: an author, a time and a reason
    decisions = _events(db, case, "grade_decided")
    assert [e.data["to"] for e in decisions] == ["B", "B"] and decisions[1].reason == "省级复核同意"


def test_who_may_take_which_step(app, users, case):
    with pytest.raises(Forbidden):
        steps.step(app, case, "expert", "collect")
    with pytest.raises(Forbidden):
        steps.step(app, case, "clerk", "start_city_review")
    with pytest.raises(Conflict, match="不能执行"):
        steps.step(app, case, "office", "start_city_review")  # not collected yet
    with pytest.raises(BadInput):
        steps.step(app, case, "clerk", "fly")
    steps.to_province(app, case)
    with pytest.raises(Conflict, match="省大气办"):
        steps.step(app, case, "office", "return", "退回")


def test_c_grades_stay_with_the_city(app, users, case):
    steps.to_city_review(app, case)
    steps.decide(app, case, "C")
    with pytest.raises(Conflict, match="市级自行确定"):
        steps.step(app, case, "office", "send_to_province")


def test_a_review_needs_an_expert_of_the_industry(app, db, users, case):
    from datetime import date as d

    from web.services.users import create_user

    with db.session() as s:
        create_user(s, "cement-expert", password="cement-expert-pw1", role="expert", industries=["水泥"], pledge=d(2020, 7, 1))
        s.commit()
    steps.to_city_review(app, case)
    with pytest.raises(Conflict, match="本行业专家"):
        steps.assign(app, case, "cement-expert")  # the first expert must be of the case's industry
    steps.assign(app, case, "expert")
    steps.assign(app, case, "cement-expert")  # beside a 铸造 expert a 水泥 one may join


@pytest.mark.parametrize(("today", "deadline"), [("2020-08-20", date(2020, 9, 15)), ("2020-09-15", date(2020, 9, 15)),
                                                 ("2020-10-08", date(2020, 12, 15)), ("2020-12-20", date(2021, 9, 15))])
def test_return_takes_the_calendars_deadline(app, users, case, today, deadline):
    app.config["GRADEDESK_TODAY"] = today
    steps.to_city_review(app, case)
    with pytest.raises(BadInput):
        steps.step(app, case, "office", "return", "  ")
    returned = steps.step(app, case, "office", "return", "排放限值超标，限期整改")
    assert returned.stage == "returned" and returned.rectify_by == deadline


def test_reapplication_is_a_new_version_and_keeps_the_old(app, db, users, case, browser):
    from web.queue.jobs import run_until_empty

    steps.to_city_review(app, case)
    steps.step(app, case, "office", "return", "限期整改")
    before = steps.get_case(app, case)
    old_extraction = before.extraction

    clerk = browser("clerk")
    with sample_zip().open("rb") as fh:
        response = clerk.post_form(f"/cases/{case}/reapply", {"files": (fh, "整改后材料.zip"), "reason": "已完成整改"},
                                   content_type="multipart/form-data")
    assert response.status_code == 303
    after = steps.get_case(app, case)
    assert (after.version, after.stage, after.status) == (2, "submitted", "queued")
    assert after.extraction is None and after.decided_grade is None and after.rectify_by is None
    assert [f.original_name for f in after.files] == ["整改后材料.zip"]
    with db.session() as s:
        [old] = s.scalars(select(CaseVersion).where(CaseVersion.case_id == case)).all()
        assert old.number == 1 and old.extraction == old_extraction and old.summary["stage"] == "returned"
        assert old.summary["files"][0]["name"] == sample_zip().name
        assert {f.version for f in s.scalars(select(CaseFile).where(CaseFile.case_id == case))} == {1, 2}
    run_until_empty(app)
    done = steps.get_case(app, case)
    assert done.status == "done" and done.extraction["fields"]["credit_code"]
    [reapplied] = _events(db, case, "reapplied")
    assert reapplied.reason == "已完成整改" and reapplied.data == {"from_version": 1, "to_version": 2, "late": False}
    page = clerk.get(f"/cases/{case}").get_data(as_text=True)
    assert "第 2 版" in page and f"/cases/{case}/versions/1" in page
    old_page = clerk.get(f"/cases/{case}/versions/1")
    assert old_page.status_code == 200 and "原样保留" in old_page.get_data(as_text=True)
    assert not re.search(r"\b(missing_document|missing_field|invalid|mismatch|expired):",
                         old_page.get_data(as_text=True))  # rule titles, not ids
    assert clerk.get(f"/cases/{case}/versions/3").status_code == 404


def test_only_returned_cases_are_reapplied(app, users, case, browser):
    with sample_zip().open("rb") as fh:
        response = browser("clerk").post_form(f"/cases/{case}", {"files": (fh, "a.zip"), "reason": "x"},
                                              action=f"/cases/{case}/reapply", content_type="multipart/form-data")
    assert response.status_code == 400 and "只有退回整改的案件" in response.get_data(as_text=True)


def test_secret_flag_needs_a_reason_and_is_in_the_history(app, db, users, case, browser):
    office = browser("office")
    page = office.post_form(f"/cases/{case}", {"secret": "1", "reason": ""}, action=f"/cases/{case}/secret",
                            follow_redirects=True).get_data(as_text=True)
    assert "依据" in page and not steps.get_case(app, case).secret
    office.post_form(f"/cases/{case}", {"secret": "1", "reason": "军工配套，经保密办认定"}, action=f"/cases/{case}/secret")
    assert steps.get_case(app, case).secret
    [event] = _events(db, case, "secret")
    assert event.reason == "军工配套，经保密办认定" and event.actor.username == "office"


def test_steps_through_the_pages_and_the_api(app, users, case, browser, api):
    steps.resolve_blocking(app, case)  # the clerk has checked the blocking findings (tests/web/test_gates.py)
    clerk = browser("clerk")
    page = clerk.get(f"/cases/{case}").get_data(as_text=True)
    assert "县级汇总上报" in page and "开始市级初审" not in page
    response = clerk.post_form(f"/cases/{case}", {"step": "collect", "reason": "材料齐全"}, action=f"/cases/{case}/steps",
                               follow_redirects=True)
    assert "县级已汇总" in response.get_data(as_text=True)
    body = api("office").post(f"/api/v1/cases/{case}/steps", json={"step": "start_city_review", "reason": "初审"})
    assert body.status_code == 200 and body.get_json()["stage"] == "city_review"
    assert api("office").post(f"/api/v1/cases/{case}/steps", json={"step": "collect"}).status_code == 409
    assert api("expert").post(f"/api/v1/cases/{case}/steps", json={"step": "collect"}).status_code == 403
    assert api("other-office").post(f"/api/v1/cases/{case}/steps", json={"step": "return"}).status_code == 404
    conflict = api("office").post(f"/api/v1/cases/{case}/steps", json={"step": "send_to_province", "reason": "x"})
    assert conflict.status_code == 409 and conflict.get_json()["error"] == "wrong_stage"
    detail = api("clerk").get(f"/api/v1/cases/{case}").get_json()
    assert detail["stage"] == "city_review" and [h["reason"] for h in detail["history"] if h["action"] == "stage"] \
        == ["材料齐全", "初审"]


def test_history_export(app, users, case, browser):
    steps.resolve_blocking(app, case)  # the clerk has checked the blocking findings (tests/web/test_gates.py)
    steps.step(app, case, "clerk", "collect", "材料齐全，汇总上报")
    clerk = browser("clerk")
    response = clerk.get(f"/cases/{case}/history.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间（北京时间）", "人员", "角色", "事项"]
    assert rows[-1][1:4] == ["clerk", "经办人", "办理步骤"] and rows[-1][5] == "材料齐全，汇总上报"

    from openpyxl import load_workbook

    response = clerk.get(f"/cases/{case}/history.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(row[3] == "办理步骤" and row[5] == "材料齐全，汇总上报" for row in values[2:])
    assert browser("other-clerk").get(f"/cases/{case}/history.csv").status_code == 404
    assert clerk.get(f"/cases/{case}/history.pdf").status_code == 404


def test_the_case_list_shows_the_stage(app, users, case, browser):
    steps.resolve_blocking(app, case)  # the clerk has checked the blocking findings (tests/web/test_gates.py)
    steps.step(app, case, "clerk", "collect")
    page = browser("office").get("/cases").get_data(as_text=True)
    assert "县级已汇总" in page
    assert Case  # the model is imported for the type of steps.get_case
