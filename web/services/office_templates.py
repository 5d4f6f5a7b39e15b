"""The templates an office uses for its documents: upload, check, versions, the current one.

An uploaded .docx is checked against the kind's example data (generators.kinds
.get(kind).check_uploaded_template: it opens, its tags parse, it reads no name the data lacks, it
renders); a bad one is refused with the reason. Every upload is a new version; the newest
is used and the older ones are kept (an older one is brought back as a new version).
The generators get the template as a path into storage, computed from its sha256.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.errors import BadInput, UnreadableFile
from web.errors import Conflict, Forbidden, NotFound
from web.models import OfficeTemplate, User
from web.services.offices import PROVINCE_KEY, office_key
from web.services.template_sandbox import check_template
from web.services.uploads import check_docx
from web.storage import Storage

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def kinds() -> dict:
    from generators.kinds import KINDS

    return KINDS


def current(session: Session, office: str, kind: str) -> OfficeTemplate | None:
    return session.scalar(select(OfficeTemplate).where(OfficeTemplate.office == office, OfficeTemplate.kind == kind)
                          .order_by(OfficeTemplate.number.desc()).limit(1))


def for_region(session: Session, city: str | None, kind: str) -> OfficeTemplate | None:
    """The template a case's documents use: its city office's, else the province's, else None (built-in)."""
    for key in ([city] if city else []) + [PROVINCE_KEY]:
        found = current(session, key, kind)
        if found is not None:
            return found
    return None


def path_of(storage: Storage, template: OfficeTemplate | None) -> Path | None:
    return storage.path_for(template.sha256) if template is not None else None


def versions(session: Session, office: str) -> list[OfficeTemplate]:
    return list(session.scalars(select(OfficeTemplate).where(OfficeTemplate.office == office)
                                .order_by(OfficeTemplate.kind, OfficeTemplate.number.desc())))


def _add(session: Session, office: str, kind: str, name: str, sha: str, note: str | None, actor: User):
    number = (session.scalar(select(func.max(OfficeTemplate.number)).where(
        OfficeTemplate.office == office, OfficeTemplate.kind == kind)) or 0) + 1
    row = OfficeTemplate(office=office, kind=kind, number=number, original_name=name[:255], sha256=sha,
                         note=note, uploaded_by_id=actor.id)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("另一位同事刚刚上传了同类模板，请刷新后重试。", code="conflict") from None
    return row


def upload(session: Session, storage: Storage, actor: User, kind: str, filename: str, stream: BinaryIO,
           note: str | None = None) -> OfficeTemplate:
    """Check and keep an office's template for `kind`; TemplateInvalid (400) with the reason when it is bad."""
    from extractors.backends.docx import DocxBackend

    if actor.role != "office":
        raise Forbidden("只有大气办可以管理模板。")
    if kind not in kinds():
        raise BadInput(f"没有名为“{kind}”的文书类型。", f"unknown kind {kind!r}")
    if not filename:
        raise BadInput("请选择要上传的模板文件（.docx）。", "no file")
    check_docx(filename, stream, "模板")
    data = stream.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise BadInput("模板文件不能超过 10 MB。", "template too large")
    try:  # the same refusals as a bundle's Word files: DTDs and entities, bombs, sizes
        DocxBackend(filename, data).document()
    except UnreadableFile as exc:
        raise BadInput(exc.user_message, exc.log_message) from exc
    check_template(kind, data)
    stored = storage.save_bytes(data)
    return _add(session, office_key(actor), kind, filename, stored.sha256, (note or "").strip() or None, actor)


def restore(session: Session, actor: User, template_id: int) -> OfficeTemplate:
    """Use an earlier version again: it becomes the newest version."""
    if actor.role != "office":
        raise Forbidden("只有大气办可以管理模板。")
    old = session.get(OfficeTemplate, template_id)
    if old is None or old.office != office_key(actor):
        raise NotFound("没有这个模板版本。")
    return _add(session, old.office, old.kind, old.original_name, old.sha256, f"恢复使用第 {old.number} 版", actor)
