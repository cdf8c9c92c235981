"""delivery_subjects: a message about several things (one chase a day listing every action due);
actions.offer: the date question an action was recorded from, so it is recorded once

Chases were one DM per action (`action-chase:action=<id>:due=<date>`); now they are one DM per
owner per due date (`action-chase:owner=<participant>:due=<date>`). So that a day already chased
one action at a time is not chased again under the new key, each such day gets a row under the
new key, recorded as skipped (nothing more is sent for it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WENT_OUT = ("sent", "claimed", "maybe_sent")
_deliveries = sa.table(
    "deliveries",
    sa.column("id", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("participant_id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("due_at", models.base.UTCDateTime(timezone=True)),
    sa.column("next_attempt_at", models.base.UTCDateTime(timezone=True)),
    sa.column("expires_at", models.base.UTCDateTime(timezone=True)),
    sa.column("attempts", sa.Integer()),
    sa.column("last_error", sa.Text()),
    sa.column("created_at", models.base.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "delivery_subjects",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_subjects_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", "subject", name=op.f("pk_delivery_subjects")),
    )
    with op.batch_alter_table("delivery_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_subjects_subject"), ["subject"], unique=False)
    _mark_days_already_chased()
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offer", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_actions_offer"), ["offer"], unique=True)


def _mark_days_already_chased() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            _deliveries.c.key,
            _deliveries.c.participant_id,
            _deliveries.c.status,
            _deliveries.c.due_at,
            _deliveries.c.expires_at,
        ).where(
            _deliveries.c.kind == "action-chase",
            _deliveries.c.key.startswith("action-chase:action="),
            _deliveries.c.participant_id.is_not(None),
        )
    ).all()
    days: dict[str, dict[str, object]] = {}
    for key, participant_id, status, due_at, expires_at in rows:
        _, _, due = str(key).rpartition(":due=")
        if status not in _WENT_OUT or not due:
            continue
        days.setdefault(
            f"action-chase:owner={participant_id}:due={due}",
            {"participant_id": participant_id, "due_at": due_at, "expires_at": expires_at},
        )
    taken = set(
        connection.scalars(sa.select(_deliveries.c.key).where(_deliveries.c.key.in_(list(days))))
    )
    now = datetime.now(UTC)
    new = [
        {
            "key": key,
            "kind": "action-chase",
            "participant_id": day["participant_id"],
            "status": "skipped",
            "due_at": day["due_at"],
            "next_attempt_at": day["due_at"],
            "expires_at": day["expires_at"],
            "attempts": 0,
            "last_error": "chased one action at a time before chases were combined",
            "created_at": now,
        }
        for key, day in days.items()
        if key not in taken
    ]
    if new:
        op.bulk_insert(_deliveries, new)


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_offer"))
        batch_op.drop_column("offer")

    with op.batch_alter_table("delivery_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_subjects_subject"))

    op.drop_table("delivery_subjects")
    op.execute(
        sa.delete(_deliveries).where(
            _deliveries.c.kind == "action-chase",
            _deliveries.c.key.startswith("action-chase:owner="),
        )
    )
