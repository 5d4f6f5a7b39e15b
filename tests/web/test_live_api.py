"""docs/api.md's API against a fresh `gradedesk serve`: the real server in its own process, on a free
port, with a temporary data dir, spoken to over HTTP."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from tests.web.support import HttpClient, LiveServer, docx_text, prepare_database, sample_truth, sample_zip
from tests.web.support import free_port as _free_port  # noqa: F401  (imported from here by test_serve_processes)

PASSWORD = "live-server-password"


@pytest.fixture
def live_server(tmp_path):
    """`gradedesk serve` on a free port over a fresh data dir with five users."""
    data_dir = tmp_path / "var"
    pledge = date(2020, 7, 1)
    prepare_database(data_dir, users={
        "clerk": dict(role="clerk", city="沧州市"),
        "office": dict(role="office", city="沧州市"),
        "expert": dict(role="expert", industries=["铸造"], pledge=pledge),
        "other-expert": dict(role="expert", industries=["铸造"], pledge=pledge),
        "conflicted": dict(role="expert", industries=["铸造"], pledge=pledge, serves=[sample_truth()["credit_code"]]),
    }, password=PASSWORD)
    with LiveServer(data_dir) as server:
        yield HttpClient(server.url, password=PASSWORD)


def test_contract_api_against_a_fresh_server(live_server):
    truth = sample_truth()
    clerk = live_server.login("clerk")
    status, created = clerk.upload("/api/v1/cases", [(sample_zip().name, sample_zip().read_bytes())])
    assert status == 202 and set(created) == {"id", "status"} and created["status"] == "queued"
    case_id = created["id"]

    deadline = time.monotonic() + 90
    while True:
        status, case = clerk.json("GET", f"/api/v1/cases/{case_id}")
        assert status == 200
        if case["status"] in ("done", "failed"):
            break
        assert time.monotonic() < deadline, f"extraction did not finish: {case['status']}"
        time.sleep(0.3)
    assert case["status"] == "done", case.get("error")
    assert {"id", "status", "extraction", "findings", "proposed_grade", "history"} <= set(case)
    fields = case["extraction"]["fields"]
    assert fields["credit_code"]["value"] == truth["credit_code"]
    assert fields["enterprise_name"]["value"] == truth["enterprise_name"]
    assert 0 < fields["credit_code"]["confidence"] <= 1 and fields["credit_code"]["source"]["file"]
    assert isinstance(case["findings"], list) and all({"rule", "severity", "message", "evidence"} <= set(f)
                                                       for f in case["findings"])
    status, listing = clerk.json("GET", "/api/v1/cases")
    assert status == 200 and [c["id"] for c in listing] == [case_id]

    office = live_server.login("office")
    status, refused = office.json("POST", f"/api/v1/cases/{case_id}/assignments", {"expert": "conflicted"})
    assert status == 409 and refused["error"] == "recusal" and "回避" in refused["message"]
    status, assigned = office.json("POST", f"/api/v1/cases/{case_id}/assignments", {"expert": "expert"})
    assert status == 201 and assigned["expert"] == "expert"

    expert = live_server.login("expert")
    status, headers, body = expert.call("GET", f"/api/v1/cases/{case_id}/documents/review-sheet.docx")
    assert status == 200 and headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert truth["credit_code"] in docx_text(body)
    other = live_server.login("other-expert")
    status, _headers, body = other.call("GET", f"/api/v1/cases/{case_id}/documents/review-sheet.docx")
    assert status == 404 and json.loads(body)["error"] == "not_found"
    status, body = other.json("GET", f"/api/v1/cases/{case_id}")
    assert status == 404
    status, body = HttpClient(live_server.base).json("GET", "/api/v1/cases")
    assert status == 401 and body["error"] == "unauthorized"
