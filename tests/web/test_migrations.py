"""The Alembic migrations build exactly the schema of web/models.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from web.db import Database, current_revision, head_revision, upgrade
from web.models import Base


def test_migrations_match_the_models(database_url):
    db = Database(database_url)
    try:
        assert current_revision(db) is None
        upgrade(db)
        assert current_revision(db) == head_revision()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
        upgrade(db)  # running it again changes nothing
        assert current_revision(db) == head_revision()
    finally:
        db.dispose()


def test_downgrade_to_nothing_and_back(database_url):
    db = Database(database_url)
    try:
        upgrade(db)
        from alembic import command

        from web.db import alembic_config

        cfg = alembic_config(database_url)
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(db)
        assert {"users", "cases", "case_files", "assignments", "jobs", "case_events", "api_tokens"} <= \
            set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
