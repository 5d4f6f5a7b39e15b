"""What people do to cases: upload a bundle, re-apply, assign an expert, propose a grade.

Pages and API call these same functions; each is one unit of work that records
who did what in the case's history and commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.errors import BadInput
from forms.vocabulary import APPLIED_GRADES
from web.errors import Conflict, Forbidden, NotFound
from web.models import STAGE_LABELS, Assignment, Case, CaseEvent, CaseFile, CaseVersion, User, record, utcnow
from web.queue.jobs import enqueue_extraction
from web.services.access import visibility
from web.services.clock import today
from web.services.corrections import effective_extraction
from web.services.progress import is_unreadable
from web.services.recusal import end_assignment, industry_refusal, refusal_reason
from web.services.uploads import check_bundle_file
from web.storage import Storage, StoredFile

ACTION_LABELS = {
    "created": "上传材料",
    "extraction_started": "开始解析",
    "extraction_done": "解析完成",
    "extraction_unreadable": "无法识别",
    "extraction_failed": "解析失败",
    "requeued": "重新排队",
    "assigned": "分配专家",
    "assignment_refused": "拒绝分配",
    "assignment_ended": "结束分配",
    "document_downloaded": "下载文书",
    "review_grade": "拟定等级",
    "stage": "办理步骤",
    "reapplied": "整改后重新申报",
    "corrected": "更正字段",
    "rechecked": "重新审核",
    "reextract": "重新解析",
    "finding_confirmed": "确认问题",
    "finding_dismissed": "排除问题",
    "override": "越过阻断性问题",
    "grade_decided": "确定等级",
    "secret": "涉密标记",
    "review_uploaded": "上传审核表",
    "review_confirmed": "确认审核表",
    "review_discarded": "作废审核表",
    "document_issued": "出具文书",
    "withdrawn": "撤回申报",
    "rectification_evidence": "上传整改材料",
    "rectification_verify": "县级核查",
    "rectification_review": "市级复核",
    "rectification_close": "整改销号",
}

GRADE_CHOICES = APPLIED_GRADES


@dataclass
class Upload:
    filename: str
    stream: BinaryIO


def _checked_uploads(uploads: Iterable[Upload]) -> list[Upload]:
    uploads = [u for u in uploads if u.filename]
    if not uploads:
        raise BadInput("请选择要上传的申报材料：一个压缩包，或多个文件。", "no files in upload")
    for upload in uploads:
        check_bundle_file(upload.filename, upload.stream)
    return uploads


def _save_uploads(storage: Storage, uploads: list[Upload]) -> list[tuple[str, StoredFile]]:
    """Write the uploads to the file store before the database is written to: on SQLite a write
    transaction locks every other writer out, and copying a 200 MB upload must not hold it."""
    saved = []
    for upload in uploads:
        stored = storage.save(upload.stream)
        saved.append((upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "file", stored))
    return saved


def _add_files(session: Session, case: Case, saved: list[tuple[str, StoredFile]]) -> list[str]:
    for name, stored in saved:
        session.add(CaseFile(case_id=case.id, original_name=name, sha256=stored.sha256, size=stored.size,
                             version=case.version))
    return [name for name, _ in saved]


def create_case(session: Session, storage: Storage, user: User, uploads: Iterable[Upload]) -> Case:
    """A new case from uploaded files (a zip, or the files); extraction is queued, not run here."""
    if user.role != "clerk":
        raise Forbidden("只有经办人可以上传申报材料。")
    saved = _save_uploads(storage, _checked_uploads(uploads))
    case = Case(status="queued", county=user.county, city=user.city, created_by_id=user.id, version=1,
                stage="submitted", stage_at=utcnow())
    session.add(case)
    session.flush()
    names = _add_files(session, case, saved)
    record(session, case, user, "created", f"上传 {len(names)} 个文件：" + "、".join(names),
           data={"stage": "submitted"})
    enqueue_extraction(session, case.id, case.version)
    session.commit()
    return case


def reapply(session: Session, storage: Storage, case: Case, user: User, uploads: Iterable[Upload],
            reason: str) -> Case:
    """A returned case re-applied after rectification: a new version with new files and a new
    extraction; the earlier version is kept as it was (case_versions)."""
    if user.role != "clerk":
        raise Forbidden("只有经办人可以提交重新申报的材料。")
    if case.stage != "returned":
        raise Conflict(f"案件当前为“{case.stage_label}”，只有退回整改的案件可以重新申报。", code="wrong_stage")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请说明整改情况（重新申报的理由）。", "no reason")
    saved = _save_uploads(storage, _checked_uploads(uploads))
    session.add(CaseVersion(
        case_id=case.id, number=case.version, status=case.status, extraction=case.extraction,
        findings=case.findings, proposal=case.proposal, error=case.error, created_at=_version_started(session, case),
        superseded_by_id=user.id,
        summary={"enterprise_name": case.enterprise_name, "credit_code": case.credit_code,
                 "industry": case.industry, "applied_grade": case.applied_grade, "stage": case.stage,
                 "decided_grade": case.decided_grade, "review_grade": case.review_grade,
                 "rectify_by": case.rectify_by.isoformat() if case.rectify_by else None,
                 "files": [{"name": f.original_name, "sha256": f.sha256, "size": f.size} for f in case.files]}))
    late = case.rectify_by is not None and today() > case.rectify_by
    deadline = case.rectify_by
    old_version, old_stage = case.version, case.stage
    case.version += 1
    case.status, case.extraction, case.findings, case.proposal, case.error = "queued", None, None, None, None
    case.decided_grade = case.review_grade = None
    case.stage, case.stage_at, case.rectify_by = "submitted", utcnow(), None
    session.flush()
    names = _add_files(session, case, saved)
    note = (f"（整改期限 {deadline.isoformat()}，{'逾期' if late else '按期'}）" if deadline else "")
    record(session, case, user, "reapplied",
           f"第 {case.version} 版申报材料，{len(names)} 个文件：" + "、".join(names) + note, reason=reason,
           data={"from_version": old_version, "to_version": case.version, "late": late})
    record(session, case, user, "stage", f"{STAGE_LABELS[old_stage]} → {STAGE_LABELS['submitted']}",
           reason=reason, data={"from": old_stage, "to": "submitted"})
    enqueue_extraction(session, case.id, case.version)
    session.commit()
    session.expire(case, ["files", "all_files", "events"])
    return case


CLOSED_STAGES = ("published", "decided", "withdrawn", "lapsed")


@dataclass
class Duplicate:
    case_id: int
    title: str
    why: str


def duplicates(session: Session, case: Case, user: User) -> list[Duplicate]:
    """Other open cases `user` may see with the same credit code or any of the same files: most often
    a second upload for the same enterprise, which the clerk should withdraw (or the other)."""
    if case.stage in CLOSED_STAGES:
        return []
    hashes = [f.sha256 for f in case.files]
    conditions = []
    if case.credit_code:
        conditions.append(Case.credit_code == case.credit_code)
    if hashes:
        conditions.append(Case.id.in_(select(CaseFile.case_id).where(CaseFile.sha256.in_(hashes))))
    if not conditions:
        return []
    others = session.scalars(select(Case).where(or_(*conditions), Case.id != case.id,
                                                Case.stage.not_in(CLOSED_STAGES), visibility(user))
                             .order_by(Case.id)).all()
    out = []
    for other in others:
        shared = {f.sha256 for f in other.files} & set(hashes)
        if not shared and other.credit_code != case.credit_code:
            continue  # the files were of an earlier version
        why = []
        if case.credit_code and other.credit_code == case.credit_code:
            why.append(f"统一社会信用代码相同（{case.credit_code}）")
        if shared:
            why.append(f"有 {len(shared)} 个相同的文件")
        out.append(Duplicate(other.id, other.title, "，".join(why)))
    return out


def _version_started(session: Session, case: Case) -> datetime:
    started = session.scalar(select(CaseEvent.at).where(
        CaseEvent.case_id == case.id, CaseEvent.action.in_(("created", "reapplied")),
        CaseEvent.version == case.version).order_by(CaseEvent.id.desc()).limit(1))
    return started or case.created_at


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == (username or "").strip()))


def assign_expert(session: Session, case: Case, expert_username: str, actor: User) -> Assignment:
    """Assign an expert to review the case, unless a rule of `web.services.recusal` refuses (409)."""
    if actor.role != "office":
        raise Forbidden("只有大气办可以分配专家。")
    if not (expert_username or "").strip():
        raise BadInput("请指定要分配的专家。", "no expert given")
    expert = find_user(session, expert_username)
    if expert is None:
        raise BadInput(f"没有用户名为“{expert_username}”的专家。", f"unknown expert {expert_username!r}")
    if case.stage in CLOSED_STAGES:
        raise Conflict(f"案件已{case.stage_label}，不再分配专家。", code="wrong_stage")
    if any(a.expert_id == expert.id for a in case.assignments):
        raise Conflict(f"专家“{expert.username}”已分配到本案件。", code="already_assigned")
    reason = refusal_reason(expert, case) or industry_refusal(case, [a.expert for a in case.assignments], expert)
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


def end_expert_assignment(session: Session, case: Case, expert_username: str, actor: User, reason: str) -> None:
    """The office ends an assignment, with a reason (recorded in the case's history)."""
    if actor.role != "office":
        raise Forbidden("只有大气办可以结束专家的审核分配。")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请说明结束分配的理由。", "no reason given")
    assignment = next((a for a in case.assignments if a.expert.username == (expert_username or "").strip()), None)
    if assignment is None:
        raise NotFound(f"专家“{expert_username}”未分配到本案件。")
    end_assignment(session, assignment, actor, reason)
    session.commit()


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
             "label": ACTION_LABELS.get(e.action, e.action), "detail": e.detail, "reason": e.reason,
             "version": e.version} for e in case.events]


SUMMARY_KEYS = ("id", "enterprise_name", "credit_code", "county", "city", "industry", "applied_grade", "status",
                "created_at", "stage", "decided_grade")


def case_summaries(session: Session, user: User) -> list[dict[str, Any]]:
    """`case_summary` of every case the user may see, newest first, read as plain rows (no ORM objects)."""
    columns = [getattr(Case, key) for key in SUMMARY_KEYS]
    out = []
    for row in session.execute(select(*columns).where(visibility(user)).order_by(Case.id.desc())):
        item = dict(zip(SUMMARY_KEYS, row, strict=True))
        item["created_at"] = _iso(item["created_at"])
        out.append(item)
    return out


def case_summary(case: Case) -> dict[str, Any]:
    return {"id": case.id, "enterprise_name": case.enterprise_name, "credit_code": case.credit_code,
            "county": case.county, "city": case.city, "industry": case.industry,
            "applied_grade": case.applied_grade, "status": case.status, "created_at": _iso(case.created_at),
            "stage": case.stage, "decided_grade": case.decided_grade}


def case_detail(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "status": case.status,
        "extraction": effective_extraction(case),
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
        "stage": case.stage,
        "stage_label": case.stage_label,
        "version": case.version,
        "secret": bool(case.secret),
        "decided_grade": case.decided_grade,
        "rectify_by": case.rectify_by.isoformat() if case.rectify_by else None,
        "unreadable": is_unreadable(case),
    }
