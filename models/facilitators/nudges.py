"""A facilitator's nudge to a slipping pair: at most once a day per pair, kept in the outbox.

The outbox's unique key (`facilitator-nudge:pair=<id>:day=<date>`) is what makes "once a day"
hold, even when two facilitators press Nudge at the same moment.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.deliveries import FAILED, SENT, Delivery
from models.pairs import Pair, pair_of
from models.people import find_participant
from models.refusals import Refusal

NUDGE_KIND = "facilitator-nudge"
NUDGE_EXAMPLE = "nudge @Sam"


def nudge_key(pair_id: int, day: date) -> str:
    return f"{NUDGE_KIND}:pair={pair_id}:day={day.isoformat()}"


def pair_to_nudge(session: Session, team_id: str, user_id: str) -> Pair:
    participant = find_participant(session, team_id, user_id)
    pair = pair_of(session, participant) if participant is not None else None
    if pair is None:
        raise Refusal(
            "{0} isn't in a buddy pair, so there is no pair to nudge. `/buddy match` pairs them.",
            NUDGE_EXAMPLE,
            people=[user_id],
        )
    return pair


def claim_nudge(session: Session, pair: Pair, actor: str, today: date, now: datetime) -> Delivery:
    """Record today's nudge for the pair, or refuse: one was already sent today."""
    row = Delivery(
        key=nudge_key(pair.id, today),
        kind=NUDGE_KIND,
        pair_id=pair.id,
        subject=f"nudge:{actor}"[:64],
        status=SENT,
        due_at=now,
        next_attempt_at=now,
        attempts=1,
        attempted_at=now,
        created_at=now,
        sent_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Refusal(
            "That pair has already been nudged today, so I haven't nudged them again. Once a day "
            "is plenty; try tomorrow if nothing changes.",
        ) from None
    return row


def mark_nudge(session: Session, delivery_id: int, channel: str | None, ts: str | None) -> None:
    row = session.get(Delivery, delivery_id)
    if row is None:
        return
    if ts is None:
        row.status = FAILED
        row.last_error = "could not post the nudge"
    else:
        row.channel_id = channel
        row.message_ts = ts
