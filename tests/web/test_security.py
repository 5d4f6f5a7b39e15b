"""Security of the pages (ASVS level 2 for these areas): password hashing, cookies, CSRF on every form,
log-in throttling in the database, the Content-Security-Policy, upload limits and content sniffing,
no file served from a path a user controls."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from tests.web.support import PASSWORD, Browser, sample_zip

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def test_passwords_are_hashed_with_scrypt(app, db, users):
    from sqlalchemy import select

    from web.models import User

    with db.session() as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("scrypt:") and PASSWORD not in h for h in hashes)


def test_content_security_policy_and_headers(app, users, browser):
    response = browser("clerk").get("/cases/new")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                      "base-uri 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert '<script src="/static/upload.js"></script>' in html


def test_templates_have_no_inline_script_or_style(database_url):
    """What the CSP forbids never appears: no inline <script>, no on* handlers, no style attributes."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        assert "<style" not in text, path
        assert "http://" not in text and "https://" not in text, path  # no CDN


def test_session_cookie_flags(app, users):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    secure = app.test_client()
    page = secure.get("/login", base_url="https://gradedesk.example")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = secure.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token},
                           base_url="https://gradedesk.example")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secure_cookies_behind_a_trusted_proxy(database_url, data_dir, users, app):
    from web import create_app

    proxied = create_app({"DATABASE_URL": database_url, "GRADEDESK_DATA_DIR": str(data_dir), "SECRET_KEY": "k",
                          "GRADEDESK_PROXY_COUNT": 1})
    client = proxied.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    page = client.get("/login", headers=headers)
    assert "Secure" in page.headers["Set-Cookie"]
    # without the proxy setting the header is not believed
    assert "Secure" not in app.test_client().get("/login", headers=headers).headers["Set-Cookie"]


def test_every_form_needs_the_csrf_token(app, users, case):
    """Every POST page route, logged in as a role that may use it, refuses a post without the token."""
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and not rule.rule.startswith("/api/")]
    assert len(posts) > 15
    client = Browser(app).login("office")
    for rule in posts:
        url = re.sub(r"<int:[a-z_]+>", "1", rule.rule).replace("<key>", "credit_code")
        response = client.client.post(url, data={"reason": "x", "step": "collect"})
        assert response.status_code in (400, 403), (rule.rule, response.status_code)
        if response.status_code == 400:
            assert "表单已过期或来源不明" in response.get_data(as_text=True), rule.rule


def test_login_is_throttled_per_user_name(app, users, browser):
    for _ in range(5):
        assert browser().post_form("/login", {"username": "clerk", "password": "wrong"}).status_code == 401
    locked = browser().post_form("/login", {"username": "clerk", "password": PASSWORD})
    assert locked.status_code == 429 and "锁定" in locked.get_data(as_text=True)
    api = app.test_client().post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD})
    assert api.status_code == 429 and api.get_json()["error"] == "too_many_requests"
    assert browser().post_form("/login", {"username": "office", "password": PASSWORD}).status_code == 302


def test_login_is_throttled_per_address(app, users, browser):
    for i in range(20):
        browser().post_form("/login", {"username": f"nobody-{i}", "password": "x"})
    response = browser().post_form("/login", {"username": "office", "password": PASSWORD})
    assert response.status_code == 429 and "本机地址" in response.get_data(as_text=True)


def test_throttling_holds_across_processes(app, users, database_url, data_dir):
    """Two app instances (two processes' worth of state) share the count through the database."""
    from web import create_app

    other = create_app({"DATABASE_URL": database_url, "GRADEDESK_DATA_DIR": str(data_dir), "SECRET_KEY": "k"})
    clients = [app.test_client(), other.test_client()]
    for i in range(5):
        clients[i % 2].post("/api/v1/tokens", json={"username": "expert", "password": "wrong"})
    assert clients[0].post("/api/v1/tokens", json={"username": "expert", "password": PASSWORD}).status_code == 429
    assert clients[1].post("/api/v1/tokens", json={"username": "expert", "password": PASSWORD}).status_code == 429


def test_a_success_resets_the_user_count(app, users, browser):
    for _ in range(4):
        browser().post_form("/login", {"username": "clerk", "password": "wrong"})
    assert browser().post_form("/login", {"username": "clerk", "password": PASSWORD}).status_code == 302
    for _ in range(4):
        browser().post_form("/login", {"username": "clerk", "password": "wrong"})
    assert browser().post_form("/login", {"username": "clerk", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize(("name", "content", "message"), [
    ("病毒.exe", b"MZ\x90\x00", "不支持"),
    ("申报表.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "网页或脚本"),
    ("照片.jpg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "网页或脚本"),
    ("许可证.pdf", b"MZ\x90\x00\x03", "可执行程序"),
    ("说明.html", b"<html></html>", "不支持"),
])
def test_uploads_are_sniffed(app, users, api, name, content, message):
    response = api("clerk").post("/api/v1/cases", data={"files": (io.BytesIO(content), name)},
                                 content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_json()["message"]


def test_accepted_uploads_pass_the_sniffing(app, users, api):
    with sample_zip().open("rb") as fh:
        response = api("clerk").post("/api/v1/cases", data={"files": [(fh, "材料.zip"), (io.BytesIO(b"%PDF-1.4\n"),
                                                                                          "报告.pdf")]},
                                     content_type="multipart/form-data")
    assert response.status_code == 202


def test_the_page_upload_answers_json_for_the_script(app, users, browser):
    clerk = browser("clerk")
    page = clerk.get("/cases/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    headers = {"X-Requested-With": "XMLHttpRequest"}
    with sample_zip().open("rb") as fh:
        response = clerk.client.post("/cases/new", data={"files": (fh, sample_zip().name), "csrf_token": token},
                                     headers=headers, content_type="multipart/form-data")
    assert response.status_code == 201
    body = response.get_json()
    assert body["files"][0]["name"] == sample_zip().name and body["status_url"].endswith("/status.json")
    status = clerk.get(body["status_url"], headers=headers).get_json()
    assert status["status"] == "queued" and status["files"][0]["size"] > 0
    bad = clerk.client.post("/cases/new", data={"files": (io.BytesIO(b"MZ"), "a.exe"), "csrf_token": token},
                            headers=headers, content_type="multipart/form-data")
    assert bad.status_code == 400 and "不支持" in bad.get_json()["message"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = clerk.client.post("/cases/new", data={"files": (io.BytesIO(b"x" * 5000), "a.pdf"), "csrf_token": token},
                            headers=headers, content_type="multipart/form-data")
    assert big.status_code == 413 and big.get_json()["error"] == "too_large"


def test_no_route_takes_a_path(app):
    """Files are named by ids (case, document index, page, issued document, template version), never by a path."""
    for rule in app.url_map.iter_rules():
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        if rule.endpoint == "static":
            assert Path(app.static_folder).resolve() == (Path(__file__).resolve().parents[2] / "web" / "static")
            continue
        assert "PathConverter" not in converters.values(), rule.rule
    for name in ("evidence.page_image", "evidence.document", "office.issued", "office.template_file"):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == name)
        ids = [c for n, c in rule._converters.items() if n != "fmt"]
        assert ids and all(isinstance(c, IntegerConverter) and c.max == 2**31 - 1 for c in ids), rule.rule
