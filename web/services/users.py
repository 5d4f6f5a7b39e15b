"""Accounts: creating users, checking passwords, API tokens, ending sessions.

A session cookie carries the user's session generation (`User.get_id`); logout, a password change
and deactivation raise it and delete the user's API tokens, so every cookie and token issued before
stops working at once, whichever browser or script holds it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from forms.errors import BadInput
from forms.jurisdictions import resolve
from web.models import ROLES, ApiToken, User, utcnow
from web.services.password_policy import check_password
from web.services.recusal import end_conflicted_for

# A real hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("gradedesk-dummy", method="scrypt")


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _clean_list(items: Iterable[str] | None, *, upper: bool = False) -> list[str]:
    out = []
    for item in items or ():
        item = item.strip()
        if upper:
            item = item.upper()
        if item and item not in out:
            out.append(item)
    return out


def create_user(session: Session, username: str, *, password: str, role: str, county: str | None = None,
                city: str | None = None, industries: Iterable[str] | None = None,
                serves: Iterable[str] | None = None, pledge: date | None = None,
                employer: str | None = None) -> User:
    username = (username or "").strip()
    if not username:
        raise BadInput("用户名不能为空。")
    check_password(password, username)
    city, county = resolve(city, county)
    if role not in ROLES:
        raise BadInput(f"角色应为 clerk、expert 或 office，而不是“{role}”。")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise BadInput(f"用户“{username}”已存在。")
    user = User(username=username, password_hash=generate_password_hash(password, method="scrypt"),
                role=role, county=_clean(county), city=_clean(city), industries=_clean_list(industries),
                serves=_clean_list(serves, upper=True), pledge_date=pledge, employer=_clean(employer),
                active=True)
    session.add(user)
    session.flush()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Void every session cookie and API token of `user` (flushed; the caller commits)."""
    user.session_generation = (user.session_generation or 0) + 1
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    if not password:
        raise BadInput("密码不能为空。", "empty password")
    user.password_hash = generate_password_hash(password, method="scrypt")
    end_sessions(session, user)


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_sessions(session, user)


def declare_serves(session: Session, expert: User, entries: Iterable[str]) -> list[int]:
    """Add enterprises (credit codes or names) the expert has served; assignments that now conflict end.
    The ids of the cases the expert lost."""
    expert.serves = _clean_list([*(expert.serves or ()), *entries], upper=True)
    session.flush()
    return end_conflicted_for(session, expert)


def session_is_current(user: User | None, generation: str) -> bool:
    """The check of every request's session: the generation in the cookie is the user's present one."""
    return user is not None and generation == str(user.session_generation or 0)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, *, days: int = 90) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token),
                         expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return token


def token_row(session: Session, token: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, token: str) -> bool:
    """Delete the token; False when there was none."""
    return session.execute(delete(ApiToken).where(ApiToken.token_hash == _token_hash(token))).rowcount > 0


def user_for_token(session: Session, token: str) -> User | None:
    row = token_row(session, token)
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # written by the caller's commit; not on every request
    return row.user


def experts(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "expert", User.active).order_by(User.username)))
