"""The shape every body must have before Bolt or a listener sees it.

Listeners read `body["user"]["id"]`, `body["actions"][0]` and the view's state without checking
types, and Bolt itself indexes `actions[0]` while building a listener's arguments. Checking the
shape once, where a request comes in, lets all of them trust it: a body that fails here is refused
with one log line instead of a traceback, a 500 or a half-applied change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Interactions Slack sends with a fresh trigger_id; it is also what keys them as handled once.
TRIGGERED_INTERACTIONS = frozenset(
    {"block_actions", "view_submission", "shortcut", "message_action"}
)


def problem_with(body: object) -> str | None:
    """Why Buddy cannot trust this body, in a few words for the log; None when it can."""
    if not isinstance(body, dict):
        return f"the body is {type(body).__name__}, not an object"
    problem = _read_by_bolt_problem(body)
    if problem is not None:
        return problem
    if "command" in body:
        return _command_problem(body)
    kind = body.get("type")
    if kind is None:
        return None if "ssl_check" in body else "neither a slash command nor a typed payload"
    if not isinstance(kind, str):
        return "`type` is not a string"
    check = _CHECKS.get(kind)
    return check(body) if check is not None else None


def _command_problem(body: dict[str, Any]) -> str | None:
    for field in ("command", "team_id", "user_id", "trigger_id"):
        if not _text(body.get(field)):
            return f"the slash command has no `{field}`"
    if not isinstance(body.get("text", ""), str):
        return "the slash command's `text` is not a string"
    return None


def _interaction_problem(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")):
        return "`user` is not an object with an id"
    if not _optional_text(user.get("team_id")):
        return "`user.team_id` is not a string"
    if body.get("type") in TRIGGERED_INTERACTIONS and not _text(body.get("trigger_id")):
        return "no `trigger_id`"
    for field in ("team", "channel", "message", "container", "view"):
        if body.get(field) is not None and not isinstance(body[field], dict):
            return f"`{field}` is not an object"
    for field, key in (("team", "id"), ("channel", "id"), ("message", "ts")):
        part = body.get(field) or {}
        if not _optional_text(part.get(key)):
            return f"`{field}.{key}` is not a string"
    container = body.get("container") or {}
    for key in ("channel_id", "message_ts", "view_id"):
        if not _optional_text(container.get(key)):
            return f"`container.{key}` is not a string"
    if body.get("view") is not None:
        return _view_problem(body["view"])
    return None


def _block_actions_problem(body: dict[str, Any]) -> str | None:
    problem = _interaction_problem(body)
    if problem:
        return problem
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "`actions` is not a non-empty list"
    for action in actions:
        if not isinstance(action, dict) or not _text(action.get("action_id")):
            return "an action is not an object with an `action_id`"
        for key in ("block_id", "value", "action_ts", "selected_date"):
            if not _optional_text(action.get(key)):
                return f"an action's `{key}` is not a string"
        problem = _element_problem(action)
        if problem:
            return problem
    return None


def _view_submission_problem(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("view"), dict):
        return "`view` is not an object"
    return _interaction_problem(body)


def _view_problem(view: dict[str, Any]) -> str | None:
    for key in ("id", "callback_id", "private_metadata", "hash"):
        if not _optional_text(view.get(key)):
            return f"`view.{key}` is not a string"
    state = view.get("state")
    if state is None:
        return None
    if not isinstance(state, dict):
        return "`view.state` is not an object"
    values = state.get("values")
    if values is None:
        return None
    if not isinstance(values, dict):
        return "`view.state.values` is not an object"
    for block in values.values():
        if not isinstance(block, dict):
            return "a block in `view.state.values` is not an object"
        for element in block.values():
            if not isinstance(element, dict):
                return "an input in `view.state.values` is not an object"
            problem = _element_problem(element)
            if problem:
                return problem
    return None


def _element_problem(element: dict[str, Any]) -> str | None:
    """An input's answer, as listeners read it: text, a date, one option or several."""
    for key in ("value", "selected_date"):
        if not _optional_text(element.get(key)):
            return f"an input's `{key}` is not a string"
    option = element.get("selected_option")
    if option is not None and not _is_option(option):
        return "an input's `selected_option` is not an option"
    options = element.get("selected_options")
    if options is not None and (
        not isinstance(options, list) or not all(_is_option(o) for o in options)
    ):
        return "an input's `selected_options` is not a list of options"
    return None


def _is_option(option: object) -> bool:
    return isinstance(option, dict) and _optional_text(option.get("value"))


def _event_problem(body: dict[str, Any]) -> str | None:
    if not _text(body.get("event_id")):
        return "the event has no `event_id`"
    event = body.get("event")
    if not isinstance(event, dict) or not _text(event.get("type")):
        return "`event` is not an object with a type"
    return None


def _read_by_bolt_problem(body: dict[str, Any]) -> str | None:
    """Bolt's own middleware reads `event` on every request (to drop the app's own events), and
    `view` when it logs a request no listener wants: in any body, of a type Buddy knows or not,
    they must be objects, or Bolt raises before any listener is asked."""
    for field in ("event", "view"):
        if field in body and not isinstance(body[field], dict):
            return f"`{field}` is not an object"
    return None


def _url_verification_problem(body: dict[str, Any]) -> str | None:
    return None if _text(body.get("challenge")) else "the URL check has no `challenge`"


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _optional_text(value: object) -> bool:
    return value is None or isinstance(value, str)


_CHECKS: Mapping[str, Callable[[dict[str, Any]], str | None]] = {
    "block_actions": _block_actions_problem,
    "view_submission": _view_submission_problem,
    "view_closed": _view_submission_problem,
    "shortcut": _interaction_problem,
    "message_action": _interaction_problem,
    "block_suggestion": _interaction_problem,
    "event_callback": _event_problem,
    "url_verification": _url_verification_problem,
}
