"""Issue 22, Retry-After forgotten: `python -m scheduler tick` run every 10 s is a new process
each time. What one learnt of Slack's limits (a 429's Retry-After, the Tier 3 budget) is kept in
the database, so the next process honours it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from scheduler import outbox
from scheduler.runner import PassRunner, Planner, build_runner
from tests.fake_slack import FakeSlack
from tests.test_delivery_recovery import a_pass_whose_marks_never_land
from tests.test_outbox import DUE, ManyNudges, statuses

POST = "chat.postMessage"
HISTORY = "conversations.history"


def a_process(
    settings: Settings, sessions: sessionmaker[Session], at: datetime, planner: Planner
) -> PassRunner:
    """What `python -m scheduler tick --at` builds: its own runner, its own clock."""
    return build_runner(settings, SettableClock(at), sessions=sessions, planners=[planner])


def tick(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    at: datetime,
    planner: Planner,
) -> None:
    clock.set(at)  # the fake Slack's clock: when each call arrived
    a_process(settings, sessions, at, planner).run_pass()


def test_a_retry_after_from_one_process_holds_in_the_next(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(5)
    fake_slack.fail_next(POST, status=429, retry_after=30)

    tick(settings, sessions, clock, DUE, planner)
    assert len(fake_slack.calls_to(POST)) == 1  # refused: "wait 30 seconds"

    tick(settings, sessions, clock, DUE + timedelta(seconds=10), planner)
    tick(settings, sessions, clock, DUE + timedelta(seconds=20), planner)
    assert len(fake_slack.calls_to(POST)) == 1  # nothing posted while Slack said wait

    tick(settings, sessions, clock, DUE + timedelta(seconds=31), planner)
    later = fake_slack.calls_to(POST)[1:]
    assert len(later) == 5 and all(c.at == DUE + timedelta(seconds=31) for c in later)
    assert sorted(fake_slack.delivery_keys()) == planner.keys  # each once
    assert statuses(session) == {"sent": 5}


def test_a_retry_after_on_history_holds_in_the_next_process(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(4, people=4)  # four DMs: four history reads to make
    a_pass_whose_marks_never_land(a_process(settings, sessions, DUE, planner), monkeypatch)
    fake_slack.fail_next(HISTORY, status=429, retry_after=30)

    checked_at = DUE + outbox.LEASE
    tick(settings, sessions, clock, checked_at, planner)
    assert len(fake_slack.calls_to(HISTORY)) == 1  # refused, and the pass stopped reading
    tick(settings, sessions, clock, checked_at + timedelta(seconds=10), planner)
    assert len(fake_slack.calls_to(HISTORY)) == 1

    tick(settings, sessions, clock, checked_at + timedelta(seconds=31), planner)
    assert len(fake_slack.calls_to(HISTORY)) == 5  # the four DMs, read once each
    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert statuses(session) == {"sent": 4}


def test_the_tier_3_budget_is_shared_by_processes(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """120 DMs to read after a clock died: a tick every 10 s stays within 40 reads a minute."""
    fake_slack.clock = clock
    planner = ManyNudges(120)
    a_pass_whose_marks_never_land(a_process(settings, sessions, DUE, planner), monkeypatch)

    at = DUE + outbox.LEASE
    while at <= DUE + outbox.LEASE + timedelta(minutes=5):
        tick(settings, sessions, clock, at, planner)
        at += timedelta(seconds=10)

    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert statuses(session) == {"sent": 120}
    moments = [c.at for c in fake_slack.calls_to(HISTORY) if c.at is not None]
    busiest = max(
        sum(1 for m in moments if start <= m < start + timedelta(minutes=1)) for start in moments
    )
    assert busiest <= 40
