"""The database handle of one app: engine, sessions, and the Alembic upgrade.

Views use `db_session()` (one session per request, closed at teardown);
the worker and the commands open their own with `Database.session()`.

PostgreSQL may restart (or fail over) under a running app: every pooled connection is
pinged before use (`pool_pre_ping`), so the first request after the restart gets a new
connection instead of a dead one; connecting gives up after `connect_timeout` seconds and
TCP keepalives notice a server that vanished, so a request never hangs on an unreachable
server. A request that meets the server down is answered 503 (web/errors.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, g
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# libpq settings unless the URL sets them: give up connecting after 10 s; probe an idle TCP connection
# after 30 s, every 10 s, and drop it after 3 unanswered probes
PG_CONNECT_ARGS = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                   "keepalives_count": 3}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    query = make_url(url).query
    # READ COMMITTED whatever the server's default_transaction_isolation says: document numbers
    # (web/services/numbering.py) and job claims (web/queue/jobs.py) rely on an UPDATE that waits for a concurrent one
    # and then sees its result, which REPEATABLE READ and SERIALIZABLE answer with serialization failures
    return create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED",
                         connect_args={k: v for k, v in PG_CONNECT_ARGS.items() if k not in query})


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.Session()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()


def insert_unless_taken(session: Session, model, **values) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a row whose unique key another transaction took at the same moment
    is left as that transaction wrote it (the insert waits for it to end) instead of failing this one."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def get_db(app=None) -> Database:
    return (app or current_app).extensions["gradedesk.db"]


def db_session() -> Session:
    """The session of the current request."""
    if "db_session" not in g:
        g.db_session = get_db().session()
    return g.db_session


def close_db_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply the migrations to `revision` on this database."""
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
