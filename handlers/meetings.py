"""`/buddy next`, `move`, `skip`, `calendar`; the backup-or-solo buttons after a skip; and the
buttons on the clock's meeting nudges ("I've completed X", the check-in answers)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from conversation.blocks import Form
from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.outlet import Outlet, OutletError, SentFile
from conversation.replies import OutgoingMessage, Reply, ephemeral, field_error, problem_text
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
    pressed_meeting,
)
from conversation.telling import NOT_TOLD, tell_pair_later
from conversation.values import meeting_choice_value
from handlers.views.meetings import (
    CHECKIN_CHANGE,
    CHECKIN_OUTCOME_ACTIONS,
    CHECKIN_UNDO_ACTION,
    MOVE_MODAL,
    MOVE_OPEN,
    MOVE_TO_DATE,
    MOVE_TO_TIME,
    OUTCOME_WORDS,
    PREP_DONE_ACTION,
    PREP_UNDO_ACTION,
    SKIP_BACKUP,
    SKIP_BACKUP_ANYWAY,
    SKIP_MODAL,
    SKIP_REASON,
    SKIP_SOLO,
    SKIP_SOLO_ANYWAY,
    WHICH_MEETING,
    build_answer_changed,
    build_answer_taken,
    build_checkin_message,
    build_move_modal,
    build_moved_note,
    build_next_blocks,
    build_prep_message,
    build_skip_choice_changed,
    build_skip_choice_taken,
    build_skip_modal,
    build_skip_offer,
    build_solo_note,
    checkin_blocks,
    when,
    when_line,
)
from models.deliveries import meeting_subject, sent_messages
from models.grammar import SLOT_EXAMPLE, format_day, parse_move_args, parse_skip_args
from models.meetings.changes import (
    backup_start_for,
    meet_at_backup,
    move_meeting,
    practise_solo,
    skip_meeting,
)
from models.meetings.context import PairContext, load_pair_context
from models.meetings.ics import buddy_name, pair_calendar
from models.meetings.records import (
    ChosenByBuddy,
    record_outcome,
    record_prep,
    undo_outcome,
    undo_prep,
)
from models.meetings.schedule import Meeting, has_slot, load_schedule_contexts
from models.pairs import Pair, members_of, require_pair, zone_of
from models.people import Participant
from models.refusals import Refusal

logger = logging.getLogger(__name__)
GROUP = "Meetings"
NEXT_COUNT = 3
FORM_MEETINGS = 6  # the meetings a move or skip form lists
# Far enough ahead to find the next three meetings past a long holiday.
NEXT_WINDOW = timedelta(weeks=20)
CALENDAR_FILENAME = "buddy-meetings.ics"
# The nudges a meeting's buttons sit on (their kinds in the outbox).
PREP_KINDS = ("prep",)
CHECKIN_KINDS = ("checkin", "checkin-again")


def _require_slot(pair: Pair, what: str) -> None:
    """The one wording for "no slot yet", whatever the command needed the meetings for."""
    if not has_slot(pair):
        raise Refusal(
            f"Your pair has no fortnightly slot yet, so {what}.",
            SLOT_EXAMPLE,
        )


# -- next ----------------------------------------------------------------------------------------


def next_meetings(command: Command) -> Reply:
    with command.deps.session() as session:
        caller = command.caller(session)
        pair = require_pair(session, caller)
        _require_slot(pair, "no meetings are planned")
        context = load_pair_context(
            session,
            pair.id,
            command.now,
            command.now + NEXT_WINDOW,
            include_skipped=True,
            include_dropped=True,
            pair=pair,
        )
        meetings = context.meetings[:NEXT_COUNT] if context else []
        zone = zone_of(caller)
        today = local_today(caller, command.now)
        if context is None:
            return ephemeral("No meetings coming up.")
        blocks = build_next_blocks(context, meetings, zone, today)
    ahead = [m for m in meetings if not m.dropped]
    first = f"Next meeting: {when(ahead[0].start, zone, today)}" if ahead else "No meetings"
    return ephemeral(first, blocks)


# -- move and skip -------------------------------------------------------------------------------


def move(command: Command) -> Answer:
    """With no arguments, the move form; else as typed."""
    if not command.args:
        return _open_meetings_form(command, build_move_modal)
    parsed = accepted(parse_move_args(command.args, command.today()))
    return _move(command, parsed.which, parsed.to_date, parsed.at)


def _open_meetings_form(
    request: Request,
    build: Callable[[Sequence[Meeting], str, date], Form],
) -> Answer:
    """The move or skip form, listing the pair's next meetings in the caller's own time."""
    with request.deps.session() as session:
        caller = request.caller(session)
        pair = require_pair(session, caller)
        _require_slot(pair, "there are no meetings to change")
        context = load_pair_context(
            session, pair.id, request.now, request.now + NEXT_WINDOW, pair=pair
        )
        meetings = [m for m in (context.meetings if context else []) if not m.skipped]
        if not meetings:
            raise Refusal("You have no meetings coming up to change.")
        view = build(meetings[:FORM_MEETINGS], zone_of(caller), local_today(caller, request.now))
    return Answer(form=view)


def open_move_form(press: Press) -> Answer:
    """ "We moved it" on the check-in: the move form, to say when."""
    return _open_meetings_form(press, build_move_modal)


def save_move_form(submission: Submission) -> Answer:
    """Checked in the ack: a refusal shows under the date; else moved as a typed move is."""
    which = _picked_meeting(submission)
    to_date = submission.state.date(MOVE_TO_DATE)
    if which is None or to_date is None:
        return _field_errors(
            {WHICH_MEETING: "Please choose a meeting."}
            if which is None
            else {MOVE_TO_DATE: "Please choose the new date."}
        )
    try:
        return _move(submission, which, to_date, submission.state.time(MOVE_TO_TIME))
    except Refusal as refusal:
        return _field_errors({MOVE_TO_DATE: field_error(refusal)})


def _picked_meeting(submission: Submission) -> date | None:
    picked = submission.state.option(WHICH_MEETING)
    try:
        return date.fromisoformat(picked) if picked else None
    except ValueError:
        return None


def _field_errors(errors: dict[str, str]) -> Answer:
    return Answer(view_response={"response_action": "errors", "errors": errors})


def _move(request: Request, which: date | None, to_date: date, at: time | None) -> Answer:
    with request.deps.session() as session:
        # The caller's pair read once, and handed to the rule.
        caller = request.caller(session)
        pair = require_pair(session, caller)
        _require_slot(pair, "there are no meetings to change")
        zone = zone_of(caller)
        moved = move_meeting(session, caller, which, to_date, at, zone, request.now, pair=pair)
        members = members_of(session, pair)
        today = local_today(caller, request.now)
        was = format_day(moved.before.local_start(zone).date(), today)
        for_caller = when(moved.after.start, zone, today)
        note = build_moved_note(moved.after, members, today)
        pair_id = pair.id
    answer = f":arrow_right: Moved: your meeting of {was} is now on {for_caller}."
    tell = tell_pair_later(request.deps, pair_id, note)
    redraw_prep = _prep_redrawer(request.deps, pair_id, moved.after.original_date)

    def then(outlet: Outlet) -> Reply | None:
        told = tell(outlet)
        redraw_prep(outlet)
        return told

    return _answer_once(request, answer, then)


def _answer_once(request: Request, answer: str, tell: SlowWork) -> Answer:
    """The caller's answer and the pair told. A command's answer is ephemeral, beside the pair's
    message; a form has nowhere ephemeral to answer (it would come by DM, a second message about
    the same change), so the pair's message, which the caller is in, is their answer, and the
    DM comes only when the pair could not be told."""
    if not isinstance(request, Submission):
        return Answer(reply=ephemeral(answer), then=tell)

    def then(outlet: Outlet) -> Reply | None:
        if tell(outlet) is None:
            return None
        return ephemeral(answer + NOT_TOLD)

    return Answer(then=then)


def skip(command: Command) -> Answer:
    """With no arguments, the skip form; else as typed."""
    if not command.args:
        return _open_meetings_form(command, build_skip_modal)
    parsed = accepted(parse_skip_args(command.args, command.today()))
    return _skip(command, parsed.which, parsed.reason)


def save_skip_form(submission: Submission) -> Answer:
    which = _picked_meeting(submission)
    if which is None:
        return _field_errors({WHICH_MEETING: "Please choose a meeting."})
    reason = (submission.state.text(SKIP_REASON) or "").strip() or None
    try:
        return _skip(submission, which, reason)
    except Refusal as refusal:
        return _field_errors({WHICH_MEETING: field_error(refusal)})


def _skip(request: Request, which: date | None, reason: str | None) -> Answer:
    with request.deps.session() as session:
        # The caller's pair read once, and handed to the rule.
        caller = request.caller(session)
        pair = require_pair(session, caller)
        _require_slot(pair, "there are no meetings to change")
        zone = zone_of(caller)
        meeting = skip_meeting(session, caller, which, reason, zone, request.now, pair=pair)
        members = members_of(session, pair)
        today = local_today(caller, request.now)
        backup = backup_start_for(pair, meeting, request.now)
        text, blocks = build_skip_offer(pair, meeting, caller, members, backup, reason, today)
        day = format_day(meeting.local_start(zone).date(), today)
        pair_id = pair.id
    answer = (
        f":no_entry_sign: Skipped: the meeting on {day}. I've offered your pair the backup "
        "slot or solo practice for it."
    )
    return _answer_once(
        request, answer, tell_pair_later(request.deps, pair_id, OutgoingMessage(text, blocks))
    )


def choose_backup(press: Press) -> Answer:
    """ "Meet at the backup slot": move that meeting to the backup day and time."""
    return _backup(press, change_buddys_choice=False)


def choose_backup_anyway(press: Press) -> Answer:
    """The backup slot after all, though the buddy chose otherwise: the pair is told."""
    return _backup(press, change_buddys_choice=True)


def _backup(press: Press, *, change_buddys_choice: bool) -> Answer:
    pair_id, original_date = pressed_meeting(press)
    with press.deps.session() as session:
        caller = press.caller(session)
        zone, today = zone_of(caller), local_today(caller, press.now)
        try:
            moved = meet_at_backup(
                session,
                caller,
                pair_id,
                original_date,
                zone,
                press.now,
                change_buddys_choice=change_buddys_choice,
            )
        except ChosenByBuddy as chosen:
            anyway = ("Meet at the backup slot anyway", SKIP_BACKUP_ANYWAY, press.value)
            return Answer(reply=_skip_choice_taken(chosen, original_date, zone, today, anyway))
        members = members_of(session, require_pair(session, caller))
        note = build_moved_note(moved.after, members, today)
    redraw_prep = _prep_redrawer(press.deps, pair_id, original_date)
    if moved.replaced is None:
        return Answer(reply=_offer_settled(note, change_buddys_choice), then=redraw_prep)
    day = format_day(original_date, today)
    told = build_skip_choice_changed(press.user_id, moved.replaced, day, note)
    return _changed(press, pair_id, told, redraw_prep)


def choose_solo(press: Press) -> Answer:
    """ "Solo practice this time": the meeting stays skipped, and is recorded as solo."""
    return _solo(press, change_buddys_choice=False)


def choose_solo_anyway(press: Press) -> Answer:
    """Solo practice after all, though the buddy chose otherwise: the pair is told."""
    return _solo(press, change_buddys_choice=True)


def _solo(press: Press, *, change_buddys_choice: bool) -> Answer:
    pair_id, original_date = pressed_meeting(press)
    with press.deps.session() as session:
        caller = press.caller(session)
        zone, today = zone_of(caller), local_today(caller, press.now)
        try:
            solo = practise_solo(
                session,
                caller,
                pair_id,
                original_date,
                press.now,
                change_buddys_choice=change_buddys_choice,
            )
        except ChosenByBuddy as chosen:
            anyway = ("Solo practice anyway", SKIP_SOLO_ANYWAY, press.value)
            return Answer(reply=_skip_choice_taken(chosen, original_date, zone, today, anyway))
        day = format_day(solo.meeting.local_start(zone).date(), today)
    if solo.replaced is not None:
        told = build_skip_choice_changed(
            press.user_id, solo.replaced, format_day(original_date, today), None
        )
        return _changed(press, pair_id, told, None)
    return Answer(reply=_offer_settled(build_solo_note(press.user_id, day), change_buddys_choice))


def _offer_settled(note: OutgoingMessage, change_buddys_choice: bool) -> Reply:
    """The offer is replaced by what was chosen: for the pair to see, or only for the presser
    when they changed their buddy's choice (the pair is told separately)."""
    return {
        "replace_original": True,
        "response_type": "ephemeral" if change_buddys_choice else "in_channel",
        "text": note.text,
        "blocks": note.blocks,
    }


def _skip_choice_taken(
    chosen: ChosenByBuddy,
    original_date: date,
    zone: str,
    today: date,
    anyway: tuple[str, str, str],
) -> Reply:
    """Only to the late presser: what the buddy chose, with a button to change it unless the
    press asked for the same."""
    day = format_day(original_date, today)
    change = None if chosen.same else anyway
    text, blocks = build_skip_choice_taken(chosen.choice, day, zone, today, change)
    return ephemeral(text, blocks)


def _changed(
    press: Press,
    pair_id: int,
    told: OutgoingMessage,
    also: Callable[[Outlet], None] | None,
) -> Answer:
    """A buddy's choice changed: the presser's offer is replaced, and the pair is told."""
    tell = tell_pair_later(press.deps, pair_id, told)

    def then(outlet: Outlet) -> Reply | None:
        result = tell(outlet)
        if also is not None:
            also(outlet)
        return result

    reply: Reply = {
        "replace_original": True,
        "response_type": "ephemeral",
        "text": ":white_check_mark: Changed. I've said so in your pair's conversation.",
    }
    return Answer(reply=reply, then=then)


# -- calendar ------------------------------------------------------------------------------------


def calendar(command: Command) -> Answer:
    """Build the .ics at once; send it to the caller's DM after the ack (files need a channel)."""
    with command.deps.session() as session:
        caller = command.caller(session)
        pair = require_pair(session, caller)
        _require_slot(pair, "there is no calendar to send")
        context = load_schedule_contexts(session, [pair])[pair.id]
        buddies = [buddy_name(m) for m in members_of(session, pair) if m.id != caller.id]
        ics = pair_calendar(
            pair, context.changes, context.breaks, context.cohort_timezone, buddies, command.now
        )
        caller_id = caller.id

    def send(outlet: Outlet) -> Reply:
        with command.deps.session() as session:
            participant = session.get(Participant, caller_id)
            assert participant is not None
            channel = outlet.person_conversation(session, participant)
        try:
            outlet.send_files(
                channel,
                [SentFile(CALENDAR_FILENAME, ics, "Buddy meetings")],
                ":calendar: Your buddy meetings, with every move and skip so far. Open the "
                "file to add them to your calendar; send `/buddy calendar` again after changes.",
            )
        except OutletError:
            logger.exception("Could not upload the calendar for %s", command.user_id)
            return ephemeral(
                problem_text(
                    "I couldn't send the calendar file just now. Please try again in a minute.",
                    "calendar",
                )
            )
        return ephemeral(":calendar: I've sent your calendar file to our direct messages.")

    return Answer(then=send)


# -- the buttons on the clock's nudges -----------------------------------------------------------


def _meeting_context(deps: Deps, pair_id: int, original_date: date) -> tuple[PairContext, Meeting]:
    # A moved meeting can sit a fortnight either side of the date the slot gave it.
    start = datetime.combine(original_date - timedelta(days=16), time(0), tzinfo=UTC)
    end = datetime.combine(original_date + timedelta(days=16), time(0), tzinfo=UTC)
    with deps.session() as session:
        context = load_pair_context(session, pair_id, start, end)
    meeting = context.meeting_on(original_date) if context else None
    if context is None or meeting is None:
        raise Refusal(
            "That meeting is no longer on the calendar, so there's nothing to prepare for."
        )
    return context, meeting


def _redrawer(
    deps: Deps, subject: str, kinds: tuple[str, ...], message: OutgoingMessage
) -> Callable[[Outlet], None]:
    """Slow work that updates in place the nudges Buddy sent about this meeting: the ones its
    own records name, never a message the payload points at."""
    with deps.session() as session:
        sent = sent_messages(session, subject, kinds)

    def update(outlet: Outlet) -> None:
        for channel, ts in sent:
            try:
                outlet.update(channel, ts, message)
            except OutletError:
                logger.exception("Could not update the nudge %s in %s", ts, channel)

    return update


def _redraw(press: Press, subject: str, kinds: tuple[str, ...], message: OutgoingMessage) -> Answer:
    return Answer(then=_redrawer(press.deps, subject, kinds, message))


def _prep_redrawer(deps: Deps, pair_id: int, original_date: date) -> Callable[[Outlet], None]:
    """After a move, the prep nudge the pair already has shows the meeting's new time."""
    try:
        context, meeting = _meeting_context(deps, pair_id, original_date)
    except Refusal:
        return lambda outlet: None
    subject = meeting_subject(pair_id, original_date)
    return _redrawer(deps, subject, PREP_KINDS, build_prep_message(context, meeting))


def prep_done(press: Press) -> Answer:
    """Record the click, then redraw the prep nudge with both buddies' states."""
    pair_id, original_date = pressed_meeting(press)
    with press.deps.session() as session:
        record_prep(session, pair_id, original_date, press.user_id, press.now)
    return _redraw_prep(press, pair_id, original_date)


def prep_undo(press: Press) -> Answer:
    """Undo on a member's "has completed" line: only that member's press unmarks it (anyone
    else is refused and nothing changes); then the prep nudge is redrawn."""
    target = meeting_choice_value(press.value)
    if target is None:
        raise out_of_date()
    pair_id, original_date, owner = target
    with press.deps.session() as session:
        undo_prep(session, pair_id, original_date, press.user_id, owner)
    return _redraw_prep(press, pair_id, original_date)


def _redraw_prep(press: Press, pair_id: int, original_date: date) -> Answer:
    context, meeting = _meeting_context(press.deps, pair_id, original_date)
    subject = meeting_subject(pair_id, original_date)
    return _redraw(press, subject, PREP_KINDS, build_prep_message(context, meeting))


def checkin_answer(press: Press) -> Answer:
    """Record "We met" / "We moved it" / "Solo practice", and show the answer on the message."""
    outcome = CHECKIN_OUTCOME_ACTIONS.get(press.action_id)
    if outcome is None:
        raise out_of_date()
    pair_id, original_date = pressed_meeting(press)
    return _answer_checkin(press, pair_id, original_date, outcome, change_buddys_answer=False)


def checkin_change(press: Press) -> Answer:
    """Change the buddy's check-in answer after all: the pair is told."""
    target = meeting_choice_value(press.value)
    if target is None or target[2] not in OUTCOME_WORDS:
        raise out_of_date()
    return _answer_checkin(press, target[0], target[1], target[2], change_buddys_answer=True)


def _answer_checkin(
    press: Press, pair_id: int, original_date: date, outcome: str, *, change_buddys_answer: bool
) -> Answer:
    try:
        context, meeting = _meeting_context(press.deps, pair_id, original_date)
        question = f"Your buddy meeting on {when_line(context, meeting.start)}"
        day = format_day(meeting.local_start().date(), press.today())
    except Refusal:
        question = "Your buddy meeting"
        day = format_day(original_date, press.today())
    with press.deps.session() as session:
        try:
            answered = record_outcome(
                session,
                pair_id,
                original_date,
                outcome,
                press.user_id,
                press.now,
                change_buddys_answer=change_buddys_answer,
            )
        except ChosenByBuddy as chosen:
            value = f"{pair_id}:{original_date.isoformat()}:{outcome}"
            change = (
                None
                if chosen.same
                else (f"Change it to {OUTCOME_WORDS[outcome]}", CHECKIN_CHANGE, value)
            )
            text, blocks = build_answer_taken(chosen.choice, day, change)
            return Answer(reply=ephemeral(text, blocks))
    value = f"{pair_id}:{original_date.isoformat()}"
    blocks = checkin_blocks(question, None, (press.user_id, outcome), value)
    shown = OutgoingMessage(f"{question}: thanks for letting me know.", blocks)
    redraw = _redrawer(press.deps, meeting_subject(pair_id, original_date), CHECKIN_KINDS, shown)
    if answered.replaced is None:
        return Answer(then=redraw)
    told = build_answer_changed(press.user_id, answered.replaced, outcome, day)
    return _changed(press, pair_id, told, redraw)


def checkin_undo(press: Press) -> Answer:
    """Undo on an answered check-in: only whoever answered may take it back (anyone else is
    refused and nothing changes). The check-in is asked again, in place, and the clock plans its
    follow-up again if it is still due."""
    pair_id, original_date = pressed_meeting(press)
    try:
        context, meeting = _meeting_context(press.deps, pair_id, original_date)
        asked = {
            kind: build_checkin_message(context, meeting, follow_up=kind != "checkin")
            for kind in CHECKIN_KINDS
        }
    except Refusal:
        question = "How did your buddy meeting go?"
        blocks = checkin_blocks(question, None, None, press.value)
        asked = {kind: OutgoingMessage(question, blocks) for kind in CHECKIN_KINDS}
    with press.deps.session() as session:
        undo_outcome(session, pair_id, original_date, press.user_id)
    subject = meeting_subject(pair_id, original_date)
    redraws = [_redrawer(press.deps, subject, (kind,), shown) for kind, shown in asked.items()]

    def redraw(outlet: Outlet) -> None:
        for each in redraws:
            each(outlet)

    return Answer(then=redraw)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="next",
        usage="/buddy next",
        summary="your next meetings",
        group=GROUP,
        handle=next_meetings,
        everyday=True,
    ),
    Subcommand(
        name="move",
        usage="/buddy move [3/12] to 5/12 [17:00]",
        summary="move the next meeting (or the one on a date); `/buddy move` alone opens a form",
        group=GROUP,
        handle=move,
        examples=("move to 5/12 17:00", "move 3/12 to 5/12"),
    ),
    Subcommand(
        name="skip",
        usage="/buddy skip [3/12] [reason]",
        summary=(
            "skip a meeting, offering your pair the backup slot or solo practice; "
            "`/buddy skip` alone opens a form"
        ),
        group=GROUP,
        handle=skip,
        examples=("skip", "skip 3/12 parents evening"),
    ),
    Subcommand(
        name="calendar",
        usage="/buddy calendar",
        summary="your meetings as a calendar file, by direct message",
        group=GROUP,
        handle=calendar,
    ),
]


HANDLERS = Handlers(
    buttons={
        MOVE_OPEN: open_move_form,
        SKIP_BACKUP: choose_backup,
        SKIP_SOLO: choose_solo,
        SKIP_BACKUP_ANYWAY: choose_backup_anyway,
        SKIP_SOLO_ANYWAY: choose_solo_anyway,
        CHECKIN_CHANGE: checkin_change,
        PREP_DONE_ACTION: prep_done,
        PREP_UNDO_ACTION: prep_undo,
        CHECKIN_UNDO_ACTION: checkin_undo,
        **dict.fromkeys(CHECKIN_OUTCOME_ACTIONS, checkin_answer),
    },
    submissions={MOVE_MODAL: save_move_form, SKIP_MODAL: save_skip_form},
)
