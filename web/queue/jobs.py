"""The durable job queue in the database, and the worker that works it.

- A job is claimed by one atomic `UPDATE jobs SET status='running' … WHERE id=? AND
  status='queued'` (on PostgreSQL the candidate is first picked with
  `FOR UPDATE SKIP LOCKED`); whoever's UPDATE changed the row owns the job.
- A claim is named by (claimed_by, attempts). While it runs, a heartbeat renews its lease
  (`heartbeat_at`, every quarter of GRADEDESK_JOB_TIMEOUT, 20 s); a job whose lease ran out
  belonged to a dead worker and is put back in the queue (or failed after too many attempts)
  by any worker's loop or heartbeat (the database queue) or sweep (Celery): within a minute
  of a kill -9, not after the longest job could take.
- The result is written only if the claim still holds, in the same transaction
  that marks the job done, so a job's result is stored exactly once even when a
  worker that was presumed dead comes back.

Who works the queue is configuration: with `REDIS_URL` unset, `work()` polls the table
(`gradedesk worker`, or the thread inside `gradedesk serve`); with it set, Celery workers
(web/queue/celery_worker.py) do. The table stays the record of truth either way: a Celery message
only says "job N is ready", is published after the job's row is committed, and the task
claims the row with the same atomic UPDATE (`claim_job`), so a duplicate delivery is a
no-op. A message that never arrived (Redis down at upload, Redis restarted) is published
again by the workers' periodic sweep (`celery_worker.sweep`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select, update

from forms.errors import GradedeskError
from web.config import settings_of
from web.db import Database, get_db
from web.errors import unavailable
from web.models import Case, Job, record, utcnow
from web.storage import Storage

log = logging.getLogger(__name__)

EXTRACTION = "extraction"
INTERNAL_ERROR = "解析时发生内部错误，已记录日志，请联系系统管理员。"
GAVE_UP = "处理进程多次中断，已停止重试，请联系系统管理员。"
SERVICE_AWAY = "数据库或文件存储暂时不可用"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def enqueue_extraction(session, case_id: int, version: int | None = None) -> Job:
    """Queue extraction and checks for a case's version, in the caller's transaction (committed with the case).

    With Celery (REDIS_URL) the job is announced to the workers once that transaction has committed."""
    job = Job(kind=EXTRACTION, case_id=case_id, payload={"version": version} if version else {}, status="queued",
              attempts=0)
    session.add(job)
    session.flush()
    _publish_after_commit(session, job.id)
    return job


_PENDING = "gradedesk.jobs_to_publish"
HANDLERS = "gradedesk.job_handlers"  # app.extensions: the JobHandlers of the services
PUBLISHER = "gradedesk.publish_jobs"  # app.extensions: publish(app, job_ids), Celery's when REDIS_URL is set


def _publish_after_commit(session, job_id: int) -> None:
    """Publish the job to Celery after the session's transaction commits (never before: a worker must
    find the row). Without an app context or REDIS_URL nothing is published and the row waits for
    the database worker or the Celery workers' sweep."""
    if not has_app_context() or not current_app.config.get("REDIS_URL"):
        return
    pending = session.info.get(_PENDING)
    if pending is None:
        app = current_app._get_current_object()
        publish = app.extensions[PUBLISHER]
        pending = session.info[_PENDING] = []

        def _committed(sess):
            ids, sess.info[_PENDING] = list(sess.info.get(_PENDING) or []), []
            if ids:
                publish(app, ids)  # never raises: a job not published is found by the sweep

        def _rolled_back(sess):
            sess.info[_PENDING] = []

        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_rollback", _rolled_back)
    pending.append(job_id)


@dataclass(frozen=True)
class Claim:
    job_id: int
    kind: str
    case_id: int | None
    claimed_by: str
    attempt: int
    version: int | None = None  # the case version the job extracts


def _is_ours(claim: Claim):
    return (Job.id == claim.job_id, Job.status == "running", Job.claimed_by == claim.claimed_by,
            Job.attempts == claim.attempt)


def _claim(s, job_id: int, claimed_by: str) -> Claim | None:
    """The atomic claim of one queued job in session `s` (committed here), or None when someone else has it."""
    now = utcnow()
    result = s.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", claimed_by=claimed_by, claimed_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1, error=None))
    if result.rowcount != 1:
        return None  # another worker was faster, or the job is not queued (running, done, failed, gone)
    kind, case_id, attempt, payload = s.execute(
        select(Job.kind, Job.case_id, Job.attempts, Job.payload).where(Job.id == job_id)).one()
    case = s.get(Case, case_id) if case_id else None
    if case is not None:
        case.status = "running"
        record(s, case, None, "extraction_started", f"第 {attempt} 次处理")
    s.commit()
    return Claim(job_id, kind, case_id, claimed_by, attempt, (payload or {}).get("version"))


def claim_next(db: Database, claimed_by: str) -> Claim | None:
    """Take the oldest queued job, or None when the queue is empty."""
    with db.session() as s:
        candidates = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(10)
        if db.is_postgres:
            candidates = candidates.limit(1).with_for_update(skip_locked=True)
        for job_id in s.scalars(candidates).all():
            claim = _claim(s, job_id, claimed_by)
            if claim is not None:
                return claim
        s.rollback()
    return None


def claim_job(db: Database, job_id: int, claimed_by: str) -> Claim | None:
    """Take the job `job_id` if it is queued (a Celery message names it); None when it is not, e.g.
    a duplicate delivery of a job that is running or done."""
    with db.session() as s:
        claim = _claim(s, job_id, claimed_by)
        if claim is None:
            s.rollback()
        return claim


def requeue_stale(db: Database, *, timeout: float, max_attempts: int = 3) -> int:
    """Put back jobs whose worker has been silent for `timeout` seconds; fail those tried too often."""
    return len(requeue_stale_jobs(db, timeout=timeout, max_attempts=max_attempts))


def requeue_stale_jobs(db: Database, *, timeout: float, max_attempts: int = 3) -> list[int]:
    """`requeue_stale`, returning the ids of the jobs it put back in the queue or failed."""
    cutoff = utcnow() - timedelta(seconds=timeout)
    requeued: list[int] = []
    with db.session() as s:
        stale = s.execute(select(Job.id, Job.case_id, Job.attempts, Job.claimed_by)
                          .where(Job.status == "running", Job.heartbeat_at < cutoff)).all()
        for job_id, case_id, attempts, claimed_by in stale:
            give_up = attempts >= max_attempts
            values: dict[str, Any] = {"status": "failed", "error": GAVE_UP, "finished_at": utcnow()} if give_up \
                else {"status": "queued", "error": f"处理进程 {claimed_by} 无响应，已重新排队。"}
            result = s.execute(update(Job).where(Job.id == job_id, Job.status == "running",
                                                 Job.heartbeat_at < cutoff).values(**values))
            if result.rowcount != 1:
                continue
            requeued.append(job_id)
            case = s.get(Case, case_id) if case_id else None
            if case is not None:
                if give_up:
                    case.status, case.error = "failed", GAVE_UP
                    record(s, case, None, "extraction_failed", GAVE_UP)
                else:
                    case.status = "queued"
                    record(s, case, None, "requeued", f"处理进程 {claimed_by} 无响应，已重新排队。")
            log.warning("job %s of dead worker %s %s", job_id, claimed_by, "failed" if give_up else "re-queued")
        s.commit()
    return requeued


class _Heartbeat(threading.Thread):
    """Renews the claim's lease every `interval`; with `sweep`, also puts back the jobs of dead workers
    meanwhile, so a busy worker does not leave a dead one's job waiting until its own job ends."""

    def __init__(self, db: Database, claim: Claim, interval: float, sweep: Callable[[], Any] | None = None):
        super().__init__(name=f"heartbeat-{claim.job_id}", daemon=True)
        self.db, self.claim, self.interval, self.sweep = db, claim, interval, sweep
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.db.session() as s:
                    s.execute(update(Job).where(*_is_ours(self.claim)).values(heartbeat_at=utcnow()))
                    s.commit()
                if self.sweep is not None:
                    self.sweep()
            except Exception:  # a missed beat is not fatal; the next one may get through
                log.warning("heartbeat of job %s failed", self.claim.job_id, exc_info=True)


@dataclass
class Outcome:
    """What an extraction job found: the extraction, its findings, the proposed grade (JSON), the
    grading catalogue's version the checks used (None: the packaged one), and the version of the accepted
    synonyms the label engine used (0: none)."""

    extraction: dict[str, Any]
    findings: list[dict[str, Any]]
    proposal: dict[str, Any] | None = None
    catalogue_version: int | None = None
    synonyms_version: int = 0


@dataclass(frozen=True)
class JobHandlers:
    """The case work the queue runs, handed over by the services at app creation (`web.queue.init_app`):
    the queue knows jobs and claims, never what a job does to a case.

    `extract(db, storage, case_id, version, settings[, fanout=])` does an extraction job (`settings`: the
    extractors' forms.settings.Settings) and returns its Outcome;
    `store(case, outcome)` writes the outcome on its case and returns the line for the case's history,
    or (action, line) when it is not `extraction_done`."""

    extract: Callable[..., Outcome]
    store: Callable[[Case, Outcome], str | tuple[str, str]]
    # the scheduled duty (the rectification windows closing), `scheduled(app)`, run by every worker loop
    # and Celery sweep at most every GRADEDESK_SCHEDULE_SECONDS; it must be safe to run twice at once
    scheduled: Callable[[Any], Any] | None = None


def handlers(app) -> JobHandlers:
    return app.extensions[HANDLERS]


def finish(db: Database, claim: Claim, *, result: Outcome | None = None, error: str | None = None,
           store: Callable[[Case, Outcome], str | tuple[str, str]] | None = None) -> bool:
    """Store the outcome (with `store`, JobHandlers.store) if the claim still holds; False when another
    worker has taken the job over."""
    with db.session() as s:
        changed = s.execute(update(Job).where(*_is_ours(claim)).values(
            status="failed" if error else "done", error=error, finished_at=utcnow())).rowcount
        if changed != 1:
            s.rollback()
            log.warning("job %s (attempt %s) was taken over; its result is discarded", claim.job_id, claim.attempt)
            return False
        case = s.get(Case, claim.case_id) if claim.case_id else None
        if case is not None and claim.version is not None and case.version != claim.version:
            log.warning("job %s extracted version %s of case %s, now at version %s; result not stored",
                        claim.job_id, claim.version, case.id, case.version)
            case = None
        if case is not None:
            if error:
                case.status, case.error = "failed", error
                record(s, case, None, "extraction_failed", error)
            else:
                line = store(case, result)
                action, line = line if isinstance(line, tuple) else ("extraction_done", line)
                record(s, case, None, action, line)
        s.commit()
    return True


class _Unavailable(Exception):
    """The job could not be done because the database or the file store was away: not the case's fault."""


def _perform(app, claim: Claim, fanout=None) -> tuple[Outcome | None, str | None]:
    if claim.kind != EXTRACTION or claim.case_id is None:
        return None, f"未知的任务类型：{claim.kind}"
    try:
        extract = handlers(app).extract
        args = (get_db(app), Storage(app.config["GRADEDESK_DATA_DIR"]), claim.case_id, claim.version,
                settings_of(app))
        return (extract(*args, fanout=fanout) if fanout is not None else extract(*args)), None
    except Exception as exc:
        away = unavailable(exc)
        if away is not None:
            raise _Unavailable(away.log_message) from exc
        if isinstance(exc, GradedeskError):
            log.exception("job %s: %s", claim.job_id, exc.log_message)
            return None, exc.user_message
        log.exception("job %s of case %s failed", claim.job_id, claim.case_id)
        return None, INTERNAL_ERROR


def release(db: Database, claim: Claim, reason: str) -> bool:
    """Put a claimed job back in the queue without counting the attempt (the database or the store was
    away, which is no fault of the case); False when the claim no longer holds."""
    with db.session() as s:
        changed = s.execute(update(Job).where(*_is_ours(claim)).values(
            status="queued", claimed_by=None, attempts=Job.attempts - 1,
            error=f"{SERVICE_AWAY}，已重新排队。")).rowcount
        if changed != 1:
            s.rollback()
            return False
        case = s.get(Case, claim.case_id) if claim.case_id else None
        if case is not None:
            case.status = "queued"
            record(s, case, None, "requeued", f"{SERVICE_AWAY}，已重新排队。")
        s.commit()
    log.warning("job %s (attempt %s) put back in the queue: %s", claim.job_id, claim.attempt, reason)
    return True


def run_claim(app, claim: Claim, fanout=None) -> bool:
    """Do a claimed job with a heartbeat running, and store its outcome if the claim still holds.

    When the database or the file store is away the job goes back to the queue (or, if the database is
    still away, stays claimed until the stale-job sweep puts it back): a storage outage must not fail a
    legal claim. False then, as when another worker has taken the job over."""
    db = get_db(app)
    interval = min(30.0, max(0.5, app.config["GRADEDESK_JOB_TIMEOUT"] / 4))
    heartbeat = _Heartbeat(db, claim, interval, sweep=None if app.config.get("REDIS_URL") else (
        lambda: requeue_stale(db, timeout=app.config["GRADEDESK_JOB_TIMEOUT"],
                              max_attempts=app.config["GRADEDESK_JOB_MAX_ATTEMPTS"])))
    heartbeat.start()
    away = None
    try:
        result, error = _perform(app, claim, fanout)
    except _Unavailable as exc:
        away = exc
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    if away is None:
        return finish(db, claim, result=result, error=error, store=handlers(app).store)
    try:
        release(db, claim, str(away))
    except Exception as exc:
        log.warning("job %s not put back (%s): the stale-job sweep will", claim.job_id, exc)
    return False


def run_one(app, claimed_by: str | None = None) -> int | None:
    """Claim and do one job; its id, or None when nothing was queued."""
    claim = claim_next(get_db(app), claimed_by or worker_id())
    if claim is None:
        return None
    run_claim(app, claim)
    return claim.job_id


def run_until_empty(app) -> int:
    """Do queued jobs until none is left (the demo loader and tests)."""
    done = 0
    while run_one(app) is not None:
        done += 1
    return done


def work(app, stop: threading.Event) -> None:
    """The worker loop: re-queue what dead workers left, do jobs, sleep when idle."""
    me = worker_id()
    db = get_db(app)
    poll = app.config["GRADEDESK_POLL_SECONDS"]
    log.info("worker %s started", me)
    while not stop.is_set():
        try:
            run_scheduled(app)
            requeue_stale(db, timeout=app.config["GRADEDESK_JOB_TIMEOUT"],
                          max_attempts=app.config["GRADEDESK_JOB_MAX_ATTEMPTS"])
            if run_one(app, me) is None:
                stop.wait(poll)
        except Exception:
            log.exception("worker %s: loop error", me)
            stop.wait(max(poll, 5.0))
    log.info("worker %s stopped", me)


_last_scheduled: dict[int, float] = {}


def run_scheduled(app, *, force: bool = False) -> bool:
    """Run the services' scheduled duty when GRADEDESK_SCHEDULE_SECONDS have passed since this process last did."""
    duty = handlers(app).scheduled if HANDLERS in app.extensions else None
    now = time.monotonic()
    if duty is None or (not force and now - _last_scheduled.get(id(app), -1e18)
                        < float(app.config.get("GRADEDESK_SCHEDULE_SECONDS") or 3600)):
        return False
    _last_scheduled[id(app)] = now
    try:
        duty(app)
    except Exception:  # the database away, a document that would not render: next time
        log.warning("scheduled duty failed", exc_info=True)
    return True


class InProcessWorker:
    """A daemon thread working the queue inside the web process (`gradedesk serve`)."""

    def __init__(self, app):
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=work, args=(app, self.stop_event), name="gradedesk-worker",
                                       daemon=True)

    def start(self) -> InProcessWorker:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_in_process_worker(app) -> InProcessWorker:
    return InProcessWorker(app).start()
