"""Issue 14, duplicated: a post whose answer never came may be in the channel already. It stays
"maybe sent" and goes again only once the channel's history shows it is not there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.deliveries import MAYBE_SENT
from scheduler.runner import build_runner
from tests.fake_slack import FakeSlack
from tests.test_outbox import DUE, ManyNudges, run_passes, statuses

EVERY = timedelta(seconds=10)


def test_a_post_answered_after_the_client_timeout_is_not_sent_again(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(3)
    # Slack takes each of the first three posts at once but answers a second later...
    fake_slack.delay_next("chat.postMessage", seconds=1.0, times=3)
    # ...and the clock gives up after half a second.
    runner = build_runner(
        settings, clock, sessions=sessions, planners=[planner], client_timeout=0.5
    )

    runner.run_pass()
    after_the_first_timeout = statuses(session)

    run_passes(runner, clock, every=EVERY, until=DUE + timedelta(minutes=10))
    assert sorted(fake_slack.delivery_keys()) == planner.keys  # each exactly once
    assert statuses(session) == {"sent": 3}
    assert after_the_first_timeout.get(MAYBE_SENT) == 1  # it arrived; the outbox said "maybe"


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_connection_dropped_after_slack_took_the_post_sends_it_once(
    reset: bool,
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(5)
    fake_slack.drop_next("chat.postMessage", times=5, reset=reset)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    run_passes(runner, clock, every=EVERY, until=DUE + timedelta(minutes=15))

    assert sorted(fake_slack.delivery_keys()) == planner.keys  # no client retry re-posted one
    assert statuses(session) == {"sent": 5}


def test_a_5xx_from_slack_after_it_posted_the_message_sends_it_once(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(4, people=2)
    # For two minutes Slack posts what it is sent but answers 503.
    fake_slack.outage(
        start=DUE, end=DUE + timedelta(minutes=2), methods=["chat.postMessage"], accept=True
    )
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    run_passes(runner, clock, every=EVERY, until=DUE + timedelta(minutes=20))

    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert statuses(session) == {"sent": 4}
