"""`POST /api/messages`: a Teams activity in, authenticated, routed, answered within the deadline.

Before the SDK sees a request, this shim refuses what it could not read (too large: 413; not a JSON
object: 400) and closes two gaps in the SDK's token check (docs TEAMS_RESEARCH §2): a body
without a `serviceUrl` would skip the check that the token was issued for that service URL, and a
token without `exp` would never expire; both get 401. Then the SDK's handler validates the token
(signature, issuer, audience, expiry, serviceurl claim: 401 otherwise) and runs the listeners.
Nothing is run or stored for a request until its token is good.

Teams also sends activities the SDK cannot read: the `add-upgrade` / `remove-upgrade` actions of
an app update (read here as `add` / `remove`), and types or invoke names Buddy does not know.
Those would be answered 500 and logged as errors; instead their token is checked with the SDK's
own validator, and a good one is answered 200 with nothing done (Teams is told it arrived, and
does not send it again).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.settings import TeamsSettings
    from frontends.teams.sdk import LoopThread, TeamsRuntime
    from models.clock import Clock

logger = logging.getLogger(__name__)

# The answer must reach Teams within its own deadline (about 5 s for an invoke, 15 s in all).
ANSWER_TIMEOUT_SECONDS = 10.0
UPGRADE_ACTIONS = {"add-upgrade": "add", "remove-upgrade": "remove"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: object = None  # JSON, or None for an empty body


UNAUTHORIZED = Answer(401, {"error": "Unauthorized"})


class TeamsInbound:
    """Called by the WSGI app with the raw body (None when it was too large) and the headers,
    lower-case."""

    def __init__(self, runtime: TeamsRuntime, timeout: float = ANSWER_TIMEOUT_SECONDS) -> None:
        self.runtime = runtime
        self.timeout = timeout

    def __call__(self, raw: bytes | None, headers: Mapping[str, str]) -> Answer:
        if raw is None:
            return Answer(413, {"error": "request too large"})
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            logger.info("Refused a Teams request whose body is not a JSON object")
            return Answer(400, {"error": "malformed request"})
        token = bearer_token(headers)
        service_url = body.get("serviceUrl")
        if token is None or not _expires(token):
            return _refused("its token is missing or has no expiry")
        if not isinstance(service_url, str) or not service_url.strip():
            return _refused("its activity names no serviceUrl")
        normalise(body)
        try:
            answer: Answer = self.runtime.loop.run(
                self._answer(body, dict(headers), token, service_url), self.timeout
            )
        except TimeoutError:
            logger.error("A Teams activity was not answered within %g s", self.timeout)
            return Answer(503, {"error": "not answered in time"})
        return answer

    async def _answer(
        self, body: dict[str, Any], headers: dict[str, str], token: str, service_url: str
    ) -> Answer:
        if self.runtime.routable(body):
            response = await self.runtime.handle(body, headers)
            return Answer(response["status"], response["body"])
        try:
            await self.runtime.authenticate(token, service_url)
        except Exception as error:
            return _refused(f"its token was refused ({type(error).__name__})")
        logger.info(
            "Ignored a Teams activity Buddy does not handle (type %.40r, name %.60r)",
            body.get("type"),
            body.get("name"),
        )
        return Answer(200)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    if not value.startswith("Bearer "):
        return None
    return value[len("Bearer ") :].strip() or None


def _expires(token: str) -> bool:
    """Whether the token, read without checking it, carries an integer `exp` (the SDK accepts a
    token without one, which would then be good forever)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    exp = claims.get("exp")
    return isinstance(exp, int) and not isinstance(exp, bool)


def normalise(body: dict[str, Any]) -> None:
    """An app update's install actions, which the SDK does not know, read as install actions."""
    action = body.get("action")
    if body.get("type") == "installationUpdate" and isinstance(action, str):
        body["action"] = UPGRADE_ACTIONS.get(action, action)


def _refused(why: str) -> Answer:
    logger.info("Refused a Teams request: %s", why)
    return UNAUTHORIZED


def create_inbound(
    settings: TeamsSettings,
    sessions: sessionmaker[Session],
    clock: Clock,
    facilitators: frozenset[str] = frozenset(),
    loop: LoopThread | None = None,
) -> TeamsInbound:
    """The Teams endpoint of a web process: the SDK imported (seconds), listeners registered,
    the App started."""
    from frontends.teams import listeners
    from frontends.teams.deps import TeamsDeps
    from frontends.teams.sdk import create_runtime

    runtime = create_runtime(settings, loop)
    listeners.register(
        runtime.app, TeamsDeps(sessions=sessions, clock=clock, facilitators=facilitators)
    )
    runtime.start()
    return TeamsInbound(runtime)
