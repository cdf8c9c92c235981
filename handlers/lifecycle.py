"""Slack's news about people and the install: a user deactivated (`user_change` with
`deleted: true`), the app uninstalled or its tokens revoked (`app_uninstalled`,
`tokens_revoked`), and any later request from the workspace, which means it is back.

Slack retries events; bot/once.py applies each event_id once, and the rules are idempotent too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from handlers.slack.channels import tell_people
from handlers.slack.commands import Subcommand
from handlers.slack.deps import CONTEXT_KEY, Deps, deps_from
from handlers.views.lifecycle import (
    build_leaver_buddy_notice,
    build_leaver_facilitator_notice,
    build_leaver_group_notice,
)
from models.lifecycle import (
    TOKENS_REVOKED,
    UNINSTALLED,
    facilitators_of,
    record_leaver,
    record_return,
    resume_sending,
    stop_sending,
)

logger = logging.getLogger(__name__)

SUBCOMMANDS: list[Subcommand] = []


def _team(body: dict[str, Any]) -> str:
    team = body.get("team")
    found = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    if not found and isinstance(body.get("user"), dict):
        found = body["user"].get("team_id")
    return str(found or "")


def user_changed(
    body: dict[str, Any], event: dict[str, Any], context: Any, client: WebClient
) -> None:
    deps = deps_from(context)
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return
    team = str(user.get("team_id") or _team(body))
    user_id = user["id"]
    with deps.session() as session:
        if not user.get("deleted"):
            record_return(session, team, user_id)
            return
        departure = record_leaver(session, team, user_id, deps.clock.now())
        if departure is None:
            return
        buddies, goes_on, groups = departure.buddies, departure.pair_goes_on, departure.groups
        small_groups = [g.channel_id for g in groups if g.too_small]
        facilitators = facilitators_of(session, deps.facilitators, team)

    def tell() -> None:
        if buddies:
            tell_people(client, buddies, build_leaver_buddy_notice(user_id, goes_on))
        tell_people(
            client,
            facilitators,
            build_leaver_facilitator_notice(user_id, buddies, goes_on, small_groups),
        )
        for group in (g for g in groups if g.remaining):
            notice = build_leaver_group_notice(user_id, list(group.remaining), group.too_small)
            tell_people(client, [group.channel_id], notice)

    deps.background.submit(tell)


def _stopper(because: str) -> Callable[..., None]:
    def stopped(body: dict[str, Any], context: Any) -> None:
        deps = deps_from(context)
        team = _team(body)
        with deps.session() as session:
            if stop_sending(session, team, because, deps.clock.now()):
                logger.info("Sending stopped for workspace %s (%s)", team, because)

    stopped.__name__ = f"on_{because}"
    return stopped


def _back_again(
    body: dict[str, Any], context: Any, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """Any request from a workspace other than its goodbye means Buddy is installed there."""
    event = body.get("event")
    kind = event.get("type") if isinstance(event, dict) else None
    team = _team(body)
    deps = context.get(CONTEXT_KEY)
    if team and kind not in (UNINSTALLED, TOKENS_REVOKED) and isinstance(deps, Deps):
        with deps.session() as session:
            if resume_sending(session, team):
                logger.info("Sending resumed for workspace %s: it is installed again", team)
    return next()


def register(app: App) -> None:
    app.middleware(_back_again)
    app.event("user_change")(user_changed)
    app.event(UNINSTALLED)(_stopper(UNINSTALLED))
    app.event(TOKENS_REVOKED)(_stopper(TOKENS_REVOKED))
