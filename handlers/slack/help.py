"""`/buddy help`: every subcommand, grouped, with a usage line a tired teacher can copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.slack.blocks import context_block, header_block, section_block
from handlers.slack.commands import Subcommand
from handlers.slack.replies import Reply, ephemeral

GROUP_ORDER = ("Your pair", "Meetings", "Actions", "Problems and coaching", "Facilitators", "Help")


def build_help_blocks(subcommands: Sequence[Subcommand]) -> list[dict[str, Any]]:
    visible = [s for s in subcommands if s.in_help]
    groups = sorted({s.group for s in visible}, key=_group_rank)
    blocks: list[dict[str, Any]] = [header_block("Buddy: keeping your buddy pair going")]
    for group in groups:
        lines = [f"`{s.usage}`  {s.summary}" for s in visible if s.group == group]
        blocks.append(section_block(f"*{group}*\n" + "\n".join(lines)))
    blocks.append(
        context_block(
            "Dates are day first (`3/12`, `3 Dec`, `next thu`); times like `16:00` or `4.30pm`."
        )
    )
    return blocks


def help_reply(subcommands: Sequence[Subcommand], preface: str | None = None) -> Reply:
    blocks = build_help_blocks(subcommands)
    if preface:
        blocks.insert(0, section_block(preface))
    fallback = (
        (preface + "\n" if preface else "")
        + "Buddy's commands: "
        + ", ".join(f"/buddy {s.name}" for s in subcommands if s.in_help)
    )
    return ephemeral(fallback, blocks)


def _group_rank(group: str) -> int:
    return GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
