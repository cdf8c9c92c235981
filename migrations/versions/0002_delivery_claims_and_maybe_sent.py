"""deliveries: claim tokens, attempt times and expiry for maybe-sent recovery

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:40:00

The new "maybe_sent" status needs no schema change (status is a string). Claims left by a clock
older than this migration carry no token: stop the old clock and let its five-minute leases run
out before migrating, so none is left half-done.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("attempted_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # A maybe-sent row becomes a claim whose lease has run out: the old clock checks Slack's
    # history before resending those, which is the closest it has.
    op.execute(
        "UPDATE deliveries SET status = 'claimed', lease_until = next_attempt_at "
        "WHERE status = 'maybe_sent'"
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("attempted_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("expires_at")
