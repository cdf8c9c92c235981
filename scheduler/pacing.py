"""What the clock remembers of Slack's limits between calls: a pause per method after a 429 or
an outage, and a per-minute budget for Tier 3 methods such as conversations.history.

Kept in the database (`slack_pauses`, `slack_calls`), not in memory: `python -m scheduler tick`
is a new process each time, and a pause one process was told to keep (a 429's Retry-After) holds
for every other. The pauses are read once at the start of a pass and kept up to date as this
pass learns more; each budgeted call is counted in the table as it is made.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

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

    def open(self, method: str, now: datetime) -> bool:
        """Whether `method` may be called now (no Retry-After or outage pause running)."""
        until = self._paused_until.get(method)
        return until is None or now >= until or until - now > LONGEST_PAUSE

    def failed(
        self, session: Session, method: str, failure: SendFailure, received_at: datetime
    ) -> None:
        """Pause `method` for the full Retry-After from when it was received, or after an outage
        for a growing while; an answer about one message (ok: false) pauses nothing. Recorded
        in `session`, for the caller to commit with what it marks."""
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
