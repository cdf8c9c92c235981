"""What a pause says: to the person pausing, to their buddies, and in `/buddy status`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from conversation.blocks import (
    Part,
    note,
    paragraph,
)
from conversation.markup import escape, mention
from conversation.moments import moment_for_all
from conversation.replies import OutgoingMessage
from handlers.views.buddies import buddy_or_buddies, pair_or_trio
from models.grammar import format_day
from models.guidance import SOLO_PRACTICE_NOTE
from models.pauses import Pause


def span_words(pause: Pause, today: date) -> str:
    return f"{format_day(pause.start_date, today)} to {format_day(pause.end_date, today)}"


def build_paused_answer(pause: Pause, buddies: Sequence[str], today: date) -> str:
    back = format_day(pause.end_date + timedelta(days=1), today)
    text = (
        f":palm_tree: Paused from {span_words(pause, today)}. Your nudges and chases wait until "
        f"{back}; your {pair_or_trio(len(buddies) + 1)}'s meetings in those days are not nudged."
    )
    if buddies:
        told = " and ".join(mention(b) for b in buddies)
        text += f" I've told {told}" + (
            ", with your reason." if pause.reason else ", without a reason."
        )
    return text + "\nBack sooner? `/buddy resume`"


def build_pause_notice(
    who: str,
    pause: Pause,
    meetings: Sequence[datetime],
    zone: str,
    today: date,
    members: int = 2,
) -> OutgoingMessage:
    """To one buddy: when, the reason only if one was given, and the meetings left to them (in
    a trio, the other two may still meet), each in the buddy's own time (Slack's token; the
    fallback in `zone`, the buddy's)."""
    text = f"{mention(who)} is pausing Buddy from {span_words(pause, today)}"
    text += f" ({escape(pause.reason)})." if pause.reason else "."
    lines = [f":palm_tree: {text}"]
    if meetings:
        days = ", ".join(moment_for_all(m, zone, today) for m in meetings)
        if pair_or_trio(members) == "trio":
            meet = f"At your meetings in that time ({days}) you two can meet without them, or "
        else:
            meet = f"Your meetings in that time ({days}) are yours for solo practice: "
        lines.append(
            f"{meet}work through the application module on your own.\n_{SOLO_PRACTICE_NOTE}_"
        )
    return OutgoingMessage(text=text, blocks=[paragraph("\n".join(lines))])


def build_resumed_answer(buddies: int) -> str:
    text = ":arrow_forward: Welcome back: your nudges and chases are on again."
    return text + (f" I've told your {buddy_or_buddies(buddies)}." if buddies else "")


def build_not_told(buddies: int) -> str:
    """Slack refused to take the news to the buddies: the person tells them instead."""
    return (
        f"I couldn't tell your {buddy_or_buddies(buddies)} just now, so please let them know "
        "yourself."
    )


def build_resume_notice(who: str) -> str:
    return f":arrow_forward: {mention(who)} is back: your buddy meetings and nudges are on again."


def build_pause_status(pause: Pause, today: date) -> list[Part]:
    if pause.start_date <= today:
        line = f":palm_tree: *Paused* until {format_day(pause.end_date, today)}"
    else:
        line = f":palm_tree: *Pause planned* from {span_words(pause, today)}"
    return [note(f"{line} · `/buddy resume` to end it")]
