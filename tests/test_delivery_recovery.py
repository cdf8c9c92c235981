"""Issue 14, duplicated: after a crash between Slack's answer and "mark sent", a history check
that fails leaves the delivery maybe sent (it is never resent blind), and a recovery reads each
channel once, within Slack's Tier 3 limit."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.base import SLACK
from models.clock import SettableClock
from scheduler import outbox
from scheduler.pacing import Limits
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.test_outbox import DUE, ManyNudges, run_passes, statuses

EVERY = timedelta(seconds=10)


def a_pass_whose_marks_never_land(runner: PassRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass whose every post is answered but never marked sent: a clock killed after each of
    Slack's answers, leaving its claims to run out."""
    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", lambda *_, **__: True)
        runner.run_pass()


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503},
        {"status": 429, "retry_after": 20},
        {"error": "internal_error"},
    ],
    ids=["503", "429", "ok-false"],
)
def test_a_failed_history_check_after_a_crash_duplicates_nothing(
    failure: dict[str, Any],
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(3)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    a_pass_whose_marks_never_land(runner, monkeypatch)
    assert sorted(fake_slack.delivery_keys()) == planner.keys  # each went out; none was marked

    fake_slack.fail_next("conversations.history", times=3, **failure)
    clock.set(DUE + outbox.LEASE)
    run_passes(runner, clock, every=EVERY, until=DUE + outbox.LEASE + timedelta(minutes=10))

    assert sorted(fake_slack.delivery_keys()) == planner.keys  # still each exactly once
    assert statuses(session) == {"sent": 3}


def test_a_recovery_reads_each_channel_once_and_keeps_to_tier_3(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """300 claims left unmarked by a dead clock, 5 to each of 60 DMs; half had been posted."""
    fake_slack.clock = clock
    planner = ManyNudges(300, people=60)
    # The clock that died kept to no pace: it claimed all 300 at one moment.
    dead = build_runner(settings, clock, sessions=sessions, planners=[planner])
    dead.limits = {SLACK: Limits(timedelta(0), in_flight=1, per_second=1e6, burst=10**6)}
    post = dead.sender.post

    def post_every_other(channel: str, key: str, message: Any) -> str | None:
        return post(channel, key, message) if int(key[-4:]) % 2 == 0 else None

    with monkeypatch.context() as patch:
        patch.setattr(dead.sender, "post", post_every_other)  # it died before the others
        a_pass_whose_marks_never_land(dead, monkeypatch)
    assert len(fake_slack.delivery_keys()) == 150
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    clock.set(DUE + outbox.LEASE)
    run_passes(runner, clock, every=EVERY, until=DUE + outbox.LEASE + timedelta(minutes=10))

    assert sorted(fake_slack.delivery_keys()) == planner.keys  # none lost, none doubled
    assert statuses(session) == {"sent": 300}
    reads = fake_slack.calls_to("conversations.history")
    assert set(Counter(c.params["channel"] for c in reads).values()) == {1}  # one read a DM
    moments = [c.at for c in reads if c.at is not None]
    busiest = max(
        sum(1 for m in moments if start <= m < start + timedelta(minutes=1)) for start in moments
    )
    assert busiest <= 50  # Slack's Tier 3: about 50 a minute
