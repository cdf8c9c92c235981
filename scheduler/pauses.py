"""Recipients' personal pauses on every proactive nudge, whatever planned it: each delivery's
`Holding` gains the pauses of the people it goes to, so it waits until the first allowed moment
after them (a nudge whose moment is fixed, such as a prep before a meeting, is then skipped as
pointless; a chase moves its expiry on with it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models.pauses import pauses_by_person
from scheduler.planning import PlannedDelivery
from scheduler.workspaces import people_of, workspaces_of

# Pauses that ended this long ago can hold nothing a pass still plans.
LOOK_BACK = timedelta(weeks=9)


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
