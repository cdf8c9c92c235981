"""What the feature listeners get from the transport: their answers reach Teams as sent, their
blocking work leaves the loop, and a listener that takes too long does not hold Teams up."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontends.teams.addresses import TeamsPerson
from frontends.teams.deps import off_loop
from frontends.teams.inbound import TeamsInbound
from tests.teams_http import ALICE, TeamsClientForTests


def test_an_invoke_listener_answers_with_its_body_and_sees_the_sender_kept(
    teams: TeamsClientForTests, teams_inbound: TeamsInbound, sessions: sessionmaker[Session]
) -> None:
    from microsoft_teams.api.activities.invoke.tab import TabFetchInvokeActivity
    from microsoft_teams.apps import ActivityContext

    def names() -> list[str | None]:
        with sessions() as session:
            return [p.display_name for p in session.scalars(select(TeamsPerson))]

    @teams_inbound.runtime.app.on_tab_open
    async def home(ctx: ActivityContext[TabFetchInvokeActivity]) -> dict[str, Any]:
        # The transport's middleware ran first: the sender is already kept.
        return {"tab": {"type": "continue", "value": {"cards": []}}, "seen": await off_loop(names)}

    result = teams.post(teams.tab_fetch(ALICE))
    assert result.status == 200
    assert result.json() == {
        "tab": {"type": "continue", "value": {"cards": []}},
        "seen": ["Alice Example"],
    }


def test_a_listener_too_slow_gets_503_and_the_next_request_is_answered(
    teams: TeamsClientForTests, teams_inbound: TeamsInbound
) -> None:
    from microsoft_teams.api.activities.message import MessageActivity
    from microsoft_teams.apps import ActivityContext

    never = asyncio.Event()

    @teams_inbound.runtime.app.on_message
    async def stuck(ctx: ActivityContext[MessageActivity]) -> None:
        if ctx.activity.text == "stuck":
            await never.wait()

    teams_inbound.timeout = 0.5
    assert teams.post(teams.message("stuck")).status == 503
    assert teams.post(teams.message("fine")).status == 200
