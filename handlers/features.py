"""The feature modules that add `/buddy` subcommands and interactive listeners."""

from __future__ import annotations

from types import ModuleType

from handlers import actions, calendar_admin, grow, meeting_buttons, meetings, pairs, problems
from handlers.command_types import Subcommand

FEATURE_MODULES: tuple[ModuleType, ...] = (
    calendar_admin,
    problems,
    pairs,
    meetings,
    meeting_buttons,
    actions,
    grow,
)


def all_subcommands() -> list[Subcommand]:
    subcommands: list[Subcommand] = []
    for module in FEATURE_MODULES:
        subcommands.extend(module.SUBCOMMANDS)
    return subcommands
