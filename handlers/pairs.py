"""`/buddy pair`, `match`, `unpair`, `slot`, `backup`, `format`, `status`: shaping a pair.

Each handler parses, calls one domain function, renders. A refusal (`PairingError`) is raised out
of the session block, so the session rolls back and nothing half-written is kept.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.blocks import section_block
from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import Deps, deps_from
from handlers.pair_slack import (
    NOT_TOLD,
    caller_of,
    caller_today,
    fetch_profiles,
    local_today,
    tell_pair,
    tell_people,
)
from handlers.pair_views import (
    FORMAT_ADVICE,
    FORMAT_SUGGESTION,
    UNPAIR_CANCEL,
    UNPAIR_CONFIRM,
    backup_description,
    build_paired_message,
    build_status_blocks,
    build_unpair_confirm,
    format_description,
    mentions,
    slot_description,
    when,
    when_for_all,
)
from handlers.replies import Reply, ephemeral, problem_reply
from models.directory import cohort_of, ensure_participant, find_participant, is_facilitator
from models.grammar import (
    BACKUP_EXAMPLE,
    MATCH_EXAMPLE,
    PAIR_EXAMPLE,
    ParseError,
    parse_backup_args,
    parse_format_args,
    parse_people,
    parse_slot_args,
)
from models.occurrences import load_schedule_contexts, next_meetings
from models.pairing import (
    PairingError,
    form_pair,
    match_pair,
    members_of,
    pair_of,
    remember_profiles,
    require_pair,
    set_backup,
    set_format,
    set_slot,
    unpair,
    zone_of,
)
from models.pairs import Pair
from models.people import Participant

logger = logging.getLogger(__name__)
GROUP = "Your pair"


def refused(error: PairingError | ParseError) -> Reply:
    return problem_reply(error.message, error.example)


# -- pair and match ----------------------------------------------------------------------------


def precheck_pair(request: CommandRequest, deps: Deps) -> Reply | None:
    """Refuse in the ack what needs no Slack lookup: bad mentions, yourself, already paired."""
    buddies = parse_people(request.args, 1, 2, PAIR_EXAMPLE)
    if isinstance(buddies, ParseError):
        return refused(buddies)
    if request.user_id in buddies:
        return refused(
            PairingError(
                "You can't be your own buddy, however good the company. Please mention a "
                "colleague.",
                PAIR_EXAMPLE,
            )
        )
    with deps.session() as session:
        caller = find_participant(session, request.team_id, request.user_id)
        if caller is not None and pair_of(session, caller) is not None:
            return refused(
                PairingError(
                    "You're already in a buddy pair. To change buddy, leave it first with "
                    "`/buddy unpair`.",
                    "/buddy unpair",
                )
            )
    return None


def run_pair(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    buddies = parse_people(request.args, 1, 2, PAIR_EXAMPLE)
    if isinstance(buddies, ParseError):
        return refused(buddies)
    try:
        profiles = fetch_profiles(client, [request.user_id, *buddies])
        now = deps.clock.now()
        with deps.session() as session:
            people = remember_profiles(session, request.team_id, profiles, now)
            pair = form_pair(
                session, people[request.user_id], [people[b] for b in buddies], profiles, now
            )
            members = members_of(session, pair)
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    text, blocks = build_paired_message(members, request.user_id, by_facilitator=False)
    told = tell_pair(client, deps, pair_id, text, blocks)
    others = [m for m in members if m.slack_user_id != request.user_id]
    answer = (
        f":handshake: You and {mentions(others)} are now buddies. I've sent you all a message "
        "with the buddy pair's four roles.\nNext, agree your fortnightly slot: "
        "`/buddy slot thu 16:00`"
    )
    return ephemeral(answer + ("" if told else NOT_TOLD))


def precheck_match(request: CommandRequest, deps: Deps) -> Reply | None:
    with deps.session() as session:
        allowed = is_facilitator(session, deps.facilitators, request.team_id, request.user_id)
    if not allowed:
        return refused(
            PairingError(
                "Sorry, only facilitators can pair other people. To pair yourself with a "
                "colleague, use `/buddy pair`.",
                PAIR_EXAMPLE,
            )
        )
    people = parse_people(request.args, 2, 3, MATCH_EXAMPLE)
    return refused(people) if isinstance(people, ParseError) else None


def run_match(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    people = parse_people(request.args, 2, 3, MATCH_EXAMPLE)
    if isinstance(people, ParseError):
        return refused(people)
    try:
        profiles = fetch_profiles(client, people)
        now = deps.clock.now()
        with deps.session() as session:
            allowed = is_facilitator(session, deps.facilitators, request.team_id, request.user_id)
            known = remember_profiles(session, request.team_id, profiles, now)
            pair = match_pair(
                session, request.user_id, allowed, [known[p] for p in people], profiles, now
            )
            members = members_of(session, pair)
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    text, blocks = build_paired_message(members, request.user_id, by_facilitator=True)
    told = tell_pair(client, deps, pair_id, text, blocks)
    answer = f":handshake: {mentions(members)} are now a buddy {_kind(members)}; they've been told."
    return ephemeral(answer + ("" if told else NOT_TOLD))


def _kind(members: list[Participant]) -> str:
    return "trio" if len(members) == 3 else "pair"


# -- unpair ------------------------------------------------------------------------------------


def run_unpair(request: CommandRequest, deps: Deps) -> Reply:
    """Ask first: leaving a pair ends its meetings."""
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            pair = require_pair(session, caller)
            buddies = [m for m in members_of(session, pair) if m.id != caller.id]
            blocks = build_unpair_confirm(pair, buddies)
    except PairingError as error:
        return refused(error)
    return ephemeral("Leave your buddy pair?", blocks)


def ack_unpair_button(ack: Ack) -> None:
    ack()


def confirm_unpair(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """The confirmation button: leave, tell the buddy, replace the question with the answer."""
    deps = deps_from(context)
    user_id = body["user"]["id"]
    team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
    pair_id = str(body["actions"][0].get("value", ""))
    now = deps.clock.now()
    try:
        with deps.session() as session:
            caller = ensure_participant(session, team_id, user_id, now)
            current = pair_of(session, caller)
            if current is None or str(current.id) != pair_id:
                raise PairingError("You're no longer in that buddy pair, so nothing changed.")
            outcome = unpair(session, caller, now)
            remaining = [m.slack_user_id for m in outcome.remaining]
            dissolved = outcome.dissolved
    except PairingError as error:
        respond(replace_original=True, **refused(error))
        return
    if dissolved:
        note = (
            f":wave: <@{user_id}> has left your buddy pair, so your fortnightly meetings have "
            "stopped. When you're ready, pair with someone new: `/buddy pair @Sam`."
        )
    else:
        note = (
            f":wave: <@{user_id}> has left your trio. You two carry on as a pair, with the same "
            "slot."
        )
    told = tell_people(client, remaining, note)
    them = " and ".join(f"<@{r}>" for r in remaining)
    answer = f"You've left the buddy pair. I've let {them} know."
    respond(replace_original=True, **ephemeral(answer + ("" if told else NOT_TOLD)))


def cancel_unpair(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **ephemeral("No change: you're still in your buddy pair."))


# -- slot, backup, format ------------------------------------------------------------------------


def _member_precheck(request: CommandRequest, deps: Deps) -> PairingError | None:
    with deps.session() as session:
        caller = find_participant(session, request.team_id, request.user_id)
        if caller is None or pair_of(session, caller) is None:
            return PairingError(
                "You're not in a buddy pair yet. Pair with a colleague first.", PAIR_EXAMPLE
            )
    return None


def precheck_slot(request: CommandRequest, deps: Deps) -> Reply | None:
    parsed = parse_slot_args(request.args, caller_today(request, deps))
    if isinstance(parsed, ParseError):
        return refused(parsed)
    problem = _member_precheck(request, deps)
    return refused(problem) if problem else None


def run_slot(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    now = deps.clock.now()
    try:
        zone_from_slack: str | None = None
        parsed = parse_slot_args(request.args, caller_today(request, deps))
        if isinstance(parsed, ParseError):
            return refused(parsed)
        if parsed.zone is None:
            zone_from_slack = fetch_profiles(client, [request.user_id])[0].timezone
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            if zone_from_slack:
                caller.timezone = zone_from_slack
            zone = parsed.zone or zone_of(caller, cohort_of(session, caller, now).timezone)
            pair = set_slot(session, caller, parsed.weekday, parsed.at, zone, parsed.from_date, now)
            members = members_of(session, pair)
            first = _first_meeting_start(session, pair, now)
            today = local_today(caller, now)
            mine = slot_description(pair, zone_of(caller))
            first_for_caller = when(first, zone_of(caller), today) if first else "none yet"
            first_for_all = when_for_all(first, zone, members, today) if first else ""
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    told = tell_pair(
        client,
        deps,
        pair_id,
        f"<@{request.user_id}> set your fortnightly slot: {slot_description(pair)}.",
        [
            section_block(
                f":calendar: <@{request.user_id}> set your fortnightly slot: "
                f"{slot_description(pair)}.\nFirst meeting: {first_for_all}"
            )
        ],
    )
    answer = (
        f":calendar: Your fortnightly slot is {mine}.\nFirst meeting: {first_for_caller}.\n"
        "It's wise to have an alternative too: `/buddy backup fri 8am`"
    )
    return ephemeral(answer + ("" if told else NOT_TOLD))


def _first_meeting_start(session: Session, pair: Pair, now: datetime) -> datetime | None:
    context = load_schedule_contexts(session, [pair])[pair.id]
    upcoming = next_meetings(pair, context.changes, context.breaks, context.cohort_timezone, now, 1)
    return upcoming[0].start if upcoming else None


def precheck_backup(request: CommandRequest, deps: Deps) -> Reply | None:
    parsed = parse_backup_args(request.args)
    if isinstance(parsed, ParseError):
        return refused(parsed)
    problem = _member_precheck(request, deps)
    return refused(problem) if problem else None


def run_backup(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    parsed = parse_backup_args(request.args)
    if isinstance(parsed, ParseError):
        return refused(parsed)
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            pair = set_backup(session, caller, parsed.weekday, parsed.at)
            described = backup_description(pair)
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    told = tell_pair(
        client,
        deps,
        pair_id,
        f"<@{request.user_id}> set your backup slot: {described}.",
        [
            section_block(
                f":repeat: <@{request.user_id}> set your backup slot: {described}. "
                "It's offered whenever a meeting is skipped."
            )
        ],
    )
    answer = (
        f":repeat: Your backup slot is {described}. I'll offer it whenever a meeting is skipped."
    )
    return ephemeral(answer + ("" if told else NOT_TOLD))


def precheck_format(request: CommandRequest, deps: Deps) -> Reply | None:
    parsed = parse_format_args(request.args)
    if isinstance(parsed, ParseError):
        return refused(parsed)
    problem = _member_precheck(request, deps)
    return refused(problem) if problem else None


def run_format(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    parsed = parse_format_args(request.args)
    if isinstance(parsed, ParseError):
        return refused(parsed)
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            pair = set_format(session, caller, parsed.kind, parsed.detail)
            described = format_description(pair)
            pair_id = pair.id
    except PairingError as error:
        return refused(error)
    advice = f"_{FORMAT_SUGGESTION} {FORMAT_ADVICE}_"
    told = tell_pair(
        client,
        deps,
        pair_id,
        f"<@{request.user_id}> set how you meet: {described}.",
        [
            section_block(
                f":busts_in_silhouette: <@{request.user_id}> set how you meet: {described}."
            )
        ],
    )
    answer = f":busts_in_silhouette: You'll meet {described}.\n{advice}"
    return ephemeral(answer + ("" if told else NOT_TOLD))


# -- status --------------------------------------------------------------------------------------


def run_status(request: CommandRequest, deps: Deps) -> Reply:
    now = deps.clock.now()
    with deps.session() as session:
        caller = caller_of(session, request, deps)
        cohort = cohort_of(session, caller, now)
        pair = pair_of(session, caller)
        members = members_of(session, pair) if pair else []
        upcoming = []
        if pair is not None:
            context = load_schedule_contexts(session, [pair])[pair.id]
            upcoming = next_meetings(
                pair, context.changes, context.breaks, context.cohort_timezone, now, 1
            )
        blocks = build_status_blocks(
            pair,
            caller,
            members,
            cohort.name,
            upcoming[0] if upcoming else None,
            local_today(caller, now),
        )
        fallback = (
            f"Your buddy pair with {mentions([m for m in members if m.id != caller.id])}"
            if pair
            else "You're not in a buddy pair yet."
        )
    return ephemeral(fallback, blocks)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="pair",
        usage="/buddy pair @buddy [@third]",
        summary="pair up with a colleague (or two, as a trio)",
        group=GROUP,
        run_after_ack=run_pair,
        precheck=precheck_pair,
    ),
    Subcommand(
        name="match",
        usage="/buddy match @a @b [@c]",
        summary="pair other participants (facilitators)",
        group="Facilitators",
        run_after_ack=run_match,
        precheck=precheck_match,
    ),
    Subcommand(
        name="unpair",
        usage="/buddy unpair",
        summary="leave your buddy pair (asks first)",
        group=GROUP,
        run=run_unpair,
    ),
    Subcommand(
        name="slot",
        usage="/buddy slot thu 16:00 [from 3/12] [tz Europe/London]",
        summary="your pair's fortnightly meeting time",
        group=GROUP,
        run_after_ack=run_slot,
        precheck=precheck_slot,
    ),
    Subcommand(
        name="backup",
        usage=BACKUP_EXAMPLE,
        summary="an alternative slot for when a meeting can't happen",
        group=GROUP,
        run_after_ack=run_backup,
        precheck=precheck_backup,
    ),
    Subcommand(
        name="format",
        usage="/buddy format in-person [where] | video <link>",
        summary="how your pair meets",
        group=GROUP,
        run_after_ack=run_format,
        precheck=precheck_format,
    ),
    Subcommand(
        name="status",
        usage="/buddy status",
        summary="your pair, slot, backup, format and cohort",
        group=GROUP,
        run=run_status,
    ),
]


def register(app: App) -> None:
    app.action(UNPAIR_CONFIRM)(ack=ack_unpair_button, lazy=[confirm_unpair])
    app.action(UNPAIR_CANCEL)(cancel_unpair)
