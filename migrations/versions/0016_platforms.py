"""People, pairs and cohorts of either platform: `slack_user_id` becomes `user_id`, each row keyed
by workspace says its platform (`slack` for every existing row), and id columns widen from 32 to
400 characters (a Teams tenant or Entra object id is a 36-character GUID, a Teams conversation id
runs past a hundred). Every existing row is kept as it is.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = {
    "cohorts": ("team_id", "channel_id"),
    "facilitator_settings": ("team_id", "slack_user_id"),
    "facilitators": ("team_id", "slack_user_id", "granted_by"),
    "missing_scopes": ("team_id",),
    "workspaces": ("team_id",),
    "erasures": ("team_id",),
    "pairs": ("team_id", "formed_by", "group_channel_id"),
    "participants": ("team_id", "slack_user_id", "dm_channel_id"),
    "community_groups": ("team_id", "channel_id", "created_by"),
    "deliveries": ("channel_id", "message_ts"),
    "direct_posts": ("channel_id", "message_ts", "file_id"),
    "meeting_changes": ("changed_by",),
    "meeting_outcomes": ("answered_by",),
    "problems": ("channel_id", "message_ts", "view_id"),
    "community_sessions": ("started_by",),
}
RENAMED = ("participants", "facilitators", "facilitator_settings")
WITH_PLATFORM = ("cohorts", "participants", "facilitators", "facilitator_settings", "pairs")


def _widen(length: int, before: int) -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=before),
                    type_=sa.String(length=length),
                )


def upgrade() -> None:
    _widen(400, 32)
    for table in RENAMED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_team_id_slack_user_id", type_="unique")
            if table == "participants":
                batch_op.drop_index("ix_participants_slack_user_id")
            batch_op.alter_column(
                "slack_user_id",
                new_column_name="user_id",
                existing_type=sa.String(length=400),
                existing_nullable=False,
            )
        # A second pass: SQLite's batch mode cannot index a column renamed in the same pass.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(f"uq_{table}_team_id_user_id", ["team_id", "user_id"])
            if table == "participants":
                batch_op.create_index("ix_participants_user_id", ["user_id"], unique=False)
    for table in WITH_PLATFORM:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("platform", sa.String(length=16), server_default="slack", nullable=False)
            )


def downgrade() -> None:
    for table in reversed(WITH_PLATFORM):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("platform")
    for table in reversed(RENAMED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_team_id_user_id", type_="unique")
            if table == "participants":
                batch_op.drop_index("ix_participants_user_id")
            batch_op.alter_column(
                "user_id",
                new_column_name="slack_user_id",
                existing_type=sa.String(length=400),
                existing_nullable=False,
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(
                f"uq_{table}_team_id_slack_user_id", ["team_id", "slack_user_id"]
            )
            if table == "participants":
                batch_op.create_index("ix_participants_slack_user_id", ["slack_user_id"])
    _widen(32, 400)
