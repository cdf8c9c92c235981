"""`/buddy next`, `move`, `skip` and the backup-or-solo buttons, as Slack sends them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.meetings import SKIP_BACKUP, SKIP_SOLO
from models.calendar.tables import CohortBreak
from models.pairs import MeetingChange
from models.people import default_cohort
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_dates import DAY_ONLY, as_fallback, token
from tests.slack_http import SlackClientForTests, message_text
from tests.test_pairs_http import only_pair, pair_up, posts_to, set_slot, web_api_calls

GROUP_DM = "GUALICE-UBOB"


def slotted_pair(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    """Alice and Bob, Thursdays 16:00 London: 26 Nov, 10 Dec, 24 Dec, 7 Jan..."""
    pair_up(slack, fake_slack)
    set_slot(slack, fake_slack)


def changes(sessions: sessionmaker[Session]) -> list[MeetingChange]:
    with sessions() as session:
        return list(session.scalars(select(MeetingChange).order_by(MeetingChange.original_date)))


def test_next_lists_the_coming_meetings_in_the_callers_zone(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UBOB", tz="America/New_York")
    slotted_pair(slack, fake_slack)
    slack.command("format in-person the staffroom", user="UALICE")
    mine = slack.command("next", user="UALICE")
    assert mine.json()["response_type"] == "ephemeral"
    assert "*Thu 26 Nov at 16:00*" in mine.text
    assert "*Thu 10 Dec at 16:00*" in mine.text
    assert "*Thu 24 Dec at 16:00*" in mine.text
    assert "How: in person: the staffroom" in mine.text
    bobs = slack.command("next", user="UBOB").text
    assert "*Thu 26 Nov at 11:00*" in bobs
    assert "Times shown in New York time" in bobs


def test_next_shows_a_meeting_a_break_drops_and_counts_it(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    with sessions() as session:
        cohort = default_cohort(session, "T1", DEFAULT_NOW)
        session.add(
            CohortBreak(
                cohort_id=cohort.id,
                name="Autumn <half> term",
                start_date=date(2026, 12, 7),
                end_date=date(2026, 12, 11),
            )
        )
        session.commit()
    shown = slack.command("next", user="UALICE").text
    assert "*Thu 26 Nov at 16:00*" in shown
    assert "Thu 10 Dec: no meeting (Autumn &lt;half&gt; term)" in shown
    assert "*Thu 24 Dec at 16:00*" in shown
    assert "7 Jan" not in shown  # the dropped meeting is one of the three shown


def test_next_refusals(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    assert "not in a buddy pair" in slack.command("next", user="UALICE").text
    pair_up(slack, fake_slack)
    no_slot = slack.command("next", user="UALICE").text
    assert "no fortnightly slot yet" in no_slot
    assert "For example: `/buddy slot thu 16:00`" in no_slot


def test_move_the_next_meeting_tells_the_pair_and_shows_in_next(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("move to 27/11 17:00", user="UBOB")
    assert "Moved: your meeting of Thu 26 Nov is now on Fri 27 Nov at 17:00." in slack.told()
    told = posts_to(fake_slack, GROUP_DM)[0]
    moved_to = token(datetime(2026, 11, 27, 17, tzinfo=UTC), "Fri 27 Nov, 5pm UK time")
    assert told.startswith(f"Moved to {moved_to}. Prep as before.")
    [moved] = changes(sessions)
    assert moved.original_date == date(2026, 11, 26)
    assert moved.new_start == datetime(2026, 11, 27, 17, tzinfo=UTC)
    shown = slack.command("next", user="UALICE").text
    assert "*Fri 27 Nov at 17:00* (moved from Thu 26 Nov)" in shown


def test_move_a_named_meeting_keeps_its_usual_time(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("move 10/12 to 11 Dec", user="UALICE")
    assert "your meeting of Thu 10 Dec is now on Fri 11 Dec at 16:00" in slack.told()
    # Moving it back where the slot put it forgets the change.
    slack.command("move 11/12 to thu 10 dec", user="UALICE")
    assert "now on Thu 10 Dec at 16:00" in slack.told()
    assert changes(sessions) == []


def test_move_refusals(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    assert "not in a buddy pair" in slack.command("move to 5/12", user="UALICE").text
    pair_up(slack, fake_slack)
    assert "no fortnightly slot" in slack.command("move to 5/12", user="UALICE").text
    set_slot(slack, fake_slack)
    for text, fragment in [
        ("move to 31/2", "There is no 31 Feb"),
        ("move 5/12", "which date to move the meeting to"),
        ("move to 5/12 25:00", "couldn't read `5/12 25:00` as a date"),
    ]:
        result = slack.command(text, user="UALICE")
        assert fragment in result.text, (text, result.text)
        assert "For example: `/buddy move" in result.text
    slack.command("move to 2026-11-20", user="UALICE")
    assert "Fri 20 Nov at 16:00 has already passed" in slack.told()
    slack.command("move to today 9am", user="UALICE")
    assert "Tue 24 Nov at 09:00 has already passed" in slack.told()
    slack.command("move 3/12 to 5/12", user="UALICE")
    assert "You don't have a meeting on Thu 3 Dec. Your next one is Thu 26 Nov." in slack.told()
    slack.command("move 26/11 to 10/12", user="UALICE")
    assert "You already have a meeting on Thu 10 Dec at 16:00" in slack.told()
    slack.command("move to thu", user="UALICE")
    assert "already on Thu 26 Nov at 16:00" in slack.told()
    with sessions() as session:
        cohort = default_cohort(session, "T1", DEFAULT_NOW)
        session.add(
            CohortBreak(
                cohort_id=cohort.id,
                name="Christmas",
                start_date=date(2026, 12, 19),
                end_date=date(2027, 1, 3),
            )
        )
        session.commit()
    slack.command("move to 21/12", user="UALICE")
    assert "falls in the cohort's break (Christmas, Sat 19 Dec to Sun 3 Jan 2027)" in slack.told()
    assert changes(sessions) == []
    assert "not in a buddy pair" in slack.command("move to 5/12", user="UCAROL").text


def button_value(fake_slack: FakeSlack, action_id: str) -> str:
    for call in fake_slack.calls_to("chat.postMessage"):
        blocks: Any = call.params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        for block in blocks or []:
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return str(element["value"])
    raise AssertionError(f"no {action_id} button posted")


def test_skip_offers_the_backup_slot_and_solo_practice(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("backup fri 8am", user="UALICE")
    fake_slack.clear()
    slack.command("skip 26/11 parents' evening", user="UBOB")
    assert "Skipped: the meeting on Thu 26 Nov" in slack.told()
    offer = posts_to(fake_slack, GROUP_DM)[0]
    thu = token(datetime(2026, 11, 26, 16, tzinfo=UTC), "Thu 26 Nov", DAY_ONLY)
    assert f"<@UBOB> can't make the meeting on {thu} (parents' evening)." in offer
    backup = token(datetime(2026, 11, 27, 8, tzinfo=UTC), "Fri 27 Nov at 08:00 UK time")
    assert f"Your backup slot is {backup}" in offer
    assert "solo practice may be required to not halt progression" in offer
    [skipped] = changes(sessions)
    assert (skipped.kind, skipped.reason) == ("skipped", "parents' evening")
    assert "*Thu 26 Nov" not in slack.command("next", user="UALICE").text
    assert "~Thu 26 Nov at 16:00~ skipped" in slack.command("next", user="UALICE").text

    value = button_value(fake_slack, SKIP_BACKUP)
    slack.block_action(SKIP_BACKUP, value, user="UCAROL", channel=GROUP_DM)
    assert "Only the pair's own members" in slack.told()
    slack.block_action(SKIP_BACKUP, value, user="UALICE", channel=GROUP_DM)
    chosen = fake_slack.response_posts[-1]
    assert chosen["replace_original"] is True
    assert as_fallback(chosen["text"]) == "Moved to Fri 27 Nov, 8am UK time. Prep as before."
    [moved] = changes(sessions)
    assert (moved.kind, moved.new_start) == ("moved", datetime(2026, 11, 27, 8, tzinfo=UTC))


def test_skip_then_solo_practice(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    slack.command("skip 26/11", user="UALICE")
    offer = posts_to(fake_slack, GROUP_DM)[0]
    assert "<@UALICE> can't make the meeting on Thu 26 Nov." in as_fallback(offer)
    assert "no backup slot free" in offer
    slack.block_action(SKIP_SOLO, button_value(fake_slack, SKIP_SOLO), user="UBOB")
    assert "chose solo practice for Thu 26 Nov" in fake_slack.response_posts[-1]["text"]
    [solo] = changes(sessions)
    assert (solo.kind, solo.solo) == ("skipped", True)
    assert "(solo practice)" in slack.command("next", user="UALICE").text
    # The backup button cannot help without a backup slot.
    slack.block_action(SKIP_BACKUP, f"{only_pair(sessions).id}:2026-11-26", user="UBOB")
    assert "no backup slot free" in fake_slack.response_posts[-1]["text"]


def test_skip_refusals(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    assert "not in a buddy pair" in slack.command("skip", user="UALICE").text
    slotted_pair(slack, fake_slack)
    bad = slack.command("skip 31/2 ill", user="UALICE")
    assert "There is no 31 Feb" in bad.text
    assert "For example: `/buddy skip 3/12" in bad.text
    slack.command("skip 3/12", user="UALICE")
    assert "You don't have a meeting on Thu 3 Dec" in slack.told()
    slack.command("skip 26/11", user="UALICE")
    fake_slack.clear()
    slack.command("skip 26/11", user="UBOB")
    assert "already skipped" in slack.told()
    assert web_api_calls(fake_slack) == []  # nothing told to the pair twice
    assert len(changes(sessions)) == 1
    slack.block_action(SKIP_SOLO, "not-a-meeting", user="UALICE")
    assert "This button is out of date" in fake_slack.response_posts[-1]["text"]


def test_a_pair_we_cannot_reach_still_gets_its_change_with_a_warning(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    slack.command("move to 27/11", user="UALICE")
    text = slack.told()
    assert "Moved" in text and "please let your buddy know yourself" in text
    assert len(changes(sessions)) == 1


def skipped_with_backup(slack: SlackClientForTests, fake_slack: FakeSlack) -> str:
    """Alice and Bob, backup Fridays 08:00; Bob skips Thu 26 Nov. The offer's button value."""
    slotted_pair(slack, fake_slack)
    slack.command("backup fri 8am", user="UALICE")
    slack.command("skip 26/11", user="UBOB")
    value = button_value(fake_slack, SKIP_BACKUP)
    fake_slack.clear()
    return value


def last_answer(fake_slack: FakeSlack) -> dict[str, Any]:
    return fake_slack.response_posts[-1]


def answer_button(answer: dict[str, Any], label: str) -> dict[str, Any]:
    for block in answer.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return dict(element)
    raise AssertionError(f"no {label!r} button in {answer}")


def test_a_stale_backup_button_says_the_buddy_chose_solo_and_offers_to_change_it(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    value = skipped_with_backup(slack, fake_slack)
    slack.block_action(SKIP_SOLO, value, user="UALICE", channel=GROUP_DM)
    # Bob's older copy of the offer still shows "Meet at the backup slot".
    slack.block_action(SKIP_BACKUP, value, user="UBOB", channel=GROUP_DM)
    answer = last_answer(fake_slack)
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    assert "<@UALICE> already chose solo practice for Thu 26 Nov." in message_text(answer)
    [still] = changes(sessions)
    assert (still.kind, still.solo, still.changed_by) == ("skipped", True, "UALICE")
    assert posts_to(fake_slack, GROUP_DM) == []

    anyway = answer_button(answer, "Meet at the backup slot anyway")
    slack.block_action(anyway["action_id"], anyway["value"], user="UBOB", channel=GROUP_DM)
    [moved] = changes(sessions)
    assert (moved.kind, moved.new_start) == ("moved", datetime(2026, 11, 27, 8, tzinfo=UTC))
    [told] = posts_to(fake_slack, GROUP_DM)
    assert "<@UBOB> changed <@UALICE>'s choice for Thu 26 Nov" in told
    assert "Moved to Fri 27 Nov, 8am UK time." in as_fallback(told)


def test_a_stale_solo_button_says_the_buddy_chose_the_backup_slot(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    value = skipped_with_backup(slack, fake_slack)
    slack.block_action(SKIP_BACKUP, value, user="UALICE", channel=GROUP_DM)
    slack.block_action(SKIP_SOLO, value, user="UBOB", channel=GROUP_DM)
    answer = last_answer(fake_slack)
    assert "<@UALICE> already chose to meet on Fri 27 Nov at 08:00." in message_text(answer)
    [still] = changes(sessions)
    assert (still.kind, still.changed_by) == ("moved", "UALICE")

    anyway = answer_button(answer, "Solo practice anyway")
    slack.block_action(anyway["action_id"], anyway["value"], user="UBOB", channel=GROUP_DM)
    [solo] = changes(sessions)
    assert (solo.kind, solo.solo, solo.changed_by) == ("skipped", True, "UBOB")
    [told] = posts_to(fake_slack, GROUP_DM)
    assert "<@UBOB> changed <@UALICE>'s choice for Thu 26 Nov: solo practice" in told


def test_the_backup_button_pressed_again_leaves_the_meeting_where_it_is(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    value = skipped_with_backup(slack, fake_slack)
    slack.block_action(SKIP_BACKUP, value, user="UALICE", channel=GROUP_DM)
    slack.block_action(SKIP_BACKUP, value, user="UALICE", channel=GROUP_DM)  # a double click
    [moved] = changes(sessions)
    assert moved.new_start == datetime(2026, 11, 27, 8, tzinfo=UTC)
    slack.block_action(SKIP_BACKUP, value, user="UBOB", channel=GROUP_DM)
    answer = last_answer(fake_slack)
    assert "<@UALICE> already chose to meet on Fri 27 Nov at 08:00." in message_text(answer)
    assert "anyway" not in message_text(answer)
    [moved] = changes(sessions)
    assert moved.new_start == datetime(2026, 11, 27, 8, tzinfo=UTC)
