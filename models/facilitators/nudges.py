"""A facilitator's nudge to a slipping pair: at most once a day per pair, kept in the outbox.

The outbox's unique key (`facilitator-nudge:pair=<id>:day=<date>`) is what makes "once a day"
hold, even when two facilitators press Nudge at the same moment. A pair with someone paused is
not nudged: the nudge goes to the pair's group DM, and the pause holds every nudge to them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.deliveries import FAILED, SENT, Delivery
from models.facilitators.report import paused_until
from models.grammar import format_day
from models.pairs import Pair, members_of, pair_of, zone_of
from models.pauses import pauses_by_person
from models.people import find_participant
from models.refusals import Refusal

NUDGE_KIND = "facilitator-nudge"
NUDGE_EXAMPLE = "nudge @Sam"


def nudge_key(pair_id: int, day: date) -> str:
    return f"{NUDGE_KIND}:pair={pair_id}:day={day.isoformat()}"


def pair_to_nudge(session: Session, team_id: str, user_id: str, now: datetime) -> Pair:
    """The pair of the person named, or a refusal: they are in none, or someone in it is paused
    today (the pause is theirs; Buddy holds their nudges, a facilitator's too)."""
    participant = find_participant(session, team_id, user_id)
    pair = pair_of(session, participant) if participant is not None else None
    if pair is None:
        raise Refusal(
            "{0} isn't in a buddy pair, so there is no pair to nudge. `/buddy match` pairs them.",
            NUDGE_EXAMPLE,
            people=[user_id],
        )
    members = members_of(session, pair)
    since = now.date() - timedelta(days=1)  # today somewhere west of UTC
    pauses = pauses_by_person(session, [m.person for m in members], since)
    # The person named first, then their buddies.
    for member in sorted(members, key=lambda m: m.user_id != user_id):
        until = paused_until(pauses.get(member.person, []), now)
        if until is None:
            continue
        day = format_day(until, now.astimezone(ZoneInfo(zone_of(member))).date())
        held = f"is paused until {day}; Buddy holds their nudges until then"
        if member.user_id == user_id:
            raise Refusal("{0} " + held + ".", people=[user_id])
        raise Refusal(
            "{0}'s buddy {1} " + held + ", so I haven't nudged their pair.",
            people=[user_id, member.user_id],
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
