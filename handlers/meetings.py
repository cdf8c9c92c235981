"""`/buddy next`, `move`, `skip`, `calendar`, and the backup-or-solo buttons after a skip."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.blocks import section_block
from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import Deps, deps_from
from handlers.next_lines import module_and_prep_lines
from handlers.pair_slack import (
    NOT_TOLD,
    caller_of,
    caller_today,
    local_today,
    tell_pair,
    user_dm_channel,
)
from handlers.pair_views import (
    SKIP_BACKUP,
    SKIP_SOLO,
    build_next_blocks,
    build_skip_offer,
    format_description,
    mention,
    when,
    when_for_all,
)
from handlers.replies import Reply, ephemeral, problem_reply
from models.directory import ensure_participant, find_participant
from models.grammar import (
    PAIR_EXAMPLE,
    SLOT_EXAMPLE,
    ParseError,
    format_day,
    parse_move_args,
    parse_skip_args,
)
from models.ics import pair_calendar
from models.occurrences import Meeting, has_slot, load_schedule_contexts, next_meetings
from models.pairing import (
    PairingError,
    backup_start_for,
    meet_at_backup,
    members_of,
    move_meeting,
    pair_of,
    practise_solo,
    require_pair,
    skip_meeting,
    zone_of,
)
from models.pairs import Pair

logger = logging.getLogger(__name__)
GROUP = "Meetings"
NEXT_COUNT = 3
CALENDAR_FILENAME = "buddy-meetings.ics"


def refused(error: PairingError | ParseError) -> Reply:
    return problem_reply(error.message, error.example)


# -- what `/buddy next` shows under each meeting ---------------------------------------------------

# Given the pair and its meetings, extra lines per meeting, keyed by the meeting's original date.
# Providers read in bulk (one query for all the meetings, never one per meeting). The scheduler's
# issue adds the module a meeting is for, both buddies' prep status and open actions here.
MeetingLines = Callable[[Session, Pair, Sequence[Meeting]], dict[date, list[str]]]


def format_lines(
    session: Session, pair: Pair, meetings: Sequence[Meeting]
) -> dict[date, list[str]]:
    """How the pair meets, under every meeting that is going ahead."""
    if pair.format_kind is None:
        return {}
    line = f"How: {format_description(pair)}"
    return {m.original_date: [line] for m in meetings if not m.skipped}


MEETING_LINE_PROVIDERS: tuple[MeetingLines, ...] = (format_lines, module_and_prep_lines)


def meeting_lines(
    session: Session,
    pair: Pair,
    meetings: Sequence[Meeting],
    providers: Sequence[MeetingLines] = MEETING_LINE_PROVIDERS,
) -> dict[date, list[str]]:
    """Every provider's lines for each meeting, in provider order."""
    lines: dict[date, list[str]] = {m.original_date: [] for m in meetings}
    for provider in providers:
        for original, extra in provider(session, pair, meetings).items():
            lines.setdefault(original, []).extend(extra)
    return lines


def run_next(request: CommandRequest, deps: Deps) -> Reply:
    now = deps.clock.now()
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            pair = require_pair(session, caller)
            if not has_slot(pair):
                raise PairingError(
                    "Your pair has no fortnightly slot yet, so no meetings are planned.",
                    SLOT_EXAMPLE,
                )
            context = load_schedule_contexts(session, [pair])[pair.id]
            meetings = next_meetings(
                pair,
                context.changes,
                context.breaks,
                context.cohort_timezone,
                now,
                NEXT_COUNT,
                include_skipped=True,
            )
            zone = zone_of(caller)
            today = local_today(caller, now)
            blocks = build_next_blocks(
                meetings, meeting_lines(session, pair, meetings), zone, today
            )
    except PairingError as error:
        return refused(error)
    first = f"Next meeting: {when(meetings[0].start, zone, today)}" if meetings else "No meetings"
    return ephemeral(first, blocks)


# -- move --------------------------------------------------------------------------------------


def _member_precheck(request: CommandRequest, deps: Deps) -> Reply | None:
    with deps.session() as session:
        caller = find_participant(session, request.team_id, request.user_id)
        pair = pair_of(session, caller) if caller is not None else None
        if pair is None:
            return refused(
                PairingError(
                    "You're not in a buddy pair yet, so there are no meetings to change.",
                    PAIR_EXAMPLE,
                )
            )
        if not has_slot(pair):
            return refused(
                PairingError(
                    "Your pair has no fortnightly slot yet, so there are no meetings to change.",
                    SLOT_EXAMPLE,
                )
            )
    return None


def precheck_move(request: CommandRequest, deps: Deps) -> Reply | None:
    parsed = parse_move_args(request.args, caller_today(request, deps))
    if isinstance(parsed, ParseError):
        return refused(parsed)
    return _member_precheck(request, deps)


def run_move(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    now = deps.clock.now()
    parsed = parse_move_args(request.args, caller_today(request, deps))
    if isinstance(parsed, ParseError):
        return refused(parsed)
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            zone = zone_of(caller)
            moved = move_meeting(
                session, caller, parsed.which, parsed.to_date, parsed.at, zone, now
            )
            pair = require_pair(session, caller)
            members = members_of(session, pair)
            today = local_today(caller, now)
            was = format_day(moved.before.local_start(zone).date(), today)
            now_for_caller = when(moved.after.start, zone, today)
            now_for_all = when_for_all(moved.after.start, moved.after.timezone, members, today)
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    told = tell_pair(
        client,
        deps,
        pair_id,
        f"<@{request.user_id}> moved your meeting of {was} to {now_for_all}.",
        [
            section_block(
                f":arrow_right: <@{request.user_id}> moved your meeting of {was} to {now_for_all}."
            )
        ],
    )
    answer = f":arrow_right: Moved: your meeting of {was} is now on {now_for_caller}."
    return ephemeral(answer + ("" if told else NOT_TOLD))


# -- skip --------------------------------------------------------------------------------------


def precheck_skip(request: CommandRequest, deps: Deps) -> Reply | None:
    parsed = parse_skip_args(request.args, caller_today(request, deps))
    if isinstance(parsed, ParseError):
        return refused(parsed)
    return _member_precheck(request, deps)


def run_skip(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    now = deps.clock.now()
    parsed = parse_skip_args(request.args, caller_today(request, deps))
    if isinstance(parsed, ParseError):
        return refused(parsed)
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            zone = zone_of(caller)
            meeting = skip_meeting(session, caller, parsed.which, parsed.reason, zone, now)
            pair = require_pair(session, caller)
            members = members_of(session, pair)
            today = local_today(caller, now)
            backup = backup_start_for(pair, meeting, now)
            text, blocks = build_skip_offer(
                pair, meeting, caller, members, backup, parsed.reason, today
            )
            day = format_day(meeting.local_start(zone).date(), today)
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    told = tell_pair(client, deps, pair_id, text, blocks)
    answer = (
        f":no_entry_sign: Skipped: the meeting on {day}. I've offered your pair the backup "
        "slot or solo practice for it."
    )
    return ephemeral(answer + ("" if told else NOT_TOLD))


def ack_skip_button(ack: Ack) -> None:
    ack()


def _button_meeting(body: dict[str, Any]) -> tuple[int, date] | None:
    value = str(body["actions"][0].get("value", ""))
    pair_text, _, day_text = value.partition(":")
    try:
        return int(pair_text), date.fromisoformat(day_text)
    except ValueError:
        return None


def _button_user(body: dict[str, Any]) -> tuple[str, str]:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return team_id, user["id"]


def choose_backup(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """ "Meet at the backup slot": move that meeting to the backup day and time."""
    deps = deps_from(context)
    target = _button_meeting(body)
    team_id, user_id = _button_user(body)
    now = deps.clock.now()
    if target is None:
        respond(replace_original=False, **problem_reply("That button has expired."))
        return
    try:
        with deps.session() as session:
            caller = ensure_participant(session, team_id, user_id, now)
            moved = meet_at_backup(session, caller, target[0], target[1], zone_of(caller), now)
            pair = require_pair(session, caller)
            members = members_of(session, pair)
            today = local_today(caller, now)
            at = when_for_all(moved.after.start, moved.after.timezone, members, today)
    except PairingError as error:
        respond(replace_original=False, **refused(error))
        return
    text = f":repeat: {mention(caller)} chose the backup slot: you'll meet on {at}."
    respond(
        replace_original=True, response_type="in_channel", text=text, blocks=[section_block(text)]
    )


def choose_solo(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """ "Solo practice this time": the meeting stays skipped, and is recorded as solo."""
    deps = deps_from(context)
    target = _button_meeting(body)
    team_id, user_id = _button_user(body)
    now = deps.clock.now()
    if target is None:
        respond(replace_original=False, **problem_reply("That button has expired."))
        return
    try:
        with deps.session() as session:
            caller = ensure_participant(session, team_id, user_id, now)
            meeting = practise_solo(session, caller, target[0], target[1], now)
            day = format_day(meeting.local_start(zone_of(caller)).date(), local_today(caller, now))
    except PairingError as error:
        respond(replace_original=False, **refused(error))
        return
    text = (
        f":memo: {mention(caller)} chose solo practice for {day}: each of you works through "
        "the application module on your own this time."
    )
    respond(
        replace_original=True, response_type="in_channel", text=text, blocks=[section_block(text)]
    )


# -- calendar ------------------------------------------------------------------------------------


def precheck_calendar(request: CommandRequest, deps: Deps) -> Reply | None:
    with deps.session() as session:
        caller = find_participant(session, request.team_id, request.user_id)
        pair = pair_of(session, caller) if caller is not None else None
        if pair is None or not has_slot(pair):
            problem = (
                "You're not in a buddy pair yet, so there is no calendar to send."
                if pair is None
                else "Your pair has no fortnightly slot yet, so there is no calendar to send."
            )
            return refused(PairingError(problem, PAIR_EXAMPLE if pair is None else SLOT_EXAMPLE))
    return None


def run_calendar(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    """Build the .ics and send it to the caller's DM (files need a real channel id)."""
    now = deps.clock.now()
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            pair = require_pair(session, caller)
            if not has_slot(pair):
                raise PairingError(
                    "Your pair has no fortnightly slot yet, so there's nothing to put in a "
                    "calendar.",
                    SLOT_EXAMPLE,
                )
            context = load_schedule_contexts(session, [pair])[pair.id]
            buddies = [
                f"@{m.slack_user_id}" for m in members_of(session, pair) if m.id != caller.id
            ]
            ics = pair_calendar(
                pair, context.changes, context.breaks, context.cohort_timezone, buddies, now
            )
            channel = user_dm_channel(client, session, caller)
    except PairingError as error:
        return refused(error)
    try:
        client.files_upload_v2(
            channel=channel,
            content=ics,
            filename=CALENDAR_FILENAME,
            title="Buddy meetings",
            initial_comment=(
                ":calendar: Your buddy meetings, with every move and skip so far. Open the file "
                "to add them to your calendar; send `/buddy calendar` again after changes."
            ),
            request_file_info=False,
        )
    except SlackApiError:
        logger.exception("Could not upload the calendar for %s", request.user_id)
        return problem_reply(
            "I couldn't send the calendar file just now. Please try again in a minute.",
            "/buddy calendar",
        )
    return ephemeral(":calendar: I've sent your calendar file to our direct messages.")


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="next",
        usage="/buddy next",
        summary="your next meetings",
        group=GROUP,
        run=run_next,
    ),
    Subcommand(
        name="move",
        usage="/buddy move [3/12] to 5/12 [17:00]",
        summary="move the next meeting (or the one on a date)",
        group=GROUP,
        run_after_ack=run_move,
        precheck=precheck_move,
    ),
    Subcommand(
        name="skip",
        usage="/buddy skip [3/12] [reason]",
        summary="skip one meeting; your pair is offered the backup slot or solo practice",
        group=GROUP,
        run_after_ack=run_skip,
        precheck=precheck_skip,
    ),
    Subcommand(
        name="calendar",
        usage="/buddy calendar",
        summary="your meetings as a calendar file, by direct message",
        group=GROUP,
        run_after_ack=run_calendar,
        precheck=precheck_calendar,
    ),
]


def register(app: App) -> None:
    app.action(SKIP_BACKUP)(ack=ack_skip_button, lazy=[choose_backup])
    app.action(SKIP_SOLO)(ack=ack_skip_button, lazy=[choose_solo])
