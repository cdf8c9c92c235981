"""The shape of what Buddy says: an answer to a command or button, or a message it posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conversation.blocks import Part
from conversation.markup import command, mention
from models.refusals import Refusal

# Buddy's answer, in words both front ends read: `text` (also the notification fallback),
# `blocks` (parts of `conversation.blocks`), `response_type` ("ephemeral": the caller alone sees it,
# "in_channel": everyone where it was asked), `replace_original` (it takes the place of the message
# whose button was pressed). Each front end draws it (`frontends/slack/blockkit.draw_reply`).
Reply = dict[str, Any]

SOMETHING_WENT_WRONG = (
    ":face_with_head_bandage: Sorry, something went wrong on Buddy's side and nothing was "
    "changed. Please try again in a minute."
)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message Buddy posts on its own initiative: fallback text plus its parts."""

    text: str
    blocks: list[Part] = field(default_factory=list)
    # A reply in the thread under this message (the community session record, under its close).
    thread_ts: str | None = None


def ephemeral(text: str, blocks: list[Part] | None = None) -> Reply:
    """An answer only the caller sees; `text` doubles as the notification fallback."""
    reply: Reply = {"response_type": "ephemeral", "text": text}
    if blocks:
        reply["blocks"] = blocks
    return reply


def problem_text(message: str, example: str | None = None) -> str:
    """A refusal that says what was wrong and, where there is one, the command that would work."""
    text = f":warning: {message}"
    if example:
        text += f"\nFor example: `{command(example)}`"
    return text


def refusal_text(refusal: Refusal) -> str:
    """A domain refusal in Slack's words: its people as mentions, its example as a command."""
    message = refusal.message
    if refusal.people:
        message = message.format(*(mention(p) for p in refusal.people))
    return problem_text(message, refusal.example)


def refused(refusal: Refusal) -> Reply:
    return ephemeral(refusal_text(refusal))


FIELD_ERROR_LIMIT = 2000


def field_error(refusal: Refusal) -> str:
    """A domain refusal under a modal's field: plain text, so no mentions and no emoji codes."""
    message = refusal.message
    if refusal.people:
        message = message.format(*("your buddy" for _ in refusal.people))
    return message[:FIELD_ERROR_LIMIT]
