"""web/openapi.json documents exactly the app's `/api/v1` routes, is a valid OpenAPI 3.1 document, and is
what `GET /api/v1/openapi.json` serves."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from openapi_spec_validator import validate

HOW_TO_FIX = "describe it in web/openapi.json (and docs/api.md)"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def openapi_app(tmp_path):
    """The app's routes need no database: a SQLite URL that is never opened."""
    from web import create_app

    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
                       "GRADEDESK_DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test-secret", "TESTING": True})


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(resources.files("web").joinpath("openapi.json").read_text("utf-8"))


def _openapi_path(rule: str) -> str:
    """Flask's `/cases/<int:case_id>` as OpenAPI writes it, `/cases/{case_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_path_conversion():
    assert _openapi_path("/api/v1/cases/<int:case_id>/documents/<name>") == "/api/v1/cases/{case_id}/documents/{name}"


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_every_api_route_is_documented_and_every_documented_route_exists(openapi_app, document):
    routes = {(_openapi_path(rule.rule), method.lower())
              for rule in openapi_app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - IGNORED_METHODS}
    documented = {(path, method) for path, item in document["paths"].items() for method in item
                  if method in {"get", "put", "post", "delete", "patch"}}
    assert routes - documented == set(), f"routes of the app that the OpenAPI document lacks: {HOW_TO_FIX}"
    assert documented - routes == set(), "the OpenAPI document describes routes the app does not have"


def test_path_parameters_are_declared(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{([^}]+)}", path)), (method, path)


def test_every_error_is_the_error_shape(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response == {"$ref": response.get("$ref")}, (method, path, status)
    for name, response in document["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, name
        assert set(response["content"]["application/json"]["example"]) == {"error", "message"}, name
    assert set(document["components"]["schemas"]["Error"]["required"]) == {"error", "message"}


def test_only_tokens_and_the_document_itself_need_no_token(document):
    assert document["security"] == [{"bearerAuth": []}]
    open_calls = {(path, method) for path, item in document["paths"].items() for method, operation in item.items()
                  if operation.get("security") == []}
    assert open_calls == {("/api/v1/tokens", "post"), ("/api/v1/openapi.json", "get")}


def test_enumerations_are_the_codes(document):
    from web.models import CASE_STATUSES, STAGE_LABELS
    from web.services.documents import DOCUMENTS
    from web.services.procedure import STEPS

    schemas = document["components"]["schemas"]
    assert schemas["CaseStatus"]["enum"] == list(CASE_STATUSES)
    assert schemas["Stage"]["enum"] == [*STAGE_LABELS, None]
    assert schemas["StepRequest"]["properties"]["step"]["enum"] == list(STEPS)
    [name] = [p for p in document["paths"]["/api/v1/cases/{case_id}/documents/{name}"]["get"]["parameters"]
              if p["name"] == "name"]
    assert name["schema"]["enum"] == [f"{kind}.{fmt}" for kind, (_title, formats, _render) in DOCUMENTS.items()
                                      for fmt in formats]


def test_served_document_is_the_file_and_needs_no_login(openapi_app, document):
    response = openapi_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == document
    assert response.data == resources.files("web").joinpath("openapi.json").read_bytes()


def test_an_undocumented_route_fails_the_comparison(openapi_app, document):
    @openapi_app.get("/api/v1/undocumented")
    def _undocumented():
        return {}

    with pytest.raises(AssertionError, match="lacks"):
        test_every_api_route_is_documented_and_every_documented_route_exists(openapi_app, document)
