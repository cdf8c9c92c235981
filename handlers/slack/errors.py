"""The one global error handler: log the traceback, tell the person in one friendly line."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from handlers.slack.replies import SOMETHING_WENT_WRONG

logger = logging.getLogger(__name__)


def handle_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse:
    logger.error("Unhandled error in a Slack listener", exc_info=error)
    kind = body.get("type")
    if body.get("command"):
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": SOMETHING_WENT_WRONG}),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    user_id = (body.get("user") or {}).get("id")
    if kind in ("block_actions", "view_submission", "shortcut") and user_id:
        _tell_user(client, user_id)
    return BoltResponse(status=200, body="")


def _tell_user(client: WebClient, user_id: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=SOMETHING_WENT_WRONG)
    except Exception:
        logger.exception("Could not tell %s that something went wrong", user_id)


def register(app: App) -> None:
    app.error(handle_error)
