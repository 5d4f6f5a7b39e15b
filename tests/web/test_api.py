"""The JSON API of docs/api.md: tokens, cases, assignments, documents, errors."""

from __future__ import annotations

import io

import pytest

from tests.web.support import PASSWORD, docx_text, sample_truth, upload_sample


def _error(response, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"}
    if code:
        assert body["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # a Chinese sentence
    return body["message"]


def test_tokens(app, users, api):
    client = app.test_client()
    response = client.post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD})
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert len(token) > 30
    listing = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200 and listing.get_json() == []

    _error(client.post("/api/v1/tokens", json={"username": "clerk", "password": "nope"}), 401, "unauthorized")
    _error(client.post("/api/v1/tokens", json={"username": "clerk"}), 400, "bad_input")
    _error(client.post("/api/v1/tokens", data="username=clerk"), 400, "bad_input")


def test_token_is_stored_hashed(app, db, users, api):
    from sqlalchemy import select

    from web.models import ApiToken

    token = api("clerk").headers["Authorization"].split()[1]
    with db.session() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored


def test_calls_need_a_valid_token(app, users):
    client = app.test_client()
    _error(client.get("/api/v1/cases"), 401, "unauthorized")
    _error(client.get("/api/v1/cases", headers={"Authorization": "Bearer forged"}), 401, "unauthorized")
    _error(client.get("/api/v1/cases", headers={"Authorization": "Basic Y2xlcms6eA=="}), 401)


def test_session_cookie_does_not_open_the_api(app, users, browser):
    clerk = browser("clerk")
    _error(clerk.get("/api/v1/cases"), 401)


def test_create_list_show(app, users, api):
    from web.queue.jobs import run_until_empty

    clerk = api("clerk")
    response = upload_sample(clerk)  # no CSRF token needed: the API is exempt, it takes no cookies
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"id", "status"} and body["status"] == "queued"
    case_id = body["id"]
    assert response.headers["Location"].endswith(f"/api/v1/cases/{case_id}")

    queued = clerk.get(f"/api/v1/cases/{case_id}").get_json()
    assert queued["status"] == "queued" and queued["extraction"] is None

    run_until_empty(app)
    truth = sample_truth()
    [row] = clerk.get("/api/v1/cases").get_json()
    assert {"id", "enterprise_name", "county", "industry", "applied_grade", "status"} <= set(row)
    assert row["id"] == case_id and row["status"] == "done"
    assert row["enterprise_name"] == truth["enterprise_name"]
    assert row["county"] == truth["county"] and row["industry"] == truth["industry"]
    assert row["applied_grade"] == truth["applied_grade"]

    case = clerk.get(f"/api/v1/cases/{case_id}").get_json()
    assert {"id", "status", "extraction", "findings", "proposed_grade", "history"} <= set(case)
    assert case["status"] == "done" and case["review_grade"] is None
    proposal = case["proposed_grade"]  # the service's proposal, as `gradedesk check` prints it
    assert proposal["applied"] == truth["applied_grade"] and "grade" in proposal
    extraction = case["extraction"]
    assert extraction["schema"] == "gradedesk.extraction/1"
    assert extraction["fields"]["credit_code"]["value"] == truth["credit_code"]
    assert extraction["fields"]["enterprise_name"]["source"]["file"]
    assert {d["kind"] for d in extraction["documents"]} >= {"application_form"}
    assert isinstance(case["findings"], list)
    for finding in case["findings"]:
        assert {"rule", "severity", "message", "evidence"} <= set(finding)
    actions = [h["action"] for h in case["history"]]
    assert actions[:3] == ["created", "extraction_started", "extraction_done"]
    assert case["history"][0]["actor"] == "clerk"


def test_only_clerks_upload(app, users, api):
    for username in ("expert", "office"):
        _error(upload_sample(api(username)), 403, "forbidden")
    response = api("clerk").post("/api/v1/cases", data={}, content_type="multipart/form-data")
    _error(response, 400, "bad_input")


def test_too_large_upload(app, users, api):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = api("clerk").post("/api/v1/cases", data={"files": (io.BytesIO(b"x" * 20_000), "a.pdf")},
                                 content_type="multipart/form-data")
    _error(response, 413, "too_large")


def test_visibility(app, users, api, uploaded_case):
    url = f"/api/v1/cases/{uploaded_case}"
    for username in ("clerk", "county-clerk", "office", "province-office"):
        client = api(username)
        assert client.get(url).status_code == 200, username
        assert [c["id"] for c in client.get("/api/v1/cases").get_json()] == [uploaded_case], username
    for username in ("other-clerk", "other-office", "expert"):
        client = api(username)
        _error(client.get(url), 404, "not_found")
        assert client.get("/api/v1/cases").get_json() == [], username
    _error(api("office").get("/api/v1/cases/424242"), 404, "not_found")
    _error(api("office").get("/api/v1/no-such-thing"), 404, "not_found")


def test_assignments(app, users, api, uploaded_case):
    url = f"/api/v1/cases/{uploaded_case}/assignments"
    office = api("office")

    response = office.post(url, json={"expert": "expert"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["expert"] == "expert"
    assert "回避" not in _error(office.post(url, json={"expert": "expert"}), 409, "already_assigned")

    assert "回避" in _error(office.post(url, json={"expert": "conflicted-expert"}), 409, "recusal")
    assert "承诺书" in _error(office.post(url, json={"expert": "unpledged-expert"}), 409, "recusal")
    assert "第三方" in _error(office.post(url, json={"expert": "consultant-expert"}), 409, "recusal")
    assert "专家" in _error(office.post(url, json={"expert": "clerk"}), 409, "recusal")
    _error(office.post(url, json={"expert": "nobody"}), 400, "bad_input")
    _error(office.post(url, json={}), 400, "bad_input")

    _error(api("clerk").post(url, json={"expert": "other-expert"}), 403, "forbidden")
    _error(api("expert").post(url, json={"expert": "other-expert"}), 403, "forbidden")
    _error(api("other-office").post(url, json={"expert": "other-expert"}), 404, "not_found")
    assert api("province-office").post(url, json={"expert": "other-expert"}).status_code == 201

    history = office.get(f"/api/v1/cases/{uploaded_case}").get_json()["history"]
    assigned = [h for h in history if h["action"] == "assigned"]
    refused = [h for h in history if h["action"] == "assignment_refused"]
    assert [h["actor"] for h in assigned] == ["office", "province-office"]
    assert len(refused) == 4 and all(h["detail"] for h in refused)
    assert sorted(api("expert").get(f"/api/v1/cases/{uploaded_case}").get_json()["experts"]) == \
        ["expert", "other-expert"]


@pytest.mark.parametrize("username", ["expert", "office"])
def test_review_sheet_download(app, users, api, uploaded_case, username):
    api("office").post(f"/api/v1/cases/{uploaded_case}/assignments", json={"expert": "expert"})
    response = api(username).get(f"/api/v1/cases/{uploaded_case}/documents/review-sheet.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    text = docx_text(response.data)
    truth = sample_truth()
    assert truth["enterprise_name"] in text and truth["credit_code"] in text
    assert "expert" in text  # the assigned expert is named on the sheet


def test_review_sheet_is_refused_to_others(app, users, api, uploaded_case):
    url = f"/api/v1/cases/{uploaded_case}/documents/review-sheet.docx"
    api("office").post(f"/api/v1/cases/{uploaded_case}/assignments", json={"expert": "expert"})
    _error(api("other-expert").get(url), 404, "not_found")
    _error(api("clerk").get(url), 403, "forbidden")
    _error(api("other-office").get(url), 404, "not_found")
    _error(api("office").get(f"/api/v1/cases/{uploaded_case}/documents/no-such-kind.docx"), 404)
    _error(api("office").get(f"/api/v1/cases/{uploaded_case}/documents/review-sheet"), 404)
    _error(api("office").get(f"/api/v1/cases/{uploaded_case}/documents/review-sheet.xlsx"), 404)


def test_review_sheet_waits_for_extraction(app, users, api):
    clerk = api("clerk")
    case_id = upload_sample(clerk).get_json()["id"]
    _error(api("office").get(f"/api/v1/cases/{case_id}/documents/review-sheet.docx"), 409, "not_ready")


def test_review_sheet_as_pdf(app, users, api, uploaded_case):
    import pdfplumber

    response = api("office").get(f"/api/v1/cases/{uploaded_case}/documents/review-sheet.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert sample_truth()["credit_code"] in text
