"""A second delivery of one command, click, submission or event is acknowledged, not applied."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.actions import CHASE_MORE_TIME, text_block_id
from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from models.handled_requests import HandledRequest
from tests.fake_slack import FakeSlack
from tests.slack_http import TEAM_ID, SlackClientForTests
from tests.test_actions_http import _decoded, actions, paired

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def test_a_command_sent_twice_with_one_trigger_records_one_action(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    paired(sessions)
    first = slack.command("action Try exit tickets", trigger_id="T-same")
    assert "Recorded action 1: Try exit tickets" in first.text
    second = slack.command("action Try exit tickets", trigger_id="T-same")
    assert second.status == 200
    assert second.json()["response_type"] == "ephemeral"
    assert "already" in second.text
    assert [a.text for a in actions(sessions)] == ["Try exit tickets"]
    listing = slack.command("actions").text.replace("*", "")
    assert listing.count("Try exit tickets") == 1


def test_a_command_retried_by_slack_is_applied_once(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    paired(sessions)
    slack.command("action Try exit tickets", trigger_id="T-retried")
    retried = slack.command("action Try exit tickets", trigger_id="T-retried", headers=RETRY)
    assert retried.status == 200
    assert len(actions(sessions)) == 1


def test_a_replayed_signed_request_is_applied_once(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    """The very same bytes and headers, sent again inside Slack's five minutes."""
    paired(sessions)
    form = {
        "team_id": TEAM_ID,
        "channel_id": "CCOHORT",
        "user_id": "UALICE",
        "command": "/buddy",
        "text": "action Try exit tickets",
        "trigger_id": "T-replayed",
        "response_url": slack.response_url,
    }
    body = urlencode(form)
    signed_at = int(time.time()) - 60
    replies = [
        slack.post(body, "application/x-www-form-urlencoded", timestamp=signed_at) for _ in range(7)
    ]
    assert [r.status for r in replies] == [200] * 7
    assert len(actions(sessions)) == 1


def test_different_triggers_are_different_commands(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    paired(sessions)
    slack.command("action Try exit tickets", trigger_id="T-one")
    slack.command("action Try exit tickets", trigger_id="T-two")
    assert len(actions(sessions)) == 2


def test_a_button_clicked_once_but_delivered_twice_opens_one_modal(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    [action] = actions(sessions)
    message = {"ts": "1700000042.000100", "text": "chase", "blocks": []}
    for headers in ({}, RETRY):
        result = slack.block_action(
            CHASE_MORE_TIME,
            str(action.id),
            channel="DUALICE",
            message=message,
            trigger_id="T-click",
            headers=headers,
        )
        assert result.status == 200
    assert len(fake_slack.calls_to("views.open")) == 1


def test_a_view_submitted_once_but_delivered_twice_records_once(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    pair_id = paired(sessions)
    slack.block_action(CHECKIN_ADD_ACTIONS, f"{pair_id}:2026-11-19", channel="GUALICE-UBOB")
    [opened] = fake_slack.calls_to("views.open")
    view = _decoded(opened.params["view"])
    values = {
        text_block_id(1): {text_block_id(1): {"type": "plain_text_input", "value": "Try quizzes"}}
    }
    for _ in range(2):
        saved = slack.view_submission(view, values, trigger_id="T-submit")
        assert saved.status == 200 and saved.body == ""
    assert [a.text for a in actions(sessions)] == ["Try quizzes"]


# -- events: App Home's app_home_opened, retried by Slack --------------------------------------


def _event(event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": "UALICE", "tab": "home"},
        }
    )


def test_an_event_retried_by_slack_is_applied_once(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    first = slack.post(_event("Ev1"), "application/json")
    retried = [
        slack.post(
            _event("Ev1"),
            "application/json",
            headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"},
        )
        for n in (1, 2, 3)
    ]
    assert [r.status for r in (first, *retried)] == [200] * 4
    assert len(fake_slack.calls_to("views.publish")) == 1
    slack.post(_event("Ev2"), "application/json")
    assert len(fake_slack.calls_to("views.publish")) == 2
    assert fake_slack.posted_texts() == []


def test_handled_requests_are_kept_by_key(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    paired(sessions)
    slack.command("action Try exit tickets", trigger_id="T-kept")
    with sessions() as session:
        keys = session.scalars(select(HandledRequest.key)).all()
    assert keys == ["command:T-kept"]
