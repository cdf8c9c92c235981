"""Wires every handlers module into the app: the one place that knows them all."""

from __future__ import annotations

from types import ModuleType

from slack_bolt import App

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
from handlers.slack import errors, router
from handlers.slack.router import Router

# Each feature has `SUBCOMMANDS` (its `/buddy` words) and `register(app)` (its buttons and modals).
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


def build_router() -> Router:
    return Router([sub for feature in FEATURES for sub in feature.SUBCOMMANDS])


def register_listeners(app: App) -> None:
    errors.register(app)
    router.register(app, build_router(), first_contact=welcome.greet)
    for feature in FEATURES:
        feature.register(app)
