"""Requests Slack did not sign, or signed but malformed: refused, and nobody hears of them."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.actions import CHASE_DONE
from tests.fake_slack import FakeSlack
from tests.slack_http import TEAM_ID, SlackClientForTests
from tests.test_actions_http import actions, paired

FORM = "application/x-www-form-urlencoded"


def _button_payload(user: str = "UBOB", **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "team": {"id": TEAM_ID, "domain": "school"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "trigger-untrusted",
        "actions": [{"type": "button", "action_id": CHASE_DONE, "block_id": "b", "value": "1"}],
        "channel": {"id": "DUBOB", "name": "directmessage"},
        "message": {"ts": "1700000000.000100", "text": "", "blocks": []},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "DUBOB"},
        "response_url": "http://127.0.0.1:9/response/r1",
    }
    payload.update(changes)
    return payload


def _form(payload: Any) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _command_form(text: str = "action Try exit tickets", user: str = "UALICE") -> str:
    return urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": "CCOHORT",
            "user_id": user,
            "command": "/buddy",
            "text": text,
            "trigger_id": "trigger-untrusted-command",
            "response_url": "http://127.0.0.1:9/response/r1",
        }
    )


def _now() -> str:
    return str(int(time.time()))


# Headers a forger can send without the secret. Each must be refused before anything reads the body.
FORGED_HEADERS: list[tuple[str, Any]] = [
    ("timestamp x", lambda: {"X-Slack-Request-Timestamp": "x", "X-Slack-Signature": "v0=00"}),
    ("empty timestamp", lambda: {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=00"}),
    ("timestamp 1e3", lambda: {"X-Slack-Request-Timestamp": "1e3", "X-Slack-Signature": "v0=00"}),
    ("hex timestamp", lambda: {"X-Slack-Request-Timestamp": "0x10", "X-Slack-Signature": "v0=0"}),
    ("decimal timestamp", lambda: {"X-Slack-Request-Timestamp": _now() + ".5"}),
    ("5000-digit timestamp", lambda: {"X-Slack-Request-Timestamp": "9" * 5000}),
    ("signed timestamp", lambda: {"X-Slack-Request-Timestamp": "+" + _now()}),
    ("underscored timestamp", lambda: {"X-Slack-Request-Timestamp": "1_" + _now()[1:]}),
    ("two timestamps", lambda: {"X-Slack-Request-Timestamp": f"{_now()}, {_now()}"}),
    ("non-ASCII signature", lambda: {"X-Slack-Signature": "v0=\xe9t\xe9"}),
    ("empty signature", lambda: {"X-Slack-Signature": ""}),
    ("wrong signature", lambda: {"X-Slack-Signature": "v0=" + "0" * 64}),
]


# One test per list, each case in turn: a fixture set per case would cost half a second each.


@pytest.mark.parametrize("kind", ["button", "command"])
def test_a_forged_request_gets_401_and_reaches_no_one(
    kind: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    paired(sessions)
    body = _form(_button_payload()) if kind == "button" else _command_form()
    wrong = []
    for case, headers in FORGED_HEADERS:
        result = slack.post(body, FORM, headers=headers())
        if result.status != 401 or fake_slack.calls or fake_slack.response_posts:
            wrong.append((case, result.status, [c.method for c in fake_slack.calls]))
        fake_slack.clear()
    assert wrong == []
    assert actions(sessions) == []


def test_a_request_without_any_signature_headers_gets_401(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.post(
        _form(_button_payload()),
        FORM,
        headers={"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
    )
    assert result.status == 401
    assert fake_slack.calls == []


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_more_than_five_minutes_away_gets_401(
    minutes: int, slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.post(_form(_button_payload()), FORM, timestamp=int(time.time()) + minutes * 60)
    assert result.status == 401
    assert fake_slack.calls == []


def test_a_timestamp_within_five_minutes_is_accepted(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.command("help", timestamp=int(time.time()) - 4 * 60)
    assert result.status == 200
    assert "/buddy help" in result.text


def test_bolt_internal_headers_from_outside_are_ignored(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    """Bolt's lazy-only headers would skip the ack; Slack never sends them, so nor may anyone."""
    paired(sessions)
    result = slack.command(
        "action Try exit tickets",
        headers={
            "X-Slack-Bolt-Lazy-Only": "1",
            "X-Slack-Bolt-Lazy-Function-Name": "buddy_after_ack",
        },
    )
    assert result.status == 200
    assert "Recorded action 1: Try exit tickets" in result.text


# Bodies Buddy's listeners must never see. Each is a str (a form or JSON) or raw bytes.
MALFORMED: list[tuple[str, str | bytes, str]] = [
    ("payload not JSON", urlencode({"payload": "{not json"}), FORM),
    ("payload empty", urlencode({"payload": ""}), FORM),
    ("payload a list", _form([_button_payload()]), FORM),
    ("payload null", _form(None), FORM),
    ("payload a string", _form("block_actions"), FORM),
    ("user a string", _form(_button_payload(user="UBOB") | {"user": "UBOB"}), FORM),
    ("user a list", _form(_button_payload() | {"user": ["UBOB"]}), FORM),
    ("user without id", _form(_button_payload() | {"user": {"name": "bob"}}), FORM),
    ("no user", _form({k: v for k, v in _button_payload().items() if k != "user"}), FORM),
    ("actions empty", _form(_button_payload(actions=[])), FORM),
    ("actions an object", _form(_button_payload(actions={"0": {"action_id": "x"}})), FORM),
    ("action a string", _form(_button_payload(actions=[CHASE_DONE])), FORM),
    ("action without id", _form(_button_payload(actions=[{"value": "1"}])), FORM),
    (
        "action value a list",
        _form(_button_payload(actions=[{"action_id": "x", "value": []}])),
        FORM,
    ),
    ("team a string", _form(_button_payload(team=TEAM_ID)), FORM),
    ("channel a string", _form(_button_payload(channel="DUBOB")), FORM),
    ("container a list", _form(_button_payload(container=[])), FORM),
    ("no trigger", _form({k: v for k, v in _button_payload().items() if k != "trigger_id"}), FORM),
    (
        "view a string",
        _form({**_button_payload(), "type": "view_submission", "view": "V1"}),
        FORM,
    ),
    (
        "state values a list",
        _form(
            {
                **_button_payload(),
                "type": "view_submission",
                "view": {"id": "V1", "callback_id": "c", "state": {"values": []}},
            }
        ),
        FORM,
    ),
    (
        "selected option a string",
        _form(
            {
                **_button_payload(),
                "type": "view_submission",
                "view": {
                    "id": "V1",
                    "callback_id": "c",
                    "state": {"values": {"b": {"b": {"selected_option": "x"}}}},
                },
            }
        ),
        FORM,
    ),
    ("JSON body a list", json.dumps([{"type": "event_callback"}]), "application/json"),
    ("JSON body not JSON", "{nope", "application/json"),
    (
        "event not an object",
        json.dumps({"type": "event_callback", "event_id": "Ev1", "event": "app_home_opened"}),
        "application/json",
    ),
    (
        "event without id",
        json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}),
        "application/json",
    ),
    (
        "unknown type, event a string",
        json.dumps({"type": "weird", "event": "x"}),
        "application/json",
    ),
    ("unknown type, event a list", json.dumps({"type": "weird", "event": [1]}), "application/json"),
    ("unknown type, event null", json.dumps({"type": "weird", "event": None}), "application/json"),
    (
        "unknown type, view a string",
        json.dumps({"type": "weird", "view": "V1"}),
        "application/json",
    ),
    ("event a list", json.dumps({"type": "event_callback", "event": [1]}), "application/json"),
    ("button with an event string", _form(_button_payload(event="x")), FORM),
    ("command with an event field", _command_form() + "&event=x", FORM),
    ("command without user", _command_form(user=""), FORM),
    ("neither a command nor a payload", urlencode({"user_id": "UBOB"}), FORM),
    ("not UTF-8", b"payload=\xff\xfe" + _form(_button_payload()).encode(), FORM),
]


def test_a_malformed_body_unsigned_gets_401(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    wrong = []
    for case, body, content_type in MALFORMED:
        result = slack.post(body, content_type, secret="not-the-secret")
        if result.status != 401 or fake_slack.calls:
            wrong.append((case, result.status, [c.method for c in fake_slack.calls]))
        fake_slack.clear()
    assert wrong == []


def test_a_malformed_body_signed_gets_400_logged_once_and_reaches_no_one(
    slack: SlackClientForTests, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    wrong = []
    for case, body, content_type in MALFORMED:
        caplog.clear()
        result = slack.post(body, content_type)
        refusals = [r for r in caplog.records if "Refused a signed request" in r.getMessage()]
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        if (
            result.status != 400
            or fake_slack.calls
            or fake_slack.response_posts
            or len(refusals) != 1
            or errors
            or "Traceback" in caplog.text
        ):
            wrong.append((case, result.status, [c.method for c in fake_slack.calls], caplog.text))
        fake_slack.clear()
    assert wrong == []


def test_a_well_formed_button_still_works(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """The control for the cases above: the same payload, whole and signed, is applied."""
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    [action] = actions(sessions)
    action_clicked = {"action_id": CHASE_DONE, "block_id": "b", "value": str(action.id)}
    payload = _button_payload(user="UALICE", actions=[action_clicked])
    payload["response_url"] = slack.response_url
    result = slack.interaction(payload)
    assert result.status == 200
    assert actions(sessions)[0].status == "done"
    told = [str(c.params.get("text")) for c in fake_slack.calls_to("chat.postMessage")]
    assert any("has done their action" in text for text in told)


def test_a_body_larger_than_slack_sends_is_refused_unread(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    body = _form(_button_payload() | {"padding": "x" * (1024 * 1024)})
    assert slack.post(body, FORM).status == 413
    assert fake_slack.calls == []


def test_other_paths_and_methods_are_not_found(app_url: str) -> None:
    for method, path in (("GET", "/slack/events"), ("POST", "/elsewhere"), ("POST", "/healthz")):
        request = urllib.request.Request(app_url + path, data=b"" if method == "POST" else None)
        request.method = method
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 404, (method, path)
