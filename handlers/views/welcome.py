"""The welcome DM: what Buddy does for this person, the three commands they will use most, and
where help is. Someone an import paired also reads who their buddies are and the buddy's four
roles (no pair message told them); a facilitator not in a pair reads what they can do instead."""

from __future__ import annotations

from conversation.blocks import (
    Part,
    note,
    paragraph,
)
from conversation.markup import command, escape, mentions
from conversation.replies import OutgoingMessage
from handlers.views.pairs import slot_description
from models.guidance import BUDDY_ROLES, HABIT_NOTE
from models.welcome import Greeting

WHAT_BUDDY_DOES = (
    ":wave: Hello, I'm Buddy. I keep your buddy pair (or trio) meeting every fortnight: I remind "
    "you before each meeting, ask afterwards how it went, and follow up the actions you set "
    "yourself. I only nudge in working hours, in your own time."
)
MOST_USED = (
    ("slot thu 16:00", "agree your pair's fortnightly meeting time"),
    ("next", "your next meetings and what to prepare"),
    ("action Try retrieval starters with 9X by 3/12", "record an action; I'll follow it up"),
)
WHERE_HELP_IS = "`/buddy help` shows the rest, and `/buddy help slot` explains one command."

FACILITATOR_WELCOME = (
    ":wave: Hello, I'm Buddy. You're a facilitator here: I keep your cohort's buddy pairs "
    "meeting every fortnight, and show you how they are doing."
)
FACILITATOR_CAN = (
    ("cohort setup Spring 2026", "in your cohort's channel: set up its cohort"),
    ("import pairs", "import pairs from a CSV file, welcomed now or on a day you choose"),
    ("match @a @b", "pair two people (or three) yourself"),
    ("report", "your cohort's figures, with a CSV and a chart"),
)
FACILITATOR_HOME = (
    "Open Buddy's *Home* tab (click Buddy in the sidebar) to see your cohort at a glance, with "
    "Nudge buttons. Each Monday morning I send you a digest (`/buddy digest off` stops it)."
)
FACILITATOR_HELP = "`/buddy help` shows every command, and `/buddy help import` explains one."


def build_welcome_message(greeting: Greeting | None = None) -> OutgoingMessage:
    """The welcome `greeting` calls for (the participant's when there is none)."""
    if greeting is not None and greeting.facilitator:
        return _facilitator_welcome()
    if greeting is not None and greeting.buddies:
        return _imported_welcome(greeting)
    return OutgoingMessage(
        text=WHAT_BUDDY_DOES,
        blocks=[paragraph(WHAT_BUDDY_DOES), _most_used(), note(WHERE_HELP_IS)],
    )


def _most_used() -> Part:
    lines = "\n".join(f"`{escape(command(words))}`  {what}" for words, what in MOST_USED)
    return paragraph("*The three commands you'll use most*\n" + lines)


def _imported_welcome(greeting: Greeting) -> OutgoingMessage:
    """For someone an import paired: who with, the buddy's four roles, and the slot or how to
    agree one. Read by one member, so "you" is always the reader."""
    kind = "trio" if len(greeting.buddies) >= 2 else "buddy pair"
    names = mentions(greeting.buddies)
    intro = f":wave: Hello, I'm Buddy. Your facilitator has put you in a {kind} with {names}."
    pair = greeting.pair
    if pair is not None and pair.slot_weekday is not None:
        slot = (
            f"*Your fortnightly slot:* {slot_description(pair, greeting.zone)}. "
            "`/buddy next` shows your next meeting and what to prepare."
        )
    else:
        slot = (
            f"*Next:* agree a fortnightly slot with {names}. {HABIT_NOTE}\nFor example: "
            "`/buddy slot thu 16:00`."
        )
    return OutgoingMessage(
        text=intro,
        blocks=[
            paragraph(
                f"{intro} I keep your {kind} meeting every fortnight: I remind you before each "
                "meeting, ask afterwards how it went, and follow up the actions you set "
                "yourself. I only nudge in working hours, in your own time."
            ),
            paragraph("*The role of the buddy pair is to:*\n" + BUDDY_ROLES),
            paragraph(slot),
            _most_used(),
            note(WHERE_HELP_IS),
        ],
    )


def _facilitator_welcome() -> OutgoingMessage:
    lines = "\n".join(f"`{escape(command(words))}`  {what}" for words, what in FACILITATOR_CAN)
    return OutgoingMessage(
        text=FACILITATOR_WELCOME,
        blocks=[
            paragraph(FACILITATOR_WELCOME),
            paragraph("*What you can do*\n" + lines),
            paragraph(FACILITATOR_HOME),
            note(FACILITATOR_HELP),
        ],
    )
