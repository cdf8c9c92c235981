"""Small Block Kit builders shared by every view, each keeping within Slack's limits."""

from __future__ import annotations

from datetime import date
from typing import Any

SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
CONTEXT_TEXT_LIMIT = 3000


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters, marking the cut, so Slack never rejects a long answer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def header_block(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, HEADER_TEXT_LIMIT)}


def section_block(text: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context_block(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text, CONTEXT_TEXT_LIMIT)]}


def divider_block() -> dict[str, Any]:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_LIMIT),
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style in ("primary", "danger"):
        element["style"] = style
    return element


def actions_block(elements: list[dict[str, Any]], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


MODAL_TITLE_LIMIT = 24


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict[str, Any]],
    *,
    submit: str | None = None,
    close: str = "Close",
    metadata: str = "",
    notify_on_close: bool = False,
) -> dict[str, Any]:
    """A modal view; title, submit and close are cut to Slack's 24 characters."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain(close, MODAL_TITLE_LIMIT),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_LIMIT)
    if metadata:
        view["private_metadata"] = metadata
    if notify_on_close:
        view["notify_on_close"] = True
    return view


def datepicker(action_id: str, initial: date | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": action_id}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element
