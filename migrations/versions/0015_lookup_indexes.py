"""Indexes for reading one person's rows: pair_members by pair, deliveries by pair,
community_members by participant, participants by Slack id alone (`/buddy status` and `upcoming`
read these for one person, and without them each read was a scan of every pair's rows)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("pair_members", "pair_id"),
    ("deliveries", "pair_id"),
    ("community_members", "participant_id"),
    ("participants", "slack_user_id"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
