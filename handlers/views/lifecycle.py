"""What Buddy says when Slack reports a leaver."""

from __future__ import annotations

from handlers.slack.text import mention, mentions


def build_leaver_buddy_notice(leaver: str) -> str:
    return (
        f":wave: {mention(leaver)} has left this Slack workspace, so your buddy pair has ended and "
        "your fortnightly meetings have stopped. Your own actions are kept. When you're ready, "
        "pair with someone new: `/buddy pair @Sam`, or ask a facilitator to match you."
    )


def build_leaver_facilitator_notice(leaver: str, buddies: list[str]) -> str:
    text = (
        f":wave: {mention(leaver)} has left this Slack workspace; Buddy has stopped nudging them."
    )
    if buddies:
        text += f" {mentions(buddies)} now needs a new buddy pair (`/buddy match`)."
    return text
