"""teams_copies: each member's copy of a message to a pair in Teams (bots cannot make group
chats), so a press or an erasure redraws every copy and a resend posts only the missing ones

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("group_conversation", sa.String(length=400), nullable=False),
        sa.Column("group_message_id", sa.String(length=400), nullable=True),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("activity_id", sa.String(length=400), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_copies")),
        sa.UniqueConstraint(
            "key", "conversation_id", name=op.f("uq_teams_copies_key_conversation_id")
        ),
    )
    with op.batch_alter_table("teams_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_copies_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_teams_copies_group_message_id"), ["group_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("teams_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_copies_group_message_id"))
        batch_op.drop_index(batch_op.f("ix_teams_copies_key"))
    op.drop_table("teams_copies")
