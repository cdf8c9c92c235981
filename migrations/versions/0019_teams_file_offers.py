"""teams_file_offers: the bytes of each file Buddy offers by Teams' file consent, kept until the
person accepts or declines (the answer may reach another web process, or come after a restart)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_file_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=400), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_file_offers")),
        sa.UniqueConstraint("key", name=op.f("uq_teams_file_offers_key")),
    )


def downgrade() -> None:
    op.drop_table("teams_file_offers")
