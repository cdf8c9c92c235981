"""A pair's fortnightly slot as an iCalendar file any calendar app can import.

One recurring event (RRULE every two weeks, in the slot's own TZID so calendars keep its clock
time across daylight saving), EXDATEs for skipped meetings and those the cohort's breaks cancel,
and one overriding VEVENT per moved meeting, tied to its original date by RECURRENCE-ID.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from models.calendar.tables import CohortBreak
from models.grammar import VIDEO
from models.meetings.schedule import (
    MEETING_LENGTH,
    SLOT_INTERVAL_WEEKS,
    has_slot,
    meetings_between,
    slot_dates,
)
from models.meetings.tables import MeetingChange
from models.pairs import Pair
from models.people import Participant

PRODID = "-//Buddy//NPQ buddy pairs//EN"
SUMMARY = "Buddy meeting: application module"
# A buddy whose name Slack has not told Buddy yet (a calendar cannot show a Slack mention).
UNNAMED_BUDDY = "your buddy"


def buddy_name(participant: Participant) -> str:
    """The name Slack shows for them, as cached from users.info."""
    return participant.display_name or UNNAMED_BUDDY


def _uid(pair: Pair) -> str:
    return f"buddy-pair-{pair.id}-slot@buddy"


def pair_calendar(
    pair: Pair,
    changes: Iterable[MeetingChange],
    breaks: Sequence[CohortBreak],
    cohort_timezone: str,
    buddy_names: Sequence[str],
    now: datetime,
) -> bytes:
    """The .ics bytes for the pair's current slot, naming the buddies (plain names, never Slack
    ids); raises ValueError if it has none."""
    if not has_slot(pair):
        raise ValueError("the pair has no slot")
    assert pair.slot_first_date is not None and pair.slot_time is not None
    assert pair.slot_timezone is not None
    changes = list(changes)
    zone = ZoneInfo(pair.slot_timezone)

    def wall(day: date) -> datetime:
        return datetime.combine(day, pair.slot_time, tzinfo=zone)  # type: ignore[arg-type]

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Buddy meetings")

    series = _event(pair, buddy_names, now)
    series.add("dtstart", wall(pair.slot_first_date))
    series.add("rrule", _rule(pair))

    # Every date up to the last change or break: which did the slot give but not happen?
    span_start = wall(pair.slot_first_date).astimezone(UTC)
    span_end = _span_end(pair, changes, breaks, now)
    given = slot_dates(pair, span_start, span_end)
    happening = {
        m.original_date: m
        for m in meetings_between(
            pair,
            changes,
            breaks,
            cohort_timezone,
            span_start - timedelta(days=400),
            span_end + timedelta(days=400),
            include_skipped=True,
        )
    }
    cancelled = [wall(d) for d in given if d not in happening or happening[d].skipped]
    if cancelled:
        series.add("exdate", cancelled)
    calendar.add_component(series)

    for original in given:
        meeting = happening.get(original)
        if meeting is None or not meeting.moved:
            continue
        override = _event(pair, buddy_names, now)
        override.add("recurrence-id", wall(original))
        override.add("dtstart", meeting.start.astimezone(zone))
        calendar.add_component(override)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _rule(pair: Pair) -> dict[str, object]:
    rule: dict[str, object] = {"freq": "weekly", "interval": SLOT_INTERVAL_WEEKS}
    if pair.dissolved_at is not None:
        rule["until"] = pair.dissolved_at.astimezone(UTC)
    return rule


def _event(pair: Pair, buddy_names: Sequence[str], now: datetime) -> Event:
    event = Event()
    event.add("uid", _uid(pair))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("duration", MEETING_LENGTH)
    event.add("summary", SUMMARY)
    description = "Your fortnightly buddy meeting"
    if buddy_names:
        description += " with " + " and ".join(buddy_names)
    event.add("description", description + ". Complete the insight module first.")
    if pair.format_kind == VIDEO and pair.format_detail:
        event.add("location", pair.format_detail)
        event.add("url", pair.format_detail)
    elif pair.format_detail:
        event.add("location", pair.format_detail)
    return event


def _span_end(
    pair: Pair, changes: Sequence[MeetingChange], breaks: Sequence[CohortBreak], now: datetime
) -> datetime:
    """Far enough ahead to cover every recorded change and break (and a year from now)."""
    assert pair.slot_first_date is not None
    last = max(
        [
            pair.slot_first_date,
            now.date(),
            *(c.original_date for c in changes if c.pair_id == pair.id),
            *(b.end_date for b in breaks),
        ]
    )
    return datetime.combine(last + timedelta(days=366), datetime.min.time(), tzinfo=UTC)
