"""facilitator_settings: each facilitator's weekly digest choice, and that they were seen as one;
participants.display_name: the name Slack shows, cached for reports and CSV exports

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facilitator_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitator_settings")),
        sa.UniqueConstraint(
            "team_id", "slack_user_id", name=op.f("uq_facilitator_settings_team_id_slack_user_id")
        ),
    )
    # A plain ADD/DROP COLUMN: a batch copy of `participants` would break the many foreign keys
    # that point at it on SQLite.
    op.add_column("participants", sa.Column("display_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("participants", "display_name")
    op.drop_table("facilitator_settings")
