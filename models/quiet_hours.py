"""When a proactive nudge may go: never in quiet hours (20:00-07:30 local) or a cohort break.

Pure functions of instants and zone names, so the scheduler's holding rules are tested without a
database or Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_START = time(20, 0)
QUIET_END = time(7, 30)
# Beyond this, the recipients' zones share no window; the slot's zone decides alone.
_SEARCH_LIMIT = timedelta(hours=48)


@dataclass(frozen=True)
class DateSpan:
    """Inclusive local dates (a cohort break or a personal pause)."""

    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def in_quiet_hours(moment: datetime, zone: str) -> bool:
    local = moment.astimezone(ZoneInfo(zone)).time()
    return local >= QUIET_START or local < QUIET_END


def end_of_quiet(moment: datetime, zone: str) -> datetime:
    """The next 07:30 local at or after `moment` (the morning that ends this quiet spell)."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tzinfo=tz).astimezone(moment.tzinfo)


def next_allowed(moment: datetime, zones: Sequence[str], fallback_zone: str) -> datetime:
    """The first instant at or after `moment` outside quiet hours for every zone.

    Where the zones leave no common window, only `fallback_zone` (the slot's) is honoured.
    """
    candidate = moment
    while candidate - moment <= _SEARCH_LIMIT:
        blocked = [zone for zone in zones if in_quiet_hours(candidate, zone)]
        if not blocked:
            return candidate
        candidate = max(end_of_quiet(candidate, zone) for zone in blocked)
    if in_quiet_hours(moment, fallback_zone):
        return end_of_quiet(moment, fallback_zone)
    return moment


def after_spans(moment: datetime, spans: Sequence[DateSpan], zone: str) -> datetime:
    """Move `moment` past any break or pause containing its local date (in `zone`)."""
    tz = ZoneInfo(zone)
    moved = True
    while moved:
        moved = False
        day = moment.astimezone(tz).date()
        for span in spans:
            if span.contains(day):
                restart = datetime.combine(span.end + timedelta(days=1), time(0, 0), tzinfo=tz)
                moment = restart.astimezone(moment.tzinfo)
                moved = True
    return moment


def hold_proactive(
    moment: datetime,
    zones: Sequence[str],
    fallback_zone: str,
    spans: Sequence[DateSpan] = (),
    spans_zone: str = "Europe/London",
) -> datetime:
    """When a proactive nudge due at `moment` may be sent: after breaks, outside quiet hours."""
    for _ in range(10):
        held = next_allowed(after_spans(moment, spans, spans_zone), zones, fallback_zone)
        if held == moment:
            return held
        moment = held
    return moment


def held_by(
    moment: datetime,
    zones: Sequence[str],
    spans: Sequence[DateSpan] = (),
    spans_zone: str = "Europe/London",
) -> str | None:
    """Why a proactive nudge due at `moment` cannot go then: a break, or quiet hours; else None."""
    if any(span.contains(moment.astimezone(ZoneInfo(spans_zone)).date()) for span in spans):
        return "a break"
    if any(in_quiet_hours(moment, zone) for zone in zones):
        return "quiet hours"
    return None
