"""Erasure reaches Buddy's own Slack messages: after `/buddy forget me` (or a facilitator's
`forget @x`) no message Buddy sent, in any conversation, still shows what the person typed, and
nothing the clock had planned with their words goes out afterwards."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.actions import due_block_id, text_block_id
from handlers.views.community import RESPONSE_ACTION, RESPONSE_BLOCK
from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from models.clock import SettableClock
from models.pairs import Pair
from scheduler.runner import build_runner
from tests.conftest import DEFAULT_NOW, FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_data_rights import everything_in, holding, paired, pass_at

# What Alice types, each distinctive enough to be found wherever it was copied.
ALICE_ACTION = "Trial cold calling with 9Y3 during starters"
ALICE_DONE_ACTION = "Swap seating plan for 10B before mocks"
SKIP_REASON = "my daughter's nativity play"
PAUSE_REASON = "recovering from knee surgery"
MEET_LINK = "https://meet.example.org/alice-room-7"
CHECK_IN_ACTION = "Plan a retrieval quiz on fractions"
ALICE_WORDS = (
    ALICE_ACTION,
    ALICE_DONE_ACTION,
    SKIP_REASON,
    PAUSE_REASON,
    MEET_LINK,
    CHECK_IN_ACTION,
)
BOB_ACTION = "Observe a year 7 science practical"


def slack_now(fake_slack: FakeSlack) -> list[tuple[str, str]]:
    """Every message in every conversation as people can read it now: (channel, what it says)."""
    return [
        (channel, message_text(message))
        for channel, messages in fake_slack.conversations().items()
        for message in messages
    ]


def showing(fake_slack: FakeSlack, words: str) -> list[tuple[str, str]]:
    return [(channel, said) for channel, said in slack_now(fake_slack) if words in said]


def opened_view(fake_slack: FakeSlack) -> dict[str, Any]:
    view = fake_slack.calls_to("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def add_action_at_check_in(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """ "Add actions" on the check-in of 26 Nov: the answer comes by DM, repeating the action."""
    with sessions() as session:
        pair_id = session.scalar(select(Pair.id))
    slack.block_action(CHECKIN_ADD_ACTIONS, f"{pair_id}:2026-11-26", channel="GUALICE-UBOB")
    row = {
        text_block_id(1): {
            text_block_id(1): {"type": "plain_text_input", "value": CHECK_IN_ACTION}
        },
        due_block_id(1): {due_block_id(1): {"type": "datepicker", "selected_date": "2026-12-17"}},
    }
    slack.view_submission(opened_view(fake_slack), row)


def alice_in_slack_everywhere(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """Alice's words in her DM, the pair's DM and Bob's DM, by the clock and by handlers."""
    paired(slack)  # meetings on Thursdays at 16:00 from 26 Nov
    slack.command(f"format video {MEET_LINK}", user="UALICE")
    slack.command(f"action {ALICE_ACTION} by 1/12", user="UALICE")
    slack.command(f"action {ALICE_DONE_ACTION} by 3/12", user="UALICE")
    slack.command(f"action {BOB_ACTION} by 1/12", user="UBOB")
    slack.command("done 2", user="UALICE")  # the pair is told, with its text
    slack.command(f"skip 10/12 {SKIP_REASON}", user="UALICE")  # offered to the pair, with why
    slack.command(f"pause 20/12 to 22/12 {PAUSE_REASON}", user="UALICE")  # Bob is told why
    for at in (
        datetime(2026, 11, 24, 17, 0, tzinfo=UTC),  # prep: how they meet, open actions
        datetime(2026, 11, 26, 15, 50, tzinfo=UTC),  # reminder: the link
        datetime(2026, 12, 1, 9, 30, tzinfo=UTC),  # the chase, in Alice's DM
        datetime(2026, 12, 4, 9, 30, tzinfo=UTC),  # the overdue note, in the pair's DM
    ):
        pass_at(settings, sessions, clock, at)
    add_action_at_check_in(slack, fake_slack, sessions)
    slack.command("export me", user="UALICE")  # her data, as files in her DM


@pytest.mark.parametrize("erased_by", ["UALICE", FACILITATOR])
def test_forget_clears_every_message_that_shows_what_they_typed(
    erased_by: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    engine: Engine,
) -> None:
    alice_in_slack_everywhere(slack, fake_slack, settings, sessions, clock)
    for words in ALICE_WORDS:
        assert showing(fake_slack, words), words  # the scene is set: Slack shows each of them
    where = {channel for words in ALICE_WORDS for channel, _ in showing(fake_slack, words)}
    assert len(where) >= 3  # her DM, the pair's and Bob's
    assert any(ALICE_ACTION.encode() in upload for upload in fake_slack.uploads.values())

    slack.command("forget me" if erased_by == "UALICE" else "forget <@UALICE|a>", user=erased_by)
    asked = slack.told()  # what goes, said to whoever erases
    whose, who = ("their", "they") if erased_by == FACILITATOR else ("your", "you")
    assert f"quoting {whose} words" in asked and f"a meeting {who} moved" in asked, asked
    slack.block_action("buddy_forget_confirm", "UALICE", user=erased_by)
    assert "erased" in slack.told()

    for words in ALICE_WORDS:
        assert showing(fake_slack, words) == [], words
        assert holding(everything_in(engine), words) == [], words
    assert holding(everything_in(engine), "UALICE") == []
    assert not any(ALICE_ACTION.encode() in upload for upload in fake_slack.uploads.values())
    # What stands in their place says why, and Bob's own words are his to keep.
    assert showing(fake_slack, "removed at the request of the person it named")
    assert showing(fake_slack, BOB_ACTION)
    assert holding(everything_in(engine), BOB_ACTION)

    # The clock has nothing left to say about Alice, whenever it runs.
    for at in (
        datetime(2026, 12, 8, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 21, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
    ):
        pass_at(settings, sessions, clock, at)
    for words in ALICE_WORDS:
        assert showing(fake_slack, words) == [], words


def test_a_nudge_planned_before_the_erasure_is_not_sent_after_it(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """The erasure lands while a pass is sending: what that pass planned with Alice's words
    (the pair's prep nudge lists her open actions) is not posted after it."""
    paired(slack)
    slack.command(f"format video {MEET_LINK}", user="UALICE")
    slack.command(f"action {BOB_ACTION} by 8/12", user="UBOB")
    slack.command(f"action {ALICE_ACTION} by 11/12", user="UALICE")
    erased: list[str] = []

    def erase_alice_mid_pass() -> None:
        if not erased:
            erased.append(fake_slack.calls_to("chat.postMessage")[-1].params["channel"])
            slack.block_action("buddy_forget_confirm", "UALICE", user="UALICE")
            erased.append(slack.told())

    fake_slack.on_post = erase_alice_mid_pass
    # Due in this pass: Bob's chase (09:00), then the prep for 10 Dec (two days before).
    lines = pass_at(settings, sessions, clock, datetime(2026, 12, 8, 17, 0, tzinfo=UTC))
    fake_slack.on_post = None
    assert erased[0] in ("UBOB", "DUBOB") and "Buddy has erased your data" in erased[1], erased
    assert [line for line in lines if line.startswith("sent")] == [
        next(line for line in lines if line.startswith("sent action-chase"))
    ], lines
    for words in (ALICE_ACTION, MEET_LINK):
        assert showing(fake_slack, words) == [], words
    assert showing(fake_slack, BOB_ACTION)


def test_a_nudge_to_them_in_flight_holds_the_erasure_until_it_is_recorded(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """A chase being posted when the person confirms: Buddy could not find that message to clear
    it afterwards, so the erasure waits for it (they are asked to press again), then clears it."""
    paired(slack)
    slack.command(f"action {ALICE_ACTION} by 8/12", user="UALICE")
    slack.command("forget me", user="UALICE")
    told: list[str] = []

    def confirm_mid_post() -> None:
        if not told:
            told.append("pressed")  # before pressing: the answer may post messages itself
            slack.block_action("buddy_forget_confirm", "UALICE", user="UALICE")
            told[0] = slack.told()

    fake_slack.on_post = confirm_mid_post
    pass_at(settings, sessions, clock, datetime(2026, 12, 8, 9, 30, tzinfo=UTC))
    fake_slack.on_post = None
    assert "press" in told[0] and "again" in told[0], told
    assert showing(fake_slack, ALICE_ACTION)  # sent, and recorded where it went

    slack.block_action("buddy_forget_confirm", "UALICE", user="UALICE")
    assert "Buddy has erased your data" in slack.told()
    assert showing(fake_slack, ALICE_ACTION) == []


def test_forget_clears_the_community_record_of_their_actions_and_keeps_the_sessions_posts(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    slack.command("community group <@UALICE|a> <@UBOB|b> <@UCAROL|c> <@UDAN|d>")
    slack.command("community start")
    runner = build_runner(settings, clock, sessions=sessions)

    def run_until(minute: int, start: int) -> None:
        for at in range(start, minute):
            clock.set(DEFAULT_NOW + timedelta(minutes=at))
            runner.run_pass()

    run_until(16, 0)
    response = next(
        message
        for message in fake_slack.conversations()["CCOHORT"]
        if message["text"].startswith("Response") and "UALICE" in json.dumps(message)
    )
    value = next(
        e["value"] for b in response["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    slack.block_action(RESPONSE_ACTION, value, user="UALICE")
    typed = {RESPONSE_BLOCK: {RESPONSE_BLOCK: {"type": "plain_text_input", "value": ALICE_ACTION}}}
    slack.view_submission(opened_view(fake_slack), typed)
    run_until(61, 16)
    [record] = showing(fake_slack, "Session record")
    assert ALICE_ACTION in record[1] and record[0] == "CCOHORT"
    assert len(showing(fake_slack, ALICE_ACTION)) == 2  # the record, and the answer in her DM
    protocol = [said for channel, said in slack_now(fake_slack) if channel == "CCOHORT"]

    slack.command("forget me", user="UALICE")
    slack.block_action("buddy_forget_confirm", "UALICE", user="UALICE")
    assert showing(fake_slack, ALICE_ACTION) == []
    left = [said for channel, said in slack_now(fake_slack) if channel == "CCOHORT"]
    assert len(left) == len(protocol)
    assert [a for a, b in zip(protocol, left, strict=True) if a != b] == [record[1]]
