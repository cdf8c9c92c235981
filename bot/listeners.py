"""Wires every handlers module into the app: the one place that knows them all."""

from __future__ import annotations

from slack_bolt import App

from handlers import buddy_command, errors, features
from handlers.buddy_command import Router


def build_router() -> Router:
    return Router(features.all_subcommands())


def register_listeners(app: App) -> None:
    errors.register(app)
    buddy_command.register(app, build_router())
    for module in features.FEATURE_MODULES:
        module.register(app)
