"""Extraction jobs as case work: a case's stored files read into facts, checked and graded.

The queue (web/queue/jobs.py) claims a job and calls `extract_case` through the JobHandlers
given to it at app creation (`handlers()`); what the job found is written on the case by
`store_outcome`, while the queue's claim holds.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import object_session

from forms.checks import run_checks
from forms.errors import BadInput
from forms.grading import propose_grade
from forms.settings import Settings
from forms.synonyms import fingerprint
from web.db import Database
from web.errors import Conflict, Forbidden
from web.models import Case, CaseFile, User, record
from web.queue.jobs import JobHandlers, Outcome, enqueue_extraction
from web.services.catalogue import in_force, label
from web.services.corrections import EDITABLE_STAGES, apply_summary, corrections_of, recheck
from web.services.progress import Tracker, display_name
from web.services.recusal import end_conflicted
from web.services.synonyms import current_version
from web.services.synonyms import in_force as synonyms_in_force
from web.storage import Storage, safe_filename

log = logging.getLogger(__name__)


def handlers() -> JobHandlers:
    """What the queue runs for the services; `extract_case` is looked up when a job runs (tests replace it)."""
    return JobHandlers(extract=lambda *args, **kwargs: extract_case(*args, **kwargs), store=store_outcome)


def _materialise(db: Database, storage: Storage, case_id: int, folder: Path, version: int | None = None) -> list[Path]:
    """Copy the stored files of a case's version (default: the current one) into `folder` under their
    original (made safe) names."""
    with db.session() as s:
        if version is None:
            version = s.scalar(select(Case.version).where(Case.id == case_id))
        files = s.execute(select(CaseFile.original_name, CaseFile.sha256)
                          .where(CaseFile.case_id == case_id, CaseFile.version == version)
                          .order_by(CaseFile.id)).all()
    paths: list[Path] = []
    for i, (name, sha) in enumerate(files, start=1):
        name = safe_filename(name, fallback=f"file-{i}")
        target = folder / name
        n = 2
        while target.exists():
            stem, dot, ext = name.rpartition(".")
            target = folder / (f"{stem} ({n}).{ext}" if dot else f"{name} ({n})")
            n += 1
        with storage.open(sha) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        paths.append(target)
    return paths


def store_documents(storage: Storage, paths: list[Path]) -> list:
    """Keep each document of the bundle (the members of a zip too) under its sha256, so the
    evidence viewer can show its pages (web/services/evidence.py) without unpacking anything again
    (and Celery's OCR tasks can read them on any machine sharing the data dir). The bundle's
    files as `extractors.intake` found them."""
    from extractors import intake  # the extractors (and OCR) load in the worker, not in every web process

    items = intake.collect(paths)
    for item in items:
        if item.sha256 and item.data and not item.error and not storage.exists(item.sha256):
            storage.save_bytes(item.data)
    return items


def extraction_cache(storage: Storage):
    """The extraction results kept by file content, shared by every worker using this data dir."""
    from extractors.cache import DirectoryCache

    return DirectoryCache(storage.root.parent / "cache" / "extraction")


def extract_case(db: Database, storage: Storage, case_id: int, version: int | None = None,
                 settings: Settings | None = None, *, fanout=None) -> Outcome:
    """Extraction, checks and the proposed grade of one case's files (`settings`: the extractors').

    `fanout(items, cache, synonyms)`, when given, gets the bundle's files before extraction (Celery: their
    scanned pages are OCR'd by several workers into the shared OCR memo; `synonyms`: the fingerprint the
    extraction cache keys by); whatever it does not finish, the extraction does itself."""
    from extractors.pipeline import extract_bundle

    cache = extraction_cache(storage)  # a re-upload reads only changed files
    with db.session() as s:
        synonyms = synonyms_in_force(s)  # what the office accepted: read as the registry's synonyms
    with tempfile.TemporaryDirectory(prefix=f"gradedesk-case-{case_id}-") as tmp:
        paths = _materialise(db, storage, case_id, Path(tmp), version)
        items = store_documents(storage, paths)
        tracker = Tracker(db, case_id, items)
        if fanout is not None:
            try:
                fanout(items, cache, fingerprint(synonyms.pairs))
            except Exception:  # an optimisation only: the extraction below reads whatever is missing
                log.warning("case %s: OCR fan-out failed; extracting in this process", case_id, exc_info=True)
        extraction = extract_bundle(paths, cache=cache, settings=settings, progress=tracker, synonyms=synonyms.pairs)
        with db.session() as s:
            catalogue, number = in_force(s)
        findings = run_checks(extraction, catalogue=catalogue)
        proposal = propose_grade(extraction, findings, catalogue)
    return Outcome(extraction.to_dict(), [f.to_dict() for f in findings], proposal.to_dict(), number,
                   synonyms.version)


def store_outcome(case: Case, outcome: Outcome) -> tuple[str, str]:
    """Write an extraction's outcome on its case (the queue calls this while its claim holds); the
    action and line for the case's history (`extraction_unreadable` when no file could be read)."""
    extraction, findings = outcome.extraction, outcome.findings
    case.extraction, case.findings, case.proposal = extraction, findings, outcome.proposal
    case.catalogue_version = outcome.catalogue_version
    apply_summary(case, extraction)
    case.status, case.error = "done", None
    session = object_session(case)
    if session is not None:  # a new version's documents may name an enterprise an assigned expert serves
        end_conflicted(session, case)
        if corrections_of(case, session):  # read again (重新解析): the clerks' corrections still count
            recheck(session, case, None)
    blocking = sum(1 for f in findings if f.get("severity") == "blocking")
    docs = extraction.get("documents") or []
    unreadable = sum(1 for d in docs if d.get("error"))
    detail = (f"{len(docs)} 个文件，识别 {len(extraction.get('fields') or {})} 个字段，"
              f"审核意见 {len(findings)} 条（阻断性 {blocking} 条；行业目录：{label(outcome.catalogue_version)}"
              + (f"；同义词第{outcome.synonyms_version}版" if outcome.synonyms_version else "") + "）")
    if unreadable == len(docs):
        reasons = "；".join(f"{display_name(d.get('file'))}：{d.get('error')}" for d in docs)
        return "extraction_unreadable", (f"无法识别：没有一个文件可以读取（{reasons}）" if docs
                                         else "无法识别：上传的内容中没有申报材料文件")
    return "extraction_done", detail + (f"，{unreadable} 个文件无法读取" if unreadable else "")


def reextract(session, case: Case, actor: User, reason: str) -> None:
    """重新解析: read the case's current files again (with the synonyms and the extractors in force now, e.g.
    after the office accepted a synonym); the clerks' corrections stay and are laid over the new reading."""
    if actor.role not in ("clerk", "office"):
        raise Forbidden("只有经办人和大气办可以重新解析申报材料。")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请说明重新解析的理由。", "reextract without reason")
    if case.status not in ("done", "failed"):
        raise Conflict("申报材料正在解析，请稍候。", code="not_ready")
    if case.stage not in EDITABLE_STAGES:
        raise Conflict(f"案件已{case.stage_label}，不能再重新解析。", code="wrong_stage")
    case.status, case.error = "queued", None
    version = current_version(session)
    record(session, case, actor, "reextract", "重新解析申报材料" + (f"（同义词第{version}版）" if version else ""),
           reason=reason[:500])
    enqueue_extraction(session, case.id, case.version)
    session.commit()
