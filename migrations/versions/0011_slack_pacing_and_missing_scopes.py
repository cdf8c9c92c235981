"""slack_pauses and slack_calls: Slack's limits as the clock learnt them, shared by every clock
process; missing_scopes: permissions a workspace's install lacks, shown to its facilitators

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_pauses",
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("paused_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("method", name=op.f("pk_slack_pauses")),
    )
    op.create_table(
        "slack_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_calls")),
    )
    with op.batch_alter_table("slack_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_calls_method"), ["method"], unique=False)
    op.create_table(
        "missing_scopes",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("since", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "scope", name=op.f("pk_missing_scopes")),
    )


def downgrade() -> None:
    op.drop_table("missing_scopes")
    with op.batch_alter_table("slack_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_calls_method"))
    op.drop_table("slack_calls")
    op.drop_table("slack_pauses")
