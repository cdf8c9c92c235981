"""The `/buddy` slash command: find the subcommand, answer in the ack, then any slow work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.slack.answers import Answer, Command, after_ack, command_deliver, decide
from handlers.slack.commands import Subcommand
from handlers.slack.deps import deps_from
from handlers.slack.help import help_reply
from handlers.slack.replies import Reply
from models.cohorts import join_channel_cohort

HELP_NAMES = ("", "help")


class Router:
    """Finds the subcommand for a request; built once from every feature's subcommands."""

    def __init__(self, subcommands: Sequence[Subcommand]) -> None:
        help_entry = Subcommand(
            name="help",
            usage="/buddy help",
            summary="this list of commands",
            group="Help",
            handle=lambda _command: self.help(),
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

    def help(self, preface: str | None = None) -> Reply:
        return help_reply(self.subcommands, preface)

    def answer(self, command: Command) -> Answer | Reply:
        """The subcommand's answer, or the help for a name Buddy doesn't know."""
        if command.name in HELP_NAMES:
            return self.help()
        sub = self.find(command.name)
        if sub is None:
            return self.help(
                f":thinking_face: I don't know `/buddy {command.name}`. Here is what I can do:"
            )
        _join_channel_cohort(command)
        return sub.handle(command)


def _join_channel_cohort(command: Command) -> None:
    """Someone using `/buddy` in a cohort's channel belongs to that cohort."""
    if not command.channel_id.startswith(("C", "G")):
        return
    with command.deps.session() as session:
        join_channel_cohort(
            session, command.team_id, command.user_id, command.channel_id, command.now
        )


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
