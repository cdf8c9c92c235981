"""handled requests: one row per Slack delivery already acted on (retries and replays)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:41:59.341894
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_handled_requests")),
    )
    with op.batch_alter_table("handled_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handled_requests_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("handled_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handled_requests_created_at"))

    op.drop_table("handled_requests")
