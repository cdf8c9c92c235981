"""What runs for an authenticated Teams activity: the one place that knows every Teams listener.

`register(app, deps)` is called once per process, before the App starts. Today it registers only
the transport's own middleware, which keeps where the sender is (`addresses.record_activity`)
before any feature's listener runs; the features add theirs here (`app.on_message`,
`app.on_card_action_execute(...)`, `app.on_dialog_open(...)`, ...), each a thin async shim whose
blocking work goes through `deps.off_loop`. An activity no listener takes is answered 200 with
no body: Teams is told it arrived, and nothing is done with it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from frontends.teams import addresses
from frontends.teams.deps import TeamsDeps, off_loop
from models.db import session_scope

if TYPE_CHECKING:
    from microsoft_teams.api.models.activity import Activity as ActivityBase
    from microsoft_teams.apps import ActivityContext, App

logger = logging.getLogger(__name__)


def register(app: App, deps: TeamsDeps) -> None:
    async def record_sender(ctx: ActivityContext[ActivityBase]) -> None:
        """Keep the sender's id, service URL, personal chat and zone, then let the features run."""
        activity = ctx.activity.model_dump(mode="json", by_alias=True, exclude_none=True)
        try:
            await off_loop(_record, deps, activity)
        except Exception:
            # Where someone is can be learnt from their next activity; what they asked for now
            # is still answered.
            logger.exception("Could not keep where a Teams sender is")
        await ctx.next()

    app.use(record_sender)


def _record(deps: TeamsDeps, activity: dict[str, Any]) -> None:
    with session_scope(deps.sessions) as session:
        addresses.record_activity(session, activity, deps.clock.now())
