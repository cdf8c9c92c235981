"""`create_app(settings)`: the Bolt app, its Web API client pointed at SLACK_API_URL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.orm import Session, sessionmaker

from bot.listeners import register_listeners
from bot.logging_setup import quiet_logger
from bot.once import HandledOnce, once_only
from bot.settings import Settings
from conversation.deps import CONTEXT_KEY, Deps
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
    app = App(
        client=make_web_client(settings),
        signing_secret=settings.signing_secret or "",
        # Answer in the ack's own body as soon as the listener returns; slow work is lazy.
        process_before_response=True,
        # No auth.test at start: the app must start (and be testable) without reaching Slack.
        token_verification_enabled=False,
        logger=bolt_logger(),
        listener_executor=listener_executor,
    )
    # Before anything else a listener might do: a second delivery goes no further.
    app.middleware(once_only(HandledOnce(sessions)))
    app.middleware(_inject(deps))
    register_listeners(app)
    return app


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
