"""Forms instead of syntax: the slot, move and skip modals, and `4am or 4pm?`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from handlers.views.meetings import SLOT_OPEN
from handlers.views.pairs import SLOT_MODAL
from tests.fake_slack import FakeSlack
from tests.slack_dates import token
from tests.slack_http import SlackClientForTests
from tests.test_meetings_http import answer_button
from tests.test_pairs_http import only_pair, pair_up, posts_to

GROUP_DM = "GUALICE-UBOB"


def opened_view(fake_slack: FakeSlack) -> dict[str, Any]:
    call = fake_slack.calls_to("views.open")[-1]
    view = call.params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def picked(
    weekday: str | None = "3", at: str | None = "16:00", zone: str = "Europe/London"
) -> dict[str, Any]:
    return {
        "slot_weekday": {
            "slot_weekday": {
                "type": "static_select",
                "selected_option": {"value": weekday} if weekday else None,
            }
        },
        "slot_time": {"slot_time": {"type": "timepicker", "selected_time": at}},
        "slot_zone": {"slot_zone": {"type": "plain_text_input", "value": zone}},
        "slot_from": {"slot_from": {"type": "datepicker", "selected_date": None}},
    }


def test_slot_with_no_arguments_opens_a_form_in_the_persons_zone(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    fake_slack.add_user("UALICE", tz="Europe/Paris")
    pair_up(slack, fake_slack)
    result = slack.command("slot", user="UALICE", trigger_id="trig-slot")
    assert result.body == ""
    [call] = fake_slack.calls_to("views.open")
    assert call.params["trigger_id"] == "trig-slot"
    view = opened_view(fake_slack)
    assert view["callback_id"] == SLOT_MODAL
    assert block(view, "slot_time")["element"]["type"] == "timepicker"
    assert block(view, "slot_zone")["element"]["initial_value"] == "Europe/Paris"
    weekdays = [o["text"]["text"] for o in block(view, "slot_weekday")["element"]["options"]]
    assert weekdays[3] == "Thursday"

    # Checked in the ack: the errors show under the fields, nothing is set.
    bad = slack.view_submission(view, picked(weekday=None, zone="Mars/Olympus"), user="UALICE")
    errors = bad.json()
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"slot_weekday", "slot_zone"}
    assert only_pair(sessions).slot_weekday is None

    fake_slack.clear()
    ok = slack.view_submission(view, picked(zone="Europe/Paris"), user="UALICE")
    assert ok.body == ""  # the modal closes
    pair = only_pair(sessions)
    assert (pair.slot_weekday, str(pair.slot_time), pair.slot_timezone) == (
        3,
        "16:00:00",
        "Europe/Paris",
    )
    told_alice = [c.params["text"] for c in fake_slack.calls_to("chat.postMessage")]
    assert any(
        "Your fortnightly slot is every other Thursday at 16:00 Paris time" in t for t in told_alice
    )
    first = token(datetime(2026, 11, 26, 15, tzinfo=UTC), "Thu 26 Nov at 16:00 Paris time")
    assert f"First meeting: {first}" in posts_to(fake_slack, GROUP_DM)[0]


def test_the_slot_form_refuses_someone_with_no_pair_at_once(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    assert "not in a buddy pair" in slack.command("slot", user="UCAROL").text
    assert fake_slack.calls_to("views.open") == []


def test_the_slot_nudge_button_opens_the_form(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    pair_up(slack, fake_slack)
    slack.block_action(SLOT_OPEN, user="UBOB", channel=GROUP_DM, trigger_id="trig-nudge")
    [call] = fake_slack.calls_to("views.open")
    assert call.params["trigger_id"] == "trig-nudge"
    assert opened_view(fake_slack)["callback_id"] == SLOT_MODAL


def test_slot_thursday_at_4_asks_am_or_pm(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    asked = slack.command("slot thursday at 4", user="UALICE")
    assert asked.json()["text"] == "4am or 4pm?"
    assert only_pair(sessions).slot_weekday is None
    afternoon = answer_button(asked.json(), "4pm")
    slack.block_action(afternoon["action_id"], afternoon["value"], user="UALICE")
    assert "every other Thursday at 16:00 UK time" in slack.told()
    assert fake_slack.response_posts[-1]["replace_original"] is True
    assert str(only_pair(sessions).slot_time) == "16:00:00"
    # Said in full, it needs no question.
    slack.command("slot thursday at 4am", user="UALICE")
    assert "every other Thursday at 04:00 UK time" in slack.told()
