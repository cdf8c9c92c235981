"""The `/buddy` slash command: route to a subcommand, answer in the ack or after it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import deps_from
from handlers.help import help_reply
from handlers.replies import SOMETHING_WENT_WRONG, Reply, ephemeral

logger = logging.getLogger(__name__)

HELP_NAMES = ("", "help")


class Router:
    """Finds the subcommand for a request; built once from every feature's subcommands."""

    def __init__(self, subcommands: Sequence[Subcommand]) -> None:
        help_entry = Subcommand(
            name="help",
            usage="/buddy help",
            summary="this list of commands",
            group="Help",
            run=lambda _request, _deps: self.help(),
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

    def unknown(self, name: str) -> Reply:
        return self.help(f":thinking_face: I don't know `/buddy {name}`. Here is what I can do:")


def register(app: App, router: Router) -> None:
    app.command("/buddy")(ack=_ack_with(router), lazy=[_after_ack_with(router)])


def _ack_with(router: Router) -> Callable[..., None]:
    def ack_buddy(ack: Ack, body: dict[str, Any], context: Any) -> None:
        """Answer quick subcommands in the ack's own body; only ack the slow ones."""
        request = CommandRequest.from_body(body)
        if request.name in HELP_NAMES:
            ack(**router.help())
            return
        sub = router.find(request.name)
        if sub is None:
            ack(**router.unknown(request.name))
            return
        try:
            reply = _quick_answer(sub, request, context)
        except Exception:
            logger.exception("/buddy %s failed", request.name)
            reply = ephemeral(SOMETHING_WENT_WRONG)
        if reply is None:
            ack()
        else:
            ack(**reply)

    return ack_buddy


def _quick_answer(sub: Subcommand, request: CommandRequest, context: Any) -> Reply | None:
    deps = deps_from(context)
    if sub.run is not None:
        return sub.run(request, deps)
    if sub.precheck is not None:
        return sub.precheck(request, deps)
    return None


def _after_ack_with(router: Router) -> Callable[..., None]:
    def buddy_after_ack(
        body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        """The slow part of slow subcommands, after Slack has its ack."""
        request = CommandRequest.from_body(body)
        sub = router.find(request.name)
        if sub is None or sub.run_after_ack is None:
            return
        deps = deps_from(context)
        try:
            if sub.precheck is not None and sub.precheck(request, deps) is not None:
                return  # already refused in the ack
            reply = sub.run_after_ack(request, deps, client)
        except Exception:
            logger.exception("/buddy %s failed after the ack", request.name)
            reply = ephemeral(SOMETHING_WENT_WRONG)
        if reply is not None:
            respond(**reply)

    return buddy_after_ack
