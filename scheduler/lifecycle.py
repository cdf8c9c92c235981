"""Who the clock sends nothing to: people Slack reported deactivated (their nudges are no longer
planned) and workspaces that uninstalled Buddy or revoked its tokens (their nudges wait, quietly,
until it is installed again)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from models.lifecycle import leavers_among, stopped_teams
from scheduler.planning import PlannedDelivery, UserTarget
from scheduler.workspaces import people_of, workspaces_of


def without_leavers(
    session: Session, planned: dict[str, PlannedDelivery]
) -> dict[str, PlannedDelivery]:
    """A nudge to a leaver's own DM is not planned any more (their pair ended when they left)."""
    own = [p.target for p in planned.values() if isinstance(p.target, UserTarget)]
    if not own:
        return planned
    workspaces = workspaces_of(session, own)
    gone = leavers_among(session, [person for t in own for person in people_of(t, workspaces)])
    if not gone:
        return planned
    others = (p.target for p in planned.values() if not isinstance(p.target, UserTarget))
    workspaces |= workspaces_of(session, others)
    return {k: p for k, p in planned.items() if not set(people_of(p.target, workspaces)) & gone}


def held_for_workspace(session: Session, planned: Iterable[PlannedDelivery]) -> set[str]:
    """Keys of deliveries to a workspace where sending is stopped: neither sent nor given up."""
    stopped = stopped_teams(session)
    if not stopped:
        return set()
    deliveries = list(planned)
    workspaces = workspaces_of(session, (p.target for p in deliveries))
    # One workspace per install for now: a delivery whose workspace is unknown waits too.
    return {
        p.key for p in deliveries if (team := workspaces.get(p.target)) is None or team in stopped
    }
