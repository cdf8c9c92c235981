"""Birthdays and the rotating chair: earliest in the calendar year first, then everyone once."""

from __future__ import annotations

import pytest

from models.community.chairs import (
    Birthday,
    Member,
    birthday_order,
    chairs,
    next_chair,
    parse_birthday,
)
from models.community.groups import split_suggestion
from models.grammar import ParseError


@pytest.mark.parametrize(
    ("text", "day", "month"),
    [("14 March", 14, 3), ("14/3", 14, 3), ("14 Mar", 14, 3), ("1st jan", 1, 1), ("29 Feb", 29, 2)],
)
def test_birthdays_are_read_day_first(text: str, day: int, month: int) -> None:
    assert parse_birthday(text) == Birthday(day, month)


@pytest.mark.parametrize(
    "text", ["14 March 1980", "14/3/1980", "30 February", "31/4", "13/13", "soon", ""]
)
def test_a_year_an_impossible_day_or_nonsense_is_refused_with_an_example(text: str) -> None:
    refused = parse_birthday(text)
    assert isinstance(refused, ParseError)
    assert refused.example == "birthday 14 March"


def test_the_first_chair_is_the_birthday_earliest_in_the_calendar_year_not_the_next_to_come() -> (
    None
):
    members = [
        Member(1, Birthday(20, 12)),
        Member(2, None),
        Member(3, Birthday(2, 1)),
        Member(4, Birthday(14, 3)),
    ]
    assert birthday_order(members) == [3, 4, 1, 2]
    assert chairs(members, [None])[0] == 3


def test_everyone_chairs_once_before_anyone_chairs_twice_over_several_sessions() -> None:
    members = [
        Member(1, None),
        Member(2, Birthday(9, 9)),
        Member(3, None),
        Member(4, Birthday(1, 5)),
    ]
    assert chairs(members, [None] * 9) == [4, 2, 1, 3, 4, 2, 1, 3, 4]


def test_nobody_has_a_birthday_the_groups_order_decides() -> None:
    members = [Member(7), Member(5), Member(6)]
    assert chairs(members, [None] * 4) == [7, 5, 6, 7]


def test_the_groups_appointment_stands_and_the_rotation_carries_on_around_it() -> None:
    members = [Member(1, Birthday(1, 1)), Member(2, Birthday(2, 2)), Member(3, Birthday(3, 3))]
    # The group picked 3 for the second session: 2 still chairs before anyone chairs twice.
    assert chairs(members, [None, 3, None, None]) == [1, 3, 2, 1]
    assert next_chair(members, [None, 3]) == 2


@pytest.mark.parametrize(
    ("count", "split"), [(7, "4 + 3"), (8, "4 + 4"), (12, "6 + 6"), (13, "5 + 4 + 4")]
)
def test_seven_or_more_are_told_how_to_split(count: int, split: str) -> None:
    assert split_suggestion(count) == split
