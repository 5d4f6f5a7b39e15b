"""Rectification to closure (整改销号): each item of an issued notice followed from the notice to 销号 — evidence
uploaded and re-read, county verification, city review, closure with who and when — the 整改台账 (xlsx, PDF),
overdue items flagged, and a missed window returning the case (old grade kept) with the notice of return."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from forms.errors import BadInput
from tests.web import steps
from tests.web.support import SAMPLES, docx_text
from web.db import get_db
from web.errors import Conflict, Forbidden
from web.models import Case, CaseEvent, IssuedDocument, RectificationItem

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                                    indirect=True)

PERMIT = SAMPLES / "brick-mixed" / "排污许可证.pdf"  # a real discharge permit, as an enterprise would send


def _returned(app, case_id: int) -> IssuedDocument:
    from web.services.issuing import issue_rectification
    from web.storage import Storage

    steps.to_city_review(app, case_id)
    with app.app_context(), get_db(app).session() as s:
        doc = issue_rectification(s, Storage(app.config["GRADEDESK_DATA_DIR"]), s.get(Case, case_id),
                                  steps.user(s, "office"), "限期整改", {"name": "王某", "phone": "0317-1"})
        s.expunge(doc)
        return doc


def _items(app, case_id: int) -> list[RectificationItem]:
    with get_db(app).session() as s:
        return list(s.scalars(select(RectificationItem).where(RectificationItem.case_id == case_id)
                              .order_by(RectificationItem.number)))


def _follow_to_closure(app, case_id: int, item_id: int) -> None:
    from web.services import rectification
    from web.storage import Storage

    with app.app_context(), get_db(app).session() as s:
        case, item = s.get(Case, case_id), s.get(RectificationItem, item_id)
        with PERMIT.open("rb") as fh:
            rectification.submit_evidence(s, Storage(app.config["GRADEDESK_DATA_DIR"]), case, item,
                                          steps.user(s, "clerk"), PERMIT.name, fh)
        rectification.advance(s, case, item, "verify", steps.user(s, "county-clerk"), "已现场核对许可证原件")
        rectification.advance(s, case, item, "review", steps.user(s, "office"), "材料真实有效")
        rectification.advance(s, case, item, "close", steps.user(s, "office"))


def test_an_item_is_followed_from_the_notice_to_closure(app, users, case, browser):
    from web.services import rectification
    from web.storage import Storage

    notice = _returned(app, case)
    items = _items(app, case)
    assert [i.problem for i in items] == [s["problem"] for s in notice.data["shortfalls"]]
    assert {str(i.deadline) for i in items} == {"2020-09-15"} and {i.status for i in items} == {"open"}
    first = items[0]
    with app.app_context(), get_db(app).session() as s:
        c, item = s.get(Case, case), s.get(RectificationItem, first.id)
        with pytest.raises(Conflict):  # nothing to verify before the evidence
            rectification.advance(s, c, item, "verify", steps.user(s, "clerk"), "核查")
        with pytest.raises(Forbidden):
            rectification.submit_evidence(s, Storage(app.config["GRADEDESK_DATA_DIR"]), c, item,
                                          steps.user(s, "office"), PERMIT.name, PERMIT.open("rb"))
        with PERMIT.open("rb") as fh:
            rectification.submit_evidence(s, Storage(app.config["GRADEDESK_DATA_DIR"]), c, item,
                                          steps.user(s, "clerk"), PERMIT.name, fh)
        assert item.status == "submitted"
        assert [d["kind"] for d in item.evidence_reading["documents"]] == ["discharge_permit"]  # re-read
        with pytest.raises(BadInput):
            rectification.advance(s, c, item, "verify", steps.user(s, "clerk"), "")
        with pytest.raises(Forbidden):
            rectification.advance(s, c, item, "verify", steps.user(s, "office"), "核查")
        rectification.advance(s, c, item, "verify", steps.user(s, "county-clerk"), "已现场核对许可证原件")
        with pytest.raises(Forbidden):
            rectification.advance(s, c, item, "review", steps.user(s, "clerk"), "复核")
        rectification.advance(s, c, item, "review", steps.user(s, "office"), "材料真实有效")
        rectification.advance(s, c, item, "close", steps.user(s, "office"))
        assert item.status == "closed" and item.closed_by.username == "office" and item.closed_at
        assert item.verified_by.username == "county-clerk" and item.reviewed_note == "材料真实有效"
    with get_db(app).session() as s:
        actions = [e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case)
                                               .order_by(CaseEvent.id))]
    assert actions[-4:] == ["rectification_evidence", "rectification_verify", "rectification_review",
                            "rectification_close"]

    page = browser("office").get(f"/cases/{case}").get_data(as_text=True)
    assert 'id="rectification"' in page and "已销号" in page and "销号：office" in page and "已逾期" not in page
    ledger = browser("office").get("/rectification-ledger.xlsx")
    rows = [[c for c in r if c is not None] for r in load_workbook(io.BytesIO(ledger.data)).active.values]
    statuses = [r[-1] for r in rows if r and r[0] and str(r[0]).isdigit()]
    assert statuses == ["已销号"] + ["待整改"] * (len(items) - 1)
    assert any("已现场核对许可证原件" in str(c) for r in rows for c in r)
    pdf = browser("office").get("/rectification-ledger.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and len(pdf.data) > 2000
    assert browser("county-clerk").get("/rectification-ledger.xlsx").status_code == 403


def test_a_missed_window_returns_the_case_and_keeps_the_old_grade(app, users, new_case, browser):
    from web.queue import jobs

    late, done, waiting = new_case(), new_case(), new_case()
    for case_id in (late, done):
        _returned(app, case_id)
    _follow_to_closure(app, late, _items(app, late)[0].id)
    for item in _items(app, done):
        _follow_to_closure(app, done, item.id)

    app.config["GRADEDESK_TODAY"] = "2020-09-16"  # the first window (9月15日) has closed
    _returned(app, waiting)  # returned today: its window is 12月15日
    page = browser("office").get(f"/cases/{late}").get_data(as_text=True)
    assert page.count("已逾期") == len(_items(app, late)) - 1  # the closed item is not overdue
    assert jobs.run_scheduled(app, force=True)

    lapsed = steps.get_case(app, late)
    assert lapsed.stage == "lapsed" and lapsed.stage_label == "逾期未完成整改，维持原级别"
    assert steps.get_case(app, done).stage == "returned" and steps.get_case(app, waiting).stage == "returned"
    with get_db(app).session() as s:
        [event] = s.scalars(select(CaseEvent).where(CaseEvent.case_id == late, CaseEvent.action == "stage",
                                                    CaseEvent.data["to"].as_string() == "lapsed"))
        assert event.actor_id is None and "维持原级别" in event.reason and "2020年9月15日" in event.reason
        notice = s.get(IssuedDocument, event.data["document"])
        assert notice.kind == "notice" and notice.case_id == late and notice.doc_number
        from web.storage import Storage

        with Storage(app.config["GRADEDESK_DATA_DIR"]).open(notice.docx_sha256) as fh:
            text = docx_text(fh.read())
    open_items = [i for i in _items(app, late) if i.status != "closed"]
    assert "维持原级别" in text and all(i.problem.rstrip("。") in text for i in open_items)
    assert _items(app, late)[0].problem.rstrip("。") not in text  # the closed item is not listed
    assert jobs.run_scheduled(app, force=True)  # a second run changes nothing
    with get_db(app).session() as s:
        assert s.scalar(select(IssuedDocument).where(IssuedDocument.kind == "notice")
                        .order_by(IssuedDocument.id.desc())).id == notice.id
