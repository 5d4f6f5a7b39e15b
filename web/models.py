"""The service's tables as SQLAlchemy 2 typed models.

Nothing here is overwritten silently: every change to a case that a person makes
(or the worker makes for them) adds a `CaseEvent`. The schema itself is created
and changed only by the Alembic migrations in `web/migrations/`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("clerk", "expert", "office")
ROLE_LABELS = {"clerk": "经办人", "expert": "行业专家", "office": "大气办"}

CASE_STATUSES = ("queued", "running", "done", "failed")
CASE_STATUS_LABELS = {"queued": "排队中", "running": "解析中", "done": "已完成", "failed": "解析失败"}

JOB_STATUSES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    """Naive UTC, the one convention for every timestamp column (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


# Named constraints, so later migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    county: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(80))
    industries: Mapped[list[Any]] = mapped_column(default=list)
    # credit codes of enterprises this expert has done technical service or consulting for
    serves: Mapped[list[Any]] = mapped_column(default=list)
    pledge_date: Mapped[date | None] = mapped_column(Date)
    employer: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def region_label(self) -> str:
        return " ".join(p for p in (self.city, self.county) if p) or "省级"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(32), index=True)
    county: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(80))
    industry: Mapped[str | None] = mapped_column(String(80))
    applied_grade: Mapped[str | None] = mapped_column(String(16))
    # what the service proposes (forms.grading.Proposal.to_dict()); people decide
    proposal: Mapped[dict[str, Any] | None] = mapped_column()
    # the grade the reviewing expert or office records (拟定等级)
    review_grade: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    extraction: Mapped[dict[str, Any] | None] = mapped_column()
    findings: Mapped[list[Any] | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
    files: Mapped[list[CaseFile]] = relationship(back_populates="case", order_by="CaseFile.id")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="case", order_by="Assignment.id", foreign_keys="Assignment.case_id")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")

    __table_args__ = (Index("ix_cases_region", "city", "county"),)

    @property
    def status_label(self) -> str:
        return CASE_STATUS_LABELS.get(self.status, self.status)

    @property
    def title(self) -> str:
        return self.enterprise_name or f"案件 {self.id}"


class CaseFile(Base):
    """One uploaded file: the bytes live in storage under their sha256, the name only here."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="files")


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="assignments", foreign_keys=[case_id])
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])

    __table_args__ = (UniqueConstraint("case_id", "expert_id", name="uq_assignments_case_id_expert_id"),)


class Job(Base):
    """The durable queue. A job is claimed by one atomic UPDATE; (claimed_by, attempts) names the claim."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_jobs_status", "status", "id"),)


class CaseEvent(Base):
    """The history of a case: who did what when. Rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()
