"""Talking to Slack for the clock: resolve a target's channel, post with the delivery key, and
look for messages that already went out. Errors are classified, never slept through or retried
here: whether a failed post may have reached Slack decides what the outbox does next."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from http.client import HTTPException
from typing import Any, cast
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.logging_setup import quiet_logger
from frontends.slack.blockkit import draw_blocks
from frontends.slack.outlet import pair_channel, user_dm_channel
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


class SlackSender:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def preload(self, session: Session, targets: Iterable[Target]) -> list[object]:
        return load_recipients(session, targets)

    def known_channel(self, session: Session, target: Target) -> str | None:
        """The channel already kept for `target`, without calling Slack."""
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
        try:
            if isinstance(target, PairTarget):
                pair = session.get(Pair, target.pair_id)
                assert pair is not None
                return pair_channel(self.client, session, pair)
            participant = session.get(Participant, target.participant_id)
            assert participant is not None
            return user_dm_channel(self.client, session, participant)
        except (SlackApiError, OSError, HTTPException) as error:
            raise classify(error) from error

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None:
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=draw_blocks(message.blocks) or None,
                metadata=delivery_metadata(key),
                unfurl_links=False,
                thread_ts=message.thread_ts,
            )
        except (SlackApiError, OSError, HTTPException) as error:
            raise classify(error) from error
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
                response = self.client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    limit=HISTORY_PAGE,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            except (SlackApiError, OSError, HTTPException) as error:
                raise classify(error) from error
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
