"""Rectification items (整改销号): each item of an issued rectification notice tracked to closure.

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

USERS = ("evidence_by_id", "verified_by_id", "reviewed_by_id", "closed_by_id")


def upgrade() -> None:
    op.create_table(
        "rectification_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("indicator", sa.String(80), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence_sha256", sa.String(64), nullable=True),
        sa.Column("evidence_name", sa.String(255), nullable=True),
        sa.Column("evidence_reading", sa.JSON(), nullable=True),
        sa.Column("evidence_by_id", sa.Integer(), nullable=True),
        sa.Column("evidence_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verified_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_note", sa.Text(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_rectification_items_case_id_cases")),
        sa.ForeignKeyConstraint(["notice_id"], ["issued_documents.id"],
                                name=op.f("fk_rectification_items_notice_id_issued_documents")),
        *(sa.ForeignKeyConstraint([c], ["users.id"], name=op.f(f"fk_rectification_items_{c}_users")) for c in USERS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_items")),
    )
    op.create_index(op.f("ix_rectification_items_case_id"), "rectification_items", ["case_id"])
    op.create_index(op.f("ix_rectification_items_notice_id"), "rectification_items", ["notice_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rectification_items_notice_id"), table_name="rectification_items")
    op.drop_index(op.f("ix_rectification_items_case_id"), table_name="rectification_items")
    op.drop_table("rectification_items")
