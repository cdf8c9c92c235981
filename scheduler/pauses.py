"""Recipients' personal pauses on every proactive nudge, whatever planned it: each delivery's
`Holding` gains the pauses of the people it goes to, so it waits until the first allowed moment
after them (a nudge whose moment is fixed, such as a prep before a meeting, is then skipped as
pointless; a chase moves its expiry on with it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.pairs import Pair
from models.pauses import pauses_by_person
from models.people import Participant, Person
from scheduler.planning import PairTarget, PlannedDelivery, Target, UserTarget

# Pauses that ended this long ago can hold nothing a pass still plans.
LOOK_BACK = timedelta(weeks=9)


def recipients(target: Target) -> tuple[str, ...]:
    if isinstance(target, PairTarget):
        return target.user_ids
    if isinstance(target, UserTarget):
        return (target.user_id,)
    return ()  # a channel post belongs to the channel's event, not to one person


def workspaces_of(session: Session, targets: Iterable[Target]) -> dict[Target, str]:
    """The workspace (Slack team, Teams tenant) of each pair's or person's target, two reads at
    most: a user id names a person only within their workspace."""
    targets = list(targets)
    pair_ids = sorted({t.pair_id for t in targets if isinstance(t, PairTarget)})
    person_ids = sorted({t.participant_id for t in targets if isinstance(t, UserTarget)})
    pairs = dict(
        session.execute(select(Pair.id, Pair.team_id).where(Pair.id.in_(pair_ids))).tuples().all()
        if pair_ids
        else []
    )
    people = dict(
        session.execute(
            select(Participant.id, Participant.team_id).where(Participant.id.in_(person_ids))
        )
        .tuples()
        .all()
        if person_ids
        else []
    )
    found: dict[Target, str] = {}
    for target in targets:
        if isinstance(target, PairTarget) and target.pair_id in pairs:
            found[target] = pairs[target.pair_id]
        elif isinstance(target, UserTarget) and target.participant_id in people:
            found[target] = people[target.participant_id]
    return found


def people_of(target: Target, workspaces: dict[Target, str]) -> tuple[Person, ...]:
    """Who a target reaches, each in the target's workspace."""
    team = workspaces.get(target)
    return () if team is None else tuple((team, user) for user in recipients(target))


def hold_for_pauses(
    session: Session, planned: dict[str, PlannedDelivery], now: datetime
) -> dict[str, PlannedDelivery]:
    held = [p for p in planned.values() if p.holding is not None]
    workspaces = workspaces_of(session, (p.target for p in held)) if held else {}
    pauses = pauses_by_person(
        session,
        [person for p in held for person in people_of(p.target, workspaces)],
        (now - LOOK_BACK).date(),
    )
    if not pauses:
        return planned
    found = dict(planned)
    for p in held:
        assert p.holding is not None
        extra = tuple(
            span
            for person in people_of(p.target, workspaces)
            for span in pauses.get(person, ())
            if span not in p.holding.pauses
        )
        if not extra:
            continue
        paused = replace(p, holding=replace(p.holding, pauses=p.holding.pauses + extra))
        if p.expiry_follows_hold and p.expires_at is not None:
            moved = paused.send_at() - p.send_at()
            paused = replace(paused, expires_at=p.expires_at + moved)
        found[p.key] = paused
    return found
