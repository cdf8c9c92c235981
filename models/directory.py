"""Finding (or creating on first contact) the participant and cohort a request is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.people import DEFAULT_COHORT_TIMEZONE, Cohort, Facilitator, Participant

DEFAULT_COHORT_NAME = "Everyone"


def default_cohort(session: Session, team_id: str, now: datetime) -> Cohort:
    """The zero-setup cohort everyone is in until a facilitator sets one up in a channel."""
    found = session.scalar(
        select(Cohort).where(Cohort.team_id == team_id, Cohort.channel_id.is_(None))
    )
    if found is not None:
        return found
    cohort = Cohort(
        team_id=team_id,
        channel_id=None,
        name=DEFAULT_COHORT_NAME,
        timezone=DEFAULT_COHORT_TIMEZONE,
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    return cohort


def cohort_of(session: Session, participant: Participant, now: datetime) -> Cohort:
    if participant.cohort_id is not None:
        cohort = session.get(Cohort, participant.cohort_id)
        if cohort is not None:
            return cohort
    return default_cohort(session, participant.team_id, now)


def find_participant(session: Session, team_id: str, user_id: str) -> Participant | None:
    return session.scalar(
        select(Participant).where(
            Participant.team_id == team_id, Participant.slack_user_id == user_id
        )
    )


def ensure_participant(session: Session, team_id: str, user_id: str, now: datetime) -> Participant:
    """The participant for a Slack user, created on first contact.

    Two requests from a new user can race; the unique constraint decides and the loser re-reads.
    """
    found = find_participant(session, team_id, user_id)
    if found is not None:
        return found
    participant = Participant(team_id=team_id, slack_user_id=user_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(participant)
    except IntegrityError:
        found = find_participant(session, team_id, user_id)
        assert found is not None
        return found
    return participant


def participants_by_user_id(
    session: Session, team_id: str, user_ids: Iterable[str]
) -> dict[str, Participant]:
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(Participant).where(
            Participant.team_id == team_id, Participant.slack_user_id.in_(ids)
        )
    )
    return {p.slack_user_id: p for p in rows}


def is_facilitator(
    session: Session, bootstrapped: frozenset[str], team_id: str, user_id: str
) -> bool:
    """Facilitators come from BUDDY_FACILITATORS, or were granted the role in Slack."""
    if user_id in bootstrapped:
        return True
    return (
        session.scalar(
            select(Facilitator.id).where(
                Facilitator.team_id == team_id, Facilitator.slack_user_id == user_id
            )
        )
        is not None
    )
