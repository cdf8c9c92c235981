"""When a proactive nudge may go: never in quiet hours (20:00-07:30 local), a cohort break, a
recipient's personal pause, or on a day that is not a working day where the recipient is
(Saturday and Sunday unless the cohort says otherwise). A nudge held by a break, a pause or a rest
day is released at 09:00 local on the first day it may go, not at midnight or at 07:30 (the
busiest moment of a school morning); one held by quiet hours alone goes when they end, at 07:30.

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
# When nudges held by a break, a pause or a rest day are released, in each recipient's zone.
RELEASE_HOUR = time(9, 0)
# Beyond this, the recipients' zones share no window; the slot's zone decides alone.
# Monday to Friday (Monday is 0); a cohort may set its own.
WORKING_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
_SEARCH_LIMIT = timedelta(hours=48)


@dataclass(frozen=True)
class DateSpan:
    """Inclusive local dates (a cohort break or a personal pause)."""

    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ZonedSpan:
    """A personal pause: its dates are read in the paused person's own zone."""

    span: DateSpan
    zone: str


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


def at_release_hour(moment: datetime, zones: Sequence[str]) -> datetime:
    """No earlier than 09:00 on its own local day in every zone: a nudge a hold has just let go
    (at midnight, the end of a break or a weekend) waits for a humane hour."""
    released = moment
    for zone in zones:
        tz = ZoneInfo(zone)
        release = datetime.combine(moment.astimezone(tz).date(), RELEASE_HOUR, tzinfo=tz)
        released = max(released, release.astimezone(moment.tzinfo))
    return released


def parse_working_days(text: str | None) -> tuple[int, ...]:
    """A cohort's working days as stored (`01234`, Monday 0); Monday to Friday when unset."""
    days = tuple(sorted({int(c) for c in text or "" if c in "0123456"}))
    return days or WORKING_DAYS


def is_working_day(moment: datetime, zone: str, working_days: Sequence[int]) -> bool:
    return moment.astimezone(ZoneInfo(zone)).weekday() in working_days


def after_rest_days(
    moment: datetime, zones: Sequence[str], working_days: Sequence[int] | None
) -> datetime:
    """Move `moment` to the start of the next day that is a working day in every zone (or, when
    the zones never agree within a week, in the first)."""
    if not working_days or not zones:
        return moment
    start = moment
    for _ in range(8):
        resting = [zone for zone in zones if not is_working_day(moment, zone, working_days)]
        if not resting:
            return moment
        moment = max(_next_midnight(moment, zone) for zone in resting)
    moment = start
    while not is_working_day(moment, zones[0], working_days):
        moment = _next_midnight(moment, zones[0])
    return moment


def event_working_days(
    event: datetime, zones: Sequence[str], working_days: Sequence[int]
) -> tuple[int, ...] | None:
    """The working days that hold an event's nudges: None (the weekend holds nothing) when the
    event itself is on a rest day in any recipient's zone, so its prep still goes as due."""
    if any(not is_working_day(event, zone, working_days) for zone in zones):
        return None
    return tuple(working_days)


def _next_midnight(moment: datetime, zone: str) -> datetime:
    tz = ZoneInfo(zone)
    day = moment.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(moment.tzinfo)


def hold_proactive(
    moment: datetime,
    zones: Sequence[str],
    fallback_zone: str,
    spans: Sequence[DateSpan] = (),
    spans_zone: str = "Europe/London",
    pauses: Sequence[ZonedSpan] = (),
    working_days: Sequence[int] | None = None,
) -> datetime:
    """When a proactive nudge due at `moment` may be sent: after breaks, recipients' pauses and
    rest days (weekends), at 09:00 local on the day one of them lets it go, and outside quiet
    hours. `working_days` None: the weekend does not hold it (a weekend meeting's)."""
    for _ in range(10):
        held = after_spans(moment, spans, spans_zone)
        for pause in pauses:
            held = after_spans(held, [pause.span], pause.zone)
        held = after_rest_days(held, zones, working_days)
        if held != moment:
            held = at_release_hour(held, zones or (fallback_zone,))
        held = next_allowed(held, zones, fallback_zone)
        if held == moment:
            return held
        moment = held
    return moment


def held_by(
    moment: datetime,
    zones: Sequence[str],
    spans: Sequence[DateSpan] = (),
    spans_zone: str = "Europe/London",
    working_days: Sequence[int] | None = None,
    pauses: Sequence[ZonedSpan] = (),
) -> str | None:
    """Why a proactive nudge due at `moment` cannot go then: a break, a pause, the weekend, or
    quiet hours; else None."""
    if any(span.contains(moment.astimezone(ZoneInfo(spans_zone)).date()) for span in spans):
        return "a break"
    if any(p.span.contains(moment.astimezone(ZoneInfo(p.zone)).date()) for p in pauses):
        return "a pause"
    if working_days and any(not is_working_day(moment, z, working_days) for z in zones):
        return "the weekend"
    if any(in_quiet_hours(moment, zone) for zone in zones):
        return "quiet hours"
    return None
