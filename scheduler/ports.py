"""The clock's one seam to the platforms: a `Sender` per front end, chosen per delivery.

The outbox's promises (claimed once, retried through 429s and outages, looked for after an
ambiguous post) are the runner's, written once; a sender only knows its platform: where a target's
conversation is, how to post there, and whether it can look a key up afterwards. Slack's is
`frontends/slack/clock.py` (history with message metadata), Teams' is `frontends/teams/clock.py` (no
history for a bot: see the README's promise).

A delivery's platform is its recipients' (a pair's, a person's), or a channel's by its id: Slack
ids are letters and digits (`C0123`, `D0456`), every Teams conversation id has a colon (`a:…`,
`19:…@thread.tacv2`, Buddy's own `teams-pair:7`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversation.replies import OutgoingMessage
from models.base import SLACK, TEAMS
from models.pairs import Pair
from models.people import Participant
from scheduler.planning import ChannelTarget, PairTarget, Target, UserTarget

# When a platform says "later" without saying when.
DEFAULT_RETRY_AFTER_SECONDS = 30


@dataclass(frozen=True)
class SendFailure(Exception):
    """Why a call did not succeed: whether to try again, after how long, and whether a post
    may nevertheless have reached the channel (then it is checked before any resend)."""

    error: str
    retry_after_seconds: float | None = None
    permanent: bool = False
    maybe_delivered: bool = False

    @property
    def slack_unwell(self) -> bool:
        """Rate limited, down or unreachable: nothing more to that method for now."""
        return self.retry_after_seconds is not None or (self.maybe_delivered and not self.permanent)


class Sender(Protocol):
    def preload(self, session: Session, targets: Iterable[Target]) -> list[object]: ...

    def known_channel(self, session: Session, target: Target) -> str | None: ...

    def channel_for(self, session: Session, target: Target) -> str: ...

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None: ...

    def find_sent(
        self,
        channel: str,
        keys: Collection[str],
        since: datetime,
        may_call: Callable[[], bool],
    ) -> dict[str, str] | None: ...


def load_recipients(session: Session, targets: Iterable[Target]) -> list[object]:
    """The pairs and participants a pass will post to, in two queries, not one each.

    Returned so the caller keeps them alive in the session's (weak) identity map."""
    targets = list(targets)
    pair_ids = {t.pair_id for t in targets if isinstance(t, PairTarget)}
    person_ids = {t.participant_id for t in targets if isinstance(t, UserTarget)}
    loaded: list[object] = []
    if pair_ids:
        loaded.extend(session.scalars(select(Pair).where(Pair.id.in_(pair_ids))))
    if person_ids:
        loaded.extend(session.scalars(select(Participant).where(Participant.id.in_(person_ids))))
    return loaded


def platform_of_channel(channel: str) -> str:
    return TEAMS if ":" in channel else SLACK


class PlatformSender:
    """Each call handed to the sender of its delivery's platform; a platform this deployment does
    not serve fails the delivery plainly (permanent), never silently."""

    def __init__(self, senders: dict[str, Sender]) -> None:
        self.senders = senders

    def _sender(self, platform: str) -> Sender:
        found = self.senders.get(platform)
        if found is None:
            raise SendFailure(f"{platform} is not set up on this Buddy", permanent=True)
        return found

    def _platform(self, session: Session, target: Target) -> str:
        if isinstance(target, ChannelTarget):
            return platform_of_channel(target.channel_id)
        if isinstance(target, PairTarget):
            pair = session.get(Pair, target.pair_id)
            return pair.platform if pair is not None else SLACK
        person = session.get(Participant, target.participant_id)
        return person.platform if person is not None else SLACK

    def preload(self, session: Session, targets: Iterable[Target]) -> list[object]:
        targets = list(targets)
        loaded = load_recipients(session, targets)
        for platform, sender in self.senders.items():
            mine = [t for t in targets if self._platform(session, t) == platform]
            if mine:
                loaded.extend(sender.preload(session, mine))
        return loaded

    def known_channel(self, session: Session, target: Target) -> str | None:
        platform = self._platform(session, target)
        if platform not in self.senders:
            return None if not isinstance(target, ChannelTarget) else target.channel_id
        return self.senders[platform].known_channel(session, target)

    def channel_for(self, session: Session, target: Target) -> str:
        return self._sender(self._platform(session, target)).channel_for(session, target)

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None:
        return self._sender(platform_of_channel(channel)).post(channel, key, message)

    def find_sent(
        self,
        channel: str,
        keys: Collection[str],
        since: datetime,
        may_call: Callable[[], bool],
    ) -> dict[str, str] | None:
        sender = self._sender(platform_of_channel(channel))
        return sender.find_sent(channel, keys, since, may_call)
