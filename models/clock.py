"""Time as a dependency: only entry points read the real clock; tests set theirs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock, for the running app and the clock process."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """A clock that stands still until told otherwise (tests, `tick --at`)."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _require_aware(at)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, at: datetime) -> None:
        with self._lock:
            self._now = _require_aware(at)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    return at.astimezone(UTC)
