"""Fortnightly meetings across clock changes, zones, moves, skips and breaks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.calendar.tables import CohortBreak
from models.meetings.schedule import (
    MOVED,
    SKIPPED,
    load_meetings,
    local_instant,
    meeting_on,
    meetings_between,
    next_meetings,
)
from models.pairs import MeetingChange, Pair
from models.people import Cohort
from tests.conftest import DEFAULT_NOW

LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_pair(
    first: date, at: time, zone: str = LONDON, pair_id: int = 1, cohort_id: int = 1
) -> Pair:
    return Pair(
        id=pair_id,
        team_id="T1",
        cohort_id=cohort_id,
        formed_by="UALICE",
        created_at=DEFAULT_NOW,
        slot_weekday=first.weekday(),
        slot_time=at,
        slot_timezone=zone,
        slot_first_date=first,
    )


def change(
    original: date, kind: str, new_start: datetime | None = None, solo: bool = False
) -> MeetingChange:
    return MeetingChange(
        pair_id=1,
        original_date=original,
        kind=kind,
        new_start=new_start,
        solo=solo,
        changed_by="UALICE",
        changed_at=DEFAULT_NOW,
    )


def starts(pair: Pair, start: datetime, end: datetime, **kwargs: Any) -> list[datetime]:
    return [m.start for m in meetings_between(pair, [], [], LONDON, start, end, **kwargs)]


def test_london_slot_keeps_its_clock_time_across_the_march_change() -> None:
    pair = make_pair(date(2026, 3, 19), time(16))  # Thursdays 16:00
    found = meetings_between(pair, [], [], LONDON, utc(2026, 3, 1), utc(2026, 4, 20))
    assert [m.start for m in found] == [
        utc(2026, 3, 19, 16),
        utc(2026, 4, 2, 15),
        utc(2026, 4, 16, 15),
    ]
    assert all(m.local_start().time() == time(16) for m in found)
    assert [m.original_date for m in found] == [
        date(2026, 3, 19),
        date(2026, 4, 2),
        date(2026, 4, 16),
    ]


def test_london_slot_keeps_its_clock_time_across_the_october_change() -> None:
    pair = make_pair(date(2026, 10, 8), time(16))
    assert starts(pair, utc(2026, 10, 1), utc(2026, 11, 10)) == [
        utc(2026, 10, 8, 15),
        utc(2026, 10, 22, 15),
        utc(2026, 11, 5, 16),
    ]


def test_a_slot_in_the_spring_forward_gap_is_normalised() -> None:
    # Sundays 01:30: on 29 Mar 2026 London jumps from 01:00 to 02:00, so 01:30 does not exist.
    pair = make_pair(date(2026, 3, 15), time(1, 30))
    found = meetings_between(pair, [], [], LONDON, utc(2026, 3, 1), utc(2026, 4, 13))
    assert [m.start for m in found] == [
        utc(2026, 3, 15, 1, 30),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 4, 12, 0, 30),
    ]
    assert found[1].local_start().time() == time(2, 30)
    assert local_instant(date(2026, 3, 29), time(1, 30), LONDON) == utc(2026, 3, 29, 1, 30)


def test_an_ambiguous_autumn_time_is_read_once_as_summer_time() -> None:
    pair = make_pair(date(2026, 10, 11), time(1, 30))  # Sundays; 25 Oct repeats 01:00-02:00
    assert starts(pair, utc(2026, 10, 20), utc(2026, 10, 30)) == [utc(2026, 10, 25, 0, 30)]


def test_new_york_slot_follows_new_york_clocks_and_london_buddy_sees_the_gap_weeks() -> None:
    # Thursdays 11:00 in New York. The US changes on 8 Mar and 1 Nov 2026, the UK on 29 Mar and
    # 25 Oct: in between, a London buddy meets at 15:00 instead of 16:00.
    pair = make_pair(date(2026, 2, 26), time(11), zone=NEW_YORK)
    found = meetings_between(pair, [], [], LONDON, utc(2026, 2, 20), utc(2026, 4, 10))
    assert all(m.local_start().time() == time(11) for m in found)
    assert [m.local_start(LONDON).time() for m in found] == [time(16), time(15), time(15), time(16)]
    autumn_pair = make_pair(date(2026, 10, 15), time(11), zone=NEW_YORK)
    autumn = meetings_between(autumn_pair, [], [], LONDON, utc(2026, 10, 10), utc(2026, 11, 20))
    assert [m.original_date for m in autumn] == [
        date(2026, 10, 15),
        date(2026, 10, 29),
        date(2026, 11, 12),
    ]
    assert [m.local_start(LONDON).time() for m in autumn] == [time(16), time(15), time(16)]
    assert all(m.local_start().time() == time(11) for m in autumn)


def test_moves_keep_the_meetings_identity_and_can_cross_the_window() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    moved_in = change(date(2026, 12, 17), MOVED, utc(2026, 12, 15, 17))
    moved_out = change(date(2026, 12, 3), MOVED, utc(2026, 11, 30, 9))
    found = meetings_between(
        pair, [moved_in, moved_out], [], LONDON, utc(2026, 12, 1), utc(2026, 12, 16)
    )
    assert len(found) == 1
    assert found[0].original_date == date(2026, 12, 17)
    assert found[0].start == utc(2026, 12, 15, 17)
    assert found[0].moved


def test_skips_are_left_out_unless_asked_for_and_solo_is_kept() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    skipped = change(date(2026, 12, 17), SKIPPED, solo=True)
    kept = meetings_between(pair, [skipped], [], LONDON, utc(2026, 12, 1), utc(2027, 1, 1))
    assert [m.original_date for m in kept] == [date(2026, 12, 3), date(2026, 12, 31)]
    everything = meetings_between(
        pair, [skipped], [], LONDON, utc(2026, 12, 1), utc(2027, 1, 1), include_skipped=True
    )
    assert [(m.original_date, m.skipped, m.solo) for m in everything] == [
        (date(2026, 12, 3), False, False),
        (date(2026, 12, 17), True, True),
        (date(2026, 12, 31), False, False),
    ]


def test_no_meeting_in_a_cohort_break() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    christmas = CohortBreak(
        cohort_id=1, name="Christmas", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3)
    )
    found = meetings_between(pair, [], [christmas], LONDON, utc(2026, 12, 1), utc(2027, 1, 20))
    assert [m.original_date for m in found] == [
        date(2026, 12, 3),
        date(2026, 12, 17),
        date(2027, 1, 14),
    ]
    assert meeting_on(pair, [], [christmas], LONDON, date(2026, 12, 31)) is None
    # Break dates are the cohort's: 23:30 on the 18th in New York is the 19th in London.
    late = make_pair(date(2026, 12, 4), time(23, 30), zone=NEW_YORK)
    assert (
        meetings_between(late, [], [christmas], LONDON, utc(2026, 12, 15), utc(2026, 12, 22)) == []
    )


def test_meetings_a_break_drops_are_kept_with_its_name_when_asked_for() -> None:
    pair = make_pair(date(2026, 10, 15), time(16))
    half_term = CohortBreak(
        cohort_id=1,
        name="October half term",
        start_date=date(2026, 10, 26),
        end_date=date(2026, 10, 30),
    )
    found = next_meetings(pair, [], [half_term], LONDON, utc(2026, 10, 16), 2, include_dropped=True)
    assert [(m.original_date, m.dropped_by) for m in found] == [
        (date(2026, 10, 29), "October half term"),
        (date(2026, 11, 12), None),
    ]
    # A skipped meeting in the break is dropped all the same; unasked, neither is listed.
    skipped = [change(date(2026, 10, 29), SKIPPED)]
    both = meetings_between(
        pair, skipped, [half_term], LONDON, utc(2026, 10, 16), utc(2026, 11, 1), True, True
    )
    assert [m.dropped_by for m in both] == ["October half term"]
    assert next_meetings(pair, skipped, [half_term], LONDON, utc(2026, 10, 16), 1, True) == [
        found[1]
    ]


def test_no_meeting_after_the_pair_was_dissolved_or_before_the_first_date() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    pair.dissolved_at = utc(2026, 12, 20)
    assert starts(pair, utc(2026, 11, 1), utc(2027, 2, 1)) == [
        utc(2026, 12, 3, 16),
        utc(2026, 12, 17, 16),
    ]


def test_changes_for_dates_the_slot_no_longer_gives_are_ignored() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    stale = change(date(2026, 12, 10), SKIPPED)
    assert (
        len(meetings_between(pair, [stale], [], LONDON, utc(2026, 12, 1), utc(2026, 12, 31))) == 2
    )


def test_a_pair_without_a_slot_has_no_meetings() -> None:
    pair = Pair(id=1, team_id="T1", cohort_id=1, formed_by="U", created_at=DEFAULT_NOW)
    assert meetings_between(pair, [], [], LONDON, utc(2026, 1, 1), utc(2027, 1, 1)) == []
    assert next_meetings(pair, [], [], LONDON, DEFAULT_NOW, 3) == []


def test_next_meetings_look_past_a_long_break() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    long_break = CohortBreak(
        cohort_id=1, name="Sabbatical", start_date=date(2026, 12, 1), end_date=date(2027, 6, 30)
    )
    found = next_meetings(pair, [], [long_break], LONDON, DEFAULT_NOW, 2)
    assert [m.original_date for m in found] == [date(2027, 7, 1), date(2027, 7, 15)]


@contextmanager
def count_queries(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_load_meetings_reads_many_pairs_in_a_fixed_number_of_queries(session: Session) -> None:
    cohorts = [
        Cohort(
            team_id="T1", channel_id=f"C{i}", name=f"c{i}", timezone=LONDON, created_at=DEFAULT_NOW
        )
        for i in range(3)
    ]
    session.add_all(cohorts)
    session.flush()
    pairs = []
    for i in range(12):
        pair = make_pair(date(2026, 12, 3), time(16), pair_id=100 + i, cohort_id=cohorts[i % 3].id)
        pairs.append(pair)
    session.add_all(pairs)
    session.flush()
    session.add(
        CohortBreak(
            cohort_id=cohorts[0].id,
            name="Xmas",
            start_date=date(2026, 12, 14),
            end_date=date(2026, 12, 20),
        )
    )
    for pair in pairs[:6]:
        moved = change(date(2026, 12, 3), MOVED, utc(2026, 12, 4, 9))
        moved.pair_id = pair.id
        session.add(moved)
    session.flush()
    with count_queries(session) as statements:
        found = load_meetings(session, pairs, utc(2026, 12, 1), utc(2026, 12, 31))
    assert len(statements) == 3
    assert set(found) == {p.id for p in pairs}
    assert [m.start for m in found[100]] == [utc(2026, 12, 4, 9)]  # 17 Dec is in the break
    assert [m.start for m in found[101]] == [utc(2026, 12, 4, 9), utc(2026, 12, 17, 16)]
    assert [m.start for m in found[111]] == [utc(2026, 12, 3, 16), utc(2026, 12, 17, 16)]
    assert load_meetings(session, [], utc(2026, 12, 1), utc(2026, 12, 31)) == {}


def test_meeting_end_is_an_hour_after_its_start() -> None:
    pair = make_pair(date(2026, 12, 3), time(16))
    meeting = meeting_on(pair, [], [], LONDON, date(2026, 12, 3))
    assert meeting is not None
    assert meeting.end - meeting.start == timedelta(hours=1)
