"""community sessions: groups, their members and sessions, and actions saved in them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("fortnightly", sa.Boolean(), nullable=False),
        sa.Column("next_chair_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["next_chair_id"],
            ["participants.id"],
            name=op.f("fk_community_groups_next_chair_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_groups")),
        sa.UniqueConstraint(
            "team_id", "channel_id", name=op.f("uq_community_groups_team_id_channel_id")
        ),
    )
    op.create_table(
        "community_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("owner_position", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_groups.id"],
            name=op.f("fk_community_members_group_id_community_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_community_members_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_members")),
        sa.UniqueConstraint(
            "group_id", "participant_id", name=op.f("uq_community_members_group_id_participant_id")
        ),
    )
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_members_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "community_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("present", sa.Text(), nullable=True),
        sa.Column("started_by", sa.String(length=32), nullable=True),
        sa.Column("stopped_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointed_chair_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointed_chair_id"],
            ["participants.id"],
            name=op.f("fk_community_sessions_appointed_chair_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_groups.id"],
            name=op.f("fk_community_sessions_group_id_community_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_sessions")),
    )
    with op.batch_alter_table("community_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_sessions_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_community_sessions_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "community_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_community_actions_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_community_actions_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["community_sessions.id"],
            name=op.f("fk_community_actions_session_id_community_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_actions")),
        sa.UniqueConstraint("action_id", name=op.f("uq_community_actions_action_id")),
    )
    with op.batch_alter_table("community_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_actions_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("community_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_actions_session_id"))

    op.drop_table("community_actions")
    with op.batch_alter_table("community_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_sessions_starts_at"))
        batch_op.drop_index(batch_op.f("ix_community_sessions_group_id"))

    op.drop_table("community_sessions")
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_members_group_id"))

    op.drop_table("community_members")
    op.drop_table("community_groups")
