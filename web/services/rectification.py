"""Rectification to closure (整改销号, 督察整改方案（潍坊，2020） in docs/sources.md; docs/domain.md "rectification windows").

Every item of an issued rectification notice is tracked: the clerk uploads the enterprise's completion
evidence (a file, a photo, a new report — re-read by the extractors, so what it shows is on record), the
county verifies it (clerk), the city office reviews it and closes the item (销号) — each step with who,
when and a note, each in the case's history. An item still open after the notice's window (9月15日, then
12月15日) is overdue; `return_lapsed` — run by the workers' scheduled duty — sends a case whose items are
not all closed by its window back (`lapsed`, the old grade kept), records it and issues the notice of
return. The 整改台账 lists an office's items (xlsx and PDF).
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from forms.errors import BadInput, GradedeskError
from forms.settings import Settings
from forms.vocabulary import DOCUMENT_KIND_LABELS
from web.errors import Conflict, Forbidden, NotFound
from web.models import Case, IssuedDocument, RectificationItem, User, record, utcnow
from web.services.access import visible_cases
from web.services.clock import local_time, today
from web.services.uploads import check_bundle_file
from web.storage import Storage

log = logging.getLogger(__name__)

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
# status → (the next status, the role that takes the step, its label)
STEPS = {
    "verify": ("submitted", "verified", "clerk", "县级核查"),
    "review": ("verified", "reviewed", "office", "市级复核"),
    "close": ("reviewed", "closed", "office", "销号"),
}


def next_step(item: RectificationItem) -> tuple[str, str, str] | None:
    """(step, label, role) that takes the item on, None when it waits for evidence or is closed."""
    return next(((key, label, role) for key, (source, _t, role, label) in STEPS.items() if source == item.status),
                None)


def items_of(session: Session, case: Case) -> list[RectificationItem]:
    """The items of the case's latest issued notice (an earlier version's stay on record)."""
    latest = session.scalar(select(RectificationItem.notice_id).where(RectificationItem.case_id == case.id)
                            .order_by(RectificationItem.notice_id.desc()).limit(1))
    if latest is None:
        return []
    return list(session.scalars(select(RectificationItem).where(RectificationItem.notice_id == latest)
                                .order_by(RectificationItem.number)))


def is_overdue(item: RectificationItem, on: date | None = None) -> bool:
    return item.status != "closed" and item.deadline < (on or today())


def get_item(session: Session, case: Case, item_id: int) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound("没有这项整改事项。")
    return item


def _summary(extraction) -> dict[str, Any]:
    """What the extractors read in the evidence: each document's kind (or why it could not be read), the fields."""
    return {"documents": [{"file": d.file, "kind": d.kind, "kind_label": DOCUMENT_KIND_LABELS.get(d.kind, d.kind),
                           "error": d.error, "pages": d.pages} for d in extraction.documents],
            "fields": {k: f.raw or str(f.value) for k, f in extraction.fields.items() if f.value is not None}}


def submit_evidence(session: Session, storage: Storage, case: Case, item: RectificationItem, actor: User,
                    filename: str, stream: BinaryIO, *, settings: Settings | None = None) -> RectificationItem:
    """The clerk uploads the enterprise's completion evidence for one item; the extractors read it now."""
    from extractors.pipeline import extract_bundle

    if actor.role != "clerk":
        raise Forbidden("整改材料由经办人上传。")
    if item.status not in ("open", "submitted"):
        raise Conflict(f"该事项已{item.status_label}，不能再更换整改材料。", code="wrong_stage")
    if not filename:
        raise BadInput("请选择整改完成的证明材料（文件、照片或新的监测报告）。", "no file")
    check_bundle_file(filename, stream)
    data = stream.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise BadInput("整改材料不能超过 50 MB。", "evidence too large")
    stored = storage.save_bytes(data)
    name = PurePosixPath(filename.replace("\\", "/")).name[:255]
    with tempfile.TemporaryDirectory(prefix="gradedesk-evidence-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            reading = _summary(extract_bundle([path], settings=settings))
        except GradedeskError as exc:  # kept all the same: the county reads the file itself
            log.warning("case %s item %s: evidence %s not read: %s", case.id, item.id, name, exc.log_message)
            reading = {"documents": [{"file": name, "kind": "unknown", "kind_label": "未识别文件",
                                      "error": exc.user_message, "pages": None}], "fields": {}}
    item.evidence_sha256, item.evidence_name, item.evidence_reading = stored.sha256, name, reading
    item.evidence_by_id, item.evidence_at, item.status = actor.id, utcnow(), "submitted"
    kinds = "、".join(d["kind_label"] + ("（未能读取）" if d.get("error") else "") for d in reading["documents"])
    record(session, case, actor, "rectification_evidence", f"整改事项{item.number}：上传整改材料 {name}（识别为{kinds}）",
           data={"item": item.id, "sha256": stored.sha256})
    session.commit()
    return item


def advance(session: Session, case: Case, item: RectificationItem, step: str, actor: User,
            note: str = "") -> RectificationItem:
    """县级核查 (clerk), 市级复核 (office), 销号 (office): one item one step on, with who, when and the note."""
    if step not in STEPS:
        raise BadInput("没有这个整改办理步骤。", f"unknown rectification step {step!r}")
    source, target, role, label = STEPS[step]
    if actor.role != role:
        raise Forbidden(f"“{label}”由{'经办人' if role == 'clerk' else '大气办'}办理。")
    if item.status != source:
        raise Conflict(f"该事项当前为“{item.status_label}”，不能{label}。", code="wrong_stage")
    note = (note or "").strip()
    if step in ("verify", "review") and not note:
        raise BadInput(f"请填写{label}意见。", "no note")
    now = utcnow()
    if step == "verify":
        item.verified_by_id, item.verified_at, item.verified_note = actor.id, now, note
    elif step == "review":
        item.reviewed_by_id, item.reviewed_at, item.reviewed_note = actor.id, now, note
    else:
        item.closed_by_id, item.closed_at = actor.id, now
    item.status = target
    record(session, case, actor, f"rectification_{step}", f"整改事项{item.number}：{label}", reason=note or None,
           data={"item": item.id, "status": target})
    session.commit()
    return item


# ---- the ledger (整改台账) -------------------------------------------------------------------------

LEDGER_HEADER = ("序号", "县（市、区）", "企业名称", "整改通知书", "事项", "问题", "整改期限", "整改材料", "县级核查",
                 "市级复核", "销号", "状态")


def ledger_rows(session: Session, actor: User, on: date | None = None) -> list[list[str]]:
    """Every item of the cases the actor's office sees, oldest notice first; overdue ones say so."""
    on = on or today()
    cases = visible_cases(actor).with_only_columns(Case.id)
    items = session.scalars(select(RectificationItem).where(RectificationItem.case_id.in_(cases))
                            .options(selectinload(RectificationItem.case))
                            .order_by(RectificationItem.notice_id, RectificationItem.number))
    notices = {d.id: d.doc_number or "" for d in session.scalars(select(IssuedDocument).where(
        IssuedDocument.kind == "rectification-notice"))}
    rows = []
    for i, item in enumerate(items, start=1):
        def step(by, at, note=None):
            return f"{by.username}，{local_time(at)}" + (f"：{note}" if note else "") if by else ""
        status = item.status_label + ("（已逾期）" if is_overdue(item, on) else "")
        rows.append([str(i), item.case.county or "", item.case.enterprise_name or f"案件{item.case_id}",
                     notices.get(item.notice_id, ""), str(item.number), item.problem,
                     f"{item.deadline.year}年{item.deadline.month}月{item.deadline.day}日",
                     f"{item.evidence_name}（{step(item.evidence_by, item.evidence_at)}）" if item.evidence_name else "",
                     step(item.verified_by, item.verified_at, item.verified_note),
                     step(item.reviewed_by, item.reviewed_at, item.reviewed_note),
                     step(item.closed_by, item.closed_at), status])
    return rows


def ledger(session: Session, actor: User, fmt: str, *, settings: Settings | None = None) -> bytes:
    """The office's 整改台账 as .xlsx or .pdf."""
    from generators.rectification_ledger import ledger_docx, ledger_xlsx

    if actor.role != "office":
        raise Forbidden("整改台账由大气办导出。")
    from web.services.offices import office_of

    office = office_of(actor)
    title = f"{office.region}重点行业绩效分级整改台账"
    rows = ledger_rows(session, actor)
    as_of = today()
    lead = f"截至{as_of.year}年{as_of.month}月{as_of.day}日，共{len(rows)}项，已销号{sum(r[-1] == '已销号' for r in rows)}项。"
    if fmt == "xlsx":
        return ledger_xlsx(title, lead, LEDGER_HEADER, rows)
    if fmt == "pdf":
        from generators.pdf import docx_to_pdf

        out = io.BytesIO()
        docx_to_pdf(lambda path: Path(path).write_bytes(ledger_docx(title, lead, LEDGER_HEADER, rows)), out,
                    settings=settings)
        return out.getvalue()
    raise NotFound(f"整改台账没有 .{fmt} 格式。")


# ---- the window closes: cases not rectified go back, the old grade kept ----------------------------

def lapsed_cases(session: Session, on: date) -> list[Case]:
    """Returned cases whose window has passed with an item not closed."""
    open_items = select(RectificationItem.case_id).where(RectificationItem.status != "closed",
                                                         RectificationItem.deadline < on)
    return list(session.scalars(select(Case).where(Case.stage == "returned", Case.rectify_by < on,
                                                   Case.id.in_(open_items)).order_by(Case.id)))


def return_lapsed(session: Session, storage: Storage, on: date | None = None, *,
                  settings: Settings | None = None) -> list[int]:
    """Send back every case whose rectification window closed with items open (the old grade stays), with
    the notice of return issued by the office that issued the rectification notice; the cases' ids."""
    from web.services.issuing import issue
    from web.services.procedure import set_stage

    on = on or today()
    done = []
    for case in lapsed_cases(session, on):
        items = items_of(session, case)
        unclosed = [i for i in items if i.status != "closed"]
        notice = session.get(IssuedDocument, items[0].notice_id) if items else None
        office = notice.issued_by if notice else None
        if office is None:
            continue
        # claim the case: of two workers running the duty at once, only one moves it (and issues the notice)
        if not session.execute(update(Case).where(Case.id == case.id, Case.stage == "returned")
                               .values(stage="lapsed")).rowcount:
            session.rollback()
            continue
        deadline = case.rectify_by
        when = f"{deadline.year}年{deadline.month}月{deadline.day}日"
        old = f"（{case.decided_grade}）" if case.decided_grade else ""

        def build(number: str, _n, case=case, unclosed=unclosed, notice=notice, when=when, old=old) -> dict:
            return return_notice_data(case, unclosed, notice, when, old, number)

        doc = issue(session, storage, office, "notice", build, case=case, settings=settings)
        reason = f"整改期限{when}已过，{len(unclosed)}项整改事项未销号，申请退回，维持原级别{old}。"
        set_stage(session, case, "lapsed", None, reason, f"退回整改 → 逾期未完成整改（{doc.doc_number}）",
                  {"from": "returned", "to": "lapsed", "document": doc.id, "open_items": [i.id for i in unclosed]})
        record(session, case, None, "document_issued", f"退回通知 {doc.doc_number}", reason=reason,
               data={"document": doc.id, "kind": doc.kind, "doc_number": doc.doc_number})
        session.commit()
        done.append(case.id)
    return done


def return_notice_data(case: Case, unclosed: Iterable[RectificationItem], notice: IssuedDocument, when: str,
                       old: str, number: str) -> dict:
    """The notice of return (退回通知): which items were not closed by the window, that the old grade stays."""
    office = notice.data or {}
    on = today()
    items = [f"{i.number}.{i.problem}（{i.status_label}）" for i in unclosed]
    return {
        "issuer_mark": office.get("issuer_mark") or "", "doc_number": number,
        "title": f"关于{case.enterprise_name or ''}绩效分级申报退回的通知",
        "addressees": case.enterprise_name or "",
        "body": [f"你单位收到《{office.get('title') or '整改通知书'}》（{notice.doc_number or ''}）后，至整改期限{when}"
                 "仍有以下整改事项未完成销号：", *items,
                 f"根据《关于做好2020年绩效分级和应急减排清单修订工作的通知》（冀气领办〔2020〕94号），你单位本次绩效分级申报予以退回，"
                 f"维持原级别{old}执行。"],
        "attachments": [], "signature": office.get("signature") or "", "date": on.isoformat(), "note": "",
        "copy_to": office.get("copy_to") or "", "printer": office.get("printer") or "", "print_date": on.isoformat(),
    }


def scheduled(app) -> int:
    """The workers' scheduled duty (web/queue): return the cases whose window has closed; how many."""
    from web.config import settings_of
    from web.db import get_db

    with app.app_context(), get_db(app).session() as session:
        return len(return_lapsed(session, Storage(app.config["GRADEDESK_DATA_DIR"]),
                                 settings=settings_of(app)))
