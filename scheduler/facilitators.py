"""The weekly digest: each facilitator's cohort by DM on Monday at 08:00 in their zone, once;
none on a Monday in the cohort's break, when nothing else is nudged either.

One key per facilitator and week (`facilitator-digest:team=T:user=U:week=<monday>`), so two clocks
or a restart send it once. The cohort's figures are read only when a digest is drawn to be sent,
not on every pass (nor when a facilitator asks what is coming).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.views.facilitators import build_digest
from models.calendar.breaks import breaks_of
from models.deliveries import PENDING, Delivery
from models.facilitators.report import cohort_report
from models.facilitators.roles import digest_recipients
from models.meetings.schedule import local_instant
from models.pairs import zone_of
from models.people import Cohort, Participant, cohort_of, find_participant
from scheduler.planning import (
    OutgoingMessage,
    PlannedDelivery,
    Scope,
    Subjects,
    UserTarget,
    planned_until,
)

DIGEST_KIND = "facilitator-digest"
DIGEST_AT = time(8, 0)
USEFUL_FOR = timedelta(days=1)


def in_break(session: Session, cohort_id: int, day: date) -> bool:
    return any(b.start_date <= day <= b.end_date for b in breaks_of(session, cohort_id))


def digest_key(team_id: str, user_id: str, monday: object) -> str:
    return f"{DIGEST_KIND}:team={team_id}:user={user_id}:week={monday}"


def plan_facilitator_digests(
    session: Session, now: datetime, scope: Scope | None = None, *, only: Subjects | None = None
) -> Sequence[PlannedDelivery]:
    """This week's digest for each facilitator once Monday 08:00 has come (with a scope: the
    person's own, for each Monday up to their preview's end; `only`: those of the people a pass
    has due)."""
    planned: list[PlannedDelivery] = []
    until = planned_until(now, scope)
    person = (scope.team_id, scope.user_id) if scope is not None else None
    for team_id, user_id in _recipients(session, person, only):
        participant = find_participant(session, team_id, user_id)
        if participant is None:
            continue
        cohort = cohort_of(session, participant, now)
        zone = zone_of(participant, cohort.timezone)
        for monday in _mondays(now, until, zone):
            due = local_instant(monday, DIGEST_AT, zone)
            if not (due <= until and now < due + USEFUL_FOR):
                continue
            if in_break(session, cohort.id, due.astimezone(ZoneInfo(cohort.timezone)).date()):
                continue  # nothing is nudged in a cohort's break, the digest included
            key = digest_key(team_id, user_id, monday.isoformat())
            status = session.scalar(select(Delivery.status).where(Delivery.key == key))
            if status is not None and status != PENDING:
                continue  # sent (or settled) already: nothing to read again
            planned.append(
                PlannedDelivery(
                    key=key,
                    kind=DIGEST_KIND,
                    due_at=due,
                    target=UserTarget(participant.id, user_id),
                    render=partial(_draw_digest, session, cohort, now, monday),
                    describe=f"weekly digest for {user_id}",
                    expires_at=due + USEFUL_FOR,
                    participant_id=participant.id,
                    subject=f"digest:{user_id}"[:64],
                )
            )
    return planned


def _recipients(
    session: Session, person: tuple[str, str] | None, only: Subjects | None
) -> list[tuple[str, str]]:
    """Every facilitator the clock sends a digest to, the one person asked about, or those among
    the people a pass has due (the facilitators are few: their tables are read whole)."""
    if only is None:
        return digest_recipients(session, person)
    if not only.people:
        return []
    wanted = set(
        session.execute(
            select(Participant.team_id, Participant.user_id).where(
                Participant.id.in_(sorted(only.people))
            )
        )
        .tuples()
        .all()
    )
    return [r for r in digest_recipients(session) if r in wanted]


def next_digests(session: Session, now: datetime, only: Subjects) -> dict[int, datetime]:
    """When each facilitator among these people is next due a digest (Monday 08:00 where they
    are, after `now`): the planner plans one only once its moment has come, so the clock is told
    when that is."""
    found: dict[int, datetime] = {}
    for team_id, user_id in _recipients(session, None, only):
        participant = find_participant(session, team_id, user_id)
        if participant is None:
            continue
        zone = zone_of(participant, cohort_of(session, participant, now).timezone)
        for monday in _mondays(now, now + timedelta(weeks=1), zone):
            due = local_instant(monday, DIGEST_AT, zone)
            if due > now:
                found[participant.id] = due
                break
    return found


def _mondays(now: datetime, until: datetime, zone: str) -> list[date]:
    """The Monday of `now`'s week where the facilitator is, and each one after it to `until`."""
    first = now.astimezone(ZoneInfo(zone)).date()
    last = until.astimezone(ZoneInfo(zone)).date()
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def _draw_digest(session: Session, cohort: Cohort, now: datetime, monday: date) -> OutgoingMessage:
    """The cohort's figures are read when the digest is drawn to be sent, never to plan it. The
    clock has no BUDDY_FACILITATORS: the facilitators it knows are those Buddy has seen."""
    return build_digest(cohort_report(session, cohort, now, bootstrapped=frozenset()), monday)
