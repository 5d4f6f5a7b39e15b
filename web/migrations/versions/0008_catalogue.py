"""The grading catalogue offices maintain: its imported versions, and the version each case's findings and each
issued document were made with.

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"],
                                name=op.f("fk_catalogue_versions_imported_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_catalogue_versions_number")),
    )
    # added in place (ALTER TABLE … ADD COLUMN), never by copying a table (see 0002)
    op.add_column("cases", sa.Column("catalogue_version", sa.Integer(), nullable=True))
    op.add_column("issued_documents", sa.Column("catalogue_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("issued_documents", "catalogue_version")
    op.drop_column("cases", "catalogue_version")
    op.drop_table("catalogue_versions")
