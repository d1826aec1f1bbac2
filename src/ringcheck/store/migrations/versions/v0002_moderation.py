"""Moderation audit log, and an index for "most reported this week".

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("moderator", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_audit_report_id_reports"),
    )
    op.create_index("ix_audit_report_id", "audit", ["report_id"])
    op.create_index("ix_reports_updated_at", "reports", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_updated_at", table_name="reports")
    op.drop_table("audit")
