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


# ---- cases without running the worker ------------------------------------------------------------

_OUTCOMES: dict[str, dict] = {}


def sample_outcome(name: str = SAMPLE) -> dict:
    """Extraction, findings and proposal of a sample bundle, computed once per test session."""
    if name not in _OUTCOMES:
        from extractors.pipeline import extract_bundle
        from forms.checks import run_checks
        from forms.grading import propose_grade

        extraction = extract_bundle([SAMPLES / f"{name}.zip"])
        findings = run_checks(extraction)
        _OUTCOMES[name] = {"extraction": extraction.to_dict(), "findings": [f.to_dict() for f in findings],
                           "proposal": propose_grade(extraction, findings).to_dict()}
    return json.loads(json.dumps(_OUTCOMES[name]))  # a fresh copy each time


def make_case(app, creator: str = "clerk", sample: str = SAMPLE, **attrs) -> int:
    """A case as the worker leaves it (files stored, documents kept, extraction done), in one transaction."""
    from sqlalchemy import select

    from web.casefacts import apply_summary
    from web.casework import record
    from web.db import get_db
    from web.jobs import store_documents
    from web.models import Case, CaseFile, User
    from web.storage import Storage

    storage = Storage(app.config["GRADEDESK_DATA_DIR"])
    path = SAMPLES / f"{sample}.zip"
    outcome = sample_outcome(sample)
    with get_db(app).session() as session:
        user = session.scalar(select(User).where(User.username == creator))
        stored = storage.save_bytes(path.read_bytes())
        store_documents(storage, [path])
        case = Case(status="done", county=user.county, city=user.city, created_by_id=user.id, version=1,
                    stage="submitted", **outcome)
        apply_summary(case, outcome["extraction"])
        for key, value in attrs.items():
            setattr(case, key, value)
        session.add(case)
        session.flush()
        session.add(CaseFile(case_id=case.id, original_name=path.name, sha256=stored.sha256, size=stored.size,
                             version=1))
        record(session, case, user, "created", f"上传 1 个文件：{path.name}")
        session.commit()
        return case.id


def fill_review_sheet(content: bytes, *, verdict: str = "符合", grade: str = "B",
                      failed: dict[str, str] | None = None, skip: tuple[str, ...] = (), signer: str = "王某某") -> bytes:
    """A generated review sheet filled in as an expert does in Word: ☑ over the box of `verdict`
    (or 不符合 with a remark for the indicators in `failed`), the proposed grade, a typed signature."""
    import docx

    document = docx.Document(io.BytesIO(content))
    table = next(t for t in document.tables if "差异化指标" in " ".join(c.text for c in t.rows[0].cells)
                 and "是否符合" in " ".join(c.text for c in t.rows[0].cells))
    header = [c.text.strip() for c in table.rows[0].cells]
    name_col, verdict_col, remark_col = header.index("差异化指标"), header.index("是否符合"), header.index("备注")
    for row in table.rows[1:]:
        name = row.cells[name_col].text.strip()
        if not name or name in skip:
            continue
        choice, remark = ("不符合", failed[name]) if failed and name in failed else (verdict, "")
        for p in row.cells[verdict_col].paragraphs:
            if p.text.lstrip("□") == choice:
                runs = [r for r in p.runs if r.text]
                runs[0].text = "☑" + choice
                for r in runs[1:]:
                    r.text = ""
        if remark:
            row.cells[remark_col].text = remark
    for t in document.tables:
        for row in t.rows:
            if row.cells[0].text.strip() == "建议等级":
                row.cells[-1].text = grade
    signatures = document.tables[-1]
    signatures.rows[2].cells[-1].text = signer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
