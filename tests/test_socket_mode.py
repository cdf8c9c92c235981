"""Socket Mode: no signatures to check, but the same shape check and the same once-only rule."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import App
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.cli import main as bot_main
from bot.settings import Settings
from bot.socket_mode import handle_socket_request
from models.clock import SettableClock
from tests.conftest import InlineExecutor
from tests.fake_slack import FakeSlack
from tests.slack_http import TEAM_ID
from tests.test_actions_http import actions, paired


class RecordingSocketClient:
    """Stands in for the socket: keeps what Buddy sends back for each envelope."""

    def __init__(self, logger: Any) -> None:
        self.logger = logger
        self.responses: list[SocketModeResponse] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


@pytest.fixture
def socket_app(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> App:
    return create_app(settings, sessions=sessions, clock=clock, listener_executor=InlineExecutor())


def _command(trigger_id: str, response_url: str) -> SocketModeRequest:
    return SocketModeRequest(
        type="slash_commands",
        envelope_id=f"env-{trigger_id}",
        payload={
            "team_id": TEAM_ID,
            "channel_id": "CCOHORT",
            "user_id": "UALICE",
            "command": "/buddy",
            "text": "action Try exit tickets",
            "trigger_id": trigger_id,
            "response_url": response_url,
        },
    )


def test_a_command_over_socket_mode_is_answered_without_a_signature(
    socket_app: App, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    paired(sessions)
    socket = RecordingSocketClient(socket_app.logger)
    handle_socket_request(socket_app, socket, _command("T-sock-1", fake_slack.response_url()))
    [response] = socket.responses
    assert response.envelope_id == "env-T-sock-1"
    assert "Recorded action 1: Try exit tickets" in (response.payload or {})["text"]
    assert len(actions(sessions)) == 1


def test_a_malformed_socket_mode_payload_is_acked_quietly(
    socket_app: App, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    socket = RecordingSocketClient(socket_app.logger)
    request = SocketModeRequest(
        type="interactive",
        envelope_id="env-bad",
        payload={"type": "block_actions", "user": "UBOB", "actions": [], "trigger_id": "T-x"},
    )
    handle_socket_request(socket_app, socket, request)
    [response] = socket.responses  # acked, so that Slack does not send it again
    assert response.envelope_id == "env-bad"
    assert response.payload is None
    assert fake_slack.calls == []
    assert caplog.text.count("Refused a Socket Mode payload") == 1


def test_a_command_resent_over_socket_mode_is_applied_once(
    socket_app: App, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    paired(sessions)
    socket = RecordingSocketClient(socket_app.logger)
    for _ in range(2):
        handle_socket_request(socket_app, socket, _command("T-sock", fake_slack.response_url()))
    first, second = ((r.payload or {})["text"] for r in socket.responses)
    assert "Recorded action 1: Try exit tickets" in first
    assert "already" in second
    assert len(actions(sessions)) == 1


def test_an_app_token_slack_refuses_stops_socket_mode_with_a_plain_sentence(
    fake_slack: FakeSlack, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong xapp- token: said plainly at start, naming the setting and what to do."""
    fake_slack.fail_next("apps.connections.open", error="invalid_auth")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-not-this-one",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
    }
    assert bot_main(["socket"], env) == 2
    err = capsys.readouterr().err
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in err
    assert "connections:write" in err
    assert "Traceback" not in err
    assert [call.method for call in fake_slack.calls] == ["auth.test", "apps.connections.open"]
