"""What the clock remembers of Slack's limits between calls: a pause per method after a 429 or
an outage, and a per-minute budget for Tier 3 methods such as conversations.history.

The runner holds it in memory. A restart forgets it, which costs at most one refused call per
method; what was sent and what is owed live in the deliveries table, never here.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from scheduler.sender import SendFailure

MINUTE = timedelta(minutes=1)
# Slack's Tier 3 allows about 50 calls a minute; the rest is headroom for the bot process.
TIER3_PER_MINUTE = 40
# After a 5xx or a timeout, wait before trying that method again, longer each time it repeats.
OUTAGE_PAUSE_START = timedelta(seconds=30)
OUTAGE_PAUSE_CAP = timedelta(minutes=5)


class Pacing:
    def __init__(self) -> None:
        self._paused_until: dict[str, datetime] = {}
        self._outages: dict[str, int] = {}
        self._calls: dict[str, deque[datetime]] = {}

    def open(self, method: str, now: datetime) -> bool:
        """Whether `method` may be called now (no Retry-After or outage pause running)."""
        until = self._paused_until.get(method)
        return until is None or now >= until

    def failed(self, method: str, failure: SendFailure, received_at: datetime) -> None:
        """Pause `method` for the full Retry-After from when it was received, or after an outage
        for a growing while; an answer about one message (ok: false) pauses nothing."""
        if failure.retry_after_seconds is not None:
            until = received_at + timedelta(seconds=failure.retry_after_seconds)
        elif failure.slack_unwell:
            times = self._outages[method] = self._outages.get(method, 0) + 1
            until = received_at + min(OUTAGE_PAUSE_START * 2 ** (times - 1), OUTAGE_PAUSE_CAP)
        else:
            return
        current = self._paused_until.get(method)
        self._paused_until[method] = until if current is None else max(current, until)

    def succeeded(self, method: str) -> None:
        self._outages.pop(method, None)

    def take(self, method: str, now: datetime, per_minute: int = TIER3_PER_MINUTE) -> bool:
        """Spend one call of `method`'s per-minute budget, if any is left in the last minute."""
        window = self._calls.setdefault(method, deque())
        # Drop calls more than a minute old, or "in the future" if the clock was set back.
        for moment in list(window):
            if moment <= now - MINUTE or moment > now:
                window.remove(moment)
        if len(window) >= per_minute:
            return False
        window.append(now)
        return True
