"""Talking to Slack for the clock: resolve a target's channel, post with the delivery key, and
look for messages that already went out. Errors are classified, never slept through or retried
here: whether a failed post may have reached Slack decides what the outbox does next.

With one workspace every call uses the one bot token. Installed in many (OAuth), each call uses
the bot token of the workspace of its delivery (`WorkspaceClients`), looked up per call: one
workspace uninstalled or its token revoked stops only its own deliveries, plainly (a retry until
their moment passes, never a failure, and nothing paused for the others); an uninstall Slack told
Buddy of holds them before they reach here (scheduler/lifecycle.py)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from http.client import HTTPException
from typing import Any, cast
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.logging_setup import quiet_logger
from frontends.slack.blockkit import draw_blocks
from frontends.slack.outlet import pair_channel, user_dm_channel
from models.community.tables import CommunityGroup
from models.pairs import Pair
from models.people import Participant
from scheduler.planning import ChannelTarget, OutgoingMessage, PairTarget, Target, UserTarget
from scheduler.ports import DEFAULT_RETRY_AFTER_SECONDS, SendFailure, load_recipients

logger = logging.getLogger(__name__)

POST = "chat.postMessage"
HISTORY = "conversations.history"
OPEN = "conversations.open"

METADATA_EVENT_TYPE = "buddy_delivery"
HISTORY_PAGE = 200
# The scheduler's answer deadline: a post answered later is "maybe sent", never simply resent.
CLIENT_TIMEOUT_SECONDS = 10.0

# ok:false answers that will not get better by trying again.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "not_in_channel",
        "invalid_blocks",
        "invalid_metadata_format",
        "msg_too_long",
        "no_text",
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
    }
)
# ok:false answers after which Slack may have done part of the work (Slack's own wording for
# internal_error and fatal_error): the message may be in the channel.
MAYBE_DONE_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable"})


def history_scope(channel: str, target: Target | None) -> str:
    """The scope conversations.history needs to read `channel`: by what Buddy posts there (a
    person's DM, a pair's group DM, a community group's channel), else by the channel's id."""
    if isinstance(target, UserTarget):
        return "im:history"
    if isinstance(target, PairTarget):
        return "mpim:history"
    if target is None and channel.startswith("D"):
        return "im:history"
    if target is None and channel.startswith("G"):
        return "mpim:history"
    return "groups:history" if channel.startswith("G") else "channels:history"


def delivery_metadata(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"delivery_key": key}}


def classify(error: Exception) -> SendFailure:
    if isinstance(error, SlackApiError):
        response = error.response
        status = getattr(response, "status_code", 200)
        code = str(response.get("error", "unknown_error")) if response is not None else "unknown"
        if status == 429 or code == "ratelimited":
            headers = getattr(response, "headers", None) or {}
            raw = headers.get("Retry-After") or headers.get("retry-after")
            try:
                after = float(raw) if raw is not None else DEFAULT_RETRY_AFTER_SECONDS
            except ValueError:
                after = DEFAULT_RETRY_AFTER_SECONDS
            return SendFailure("ratelimited", retry_after_seconds=after)
        if status >= 500:
            return SendFailure(f"http_{status}", maybe_delivered=True)
        if code in MAYBE_DONE_ERRORS:
            return SendFailure(code, maybe_delivered=True)
        return SendFailure(code, permanent=code in PERMANENT_ERRORS)
    if isinstance(error, URLError) and isinstance(
        error.reason, ConnectionRefusedError | socket.gaierror
    ):
        # Refused or not resolved: the request never reached Slack.
        return SendFailure(f"unreachable: {error.reason}")
    # A timeout, a reset or a close after sending: Slack may have posted it.
    return SendFailure(f"{type(error).__name__}: {error}", maybe_delivered=True)


def make_client(token: str | None, base_url: str, timeout: float) -> WebClient:
    """No retry handlers: slack_sdk's default one re-posts at once after a dropped connection,
    when Slack may already have the message; the outbox decides about every retry."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=cast(int, timeout),  # typed int, but urllib takes fractions of a second
        retry_handlers=[],
        logger=quiet_logger("scheduler.slack_client"),
    )


# Answers meaning the workspace's token no longer works: uninstalled or revoked.
TOKEN_GONE_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
NOT_INSTALLED = "not_installed"


class WorkspaceClients:
    """The clock's client for each workspace (OAuth): its installation's bot token, looked up
    for every call (it may have been refreshed, or the workspace uninstalled, since the last)."""

    def __init__(
        self,
        tokens: Callable[[str], str | None],
        sessions: Callable[[], Session],
        base_url: str,
        timeout: float,
    ) -> None:
        self.tokens = tokens
        self.sessions = sessions
        self.base_url = base_url
        self.timeout = timeout
        self._teams: dict[str, str] = {}  # channel → its workspace, as found
        self._clients: dict[str, tuple[str, WebClient]] = {}  # team → its token and client

    def for_team(self, team_id: str | None) -> WebClient:
        """The workspace's client; a plain, non-permanent SendFailure when Buddy is not installed
        there (the delivery waits and is skipped when its moment passes)."""
        try:
            token = self.tokens(team_id) if team_id else None
        except SlackTokenRotationError as error:
            # Slack refused to refresh it: as good as revoked, until an install or a new token.
            raise SendFailure(f"{NOT_INSTALLED}: the token could not be refreshed") from error
        except (OSError, HTTPException) as error:
            raise SendFailure(f"unreachable while refreshing the token: {error}") from error
        if token is None:
            raise SendFailure(f"{NOT_INSTALLED} in workspace {team_id or 'unknown'}")
        assert team_id is not None
        kept = self._clients.get(team_id)
        if kept is None or kept[0] != token:  # new, or refreshed since
            kept = self._clients[team_id] = (token, make_client(token, self.base_url, self.timeout))
        return kept[1]

    def note(self, channel: str | None, team_id: str | None) -> None:
        if channel and team_id:
            self._teams[channel] = team_id

    def for_channel(self, channel: str) -> WebClient:
        return self.for_team(self.team_of_channel(channel))

    def team_of_channel(self, channel: str) -> str | None:
        """The workspace of a channel Buddy posts to: a person's DM, a pair's group DM or a
        community group's channel (Slack's channel ids are not shared between workspaces)."""
        if channel not in self._teams:
            with self.sessions() as session:
                for query in (
                    select(Participant.team_id).where(Participant.dm_channel_id == channel),
                    select(Pair.team_id).where(Pair.group_channel_id == channel),
                    select(CommunityGroup.team_id).where(CommunityGroup.channel_id == channel),
                ):
                    team = session.scalar(query.limit(1))
                    if team is not None:
                        self._teams[channel] = team
                        break
        return self._teams.get(channel)


def team_of_target(session: Session, target: Target) -> str | None:
    if isinstance(target, PairTarget):
        pair = session.get(Pair, target.pair_id)
        return pair.team_id if pair is not None else None
    if isinstance(target, UserTarget):
        person = session.get(Participant, target.participant_id)
        return person.team_id if person is not None else None
    return session.scalar(
        select(CommunityGroup.team_id).where(CommunityGroup.channel_id == target.channel_id)
    )


class SlackSender:
    def __init__(self, client: WebClient, workspaces: WorkspaceClients | None = None) -> None:
        self.client = client
        self.workspaces = workspaces

    def _client_for(self, channel: str) -> WebClient:
        return self.client if self.workspaces is None else self.workspaces.for_channel(channel)

    def _classified(self, error: SlackApiError | OSError | HTTPException) -> SendFailure:
        """Installed in many workspaces, a token that stopped working is one workspace gone, not
        a message that cannot be sent: its deliveries wait, plainly, like any not installed."""
        failure = classify(error)
        if self.workspaces is not None and failure.error in TOKEN_GONE_ERRORS:
            return SendFailure(f"{NOT_INSTALLED}: {failure.error}")
        return failure

    def preload(self, session: Session, targets: Iterable[Target]) -> list[object]:
        return load_recipients(session, targets)

    def known_channel(self, session: Session, target: Target) -> str | None:
        """The channel already kept for `target`, without calling Slack."""
        found = self._known_channel(session, target)
        if self.workspaces is not None and found is not None:
            self.workspaces.note(found, team_of_target(session, target))
        return found

    def _known_channel(self, session: Session, target: Target) -> str | None:
        if isinstance(target, ChannelTarget):
            return target.channel_id
        if isinstance(target, PairTarget):
            pair = session.get(Pair, target.pair_id)
            return pair.group_channel_id if pair is not None else None
        participant = session.get(Participant, target.participant_id)
        return participant.dm_channel_id if participant is not None else None

    def channel_for(self, session: Session, target: Target) -> str:
        """The real channel id, opening a DM once and keeping it (conversations.open is Tier 3)."""
        if isinstance(target, ChannelTarget):
            return target.channel_id
        team = team_of_target(session, target) if self.workspaces is not None else None
        try:
            client = self.client if self.workspaces is None else self.workspaces.for_team(team)
            if isinstance(target, PairTarget):
                pair = session.get(Pair, target.pair_id)
                assert pair is not None
                channel = pair_channel(client, session, pair)
            else:
                participant = session.get(Participant, target.participant_id)
                assert participant is not None
                channel = user_dm_channel(client, session, participant)
        except (SlackApiError, OSError, HTTPException) as error:
            raise self._classified(error) from error
        if self.workspaces is not None:
            self.workspaces.note(channel, team)
        return channel

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None:
        try:
            response = self._client_for(channel).chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=draw_blocks(message.blocks) or None,
                metadata=delivery_metadata(key),
                unfurl_links=False,
                thread_ts=message.thread_ts,
            )
        except (SlackApiError, OSError, HTTPException) as error:
            raise self._classified(error) from error
        ts = response.get("ts")
        return str(ts) if ts else None

    def find_sent(
        self,
        channel: str,
        keys: Collection[str],
        since: datetime,
        may_call: Callable[[], bool],
    ) -> dict[str, str] | None:
        """The ts of each message in `channel` since `since` carrying one of `keys`.

        One history call covers every key in the channel; further pages only while keys are
        missing and `may_call` allows (Tier 3). None when the look could not be finished."""
        wanted = set(keys)
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            try:
                response = self._client_for(channel).conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    limit=HISTORY_PAGE,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            except (SlackApiError, OSError, HTTPException) as error:
                raise self._classified(error) from error
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                key = payload.get("delivery_key")
                if metadata.get("event_type") == METADATA_EVENT_TYPE and key in wanted:
                    found[str(key)] = str(message.get("ts"))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if found.keys() == wanted or not response.get("has_more") or not cursor:
                return found
            if not may_call():
                return None
