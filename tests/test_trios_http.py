"""A trio as its three members live it, over HTTP through the fake Slack: one of them leaves (Slack
deactivates them, they `unpair`, or they erase their data) and the other two carry on as a pair;
and every message that names the buddies or the pair reads right for three as for two."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests
from tests.test_data_rights import dms_to, event, pass_at
from tests.test_pairs_http import posts_to, unpair_button_value

TRIO_DM = "GUALICE-UBOB-UCAROL"
PAIR_DM = "GUALICE-UBOB"


def form(slack: SlackClientForTests, fake_slack: FakeSlack, buddies: Sequence[str]) -> None:
    """Alice pairs with her buddies and sets Thursdays at 16:00: first meeting Thu 26 Nov."""
    slack.command("pair " + " ".join(f"<@{b}>" for b in buddies), user="UALICE")
    assert "now buddies" in slack.told()
    slack.command("slot thu 16:00", user="UALICE")
    assert "Your fortnightly slot is" in slack.told()
    fake_slack.clear()


def leaves_slack(slack: SlackClientForTests, user: str) -> None:
    gone = {
        "event_id": f"Ev-{user}",
        "event": {"type": "user_change", "user": {"id": user, "team_id": "T1", "deleted": True}},
    }
    assert event(slack, gone) == 200


def channels_posted_to(fake_slack: FakeSlack) -> list[str]:
    return [str(c.params.get("channel")) for c in fake_slack.calls_to("chat.postMessage")]


# -- a leaver in a trio --------------------------------------------------------------------------


def test_a_trio_member_leaving_slack_leaves_a_pair_that_goes_on(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    form(slack, fake_slack, ["UBOB", "UCAROL"])
    slack.command("action Try cold calling with 9X by 1/12", user="UALICE")
    slack.command("action Observe a year 7 lesson by 1/12", user="UCAROL")
    fake_slack.clear()

    leaves_slack(slack, "UCAROL")

    for buddy in ("UALICE", "UBOB"):
        [told] = dms_to(fake_slack, buddy)
        assert "<@UCAROL> has left this Slack workspace, and so has left your trio." in told
        assert "You two carry on as a pair, with the same fortnightly slot" in told
        assert "ended" not in told and "stopped" not in told and "someone new" not in told
    [facilitator] = dms_to(fake_slack, FACILITATOR)
    assert "<@UCAROL> has left this Slack workspace; Buddy has stopped nudging them." in facilitator
    assert "Their trio is now a pair: <@UALICE> and <@UBOB> carry on with the same slot" in (
        facilitator
    )
    assert "now needs a new" not in facilitator
    assert dms_to(fake_slack, "UCAROL") == []

    # Their status shows the two of them, with the slot they had.
    status = slack.command("status", user="UALICE").text
    assert "*Your buddy:* <@UBOB>" in status and "<@UCAROL>" not in status
    assert "every other Thursday at 16:00" in status
    assert "*Your buddy:* <@UALICE>" in slack.command("status", user="UBOB").text

    # The clock still nudges the two of them, in a conversation without Carol, and never Carol.
    fake_slack.clear()
    pass_at(settings, sessions, clock, datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    [prep] = posts_to(fake_slack, PAIR_DM)
    assert "Your buddy meeting" in prep and "Thu 26 Nov" in prep
    pass_at(settings, sessions, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert any("Try cold calling with 9X" in t for t in dms_to(fake_slack, "UALICE"))
    assert not [c for c in channels_posted_to(fake_slack) if "UCAROL" in c]


def test_a_pair_member_leaving_slack_still_ends_the_pair(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    form(slack, fake_slack, ["UBOB"])
    leaves_slack(slack, "UALICE")
    [told] = dms_to(fake_slack, "UBOB")
    assert "<@UALICE> has left this Slack workspace, so your buddy pair has ended" in told
    assert "pair with someone new: `/buddy pair @Sam`" in told
    [facilitator] = dms_to(fake_slack, FACILITATOR)
    assert "<@UBOB> now needs a new buddy pair (`/buddy match`)." in facilitator
    assert "trio" not in facilitator
    assert "not in a buddy pair" in slack.command("status", user="UBOB").text
    fake_slack.clear()
    pass_at(settings, sessions, clock, datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    assert fake_slack.calls_to("chat.postMessage") == []


def test_unpair_in_a_trio_says_the_other_two_carry_on(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    form(slack, fake_slack, ["UBOB", "UCAROL"])
    asked = slack.command("unpair", user="UCAROL")
    assert "Leave your trio with <@UALICE> and <@UBOB>?" in asked.text
    assert "carry on as a pair with the same slot; your own fortnightly meetings stop" in asked.text
    assert "Yes, leave the trio" in asked.text
    slack.block_action("buddy_unpair_confirm", unpair_button_value(asked.json()), user="UCAROL")
    assert "You've left the trio. I've let <@UALICE> and <@UBOB> know; they carry on" in (
        slack.told()
    )
    for buddy in ("UALICE", "UBOB"):
        [told] = dms_to(fake_slack, buddy)
        assert "<@UCAROL> has left your trio. You two carry on as a pair" in told
    assert "*Your buddy:* <@UBOB>" in slack.command("status", user="UALICE").text
    fake_slack.clear()
    pass_at(settings, sessions, clock, datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    assert channels_posted_to(fake_slack) == [PAIR_DM]


def test_erasing_a_trio_member_tells_the_other_two_they_carry_on(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    form(slack, fake_slack, ["UBOB", "UCAROL"])
    slack.command("forget me", user="UCAROL")
    asked = slack.told()
    assert "<@UALICE> and <@UBOB> will be told their trio is now a pair (not why)" in asked
    slack.block_action("buddy_forget_confirm", "UCAROL", user="UCAROL")
    for buddy in ("UALICE", "UBOB"):
        [told] = dms_to(fake_slack, buddy)
        assert "One of your trio has left Buddy. You two carry on as a pair" in told
        assert "ended" not in told
    [facilitator] = dms_to(fake_slack, FACILITATOR)
    assert "Their trio is now a pair: <@UALICE> and <@UBOB> carry on" in facilitator
    assert "needs a new pair" not in facilitator
