"""Faults of the Celery job queue with real processes: a worker killed with SIGKILL in the middle of
OCR, a pool process killed in the middle of a job, Redis restarted (without persistence) while jobs
run. Every job ends done, once: no case left `running`, nothing stored twice."""

from __future__ import annotations

import json
import os
import re
import signal

import pytest

from tests.web.servers import (
    RedisServer,
    actions,
    case_of,
    job_of,
    scan_bundle,
    skipped_deliveries,
    unique_sample,
    upload,
    wait_finished,
)
from tests.web.support import sample_truth, sample_zip, wait_for

SCAN_PAGES = 4


def page_marks(redis: RedisServer) -> dict[int, str]:
    client = redis.client()
    return {int(key.rsplit(":", 1)[1]): client.get(key) for key in client.keys("gradedesk:ocr-page:*")}


def assert_stored_once(case, files: int) -> None:
    documents = case.extraction["documents"]
    assert len(documents) == files and len({d["file"] for d in documents}) == files, documents
    findings = [json.dumps(f, sort_keys=True, ensure_ascii=False) for f in case.findings]
    assert len(findings) == len(set(findings)), case.findings


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_worker_killed_during_ocr_is_replaced_and_the_job_done_once(queue_app, db, users, redis_server, workers,
                                                                       data_dir):
    both = workers(2, GRADEDESK_CELERY_VISIBILITY_TIMEOUT=6)
    case_id = upload(queue_app, scan_bundle(SCAN_PAGES), "扫描件.zip")
    job_id = job_of(db, case_id).id

    def in_the_middle_of_ocr():
        job, marks = job_of(db, case_id), page_marks(redis_server)
        done = [mark for mark in marks.values() if mark.startswith("done ")]
        return job.status == "running" and 1 <= len(done) < SCAN_PAGES - 1 and job

    job = wait_for(in_the_middle_of_ocr, 90, "the job to be half-way through its pages\n"
                   + "\n".join(w.log() for w in both), interval=0.05)
    [dying] = [w for w in both if int(job.claimed_by.split(":")[1]) in w.processes()]
    [survivor] = [w for w in both if w is not dying]
    dying.kill()  # main process and pool process at once, mid-OCR: no cleanup, no acknowledgement
    read_before = {page: mark for page, mark in page_marks(redis_server).items() if mark.startswith("done ")}
    assert case_of(db, case_id).status == "running"  # as the dead worker left it

    wait_finished(db, [case_id], 120, [survivor])
    # Redis hands the dead worker's unacknowledged message out again: a delivery with nothing to do
    wait_for(lambda: skipped_deliveries(survivor, job_id) >= 1, 60, f"the stale delivery\n{survivor.log()}")

    case = case_of(db, case_id)
    assert case.status == "done", case.error
    assert case.credit_code == sample_truth()["credit_code"]
    job = job_of(db, case_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert int(job.claimed_by.split(":")[1]) in survivor.processes()
    assert actions(db, case_id) == ["created", "extraction_started", "requeued", "extraction_started",
                                    "extraction_done"]
    assert_stored_once(case, files=3)
    marks = page_marks(redis_server)
    assert all(mark.startswith("done ") for mark in marks.values()) and len(marks) == SCAN_PAGES
    assert {page: marks[page] for page in read_before} == read_before  # pages read before the kill: not again
    assert len(list((data_dir / "cache" / "ocr").rglob("*.json"))) == SCAN_PAGES


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_pool_process_killed_during_a_job_is_replaced_and_the_job_done_once(queue_app, db, users, workers):
    [worker] = workers()
    case_id = upload(queue_app, sample_zip().read_bytes(), sample_zip().name)
    job = wait_for(lambda: (j := job_of(db, case_id)).status == "running" and j, 60, f"the job to start\n{worker.log()}",
                   interval=0.02)
    doing = int(job.claimed_by.split(":")[1])
    os.kill(doing, signal.SIGKILL)  # the pool process; the worker's main process lives on and forks another

    wait_finished(db, [case_id], 90, [worker])
    case = case_of(db, case_id)
    assert case.status == "done", case.error
    job = job_of(db, case_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert int(job.claimed_by.split(":")[1]) != doing
    assert actions(db, case_id) == ["created", "extraction_started", "requeued", "extraction_started",
                                    "extraction_done"]
    assert_stored_once(case, files=2)
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_redis_restarted_while_jobs_run_loses_no_job(queue_app, db, users, redis_server, workers):
    case_ids = [upload(queue_app, unique_sample(n), f"bundle-{n}.zip") for n in range(4)]  # nothing cached
    client = redis_server.client()
    assert client.llen("gradedesk.jobs") == 4
    [worker] = workers()
    wait_for(lambda: case_of(db, case_ids[0]).status == "running", 60, f"the first job to start\n{worker.log()}",
             interval=0.02)
    assert client.llen("gradedesk.jobs") == 3  # one process, one message in hand

    before = len(worker.log())
    redis_server.restart()  # no persistence: the three waiting messages and every marker are gone
    assert client.llen("gradedesk.jobs") == 0 and case_of(db, case_ids[0]).status == "running"
    wait_finished(db, case_ids, 120, [worker])

    for case_id in case_ids:
        case = case_of(db, case_id)
        assert case.status == "done", (case_id, case.error)
        assert case.credit_code == sample_truth()["credit_code"]
        job = job_of(db, case_id)
        assert (job.status, job.attempts) == ("done", 1), case_id
        assert actions(db, case_id) == ["created", "extraction_started", "extraction_done"]
        assert_stored_once(case, files=2)
    assert re.search(r"sweep: 0 job\(s\) of dead workers re-queued, 3 queued job\(s\) published",
                     worker.log()[before:])  # the sweep sent the lost ones again
    assert worker.running
