"""`/buddy upcoming`: the planners' own deliveries for one person over the next two weeks.

Read only: each planner is asked, as of each day ahead, what it would plan; the deliveries for
this person that are not yet sent are kept, once each, with when the holding lets them go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.deliveries import FAILED, SENT, SKIPPED, Delivery
from models.people import Participant
from models.quiet_hours import held_by
from models.upcoming import HORIZON, Upcoming
from scheduler.nudges import PLANNERS
from scheduler.planning import PairTarget, PlannedDelivery, UserTarget
from scheduler.runner import Planner


def _for(person: Participant, planned: PlannedDelivery) -> bool:
    target = planned.target
    if isinstance(target, PairTarget):
        return person.slack_user_id in target.user_ids
    if isinstance(target, UserTarget):
        return target.participant_id == person.id
    return False


def preview(
    session: Session,
    person: Participant,
    now: datetime,
    planners: Sequence[Planner] = PLANNERS,
) -> list[Upcoming]:
    """What Buddy will send `person` from `now` to two weeks on, soonest first."""
    found: dict[str, PlannedDelivery] = {}
    end = now + HORIZON
    for day in range(HORIZON.days + 1):
        as_of = now + timedelta(days=day)
        for planner in planners:
            for planned in planner(session, as_of):
                if planned.key not in found and _for(person, planned):
                    found[planned.key] = planned
    done = set(
        session.scalars(
            select(Delivery.key).where(
                Delivery.key.in_(list(found)), Delivery.status.in_((SENT, SKIPPED, FAILED))
            )
        )
    )
    upcoming = []
    for key, planned in found.items():
        send_at = planned.send_at()
        if key in done or not now <= send_at <= end:
            continue
        if planned.expires_at is not None and send_at > planned.expires_at:
            continue
        reason = None
        if planned.holding is not None and send_at != planned.due_at:
            holding = planned.holding
            reason = held_by(
                planned.due_at,
                holding.zones,
                holding.spans,
                holding.spans_zone,
                holding.working_days,
            )
        upcoming.append(Upcoming(planned.kind, planned.due_at, send_at, reason))
    return sorted(upcoming, key=lambda u: (u.send_at, u.kind))
