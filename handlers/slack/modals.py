"""Opening a modal after the ack, with the trigger Slack gave the command or the button."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from conversation.blocks import Form
from frontends.slack.blockkit import draw_view
from handlers.slack.answers import SlowWork
from handlers.slack.replies import Reply, ephemeral

logger = logging.getLogger(__name__)

TOO_SLOW_TO_OPEN = (
    "I couldn't open the form just now (Slack allows only a few seconds). Please try again."
)


def open_modal(trigger_id: str | None, view: Form) -> SlowWork:
    """Slow work: `views.open`; the person hears in one line if Slack refused it."""

    def show(client: WebClient) -> Reply | None:
        if not trigger_id:
            return ephemeral(TOO_SLOW_TO_OPEN)
        try:
            client.views_open(trigger_id=trigger_id, view=draw_view(view))
        except SlackApiError:
            logger.exception("Could not open the %s modal", view.intent)
            return ephemeral(TOO_SLOW_TO_OPEN)
        return None

    return show
