"""Log-in throttling that holds across processes: failed log-ins are rows in the database.

A user name is locked after `GRADEDESK_LOGIN_MAX_FAILURES` (5) failures since its last
success within the window (15 minutes); an address after `GRADEDESK_LOGIN_MAX_IP_FAILURES`
(20) failures in the window, whatever names it tried. Locked means refused (429) before
the password is even checked, so guessing goes no faster by trying the right one.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from web.errors import TooManyRequests
from web.models import LoginAttempt, utcnow


def _settings() -> tuple[int, int, timedelta]:
    config = current_app.config
    return (int(config.get("GRADEDESK_LOGIN_MAX_FAILURES", 5)), int(config.get("GRADEDESK_LOGIN_MAX_IP_FAILURES", 20)),
            timedelta(minutes=int(config.get("GRADEDESK_LOGIN_WINDOW_MINUTES", 15))))


def check(session: Session, username: str, ip: str) -> None:
    per_user, per_ip, window = _settings()
    since = utcnow() - window
    username = (username or "").strip()[:80]
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(True), LoginAttempt.at >= since))
    user_failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False),
        LoginAttempt.at >= max(since, last_success) if last_success else LoginAttempt.at >= since))
    minutes = window.seconds // 60
    if user_failures >= per_user:
        raise TooManyRequests(f"该账号登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。")
    ip_failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at >= since))
    if ip_failures >= per_ip:
        raise TooManyRequests(f"来自本机地址的登录失败次数过多，请 {minutes} 分钟后再试。")


def note(session: Session, username: str, ip: str, success: bool) -> None:
    """Record one attempt (committed); failures older than a day are cleared away."""
    session.add(LoginAttempt(username=(username or "").strip()[:80], ip=(ip or "")[:64], success=success))
    if not success:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1)))
    session.commit()
