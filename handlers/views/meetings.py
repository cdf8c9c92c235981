"""Block Kit for meetings: `/buddy next`, the skip offer, the clock's nudges and their updates.

Times are shown in the reader's own zone; a message several buddies read shows each their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from conversation.blocks import (
    Form,
    Menu,
    Part,
    button,
    buttons,
    date_input,
    field_of,
    form,
    menu,
    note,
    paragraph,
    text_input,
    time_input,
)
from conversation.markup import escape, mention
from conversation.moments import clock_for_all, day_for_all, friendly_zone, moment_for_all
from conversation.replies import OutgoingMessage
from handlers.views.buddies import you_all
from models.actions import Action
from models.grammar import VIDEO, format_day, format_time
from models.grow import GROW_WILL
from models.guidance import FORMAT_ADVICE, HABIT_NOTE, SOLO_PRACTICE_NOTE
from models.meetings.changes import SOLO_CHOICE
from models.meetings.context import PairContext
from models.meetings.records import Choice
from models.meetings.schedule import Meeting
from models.pairs import Pair
from models.people import Participant

PREP_DONE_ACTION = "prep_done"
# Undo on a member's "has completed" line: its value names that member, and only they may press it.
PREP_UNDO_ACTION = "prep_undo"
CHECKIN_UNDO_ACTION = "checkin_undo"
CHECKIN_OUTCOME_ACTIONS = {"checkin_met": "met", "checkin_moved": "moved", "checkin_solo": "solo"}
CHECKIN_ADD_ACTIONS = "checkin_add_actions"
OUTCOME_WORDS = {"met": "We met", "moved": "We moved it", "solo": "Solo practice this time"}
SKIP_BACKUP = "buddy_skip_backup"
SKIP_SOLO = "buddy_skip_solo"
# On the answer to a late press: change the buddy's choice after all.
SKIP_BACKUP_ANYWAY = "buddy_skip_backup_anyway"
SKIP_SOLO_ANYWAY = "buddy_skip_solo_anyway"
CHECKIN_CHANGE = "checkin_change"
MOVE_OPEN = "buddy_move_open"  # "We moved it" on the check-in: the move form
SLOT_OPEN = "buddy_slot_open"  # opens the slot form (handlers/pairs.py)
MAX_ACTIONS_SHOWN = 5


def meeting_value(meeting: Meeting) -> str:
    """What a nudge's buttons carry: the pair and the meeting's identity."""
    return f"{meeting.pair_id}:{meeting.original_date.isoformat()}"


def when_line(context: PairContext, moment: datetime) -> str:
    """The moment as each member sees it in their own zone (Slack's date token), with the slot's
    zone, named, as the plain fallback."""
    return moment_for_all(moment, context.slot_zone)


def insight_name(insight_module: str) -> str:
    """`insight module B1`; a name that already says so (`Insight module B1: ...`) as it is."""
    named = escape(insight_module)
    return (
        named if insight_module.lower().startswith("insight module") else f"insight module {named}"
    )


def format_description(pair: Pair) -> str:
    if pair.format_kind is None:
        return "not agreed yet"
    if pair.format_kind == VIDEO:
        return f"by video: {escape(pair.format_detail or '')}"
    return "in person" + (f": {escape(pair.format_detail)}" if pair.format_detail else "")


def format_line(context: PairContext) -> str:
    if context.pair.format_kind is None:
        return (
            "You haven't agreed how you meet yet: `/buddy format in-person <place>` or "
            f"`/buddy format video <link>`. {FORMAT_ADVICE}"
        )
    return f"How: {format_description(context.pair)}"


def _actions_lines(context: PairContext) -> list[str]:
    lines: list[str] = []
    for member in context.members:
        actions: Sequence[Action] = context.open_actions.get(member.id, [])
        if not actions:
            continue
        shown = [f"  {a.number}. {escape(a.text)} (due {format_day(a.due_date)})" for a in actions]
        if len(shown) > MAX_ACTIONS_SHOWN:
            shown = [*shown[:MAX_ACTIONS_SHOWN], f"  …and {len(shown) - MAX_ACTIONS_SHOWN} more"]
        lines.append(f"{mention(member.user_id)}'s open actions:\n" + "\n".join(shown))
    return lines


def build_prep_message(context: PairContext, meeting: Meeting) -> OutgoingMessage:
    """Two days before: when and how, the module, its insight module, and who has prepared."""
    module = context.module_for(meeting)
    blocks: list[Part] = [
        paragraph(
            f":spiral_calendar_pad: *Your buddy meeting: {when_line(context, meeting.start)}*\n"
            + format_line(context)
        )
    ]
    text = f"Your buddy meeting is on {when_line(context, meeting.start)}."
    if module is not None:
        blocks.append(
            paragraph(
                f"*Application module {escape(module.code)}: {escape(module.title)}*\n"
                f"Complete {insight_name(module.insight_module)} first, so "
                f"{you_all(len(context.members))} come with a shared understanding of the content."
            )
        )
        blocks.extend(_prep_status(context, meeting, escape(module.insight_module)))
        blocks.append(
            buttons(
                [
                    button(
                        f"I've completed {module.insight_module}",
                        PREP_DONE_ACTION,
                        meeting_value(meeting),
                        style="primary",
                    )
                ],
                row_id="prep",
            )
        )
        text += f" Complete {insight_name(module.insight_module)} first."
    actions = _actions_lines(context)
    if actions:
        blocks.append(paragraph("\n".join(actions)))
    return OutgoingMessage(text=text, blocks=blocks)


def _prep_status(context: PairContext, meeting: Meeting, insight: str) -> list[Part]:
    """A line with an Undo button for each member who has completed it (the button names them,
    so only their own press undoes it), then who has not yet."""
    blocks: list[Part] = []
    waiting = []
    for member in context.members:
        user_id = member.user_id
        if context.is_prepared(meeting, member):
            undo = button("Undo", PREP_UNDO_ACTION, f"{meeting_value(meeting)}:{user_id}")
            blocks.append(
                paragraph(f":white_check_mark: {mention(user_id)} has completed {insight}", undo)
            )
        else:
            waiting.append(f":hourglass_flowing_sand: {mention(user_id)} not yet")
    if waiting:
        blocks.append(note("   ".join(waiting)))
    return blocks


def build_reminder_message(
    context: PairContext, meeting: Meeting, *, with_prep: bool = False
) -> OutgoingMessage:
    """Fifteen minutes before, with the link or the place; `with_prep` when no prep nudge went
    for this meeting (it could only have gone with this reminder): then its module line too."""
    starts = when_line(context, meeting.start)
    text = f":alarm_clock: Your buddy meeting starts in 15 minutes ({starts}). " + format_line(
        context
    )
    blocks = [paragraph(text)]
    module = context.module_for(meeting) if with_prep else None
    if module is not None:
        prep = (
            f"Application module {escape(module.code)}: {escape(module.title)}. If you haven't "
            f"yet, look over {insight_name(module.insight_module)} before you start."
        )
        blocks.append(paragraph(f":books: {prep}"))
        text += f" {prep}"
    return OutgoingMessage(text=text, blocks=blocks)


def build_checkin_message(
    context: PairContext, meeting: Meeting, *, follow_up: bool = False
) -> OutgoingMessage:
    """After the meeting: did it happen? Then GROW's Will: what steps will you take?"""
    day = when_line(context, meeting.start)
    question = (
        f"Just checking in again: did your buddy meeting on {day} happen?"
        if follow_up
        else f"How did your buddy meeting on {day} go?"
    )
    return OutgoingMessage(text=question, blocks=checkin_blocks(question, meeting, None))


def checkin_blocks(
    question: str, meeting: Meeting | None, answered: tuple[str, str] | None, value: str = ""
) -> list[Part]:
    """The check-in, before an answer (three buttons) or after it (who said what, with Undo for
    them)."""
    value = meeting_value(meeting) if meeting is not None else value
    blocks: list[Part] = [paragraph(question)]
    if answered is None:
        blocks.append(
            buttons(
                [
                    button(OUTCOME_WORDS[outcome], action_id, value)
                    for action_id, outcome in CHECKIN_OUTCOME_ACTIONS.items()
                ],
                row_id="checkin",
            )
        )
    else:
        user_id, outcome = answered
        blocks.append(
            paragraph(
                f":white_check_mark: {mention(user_id)}: {OUTCOME_WORDS[outcome]}",
                accessory=button("Undo", CHECKIN_UNDO_ACTION, value),
            )
        )
        if outcome == "moved":
            blocks.append(
                paragraph(
                    "When is it now? Set the new date so the reminders follow it.",
                    accessory=button("Set the new date", MOVE_OPEN, opens_form=True),
                )
            )
    blocks.append(
        paragraph(
            f"*{GROW_WILL}*\nRecord the actions you agreed, so you can hold each other to them.",
            accessory=button("Add actions", CHECKIN_ADD_ACTIONS, value, opens_form=True),
        )
    )
    return blocks


def build_slot_nudge_message(members: Sequence[Participant]) -> OutgoingMessage:
    names = " and ".join(f"<@{m.user_id}>" for m in members)
    text = (
        f":wave: {names}: you haven't agreed your fortnightly slot yet. {HABIT_NOTE} "
        "When you have a day and time, one of you can set it here, or run "
        "`/buddy slot thu 16:00`."
    )
    return OutgoingMessage(
        text=text,
        blocks=[
            paragraph(text),
            buttons(
                [button("Set our slot", SLOT_OPEN, style="primary", opens_form=True)],
                row_id="slot_nudge",
            ),
        ],
    )


def when(start: datetime, zone: str, today: date | None = None) -> str:
    """`Thu 3 Dec at 16:00`, in `zone`."""
    local = start.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date(), today)} at {format_time(local.time())}"


def when_for_all(start: datetime, slot_zone: str, today: date | None = None) -> str:
    """A moment the whole pair reads: each sees their own time; the fallback is the slot's."""
    return moment_for_all(start, slot_zone, today)


def build_moved_note(
    meeting: Meeting, members: Sequence[Participant], today: date | None = None
) -> OutgoingMessage:
    """Told to the pair after a move or the backup choice: one line, since the prep nudge they
    already have still stands (`Moved to Fri 13 Nov, 5pm. Prep as before.`)."""

    text = f"Moved to {clock_for_all(meeting.start, meeting.timezone, today)}"
    text += ". Prep as before."
    return OutgoingMessage(text=text, blocks=[paragraph(f":arrow_right: {text}")])


def meeting_heading(meeting: Meeting, zone: str, today: date) -> str:
    if meeting.dropped_by is not None:
        day = format_day(meeting.start.astimezone(ZoneInfo(zone)).date(), today)
        return f"{day}: no meeting ({escape(meeting.dropped_by)})"
    text = f"*{when(meeting.start, zone, today)}*"
    if meeting.skipped:
        return f"~{when(meeting.start, zone, today)}~ skipped" + (
            " (solo practice)" if meeting.solo else ""
        )
    if meeting.moved:
        text += f" (moved from {format_day(meeting.original_date, today)})"
    return text


def build_next_blocks(
    context: PairContext, meetings: Sequence[Meeting], zone: str, today: date
) -> list[Part]:
    """`/buddy next`: each meeting with how the pair meets, its module and both buddies' prep;
    everyone's open actions under the first; one dropped by a break says so."""
    if not meetings:
        return [paragraph("No meetings coming up.")]
    blocks = [paragraph("*Your next meetings*")]
    first_ahead = next((m for m in meetings if not m.skipped and not m.dropped), None)
    for meeting in meetings:
        lines = [meeting_heading(meeting, zone, today)]
        if not meeting.skipped and not meeting.dropped:
            if context.pair.format_kind is not None:
                lines.append(f"How: {format_description(context.pair)}")
            lines.extend(_module_lines(context, meeting))
        if meeting is first_ahead:
            lines.extend(_open_action_lines(context, today))
        blocks.append(paragraph("\n".join(lines)))
    blocks.append(
        note(f"Times shown in {friendly_zone(zone)}. Change one: `/buddy move to 5/12 17:00`")
    )
    return blocks


def build_skip_offer(
    pair: Pair,
    meeting: Meeting,
    skipped_by: Participant,
    members: Sequence[Participant],
    backup_start: datetime | None,
    reason: str | None,
    today: date,
) -> tuple[str, list[Part]]:
    """Told to the pair after a skip: meet at the backup slot instead, or practise solo."""
    day = day_for_all(meeting.start, meeting.timezone, today)
    text = f"{mention(skipped_by.user_id)} can't make the meeting on {day}"
    text += f" ({escape(reason)})." if reason else "."
    value = f"{pair.id}:{meeting.original_date.isoformat()}"
    offered = []
    if backup_start is not None:
        text += f"\nYour backup slot is {when_for_all(backup_start, meeting.timezone, today)}."
        offered.append(button("Meet at the backup slot", SKIP_BACKUP, value, style="primary"))
    else:
        text += "\nYou have no backup slot free before the next meeting (`/buddy backup fri 8am`)."
    offered.append(button("Solo practice this time", SKIP_SOLO, value))
    blocks = [
        paragraph(text),
        note(SOLO_PRACTICE_NOTE),
        buttons(offered, row_id="skip_offer"),
    ]
    return text, blocks


def _skip_choice_words(choice: Choice, zone: str, today: date) -> str:
    if choice.kind == SOLO_CHOICE or choice.moved_to is None:
        return "solo practice"
    return f"to meet on {when(choice.moved_to, zone, today)}"


def _change_anyway(label: str, action_id: str, value: str) -> list[Part]:
    return [
        note("Change it anyway? I'll say so in your pair's conversation."),
        buttons([button(label, action_id, value)], row_id="change_anyway"),
    ]


def build_skip_choice_taken(
    choice: Choice, day: str, zone: str, today: date, change: tuple[str, str, str] | None
) -> tuple[str, list[Part]]:
    """To a buddy pressing an older skip offer: what the other buddy chose, and (`change`: label,
    action id, value) a button to change it anyway."""
    words = _skip_choice_words(choice, zone, today)
    text = f"{mention(choice.by)} already chose {words}" + (
        f" for {day}." if choice.kind == SOLO_CHOICE else "."
    )
    blocks = [paragraph(text)]
    if change is not None:
        blocks.extend(_change_anyway(*change))
    return text, blocks


def build_skip_choice_changed(
    by: str, replaced: Choice, day: str, now_chosen: OutgoingMessage | None
) -> OutgoingMessage:
    """Told to the pair when one buddy changes the other's choice: the backup slot's one line
    (`now_chosen`), or solo practice."""
    text = f"{mention(by)} changed {mention(replaced.by)}'s choice for {day}"
    if now_chosen is not None:
        text += f". {now_chosen.text}"
    else:
        text += (
            ": solo practice, so you won't meet this time. Each of you works through the "
            "application module on your own."
        )
    return OutgoingMessage(text=text, blocks=[paragraph(f":repeat: {text}")])


def build_answer_taken(
    answer: Choice, day: str, change: tuple[str, str, str] | None
) -> tuple[str, list[Part]]:
    """To a buddy pressing an older check-in: the buddy's answer, and a button to change it."""
    text = (
        f"{mention(answer.by)} already answered the check-in for {day}: "
        f"{OUTCOME_WORDS[answer.kind]}."
    )
    blocks = [paragraph(text)]
    if change is not None:
        blocks.extend(_change_anyway(*change))
    return text, blocks


def build_answer_changed(by: str, replaced: Choice, outcome: str, day: str) -> OutgoingMessage:
    """Told to the pair when one buddy changes the other's check-in answer."""
    text = (
        f"{mention(by)} changed the check-in answer for {day} from "
        f"{OUTCOME_WORDS[replaced.kind]} ({mention(replaced.by)}) to {OUTCOME_WORDS[outcome]}."
    )
    return OutgoingMessage(text=text, blocks=[paragraph(f":repeat: {text}")])


def _module_lines(context: PairContext, meeting: Meeting) -> list[str]:
    module = context.module_for(meeting)
    if module is None:
        return []
    prep = ", ".join(
        mention(m.user_id)
        + (" has completed it" if context.is_prepared(meeting, m) else " not yet")
        for m in context.members
    )
    return [
        f"Module {escape(module.code)}: {escape(module.title)}",
        f"Complete {insight_name(module.insight_module)} first: {prep}",
    ]


def _open_action_lines(context: PairContext, today: date) -> list[str]:
    lines = []
    for member in context.members:
        for action in context.open_actions.get(member.id, []):
            lines.append(
                f"Action {action.number} ({mention(member.user_id)}): {escape(action.text)}, "
                f"due {format_day(action.due_date, today)}"
            )
    return lines


# -- the move and skip forms ---------------------------------------------------------------------

MOVE_MODAL = "buddy_move_modal"
SKIP_MODAL = "buddy_skip_modal"
WHICH_MEETING = "which_meeting"
MOVE_TO_DATE = "move_to_date"
MOVE_TO_TIME = "move_to_time"
SKIP_REASON = "skip_reason"


def _meeting_options(meetings: Sequence[Meeting], zone: str, today: date) -> Menu:
    """The next meetings, in the reader's own zone (a menu's plain text cannot hold a token)."""
    options = [
        (f"{when(m.start, zone, today)} {friendly_zone(zone)}", m.original_date.isoformat())
        for m in meetings
    ]
    first = options[0][1] if options else None
    return menu(WHICH_MEETING, options, first)


def build_move_modal(meetings: Sequence[Meeting], zone: str, today: date) -> Form:
    """Which meeting, the new date (a date picker), and a new time if it changes."""
    suggested = meetings[0].local_start(zone).date() if meetings else None
    return form(
        MOVE_MODAL,
        "Move a meeting",
        [
            field_of(WHICH_MEETING, "Which meeting", _meeting_options(meetings, zone, today)),
            field_of(MOVE_TO_DATE, "New date", date_input(suggested)),
            field_of(
                MOVE_TO_TIME,
                f"New time ({friendly_zone(zone)}); leave empty to keep the usual time",
                time_input(None),
                optional=True,
            ),
        ],
        submit="Move it",
        close="Cancel",
    )


def build_skip_modal(meetings: Sequence[Meeting], zone: str, today: date) -> Form:
    """Which meeting, and why (optional): your pair is then offered the backup or solo practice."""
    return form(
        SKIP_MODAL,
        "Skip a meeting",
        [
            field_of(WHICH_MEETING, "Which meeting", _meeting_options(meetings, zone, today)),
            field_of(
                SKIP_REASON,
                "Why (shared with your pair)",
                text_input(max_length=200),
                optional=True,
            ),
            note("Your pair is offered the backup slot or solo practice instead."),
        ],
        submit="Skip it",
        close="Cancel",
    )


def build_solo_note(user_id: str, day: str) -> OutgoingMessage:
    """The skip offer, once solo practice was chosen."""
    text = (
        f":memo: {mention(user_id)} chose solo practice for {day}: each of you works "
        "through the application module on your own this time."
    )
    return OutgoingMessage(text, [paragraph(text)])
