"""What the clock remembers of the platforms' limits between calls: a pause per method and
workspace after a 429 or an outage, a per-minute budget for Tier 3 methods such as
conversations.history, and how fast one workspace (a Slack team, a Teams tenant) and one
conversation may be posted to.

Pauses and budgets are kept per method *and workspace* (`pace_key`: "chat.postMessage@T123"):
Slack counts each workspace on its own, Teams each tenant, so a 429 from one says nothing of
another. They are kept in the database (`slack_pauses`, `slack_calls`), not in memory:
`python -m scheduler tick` is a new process each time, and a pause one process was told to keep
(a 429's Retry-After) holds for every other. The pauses are read once at the start of a pass and
kept up to date as this pass learns more; each budgeted call is counted in the table as it is
made. A pause recorded under a bare method name (by a clock older than per-workspace keys) holds
for every workspace.

How fast a workspace is posted to (`Limits`, `Allowance`) is kept in the clock process's memory:
it is the pace this process keeps to, well under the platform's, not something learnt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from models.base import SLACK, TEAMS
from models.deliveries import SlackCall, SlackPause, dialect_insert
from scheduler.ports import SendFailure

MINUTE = timedelta(minutes=1)
# Slack's Tier 3 allows about 50 calls a minute; the rest is headroom for the bot process.
TIER3_PER_MINUTE = 40
# After a 5xx or a timeout, wait before trying that method again, longer each time it repeats.
OUTAGE_PAUSE_START = timedelta(seconds=30)
OUTAGE_PAUSE_CAP = timedelta(minutes=5)
# Further ahead than any pause Slack asks for: the clock was set back (or `tick --at` went back
# in time), and such a pause is not honoured, lest sending stop for as long.
LONGEST_PAUSE = timedelta(hours=1)
# The width of `slack_pauses.method` and `slack_calls.method`.
KEY_LENGTH = 64


def pace_key(method: str, workspace: str | None) -> str:
    """The name a method's pause and budget are kept under in one workspace (a Slack team, a
    Teams tenant): "chat.postMessage@T123". Without a workspace, the method's own name."""
    if not workspace:
        return method
    return f"{method}@{workspace}"[:KEY_LENGTH]


def _method_of(key: str) -> str:
    return key.split("@", 1)[0]


@dataclass(frozen=True)
class Limits:
    """How fast the clock posts on one platform: what its documentation allows, with headroom.

    Slack: chat.postMessage "generally allows posting one message per second per channel, while
    also maintaining a workspace-wide limit" (several hundred a minute), with short bursts.
    Teams (docs/TEAMS.md): about 7 a second per conversation, and 50 requests a second per app
    per tenant; a pair's message is one request per member, hence half of it."""

    # Two posts to one conversation are at least this far apart.
    conversation_gap: timedelta
    # Posts to one workspace in flight at once. Slack's is 1: a post takes a tenth of a second or
    # more, about Slack's workspace pace anyway, and a 429 then stops the very next post.
    in_flight: int
    # Posts a second to one workspace, kept up; and how many may go at once after a quiet spell.
    per_second: float
    burst: int


LIMITS: dict[str, Limits] = {
    SLACK: Limits(conversation_gap=timedelta(seconds=1), in_flight=1, per_second=5.0, burst=50),
    TEAMS: Limits(conversation_gap=timedelta(seconds=1), in_flight=4, per_second=20.0, burst=40),
}


class Allowance:
    """One workspace's posts as a token bucket: `burst` at once after a quiet spell, then
    `per_second`. Read from the injected clock, so a test's clock that stands still spends the
    burst and then waits for a later pass."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.tokens = float(limits.burst)
        self.at: datetime | None = None

    def _refill(self, now: datetime) -> None:
        if self.at is not None and now > self.at:
            gained = (now - self.at).total_seconds() * self.limits.per_second
            self.tokens = min(float(self.limits.burst), self.tokens + gained)
        if self.at is None or now > self.at or self.at - now > LONGEST_PAUSE:
            self.at = now  # (a clock set far back starts afresh)

    def ready_at(self, now: datetime) -> datetime | None:
        """None if a post may go now; else when the next one may."""
        self._refill(now)
        if self.tokens >= 1:
            return None
        return now + timedelta(seconds=(1 - self.tokens) / self.limits.per_second)

    def take(self, now: datetime) -> None:
        self._refill(now)
        self.tokens -= 1


class Pacing:
    def __init__(self) -> None:
        self._paused_until: dict[str, datetime] = {}
        self._outages: dict[str, int] = {}

    def load(self, session: Session) -> None:
        """At the start of a pass: the pauses every clock process has recorded."""
        self._paused_until.clear()
        self._outages.clear()
        for row in session.scalars(select(SlackPause)):
            if row.paused_until is not None:
                self._paused_until[row.method] = row.paused_until
            if row.outages:
                self._outages[row.method] = row.outages

    def open(self, key: str, now: datetime) -> bool:
        """Whether the method may be called now in the key's workspace (no Retry-After or outage
        pause running, for it or, kept by an older clock, for the method everywhere)."""
        return self.paused_until(key, now) is None

    def paused_until(self, key: str, now: datetime) -> datetime | None:
        """When the running pause of the key (or of its bare method) ends; None if none runs."""
        ends = [
            until
            for name in dict.fromkeys((key, _method_of(key)))
            if (until := self._paused_until.get(name)) is not None
            and now < until
            and until - now <= LONGEST_PAUSE
        ]
        return max(ends) if ends else None

    def failed(
        self, session: Session, method: str, failure: SendFailure, received_at: datetime
    ) -> None:
        """Pause `method` (a `pace_key`) for the full Retry-After from when it was received, or
        after an outage for a growing while; an answer about one message (ok: false) pauses
        nothing. Recorded in `session`, for the caller to commit with what it marks."""
        outages = self._outages.get(method, 0)
        if failure.retry_after_seconds is not None:
            until = received_at + timedelta(seconds=failure.retry_after_seconds)
        elif failure.slack_unwell:
            outages = self._outages[method] = outages + 1
            until = received_at + min(OUTAGE_PAUSE_START * 2 ** (outages - 1), OUTAGE_PAUSE_CAP)
        else:
            return
        current = self._paused_until.get(method)
        self._paused_until[method] = until if current is None else max(current, until)
        statement = dialect_insert(session, SlackPause).values(
            method=method, paused_until=until, outages=outages
        )
        later = case(
            (SlackPause.paused_until > statement.excluded.paused_until, SlackPause.paused_until),
            else_=statement.excluded.paused_until,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["method"],
                set_={"paused_until": later, "outages": statement.excluded.outages},
            )
        )

    def succeeded(self, session: Session, method: str) -> None:
        """A call went through: an outage is over, and the next one's pause starts short."""
        if self._outages.pop(method, None) is not None:
            session.execute(update(SlackPause).where(SlackPause.method == method).values(outages=0))

    def take(
        self, session: Session, method: str, now: datetime, per_minute: int = TIER3_PER_MINUTE
    ) -> bool:
        """Spend one call of `method`'s per-minute budget, if any is left in the last minute
        (counting every process's calls); the caller commits it before making the call."""
        session.execute(
            delete(SlackCall).where(SlackCall.method == method, SlackCall.at <= now - MINUTE)
        )
        # Calls "in the future" (the clock was set back) are left out, not counted.
        used = session.scalar(
            select(func.count())
            .select_from(SlackCall)
            .where(SlackCall.method == method, SlackCall.at > now - MINUTE, SlackCall.at <= now)
        )
        if (used or 0) >= per_minute:
            return False
        session.add(SlackCall(method=method, at=now))
        session.flush()
        return True
