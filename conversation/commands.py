"""The contract between the `/buddy` router and the feature modules that add subcommands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conversation.replies import Reply
from conversation.requests import Answer, Command

CommandHandler = Callable[[Command], Answer | Reply]


@dataclass(frozen=True)
class Subcommand:
    """A `/buddy` subcommand: one handler that answers at once and may leave slow work for later.

    What help needs rides along: `everyday` puts it in the short help everyone sees, `facilitator`
    shows it to facilitators only, `details` and `examples` (command words after `/buddy`) fill its
    own `/buddy help <name>`, and `run_label` names the button that runs a suggested spelling."""

    name: str
    usage: str
    summary: str
    group: str
    handle: CommandHandler
    aliases: tuple[str, ...] = ()
    in_help: bool = True
    everyday: bool = False
    facilitator: bool = False
    details: str = ""
    examples: tuple[str, ...] = ()
    run_label: str = "Run it"
