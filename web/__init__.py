"""The web app: pages for clerks, experts and offices, and the JSON API.

`create_app(config)` builds one app; configuration comes from the environment
(web/config.py) with `config` on top. Blueprints: `auth` (login/logout),
`cases` (list, upload, case page, history), `caseflow` (procedure steps, corrections,
decisions on findings), `viewer` (evidence), `review` (experts and their sheets,
case documents), `office` (grades, notices, reports, templates), `api` (`/api/v1`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from forms.errors import GradedeskError
from web.config import load_config, persistent_secret_key
from web.db import Database, close_db_session
from web.errors import ServiceUnavailable, status_and_code, unavailable, unavailable_response

log = logging.getLogger(__name__)

csrf = CSRFProtect()

HTTP_CODES = {400: "bad_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests",
              500: "internal", 503: "unavailable"}
HTTP_MESSAGES = {
    400: "请求有误。",
    401: "请先登录或提供有效的令牌。",
    403: "您的角色无权执行此操作。",
    404: "未找到该页面或案件，或您无权查看。",
    405: "不支持该请求方法。",
    409: "操作与当前状态冲突。",
    413: "上传的文件太大。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，已记录日志。",
    503: "系统暂时无法处理请求，请稍后再试。",
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(load_config(config))
    data_dir = Path(app.config["GRADEDESK_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret_key(data_dir)
    app.extensions["gradedesk.db"] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_db_session)
    app.session_interface = HttpsAwareSessions()
    app.json.sort_keys = False  # keys in the order the API builds them; sorting 5,000 rows costs a third
    proxies = int(app.config.get("GRADEDESK_PROXY_COUNT") or 0)
    if proxies:  # behind a reverse proxy: trust its X-Forwarded-For/-Proto (addresses, HTTPS)
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    from web import api, auth, caseflow, cases, office, review, viewer

    csrf.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in (auth.bp, cases.bp, caseflow.bp, viewer.bp, review.bp, office.bp, api.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)
    from web.openapi import bp as openapi_bp  # GET /api/v1/openapi.json, no login
    app.register_blueprint(openapi_bp)

    _register_errors(app)
    _register_templating(app)

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


class HttpsAwareSessions(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (directly or through a
    trusted proxy, GRADEDESK_PROXY_COUNT), and always with GRADEDESK_SECURE_COOKIES=1."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _error(status: int, code: str, message: str):
    if _wants_json():
        return jsonify({"error": code, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def _register_errors(app: Flask) -> None:
    @app.errorhandler(GradedeskError)
    def _gradedesk_error(exc: GradedeskError):
        status, code = status_and_code(exc)
        if status >= 500:
            log.error("%s", exc.log_message)
        return _error(status, code, exc.user_message)

    @app.errorhandler(ServiceUnavailable)
    def _unavailable(exc: ServiceUnavailable):
        return unavailable_response(exc, _wants_json())

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return _error(400, "csrf", "表单已过期或来源不明，请刷新页面后重试。")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 401 and not _wants_json():
            return app.login_manager.unauthorized()
        return _error(status, HTTP_CODES.get(status, "error"), HTTP_MESSAGES.get(status, "请求无法完成。"))

    @app.errorhandler(Exception)
    def _internal_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        down = unavailable(exc)  # the database (or file store) is restarting or out of reach: 503, no traceback
        if down is not None:
            return unavailable_response(down, _wants_json())
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, "internal", HTTP_MESSAGES[500])


def _register_templating(app: Flask) -> None:
    from web.models import CASE_STATUS_LABELS, ROLE_LABELS, STAGE_LABELS
    from web.presenters import local_time

    app.jinja_env.filters["localtime"] = local_time

    @app.context_processor
    def _globals():
        return {"ROLE_LABELS": ROLE_LABELS, "STATUS_LABELS": CASE_STATUS_LABELS, "STAGE_LABELS": STAGE_LABELS}
