"""`/buddy help`: a screen of everyday commands, `help all` for the rest, `help <name>` for one.

Facilitators also see theirs. Usage lines are escaped once: `<text>` in mrkdwn is a link."""

from __future__ import annotations

from collections.abc import Sequence

from conversation.blocks import Part, heading, note, paragraph
from conversation.commands import Subcommand
from conversation.markup import command, escape
from conversation.replies import Reply, ephemeral

FACILITATORS = "Facilitators"
GROUP_ORDER = ("Your pair", "Meetings", "Actions", "Problems and coaching", FACILITATORS, "Help")
HEADER = "Buddy: keeping your buddy pair going"
HELP_ALL = "/buddy help all"
HELP_ONE = "/buddy help <command>"
DATES = "Dates are day first (`3/12`, `3 Dec`, `next thu`); times like `16:00` or `4.30pm`."


def for_facilitators(sub: Subcommand) -> bool:
    """A facilitator's command: marked so, or listed under Facilitators (their own tools:
    `report`, `import`, `cohort`...), a section participants are not shown."""
    return sub.facilitator or sub.group == FACILITATORS


def shown_to(subcommands: Sequence[Subcommand], facilitator: bool) -> list[Subcommand]:
    return [s for s in subcommands if s.in_help and (facilitator or not for_facilitators(s))]


def _line(sub: Subcommand, worked: bool) -> str:
    words = command(sub.examples[0]) if worked and sub.examples else sub.usage
    return f"`{escape(words)}`  {sub.summary}"


def _more_line() -> str:
    return f"`{HELP_ALL}` every command  ·  `{escape(HELP_ONE)}` one command in full"


def everyday(subcommands: Sequence[Subcommand]) -> list[Subcommand]:
    return sorted((s for s in subcommands if s.everyday), key=lambda s: _group_rank(s.group))


def build_short_help(subcommands: Sequence[Subcommand], facilitator: bool) -> list[Part]:
    """The screen everyone sees: the everyday commands with worked examples, then theirs."""
    usual = everyday(subcommands)
    blocks: list[Part] = [heading(HEADER)]
    blocks.append(paragraph("\n".join(_line(s, worked=True) for s in usual)))
    if facilitator:
        theirs = [s for s in subcommands if for_facilitators(s) and s.in_help]
        blocks.append(
            paragraph("*Facilitators*\n" + "\n".join(_line(s, worked=False) for s in theirs))
        )
    blocks.append(paragraph(_more_line()))
    return blocks


def build_all_help(subcommands: Sequence[Subcommand], facilitator: bool) -> list[Part]:
    """`/buddy help all`: every command this person can use, grouped."""
    visible = shown_to(subcommands, facilitator)
    groups = sorted({s.group for s in visible}, key=_group_rank)
    blocks: list[Part] = [heading(HEADER)]
    for group in groups:
        lines = [_line(s, worked=False) for s in visible if s.group == group]
        blocks.append(paragraph(f"*{group}*\n" + "\n".join(lines)))
    blocks.append(note(DATES + f" `{escape(HELP_ONE)}` shows one in full."))
    return blocks


def build_command_help(sub: Subcommand) -> list[Part]:
    """`/buddy help slot`: the usage, what it does, more detail and worked examples."""
    text = f"`{escape(sub.usage)}`\n{sub.summary[:1].upper()}{sub.summary[1:]}."
    if sub.details:
        text += f"\n{sub.details}"
    if for_facilitators(sub):
        text += "\n_For facilitators._"
    blocks: list[Part] = [paragraph(text)]
    if sub.examples:
        examples = "\n".join(f"`{escape(command(e))}`" for e in sub.examples)
        blocks.append(paragraph("*For example*\n" + examples))
    blocks.append(note(DATES))
    return blocks


def _fallback(preface: str | None, subs: Sequence[Subcommand]) -> str:
    return (
        (preface + "\n" if preface else "")
        + "Buddy's commands: "
        + ", ".join(f"/buddy {s.name}" for s in subs)
        + f". {HELP_ALL} for every command."
    )


def help_reply(
    subcommands: Sequence[Subcommand], facilitator: bool, preface: str | None = None
) -> Reply:
    """The short help, after `preface` if any."""
    blocks = build_short_help(subcommands, facilitator)
    if preface:
        blocks.insert(0, paragraph(preface))
    return ephemeral(_fallback(preface, everyday(subcommands)), blocks)


def all_help_reply(subcommands: Sequence[Subcommand], facilitator: bool) -> Reply:
    return ephemeral(
        _fallback(None, shown_to(subcommands, facilitator)),
        build_all_help(subcommands, facilitator),
    )


def command_help_reply(sub: Subcommand) -> Reply:
    return ephemeral(f"{sub.usage}: {sub.summary}", build_command_help(sub))


def _group_rank(group: str) -> int:
    return GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
