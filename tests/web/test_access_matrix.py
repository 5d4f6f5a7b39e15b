"""The full access matrix: every route of the app (pages and API) × every role, against the expected
status. A route added without a row here fails the test.

Roles: anonymous, the clerk of the case's county (泊头市), a clerk of another county of the same city
(青县), the expert assigned to the case, an expert who is not, the city office (沧州市), the province
office. A case a user may not see answers 404; a route the user's role may never use answers 403
whatever the case (so a 403 tells nothing about which cases exist); anonymous pages redirect to the
log-in page and the anonymous API answers 401.

Forms are posted with a valid CSRF token and deliberately incomplete data, so a permitted role gets
the form's own answer (303 back with a message, or 400/409) without changing the case.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.web import steps
from tests.web.support import ApiClient, Browser, fill_review_sheet, make_case
from web.db import get_db
from web.models import Case, CaseFile, CaseVersion, IssuedDocument, OfficeTemplate, User
from web.storage import Storage

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ROLES = ("anonymous", "county-clerk", "neighbour-clerk", "expert", "other-expert", "office", "province-office")


def expect(anonymous, county_clerk, neighbour_clerk, expert, other_expert, office, province_office):
    return dict(zip(ROLES, (anonymous, county_clerk, neighbour_clerk, expert, other_expert, office,
                            province_office), strict=True))


VISIBLE_TO_ALL_WHO_SEE = expect(302, 200, 404, 200, 404, 200, 200)
OFFICE_PAGE = expect(302, 403, 403, 403, 403, 200, 200)
EVERYONE_LOGGED_IN = expect(302, 200, 200, 200, 200, 200, 200)

# (method, rule as in the url map, concrete url, form or JSON data, expected statuses)
PAGES = [
    ("GET", "/", "/", None, expect(302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/login", "/login", None, expect(200, 302, 302, 302, 302, 302, 302)),
    ("POST", "/login", "/login", {}, expect(200, 302, 302, 302, 302, 302, 302)),
    ("GET", "/static/<path:filename>", "/static/style.css", None, expect(200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/cases", "/cases", None, EVERYONE_LOGGED_IN),
    ("GET", "/cases.xlsx", "/cases.xlsx", None, EVERYONE_LOGGED_IN),
    ("GET", "/cases/new", "/cases/new", None, expect(302, 200, 200, 403, 403, 403, 403)),
    ("POST", "/cases/new", "/cases/new", {}, expect(302, 400, 400, 403, 403, 403, 403)),
    ("GET", "/cases/<int:case_id>", "/cases/{case}", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/status.json", "/cases/{case}/status.json", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/progress.json", "/cases/{case}/progress.json", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/history.<fmt>", "/cases/{case}/history.csv", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/versions/<int:number>", "/cases/{case}/versions/1", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/files/<int:index>", "/cases/{case}/files/{pdf}", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/files/<int:index>/pages/<int:page>.png", "/cases/{case}/files/{pdf}/pages/1.png",
     None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/cases/<int:case_id>/fields/<key>", "/cases/{case}/fields/credit_code", None,
     expect(302, 200, 404, 403, 403, 200, 200)),
    ("POST", "/cases/<int:case_id>/fields/<key>", "/cases/{case}/fields/credit_code", {"value": "{code}"},
     expect(302, 400, 404, 403, 403, 400, 400)),
    ("POST", "/cases/<int:case_id>/steps", "/cases/{case}/steps", {"step": ""},
     expect(302, 303, 404, 403, 403, 303, 303)),
    ("POST", "/cases/<int:case_id>/secret", "/cases/{case}/secret", {"secret": "1", "reason": ""},
     expect(302, 303, 404, 403, 403, 303, 303)),
    ("POST", "/cases/<int:case_id>/findings/<int:index>", "/cases/{case}/findings/0",
     {"rule": "stale:rule", "decision": "confirmed", "reason": "r"}, expect(302, 303, 404, 403, 403, 303, 303)),
    ("GET", "/cases/<int:case_id>/reapply", "/cases/{case}/reapply", None, expect(302, 303, 404, 403, 403, 403, 403)),
    ("POST", "/cases/<int:case_id>/reapply", "/cases/{case}/reapply", {"reason": "x"},
     expect(302, 400, 404, 403, 403, 403, 403)),
    ("POST", "/cases/<int:case_id>/assignments", "/cases/{case}/assignments", {"expert": ""},
     expect(302, 403, 403, 403, 403, 303, 303)),
    ("POST", "/cases/<int:case_id>/proposed-grade", "/cases/{case}/proposed-grade", {"grade": "Z"},
     expect(302, 403, 403, 303, 404, 303, 303)),
    ("GET", "/cases/<int:case_id>/documents/<name>", "/cases/{case}/documents/review-sheet.docx", None,
     expect(302, 403, 403, 200, 404, 200, 200)),
    ("POST", "/cases/<int:case_id>/review-sheets", "/cases/{case}/review-sheets", {},
     expect(302, 403, 403, 303, 404, 403, 403)),
    ("GET", "/cases/<int:case_id>/review-sheets/<int:upload_id>", "/cases/{case}/review-sheets/{upload}", None,
     VISIBLE_TO_ALL_WHO_SEE),
    ("POST", "/cases/<int:case_id>/review-sheets/<int:upload_id>/confirm",
     "/cases/{case}/review-sheets/{upload}/confirm", {"review_type": "材料审核"}, expect(302, 403, 403, 303, 404, 403, 403)),
    ("POST", "/cases/<int:case_id>/review-sheets/<int:upload_id>/discard",
     "/cases/{case}/review-sheets/{upload}/discard", {}, expect(302, 403, 403, 303, 404, 403, 403)),
    ("POST", "/cases/<int:case_id>/grade", "/cases/{case}/grade", {"grade": "B", "reason": ""},
     expect(302, 403, 403, 403, 403, 303, 303)),
    ("GET", "/cases/<int:case_id>/rectification", "/cases/{case}/rectification", None, OFFICE_PAGE),
    ("POST", "/cases/<int:case_id>/rectification", "/cases/{case}/rectification", {"reason": ""},
     expect(302, 403, 403, 403, 403, 400, 400)),
    ("GET", "/cases/<int:case_id>/rectification/draft.docx", "/cases/{case}/rectification/draft.docx", None,
     OFFICE_PAGE),
    ("GET", "/issued/<int:doc_id>.<fmt>", "/issued/{case_doc}.docx", None, VISIBLE_TO_ALL_WHO_SEE),
    ("GET", "/issued/<int:doc_id>.<fmt>", "/issued/{office_doc}.docx", None, expect(302, 404, 404, 404, 404, 200, 200)),
    ("POST", "/cases/<int:case_id>/rectification-items/<int:item_id>/evidence",
     "/cases/{case}/rectification-items/999999/evidence", {}, expect(302, 404, 404, 403, 403, 403, 403)),
    ("POST", "/cases/<int:case_id>/rectification-items/<int:item_id>", "/cases/{case}/rectification-items/999999",
     {"step": "verify"}, expect(302, 404, 404, 403, 403, 404, 404)),
    ("GET", "/rectification-ledger.<fmt>", "/rectification-ledger.xlsx", None, OFFICE_PAGE),
    ("GET", "/notices", "/notices", None, OFFICE_PAGE),
    ("POST", "/notices", "/notices", {}, expect(302, 403, 403, 403, 403, 409, 409)),
    ("GET", "/notices/preview.pdf", "/notices/preview.pdf", None, expect(302, 403, 403, 403, 403, 303, 303)),
    ("GET", "/reports/weekly", "/reports/weekly", None, OFFICE_PAGE),
    ("POST", "/reports/weekly", "/reports/weekly", {}, expect(302, 403, 403, 403, 403, 303, 403)),
    ("GET", "/contact-form", "/contact-form", None, OFFICE_PAGE),
    ("POST", "/contact-form", "/contact-form", {}, expect(302, 403, 403, 403, 403, 400, 400)),
    ("GET", "/templates", "/templates", None, OFFICE_PAGE),
    ("POST", "/templates", "/templates", {}, expect(302, 403, 403, 403, 403, 400, 400)),
    ("GET", "/templates/<int:template_id>.docx", "/templates/{template}.docx", None,
     expect(302, 403, 403, 403, 403, 200, 404)),
    ("POST", "/templates/<int:template_id>/restore", "/templates/{template}/restore", {},
     expect(302, 403, 403, 403, 403, 303, 404)),
    ("POST", "/cases/<int:case_id>/assignments/<expert>/end", "/cases/{case}/assignments/nobody/end", {},
     expect(302, 403, 403, 403, 403, 303, 303)),
    ("GET", "/experts", "/experts", None, OFFICE_PAGE),
    ("GET", "/catalogue", "/catalogue", None, OFFICE_PAGE),
    ("POST", "/catalogue", "/catalogue", {}, expect(302, 403, 403, 403, 403, 403, 400)),
    ("GET", "/catalogue.xlsx", "/catalogue.xlsx", None, OFFICE_PAGE),
    ("POST", "/cases/<int:case_id>/recheck", "/cases/{case}/recheck", {}, expect(302, 303, 404, 403, 403, 303, 303)),
    # 重新解析: who corrects fields; without a reason nothing is queued → back with a message
    ("POST", "/cases/<int:case_id>/reextract", "/cases/{case}/reextract", {}, expect(302, 303, 404, 403, 403, 303, 303)),
    # 归入字段 (an unassigned fact filed under a field): who corrects fields; the case has no such fact → back with a message
    ("POST", "/cases/<int:case_id>/unassigned/<int:index>/assign", "/cases/{case}/unassigned/0/assign",
     {"key": "credit_code"}, expect(302, 303, 404, 403, 403, 303, 303)),
    # 同义词建议: every office reads and exports; the province's office decides and imports (one set for the province)
    ("GET", "/synonyms", "/synonyms", None, OFFICE_PAGE),
    ("GET", "/synonyms.<fmt>", "/synonyms.toml", None, OFFICE_PAGE),
    ("POST", "/synonyms/<int:proposal_id>/<action>", "/synonyms/999999/accept", {},
     expect(302, 403, 403, 403, 403, 403, 404)),
    ("POST", "/synonyms/import", "/synonyms/import", {}, expect(302, 403, 403, 403, 403, 403, 303)),
    # the users page: province and city offices (office is 沧州市's; its users are found, others' are not)
    ("GET", "/users", "/users", None, OFFICE_PAGE),
    ("POST", "/users", "/users", {}, expect(302, 403, 403, 403, 403, 400, 400)),
    ("GET", "/users/<int:user_id>", "/users/{county_clerk}", None, OFFICE_PAGE),
    ("POST", "/users/<int:user_id>", "/users/{county_clerk}", {}, expect(302, 403, 403, 403, 403, 400, 400)),
    ("POST", "/users/<int:user_id>/active", "/users/{county_clerk}/active", {"active": "1"},
     expect(302, 403, 403, 403, 403, 303, 303)),
    ("POST", "/users/<int:user_id>/password", "/users/{county_clerk}/password", {},
     expect(302, 403, 403, 403, 403, 303, 303)),
    ("POST", "/logout", "/logout", {}, expect(302, 302, 302, 302, 302, 302, 302)),
]

API = [
    ("POST", "/api/v1/tokens", "/api/v1/tokens", {}, expect(400, 400, 400, 400, 400, 400, 400)),
    ("GET", "/api/v1/cases", "/api/v1/cases", None, expect(401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/cases.xlsx", "/api/v1/cases.xlsx", None, expect(401, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/cases", "/api/v1/cases", "multipart", expect(401, 400, 400, 403, 403, 403, 403)),
    ("GET", "/api/v1/cases/<int:case_id>", "/api/v1/cases/{case}", None, expect(401, 200, 404, 200, 404, 200, 200)),
    ("GET", "/api/v1/cases/<int:case_id>/progress", "/api/v1/cases/{case}/progress", None,
     expect(401, 200, 404, 200, 404, 200, 200)),
    ("POST", "/api/v1/cases/<int:case_id>/assignments", "/api/v1/cases/{case}/assignments", {},
     expect(401, 403, 403, 403, 403, 400, 400)),
    ("GET", "/api/v1/cases/<int:case_id>/documents/<name>", "/api/v1/cases/{case}/documents/review-sheet.docx", None,
     expect(401, 403, 403, 200, 404, 200, 200)),
    ("POST", "/api/v1/cases/<int:case_id>/steps", "/api/v1/cases/{case}/steps", {"step": ""},
     expect(401, 400, 404, 403, 403, 400, 400)),
    ("POST", "/api/v1/cases/<int:case_id>/fields/<key>", "/api/v1/cases/{case}/fields/credit_code", {"value": ["x"]},
     expect(401, 400, 404, 403, 403, 400, 400)),
    ("POST", "/api/v1/cases/<int:case_id>/findings/<int:index>", "/api/v1/cases/{case}/findings/0", {"action": "x"},
     expect(401, 400, 404, 403, 403, 400, 400)),
    ("POST", "/api/v1/cases/<int:case_id>/decision", "/api/v1/cases/{case}/decision", {"grade": "B", "reason": ""},
     expect(401, 403, 403, 403, 403, 400, 400)),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", None, expect(200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/tokens", "/api/v1/tokens", None, expect(401, 200, 200, 200, 200, 200, 200)),
    ("DELETE", "/api/v1/cases/<int:case_id>/assignments/<expert>", "/api/v1/cases/{case}/assignments/expert", {},
     expect(401, 403, 403, 403, 403, 400, 400)),
    # last: it revokes the token the rows above used
    ("DELETE", "/api/v1/tokens/current", "/api/v1/tokens/current", None, expect(401, 204, 204, 204, 204, 204, 204)),
]


@pytest.fixture
def world(app, users):
    """The case of the 泊头市 clerk (now at version 2, version 1 kept), its expert, a pending review sheet
    that cannot be confirmed, an issued document of the case and one of the city office, an office template."""
    from generators import kinds

    case_id = make_case(app, "county-clerk")
    steps.assign(app, case_id)
    sheet = fill_review_sheet(steps.review_sheet(app, case_id), grade="")  # no grade: confirming is refused
    from web.services import review_sheets

    storage = Storage(app.config["GRADEDESK_DATA_DIR"])
    docx = io.BytesIO()
    contact_form = kinds.get("contact-form")
    contact_form.render(contact_form.example(), docx, fmt=".docx")
    sha = storage.save_bytes(docx.getvalue()).sha256
    with app.app_context(), get_db(app).session() as s:
        case = s.get(Case, case_id)
        upload = review_sheets.upload_sheet(s, storage, case, steps.user(s, "expert"), "审核表.docx", io.BytesIO(sheet))
        office = steps.user(s, "office")
        s.add(CaseVersion(case_id=case_id, number=1, status="done", extraction=case.extraction, findings=case.findings,
                          summary={"stage": "returned", "files": []}, created_at=case.created_at))
        case.version = 2
        for f in s.scalars(select(CaseFile).where(CaseFile.case_id == case_id)):
            f.version = 2
        case_doc = IssuedDocument(office="沧州市", kind="rectification-notice", year=2020, number=1,
                                  doc_number="沧环整改〔2020〕1号", title="整改通知书", case_id=case_id, data={},
                                  docx_sha256=sha, issued_by_id=office.id)
        office_doc = IssuedDocument(office="沧州市", kind="contact-form", year=2020, title="联络表", data={},
                                    docx_sha256=sha, issued_by_id=office.id)
        template = OfficeTemplate(office="沧州市", kind="contact-form", number=1, original_name="联络表.docx",
                                  sha256=sha, uploaded_by_id=office.id)
        s.add_all([case_doc, office_doc, template])
        s.commit()
        pdf = next(i for i, d in enumerate(case.extraction["documents"]) if d["file"].endswith(".pdf"))
        code = case.extraction["fields"]["credit_code"]["value"]
        return {"case": case_id, "upload": upload.id, "case_doc": case_doc.id, "office_doc": office_doc.id,
                "template": template.id, "pdf": pdf, "code": code,
                "county_clerk": steps.user(s, "county-clerk").id}


def _covered_rules() -> set[tuple[str, str]]:
    return {(method, rule) for method, rule, *_ in PAGES + API}


def test_every_route_has_a_row(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - _covered_rules() == set(), "routes without a row in the access matrix"
    assert _covered_rules() - routes == set(), "rows for routes that do not exist"


def _clients(app):
    browsers = {"anonymous": Browser(app)}
    apis = {"anonymous": ApiClient(app)}
    for role in ROLES[1:]:
        browsers[role] = Browser(app).login(role)
        apis[role] = ApiClient(app, role)
    return browsers, apis


def _fill(template: str, world: dict) -> str:
    return template.format(**world)


def test_the_access_matrix(app, world):
    browsers, apis = _clients(app)
    failures = []
    for method, _rule, url, data, expected in PAGES:
        url = _fill(url, world)
        for role in ROLES:
            client = browsers[role]
            if method == "GET":
                status = client.get(url).status_code
            else:
                form = {k: _fill(v, world) for k, v in data.items()}
                token_page = "/login" if role == "anonymous" else "/cases"
                status = client.post_form(token_page, form, action=url).status_code
            if status != expected[role]:
                failures.append(f"{method} {url} as {role}: {status}, expected {expected[role]}")
    _, apis = _clients(app)  # anew: the log-out rows above ended every session and token of their users
    for method, _rule, url, data, expected in API:
        url = _fill(url, world)
        for role in ROLES:
            client = apis[role]
            if method == "GET":
                status = client.get(url).status_code
            elif method == "DELETE":
                status = client.client.delete(url, headers=client.headers, json=data).status_code
            elif data == "multipart":
                status = client.post(url, data={}, content_type="multipart/form-data").status_code
            else:
                status = client.post(url, json=data).status_code
            if status != expected[role]:
                failures.append(f"{method} {url} as {role} (API): {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_matrix_roles_are_what_they_say(app, world):
    """The roles of the matrix are the people it claims: same city, other county; assigned or not."""
    with get_db(app).session() as s:
        people = {u.username: u for u in s.scalars(select(User))}
        case = s.get(Case, world["case"])
        assert (case.city, case.county) == ("沧州市", "泊头市")
        assert (people["county-clerk"].city, people["county-clerk"].county) == ("沧州市", "泊头市")
        assert (people["neighbour-clerk"].city, people["neighbour-clerk"].county) == ("沧州市", "青县")
        assert [a.expert.username for a in case.assignments] == ["expert"]
        assert (people["office"].city, people["province-office"].city) == ("沧州市", None)
