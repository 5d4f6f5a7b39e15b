"""Recusal as an invariant (docs/api.md, "Invariants"): over any sequence of uploads, new versions,
corrections, declarations, assignments and accesses, no expert ever reads, downloads or acts on a case in
which an enterprise the expert serves (a credit code or a name, in any document or version) appears.

A hypothesis `RuleBasedStateMachine` drives the real services and the real HTTP routes (API and pages)
on the extracted foundry sample; beside it a model of its own says which accesses must be refused and
which must succeed, so the test fails both when a conflicted access gets through and when recusal
refuses an expert it should not.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from forms.fields import FIELDS
from tests.web.support import ApiClient, Browser, make_case, sample_outcome, sample_truth
from web.db import get_db
from web.models import Assignment, Case, CaseEvent, CaseVersion, User
from web.queue.jobs import Outcome
from web.services import access
from web.services.cases import assign_expert
from web.services.corrections import correct_field
from web.services.extraction import store_outcome
from web.services.recusal import identity_key
from web.services.users import create_user, declare_serves

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

TRUTH = sample_truth()
SAMPLE_CODE, SAMPLE_NAME = TRUTH["credit_code"], TRUTH["enterprise_name"]
# other enterprises' codes (valid check digits) and names, and a garbled code as a clerk might type one
OTHER_CODES = ("91130981MA0CXK2EXY", "91130981780830143E")
OTHER_NAMES = ("泊头市兴达铸造有限公司", "沧州恒通机械有限公司")
IDENTITIES = (SAMPLE_CODE, SAMPLE_NAME, *OTHER_CODES, *OTHER_NAMES)
EXPERTS = ("e1", "e2", "e3")
STATS = {"sequences": 0, "steps": 0, "accesses": 0, "refused": 0, "allowed": 0}


def _licence(extraction: dict, code: str | None, name: str | None) -> dict:
    """The extraction with one more document's reading of the code or name: a second licence in the bundle
    (a group company's, a predecessor's) that the stored extraction keeps as candidates."""
    out = copy.deepcopy(extraction)
    source = {"file": "营业执照（副本）.pdf", "page": 1, "cell": None, "bbox": None}
    for key, value in (("credit_code", code), ("enterprise_name", name)):
        if value:
            out.setdefault("candidates", {}).setdefault(key, []).append(
                {"value": value, "confidence": 0.9, "source": source, "kind": "business_license"})
    return out


class RecusalMachine(RuleBasedStateMachine):
    app = None  # set by the test

    @initialize()
    def setup(self):
        """A fresh example: no cases of its own yet, the experts' declarations cleared."""
        STATS["sequences"] += 1
        self.db = get_db(self.app)
        self.cases: dict[int, set[str]] = {}  # case id → identity keys ever in it (model)
        self.serves: dict[str, set[str]] = {e: set() for e in EXPERTS}  # expert → keys served (model)
        self.assigned: set[tuple[int, str]] = set()  # (case id, expert) (model)
        self.code: dict[int, str] = {}  # case id → its current credit code (model)
        with self.app.app_context(), self.db.session() as s:
            for expert in s.scalars(select(User).where(User.username.in_(EXPERTS))):
                expert.serves = []
            s.commit()
        self.upload(None, None)

    def expert(self, e: str) -> str:
        return e

    def conflicted(self, case_id: int, e: str) -> bool:
        return bool(self.cases[case_id] & self.serves[e])

    # ---- what people do -------------------------------------------------------------------

    @precondition(lambda self: len(self.cases) < 4)
    @rule(code=st.sampled_from((None, *OTHER_CODES, SAMPLE_CODE)), name=st.sampled_from((None, *OTHER_NAMES)))
    def upload(self, code, name):
        """A clerk's bundle is extracted; it may hold a second licence naming another code or name."""
        case_id = make_case(self.app, "clerk")
        with self.app.app_context(), self.db.session() as s:
            case = s.get(Case, case_id)
            outcome = sample_outcome()
            store_outcome(case, Outcome(_licence(outcome["extraction"], code, name), outcome["findings"],
                                        outcome["proposal"]))
            s.commit()
        self.cases[case_id] = {identity_key(v) for v in (SAMPLE_CODE, SAMPLE_NAME, code, name) if v}
        self.code[case_id] = SAMPLE_CODE

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), code=st.sampled_from(OTHER_CODES), name=st.sampled_from((None, *OTHER_NAMES)))
    def new_version(self, data, code, name):
        """The enterprise applies again after rectification; the new bundle's licence carries another code."""
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        with self.app.app_context(), self.db.session() as s:
            case = s.get(Case, case_id)
            s.add(CaseVersion(case_id=case.id, number=case.version, status=case.status, extraction=case.extraction,
                              findings=case.findings, proposal=case.proposal, created_at=case.created_at,
                              summary={"enterprise_name": case.enterprise_name, "credit_code": case.credit_code}))
            case.version += 1
            outcome = sample_outcome()
            extraction = outcome["extraction"]
            extraction["fields"]["credit_code"]["value"] = code
            for candidate in extraction["candidates"]["credit_code"]:
                candidate["value"] = code
            store_outcome(case, Outcome(_licence(extraction, None, name), outcome["findings"], outcome["proposal"]))
            s.commit()
        self.cases[case_id] |= {identity_key(v) for v in (code, name) if v}
        self.code[case_id] = code
        self._ended_by_conflict(case_id)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), field=st.sampled_from(("credit_code", "enterprise_name")),
          typed=st.sampled_from((*IDENTITIES, "not-a-code", "某某新名称有限公司")))
    def correct(self, data, field, typed):
        """The office corrects the code or name, even to a garbled code (kept as typed, flagged by the checks)."""
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        with self.app.app_context(), self.db.session() as s:
            case = s.get(Case, case_id)
            try:
                c = correct_field(s, case, field, typed, s.scalar(select(User).where(User.username == "office")),
                                  "核对原件")
            except Exception as exc:  # BadInput (does not normalise, same value): nothing is recorded
                assert type(exc).__name__ in ("BadInput",), exc
                s.rollback()
                return
            self.cases[case_id] |= {identity_key(typed), identity_key(c.value)}
            if field == "credit_code":
                self.code[case_id] = c.value
        self._ended_by_conflict(case_id)

    @rule(e=st.sampled_from(EXPERTS), entry=st.sampled_from(IDENTITIES))
    def declare(self, e, entry):
        """An expert declares an enterprise served (a credit code or a name)."""
        with self.app.app_context(), self.db.session() as s:
            declare_serves(s, s.scalar(select(User).where(User.username == self.expert(e))), [entry])
            s.commit()
        self.serves[e].add(identity_key(entry))
        for case_id in self.cases:
            self._ended_by_conflict(case_id)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), e=st.sampled_from(EXPERTS))
    def assign(self, data, e):
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        with self.app.app_context(), self.db.session() as s:
            try:
                assign_expert(s, s.get(Case, case_id), self.expert(e),
                              s.scalar(select(User).where(User.username == "office")))
                ok = True
                why = None
            except Exception as exc:
                assert getattr(exc, "code", None) in ("recusal", "already_assigned"), exc
                ok, why = False, str(exc)
        # a code that cannot exist (a check digit wrong, `not-a-code`) cannot be checked: no assignment
        expected = (not self.conflicted(case_id, e) and (case_id, e) not in self.assigned
                    and FIELDS["credit_code"].validate(self.code[case_id]) is None)
        assert ok == expected, (case_id, e, self.cases[case_id], self.serves[e], why)
        if ok:
            self.assigned.add((case_id, e))

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), e=st.sampled_from(EXPERTS),
          how=st.sampled_from(("api", "page", "history", "document", "propose", "sheet")))
    def access(self, data, e, how):
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        STATS["accesses"] += 1
        if how == "api":
            ok = self.api[e].get(f"/api/v1/cases/{case_id}").status_code == 200
        elif how == "page":
            ok = self.pages[e].get(f"/cases/{case_id}").status_code == 200
        elif how == "history":
            ok = self.pages[e].get(f"/cases/{case_id}/history.csv").status_code == 200
        elif how == "document":
            ok = self.api[e].get(f"/api/v1/cases/{case_id}/documents/review-sheet.docx").status_code == 200
        else:  # proposing a grade, uploading a review sheet: the services' own checks
            with self.app.app_context(), self.db.session() as s:
                expert, case = s.scalar(select(User).where(User.username == self.expert(e))), s.get(Case, case_id)
                ok = (access.may_propose_grade(s, expert, case) if how == "propose"
                      else access.is_assigned(s, expert, case))
        allowed = (case_id, e) in self.assigned and not self.conflicted(case_id, e)
        STATS["refused" if not ok else "allowed"] += 1
        assert ok == allowed, (how, case_id, e, self.cases[case_id], self.serves[e])

    # ---- the model follows the invariant; the database must agree -------------------------

    def _ended_by_conflict(self, case_id: int) -> None:
        for e in EXPERTS:
            if (case_id, e) in self.assigned and self.conflicted(case_id, e):
                self.assigned.discard((case_id, e))

    @invariant()
    def assignments_match_and_no_conflicted_one_remains(self):
        if not getattr(self, "cases", None):
            return
        STATS["steps"] += 1
        names = {self.expert(e): e for e in EXPERTS}
        with self.app.app_context(), self.db.session() as s:
            rows = {(a.case_id, names[a.expert.username]) for a in s.scalars(
                select(Assignment).where(Assignment.case_id.in_(self.cases)))}
            ended = s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(self.cases),
                                                      CaseEvent.action == "assignment_ended")).all()
        assert rows == self.assigned
        assert all(e.reason and "回避" in e.reason for e in ended)


def test_no_conflicted_access_ever_succeeds(app, users, capsys):
    with get_db(app).session() as s:
        for e in EXPERTS:
            create_user(s, e, password="correct horse battery", role="expert", industries=["铸造"],
                        pledge=date(2020, 7, 1), employer="河北工业大学")
        s.commit()
    RecusalMachine.app = app
    RecusalMachine.api = {e: ApiClient(app, e) for e in EXPERTS}
    RecusalMachine.pages = {e: Browser(app).login(e) for e in EXPERTS}
    run_state_machine_as_test(RecusalMachine, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    with capsys.disabled():
        print(f"\nrecusal invariant: {STATS['sequences']} sequences, {STATS['steps']} steps, "
              f"{STATS['accesses']} accesses ({STATS['allowed']} allowed, {STATS['refused']} refused)")
    assert STATS["sequences"] >= 40 and STATS["allowed"] > 0 and STATS["refused"] > 0


def test_the_office_ends_an_assignment_with_a_reason(app, users, case):
    from tests.web import steps

    steps.assign(app, case)
    office, expert = ApiClient(app, "office"), ApiClient(app, "expert")
    assert expert.get(f"/api/v1/cases/{case}").status_code == 200
    url = f"/api/v1/cases/{case}/assignments/expert"
    assert office.client.delete(url, headers=office.headers, json={}).status_code == 400
    assert expert.client.delete(url, headers=expert.headers, json={"reason": "x"}).status_code == 403
    assert office.client.delete(url, headers=office.headers, json={"reason": "专家请假，改派他人"}).status_code == 204
    assert office.client.delete(url, headers=office.headers, json={"reason": "再次"}).status_code == 404
    assert expert.get(f"/api/v1/cases/{case}").status_code == 404
    history = office.get(f"/api/v1/cases/{case}").get_json()["history"]
    assert [h for h in history if h["action"] == "assignment_ended"][0]["reason"] == "专家请假，改派他人"
    steps.assign(app, case)  # may be assigned again
    page = Browser(app).login("office")
    assert page.post_form(f"/cases/{case}", {"reason": "改由其他专家审核"},
                          action=f"/cases/{case}/assignments/expert/end").status_code == 303
    text = page.get(f"/cases/{case}").get_data(as_text=True)
    assert "已结束的分配" in text and "改由其他专家审核" in text
    assert expert.get(f"/api/v1/cases/{case}").status_code == 404


def test_a_correction_to_a_served_code_ends_the_assignment_and_the_office_sees_why(app, users, case):
    """The probe of the issue: the office corrects the code to one the assigned expert serves."""
    from tests.web import steps

    steps.assign(app, case)
    with get_db(app).session() as s:
        declare_serves(s, s.scalar(select(User).where(User.username == "expert")), [OTHER_CODES[0]])
        s.commit()
    expert = ApiClient(app, "expert")
    assert expert.get(f"/api/v1/cases/{case}").status_code == 200  # the declared code is not in the case yet
    page = Browser(app).login("office")
    assert page.post_form(f"/cases/{case}/fields/credit_code", {"value": OTHER_CODES[0], "reason": "按原件"}
                          ).status_code == 303
    assert expert.get(f"/api/v1/cases/{case}").status_code == 404
    assert expert.get(f"/api/v1/cases/{case}/documents/review-sheet.docx").status_code == 404
    text = page.get(f"/cases/{case}").get_data(as_text=True)
    assert "已结束的分配" in text and "应当回避" in text
    # correcting it back does not bring the expert back: the code stays in the case's history
    refused = ApiClient(app, "office").post(f"/api/v1/cases/{case}/assignments", json={"expert": "expert"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "recusal"
