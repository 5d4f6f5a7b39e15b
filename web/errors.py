"""Failures of the web layer, each with the HTTP status and the API error code it maps to."""

from __future__ import annotations

from forms.errors import BadInput, GradedeskError


class WebError(GradedeskError):
    status = 500
    code = "internal"


class Unauthorized(WebError):
    status = 401
    code = "unauthorized"
    default_user_message = "请先登录或提供有效的令牌。"


class Forbidden(WebError):
    status = 403
    code = "forbidden"
    default_user_message = "您的角色无权执行此操作。"


class NotFound(WebError):
    status = 404
    code = "not_found"
    default_user_message = "未找到该案件，或您无权查看。"


class Conflict(WebError):
    status = 409
    code = "conflict"
    default_user_message = "操作与当前状态冲突。"

    def __init__(self, user_message: str | None = None, *, code: str | None = None):
        super().__init__(user_message)
        if code:
            self.code = code


class TooManyRequests(WebError):
    status = 429
    code = "too_many_requests"
    default_user_message = "请求过于频繁，请稍后再试。"


class TooLarge(WebError):
    status = 413
    code = "too_large"
    default_user_message = "上传的文件太大。"


def status_and_code(exc: GradedeskError) -> tuple[int, str]:
    if isinstance(exc, WebError):
        return exc.status, exc.code
    if isinstance(exc, BadInput):
        return 400, "bad_input"
    return 500, "internal"
