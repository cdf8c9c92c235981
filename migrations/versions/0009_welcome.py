"""participants.welcomed_at: when Buddy's welcome DM went to this person (once, ever);
cohorts.working_days: the days proactive nudges may go out on (None: Monday to Friday)

People Buddy already knew had their first contact before the welcome existed, so they count as
welcomed when they first appeared.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "participants",
        sa.Column("welcomed_at", models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("cohorts", sa.Column("working_days", sa.String(length=32), nullable=True))
    participants = sa.table(
        "participants",
        sa.column("welcomed_at", models.base.UTCDateTime(timezone=True)),
        sa.column("created_at", models.base.UTCDateTime(timezone=True)),
    )
    op.execute(participants.update().values(welcomed_at=participants.c.created_at))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of `participants` would
    # drop a table other tables point at.
    op.execute("ALTER TABLE cohorts DROP COLUMN working_days")
    op.execute("ALTER TABLE participants DROP COLUMN welcomed_at")
