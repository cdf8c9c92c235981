"""The clock's promise: each nudge once, never lost, never in quiet hours, never a 429 slept."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.deliveries import CLAIMED, FAILED, MAYBE_SENT, PENDING, SENT, SKIPPED, Delivery
from models.people import Participant, ensure_participant
from scheduler import outbox
from scheduler.planning import Holding, OutgoingMessage, PlannedDelivery, UserTarget
from scheduler.runner import PassRunner, build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack

DUE = DEFAULT_NOW  # Tue 24 Nov 2026, 10:00 London


class OneNudge:
    """A planner that calls for one DM to Alice, due at `due`."""

    def __init__(
        self,
        due: datetime = DUE,
        key: str = "test:alice:1",
        holding: Holding | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        self.due, self.key, self.holding, self.expires_at = due, key, holding, expires_at
        self.enabled = True

    def __call__(self, session: Session, now: datetime) -> Sequence[PlannedDelivery]:
        if not self.enabled:
            return []
        alice = ensure_participant(session, "T1", "UALICE", now)
        session.flush()
        return [
            PlannedDelivery(
                key=self.key,
                kind="test",
                due_at=self.due,
                target=UserTarget(alice.id, "UALICE"),
                render=lambda: OutgoingMessage(text="Time to meet your buddy"),
                describe="UALICE",
                holding=self.holding,
                expires_at=self.expires_at,
                participant_id=alice.id,
            )
        ]


class ManyNudges:
    """A planner that calls for `count` DMs due at `due`, spread over `people` participants (so
    several keys share a channel). DMs are already open: only chat.postMessage is exercised."""

    def __init__(self, count: int, people: int | None = None, due: datetime = DUE) -> None:
        self.count, self.people, self.due = count, people or count, due
        self.keys = [f"bulk:{n:04d}" for n in range(count)]
        self._ids: dict[str, int] = {}

    def user(self, n: int) -> str:
        return f"U{n % self.people:05d}"

    def __call__(self, session: Session, now: datetime) -> Sequence[PlannedDelivery]:
        if not self._ids:
            users = [self.user(n) for n in range(self.people)]
            people = [
                Participant(team_id="T1", user_id=u, dm_channel_id=f"D{u}", created_at=DUE)
                for u in users
            ]
            session.add_all(people)
            session.flush()
            self._ids = {p.user_id: p.id for p in people}
        return [
            PlannedDelivery(
                key=key,
                kind="bulk",
                due_at=self.due,
                target=UserTarget(self._ids[self.user(n)], self.user(n)),
                render=lambda: OutgoingMessage(text="Time to meet your buddy"),
                describe=self.user(n),
                participant_id=self._ids[self.user(n)],
            )
            for n, key in enumerate(self.keys)
        ]


def run_passes(
    runner: PassRunner, clock: SettableClock, *, every: timedelta, until: datetime
) -> None:
    """The clock process: a pass, then the next `every` later, up to `until`."""
    while clock.now() <= until:
        runner.run_pass()
        clock.set(clock.now() + every)


def statuses(session: Session) -> dict[str, int]:
    session.expire_all()
    found: dict[str, int] = {}
    for status in session.scalars(select(Delivery.status)):
        found[status] = found.get(status, 0) + 1
    return found


def runner_for(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, planner: OneNudge
) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions, planners=[planner])


def sent_texts(fake: FakeSlack) -> list[str]:
    return fake.posted_texts()


def delivery(session: Session) -> Delivery:
    session.expire_all()
    row = session.scalar(select(Delivery))
    assert row is not None
    return row


def claim_as_a_dead_sender(sessions: sessionmaker[Session], planner: OneNudge) -> None:
    """Record and claim the planner's delivery at DUE, as a clock that then died would."""
    with sessions() as s:
        planned = planner(s, DUE)
        outbox.record_due(s, planned, DUE)
        s.commit()
        [row] = outbox.sendable(s, DUE, [planned[0].key])
        assert outbox.claim(s, row.id, DUE, "DUALICE") is not None
        s.commit()
        assert delivery(s).status == CLAIMED


def test_a_due_nudge_is_sent_once_and_a_second_pass_sends_nothing(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack
) -> None:
    runner = runner_for(settings, sessions, clock, OneNudge())
    runner.run_pass()
    runner.run_pass()
    clock.set(DUE + timedelta(hours=1))
    runner.run_pass()
    assert sent_texts(fake_slack) == ["Time to meet your buddy"]
    post = fake_slack.calls_to("chat.postMessage")[0]
    assert post.params["channel"] == "DUALICE"  # the DM, opened once and kept
    assert "test:alice:1" in str(post.params["metadata"])


def test_a_nudge_not_yet_due_waits(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack
) -> None:
    runner = runner_for(settings, sessions, clock, OneNudge(due=DUE + timedelta(minutes=5)))
    runner.run_pass()
    assert sent_texts(fake_slack) == []
    clock.set(DUE + timedelta(minutes=5))
    runner.run_pass()
    assert sent_texts(fake_slack) == ["Time to meet your buddy"]


def test_rate_limited_send_is_retried_after_retry_after_on_a_later_pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    runner = runner_for(settings, sessions, clock, OneNudge())
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=120)
    report = runner.run_pass()
    assert report.retrying and not report.sent
    row = delivery(session)
    assert row.status == PENDING
    assert row.next_attempt_at == DUE + timedelta(seconds=120)

    clock.set(DUE + timedelta(seconds=60))
    runner.run_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # only the 429 so far

    clock.set(DUE + timedelta(seconds=120))
    runner.run_pass()
    runner.run_pass()
    assert sent_texts(fake_slack) == ["Time to meet your buddy"] * 2  # the 429 and the success
    assert delivery(session).status == SENT


def test_server_error_backs_off_and_then_delivers(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """A 5xx may hide a message Slack posted: it is looked for in history before the resend."""
    runner = runner_for(settings, sessions, clock, OneNudge())
    fake_slack.fail_next("chat.postMessage", status=503)
    runner.run_pass()
    assert delivery(session).status == MAYBE_SENT
    clock.set(DUE + timedelta(seconds=30))
    runner.run_pass()
    assert fake_slack.calls_to("conversations.history")
    assert fake_slack.delivery_keys() == ["test:alice:1"]
    assert delivery(session).status == SENT


def test_a_permanent_error_is_recorded_and_not_retried(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    runner = runner_for(settings, sessions, clock, OneNudge())
    fake_slack.fail_next("chat.postMessage", error="account_inactive")
    runner.run_pass()
    clock.set(DUE + timedelta(hours=2))
    runner.run_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    row = delivery(session)
    assert (row.status, row.last_error) == (FAILED, "account_inactive")


def test_two_clocks_at_once_send_each_nudge_once(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack
) -> None:
    runners = [runner_for(settings, sessions, clock, OneNudge()) for _ in range(4)]
    start = threading.Barrier(len(runners))
    errors: list[BaseException] = []

    def run(runner: PassRunner) -> None:
        start.wait()
        try:
            runner.run_pass()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sent_texts(fake_slack) == ["Time to meet your buddy"]


def test_a_claim_abandoned_after_posting_is_not_sent_again(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """A sender that died between posting and marking: the lease runs out, Slack is checked."""
    planner = OneNudge()
    runner = runner_for(settings, sessions, clock, planner)
    claim_as_a_dead_sender(sessions, planner)
    # The dead sender had posted, key in metadata, before dying.
    runner.sender.post("DUALICE", "test:alice:1", OutgoingMessage(text="Time to meet your buddy"))
    ensure_dm = session.scalar(select(Delivery))
    assert ensure_dm is not None

    clock.set(DUE + outbox.LEASE - timedelta(seconds=1))
    runner.run_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # still leased: left alone

    clock.set(DUE + outbox.LEASE)
    report = runner.run_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert fake_slack.calls_to("conversations.history")
    assert report.sent == ["test to UALICE (found already sent)"]
    assert delivery(session).status == SENT


def test_a_claim_abandoned_before_posting_is_sent_after_the_lease(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack
) -> None:
    planner = OneNudge()
    runner = runner_for(settings, sessions, clock, planner)
    claim_as_a_dead_sender(sessions, planner)
    clock.set(DUE + outbox.LEASE + timedelta(seconds=10))
    runner.run_pass()
    assert sent_texts(fake_slack) == ["Time to meet your buddy"]


def test_a_nudge_whose_moment_passed_during_an_outage_is_skipped(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    planner = OneNudge(expires_at=DUE + timedelta(minutes=15))
    runner = runner_for(settings, sessions, clock, planner)
    clock.set(DUE + timedelta(hours=3))  # the bot was down until after the meeting
    report = runner.run_pass()
    assert sent_texts(fake_slack) == []
    assert report.skipped
    assert delivery(session).status == SKIPPED


def test_a_nudge_still_useful_after_an_outage_goes_late_once(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack
) -> None:
    runner = runner_for(settings, sessions, clock, OneNudge(expires_at=DUE + timedelta(days=2)))
    clock.set(DUE + timedelta(hours=3))
    runner.run_pass()
    runner.run_pass()
    assert sent_texts(fake_slack) == ["Time to meet your buddy"]


def test_a_pending_nudge_no_longer_planned_is_skipped_not_sent(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    planner = OneNudge()
    runner = runner_for(settings, sessions, clock, planner)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=60)
    runner.run_pass()
    planner.enabled = False  # e.g. the meeting was moved
    clock.set(DUE + timedelta(minutes=5))
    runner.run_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert delivery(session).status == SKIPPED


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_quiet_hours_hold_a_nudge_until_half_past_seven_local(
    zone: str,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    from zoneinfo import ZoneInfo

    three_am = datetime(2026, 12, 1, 3, 0, tzinfo=ZoneInfo(zone))
    half_seven = datetime(2026, 12, 1, 7, 30, tzinfo=ZoneInfo(zone))
    planner = OneNudge(due=three_am, holding=Holding(zones=(zone,), fallback_zone=zone))
    runner = runner_for(settings, sessions, clock, planner)
    clock.set(three_am)
    runner.run_pass()
    clock.set(half_seven - timedelta(minutes=1))
    runner.run_pass()
    assert sent_texts(fake_slack) == []
    clock.set(half_seven)
    runner.run_pass()
    assert sent_texts(fake_slack) == ["Time to meet your buddy"]
