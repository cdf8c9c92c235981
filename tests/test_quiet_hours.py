"""Quiet hours and breaks hold proactive nudges to the next allowed moment, in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.quiet_hours import (
    WORKING_DAYS,
    DateSpan,
    held_by,
    hold_proactive,
    in_quiet_hours,
    next_allowed,
    parse_working_days,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (utc(2026, 12, 1, 3, 0), True),  # 03:00 London
        (utc(2026, 12, 1, 7, 29), True),
        (utc(2026, 12, 1, 7, 30), False),
        (utc(2026, 12, 1, 19, 59), False),
        (utc(2026, 12, 1, 20, 0), True),
        (utc(2026, 7, 1, 19, 30), True),  # 20:30 BST
        (utc(2026, 7, 1, 6, 30), False),  # 07:30 BST
    ],
)
def test_quiet_hours_in_london(moment: datetime, quiet: bool) -> None:
    assert in_quiet_hours(moment, LONDON) is quiet


def test_a_nudge_at_three_in_the_morning_waits_until_half_past_seven() -> None:
    assert next_allowed(utc(2026, 12, 1, 3, 0), [LONDON], LONDON) == utc(2026, 12, 1, 7, 30)


def test_evening_nudge_waits_for_the_next_morning_in_summer_time() -> None:
    # 21:00 BST on 1 July is 20:00 UTC; the next 07:30 BST is 06:30 UTC.
    assert next_allowed(utc(2026, 7, 1, 20, 0), [LONDON], LONDON) == utc(2026, 7, 2, 6, 30)


def test_group_message_waits_until_every_member_is_awake() -> None:
    # 08:00 London is 03:00 in New York; the first shared moment is 07:30 New York = 12:30 London.
    assert next_allowed(utc(2026, 12, 1, 8, 0), [LONDON, NEW_YORK], LONDON) == utc(
        2026, 12, 1, 12, 30
    )


def test_zones_with_no_common_window_fall_back_to_the_slot_zone() -> None:
    # A trio eight hours apart each way never shares a waking moment.
    moment = utc(2026, 12, 1, 3, 0)
    held = next_allowed(moment, [LONDON, "Asia/Shanghai", "America/Los_Angeles"], LONDON)
    assert held == utc(2026, 12, 1, 7, 30)


def test_a_break_holds_until_nine_on_the_first_morning_after_it() -> None:
    christmas = DateSpan(date(2026, 12, 21), date(2027, 1, 1))
    held = hold_proactive(utc(2026, 12, 23, 10, 0), [LONDON], LONDON, [christmas], LONDON)
    assert held == utc(2027, 1, 2, 9, 0)


def test_moment_outside_quiet_hours_and_breaks_is_unchanged() -> None:
    moment = utc(2026, 12, 1, 12, 0)
    assert hold_proactive(moment, [LONDON], LONDON) == moment


def test_tokyo_buddy_holds_a_london_afternoon_until_tokyo_morning() -> None:
    # 12:00 London is 21:00 in Tokyo; 07:30 Tokyo is 22:30 London, which is quiet there:
    # the pair's first shared waking moment is 07:30 London = 16:30 Tokyo the next day.
    held = hold_proactive(utc(2026, 12, 1, 12, 0), [LONDON, TOKYO], LONDON)
    assert held == utc(2026, 12, 2, 7, 30)


def test_the_weekend_holds_a_nudge_to_nine_on_the_next_working_morning() -> None:
    saturday = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    held = hold_proactive(saturday, ["Europe/London"], "Europe/London", working_days=WORKING_DAYS)
    assert held == monday
    assert held_by(saturday, ["Europe/London"], working_days=WORKING_DAYS) == "the weekend"
    # A cohort that works Sundays to Thursdays: Saturday waits for Sunday morning.
    sunday_to_thursday = parse_working_days("60123")
    sunday = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert (
        hold_proactive(
            saturday, ["Europe/London"], "Europe/London", working_days=sunday_to_thursday
        )
        == sunday
    )
    # Without working days (a meeting the pair chose to hold at the weekend) nothing waits.
    assert hold_proactive(saturday, ["Europe/London"], "Europe/London") == saturday
    assert parse_working_days(None) == (0, 1, 2, 3, 4)
