"""Working days: proactive nudges and chases wait for the recipient's next working day (Monday
to Friday unless the cohort says otherwise), at 09:00 there; a meeting at the weekend still has
its nudges then, and the protocol and meeting reminders are never held."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from scheduler.actions import plan_action_chases
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.test_chases import alices_action
from tests.test_community_clock import make_session
from tests.test_meeting_nudges import kinds_sent, make_pair, run_at

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 12, 7)


@pytest.fixture
def runner(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def test_a_monday_meetings_prep_due_on_saturday_goes_at_nine_on_monday(
    session: Session, runner: PassRunner, clock: SettableClock
) -> None:
    make_pair(session, first=MONDAY)
    run_at(runner, clock, at(date(2026, 12, 5), 16))  # Saturday, two days before
    run_at(runner, clock, at(date(2026, 12, 6), 12))
    run_at(runner, clock, at(MONDAY, 7, 30))  # not with the busiest moment of the morning
    run_at(runner, clock, at(MONDAY, 8, 59))
    assert kinds_sent(session) == []
    run_at(runner, clock, at(MONDAY, 9, 0))
    assert kinds_sent(session) == ["prep"]


def test_a_weekend_meetings_nudges_go_as_due(
    session: Session, runner: PassRunner, clock: SettableClock
) -> None:
    saturday = date(2026, 12, 12)
    make_pair(session, first=saturday, slot_at=time(10, 0))
    run_at(runner, clock, at(date(2026, 12, 10), 10))  # Thursday, two days before
    assert kinds_sent(session) == ["prep"]
    run_at(runner, clock, at(saturday, 9, 45))
    run_at(runner, clock, at(saturday, 12))  # an hour after it ends, on the Saturday
    assert kinds_sent(session) == ["prep", "reminder", "checkin"]


def test_a_cohort_working_sunday_to_thursday_has_its_saturday_prep_on_sunday(
    session: Session, runner: PassRunner, clock: SettableClock
) -> None:
    make_pair(session, first=MONDAY, working_days="60123")
    run_at(runner, clock, at(date(2026, 12, 5), 16))
    run_at(runner, clock, at(date(2026, 12, 6), 8, 59))
    assert kinds_sent(session) == []
    run_at(runner, clock, at(date(2026, 12, 6), 9, 0))
    assert kinds_sent(session) == ["prep"]


def test_a_cohort_working_on_saturdays_is_sent_its_nudges_on_saturday(
    session: Session, runner: PassRunner, clock: SettableClock
) -> None:
    make_pair(session, first=MONDAY, working_days="012345")
    run_at(runner, clock, at(date(2026, 12, 5), 16))
    assert kinds_sent(session) == ["prep"]


def test_the_slot_nudge_due_on_saturday_goes_on_monday(
    session: Session, runner: PassRunner, clock: SettableClock
) -> None:
    make_pair(session, slot=False, created_at=at(date(2026, 11, 25), 10))  # a Wednesday
    run_at(runner, clock, at(date(2026, 11, 28), 10))  # three days on: Saturday
    run_at(runner, clock, at(date(2026, 11, 30), 8, 59))
    assert kinds_sent(session) == []
    run_at(runner, clock, at(date(2026, 11, 30), 9, 0))
    assert kinds_sent(session) == ["slot-nudge"]


def test_a_chase_due_on_sunday_goes_at_nine_on_monday(
    session: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    runner = build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases])
    make_pair(session)
    alices_action(session, due=date(2026, 12, 6))  # a Sunday
    run_at(runner, clock, at(date(2026, 12, 6), 9))
    run_at(runner, clock, at(MONDAY, 7, 30))
    run_at(runner, clock, at(MONDAY, 8, 59))
    assert kinds_sent(session) == []
    run_at(runner, clock, at(MONDAY, 9, 0))
    assert kinds_sent(session) == ["action-chase"]
    [chase] = fake_slack.calls_to("chat.postMessage")
    assert chase.params["channel"] == "DUALICE"


def test_a_community_prep_dm_waits_for_monday_but_the_protocol_does_not_wait(
    session: Session,
    sessions: sessionmaker[Session],
    runner: PassRunner,
    clock: SettableClock,
) -> None:
    monday = make_session(sessions, 3, starts=at(MONDAY, 16))
    sunday = make_session(sessions, 3, starts=at(date(2026, 12, 13), 16))
    assert monday != sunday
    run_at(runner, clock, at(date(2026, 12, 5), 16))
    run_at(runner, clock, at(MONDAY, 7, 30))
    assert kinds_sent(session) == []
    run_at(runner, clock, at(MONDAY, 9, 0))
    assert kinds_sent(session) == ["community-prep"] * 3
    run_at(runner, clock, at(MONDAY, 16))  # the session's first stage
    run_at(runner, clock, at(date(2026, 12, 11), 16))  # Friday: the Sunday session's prep
    run_at(runner, clock, at(date(2026, 12, 13), 16) + timedelta(seconds=1))
    assert kinds_sent(session) == ["community-prep"] * 3 + ["community-stage"] + [
        "community-prep"
    ] * 3 + ["community-stage"]
