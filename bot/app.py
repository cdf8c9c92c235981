"""`create_app(settings)`: the Bolt app, its Web API client pointed at SLACK_API_URL.

With one workspace (SLACK_BOT_TOKEN) every call uses that token. Installed in many (OAuth, see
frontends/slack/installs.py), Bolt looks up the token of each request's workspace in the
installation store, and every listener's client carries that workspace's token.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.listeners import register_listeners
from bot.logging_setup import quiet_logger
from bot.once import HandledOnce, once_only
from bot.settings import Settings
from conversation.deps import CONTEXT_KEY, Deps
from frontends.slack.org_wide import refuse_org_wide
from models.clock import Clock, SystemClock
from models.db import make_engine, make_session_factory
from scheduler.upcoming import preview

WEB_API_TIMEOUT_SECONDS = 10
# Threads for the slow work that follows an ack (Web API calls, files).
BACKGROUND_WORKERS = 8


def make_web_client(settings: Settings) -> WebClient:
    """Every Web API call, the bot's and the scheduler's, goes through a client like this one."""
    client = WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
        # slack_sdk logs whole bodies (what people typed) at DEBUG: its logger is kept at INFO.
        logger=quiet_logger("buddy.slack_client"),
    )
    # Request handlers may wait out one short 429; the scheduler uses its own client without it.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    return client


class _UnusedTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself, then warns that the client we
    give it wins: it does, as meant, so the warning only alarms whoever starts Buddy."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


def bolt_logger() -> logging.Logger:
    # Answers through a response_url go by slack_sdk's webhook client, which logs their bodies.
    quiet_logger("slack_sdk.webhook.client")
    found = quiet_logger("buddy.bolt")
    if not any(isinstance(f, _UnusedTokenNotice) for f in found.filters):
        found.addFilter(_UnusedTokenNotice())
    return found


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
    listener_executor: Executor | None = None,
) -> App:
    if sessions is None:
        sessions = make_session_factory(make_engine(settings.database_url))
    deps = build_deps(settings, sessions, clock, listener_executor)
    oauth: dict[str, Any] = {}
    if settings.oauth:
        from frontends.slack.installs import oauth_settings
        from handlers.lifecycle import heard_from

        def installed(installation: Installation) -> None:
            """Installed (again): a workspace whose sending had stopped picks up where it was."""
            if installation.team_id:
                heard_from(deps, installation.team_id)

        oauth["oauth_settings"] = oauth_settings(
            settings, _engine_of(sessions), installed=installed
        )
    with _no_oauth_from_environment():
        app = App(
            client=make_web_client(settings),
            signing_secret=settings.signing_secret or "",
            # Answer in the ack's own body as soon as the listener returns; slow work is lazy.
            process_before_response=True,
            # No auth.test at start: the app must start (and be testable) without reaching Slack.
            token_verification_enabled=False,
            logger=bolt_logger(),
            listener_executor=listener_executor,
            **oauth,
        )
    # Before anything else a listener might do: a second delivery goes no further.
    app.middleware(once_only(HandledOnce(sessions)))
    app.middleware(refuse_org_wide)
    app.middleware(_inject(deps))
    register_listeners(app)
    return app


_OAUTH_NAMES = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@contextmanager
def _no_oauth_from_environment() -> Iterator[None]:
    """Bolt turns OAuth on, with file stores in the working directory, when it finds
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET in the process's environment and is given no OAuth
    settings. Buddy's settings decide (they may come from elsewhere than the environment): while
    the app is made, Bolt does not see those two. Made once, at start, before any thread."""
    hidden = {name: os.environ.pop(name) for name in _OAUTH_NAMES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


def _engine_of(sessions: sessionmaker[Session]) -> Engine:
    bound = sessions.kw.get("bind")
    assert isinstance(bound, Engine), "the session factory is bound to Buddy's engine"
    return bound


def build_deps(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Clock | None = None,
    listener_executor: Executor | None = None,
) -> Deps:
    """What every front end's handlers are given: one set per web process, shared by Slack and
    Teams (the same database, clock, facilitators and pool for work after an answer)."""
    return Deps(
        sessions=sessions,
        clock=clock or SystemClock(),
        facilitators=settings.facilitators,
        background=listener_executor
        or ThreadPoolExecutor(max_workers=BACKGROUND_WORKERS, thread_name_prefix="buddy-after-ack"),
        preview=preview,
    )


def _inject(deps: Deps) -> Callable[..., BoltResponse | None]:
    def inject_deps(context: Any, next: Callable[[], BoltResponse | None]) -> BoltResponse | None:
        """Put the app's dependencies where every listener can reach them."""
        context[CONTEXT_KEY] = deps
        return next()

    return inject_deps
