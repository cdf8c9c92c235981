"""teams_people and teams_channels: where each Teams person and channel is (their 29: id, service
URL, personal chat and latest time zone; a channel's team), kept from every authenticated activity

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=400), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("personal_conversation_id", sa.String(length=400), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_people")),
        sa.UniqueConstraint(
            "tenant_id", "aad_object_id", name=op.f("uq_teams_people_tenant_id_aad_object_id")
        ),
    )
    op.create_table(
        "teams_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=400), nullable=False),
        sa.Column("channel_id", sa.String(length=400), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_channels")),
        sa.UniqueConstraint(
            "tenant_id", "channel_id", name=op.f("uq_teams_channels_tenant_id_channel_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("teams_channels")
    op.drop_table("teams_people")
