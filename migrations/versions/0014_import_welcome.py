"""participants.welcome_due_at: when an import asked Buddy to welcome this person (None: no
import did; the welcome then goes on their first contact, as before)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "participants",
        sa.Column("welcome_due_at", models.base.UTCDateTime(timezone=True), nullable=True),
    )
    # Not a batch: a batch copy of `participants` would drop a table other tables point at.
    op.create_index(
        op.f("ix_participants_welcome_due_at"), "participants", ["welcome_due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_participants_welcome_due_at"), table_name="participants")
    op.execute("ALTER TABLE participants DROP COLUMN welcome_due_at")
