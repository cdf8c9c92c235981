"""Issue 25: the clock's pass costs what is due. A change is planned on the very next pass (it
marks its pair or person due in its own transaction); a pass with nothing due reads no pair, in
as many statements at 1,000 pairs as at 10."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, select, text
from sqlalchemy.orm import Session, sessionmaker

import scheduler.runner
from bot.settings import Settings
from models.actions import record_action
from models.clock import SettableClock
from models.clock_due import COHORT, PERSON, ClockDue, due_subjects, fan_out, mark_due
from models.community.tables import CommunityGroup
from models.facilitators.imports import import_pairs, parse_pairs_csv
from models.lifecycle import resume_sending, stop_sending
from models.meetings.changes import move_meeting
from models.meetings.schedule import MEETING_LENGTH
from models.pairs import set_slot
from models.pauses import Pause, end_pause
from models.people import default_cohort, ensure_participant
from models.registry import Base
from models.welcome import WelcomeChoice
from scheduler.due import select_due
from scheduler.meetings import CHECKIN_AFTER_END
from scheduler.runner import PassRunner, build_runner
from tests.bulk_seed import seed
from tests.fake_slack import FakeSlack
from tests.test_meeting_nudges import london, make_pair, posts


def _runner(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock
) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions)


def _pass_at(runner: PassRunner, clock: SettableClock, moment: datetime) -> None:
    clock.set(moment)
    runner.run_pass()


def _texts(fake: FakeSlack) -> list[str]:
    return [str(p.get("text", "")) for p in posts(fake)]


def test_a_slot_set_between_passes_is_reminded_on_the_very_next_pass(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    # A pair with no slot, paired long ago: a pass finds nothing for it until the day after.
    make_pair(session, slot=False, created_at=london(2026, 9, 1, 10, 0))
    runner = _runner(settings, sessions, clock)
    _pass_at(runner, clock, london(2026, 12, 1, 10, 0))
    assert posts(fake_slack) == []

    # At 10:01 they agree to meet today at 10:20: the reminder is due at 10:05.
    alice = ensure_participant(session, "T1", "UALICE", london(2026, 12, 1, 10, 1))
    set_slot(session, alice, 1, time(10, 20), "Europe/London", None, london(2026, 12, 1, 10, 1))
    session.commit()

    _pass_at(runner, clock, london(2026, 12, 1, 10, 5))
    [reminder] = posts(fake_slack)
    assert reminder["channel"] == "GUALICE-UBOB"
    assert "10:20" in str(reminder.get("text", "")) or "15 minutes" in str(reminder)


def test_a_meeting_moved_to_within_the_hour_is_reminded_on_the_very_next_pass(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    # Thursdays at 16:00 from 3 Dec: on Tuesday at 10:00 the pair's next moment is its prep, 16:00.
    make_pair(session)
    runner = _runner(settings, sessions, clock)
    _pass_at(runner, clock, london(2026, 12, 1, 10, 0))
    assert posts(fake_slack) == []

    # At 10:05 Thursday's meeting moves to today, 10:30: reminded at 10:15.
    alice = ensure_participant(session, "T1", "UALICE", london(2026, 12, 1, 10, 5))
    move_meeting(
        session,
        alice,
        None,
        date(2026, 12, 1),
        time(10, 30),
        "Europe/London",
        london(2026, 12, 1, 10, 5),
    )
    session.commit()

    _pass_at(runner, clock, london(2026, 12, 1, 10, 15))
    kinds = [p["channel"] for p in posts(fake_slack)]
    assert kinds == ["GUALICE-UBOB"]
    assert "10:30" in _texts(fake_slack)[0] or "10:30" in str(posts(fake_slack)[0])


def test_an_action_added_in_the_evening_is_chased_the_next_morning(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    make_pair(session)
    runner = _runner(settings, sessions, clock)
    # Tuesday 18:00: each person's next look is at least 16 hours on, after Wednesday 09:00.
    _pass_at(runner, clock, london(2026, 12, 1, 18, 0))
    _pass_at(runner, clock, london(2026, 12, 1, 18, 0, 10))  # after the prep it sent
    fake_slack.clear()

    alice = ensure_participant(session, "T1", "UALICE", london(2026, 12, 1, 18, 5))
    record_action(session, alice, "Read the chapter on feedback", date(2026, 12, 2), clock.now())
    session.commit()

    _pass_at(runner, clock, london(2026, 12, 2, 9, 0))
    chases = [p for p in posts(fake_slack) if p["channel"] == "DUALICE"]
    assert len(chases) == 1
    assert "Read the chapter on feedback" in str(chases[0])


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


def _settle(runner: PassRunner, sessions: sessionmaker[Session], clock: SettableClock) -> None:
    """Passes a few seconds apart until nothing is due: the seeded world's backlog worked
    through (sent at its pace: a conversation's next post waits a second)."""
    for _ in range(60):
        runner.run_pass()
        with sessions() as session:
            due = select_due(session, clock.now())
            session.rollback()
            if not due.read and not any(
                (due.subjects.pair_ids, due.subjects.people, due.subjects.group_ids)
            ):
                return
        clock.set(clock.now() + timedelta(seconds=2))
    raise AssertionError("the clock never caught up")


def _idle_pass(
    engine: Engine,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    pairs: int,
) -> list[str]:
    """The statements of a pass with nothing due, in a world of `pairs` seeded pairs."""
    _empty(engine)
    with sessions() as session:
        seed(session, pairs, clock.now())
        session.commit()
    runner = build_runner(settings, clock, sessions=sessions)
    # The workspace's pace is not what is measured here: the backlog goes in a few passes.
    runner.limits = {k: replace(v, per_second=1e6, burst=10**6) for k, v in runner.limits.items()}
    _settle(runner, sessions, clock)
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        runner.run_pass()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return statements


def test_a_pass_with_nothing_due_reads_no_pair_however_many_there_are(
    engine: Engine,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    few = _idle_pass(engine, sessions, settings, clock, 10)
    many = _idle_pass(engine, sessions, settings, clock, 1000)
    assert len(many) == len(few)
    for table in ("pairs", "pair_members", "actions", "meeting_changes", "community_sessions"):
        assert not [s for s in many if f" {table}" in s or f'"{table}"' in s], table


def test_downtime_leaves_the_subjects_due_and_catch_up_works_through_them(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    make_pair(session)
    runner = _runner(settings, sessions, clock)
    _pass_at(runner, clock, london(2026, 12, 1, 10, 0))
    # The clock is down from Tuesday 10:00 to Thursday 15:50: the prep (Tue 16:00) was missed
    # and is now pointless (within the hour); the reminder still goes.
    _pass_at(runner, clock, london(2026, 12, 3, 15, 50))
    assert [p["channel"] for p in posts(fake_slack)] == ["GUALICE-UBOB"]
    # Nothing is left due, and the pair's next moment is its check-in, an hour after the meeting.
    _pass_at(runner, clock, london(2026, 12, 3, 15, 50, 10))
    session.expire_all()
    assert due_subjects(session, london(2026, 12, 3, 15, 50, 10), 100) == []
    rows = session.scalars(select(ClockDue).where(ClockDue.kind == "pair")).all()
    checkin = london(2026, 12, 3, 16, 0) + MEETING_LENGTH + CHECKIN_AFTER_END
    assert [row.due_at for row in rows] == [checkin]


def test_a_catch_up_bigger_than_a_pass_goes_over_several_passes(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    make_pair(session)
    with sessions() as other:
        for n in range(3):
            other.add(
                ClockDue(kind="pair", subject_id=10_000 + n, due_at=clock.now() - timedelta(1))
            )
        other.commit()
    with sessions() as reading:
        first = select_due(reading, clock.now(), batch=2)
        reading.rollback()
    assert len(first.read) == 2


def test_every_table_says_which_subjects_its_changes_concern() -> None:
    """A table added without a line in `_SUBJECTS` or `_IGNORED` would have every change to it
    plan everything again: this says so before it ships."""
    from models.clock_due import _IGNORED, _SUBJECTS

    unknown = {t.name for t in Base.metadata.sorted_tables} - set(_SUBJECTS) - _IGNORED
    assert unknown == set()


# -- what a change to a person brings forward ---------------------------------------------------


def test_a_pause_ended_early_brings_back_the_pairs_reminder_that_day(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """Ending a pause marks the person; the pass that plans them plans their pair too, and the
    pair's reminder that afternoon is not left to the pair's daily re-read."""
    make_pair(session)  # Thursdays 16:00 from Thu 3 Dec
    alice = ensure_participant(session, "T1", "UALICE", london(2026, 11, 30, 9, 0))
    session.add(
        Pause(
            participant_id=alice.id,
            start_date=date(2026, 12, 3),
            end_date=date(2026, 12, 3),
            created_at=london(2026, 11, 30, 9, 0),
        )
    )
    session.commit()
    runner = _runner(settings, sessions, clock)
    _pass_at(runner, clock, london(2026, 12, 3, 9, 0))  # paused today: nothing for the pair
    end_pause(session, alice, date(2026, 12, 3))
    session.commit()
    _pass_at(runner, clock, london(2026, 12, 3, 10, 0, 30))
    fake_slack.clear()

    _pass_at(runner, clock, london(2026, 12, 3, 15, 45))
    assert [p["channel"] for p in posts(fake_slack)] == ["GUALICE-UBOB"]


def test_an_imported_pair_welcomed_in_the_morning_is_reminded_that_afternoon(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    at = london(2026, 12, 3, 0, 30)
    cohort = default_cohort(session, "T1", at)
    drafts, problems = parse_pairs_csv(
        "buddy_1,buddy_2,buddy_3,slot\nUALICE,UBOB,,thu 16:00\n", at.date()
    )
    welcome = WelcomeChoice(day=date(2026, 12, 3), at=time(9, 0))
    import_pairs(session, cohort, drafts, problems, {}, at, welcome=welcome)
    session.commit()
    runner = _runner(settings, sessions, clock)
    for moment in (at + timedelta(seconds=10), london(2026, 12, 3, 9, 0)):
        _pass_at(runner, clock, moment)
    _pass_at(runner, clock, london(2026, 12, 3, 9, 0, 10))
    assert sorted(p["channel"] for p in posts(fake_slack)) == ["DUALICE", "DUBOB"]  # welcomed
    fake_slack.clear()

    _pass_at(runner, clock, london(2026, 12, 3, 15, 45))
    assert [p["channel"] for p in posts(fake_slack)] == ["GUALICE-UBOB"]


def test_a_mass_of_marks_does_not_hold_back_a_reminder_whose_moment_came(
    session: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: SettableClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A workspace installed again marks every subject: a catch-up of many passes. A subject
    whose planned moment comes meanwhile is read first (here: passes of two subjects)."""
    monkeypatch.setattr(scheduler.runner, "select_due", partial(select_due, batch=2))
    make_pair(session)
    for n in range(200):
        session.add(
            CommunityGroup(
                team_id="T2",
                channel_id=f"C{n:03}",
                timezone="Europe/London",
                created_by="UFACIL",
                created_at=london(2026, 11, 30, 9, 0),
            )
        )
    session.commit()
    runner = _runner(settings, sessions, clock)
    moment = london(2026, 12, 3, 14, 0)
    for _ in range(150):  # until every subject has been planned once
        _pass_at(runner, clock, moment)
        moment += timedelta(seconds=10)
    with sessions() as s:
        pair_due = s.scalar(select(ClockDue.due_at).where(ClockDue.kind == "pair"))
        assert s.scalar(select(ClockDue.kind).where(ClockDue.due_at <= moment)) is None
    assert pair_due == london(2026, 12, 3, 15, 45)  # its reminder's moment
    fake_slack.clear()
    stop_sending(session, "T2", "app_uninstalled", london(2026, 12, 3, 15, 0))
    session.commit()
    _pass_at(runner, clock, london(2026, 12, 3, 15, 40))
    assert resume_sending(session, "T2")
    session.commit()

    moment = london(2026, 12, 3, 15, 44)
    while moment < london(2026, 12, 3, 16, 0):
        _pass_at(runner, clock, moment)
        moment += timedelta(seconds=10)
    assert [p["channel"] for p in posts(fake_slack)] == ["GUALICE-UBOB"]


def test_a_fan_out_and_a_request_marking_a_cohort_and_a_member_do_not_deadlock(
    engine: Engine, sessions: sessionmaker[Session], session: Session
) -> None:
    """PostgreSQL: the clock fanning out a cohort while a request marks that cohort and then one
    of its people. The clock takes the cohort's row before any person's, as the request does,
    so one waits for the other instead of each for the other."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: no deadlock to have")
    now = london(2026, 12, 3, 9, 0)
    alice = ensure_participant(session, "T1", "UALICE", now)
    cohort = default_cohort(session, "T1", now)
    session.commit()
    person_id, cohort_id = alice.id, cohort.id

    request = sessions()
    mark_due(request, COHORT, [cohort_id])  # the cohort's row is the request's until it commits
    clock_session = sessions()
    fanned = [s for s in due_subjects(clock_session, now, 100) if s.kind == COHORT]
    failures: list[BaseException] = []

    def fan() -> None:
        try:
            fan_out(clock_session, fanned, now)
            clock_session.commit()
        except BaseException as failure:  # reported below, in the test's thread
            failures.append(failure)

    clock_thread = threading.Thread(target=fan)
    clock_thread.start()
    with engine.connect() as watcher:  # until the clock waits for the cohort's row
        for _ in range(500):
            waiting = watcher.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar_one()
            if waiting or not clock_thread.is_alive():
                break
            watcher.rollback()
            clock_thread.join(0.01)
    mark_due(request, PERSON, [person_id])
    request.commit()
    clock_thread.join(30)
    request.close()
    clock_session.close()
    assert not clock_thread.is_alive() and failures == []
