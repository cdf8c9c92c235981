"""What Buddy says when Slack reports a leaver: a pair of two ends, a trio carries on as a pair."""

from __future__ import annotations

from handlers.slack.text import mention, mentions
from handlers.views.buddies import CARRY_ON_AS_PAIR


def build_leaver_buddy_notice(leaver: str, pair_goes_on: bool) -> str:
    """To each buddy the leaver leaves behind: for a trio, the two of them still have a pair."""
    if pair_goes_on:
        return (
            f":wave: {mention(leaver)} has left this Slack workspace, and so has left your trio. "
            + CARRY_ON_AS_PAIR
        )
    return (
        f":wave: {mention(leaver)} has left this Slack workspace, so your buddy pair has ended and "
        "your fortnightly meetings have stopped. Your own actions are kept. When you're ready, "
        "pair with someone new: `/buddy pair @Sam`, or ask a facilitator to match you."
    )


def build_leaver_facilitator_notice(leaver: str, buddies: list[str], pair_goes_on: bool) -> str:
    text = (
        f":wave: {mention(leaver)} has left this Slack workspace; Buddy has stopped nudging them."
    )
    if pair_goes_on:
        text += (
            f" Their trio is now a pair: {mentions(buddies)} carry on with the same slot, so "
            "nobody needs a new buddy."
        )
    elif buddies:
        text += f" {mentions(buddies)} now needs a new buddy pair (`/buddy match`)."
    return text
