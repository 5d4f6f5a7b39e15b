"""Logging in, role checks, CSRF, cookies and headers of the pages."""

from __future__ import annotations

import pytest

from tests.web.support import PASSWORD


@pytest.mark.parametrize("url", ["/", "/cases", "/cases/new", "/cases/1", "/cases/1/documents/review-sheet.docx"])
def test_pages_require_login(app, url):
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_is_chinese(browser):
    html = browser().get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "用户名" in html and "密码" in html
    assert "http://" not in html and "https://" not in html  # no CDN, nothing external


def test_wrong_password_is_refused(browser, users):
    response = browser().post_form("/login", {"username": "clerk", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_unknown_user_is_refused_the_same_way(browser, users):
    response = browser().post_form("/login", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_login_then_logout(browser, users):
    b = browser("clerk")
    page = b.get("/cases")
    assert page.status_code == 200 and "本辖区案件" in page.get_data(as_text=True)
    assert b.post_form("/cases", {}, action="/logout").status_code == 302
    assert b.get("/cases").status_code == 302


def test_login_redirects_only_within_the_site(browser, users):
    for target, expected in [("/cases/new", "/cases/new"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")]:
        b = browser()
        response = b.post_form(f"/login?next={target}", {"username": "clerk", "password": PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_roles_are_checked(browser, users):
    assert browser("expert").get("/cases/new").status_code == 403
    assert browser("office").get("/cases/new").status_code == 403
    clerk = browser("clerk")
    assert clerk.get("/cases/new").status_code == 200
    response = clerk.post_form("/cases", {"expert": "expert"}, action="/cases/1/assignments")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)
    assert clerk.get("/cases/1/documents/review-sheet.docx").status_code == 403


def test_expert_list_is_called_my_cases(browser, users):
    html = browser("expert").get("/cases").get_data(as_text=True)
    assert "我的案件" in html and "暂无分配给您的案件" in html


def test_form_post_without_csrf_token_is_rejected(app, users):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    client = app.test_client()
    response = client.post("/login", data={"username": "clerk", "password": PASSWORD})
    assert response.status_code == 400
    assert "刷新页面" in response.get_data(as_text=True)
    assert client.get("/cases").status_code == 302  # not logged in


def test_logged_in_form_post_without_csrf_token_is_rejected(browser, users):
    clerk = browser("clerk")
    response = clerk.client.post("/cases/new", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    response = clerk.client.post("/logout")
    assert response.status_code == 400
    assert clerk.get("/cases").status_code == 200  # still logged in


def test_session_cookie_is_httponly_and_lax(browser, users):
    b = browser()
    response = b.post_form("/login", {"username": "clerk", "password": PASSWORD})
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(browser):
    response = browser().get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_passwords_are_stored_as_scrypt_hashes(db, users):
    from sqlalchemy import select

    from web.models import User

    with db.session() as session:
        hashes = session.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("scrypt:") and PASSWORD not in h for h in hashes)
