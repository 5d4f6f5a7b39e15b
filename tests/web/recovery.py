"""A worker killed with -9 in the middle of a job, on either queue, as the recovery test and
benchmarks/recovery.py both run it: two `gradedesk worker` processes (the database queue, or Celery on
Redis) with the deployment's own lease and sweep settings, four bundles, one worker killed while it
runs one; how long until its job is back in the queue and until every bundle is done, and whether each
was done exactly once."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from tests.web.servers import CeleryWorker, actions, case_of, unique_sample, upload, worker_environment
from tests.web.support import wait_for
from web.models import Job

BUNDLES = 4


@dataclass
class Recovery:
    queue: str
    requeued_after: float | None = None  # seconds from the kill until the dead worker's job was queued again
    all_done_after: float | None = None  # seconds from the kill until every bundle was done
    done_once: bool = False
    statuses: dict[int, str] = field(default_factory=dict)
    logs: str = ""


def _jobs(db) -> list[Job]:
    with db.session() as s:
        return list(s.scalars(select(Job).order_by(Job.id)))


def _pid(claimed_by: str | None) -> int | None:
    try:
        return int((claimed_by or "").split(":")[1])
    except (IndexError, ValueError):
        return None


def kill_one_worker(app, db, *, redis_url: str | None, settings: dict[str, str] | None = None,
                    give_up_after: float = 120) -> Recovery:
    """`app` is the clerk's side (its REDIS_URL set for Celery); `settings` the workers' GRADEDESK_* on top
    of the defaults (none: the defaults a deployment gets)."""
    queue = "celery" if redis_url else "database"
    env = worker_environment(data_dir=app.config["GRADEDESK_DATA_DIR"], database_url=app.config["DATABASE_URL"],
                             redis_url=redis_url, GRADEDESK_WORKER_CONCURRENCY=1, GRADEDESK_OCR_FANOUT=0,
                             GRADEDESK_TODAY="2020-08-20", **(settings or {}))
    workers = [CeleryWorker(env, f"{queue}-worker-{i}").start() for i in (1, 2)]
    result = Recovery(queue)
    try:
        if redis_url:
            for w in workers:
                w.wait_ready()
        case_ids = [upload(app, unique_sample(1000 + i)) for i in range(BUNDLES)]

        def running_on_a_worker():
            for job in _jobs(db):
                for w in workers:
                    if job.status == "running" and _pid(job.claimed_by) in w.processes():
                        return job, w
            return None

        job, dying = wait_for(running_on_a_worker, 120, "a job running on a worker\n"
                              + "\n".join(w.log()[-3000:] for w in workers), interval=0.05)
        dying.kill()
        killed = time.monotonic()
        deadline = killed + give_up_after
        while time.monotonic() < deadline:
            jobs = {j.id: j for j in _jobs(db)}
            mine = jobs[job.id]
            if result.requeued_after is None and (mine.status != "running" or mine.claimed_by != job.claimed_by):
                result.requeued_after = time.monotonic() - killed
            if all(case_of(db, c).status in ("done", "failed") for c in case_ids):
                result.all_done_after = time.monotonic() - killed
                break
            time.sleep(0.2)
        result.statuses = {c: case_of(db, c).status for c in case_ids}
        result.done_once = all(actions(db, c).count("extraction_done") == 1 for c in case_ids) and all(
            s == "done" for s in result.statuses.values()) and all(j.status == "done" for j in _jobs(db))
        result.logs = "\n".join(f"---- {w.name}\n{w.log()[-4000:]}" for w in workers)
        return result
    finally:
        for w in workers:
            w.close()
