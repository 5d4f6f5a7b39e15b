"""Log-in throttling that holds across processes and parallel requests: one counter row per user
name and per address, raised by a single UPDATE … RETURNING before the password is checked.

Every attempt takes its number first; an attempt past `GRADEDESK_LOGIN_MAX_FAILURES` (5) for the
name, or `GRADEDESK_LOGIN_MAX_IP_FAILURES` (20) for the address, within the window (15 minutes)
is refused (429) without checking the password, so parallel guesses get no more password checks
than the limit (the earlier count-then-insert let 12 of 16 parallel guesses through). A success
clears the name's counter and gives the address its attempt back. Each attempt is also kept in
`login_attempts` for the record.

Flask-Limiter counts atomically too, but only in memory (per process) or on Redis/Memcached/MongoDB;
the database is the one store every process of every deployment shares, and its UPDATE is as atomic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from web.errors import TooManyRequests
from web.models import LoginAttempt, LoginCounter, utcnow


def _settings() -> tuple[int, int, timedelta]:
    config = current_app.config
    return (int(config.get("GRADEDESK_LOGIN_MAX_FAILURES", 5)), int(config.get("GRADEDESK_LOGIN_MAX_IP_FAILURES", 20)),
            timedelta(minutes=int(config.get("GRADEDESK_LOGIN_WINDOW_MINUTES", 15))))


def _name(username: str | None) -> str:
    return (username or "").strip()[:80]


def _keys(username: str, ip: str) -> tuple[str, str]:
    return "user:" + _name(username), "addr:" + (ip or "")[:64]


def _bump(session: Session, key: str, delta: int, now: datetime, since: datetime) -> int:
    """Add `delta` to the counter of `key` (a fresh window when the last one is over) and return it,
    atomically: concurrent calls are serialised on the row."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginCounter).values(key=key, window_start=now, count=0).on_conflict_do_nothing())
    expired = LoginCounter.window_start < since
    return session.execute(
        update(LoginCounter).where(LoginCounter.key == key)
        .values(count=case((expired, max(delta, 0)), else_=LoginCounter.count + delta),
                window_start=case((expired, now), else_=LoginCounter.window_start))
        .returning(LoginCounter.count)).scalar_one()


def reserve(session: Session, username: str, ip: str) -> None:
    """Count this attempt (committed) before its password is checked; TooManyRequests past a limit."""
    per_user, per_ip, window = _settings()
    now = utcnow()
    user_key, ip_key = _keys(username, ip)
    user_count = _bump(session, user_key, 1, now, now - window)
    ip_count = _bump(session, ip_key, 1, now, now - window)
    session.commit()
    minutes = window.seconds // 60
    if user_count > per_user:
        raise TooManyRequests(f"该账号登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。")
    if ip_count > per_ip:
        raise TooManyRequests(f"来自本机地址的登录失败次数过多，请 {minutes} 分钟后再试。")


def settle(session: Session, username: str, ip: str, success: bool) -> None:
    """Record how the attempt ended (committed): a success clears the name's count and returns the
    address its attempt; attempts older than a day are cleared from the record."""
    _, _, window = _settings()
    now = utcnow()
    user_key, ip_key = _keys(username, ip)
    session.add(LoginAttempt(username=_name(username), ip=(ip or "")[:64], success=success))
    if success:
        session.execute(update(LoginCounter).where(LoginCounter.key == user_key).values(count=0))
        _bump(session, ip_key, -1, now, now - window)
    else:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    session.commit()


def failures(session: Session, username: str) -> int:
    """The name's count in the present window (for tests and the users page)."""
    return session.scalar(select(LoginCounter.count).where(LoginCounter.key == _keys(username, "")[0])) or 0
