"""Offices administer the accounts of their jurisdiction: the province office everyone's, a city office
its city's and its counties'. Adding, changing roles, regions, industries and recusal declarations,
disabling and resetting passwords; every change is logged (who, whom, what).

A disabled user or a reset password leaves no API token of that user working.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import jurisdictions
from forms.errors import BadInput
from web.errors import Forbidden
from web.models import ROLES, User
from web.services import users
from web.services.offices import is_province
from web.services.password_policy import check_password
from web.services.recusal import end_conflicted_for
from web.services.users import create_user

log = logging.getLogger(__name__)

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def may_administer(actor: User) -> bool:
    """A province office, or a city office (an office with a city and no county)."""
    return actor.role == "office" and actor.active and not actor.county


def may_manage(actor: User, user: User) -> bool:
    if not may_administer(actor):
        return False
    if is_province(actor):
        return True
    return user.city == actor.city


def _require(actor: User, user: User | None = None) -> None:
    if not may_administer(actor):
        raise Forbidden("只有省级或市级大气办可以管理用户。")
    if user is not None and not may_manage(actor, user):
        raise Forbidden(f"用户“{user.username}”不属于本辖区，不能管理。")


def managed_users(session: Session, actor: User) -> list[User]:
    _require(actor)
    query = select(User).order_by(User.active.desc(), User.role, User.city, User.county, User.username)
    if not is_province(actor):
        query = query.where(User.city == actor.city)
    return list(session.scalars(query))


def get_managed(session: Session, actor: User, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and may_manage(actor, user) else None


def cities_for(actor: User) -> list[jurisdictions.City]:
    """The cities `actor` may give users: all at province level, its own for a city office."""
    if is_province(actor):
        return list(jurisdictions.cities())
    return [c for c in jurisdictions.cities() if c.name == actor.city]


@dataclass
class Account:
    """What the form on the users page says of an account (text as typed)."""

    role: str = "clerk"
    city: str = ""
    county: str = ""
    industries: str = ""
    serves: str = ""
    employer: str = ""
    pledge: str = ""

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(role=user.role, city=user.city or "", county=user.county or "",
                   industries="、".join(user.industries or ()), serves="\n".join(user.serves or ()),
                   employer=user.employer or "", pledge=user.pledge_date.isoformat() if user.pledge_date else "")


def split_list(text: str | None) -> list[str]:
    return [p for p in re.split(r"[\s,，、;；]+", text or "") if p]


def _credit_codes(text: str) -> list[str]:
    codes = [c.upper() for c in split_list(text)]
    bad = [c for c in codes if not CREDIT_CODE.match(c)]
    if bad:
        raise BadInput(f"“{bad[0]}”不是有效的统一社会信用代码（18 位）。", f"bad credit code {bad[0]!r}")
    return list(dict.fromkeys(codes))


def _pledge(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("承诺书签署日期应写作 YYYY-MM-DD（如 2020-07-01）。", f"bad pledge date {text!r}") from None


def _region(actor: User, account: Account) -> tuple[str | None, str | None]:
    city, county = jurisdictions.resolve(account.city, account.county)
    if not is_province(actor):
        if city is None:
            city = actor.city
        if city != actor.city:
            raise BadInput(f"市级大气办只能管理{actor.city}及其所辖县（市、区）的用户。", f"{city} outside {actor.city}")
    return city, county


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise BadInput("请选择角色：经办人、行业专家或大气办。", f"bad role {role!r}")


def add(session: Session, actor: User, username: str, password: str, account: Account) -> User:
    _require(actor)
    _check_role(account.role)
    city, county = _region(actor, account)
    user = create_user(session, username, password=password, role=account.role, county=county, city=city,
                       industries=split_list(account.industries), serves=_credit_codes(account.serves),
                       pledge=_pledge(account.pledge), employer=account.employer)
    session.commit()
    log.info("user %s added by %s (%s, %s %s)", user.username, actor.username, user.role, city, county)
    return user


def update(session: Session, actor: User, user: User, account: Account) -> User:
    _require(actor, user)
    _check_role(account.role)
    if user.id == actor.id and account.role != user.role:
        raise BadInput("不能更改自己的角色。", "own role")
    city, county = _region(actor, account)
    if user.id == actor.id and (city, county) != (user.city, user.county):
        raise BadInput("不能更改自己的辖区。", "own region")
    before = Account.of(user)
    user.role, user.city, user.county = account.role, city, county
    user.industries = list(dict.fromkeys(split_list(account.industries)))
    user.serves = _credit_codes(account.serves)
    user.employer = (account.employer or "").strip() or None
    user.pledge_date = _pledge(account.pledge)
    session.flush()
    if user.role == "expert":
        end_conflicted_for(session, user)  # a newly declared enterprise ends its assignments at once
    session.commit()
    log.info("user %s changed by %s: %s -> %s", user.username, actor.username, before, Account.of(user))
    return user


def set_active(session: Session, actor: User, user: User, active: bool) -> User:
    _require(actor, user)
    if user.id == actor.id and not active:
        raise BadInput("不能停用自己的账号。", "own account")
    users.set_active(session, user, bool(active))  # disabling ends every session and token
    session.commit()
    log.info("user %s %s by %s", user.username, "enabled" if active else "disabled", actor.username)
    return user


def reset_password(session: Session, actor: User, user: User, password: str) -> User:
    _require(actor, user)
    check_password(password, user.username)
    users.set_password(session, user, password)  # ends every session and token of the user
    session.commit()
    log.info("password of %s reset by %s", user.username, actor.username)
    return user


def region_choices(actor: User) -> list[tuple[str, str]]:
    """(value, label) of each region `actor` may give a user: `城市/县`, `城市`, and "" for province level."""
    out = [("", "省级（全省）")] if is_province(actor) else []
    for city in cities_for(actor):
        out.append((city.name, f"{city.name}（市级）"))
        out += [(f"{city.name}/{county}", f"{city.name} {county}") for county in city.counties]
    return out
