"""The pair's .ics: a standard parser reads the fortnightly rule, its zone, skips and moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from models.calendar.tables import CohortBreak
from models.meetings.ics import pair_calendar
from models.meetings.schedule import MOVED, SKIPPED
from models.pairs import MeetingChange, Pair
from models.people import find_participant
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests
from tests.test_pairs_http import only_pair, pair_up, set_slot

LONDON = ZoneInfo("Europe/London")


def london(day: date, at: time = time(16)) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


def events(ics: bytes) -> list[Calendar]:
    calendar = Calendar.from_ical(ics)
    return list(calendar.walk("VEVENT"))


def exdates(event: Calendar) -> list[datetime]:
    found = event.get("exdate")
    if found is None:
        return []
    lists = found if isinstance(found, list) else [found]
    return [d.dt for each in lists for d in each.dts]


def make_pair() -> Pair:
    return Pair(
        id=7,
        team_id="T1",
        cohort_id=1,
        formed_by="UALICE",
        created_at=DEFAULT_NOW,
        slot_weekday=3,
        slot_time=time(16),
        slot_timezone="Europe/London",
        slot_first_date=date(2026, 11, 26),
        format_kind="video",
        format_detail="https://zoom.us/j/1",
    )


def test_ics_has_the_fortnightly_rule_zone_skips_breaks_and_moves() -> None:
    pair = make_pair()
    changes = [
        MeetingChange(
            pair_id=7,
            original_date=date(2026, 12, 10),
            kind=SKIPPED,
            solo=False,
            changed_by="U",
            changed_at=DEFAULT_NOW,
        ),
        MeetingChange(
            pair_id=7,
            original_date=date(2027, 1, 21),
            kind=MOVED,
            new_start=datetime(2027, 1, 22, 9, tzinfo=UTC),
            solo=False,
            changed_by="U",
            changed_at=DEFAULT_NOW,
        ),
    ]
    christmas = CohortBreak(
        cohort_id=1, name="Christmas", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3)
    )
    ics = pair_calendar(pair, changes, [christmas], "Europe/London", ["Bob Smith"], DEFAULT_NOW)
    calendar = Calendar.from_ical(ics)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    series, moved = events(ics)

    assert series.get("rrule").to_ical() == b"FREQ=WEEKLY;INTERVAL=2"
    assert series.get("dtstart").params["TZID"] == "Europe/London"
    assert series.get("dtstart").dt == london(date(2026, 11, 26))
    assert series.get("duration").dt == timedelta(hours=1)
    assert series.get("location") == "https://zoom.us/j/1"
    assert "with Bob Smith." in series.get("description")
    # 10 Dec skipped; 24 Dec falls in the Christmas break.
    assert exdates(series) == [london(date(2026, 12, 10)), london(date(2026, 12, 24))]
    assert series.get("exdate").params["TZID"] == "Europe/London"

    assert moved.get("uid") == series.get("uid")
    assert moved.get("recurrence-id").dt == london(date(2027, 1, 21))
    assert moved.get("recurrence-id").params["TZID"] == "Europe/London"
    assert moved.get("dtstart").dt == london(date(2027, 1, 22), time(9))


def test_ics_keeps_the_clock_time_across_summer_time() -> None:
    pair = make_pair()
    pair.slot_first_date = date(2026, 3, 19)
    ics = pair_calendar(pair, [], [], "Europe/London", [], DEFAULT_NOW)
    [series] = events(ics)
    # One wall-clock start and a weekly rule in the zone: calendars keep 16:00 after 29 Mar.
    assert series.get("dtstart").to_ical() == b"20260319T160000"
    assert b"TZOFFSETTO:+0100" in ics


def test_a_dissolved_pair_ends_its_rule() -> None:
    pair = make_pair()
    pair.dissolved_at = datetime(2027, 2, 1, tzinfo=UTC)
    [series] = events(pair_calendar(pair, [], [], "Europe/London", [], DEFAULT_NOW))
    assert series.get("rrule")["UNTIL"] == [datetime(2027, 2, 1, tzinfo=UTC)]


def test_calendar_command_sends_the_file_by_dm_once_opened(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    pair_up(slack, fake_slack)
    refused = slack.command("calendar", user="UALICE")
    assert "no fortnightly slot yet" in refused.text
    set_slot(slack, fake_slack)
    slack.command("skip 10/12", user="UALICE")
    fake_slack.clear()

    result = slack.command("calendar", user="UALICE")
    assert result.body == ""
    assert "sent your calendar file to our direct messages" in slack.told()
    opened = fake_slack.calls_to("conversations.open")
    assert [c.params["users"] for c in opened] == ["UALICE"]
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DUALICE"
    [file_id] = fake_slack.uploads
    [series] = events(fake_slack.uploads[file_id])
    assert series.get("rrule").to_ical() == b"FREQ=WEEKLY;INTERVAL=2"
    assert exdates(series) == [london(date(2026, 12, 10))]
    with sessions() as session:
        alice = find_participant(session, "T1", "UALICE")
        assert alice is not None and alice.dm_channel_id == "DUALICE"

    fake_slack.clear()
    slack.command("calendar", user="UALICE")
    assert fake_slack.calls_to("conversations.open") == []  # the DM id was kept
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1
    assert only_pair(sessions).slot_weekday == 3


def test_calendar_refusals_and_upload_failure(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    assert "not in a buddy pair" in slack.command("calendar", user="UALICE").text
    pair_up(slack, fake_slack)
    set_slot(slack, fake_slack)
    fake_slack.fail_next("files.getUploadURLExternal", error="not_allowed")
    slack.command("calendar", user="UALICE")
    assert "couldn't send the calendar file just now" in slack.told()


def test_the_calendar_names_the_buddy_as_slack_shows_them(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """Names are cached from users.info when Buddy already calls it: pairing, and the slot."""
    fake_slack.users["UBOB"]["profile"] = {"display_name": "Bob", "real_name": "Robert Smith"}
    fake_slack.users["UALICE"]["real_name"] = "Alice Jones"
    pair_up(slack, fake_slack)
    # Alice renamed herself in Slack since: setting the slot (users.info for her zone) sees it.
    fake_slack.users["UALICE"]["profile"] = {"display_name": "", "real_name": "Alice B. Jones"}
    set_slot(slack, fake_slack)
    with sessions() as session:
        alice = find_participant(session, "T1", "UALICE")
        assert alice is not None and alice.display_name == "Alice B. Jones"

    for caller, buddy in (("UALICE", "Bob"), ("UBOB", "Alice B. Jones")):
        fake_slack.clear()
        fake_slack.uploads.clear()
        slack.command("calendar", user=caller)
        [upload] = fake_slack.uploads.values()
        [series] = events(upload)
        description = str(series.get("description"))
        assert f"with {buddy}." in description, description
        assert "@U" not in description
