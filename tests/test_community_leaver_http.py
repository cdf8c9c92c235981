"""A community group member leaves Slack (or is erased), over HTTP through the fake Slack with the
clock run across the sessions: the leaver has no more turns as a problem owner, is never proposed
or appointed as chair, and the group runs the timetable for those still in it; a group left with
fewer than three is told so, and the clock goes on for everyone else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.community import CHAIR_ACTION, CHAIR_BLOCK
from models.clock import SettableClock
from models.community.chairs import Birthday, Member, chairs, next_chair
from scheduler.runner import build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests
from tests.test_community_http import form_group, shown
from tests.test_data_rights import dms_to
from tests.test_trios_http import leaves_slack

CHANNEL = "CCOHORT"  # where `slack.command` runs, so the group's channel
FIVE = "<@UALICE|a> <@UBOB|b> <@UCAROL|c> <@UDAN|d> <@UERIN|e>"
# Thu 3 Dec 2026 at 16:00 London (UTC in winter), then fortnightly: Thu 17 Dec.
FIRST = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
SECOND = FIRST + timedelta(days=14)


def channel_posts(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return [
        c.params for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL
    ]


def run_across(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
    starts: datetime,
) -> list[dict[str, Any]]:
    """Tick every minute from a minute before the session to a minute after its hour; the
    channel's posts in that time, in order."""
    runner = build_runner(settings, clock, sessions=sessions)
    before = len(channel_posts(fake_slack))
    for minute in range(-1, 62):
        clock.set(starts + timedelta(minutes=minute))
        runner.run_pass()
    return channel_posts(fake_slack)[before:]


def owners_of(posts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(the turn's minutes heading, the owner's line) of each turn's first post."""
    found = []
    for post in posts:
        lines = shown(post).splitlines()
        heading = lines[0].split(":")[0]
        found += [(heading, line) for line in lines if line.startswith("*Problem owner ")]
    return found


def close_of(posts: list[dict[str, Any]]) -> dict[str, Any]:
    return next(p for p in posts if shown(p).startswith("Close ("))


def test_a_leaver_has_no_turn_in_a_group_of_five_now_four_and_the_chair_rotation_skips_them(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    # Birthdays set the rotation: Carol chairs first, then Bob, then Alice.
    slack.command("birthday 2 Jan", user="UCAROL")
    slack.command("birthday 20 Feb", user="UBOB")
    slack.command("birthday 3 Mar", user="UALICE")
    form_group(slack, FIVE)
    slack.command("community schedule 3/12 16:00 fortnightly")
    assert "*Chair:* <@UCAROL>" in slack.told()

    # The first session, with all five: Carol chairs, five ten-minute turns, Bob proposed next.
    first = run_across(settings, sessions, clock, fake_slack, FIRST)
    assert "Chair: <@UCAROL>" in shown(first[0])
    assert len(owners_of(first)) == 5
    assert "Buddy proposes <@UBOB>" in shown(close_of(first))

    # Carol leaves Slack: the group's channel hears she has left it, and that four go on.
    clock.set(FIRST + timedelta(days=2))
    fake_slack.clear()
    leaves_slack(slack, "UCAROL")
    [told] = [shown(p) for p in channel_posts(fake_slack)]
    assert "<@UCAROL> has left this Slack workspace, and so has left this community group" in told
    assert "the 4 of you (<@UALICE>, <@UBOB>, <@UDAN> and <@UERIN>)" in told
    assert dms_to(fake_slack, "UCAROL") == []

    slack.command("community")
    shown_group = slack.told()
    assert "<@UCAROL>" not in shown_group
    assert "*Chair:* <@UBOB>" in shown_group

    # The prep DMs two days before go to the four, not to her.
    fake_slack.clear()
    clock.set(SECOND - timedelta(days=2))
    build_runner(settings, clock, sessions=sessions).run_pass()
    preps = sorted(str(c.params["channel"]) for c in fake_slack.calls_to("chat.postMessage"))
    assert preps == ["DUALICE", "DUBOB", "DUDAN", "DUERIN"]

    # The second session: four turns on the four-person timetable, never Carol's; Bob chairs
    # (Carol's turn as chair is kept as hers, so nobody still here is skipped), Alice is next.
    second = run_across(settings, sessions, clock, fake_slack, SECOND)
    assert "Chair: <@UBOB>" in shown(second[0])
    assert "Problem owners today, in order: <@UALICE>, <@UBOB>, <@UDAN> and <@UERIN>" in shown(
        second[0]
    )
    turns = owners_of(second)
    assert [heading for heading, _ in turns] == [
        "Introduce the problem (2 mins, 5-7)",
        "Introduce the problem (2 mins, 17-19)",
        "Introduce the problem (2 mins, 30-32)",
        "Introduce the problem (2 mins, 43-45)",
    ]
    assert [line.split(":")[1].split("*")[0].strip() for _, line in turns] == [
        "<@UALICE>",
        "<@UBOB>",
        "<@UDAN>",
        "<@UERIN>",
    ]
    assert not any("<@UCAROL>" in shown(p) for p in second)
    close = close_of(second)
    assert shown(close).startswith("Close (5 mins, 55-60)")
    assert "Buddy proposes <@UALICE>" in shown(close)

    # Nor can the group appoint her as the next chair.
    blocks = json.loads(close["blocks"]) if isinstance(close["blocks"], str) else close["blocks"]
    chair_value = next(b["accessory"]["value"] for b in blocks if b.get("accessory"))
    fake_slack.clear()
    slack.block_action(CHAIR_ACTION, chair_value, user="UDAN")
    [opened] = fake_slack.calls_to("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    slack.view_submission(
        view,
        {CHAIR_BLOCK: {CHAIR_BLOCK: {"type": "users_select", "selected_user": "UCAROL"}}},
        user="UDAN",
    )
    assert any("<@UCAROL> is not in this group" in t for t in dms_to(fake_slack, "UDAN"))
    assert not [p for p in channel_posts(fake_slack) if "appointed" in shown(p)]


def test_a_group_of_three_losing_one_is_told_and_the_clock_goes_on_without_its_session(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    form_group(slack, "<@UALICE|a> <@UBOB|b> <@UCAROL|c>")
    slack.command("community schedule 3/12 16:00")
    slack.command("pair <@UDAN|d>", user="UERIN")
    slack.command("slot thu 16:00", user="UERIN")
    fake_slack.clear()

    leaves_slack(slack, "UCAROL")
    [told] = [shown(p) for p in channel_posts(fake_slack)]
    assert "That leaves <@UALICE> and <@UBOB>, and the protocol needs 3 to 6" in told
    assert "`/buddy community group @Sam @Alex @Kim`" in told
    [facilitator] = dms_to(fake_slack, FACILITATOR)
    assert f"Their community group in <#{CHANNEL}> has fewer than three members now" in facilitator

    # Nothing is posted for a session of two, and everyone else's nudges still go.
    fake_slack.clear()
    clock.set(FIRST - timedelta(days=2))
    build_runner(settings, clock, sessions=sessions).run_pass()
    assert not [c for c in fake_slack.calls_to("chat.postMessage") if "community" in str(c)]
    assert run_across(settings, sessions, clock, fake_slack, FIRST) == []
    assert any(
        "GUDAN-UERIN" in str(c.params["channel"]) for c in fake_slack.calls_to("chat.postMessage")
    )

    slack.command("community schedule 17/12 16:00")
    told = slack.told()
    assert "This group has 2 members now" in told and "/buddy community group @Sam" in told


def test_an_erased_member_of_a_group_of_three_does_not_stop_the_clock(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    form_group(slack, "<@UALICE|a> <@UBOB|b> <@UCAROL|c>")
    slack.command("community schedule 3/12 16:00")
    slack.command("pair <@UDAN|d>", user="UERIN")
    slack.command("slot thu 16:00", user="UERIN")
    slack.command("forget me", user="UCAROL")
    slack.block_action("buddy_forget_confirm", "UCAROL", user="UCAROL")
    assert "Buddy has erased your data" in slack.told()
    fake_slack.clear()

    clock.set(FIRST - timedelta(days=2))
    build_runner(settings, clock, sessions=sessions).run_pass()
    assert run_across(settings, sessions, clock, fake_slack, FIRST) == []
    assert any(
        "GUDAN-UERIN" in str(c.params["channel"]) for c in fake_slack.calls_to("chat.postMessage")
    )


def test_a_session_chaired_by_someone_who_has_left_stays_theirs_and_nobody_is_skipped() -> None:
    # 1 chaired the first session, then left: 2, 3 and 4 each chair once before anyone twice.
    members = [Member(2, Birthday(2, 2)), Member(3, Birthday(3, 3)), Member(4, None)]
    assert chairs(members, [1, None, None, None, None]) == [1, 2, 3, 4, 2]
    assert next_chair(members, [1]) == 2
