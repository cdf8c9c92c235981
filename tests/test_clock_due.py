"""Issue 25: the clock's pass costs what is due. A change is planned on the very next pass (it
marks its pair or person due in its own transaction); a pass with nothing due reads no pair, in
as many statements at 1,000 pairs as at 10."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, delete, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.actions import record_action
from models.clock import SettableClock
from models.clock_due import ClockDue, due_subjects
from models.meetings.changes import move_meeting
from models.meetings.schedule import MEETING_LENGTH
from models.pairs import set_slot
from models.people import ensure_participant
from models.registry import Base
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
