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
    Boolean,
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
    # raised on logout, password change and deactivation: every session cookie carrying an older one is void
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the session names the user and the generation it was made in
        return f"{self.id}:{self.session_generation or 0}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def region_label(self) -> str:
        return " ".join(p for p in (self.city, self.county) if p) or "省级"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


# The procedure of 冀气领办〔2020〕94号 (四): 企业申报 → 县级汇总 → 市级审核（初审）→ 省级复核 → 公示; see web/services/procedure.py.
STAGES = ("submitted", "collected", "city_review", "province_review", "published", "decided", "returned", "withdrawn", "lapsed")
STAGE_LABELS = {
    "submitted": "已申报", "collected": "县级已汇总", "city_review": "市级初审中", "province_review": "省级复核中",
    "published": "已公示", "decided": "已定级（涉密不公示）", "returned": "退回整改", "withdrawn": "已撤回",
    "lapsed": "逾期未完成整改，维持原级别",
}


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(32), index=True)
    county: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(80))
    industry: Mapped[str | None] = mapped_column(String(80))
    applied_grade: Mapped[str | None] = mapped_column(String(16))
    # the grade the reviewing expert records (拟定等级)
    review_grade: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # the procedure (web/services/procedure.py); `status` above is the extraction of the current version
    stage: Mapped[str] = mapped_column(String(24), default="submitted", index=True)
    stage_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # the version of the application: a re-application after rectification is version 2, …
    version: Mapped[int] = mapped_column(Integer, default=1)
    # 涉密: never listed in a published result notice
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    # the grade an office decided (核定等级); earlier decisions stay in the history
    decided_grade: Mapped[str | None] = mapped_column(String(16))
    # the rectification deadline of a returned case (9月15日, then 12月15日)
    rectify_by: Mapped[date | None] = mapped_column(Date)
    # the grading catalogue's version its findings were checked against (None: the packaged catalogue)
    catalogue_version: Mapped[int | None] = mapped_column(Integer)

    created_by: Mapped[User | None] = relationship()
    # the files of the current version; `all_files` holds every version's
    files: Mapped[list[CaseFile]] = relationship(
        primaryjoin="and_(Case.id == CaseFile.case_id, Case.version == CaseFile.version)",
        order_by="CaseFile.id", viewonly=True)
    all_files: Mapped[list[CaseFile]] = relationship(back_populates="case", order_by="CaseFile.id")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="case", order_by="Assignment.id", foreign_keys="Assignment.case_id")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    # the large JSON of the current version, in a table of its own so lists never read it
    content: Mapped[CaseContent | None] = relationship(cascade="all, delete-orphan", uselist=False)

    __table_args__ = (Index("ix_cases_region", "city", "county"),)

    def _content(self) -> CaseContent:
        if self.content is None:
            self.content = CaseContent()
        return self.content

    @property
    def extraction(self) -> dict[str, Any] | None:
        """The stored `gradedesk.extraction/1` object of the current version (as extracted, uncorrected)."""
        return self.content.extraction if self.content is not None else None

    @extraction.setter
    def extraction(self, value: dict[str, Any] | None) -> None:
        self._content().extraction = value

    @property
    def findings(self) -> list[Any] | None:
        """The findings of the checks on the (corrected) extraction."""
        return self.content.findings if self.content is not None else None

    @findings.setter
    def findings(self, value: list[Any] | None) -> None:
        self._content().findings = value

    @property
    def proposal(self) -> dict[str, Any] | None:
        """What the service proposes (forms.grading.Proposal.to_dict()); people decide."""
        return self.content.proposal if self.content is not None else None

    @proposal.setter
    def proposal(self, value: dict[str, Any] | None) -> None:
        self._content().proposal = value

    @property
    def status_label(self) -> str:
        return CASE_STATUS_LABELS.get(self.status, self.status)

    @property
    def title(self) -> str:
        return self.enterprise_name or f"案件 {self.id}"

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)


class CaseContent(Base):
    """The extraction, findings and proposed grade of a case's current version (one row per case)."""

    __tablename__ = "case_contents"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    extraction: Mapped[dict[str, Any] | None] = mapped_column()
    findings: Mapped[list[Any] | None] = mapped_column()
    proposal: Mapped[dict[str, Any] | None] = mapped_column()


class CaseFile(Base):
    """One uploaded file: the bytes live in storage under their sha256, the name only here."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship(back_populates="all_files")


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
    # what the worker has read so far (web/services/progress.py)
    progress: Mapped[dict[str, Any] | None] = mapped_column()

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
    reason: Mapped[str | None] = mapped_column(Text)  # why, in the words of the person who did it
    version: Mapped[int | None] = mapped_column(Integer)  # the application version it concerns
    data: Mapped[dict[str, Any] | None] = mapped_column()  # structured detail (stages, grades, values)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


def record(session, case: Case, actor: User | None, action: str, detail: str | None = None, *,
           reason: str | None = None, data: dict | None = None) -> None:
    """Add one entry to the case's history (people's actions and the queue's alike)."""
    session.add(CaseEvent(case_id=case.id, actor_id=actor.id if actor else None, action=action, detail=detail,
                          reason=reason, data=data, version=case.version or 1))


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


class CaseVersion(Base):
    """An earlier version of a case's application, kept as it was when it was superseded."""

    __tablename__ = "case_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    extraction: Mapped[dict[str, Any] | None] = mapped_column()
    findings: Mapped[list[Any] | None] = mapped_column()
    proposal: Mapped[dict[str, Any] | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # name, code, grades, stage when superseded
    created_at: Mapped[datetime] = mapped_column(DateTime)
    superseded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_case_versions_case_id_number"),)


class Correction(Base):
    """A clerk's correction of an extracted value; the original stays beside it."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    original: Mapped[dict[str, Any] | None] = mapped_column()  # the extracted fact (value, confidence, source)
    typed: Mapped[str] = mapped_column(Text)  # what the clerk typed
    value: Mapped[Any] = mapped_column(JSON, nullable=True)  # its normal form (null: the value is removed)
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # where the value was read when the clerk took it from the bundle (an unassigned fact filed under the field)
    source: Mapped[dict[str, Any] | None] = mapped_column()

    author: Mapped[User] = relationship()


class FindingDecision(Base):
    """A finding confirmed or dismissed, with the reason; the latest decision on a finding counts."""

    __tablename__ = "finding_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16))  # confirmed | dismissed
    reason: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship()


class ReviewUpload(Base):
    """An expert's filled review sheet: read back, then confirmed by the expert before it counts."""

    __tablename__ = "review_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    reading: Mapped[dict[str, Any]] = mapped_column()  # extractors.review_sheet_reader.ReviewSheetReading
    review_type: Mapped[str | None] = mapped_column(String(16))
    proposed_grade: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | confirmed | discarded
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    expert: Mapped[User] = relationship()


class DocNumberCounter(Base):
    """The last document number (文号) an office gave a kind of document in a year.

    Numbers are taken by `UPDATE … SET last = last + 1 … RETURNING last` in the transaction
    that stores the issued document, so a number is never reused and never skipped."""

    __tablename__ = "doc_number_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("office", "kind", "year", name="uq_doc_number_counters_office_kind_year"),)


class IssuedDocument(Base):
    """A document an office issued (整改通知书, 公示, 周报, 联络表): its number, data and the .docx as issued."""

    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    doc_number: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column()
    docx_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("office_templates.id"))
    catalogue_version: Mapped[int | None] = mapped_column(Integer)  # the grading catalogue in force (None: packaged)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    issued_by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("office", "kind", "year", "number",
                                       name="uq_issued_documents_office_kind_year_number"),)


class OfficeTemplate(Base):
    """A .docx template an office uploaded for a kind; the newest version is used, older ones kept."""

    __tablename__ = "office_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)  # version 1, 2, … per office and kind
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("office", "kind", "number", name="uq_office_templates_office_kind_number"),)


class CatalogueVersion(Base):
    """One import of the grading catalogue (forms/catalogue.py): its rows, who, when and what changed.
    The newest is in force; rows are only ever added."""

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # 第 1 版, 2, …
    content: Mapped[dict[str, Any]] = mapped_column()  # Catalogue.to_dict()
    changes: Mapped[list[Any]] = mapped_column()  # a line a changed row, against the version before
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))  # the workbook as uploaded, in the file store
    note: Mapped[str | None] = mapped_column(Text)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    imported_by: Mapped[User] = relationship()


class LoginAttempt(Base):
    """Log-ins by name and address, so throttling holds across processes (web/views/ratelimit.py)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))


class LoginCounter(Base):
    """Log-in attempts counted atomically per user name or address in a window (web/views/ratelimit.py):
    one row per key, raised by one UPDATE, so parallel attempts cannot all pass a check before any counts."""

    __tablename__ = "login_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


RECTIFICATION_STATUS = {"open": "待整改", "submitted": "已提交整改材料", "verified": "县级已核查", "reviewed": "市级已复核",
                        "closed": "已销号"}


class RectificationItem(Base):
    """One item of an issued rectification notice, tracked to closure (整改销号, 督察整改方案（潍坊，2020）; docs/sources.md): the enterprise's
    evidence uploaded by the clerk (re-read by the extractors), the county's verification, the city's review,
    closure — each with who and when."""

    __tablename__ = "rectification_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    notice_id: Mapped[int] = mapped_column(ForeignKey("issued_documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the item's number in the notice
    problem: Mapped[str] = mapped_column(Text)
    requirement: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))  # the finding's rule, or `expert`
    indicator: Mapped[str] = mapped_column(String(80), default="")
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    evidence_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_note: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    evidence_by: Mapped[User | None] = relationship(foreign_keys=[evidence_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def status_label(self) -> str:
        return RECTIFICATION_STATUS.get(self.status, self.status)


SYNONYM_STATUS = {"pending": "待处理", "accepted": "已采纳", "rejected": "不采纳", "withdrawn": "已撤销"}


class SynonymProposal(Base):
    """A label proposed as a synonym of a field (forms/synonyms.py), one row per field and label as compared:
    pending, then accepted (the extraction uses it), rejected, or withdrawn after it was accepted."""

    __tablename__ = "synonym_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))  # as written where it was first seen
    label_key: Mapped[str] = mapped_column(String(120))  # forms.synonyms.label_form
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    decided_by: Mapped[User | None] = relationship()
    sightings: Mapped[list[SynonymSighting]] = relationship(back_populates="proposal", order_by="SynonymSighting.id")

    __table_args__ = (UniqueConstraint("field", "label_key", name="uq_synonym_proposals_field_label_key"),)

    @property
    def status_label(self) -> str:
        return SYNONYM_STATUS.get(self.status, self.status)


class SynonymSighting(Base):
    """One case whose bundle gave a proposal: the label as written there, the value, where, who filed it."""

    __tablename__ = "synonym_sightings"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("synonym_proposals.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[dict[str, Any] | None] = mapped_column()
    ref: Mapped[str | None] = mapped_column(String(40))  # the evidence viewer's reference (unassigned:N)
    via: Mapped[str] = mapped_column(String(16))  # assign | correction
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    proposal: Mapped[SynonymProposal] = relationship(back_populates="sightings")
    proposed_by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("proposal_id", "case_id", name="uq_synonym_sightings_proposal_id_case_id"),)


class SynonymVersion(Base):
    """Each change to the accepted synonyms (an acceptance, a withdrawal, an import) is a new version; the
    newest number is the version in force. Rows are only ever added."""

    __tablename__ = "synonym_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    action: Mapped[str] = mapped_column(String(16))  # accepted | withdrawn | imported
    detail: Mapped[str] = mapped_column(Text)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("synonym_proposals.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    actor: Mapped[User] = relationship()
