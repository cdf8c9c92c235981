"""The shape check lets every kind of body Slack really sends through, and stops the rest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.shapes import problem_with
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests

USER = {"id": "U1", "username": "alice", "name": "alice", "team_id": "T1"}
TEAM = {"id": "T1", "domain": "school"}

# Trimmed from payloads Slack documents (docs.slack.dev, "Reference: interaction payloads").
SLACK_SENDS: dict[str, dict[str, Any]] = {
    "slash command": {
        "token": "x",
        "team_id": "T1",
        "team_domain": "school",
        "channel_id": "C1",
        "channel_name": "cohort",
        "user_id": "U1",
        "user_name": "alice",
        "command": "/buddy",
        "text": "",
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T1/1/x",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    },
    "button in a message": {
        "type": "block_actions",
        "user": USER,
        "api_app_id": "A1",
        "token": "x",
        "container": {
            "type": "message",
            "message_ts": "1548261231.000200",
            "channel_id": "C1",
            "is_ephemeral": False,
        },
        "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": "C1", "name": "cohort"},
        "message": {"type": "message", "ts": "1548261231.000200", "text": "hi", "blocks": []},
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T1/1/x",
        "actions": [
            {
                "action_id": "chase_done",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Done", "emoji": True},
                "value": "7",
                "style": "primary",
                "type": "button",
                "action_ts": "1548426417.840180",
            }
        ],
    },
    "select in a modal": {
        "type": "block_actions",
        "user": USER,
        "team": None,
        "trigger_id": "1.2.3",
        "container": {"type": "view", "view_id": "V1"},
        "view": {
            "id": "V1",
            "team_id": "T1",
            "type": "modal",
            "callback_id": "wizard",
            "private_metadata": "",
            "hash": "1.abc",
            "state": {"values": {"b": {"b": {"type": "static_select", "selected_option": None}}}},
        },
        "actions": [
            {
                "type": "static_select",
                "action_id": "pick",
                "block_id": "b",
                "selected_option": {"text": {"type": "plain_text", "text": "A"}, "value": "a"},
                "action_ts": "1.2",
            }
        ],
    },
    "view submission": {
        "type": "view_submission",
        "team": TEAM,
        "user": USER,
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V1",
            "team_id": "T1",
            "type": "modal",
            "callback_id": "more_time",
            "private_metadata": "7",
            "hash": "156772938.1827394",
            "state": {
                "values": {
                    "due": {"due": {"type": "datepicker", "selected_date": "2026-12-17"}},
                    "text": {"text": {"type": "plain_text_input", "value": None}},
                    "crit": {
                        "crit": {
                            "type": "checkboxes",
                            "selected_options": [{"text": {}, "value": "c1"}],
                        }
                    },
                }
            },
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    },
    "view closed": {
        "type": "view_closed",
        "team": TEAM,
        "user": USER,
        "view": {"id": "V1", "callback_id": "wizard", "state": {"values": {}}},
        "is_cleared": False,
    },
    "global shortcut": {
        "type": "shortcut",
        "token": "x",
        "action_ts": "1581106241.371594",
        "team": TEAM,
        "user": USER,
        "callback_id": "new_problem",
        "trigger_id": "1.2.3",
    },
    "event": {
        "token": "x",
        "team_id": "T1",
        "api_app_id": "A1",
        "event": {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
        "type": "event_callback",
        "authorizations": [{"team_id": "T1", "user_id": "U2", "is_bot": True}],
        "event_id": "Ev0PV52K21",
        "event_time": 1234567890,
    },
    "URL check": {"token": "x", "challenge": "3eZbrw1aB", "type": "url_verification"},
    "SSL check": {"ssl_check": "1", "token": "x"},
    "a type Buddy does not listen to": {"type": "app_rate_limited", "team_id": "T1"},
}


@pytest.mark.parametrize("kind", list(SLACK_SENDS))
def test_what_slack_sends_is_let_through(kind: str) -> None:
    assert problem_with(SLACK_SENDS[kind]) is None


def _changed(kind: str, **changes: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(SLACK_SENDS[kind]))
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "body",
    [
        [],
        None,
        "block_actions",
        {},
        {"type": 7},
        _changed("slash command", trigger_id=""),
        _changed("slash command", user_id=""),
        _changed("button in a message", user="U1"),
        _changed("button in a message", user={"id": 1}),
        _changed("button in a message", user={**USER, "team_id": ["T1"]}),
        _changed("button in a message", actions=[]),
        _changed("button in a message", actions=[{"action_id": ""}]),
        _changed("button in a message", actions=[{"action_id": "a", "value": 7}]),
        _changed("button in a message", actions=[{"action_id": "a", "selected_option": "x"}]),
        _changed("button in a message", team="T1"),
        _changed("button in a message", message={"ts": 1.5}),
        _changed("button in a message", container={"channel_id": ["C1"]}),
        _changed("button in a message", trigger_id=None),
        _changed("select in a modal", view={"id": "V1", "state": []}),
        _changed("view submission", view=None),
        _changed("view submission", view={"id": "V1", "private_metadata": {}}),
        _changed("view submission", view={"id": "V1", "state": {"values": {"b": []}}}),
        _changed("view submission", view={"id": "V1", "state": {"values": {"b": {"b": 1}}}}),
        _changed(
            "view submission",
            view={"id": "V1", "state": {"values": {"b": {"b": {"selected_options": ["x"]}}}}},
        ),
        _changed("view closed", user=None),
        _changed("global shortcut", trigger_id=""),
        _changed("event", event_id=""),
        _changed("event", event=["app_home_opened"]),
        _changed("event", event={"user": "U1"}),
        _changed("URL check", challenge=None),
        {"type": "weird", "event": "x"},
        {"type": "weird", "event": None},
        {"type": "weird", "view": "V1"},
        {"ssl_check": "0", "event": [1]},
        _changed("button in a message", event="x"),
        _changed("slash command", event="x"),
    ],
)
def test_a_body_listeners_could_not_trust_is_stopped(body: object) -> None:
    assert problem_with(body)


def test_slacks_url_check_is_answered(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    result = slack.post(json.dumps(SLACK_SENDS["URL check"]), "application/json")
    assert result.status == 200
    assert "3eZbrw1aB" in result.body
    assert fake_slack.calls == []


def test_slacks_ssl_check_is_answered(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    assert slack.post("ssl_check=1&token=x", "application/x-www-form-urlencoded").status == 200
    assert fake_slack.calls == []
