"""The one global error handler: log the traceback, tell the person in one friendly line."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from conversation.replies import SOMETHING_WENT_WRONG
from frontends.slack.acks import ephemeral_ack

logger = logging.getLogger(__name__)

# Set in a request's context once its signature has been checked (bot/web.py). Bolt runs this
# handler for errors in its own middleware too, signature checks included, so the flag (or
# Socket Mode, where Slack's own connection stands in for a signature) is what shows that
# the body came from Slack and the user id in it is worth a message.
SIGNATURE_VERIFIED = "buddy_signature_verified"
_TELL_USER_KINDS = ("block_actions", "view_submission", "shortcut")


def handle_error(
    error: Exception, body: dict[str, Any], request: BoltRequest, client: WebClient
) -> BoltResponse:
    logger.error("Unhandled error in a Slack listener", exc_info=error)
    if not isinstance(body, dict):
        return BoltResponse(status=200, body="")
    if body.get("command"):
        return ephemeral_ack(SOMETHING_WENT_WRONG)
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    if (
        body.get("type") in _TELL_USER_KINDS
        and isinstance(user_id, str)
        and user_id
        and _from_slack(request)
    ):
        _tell_user(client, user_id)
    return BoltResponse(status=200, body="")


def _from_slack(request: BoltRequest) -> bool:
    return request.mode == "socket_mode" or request.context.get(SIGNATURE_VERIFIED) is True


def _tell_user(client: WebClient, user_id: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=SOMETHING_WENT_WRONG)
    except Exception:
        logger.exception("Could not tell %s that something went wrong", user_id)


def register(app: App) -> None:
    app.error(handle_error)
