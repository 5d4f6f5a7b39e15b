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


def _downgrade(db, url, revision):
    from alembic import command

    from web.db import alembic_config

    cfg = alembic_config(url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_0002_keeps_the_cases_of_0001_and_goes_back(database_url):
    """Cases of the walking skeleton get a stage and version 1; going back to 0001 keeps them."""
    from sqlalchemy import text

    db = Database(database_url)
    try:
        upgrade(db, "0001")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, password_hash, role, industries, serves, active, "
                              "created_at) VALUES (1, 'c', 'h', 'clerk', '[]', '[]', true, '2020-08-01 08:00:00')"))
            conn.execute(text("INSERT INTO cases (id, status, created_by_id, created_at, updated_at, enterprise_name, "
                              "extraction, findings) VALUES (7, 'done', 1, '2020-08-02 09:00:00', "
                              "'2020-08-02 09:00:00', '某铸造公司', :extraction, '[]')"),
                         {"extraction": '{"schema": "gradedesk.extraction/1", "fields": {}}'})
            conn.execute(text("INSERT INTO case_files (case_id, original_name, sha256, size, uploaded_at) "
                              "VALUES (7, 'a.zip', :sha, 3, '2020-08-02 09:00:00')"), {"sha": "a" * 64})
            conn.execute(text("INSERT INTO case_events (case_id, actor_id, action, detail, at) "
                              "VALUES (7, 1, 'created', 'x', '2020-08-02 09:00:00')"))
        upgrade(db)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT stage, version, secret, stage_at, created_at FROM cases")).one()
            assert (row.stage, row.version, bool(row.secret)) == ("submitted", 1, False)
            assert str(row.stage_at) == str(row.created_at)
            assert conn.execute(text("SELECT version FROM case_files")).scalar_one() == 1
            assert conn.execute(text("SELECT reason FROM case_events")).scalar_one() is None
            moved = conn.execute(text("SELECT extraction FROM case_contents WHERE case_id = 7")).scalar_one()
            assert "gradedesk.extraction/1" in str(moved)
            assert "extraction" not in {c["name"] for c in inspect(conn).get_columns("cases")}
        with db.engine.begin() as conn:  # a second version's file, gone when going back
            conn.execute(text("UPDATE cases SET version = 2"))
            conn.execute(text("UPDATE case_files SET version = 2"))
            conn.execute(text("INSERT INTO case_files (case_id, original_name, sha256, size, uploaded_at, version) "
                              "VALUES (7, 'old.zip', :sha, 3, '2020-08-01 09:00:00', 1)"), {"sha": "b" * 64})
        _downgrade(db, database_url, "0001")
        assert current_revision(db) == "0001"
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT enterprise_name FROM cases")).scalar_one() == "某铸造公司"
            assert "gradedesk.extraction/1" in str(conn.execute(text("SELECT extraction FROM cases")).scalar_one())
            assert conn.execute(text("SELECT original_name FROM case_files")).scalars().all() == ["a.zip"]
            assert "stage" not in {c["name"] for c in inspect(conn).get_columns("cases")}
            assert "login_attempts" not in inspect(conn).get_table_names()
        upgrade(db)
        assert current_revision(db) == head_revision()
    finally:
        db.dispose()
