"""Talking to Slack for the clock: resolve a target's channel, post with the delivery key, and
look for a message that already went out. Errors are classified, never slept through."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from models.pairs import Pair
from models.people import Participant
from scheduler.planning import OutgoingMessage, PairTarget, Target

logger = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "buddy_delivery"
HISTORY_LIMIT = 100
DEFAULT_RETRY_AFTER_SECONDS = 30

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


@dataclass(frozen=True)
class SendFailure(Exception):
    """Why a send did not happen, and whether (and after how long) to try again."""

    error: str
    retry_after_seconds: float | None = None
    permanent: bool = False


def delivery_metadata(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"delivery_key": key}}


def classify(error: Exception) -> SendFailure:
    if isinstance(error, SlackApiError):
        response = error.response
        status = getattr(response, "status_code", 200)
        code = str(response.get("error", "unknown_error")) if response is not None else "unknown"
        if status == 429:
            raw = (response.headers or {}).get("Retry-After") or (response.headers or {}).get(
                "retry-after"
            )
            try:
                after = float(raw) if raw is not None else DEFAULT_RETRY_AFTER_SECONDS
            except ValueError:
                after = DEFAULT_RETRY_AFTER_SECONDS
            return SendFailure("ratelimited", retry_after_seconds=after)
        if status >= 500:
            return SendFailure(f"http_{status}")
        return SendFailure(code, permanent=code in PERMANENT_ERRORS)
    return SendFailure(f"{type(error).__name__}: {error}")


class SlackSender:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def channel_for(self, session: Session, target: Target) -> str:
        """The real channel id, opening a DM once and keeping it (conversations.open is Tier 3)."""
        try:
            if isinstance(target, PairTarget):
                pair = session.get(Pair, target.pair_id)
                assert pair is not None
                if pair.group_channel_id is None:
                    pair.group_channel_id = self._open(target.user_ids)
                return pair.group_channel_id
            participant = session.get(Participant, target.participant_id)
            assert participant is not None
            if participant.dm_channel_id is None:
                participant.dm_channel_id = self._open((target.user_id,))
            return participant.dm_channel_id
        except SlackApiError as error:
            raise classify(error) from error

    def _open(self, user_ids: tuple[str, ...]) -> str:
        response = self.client.conversations_open(users=",".join(user_ids))
        return str(response["channel"]["id"])

    def post(self, channel: str, key: str, message: OutgoingMessage) -> str | None:
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks or None,
                metadata=delivery_metadata(key),
                unfurl_links=False,
            )
        except SlackApiError as error:
            raise classify(error) from error
        except OSError as error:
            raise classify(error) from error
        ts = response.get("ts")
        return str(ts) if ts else None

    def find_sent(self, channel: str, key: str, since: datetime) -> str | None:
        """The ts of a message already carrying `key`, if a dead sender did post it."""
        try:
            response = self.client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                limit=HISTORY_LIMIT,
                include_all_metadata=True,
            )
        except (SlackApiError, OSError) as error:
            raise classify(error) from error
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT_TYPE
                and payload.get("delivery_key") == key
            ):
                return str(message.get("ts"))
        return None
