"""The HTTP face of the app: Slack's requests at POST /slack/events, Teams' at POST /api/messages
(`frontends/teams/inbound.py`; each only when that front end is set up), and GET /healthz.
Installed in many workspaces (OAuth), also Bolt's install link, GET /slack/install, and the
page Slack sends the installer back to, GET /slack/oauth_redirect.

Every request to /slack/events has its signature checked here, on the raw bytes and before Bolt
parses anything: a request nobody signed gets 401 whatever its headers or body hold, and reaches
neither a listener nor the error handler. A signed body that Buddy's listeners could not trust
(bot/shapes.py) gets 400 and one log line. Bolt's own verification stays on behind this.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import waitress
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.shapes import problem_with
from bot.signatures import RequestSignatures
from frontends.slack.errors import SIGNATURE_VERIFIED

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from frontends.teams.inbound import TeamsInbound

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
# Waitress threads: each Slack request holds one while its listener runs.
SERVER_THREADS = 16
# Slack's largest payloads (a modal's state) are tens of kilobytes.
MAX_BODY_BYTES = 1024 * 1024
# Headers Bolt uses between its own parts (lazy listeners on FaaS); Slack never sends them.
_BOLT_INTERNAL_PREFIX = "x-slack-bolt-"


def create_wsgi_app(
    app: App | None,
    sessions: sessionmaker[Session],
    *,
    signing_secret: str | None,
    teams: TeamsInbound | None = None,
) -> WSGIApplication:
    """`app` is Slack's and `teams` the Teams endpoint; None for a front end not set up."""
    signatures = RequestSignatures(signing_secret)

    def buddy_wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method == "GET":
            return _health(sessions, start_response)
        oauth = app.oauth_flow if app is not None else None
        if path == EVENTS_PATH and method == "POST" and app is not None:
            response = handle_slack_request(app, signatures, environ)
        elif oauth is not None and method == "GET" and path == oauth.install_path:
            response = _install_step(oauth.handle_installation, _oauth_request(environ))
        elif oauth is not None and method == "GET" and path == oauth.redirect_uri_path:
            response = _install_step(oauth.handle_callback, _oauth_request(environ))
        elif path == TEAMS_PATH and method == "POST" and teams is not None:
            answer = teams(_read_body(environ), _headers(environ))
            response = BoltResponse(
                status=answer.status,
                body="" if answer.body is None else json.dumps(answer.body),
                headers={} if answer.body is None else {"content-type": "application/json"},
            )
        else:
            response = BoltResponse(status=404, body="Not Found")
        wsgi = WsgiHttpResponse(
            status=response.status, headers=response.headers, body=response.body
        )
        start_response(wsgi.status, wsgi.get_headers())
        return wsgi.get_body()

    return buddy_wsgi


INSTALL_FAILED_PAGE = (
    "<html><body><h1>Buddy could not finish installing</h1>"
    "<p>Slack, or Buddy's own database, did not answer in time. Please open the install link "
    "again in a minute; if Buddy then answers in Slack, it is installed.</p></body></html>"
)


def _install_step(
    step: Callable[[BoltRequest], BoltResponse], request: BoltRequest
) -> BoltResponse:
    """Bolt's install link or redirect. Bolt answers Slack's refusals itself, but a timeout
    (oauth.v2.access, auth.test) or a database error while saving would escape it as a 500 with a
    traceback: a plain page instead, the error logged without the request (it holds the code)."""
    try:
        return step(request)
    except (OSError, HTTPException, SQLAlchemyError) as error:
        logger.warning("An install could not finish: %s", type(error).__name__)
        return BoltResponse(
            status=502,
            body=INSTALL_FAILED_PAGE,
            headers={"content-type": "text/html; charset=utf-8"},
        )


def handle_slack_request(
    app: App, signatures: RequestSignatures, environ: WSGIEnvironment
) -> BoltResponse:
    """Verify, read and check the shape, then hand over to Bolt; refuse at the first failure."""
    raw = _read_body(environ)
    if raw is None:
        return BoltResponse(status=413, body={"error": "request too large"})
    headers = _headers(environ)
    timestamp = headers.get("x-slack-request-timestamp")
    if not signatures.is_valid(raw, timestamp, headers.get("x-slack-signature")):
        logger.info(
            "Refused a request from %s whose signature could not be verified",
            environ.get("REMOTE_ADDR", "an unknown address"),
        )
        return BoltResponse(status=401, body={"error": "invalid request"})
    try:
        request = SlackRequest(
            body=raw.decode("utf-8"),
            query=environ.get("QUERY_STRING", ""),
            headers=dict(headers),
            context={SIGNATURE_VERIFIED: True},
        )
        problem = problem_with(request.body)
    except Exception as error:
        problem = f"the body could not be read ({type(error).__name__})"
    if problem is not None:
        logger.warning("Refused a signed request that Buddy cannot read: %s", problem)
        return BoltResponse(status=400, body={"error": "malformed request"})
    return app.dispatch(request)


class SlackRequest(BoltRequest):
    """A Bolt request whose form body is read by its fields: Bolt takes any form body containing
    the word "payload" for an interaction, so `/buddy action Check the payload sizes` reached
    the listeners empty."""

    def __init__(
        self, *, body: str, query: str, headers: dict[str, Any], context: dict[str, Any]
    ) -> None:
        super().__init__(body=body, query=query, headers=headers, context=context)
        fields = read_fields(self.raw_body, self.content_type)
        if fields != self.body:
            self.body = fields
            self.context = build_context(BoltContext(context), fields)


def read_fields(raw: str, content_type: str | None) -> dict[str, Any]:
    """A JSON body, an interaction's `payload` field, or a command's form fields."""
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        parsed: dict[str, Any] = json.loads(raw)
        return parsed
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        payload: dict[str, Any] = json.loads(fields["payload"])
        return payload
    return fields


def _oauth_request(environ: WSGIEnvironment) -> BoltRequest:
    """An install step's request: its query (code, state) and headers (the state cookie)."""
    return BoltRequest(
        body="", query=environ.get("QUERY_STRING", ""), headers=dict(_headers(environ))
    )


def _read_body(environ: WSGIEnvironment) -> bytes | None:
    """The raw body, or None when it is larger than any request Slack or Teams sends."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    if length <= 0 or "wsgi.input" not in environ:
        return b""
    body: bytes = environ["wsgi.input"].read(length)
    return body


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    """Request headers, lower-case and dashed as Bolt names them, without Bolt's internal ones."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = key.lower().replace("_", "-")
        elif key.startswith("HTTP_"):
            name = key[len("HTTP_") :].lower().replace("_", "-")
        else:
            continue
        if isinstance(value, str) and not name.startswith(_BOLT_INTERNAL_PREFIX):
            headers[name] = value
    return headers


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
    logger.info("Buddy listening on http://%s:%d", host, port)
    waitress.serve(wsgi_app, host=host, port=port, threads=SERVER_THREADS, ident="buddy")
