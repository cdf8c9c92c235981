"""Block Kit for `/buddy grow`: seed 003's GROW prompts, both forms, quoted exactly."""

from __future__ import annotations

from conversation.blocks import (
    Part,
    divider,
    heading,
    note,
    paragraph,
)
from models.grow import GROW_STEPS, GROW_TITLE, REFLECTION_LINES, REFLECTION_TITLE, GrowStep


def slack_bold(text: str) -> str:
    """The seed's `**bold**` in Slack's own markup."""
    return text.replace("**", "*")


def build_grow_step(step: GrowStep) -> Part:
    bullets = "\n".join(f"• {slack_bold(b)}" for b in step.bullets)
    questions = "\n".join(f"_{q}_" for q in step.questions)
    return paragraph(f"*{step.title}*\n{bullets}\n\n{questions}")


def build_grow_blocks() -> list[Part]:
    """The four steps with their prompts, then the Goal / Reality / Options / Will reflection."""
    return [
        heading(GROW_TITLE),
        note("Peer coaching for this meeting: one of you coaches, the other is coached."),
        *(build_grow_step(step) for step in GROW_STEPS),
        divider(),
        paragraph(f"*{REFLECTION_TITLE}*\n" + "\n".join(REFLECTION_LINES)),
        note(
            "Agreed your Will? Record each step with "
            "`/buddy action Try retrieval starters with 9X by 3/12`."
        ),
    ]
