"""A trio as its three members live it, over HTTP through the fake Slack: one of them leaves (Slack
deactivates them, they `unpair`, or they erase their data) and the other two carry on as a pair;
and every message that names the buddies or the pair reads right for three as for two."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from frontends.slack.blockkit import draw_form
from handlers.views.buddies import your_buddies_line
from handlers.views.meetings import build_skip_modal
from handlers.views.welcome import WHAT_BUDDY_DOES
from models.calendar.tables import Module
from models.clock import SettableClock
from models.people import default_cohort
from tests.conftest import DEFAULT_NOW, FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_data_rights import dms_to, event, pass_at
from tests.test_facilitators_http import home_event, published, view_text
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


# -- trios read as trios -------------------------------------------------------------------------

PAIR = (("UBOB",), "*Your buddy:* <@UBOB>", "pair", "you both")
TRIO = (("UBOB", "UCAROL"), "*Your buddies:* <@UBOB> and <@UCAROL>", "trio", "all three of you")


@pytest.mark.parametrize(("buddies", "line", "group", "everyone"), [PAIR, TRIO])
def test_status_and_home_name_each_buddy(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    buddies: tuple[str, ...],
    line: str,
    group: str,
    everyone: str,
) -> None:
    form(slack, fake_slack, buddies)
    status = slack.command("status", user="UALICE")
    assert line in status.text
    assert status.json()["text"].startswith(f"Your buddy {group} with <@UBOB>")
    slack.post(home_event("UALICE", "EvHome"), "application/json")
    home = view_text(published(fake_slack)[-1])
    assert f"Your buddy {group}\n" in home and line in home


@pytest.mark.parametrize(("buddies", "line", "group", "everyone"), [PAIR, TRIO])
def test_the_clocks_messages_to_the_group_count_its_members(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    buddies: tuple[str, ...],
    line: str,
    group: str,
    everyone: str,
) -> None:
    form(slack, fake_slack, buddies)
    with sessions() as session:
        cohort = default_cohort(session, "T1", DEFAULT_NOW)
        session.add(
            Module(
                cohort_id=cohort.id,
                code="B2",
                title="Developing effective professional development",
                insight_module="B1",
                starts_on=date(2026, 11, 23),
            )
        )
        session.commit()
    slack.command("action Try cold calling with 9X by 26/11", user="UALICE")
    fake_slack.clear()
    conversation = "G" + "-".join(sorted(["UALICE", *buddies]))
    for moment in (
        datetime(2026, 11, 24, 16, 0, tzinfo=UTC),  # the prep nudge
        datetime(2026, 11, 26, 18, 0, tzinfo=UTC),  # the check-in
        datetime(2026, 11, 30, 12, 0, tzinfo=UTC),  # three days overdue (after the weekend)
        datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    ):
        pass_at(settings, sessions, clock, moment)
    posted = posts_to(fake_slack, conversation)

    def the(words: str) -> str:
        [found] = [text for text in posted if words in text]
        return found

    prep = the("Complete insight module B1")
    checkin = the("How did your buddy meeting on")
    overdue = the("is still open")
    assert f"Complete insight module B1 first, so {everyone} come" in prep
    assert "you both" not in prep.replace(everyone, "")
    assert "How did your buddy meeting on" in checkin
    assert "Record the actions you agreed, so you can hold each other to them." in checkin
    others = " and ".join(f"<@{b}>" for b in buddies)
    assert f"{others}: a friendly word could help." in overdue


@pytest.mark.parametrize(("buddies", "line", "group", "everyone"), [PAIR, TRIO])
def test_pause_notices_count_the_buddies(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    buddies: tuple[str, ...],
    line: str,
    group: str,
    everyone: str,
) -> None:
    form(slack, fake_slack, buddies)
    paused = slack.command("pause 7/12 to 11/12 jury service", user="UALICE").text
    assert f"your {group}'s meetings in those days are not nudged" in paused
    [notice] = dms_to(fake_slack, "UBOB")
    assert "<@UALICE> is pausing Buddy from Mon 7 Dec to Fri 11 Dec (jury service)" in notice
    if group == "trio":
        assert "you two can meet without them, or work through the application module" in notice
        assert dms_to(fake_slack, "UCAROL") == [notice]
    else:
        assert "are yours for solo practice: work through the application module" in notice
    resumed = slack.command("resume", user="UALICE").text
    word = "buddies" if group == "trio" else "buddy"
    assert resumed.endswith(f"I've told your {word}.")


def test_words_for_a_reader_whose_pair_is_unknown_fit_two_and_three() -> None:
    """The welcome and the skip form are drawn without the pair: they say nothing of its size."""
    assert "you both" not in WHAT_BUDDY_DOES and "or trio" in WHAT_BUDDY_DOES
    form_text = message_text(
        {"blocks": draw_form(build_skip_modal([], "Europe/London", date(2026, 11, 24)))["blocks"]}
    )
    assert "your buddy sees" not in form_text and "Why (shared with your pair)" in form_text


def test_the_buddies_line_is_singular_for_one_and_plural_for_two() -> None:
    assert your_buddies_line(["UDAN"]) == "*Your buddy:* <@UDAN>"
    assert your_buddies_line(["UDAN", "UCHLOE"]) == "*Your buddies:* <@UDAN> and <@UCHLOE>"
