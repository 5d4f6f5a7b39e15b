"""contract.md's API against a fresh `gradedesk serve`: the real server in its own process, on a free
port, with a temporary data dir, spoken to over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.web.support import REPO, docx_text, sample_truth, sample_zip

PASSWORD = "live-server-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gradedesk() -> list[str]:
    script = Path(sys.executable).parent / "gradedesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


class Http:
    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def json(self, method: str, path: str, data=None):
        status, _headers, body = self.call(method, path, json.dumps(data).encode() if data is not None else None,
                                           "application/json" if data is not None else None)
        return status, json.loads(body or b"null")

    def upload(self, path: str, files: list[tuple[str, bytes]]):
        boundary = uuid.uuid4().hex
        parts = []
        for name, content in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                         "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, _headers, reply = self.call("POST", path, body, f"multipart/form-data; boundary={boundary}")
        return status, json.loads(reply)

    def login(self, username: str) -> Http:
        status, body = self.json("POST", "/api/v1/tokens", {"username": username, "password": PASSWORD})
        assert status == 200, body
        return Http(self.base, body["token"])


@pytest.fixture
def live_server(tmp_path):
    """`gradedesk serve` on a free port over a fresh data dir with four users."""
    from web import create_app
    from web.db import get_db, upgrade
    from web.users import create_user

    data_dir = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "GRADEDESK_TODAY")}
    env.update({"GRADEDESK_DATA_DIR": str(data_dir), "GRADEDESK_POLL_SECONDS": "0.2"})
    app = create_app({"GRADEDESK_DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir / 'gradedesk.db'}"})
    db = get_db(app)
    upgrade(db)
    code = sample_truth()["credit_code"]
    with db.session() as s:
        create_user(s, "clerk", password=PASSWORD, role="clerk", city="沧州市")
        create_user(s, "office", password=PASSWORD, role="office", city="沧州市")
        create_user(s, "expert", password=PASSWORD, role="expert", industries=["铸造"], pledge=date(2020, 7, 1))
        create_user(s, "other-expert", password=PASSWORD, role="expert", industries=["铸造"], pledge=date(2020, 7, 1))
        create_user(s, "conflicted", password=PASSWORD, role="expert", industries=["铸造"], pledge=date(2020, 7, 1),
                    serves=[code])
        s.commit()
    db.dispose()
    port = _free_port()
    proc = subprocess.Popen([*_gradedesk(), "serve", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/login", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        yield Http(base)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


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
    status, body = Http(live_server.base).json("GET", "/api/v1/cases")
    assert status == 401 and body["error"] == "unauthorized"
