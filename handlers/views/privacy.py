"""What export and erasure say: the confirmation (what goes, who is told), and the notices."""

from __future__ import annotations

from collections.abc import Sequence

from conversation.blocks import (
    Part,
    button,
    buttons,
    note,
    paragraph,
)
from conversation.markup import mention, mentions
from conversation.replies import OutgoingMessage
from handlers.views.buddies import CARRY_ON_AS_PAIR, pair_or_trio

FORGET_CONFIRM = "buddy_forget_confirm"
FORGET_CANCEL = "buddy_forget_cancel"
EXPORT_JSON = "buddy-data.json"
EXPORT_TEXT = "buddy-data.txt"

_ERASED_LIST = (
    "your profile (time zone, birthday, DM), your actions and their reviews, your problem drafts "
    "and the problem cards Buddy posted for you (deleted from their channels), your prep and "
    "community records, your pauses, and the record of the messages Buddy sent you. Where a "
    "shared record names you (a meeting you moved, a group you set up) your name and words are "
    "taken out. Buddy's messages in {platform} about you or quoting your words (in your DM, your "
    "pair's and your buddy's) are cleared. Only anonymous counts are kept."
)
# What stands in Slack where Buddy's message about an erased person was.
REMOVED = "This message was removed at the request of the person it named."


def erased_list(platform: str) -> str:
    """What an erasure takes, for people of `platform` (`models.base.platform_name`)."""
    return _ERASED_LIST.format(platform=platform)


def build_forget_confirm(
    target: str, own: bool, buddies: Sequence[str], value: str, platform: str
) -> list[Part]:
    whose = "your" if own else f"{mention(target)}'s"
    lines = [
        f":wastebasket: Erase {whose} data from Buddy? This can't be undone.",
        erased_list(platform),
    ]
    if own:
        lines[1] = "What goes: " + lines[1]
    else:
        lines[1] = "What goes: " + (
            lines[1]
            .replace("you moved", "they moved")
            .replace("you set up", "they set up")
            .replace("your ", "their ")
            .replace("you", "them")
        )
    if pair_or_trio(len(buddies) + 1) == "trio":
        lines.append(
            f"{mentions(buddies)} will be told their trio is now a pair (not why), with the same "
            "slot; the facilitators will be told too."
        )
    elif buddies:
        lines.append(
            f"{mentions(buddies)} will be told the buddy pair has ended (not why) and offered to "
            "pair again; the facilitators will be told too."
        )
    return [
        paragraph("\n".join(lines)),
        buttons(
            [
                button("Yes, erase it", FORGET_CONFIRM, value, style="danger"),
                button("No, keep it", FORGET_CANCEL, value),
            ],
            row_id="forget_confirm",
        ),
    ]


def build_removed_message() -> OutgoingMessage:
    """Drawn over each of Buddy's messages that named an erased person: no name, no words, no
    buttons left to press."""
    return OutgoingMessage(text=REMOVED, blocks=[note(f":wastebasket: _{REMOVED}_")])


def build_forgotten_answer(
    own: bool,
    target: str,
    cards: int,
    buddies: Sequence[str],
    cleared: int = 0,
    not_cleared: int = 0,
    platform: str = "Slack",
) -> str:
    text = (
        ":wastebasket: Done: Buddy has erased your data."
        if own
        else f":wastebasket: Done: Buddy has erased {mention(target)}'s data."
    )
    if cards:
        text += f" {cards} problem card{'s' if cards != 1 else ''} deleted."
    if cleared:
        text += f" {cleared} of Buddy's message{'s' if cleared != 1 else ''} cleared in {platform}."
    if not_cleared:
        text += (
            f" {platform} refused to clear {not_cleared} more (the reason is in Buddy's log, for "
            "whoever runs it)."
        )
    if buddies:
        text += f" I've let {mentions(buddies)} know."
    return text


def build_buddy_notice(pair_goes_on: bool) -> str:
    """To the erased person's buddies, without naming them: a trio's other two carry on."""
    if pair_goes_on:
        return f":wave: One of your trio has left Buddy. {CARRY_ON_AS_PAIR}"
    return (
        ":wave: Your buddy has left Buddy, so your buddy pair has ended and your fortnightly "
        "meetings have stopped. Your own actions and records are kept. When you're ready, pair "
        "with someone new: `/buddy pair @Sam`, or ask a facilitator to match you."
    )


def build_facilitator_notice(buddies: Sequence[str], pair_goes_on: bool) -> str:
    text = ":wastebasket: A participant's data was erased from Buddy at their request."
    if pair_goes_on:
        text += (
            f" Their trio is now a pair: {mentions(buddies)} carry on with the same slot, so "
            "nobody needs a new buddy."
        )
    elif buddies:
        text += f" {mentions(buddies)} no longer has a buddy and needs a new pair."
    return text


def build_export_comment() -> str:
    return (
        ":card_index_dividers: Everything Buddy holds about you: the JSON file has every record, "
        "the text file the same, to read. To erase it: `/buddy forget me`."
    )
