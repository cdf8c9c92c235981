"""How Buddy counts the people in a buddy pair, decided once for every message.

A buddy pair has two members or three (a trio), so a message that names "your buddy" or says
"you both" must read right for three as well: "Your buddies: @Dan and @Chloé", "so all three of
you come". `members` is always the whole pair, reader included; `buddies` the others.

Where a message can say the same thing for two and three alike ("you can hold each other to
them", "in your pair's conversation"), it does, and needs none of these.
"""

from __future__ import annotations

from collections.abc import Sequence

from conversation.markup import mentions

TRIO = 3


def pair_or_trio(members: int) -> str:
    """The group's name: `pair`, or `trio` for three (`your trio`, `a buddy trio`)."""
    return "trio" if members >= TRIO else "pair"


def buddy_or_buddies(buddies: int) -> str:
    """`buddy` for one, `buddies` for two (the others in a trio)."""
    return "buddy" if buddies <= 1 else "buddies"


def your_buddies_line(buddies: Sequence[str]) -> str:
    """The line naming the reader's buddies: `*Your buddy:* @Dan` or
    `*Your buddies:* @Dan and @Chloé`."""
    return f"*Your {buddy_or_buddies(len(buddies))}:* {mentions(buddies)}"


def you_all(members: int) -> str:
    """Everyone in the pair as one subject: `you both`, or `all three of you`."""
    return "all three of you" if members >= TRIO else "you both"


# Told to the two left in a trio, however the third left (unpair, leaving Slack, erasure).
CARRY_ON_AS_PAIR = (
    "You two carry on as a pair, with the same fortnightly slot, meetings and reminders."
)
