"""The Alembic migrations build exactly the schema of web/models.py, on SQLite and PostgreSQL, and carry
populated data down and up again."""

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


# ---- on a copy of populated data -------------------------------------------------------------------

TABLES_0001 = {"users", "cases", "case_files", "assignments", "jobs", "case_events", "api_tokens"}
COLUMNS_ADDED_BY_0005 = {"users": {"session_generation"}}
ADDED_BY_0002 = {"case_contents", "case_versions", "corrections", "finding_decisions", "review_uploads",
                 "doc_number_counters", "office_templates", "issued_documents", "login_attempts",
                 "catalogue_versions",  # by 0008
                 "synonym_proposals", "synonym_sightings", "synonym_versions"}  # by 0009
CASE_COLUMNS_0002 = {"stage", "stage_at", "version", "secret", "decided_grade", "rectify_by",
                     "catalogue_version"}  # the last by 0008
CONTENT_COLUMNS = ("extraction", "findings", "proposal")
JOB_COLUMNS_0007 = {"progress"}


def _populate(app, new_case) -> dict[str, int]:
    """Work done through the app as people do it: a bundle uploaded over the API and extracted by the worker
    (files in the store), a correction and decisions on findings, an expert's confirmed review sheet, a
    rectification notice with its number, a re-application (version 2 with its own files), a weekly report
    with its number, tokens and log-ins."""
    from tests.web import steps
    from tests.web.support import ApiClient, Browser, sample_zip, upload_sample
    from web.queue.jobs import run_until_empty

    response = upload_sample(ApiClient(app, "clerk"))
    assert response.status_code == 202, response.get_json()
    run_until_empty(app)
    uploaded = response.get_json()["id"]
    clerk, office = Browser(app).login("clerk"), Browser(app).login("office")
    assert clerk.post_form(f"/cases/{uploaded}/fields/legal_representative",
                           {"value": "张三", "reason": "对照原件更正"}).status_code == 303
    findings = steps.get_case(app, uploaded).findings
    for i, decision in ((0, "dismissed"), (1, "confirmed")):
        assert clerk.post_form(f"/cases/{uploaded}", {"rule": findings[i]["rule"], "decision": decision,
                                                      "reason": "现场核实"},
                               action=f"/cases/{uploaded}/findings/{i}").status_code in (302, 303)
    steps.to_city_review(app, uploaded)
    steps.assign(app, uploaded)
    steps.confirm_review(app, uploaded)

    returned = new_case()
    steps.to_city_review(app, returned)
    assert office.post_form(f"/cases/{returned}/rectification", {"reason": "限期整改"}).status_code == 303
    with sample_zip().open("rb") as fh:
        assert clerk.post_form(f"/cases/{returned}/reapply", {"files": (fh, "整改后材料.zip"), "reason": "已完成整改"},
                               content_type="multipart/form-data").status_code == 303
    run_until_empty(app)
    assert office.post_form("/reports/weekly?week=2020-08-17", {}).status_code == 303
    return {"uploaded": uploaded, "returned": returned}


def _snapshot(engine) -> dict[str, list[dict]]:
    """Every row of every table (but alembic_version), in primary-key order."""
    from sqlalchemy import text

    found = inspect(engine)
    out = {}
    with engine.connect() as conn:
        for table in sorted(set(found.get_table_names()) - {"alembic_version"}):
            key = ", ".join(found.get_pk_constraint(table)["constrained_columns"])
            out[table] = [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))]
    return out


def _copy_database(request, url: str) -> str:
    """A copy of the database at `url` (SQLite's backup API; PostgreSQL's CREATE DATABASE … TEMPLATE)."""
    import sqlite3

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        copy = parsed.database + ".copy"
        with sqlite3.connect(parsed.database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return parsed.set(database=copy).render_as_string(hide_password=False)
    server = request.getfixturevalue("pg_server")
    name = f"{parsed.database}_copy"
    server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    request.addfinalizer(lambda: server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return server.url(name)


def _without(row: dict, columns) -> dict:
    return {k: v for k, v in row.items() if k not in columns}


def test_populated_data_goes_down_and_up_again(request, app, db, users, new_case, database_url):
    """Populated through the app, then on a copy: down to 0001 (what 0001 has a place for is kept as it
    was), up to head (kept again; what 0002 added starts empty), the app at work on the result, down to
    nothing and up again. The original database is never touched."""
    from alembic.autogenerate import compare_metadata as compare
    from sqlalchemy import text

    from tests.web.support import ApiClient, upload_sample
    from web import create_app
    from web.db import get_db
    from web.storage import Storage

    ids = _populate(app, new_case)
    before = _snapshot(db.engine)
    assert all(before[t] for t in TABLES_0001 | ADDED_BY_0002 - {"office_templates", "catalogue_versions",
                                                                 "synonym_proposals", "synonym_sightings",
                                                                 "synonym_versions"}), \
        [t for t in before if not before[t]]
    assert {r["number"] for r in before["issued_documents"]} == {1} and len(before["issued_documents"]) == 2
    db.dispose()  # PostgreSQL copies a database nobody is connected to
    copy_url = _copy_database(request, database_url)
    copy = Database(copy_url)
    try:
        case_versions = {c["id"]: c["version"] for c in before["cases"]}
        assert case_versions[ids["returned"]] == 2
        kept_files = [f for f in before["case_files"] if f["version"] == case_versions[f["case_id"]]]
        assert len(kept_files) < len(before["case_files"])  # the returned case's first files go with version 1
        contents = {c["case_id"]: c for c in before["case_contents"]}

        _downgrade(copy, copy_url, "0001")
        at_0001 = _snapshot(copy.engine)
        assert set(at_0001) == TABLES_0001
        for table in ("assignments", "api_tokens"):
            assert at_0001[table] == before[table], table
        assert at_0001["users"] == [_without(u, COLUMNS_ADDED_BY_0005["users"]) for u in before["users"]]
        assert at_0001["jobs"] == [_without(j, JOB_COLUMNS_0007) for j in before["jobs"]]
        assert at_0001["cases"] == [
            dict(_without(c, CASE_COLUMNS_0002), **{k: contents[c["id"]][k] for k in CONTENT_COLUMNS})
            for c in before["cases"]]
        assert at_0001["case_files"] == [_without(f, {"version"}) for f in kept_files]
        assert at_0001["case_events"] == [_without(e, {"reason", "version", "data"}) for e in before["case_events"]]

        upgrade(copy)
        assert current_revision(copy) == head_revision()
        after = _snapshot(copy.engine)
        for table in ("users", "assignments", "api_tokens", "case_contents"):
            assert after[table] == before[table], table
        assert after["jobs"] == [dict(j, progress=None) for j in before["jobs"]]  # what 0007 added starts empty
        for table in ADDED_BY_0002 - {"case_contents"}:
            assert after[table] == [], table
        assert [_without(c, CASE_COLUMNS_0002) for c in after["cases"]] == \
            [_without(c, CASE_COLUMNS_0002) for c in before["cases"]]
        assert {(c["stage"], c["version"], bool(c["secret"]), c["decided_grade"], c["rectify_by"])
                for c in after["cases"]} == {("submitted", 1, False, None, None)}
        assert all(str(c["stage_at"]) == str(c["created_at"]) for c in after["cases"])
        assert after["case_files"] == [dict(f, version=1) for f in kept_files]
        assert after["case_events"] == [dict(e, reason=None, version=None, data=None) for e in before["case_events"]]
        with copy.engine.connect() as conn:
            diff = compare(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []

        # the app works on what came back: lists, case pages with their extraction, files, new work
        copy.dispose()
        again = create_app({"DATABASE_URL": copy_url, "GRADEDESK_DATA_DIR": app.config["GRADEDESK_DATA_DIR"],
                            "SECRET_KEY": "test-secret", "TESTING": True, "GRADEDESK_TODAY": "2020-08-20"})
        try:
            clerk = ApiClient(again, "clerk")
            assert sorted(c["id"] for c in clerk.get("/api/v1/cases").get_json()) == sorted(ids.values())
            detail = clerk.get(f"/api/v1/cases/{ids['uploaded']}").get_json()
            assert detail["extraction"]["fields"]["legal_representative"]["value"] != "张三"  # corrections went
            assert detail["extraction"]["fields"]["credit_code"]["value"]
            storage = Storage(again.config["GRADEDESK_DATA_DIR"])
            for f in detail["files"]:
                with storage.open(f["sha256"]) as fh:
                    assert len(fh.read()) == f["size"]
            assert upload_sample(clerk).status_code == 202
        finally:
            get_db(again).dispose()

        _downgrade(copy, copy_url, "base")
        assert set(inspect(copy.engine).get_table_names()) <= {"alembic_version"}
        upgrade(copy)
        assert current_revision(copy) == head_revision()
        with copy.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0
    finally:
        copy.dispose()

    original = Database(database_url)
    try:
        assert current_revision(original) == head_revision()
        assert _snapshot(original.engine) == before
    finally:
        original.dispose()
