"""Across a clock change, "two days before, at the meeting's clock time" stays at that clock time.

Europe/London moves by an hour (last Sundays of March and October); Australia/Lord_Howe by half an
hour (first Sundays of April and October). Each case puts the meeting or its check-in just after
a change, so 48 hours in UTC would land off the clock time the pair chose. Clocks change on a
Sunday, so these cohorts work every day: the weekend (which would hold nudges) is not tested here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.test_meeting_nudges import kinds_sent, make_pair, posts, run_at

LONDON = "Europe/London"
LORD_HOWE = "Australia/Lord_Howe"
EVERY_DAY = "0123456"


@pytest.fixture
def runner(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "meeting_day", "prep_at"),
    [
        # London springs forward on Sun 28 Mar 2027: 48 hours back is Sat 15:00 GMT.
        (LONDON, date(2027, 3, 29), (2027, 3, 27, 16, 0)),
        # London falls back on Sun 31 Oct 2027: 48 hours back is Sat 17:00 BST.
        (LONDON, date(2027, 11, 1), (2027, 10, 30, 16, 0)),
        # Lord Howe falls back half an hour on Sun 4 Apr 2027: 48 hours back is Sat 16:30.
        (LORD_HOWE, date(2027, 4, 5), (2027, 4, 3, 16, 0)),
        # Lord Howe springs forward half an hour on Sun 3 Oct 2027: 48 hours back is Sat 15:30.
        (LORD_HOWE, date(2027, 10, 4), (2027, 10, 2, 16, 0)),
    ],
)
def test_the_prep_nudge_comes_two_days_before_at_the_meetings_clock_time(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    zone: str,
    meeting_day: date,
    prep_at: tuple[int, ...],
) -> None:
    make_pair(
        session,
        first=meeting_day,
        slot_at=time(16, 0),
        slot_zone=zone,
        with_module=False,
        working_days=EVERY_DAY,
    )
    due = local(zone, *prep_at)
    run_at(runner, clock, due - timedelta(minutes=1))
    assert posts(fake_slack) == [], "the prep nudge came before the meeting's clock time"
    run_at(runner, clock, due)
    [prep] = posts(fake_slack)
    assert f"Mon {meeting_day.day} {meeting_day.strftime('%b')} at 16:00" in prep["text"]
    assert kinds_sent(session) == ["prep"]


@pytest.mark.parametrize(
    ("zone", "meeting_day", "follow_up_at"),
    [
        # Check-in Fri 26 Mar 18:00 GMT; clocks go forward on the Sunday.
        (LONDON, date(2027, 3, 26), (2027, 3, 28, 18, 0)),
        # Check-in Fri 29 Oct 18:00 BST; clocks go back on the Sunday.
        (LONDON, date(2027, 10, 29), (2027, 10, 31, 18, 0)),
        (LORD_HOWE, date(2027, 4, 2), (2027, 4, 4, 18, 0)),
        (LORD_HOWE, date(2027, 10, 1), (2027, 10, 3, 18, 0)),
    ],
)
def test_the_check_in_follow_up_comes_two_days_later_at_the_same_clock_time(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    zone: str,
    meeting_day: date,
    follow_up_at: tuple[int, ...],
) -> None:
    make_pair(
        session,
        first=meeting_day,
        slot_at=time(16, 0),
        slot_zone=zone,
        with_module=False,
        working_days=EVERY_DAY,
    )
    checkin_at = local(zone, meeting_day.year, meeting_day.month, meeting_day.day, 18, 0)
    run_at(runner, clock, checkin_at)
    assert kinds_sent(session) == ["checkin"]
    due = local(zone, *follow_up_at)
    run_at(runner, clock, due - timedelta(minutes=1))
    assert kinds_sent(session) == ["checkin"], "the follow-up came before the check-in's time"
    run_at(runner, clock, due)
    assert kinds_sent(session) == ["checkin", "checkin-again"]
    assert "Just checking in again" in posts(fake_slack)[-1]["text"]


def test_the_weekly_slot_nudge_keeps_the_clock_time_the_pair_was_formed_at(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    # Paired Thu 22 Oct 2026 at 10:00 BST; clocks go back on Sun 25 Oct, the first nudge's day.
    make_pair(
        session,
        slot=False,
        created_at=local(LONDON, 2026, 10, 22, 10, 0),
        working_days=EVERY_DAY,
    )
    run_at(runner, clock, local(LONDON, 2026, 10, 25, 9, 59))
    assert posts(fake_slack) == []
    run_at(runner, clock, local(LONDON, 2026, 10, 25, 10, 0))
    assert kinds_sent(session) == ["slot-nudge"]
