"""Teams' side of the web process: the SDK's runtime with Buddy's features registered on it.

Built from the same dependencies, router and handler tables as the Slack app (`bot/app.py`), so
every command, button and form is the one feature in both front ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.listeners import all_handlers, build_router
from conversation.deps import Deps
from handlers import welcome
from handlers.home import home_view

if TYPE_CHECKING:
    from bot.settings import TeamsSettings
    from frontends.teams.inbound import TeamsInbound
    from frontends.teams.sdk import LoopThread


def create_teams_endpoint(
    settings: TeamsSettings, deps: Deps, loop: LoopThread | None = None
) -> TeamsInbound:
    """`POST /api/messages`: the SDK imported (seconds), every listener registered, started."""
    from frontends.teams import listeners
    from frontends.teams.connector import TeamsConnector
    from frontends.teams.deps import TeamsDeps
    from frontends.teams.front import TeamsFront
    from frontends.teams.inbound import TeamsInbound
    from frontends.teams.sdk import create_runtime

    runtime = create_runtime(settings, loop)
    front = TeamsFront(deps, build_router(), all_handlers(), first_contact=welcome.greet)
    listeners.register(
        runtime.app,
        TeamsDeps(sessions=deps.sessions, clock=deps.clock, facilitators=deps.facilitators),
        front,
        TeamsConnector(runtime),
        home_view,
    )
    runtime.start()
    return TeamsInbound(runtime)
