"""When a pair meets: the fortnightly slot, with its moves, skips and the cohort's breaks.

The slot is a local weekday and wall-clock time in an IANA zone, so occurrences come from
dateutil's rrule over a zoneinfo start: the clock time holds across daylight-saving changes
(a fixed 14 days in UTC would drift by an hour). Everything here is pure except `load_meetings`,
which fetches what the pure functions need for many pairs in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.calendar.tables import CohortBreak
from models.meetings.tables import MeetingChange
from models.people import DEFAULT_COHORT_TIMEZONE, Cohort

if TYPE_CHECKING:
    from models.pairs import Pair

MEETING_LENGTH = timedelta(minutes=60)
SLOT_INTERVAL_WEEKS = 2
MOVED = "moved"
SKIPPED = "skipped"
# How far ahead `next_meetings` looks before giving up: a cohort rarely runs longer.
NEXT_MEETINGS_HORIZON = timedelta(days=3 * 366)


@dataclass(frozen=True)
class Meeting:
    """One fortnightly meeting of a pair, after any move or skip."""

    pair_id: int
    original_date: date  # the local date the slot gave it: its identity, stable when moved
    start: datetime  # UTC, after any move
    timezone: str  # the slot's zone
    moved: bool
    skipped: bool
    solo: bool
    # The cohort break that drops it (its name): only when asked for (`include_dropped`).
    dropped_by: str | None = None

    @property
    def dropped(self) -> bool:
        return self.dropped_by is not None

    @property
    def end(self) -> datetime:
        return self.start + MEETING_LENGTH

    def local_start(self, zone: str | None = None) -> datetime:
        """The start as a wall-clock time in `zone` (the slot's zone by default)."""
        return self.start.astimezone(ZoneInfo(zone or self.timezone))


def local_instant(on: date, at: time, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in `zone`.

    A time that does not exist (the spring-forward gap) is normalised by a round trip through
    UTC, which reads it with the offset from before the change: 01:30 becomes 02:30 summer time.
    """
    return datetime.combine(on, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def days_from(moment: datetime, days: int, zone: str) -> datetime:
    """The instant `days` calendar days from `moment` (earlier if negative), at the same
    wall-clock time in `zone`.

    "Two days before, at the meeting's clock time" is calendar arithmetic in the slot's zone:
    48 hours in UTC would land an hour off across a clock change (half an hour at Lord Howe).
    """
    local = moment.astimezone(ZoneInfo(zone))
    return local_instant(local.date() + timedelta(days=days), local.time(), zone)


def follow_up_due(
    first_due: datetime, first_sent: datetime | None, days: int, zone: str
) -> datetime | None:
    """When to ask again: `days` after the first ask was due, and never sooner than `days` after
    it actually went (after an outage both fell due at once); None while it has not gone."""
    if first_sent is None:
        return None
    return max(days_from(first_due, days, zone), days_from(first_sent, days, zone))


def has_slot(pair: Pair) -> bool:
    return (
        pair.slot_weekday is not None
        and pair.slot_time is not None
        and pair.slot_timezone is not None
        and pair.slot_first_date is not None
    )


def first_slot_date(weekday: int, on_or_after: date) -> date:
    """The first `weekday` on or after a date: where a new slot starts."""
    return on_or_after + timedelta(days=(weekday - on_or_after.weekday()) % 7)


def is_slot_date(pair: Pair, day: date) -> bool:
    """Whether the slot, as it stands, schedules a meeting on this local date."""
    if pair.slot_first_date is None:
        return False
    offset = (day - pair.slot_first_date).days
    return offset >= 0 and offset % (7 * SLOT_INTERVAL_WEEKS) == 0


def slot_dates(pair: Pair, start: datetime, end: datetime) -> list[date]:
    """Local dates the slot gives (before changes) whose start falls in [start, end)."""
    if not has_slot(pair):
        return []
    assert pair.slot_first_date is not None and pair.slot_time is not None
    assert pair.slot_timezone is not None
    zone = ZoneInfo(pair.slot_timezone)
    rule = rrule(
        WEEKLY,
        interval=SLOT_INTERVAL_WEEKS,
        dtstart=datetime.combine(pair.slot_first_date, pair.slot_time, tzinfo=zone),
    )
    # rrule compares wall-clock times within the zone; widen by a day and filter exactly in UTC.
    window = rule.between(
        start.astimezone(zone) - timedelta(days=1), end.astimezone(zone) + timedelta(days=1), True
    )
    return [
        occurrence.date()
        for occurrence in window
        if start <= occurrence.astimezone(UTC) < end  # normalises gap times, see local_instant
    ]


def _break_of(
    start: datetime, breaks: Sequence[CohortBreak], cohort_zone: ZoneInfo
) -> CohortBreak | None:
    day = start.astimezone(cohort_zone).date()
    return next((b for b in breaks if b.start_date <= day <= b.end_date), None)


def _in_break(start: datetime, breaks: Sequence[CohortBreak], cohort_zone: ZoneInfo) -> bool:
    return _break_of(start, breaks, cohort_zone) is not None


def _meeting(pair: Pair, original: date, change: MeetingChange | None) -> Meeting:
    assert pair.slot_time is not None and pair.slot_timezone is not None
    start = local_instant(original, pair.slot_time, pair.slot_timezone)
    moved = change is not None and change.kind == MOVED and change.new_start is not None
    if moved:
        assert change is not None and change.new_start is not None
        start = change.new_start.astimezone(UTC)
    skipped = change is not None and change.kind == SKIPPED
    return Meeting(
        pair_id=pair.id,
        original_date=original,
        start=start,
        timezone=pair.slot_timezone,
        moved=moved,
        skipped=skipped,
        solo=skipped and change is not None and change.solo,
    )


def meetings_between(
    pair: Pair,
    changes: Iterable[MeetingChange],
    breaks: Sequence[CohortBreak],
    cohort_timezone: str,
    start: datetime,
    end: datetime,
    include_skipped: bool = False,
    include_dropped: bool = False,
) -> list[Meeting]:
    """The pair's meetings starting in [start, end), in order, after moves, skips and breaks.

    A meeting moved into the window counts even if the slot put it outside, and the other way
    round. No meeting happens in a cohort break or after the pair was dissolved; changes to
    dates the current slot no longer gives (the slot was changed since) are ignored. With
    `include_dropped`, a meeting a break drops is kept, marked with the break's name.
    """
    if not has_slot(pair):
        return []
    own_changes = {
        c.original_date: c
        for c in changes
        if c.pair_id == pair.id and is_slot_date(pair, c.original_date)
    }
    candidates = set(slot_dates(pair, start, end)) | set(own_changes)
    cohort_zone = ZoneInfo(cohort_timezone)
    found = []
    for original in sorted(candidates):
        meeting = _meeting(pair, original, own_changes.get(original))
        if not start <= meeting.start < end:
            continue
        if pair.dissolved_at is not None and meeting.start >= pair.dissolved_at:
            continue
        cohort_break = _break_of(meeting.start, breaks, cohort_zone)
        if cohort_break is not None:
            if include_dropped:
                found.append(replace(meeting, dropped_by=cohort_break.name))
            continue
        if meeting.skipped and not include_skipped:
            continue
        found.append(meeting)
    return sorted(found, key=lambda m: (m.start, m.original_date))


def next_meetings(
    pair: Pair,
    changes: Iterable[MeetingChange],
    breaks: Sequence[CohortBreak],
    cohort_timezone: str,
    after: datetime,
    count: int,
    include_skipped: bool = False,
    include_dropped: bool = False,
) -> list[Meeting]:
    """The next `count` meetings starting at or after `after` (with any dropped by a break,
    counted among them, when asked)."""
    changes = list(changes)
    found: list[Meeting] = []
    window = timedelta(weeks=12)
    start = after
    while len(found) < count and start < after + NEXT_MEETINGS_HORIZON and has_slot(pair):
        found = meetings_between(
            pair,
            changes,
            breaks,
            cohort_timezone,
            after,
            start + window,
            include_skipped,
            include_dropped,
        )
        start += window
    return found[:count]


def meeting_on(
    pair: Pair,
    changes: Iterable[MeetingChange],
    breaks: Sequence[CohortBreak],
    cohort_timezone: str,
    original_date: date,
) -> Meeting | None:
    """The meeting the slot gives on `original_date` (skipped or not), if it happens at all."""
    if not has_slot(pair) or not is_slot_date(pair, original_date):
        return None
    own = [c for c in changes if c.pair_id == pair.id and c.original_date == original_date]
    meeting = _meeting(pair, original_date, own[0] if own else None)
    if _in_break(meeting.start, breaks, ZoneInfo(cohort_timezone)):
        return None
    if pair.dissolved_at is not None and meeting.start >= pair.dissolved_at:
        return None
    return meeting


@dataclass(frozen=True)
class ScheduleContext:
    """What the pure functions need besides the pair: its changes and its cohort's breaks."""

    changes: list[MeetingChange]
    breaks: list[CohortBreak]
    cohort_timezone: str


def load_schedule_contexts(session: Session, pairs: Sequence[Pair]) -> dict[int, ScheduleContext]:
    """Changes, breaks and cohort zones for many pairs in three queries, whatever their number."""
    pair_ids = [p.id for p in pairs]
    cohort_ids = {p.cohort_id for p in pairs}
    if not pair_ids:
        return {}
    changes: dict[int, list[MeetingChange]] = defaultdict(list)
    for change in session.scalars(select(MeetingChange).where(MeetingChange.pair_id.in_(pair_ids))):
        changes[change.pair_id].append(change)
    breaks: dict[int, list[CohortBreak]] = defaultdict(list)
    for cohort_break in session.scalars(
        select(CohortBreak).where(CohortBreak.cohort_id.in_(cohort_ids))
    ):
        breaks[cohort_break.cohort_id].append(cohort_break)
    zone_rows = session.execute(
        select(Cohort.id, Cohort.timezone).where(Cohort.id.in_(cohort_ids))
    ).all()
    zones: dict[int, str] = {row.id: row.timezone for row in zone_rows}
    return {
        p.id: ScheduleContext(
            changes=changes[p.id],
            breaks=breaks[p.cohort_id],
            cohort_timezone=zones.get(p.cohort_id, DEFAULT_COHORT_TIMEZONE),
        )
        for p in pairs
    }


def load_meetings(
    session: Session,
    pairs: Sequence[Pair],
    start: datetime,
    end: datetime,
    include_skipped: bool = False,
    include_dropped: bool = False,
) -> dict[int, list[Meeting]]:
    """Every given pair's meetings in [start, end), keyed by pair id (the scheduler's bulk read)."""
    contexts = load_schedule_contexts(session, pairs)
    return {
        p.id: meetings_between(
            p,
            contexts[p.id].changes,
            contexts[p.id].breaks,
            contexts[p.id].cohort_timezone,
            start,
            end,
            include_skipped,
            include_dropped,
        )
        for p in pairs
    }
