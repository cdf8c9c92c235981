"""Issue 14, duplicated: a second clock while one pass outlasts the five-minute lease. Each
delivery is claimed just before it is sent, and only the holder of a claim can mark it."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.deliveries import SENT
from scheduler import outbox
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.test_outbox import DUE, ManyNudges, OneNudge, claim_as_a_dead_sender, delivery, statuses


def test_a_second_clock_during_a_pass_longer_than_the_lease_duplicates_nothing(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """Clock A's pass takes 3 s a message, 360 s for 120; clock B runs a pass every 10 s of it.

    B's passes run while A waits for Slack's answer to a post, so they interleave the same way
    every run."""
    planner = ManyNudges(120)
    first, second = (
        build_runner(settings, clock, sessions=sessions, planners=[planner]) for _ in range(2)
    )
    sent_by = {id(first): 0, id(second): 0}
    errors: list[BaseException] = []

    def run(runner: PassRunner) -> None:
        try:
            sent_by[id(runner)] += len(runner.run_pass().sent)
        except BaseException as error:
            errors.append(error)

    next_tick = [DUE + timedelta(seconds=10)]
    b_running = threading.Lock()

    def slow_post() -> None:
        clock.set(clock.now() + timedelta(seconds=3))
        if clock.now() >= next_tick[0] and b_running.acquire(blocking=False):
            try:
                next_tick[0] = clock.now() + timedelta(seconds=10)
                run(second)  # B's tick comes while A waits for Slack's answer
            finally:
                b_running.release()

    fake_slack.clock, fake_slack.on_post = clock, slow_post
    run(first)
    assert clock.now() - DUE > outbox.LEASE  # the pass did outlast the lease
    for runner in (first, second):  # and both clocks carry on afterwards
        clock.set(clock.now() + timedelta(seconds=10))
        run(runner)

    assert errors == []
    assert sent_by[id(first)] and sent_by[id(second)]  # both clocks did send
    assert sorted(fake_slack.delivery_keys()) == planner.keys  # each exactly once
    assert statuses(session) == {"sent": 120}


def test_a_sender_whose_claim_was_taken_over_cannot_mark_it(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """A froze past its lease; B found the message missing and sent it. A's late "sent" (with
    A's ts) must not overwrite B's record, which the chase buttons use to redraw the message."""
    planner = OneNudge()
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    claim_as_a_dead_sender(sessions, planner)
    with sessions() as s:
        [stale] = [
            outbox.Claim(id=row.id, key=row.key, token=row.claim_token or "", attempts=1)
            for row in [delivery(s)]
        ]
    clock.set(DUE + outbox.LEASE)
    runner.run_pass()  # B: not in the channel's history, so it sends
    [ts] = [m["ts"] for m in fake_slack.messages["DUALICE"]]

    with sessions() as s:
        assert not outbox.mark_sent(s, stale, clock.now(), "1700000999.000100")
        s.commit()
    row = delivery(session)
    assert (row.status, row.message_ts) == (SENT, ts)
    assert fake_slack.delivery_keys() == ["test:alice:1"]
