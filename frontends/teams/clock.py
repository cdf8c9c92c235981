"""The clock's sender for Teams: each delivery drawn as an Adaptive Card and posted through the
Bot Connector, a pair's to each member's personal chat (`copies.py`).

What Teams cannot give, and the promise kept instead (the README says it too): a bot cannot read
a chat's history, and a message carries no metadata, so after an ambiguous post (a read timeout,
a 500, a dropped connection) there is nothing to look a delivery up by. Buddy then sends it again
when the outbox's recheck comes round: a Teams nudge is never lost while Buddy is installed, and
only such a failure can make one arrive twice. Everything else is once: a claim per delivery, a
copy per member recorded the moment it is posted (a resend after a failure part way through posts
only the missing copies), and 429 / 412 / 502 / 504 retried with the connector's Retry-After.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import TeamsSettings
from conversation.replies import OutgoingMessage
from frontends.teams import addresses
from frontends.teams.connector import TeamsConnector
from frontends.teams.copies import (
    copies_of_key,
    keep_copy,
    name_group,
    pair_conversation,
    pair_of_conversation,
)
from frontends.teams.drawing import draw_outgoing
from models.clock import Clock
from models.db import session_scope
from models.pairs import Pair, members_of
from models.people import Participant
from scheduler.planning import ChannelTarget, PairTarget, Target, UserTarget
from scheduler.ports import SendFailure

logger = logging.getLogger(__name__)

NOT_REACHABLE = "not_installed"  # Buddy has never heard from them in Teams: no chat to open


def teams_clock_sender(
    settings: TeamsSettings, sessions: sessionmaker[Session], clock: Clock
) -> TeamsClockSender:
    from frontends.teams.sdk import create_runtime

    return TeamsClockSender(TeamsConnector(create_runtime(settings)), sessions, clock)


class TeamsClockSender:
    def __init__(
        self, connector: TeamsConnector, sessions: sessionmaker[Session], clock: Clock
    ) -> None:
        self.connector = connector
        self.sessions = sessions
        self.clock = clock

    def preload(self, session: Session, targets: Iterable[Target]) -> list[object]:
        """The Teams addresses of everyone the pass will post to, in one query, not one each
        (returned so the caller keeps them in the session's identity map)."""
        people = [p for t in targets for p in self._people(session, t)]
        ids = {p.user_id for p in people}
        if not ids:
            return []
        return list(
            session.scalars(
                select(addresses.TeamsPerson).where(addresses.TeamsPerson.aad_object_id.in_(ids))
            )
        )

    # -- where -----------------------------------------------------------------------------------

    def _people(self, session: Session, target: Target) -> list[Participant]:
        if isinstance(target, PairTarget):
            pair = session.get(Pair, target.pair_id)
            return members_of(session, pair) if pair is not None else []
        if isinstance(target, UserTarget):
            person = session.get(Participant, target.participant_id)
            return [person] if person is not None else []
        return []

    def known_channel(self, session: Session, target: Target) -> str | None:
        if isinstance(target, ChannelTarget):
            return target.channel_id
        chats = [_chat(session, p) for p in self._people(session, target)]
        if not chats or any(c is None or not c.personal_conversation_id for c in chats):
            return None
        if isinstance(target, PairTarget):
            return pair_conversation(target.pair_id)
        found = chats[0]
        assert found is not None
        return found.personal_conversation_id

    def channel_for(self, session: Session, target: Target) -> str:
        """Opens the personal chat of each person who has none yet (once, kept)."""
        if isinstance(target, ChannelTarget):
            return target.channel_id
        people = self._people(session, target)
        if not people:
            raise SendFailure("no_one_to_tell", permanent=True)
        opened: list[str] = []
        for participant in people:
            chat = _chat(session, participant)
            if chat is None:
                raise SendFailure(NOT_REACHABLE, permanent=True)
            opened.append(self.connector.open_personal_chat(session, chat, self.clock.now()))
        if isinstance(target, PairTarget):
            return pair_conversation(target.pair_id)
        return opened[0]

    # -- posting ---------------------------------------------------------------------------------

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None:
        pair_id = pair_of_conversation(channel)
        if pair_id is not None:
            return self._post_to_pair(pair_id, channel, key, message)
        with session_scope(self.sessions) as session:
            service_url, tenant = _service_of(session, channel)
            card = draw_outgoing(session, tenant, message)
        if message.thread_ts:
            return self.connector.reply(service_url, channel, message.thread_ts, card)
        return self.connector.post(service_url, channel, card)

    def _post_to_pair(
        self, pair_id: int, group: str, key: str, message: OutgoingMessage
    ) -> str | None:
        """One copy per member, each kept the moment it is out; a resend posts only the missing."""
        with session_scope(self.sessions) as session:
            pair = session.get(Pair, pair_id)
            if pair is None:
                raise SendFailure("pair_gone", permanent=True)
            chats = [_chat(session, m) for m in members_of(session, pair)]
            done = {c.conversation_id: c.activity_id for c in copies_of_key(session, key)}
            card = draw_outgoing(session, pair.team_id, message)
            wanted = [
                (c.personal_conversation_id, c.service_url)
                for c in chats
                if c is not None and c.personal_conversation_id
            ]
        if len(wanted) < len(chats):
            raise SendFailure(NOT_REACHABLE, permanent=True)
        first: str | None = next(iter(done.values()), None)
        for conversation_id, service_url in wanted:
            if conversation_id in done:
                continue
            activity_id = self.connector.post(service_url, conversation_id, card)
            if activity_id is None:
                continue
            with session_scope(self.sessions) as session:
                keep_copy(
                    session, key, group, conversation_id, activity_id, service_url, self.clock.now()
                )
            first = first or activity_id
        if first is not None:
            with session_scope(self.sessions) as session:
                name_group(session, key, group, first)
        return first

    def find_sent(
        self,
        channel: str,
        keys: Collection[str],
        since: datetime,
        may_call: Callable[[], bool],
    ) -> dict[str, str] | None:
        """Nothing can be found: a Teams bot cannot read a chat's history (see the docstring)."""
        del channel, keys, since, may_call
        return {}


def _chat(session: Session, participant: Participant) -> addresses.TeamsPerson | None:
    return addresses.person(session, participant.team_id, participant.user_id)


def _service_of(session: Session, conversation: str) -> tuple[str, str]:
    """The service URL and tenant of a conversation Buddy knows: a channel or a personal chat."""
    base = conversation.split(";", 1)[0]
    found = session.scalar(
        select(addresses.TeamsChannel).where(addresses.TeamsChannel.channel_id == base).limit(1)
    )
    if found is not None:
        return found.service_url, found.tenant_id
    person = session.scalar(
        select(addresses.TeamsPerson)
        .where(addresses.TeamsPerson.personal_conversation_id == conversation)
        .limit(1)
    )
    if person is not None:
        return person.service_url, person.tenant_id
    raise SendFailure("conversation_unknown", permanent=True)
