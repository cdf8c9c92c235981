"""`/buddy <command>` for every front end: the subcommand for a request, help, suggestions for a
near miss, and joining a cohort's channel. Each front end reads its platform's command into a
`Command` and hands it here (Slack's `frontends/slack/router.register`, Teams' `TeamsFront`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from conversation.blocks import button, buttons, note, paragraph
from conversation.commands import Subcommand
from conversation.help import all_help_reply, command_help_reply, help_reply
from conversation.markup import command, escape
from conversation.outlet import Outlet
from conversation.replies import Reply, ephemeral
from conversation.requests import Answer, Command, Press, out_of_date
from conversation.suggest import BUTTON_VALUE_LIMIT, closest
from models.cohorts import join_channel_cohort
from models.people import is_facilitator

HELP_NAMES = ("", "help")


class Router:
    """Finds the subcommand for a request; built once from every feature's subcommands."""

    def __init__(
        self, subcommands: Sequence[Subcommand], plain: Callable[[str], str] = str
    ) -> None:
        # The front end's way from its markup to what people typed (`Command.plain`).
        self.plain = plain
        help_entry = Subcommand(
            name="help",
            usage="/buddy help [all | <command>]",
            summary="the commands you will use most; `all` for every one, or one in full",
            group="Help",
            handle=self.help,
            examples=("help", "help all", "help slot"),
        )
        self.subcommands = [*subcommands, help_entry]
        self._by_name: dict[str, Subcommand] = {}
        for sub in self.subcommands:
            for name in (sub.name, *sub.aliases):
                if name in self._by_name:
                    raise ValueError(f"/buddy {name} is registered twice")
                self._by_name[name] = sub

    def find(self, name: str) -> Subcommand | None:
        return self._by_name.get(name)

    def help(self, command: Command) -> Reply:
        """`/buddy help`, `/buddy help all`, `/buddy help <command>`."""
        facilitator = _is_facilitator(command)
        topic = command.args.split(" ")[0].lower() if command.args else ""
        if topic == "":
            return help_reply(self.subcommands, facilitator)
        if topic == "all":
            return all_help_reply(self.subcommands, facilitator)
        sub = self.find(topic.removeprefix("/buddy").strip() or topic)
        if sub is None:
            return help_reply(
                self.subcommands,
                facilitator,
                f":thinking_face: I don't know `/buddy {escape(command.typed(topic))}`. "
                "Here is what I can do:",
            )
        return command_help_reply(sub)

    def answer(self, command: Command) -> Answer | Reply:
        """The subcommand's answer, or the help for a name Buddy doesn't know."""
        if command.name in HELP_NAMES:
            return self.help(command)
        sub = self.find(command.name)
        if sub is None:
            return self.unknown(command)
        _join_channel_cohort(command)
        return sub.handle(command)

    def unknown(self, command: Command) -> Reply:
        """A word close to a known one: suggest it, keeping the rest, with a button to run it;
        otherwise the short help."""
        known = {name: sub.name for name, sub in self._by_name.items()}
        near = closest(command.name, known)
        if near is None or near == "help":
            return help_reply(
                self.subcommands,
                _is_facilitator(command),
                f":thinking_face: I don't know `/buddy {escape(command.typed(command.name))}`. "
                "Here is what I can do:",
            )
        sub = self._by_name[near]
        return suggestion_reply(sub, command.args, command.typed(command.args))

    def run_suggested(self, press: Press) -> Answer | Reply:
        """The suggestion's button: the command it names, run as the person who pressed it."""
        name, _, args = press.value.partition(" ")
        if not press.value.startswith(SUGGESTED_PREFIX) or self.find(name[1:]) is None:
            raise out_of_date()
        command = Command(
            deps=press.deps,
            who=press.who,
            now=press.now,
            outlet=press.outlet,
            channel_id=press.message[0] if press.message else "",
            name=name[1:],
            args=args.strip(),
            plain=self.plain,
            trigger_id=press.trigger_id,
        )
        return self.answer(command)


SUGGESTED_PREFIX = "/"
RUN_SUGGESTED = "buddy_run_suggested"


def suggestion_reply(sub: Subcommand, args: str, typed: str) -> Reply:
    """Did you mean `/buddy action ...`?" with a button that runs it. The button's value is the
    command as the platform sent it (`args`), so running it reads the same text; `typed` is what
    the person typed, shown."""
    shown = command(f"{sub.name} {typed}")
    text = f":thinking_face: Did you mean `{escape(shown)}`?"
    blocks = [paragraph(text)]
    value = f"{SUGGESTED_PREFIX}{sub.name} {args}".rstrip()
    if len(value) <= BUTTON_VALUE_LIMIT:
        blocks.append(buttons([button(sub.run_label, RUN_SUGGESTED, value, "primary")]))
    blocks.append(note(f"`/buddy help {sub.name}` shows how it works."))
    return ephemeral(text, blocks)


def _is_facilitator(command: Command) -> bool:
    with command.deps.session() as session:
        return is_facilitator(session, command.deps.facilitators, command.team_id, command.user_id)


FirstContact = Callable[[Outlet, Command], None]


def _join_channel_cohort(command: Command) -> None:
    """Someone using `/buddy` in a cohort's channel belongs to that cohort."""
    if not command.channel_id or command.channel_id.startswith(("D", "a:")):
        return  # a direct message (Slack's `D…`, a Teams personal chat's `a:…`) is no cohort's
    with command.deps.session() as session:
        join_channel_cohort(
            session, command.team_id, command.user_id, command.channel_id, command.now
        )
