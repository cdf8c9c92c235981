"""The contract between the `/buddy` router and the feature modules that add subcommands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.replies import Reply


@dataclass(frozen=True)
class CommandRequest:
    """One `/buddy <name> <args>` call, already split into the subcommand and its arguments."""

    team_id: str
    user_id: str
    channel_id: str
    name: str
    args: str
    response_url: str | None
    trigger_id: str | None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> CommandRequest:
        text = (body.get("text") or "").strip()
        name, _, args = text.partition(" ")
        return cls(
            team_id=body.get("team_id") or "",
            user_id=body.get("user_id") or "",
            channel_id=body.get("channel_id") or "",
            name=name.lower(),
            args=args.strip(),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )


QuickRun = Callable[[CommandRequest, Deps], Reply]
SlowRun = Callable[[CommandRequest, Deps, WebClient], Reply | None]
Precheck = Callable[[CommandRequest, Deps], Reply | None]


@dataclass(frozen=True)
class Subcommand:
    """A `/buddy` subcommand.

    A quick one (`run`) answers in the HTTP ack's own body. A slow one (`run_after_ack`) needs
    Web API calls: the request is acked at once and it runs afterwards, answering through the
    response_url (or returning None when it has answered another way, e.g. by opening a modal).
    A slow one may have a `precheck` that refuses bad input in the ack body, before any slow work.
    """

    name: str
    usage: str
    summary: str
    group: str
    run: QuickRun | None = None
    run_after_ack: SlowRun | None = None
    precheck: Precheck | None = None
    aliases: tuple[str, ...] = ()
    in_help: bool = True

    def __post_init__(self) -> None:
        if (self.run is None) == (self.run_after_ack is None):
            raise ValueError(f"subcommand {self.name} needs exactly one of run / run_after_ack")
