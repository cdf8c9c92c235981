"""Every message, modal and Home view Buddy sends is checked with slack_sdk's Block Kit models:
the limits Slack enforces (text lengths, titles, block counts), before Slack would refuse it."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def check_blocks(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCK_LIMIT) -> None:
    assert len(blocks) <= limit, f"{len(blocks)} blocks, more than Slack's {limit}"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"not a Block Kit block: {raw}"
        block.validate_json()


def check_message(message: dict[str, Any]) -> None:
    """A message or a command's answer: fallback text, and blocks within limits."""
    blocks = _decoded(message.get("blocks")) or []
    if blocks:
        assert message.get("text"), "a message with blocks needs fallback text for notifications"
    check_blocks(blocks)


def check_view(view: dict[str, Any] | str) -> None:
    raw = _decoded(view)
    View(**raw).validate_json()
    check_blocks(raw.get("blocks") or [], VIEW_BLOCK_LIMIT)


def check_web_api_call(method: str, params: dict[str, Any]) -> None:
    if method in VIEW_METHODS and "view" in params:
        check_view(params["view"])
    elif method in MESSAGE_METHODS:
        check_message(params)
