"""`/buddy pair`, `match`, `unpair`, `slot`, `backup`, `format`, `status`: shaping a pair.

Each handler reads the request, calls one domain rule and renders. A refusal raised inside the
session block rolls the session back, so nothing half-written is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversation.blocks import note, paragraph
from conversation.commands import Subcommand
from conversation.markup import mention, mentions
from conversation.moments import local_moment
from conversation.outlet import Outlet
from conversation.replies import OutgoingMessage, Reply, ephemeral
from conversation.requests import (
    Answer,
    Command,
    Handlers,
    Press,
    Request,
    SlowWork,
    Submission,
    accepted,
    local_today,
    out_of_date,
)
from conversation.telling import tell_pair_later, told_or_not
from conversation.values import int_value
from handlers.views.meetings import SLOT_OPEN, format_description, when_for_all
from handlers.views.pairs import (
    SLOT_CHOOSE_AM,
    SLOT_CHOOSE_PM,
    SLOT_FROM,
    SLOT_MODAL,
    SLOT_TIME,
    SLOT_WEEKDAY,
    SLOT_ZONE,
    UNPAIR_CANCEL,
    UNPAIR_CONFIRM,
    backup_description,
    build_am_or_pm,
    build_paired_message,
    build_slot_modal,
    build_status_blocks,
    build_unpair_confirm,
    build_unpaired_answer,
    build_unpaired_notice,
    slot_description,
    status_fallback,
)
from handlers.views.pauses import build_pause_status
from handlers.views.upcoming import status_line
from models.cohorts import bound_cohort
from models.grammar import (
    BACKUP_EXAMPLE,
    MATCH_EXAMPLE,
    PAIR_EXAMPLE,
    ParseError,
    SlotArgs,
    am_or_pm,
    parse_backup_args,
    parse_format_args,
    parse_people,
    parse_slot_args,
    parse_zone,
)
from models.guidance import FORMAT_ADVICE, FORMAT_SUGGESTION
from models.meetings.schedule import load_schedule_contexts, next_meetings
from models.pairs import (
    Pair,
    check_can_match,
    check_can_pair,
    form_pair,
    match_pair,
    members_of,
    pair_of,
    remember_profile,
    remember_profiles,
    require_pair,
    set_backup,
    set_format,
    set_slot,
    unpair,
    zone_of,
)
from models.pauses import current_pause
from models.people import cohort_of, find_participant, is_facilitator
from models.refusals import Refusal

GROUP = "Your pair"


# -- pair and match ----------------------------------------------------------------------------


def pair(command: Command) -> Answer | Reply:
    """The pair is formed before the answer, so a `/buddy slot` sent the moment it arrives finds
    it; the people are looked up in Slack first (a bot or a leaver is refused before anything is
    written). Telling the pair, which opens its group DM, follows the ack."""
    buddies = accepted(parse_people(command.args, 1, 2, PAIR_EXAMPLE))
    with command.deps.session() as session:
        caller = find_participant(session, command.team_id, command.user_id)
        check_can_pair(session, command.user_id, buddies, caller)
    profiles = _outlet(command).quick_profiles([command.user_id, *buddies])
    with command.deps.session() as session:
        people = remember_profiles(session, command.team_id, profiles, command.now)
        pairing = form_pair(
            session, people[command.user_id], [people[b] for b in buddies], profiles, command.now
        )
        members = members_of(session, pairing.pair)
        pair_id = pairing.pair.id
    others = mentions([m.user_id for m in members if m.user_id != command.user_id])
    together = f"You, {others}" if len(members) > 2 else f"You and {others}"
    if not pairing.formed:
        return ephemeral(
            f":handshake: {together} are already buddies, so nothing has changed. "
            "`/buddy status` shows your pair."
        )
    text, blocks = build_paired_message(members, command.user_id, by_facilitator=False)
    answer = (
        f":handshake: {together} are now buddies. I'm sending you all a message "
        "with the buddy pair's four roles.\nNext, agree your fortnightly slot: "
        "`/buddy slot thu 16:00`"
    )
    return _answer_and_tell_pair(command, pair_id, answer, OutgoingMessage(text, blocks))


def match(command: Command) -> Answer | Reply:
    """Facilitators only; like `pair`, the pair exists before the answer and is told after it."""
    with command.deps.session() as session:
        allowed = is_facilitator(
            session, command.deps.facilitators, command.team_id, command.user_id
        )
    check_can_match(allowed)
    people = accepted(parse_people(command.args, 2, 3, MATCH_EXAMPLE))
    profiles = _outlet(command).quick_profiles(people)
    with command.deps.session() as session:
        known = remember_profiles(session, command.team_id, profiles, command.now)
        pairing = match_pair(
            session,
            command.user_id,
            allowed,
            [known[p] for p in people],
            profiles,
            command.now,
            # Matched in a cohort's channel by a facilitator: they belong to that cohort.
            cohort=bound_cohort(session, command.team_id, command.channel_id),
        )
        members = members_of(session, pairing.pair)
        pair_id = pairing.pair.id
    kind = "trio" if len(members) == 3 else "pair"
    who = mentions([m.user_id for m in members])
    if not pairing.formed:
        return ephemeral(f":handshake: {who} are already a buddy {kind}, so nothing has changed.")
    text, blocks = build_paired_message(members, command.user_id, by_facilitator=True)
    answer = f":handshake: {who} are now a buddy {kind}; I'm telling them now."
    return _answer_and_tell_pair(command, pair_id, answer, OutgoingMessage(text, blocks))


def _outlet(request: Request) -> Outlet:
    """The request's platform, for a lookup the answer waits for; every request from a front end
    comes with one."""
    if request.outlet is None:
        raise RuntimeError("this request has no platform to look people up with")
    return request.outlet


# -- unpair ------------------------------------------------------------------------------------


def ask_to_unpair(command: Command) -> Reply:
    """Ask first: leaving a pair ends its meetings."""
    with command.deps.session() as session:
        caller = command.caller(session)
        current = require_pair(session, caller)
        buddies = [m for m in members_of(session, current) if m.id != caller.id]
        blocks = build_unpair_confirm(current, buddies)
    return ephemeral("Leave your buddy pair?", blocks)


def confirm_unpair(press: Press) -> Answer:
    """The confirmation button: leave, tell the buddy, replace the question with the answer."""
    pair_id = int_value(press.value)
    if pair_id is None:
        raise out_of_date()
    with press.deps.session() as session:
        caller = press.caller(session)
        current = pair_of(session, caller)
        if current is None or current.id != pair_id:
            raise Refusal("You're no longer in that buddy pair, so nothing changed.")
        outcome = unpair(session, caller, press.now)
        remaining = [m.user_id for m in outcome.remaining]
        dissolved = outcome.dissolved
    note = build_unpaired_notice(press.user_id, dissolved)

    def tell(outlet: Outlet) -> Reply:
        told = outlet.tell_people(remaining, note)
        answer = build_unpaired_answer(remaining, dissolved)
        return {"replace_original": True, **ephemeral(told_or_not(answer, told))}

    return Answer(then=tell)


def cancel_unpair(press: Press) -> Reply:
    return {
        "replace_original": True,
        **ephemeral("No change: you're still in your buddy pair."),
    }


# -- slot, backup, format ------------------------------------------------------------------------


def _member_check(command: Command) -> None:
    """Refuse at once someone with no pair, before any slow work."""
    with command.deps.session() as session:
        caller = find_participant(session, command.team_id, command.user_id)
        if caller is None or pair_of(session, caller) is None:
            raise Refusal(
                "You're not in a buddy pair yet. Pair with a colleague first.", PAIR_EXAMPLE
            )


def slot(command: Command) -> Answer | Reply:
    """With no arguments, the slot form; `thu at 4` asks am or pm; else the slot is set. Without
    `tz`, the slot's zone is the caller's Slack profile zone, looked up after the ack."""
    if not command.args:
        return _open_slot_modal(command)
    readings = am_or_pm(command.args)
    if readings is not None:
        _member_check(command)
        hour = readings[0].split()[1].removesuffix("am")
        text, blocks = build_am_or_pm(hour, readings)
        return ephemeral(text, blocks)
    parsed = accepted(parse_slot_args(command.args, command.today()))
    _member_check(command)
    return Answer(then=_set_slot(command, parsed))


def _open_slot_modal(request: Request) -> Answer:
    """The slot form, its zone the person's own; someone with no pair is refused at once."""
    with request.deps.session() as session:
        caller = find_participant(session, request.team_id, request.user_id)
        current = pair_of(session, caller) if caller is not None else None
        if caller is None or current is None:
            raise Refusal(
                "You're not in a buddy pair yet. Pair with a colleague first.", PAIR_EXAMPLE
            )
        zone = zone_of(caller, cohort_of(session, caller, request.now).timezone)
        view = build_slot_modal(zone, current)
    return Answer(form=view)


def open_slot_form(press: Press) -> Answer:
    """The slot nudge's button."""
    return _open_slot_modal(press)


def choose_am_or_pm(press: Press) -> Answer:
    """One of the `4am or 4pm?` buttons: its value is the slot's arguments, read as typed."""
    parsed = accepted(parse_slot_args(press.value, press.today()))
    set_it = _set_slot(press, parsed)

    def then(outlet: Outlet) -> Reply | None:
        told = set_it(outlet)
        return {"replace_original": True, **told} if told is not None else None

    return Answer(then=then)


def save_slot_form(submission: Submission) -> Answer:
    """The slot form, checked in the ack (errors under the fields), then set as typed ones are."""
    state = submission.state
    weekday = int_value(state.option(SLOT_WEEKDAY) or "")
    at = state.time(SLOT_TIME)
    zone = parse_zone(state.option(SLOT_ZONE) or "")
    errors: dict[str, str] = {}
    if weekday is None or not 0 <= weekday <= 6:
        errors[SLOT_WEEKDAY] = "Please choose a day."
    if at is None:
        errors[SLOT_TIME] = "Please choose a time."
    if isinstance(zone, ParseError):
        errors[SLOT_ZONE] = "Please choose a time zone."
    if errors or weekday is None or at is None or isinstance(zone, ParseError):
        return Answer(view_response={"response_action": "errors", "errors": errors})
    from_date = state.date(SLOT_FROM)
    if from_date is not None and from_date < submission.today():
        errors[SLOT_FROM] = "That date has passed: please choose today or later."
        return Answer(view_response={"response_action": "errors", "errors": errors})
    parsed = SlotArgs(weekday, at, from_date, zone)
    return Answer(then=_set_slot(submission, parsed))


def _set_slot(request: Request, parsed: SlotArgs) -> SlowWork:
    """The slot set, the pair told, the caller answered in their own time: after the ack. From
    the form, the pair's message is the answer (a second one would come by DM)."""

    def set_it(outlet: Outlet) -> Reply | None:
        # Only a slot without `tz` needs the caller's zone from Slack; their name comes with it.
        profile = outlet.profiles([request.user_id])[0] if parsed.zone is None else None
        with request.deps.session() as session:
            caller = request.caller(session)
            if profile is not None:
                remember_profile(caller, profile)
            zone = parsed.zone or zone_of(caller, cohort_of(session, caller, request.now).timezone)
            changed = set_slot(
                session, caller, parsed.weekday, parsed.at, zone, parsed.from_date, request.now
            )
            first = _first_meeting_start(session, changed, request.now)
            today = local_today(caller, request.now)
            mine = slot_description(changed, zone_of(caller))
            everyone = slot_description(changed)
            first_for_caller = local_moment(first, zone_of(caller), today) if first else "none yet"
            first_for_all = when_for_all(first, zone, today) if first else ""
            no_backup = changed.backup_weekday is None
            pair_id = changed.id
        backup_hint = "It's wise to have an alternative too: `/buddy backup fri 8am`"
        told = outlet.tell_pair(
            request.deps,
            pair_id,
            OutgoingMessage(
                f"{mention(request.user_id)} set your fortnightly slot: {everyone}.",
                [
                    paragraph(
                        f":calendar: {mention(request.user_id)} set your fortnightly slot: "
                        f"{everyone}.\nFirst meeting: {first_for_all}"
                        + (f"\n{backup_hint}" if no_backup else "")
                    )
                ],
            ),
        )
        if told and isinstance(request, Submission):
            # A form has no ephemeral answer: the pair's message, which they are in, is theirs.
            return None
        answer = f":calendar: Your fortnightly slot is {mine}.\nFirst meeting: {first_for_caller}."
        if no_backup and not told:
            answer += f"\n{backup_hint}"
        return ephemeral(told_or_not(answer, told))

    return set_it


def _first_meeting_start(session: Session, pair: Pair, now: datetime) -> datetime | None:
    context = load_schedule_contexts(session, [pair])[pair.id]
    upcoming = next_meetings(pair, context.changes, context.breaks, context.cohort_timezone, now, 1)
    return upcoming[0].start if upcoming else None


def backup(command: Command) -> Answer:
    parsed = accepted(parse_backup_args(command.args))
    with command.deps.session() as session:
        changed = set_backup(session, command.caller(session), parsed.weekday, parsed.at)
        described = backup_description(changed)
        pair_id = changed.id
    answer = (
        f":repeat: Your backup slot is {described}. I'll offer it whenever a meeting is skipped."
    )
    text = f"{mention(command.user_id)} set your backup slot: {described}."
    block = paragraph(f":repeat: {text[:-1]}. It's offered whenever a meeting is skipped.")
    return _answer_and_tell_pair(command, pair_id, answer, OutgoingMessage(text, [block]))


def format_(command: Command) -> Answer:
    parsed = accepted(parse_format_args(command.args))
    with command.deps.session() as session:
        changed = set_format(session, command.caller(session), parsed.kind, parsed.detail)
        described = format_description(changed)
        pair_id = changed.id
    answer = (
        f":busts_in_silhouette: You'll meet {described}.\n_{FORMAT_SUGGESTION} {FORMAT_ADVICE}_"
    )
    text = f"{mention(command.user_id)} set how you meet: {described}."
    block = paragraph(f":busts_in_silhouette: {text}")
    return _answer_and_tell_pair(command, pair_id, answer, OutgoingMessage(text, [block]))


def _answer_and_tell_pair(
    command: Command, pair_id: int, answer: str, told: OutgoingMessage
) -> Answer:
    """The caller's answer at once; the pair told after the ack."""
    return Answer(reply=ephemeral(answer), then=tell_pair_later(command.deps, pair_id, told))


# -- status --------------------------------------------------------------------------------------


def status(command: Command) -> Reply:
    with command.deps.session() as session:
        caller = command.caller(session)
        cohort = cohort_of(session, caller, command.now)
        current = pair_of(session, caller)
        members = members_of(session, current) if current else []
        upcoming = []
        if current is not None:
            context = load_schedule_contexts(session, [current])[current.id]
            upcoming = next_meetings(
                current, context.changes, context.breaks, context.cohort_timezone, command.now, 1
            )
        blocks = build_status_blocks(
            current,
            caller,
            members,
            cohort.name,
            upcoming[0] if upcoming else None,
            local_today(caller, command.now),
        )
        buddies = [m.user_id for m in members if m.id != caller.id]
        today = local_today(caller, command.now)
        paused = current_pause(session, caller, today)
        if paused is not None:
            blocks.extend(build_pause_status(paused, today))
        preview = command.deps.preview
        planned = preview(session, caller, command.now) if preview and current else []
        if current is not None:
            blocks.append(note(status_line(planned, zone_of(caller))))
    return ephemeral(status_fallback(buddies), blocks)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="pair",
        usage="/buddy pair @buddy [@third]",
        summary="pair up with a colleague (or two, as a trio)",
        group=GROUP,
        handle=pair,
        everyday=True,
        examples=(PAIR_EXAMPLE, "pair @Sam @Alex"),
        details="Everyone in the pair is told, with the four roles of a buddy pair.",
    ),
    Subcommand(
        name="match",
        usage="/buddy match @a @b [@c]",
        summary="pair other participants (facilitators)",
        group="Facilitators",
        handle=match,
        facilitator=True,
        examples=(MATCH_EXAMPLE, "match @Sam @Alex @Kim"),
    ),
    Subcommand(
        name="unpair",
        usage="/buddy unpair",
        summary="leave your buddy pair (asks first)",
        group=GROUP,
        handle=ask_to_unpair,
    ),
    Subcommand(
        name="slot",
        usage="/buddy slot thu 16:00 [from 3/12] [tz London]",
        summary="your pair's fortnightly meeting time; `/buddy slot` alone opens a form",
        group=GROUP,
        handle=slot,
        everyday=True,
        examples=("slot thu 16:00", "slot thu 4.30pm from 3/12", "slot thu 16:00 tz Paris"),
        details=(
            "The first meeting is on the `from` date or the next such weekday; the time is in your "
            "own zone (as your chat app has it) unless you give `tz` with a city (`tz Paris`) "
            "or a zone name (`tz Europe/Paris`)."
        ),
    ),
    Subcommand(
        name="backup",
        usage=f"/buddy {BACKUP_EXAMPLE}",
        summary="an alternative slot for when a meeting can't happen",
        group=GROUP,
        handle=backup,
        examples=(BACKUP_EXAMPLE,),
    ),
    Subcommand(
        name="format",
        usage="/buddy format in-person [where] | video <link>",
        summary="how your pair meets",
        group=GROUP,
        handle=format_,
        examples=("format video https://meet.example.com/abc", "format in-person the library"),
    ),
    Subcommand(
        name="status",
        usage="/buddy status",
        summary="your pair, slot, backup, format and cohort",
        group=GROUP,
        handle=status,
        everyday=True,
    ),
]


HANDLERS = Handlers(
    buttons={
        SLOT_OPEN: open_slot_form,
        SLOT_CHOOSE_AM: choose_am_or_pm,
        SLOT_CHOOSE_PM: choose_am_or_pm,
        UNPAIR_CONFIRM: confirm_unpair,
        UNPAIR_CANCEL: cancel_unpair,
    },
    submissions={SLOT_MODAL: save_slot_form},
)
