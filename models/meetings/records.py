"""What buddies say about a meeting: that they prepared, and whether it happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.meetings.tables import MeetingOutcome, PrepCompletion
from models.pairs import members_by_pair
from models.people import Participant
from models.refusals import Refusal

OUTCOMES = ("met", "moved", "solo")


class NotInThisPair(Refusal):
    """The person pressing a pair's button is not one of its members."""

    def __init__(self) -> None:
        super().__init__("That button belongs to another buddy pair, so I've left it alone.")


def member_of(session: Session, pair_id: int, user_id: str) -> Participant:
    for member in members_by_pair(session, [pair_id]).get(pair_id, []):
        if member.slack_user_id == user_id:
            return member
    raise NotInThisPair


def record_prep(
    session: Session, pair_id: int, original_date: date, user_id: str, now: datetime
) -> bool:
    """Mark the member prepared for that meeting; False if they already were (a double click)."""
    member = member_of(session, pair_id, user_id)
    exists = session.scalar(
        select(PrepCompletion.id).where(
            PrepCompletion.pair_id == pair_id,
            PrepCompletion.original_date == original_date,
            PrepCompletion.participant_id == member.id,
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                PrepCompletion(
                    pair_id=pair_id,
                    original_date=original_date,
                    participant_id=member.id,
                    completed_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def record_outcome(
    session: Session, pair_id: int, original_date: date, outcome: str, user_id: str, now: datetime
) -> MeetingOutcome:
    """The pair's answer to the check-in; a later answer from either buddy replaces it."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    member_of(session, pair_id, user_id)
    row = session.scalar(
        select(MeetingOutcome).where(
            MeetingOutcome.pair_id == pair_id, MeetingOutcome.original_date == original_date
        )
    )
    if row is None:
        row = MeetingOutcome(pair_id=pair_id, original_date=original_date)
        session.add(row)
    row.outcome = outcome
    row.answered_by = user_id
    row.answered_at = now
    session.flush()
    return row
