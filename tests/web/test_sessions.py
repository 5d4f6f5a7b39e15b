"""Sessions that end (docs/api.md, "Invariants"): logging out, a password change or deactivation ends
every session cookie and API token of the user, replayed from anywhere; tokens are listed and revocable;
a session unused past the idle timeout is over; the log-in throttle holds under parallel attempts; ids
past the database's range are 404, not 500."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.web.support import PASSWORD, ApiClient, Browser, csrf_from
from web.db import get_db
from web.models import LoginAttempt, User
from web.services import users as accounts

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BOTH = pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                               indirect=True)


def _replay(app, cookie: str, agent: str = "curl/8.0"):
    """A new client (another browser, another program) presenting a saved session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/cases", headers={"User-Agent": agent})


def _saved_cookie(browser: Browser) -> str:
    return browser.client.get_cookie("session").value


@SQLITE
def test_a_saved_cookie_is_dead_after_logout(app, users):
    browser = Browser(app).login("clerk")
    other = Browser(app).login("clerk")  # the same user in a second browser
    cookie = _saved_cookie(browser)
    token = ApiClient(app, "clerk")
    assert _replay(app, cookie).status_code == 200  # a replayed live cookie works, from another program too
    page = browser.get("/cases").get_data(as_text=True)
    assert browser.client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    replay = _replay(app, cookie)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert other.get("/cases").status_code == 302  # every session of the user ends
    assert token.get("/api/v1/cases").status_code == 401  # and every token
    assert Browser(app).login("clerk").get("/cases").status_code == 200  # logging in again works


@SQLITE
@pytest.mark.parametrize("change", ["password", "deactivation"])
def test_password_change_and_deactivation_end_sessions_and_tokens(app, users, change):
    browser, token = Browser(app).login("office"), ApiClient(app, "office")
    cookie = _saved_cookie(browser)
    with get_db(app).session() as s:
        office = s.scalar(select(User).where(User.username == "office"))
        if change == "password":
            accounts.set_password(s, office, "a new passphrase 2020")
        else:
            accounts.set_active(s, office, False)
        s.commit()
    assert _replay(app, cookie).status_code == 302
    assert browser.get("/cases").status_code == 302
    assert token.get("/api/v1/cases").status_code == 401


@SQLITE
def test_tokens_are_listed_and_revocable(app, users):
    first, second = ApiClient(app, "clerk"), ApiClient(app, "clerk")
    listed = first.get("/api/v1/tokens")
    assert listed.status_code == 200
    tokens = listed.get_json()
    assert len(tokens) == 2 and all(set(t) == {"id", "created_at", "expires_at", "last_used_at"} for t in tokens)
    assert first.client.delete("/api/v1/tokens/current", headers=first.headers).status_code == 204
    assert first.get("/api/v1/cases").status_code == 401
    assert first.get("/api/v1/cases").get_json()["error"] == "unauthorized"
    assert second.get("/api/v1/cases").status_code == 200  # only the token in use
    assert len(second.get("/api/v1/tokens").get_json()) == 1
    assert ApiClient(app).client.delete("/api/v1/tokens/current").status_code == 401


@SQLITE
def test_an_idle_session_is_over(app, users):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=2)
    browser = Browser(app).login("clerk")
    assert browser.get("/cases").status_code == 200
    time.sleep(1.2)
    assert browser.get("/cases").status_code == 200  # in use: the cookie is renewed
    time.sleep(3.2)
    response = browser.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@BOTH
def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(app, users, monkeypatch):
    """16 parallel wrong passwords for one user: at most the limit (5) are checked; the rest are 429."""
    limit = app.config["GRADEDESK_LOGIN_MAX_FAILURES"]
    checks, lock = [], threading.Lock()
    real_check = accounts.check_password_hash

    def counted(pwhash, password):
        with lock:
            checks.append(password)
        time.sleep(0.05)  # a password check takes time: the window in which the old throttle raced
        return real_check(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    barrier = threading.Barrier(16)
    statuses = []

    def attempt(i):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/tokens", json={"username": "office", "password": f"guess-{i}"}
                                    ).status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"\nparallel throttle: 16 attempts, {len(checks)} password checks (limit {limit}), "
          f"{statuses.count(429)} refused with 429")
    assert len(checks) <= limit
    assert statuses.count(401) == len(checks) and statuses.count(429) == 16 - len(checks)
    with get_db(app).session() as s:
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == len(checks)
    # the right password is refused too while the name is locked
    right = app.test_client().post("/api/v1/tokens", json={"username": "office", "password": PASSWORD})
    assert right.status_code == 429


@BOTH
def test_a_success_clears_the_names_count(app, users):
    client = app.test_client()
    for _ in range(4):
        assert client.post("/api/v1/tokens", json={"username": "clerk", "password": "wrong"}).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD}).status_code == 200
    for _ in range(5):
        assert client.post("/api/v1/tokens", json={"username": "clerk", "password": "wrong"}).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "clerk", "password": "wrong"}).status_code == 429


@SQLITE
@pytest.mark.parametrize("url", [
    "/api/v1/cases/99999999999999999999",
    "/api/v1/cases/2147483648",
    "/api/v1/cases/99999999999999999999/documents/review-sheet.docx",
    "/cases/99999999999999999999",
    "/cases/99999999999999999999/history.csv",
    "/cases/1/versions/99999999999999999999",
    "/cases/1/files/99999999999999999999",
    "/cases/1/files/0/pages/99999999999999999999.png",
    "/issued/99999999999999999999.docx",
    "/templates/99999999999999999999.docx",
])
def test_huge_ids_are_not_found(app, users, case, url):
    client = ApiClient(app, "office") if url.startswith("/api/") else Browser(app).login("office")
    response = client.get(url)
    assert response.status_code == 404, (url, response.status_code)
