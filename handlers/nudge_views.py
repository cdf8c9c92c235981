"""Block Kit for the clock's meeting nudges and for the updates their buttons make."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.blocks import actions_block, button, context_block, section_block
from handlers.messages import OutgoingMessage
from models.actions import Action
from models.grammar import format_day, format_time
from models.grow_prompts import GROW_WILL
from models.meeting_context import PairContext
from models.occurrences import Meeting
from models.pairing import zone_of
from models.people import Participant

PREP_DONE_ACTION = "prep_done"
CHECKIN_OUTCOME_ACTIONS = {"checkin_met": "met", "checkin_moved": "moved", "checkin_solo": "solo"}
CHECKIN_ADD_ACTIONS = "checkin_add_actions"
OUTCOME_WORDS = {"met": "We met", "moved": "We moved it", "solo": "Solo practice this time"}
PHONES_ADVICE = "Phones can act as a barrier to sharing effective examples, videos and slides."
SAME_TIME_ADVICE = (
    "To form strong habits, we suggest that buddy pairs set recurring meetings at the same day "
    "and time."
)
MAX_ACTIONS_SHOWN = 5


def meeting_value(meeting: Meeting) -> str:
    """What a nudge's buttons carry: the pair and the meeting's identity."""
    return f"{meeting.pair_id}:{meeting.original_date.isoformat()}"


def when_line(context: PairContext, moment: datetime) -> str:
    """The moment in each member's own zone: one line when they share a zone."""
    by_zone: dict[str, list[Participant]] = {}
    for member in context.members:
        by_zone.setdefault(zone_of(member, context.slot_zone), []).append(member)
    if len(by_zone) <= 1:
        zone = next(iter(by_zone), context.slot_zone)
        return _local(moment, zone)
    parts = [
        f"{_local(moment, zone)} for " + " and ".join(f"<@{m.slack_user_id}>" for m in members)
        for zone, members in by_zone.items()
    ]
    return "; ".join(parts)


def _local(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date())} at {format_time(local.time())}"


def format_line(context: PairContext) -> str:
    pair = context.pair
    if pair.format_kind == "video":
        return f"By video: {pair.format_detail}" if pair.format_detail else "By video"
    if pair.format_kind == "in_person":
        return f"In person: {pair.format_detail}" if pair.format_detail else "In person"
    return (
        "You haven't agreed how you meet yet: `/buddy format in-person <place>` or "
        f"`/buddy format video <link>`. {PHONES_ADVICE}"
    )


def _actions_lines(context: PairContext) -> list[str]:
    lines: list[str] = []
    for member in context.members:
        actions: Sequence[Action] = context.open_actions.get(member.id, [])
        if not actions:
            continue
        shown = [f"  {a.number}. {a.text} (due {format_day(a.due_date)})" for a in actions]
        if len(shown) > MAX_ACTIONS_SHOWN:
            shown = [*shown[:MAX_ACTIONS_SHOWN], f"  …and {len(shown) - MAX_ACTIONS_SHOWN} more"]
        lines.append(f"<@{member.slack_user_id}>'s open actions:\n" + "\n".join(shown))
    return lines


def build_prep_message(context: PairContext, meeting: Meeting) -> OutgoingMessage:
    """Two days before: when and how, the module, its insight module, and who has prepared."""
    module = context.module_for(meeting)
    blocks: list[dict[str, Any]] = [
        section_block(
            f":spiral_calendar_pad: *Your buddy meeting: {when_line(context, meeting.start)}*\n"
            + format_line(context)
        )
    ]
    text = f"Your buddy meeting is on {when_line(context, meeting.start)}."
    if module is not None:
        blocks.append(
            section_block(
                f"*Application module {module.code}: {module.title}*\n"
                f"Complete insight module {module.insight_module} first, so you both come "
                "with a shared understanding of the content."
            )
        )
        blocks.append(context_block(_prep_status(context, meeting, module.insight_module)))
        blocks.append(
            actions_block(
                [
                    button(
                        f"I've completed {module.insight_module}",
                        PREP_DONE_ACTION,
                        meeting_value(meeting),
                        style="primary",
                    )
                ],
                block_id="prep",
            )
        )
        text += f" Complete insight module {module.insight_module} first."
    actions = _actions_lines(context)
    if actions:
        blocks.append(section_block("\n".join(actions)))
    return OutgoingMessage(text=text, blocks=blocks)


def _prep_status(context: PairContext, meeting: Meeting, insight: str) -> str:
    parts = []
    for member in context.members:
        done = context.is_prepared(meeting, member)
        mark = ":white_check_mark:" if done else ":hourglass_flowing_sand:"
        state = f"has completed {insight}" if done else "not yet"
        parts.append(f"{mark} <@{member.slack_user_id}> {state}")
    return "   ".join(parts)


def build_reminder_message(context: PairContext, meeting: Meeting) -> OutgoingMessage:
    """Fifteen minutes before, with the link or the place."""
    starts = when_line(context, meeting.start)
    text = f":alarm_clock: Your buddy meeting starts in 15 minutes ({starts}). " + format_line(
        context
    )
    return OutgoingMessage(text=text, blocks=[section_block(text)])


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
) -> list[dict[str, Any]]:
    """The check-in, before an answer (three buttons) or after it (who said what)."""
    value = meeting_value(meeting) if meeting is not None else value
    blocks: list[dict[str, Any]] = [section_block(question)]
    if answered is None:
        blocks.append(
            actions_block(
                [
                    button(OUTCOME_WORDS[outcome], action_id, value)
                    for action_id, outcome in CHECKIN_OUTCOME_ACTIONS.items()
                ],
                block_id="checkin",
            )
        )
    else:
        user_id, outcome = answered
        blocks.append(context_block(f":white_check_mark: <@{user_id}>: {OUTCOME_WORDS[outcome]}"))
        if outcome == "moved":
            blocks.append(context_block("Set the new date with `/buddy move to 5/12 17:00`."))
    blocks.append(
        section_block(
            f"*{GROW_WILL}*\nRecord the actions you agreed, so your buddy can hold you to them.",
            accessory=button("Add actions", CHECKIN_ADD_ACTIONS, value),
        )
    )
    return blocks


def build_slot_nudge_message(members: Sequence[Participant]) -> OutgoingMessage:
    names = " and ".join(f"<@{m.slack_user_id}>" for m in members)
    text = (
        f":wave: {names}: you haven't agreed your fortnightly slot yet. {SAME_TIME_ADVICE} "
        "When you have a day and time, one of you can run `/buddy slot thu 16:00`."
    )
    return OutgoingMessage(text=text, blocks=[section_block(text)])
