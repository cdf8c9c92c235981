"""Forms instead of syntax: the slot, move and skip modals, and `4am or 4pm?`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from frontends.slack.blockkit import draw_blocks
from handlers.views.meetings import MOVE_OPEN, SLOT_OPEN, checkin_blocks
from handlers.views.pairs import SLOT_MODAL
from tests.fake_slack import FakeSlack
from tests.slack_dates import token
from tests.slack_http import SlackClientForTests
from tests.test_meetings_http import answer_button, changes, slotted_pair
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
        "slot_zone": {"slot_zone": {"type": "static_select", "selected_option": {"value": zone}}},
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
    assert block(view, "slot_zone")["element"]["initial_option"]["value"] == "Europe/Paris"
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
    told = posts_to(fake_slack, GROUP_DM)[0]
    assert "set your fortnightly slot: every other Thursday at 16:00 Paris time" in told
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


def meeting_picked(original: str) -> dict[str, Any]:
    return {
        "which_meeting": {
            "which_meeting": {"type": "static_select", "selected_option": {"value": original}}
        }
    }


def test_move_with_no_arguments_opens_a_form_listing_the_next_meetings(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    assert slack.command("move", user="UBOB", trigger_id="trig-move").body == ""
    [call] = fake_slack.calls_to("views.open")
    assert call.params["trigger_id"] == "trig-move"
    view = opened_view(fake_slack)
    listed = [o["text"]["text"] for o in block(view, "which_meeting")["element"]["options"]]
    assert listed[:2] == ["Thu 26 Nov at 16:00 UK time", "Thu 10 Dec at 16:00 UK time"]
    assert block(view, "move_to_date")["element"]["type"] == "datepicker"
    assert block(view, "move_to_time")["element"]["type"] == "timepicker"

    # A date the domain refuses shows under the date picker; nothing moves.
    past = {
        **meeting_picked("2026-11-26"),
        "move_to_date": {"move_to_date": {"type": "datepicker", "selected_date": "2026-11-20"}},
        "move_to_time": {"move_to_time": {"type": "timepicker", "selected_time": None}},
    }
    refused = slack.view_submission(view, past, user="UBOB").json()
    assert refused["response_action"] == "errors"
    assert "has already passed" in refused["errors"]["move_to_date"]
    assert changes(sessions) == []

    fake_slack.clear()
    moved = {
        **past,
        "move_to_date": {"move_to_date": {"type": "datepicker", "selected_date": "2026-11-27"}},
        "move_to_time": {"move_to_time": {"type": "timepicker", "selected_time": "17:00"}},
    }
    assert slack.view_submission(view, moved, user="UBOB").body == ""
    [change] = changes(sessions)
    assert change.new_start == datetime(2026, 11, 27, 17, tzinfo=UTC)
    # Bob hears it once, in the pair's conversation he is in: no DM besides.
    [told] = [c.params for c in fake_slack.calls_to("chat.postMessage")]
    assert told["channel"] == GROUP_DM and told["text"].startswith("Moved to <!date^")


def test_skip_with_no_arguments_opens_a_form_and_offers_the_pair_the_backup(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("skip", user="UALICE", trigger_id="trig-skip")
    view = opened_view(fake_slack)
    assert view["callback_id"] == "buddy_skip_modal"
    fake_slack.clear()
    chosen = {
        **meeting_picked("2026-12-10"),
        "skip_reason": {"skip_reason": {"type": "plain_text_input", "value": "INSET <day>"}},
    }
    assert slack.view_submission(view, chosen, user="UALICE").body == ""
    [skipped] = changes(sessions)
    assert (str(skipped.original_date), skipped.reason) == ("2026-12-10", "INSET <day>")
    offer = posts_to(fake_slack, GROUP_DM)[0]
    assert "(INSET &lt;day&gt;)" in offer
    # The same meeting again: the refusal shows under the menu.
    again = slack.view_submission(view, chosen, user="UBOB").json()
    assert "already skipped" in again["errors"]["which_meeting"]


def test_we_moved_it_offers_the_move_form(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    answered = draw_blocks(
        checkin_blocks("How did it go?", None, ("UALICE", "moved"), "1:2026-11-26")
    )
    assert MOVE_OPEN in json.dumps(answered)
    assert "5/12" not in json.dumps(answered)  # no made-up example date
    slack.block_action(MOVE_OPEN, user="UALICE", channel=GROUP_DM, trigger_id="trig-c")
    assert fake_slack.calls_to("views.open")[0].params["trigger_id"] == "trig-c"
    assert opened_view(fake_slack)["callback_id"] == "buddy_move_modal"
