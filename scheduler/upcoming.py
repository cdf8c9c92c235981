"""`/buddy upcoming`: the planners' own deliveries for one person over the next two weeks.

Read only: each planner is asked, as of each day ahead, what it would plan; the deliveries for
this person that are not yet sent are kept, once each, held as a pass would hold them (their
recipients' pauses, and from now for one whose moment has passed), a few minutes apart as a pass
sends them, with when they go and why any waits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.deliveries import FAILED, SENT, SKIPPED, Delivery
from models.people import Participant
from models.upcoming import HORIZON, Upcoming
from scheduler.nudges import PLANNERS
from scheduler.pauses import hold_for_pauses
from scheduler.planning import PairTarget, PlannedDelivery, UserTarget, held_from, send_order
from scheduler.runner import Planner
from scheduler.spacing import SPACING

# Why a nudge waits a few minutes: another to this person goes just before it.
SPACED = "another message to you just before"


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
    waiting = {key: p for key, p in found.items() if key not in done}
    held = held_from(hold_for_pauses(session, waiting, now), now)
    fixed = sorted(p.send_at() for p in held.values() if p.holding is None)
    upcoming: list[Upcoming] = []
    last: datetime | None = None
    for planned in sorted(held.values(), key=send_order):
        send_at = planned.send_at()
        reason = None
        if planned.holding is not None:
            if send_at != planned.due_at:
                reason = planned.holding.reason(max(planned.due_at, now))
            spaced = _spaced(send_at, last, fixed)
            if spaced != send_at:
                send_at, reason = spaced, reason or SPACED
        if planned.expires_at is not None and send_at > planned.expires_at:
            continue  # skipped when it comes (a prep nudge that would land with the reminder)
        last = send_at if last is None else max(last, send_at)
        if now <= send_at <= end:
            upcoming.append(Upcoming(planned.kind, planned.due_at, send_at, reason))
    return sorted(upcoming, key=lambda u: (u.send_at, u.kind))


def _spaced(at: datetime, last: datetime | None, fixed: Sequence[datetime]) -> datetime:
    """As a pass spaces a held nudge: a few minutes after the one before it, and after a
    reminder due in the few minutes after it."""
    while True:
        moved = at if last is None else max(at, last + SPACING)
        for then in fixed:
            if moved < then <= moved + SPACING:
                moved = then + SPACING
        if moved == at:
            return at
        at = moved
