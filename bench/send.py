"""How fast the clock puts many due nudges out while keeping to the platforms' limits.

10,000 nudges, due at once, in several workspaces (a few people get two, back to back), go
through the real pass (outbox, claims, pacing, the pool of posting threads) to a fake sender
that answers like Slack and enforces Slack's limits on its own real-time clock: about one post
a second per conversation and the workspace's own pace (`scheduler.pacing.LIMITS`); a post that
breaks either is refused with a 429 (a "violation"), and a few posts are refused with a 429
anyway, as Slack does now and then. Each post takes `--latency-ms` (a round trip to Slack).

The floor is the least time those limits allow: each workspace's posts after its burst at its
rate, each conversation's posts a second apart; the figure to read is the run's time against it
(the target: within 1.1x), with 0 lost and 0 duplicated.

Usage: .venv/bin/python -m bench.send [--nudges 10000] [--workspaces 40] [--latency-ms 30]
       [--concurrency 16] [--database-url URL]
Prints its figures; it asserts nothing (targets are read by people, not by the test suite).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.migrate import upgrade_to_head
from bot.settings import DEFAULT_SEND_CONCURRENCY
from conversation.replies import OutgoingMessage
from models.base import SLACK
from models.clock import SystemClock
from models.db import make_engine, make_session_factory
from models.deliveries import Delivery
from models.people import Participant
from scheduler.pacing import LIMITS, Limits
from scheduler.planning import PlannedDelivery, Target, UserTarget
from scheduler.ports import SendFailure, load_recipients
from scheduler.runner import PassRunner

# Every this many posts, one is refused with a 429 whatever the pace (Slack's own doing).
REFUSE_EVERY = 500
REFUSED_RETRY_AFTER = 1
# How early a post may arrive and still count as kept to the limits: the pass times a post when
# it hands it to a thread, the fake when it arrives, and on a busy machine a thread may wake a
# little late (so the next post seems early). Slack's own windows are looser than this.
TOLERANCE = timedelta(milliseconds=250)


@dataclass
class Nudge:
    key: str
    team: str
    person: int  # index into the workspace's people


def plan_nudges(nudges: int, workspaces: int) -> list[Nudge]:
    """`nudges` spread over `workspaces`; in each, the first tenth of its people get two nudges
    one after the other (so their conversation's second shows), the rest one each."""
    found: list[Nudge] = []
    per = math.ceil(nudges / workspaces)
    for w in range(workspaces):
        team = f"TW{w:03d}"
        count = min(per, nudges - len(found))
        doubles = count // 10
        for n in range(count):
            person = n // 2 if n < 2 * doubles else n - doubles
            found.append(Nudge(f"bench:{team}:{n:05d}", team, person))
    return found


class Planner:
    def __init__(self, nudges: list[Nudge], due: datetime) -> None:
        self.nudges, self.due = nudges, due
        self.ids: dict[tuple[str, int], int] = {}

    def seed(self, session: Session) -> None:
        people = {(n.team, n.person) for n in self.nudges}
        rows = [
            Participant(
                team_id=team,
                user_id=f"U{team}P{person:05d}",
                dm_channel_id=channel_of(team, person),
                created_at=self.due,
            )
            for team, person in sorted(people)
        ]
        session.add_all(rows)
        session.commit()
        self.ids = {(p.team_id, int(p.user_id.rsplit("P", 1)[1])): p.id for p in rows}

    def __call__(self, session: Session, now: datetime) -> Sequence[PlannedDelivery]:
        return [
            PlannedDelivery(
                key=n.key,
                kind="bench",
                due_at=self.due,
                target=UserTarget(self.ids[(n.team, n.person)], f"U{n.team}P{n.person:05d}"),
                render=lambda: OutgoingMessage(text="Time to meet your buddy"),
                describe=n.key,
                participant_id=self.ids[(n.team, n.person)],
                expires_at=self.due + timedelta(hours=6),
            )
            for n in self.nudges
        ]


def channel_of(team: str, person: int) -> str:
    return f"D{team}-{person:05d}"


def team_of(channel: str) -> str:
    return channel[1:].split("-", 1)[0]


@dataclass
class LimitedSlack:
    """A sender that answers like Slack, enforcing Slack's limits in real time."""

    limits: Limits
    latency: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    posted: list[str] = field(default_factory=list)
    last_post: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, tuple[float, float]] = field(default_factory=dict)
    calls: int = 0
    refused: int = 0
    violations: Counter[str] = field(default_factory=Counter)
    first_at: float | None = None
    last_at: float | None = None

    def preload(self, session: Session, targets: Iterable[Target]) -> list[object]:
        return load_recipients(session, targets)

    def known_channel(self, session: Session, target: Target) -> str | None:
        assert isinstance(target, UserTarget)
        person = session.get(Participant, target.participant_id)
        return person.dm_channel_id if person is not None else None

    def channel_for(self, session: Session, target: Target) -> str:
        channel = self.known_channel(session, target)
        if channel is None:
            raise SendFailure("channel_not_found", permanent=True)
        return channel

    def find_sent(
        self,
        channel: str,
        keys: Collection[str],
        since: datetime,
        may_call: Callable[[], bool],
    ) -> dict[str, str] | None:
        with self.lock:
            return {key: "1.0" for key in keys if key in self.posted}

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None:
        time.sleep(self.latency / 2)  # the request on its way
        with self.lock:
            now = time.monotonic()
            self.calls += 1
            team = team_of(channel)
            gap = self.limits.conversation_gap - TOLERANCE
            last = self.last_post.get(channel)
            if last is not None and now - last < gap.total_seconds():
                self.violations["conversation"] += 1
                raise SendFailure("ratelimited", retry_after_seconds=1)
            tokens, at = self.tokens.get(team, (float(self.limits.burst), now))
            grace = self.limits.per_second * TOLERANCE.total_seconds()
            tokens = min(float(self.limits.burst), tokens + (now - at) * self.limits.per_second)
            if tokens + grace < 1:
                self.violations["workspace"] += 1
                raise SendFailure("ratelimited", retry_after_seconds=1)
            if self.calls % REFUSE_EVERY == 0:
                self.refused += 1
                raise SendFailure("ratelimited", retry_after_seconds=REFUSED_RETRY_AFTER)
            self.tokens[team] = (tokens - 1, now)
            self.last_post[channel] = now
            self.posted.append(key)
            self.first_at = self.first_at if self.first_at is not None else now
            self.last_at = now
        time.sleep(self.latency / 2)  # the answer on its way back
        return f"{now:.6f}"


def floor_seconds(nudges: list[Nudge], limits: Limits) -> tuple[float, float]:
    """The least time the limits allow: by workspace (after its burst, at its rate) and by
    conversation (a gap between each two posts)."""
    per_team = Counter(n.team for n in nudges)
    per_channel = Counter((n.team, n.person) for n in nudges)
    workspace = max(max(count - limits.burst, 0) / limits.per_second for count in per_team.values())
    gap = limits.conversation_gap.total_seconds()
    conversation = max((count - 1) * gap for count in per_channel.values())
    return workspace, conversation


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nudges", type=int, default=10_000)
    parser.add_argument("--workspaces", type=int, default=40)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_SEND_CONCURRENCY)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade_to_head(url)
    sessions = make_session_factory(make_engine(url))

    limits = LIMITS[SLACK]
    nudges = plan_nudges(args.nudges, args.workspaces)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    planner = Planner(nudges, due)
    with sessions() as session:
        planner.seed(session)
    fake = LimitedSlack(limits, args.latency_ms / 1000)
    runner = PassRunner(
        sessions,
        fake,
        SystemClock(),
        [planner],
        concurrency=args.concurrency,
        limits={SLACK: limits},
        waiter=time.sleep,
    )
    workspace_floor, conversation_floor = floor_seconds(nudges, limits)
    floor = max(workspace_floor, conversation_floor)
    print(
        f"{len(nudges)} nudges in {args.workspaces} workspaces "
        f"({len({(n.team, n.person) for n in nudges})} conversations), "
        f"database: {url.split(':')[0]}, {args.latency_ms:g} ms a post, "
        f"concurrency {args.concurrency}"
    )
    print(
        f"limits: {limits.per_second:g} posts/s per workspace after a burst of {limits.burst}, "
        f"{limits.conversation_gap.total_seconds():g} s between posts to a conversation, "
        f"{limits.in_flight} in flight per workspace"
    )
    print(
        f"floor: {floor:.1f} s (workspaces {workspace_floor:.1f} s, "
        f"conversations {conversation_floor:.1f} s)"
    )

    began = time.monotonic()
    passes = 0
    while len(set(fake.posted)) < len(nudges) and time.monotonic() - began < 20 * floor + 60:
        runner.run_pass()
        passes += 1
    took = time.monotonic() - began
    planned = {n.key for n in nudges}
    posted = Counter(fake.posted)
    lost = len(planned - set(posted))
    duplicated = sum(count - 1 for count in posted.values() if count > 1)
    with sessions() as session:
        statuses = dict(
            session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
            .tuples()
            .all()
        )
    sending = (fake.last_at or began) - (fake.first_at or began)
    print(
        f"took {took:.1f} s in {passes} passes ({took / floor:.2f}x the floor); "
        f"first post to last {sending:.1f} s ({sending / floor:.2f}x)"
    )
    print(
        f"lost {lost}, duplicated {duplicated}; posts tried {fake.calls}, "
        f"429s answered anyway {fake.refused}, limits broken "
        f"{sum(fake.violations.values())} {dict(fake.violations)}; outbox {statuses}"
    )


if __name__ == "__main__":
    main()
