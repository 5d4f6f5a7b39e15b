"""Failures as the people and tools asking see them: the API's JSON error, or an error page.

A GradedeskError carries its status (web/errors.py); a database or file store that is away is
answered 503 with Retry-After, by a page that reads nothing from the database.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from forms.errors import GradedeskError
from web.errors import ServiceUnavailable, status_and_code, unavailable

log = logging.getLogger("web")  # the app's logger, as before the views had a room of their own

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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _error(status: int, code: str, message: str, payload: dict | None = None):
    if _wants_json():
        return jsonify({"error": code, "message": message} | (payload or {})), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """The app's answers to failures: JSON on the API, an error page elsewhere."""
    @app.errorhandler(GradedeskError)
    def _gradedesk_error(exc: GradedeskError):
        status, code = status_and_code(exc)
        if status >= 500:
            log.error("%s", exc.log_message)
        return _error(status, code, exc.user_message, getattr(exc, "payload", None))

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


_UNAVAILABLE_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>暂时无法访问 · 绩效分级申报材料审核</title>
  <link rel="stylesheet" href="{stylesheet}">
</head>
<body>
<header class="top"><a class="brand" href="{home}">绩效分级申报材料审核</a></header>
<main>
<section class="card narrow">
  <h1>暂时无法访问</h1>
  <p>{message}</p>
  <p>请稍候<a href="{again}">重新打开本页</a>。</p>
</section>
</main>
</body>
</html>
"""


def unavailable_response(error: ServiceUnavailable, wants_json: bool):
    """503 with Retry-After: the API's JSON error, or a page of its own for browsers. Neither reads the
    database (the usual error page shows who is logged in, which would ask the database again)."""

    log.warning("503 on %s %s: %s", request.method, request.path, error.log_message)
    if wants_json:
        response = make_response(jsonify({"error": error.code, "message": error.user_message}), error.status)
    else:
        again = request.full_path.rstrip("?") if request.method == "GET" else request.path
        page = _UNAVAILABLE_PAGE.format(stylesheet=escape(url_for("static", filename="style.css")),
                                        home=escape(url_for("cases.index")), message=escape(error.user_message),
                                        again=escape(again))
        response = make_response(page, error.status)
        response.mimetype = "text/html"
    response.headers["Retry-After"] = str(error.retry_after)
    return response
