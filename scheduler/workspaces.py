"""Which workspace (a Slack team, a Teams tenant) each delivery's target is in, and so who it
reaches: a user id names a person only within their workspace (Enterprise Grid gives one person
the same id in every workspace of the org). One read per kind of target, whatever the plan."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.community.tables import CommunityGroup
from models.pairs import Pair
from models.people import Participant, Person
from scheduler.planning import ChannelTarget, PairTarget, Target, UserTarget, recipients


def workspaces_of(session: Session, targets: Iterable[Target]) -> dict[Target, str]:
    """The workspace of each target found (a pair's, a person's, a community group's channel)."""
    targets = list(targets)
    pair_ids = sorted({t.pair_id for t in targets if isinstance(t, PairTarget)})
    person_ids = sorted({t.participant_id for t in targets if isinstance(t, UserTarget)})
    channels = sorted({t.channel_id for t in targets if isinstance(t, ChannelTarget)})
    pairs: dict[int, str] = {}
    if pair_ids:
        pairs = dict(
            session.execute(select(Pair.id, Pair.team_id).where(Pair.id.in_(pair_ids)))
            .tuples()
            .all()
        )
    people: dict[int, str] = {}
    if person_ids:
        people = dict(
            session.execute(
                select(Participant.id, Participant.team_id).where(Participant.id.in_(person_ids))
            )
            .tuples()
            .all()
        )
    groups: dict[str, str] = {}
    if channels:
        groups = dict(
            session.execute(
                select(CommunityGroup.channel_id, CommunityGroup.team_id).where(
                    CommunityGroup.channel_id.in_(channels)
                )
            )
            .tuples()
            .all()
        )
    found: dict[Target, str] = {}
    for target in targets:
        if isinstance(target, PairTarget):
            team = pairs.get(target.pair_id)
        elif isinstance(target, UserTarget):
            team = people.get(target.participant_id)
        else:
            team = groups.get(target.channel_id)
        if team is not None:
            found[target] = team
    return found


def people_of(target: Target, workspaces: dict[Target, str]) -> tuple[Person, ...]:
    """Who a target reaches, each in the target's workspace (none for a channel post)."""
    team = workspaces.get(target)
    return () if team is None else tuple((team, user) for user in recipients(target))
