"""Campaigns the live detector published, and what analysts did with them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(24), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("subscribers", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("ring_low", sa.Float(), nullable=True),
        sa.Column("ring_high", sa.Float(), nullable=True),
        sa.Column("callbacks", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("key", name="uq_campaigns_key"),
    )
    op.create_index("ix_campaigns_updated_at", "campaigns", ["updated_at"])
    op.create_table(
        "campaign_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_campaign_audit_campaign_id_campaigns",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_audit"),
    )
    op.create_index(
        "ix_campaign_audit_campaign_id", "campaign_audit", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_audit_campaign_id", table_name="campaign_audit")
    op.drop_table("campaign_audit")
    op.drop_index("ix_campaigns_updated_at", table_name="campaigns")
    op.drop_table("campaigns")
