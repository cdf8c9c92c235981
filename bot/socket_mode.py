"""Socket Mode: Slack's own connection carries each payload, so there is no signature to check,
but a payload still meets the same shape check as over HTTP before Bolt sees it."""

from __future__ import annotations

import logging
from time import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.settings import SettingsError
from bot.shapes import problem_with

logger = logging.getLogger(__name__)


def handle_socket_request(app: App, client: Any, request: SocketModeRequest) -> None:
    """Acknowledge a malformed payload quietly (so Slack does not resend it); dispatch the rest."""
    started = time()
    problem = problem_with(request.payload)
    if problem is not None:
        logger.warning("Refused a Socket Mode payload that Buddy cannot read: %s", problem)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        return
    response: BoltResponse = run_bolt_app(app, request)
    send_response(client, request, response, started)


class CheckedSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler with the shape check in front, and a plain sentence (not a
    traceback) when Slack will not open the connection at start, as for a wrong SLACK_APP_TOKEN."""

    def connect(self) -> None:
        try:
            super().connect()  # type: ignore[no-untyped-call]
        except SlackApiError as error:
            reason = error.response.get("error", "an error") if error.response else "an error"
            raise SettingsError(
                f"Slack refused SLACK_APP_TOKEN ({reason}), so Buddy cannot connect over Socket "
                "Mode. Under Basic Information → App-Level Tokens in your app's settings, make a "
                "token with the connections:write scope and put it (xapp-...) in .env as "
                "SLACK_APP_TOKEN; the app must have Socket Mode on (manifest-socket.yml). To use "
                "HTTP instead, leave SLACK_APP_TOKEN out and set SLACK_SIGNING_SECRET."
            ) from error
        except OSError as error:
            raise SettingsError(
                f"Couldn't reach Slack to open the Socket Mode connection ({error}). Is this "
                "machine online, and is SLACK_API_URL right?"
            ) from error

    def handle(self, client: Any, req: SocketModeRequest) -> None:
        handle_socket_request(self.app, client, req)
