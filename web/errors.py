"""Failures of the web layer, each with the HTTP status and the API error code it maps to."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa

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


# ---- the database or the file store cannot be reached --------------------------------------------

class ServiceUnavailable(WebError):
    """Something the app needs is down for the moment (HTTP 503 with Retry-After); nothing to fix in the request."""

    status = 503
    code = "unavailable"
    default_user_message = "系统暂时无法处理请求，请稍后再试。"
    retry_after = 10  # seconds, as the Retry-After header says


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    default_user_message = "数据库暂时无法访问，请稍后再试。如果刚才提交了内容，请在恢复后查看是否已经保存。"


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    default_user_message = "文件存储暂时无法访问，请稍后再试。"


# PostgreSQL SQLSTATE classes and codes of a server that is down, restarting, overloaded or in the way for
# a moment: 08 connection exception, 53 insufficient resources, 57 operator intervention (57P01 admin
# shutdown, 57P03 cannot connect now …), 58 system error (I/O); 40001 serialization failure, 40P01 deadlock,
# 55P03 lock not available. A client-side failure (connection refused, server closed the connection) has none.
_PG_UNAVAILABLE = ("08", "53", "57", "58", "40001", "40P01", "55P03")
# SQLite: locked past the busy timeout, an I/O error, a full disk, a file that cannot be opened or written.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN",
                       "SQLITE_READONLY", "SQLITE_PROTOCOL")


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The DBAPI errors that may mean "cannot reach the database" (OperationalError, InterfaceError)."""
    found: list[type[BaseException]] = [sqlite3.OperationalError]  # sqlite3.InterfaceError: a bad parameter
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite only
        pass
    else:
        found += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(found)


def _database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa.TimeoutError):  # every pooled connection busy for pool_timeout seconds
        return True
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:  # SQLAlchemy recognised a disconnect
            return True
        orig = exc.orig
    else:
        orig = exc  # a driver error SQLAlchemy did not wrap
    if not isinstance(orig, _driver_errors()):
        return False
    errorname = getattr(orig, "sqlite_errorname", None)
    if errorname is not None:
        return errorname.startswith(_SQLITE_UNAVAILABLE)
    if type(orig).__module__ == "sqlite3":  # no error name: judge by the message
        text = str(orig).lower()
        return any(s in text for s in ("locked", "disk i/o", "unable to open", "disk is full", "readonly"))
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_PG_UNAVAILABLE)


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The ServiceUnavailable that `exc` (or an exception it was raised from) amounts to: the database cannot
    be reached (down, restarting, connection lost, locked, every connection busy) or the file store cannot be
    used. None for any other failure, which stays an internal error.

    The web app answers these with 503 (web/views/error_pages.py); a background job may use it to tell "try again
    later" from "this case cannot be done"."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ServiceUnavailable):
            return exc
        if _database_unavailable(exc):
            return DatabaseUnavailable(log_message=f"database unavailable: {type(exc).__name__}: "
                                                   f"{str(exc).splitlines()[0] if str(exc) else ''}")
        exc = exc.__cause__ or exc.__context__
    return None
