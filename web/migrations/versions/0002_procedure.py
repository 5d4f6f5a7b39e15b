"""The procedure of 冀气领办〔2020〕94号 and the work on a case: stages, versions, corrections, decisions on
findings, expert review sheets, document numbers, issued documents, office templates, log-in throttling.

The extraction, findings and proposal of a case move from `cases` to `case_contents`, so that
lists and counts never read the large JSON (on SQLite a scan of `cases` read every blob).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


# Columns are added and dropped in place (ALTER TABLE … ADD/DROP COLUMN, SQLite ≥ 3.35), never by
# copying a table: on SQLite a copy of `cases` would trip the foreign keys of the rows that point at it.

def upgrade() -> None:
    op.add_column("cases", sa.Column("stage", sa.String(24), nullable=False, server_default="submitted"))
    op.add_column("cases", sa.Column("stage_at", sa.DateTime(), nullable=False,
                                     server_default=sa.text("'2000-01-01 00:00:00'")))
    op.add_column("cases", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("cases", sa.Column("secret", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("cases", sa.Column("decided_grade", sa.String(16), nullable=True))
    op.add_column("cases", sa.Column("rectify_by", sa.Date(), nullable=True))
    op.execute("UPDATE cases SET stage_at = created_at")
    op.create_index(op.f("ix_cases_stage"), "cases", ["stage"])

    op.create_index(op.f("ix_cases_created_by_id"), "cases", ["created_by_id"])
    op.create_table(
        "case_contents",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("extraction", sa.JSON(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=True),
        _fk("case_id", "case_contents", "cases"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_contents")),
    )
    op.execute("INSERT INTO case_contents (case_id, extraction, findings, proposal) "
               "SELECT id, extraction, findings, proposal FROM cases")
    for column in ("extraction", "findings", "proposal"):
        op.drop_column("cases", column)

    op.add_column("case_files", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("case_events", sa.Column("reason", sa.Text(), nullable=True))
    op.add_column("case_events", sa.Column("version", sa.Integer(), nullable=True))
    op.add_column("case_events", sa.Column("data", sa.JSON(), nullable=True))

    op.create_table(
        "case_versions",
        _id(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("extraction", sa.JSON(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        _fk("case_id", "case_versions", "cases"),
        _fk("superseded_by_id", "case_versions", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_versions")),
        sa.UniqueConstraint("case_id", "number", name="uq_case_versions_case_id_number"),
    )
    op.create_index(op.f("ix_case_versions_case_id"), "case_versions", ["case_id"])

    op.create_table(
        "corrections",
        _id(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("original", sa.JSON(), nullable=True),
        sa.Column("typed", sa.Text(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _fk("case_id", "corrections", "cases"),
        _fk("author_id", "corrections", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(op.f("ix_corrections_case_id"), "corrections", ["case_id"])

    op.create_table(
        "finding_decisions",
        _id(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _fk("case_id", "finding_decisions", "cases"),
        _fk("author_id", "finding_decisions", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_decisions")),
    )
    op.create_index(op.f("ix_finding_decisions_case_id"), "finding_decisions", ["case_id"])

    op.create_table(
        "review_uploads",
        _id(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("reading", sa.JSON(), nullable=False),
        sa.Column("review_type", sa.String(16), nullable=True),
        sa.Column("proposed_grade", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        _fk("case_id", "review_uploads", "cases"),
        _fk("expert_id", "review_uploads", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_uploads")),
    )
    op.create_index(op.f("ix_review_uploads_case_id"), "review_uploads", ["case_id"])

    op.create_table(
        "doc_number_counters",
        _id(),
        sa.Column("office", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_number_counters")),
        sa.UniqueConstraint("office", "kind", "year", name="uq_doc_number_counters_office_kind_year"),
    )

    op.create_table(
        "office_templates",
        _id(),
        sa.Column("office", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        _fk("uploaded_by_id", "office_templates", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_templates")),
        sa.UniqueConstraint("office", "kind", "number", name="uq_office_templates_office_kind_number"),
    )

    op.create_table(
        "issued_documents",
        _id(),
        sa.Column("office", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("doc_number", sa.String(80), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("docx_sha256", sa.String(64), nullable=False),
        sa.Column("xlsx_sha256", sa.String(64), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        _fk("case_id", "issued_documents", "cases"),
        _fk("template_id", "issued_documents", "office_templates"),
        _fk("issued_by_id", "issued_documents", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("office", "kind", "year", "number", name="uq_issued_documents_office_kind_year_number"),
    )
    op.create_index(op.f("ix_issued_documents_office"), "issued_documents", ["office"])
    op.create_index(op.f("ix_issued_documents_case_id"), "issued_documents", ["case_id"])

    op.create_table(
        "login_attempts",
        _id(),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])


def downgrade() -> None:
    for table in ("login_attempts", "issued_documents", "office_templates", "doc_number_counters",
                  "review_uploads", "finding_decisions", "corrections", "case_versions"):
        op.drop_table(table)
    # files of later versions go with the versions; the current version's files stay as the case's
    op.execute("DELETE FROM case_files WHERE version <> (SELECT cases.version FROM cases "
               "WHERE cases.id = case_files.case_id)")
    for column in ("data", "version", "reason"):
        op.drop_column("case_events", column)
    op.drop_column("case_files", "version")
    for column in ("proposal", "extraction", "findings"):
        op.add_column("cases", sa.Column(column, sa.JSON(), nullable=True))
    for column in ("proposal", "extraction", "findings"):
        op.execute(f"UPDATE cases SET {column} = (SELECT case_contents.{column} FROM case_contents "
                   "WHERE case_contents.case_id = cases.id)")
    op.drop_table("case_contents")
    op.drop_index(op.f("ix_cases_created_by_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_stage"), table_name="cases")
    for column in ("rectify_by", "decided_grade", "secret", "version", "stage_at", "stage"):
        op.drop_column("cases", column)
