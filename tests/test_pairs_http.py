"""`/buddy pair`, `match`, `unpair`, `slot`, `backup`, `format`, `status`, as Slack sends them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.pairs import UNPAIR_CANCEL, UNPAIR_CONFIRM
from models.guidance import BUDDY_ROLES, FORMAT_ADVICE
from models.pairs import Pair, PairMember
from models.people import Participant
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_dates import token
from tests.slack_http import SlackClientForTests, message_text

ROLE_LINES = BUDDY_ROLES.split("\n")


def web_api_calls(fake_slack: FakeSlack) -> list[str]:
    """Web API methods called, leaving out Bolt's own auth.test."""
    return [c.method for c in fake_slack.calls if c.method != "auth.test"]


def posts_to(fake_slack: FakeSlack, channel: str) -> list[str]:
    return [
        message_text(c.params)
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params.get("channel") == channel
    ]


def pair_up(slack: SlackClientForTests, fake_slack: FakeSlack, text: str = "<@UBOB|bob>") -> None:
    result = slack.command(f"pair {text}", user="UALICE")
    assert result.status == 200
    assert "now buddies" in slack.told()
    fake_slack.clear()


def set_slot(slack: SlackClientForTests, fake_slack: FakeSlack, text: str = "thu 16:00") -> None:
    slack.command(f"slot {text}", user="UALICE")
    assert "Your fortnightly slot is" in slack.told(), slack.told()
    fake_slack.clear()


def pair_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Pair).where(Pair.dissolved_at.is_(None))
            )
            or 0
        )


def only_pair(sessions: sessionmaker[Session]) -> Pair:
    with sessions() as session:
        pairs = list(session.scalars(select(Pair).where(Pair.dissolved_at.is_(None))))
        assert len(pairs) == 1
        return pairs[0]


def test_pair_tells_both_in_their_group_dm_with_the_four_roles(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    result = slack.command("pair <@UBOB|bob>", user="UALICE")
    # Said in the ack itself: the pair exists by the time the answer does.
    assert result.status == 200
    assert "You and <@UBOB> are now buddies" in result.text
    opened = fake_slack.calls_to("conversations.open")
    assert [c.params["users"] for c in opened] == ["UALICE,UBOB"]
    told = posts_to(fake_slack, "GUALICE-UBOB")
    assert len(told) == 1
    for line in ROLE_LINES:
        assert line in told[0]
    assert "1. Provide opportunities to discuss and make sense of key content" in told[0]
    pair = only_pair(sessions)
    assert pair.group_channel_id == "GUALICE-UBOB"
    with sessions() as session:
        zones = dict(session.execute(select(Participant.user_id, Participant.timezone)).all())
    assert zones == {"UALICE": "Europe/London", "UBOB": "Europe/London"}


def test_pair_accepts_a_bare_mention_and_makes_a_trio(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slack.command("pair <@UBOB> <@UCAROL|carol>", user="UALICE")
    assert "You, <@UBOB> and <@UCAROL> are now buddies" in slack.told()
    assert fake_slack.calls_to("conversations.open")[0].params["users"] == "UALICE,UBOB,UCAROL"
    welcome = posts_to(fake_slack, "GUALICE-UBOB-UCAROL")[0]
    # Read by all three alike: no "@Alice and you have made you a trio".
    assert "<@UALICE>, <@UBOB> and <@UCAROL>: you're now a trio. Welcome!" in welcome
    assert "and you have" not in welcome
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PairMember)) == 3


def test_pairing_with_yourself_is_refused_in_the_ack(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    result = slack.command("pair <@UALICE|alice>", user="UALICE")
    assert "can't be your own buddy" in result.text
    assert "/buddy pair @Sam" in result.text
    assert web_api_calls(fake_slack) == []
    assert pair_count(sessions) == 0


def test_pairing_with_a_bot_is_refused_and_nothing_is_written(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slack.command("pair <@UBOTTY|botty>", user="UALICE")
    assert "<@UBOTTY> is a bot" in slack.told()
    assert "For example: `/buddy pair" in slack.told()
    assert pair_count(sessions) == 0
    assert fake_slack.calls_to("chat.postMessage") == []


def test_pairing_with_someone_already_paired_suggests_a_trio_or_unpair(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    slack.command("pair <@UBOB|bob>", user="UCAROL")
    text = slack.told()
    assert "<@UBOB> is already in a buddy pair" in text
    assert "trio" in text and "unpair" in text
    assert pair_count(sessions) == 1


def test_a_paired_caller_is_told_to_unpair_first(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    pair_up(slack, fake_slack)
    result = slack.command("pair <@UCAROL|carol>", user="UALICE")
    assert "You're already in a buddy pair" in result.text
    assert "`/buddy unpair`" in result.text


def test_more_than_a_trio_is_refused(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    result = slack.command("pair <@UBOB> <@UCAROL> <@UDAN>", user="UALICE")
    assert "A trio is the largest" in result.text
    assert web_api_calls(fake_slack) == []


def test_plain_text_names_and_unknown_people_are_refused(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    result = slack.command("pair @bob", user="UALICE")
    assert "couldn't tell who `@bob` is" in result.text
    assert "For example: `/buddy pair @Sam`" in result.text
    assert "Please mention who you mean" in slack.command("pair", user="UALICE").text
    slack.command("pair <@UNOBODY|ghost>", user="UALICE")
    assert "couldn't find <@UNOBODY>" in slack.told()
    assert pair_count(sessions) == 0


def test_match_is_for_facilitators_and_tells_the_pair(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    refused = slack.command("match <@UBOB> <@UCAROL>", user="UALICE")
    assert "Only facilitators can pair other people" in refused.text
    assert "`/buddy pair`" in refused.text
    assert web_api_calls(fake_slack) == []

    result = slack.command("match <@UBOB|bob> <@UCAROL|carol>", user=FACILITATOR)
    assert "<@UBOB> and <@UCAROL> are now a buddy pair" in result.text
    told = posts_to(fake_slack, "GUBOB-UCAROL")
    assert f"<@{FACILITATOR}> has made you a buddy pair" in told[0]
    assert ROLE_LINES[3] in told[0]
    with sessions() as session:
        members = session.scalars(
            select(Participant.user_id).join(
                PairMember, PairMember.participant_id == Participant.id
            )
        ).all()
    assert sorted(members) == ["UBOB", "UCAROL"]


def test_match_refusals(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    assert "mention 2 people" in slack.command("match <@UBOB>", user=FACILITATOR).text
    slack.command("match <@UBOB> <@UBOTTY>", user=FACILITATOR)
    assert "is a bot" in slack.told()
    pair_up(slack, fake_slack)
    slack.command("match <@UBOB> <@UCAROL>", user=FACILITATOR)
    assert "<@UBOB> is already in a buddy pair" in slack.told()


def unpair_button_value(result_json: dict[str, Any]) -> str:
    for block in result_json["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == UNPAIR_CONFIRM:
                return str(element["value"])
    raise AssertionError("no confirmation button")


def test_unpair_asks_first_then_tells_the_buddy(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    assert "not in a buddy pair" in slack.command("unpair", user="UALICE").text
    pair_up(slack, fake_slack)
    asked = slack.command("unpair", user="UALICE")
    assert "Leave your buddy pair with <@UBOB>?" in asked.text
    assert pair_count(sessions) == 1  # nothing happens before the button
    value = unpair_button_value(asked.json())

    slack.block_action(UNPAIR_CONFIRM, value, user="UALICE")
    assert "You've left the buddy pair. I've let <@UBOB> know." in slack.told()
    assert fake_slack.response_posts[-1]["replace_original"] is True
    assert "<@UALICE> has left your buddy pair" in posts_to(fake_slack, "UBOB")[0]
    assert pair_count(sessions) == 0
    # Both are free to pair again.
    fake_slack.clear()
    pair_up(slack, fake_slack, "<@UCAROL|carol>")
    # A stale button from the old pair changes nothing.
    slack.block_action(UNPAIR_CONFIRM, value, user="UALICE")
    assert "no longer in that buddy pair" in slack.told()
    assert pair_count(sessions) == 1


def test_unpair_cancel_changes_nothing(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    value = unpair_button_value(slack.command("unpair", user="UALICE").json())
    slack.block_action(UNPAIR_CANCEL, value, user="UALICE")
    assert "still in your buddy pair" in slack.told()
    assert pair_count(sessions) == 1


def test_leaving_a_trio_leaves_a_pair_with_a_new_group_dm(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack, "<@UBOB> <@UCAROL>")
    value = unpair_button_value(slack.command("unpair", user="UCAROL").json())
    slack.block_action(UNPAIR_CONFIRM, value, user="UCAROL")
    assert "I've let <@UALICE> and <@UBOB> know" in slack.told()
    assert "You two carry on as a pair" in posts_to(fake_slack, "UALICE")[0]
    pair = only_pair(sessions)
    assert pair.group_channel_id is None
    fake_slack.clear()
    slack.command("slot thu 16:00", user="UALICE")
    assert [c.params["users"] for c in fake_slack.calls_to("conversations.open")] == ["UALICE,UBOB"]
    assert only_pair(sessions).group_channel_id == "GUALICE-UBOB"


def test_slot_sets_the_fortnight_and_each_buddy_sees_their_own_time(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    fake_slack.add_user("UBOB", tz="America/New_York")
    pair_up(slack, fake_slack)
    result = slack.command("slot thu 16:00", user="UALICE")
    assert result.body == ""
    text = slack.told()
    assert "every other Thursday at 16:00 UK time" in text
    assert "First meeting: Thu 26 Nov at 16:00 UK time" in text
    told = posts_to(fake_slack, "GUALICE-UBOB")[0]
    # One date token: each buddy's Slack shows their own time; the fallback names the zone.
    first = token(datetime(2026, 11, 26, 16, tzinfo=UTC), "Thu 26 Nov at 16:00 UK time")
    assert f"First meeting: {first}" in told
    assert "for <@UBOB>" not in told and "Europe/London" not in told
    pair = only_pair(sessions)
    assert (pair.slot_weekday, str(pair.slot_time), pair.slot_timezone) == (
        3,
        "16:00:00",
        "Europe/London",
    )
    status = slack.command("status", user="UBOB").text
    assert "which is Thursday 11:00 New York time for you" in status
    assert "Times shown in New York time" in status


def test_slot_from_a_date_and_in_a_named_zone(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    slack.command("slot Tuesday 4.30pm from 3/12 tz America/New_York", user="UALICE")
    text = slack.told()
    assert "every other Tuesday at 16:30 New York time" in text
    # Alice, in London, is told what it is for her.
    assert "which is Tuesday 21:30 UK time for you" in text
    assert "First meeting: Tue 8 Dec at 21:30 UK time" in text
    assert only_pair(sessions).slot_timezone == "America/New_York"
    # Without tz the zone was not looked up in Slack.
    assert fake_slack.calls_to("users.info") == []


def test_slot_refusals(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    not_paired = slack.command("slot thu 16:00", user="UALICE")
    assert "not in a buddy pair" in not_paired.text
    pair_up(slack, fake_slack)
    for text, fragment in [
        ("slot someday 16:00", "couldn't read `someday` as a day of the week"),
        ("slot thu 25:00", "not a time on a 24-hour clock"),
        ("slot thu", "day of the week and a time"),
        ("slot thu 16:00 tz Mars/Base", "don't know the time zone `Mars/Base`"),
        ("slot thu 16:00 from 31/2", "There is no 31 Feb"),
    ]:
        result = slack.command(text, user="UALICE")
        assert fragment in result.text, (text, result.text)
        assert "For example: `/buddy slot thu 16:00" in result.text
    slack.command("slot thu 16:00 from 2026-11-01", user="UALICE")
    assert "Sun 1 Nov has already passed" in slack.told()
    assert only_pair(sessions).slot_weekday is None


def test_backup_needs_a_slot_and_is_told_to_the_pair(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    slack.command("backup fri 8am", user="UBOB")
    assert "agree your main fortnightly slot first" in slack.told()
    assert "day of the week and a time" in slack.command("backup fri", user="UBOB").text
    set_slot(slack, fake_slack)
    slack.command("backup fri 8am", user="UBOB")
    assert "Your backup slot is Friday at 08:00 UK time" in slack.told()
    assert "<@UBOB> set your backup slot" in posts_to(fake_slack, "GUALICE-UBOB")[0]
    assert only_pair(sessions).backup_weekday == 4
    assert "not in a buddy pair" in slack.command("backup fri 8am", user="UCAROL").text


def test_format_shows_the_seeds_advice(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    slack.command("format video <https://zoom.us/j/123>", user="UALICE")
    text = slack.told()
    assert "You'll meet by video: https://zoom.us/j/123" in text
    assert FORMAT_ADVICE in text
    assert "Phones can act as a barrier to sharing effective examples, videos and slides." in text
    assert only_pair(sessions).format_detail == "https://zoom.us/j/123"
    slack.command("format in-person the school library", user="UBOB")
    assert "You'll meet in person: the school library" in slack.told()
    for bad in ("format phone", "format video", "format"):
        result = slack.command(bad, user="UALICE")
        assert ":warning:" in result.text and "For example" in result.text, bad


def test_status_for_someone_unpaired_and_for_a_pair(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    lonely = slack.command("status", user="UALICE")
    assert "You're not in a buddy pair yet" in lonely.text
    assert "No cohort set up yet (everyone here is together)" in lonely.text
    assert "Cohort: Everyone" not in lonely.text
    pair_up(slack, fake_slack)
    fresh = slack.command("status", user="UALICE").text
    assert "*Your buddy:* <@UBOB>" in fresh
    assert "*Slot:* not agreed yet" in fresh
    assert "Still to agree: `/buddy slot thu 16:00`" in fresh
    set_slot(slack, fake_slack)
    slack.command("format video <https://meet.example/x>", user="UALICE")
    slack.command("backup fri 8am", user="UALICE")
    full = slack.command("status", user="UALICE")
    assert full.body  # answered in the ack
    assert "every other Thursday at 16:00 UK time" in full.text
    assert "*Backup:* Friday at 08:00" in full.text
    assert "*Format:* by video: https://meet.example/x" in full.text
    assert "*Next meeting:* Thu 26 Nov at 16:00" in full.text
    assert "Still to agree" not in full.text


def test_a_slot_set_from_paris_in_london_time_is_told_in_paris_time_too(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UALICE", tz="Europe/Paris")
    pair_up(slack, fake_slack)
    slack.command("slot thu 16:00 tz Europe/London", user="UALICE")
    text = slack.told()
    assert "every other Thursday at 16:00 UK time, which is Thursday 17:00 Paris time for you" in (
        text
    )
    assert "First meeting: Thu 26 Nov at 17:00 Paris time" in text
    told = posts_to(fake_slack, "GUALICE-UBOB")[0]
    first = token(datetime(2026, 11, 26, 16, tzinfo=UTC), "Thu 26 Nov at 16:00 UK time")
    assert f"First meeting: {first}" in told
