"""The durable job queue: atomic claims, dead workers, failures, the in-process worker."""

from __future__ import annotations

import io
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.web.support import sample_truth, sample_zip
from web.models import Case, CaseEvent, Job, User, utcnow


def _new_case(app, db, *, files=None) -> int:
    from web.services.cases import Upload, create_case
    from web.storage import Storage

    with db.session() as session:
        clerk = session.scalar(select(User).where(User.username == "clerk"))
        if files is None:
            files = [Upload(sample_zip().name, io.BytesIO(sample_zip().read_bytes()))]
        return create_case(session, Storage(app.config["GRADEDESK_DATA_DIR"]), clerk, files).id


def _job(db, case_id) -> Job:
    with db.session() as session:
        return session.scalar(select(Job).where(Job.case_id == case_id))


def _case(db, case_id) -> Case:
    with db.session() as session:
        return session.get(Case, case_id)


def _actions(db, case_id) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                                    .order_by(CaseEvent.id)))


def test_each_job_is_claimed_once_by_racing_workers(app, db, users):
    from web.queue.jobs import claim_next

    with db.session() as session:
        session.add_all(Job(kind="noop", payload={}, status="queued", attempts=0) for _ in range(12))
        session.commit()
    claims, errors = [], []
    start = threading.Barrier(4)

    def worker(name):
        start.wait()
        try:
            while (claim := claim_next(db, name)) is not None:
                claims.append(claim)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(c.job_id for c in claims) == sorted(set(c.job_id for c in claims))
    assert len(claims) == 12
    with db.session() as session:
        assert set(session.scalars(select(Job.status))) == {"running"}


def test_job_of_a_dead_worker_is_requeued_and_done_once(app, db, users):
    from web.queue.jobs import Outcome, claim_next, finish, requeue_stale, run_one

    case_id = _new_case(app, db)
    dead = claim_next(db, "dead-worker")
    assert dead is not None and dead.case_id == case_id and dead.attempt == 1
    assert _case(db, case_id).status == "running"

    assert requeue_stale(db, timeout=60) == 0  # its heartbeat is fresh: not touched
    with db.session() as session:  # the worker was killed: no heartbeat for two minutes
        session.execute(update(Job).where(Job.id == dead.job_id)
                        .values(heartbeat_at=utcnow() - timedelta(minutes=2)))
        session.commit()
    assert requeue_stale(db, timeout=60) == 1
    job = _job(db, case_id)
    assert job.status == "queued" and "dead-worker" in job.error
    assert _case(db, case_id).status == "queued"

    assert run_one(app, "live-worker") == dead.job_id
    job = _job(db, case_id)
    assert (job.status, job.attempts, job.claimed_by) == ("done", 2, "live-worker")
    case = _case(db, case_id)
    assert case.status == "done" and case.credit_code == sample_truth()["credit_code"]

    # the presumed-dead worker comes back: its result is discarded, nothing is stored twice
    assert finish(db, dead, result=Outcome({"fields": {}}, []), error=None) is False
    assert _case(db, case_id).credit_code == sample_truth()["credit_code"]
    assert _actions(db, case_id) == ["created", "extraction_started", "requeued", "extraction_started",
                                     "extraction_done"]


def test_a_job_that_keeps_killing_workers_is_given_up(app, db, users):
    from web.queue.jobs import GAVE_UP, claim_next, requeue_stale

    case_id = _new_case(app, db)
    for attempt in range(1, 4):
        claim = claim_next(db, f"w{attempt}")
        assert claim.attempt == attempt
        with db.session() as session:
            session.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(hours=1)))
            session.commit()
        assert requeue_stale(db, timeout=60, max_attempts=3) == 1
    assert _job(db, case_id).status == "failed"
    case = _case(db, case_id)
    assert case.status == "failed" and case.error == GAVE_UP
    assert claim_next(db, "w4") is None


def test_heartbeat_keeps_a_long_job_alive(app, db, users, monkeypatch):
    from web.queue import jobs
    from web.services import extraction

    app.config["GRADEDESK_JOB_TIMEOUT"] = 2  # heartbeat every 0.5 s
    real = extraction.extract_case

    def slow(*args):
        time.sleep(3)
        return real(*args)

    monkeypatch.setattr(extraction, "extract_case", slow)
    case_id = _new_case(app, db)
    claim = jobs.claim_next(db, "slow-worker")
    runner = threading.Thread(target=jobs.run_claim, args=(app, claim))
    runner.start()
    requeued = 0
    while runner.is_alive():
        requeued += jobs.requeue_stale(db, timeout=2)
        time.sleep(0.2)
    runner.join()
    assert requeued == 0
    assert _case(db, case_id).status == "done"


def test_an_internal_fault_fails_the_case_with_a_chinese_message(app, db, users, monkeypatch, caplog):
    from web.queue import jobs
    from web.services import extraction

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(extraction, "extract_case", broken)
    case_id = _new_case(app, db)
    with caplog.at_level(logging.ERROR, logger="web.queue.jobs"):
        assert jobs.run_one(app) is not None
    case = _case(db, case_id)
    assert case.status == "failed" and case.error == jobs.INTERNAL_ERROR
    assert _job(db, case_id).status == "failed"
    assert "extraction_failed" in _actions(db, case_id)
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)  # the traceback is logged


def test_bad_input_from_the_extractor_fails_the_case_with_its_message(app, db, users, monkeypatch):
    from forms.errors import BadInput
    from web.queue import jobs
    from web.services import extraction

    def refuse(*args):
        raise BadInput("压缩包中没有可以读取的文件。")

    monkeypatch.setattr(extraction, "extract_case", refuse)
    case_id = _new_case(app, db)
    jobs.run_one(app)
    assert _case(db, case_id).error == "压缩包中没有可以读取的文件。"


def test_failed_case_page_shows_the_error(app, db, users, browser, monkeypatch):
    from web.queue import jobs
    from web.services import extraction

    monkeypatch.setattr(extraction, "extract_case", lambda *a: (_ for _ in ()).throw(RuntimeError("x")))
    case_id = _new_case(app, db)
    jobs.run_one(app)
    page = browser("clerk").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "解析失败" in page and jobs.INTERNAL_ERROR in page


def test_in_process_worker(app, db, users):
    from web.queue.jobs import start_in_process_worker

    app.config["GRADEDESK_POLL_SECONDS"] = 0.05
    worker = start_in_process_worker(app)
    try:
        case_id = _new_case(app, db)
        deadline = time.monotonic() + 60
        while _case(db, case_id).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop(timeout=30)
    assert not worker.thread.is_alive()
    assert _case(db, case_id).status == "done"


@pytest.mark.parametrize(("address", "county", "city"), [
    ("河北省沧州市泊头市富镇振兴路144号", "泊头市", "沧州市"),
    ("河北省石家庄市鹿泉区黄壁庄镇", "鹿泉区", "石家庄市"),
    ("泊头市富镇振兴路144号", "泊头市", None),
    (None, None, None),
])
def test_city_from_address(address, county, city):
    from web.services.corrections import city_from_address

    assert city_from_address(address, county) == city


def test_a_job_named_by_a_message_is_claimed_only_while_queued(app, db, users):
    from web.queue.jobs import claim_job, claim_next, finish, run_claim

    case_id = _new_case(app, db)
    job_id = _job(db, case_id).id
    claim = claim_job(db, job_id, "celery-a")
    assert claim is not None and (claim.job_id, claim.case_id, claim.attempt) == (job_id, case_id, 1)
    assert claim_job(db, job_id, "celery-b") is None  # a second delivery of the same message
    assert claim_next(db, "db-worker") is None  # nor does the database worker take it
    assert run_claim(app, claim) is True
    assert claim_job(db, job_id, "celery-c") is None  # done: a late redelivery does nothing
    assert finish(db, claim, error="x") is False
    assert _job(db, case_id).attempts == 1
    assert _actions(db, case_id) == ["created", "extraction_started", "extraction_done"]
    assert claim_job(db, 999999, "celery-d") is None


def test_requeue_stale_jobs_names_the_jobs_it_put_back(app, db, users):
    from web.queue.jobs import claim_next, requeue_stale_jobs

    first, second = _new_case(app, db), _new_case(app, db)
    claim_next(db, "dead")
    claim_next(db, "alive")
    with db.session() as session:
        session.execute(update(Job).where(Job.case_id == first).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        session.commit()
    assert requeue_stale_jobs(db, timeout=60) == [_job(db, first).id]
    assert (_job(db, first).status, _job(db, second).status) == ("queued", "running")


def test_a_job_goes_back_to_the_queue_while_the_file_store_is_away(app, db, users):
    """The shared volume unmounted under a worker: the job is put back, not failed, and the attempt is
    not counted; once the volume is back the next worker does it."""
    from web.queue.jobs import claim_next, run_claim

    case_id = _new_case(app, db)
    store = Path(app.config["GRADEDESK_DATA_DIR"]) / "files"
    away = store.with_name("files-unmounted")
    claim = claim_next(db, "w1")
    store.rename(away)
    try:
        assert run_claim(app, claim) is False
    finally:
        away.rename(store)
    job, case = _job(db, case_id), _case(db, case_id)
    assert (job.status, job.attempts, job.claimed_by) == ("queued", 0, None)
    assert case.status == "queued" and "文件存储暂时不可用" in job.error
    assert _actions(db, case_id) == ["created", "extraction_started", "requeued"]
    again = claim_next(db, "w2")
    assert again is not None and again.attempt == 1
    assert run_claim(app, again) is True
    assert (_job(db, case_id).status, _case(db, case_id).status) == ("done", "done")


def test_a_slow_upload_does_not_lock_other_writers_out(app, db, users):
    """A clerk's 200 MB upload is copied into the file store before the case is written, so other clerks
    (and workers storing results) are not kept waiting on SQLite's single writer while it copies."""
    from web.services.cases import Upload
    from web.storage import _CHUNK as storage_chunk

    reading, release = threading.Event(), threading.Event()

    class SlowStream(io.BytesIO):
        def read(self, size=-1):
            if size == storage_chunk:  # the copy into the file store, not the upload's checks
                reading.set()
                assert release.wait(60)
            return super().read(size)

    slow: list[int] = []
    uploader = threading.Thread(target=lambda: slow.append(_new_case(
        app, db, files=[Upload(sample_zip().name, SlowStream(sample_zip().read_bytes()))])))
    uploader.start()
    try:
        assert reading.wait(30)
        started = time.monotonic()
        other = _new_case(app, db)  # waits on the writer lock if the slow upload holds it
        assert time.monotonic() - started < 10
    finally:
        release.set()
        uploader.join(60)
    assert slow and _case(db, other).status == "queued" and _case(db, slow[0]).status == "queued"
