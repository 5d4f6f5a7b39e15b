"""Who sees which case (contract.md): one rule for pages and API alike.

- clerk: the cases of the clerk's county (or city); province level: all;
  always the cases the clerk uploaded;
- expert: only the cases assigned to them;
- office: its city's (county's) cases, or all at province level.

Anything not visible is reported as not found.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from web.models import Assignment, Case, User


def _region_filter(user: User):
    conditions = []
    if user.city:
        conditions.append(Case.city == user.city)
    if user.county:
        conditions.append(Case.county == user.county)
    return conditions


def visible_cases(user: User) -> Select[tuple[Case]]:
    stmt = select(Case)
    if user.role == "expert":
        assigned = select(Assignment.case_id).where(Assignment.expert_id == user.id)
        return stmt.where(Case.id.in_(assigned))
    if user.role == "clerk":
        region = _region_filter(user)
        if region:
            return stmt.where(or_(and_(*region), Case.created_by_id == user.id))
        return stmt
    if user.role == "office":
        return stmt.where(*_region_filter(user))
    return stmt.where(false())


def list_cases(session: Session, user: User) -> list[Case]:
    return list(session.scalars(visible_cases(user).order_by(Case.id.desc())))


def get_visible_case(session: Session, user: User, case_id: int) -> Case | None:
    return session.scalar(visible_cases(user).where(Case.id == case_id))


def is_assigned(session: Session, user: User, case: Case) -> bool:
    return session.scalar(
        select(Assignment.id).where(Assignment.case_id == case.id, Assignment.expert_id == user.id)
    ) is not None


def may_download_documents(session: Session, user: User, case: Case) -> bool:
    """Generated documents: the office, or an expert assigned to the case."""
    return user.role == "office" or (user.role == "expert" and is_assigned(session, user, case))


def may_assign(user: User) -> bool:
    return user.role == "office"


def may_propose_grade(session: Session, user: User, case: Case) -> bool:
    return may_download_documents(session, user, case)
