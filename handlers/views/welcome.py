"""The welcome DM: what Buddy does for this person, the three commands they will use most, and
where help is."""

from __future__ import annotations

from handlers.slack.blocks import context_block, section_block
from handlers.slack.replies import OutgoingMessage
from handlers.slack.text import command, escape

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


def build_welcome_message() -> OutgoingMessage:
    lines = "\n".join(f"`{escape(command(words))}`  {what}" for words, what in MOST_USED)
    return OutgoingMessage(
        text=WHAT_BUDDY_DOES,
        blocks=[
            section_block(WHAT_BUDDY_DOES),
            section_block("*The three commands you'll use most*\n" + lines),
            context_block(WHERE_HELP_IS),
        ],
    )
