"""Issue 14, lost: Slack down for hours is waited out; a nudge goes late, once, while useful."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from scheduler.runner import build_runner
from tests.fake_slack import FakeSlack
from tests.test_outbox import DUE, ManyNudges, run_passes, statuses


def test_a_three_hour_outage_loses_nothing_and_doubles_nothing(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(30)
    fake_slack.outage(start=DUE, end=DUE + timedelta(hours=3))  # every method answers 503
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    run_passes(
        runner, clock, every=timedelta(minutes=1), until=DUE + timedelta(hours=3, minutes=20)
    )

    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert statuses(session) == {"sent": 30}
    during = [c for c in fake_slack.calls if c.at is not None and c.at < DUE + timedelta(hours=3)]
    assert len(during) < 120  # probes that back off, not every nudge every pass
