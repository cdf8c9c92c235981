"""Issue 14, lost: a 429 is not a failure, and Retry-After is kept, within a pass and across."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from scheduler.runner import build_runner
from tests.fake_slack import FakeSlack
from tests.test_outbox import DUE, ManyNudges, run_passes, statuses


def test_four_minutes_of_429s_on_every_post_lose_nothing(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = ManyNudges(60)
    fake_slack.rate_limit("chat.postMessage", seconds=240, retry_after=1)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    run_passes(runner, clock, every=timedelta(seconds=10), until=DUE + timedelta(minutes=6))

    assert sorted(fake_slack.delivery_keys()) == planner.keys  # every nudge, each once
    assert statuses(session) == {"sent": 60}
    refused = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if c.at and c.at < DUE + timedelta(minutes=4)
    ]
    assert len(refused) <= 25  # about one probe a pass while limited, not 60 a pass


def test_after_a_429_the_pass_stops_and_waits_the_full_retry_after_from_receipt(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.advance_per_post(clock, 1.0)  # a slow pass: each message takes a second
    planner = ManyNudges(20)
    # The 9th post, 8 seconds into the pass, is refused for 10 seconds.
    fake_slack.rate_limit(
        "chat.postMessage", seconds=1, retry_after=10, start=DUE + timedelta(seconds=8)
    )
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    runner.run_pass()
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 9  # eight sent, one refused, then nothing more that pass
    refused_at = posts[-1].at
    assert refused_at == DUE + timedelta(seconds=8)

    run_passes(runner, clock, every=timedelta(seconds=1), until=DUE + timedelta(minutes=2))
    later = [c.at for c in fake_slack.calls_to("chat.postMessage")[9:]]
    assert later and all(
        at is not None and at >= refused_at + timedelta(seconds=10) for at in later
    )
    assert sorted(fake_slack.delivery_keys()) == planner.keys
