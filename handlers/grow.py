"""`/buddy grow`: seed 003's GROW peer-coaching prompts, both forms, quoted exactly."""

from __future__ import annotations

from conversation.commands import Subcommand
from conversation.replies import Reply, ephemeral
from conversation.requests import Command
from handlers.views.grow import build_grow_blocks
from models.grow import GROW_TITLE


def grow(command: Command) -> Reply:
    """GROW's prompts, for whoever asks: no pair or database needed."""
    return ephemeral(GROW_TITLE, build_grow_blocks())


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="grow",
        usage="/buddy grow",
        summary="the GROW peer-coaching prompts for this meeting",
        group="Problems and coaching",
        handle=grow,
    )
]
