"""The App Home tab over HTTP, for a participant, a facilitator and someone new: Buddy publishes a
view Slack accepts (checked against Slack's own rules, not only slack_sdk's models), and every
button on it does what it says when pressed on the Home tab."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from models.clock import SettableClock
from tests.block_kit import slack_rule_problems
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import TEAM_ID, SlackClientForTests, message_text
from tests.test_facilitators_http import home_event, match, published, view_text


def open_home(slack: SlackClientForTests, fake_slack: FakeSlack, user: str) -> dict[str, Any]:
    """Opens the Home tab as `user` and returns the view Buddy published for them."""
    before = len(fake_slack.calls_to("views.publish"))
    result = slack.post(home_event(user, f"Ev{user}{before}"), "application/json")
    assert result.status == 200
    calls = fake_slack.calls_to("views.publish")
    assert len(calls) == before + 1, "opening Home published no view"
    assert calls[-1].params["user_id"] == user
    view = published(fake_slack)[-1]
    assert slack_rule_problems(view, view=True) == []
    return view


def buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every button on the view by its label (the first, for a label shown more than once), with
    the block it sits in, as Slack sends it back when pressed."""
    found: dict[str, dict[str, Any]] = {}
    for i, block in enumerate(view["blocks"]):
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        for element in elements:
            if element.get("type") == "button":
                found.setdefault(element["text"]["text"], {**element, "block_id": f"hb{i}"})
    return found


def press_on_home(
    slack: SlackClientForTests, user: str, view: dict[str, Any], button: dict[str, Any]
) -> None:
    """A button pressed on the Home tab, as Slack sends it: in a view container, with no
    response_url (so any answer comes by DM)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", **view},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": button["block_id"],
                "value": button.get("value", ""),
                "action_ts": "1700000000.000200",
            }
        ],
    }
    assert slack.interaction(payload).status == 200


def dms_to(fake_slack: FakeSlack, user: str) -> str:
    """What Buddy told `user` by DM since the last clear: the text and blocks of each message."""
    return "\n".join(
        message_text({"text": c.params.get("text", ""), "blocks": _blocks(c.params)})
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params.get("channel") == user
    )


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return list(json.loads(blocks) if isinstance(blocks, str) else blocks)


def test_a_participants_home_is_accepted_and_each_command_button_answers(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    match(slack, "UALICE", "UBOB")
    slack.command("slot thu 16:00", user="UALICE")
    slack.command("action Try exit tickets by 30/11", user="UALICE")
    view = open_home(slack, fake_slack, "UALICE")
    shown = buttons(view)
    assert {"Next meeting", "My actions", "My pair", "Done"} <= set(shown)
    ids = [shown[label]["action_id"] for label in ("Next meeting", "My actions", "My pair")]
    assert len(set(ids)) == 3, ids

    expected = {
        "Next meeting": "Your next meetings",
        "My actions": "Try exit tickets",
        "My pair": "<@UBOB>",
    }
    for label, words in expected.items():
        fake_slack.clear()
        press_on_home(slack, "UALICE", view, shown[label])
        told = dms_to(fake_slack, "UALICE")
        assert words in told, (label, told)

    fake_slack.clear()
    press_on_home(slack, "UALICE", view, shown["Done"])
    assert "Try exit tickets" not in view_text(published(fake_slack)[-1])


def test_someone_new_sees_a_home_slack_accepts_and_the_buttons_say_what_to_do(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    view = open_home(slack, fake_slack, "UERIN")
    assert "You're not in a buddy pair yet" in view_text(view)
    shown = buttons(view)
    expected = {
        "Next meeting": "not in a buddy pair",
        "My actions": "You have 0 open actions",
        "My pair": "not in a buddy pair",
    }
    for label, words in expected.items():
        fake_slack.clear()
        press_on_home(slack, "UERIN", view, shown[label])
        told = dms_to(fake_slack, "UERIN")
        assert words in told, (label, told)


@pytest.mark.welcome  # the pairs are told they exist, so they can slip
def test_a_facilitators_home_is_accepted_and_its_cohort_buttons_work(
    slack: SlackClientForTests, fake_slack: FakeSlack, clock: SettableClock
) -> None:
    match(slack, "UALICE", "UBOB")
    slack.command("slot thu 16:00", user="UALICE")
    match(slack, "UCAROL", "UDAN")
    # Three days on: Thursday's meeting unconfirmed, and Carol and Dan still without a slot.
    clock.set(clock.now() + timedelta(days=3))
    view = open_home(slack, fake_slack, FACILITATOR)
    assert "Cohort:" in view_text(view) and "<@UCAROL>" in view_text(view)
    shown = buttons(view)
    assert {"Next meeting", "My actions", "My pair", "Nudge", "CSV export"} <= set(shown)

    fake_slack.clear()
    press_on_home(slack, FACILITATOR, view, shown["Nudge"])
    assert "I've nudged <@UALICE> and <@UBOB>" in dms_to(fake_slack, FACILITATOR)

    fake_slack.clear()
    press_on_home(slack, FACILITATOR, view, shown["CSV export"])
    assert "sent the CSV and the chart" in dms_to(fake_slack, FACILITATOR)
    assert fake_slack.calls_to("files.completeUploadExternal") or fake_slack.calls_to(
        "files.upload"
    )

    fake_slack.clear()
    press_on_home(slack, FACILITATOR, view, shown["My pair"])
    assert "not in a buddy pair" in dms_to(fake_slack, FACILITATOR)
