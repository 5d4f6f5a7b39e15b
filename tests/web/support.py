"""Helpers of the web tests: the sample bundle, a browser-like client, an API client."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "fixtures" / "samples"
SAMPLE = "foundry-a-docx"
PASSWORD = "correct horse battery"


# ---- the sample bundle --------------------------------------------------------------------------

def sample_zip() -> Path:
    path = SAMPLES / f"{SAMPLE}.zip"
    assert path.exists(), f"the sample bundle {path} is missing (python -m fixtures.generate --out fixtures/samples)"
    return path


def sample_truth() -> dict:
    return json.loads((SAMPLES / f"{SAMPLE}.truth.json").read_text("utf-8"))["fields"]


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


class Browser:
    """A test client that behaves like a person with a browser: reads the CSRF token off the page."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post_form(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        page = self.client.get(page_url)
        assert page.status_code == 200, page.status_code
        data = dict(data, csrf_token=csrf_from(page.get_data(as_text=True)))
        return self.client.post(action or page_url, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD):
        response = self.post_form("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self


class ApiClient:
    def __init__(self, app, username: str | None = None):
        self.client = app.test_client()
        self.headers = {}
        if username:
            response = self.client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url, **kwargs):
        return self.client.post(url, headers=self.headers, **kwargs)


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a .docx, as one string."""
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]

    def cells(tables):
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.append(cell.text)
                    cells(cell.tables)

    cells(document.tables)
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def upload_sample(client, url: str = "/api/v1/cases"):
    with sample_zip().open("rb") as fh:
        return client.post(url, data={"files": (fh, sample_zip().name)}, content_type="multipart/form-data")
