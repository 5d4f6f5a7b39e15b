"""The grading catalogue in force: the newest version an office imported, else the packaged one.

The checks take the catalogue as an argument (forms.checks.run_checks); this module is where the web app
finds it. Every import is a version (who, when, what changed, the workbook as uploaded); an unchanged
workbook adds none. Only the province's office imports (one catalogue for the province); any office
downloads it.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms import catalogue_workbook
from forms.catalogue import Catalogue, packaged
from forms.errors import BadInput
from web.errors import Conflict, Forbidden, NotFound
from web.models import CatalogueVersion, User
from web.services.offices import is_province
from web.storage import Storage

log = logging.getLogger(__name__)

MAX_WORKBOOK_BYTES = catalogue_workbook.MAX_BYTES


def label(number: int | None) -> str:
    """How findings, documents and the history name a version: 第3版, or 内置目录."""
    return f"第{number}版" if number else packaged().version


def newest(session: Session) -> CatalogueVersion | None:
    return session.scalar(select(CatalogueVersion).order_by(CatalogueVersion.number.desc()).limit(1))


def version(session: Session, number: int | None) -> Catalogue:
    """The catalogue of a version number (None: the packaged one)."""
    if not number:
        return packaged()
    row = session.scalar(select(CatalogueVersion).where(CatalogueVersion.number == number))
    if row is None:
        raise NotFound(f"没有行业目录第{number}版。")
    return Catalogue.from_dict(row.content, label(number))


def in_force(session: Session) -> tuple[Catalogue, int | None]:
    """The catalogue the checks use now, with its version number (None: packaged)."""
    row = newest(session)
    if row is None:
        return packaged(), None
    return Catalogue.from_dict(row.content, label(row.number)), row.number


def versions(session: Session) -> list[CatalogueVersion]:
    return list(session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.number.desc())))


def workbook(session: Session, number: int | None = None) -> bytes:
    """The catalogue in force (or of a version) as the workbook an office edits."""
    catalogue = version(session, number) if number else in_force(session)[0]
    return catalogue_workbook.write(catalogue)


def may_import(user: User) -> bool:
    return user.role == "office" and is_province(user)


def import_workbook(session: Session, storage: Storage, actor: User, filename: str, data: bytes,
                    note: str | None = None) -> CatalogueVersion | None:
    """A new version from an uploaded workbook, or None when it changes nothing. CatalogueRefused (every
    problem with sheet and row) when any row is wrong: then nothing is stored."""
    if not may_import(actor):
        raise Forbidden("只有省级大气办可以导入行业目录。")
    if not filename.lower().endswith(".xlsx"):
        raise BadInput("请上传 Excel 工作簿（.xlsx）。", f"[catalogue_not_xlsx] {filename!r}")
    current, number = in_force(session)
    new = catalogue_workbook.read(data)
    changes = catalogue_workbook.changes(current, new)
    if not changes:
        return None
    next_number = (session.scalar(select(func.max(CatalogueVersion.number))) or 0) + 1
    stored = storage.save_bytes(data)
    row = CatalogueVersion(number=next_number, content=new.to_dict(), changes=changes,
                           original_name=filename[:255], sha256=stored.sha256, note=(note or "").strip()[:500] or None,
                           imported_by_id=actor.id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("另一位用户刚刚导入了行业目录，请下载最新版本后重新修改。") from None
    log.info("catalogue version %s imported by %s (%s changes, after %s)", next_number, actor.username,
             len(changes), label(number))
    session.commit()
    return row
