"""Helpers of the web tests: the sample bundle, a browser-like client, an API client, and a real
`gradedesk serve` in its own process (`LiveServer`) with an HTTP client for it (`HttpClient`)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
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

    from web.db import get_db
    from web.models import Case, CaseFile, User, record
    from web.services.corrections import apply_summary
    from web.services.extraction import store_documents
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


# ---- a real server in its own process -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gradedesk_command() -> list[str]:
    script = Path(sys.executable).parent / "gradedesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def prepare_database(data_dir: Path | str, database_url: str | None = None, users: dict[str, dict] | None = None,
                     password: str = PASSWORD) -> str:
    """Migrate the database a server will use (default: SQLite in `data_dir`) and add `users`
    ({username: create_user attributes}, all with `password`); the database URL."""
    from web import create_app
    from web.db import get_db, upgrade
    from web.services.users import create_user

    data_dir = Path(data_dir)
    database_url = database_url or f"sqlite:///{data_dir / 'gradedesk.db'}"
    app = create_app({"GRADEDESK_DATA_DIR": str(data_dir), "DATABASE_URL": database_url})
    db = get_db(app)
    try:
        upgrade(db)
        with db.session() as s:
            for name, attrs in (users or {}).items():
                create_user(s, name, password=password, **attrs)
            s.commit()
    finally:
        db.dispose()
    return database_url


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition()` until it returns something true (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(interval)


# Settings of the test runner's environment that must not leak into a server under test.
_NOT_INHERITED = ("DATABASE_URL", "SECRET_KEY", "GRADEDESK_TODAY", "REDIS_URL", "GRADEDESK_WEB_PROCESSES")


class LiveServer:
    """`gradedesk serve` (waitress, with its in-process worker unless `worker=False`) in its own process
    on a free port, over `data_dir` and `database_url` (default: SQLite in `data_dir`).

    `start()` returns once the server answers `/login`; `stop()` ends it with SIGTERM, `kill()` with
    SIGKILL (as a crash would), and `start()` again brings it back on a new port over the same data.
    Its output goes to a log file (`log()`), never to a pipe nobody reads. A context manager."""

    def __init__(self, data_dir: Path | str, database_url: str | None = None, *, env: dict[str, str] | None = None,
                 worker: bool = True, startup_timeout: float = 60):
        self.data_dir = Path(data_dir)
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.worker = worker
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        fd, name = tempfile.mkstemp(prefix="gradedesk-serve-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)

    @property
    def url(self) -> str:
        assert self.port is not None, "the server was never started"
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env.update({"GRADEDESK_DATA_DIR": str(self.data_dir), "GRADEDESK_POLL_SECONDS": "0.2"})
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def start(self) -> LiveServer:
        assert not self.running, "the server is already running"
        self.port = free_port()
        command = [*gradedesk_command(), "serve", "--port", str(self.port)] + ([] if self.worker else ["--no-worker"])
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"\n==== {' '.join(command)}\n")
            log.flush()
            self.proc = subprocess.Popen(command, env=self.environment(), cwd=REPO, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        self.wait_until_up(self.startup_timeout)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/login", timeout=5) as response:
                return response.status == 200
        except (OSError, urllib.error.HTTPError):
            return False

    def wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.answers():
            assert self.running, f"gradedesk serve exited ({self.proc.returncode}):\n{self.log()}"
            assert time.monotonic() < deadline, f"gradedesk serve did not come up in {timeout} s:\n{self.log()}"
            time.sleep(0.1)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and wait (SIGKILL after `timeout`); the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
                self.proc.kill()
                self.proc.wait(30)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a power cut would end it: no cleanup runs."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):  # a 3xx is returned to the caller as it is
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


class HttpClient:
    """Speaks HTTP to a live server: the API with a Bearer token, or the pages with a session cookie
    and its CSRF token (`login_pages`). Redirects are not followed; every call answers
    (status, headers, body)."""

    def __init__(self, base: str, token: str | None = None, *, cookie: str | None = None, csrf: str | None = None,
                 password: str = PASSWORD, timeout: float = 60):
        self.base, self.token, self.cookie, self.csrf = base, token, cookie, csrf
        self.password, self.timeout = password, timeout

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
             headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        if content_type:
            request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def json(self, method: str, path: str, data=None):
        status, _headers, body = self.call(method, path, json.dumps(data).encode() if data is not None else None,
                                           "application/json" if data is not None else None)
        return status, json.loads(body or b"null")

    def upload(self, path: str, files: list[tuple[str, bytes]]):
        body, content_type = multipart(files)
        status, _headers, reply = self.call("POST", path, body, content_type)
        return status, json.loads(reply)

    def login(self, username: str) -> HttpClient:
        """An API client with a fresh token of `username`."""
        status, body = self.json("POST", "/api/v1/tokens", {"username": username, "password": self.password})
        assert status == 200, body
        return HttpClient(self.base, body["token"], password=self.password, timeout=self.timeout)

    def login_pages(self, username: str) -> HttpClient:
        """A page client logged in through the log-in form: its session cookie and CSRF token. Cookies the
        server sets later (flash messages) are not kept, so the client may be shared by threads."""
        status, headers, body = self.call("GET", "/login")
        assert status == 200, status
        cookie = _session_cookie(headers)
        form = urllib.parse.urlencode({"csrf_token": csrf_from(body.decode()), "username": username,
                                       "password": self.password}).encode()
        status, headers, body = HttpClient(self.base, cookie=cookie).call(
            "POST", "/login", form, "application/x-www-form-urlencoded")
        assert status == 302, (status, body.decode(errors="replace")[:500])
        cookie = _session_cookie(headers)
        status, _headers, page = HttpClient(self.base, cookie=cookie).call("GET", "/cases")
        assert status == 200, status
        return HttpClient(self.base, cookie=cookie, csrf=csrf_from(page.decode()), password=self.password,
                          timeout=self.timeout)

    def post_form(self, path: str, data: dict[str, str] | None = None):
        assert self.csrf, "log in through the pages first (login_pages)"
        form = urllib.parse.urlencode(dict(data or {}, csrf_token=self.csrf)).encode()
        return self.call("POST", path, form, "application/x-www-form-urlencoded")


def _session_cookie(headers) -> str:
    for header in headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            return header.split(";", 1)[0]
    raise AssertionError(f"no session cookie in {headers.get_all('Set-Cookie')}")


def multipart(files: list[tuple[str, bytes]], field: str = "files") -> tuple[bytes, str]:
    """A multipart/form-data body of `files` ([(file name, content)]) and its Content-Type."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n" for name, content in files]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def scan_tiff(pages: int) -> bytes:
    """A scanned multi-page TIFF (text drawn on white A4 pages at 150 dpi), as a copier makes one."""
    from PIL import Image, ImageDraw

    frames = []
    for n in range(1, pages + 1):
        frame = Image.new("L", (1240, 1754), 255)
        ImageDraw.Draw(frame).text((120, 160), f"Page {n} of the application form", fill=0)
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], dpi=(150, 150))
    return buffer.getvalue()
