"""The `/buddy` slash command: find the subcommand, answer in the ack, then any slow work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.slack.answers import Answer, Command, after_ack, command_deliver, decide
from handlers.slack.commands import Subcommand
from handlers.slack.deps import deps_from
from handlers.slack.help import all_help_reply, command_help_reply, help_reply
from handlers.slack.replies import Reply
from handlers.slack.text import escape, typed
from models.people import is_facilitator

HELP_NAMES = ("", "help")


class Router:
    """Finds the subcommand for a request; built once from every feature's subcommands."""

    def __init__(self, subcommands: Sequence[Subcommand]) -> None:
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
                f":thinking_face: I don't know `/buddy {escape(typed(topic))}`. "
                "Here is what I can do:",
            )
        return command_help_reply(sub)

    def answer(self, command: Command) -> Answer | Reply:
        """The subcommand's answer, or the help for a name Buddy doesn't know."""
        if command.name in HELP_NAMES:
            return self.help(command)
        sub = self.find(command.name)
        if sub is None:
            return help_reply(
                self.subcommands,
                _is_facilitator(command),
                f":thinking_face: I don't know `/buddy {escape(typed(command.name))}`. "
                "Here is what I can do:",
            )
        return sub.handle(command)


def _is_facilitator(command: Command) -> bool:
    with command.deps.session() as session:
        return is_facilitator(session, command.deps.facilitators, command.team_id, command.user_id)


def register(app: App, router: Router) -> None:
    def buddy(
        ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        """Answer in the ack's own body; slow work follows through the response_url."""
        deps = deps_from(context)
        command = Command.from_body(body, deps)
        answer = decide(lambda: router.answer(command), f"/buddy {command.name}")
        if answer.reply is not None:
            ack(**answer.reply)
        else:
            ack()
        later = Answer(then=answer.then)
        after_ack(deps, client, later, command_deliver(respond), f"/buddy {command.name}")

    app.command("/buddy")(buddy)
