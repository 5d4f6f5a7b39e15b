"""What people do to cases: upload a bundle, assign an expert, propose a grade.

Pages and API call these same functions; each is one unit of work that records
who did what in the case's history and commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.errors import BadInput
from web.errors import Conflict, Forbidden
from web.models import Assignment, Case, CaseEvent, CaseFile, User
from web.recusal import refusal_reason
from web.storage import Storage

ACTION_LABELS = {
    "created": "上传材料",
    "extraction_started": "开始解析",
    "extraction_done": "解析完成",
    "extraction_failed": "解析失败",
    "requeued": "重新排队",
    "assigned": "分配专家",
    "assignment_refused": "拒绝分配",
    "document_downloaded": "下载文书",
    "review_grade": "拟定等级",
}

GRADE_CHOICES = ("A", "B", "B-", "C", "D", "引领性")


@dataclass
class Upload:
    filename: str
    stream: BinaryIO


def record(session: Session, case: Case, actor: User | None, action: str, detail: str | None = None) -> None:
    session.add(CaseEvent(case_id=case.id, actor_id=actor.id if actor else None, action=action, detail=detail))


def create_case(session: Session, storage: Storage, user: User, uploads: Iterable[Upload]) -> Case:
    """A new case from uploaded files (a zip, or the files); extraction is queued, not run here."""
    from web.jobs import enqueue_extraction

    if user.role != "clerk":
        raise Forbidden("只有经办人可以上传申报材料。")
    uploads = [u for u in uploads if u.filename]
    if not uploads:
        raise BadInput("请选择要上传的申报材料：一个压缩包，或多个文件。", "no files in upload")
    case = Case(status="queued", county=user.county, city=user.city, created_by_id=user.id)
    session.add(case)
    session.flush()
    names = []
    for upload in uploads:
        stored = storage.save(upload.stream)
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
        session.add(CaseFile(case_id=case.id, original_name=name, sha256=stored.sha256, size=stored.size))
        names.append(name)
    record(session, case, user, "created", f"上传 {len(names)} 个文件：" + "、".join(names))
    enqueue_extraction(session, case.id)
    session.commit()
    return case


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == (username or "").strip()))


def assign_expert(session: Session, case: Case, expert_username: str, actor: User) -> Assignment:
    """Assign an expert to review the case, unless a rule of `web.recusal` refuses (409)."""
    if actor.role != "office":
        raise Forbidden("只有大气办可以分配专家。")
    if not (expert_username or "").strip():
        raise BadInput("请指定要分配的专家。", "no expert given")
    expert = find_user(session, expert_username)
    if expert is None:
        raise BadInput(f"没有用户名为“{expert_username}”的专家。", f"unknown expert {expert_username!r}")
    if any(a.expert_id == expert.id for a in case.assignments):
        raise Conflict(f"专家“{expert.username}”已分配到本案件。", code="already_assigned")
    reason = refusal_reason(expert, case)
    if reason:
        record(session, case, actor, "assignment_refused", reason)
        session.commit()
        raise Conflict(reason, code="recusal")
    assignment = Assignment(case_id=case.id, expert_id=expert.id, assigned_by_id=actor.id)
    session.add(assignment)
    record(session, case, actor, "assigned", f"分配专家 {expert.username}")
    try:
        session.commit()
    except IntegrityError:  # the same assignment made at the same moment by someone else
        session.rollback()
        raise Conflict(f"专家“{expert.username}”已分配到本案件。", code="already_assigned") from None
    return assignment


def record_review_grade(session: Session, case: Case, grade: str, actor: User) -> None:
    """The grade the reviewer proposes (拟定等级); the earlier one stays in the history."""
    if grade not in GRADE_CHOICES:
        raise BadInput("拟定等级应为 A、B、B-、C、D 或 引领性。", f"bad grade {grade!r}")
    before = case.review_grade
    case.review_grade = grade
    record(session, case, actor, "review_grade",
           f"拟定等级 {before} → {grade}" if before else f"拟定等级 {grade}")
    session.commit()


# ---- JSON shapes of the API ------------------------------------------------------------------

def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") + "Z" if at else None


def history(case: Case) -> list[dict[str, Any]]:
    return [{"at": _iso(e.at), "actor": e.actor.username if e.actor else None, "action": e.action,
             "label": ACTION_LABELS.get(e.action, e.action), "detail": e.detail} for e in case.events]


def case_summary(case: Case) -> dict[str, Any]:
    return {"id": case.id, "enterprise_name": case.enterprise_name, "credit_code": case.credit_code,
            "county": case.county, "city": case.city, "industry": case.industry,
            "applied_grade": case.applied_grade, "status": case.status, "created_at": _iso(case.created_at)}


def case_detail(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "status": case.status,
        "extraction": case.extraction,
        "findings": case.findings,
        "proposed_grade": case.proposal,  # the service's proposal, as `gradedesk check` prints it
        "history": history(case),
        "review_grade": case.review_grade,
        "enterprise_name": case.enterprise_name,
        "credit_code": case.credit_code,
        "county": case.county,
        "city": case.city,
        "industry": case.industry,
        "applied_grade": case.applied_grade,
        "error": case.error,
        "files": [{"name": f.original_name, "sha256": f.sha256, "size": f.size} for f in case.files],
        "experts": [a.expert.username for a in case.assignments],
    }
