"""Birthdays (day and month only) and the rotating chair.

Seed 000: "We suggest the colleague with the birthday earliest in the year goes first, and all
colleagues will take a turn as chair throughout the programme." The first chair is the member whose
birthday comes earliest in the calendar year (1 January first), members without one after those
with one, in the group's order; then everyone chairs once before anyone chairs twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.grammar import MONTH_NAMES, ParseError

BIRTHDAY_EXAMPLE = "birthday 14 March"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_NUMERIC = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})$")
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?$")
_HAS_YEAR = re.compile(r"(?:^|[\s/\-])\d{4}$|^\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}$")


@dataclass(frozen=True)
class Birthday:
    day: int
    month: int

    def show(self) -> str:
        return f"{self.day} {MONTH_NAMES[self.month - 1]}"


def parse_birthday(text: str) -> Birthday | ParseError:
    """`14 March`, `14/3`, `14 Mar`: day and month only; a year or an impossible day is refused."""
    phrase = " ".join(text.lower().replace(",", " ").split())
    if not phrase:
        return ParseError("Please give your birthday as a day and a month.", BIRTHDAY_EXAMPLE)
    if _HAS_YEAR.search(phrase):
        return ParseError(
            "Just the day and the month, please: Buddy doesn't keep the year.", BIRTHDAY_EXAMPLE
        )
    if match := _NUMERIC.match(phrase):
        day, month = int(match[1]), int(match[2])
    elif match := _WORDY.match(phrase):
        day, month = int(match[1]), _month(match[2]) or 0
        if month == 0:
            return ParseError(f"I couldn't read `{match[2]}` as a month.", BIRTHDAY_EXAMPLE)
    else:
        return ParseError(
            "I couldn't read that as a birthday: a day, then a month.", BIRTHDAY_EXAMPLE
        )
    if not 1 <= month <= 12:
        return ParseError(f"There is no month {month}: day first, then month.", BIRTHDAY_EXAMPLE)
    if not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        return ParseError(f"There is no {day} {MONTH_NAMES[month - 1]}.", BIRTHDAY_EXAMPLE)
    return Birthday(day, month)


def _month(word: str) -> int | None:
    if len(word) < 3:
        return None
    for index, name in enumerate(MONTH_NAMES):
        if name.lower().startswith(word) or (word == "sept" and index == 8):
            return index + 1
    return None


@dataclass(frozen=True)
class Member:
    """A group member as the rotation sees them: an id, and a birthday if they gave one."""

    participant_id: int
    birthday: Birthday | None = None


def birthday_order(members: Sequence[Member]) -> list[int]:
    """Earliest birthday in the calendar year first; those without one last, in group order."""
    ranked = sorted(
        enumerate(members),
        key=lambda item: (
            item[1].birthday is None,
            (item[1].birthday.month, item[1].birthday.day) if item[1].birthday else (0, 0),
            item[0],
        ),
    )
    return [m.participant_id for _, m in ranked]


def chairs(members: Sequence[Member], appointed: Sequence[int | None]) -> list[int]:
    """The chair of each session in turn: the group's appointment where it made one, else the
    member who has chaired least, earliest birthday first (so everyone once before anyone twice).

    An appointment naming someone no longer in the group is history: a session they chaired
    before they left (`sessions.leave_groups` pins those), kept as theirs and not counted, so the
    rotation carries on among those still here without skipping anyone."""
    order = birthday_order(members)
    if not order:
        return []
    counts = dict.fromkeys(order, 0)
    result: list[int] = []
    for choice in appointed:
        if choice is not None and choice not in counts:
            result.append(choice)
            continue
        chair = (
            choice if choice in counts else min(order, key=lambda p: (counts[p], order.index(p)))
        )
        counts[chair] += 1
        result.append(chair)
    return result


def next_chair(members: Sequence[Member], appointed: Sequence[int | None]) -> int | None:
    """Who the rotation proposes after the sessions given."""
    following = chairs(members, [*appointed, None])
    return following[-1] if following else None
