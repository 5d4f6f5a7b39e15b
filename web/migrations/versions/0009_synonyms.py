"""Synonyms learnt from corrections: labels proposed by clerks' corrections, the office's decisions, the
versions of the accepted set; where a correction's value was read.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synonym_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("label_key", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_synonym_proposals_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synonym_proposals")),
        sa.UniqueConstraint("field", "label_key", name="uq_synonym_proposals_field_label_key"),
    )
    op.create_table(
        "synonym_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("ref", sa.String(40), nullable=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["synonym_proposals.id"],
                                name=op.f("fk_synonym_sightings_proposal_id_synonym_proposals")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_synonym_sightings_case_id_cases")),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name=op.f("fk_synonym_sightings_proposed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synonym_sightings")),
        sa.UniqueConstraint("proposal_id", "case_id", name="uq_synonym_sightings_proposal_id_case_id"),
    )
    op.create_index(op.f("ix_synonym_sightings_proposal_id"), "synonym_sightings", ["proposal_id"])
    op.create_index(op.f("ix_synonym_sightings_case_id"), "synonym_sightings", ["case_id"])
    op.create_table(
        "synonym_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["synonym_proposals.id"],
                                name=op.f("fk_synonym_versions_proposal_id_synonym_proposals")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_synonym_versions_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synonym_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_synonym_versions_number")),
    )
    # added in place (ALTER TABLE … ADD COLUMN), never by copying a table (see 0002)
    op.add_column("corrections", sa.Column("source", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("corrections", "source")
    op.drop_table("synonym_versions")
    op.drop_index(op.f("ix_synonym_sightings_case_id"), table_name="synonym_sightings")
    op.drop_index(op.f("ix_synonym_sightings_proposal_id"), table_name="synonym_sightings")
    op.drop_table("synonym_sightings")
    op.drop_table("synonym_proposals")
