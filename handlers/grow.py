"""`/buddy grow`: seed 003's GROW peer-coaching prompts, both forms, quoted exactly."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.blocks import context_block, divider_block, header_block, section_block
from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import Deps
from handlers.replies import Reply, ephemeral
from models.grow_prompts import (
    GROW_STEPS,
    GROW_TITLE,
    REFLECTION_LINES,
    REFLECTION_TITLE,
    GrowStep,
)


def slack_bold(text: str) -> str:
    """The seed's `**bold**` in Slack's own markup."""
    return text.replace("**", "*")


def build_grow_step(step: GrowStep) -> dict[str, Any]:
    bullets = "\n".join(f"• {slack_bold(b)}" for b in step.bullets)
    questions = "\n".join(f"_{q}_" for q in step.questions)
    return section_block(f"*{step.title}*\n{bullets}\n\n{questions}")


def build_grow_blocks() -> list[dict[str, Any]]:
    """The four steps with their prompts, then the Goal / Reality / Options / Will reflection."""
    return [
        header_block(GROW_TITLE),
        context_block("Peer coaching for this meeting: one of you coaches, the other is coached."),
        *(build_grow_step(step) for step in GROW_STEPS),
        divider_block(),
        section_block(f"*{REFLECTION_TITLE}*\n" + "\n".join(REFLECTION_LINES)),
        context_block(
            "Agreed your Will? Record each step with "
            "`/buddy action Try retrieval starters with 9X by 3/12`."
        ),
    ]


def run_grow(request: CommandRequest, deps: Deps) -> Reply:
    """GROW's prompts, for whoever asks: no pair or database needed."""
    return ephemeral(GROW_TITLE, build_grow_blocks())


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="grow",
        usage="/buddy grow",
        summary="the GROW peer-coaching prompts for this meeting",
        group="Problems and coaching",
        run=run_grow,
    )
]


def register(app: App) -> None:
    """`/buddy grow` has no buttons of its own."""
