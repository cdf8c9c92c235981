"""When a listener breaks, the person gets one friendly line and the traceback goes to the log:
in the ack, after the ack, and from a button, through the one error path."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from slack_sdk import WebClient

from bot import listeners
from conversation.commands import Subcommand
from conversation.outlet import Outlet
from conversation.replies import SOMETHING_WENT_WRONG, Reply, ephemeral
from conversation.requests import Answer, Command, Handlers, Press
from frontends.slack.errors import SIGNATURE_VERIFIED, handle_error
from frontends.slack.outlet import SlackOutlet
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests


def _explode(command: Command) -> Reply:
    raise RuntimeError("quick subcommand broke")


def _explode_later(command: Command) -> Answer:
    def later(outlet: Outlet) -> Reply:
        assert isinstance(outlet, SlackOutlet)
        outlet.client.auth_test()  # reaches the fake Slack through SLACK_API_URL
        raise RuntimeError("slow subcommand broke")

    return Answer(then=later)


def _who_am_i(command: Command) -> Answer:
    def who(outlet: Outlet) -> Reply:
        assert isinstance(outlet, SlackOutlet)
        return ephemeral(f"You are talking to {outlet.client.auth_test()['user_id']}")

    return Answer(then=who)


def _broken_button(press: Press) -> Reply:
    raise RuntimeError("button broke")


def _button_broken_later(press: Press) -> Answer:
    def later(outlet: Outlet) -> None:
        raise RuntimeError("button broke after the ack")

    return Answer(then=later)


BROKEN = types.SimpleNamespace(
    SUBCOMMANDS=[
        Subcommand("boom", "/buddy boom", "breaks", "Help", handle=_explode),
        Subcommand("later", "/buddy later", "breaks later", "Help", handle=_explode_later),
        Subcommand("whoami", "/buddy whoami", "asks Slack", "Help", handle=_who_am_i),
    ],
    HANDLERS=Handlers(
        buttons={"broken_button": _broken_button, "broken_later": _button_broken_later}
    ),
)


@pytest.fixture(autouse=True)
def _broken_feature(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(listeners, "FEATURES", (*listeners.FEATURES, BROKEN))
    yield


def test_a_broken_quick_subcommand_answers_with_one_friendly_line(
    slack: SlackClientForTests, caplog: pytest.LogCaptureFixture
) -> None:
    result = slack.command("boom")
    assert result.status == 200
    assert result.json()["text"] == SOMETHING_WENT_WRONG
    assert "quick subcommand broke" in caplog.text
    assert "Traceback" in caplog.text


def test_a_broken_slow_subcommand_tells_the_user_through_the_response_url(
    slack: SlackClientForTests, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    result = slack.command("later")
    assert result.status == 200
    assert fake_slack.calls_to("auth.test")
    assert fake_slack.response_posts[-1]["text"] == SOMETHING_WENT_WRONG
    assert "slow subcommand broke" in caplog.text
    assert "Traceback" in caplog.text


def test_slow_work_answers_after_the_ack_through_the_fake_slack(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.command("whoami")
    assert result.status == 200
    assert result.body == ""  # acked at once, the answer follows
    assert fake_slack.response_posts[-1]["text"] == "You are talking to UBUDDYBOT"
    assert fake_slack.calls_to("auth.test")[0].headers["authorization"] == "Bearer xoxb-test"


@pytest.mark.parametrize(
    ("action_id", "logged"),
    [("broken_button", "button broke"), ("broken_later", "button broke after the ack")],
)
def test_a_broken_button_is_acknowledged_and_the_user_is_told(
    action_id: str,
    logged: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = slack.block_action(action_id, user="UBOB")
    assert result.status == 200
    told = [post.get("text") for post in fake_slack.response_posts]
    told += [c.params.get("text") for c in fake_slack.calls_to("chat.postMessage")]
    assert SOMETHING_WENT_WRONG in told
    assert logged in caplog.text
    assert "Traceback" in caplog.text


def _request(body: dict[str, Any], *, verified: bool) -> BoltRequest:
    context = {SIGNATURE_VERIFIED: True} if verified else None
    return BoltRequest(body=urlencode({"payload": json.dumps(body)}), context=context)


BUTTON = {"type": "block_actions", "user": {"id": "UBOB"}, "actions": [{"action_id": "a"}]}


def test_the_error_handler_tells_the_user_only_when_slack_signed_the_body(
    fake_slack: FakeSlack,
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    error = RuntimeError("boom")
    handle_error(error, BUTTON, _request(BUTTON, verified=False), client)
    assert fake_slack.calls == []
    handle_error(error, BUTTON, BoltRequest(body=BUTTON, mode="socket_mode"), client)
    handle_error(error, BUTTON, _request(BUTTON, verified=True), client)
    assert [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["UBOB"] * 2


@pytest.mark.parametrize("user", ["UBOB", ["UBOB"], {"id": ["UBOB"]}, {"id": ""}, None, 7])
def test_the_error_handler_survives_a_user_that_is_not_an_object_with_an_id(
    user: object, fake_slack: FakeSlack
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    body = {**BUTTON, "user": user}
    response = handle_error(RuntimeError("boom"), body, _request(BUTTON, verified=True), client)
    assert response.status == 200
    assert fake_slack.calls == []
