"""`/buddy cohort`, `cohort setup <name>`, `zone <Area/City>`, `end <date>`, `areas <a>; <b>`.

Everyone may look; only facilitators change a cohort (refused politely, naming them).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from conversation.commands import Subcommand
from conversation.replies import Reply
from conversation.requests import Command, accepted
from handlers.views.cohorts import build_cohort, build_cohort_changed, build_cohort_set_up
from models.cohorts import (
    DAYS_EXAMPLE,
    END_EXAMPLE,
    SETUP_EXAMPLE,
    ZONE_EXAMPLE,
    bound_cohort,
    cohort_here,
    join_channel_cohort,
    require_bound,
    set_areas,
    set_end,
    set_working_days,
    set_zone,
    setup_cohort,
    summarise,
)
from models.facilitators.roles import require_facilitator
from models.grammar import format_day, format_weekday, parse_date, parse_weekdays, parse_zone
from models.refusals import Refusal

GROUP = "Facilitators"
VERBS = ("setup", "zone", "end", "areas", "days")


def cohort(command: Command) -> Reply:
    verb, _, rest = command.args.partition(" ")
    verb = verb.lower()
    rest = command.typed(rest.strip())
    deps = command.deps
    with deps.session() as session:
        if not verb or verb in ("show", "list"):
            caller = command.caller(session)
            found = cohort_here(session, caller, command.channel_id, command.now)
            today = command.now.astimezone(ZoneInfo(found.timezone)).date()
            bound = bound_cohort(session, command.team_id, command.channel_id) is not None
            return build_cohort(summarise(session, found), today, bound)
        if verb not in VERBS:
            raise Refusal(
                "`/buddy cohort` can `setup`, `zone`, `end`, `areas` or `days`; on its own it "
                "shows the channel's cohort.",
                SETUP_EXAMPLE,
            )
        require_facilitator(
            session, deps.facilitators, command.team_id, command.user_id, "change a cohort"
        )
        if verb == "setup":
            created = setup_cohort(session, command.team_id, command.channel_id, rest, command.now)
            join_channel_cohort(
                session, command.team_id, command.user_id, command.channel_id, command.now
            )
            return build_cohort_set_up(created)
        found = require_bound(session, command.team_id, command.channel_id, SETUP_EXAMPLE)
        today = command.now.astimezone(ZoneInfo(found.timezone)).date()
        if verb == "zone":
            zone = accepted(parse_zone(rest)) if rest else None
            if zone is None:
                raise Refusal("Please give a time zone like Europe/London.", ZONE_EXAMPLE)
            set_zone(found, zone)
            return build_cohort_changed(found, f"time zone is now {zone}")
        if verb == "end":
            if not rest:
                raise Refusal("Please give the cohort's last day, like 23/7/2027.", END_EXAMPLE)
            day = accepted(parse_date(rest, today, nearest=False))
            set_end(found, day, today)
            return build_cohort_changed(
                found,
                f"last day is {format_day(day)} {day.year}: nothing is nudged after it",
            )
        if verb == "days":
            parsed = parse_weekdays(rest)
            if isinstance(parsed, Refusal):
                raise Refusal(parsed.message, DAYS_EXAMPLE)
            days = set_working_days(found, parsed)
            named = ", ".join(format_weekday(d) for d in days)
            return build_cohort_changed(
                found, f"working days are now {named}: nudges wait for the next of them"
            )
        areas = set_areas(found, rest)
        return build_cohort_changed(found, f"framework areas are now: {'; '.join(areas)}")


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="cohort",
        usage=(
            "/buddy cohort [setup <name>|zone <Area/City>|end <date>|areas <a>; <b>|days mon-fri]"
        ),
        summary="the channel's cohort; facilitators set it up and change it",
        group=GROUP,
        handle=cohort,
    )
]
