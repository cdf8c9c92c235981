"""Wires every handlers module into the app: the one place that knows them all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TypeVar

from slack_bolt import App

from conversation.requests import ButtonHandler, Handlers, SubmissionHandler
from conversation.router import Router
from frontends.slack import errors, events, router
from frontends.slack.answers import wire
from frontends.slack.text import typed
from handlers import (
    actions,
    calendar,
    cohorts,
    community,
    facilitators,
    grow,
    home,
    imports,
    lifecycle,
    meetings,
    pairs,
    pauses,
    privacy,
    problems,
    upcoming,
    welcome,
)

T = TypeVar("T")

# Each feature has `SUBCOMMANDS` (its `/buddy` words) and, when it has buttons or forms,
# `HANDLERS` (each by its intent): the same for every front end. Slack's events are in
# `frontends/slack/events.py`.
FEATURES: tuple[ModuleType, ...] = (
    calendar,
    problems,
    pairs,
    meetings,
    actions,
    grow,
    community,
    pauses,
    privacy,
    lifecycle,
    cohorts,
    facilitators,
    home,
    imports,
    upcoming,
)


def build_router(plain: Callable[[str], str] = str) -> Router:
    """Every feature's subcommands; `plain`: the front end's way back to what people typed."""
    return Router([sub for feature in FEATURES for sub in feature.SUBCOMMANDS], plain)


def all_handlers() -> Handlers:
    """Every feature's buttons, forms and form closings, for a front end to wire up."""
    buttons: dict[str, ButtonHandler] = {}
    submissions: dict[str, SubmissionHandler] = {}
    closings: dict[str, SubmissionHandler] = {}
    for feature in FEATURES:
        handlers = getattr(feature, "HANDLERS", None)
        if not isinstance(handlers, Handlers):
            continue
        _add(buttons, handlers.buttons)
        _add(submissions, handlers.submissions)
        _add(closings, handlers.closings)
    return Handlers(buttons=buttons, submissions=submissions, closings=closings)


def _add(table: dict[str, T], more: Mapping[str, T]) -> None:
    for intent, handler in more.items():
        if intent in table:
            raise ValueError(f"{intent} is handled twice")
        table[intent] = handler


def register_listeners(app: App) -> None:
    errors.register(app)
    router.register(app, build_router(typed), first_contact=welcome.greet)
    events.register(app)
    for feature in FEATURES:
        handlers = getattr(feature, "HANDLERS", None)
        if handlers is not None:
            assert isinstance(handlers, Handlers)
            wire(app, handlers)
