"""Sending to Teams through the Bot Connector: for the clock, and for work after an answer.

Each call either succeeds or raises `scheduler.ports.SendFailure`, classified as the outbox
needs it (docs TEAMS_RESEARCH §3; the SDK retries nothing):

- retry later, not sent: 429 (with its Retry-After), 412, 502, 503, 504, 401, a connection that
  could not be made, and the bot's token not got (`retry_after_seconds` set, or nothing set);
- ambiguous, it may have arrived: a read timeout, 500, a connection dropped after the request
  went (`maybe_delivered`); Teams lets a bot look nothing up, so the outbox decides what to risk;
- permanent: 400, 403 (blocked, uninstalled), 404 (no such conversation) and other 4xx.

An update is a PUT of the whole activity, so it is idempotent and can be retried freely.

Synchronous callers (the clock) use the plain methods, which run on the process's one loop
thread with a deadline; listeners already on the loop await the `a`-prefixed ones.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from frontends.teams import addresses
from scheduler.ports import DEFAULT_RETRY_AFTER_SECONDS, SendFailure

if TYPE_CHECKING:
    from microsoft_teams.api.activities.activity_params import ActivityParams
    from microsoft_teams.cards import AdaptiveCard
    from sqlalchemy.orm import Session

    from frontends.teams.sdk import TeamsRuntime

    Outgoing = str | ActivityParams | AdaptiveCard

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Retried later, as nothing was done.
RETRY_STATUSES = frozenset({401, 412, 429, 502, 503, 504})
# The connector may have done it: 500 and anything 5xx not named above.
# A send answered later than this is ambiguous: the connector's own deadline plus the token's.
CALL_TIMEOUT_SECONDS = 30.0
# Placeholder the SDK gives a sent activity when the answer carried no id.
NO_ID = "DO_NOT_USE_PLACEHOLDER_ID"

Kind = Literal["retry", "ambiguous", "permanent"]


def kind_of(failure: SendFailure) -> Kind:
    """The three outcomes by name, for callers that think in them."""
    if failure.permanent:
        return "permanent"
    if failure.maybe_delivered:
        return "ambiguous"
    return "retry"


def _retry_after(headers: httpx.Headers, status: int) -> float | None:
    raw = headers.get("retry-after")
    try:
        after = float(raw) if raw is not None else None
    except ValueError:
        after = None
    if after is None and status == 429:
        return float(DEFAULT_RETRY_AFTER_SECONDS)
    return after


def classify(error: BaseException) -> SendFailure:
    if isinstance(error, SendFailure):
        return error
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        code = f"http_{status}"
        if status in RETRY_STATUSES:
            return SendFailure(
                code, retry_after_seconds=_retry_after(error.response.headers, status)
            )
        if status >= 500:
            return SendFailure(code, maybe_delivered=True)
        return SendFailure(code, permanent=True)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return SendFailure(f"unreachable: {type(error).__name__}")
    if isinstance(error, httpx.TransportError | TimeoutError):
        # A read timeout, a dropped connection: the request went, and may have been acted on.
        return SendFailure(f"{type(error).__name__}: {error}", maybe_delivered=True)
    if isinstance(error, ValueError | OSError):
        # MSAL could not get the bot's token (ValueError("invalid_client"), or requests'
        # connection errors, which are OSErrors): nothing reached the connector.
        return SendFailure(f"no bot token: {type(error).__name__}: {error}")
    return SendFailure(f"{type(error).__name__}: {error}", maybe_delivered=True)


class TeamsConnector:
    """Posts, replies, updates and uploads through one runtime's App and loop."""

    def __init__(self, runtime: TeamsRuntime, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
        self.runtime = runtime
        self.timeout = timeout

    # -- synchronous (the clock) ---------------------------------------------------------------
    def _run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        self.runtime.start()
        try:
            return self.runtime.loop.run(make(), self.timeout)
        except SendFailure:
            raise
        except Exception as error:
            raise classify(error) from error

    def open_personal_chat(
        self, session: Session, person: addresses.TeamsPerson, now: datetime
    ) -> str:
        """Their personal chat with Buddy: the one kept, else opened once and kept."""
        if person.personal_conversation_id:
            return person.personal_conversation_id
        conversation_id = self._run(
            lambda: self.acreate_personal_chat(person.service_url, person.tenant_id, person.user_id)
        )
        addresses.keep_personal_conversation(session, person, conversation_id, now)
        return conversation_id

    def post(self, service_url: str, conversation_id: str, message: Outgoing) -> str | None:
        """Post a new message; the id of the activity (None if the connector gave none)."""
        return self._run(lambda: self.apost(service_url, conversation_id, message))

    def reply(
        self, service_url: str, channel_id: str, root_id: str, message: Outgoing
    ) -> str | None:
        """Post in the thread under the channel post `root_id` (a numeric message id)."""
        return self._run(lambda: self.areply(service_url, channel_id, root_id, message))

    def update(
        self, service_url: str, conversation_id: str, activity_id: str, message: Outgoing
    ) -> None:
        """Replace a message Buddy sent with `message` (a press updating every copy)."""
        self._run(lambda: self.aupdate(service_url, conversation_id, activity_id, message))

    def upload(self, upload_url: str, data: bytes) -> None:
        """Put a file's bytes at the upload URL a file consent's acceptance gave."""
        self._run(lambda: self.aupload(upload_url, data))

    # -- asynchronous (on the loop: listeners) -------------------------------------------------
    async def acreate_personal_chat(self, service_url: str, tenant_id: str, user_id: str) -> str:
        from microsoft_teams.api.clients.conversation import CreateConversationParams
        from microsoft_teams.api.models.account import Account

        api = self.runtime.app.api.clone(service_url=service_url.rstrip("/"))
        # `bot` and `isGroup` are not fields of the model: extra ones, sent as named.
        params = CreateConversationParams.model_validate(
            {
                "members": [Account(id=user_id)],
                "tenant_id": tenant_id,
                "channel_data": {"tenant": {"id": tenant_id}},
                "bot": {"id": f"28:{self.runtime.settings.client_id}"},
                "isGroup": False,
            }
        )
        try:
            conversation = await api.conversations.create(params)
        except Exception as error:
            raise classify(error) from error
        if not conversation.id:
            raise SendFailure("the connector opened a chat without an id", maybe_delivered=True)
        return conversation.id

    async def apost(self, service_url: str, conversation_id: str, message: Outgoing) -> str | None:
        try:
            sent = await self.runtime.app.send(
                conversation_id, _activity(message), service_url=service_url.rstrip("/")
            )
        except Exception as error:
            raise classify(error) from error
        return sent.id if sent.id and sent.id != NO_ID else None

    async def areply(
        self, service_url: str, channel_id: str, root_id: str, message: Outgoing
    ) -> str | None:
        if not root_id.isdigit():
            raise SendFailure(
                f"a thread is named by a numeric message id, not {root_id!r}", permanent=True
            )
        thread = f"{channel_id.split(';', 1)[0]};messageid={root_id}"
        return await self.apost(service_url, thread, message)

    async def aupdate(
        self, service_url: str, conversation_id: str, activity_id: str, message: Outgoing
    ) -> None:
        activity = _activity(message)
        activity.id = activity_id
        try:
            await self.runtime.app.send(
                conversation_id, activity, service_url=service_url.rstrip("/")
            )
        except (KeyError, json.JSONDecodeError):
            # The PUT was answered 2xx without the id the SDK reads back: it was done.
            return
        except Exception as error:
            raise classify(error) from error

    async def aupload(self, upload_url: str, data: bytes) -> None:
        size = len(data)
        headers = {
            "Content-Length": str(size),
            "Content-Range": f"bytes 0-{max(size - 1, 0)}/{size}",
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.put(upload_url, content=data, headers=headers)
                response.raise_for_status()
        except Exception as error:
            raise classify(error) from error


def _activity(message: Outgoing) -> ActivityParams:
    """A fresh activity for `message` (the SDK writes into the activity it sends)."""
    from microsoft_teams.api.activities.message import MessageActivityInput
    from microsoft_teams.cards import AdaptiveCard

    if isinstance(message, str):
        return MessageActivityInput(text=message)
    if isinstance(message, AdaptiveCard):
        return MessageActivityInput().add_card(message)
    return message.model_copy(deep=True)
