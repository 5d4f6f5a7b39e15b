"""Document numbers (文号): per office, per kind, per year; never reused, never skipped.

`next_number()` takes the next number inside the caller's transaction:

    INSERT INTO doc_number_counters … ON CONFLICT DO NOTHING      -- the year's first number
    UPDATE doc_number_counters SET last = last + 1 WHERE … RETURNING last

The UPDATE holds the counter row's lock (PostgreSQL) or the database's write lock (SQLite)
until the caller's transaction ends, so concurrent issuers queue up behind it; the number
is stored with the issued document in the same transaction, so a failed issue rolls its
number back and the next issuer gets it. On SQLite the INSERT must be the transaction's
first write (a read-then-write transaction could fail to upgrade its lock), which is why
web/services/issuing.py allocates before it writes anything else.

On PostgreSQL this needs READ COMMITTED, where a waiting UPDATE goes on with the row the
other transaction committed; web/db.py pins it whatever the server's default isolation
is (under REPEATABLE READ or SERIALIZABLE the waiting issuer would fail with a
serialization error instead). No retry is needed: under READ COMMITTED issuers queue up
and never fail, and one transaction takes at most one number, so two cannot deadlock.
tests/web/test_numbering_concurrency.py issues 200 documents at once through the HTTP
server on both engines.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from web.models import DocNumberCounter


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def next_number(session: Session, office: str, kind: str, year: int) -> int:
    insert = _insert(session)
    session.execute(insert(DocNumberCounter).values(office=office, kind=kind, year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["office", "kind", "year"]))
    return session.execute(
        update(DocNumberCounter)
        .where(DocNumberCounter.office == office, DocNumberCounter.kind == kind, DocNumberCounter.year == year)
        .values(last=DocNumberCounter.last + 1)
        .returning(DocNumberCounter.last)
        .execution_options(synchronize_session=False)).scalar_one()


def format_number(code: str | None, year: int, number: int) -> str:
    """`沧环整改〔2020〕7号`; a kind without a 机关代字 is numbered by issue (`第7期`)."""
    return f"{code}〔{year}〕{number}号" if code else f"第{number}期"
