"""Cohorts: a facilitator binds a channel to a cohort and sets its zone, end and framework areas.

People who use `/buddy` in a cohort's channel (or are matched there) belong to it; a team that
never sets one up keeps everyone in its zero-setup default cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from models.calendar.breaks import breaks_of
from models.calendar.modules import modules_of
from models.calendar.tables import CohortBreak, Module
from models.pairs import Pair
from models.people import (
    DEFAULT_COHORT_TIMEZONE,
    Cohort,
    Participant,
    cohort_of,
    ensure_participant,
)
from models.problems.template import framework_areas
from models.refusals import Refusal

NAME_LIMIT = 120
AREA_LIMIT = 120
MOST_AREAS = 30
SETUP_EXAMPLE = "cohort setup Spring 2027 NPQLTD"
ZONE_EXAMPLE = "cohort zone Europe/London"
END_EXAMPLE = "cohort end 23/7/2027"
AREAS_EXAMPLE = "cohort areas Teaching; Curriculum and assessment; Behaviour"
DAYS_EXAMPLE = "cohort days mon-fri"


def bound_cohort(session: Session, team_id: str, channel_id: str) -> Cohort | None:
    """The cohort set up in this channel, if any."""
    if not channel_id:
        return None
    return session.scalar(
        select(Cohort).where(Cohort.team_id == team_id, Cohort.channel_id == channel_id)
    )


def cohort_here(session: Session, caller: Participant, channel_id: str, now: datetime) -> Cohort:
    """The channel's cohort, else the caller's own (else the default)."""
    return bound_cohort(session, caller.team_id, channel_id) or cohort_of(session, caller, now)


def setup_cohort(
    session: Session, team_id: str, channel_id: str, name: str, now: datetime
) -> Cohort:
    """`/buddy cohort setup <name>`: a new cohort bound to this channel."""
    name = " ".join(name.split())
    if not name:
        raise Refusal("Please give the cohort a name.", SETUP_EXAMPLE)
    if len(name) > NAME_LIMIT:
        raise Refusal(
            f"Please keep the cohort's name under {NAME_LIMIT} characters.", SETUP_EXAMPLE
        )
    if not channel_id or channel_id[0] not in "CG":
        raise Refusal(
            "Please run this in the cohort's channel, so Buddy knows which channel it belongs to.",
            SETUP_EXAMPLE,
        )
    existing = bound_cohort(session, team_id, channel_id)
    if existing is not None:
        raise Refusal(
            f"This channel is already the {existing.name} cohort's. `/buddy cohort` shows it.",
            "cohort",
        )
    cohort = Cohort(
        team_id=team_id,
        channel_id=channel_id,
        name=name,
        timezone=DEFAULT_COHORT_TIMEZONE,
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    return cohort


def require_bound(session: Session, team_id: str, channel_id: str, example: str) -> Cohort:
    cohort = bound_cohort(session, team_id, channel_id)
    if cohort is None:
        raise Refusal(
            "This channel has no cohort yet. A facilitator sets one up here with "
            "`/buddy cohort setup <name>`.",
            example,
        )
    return cohort


def set_zone(cohort: Cohort, zone: str) -> Cohort:
    cohort.timezone = zone
    return cohort


def set_end(cohort: Cohort, end: date, today: date) -> Cohort:
    if end < today:
        raise Refusal("The end date has already passed; please give a later one.", END_EXAMPLE)
    cohort.end_date = end
    return cohort


def set_working_days(cohort: Cohort, days: tuple[int, ...]) -> tuple[int, ...]:
    """The days nudges and chases may go out (stored `01234`, Monday 0); at least one."""
    if not days:
        raise Refusal("Please name at least one working day.", DAYS_EXAMPLE)
    cohort.working_days = "".join(str(d) for d in sorted(set(days)))
    return days


def set_areas(cohort: Cohort, text: str) -> list[str]:
    areas = [" ".join(a.split()) for a in text.split(";")]
    areas = list(dict.fromkeys(a for a in areas if a))
    if not areas:
        raise Refusal("Please list the framework areas, separated by `;`.", AREAS_EXAMPLE)
    if len(areas) > MOST_AREAS or any(len(a) > AREA_LIMIT for a in areas):
        raise Refusal(
            f"Please give at most {MOST_AREAS} areas, each under {AREA_LIMIT} characters.",
            AREAS_EXAMPLE,
        )
    cohort.framework_areas = "; ".join(areas)
    return areas


def join_channel_cohort(
    session: Session, team_id: str, user_id: str, channel_id: str, now: datetime
) -> Cohort | None:
    """Someone using `/buddy` in a cohort's channel belongs to that cohort from then on."""
    cohort = bound_cohort(session, team_id, channel_id)
    if cohort is None:
        return None
    participant = ensure_participant(session, team_id, user_id, now)
    if participant.cohort_id != cohort.id:
        participant.cohort_id = cohort.id
    return cohort


def place_in_cohort(participants: list[Participant], cohort: Cohort) -> None:
    for participant in participants:
        participant.cohort_id = cohort.id


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    modules: list[Module]
    breaks: list[CohortBreak]
    areas: list[str]
    pairs: int
    participants: int


def summarise(session: Session, cohort: Cohort) -> CohortSummary:
    """Counted by the database: a big cohort's rows are never all read to say how many."""
    pairs = session.scalar(
        select(func.count(Pair.id)).where(Pair.cohort_id == cohort.id, Pair.dissolved_at.is_(None))
    )
    members = session.scalar(select(func.count(Participant.id)).where(*members_filter(cohort)))
    return CohortSummary(
        cohort=cohort,
        modules=modules_of(session, cohort.id),
        breaks=breaks_of(session, cohort.id),
        areas=framework_areas(cohort.framework_areas),
        pairs=pairs or 0,
        participants=members or 0,
    )


def members_filter(cohort: Cohort) -> list[ColumnElement[bool]]:
    """Who is in the cohort: its members, and for the default cohort anyone not in another."""
    where: list[ColumnElement[bool]] = [
        Participant.team_id == cohort.team_id,
        Participant.is_bot.is_(False),
    ]
    if cohort.channel_id is None:
        where.append(or_(Participant.cohort_id == cohort.id, Participant.cohort_id.is_(None)))
    else:
        where.append(Participant.cohort_id == cohort.id)
    return where
