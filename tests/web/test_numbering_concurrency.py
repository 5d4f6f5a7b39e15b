"""Two offices issue numbered documents at the same moment through a real `gradedesk serve`: 200 requests at
once from 40 client threads, on PostgreSQL and on SQLite. Every number is taken exactly once: unique and
without a gap per office, kind and year, and the counter ends at the number of documents issued."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.web.support import HttpClient, LiveServer, prepare_database

OFFICES = {"office": dict(role="office", city="沧州市"), "other-office": dict(role="office", city="石家庄市")}
PER_OFFICE = 100
CLIENTS = 40
WEEK = "2020-08-17"


def test_two_offices_number_200_weekly_reports_at_once(database_url, tmp_path):
    prepare_database(tmp_path / "var", database_url, OFFICES)
    with LiveServer(tmp_path / "var", database_url, env={"GRADEDESK_TODAY": "2020-08-20"}) as server:
        offices = {name: HttpClient(server.url, timeout=120).login_pages(name) for name in OFFICES}
        go = threading.Event()

        def issue(name: str) -> int:
            go.wait(60)
            status, headers, body = offices[name].post_form(f"/reports/weekly?week={WEEK}")
            assert status != 303 or headers["Location"].endswith(f"week={WEEK}")
            return status

        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(issue, name) for _ in range(PER_OFFICE) for name in OFFICES]
            go.set()
            statuses = Counter(f.result(timeout=300) for f in futures)
        assert statuses == {303: PER_OFFICE * len(OFFICES)}, (statuses, server.log()[-3000:])
        assert "unhandled error" not in server.log()

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            issued = conn.execute(text("SELECT office, kind, year, number, doc_number FROM issued_documents")).all()
            counters = dict(conn.execute(text("SELECT office, last FROM doc_number_counters "
                                              "WHERE kind = 'weekly-report' AND year = 2020")).all())
    finally:
        engine.dispose()
    assert len(issued) == PER_OFFICE * len(OFFICES)
    for office in ("沧州市", "石家庄市"):
        mine = [row for row in issued if row.office == office]
        assert {(row.kind, row.year) for row in mine} == {("weekly-report", 2020)}
        assert sorted(row.number for row in mine) == list(range(1, PER_OFFICE + 1))  # unique, no gap
        assert len({row.doc_number for row in mine}) == PER_OFFICE
        assert counters[office] == PER_OFFICE
