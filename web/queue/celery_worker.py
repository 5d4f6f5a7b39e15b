"""Celery on Redis: the job queue when `REDIS_URL` is set, and scanned pages OCR'd by many workers.

The job table (web/queue/jobs.py) stays the record of truth; Celery only carries "job N is ready".

- **Publishing.** A job's row is committed with its case; the message is sent after the commit
  (`jobs.enqueue_extraction` → `publish_jobs`). Each published job gets a marker key in Redis
  (`gradedesk:published:N`, expiring after the visibility timeout). Every worker's sweep
  (`sweep`, every GRADEDESK_SWEEP_SECONDS) re-queues the jobs of dead workers
  (`jobs.requeue_stale_jobs`) and publishes every queued job without a marker: one whose
  publish failed (Redis down at upload), whose message Redis lost (restarted without
  persistence: the markers went with it), or that a dead worker left behind. `SET NX` on the
  marker keeps two sweeping workers from publishing the same job twice.
- **Running.** The task (`gradedesk.run_job`) claims the row by id with the same atomic UPDATE
  as the database worker (`jobs.claim_job`); a second delivery of the same job (a re-publish,
  Redis handing an unacknowledged message to another worker) finds it running or done and
  returns. The job then runs as in the database worker: heartbeat, result stored only while
  the claim holds, so it is stored exactly once. `acks_late` with `reject_on_worker_lost`
  and a prefetch of one: a message is removed only when its task has finished, one at a
  time per process.
- **OCR fan-out.** Before a job extracts its bundle, the pages that need OCR (scans, photos,
  PDF pages without a text layer) go out as `gradedesk.ocr_pages` tasks on their own queue,
  and the job's own process works through them too, from the other end. Each page is keyed
  by the file's sha256 and page number: a lease in Redis (`SET NX EX`) says who is reading
  it and is replaced by a "done" mark when the OCR is in the shared memo
  (GRADEDESK_OCR_CACHE, extractors/ocr/memo.py: results keyed by the exact pixels read).
  The job then runs the normal extraction, which finds every page's OCR in the memo. A page
  whose reader died is read again when its lease expires; nothing waits on a worker that is
  not there, so a job never deadlocks waiting for its own pages.

Nothing here connects anywhere at import: `get_celery(app)` builds the Celery app from the
Flask app's configuration when first needed.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from sqlalchemy import select

from web.config import settings_of
from web.db import get_db
from web.models import Job
from web.queue import jobs
from web.storage import Storage

log = logging.getLogger(__name__)

JOBS_QUEUE = "gradedesk.jobs"
OCR_QUEUE = "gradedesk.ocr"
RUN_JOB = "gradedesk.run_job"
OCR_PAGES = "gradedesk.ocr_pages"
PUBLISHED = "gradedesk:published:"  # + job id: a message for this queued job is in Redis
PAGE = "gradedesk:ocr-page:"  # + engine, versions, sha256, page: "lease WHO" or "done WHO"
DONE_TTL = 7 * 24 * 3600
WAIT_POLL = 0.2  # seconds between looks at pages other workers are reading


# ---- the Celery app ------------------------------------------------------------------------------

def create_celery(app) -> Celery:
    """A Celery app configured from the Flask app `app` (broker REDIS_URL), with the job and OCR tasks."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: jobs run from the database queue")
    visibility = int(app.config["GRADEDESK_CELERY_VISIBILITY_TIMEOUT"])
    celery = Celery("gradedesk", set_as_current=False)
    celery.conf.update(
        broker_url=url,
        broker_transport_options={
            "visibility_timeout": visibility,
            # look for messages of dead workers every few seconds (kombu's default: every ~100 s)
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": 5,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits out a Redis restart, however long
        task_ignore_result=True,  # outcomes live in the database
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_disable_prefetch=True,  # reserve no more messages than there are free processes
        worker_cancel_long_running_tasks_on_connection_loss=False,  # a job in hand finishes in the database
        worker_enable_remote_control=False,
        task_default_queue=JOBS_QUEUE,
        task_routes={OCR_PAGES: {"queue": OCR_QUEUE}, RUN_JOB: {"queue": JOBS_QUEUE}},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5,
                                   "interval_max": 1},
        broker_connection_timeout=5,
    )
    celery.flask_app = app

    @celery.task(name=RUN_JOB, acks_late=True, reject_on_worker_lost=True)
    def run_job(job_id: int) -> str:
        return _run_job(app, int(job_id))

    @celery.task(name=OCR_PAGES, acks_late=True, reject_on_worker_lost=True)
    def ocr_pages(pages: list[dict[str, Any]]) -> int:
        return _ocr_pages(app, pages)

    return celery


def get_celery(app) -> Celery:
    celery = app.extensions.get("gradedesk.celery")
    if celery is None:
        celery = app.extensions["gradedesk.celery"] = create_celery(app)
    return celery


def redis_client(app):
    """A Redis client on REDIS_URL for the markers and page leases (redis-py reconnects after a fork)."""
    client = app.extensions.get("gradedesk.redis")
    if client is None:
        client = app.extensions["gradedesk.redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=5, socket_timeout=30, decode_responses=True)
    return client


# ---- publishing and the sweep --------------------------------------------------------------------

def publish_jobs(app, job_ids: list[int]) -> list[int]:
    """Send "job N is ready" for each queued job that has no message in Redis yet; the ids sent.
    Never raises: a job that could not be published stays queued in the database for the sweep."""
    if not job_ids:
        return []
    try:
        r = redis_client(app)
        ttl = int(app.config["GRADEDESK_CELERY_VISIBILITY_TIMEOUT"])
        pipe = r.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.set(f"{PUBLISHED}{job_id}", "1", nx=True, ex=ttl)
        fresh = [job_id for job_id, ok in zip(job_ids, pipe.execute(), strict=True) if ok]
    except Exception as exc:
        log.warning("jobs %s not published, Redis unavailable (the sweep publishes them later): %s", job_ids, exc)
        return []
    celery = get_celery(app)
    sent: list[int] = []
    for n, job_id in enumerate(fresh):
        try:
            celery.send_task(RUN_JOB, args=[job_id], queue=JOBS_QUEUE)
            sent.append(job_id)
        except Exception as exc:
            log.warning("jobs %s not published (the sweep publishes them later): %s", fresh[n:], exc)
            forget_published(app, fresh[n:])  # the broker is down: the rest would fail the same way
            break
    return sent


def forget_published(app, job_ids: list[int]) -> None:
    """Drop the markers of these jobs, so the next sweep publishes them again."""
    if job_ids:
        try:
            redis_client(app).delete(*(f"{PUBLISHED}{job_id}" for job_id in job_ids))
        except Exception as exc:
            log.warning("markers of jobs %s not removed: %s", job_ids, exc)


def sweep(app, limit: int = 20000) -> tuple[int, int]:
    """Re-queue the jobs of dead workers, publish queued jobs that have no message; (re-queued, published)."""
    db = get_db(app)
    requeued = jobs.requeue_stale_jobs(db, timeout=app.config["GRADEDESK_JOB_TIMEOUT"],
                                  max_attempts=app.config["GRADEDESK_JOB_MAX_ATTEMPTS"])
    forget_published(app, requeued)  # their old message was consumed by the worker that died
    with db.session() as s:
        queued = list(s.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(limit)))
    published = publish_jobs(app, queued)
    if requeued or published:
        log.info("sweep: %d job(s) of dead workers re-queued, %d queued job(s) published", len(requeued),
                 len(published))
    return len(requeued), len(published)


class Sweeper(threading.Thread):
    """The periodic sweep, in the main process of a Celery worker."""

    def __init__(self, app):
        super().__init__(name="gradedesk-sweep", daemon=True)
        self.app = app
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = float(self.app.config["GRADEDESK_SWEEP_SECONDS"])
        while not self.stopped.is_set():
            try:
                sweep(self.app)
            except Exception:  # database or Redis away: try again next time
                log.warning("sweep failed", exc_info=True)
            jobs.run_scheduled(self.app)
            self.stopped.wait(interval)

    def stop(self) -> None:
        self.stopped.set()


# ---- the tasks -----------------------------------------------------------------------------------

def _run_job(app, job_id: int) -> str:
    db = get_db(app)
    try:
        claim = jobs.claim_job(db, job_id, jobs.worker_id())
    except Exception:
        forget_published(app, [job_id])  # this message is spent; the sweep sends another
        raise
    if claim is None:
        log.info("job %s is not queued (running elsewhere, done, or gone): this delivery is not needed", job_id)
        return "skipped"
    fanout = functools.partial(fan_out_ocr, app) if fanout_enabled(app) else None
    stored = jobs.run_claim(app, claim, fanout=fanout)
    if not stored:  # taken over, or put back in the queue: a queued job needs a new message from the sweep
        forget_published(app, [job_id])
    return "done" if stored else "not stored"


def _ocr_pages(app, pages: list[dict[str, Any]]) -> int:
    """OCR the pages nobody has read or is reading into the memo; how many this task read."""
    from extractors.ocr_plan import read_page

    leases = PageLeases(app)
    storage = Storage(app.config["GRADEDESK_DATA_DIR"])
    done = 0
    for page in pages:
        sha, number = page["sha256"], int(page["page"])
        try:
            if not leases.take(sha, number):
                continue  # read already, or being read
        except Exception as exc:
            log.warning("OCR page %s/%s: Redis unavailable, leaving it to the job: %s", sha[:12], number, exc)
            return done
        try:
            with storage.open(sha) as fh:
                data = fh.read()
            read_page(page["name"], data, page["type"], number, settings_of(app))
            leases.done(sha, number)
            done += 1
        except Exception:
            log.warning("OCR of %s page %s failed; the job reads it itself", page["name"], number, exc_info=True)
            leases.release(sha, number)
    return done


# ---- OCR fan-out ---------------------------------------------------------------------------------

def fanout_enabled(app) -> bool:
    """Pages are fanned out when configured, and when OCR results are shared (the OCR memo)."""
    from extractors.ocr_plan import memo_version

    return bool(app.config.get("GRADEDESK_OCR_FANOUT")) and bool(settings_of(app).ocr_cache) \
        and memo_version() is not None


class PageLeases:
    """Who reads which page, in Redis: `SET NX EX` takes a page, "done" marks it read."""

    def __init__(self, app, owner: str | None = None):
        from extractors.ocr_plan import plan_version

        self.redis = redis_client(app)
        self.ttl = int(app.config["GRADEDESK_OCR_LEASE_SECONDS"])
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.prefix = f"{PAGE}{plan_version(settings_of(app).ocr_engine)}:"

    def key(self, sha256: str, page: int) -> str:
        return f"{self.prefix}{sha256}:{page}"

    def take(self, sha256: str, page: int) -> bool:
        return bool(self.redis.set(self.key(sha256, page), f"lease {self.owner}", nx=True, ex=self.ttl))

    def done(self, sha256: str, page: int) -> None:
        self.redis.set(self.key(sha256, page), f"done {self.owner}", ex=DONE_TTL)

    def release(self, sha256: str, page: int) -> None:
        try:
            key = self.key(sha256, page)
            if self.redis.get(key) == f"lease {self.owner}":
                self.redis.delete(key)
        except Exception as exc:
            log.warning("lease of %s page %s not released (it expires): %s", sha256[:12], page, exc)

    def states(self, pages: list[tuple[str, int]]) -> list[str | None]:
        return self.redis.mget([self.key(sha, page) for sha, page in pages]) if pages else []


def fan_out_ocr(app, items: list, cache, synonyms: str = "") -> int:
    """OCR the scanned pages of a bundle's files (those not in the extraction cache) with the help of
    every free worker; returns when each page is read (by anyone) or could not be. How many pages
    were fanned out; 0 when there was nothing worth sharing (fewer than two pages)."""
    from extractors.ocr_plan import pages_to_ocr, read_page

    engine = settings_of(app).ocr_engine
    todo = [(item, page) for item in items for page in pages_to_ocr(item, cache, engine, synonyms)]
    if len(todo) < 2:
        return 0
    leases = PageLeases(app)
    states = leases.states([(item.sha256, page) for item, page in todo])
    todo = [entry for entry, state in zip(todo, states, strict=True) if not (state or "").startswith("done")]
    per_task = max(1, int(app.config["GRADEDESK_OCR_PAGES_PER_TASK"]))
    celery = get_celery(app)
    try:
        for start in range(0, len(todo), per_task):
            celery.send_task(OCR_PAGES, queue=OCR_QUEUE, args=[[
                {"sha256": item.sha256, "type": item.type, "name": item.name, "page": page}
                for item, page in todo[start:start + per_task]]])
    except Exception as exc:
        log.warning("OCR tasks not published (this process reads the pages): %s", exc)
    log.info("%d page(s) of %d file(s) fanned out", len(todo), len({item.sha256 for item, _ in todo}))
    remaining = list(reversed(todo))  # the other workers start at the front
    while remaining:
        looked = list(zip(remaining, leases.states([(item.sha256, page) for item, page in remaining]), strict=True))
        remaining = [entry for entry, state in looked if not (state or "").startswith("done")]
        free = [entry for entry, state in looked if state is None]
        for item, page in free:
            if not leases.take(item.sha256, page):
                continue
            try:
                read_page(item.name, item.data, item.type, page, settings_of(app))
                leases.done(item.sha256, page)
            except Exception:
                log.warning("OCR of %s page %s failed; the extraction reads it", item.name, page, exc_info=True)
                leases.release(item.sha256, page)
                remaining.remove((item, page))
            break  # look again: others may have finished pages meanwhile
        else:
            if remaining:
                time.sleep(WAIT_POLL)  # every page left is being read by another worker
    return len(todo)


# ---- the worker ----------------------------------------------------------------------------------

def prepare_worker_environment(app) -> None:
    """Celery processes share out the pages, so each reads its own in-process (no OCR pool per process),
    and OCR results go to the memo in the shared data dir (GRADEDESK_OCR_CACHE unless set)."""
    settings = settings_of(app)
    settings = replace(settings, ocr_workers=1, ocr_cache=settings.ocr_cache
                       or str(Path(app.config["GRADEDESK_DATA_DIR"]) / "cache" / "ocr"))
    app.config["GRADEDESK_SETTINGS"] = settings


def run_worker(app, concurrency: int | None = None, loglevel: str = "INFO") -> int:
    """A Celery worker for the job and OCR queues, with the sweep in its main process; returns its exit code."""
    prepare_worker_environment(app)
    celery = get_celery(app)
    processes = concurrency or int(app.config.get("GRADEDESK_WORKER_CONCURRENCY") or 0) or os.cpu_count() or 1
    sweeper = Sweeper(app)

    def _child_started(**_kwargs):  # a forked pool process opens its own database connections
        get_db(app).engine.dispose(close=False)

    def _ready(**_kwargs):  # after the pool has forked: no thread of ours is copied into a child
        if not sweeper.is_alive():
            sweeper.start()

    def _shutdown(**_kwargs):
        sweeper.stop()

    worker_process_init.connect(_child_started, weak=False)
    worker_ready.connect(_ready, weak=False)
    worker_shutdown.connect(_shutdown, weak=False)
    try:
        worker = celery.Worker(
            hostname=f"gradedesk-{os.getpid()}@{socket.gethostname()}", concurrency=processes,
            queues=[JOBS_QUEUE, OCR_QUEUE], loglevel=loglevel, optimization="fair", quiet=True,
            without_gossip=True, without_mingle=True, without_heartbeat=True)
        worker.start()
        return worker.exitcode or 0
    finally:
        sweeper.stop()
        for signal, handler in ((worker_process_init, _child_started), (worker_ready, _ready),
                                (worker_shutdown, _shutdown)):
            signal.disconnect(handler)
