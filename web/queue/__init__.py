"""The job queue: jobs in the database (`jobs`), carried by Celery on Redis when REDIS_URL is set
(`celery_worker`). The queue knows claims and attempts, not case work: the services hand it
their JobHandlers at app creation (`init_app`)."""

from __future__ import annotations

from web.queue.jobs import HANDLERS, PUBLISHER, JobHandlers


def init_app(app, handlers: JobHandlers) -> None:
    app.extensions[HANDLERS] = handlers
    app.extensions[PUBLISHER] = _publish_with_celery


def _publish_with_celery(app, job_ids: list[int]) -> list[int]:
    from web.queue.celery_worker import publish_jobs  # celery loads only where REDIS_URL is set

    return publish_jobs(app, job_ids)
