"""What Buddy says when the platform reports a leaver: a pair of two ends, a trio carries on as a
pair."""

from __future__ import annotations

from collections.abc import Sequence

from conversation.markup import mention, mentions
from handlers.views.buddies import CARRY_ON_AS_PAIR


def build_leaver_buddy_notice(leaver: str, pair_goes_on: bool, where: str) -> str:
    """To each buddy the leaver leaves behind: for a trio, the two of them still have a pair."""
    if pair_goes_on:
        return (
            f":wave: {mention(leaver)} has left {where}, and so has left your trio. "
            + CARRY_ON_AS_PAIR
        )
    return (
        f":wave: {mention(leaver)} has left {where}, so your buddy pair has ended and "
        "your fortnightly meetings have stopped. Your own actions are kept. When you're ready, "
        "pair with someone new: `/buddy pair @Sam`, or ask a facilitator to match you."
    )


def build_leaver_facilitator_notice(
    leaver: str,
    buddies: list[str],
    pair_goes_on: bool,
    where: str,
    small_groups: Sequence[str] = (),
) -> str:
    """`where`: `models.base.workspace_words`. `small_groups`: the channels of community groups
    the leaver left with fewer than three."""
    text = f":wave: {mention(leaver)} has left {where}; Buddy has stopped nudging them."
    if pair_goes_on:
        text += (
            f" Their trio is now a pair: {mentions(buddies)} carry on with the same slot, so "
            "nobody needs a new buddy."
        )
    elif buddies:
        text += f" {mentions(buddies)} now needs a new buddy pair (`/buddy match`)."
    for channel in small_groups:
        text += (
            f" Their community group in <#{channel}> has fewer than three members now, too few "
            "for the protocol: it needs more colleagues to meet."
        )
    return text


def build_leaver_group_notice(
    leaver: str, remaining: list[str], too_small: bool, where: str
) -> str:
    """To a community group's channel: the leaver has no more turns and won't chair; a group
    left with fewer than three is told how to carry on rather than finding its session silent."""
    text = f":wave: {mention(leaver)} has left {where}, and so has left this community group."
    if too_small:
        return text + (
            f" That leaves {mentions(remaining)}, and the protocol needs 3 to 6, so Buddy posts "
            "no sessions until the group is named again with more colleagues: "
            "`/buddy community group @Sam @Alex @Kim`."
        )
    return text + (
        f" Sessions go on with the {len(remaining)} of you ({mentions(remaining)}), on the "
        f"timetable for {len(remaining)}, and the chair rotates among you."
    )
