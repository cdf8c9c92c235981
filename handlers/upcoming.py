"""`/buddy upcoming`: what Buddy will send this person in the next two weeks, and why."""

from __future__ import annotations

from conversation.commands import Subcommand
from conversation.replies import Reply, ephemeral
from conversation.requests import Command
from handlers.views.upcoming import build_upcoming_blocks, upcoming_line
from models.pairs import zone_of
from models.upcoming import Upcoming


def planned_for(command: Command) -> tuple[list[Upcoming], str]:
    with command.deps.session() as session:
        caller = command.caller(session)
        zone = zone_of(caller)
        preview = command.deps.preview
        items = preview(session, caller, command.now) if preview else []
    return items, zone


def upcoming(command: Command) -> Reply:
    items, zone = planned_for(command)
    fallback = "\n".join(upcoming_line(i, zone) for i in items) or "Nothing planned."
    return ephemeral(fallback, build_upcoming_blocks(items, zone))


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="upcoming",
        usage="/buddy upcoming",
        summary="what Buddy will send you in the next two weeks, and why anything waits",
        group="Meetings",
        handle=upcoming,
        everyday=True,
        details="Times are yours. Nudges wait out quiet hours, weekends and breaks.",
    )
]
