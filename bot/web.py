"""The HTTP face of the app: Slack's requests at POST /slack/events, and GET /healthz."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Waitress threads: each Slack request holds one while its listener runs.
SERVER_THREADS = 16


def create_wsgi_app(app: App, sessions: sessionmaker[Session]) -> WSGIApplication:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def buddy_wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return _health(sessions, start_response)
        return slack(environ, start_response)

    return buddy_wsgi


def _health(
    sessions: sessionmaker[Session], start_response: Callable[..., object]
) -> Iterable[bytes]:
    """Healthy means the process answers and the database does too."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        logger.exception("Health check: the database did not answer")
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"database unavailable\n"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]


def serve(wsgi_app: WSGIApplication, port: int, host: str = "0.0.0.0") -> None:
    """A production WSGI server (not Bolt's single-threaded development one)."""
    logger.info("Buddy listening on http://%s:%d%s", host, port, EVENTS_PATH)
    waitress.serve(wsgi_app, host=host, port=port, threads=SERVER_THREADS, ident="buddy")
