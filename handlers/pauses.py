"""`/buddy pause <date> to <date> [reason]` and `/buddy resume`: the caller's own nudges wait."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conversation.commands import Subcommand
from conversation.outlet import Outlet
from conversation.replies import Reply, ephemeral
from conversation.requests import Answer, Command, accepted, local_today
from handlers.views.pauses import (
    build_not_told,
    build_pause_notice,
    build_paused_answer,
    build_resume_notice,
    build_resumed_answer,
)
from models.meetings.schedule import load_schedule_contexts, local_instant, next_meetings
from models.pairs import members_of, pair_of, zone_of
from models.pauses import PAUSE_EXAMPLE, end_pause, parse_pause_args, start_pause

GROUP = "Your own data and time off"
# Enough meetings to cover the longest pause of fortnightly meetings.
_MEETINGS_LOOKED_AT = 30


def pause(command: Command) -> Answer:
    args = accepted(parse_pause_args(command.typed(command.args), command.today()))
    with command.deps.session() as session:
        caller = command.caller(session)
        today = local_today(caller, command.now)
        paused = start_pause(session, caller, args, today, command.now)
        zone = zone_of(caller)
        current = pair_of(session, caller)
        buddies: list[str] = []
        meetings: list[datetime] = []
        zones: dict[str, str] = {}  # each buddy's own, for the times their notice shows
        if current is not None:
            context = load_schedule_contexts(session, [current])[current.id]
            others = [m for m in members_of(session, current) if m.id != caller.id]
            buddies = [m.user_id for m in others]
            zones = {m.user_id: zone_of(m, context.cohort_timezone) for m in others}
            starts = local_instant(paused.start_date, datetime.min.time(), zone)
            ends = local_instant(paused.end_date + timedelta(days=1), datetime.min.time(), zone)
            meetings = [
                m.start
                for m in next_meetings(
                    current,
                    context.changes,
                    context.breaks,
                    context.cohort_timezone,
                    max(starts, command.now),
                    _MEETINGS_LOOKED_AT,
                )
                if m.start < ends
            ]
        answer = build_paused_answer(paused, buddies, today)
        notices = {
            buddy: build_pause_notice(
                command.user_id,
                paused,
                meetings,
                buddy_zone,
                command.now.astimezone(ZoneInfo(buddy_zone)).date(),
                members=len(buddies) + 1,
            )
            for buddy, buddy_zone in zones.items()
        }

    def tell(outlet: Outlet) -> Reply | None:
        told = [outlet.tell_person(buddy, notices[buddy], command.deps) for buddy in buddies]
        if all(told):
            return None
        return ephemeral(build_not_told(len(buddies)))

    return Answer(reply=ephemeral(answer), then=tell)


def resume(command: Command) -> Answer:
    with command.deps.session() as session:
        caller = command.caller(session)
        end_pause(session, caller, local_today(caller, command.now))
        current = pair_of(session, caller)
        buddies = (
            [m.user_id for m in members_of(session, current) if m.id != caller.id]
            if current is not None
            else []
        )
    note = build_resume_notice(command.user_id)

    def tell(outlet: Outlet) -> Reply | None:
        if outlet.tell_people(buddies, note):
            return None
        return ephemeral(build_not_told(len(buddies)))

    return Answer(reply=ephemeral(build_resumed_answer(len(buddies))), then=tell)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="pause",
        usage=f"/buddy {PAUSE_EXAMPLE}",
        summary="hold your nudges for leave or illness (your buddy is told)",
        group=GROUP,
        handle=pause,
    ),
    Subcommand(
        name="resume",
        usage="/buddy resume",
        summary="end your pause now",
        group=GROUP,
        handle=resume,
    ),
]
