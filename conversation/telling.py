"""Telling a pair after the ack, and saying so when it could not be done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversation.replies import OutgoingMessage, Reply, ephemeral

if TYPE_CHECKING:
    from conversation.deps import Deps
    from conversation.outlet import Outlet
    from conversation.requests import SlowWork

NOT_TOLD = (
    "\n:warning: I couldn't post to your pair's conversation just now, so please let your buddy "
    "know yourself."
)


def tell_pair_later(deps: Deps, pair_id: int, message: OutgoingMessage) -> SlowWork:
    """Slow work for after the ack: tell the pair; the caller hears back only if that failed."""

    def tell(outlet: Outlet) -> Reply | None:
        if outlet.tell_pair(deps, pair_id, message):
            return None
        return ephemeral(NOT_TOLD.strip())

    return tell


def told_or_not(answer: str, told: bool) -> str:
    """The caller's answer, with a note when their pair could not be told."""
    return answer if told else answer + NOT_TOLD
