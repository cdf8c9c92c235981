"""The platform's news about people and the install: a person who left (Slack's `user_change`
with `deleted: true`), the app uninstalled or its tokens revoked, and any later request from the
workspace, which means it is back. Each front end reads its own events (Slack's in
`frontends/slack/events.py`) and calls these.

Slack retries events; bot/once.py applies each event_id once, and the rules are idempotent too.
"""

from __future__ import annotations

import logging

from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.outlet import Outlet
from handlers.views.lifecycle import (
    build_leaver_buddy_notice,
    build_leaver_facilitator_notice,
    build_leaver_group_notice,
)
from models.base import workspace_words
from models.lifecycle import (
    facilitators_of,
    record_leaver,
    record_return,
    resume_sending,
    stop_sending,
)

logger = logging.getLogger(__name__)

SUBCOMMANDS: list[Subcommand] = []


def person_changed(deps: Deps, outlet: Outlet, team: str, user_id: str, *, left: bool) -> None:
    """Someone left (their buddies, facilitators and groups are told, after the ack) or is back."""
    with deps.session() as session:
        if not left:
            record_return(session, team, user_id)
            return
        departure = record_leaver(session, team, user_id, deps.clock.now())
        if departure is None:
            return
        buddies, goes_on, groups = departure.buddies, departure.pair_goes_on, departure.groups
        small_groups = [g.channel_id for g in groups if g.too_small]
        facilitators = facilitators_of(session, deps.facilitators, team)

    where = workspace_words(team)

    def tell() -> None:
        if buddies:
            outlet.tell_people(buddies, build_leaver_buddy_notice(user_id, goes_on, where))
        outlet.tell_people(
            facilitators,
            build_leaver_facilitator_notice(user_id, buddies, goes_on, where, small_groups),
        )
        for group in (g for g in groups if g.remaining):
            notice = build_leaver_group_notice(
                user_id, list(group.remaining), group.too_small, where
            )
            outlet.tell_people([group.channel_id], notice)

    deps.background.submit(tell)


def installation_ended(deps: Deps, team: str, because: str) -> None:
    """Uninstalled, or its tokens revoked: nothing more is sent to that workspace."""
    with deps.session() as session:
        if stop_sending(session, team, because, deps.clock.now()):
            logger.info("Sending stopped for workspace %s (%s)", team, because)


def heard_from(deps: Deps, team: str) -> None:
    """Any request from a workspace other than its goodbye means Buddy is installed there."""
    with deps.session() as session:
        if resume_sending(session, team):
            logger.info("Sending resumed for workspace %s: it is installed again", team)
