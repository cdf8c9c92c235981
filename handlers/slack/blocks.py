"""Small Block Kit builders shared by every view, each keeping within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
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


def timepicker(action_id: str, initial: time | None) -> dict[str, Any]:
    """Block Kit's time picker (`HH:mm`, 24-hour)."""
    element: dict[str, Any] = {"type": "timepicker", "action_id": action_id}
    if initial is not None:
        element["initial_time"] = f"{initial.hour:02d}:{initial.minute:02d}"
    return element


OPTION_TEXT_LIMIT = 75
OPTIONS_LIMIT = 100


def static_select(
    action_id: str, options: Sequence[tuple[str, str]], initial: str | None = None
) -> dict[str, Any]:
    """A menu of (label, value) options, at most Slack's 100; `initial` is a value."""
    shown = [
        {"text": plain(label, OPTION_TEXT_LIMIT), "value": value}
        for label, value in options[:OPTIONS_LIMIT]
    ]
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": shown}
    chosen = next((o for o in shown if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


OPTION_GROUP_LABEL_LIMIT = 75


def grouped_select(
    action_id: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    initial: str | None = None,
) -> dict[str, Any]:
    """A menu of options under headings: (heading, ((label, value), ...)); `initial` is a value.
    Slack allows 100 groups of 100 options each."""
    shown: list[dict[str, Any]] = [
        {
            "label": plain(heading, OPTION_GROUP_LABEL_LIMIT),
            "options": [
                {"text": plain(label, OPTION_TEXT_LIMIT), "value": value}
                for label, value in options[:OPTIONS_LIMIT]
            ],
        }
        for heading, options in groups[:OPTIONS_LIMIT]
        if options
    ]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": action_id,
        "option_groups": shown,
    }
    chosen = next((o for g in shown for o in g["options"] if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    """A modal's input; its element's action id is its block id (how `ViewState` reads it)."""
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label, 2000),
        "element": {**element, "action_id": block_id},
    }
