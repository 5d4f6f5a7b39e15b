"""Issue 16, item 7: learning from corrections. A clerk files an unassigned fact under a field (归入字段) or
corrects a field to the value such a fact holds; its label becomes a proposed synonym (one per label and
field, counting cases); the province's office accepts, rejects or withdraws on 同义词建议, each change a new
version; the set is exported and imported as a file; the next extraction reads the label."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select

from tests.web import steps
from tests.web.relabel import NEW_LABEL, relabelled_zip
from web.db import get_db
from web.models import Case, CaseEvent, SynonymProposal, SynonymSighting

CODE = "9113098196314252XW"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _upload(app, browser, clerk: str = "clerk", bundle: bytes | None = None) -> int:
    from web.queue.jobs import run_until_empty

    bundle = bundle if bundle is not None else relabelled_zip()
    response = browser(clerk).post_form("/cases/new", {"files": (io.BytesIO(bundle), "申报材料.zip")},
                                        content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code
    run_until_empty(app)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _proposals(app) -> list[tuple[str, str, str, int]]:
    """(field, label, status, cases) of every proposal."""
    with get_db(app).session() as s:
        return [(p.field, p.label, p.status, len({x.case_id for x in p.sightings}))
                for p in s.scalars(select(SynonymProposal).order_by(SynonymProposal.id))]


def _fields(app, case_id: int) -> dict:
    with app.app_context(), get_db(app).session() as s:
        from web.services.corrections import effective_extraction

        return effective_extraction(s.get(Case, case_id))["fields"]


def _assign(clerk, case_id: int, index: int = 0, key: str = "credit_code"):
    return clerk.post_form(f"/cases/{case_id}", {"key": key}, action=f"/cases/{case_id}/unassigned/{index}/assign")


def _proposal_id(app) -> int:
    with get_db(app).session() as s:
        return s.scalar(select(SynonymProposal.id).where(SynonymProposal.label == NEW_LABEL))


def test_assigning_a_fact_files_its_value_and_proposes_its_label(app, users, browser):
    case_id = _upload(app, browser)
    clerk = browser("clerk")
    assert "credit_code" not in _fields(app, case_id)
    page = _text(clerk.get(f"/cases/{case_id}"))
    section = re.search(r'<section id="unassigned">(.*?)</section>', page, re.S).group(1)
    assert NEW_LABEL in section and CODE in section and "归入" in section
    rules = {f["rule"] for f in steps.get_case(app, case_id).findings}
    assert "missing_field:credit_code" in rules

    response = _assign(clerk, case_id)
    assert response.status_code == 303 and response.headers["Location"].endswith("#fields")
    flashed = _text(clerk.get(f"/cases/{case_id}"))
    assert f"“{NEW_LABEL}”已作为“统一社会信用代码”的同义词建议提交大气办" in flashed
    assert "已归入“统一社会信用代码”" in flashed

    # the value is the field's, through the normal correction: history, recheck, the fact's own source
    fact = _fields(app, case_id)["credit_code"]
    assert fact["value"] == CODE and fact["corrected"]["by"] == "clerk"
    assert fact["source"]["cell"] == "table 1, row 3, column 4"
    case = steps.get_case(app, case_id)
    assert "missing_field:credit_code" not in {f["rule"] for f in case.findings}
    assert case.credit_code == CODE
    with get_db(app).session() as s:
        actions = [e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]
    assert actions[-2:] == ["corrected", "rechecked"]
    assert _proposals(app) == [("credit_code", NEW_LABEL, "pending", 1)]

    # the same label in another case, this time by a plain correction typing the value: one proposal, two cases
    second = _upload(app, browser)
    assert clerk.post_form(f"/cases/{second}/fields/credit_code", {"value": CODE.lower(), "reason": "对照原件"}
                           ).status_code == 303
    assert _proposals(app) == [("credit_code", NEW_LABEL, "pending", 2)]
    with get_db(app).session() as s:
        vias = sorted(x.via for x in s.scalars(select(SynonymSighting)))
    assert vias == ["assign", "correction"]
    # filing it again in the first case counts no further case
    assert clerk.post_form(f"/cases/{case_id}/fields/credit_code", {"value": "", "reason": "x"}).status_code == 303
    _assign(clerk, case_id)
    assert _proposals(app) == [("credit_code", NEW_LABEL, "pending", 2)]


def test_correcting_a_field_to_a_value_read_for_another_proposes_that_label(app, users, browser):
    """A label the engine took for the wrong field (环保负责人 written 负责人, the legal representative's word):
    the clerk corrects the contact person to the name read under it, and the label is proposed for the
    contact person (the fact keeps the label it was read under)."""
    case_id = _upload(app, browser, bundle=relabelled_zip("负责人", label="环保负责人"))
    extraction = steps.get_case(app, case_id).extraction
    assert "contact_person" not in extraction["fields"]
    assert {"value": "梁斌", "label": "负责人"} in [{k: f.get(k) for k in ("value", "label")}
                                                   for f in extraction["candidates"]["legal_representative"]]
    clerk = browser("clerk")
    assert clerk.post_form(f"/cases/{case_id}/fields/contact_person", {"value": "梁斌", "reason": "对照原件"}
                           ).status_code == 303
    assert _proposals(app) == [("contact_person", "负责人", "pending", 1)]
    with get_db(app).session() as s:
        assert [(x.via, x.ref) for x in s.scalars(select(SynonymSighting))] == [
            ("correction", "misread:legal_representative")]


def test_labels_that_already_mean_the_field_or_are_values_are_not_proposed(app, users, browser):
    from web.services.synonyms import propose

    case_id = _upload(app, browser)
    with app.app_context(), get_db(app).session() as s:
        case, clerk = s.get(Case, case_id), steps.user(s, "clerk")
        for label, key in (("统一社会信用代码", "credit_code"), ("", "credit_code"), ("2020年8月1日", "application_date"),
                           (CODE, "credit_code"), ("一" * 31, "credit_code")):
            assert propose(s, case, key, label, CODE, None, clerk, via="correction").proposal is None, label
        s.commit()
    assert _proposals(app) == []
    # a value typed that no unassigned fact holds proposes nothing
    assert browser("clerk").post_form(f"/cases/{case_id}/fields/credit_code",
                                      {"value": "91130981MA0CXXXX0X", "reason": "x"}).status_code == 303
    assert _proposals(app) == []


def test_the_province_office_decides_and_every_change_is_a_version(app, users, browser):
    case_id = _upload(app, browser)
    _assign(browser("clerk"), case_id)
    proposal = _proposal_id(app)

    city, province = browser("office"), browser("province-office")
    page = _text(city.get("/synonyms"))
    assert NEW_LABEL in page and "统一社会信用代码" in page and "由省级大气办决定" in page
    assert 'action="/synonyms/' not in page  # no decision forms for a city office
    assert city.post_form("/synonyms", {}, action=f"/synonyms/{proposal}/accept").status_code == 403

    page = _text(province.get("/synonyms"))
    row = re.search(rf'<tr id="proposal-{proposal}">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="num cases">1</td>' in row and f"/cases/{case_id}/files/0?ref=unassigned:0" in row
    assert province.get(re.search(r'href="([^"]+ref=unassigned:0)"', row).group(1)).status_code == 200
    assert province.post_form("/synonyms", {"reason": ""}, action=f"/synonyms/{proposal}/reject").status_code == 303
    assert "请填写不采纳的理由" in _text(province.get("/synonyms"))
    assert province.post_form("/synonyms", {}, action=f"/synonyms/{proposal}/accept").status_code == 303
    assert "同义词现为第 1 版" in _text(province.get("/synonyms"))
    assert _proposals(app) == [("credit_code", NEW_LABEL, "accepted", 1)]

    # exported as data: TOML and JSON, the same synonyms
    toml = province.get("/synonyms.toml")
    assert toml.status_code == 200 and "attachment" in toml.headers["Content-Disposition"]
    exported = json.loads(_text(city.get("/synonyms.json")))
    assert exported["version"] == 1
    assert [(s["field"], s["label"], s["accepted_by"]) for s in exported["synonyms"]] == [
        ("credit_code", NEW_LABEL, "province-office")]

    assert province.post_form("/synonyms", {"reason": ""}, action=f"/synonyms/{proposal}/withdraw").status_code == 303
    assert _proposals(app)[0][2] == "accepted"  # no reason, nothing done
    assert province.post_form("/synonyms", {"reason": "误采纳"}, action=f"/synonyms/{proposal}/withdraw"
                              ).status_code == 303
    assert _proposals(app)[0][2] == "withdrawn"
    assert json.loads(_text(city.get("/synonyms.json"))) == {"schema": "gradedesk.synonyms/1", "version": 2,
                                                             "synonyms": []}

    # the exported file imported again: accepted anew, one more version; again: nothing changes
    for expected in ("已导入 1 条同义词，同义词现为第 3 版", "均已采纳，未产生新版本"):
        response = province.post_form("/synonyms", {"file": (io.BytesIO(toml.data), "同义词.toml")},
                                      action="/synonyms/import", content_type="multipart/form-data")
        assert response.status_code == 303
        assert expected in _text(province.get("/synonyms"))
    assert _proposals(app)[0][2] == "accepted"
    versions = _text(province.get("/synonyms"))
    assert all(f"第 {n} 版" in versions for n in (1, 2, 3))
    bad = province.post_form("/synonyms", {"file": (io.BytesIO(b'[[synonym]]\nfield = "x"\nlabel = "y"\n'), "a.toml")},
                             action="/synonyms/import", content_type="multipart/form-data")
    assert bad.status_code == 303 and "同义词文件未导入" in _text(province.get("/synonyms"))


def test_the_next_extraction_reads_an_accepted_label_and_not_a_withdrawn_one(app, users, browser):
    first = _upload(app, browser)
    _assign(browser("clerk"), first)
    province = browser("province-office")
    proposal = _proposal_id(app)
    province.post_form("/synonyms", {}, action=f"/synonyms/{proposal}/accept")

    second = _upload(app, browser)
    fact = _fields(app, second)["credit_code"]
    assert fact["value"] == CODE and "corrected" not in fact
    assert fact["source"]["cell"] == "table 1, row 3, column 4"
    case = steps.get_case(app, second)
    assert case.extraction["unassigned"] == [] and case.credit_code == CODE
    with get_db(app).session() as s:
        line = s.scalar(select(CaseEvent.detail).where(CaseEvent.case_id == second,
                                                       CaseEvent.action == "extraction_done"))
    assert "同义词第1版" in line
    assert "missing_field:credit_code" not in {f["rule"] for f in case.findings}

    province.post_form("/synonyms", {"reason": "误采纳"}, action=f"/synonyms/{proposal}/withdraw")
    third = _upload(app, browser)  # same files: the cached result read with the synonym is not reused
    assert "credit_code" not in _fields(app, third)


def test_a_case_read_before_the_synonym_was_accepted_is_read_again_on_request(app, users, browser):
    """重新解析: the clerk has an existing case read again with the synonyms in force; a correction made
    before stays laid over the new reading and the checks run on both."""
    from web.queue.jobs import run_until_empty

    filed, untouched = _upload(app, browser), _upload(app, browser)
    clerk = browser("clerk")
    _assign(clerk, filed)
    assert clerk.post_form(f"/cases/{untouched}/fields/legal_representative", {"value": "张三", "reason": "x"}
                           ).status_code == 303
    assert clerk.post_form(f"/cases/{untouched}", {"reason": ""}, action=f"/cases/{untouched}/reextract"
                           ).status_code == 303  # no reason: nothing queued
    assert steps.get_case(app, untouched).status == "done"
    browser("province-office").post_form("/synonyms", {}, action=f"/synonyms/{_proposal_id(app)}/accept")

    for case_id in (filed, untouched):
        assert clerk.post_form(f"/cases/{case_id}", {"reason": "同义词已采纳"}, action=f"/cases/{case_id}/reextract"
                               ).status_code == 303
        assert steps.get_case(app, case_id).status == "queued"
    run_until_empty(app)
    fields = _fields(app, untouched)
    assert fields["credit_code"]["value"] == CODE and "corrected" not in fields["credit_code"]
    assert fields["legal_representative"]["value"] == "张三"  # the earlier correction still counts
    case = steps.get_case(app, untouched)
    assert case.extraction["unassigned"] == [] and case.credit_code == CODE
    assert "missing_field:credit_code" not in {f["rule"] for f in case.findings}
    with get_db(app).session() as s:
        actions = [e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == untouched)
                                                .order_by(CaseEvent.id))]
    assert actions[-4:] == ["reextract", "extraction_started", "rechecked", "extraction_done"]
    assert _fields(app, filed)["credit_code"]["value"] == CODE


def test_a_rejected_label_stays_rejected_and_a_withdrawn_one_is_proposed_again(app, users, browser):
    clerk, province = browser("clerk"), browser("province-office")
    _assign(clerk, _upload(app, browser))
    proposal = _proposal_id(app)
    assert province.post_form("/synonyms", {"reason": "该名称在本省另有含义"}, action=f"/synonyms/{proposal}/reject"
                              ).status_code == 303
    second = _upload(app, browser)
    _assign(clerk, second)
    assert "大气办此前未采纳“机构证照号码”" in _text(clerk.get(f"/cases/{second}"))
    assert _proposals(app) == [("credit_code", NEW_LABEL, "rejected", 2)]
    page = _text(province.get("/synonyms"))
    assert "该名称在本省另有含义" in page and "没有待处理的建议" in page
    assert province.post_form("/synonyms", {"reason": "x"}, action=f"/synonyms/{proposal}/withdraw").status_code == 303
    assert _proposals(app)[0][2] == "rejected"  # only an accepted synonym is withdrawn

    # accepted after all, withdrawn, then filed again in a third case: pending once more
    province.post_form("/synonyms", {}, action=f"/synonyms/{proposal}/accept")
    province.post_form("/synonyms", {"reason": "试行结束"}, action=f"/synonyms/{proposal}/withdraw")
    _assign(clerk, _upload(app, browser))
    assert _proposals(app) == [("credit_code", NEW_LABEL, "pending", 3)]


def test_two_clerks_filing_one_new_label_at_the_same_moment_make_one_proposal(app, users, browser):
    """Two sessions propose the same new label for the same case at once: the second's insert waits for the
    first's transaction and then finds the row taken. It counts towards that proposal; nobody gets an error
    (on PostgreSQL this was a unique violation, a 500)."""
    import threading
    import time

    from web.services.synonyms import propose

    case_id = _upload(app, browser)
    db = get_db(app)
    first, second = db.session(), db.session()
    outcome: dict = {}
    try:
        with app.app_context():
            proposed = propose(first, first.get(Case, case_id), "credit_code", NEW_LABEL, CODE, None,
                               steps.user(first, "clerk"), via="correction")
            assert proposed.proposal is not None  # inserted, not committed yet

            def other_clerk():
                with app.app_context():
                    try:
                        outcome["proposed"] = propose(second, second.get(Case, case_id), "credit_code", NEW_LABEL,
                                                      CODE, None, steps.user(second, "office"), via="correction")
                        second.commit()
                    except Exception as exc:  # noqa: BLE001 (the failure is what the test reports)
                        outcome["error"] = exc
                        second.rollback()

            thread = threading.Thread(target=other_clerk)
            thread.start()
            time.sleep(1.0)  # the other insert is waiting for this transaction
            first.commit()
            thread.join(60)
    finally:
        first.close()
        second.close()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["proposed"].proposal is not None
    assert _proposals(app) == [("credit_code", NEW_LABEL, "pending", 1)]
