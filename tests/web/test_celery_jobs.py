"""Jobs on Celery with a real Redis and real `gradedesk worker` processes (web/queue/celery_worker.py).

The job table stays the record of truth: an upload commits the case and its job row, the
message is published after the commit, and a worker claims the row by id, so however often
a message arrives, a job runs once. Scanned pages are OCR'd by several workers.
"""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from tests.web.servers import (
    actions,
    case_of,
    job_of,
    scan_bundle,
    skipped_deliveries,
    upload,
    wait_finished,
)
from tests.web.support import sample_outcome, sample_truth, sample_zip, wait_for

SCAN_PAGES = 4


def test_an_uploaded_bundle_is_done_by_a_celery_worker(queue_app, db, users, redis_server, workers):
    [worker] = workers()
    case_id = upload(queue_app, sample_zip().read_bytes(), sample_zip().name)
    wait_finished(db, [case_id], 60, [worker])

    case = case_of(db, case_id)
    assert case.status == "done", (case.error, worker.log())
    assert case.credit_code == sample_truth()["credit_code"]
    expected = sample_outcome()  # the same job functions as the database worker
    assert case.extraction == expected["extraction"] and case.findings == expected["findings"]
    job = job_of(db, case_id)
    assert (job.status, job.attempts) == ("done", 1)
    assert int(job.claimed_by.split(":")[1]) in worker.processes()  # a pool process of that worker
    assert actions(db, case_id) == ["created", "extraction_started", "extraction_done"]
    assert redis_server.client().exists(f"gradedesk:published:{job.id}")  # published once, after the commit
    assert worker.stop() == 0 and "Warm shutdown" in worker.log()  # SIGTERM: finish what is in hand, exit 0


def test_duplicate_deliveries_run_a_job_once(queue_app, db, users, workers):
    from web.queue.celery_worker import JOBS_QUEUE, RUN_JOB, get_celery

    case_id = upload(queue_app, sample_zip().read_bytes(), sample_zip().name)
    job_id = job_of(db, case_id).id
    for _ in range(3):  # as a re-publish or a message of a dead worker handed out again would
        get_celery(queue_app).send_task(RUN_JOB, args=[job_id], queue=JOBS_QUEUE)
    [worker] = workers(GRADEDESK_WORKER_CONCURRENCY=2)  # two deliveries at a time
    wait_finished(db, [case_id], 60, [worker])
    wait_for(lambda: skipped_deliveries(worker, job_id) == 3, 30, f"3 deliveries skipped\n{worker.log()}")

    job = job_of(db, case_id)
    assert (job.status, job.attempts) == ("done", 1)
    assert actions(db, case_id) == ["created", "extraction_started", "extraction_done"]
    assert case_of(db, case_id).credit_code == sample_truth()["credit_code"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_upload_while_redis_is_down_is_published_by_the_sweep(queue_app, db, users, redis_server, workers):
    redis_server.stop()
    started = time.monotonic()
    case_id = upload(queue_app, sample_zip().read_bytes(), sample_zip().name)
    assert time.monotonic() - started < 10  # the clerk is not kept waiting on a broker that is away
    job = job_of(db, case_id)
    assert (job.status, case_of(db, case_id).status) == ("queued", "queued")  # the row is the record

    redis_server.start()  # empty: no message of this job anywhere
    assert redis_server.client().dbsize() == 0
    [worker] = workers()
    wait_finished(db, [case_id], 60, [worker])
    assert (job_of(db, case_id).status, job_of(db, case_id).attempts) == ("done", 1)
    assert re.search(r"sweep: 0 job\(s\) of dead workers re-queued, 1 queued job\(s\) published", worker.log())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_scanned_pages_are_read_by_several_workers(queue_app, db, users, redis_server, workers, data_dir):
    first, second = workers(2)
    case_id = upload(queue_app, scan_bundle(SCAN_PAGES), "扫描件.zip")
    wait_finished(db, [case_id], 120, [first, second])

    case = case_of(db, case_id)
    assert case.status == "done", case.error
    scan = next(d for d in case.extraction["documents"] if d["file"] == "营业执照扫描件.tif")
    assert (scan["method"], scan["pages"], scan["kind"], scan["error"]) == ("ocr", SCAN_PAGES, "business_license", None)
    assert case.credit_code == sample_truth()["credit_code"]
    assert (job_of(db, case_id).attempts, actions(db, case_id).count("extraction_done")) == (1, 1)

    client = redis_server.client()
    marks = {key.rsplit(":", 1)[1]: client.get(key) for key in client.keys("gradedesk:ocr-page:*")}
    assert sorted(marks, key=int) == [str(n) for n in range(1, SCAN_PAGES + 1)]
    readers = {int(mark.split(":")[-1]) for mark in marks.values() if mark.startswith("done ")}
    assert readers & set(first.processes()) and readers & set(second.processes()), marks  # both workers read pages
    # every page was recognised once, and the extraction found each in the memo (the same pixels)
    assert len(list((data_dir / "cache" / "ocr").rglob("*.json"))) == SCAN_PAGES


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_is_published_only_once_its_transaction_commits(queue_app, db, users, redis_server):
    from web.models import Case
    from web.queue.jobs import enqueue_extraction

    client = redis_server.client()
    with queue_app.app_context(), db.session() as session:
        case = Case(status="queued", version=1, stage="submitted")
        session.add(case)
        session.flush()
        rolled_back = enqueue_extraction(session, case.id, 1).id
        assert client.llen("gradedesk.jobs") == 0  # no worker may look for a row that is not committed
        session.rollback()
        assert client.llen("gradedesk.jobs") == 0 and not client.exists(f"gradedesk:published:{rolled_back}")

        case = Case(status="queued", version=1, stage="submitted")
        session.add(case)
        session.flush()
        job_id = enqueue_extraction(session, case.id, 1).id
        assert client.llen("gradedesk.jobs") == 0
        session.commit()
    assert client.llen("gradedesk.jobs") == 1 and client.exists(f"gradedesk:published:{job_id}")
    message = json.loads(client.lindex("gradedesk.jobs", 0))
    args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    assert (message["headers"]["task"], args) == ("gradedesk.run_job", [job_id])
