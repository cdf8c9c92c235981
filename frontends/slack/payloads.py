"""Reading Slack's interactive payloads, once, without trusting their shape.

A payload that cannot be read gives None (or empty), never an exception; the dispatcher turns that
into a visible "out of date" answer.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from conversation.requests import PressedIn, Who
from models.lifecycle import TOKENS_REVOKED, UNINSTALLED


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def who_of(body: dict[str, Any]) -> Who:
    user = _dict(body.get("user"))
    team = _dict(body.get("team"))
    team_id = str(team.get("id") or user.get("team_id") or body.get("team_id") or "")
    return Who(team_id=team_id, user_id=str(user.get("id") or body.get("user_id") or ""))


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    return _dict(actions[0]) if isinstance(actions, list) and actions else {}


def clicked_message(body: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and ts of the message whose button was pressed, if it was on a message."""
    container = _dict(body.get("container"))
    channel = container.get("channel_id") or _dict(body.get("channel")).get("id")
    ts = container.get("message_ts") or _dict(body.get("message")).get("ts")
    return (str(channel), str(ts)) if channel and ts else None


def pressed_in(body: dict[str, Any]) -> PressedIn | None:
    """The modal a button was pressed in (its callback id, metadata, id, hash and inputs)."""
    view = body.get("view")
    if not isinstance(view, dict):
        return None
    version = view.get("hash")
    return PressedIn(
        intent=str(view.get("callback_id") or ""),
        payload=str(view.get("private_metadata") or ""),
        form_id=str(view.get("id") or ""),
        version=version if isinstance(version, str) and version else None,
        values=ViewState(view),
    )


class ViewState:
    """A submitted modal's inputs, read by block id (each input's action id is its block id)."""

    def __init__(self, view: dict[str, Any]) -> None:
        self._values = _dict(_dict(view.get("state")).get("values"))

    def _element(self, block_id: str) -> dict[str, Any]:
        return _dict(_dict(self._values.get(block_id)).get(block_id))

    def text(self, block_id: str) -> str | None:
        value = self._element(block_id).get("value")
        return value if isinstance(value, str) else None

    def date(self, block_id: str) -> date | None:
        picked = self._element(block_id).get("selected_date")
        try:
            return date.fromisoformat(str(picked)) if picked else None
        except ValueError:
            return None

    def time(self, block_id: str) -> time | None:
        picked = self._element(block_id).get("selected_time")
        try:
            return time.fromisoformat(str(picked)) if picked else None
        except ValueError:
            return None

    def option(self, block_id: str) -> str | None:
        value = _dict(self._element(block_id).get("selected_option")).get("value")
        return value if isinstance(value, str) else None

    def user(self, block_id: str) -> str | None:
        picked = self._element(block_id).get("selected_user")
        return picked if isinstance(picked, str) and picked else None

    def options(self, block_id: str) -> list[str]:
        chosen = self._element(block_id).get("selected_options")
        if not isinstance(chosen, list):
            return []
        return [str(o.get("value")) for o in chosen if isinstance(o, dict)]

    def file_ids(self, block_id: str) -> list[str]:
        """The ids of the files uploaded in a file input."""
        files = self._element(block_id).get("files")
        if not isinstance(files, list):
            return []
        return [str(f["id"]) for f in files if isinstance(f, dict) and isinstance(f.get("id"), str)]


def is_goodbye(body: dict[str, Any]) -> bool:
    """The workspace uninstalled Buddy or revoked its tokens (an event nothing else may stop)."""
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in (UNINSTALLED, TOKENS_REVOKED)
