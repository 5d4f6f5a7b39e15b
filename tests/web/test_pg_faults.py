"""PostgreSQL restarted under a running `gradedesk serve`: meanwhile the pages and the API answer 503 with a
Chinese sentence (a page of its own for browsers, docs/api.md's JSON error on /api), never a traceback;
once PostgreSQL is back, requests succeed again without restarting the web app, and a job that was
running when the server went away still ends done.

Each test runs against a PostgreSQL cluster of this module's own (`pg_cluster`), which it stops and
starts; the session's `pg_server` is never touched."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.web.support import HttpClient, LiveServer, prepare_database, sample_zip, wait_for

pytestmark = pytest.mark.postgres

USERS = {"clerk": dict(role="clerk", city="沧州市"), "office": dict(role="office", city="沧州市"),
         "expert": dict(role="expert", industries=["铸造"], pledge=date(2020, 7, 1))}


def _database(cluster, name: str) -> str:
    cluster.server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    cluster.server.execute(f'CREATE DATABASE "{name}"')
    return cluster.server.url(name)


def _rows(url: str, sql: str, **params) -> list:
    """Rows read through a connection of its own (no pool that could hold a connection across a restart)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def _assert_unavailable_json(status: int, headers, body: bytes) -> None:
    assert status == 503, (status, body[:300])
    assert headers["Content-Type"].startswith("application/json")
    reply = json.loads(body)
    assert set(reply) == {"error", "message"} and reply["error"] == "database_unavailable"
    assert "数据库" in reply["message"] and "稍后" in reply["message"]
    assert int(headers["Retry-After"]) > 0


def _assert_unavailable_page(status: int, headers, body: bytes) -> None:
    assert status == 503, (status, body[:300])
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert '<html lang="zh-CN">' in page and "暂时无法访问" in page and "数据库暂时无法访问" in page
    assert "Traceback" not in page and "sqlalchemy" not in page.lower() and "psycopg" not in page.lower()
    assert int(headers["Retry-After"]) > 0


def _all_answer_503(clerk_api: HttpClient, clerk_pages: HttpClient, base: str) -> None:
    """Every kind of request while PostgreSQL is down: API reads and writes, pages, the log-in form."""
    _assert_unavailable_json(*clerk_api.call("GET", "/api/v1/cases"))
    _assert_unavailable_json(*clerk_api.call("POST", "/api/v1/cases", b"{}", "application/json"))
    _assert_unavailable_json(*HttpClient(base).call("POST", "/api/v1/tokens", json.dumps(
        {"username": "clerk", "password": "x"}).encode(), "application/json"))
    _assert_unavailable_page(*clerk_pages.call("GET", "/cases"))
    _assert_unavailable_page(*clerk_pages.call("GET", "/cases/1"))
    login = HttpClient(base)
    status, headers, page = login.call("GET", "/login")  # the log-in form needs no database …
    assert status == 200
    login.cookie = next(h.split(";", 1)[0] for h in headers.get_all("Set-Cookie") if h.startswith("session="))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.decode()).group(1)
    form = f"csrf_token={token}&username=clerk&password=whatever".encode()
    _assert_unavailable_page(*login.call("POST", "/login", form, "application/x-www-form-urlencoded"))  # … logging in does


def test_requests_answer_503_while_postgresql_restarts_and_succeed_after(pg_cluster, tmp_path):
    """PostgreSQL goes away twice under one running web app: first a `fast` shutdown (every session ended),
    then an `immediate` one (a crash, recovered at the next start). The web app is never restarted."""
    url = _database(pg_cluster, "faults_web")
    prepare_database(tmp_path / "var", url, USERS)
    with LiveServer(tmp_path / "var", url) as server:
        base = HttpClient(server.url)
        clerk_api, clerk_pages = base.login("clerk"), base.login_pages("clerk")
        assert clerk_api.json("GET", "/api/v1/cases") == (200, [])
        assert clerk_pages.call("GET", "/cases")[0] == 200
        pid = server.proc.pid

        for n, mode in enumerate(("fast", "immediate"), start=1):
            pg_cluster.stop(mode)
            _all_answer_503(clerk_api, clerk_pages, server.url)
            pg_cluster.start()

            # back without restarting the web app: the pooled connections to the old server are replaced
            wait_for(lambda: clerk_api.call("GET", "/api/v1/cases")[0] == 200, 30, f"the API to answer after {mode}")
            assert server.running and server.proc.pid == pid
            assert clerk_pages.call("GET", "/cases")[0] == 200
            status, created = clerk_api.upload("/api/v1/cases", [(sample_zip().name, sample_zip().read_bytes())])
            assert status == 202, created
            status, cases = base.login("office").json("GET", "/api/v1/cases")
            assert status == 200 and len(cases) == n
        log = server.log()
    assert "unhandled error" not in log, log  # no request fell through to the internal-error handler
    assert "503 on GET /api/v1/cases" in log  # the outage is logged, one line per request


def test_a_job_running_when_postgresql_goes_away_ends_done(pg_cluster, tmp_path):
    """The in-process worker is extracting a case when PostgreSQL stops; it cannot store the result. Once the
    server is back the job is done (re-queued and run again, or its result stored): never left `running`,
    never failed for the outage."""
    url = _database(pg_cluster, "faults_jobs")
    prepare_database(tmp_path / "var", url, USERS)
    with LiveServer(tmp_path / "var", url, env={"GRADEDESK_JOB_TIMEOUT": "3"}) as server:
        clerk = HttpClient(server.url).login("clerk")
        status, created = clerk.upload("/api/v1/cases", [(sample_zip().name, sample_zip().read_bytes())])
        assert status == 202, created
        wait_for(lambda: _rows(url, "SELECT status FROM jobs WHERE case_id = :c", c=created["id"])[0][0] == "running",
                 60, "the worker to start the job", interval=0.02)
        pg_cluster.stop("fast")
        try:
            # PostgreSQL stays down until the worker has failed to store the job's outcome
            wait_for(lambda: "loop error" in server.log(), 60, "the worker to meet the outage")
        finally:
            pg_cluster.start()

        def finished():
            status, case = clerk.json("GET", f"/api/v1/cases/{created['id']}")
            return case if status == 200 and case["status"] in ("done", "failed") else None

        case = wait_for(finished, 90, "the job to end once PostgreSQL is back", interval=0.3)
        assert case["status"] == "done", (case.get("error"), server.log())
        assert case["extraction"]["fields"]["credit_code"]["value"]
        assert "extraction_failed" not in [e["action"] for e in case["history"]]
        jobs = _rows(url, "SELECT status, attempts, error FROM jobs WHERE case_id = :c", c=created["id"])
        assert [(s, a <= 3) for s, a, _e in jobs] == [("done", True)], jobs
        assert _rows(url, "SELECT count(*) FROM jobs WHERE status = 'running'")[0][0] == 0
