"""Wording and forms as people meet them: zones named as cities, in the command and the slot
form; no "(optional) (optional)"; help that shows each person their own commands; one message
per change to a pair."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_forms_http import block, meeting_picked, opened_view, picked
from tests.test_meetings_http import slotted_pair
from tests.test_pairs_http import only_pair, pair_up
from tests.test_problem_wizard import to_review

GROUP_DM = "GUALICE-UBOB"


def posts(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake_slack.calls_to("chat.postMessage")]


# -- zones as cities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone", "said"),
    [
        ("London", "Europe/London", "16:00 UK time"),
        ("paris", "Europe/Paris", "16:00 Paris time"),
        ("New York", "America/New_York", "16:00 New York time"),
        ("Europe/Dublin", "Europe/Dublin", "16:00 Irish time"),
    ],
)
def test_slot_takes_a_city_as_its_zone(
    typed: str,
    zone: str,
    said: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    pair_up(slack, fake_slack)
    slack.command(f"slot thu 16:00 tz {typed}", user="UALICE")
    assert f"Your fortnightly slot is every other Thursday at {said}" in slack.told()
    assert only_pair(sessions).slot_timezone == zone


def test_slot_refuses_an_unknown_zone_kindly_with_an_example(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    slack.command("slot thu 16:00 tz Lodnon", user="UALICE")
    told = slack.told()
    assert "I don't know the time zone `Lodnon`" in told
    assert "For example: `/buddy slot thu 16:00 tz London`" in told
    assert only_pair(sessions).slot_weekday is None


def _options(element: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (group["label"]["text"], o["text"]["text"], o["value"])
        for group in element["option_groups"]
        for o in group["options"]
    ]


def test_the_slot_form_offers_the_common_zones_with_the_persons_own_chosen(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    fake_slack.add_user("UALICE", tz="Europe/Paris")
    pair_up(slack, fake_slack)
    slack.command("slot", user="UALICE")
    view = opened_view(fake_slack)
    element = block(view, "slot_zone")["element"]
    assert element["type"] == "static_select"
    assert element["initial_option"]["value"] == "Europe/Paris"
    options = _options(element)
    assert options[0] == ("UK and Ireland", "London (UK)", "Europe/London")
    assert ("Europe", "Paris (France)", "Europe/Paris") in options
    assert {group for group, _label, _zone in options} >= {"Europe", "Americas"}

    slack.view_submission(view, picked(zone="Europe/London"), user="UALICE")
    assert only_pair(sessions).slot_timezone == "Europe/London"


def test_the_slot_form_lists_a_zone_it_does_not_know_first_for_its_person(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UALICE", tz="Asia/Kathmandu")
    pair_up(slack, fake_slack)
    slack.command("slot", user="UALICE")
    element = block(opened_view(fake_slack), "slot_zone")["element"]
    assert _options(element)[0] == ("Your zone", "Kathmandu (Asia/Kathmandu)", "Asia/Kathmandu")
    assert element["initial_option"]["value"] == "Asia/Kathmandu"


# -- optional inputs -------------------------------------------------------------------------------


def _optional_labels(view: dict[str, Any]) -> list[str]:
    return [
        b["label"]["text"] for b in view["blocks"] if b.get("type") == "input" and b.get("optional")
    ]


def test_no_optional_input_says_optional_itself_slack_adds_it(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    review = to_review(slack, fake_slack)
    artefact = next(b for b in review["blocks"] if b.get("block_id") == "artefact_link")
    assert artefact["optional"] is True
    assert artefact["label"]["text"] == "A link to an artefact"

    views = [review]
    slotted_pair(slack, fake_slack)
    for name in ("slot", "move", "skip"):
        slack.command(name, user="UALICE")
        views.append(opened_view(fake_slack))
    pair_id = only_pair(sessions).id
    slack.block_action(CHECKIN_ADD_ACTIONS, f"{pair_id}:2026-11-26", channel=GROUP_DM)
    views.append(opened_view(fake_slack))
    labels = [label for view in views for label in _optional_labels(view)]
    assert len(labels) >= 5  # the artefact, the slot's date, the move's time, the skip's reason...
    assert [label for label in labels if "optional" in label.lower()] == []


# -- help ------------------------------------------------------------------------------------------

FACILITATOR_COMMANDS = ("report", "import", "nudge", "digest", "cohort", "facilitator ", "match")


def test_help_all_shows_the_facilitators_section_to_facilitators_only(
    slack: SlackClientForTests,
) -> None:
    participant = slack.command("help all", user="UALICE").text
    assert "*Facilitators*" not in participant
    for name in FACILITATOR_COMMANDS:
        assert f"`/buddy {name}" not in participant, name
    assert "`/buddy slot" in participant and "`/buddy community" in participant

    facilitator = slack.command("help all", user=FACILITATOR).text
    assert "*Facilitators*" in facilitator
    for name in FACILITATOR_COMMANDS:
        assert f"`/buddy {name}" in facilitator, name
    # And the facilitator's own screen of help lists all of theirs, not some.
    short = slack.command("help", user=FACILITATOR).text
    for name in FACILITATOR_COMMANDS:
        assert f"`/buddy {name}" in short, name


# -- one message per change ------------------------------------------------------------------------


def test_a_move_from_the_form_tells_the_mover_once_in_the_pairs_conversation(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("move", user="UBOB")
    view = opened_view(fake_slack)
    fake_slack.clear()
    moved = {
        **meeting_picked("2026-11-26"),
        "move_to_date": {"move_to_date": {"type": "datepicker", "selected_date": "2026-11-27"}},
        "move_to_time": {"move_to_time": {"type": "timepicker", "selected_time": "17:00"}},
    }
    assert slack.view_submission(view, moved, user="UBOB").body == ""
    assert [p["channel"] for p in posts(fake_slack)] == [GROUP_DM]
    assert "Moved to" in posts(fake_slack)[0]["text"]


def test_a_skip_from_the_form_tells_the_skipper_once_in_the_pairs_conversation(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("skip", user="UALICE")
    view = opened_view(fake_slack)
    fake_slack.clear()
    assert slack.view_submission(view, meeting_picked("2026-12-10"), user="UALICE").body == ""
    assert [p["channel"] for p in posts(fake_slack)] == [GROUP_DM]
    assert "can't make the meeting" in posts(fake_slack)[0]["text"]


def test_a_slot_from_the_form_tells_the_setter_once_in_the_pairs_conversation(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    pair_up(slack, fake_slack)
    slack.command("slot", user="UALICE")
    view = opened_view(fake_slack)
    fake_slack.clear()
    assert slack.view_submission(view, picked(), user="UALICE").body == ""
    [told] = posts(fake_slack)
    assert told["channel"] == GROUP_DM
    blocks = told["blocks"]
    shown = message_text(
        {"text": told["text"], "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
    )
    assert "set your fortnightly slot: every other Thursday at 16:00 UK time" in shown
    assert "`/buddy backup fri 8am`" in shown  # what the setter's own answer used to add


def test_a_typed_move_still_answers_the_mover_and_tells_the_pair_once(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("move to 27/11 17:00", user="UBOB")
    assert "Moved: your meeting of Thu 26 Nov is now on Fri 27 Nov at 17:00." in slack.told()
    assert [p["channel"] for p in posts(fake_slack)] == [GROUP_DM]


def test_a_form_whose_pair_cannot_be_told_answers_by_dm(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("skip", user="UALICE")
    view = opened_view(fake_slack)
    fake_slack.clear()
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    slack.view_submission(view, meeting_picked("2026-12-10"), user="UALICE")
    dm = [p["text"] for p in posts(fake_slack) if p["channel"] == "UALICE"]
    assert len(dm) == 1 and "Skipped: the meeting on Thu 10 Dec" in dm[0]
    assert "let your buddy know yourself" in dm[0]
