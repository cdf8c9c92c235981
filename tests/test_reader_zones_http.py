"""Every time a person reads is in their own zone: a London facilitator's community session and a
London buddy's pause, as a Paris member reads them (Slack's date token, and its fallback)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from scheduler.runner import build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_dates import as_fallback, token
from tests.slack_http import SlackClientForTests, message_text

FOUR = "<@UALICE|alice> <@UBOB|bob> <@UCAROL|carol> <@UDAN|dan>"
# Thu 4 Mar 2027, 16:30 in London (GMT): 17:30 in Paris.
SESSION_STARTS = datetime(2027, 3, 4, 16, 30, tzinfo=UTC)


def shown(params: dict[str, Any]) -> str:
    blocks = params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return message_text({"text": params.get("text", ""), "blocks": blocks})


def dms_to(fake_slack: FakeSlack, user: str) -> list[str]:
    return [
        shown(c.params)
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] in (user, "D" + user)
    ]


def paris_bob_paired_with_london_alice(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    """Bob's Slack profile is in Paris; pairing looks both up, so Buddy knows his zone."""
    fake_slack.add_user("UBOB", tz="Europe/Paris")
    slack.command("pair <@UBOB|bob>", user="UALICE")
    assert "now buddies" in slack.told()


def test_a_london_facilitators_community_session_reaches_a_paris_member_in_his_time(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
) -> None:
    paris_bob_paired_with_london_alice(slack, fake_slack)
    slack.command(f"community group {FOUR}", user=FACILITATOR)
    slack.command("community schedule 4/3 16:30", user=FACILITATOR)
    # The facilitator typed London time, and reads it back so, named.
    assert token(SESSION_STARTS, "Thu 4 Mar 2027 at 16:30 UK time") in slack.told()

    # Bob asks: his client shows the token in his time.
    slack.command("community", user="UBOB")
    assert f"<!date^{int(SESSION_STARTS.timestamp())}^" in slack.told()

    # Two days before, his prep DM: the token, its fallback in his own time.
    fake_slack.clear()
    clock.set(datetime(2027, 3, 2, 16, 30, tzinfo=UTC))
    build_runner(settings, clock, sessions=sessions).run_pass()
    [prep] = [t for t in dms_to(fake_slack, "UBOB") if "community session" in t]
    assert token(SESSION_STARTS, "Thu 4 Mar at 17:30 Paris time") in prep
    assert "Thu 4 Mar at 17:30 Paris time" in as_fallback(prep)
    assert "16:30" not in as_fallback(prep)
    # Alice, in London, reads hers in UK time.
    [alices] = [t for t in dms_to(fake_slack, "UALICE") if "community session" in t]
    assert token(SESSION_STARTS, "Thu 4 Mar at 16:30 UK time") in alices


def test_a_pause_notice_shows_a_paris_buddy_the_meetings_in_his_time(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    paris_bob_paired_with_london_alice(slack, fake_slack)
    slack.command("slot thu 16:00", user="UALICE")  # Alice's zone: London
    fake_slack.clear()
    slack.command("pause 7/12 to 11/12", user="UALICE")
    [notice] = dms_to(fake_slack, "UBOB")
    thu_10_dec = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 16:00 London, 17:00 Paris
    assert token(thu_10_dec, "Thu 10 Dec at 17:00 Paris time") in notice
    assert "Your meetings in that time (Thu 10 Dec at 17:00 Paris time)" in as_fallback(notice)
    assert "16:00" not in as_fallback(notice)


def test_each_buddy_of_a_trio_reads_the_pause_notice_in_their_own_zone(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UBOB", tz="Europe/Paris")
    fake_slack.add_user("UCAROL", tz="America/New_York")
    slack.command("pair <@UBOB|bob> <@UCAROL|carol>", user="UALICE")
    slack.command("slot thu 16:00", user="UALICE")
    fake_slack.clear()
    slack.command("pause 7/12 to 11/12", user="UALICE")
    thu_10_dec = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    [bobs] = dms_to(fake_slack, "UBOB")
    [carols] = dms_to(fake_slack, "UCAROL")
    assert token(thu_10_dec, "Thu 10 Dec at 17:00 Paris time") in bobs
    assert token(thu_10_dec, "Thu 10 Dec at 11:00 New York time") in carols
