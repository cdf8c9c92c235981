"""The contract between the `/buddy` router and the feature modules that add subcommands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.slack.answers import Answer, Command
from handlers.slack.replies import Reply

CommandHandler = Callable[[Command], Answer | Reply]


@dataclass(frozen=True)
class Subcommand:
    """A `/buddy` subcommand: one handler that answers at once and may leave slow work for later."""

    name: str
    usage: str
    summary: str
    group: str
    handle: CommandHandler
    aliases: tuple[str, ...] = ()
    in_help: bool = True
