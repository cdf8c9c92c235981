"""Each of Slack's deliveries is applied at most once, whatever resends it.

Slack resends events it thinks were missed (`X-Slack-Retry-Num`), proxies and people resend
commands, and a captured signed request stays valid for five minutes. Every delivery that changes
state carries an id that is new for each real action (a slash command's or a click's `trigger_id`,
an event's `event_id`); a global middleware claims that id in `handled_requests` before any
listener runs, and a delivery whose id is already claimed is acknowledged and goes no further.

This is at-most-once by design: a claim is not given back if the listener then fails. A second
action or message is worse than a lost one, and a person can simply run the command again (which
gets a new trigger_id).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.shapes import TRIGGERED_INTERACTIONS
from frontends.slack.acks import empty_ack, ephemeral_ack
from models.clock import Clock, SystemClock
from models.handled_requests import KEY_LENGTH, claim, prune

logger = logging.getLogger(__name__)

ALREADY_HANDLED = "I've already dealt with that request, so I haven't done it again."
# Slack stops retrying an event within the hour and refuses replays after five minutes.
KEEP_FOR = timedelta(days=1)
PRUNE_EVERY = timedelta(minutes=10)


def delivery_key(body: dict[str, Any]) -> str | None:
    """The key that is the same for every delivery of one action, or None if nothing to key."""
    if "command" in body:
        return _key("command", body.get("trigger_id"))
    kind = body.get("type")
    if kind == "event_callback":
        return _key("event", body.get("event_id"))
    if kind in TRIGGERED_INTERACTIONS:
        return _key(str(kind), body.get("trigger_id"))
    return None


def _key(kind: str, ident: object) -> str | None:
    if not isinstance(ident, str) or not ident:
        return None
    key = f"{kind}:{ident}"
    if len(key) > KEY_LENGTH:
        key = f"{kind}:sha256:{hashlib.sha256(ident.encode()).hexdigest()}"
    return key


class HandledOnce:
    """Claims delivery keys, and now and then forgets those too old to be sent again.

    The clock is the real one (not the app's settable domain clock): how long to keep a key
    depends on when Slack sends, as with signatures.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock | None = None,
        keep_for: timedelta = KEEP_FOR,
        prune_every: timedelta = PRUNE_EVERY,
    ) -> None:
        self._sessions = sessions
        self._clock = clock or SystemClock()
        self._keep_for = keep_for
        self._prune_every = prune_every
        self._lock = threading.Lock()
        self._next_prune: datetime | None = None

    def first_time(self, key: str) -> bool:
        now = self._clock.now()
        with self._sessions() as session:
            first = claim(session, key, now)
        if first:
            self._prune_if_due(now)
        return first

    def _prune_if_due(self, now: datetime) -> None:
        with self._lock:
            if self._next_prune is not None and now < self._next_prune:
                return
            self._next_prune = now + self._prune_every
        try:
            with self._sessions() as session:
                prune(session, before=now - self._keep_for)
        except Exception:
            logger.exception("Could not forget old handled requests; will try again later")


def once_only(handled: HandledOnce) -> Callable[..., BoltResponse | None]:
    def skip_second_deliveries(
        body: dict[str, Any], req: BoltRequest, next: Callable[[], BoltResponse | None]
    ) -> BoltResponse | None:
        """Let a delivery through only the first time its key is seen."""
        key = delivery_key(body)
        # Bolt re-dispatches a lazy listener as its own request on some runtimes (not ours, but
        # a claim made for the ack must not block the lazy part).
        if key is None or req.lazy_only:
            return next()
        if handled.first_time(key):
            return next()
        retry = (req.headers.get("x-slack-retry-num") or ["none"])[0]
        logger.info("Already handled %s, so not again (Slack's retry number: %s)", key, retry)
        if "command" in body:
            return ephemeral_ack(ALREADY_HANDLED)
        return empty_ack()

    return skip_second_deliveries
