"""The shape of an answer to a slash command or a button, and small helpers to build one."""

from __future__ import annotations

from typing import Any

Reply = dict[str, Any]


def ephemeral(text: str, blocks: list[dict[str, Any]] | None = None) -> Reply:
    """An answer only the caller sees; `text` doubles as the notification fallback."""
    reply: Reply = {"response_type": "ephemeral", "text": text}
    if blocks:
        reply["blocks"] = blocks
    return reply


def problem_reply(message: str, example: str | None = None) -> Reply:
    """A refusal that says what was wrong and shows a correct example."""
    text = f":warning: {message}"
    if example:
        text += f"\nFor example: `{example}`"
    return ephemeral(text)


SOMETHING_WENT_WRONG = (
    ":face_with_head_bandage: Sorry, something went wrong on Buddy's side and nothing was "
    "changed. Please try again in a minute."
)
