"""Issue 25, sending at scale: a pass posts to different conversations at once, keeps each
workspace to its own pace and pauses (a 429 in one school's Slack holds no other), each
conversation to about one post a second, and opens each DM once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.base import SLACK
from models.clock import SettableClock
from models.deliveries import SlackPause
from models.people import Participant, ensure_participant
from scheduler.pacing import LIMITS, Allowance, Limits, Pacing, pace_key
from scheduler.planning import OutgoingMessage, PlannedDelivery, UserTarget
from scheduler.ports import SendFailure
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.test_outbox import DUE, run_passes, statuses

POST = "chat.postMessage"


class Schools:
    """DMs due at DUE to `people` people in each of several workspaces, `each` per person."""

    def __init__(self, teams: Sequence[str], people: int = 3, each: int = 1) -> None:
        self.teams, self.people, self.each = list(teams), people, each
        self.keys = sorted(
            f"{team}:{n}:{k}" for team in teams for n in range(people) for k in range(each)
        )
        self._ids: dict[tuple[str, int], int] = {}

    def channel(self, team: str, n: int) -> str:
        return f"D{team}X{n}"

    def __call__(self, session: Session, now: datetime) -> Sequence[PlannedDelivery]:
        if not self._ids:
            for team in self.teams:
                for n in range(self.people):
                    person = Participant(
                        team_id=team,
                        user_id=f"U{team}X{n}",
                        dm_channel_id=self.channel(team, n),
                        created_at=DUE,
                    )
                    session.add(person)
                    session.flush()
                    self._ids[(team, n)] = person.id
        return [
            PlannedDelivery(
                key=f"{team}:{n}:{k}",
                kind="bulk",
                due_at=DUE,
                target=UserTarget(self._ids[(team, n)], f"U{team}X{n}"),
                render=lambda: OutgoingMessage(text="Time to meet your buddy"),
                describe=f"U{team}X{n}",
                participant_id=self._ids[(team, n)],
            )
            for team in self.teams
            for n in range(self.people)
            for k in range(self.each)
        ]


def keys_by_team(fake: FakeSlack) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in fake.delivery_keys():
        found.setdefault(key.split(":", 1)[0], []).append(key)
    return found


def test_a_429_from_one_workspace_does_not_stop_another_in_the_same_pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = Schools(["TONE", "TTWO"], people=4)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    post = runner.sender.post
    refused: list[str] = []

    def limited_in_one(channel: str, key: str, message: OutgoingMessage) -> str | None:
        if key.startswith("TONE") and clock.now() < DUE + timedelta(seconds=30):
            refused.append(key)
            raise SendFailure("ratelimited", retry_after_seconds=30)
        return post(channel, key, message)

    runner.sender.post = limited_in_one  # type: ignore[method-assign]
    runner.run_pass()

    assert len(refused) == 1  # one refusal, then nothing more to that workspace
    assert sorted(keys_by_team(fake_slack)["TTWO"]) == [k for k in planner.keys if "TTWO" in k]
    assert "TONE" not in keys_by_team(fake_slack)
    with sessions() as s:
        paused = {row.method: row.paused_until for row in s.scalars(select(SlackPause))}
    assert paused == {pace_key(POST, "TONE"): DUE + timedelta(seconds=30)}

    # The next processes honour it for that workspace only, then send the rest, each once.
    run_passes(runner, clock, every=timedelta(seconds=10), until=DUE + timedelta(minutes=1))
    assert len(refused) == 1
    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert statuses(session) == {"sent": 8}


def test_two_conversations_are_posted_to_at_once(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """Each post waits until another is in flight with it: one at a time would never finish."""
    planner = Schools(["TONE", "TTWO", "TTHREE"], people=2)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    post = runner.sender.post
    together = threading.Barrier(2, timeout=10)

    def alongside_another(channel: str, key: str, message: OutgoingMessage) -> str | None:
        together.wait()
        return post(channel, key, message)

    runner.sender.post = alongside_another  # type: ignore[method-assign]
    runner.run_pass()

    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert statuses(session) == {"sent": 6}


def test_one_workspace_has_several_posts_in_flight_when_its_platform_allows(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    planner = Schools(["TONE"], people=4)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    runner.limits = {SLACK: Limits(timedelta(seconds=1), in_flight=4, per_second=20, burst=40)}
    post = runner.sender.post
    together = threading.Barrier(4, timeout=10)

    def with_three_others(channel: str, key: str, message: OutgoingMessage) -> str | None:
        together.wait()
        return post(channel, key, message)

    runner.sender.post = with_three_others  # type: ignore[method-assign]
    runner.run_pass()

    assert sorted(fake_slack.delivery_keys()) == planner.keys


def posts_per_channel(fake: FakeSlack) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    for call in fake.calls_to(POST):
        assert call.at is not None
        found.setdefault(str(call.params["channel"]), []).append(call.at)
    return found


def test_one_conversation_never_gets_two_posts_within_a_second(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = Schools(["TONE", "TTWO"], people=2, each=3)  # three to each DM, due together
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])

    runner.run_pass()
    assert len(fake_slack.calls_to(POST)) == 4  # one to each DM; the rest wait their second
    run_passes(runner, clock, every=timedelta(milliseconds=250), until=DUE + timedelta(seconds=5))

    assert sorted(fake_slack.delivery_keys()) == planner.keys
    for channel, moments in posts_per_channel(fake_slack).items():
        gaps = [later - earlier for earlier, later in pairwise(moments)]
        assert len(moments) == 3 and all(gap >= timedelta(seconds=1) for gap in gaps), channel


def test_the_clock_process_waits_a_second_within_its_pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """With a waiter (the clock process's sleep), one pass sends all three to a DM, a second
    apart, instead of leaving two for later passes."""
    fake_slack.clock = clock
    planner = Schools(["TONE"], people=1, each=3)
    waited: list[float] = []

    def waiter(seconds: float) -> None:
        waited.append(seconds)
        clock.set(clock.now() + timedelta(seconds=seconds))

    runner = build_runner(settings, clock, sessions=sessions, planners=[planner], waiter=waiter)
    runner.run_pass()

    assert sorted(fake_slack.delivery_keys()) == planner.keys
    assert posts_per_channel(fake_slack) == {
        planner.channel("TONE", 0): [DUE, DUE + timedelta(seconds=1), DUE + timedelta(seconds=2)]
    }
    assert waited == [1.0, 1.0]


def test_a_workspace_is_kept_to_its_pace_across_passes(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """Its burst at once, then its rate: 120 DMs in one workspace, a pass every 10 s."""
    fake_slack.clock = clock
    planner = Schools(["TONE"], people=120)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    slack = LIMITS[SLACK]

    runner.run_pass()
    assert len(fake_slack.calls_to(POST)) == slack.burst
    clock.set(DUE + timedelta(seconds=10))
    runner.run_pass()
    assert len(fake_slack.calls_to(POST)) == slack.burst + 10 * slack.per_second
    run_passes(runner, clock, every=timedelta(seconds=10), until=DUE + timedelta(minutes=1))
    assert sorted(fake_slack.delivery_keys()) == planner.keys


class NewPerson:
    """Two nudges at once to someone Buddy has never DMed (no DM kept yet)."""

    def __call__(self, session: Session, now: datetime) -> Sequence[PlannedDelivery]:
        carol = ensure_participant(session, "T1", "UCAROL", now)
        session.flush()
        return [
            PlannedDelivery(
                key=f"new:carol:{n}",
                kind="test",
                due_at=DUE,
                target=UserTarget(carol.id, "UCAROL"),
                render=lambda: OutgoingMessage(text="Hello from Buddy"),
                describe="UCAROL",
                participant_id=carol.id,
            )
            for n in range(2)
        ]


def test_a_dm_is_opened_once_and_kept_through_a_429(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    fake_slack.fail_next(POST, status=429, retry_after=5)  # the first post, after the open
    runner: PassRunner = build_runner(settings, clock, sessions=sessions, planners=[NewPerson()])

    run_passes(runner, clock, every=timedelta(seconds=1), until=DUE + timedelta(seconds=20))

    assert sorted(fake_slack.delivery_keys()) == ["new:carol:0", "new:carol:1"]
    assert len(fake_slack.calls_to("conversations.open")) == 1
    session.expire_all()
    carol = session.scalar(select(Participant).where(Participant.user_id == "UCAROL"))
    assert carol is not None and carol.dm_channel_id == "DUCAROL"


def test_a_pause_is_per_workspace_and_an_old_bare_pause_holds_everywhere(
    sessions: sessionmaker[Session],
) -> None:
    now = DUE
    with sessions() as s:
        pacing = Pacing()
        pacing.failed(
            s, pace_key(POST, "TONE"), SendFailure("ratelimited", retry_after_seconds=30), now
        )
        s.commit()
        pacing.load(s)
        assert not pacing.open(pace_key(POST, "TONE"), now)
        assert pacing.open(pace_key(POST, "TTWO"), now)
        assert pacing.open(pace_key(POST, "TONE"), now + timedelta(seconds=30))

        s.add(SlackPause(method=POST, paused_until=now + timedelta(seconds=60), outages=0))
        s.commit()
        pacing.load(s)  # a clock from before per-workspace keys paused the method itself
        assert pacing.paused_until(pace_key(POST, "TTWO"), now) == now + timedelta(seconds=60)


def test_a_workspace_allowance_gives_its_burst_then_its_rate() -> None:
    allowance = Allowance(Limits(timedelta(seconds=1), in_flight=1, per_second=2, burst=3))
    for _ in range(3):
        assert allowance.ready_at(DUE) is None
        allowance.take(DUE)
    assert allowance.ready_at(DUE) == DUE + timedelta(seconds=0.5)
    assert allowance.ready_at(DUE + timedelta(seconds=0.5)) is None
