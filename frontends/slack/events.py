"""Slack's events, read from Bolt's bodies and handed to the neutral handlers: Home opened
(`app_home_opened`), a person changed or deactivated (`user_change`), the app uninstalled or its
tokens revoked, and any request at all (a workspace heard from is installed again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from conversation.deps import CONTEXT_KEY, Deps, deps_from
from frontends.slack.outlet import SlackOutlet
from frontends.slack.payloads import is_goodbye
from handlers import home, lifecycle
from models.lifecycle import TOKENS_REVOKED, UNINSTALLED


def _team(body: dict[str, Any]) -> str:
    team = body.get("team")
    found = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    if not found and isinstance(body.get("user"), dict):
        found = body["user"].get("team_id")
    return str(found or "")


def home_opened(
    event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient
) -> None:
    if event.get("tab") not in (None, "home"):
        return
    user_id = event.get("user")
    team_id = body.get("team_id") or context.get("team_id")
    if not isinstance(user_id, str) or not isinstance(team_id, str):
        return
    home.show_home(deps_from(context), SlackOutlet(client, team_id), team_id, user_id)


def user_changed(
    body: dict[str, Any], event: dict[str, Any], context: Any, client: WebClient
) -> None:
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return
    team = str(user.get("team_id") or _team(body))
    lifecycle.person_changed(
        deps_from(context),
        SlackOutlet(client, team),
        team,
        user["id"],
        left=bool(user.get("deleted")),
    )


def _stopper(because: str, store: InstallationStore | None) -> Callable[..., None]:
    def stopped(body: dict[str, Any], context: Any) -> None:
        if store is not None:
            # Installed by OAuth: the whole installation goes, not only its bot as Bolt's own
            # listener would leave it (the clock would still find the installation's token).
            # A reinstall saves a new one.
            store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        lifecycle.installation_ended(deps_from(context), _team(body), because)

    stopped.__name__ = f"on_{because}"
    return stopped


def _back_again(
    body: dict[str, Any], context: Any, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """Any request from a workspace other than its goodbye means Buddy is installed there."""
    team = _team(body)
    deps = context.get(CONTEXT_KEY)
    if team and not is_goodbye(body) and isinstance(deps, Deps):
        lifecycle.heard_from(deps, team)
    return next()


def register(app: App) -> None:
    app.middleware(_back_again)
    app.event("app_home_opened")(home_opened)
    app.event("user_change")(user_changed)
    app.event(UNINSTALLED)(_stopper(UNINSTALLED, app.installation_store))
    app.event(TOKENS_REVOKED)(_stopper(TOKENS_REVOKED, app.installation_store))
