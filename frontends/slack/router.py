"""The `/buddy` slash command: find the subcommand, answer in the ack, then any slow work."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from conversation.deps import deps_from
from conversation.outlet import Outlet
from conversation.requests import Command, decide
from conversation.router import RUN_SUGGESTED, FirstContact, Router
from frontends.slack.answers import after_ack, command_deliver, command_from_body, on_button
from frontends.slack.blockkit import draw_reply
from frontends.slack.outlet import SlackOutlet

logger = logging.getLogger(__name__)


def register(app: App, router: Router, first_contact: FirstContact | None = None) -> None:
    def buddy(
        ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        """Answer in the ack's own body; slow work follows through the response_url."""
        deps = deps_from(context)
        command = command_from_body(body, deps, client)
        answer = decide(lambda: router.answer(command), f"/buddy {command.name}")
        if answer.reply is not None:
            ack(**draw_reply(answer.reply))
        else:
            ack()
        later = replace(answer, reply=None, view_response=None)
        outlet = SlackOutlet(client, command.team_id)
        what = f"/buddy {command.name}"
        after_ack(deps, outlet, later, command_deliver(respond), what, command.trigger_id)
        if first_contact is not None:
            deps.background.submit(_safely, first_contact, outlet, command)

    app.command("/buddy")(buddy)
    on_button(app, RUN_SUGGESTED, router.run_suggested)


def _safely(first_contact: FirstContact, outlet: Outlet, command: Command) -> None:
    try:
        first_contact(outlet, command)
    except Exception:
        logger.exception("Could not welcome the people of /buddy %s", command.name)
