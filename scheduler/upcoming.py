"""`/buddy upcoming`: the planners' own deliveries for one person over the next two weeks.

Read only: each planner is asked, once, what it would plan for this person as of any moment from
now to two weeks on (a `Scope`), reading that person's rows alone, so what it costs is what the
person has, not how many pairs there are. The deliveries not yet sent are kept, once each, held as
a pass would hold them (their recipients' pauses, and from now for one whose moment has passed), a
few minutes apart as a pass sends them, with when they go and why any waits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.deliveries import FAILED, SENT, SKIPPED, Delivery
from models.pairs import members_of_pairs_with
from models.people import Participant
from models.upcoming import HORIZON, Upcoming
from scheduler.nudges import PLANNERS, settle
from scheduler.planning import (
    PairTarget,
    PlannedDelivery,
    Scope,
    ScopedPlanner,
    UserTarget,
    send_order,
)
from scheduler.spacing import SPACING

# Why a nudge waits a few minutes: another to this person goes just before it.
SPACED = "another message to you just before"


def _for(person: Participant, planned: PlannedDelivery) -> bool:
    target = planned.target
    if isinstance(target, PairTarget):
        return person.user_id in target.user_ids
    if isinstance(target, UserTarget):
        return target.participant_id == person.id
    return False


def scope_of(session: Session, person: Participant, until: datetime) -> Scope:
    """The person and the members of their pairs: what every planner narrows its reading to."""
    return Scope(
        person.id,
        person.user_id,
        person.team_id,
        members_of_pairs_with(session, person.id),
        until,
        welcome_asked=person.welcome_due_at is not None,
    )


def preview(
    session: Session,
    person: Participant,
    now: datetime,
    planners: Sequence[ScopedPlanner] = PLANNERS,
) -> list[Upcoming]:
    """What Buddy will send `person` from `now` to two weeks on, soonest first."""
    scope = scope_of(session, person, now + HORIZON)
    planned = [p for planner in planners for p in planner(session, now, scope)]
    reach = {person.id} | {m.id for members in scope.members.values() for m in members}
    return upcoming_for(session, person, planned, now, sorted(reach))


def upcoming_for(
    session: Session,
    person: Participant,
    called_for: Iterable[PlannedDelivery],
    now: datetime,
    among: Sequence[int] | None = None,
) -> list[Upcoming]:
    """Of what the planners called for, what goes to `person` in the next two weeks and is not
    sent yet (the first of each key), soonest first, settled as a pass settles it."""
    found: dict[str, PlannedDelivery] = {}
    end = now + HORIZON
    for delivery in called_for:
        if delivery.key not in found and _for(person, delivery):
            found[delivery.key] = delivery
    # Found by key alone, which is unique: with the status too, SQLite would read every row
    # of that status instead.
    done: set[str] = set()
    if found:
        done = {
            row.key
            for row in session.execute(
                select(Delivery.key, Delivery.status).where(Delivery.key.in_(list(found)))
            )
            if row.status in (SENT, SKIPPED, FAILED)
        }
    waiting = {key: p for key, p in found.items() if key not in done}
    held = settle(session, waiting, now, among)
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
