"""actions.review_impact, review_evidence, reviewed_at: the 90-day review's answer, kept with
its action; an index on actions.closed_at, as a review is asked once the action is done

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_impact", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("review_evidence", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_actions_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_closed_at"))
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("review_evidence")
        batch_op.drop_column("review_impact")
