"""`/buddy upcoming`: what Buddy will send this person and when, in their own time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from conversation.blocks import (
    Part,
    heading,
    note,
    paragraph,
)
from models.upcoming import HORIZON, Upcoming

NOTHING = "Nothing from Buddy in the next two weeks."


def when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def upcoming_line(item: Upcoming, zone: str) -> str:
    line = f"{when(item.send_at, zone)}: {item.what}"
    if item.held_by:
        line += f" (due {when(item.due_at, zone)}, held by {item.held_by})"
    return line


def build_upcoming_blocks(items: Sequence[Upcoming], zone: str) -> list[Part]:
    blocks: list[Part] = [heading("What Buddy will send you")]
    if not items:
        blocks.append(paragraph(NOTHING))
    else:
        blocks.append(paragraph("\n".join(f"• {upcoming_line(i, zone)}" for i in items)))
    blocks.append(
        note(
            f"The next {HORIZON.days} days, in your time ({zone}). Nudges wait out quiet hours "
            "(20:00 to 07:30), weekends and breaks; meeting reminders do not."
        )
    )
    return blocks


def status_line(items: Sequence[Upcoming], zone: str) -> str:
    """The line `/buddy status` adds: the next thing Buddy will send."""
    if not items:
        return NOTHING + " `/buddy upcoming` lists what is planned."
    return f"Next from Buddy: {upcoming_line(items[0], zone)}. `/buddy upcoming` lists the rest."
