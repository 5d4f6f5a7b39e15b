"""Fixtures of the web tests: an app per test on SQLite and on a real PostgreSQL server.

PostgreSQL: one throwaway cluster per test session, made with Debian's server
binaries (the newest `/usr/lib/postgresql/<major>/bin`, or `GRADEDESK_PG_BIN`): `initdb` into a
temp dir, `pg_ctl start` listening only on a unix socket in that dir (no TCP),
one fresh database per test, the cluster stopped and deleted at the end. Run as
root, the server runs as the `postgres` user through `runuser`. Without the
binaries the PostgreSQL tests fail (they are part of the suite, not optional).
`GRADEDESK_TEST_PG_URL` (a server URL for an existing superuser) skips starting one.
A fault test that stops and starts PostgreSQL under a running app gets a cluster of its
module's own (`pg_cluster`; `PgCluster` of tests/web/servers.py), always from the binaries.

Every test database is built by the Alembic migrations, never by `create_all`.
"""

from __future__ import annotations

import itertools
import os
from datetime import date
from pathlib import Path

import pytest

from tests.web.servers import PgCluster, PgServer, RedisServer, WorkerPool
from tests.web.support import PASSWORD, ApiClient, Browser, make_case, sample_truth, sample_zip


@pytest.fixture(scope="session")
def pg_server():
    if os.environ.get("GRADEDESK_TEST_PG_URL"):
        yield PgServer(os.environ["GRADEDESK_TEST_PG_URL"])
        return
    cluster = PgCluster().start()
    try:
        yield cluster.server
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def _module_pg_cluster():
    cluster = PgCluster(durable=True).start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def pg_cluster(_module_pg_cluster):
    """A PostgreSQL cluster of this test module's own (not the session's `pg_server`), running when the
    test starts: a fault test may stop and start it while an app uses it."""
    if not _module_pg_cluster.running:
        _module_pg_cluster.start()
    return _module_pg_cluster


_db_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gradedesk-test.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"gradedesk_test_{os.getpid()}_{next(_db_numbers)}"
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.url(name)
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- the app ------------------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(database_url, data_dir):
    from web import create_app
    from web.db import get_db, upgrade

    app = create_app({"DATABASE_URL": database_url, "GRADEDESK_DATA_DIR": str(data_dir),
                      "SECRET_KEY": "test-secret", "TESTING": True, "GRADEDESK_JOB_TIMEOUT": 60,
                      "GRADEDESK_TODAY": "2020-08-20"})
    upgrade(get_db(app))
    yield app
    get_db(app).dispose()


@pytest.fixture
def db(app):
    from web.db import get_db

    return get_db(app)


@pytest.fixture(scope="session")
def password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="scrypt")


@pytest.fixture
def users(db, password_hash, monkeypatch):
    """Everyone the tests log in as; the foundry sample is in 沧州市 泊头市, credit code below."""
    from web.services import users as accounts
    from web.services.users import create_user

    real_hash = accounts.generate_password_hash
    # scrypt is slow on purpose: hash the shared test password once per session
    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda pw, method: password_hash if pw == PASSWORD else real_hash(pw, method=method))

    code = sample_truth()["credit_code"]
    people = {
        "clerk": dict(role="clerk", city="沧州市"),
        "county-clerk": dict(role="clerk", city="沧州市", county="泊头市"),
        "neighbour-clerk": dict(role="clerk", city="沧州市", county="青县"),
        "other-clerk": dict(role="clerk", city="石家庄市", county="鹿泉区"),
        "office": dict(role="office", city="沧州市"),
        "other-office": dict(role="office", city="石家庄市"),
        "province-office": dict(role="office"),
        "expert": dict(role="expert", industries=["铸造"], pledge=date(2020, 7, 1), employer="河北工业大学"),
        "other-expert": dict(role="expert", industries=["铸造"], pledge=date(2020, 7, 1)),
        "conflicted-expert": dict(role="expert", industries=["铸造"], pledge=date(2020, 7, 1), serves=[code]),
        "unpledged-expert": dict(role="expert", industries=["铸造"]),
        "consultant-expert": dict(role="expert", industries=["铸造"], pledge=date(2020, 7, 1),
                                  employer="沧州绿源环保科技有限公司"),
    }
    with db.session() as session:
        for name, attrs in people.items():
            create_user(session, name, password=PASSWORD, **attrs)
        session.commit()
    return people


@pytest.fixture
def browser(app):
    return lambda username=None: Browser(app).login(username) if username else Browser(app)


@pytest.fixture
def api(app):
    return lambda username=None: ApiClient(app, username)


@pytest.fixture
def uploaded_case(app, users):
    """The foundry sample uploaded by the city clerk through the API, extracted by the worker."""
    from web.queue.jobs import run_until_empty

    client = ApiClient(app, "clerk")
    with sample_zip().open("rb") as fh:
        response = client.post("/api/v1/cases", data={"files": (fh, sample_zip().name)},
                               content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    run_until_empty(app)
    return response.get_json()["id"]


@pytest.fixture
def case(app, users):
    """The foundry sample as a case of the city clerk of 沧州市, extracted (without the worker)."""
    return make_case(app, "clerk")


@pytest.fixture
def new_case(app, users):
    """Make more cases: new_case(creator="clerk", sample="foundry-a-docx", **attributes) → id."""
    return lambda creator="clerk", sample="foundry-a-docx", **attrs: make_case(app, creator, sample, **attrs)


# ---- Redis and Celery workers (tests/web/servers.py) for the tests of jobs on Celery ----


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
def queue_app(app, redis_server):
    """The test's app (SQLite or PostgreSQL) with its jobs on Celery."""
    app.config["REDIS_URL"] = redis_server.url
    return app


@pytest.fixture
def workers(queue_app, redis_server):
    pool = WorkerPool(queue_app, redis_server)
    yield pool.start
    pool.close()
