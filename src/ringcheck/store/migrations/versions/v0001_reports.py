"""Reports, their append-only submission history, and the meta table (reporter salt).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )
    # Made once here, so every worker and every restart keys reporters the same way.
    op.bulk_insert(meta, [{"key": "reporter_salt", "value": secrets.token_hex(32)}])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.Column("prefix1", sa.String(20), nullable=False),
        sa.Column("prefix2", sa.String(20), nullable=False),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("rang_seconds", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("claimed", sa.String(100), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("e164", "reporter", name="uq_reports_e164"),
    )
    op.create_index("ix_reports_prefix1", "reports", ["prefix1"])
    op.create_index("ix_reports_prefix2", "reports", ["prefix2"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("rang_seconds", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("claimed", sa.String(100), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_submissions_report_id_reports"
        ),
    )
    op.create_index("ix_submissions_report_id", "submissions", ["report_id"])
    op.create_index("ix_submissions_reporter_at", "submissions", ["reporter", "at"])


def downgrade() -> None:
    op.drop_table("submissions")
    op.drop_table("reports")
    op.drop_table("meta")
