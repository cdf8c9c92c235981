"""The deliveries table as an outbox: record what is due, claim it, mark how it went.

Every change of a row's state is one conditional UPDATE naming the state it expects, so two clock
processes (or a retried pass) can never both act on the same delivery. A sender claims one row
just before posting it, with a fresh lease and a token; marking it is conditional on still holding
that token, so a sender whose claim was taken over cannot overwrite what the other found.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.deliveries import (
    CLAIMED,
    FAILED,
    MAYBE_SENT,
    PENDING,
    SENT,
    SKIPPED,
    Delivery,
    DeliverySubject,
)
from scheduler.planning import PlannedDelivery

# A claim lives this long; a post takes at most the client's timeout, so only a sender that died
# (or froze) lets it run out.
LEASE = timedelta(minutes=5)
SWEEP_BATCH = 200
# Maybe-sent rows looked at per pass: history calls are budgeted, so more would wait anyway.
RECOVERY_BATCH = 500


@dataclass(frozen=True)
class Claim:
    """A delivery this sender holds: only the holder of `token` may mark it."""

    id: int
    key: str
    token: str
    attempts: int


def known_keys(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(Delivery.key).where(Delivery.key.in_(keys))))


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
            "subject": p.subject,
            "status": PENDING,
            "due_at": p.due_at,
            "expires_at": p.useful_until(),
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
    _record_covers(session, [p for p in planned if p.covers and p.key not in known])
    return len(rows)


def _record_covers(session: Session, planned: Sequence[PlannedDelivery]) -> None:
    """What each new message about several things covers, so each of them finds it later."""
    if not planned:
        return
    covers = {p.key: p.covers for p in planned}
    ids = session.execute(select(Delivery.id, Delivery.key).where(Delivery.key.in_(list(covers))))
    rows = [
        {"delivery_id": delivery_id, "subject": subject}
        for delivery_id, key in ids
        for subject in dict.fromkeys(covers[key])
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A second clock recording the same delivery records the same subjects: nothing changes.
    session.execute(insert(DeliverySubject).on_conflict_do_nothing(), rows)


def sendable(session: Session, now: datetime, keys: Sequence[str]) -> list[Delivery]:
    """Pending rows among `keys` whose next attempt has come, oldest first (not yet claimed)."""
    if not keys:
        return []
    return list(
        session.scalars(
            select(Delivery)
            .where(
                Delivery.key.in_(keys),
                Delivery.status == PENDING,
                Delivery.next_attempt_at <= now,
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
        )
    )


def unplanned_pending(session: Session, now: datetime, planned_keys: set[str]) -> list[Delivery]:
    """Ready pending deliveries no planner asks for any more: they are recorded as skipped."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
        .limit(SWEEP_BATCH)
    )
    return [row for row in rows if row.key not in planned_keys]


def _change(session: Session, where: Sequence[Any], **values: Any) -> bool:
    """One conditional UPDATE; True if it applied (the row was in the state `where` expects)."""
    statement = (
        update(Delivery)
        .where(*where)
        .values(**values)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).first() is not None


def _held(claim: Claim) -> list[Any]:
    return [
        Delivery.id == claim.id,
        Delivery.status == CLAIMED,
        Delivery.claim_token == claim.token,
    ]


# The two statements of every post, built once and on the table itself (no ORM work per run): a
# pass at scale makes thousands of each, and building one costs more than running it.
_TABLE = cast(Table, Delivery.__table__)
_CLAIM = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("claim_id"),
        _TABLE.c.status == PENDING,
        _TABLE.c.next_attempt_at <= bindparam("claim_at"),
    )
    .values(
        status=CLAIMED,
        claim_token=bindparam("claim_token"),
        lease_until=bindparam("claim_lease"),
        attempts=_TABLE.c.attempts + 1,
        attempted_at=bindparam("claim_at"),
        channel_id=bindparam("claim_channel"),
    )
    .returning(_TABLE.c.id, _TABLE.c.key, _TABLE.c.attempts)
)
_MARK_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("held_id"),
        _TABLE.c.status == CLAIMED,
        _TABLE.c.claim_token == bindparam("held_token"),
    )
    .values(
        status=SENT,
        sent_at=bindparam("sent_at"),
        message_ts=bindparam("sent_ts"),
        lease_until=None,
        last_error=None,
    )
    .returning(_TABLE.c.id)
)


def claim(session: Session, delivery_id: int, now: datetime, channel: str) -> Claim | None:
    """Claim one pending delivery just before posting it; None if another sender has it."""
    token = uuid.uuid4().hex
    row = session.execute(
        _CLAIM,
        {
            "claim_id": delivery_id,
            "claim_at": now,
            "claim_token": token,
            "claim_lease": now + LEASE,
            "claim_channel": channel,
        },
    ).first()
    if row is None:
        return None
    return Claim(id=row.id, key=row.key, token=token, attempts=row.attempts)


def mark_sent(session: Session, claim: Claim, now: datetime, ts: str | None) -> bool:
    held = {"held_id": claim.id, "held_token": claim.token, "sent_at": now, "sent_ts": ts}
    return session.execute(_MARK_SENT, held).first() is not None


def mark_maybe_sent(session: Session, claim: Claim, check_at: datetime, error: str) -> bool:
    """The post's answer never came: keep the token (it names this attempt) and check later."""
    return _change(
        session,
        _held(claim),
        status=MAYBE_SENT,
        next_attempt_at=check_at,
        lease_until=None,
        last_error=error,
    )


def release(session: Session, claim: Claim, at: datetime, error: str) -> bool:
    """The post surely did not go (429, ok: false): pending again, not before `at`."""
    return _change(
        session,
        _held(claim),
        status=PENDING,
        next_attempt_at=at,
        lease_until=None,
        claim_token=None,
        last_error=error,
    )


def mark_skipped(session: Session, claim: Claim, reason: str) -> bool:
    """Claimed, then found not wanted after all (its `on_claim` said so): never posted."""
    return _change(
        session, _held(claim), status=SKIPPED, lease_until=None, claim_token=None, last_error=reason
    )


def mark_failed(session: Session, claim: Claim, error: str) -> bool:
    return _change(
        session, _held(claim), status=FAILED, lease_until=None, claim_token=None, last_error=error
    )


def retry_pending(session: Session, delivery_id: int, at: datetime, error: str) -> bool:
    """Before any claim (opening the DM failed): try again at `at`."""
    return _change(
        session,
        [Delivery.id == delivery_id, Delivery.status == PENDING],
        next_attempt_at=at,
        last_error=error,
    )


def defer(session: Session, delivery_id: int, at: datetime) -> bool:
    """Not before `at`: another nudge to one of its recipients has just gone (or is about to).
    Kept in the row, so every clock waits as long."""
    return _change(
        session,
        [Delivery.id == delivery_id, Delivery.status == PENDING],
        next_attempt_at=at,
    )


def skip_expired(session: Session, delivery_ids: Sequence[int], reason: str) -> set[int]:
    """Skip, in one statement, pending deliveries whose moment has passed; the last error (why
    it could not go in time) is kept after `reason`. Returns the ids skipped."""
    if not delivery_ids:
        return set()
    last_error = literal(" (last error: ") + Delivery.last_error + literal(")")
    return set(
        session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == PENDING)
            .values(status=SKIPPED, last_error=literal(reason) + func.coalesce(last_error, ""))
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
    )


def settle_pending(session: Session, delivery_id: int, status: str, reason: str) -> bool:
    """Skip or fail a delivery that was never posted."""
    return _change(
        session,
        [Delivery.id == delivery_id, Delivery.status == PENDING],
        status=status,
        last_error=reason,
    )


# -- recovery: claims whose lease ran out, and posts whose answer never came ---------------------


def expire_claims(session: Session, now: datetime) -> int:
    """Claims whose lease ran out unmarked: their sender may have posted before it died."""
    expired = session.execute(
        update(Delivery)
        .where(Delivery.status == CLAIMED, Delivery.lease_until <= now)
        .values(
            status=MAYBE_SENT,
            next_attempt_at=now,
            lease_until=None,
            last_error="its sender stopped before marking it",
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(expired)


def checkable(session: Session, now: datetime) -> list[Delivery]:
    """Maybe-sent rows due a look at Slack's history, oldest first."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.status == MAYBE_SENT, Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(RECOVERY_BATCH)
        )
    )


def _unconfirmed(row: Delivery) -> list[Any]:
    """Still maybe sent by the attempt that was looked for (a newer attempt has a new token)."""
    token = (
        Delivery.claim_token.is_(None)
        if row.claim_token is None
        else (Delivery.claim_token == row.claim_token)
    )
    return [Delivery.id == row.id, Delivery.status == MAYBE_SENT, token]


def confirm_sent(session: Session, row: Delivery, now: datetime, channel: str, ts: str) -> bool:
    return _change(
        session,
        _unconfirmed(row),
        status=SENT,
        sent_at=now,
        channel_id=channel,
        message_ts=ts,
        claim_token=None,
        last_error=None,
    )


def confirm_not_sent(session: Session, row: Delivery, now: datetime) -> bool:
    """History shows it is not there: safe to send, from now."""
    return _change(
        session, _unconfirmed(row), status=PENDING, next_attempt_at=now, claim_token=None
    )


def check_again(session: Session, row: Delivery, at: datetime, error: str) -> bool:
    return _change(session, _unconfirmed(row), next_attempt_at=at, last_error=error)


def settle_unconfirmed(session: Session, row: Delivery, status: str, reason: str) -> bool:
    """A maybe-sent row that will not be sent after all (skipped or failed), with why."""
    return _change(session, _unconfirmed(row), status=status, claim_token=None, last_error=reason)
