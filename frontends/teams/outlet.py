"""Teams' `Outlet`: what handlers ask of the platform after their answer, done through the Bot
Connector.

Where Buddy talks in Teams: each person's personal chat with Buddy (opened once and kept), a
pair's messages as a copy in each member's chat (`copies.py`: bots cannot make group chats), a
cohort's channel. Files go by Teams' file consent (`files.py`). People are known from what Teams
has sent Buddy (`addresses.py`): Teams has no profile lookup a bot may use without Graph
permissions, so a person Buddy has never heard from is refused by name, with what to do.

Posts that name people are recorded as being about each of them (`direct_posts`), so erasing one
finds and redraws them, as on Slack.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from conversation.blocks import Form, HomeView
from conversation.deps import Deps
from conversation.outlet import OutletError, Posted, SentFile
from conversation.replies import OutgoingMessage
from frontends.teams import addresses, files
from frontends.teams.connector import TeamsConnector
from frontends.teams.copies import (
    copies_of_message,
    keep_copy,
    name_group,
    pair_conversation,
    pair_of_conversation,
)
from frontends.teams.drawing import draw_form_as_message, draw_outgoing, draw_words
from models.base import TEAMS
from models.clock import Clock
from models.db import session_scope
from models.deliveries import remember_direct_post
from models.pairs import Pair, Profile, members_of
from models.people import Participant
from models.refusals import Refusal
from scheduler.ports import SendFailure

logger = logging.getLogger(__name__)

_MENTIONED = re.compile(r"<@([^>|]+)(?:\|[^>]*)?>")

NOT_MET = (
    "I haven't met {0} in Teams yet, so I can't reach them. Ask them to open Buddy's personal "
    "chat (Apps, then Buddy) and say hello, then try again."
)
NO_FILES_IN_TEAMS = "files_only_in_the_personal_chat"


def named_in(message: OutgoingMessage) -> list[str]:
    """The people a message names (Buddy's own `<@id>` tokens; people's words are escaped)."""
    from frontends.teams.drawing import message_markup

    return list(dict.fromkeys(_MENTIONED.findall(message_markup(message))))


@contextmanager
def _refusals() -> Iterator[None]:
    """The connector's failures as `OutletError(reason)`, for the handler to word."""
    try:
        yield
    except SendFailure as failure:
        raise OutletError(failure.error) from failure


@dataclass
class TeamsOutlet:
    """The Bot Connector, for one request's person (their tenant and Entra object id)."""

    connector: TeamsConnector
    sessions: sessionmaker[Session]
    clock: Clock
    tenant_id: str
    user_id: str
    platform: str = TEAMS

    # -- where -----------------------------------------------------------------------------------

    def _chat_of(self, session: Session, user_id: str) -> addresses.TeamsPerson:
        found = addresses.person(session, self.tenant_id, user_id)
        if found is None:
            raise Refusal(NOT_MET, people=[user_id])
        return found

    def _personal(self, session: Session, user_id: str) -> tuple[str, str]:
        """A person's personal chat (opened once and kept) and its service URL."""
        chat = self._chat_of(session, user_id)
        with _refusals():
            conversation = self.connector.open_personal_chat(session, chat, self.clock.now())
        return conversation, chat.service_url

    def pair_conversation(self, session: Session, pair: Pair) -> str:
        for member in members_of(session, pair):
            self._personal(session, member.user_id)
        return pair_conversation(pair.id)

    def person_conversation(self, session: Session, participant: Participant) -> str:
        return self._personal(session, participant.user_id)[0]

    # -- telling people (best effort) ------------------------------------------------------------

    def tell_pair(self, deps: Deps, pair_id: int, message: OutgoingMessage) -> bool:
        try:
            self.post(pair_conversation(pair_id), message)
        except (OutletError, Refusal):
            logger.exception("Could not tell pair %s in Teams", pair_id)
            return False
        return True

    def tell_people(self, user_ids: Sequence[str], text: str) -> bool:
        told = True
        for user_id in user_ids:
            if not self.tell_person(user_id, OutgoingMessage(text)):
                told = False
        return told

    def tell_person(self, user_id: str, message: OutgoingMessage, deps: Deps | None = None) -> bool:
        try:
            with session_scope(self.sessions) as session:
                conversation, _ = self._personal(session, user_id)
            self.post(conversation, message)
        except (OutletError, Refusal):
            logger.exception("Could not tell %s in Teams", user_id)
            return False
        return True

    # -- posting and redrawing -------------------------------------------------------------------

    def post(self, conversation: str, message: OutgoingMessage) -> Posted:
        pair_id = pair_of_conversation(conversation)
        with session_scope(self.sessions) as session:
            card = draw_outgoing(session, self.tenant_id, message)
            if pair_id is not None:
                pair = session.get(Pair, pair_id)
                if pair is None:
                    raise OutletError("pair_gone")
                targets = [self._personal(session, m.user_id) for m in members_of(session, pair)]
            elif ":" not in conversation:
                # A person's id (every Teams conversation id has a colon): their personal chat,
                # as a Slack user id posts to the person's DM.
                targets = [self._personal(session, conversation)]
            else:
                targets = [(conversation, _service_url(session, self.tenant_id, conversation))]
        key = f"told:{uuid.uuid4()}"
        first: str | None = None
        for target, service_url in targets:
            with _refusals():
                if message.thread_ts and pair_id is None:
                    sent = self.connector.reply(service_url, target, message.thread_ts, card)
                else:
                    sent = self.connector.post(service_url, target, card)
            if sent is None:
                continue
            first = first or sent
            if pair_id is not None:
                with session_scope(self.sessions) as session:
                    keep_copy(
                        session, key, conversation, target, sent, service_url, self.clock.now()
                    )
        if first is None:
            raise OutletError("no_message_id")
        with session_scope(self.sessions) as session:
            if pair_id is not None:
                name_group(session, key, conversation, first)
            remember_direct_post(session, self.tenant_id, named_in(message), conversation, ts=first)
        return Posted(conversation, first)

    def update(self, conversation: str, message_id: str, message: OutgoingMessage) -> None:
        """Redraw a message Buddy sent: every member's copy of a pair's."""
        with session_scope(self.sessions) as session:
            card = draw_outgoing(session, self.tenant_id, message)
            if pair_of_conversation(conversation) is not None:
                targets = [
                    (c.conversation_id, c.activity_id, c.service_url)
                    for c in copies_of_message(session, conversation, message_id)
                ]
            else:
                url = _service_url(session, self.tenant_id, conversation)
                targets = [(conversation, message_id, url)]
        for target, activity_id, service_url in targets:
            with _refusals():
                self.connector.update(service_url, target, activity_id, card)

    def delete(self, conversation: str, message_id: str) -> None:
        """Teams keeps a deleted bot message as "This message has been deleted": redrawn as a
        plain line instead, which reads the same and needs no extra permission."""
        self.update(conversation, message_id, OutgoingMessage("This message was taken down."))

    def send_files(self, conversation: str, files_: Sequence[SentFile], comment: str) -> list[str]:
        """Each file offered in the person's personal chat by Teams' file consent: it is put in
        their OneDrive when they accept (`files.accept`), never before."""
        keys: list[str] = []
        with session_scope(self.sessions) as session:
            chat, service_url = self._personal(session, self.user_id)
            offers = [
                files.offer(session, self.tenant_id, self.user_id, sent, self.clock.now())
                for sent in files_
            ]
        if comment:
            with _refusals():
                self.connector.post(service_url, chat, draw_words(comment))
        for offer in offers:
            with _refusals():
                self.connector.post(service_url, chat, files.consent_card(offer))
            keys.append(offer.key)
        return keys

    def delete_file(self, file_id: str) -> None:
        """A file a person accepted is theirs, in their OneDrive; only an offer not yet taken is
        Buddy's to withdraw."""
        with session_scope(self.sessions) as session:
            files.withdraw(session, file_id)

    def download(self, file_id: str, most_bytes: int) -> bytes:
        raise OutletError(NO_FILES_IN_TEAMS)

    # -- forms and Home --------------------------------------------------------------------------

    def open_form(self, trigger_id: str | None, form: Form) -> str:
        raise OutletError("teams_opens_forms_as_dialogs")

    def update_form(self, view_id: str, form: Form, view_hash: str | None = None) -> None:
        """A dialog cannot be changed once Teams shows it: what the form would now say (an
        import's result) comes as a message in the person's personal chat instead."""
        with session_scope(self.sessions) as session:
            chat, service_url = self._personal(session, self.user_id)
        with _refusals():
            self.connector.post(service_url, chat, draw_form_as_message(form))

    def publish_home(self, user_id: str, view: HomeView) -> None:
        """Teams draws Home when its tab is opened (and the `home` command shows it in the chat):
        there is no copy of it to replace."""

    # -- people ----------------------------------------------------------------------------------

    def profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        found: list[Profile] = []
        with session_scope(self.sessions) as session:
            for user_id in user_ids:
                chat = self._chat_of(session, user_id)
                found.append(
                    Profile(
                        user_id=user_id,
                        timezone=chat.timezone,
                        is_bot=False,
                        deleted=False,
                        name=chat.display_name,
                    )
                )
        return found

    def quick_profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        return self.profiles(user_ids)

    def user_ids_by_email(self, emails: Sequence[str]) -> dict[str, str]:
        """Teams tells a bot nobody's email without Graph permissions Buddy does not ask for."""
        return {}


def _service_url(session: Session, tenant_id: str, conversation: str) -> str:
    base = conversation.split(";", 1)[0]
    channel = addresses.channel(session, tenant_id, base)
    if channel is not None:
        return channel.service_url
    person = (
        session.query(addresses.TeamsPerson)
        .filter(addresses.TeamsPerson.personal_conversation_id == conversation)
        .first()
    )
    if person is not None:
        return person.service_url
    raise OutletError("conversation_unknown")
