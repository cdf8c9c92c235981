"""clock_due: when each pair, person and community group next needs the clock, so a pass reads
only what is due; every existing subject starts due (the first passes plan them all, in batches)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 06:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# "Due now" for any clock at any moment (models.clock_due.DIRTY).
DIRTY = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "clock_due",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject_id", name=op.f("pk_clock_due")),
    )
    op.create_index(op.f("ix_clock_due_due_at"), "clock_due", ["due_at"], unique=False)
    # One fan-out mark: the first pass turns it into a mark for every pair, person and group.
    clock_due = sa.table(
        "clock_due",
        sa.column("kind", sa.String()),
        sa.column("subject_id", sa.Integer()),
        sa.column("due_at", models.base.UTCDateTime(timezone=True)),
        sa.column("version", sa.Integer()),
    )
    op.execute(
        clock_due.insert().values(
            kind="all",
            subject_id=0,
            due_at=DIRTY,
            version=0,
        )
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_clock_due_due_at"), table_name="clock_due")
    op.drop_table("clock_due")
