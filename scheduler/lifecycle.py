"""Who the clock sends nothing to: people Slack reported deactivated (their nudges are no longer
planned) and workspaces that uninstalled Buddy or revoked its tokens (their nudges wait, quietly,
until it is installed again)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.community.tables import CommunityGroup
from models.lifecycle import leavers_among, stopped_teams
from models.pairs import Pair
from models.people import Participant
from scheduler.pauses import people_of, workspaces_of
from scheduler.planning import ChannelTarget, PairTarget, PlannedDelivery, UserTarget


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
    workspaces = workspaces_of(session, (p.target for p in planned.values()))
    return {k: p for k, p in planned.items() if not set(people_of(p.target, workspaces)) & gone}


def held_for_workspace(session: Session, planned: Iterable[PlannedDelivery]) -> set[str]:
    """Keys of deliveries to a workspace where sending is stopped: neither sent nor given up."""
    stopped = stopped_teams(session)
    if not stopped:
        return set()
    deliveries = list(planned)
    pair_ids = {p.target.pair_id for p in deliveries if isinstance(p.target, PairTarget)}
    person_ids = {p.target.participant_id for p in deliveries if isinstance(p.target, UserTarget)}
    channels = {p.target.channel_id for p in deliveries if isinstance(p.target, ChannelTarget)}
    pair_team = dict(
        session.execute(select(Pair.id, Pair.team_id).where(Pair.id.in_(pair_ids))).tuples().all()
    )
    person_team = dict(
        session.execute(
            select(Participant.id, Participant.team_id).where(Participant.id.in_(person_ids))
        )
        .tuples()
        .all()
    )
    channel_team = dict(
        session.execute(
            select(CommunityGroup.channel_id, CommunityGroup.team_id).where(
                CommunityGroup.channel_id.in_(channels)
            )
        )
        .tuples()
        .all()
    )
    held: set[str] = set()
    for p in deliveries:
        target = p.target
        if isinstance(target, PairTarget):
            team = pair_team.get(target.pair_id)
        elif isinstance(target, UserTarget):
            team = person_team.get(target.participant_id)
        else:
            team = channel_team.get(target.channel_id)
        # One workspace per install for now: a delivery whose workspace is unknown waits too.
        if team is None or team in stopped:
            held.add(p.key)
    return held
