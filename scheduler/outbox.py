"""The deliveries table as an outbox: record what is due, claim it, mark how it went.

Claims are single conditional UPDATEs, so two clock processes (or a retried pass) can never both
hold the same delivery; a claim left unmarked by a dead sender becomes claimable after its lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.deliveries import CLAIMED, FAILED, PENDING, SENT, SKIPPED, Delivery
from scheduler.planning import PlannedDelivery

LEASE = timedelta(minutes=5)
CLAIM_BATCH = 200


def known_keys(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(Delivery.key).where(Delivery.key.in_(keys))))


def abandoned_keys(session: Session, now: datetime, keys: Sequence[str]) -> set[str]:
    """Claims whose lease ran out unmarked: their sender may have posted before it died."""
    if not keys:
        return set()
    return set(
        session.scalars(
            select(Delivery.key).where(
                Delivery.key.in_(keys), Delivery.status == CLAIMED, Delivery.lease_until <= now
            )
        )
    )


def record_due(session: Session, planned: Sequence[PlannedDelivery], now: datetime) -> int:
    """Insert a pending row for each planned delivery not seen before; returns how many."""
    if not planned:
        return 0
    known = known_keys(session, [p.key for p in planned])
    rows = [
        {
            "key": p.key,
            "kind": p.kind,
            "pair_id": p.pair_id,
            "participant_id": p.participant_id,
            "status": PENDING,
            "due_at": p.due_at,
            "next_attempt_at": p.decide_at(),
            "attempts": 0,
            "created_at": now,
        }
        for p in planned
        if p.key not in known
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Another clock may insert the same key between our read and write: the constraint decides.
    statement = insert(Delivery).on_conflict_do_nothing(index_elements=["key"])
    session.execute(statement, rows)
    return len(rows)


def claimable(now: datetime) -> object:
    return or_(
        and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now),
        and_(Delivery.status == CLAIMED, Delivery.lease_until <= now),
    )


def claim_ready(session: Session, now: datetime, keys: Sequence[str]) -> list[Delivery]:
    """Claim every ready delivery among `keys`; each is claimed by exactly one caller."""
    if not keys:
        return []
    ids = list(
        session.scalars(
            update(Delivery)
            .where(Delivery.key.in_(keys), claimable(now))  # type: ignore[arg-type]
            .values(status=CLAIMED, lease_until=now + LEASE, attempts=Delivery.attempts + 1)
            .returning(Delivery.id)
        )
    )
    session.commit()
    if not ids:
        return []
    return list(session.scalars(select(Delivery).where(Delivery.id.in_(ids))))


def ready_keys(session: Session, now: datetime, keys: Sequence[str]) -> list[str]:
    """Keys among `keys` a pass would claim now (for the dry run, which claims nothing)."""
    if not keys:
        return []
    return list(
        session.scalars(
            select(Delivery.key).where(Delivery.key.in_(keys), claimable(now))  # type: ignore[arg-type]
        )
    )


def unplanned_claimable(session: Session, now: datetime, planned_keys: set[str]) -> list[Delivery]:
    """Ready deliveries no planner asks for any more: they are recorded as skipped."""
    rows = session.scalars(
        select(Delivery).where(claimable(now)).limit(CLAIM_BATCH)  # type: ignore[arg-type]
    )
    return [row for row in rows if row.key not in planned_keys]


def mark_sent(
    session: Session, delivery: Delivery, now: datetime, channel: str, ts: str | None
) -> None:
    delivery.status = SENT
    delivery.sent_at = now
    delivery.channel_id = channel
    delivery.message_ts = ts
    delivery.lease_until = None
    delivery.last_error = None


def mark_skipped(session: Session, delivery: Delivery, reason: str) -> None:
    delivery.status = SKIPPED
    delivery.lease_until = None
    delivery.last_error = reason


def retry_later(session: Session, delivery: Delivery, at: datetime, error: str) -> None:
    delivery.status = PENDING
    delivery.next_attempt_at = at
    delivery.lease_until = None
    delivery.last_error = error


def mark_failed(session: Session, delivery: Delivery, error: str) -> None:
    delivery.status = FAILED
    delivery.lease_until = None
    delivery.last_error = error
