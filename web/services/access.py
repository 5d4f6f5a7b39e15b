"""Who sees which case (docs/api.md): one rule for pages and API alike.

- clerk: the cases of the clerk's county (or city); province level: all;
  always the cases the clerk uploaded;
- expert: only the cases assigned to them;
- office: its city's (county's) cases, or all at province level.

Anything not visible is reported as not found. An expert's access is checked against recusal
(web/services/recusal.py) each time: a conflicted assignment ends there and then.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from web.models import Assignment, Case, User
from web.services.recusal import still_clear


def _region_filter(user: User):
    conditions = []
    if user.city:
        conditions.append(Case.city == user.city)
    if user.county:
        conditions.append(Case.county == user.county)
    return conditions


def visibility(user: User) -> ColumnElement[bool]:
    """The condition on `cases` that selects what `user` may see."""
    if user.role == "expert":
        assigned = select(Assignment.case_id).where(Assignment.expert_id == user.id)
        return Case.id.in_(assigned)
    if user.role == "clerk":
        region = _region_filter(user)
        return or_(and_(*region), Case.created_by_id == user.id) if region else true()
    if user.role == "office":
        region = _region_filter(user)
        return and_(*region) if region else true()
    return false()


def visible_cases(user: User) -> Select[tuple[Case]]:
    return select(Case).where(visibility(user))


def get_visible_case(session: Session, user: User, case_id: int) -> Case | None:
    case = session.scalar(visible_cases(user).where(Case.id == case_id))
    if case is not None and user.role == "expert" and not still_clear(session, user, case):
        return None
    return case


def is_assigned(session: Session, user: User, case: Case) -> bool:
    """Assigned, and free of any conflict at this moment."""
    return user.role == "expert" and still_clear(session, user, case)


def may_download_documents(session: Session, user: User, case: Case) -> bool:
    """Generated documents: the office, or an expert assigned to the case."""
    return user.role == "office" or (user.role == "expert" and is_assigned(session, user, case))


def may_assign(user: User) -> bool:
    return user.role == "office"


def may_propose_grade(session: Session, user: User, case: Case) -> bool:
    return may_download_documents(session, user, case)


def may_work_on_facts(user: User) -> bool:
    """Correct fields, confirm or dismiss findings, mark 涉密: the clerk, and the office."""
    return user.role in ("clerk", "office")
