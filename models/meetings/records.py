"""What buddies say about a meeting: that they prepared, and whether it happened.

A pair answers for both buddies: a late press on an answer or choice the buddy already made (a
button still showing on an older copy of the message) changes nothing by itself. It raises
`ChosenByBuddy`, and only a press that asks to change the buddy's choice replaces it.

Undo belongs to the one who pressed: "I've completed X" is undone only by that member, a check-in
answer only by whoever gave it (`NotYours` for anyone else). An undone check-in answer leaves the
check-in unanswered, so the clock plans its follow-up again if it is still due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.meetings.tables import MeetingOutcome, PrepCompletion
from models.pairs import members_by_pair
from models.people import Participant
from models.refusals import Refusal

OUTCOMES = ("met", "moved", "solo")


@dataclass(frozen=True)
class Choice:
    """What one buddy chose for a meeting: a check-in answer (an outcome), or after a skip,
    solo practice (`solo`) or another time (`moved`, with when)."""

    kind: str
    by: str
    moved_to: datetime | None = None


class ChosenByBuddy(Refusal):
    """The buddy already made this choice; `same` when the press asked for what they chose."""

    def __init__(self, choice: Choice, *, same: bool) -> None:
        super().__init__("{0} has already answered for that meeting.", people=[choice.by])
        self.choice = choice
        self.same = same


class NotInThisPair(Refusal):
    """The person pressing a pair's button is not one of its members."""

    def __init__(self) -> None:
        super().__init__("That button belongs to another buddy pair, so I've left it alone.")


class NotYours(Refusal):
    """Someone pressed Undo on what another member pressed: only they may undo it."""

    def __init__(self, owner: str) -> None:
        super().__init__(
            "Only {0} can undo that, since they pressed it, so I've left it as it is.",
            people=[owner],
        )


def member_of(session: Session, pair_id: int, user_id: str) -> Participant:
    for member in members_by_pair(session, [pair_id]).get(pair_id, []):
        if member.user_id == user_id:
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


def undo_prep(
    session: Session, pair_id: int, original_date: date, user_id: str, owner_id: str
) -> bool:
    """Unmark `owner_id`'s "I've completed" for that meeting, pressed by `user_id`: only the
    member who marked it may. False if it was not marked (a double click)."""
    member = member_of(session, pair_id, user_id)
    if owner_id != user_id:
        raise NotYours(owner_id)
    row = session.scalar(
        select(PrepCompletion).where(
            PrepCompletion.pair_id == pair_id,
            PrepCompletion.original_date == original_date,
            PrepCompletion.participant_id == member.id,
        )
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


@dataclass(frozen=True)
class Answered:
    """The answer as recorded, and the buddy's answer it replaced (when it replaced one)."""

    outcome: MeetingOutcome
    replaced: Choice | None = None


def record_outcome(
    session: Session,
    pair_id: int,
    original_date: date,
    outcome: str,
    user_id: str,
    now: datetime,
    *,
    change_buddys_answer: bool = False,
) -> Answered:
    """The pair's answer to the check-in. Whoever answered may change their answer; the buddy's
    answer is changed only when asked to (`change_buddys_answer`), never by a stale button."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    member_of(session, pair_id, user_id)
    row = session.scalar(
        select(MeetingOutcome).where(
            MeetingOutcome.pair_id == pair_id, MeetingOutcome.original_date == original_date
        )
    )
    replaced: Choice | None = None
    if row is not None and row.answered_by != user_id:
        replaced = Choice(row.outcome, row.answered_by)
        if row.outcome == outcome:
            raise ChosenByBuddy(replaced, same=True)  # nothing to change, nor its credit
        if not change_buddys_answer:
            raise ChosenByBuddy(replaced, same=False)
    if row is None:
        row = MeetingOutcome(pair_id=pair_id, original_date=original_date)
        session.add(row)
    row.outcome = outcome
    row.answered_by = user_id
    row.answered_at = now
    session.flush()
    return Answered(row, replaced)


def undo_outcome(
    session: Session, pair_id: int, original_date: date, user_id: str
) -> Choice | None:
    """Take back the check-in answer: only whoever gave it may. The meeting is then unanswered
    again; returns the answer undone, None if there was none (a double click)."""
    member_of(session, pair_id, user_id)
    row = session.scalar(
        select(MeetingOutcome).where(
            MeetingOutcome.pair_id == pair_id, MeetingOutcome.original_date == original_date
        )
    )
    if row is None:
        return None
    if row.answered_by != user_id:
        raise NotYours(row.answered_by)
    undone = Choice(row.outcome, row.answered_by)
    session.delete(row)
    session.flush()
    return undone
