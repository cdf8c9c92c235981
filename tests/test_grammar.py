"""The words people type into `/buddy`: dates day first, times, weekdays, mentions, arguments."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from models.grammar import (
    IN_PERSON,
    VIDEO,
    FormatArgs,
    MoveArgs,
    ParseError,
    SkipArgs,
    SlotArgs,
    find_mentions,
    format_clock,
    format_day,
    format_time,
    month_first_reading,
    parse_backup_args,
    parse_date,
    parse_format_args,
    parse_mention,
    parse_move_args,
    parse_people,
    parse_skip_args,
    parse_slot_args,
    parse_time,
    parse_weekday,
    parse_zone,
)

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/12", date(2026, 12, 3)),
        ("03/12", date(2026, 12, 3)),
        ("3 Dec", date(2026, 12, 3)),
        ("3rd December", date(2026, 12, 3)),
        ("Dec 3", date(2026, 12, 3)),
        ("Thu 3 Dec", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3/12/2026", date(2026, 12, 3)),
        ("3/12/27", date(2027, 12, 3)),
        ("3 Dec 2027", date(2027, 12, 3)),
        ("thu", date(2026, 11, 26)),
        ("next thu", date(2026, 11, 26)),
        ("Thursday", date(2026, 11, 26)),
        ("tue", date(2026, 12, 1)),  # today is Tuesday: the first Tuesday *after* today
        ("today", TODAY),
        ("tomorrow", date(2026, 11, 25)),
        ("24/11", TODAY),  # today is not in the past
        ("23/11", date(2027, 11, 23)),  # no year: the next future occurrence
        ("5 jan", date(2027, 1, 5)),
        ("29/2", date(2028, 2, 29)),
    ],
)
def test_dates_are_read_day_first(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/2", "There is no 31 Feb"),
        ("3/13", "There is no month 13"),
        ("Fri 3 Dec", "Thu 3 Dec is a Thursday, not a Friday"),
        ("soon", "couldn't read `soon` as a date"),
        ("", "expecting a date"),
        ("2026-02-30", "There is no 30 Feb"),
    ],
)
def test_bad_dates_say_what_was_wrong(text: str, fragment: str) -> None:
    result = parse_date(text, TODAY)
    assert isinstance(result, ParseError)
    assert fragment in result.message
    assert result.example


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16:00", time(16)),
        ("16.00", time(16)),
        ("4pm", time(16)),
        ("4.30pm", time(16, 30)),
        ("4:30 PM", time(16, 30)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("9am", time(9)),
        ("noon", time(12)),
        ("0:05", time(0, 5)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "13pm", "4", "teatime", "16:60", ""])
def test_bad_times(text: str) -> None:
    assert isinstance(parse_time(text), ParseError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("thu", 3), ("Thurs", 3), ("Thursday", 3), ("mon", 0), ("Weds", 2), ("SUN", 6)],
)
def test_weekdays(text: str, expected: int) -> None:
    assert parse_weekday(text) == expected


@pytest.mark.parametrize("text", ["t", "th", "thx", "someday", ""])
def test_bad_weekdays(text: str) -> None:
    assert isinstance(parse_weekday(text), ParseError)


def test_mentions_escaped_or_bare() -> None:
    assert parse_mention("<@U123|sam>") == "U123"
    assert parse_mention("<@U123>") == "U123"
    assert parse_mention("<@W9ABC|Sam Smith>") == "W9ABC"
    assert isinstance(parse_mention("@sam"), ParseError)
    assert find_mentions("<@U1|a> and <@U2>") == (["U1", "U2"], "and")


def test_people_lists() -> None:
    assert parse_people("<@U1|a> <@U2|b>", 1, 2, "x") == ["U1", "U2"]
    assert isinstance(parse_people("<@U1|a> <@U1|a>", 1, 2, "x"), ParseError)
    assert isinstance(parse_people("@sam", 1, 2, "x"), ParseError)
    assert isinstance(parse_people("", 1, 2, "x"), ParseError)
    too_many = parse_people("<@U1> <@U2> <@U3>", 1, 2, "x")
    assert isinstance(too_many, ParseError)
    assert "trio is the largest" in too_many.message


def test_zones() -> None:
    assert parse_zone("europe/london") == "Europe/London"
    assert parse_zone("America/New_York") == "America/New_York"
    assert isinstance(parse_zone("Mars/Olympus"), ParseError)
    assert isinstance(parse_zone("../../etc/passwd"), ParseError)


def test_echo_formats() -> None:
    assert format_day(date(2026, 12, 3)) == "Thu 3 Dec"
    assert format_day(date(2027, 1, 5), TODAY) == "Tue 5 Jan 2027"
    assert format_time(time(9, 5)) == "09:05"
    assert [format_clock(time(*t)) for t in ((17, 0), (8, 30), (12, 0), (0, 5))] == [
        "5pm",
        "8.30am",
        "12pm",
        "12.05am",
    ]
    # What the one-line note says can be typed back in.
    assert parse_time(format_clock(time(8, 30))) == time(8, 30)


def test_slot_arguments() -> None:
    assert parse_slot_args("thu 16:00", TODAY) == SlotArgs(3, time(16), None, None)
    assert parse_slot_args("Thursday 4.30pm from 10/12 tz America/New_York", TODAY) == SlotArgs(
        3, time(16, 30), date(2026, 12, 10), "America/New_York"
    )
    assert parse_slot_args("thu 4 pm tz europe/london", TODAY) == SlotArgs(
        3, time(16), None, "Europe/London"
    )
    for bad in ("", "thu", "someday 16:00", "thu 25:00", "thu 16:00 from 31/2", "thu 4pm tz X"):
        assert isinstance(parse_slot_args(bad, TODAY), ParseError), bad


def test_backup_arguments() -> None:
    assert parse_backup_args("fri 8am").weekday == 4  # type: ignore[union-attr]
    assert isinstance(parse_backup_args("fri"), ParseError)


def test_format_arguments() -> None:
    assert parse_format_args("in-person the library") == FormatArgs(IN_PERSON, "the library")
    assert parse_format_args("in person") == FormatArgs(IN_PERSON, None)
    assert parse_format_args("video <https://zoom.us/j/1>") == FormatArgs(
        VIDEO, "https://zoom.us/j/1"
    )
    assert isinstance(parse_format_args("video"), ParseError)
    assert isinstance(parse_format_args("phone"), ParseError)


def test_move_arguments() -> None:
    assert parse_move_args("to 5/12 17:00", TODAY) == MoveArgs(None, date(2026, 12, 5), time(17))
    assert parse_move_args("3/12 to 5/12", TODAY) == MoveArgs(
        date(2026, 12, 3), date(2026, 12, 5), None
    )
    assert parse_move_args("to 5 Dec 4 pm", TODAY) == MoveArgs(None, date(2026, 12, 5), time(16))
    assert parse_move_args("to tomorrow", TODAY) == MoveArgs(None, date(2026, 11, 25), None)
    for bad in ("", "5/12", "to", "to 31/2", "blah to 5/12"):
        assert isinstance(parse_move_args(bad, TODAY), ParseError), bad


def test_skip_arguments() -> None:
    assert parse_skip_args("", TODAY) == SkipArgs(None, None)
    assert parse_skip_args("3/12 parents' evening", TODAY) == SkipArgs(
        date(2026, 12, 3), "parents' evening"
    )
    assert parse_skip_args("3 Dec", TODAY) == SkipArgs(date(2026, 12, 3), None)
    assert parse_skip_args("off sick", TODAY) == SkipArgs(None, "off sick")
    assert isinstance(parse_skip_args("31/2 ill", TODAY), ParseError)


PARSERS_OF_TEXT = [
    parse_weekday,
    parse_time,
    parse_mention,
    parse_zone,
    parse_backup_args,
    parse_format_args,
    lambda text: parse_date(text, TODAY),
    lambda text: parse_slot_args(text, TODAY),
    lambda text: parse_move_args(text, TODAY),
    lambda text: parse_skip_args(text, TODAY),
    lambda text: parse_people(text, 1, 2, "x"),
]

WORDS = st.sampled_from(
    [
        "to",
        "from",
        "tz",
        "thu",
        "next",
        "3/12",
        "31/2",
        "4pm",
        "16:00",
        "<@U1|a>",
        "video",
        "in-person",
        "Dec",
        "2026-12-03",
        "29/2",
        "Europe/London",
        "12.99",
        "0/0/0000",
        "9999-99-99",
    ]
)


@given(st.one_of(st.text(), st.lists(st.one_of(WORDS, st.text(max_size=5))).map(" ".join)))
def test_command_parsers_never_raise(text: str) -> None:
    for parse in PARSERS_OF_TEXT:
        parse(text)  # a value or a ParseError, never an exception


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_echoed_day_reads_back_as_the_same_date(day: date) -> None:
    assume(day >= TODAY or day.year != TODAY.year)
    assert parse_date(format_day(day, TODAY), TODAY) == day


def test_for_the_calendar_a_date_without_a_year_is_the_nearest_one() -> None:
    first_dec = date(2026, 12, 1)
    assert parse_date("30/11", first_dec, nearest=True) == date(2026, 11, 30)
    assert parse_date("30/11", first_dec) == date(2027, 11, 30)  # elsewhere: the next one
    assert parse_date("Mon 4 Jan", first_dec, nearest=True) == date(2027, 1, 4)
    assert parse_date("1/6", first_dec, nearest=True) == date(2027, 6, 1)
    assert parse_date("29/2", date(2028, 1, 20), nearest=True) == date(2028, 2, 29)
    far = parse_date("29/2", first_dec, nearest=True)
    assert isinstance(far, ParseError)
    assert "within six months" in far.message and far.example == "29/2/2028"
    assert parse_date("3/12/2027", first_dec, nearest=True) == date(2027, 12, 3)


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.dates(date(2000, 1, 1), date(2100, 1, 1)))
def test_the_nearest_reading_is_within_six_months(day: date, today: date) -> None:
    assume(not (day.month == 2 and day.day == 29))
    found = parse_date(f"{day.day}/{day.month}", today, nearest=True)
    assert isinstance(found, date)
    assert (found.month, found.day) == (day.month, day.day)
    assert abs((found - today).days) <= 183


def test_a_year_shows_on_dates_more_than_six_months_away() -> None:
    today = date(2027, 1, 2)
    assert format_day(date(2027, 7, 2), today) == "Fri 2 Jul"
    assert format_day(date(2027, 7, 3), today) == "Sat 3 Jul 2027"
    assert format_day(date(2027, 12, 11), today) == "Sat 11 Dec 2027"
    assert format_day(date(2027, 12, 11), date(2027, 8, 31)) == "Sat 11 Dec"
    assert format_day(date(2027, 2, 28), date(2026, 8, 31)) == "Sun 28 Feb 2027"


def test_the_month_first_reading_of_a_numeric_date() -> None:
    today = date(2026, 11, 1)
    assert month_first_reading("11/5", today) == date(2026, 11, 5)
    assert month_first_reading("5/11", today) == date(2027, 5, 11)
    assert month_first_reading("12/1/2027", today) == date(2027, 12, 1)
    for text in ("13/5", "5/5", "5 Nov", "2026-11-05", "thu"):
        assert month_first_reading(text, today) is None
