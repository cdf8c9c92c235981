"""`/buddy birthday` and `/buddy community ...` as Slack sends them, and their buttons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.community import (
    CHAIR_ACTION,
    CHAIR_BLOCK,
    DRAFT_ACTION,
    RESPONSE_ACTION,
    RESPONSE_BLOCK,
)
from handlers.views.problems import CALLBACK_ID as WIZARD_CALLBACK
from models.actions import SOURCE_COMMUNITY, Action
from models.clock import SettableClock
from models.community.tables import CommunityGroup, CommunityMember, CommunitySession
from models.people import Participant
from scheduler.runner import build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text

FOUR = "<@UALICE|alice> <@UBOB|bob> <@UCAROL|carol> <@UDAN|dan>"


def count(sessions: sessionmaker[Session], table: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def form_group(slack: SlackClientForTests, people: str = FOUR) -> None:
    slack.command(f"community group {people}")
    assert "community group is" in slack.told(), slack.told()


def shown(params: dict[str, Any]) -> str:
    blocks = params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return message_text({"text": params.get("text", ""), "blocks": blocks})


# -- birthday -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["14 March", "14/3", "14 Mar"])
def test_birthday_keeps_the_day_and_month(
    text: str, slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command(f"birthday {text}")
    assert "Got it: 14 March" in slack.told()
    with sessions() as session:
        alice = session.scalar(select(Participant).where(Participant.user_id == "UALICE"))
        assert alice is not None and (alice.birthday_day, alice.birthday_month) == (14, 3)
    slack.command("birthday forget")
    assert "forgotten" in slack.told()
    with sessions() as session:
        alice = session.scalar(select(Participant).where(Participant.user_id == "UALICE"))
        assert alice is not None and alice.birthday_day is None


@pytest.mark.parametrize("text", ["14 March 1985", "30 February", "whenever", ""])
def test_a_bad_birthday_is_refused_with_an_example_and_nothing_stored(
    text: str, slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command(f"birthday {text}".strip())
    told = slack.told()
    assert ":warning:" in told and "/buddy birthday 14 March" in told
    with sessions() as session:
        stored = session.scalar(
            select(Participant.birthday_day).where(Participant.user_id == "UALICE")
        )
        assert stored is None


# -- the group ------------------------------------------------------------------------------------


def test_a_group_of_four_is_kept_and_shown(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    form_group(slack)
    assert count(sessions, CommunityMember) == 4
    slack.command("community")
    told = slack.told()
    assert "<@UALICE>, <@UBOB>, <@UCAROL> and <@UDAN>" in told
    assert "none scheduled" in told


@pytest.mark.parametrize(
    ("people", "words"),
    [
        ("<@UALICE|a> <@UBOB|b>", "3 to 6 members"),
        (" ".join(f"<@U{n}|x>" for n in "ABCDEFG"), "groups of 4 + 3"),
        ("<@UALICE|a> <@UBOB|b> <@UBOB|b>", "same person twice"),
        ("<@UALICE|a> bob carol", "couldn't tell who"),
    ],
)
def test_a_group_too_small_too_big_or_unreadable_is_refused_and_nothing_stored(
    people: str, words: str, slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command(f"community group {people}")
    told = slack.told()
    assert words in told and "/buddy community group @Sam" in told
    assert count(sessions, CommunityGroup) == 0


def test_only_a_member_or_a_facilitator_replaces_a_group(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    form_group(slack)
    slack.command("community group <@UERIN|e> <@UBOB|b> <@UCAROL|c>", user="UERIN")
    assert "only one of its members or a facilitator" in slack.told()
    slack.command("community group <@UERIN|e> <@UBOB|b> <@UCAROL|c>", user="UFACIL")
    assert "community group is now" in slack.told()
    assert count(sessions, CommunityMember) == 3


def test_a_group_needs_a_channel(slack: SlackClientForTests) -> None:
    slack.command(f"community group {FOUR}", channel="DUALICE")
    assert "meet in a channel" in slack.told()


def test_an_unknown_community_word_is_refused(slack: SlackClientForTests) -> None:
    slack.command("community dance")
    assert "group, schedule, order, start or stop" in slack.told()


# -- schedule, the chair and the order ------------------------------------------------------------


def test_schedule_shows_the_weekday_the_group_the_first_chair_and_the_timetable(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command("birthday 2 Jan", user="UCAROL")
    slack.command("birthday 20 Dec", user="UBOB")
    form_group(slack)
    slack.command("community schedule 3/12 16:00 fortnightly")
    told = slack.told()
    assert "Thu 3 Dec at 16:00" in told and "then fortnightly" in told
    assert "*Chair:* <@UCAROL>" in told
    assert "`5-17` Problem owner 1: Introduce the problem 2, Clarify 2, Look deeper 3" in told
    assert "`43-55` Problem owner 4" in told and "`55-60` Close" in told
    assert count(sessions, CommunitySession) == 13
    slack.command("community")
    assert "*Chair:* <@UCAROL>" in slack.told()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("3/12", "date and its time"),
        ("31/2 16:00", "There is no 31 February"),
        ("3/12 teatime", "as a time"),
        ("1/1/2020 16:00", "has passed"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_stored(
    text: str, words: str, slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    form_group(slack)
    slack.command(f"community schedule {text}")
    told = slack.told()
    assert words in told and "/buddy community schedule 3/12 16:00 fortnightly" in told
    assert count(sessions, CommunitySession) == 0


def test_schedule_needs_a_group_and_a_member(slack: SlackClientForTests) -> None:
    slack.command("community schedule 3/12 16:00")
    assert "no community group yet" in slack.told()
    form_group(slack)
    slack.command("community schedule 3/12 16:00", user="UERIN")
    assert "Only the group's members or a facilitator" in slack.told()


def test_the_chair_sets_the_order_of_owners_and_nobody_else_does(
    slack: SlackClientForTests,
) -> None:
    form_group(slack)
    slack.command("community schedule 3/12 16:00")  # no birthdays: Alice chairs first
    slack.command("community order <@UDAN|d> <@UCAROL|c>", user="UBOB")
    assert "the chair's call: <@UALICE> chairs next" in slack.told()
    slack.command("community order <@UERIN|e>")
    assert "not in this channel's community group" in slack.told()
    slack.command("community order <@UDAN|d> <@UCAROL|c>")
    assert "1. <@UDAN>, 2. <@UCAROL>, 3. <@UALICE>, 4. <@UBOB>" in slack.told()
    slack.command("community")
    assert "<@UDAN>, <@UCAROL>, <@UALICE>, <@UBOB>" in slack.told()


# -- the prep DM's button -------------------------------------------------------------------------


def test_the_prep_dm_button_opens_the_problem_wizard_for_the_groups_channel(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
) -> None:
    form_group(slack)
    slack.command("community schedule 3/12 16:00")
    fake_slack.clear()
    clock.set(datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    build_runner(settings, clock, sessions=sessions).run_pass()
    dm = next(
        c.params for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == "DUBOB"
    )
    assert "Draft your problem" in shown(dm)
    blocks = json.loads(dm["blocks"]) if isinstance(dm["blocks"], str) else dm["blocks"]
    value = next(b["accessory"]["value"] for b in blocks if b.get("accessory"))
    fake_slack.clear()
    slack.block_action(DRAFT_ACTION, value, user="UBOB", channel="DUBOB", trigger_id="trig-prep")
    [opened] = fake_slack.calls_to("views.open")
    assert opened.params["trigger_id"] == "trig-prep"
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else opened.params["view"]
    )
    assert view["callback_id"] == WIZARD_CALLBACK


# -- start, stop, a response saved, the record ----------------------------------------------------


def test_only_members_start_and_stop_and_too_few_present_is_refused(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    form_group(slack, "<@UALICE|a> <@UBOB|b> <@UCAROL|c>")
    slack.command("community start", user="UERIN")
    assert "Only members" in slack.told()
    slack.command("community start without <@UBOB|b>")
    assert "3 to 6 problem owners, and 2 would be here" in slack.told()
    slack.command("community stop")
    assert "No session is running" in slack.told()
    assert count(sessions, CommunitySession) == 0
    slack.command("community start")
    assert "starts now with <@UALICE>, <@UBOB> and <@UCAROL>" in slack.told()
    slack.command("community start")
    assert "already running" in slack.told()
    slack.command("community stop", user="UERIN")
    assert "Only members" in slack.told()
    slack.command("community stop", user="UBOB")
    assert "Session stopped" in slack.told()


def test_a_started_session_runs_saves_a_response_as_an_action_and_records_it(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
) -> None:
    form_group(slack, FOUR + " <@UERIN|e>")
    slack.command("community start without <@UERIN|e>")
    runner = build_runner(settings, clock, sessions=sessions)
    start = DEFAULT_NOW
    for minute in range(16):
        clock.set(start + timedelta(minutes=minute))
        runner.run_pass()
    posts = [
        c.params
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] == "CCOHORT"
    ]
    response = next(p for p in posts if shown(p).startswith("Response (2 mins, 14-16)"))
    blocks = (
        json.loads(response["blocks"])
        if isinstance(response["blocks"], str)
        else response["blocks"]
    )
    value = next(e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"])
    assert value.endswith(":UALICE")

    slack.block_action(RESPONSE_ACTION, value, user="UBOB")
    assert "Only <@UALICE> can save" in slack.told()
    fake_slack.clear()
    slack.block_action(RESPONSE_ACTION, value, user="UALICE")
    [opened] = fake_slack.calls_to("views.open")
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else opened.params["view"]
    )
    assert "I think my next action will be..." in json.dumps(view)
    slack.view_submission(
        view,
        {
            RESPONSE_BLOCK: {
                RESPONSE_BLOCK: {"type": "plain_text_input", "value": "Try retrieval <starters>"}
            }
        },
    )
    with sessions() as session:
        [action] = session.scalars(select(Action))
        assert action.source == SOURCE_COMMUNITY and action.text == "Try retrieval <starters>"
        # No next session scheduled: due a fortnight on, in the group's zone.
        assert action.due_date == date(2026, 12, 8)
    dm = fake_slack.calls_to("chat.postMessage")[-1].params
    assert "Saved as action 1" in shown(dm) and "&lt;starters&gt;" in shown(dm)

    for minute in range(16, 60):
        clock.set(start + timedelta(minutes=minute))
        runner.run_pass()
    close = next(
        c.params
        for c in fake_slack.calls_to("chat.postMessage")
        if shown(c.params).startswith("Close (5 mins, 55-60)")
    )
    assert "Buddy proposes <@UBOB>" in shown(close)
    # The group appoints someone else before the record goes out.
    cblocks = json.loads(close["blocks"]) if isinstance(close["blocks"], str) else close["blocks"]
    chair_value = next(b["accessory"]["value"] for b in cblocks if b.get("accessory"))
    fake_slack.clear()
    slack.block_action(CHAIR_ACTION, chair_value, user="UCAROL")
    [opened] = fake_slack.calls_to("views.open")
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else opened.params["view"]
    )
    slack.view_submission(
        view,
        {CHAIR_BLOCK: {CHAIR_BLOCK: {"type": "users_select", "selected_user": "UDAN"}}},
        user="UCAROL",
    )
    assert "appointed <@UDAN>" in shown(fake_slack.calls_to("chat.postMessage")[-1].params)

    clock.set(start + timedelta(minutes=60))
    runner.run_pass()
    record = fake_slack.calls_to("chat.postMessage")[-1].params
    text = shown(record)
    assert record["thread_ts"] and text.startswith("Session record")
    assert "<@UALICE>: no problem card posted" in text
    assert "<@UALICE>: Try retrieval &lt;starters&gt;" in text
    assert "*Next chair:* <@UDAN>" in text
    assert "<@UERIN>" not in text.split("Problems presented")[1].split("Actions")[0]
