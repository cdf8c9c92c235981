"""Reading the values Buddy puts on its own buttons (which pair, meeting, action or choice).

A value that cannot be read gives None, never an exception; the handler answers "out of date".
"""

from __future__ import annotations

from datetime import date


def int_value(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def meeting_value(text: str) -> tuple[int, date] | None:
    """A button value naming one meeting: `<pair id>:<original date>`."""
    pair_text, _, day_text = text.partition(":")
    try:
        return int(pair_text), date.fromisoformat(day_text)
    except ValueError:
        return None


def meeting_choice_value(text: str) -> tuple[int, date, str] | None:
    """A button value naming one meeting and a choice: `<pair id>:<original date>:<choice>`."""
    head, _, choice = text.rpartition(":")
    found = meeting_value(head)
    if found is None or not choice:
        return None
    return found[0], found[1], choice
