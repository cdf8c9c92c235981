"""The outbox: one row per nudge, keyed uniquely, claimed before sending.

The unique `key` is what makes "sent once" hold across restarts, retries and a second clock
process; the lease is what makes "never lost" hold when a sender dies between claim and mark.

A row's life: `pending` (not sent, safe to send) → `claimed` (one sender holds it, fenced by
`claim_token`, until `lease_until`) → `sent`. A post whose answer never came (a timeout, a dropped
connection, a 5xx) or a claim whose lease ran out is `maybe_sent`: it goes back to `pending` only
once Slack's history shows the message is not there. `skipped` (its moment passed, or it is no
longer planned) and `failed` (a permanent error) are final, with the reason in `last_error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import ID_LENGTH, Base, UTCDateTime
from models.people import Participant

PENDING = "pending"
CLAIMED = "claimed"
MAYBE_SENT = "maybe_sent"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    # Indexed: what was sent to a pair is read by pair (the prep nudges it already had).
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairs.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    # What the nudge is about (`meeting:<pair>:<date>`, `action:<id>`): how a button or a change
    # finds the messages Buddy sent about it, from Buddy's own records.
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Past this the nudge is pointless: it is never sent after it, however often Slack failed.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Earliest moment the next attempt (or, when maybe sent, the next history check) may run.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # A claim that is not marked sent by then is presumed abandoned, and maybe sent.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which claim may mark the row: a sender that lost its claim cannot overwrite another's.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the last post was attempted: where a history check starts looking.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    message_ts: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SlackPause(Base):
    """How long the clock leaves one Slack method alone (after a 429's Retry-After, or an outage,
    counted in `outages` so the pause grows while it lasts).

    Kept here rather than in the clock's memory: `python -m scheduler tick` is a new process each
    time, and every process must honour what another was told."""

    __tablename__ = "slack_pauses"

    method: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outages: Mapped[int] = mapped_column(Integer, default=0)


class SlackCall(Base):
    """One call of a method Slack budgets per minute (Tier 3), kept a minute so that every clock
    process counts the calls of the others."""

    __tablename__ = "slack_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MissingScope(Base):
    """A permission Buddy's install in a workspace lacks, found when the clock could not read a
    conversation's history (so it cannot tell whether a nudge there went out). Shown to the
    workspace's facilitators until a read of that kind works again."""

    __tablename__ = "missing_scopes"

    team_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


# A scope not found missing for this long is not shown: nothing has needed it since.
MISSING_SCOPE_SHOWN_FOR = timedelta(days=7)


def dialect_insert(session: Session, entity: Any) -> Any:
    """An INSERT that can say ON CONFLICT, in the dialect of the session's database."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entity)


def note_missing_scope(session: Session, team_id: str, scope: str, now: datetime) -> None:
    """Record (once: a second clock noting it too changes only `last_seen`) a missing scope."""
    statement = dialect_insert(session, MissingScope).values(
        team_id=team_id, scope=scope, since=now, last_seen=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["team_id", "scope"], set_={"last_seen": now}
        )
    )


def scope_works(session: Session, team_id: str, scope: str) -> None:
    """A read that needs `scope` worked: it is no longer missing."""
    session.execute(
        delete(MissingScope).where(MissingScope.team_id == team_id, MissingScope.scope == scope)
    )


def missing_scopes(session: Session, team_id: str, now: datetime) -> list[MissingScope]:
    """The scopes this workspace was recently found to lack, longest missing first."""
    return list(
        session.scalars(
            select(MissingScope)
            .where(
                MissingScope.team_id == team_id,
                MissingScope.last_seen >= now - MISSING_SCOPE_SHOWN_FOR,
            )
            .order_by(MissingScope.since, MissingScope.scope)
        )
    )


class DeliverySubject(Base):
    """A further subject of one delivery: a message about several things (one DM chasing all
    the actions due that day) is found from each of them."""

    __tablename__ = "delivery_subjects"

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class DirectPost(Base):
    """A message (or file) a handler posted at once, not through the outbox, that names a
    participant or repeats what they typed: where it went, never what it said, so that erasing
    them can clear it. One row per participant it is about."""

    __tablename__ = "direct_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    message_ts: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # A file Buddy uploaded for them (their data export), deleted when they are erased.
    file_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))


def remember_direct_post(
    session: Session,
    team_id: str,
    user_ids: Sequence[str],
    channel: str,
    *,
    ts: str | None = None,
    file_id: str | None = None,
) -> int:
    """Record a post in workspace `team_id` (a Slack team, a Teams tenant) as being about each
    of these people Buddy knows there; returns how many rows. Only there: one person has the same
    Slack id in every workspace of an Enterprise Grid org, and a post in one workspace recorded
    for them in another would be cleared (or exported) by what they ask of that other one."""
    if not user_ids:
        return 0
    ids = session.scalars(
        select(Participant.id).where(
            Participant.team_id == team_id, Participant.user_id.in_(sorted(set(user_ids)))
        )
    ).all()
    session.add_all(
        DirectPost(participant_id=i, channel_id=channel, message_ts=ts, file_id=file_id)
        for i in ids
    )
    return len(ids)


def meeting_subject(pair_id: int, original_date: date) -> str:
    return f"meeting:{pair_id}:{original_date.isoformat()}"


def action_subject(action_id: int) -> str:
    return f"action:{action_id}"


def community_subject(session_id: int) -> str:
    return f"community:{session_id}"


# The session record the clock posts under a community session's close: it quotes the actions
# members saved in it.
COMMUNITY_RECORD_KIND = "community-record"


@dataclass(frozen=True)
class SentMessage:
    """A message Buddy sent and recorded: which delivery, of what kind, where it is."""

    delivery_id: int
    key: str
    kind: str
    subject: str | None
    channel: str
    ts: str


def sent_deliveries(session: Session, subject: str, kinds: Sequence[str]) -> list[SentMessage]:
    """Each message of these kinds Buddy sent about `subject` (its own, or one of several it
    covers), oldest first."""
    # The ids found by subject first (a union of two indexed reads): with an OR of the two,
    # SQLite read every sent delivery instead.
    about = union(
        select(Delivery.id).where(Delivery.subject == subject),
        select(DeliverySubject.delivery_id).where(DeliverySubject.subject == subject),
    )
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.key,
            Delivery.kind,
            Delivery.subject,
            Delivery.channel_id,
            Delivery.message_ts,
        )
        .where(
            Delivery.id.in_(about),
            Delivery.kind.in_(list(kinds)),
            Delivery.status == SENT,
            Delivery.channel_id.is_not(None),
            Delivery.message_ts.is_not(None),
        )
        .order_by(Delivery.id)
    ).all()
    return [
        SentMessage(int(row_id), str(key), str(kind), own, str(channel), str(ts))
        for row_id, key, kind, own, channel, ts in rows
    ]


def sent_messages(session: Session, subject: str, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """Channel and ts of each message of these kinds Buddy sent about `subject`, oldest first."""
    return [(m.channel, m.ts) for m in sent_deliveries(session, subject, kinds)]


def subjects_of(session: Session, delivery_ids: Sequence[int]) -> dict[int, list[str]]:
    """The further subjects each of these deliveries covers."""
    found: dict[int, list[str]] = {delivery_id: [] for delivery_id in delivery_ids}
    if not delivery_ids:
        return found
    for delivery_id, subject in session.execute(
        select(DeliverySubject.delivery_id, DeliverySubject.subject).where(
            DeliverySubject.delivery_id.in_(list(delivery_ids))
        )
    ):
        found[int(delivery_id)].append(str(subject))
    return found


def sent_times(session: Session, keys: Sequence[str]) -> dict[str, datetime]:
    """When each of these deliveries was sent, for those that were."""
    if not keys:
        return {}
    rows = session.execute(
        select(Delivery.key, Delivery.sent_at).where(
            Delivery.key.in_(list(keys)), Delivery.status == SENT, Delivery.sent_at.is_not(None)
        )
    ).all()
    return {str(key): sent_at for key, sent_at in rows if sent_at is not None}


def sent_to_pairs(
    session: Session, kind: str, pair_ids: Sequence[int], expiring_after: datetime
) -> list[Delivery]:
    """Deliveries of one kind sent to these pairs whose moment ends after `expiring_after`."""
    if not pair_ids:
        return []
    return list(
        session.scalars(
            select(Delivery).where(
                Delivery.kind == kind,
                Delivery.status == SENT,
                Delivery.pair_id.in_(list(pair_ids)),
                Delivery.expires_at >= expiring_after,
            )
        )
    )
