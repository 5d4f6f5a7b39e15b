"""Document numbers (文号): per office, kind and year, never reused, gap-free under concurrent issuers,
on PostgreSQL and SQLite alike."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from tests.web import steps
from web.models import DocNumberCounter, IssuedDocument, User
from web.services.numbering import format_number, next_number

THREADS = 8
PER_THREAD = 6


def _office_id(db) -> int:
    with db.session() as s:
        return s.scalar(select(User.id).where(User.username == "office"))


def _issue_concurrently(db, office_id: int) -> list[int]:
    """THREADS threads take PER_THREAD numbers each at once; every third issue fails after taking its number
    and rolls back. The numbers committed."""
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def issuer(t: int) -> None:
        start.wait()
        try:
            for i in range(PER_THREAD):
                with db.session() as s:
                    n = next_number(s, "沧州市", "rectification-notice", 2020)
                    if (t + i) % 3 == 0:  # rendering failed: the transaction and its number roll back
                        s.rollback()
                        continue
                    s.add(IssuedDocument(office="沧州市", kind="rectification-notice", year=2020, number=n,
                                         doc_number=format_number("沧环整改", 2020, n), title="t", data={},
                                         docx_sha256="0" * 64, issued_by_id=office_id))
                    s.commit()
                    with lock:
                        committed.append(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issuer, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return committed


def _assert_gap_free(db, committed: list[int]) -> None:
    assert sorted(committed) == list(range(1, len(committed) + 1))  # unique and without a gap
    assert len(committed) == sum(1 for t in range(THREADS) for i in range(PER_THREAD) if (t + i) % 3)
    with db.session() as s:
        assert s.scalar(select(DocNumberCounter.last).where(DocNumberCounter.office == "沧州市")) == len(committed)
        numbers = s.scalars(select(IssuedDocument.doc_number).order_by(IssuedDocument.number)).all()
    assert numbers[0] == "沧环整改〔2020〕1号" and numbers[-1] == f"沧环整改〔2020〕{len(committed)}号"


def test_numbers_are_gap_free_under_concurrent_issuers(app, db, users):
    """Threads take numbers at once; every third issue fails after taking its number and rolls back."""
    _assert_gap_free(db, _issue_concurrently(db, _office_id(db)))


@pytest.mark.postgres
def test_numbers_hold_on_a_server_that_defaults_to_serializable(pg_server, tmp_path):
    """A PostgreSQL whose administrator set `default_transaction_isolation = serializable` (or repeatable
    read): concurrent issuers would fail with serialization errors, so the app pins its own transactions
    to READ COMMITTED, under which the counter row's lock queues them up."""
    from web.db import Database, upgrade
    from web.services.users import create_user

    name = f"gradedesk_serializable_{os.getpid()}"
    pg_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_server.execute(f'CREATE DATABASE "{name}"')
    pg_server.execute(f'ALTER DATABASE "{name}" SET default_transaction_isolation TO \'serializable\'')
    db = Database(pg_server.url(name))
    try:
        upgrade(db)
        with db.session() as s:
            office = create_user(s, "office", password="office-password-1", role="office", city="沧州市")
            s.commit()
            office_id = office.id
        _assert_gap_free(db, _issue_concurrently(db, office_id))
    finally:
        db.dispose()
        pg_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_offices_kinds_and_years_count_apart(app, db, users):
    with db.session() as s:
        got = [next_number(s, "沧州市", "rectification-notice", 2020), next_number(s, "沧州市", "rectification-notice", 2020),
               next_number(s, "石家庄市", "rectification-notice", 2020), next_number(s, "沧州市", "result-notice", 2020),
               next_number(s, "沧州市", "rectification-notice", 2021)]
        s.commit()
    assert got == [1, 2, 1, 1, 1]
    assert format_number(None, 2020, 3) == "第3期"


def test_concurrent_rectification_notices_get_consecutive_numbers(app, db, users, new_case):
    """The real path: four offices' clerks… four cases returned at once through web/services/issuing.py."""
    from web.services.issuing import issue_rectification
    from web.storage import Storage

    cases = [new_case() for _ in range(4)]
    for case_id in cases:
        steps.to_city_review(app, case_id)
    numbers, errors = [], []
    start = threading.Barrier(len(cases))

    def issue(case_id: int) -> None:
        from web.models import Case

        start.wait()
        try:
            with app.app_context(), db.session() as s:
                doc = issue_rectification(s, Storage(app.config["GRADEDESK_DATA_DIR"]), s.get(Case, case_id),
                                          steps.user(s, "office"), "限期整改")
                numbers.append(doc.doc_number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(numbers) == [f"沧环整改〔2020〕{n}号" for n in range(1, 5)]
