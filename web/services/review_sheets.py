"""An expert's filled review sheet: uploaded, read back (extractors.review_sheet_reader), shown to
the expert, and counted only once the expert confirms what was read.

A sheet counts for the case version it was uploaded for; a newer confirmed sheet of the same
expert and review type supersedes the older one (which stays, marked so).
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.errors import BadInput, UnreadableFile
from web.errors import Conflict, Forbidden, NotFound
from web.models import Case, ReviewUpload, User, record, utcnow
from web.services import access
from web.services.procedure import REVIEW_TYPES
from web.services.uploads import check_docx
from web.storage import Storage

MAX_SHEET_BYTES = 20 * 1024 * 1024
STATUS_LABELS = {"pending": "待确认", "confirmed": "已确认", "discarded": "已作废", "superseded": "已被新表取代"}


def _code(text: str | None) -> str:
    return (text or "").replace(" ", "").upper()


def upload_sheet(session: Session, storage: Storage, case: Case, expert: User, filename: str,
                 stream: BinaryIO) -> ReviewUpload:
    from extractors.review_sheet_reader import read_review_sheet

    if expert.role != "expert" or not access.is_assigned(session, expert, case):
        raise Forbidden("只有分配到本案件的专家可以上传审核表。")
    if case.status != "done":
        raise Conflict("申报材料尚未解析完成。", code="not_ready")
    if not filename:
        raise BadInput("请选择填好的审核表（.docx）。", "no file")
    check_docx(filename, stream, "审核表")
    data = stream.read(MAX_SHEET_BYTES + 1)
    if len(data) > MAX_SHEET_BYTES:
        raise BadInput("审核表文件不能超过 20 MB。", "sheet too large")
    try:
        reading = read_review_sheet(data)
    except UnreadableFile as exc:
        raise BadInput(exc.user_message, exc.log_message) from exc
    if reading.credit_code and case.credit_code and _code(reading.credit_code) != _code(case.credit_code):
        raise BadInput(f"审核表上的统一社会信用代码（{reading.credit_code}）与本案件（{case.credit_code}）不符，"
                       "请确认上传的是本企业的审核表。", "credit code mismatch")
    stored = storage.save_bytes(data)
    row = ReviewUpload(case_id=case.id, version=case.version, expert_id=expert.id, original_name=filename[:255],
                       sha256=stored.sha256, reading=reading.to_dict(), review_type=reading.review_type,
                       proposed_grade=reading.proposed_grade, status="pending")
    session.add(row)
    session.flush()
    record(session, case, expert, "review_uploaded",
           f"上传审核表 {filename}（{reading.review_type or '审核类型未勾选'}，建议等级 {reading.proposed_grade or '未填'}）",
           data={"upload": row.id})
    session.commit()
    return row


def get_upload(session: Session, case: Case, upload_id: int) -> ReviewUpload:
    row = session.get(ReviewUpload, upload_id)
    if row is None or row.case_id != case.id:
        raise NotFound("没有这份审核表。")
    return row


def blocking_problems(row: ReviewUpload, review_type: str | None = None) -> list[str]:
    """What must be fixed in the sheet before it may count."""
    reading = row.reading or {}
    problems = []
    unticked = [v["name"] for v in reading.get("verdicts") or [] if not v.get("verdict")]
    if unticked:
        problems.append("以下指标未勾选或勾选了多项：" + "、".join(unticked) + "。")
    if not reading.get("verdicts"):
        problems.append("审核表中没有读到任何指标的审核结论。")
    if not row.proposed_grade:
        problems.append("审核表未填写可识别的建议等级。")
    if (review_type or row.review_type) not in REVIEW_TYPES:
        problems.append("请选择审核类型（材料审核或现场审核）。")
    return problems


def confirm(session: Session, case: Case, row: ReviewUpload, expert: User, review_type: str | None) -> None:
    if row.expert_id != expert.id:
        raise Forbidden("只能确认自己上传的审核表。")
    if row.status != "pending":
        raise Conflict(f"这份审核表{STATUS_LABELS.get(row.status, row.status)}。", code="wrong_state")
    if row.version != case.version:
        raise Conflict("案件已重新申报，这份审核表属于旧版材料，请下载新的审核表。", code="stale")
    review_type = review_type or row.review_type
    problems = blocking_problems(row, review_type)
    if problems:
        raise BadInput("审核表还不能确认：" + "".join(problems), "sheet has problems")
    for older in session.scalars(select(ReviewUpload).where(
            ReviewUpload.case_id == case.id, ReviewUpload.version == case.version, ReviewUpload.expert_id == expert.id,
            ReviewUpload.review_type == review_type, ReviewUpload.status == "confirmed")):
        older.status = "superseded"
    row.review_type, row.status, row.decided_at = review_type, "confirmed", utcnow()
    verdicts = (row.reading or {}).get("verdicts") or []
    failed = [v["name"] for v in verdicts if v.get("verdict") == "不符合"]
    before = case.review_grade
    case.review_grade = row.proposed_grade
    record(session, case, expert, "review_confirmed",
           f"{review_type}审核表：{len(verdicts)} 项指标，不符合 {len(failed)} 项"
           + (f"（{'、'.join(failed)}）" if failed else "") + f"，建议等级 {row.proposed_grade}"
           + (f"（原拟定等级 {before}）" if before and before != row.proposed_grade else ""),
           data={"upload": row.id, "review_type": review_type, "grade": row.proposed_grade, "failed": failed})
    session.commit()


def discard(session: Session, case: Case, row: ReviewUpload, expert: User, reason: str) -> None:
    if row.expert_id != expert.id:
        raise Forbidden("只能作废自己上传的审核表。")
    if row.status != "pending":
        raise Conflict(f"这份审核表{STATUS_LABELS.get(row.status, row.status)}。", code="wrong_state")
    row.status, row.decided_at = "discarded", utcnow()
    record(session, case, expert, "review_discarded", f"作废审核表 {row.original_name}",
           reason=(reason or "").strip() or "读取结果有误，重新上传", data={"upload": row.id})
    session.commit()


def uploads_of(session: Session, case: Case) -> list[ReviewUpload]:
    return list(session.scalars(select(ReviewUpload).where(ReviewUpload.case_id == case.id)
                                .order_by(ReviewUpload.id.desc())))
