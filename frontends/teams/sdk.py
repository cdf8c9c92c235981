"""The one module that imports the Teams SDK's `App`: built from Buddy's settings only.

The SDK reads CLIENT_ID, CLIENT_SECRET, TENANT_ID, SERVICE_URL, CLOUD, OAUTH_URL and
DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS from the environment wherever an option is not given,
and loads a `.env` from the working directory (or a parent) when it is imported. So this module
turns the `.env` loading off before the import and passes every option, which makes the App the
same whatever the environment holds: above all, nothing can turn its token checks off.

The SDK is async and keeps one `httpx.AsyncClient` bound to the loop it first ran on, while
Buddy's web server and clock are threaded and synchronous. Each process therefore has one
long-lived event loop on a thread of its own (`shared_loop()`); sync callers hand it coroutines
with a deadline (`LoopThread.run`). Listeners run on that loop, so their database work goes to
a worker thread (`frontends.teams.deps.off_loop`) and the loop stays free for other requests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import warnings
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.settings import TeamsSettings

# Before the SDK is imported, here or anywhere: python-dotenv then loads no `.env`.
os.environ["PYTHON_DOTENV_DISABLED"] = "1"

with warnings.catch_warnings():
    # "HtmlWidgetSecurityPolicy is in preview": a feature Buddy does not use.
    warnings.simplefilter("ignore", FutureWarning)
    from microsoft_teams.api.activities import ActivityTypeAdapter
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
    from microsoft_teams.api.clients.api_client_settings import ApiClientSettings
    from microsoft_teams.apps import App
    from microsoft_teams.apps.auth import InboundActivityTokenValidator
    from microsoft_teams.apps.events import CoreActivity
    from microsoft_teams.apps.http.adapter import (
        HttpMethod,
        HttpRequest,
        HttpResponse,
        HttpRouteHandler,
    )
    from microsoft_teams.common import ClientOptions

if TYPE_CHECKING:
    from microsoft_teams.apps.http.adapter import HttpServerAdapter

logger = logging.getLogger(__name__)

T = TypeVar("T")

MESSAGING_PATH = "/api/messages"
# Where the SDK sends when no service URL is given; Buddy always gives the conversation's own.
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams"
# Every call to the Bot Connector and the token service gives up after this (the SDK has none).
HTTP_TIMEOUT_SECONDS = 10.0
# Building the App makes no network call; initialising it registers the route, no more.
START_TIMEOUT_SECONDS = 10.0


class LoopThread:
    """An event loop running forever on its own daemon thread, for synchronous callers."""

    def __init__(self, name: str = "buddy-teams-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coro` on the loop and wait at most `timeout` seconds for its result.

        On timeout the coroutine is cancelled and `TimeoutError` raised. Never call this from the
        loop's own thread (a listener): it would wait for itself."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("LoopThread.run called from its own loop: await instead")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout:g} s") from None


_shared: LoopThread | None = None
_shared_lock = threading.Lock()


def shared_loop() -> LoopThread:
    """The process's one Teams loop, started on first use (web process and clock alike)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LoopThread()
        return _shared


class CapturingAdapter:
    """The SDK's HTTP server adapter, serving nothing: it keeps the handler the SDK registers for
    `POST /api/messages`, which Buddy's own WSGI app calls (no uvicorn, no second port)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], HttpRouteHandler] = {}

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        self.routes[(method, path)] = handler

    def serve_static(self, path: str, directory: str) -> None:
        raise RuntimeError("Buddy serves no static pages for Teams")

    async def start(self, port: int) -> None:
        raise RuntimeError("Buddy's WSGI server serves Teams: App.start() is never called")

    async def stop(self) -> None:
        return None


def cloud_for(settings: TeamsSettings) -> CloudEnvironment:
    """The public cloud with Buddy's login, key and issuer settings in place."""
    return with_overrides(
        PUBLIC,
        login_endpoint=settings.login_url.rstrip("/"),
        openid_metadata_url=settings.openid_metadata_url,
        token_issuer=settings.token_issuer,
    )


def create_teams_app(settings: TeamsSettings, adapter: HttpServerAdapter) -> App:
    """The SDK's App with every option given, so that no environment variable changes it."""
    cloud = cloud_for(settings)
    app = App(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        # "botframework.com" is the SDK's own multi-tenant default: given, so TENANT_ID is unread.
        tenant_id=settings.tenant_id or cloud.login_tenant,
        managed_identity_client_id=None,
        token=None,
        cloud=cloud,
        service_url=DEFAULT_SERVICE_URL,
        api_client_settings=ApiClientSettings(oauth_url=cloud.token_service_url),
        dangerously_allow_unauthenticated_requests=False,
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGING_PATH,
        state=False,
        fetch_user_token=False,
        plugins=[],
        telemetry={"agent365": False},
        client=ClientOptions(timeout=HTTP_TIMEOUT_SECONDS),
    )
    # The SDK's http client sets the httpx logger's level; Buddy's stays at WARNING, so request
    # lines (which name conversations) are not logged for every send.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return app


@dataclass
class TeamsRuntime:
    """The Teams front end of one process: the SDK's App, the loop it runs on, the handler of
    `POST /api/messages` (token checks, parsing, routing) and a validator for activities the SDK
    cannot parse (they are authenticated, then answered without being run)."""

    settings: TeamsSettings
    app: App
    adapter: CapturingAdapter
    loop: LoopThread
    validator: InboundActivityTokenValidator
    started: bool = False

    def start(self) -> None:
        """Initialise the App once its listeners are registered (no network call)."""
        if not self.started:
            self.loop.run(self.app.initialize(), START_TIMEOUT_SECONDS)
            self.started = True

    async def handle(self, body: dict[str, object], headers: dict[str, str]) -> HttpResponse:
        """The SDK's answer to one activity: its token checked, then its listeners run."""
        if not self.started:
            return HttpResponse(status=503, body={"error": "Teams is not started"})
        handler = self.adapter.routes[("POST", MESSAGING_PATH)]
        return await handler(HttpRequest(body=body, headers=headers))

    @staticmethod
    def routable(body: dict[str, object]) -> bool:
        """Whether the SDK can read this activity (its type, and an invoke's name, are ones it
        knows), read as the SDK reads it. One it cannot read would otherwise be a 500."""
        try:
            core = CoreActivity.model_validate(body)
            ActivityTypeAdapter.validate_python(core.model_dump(by_alias=True, exclude_none=True))
        except Exception:
            return False
        return True

    async def authenticate(self, raw_token: str, service_url: str) -> None:
        """Raise unless the token is one the SDK's own validator accepts for `service_url`."""
        await self.validator.validate_token(raw_token, service_url)


def create_runtime(settings: TeamsSettings, loop: LoopThread | None = None) -> TeamsRuntime:
    """A runtime whose App takes listeners (`runtime.app.on_message(...)`, `listeners.register`)
    until `start()`; sending works once started."""
    adapter = CapturingAdapter()
    return TeamsRuntime(
        settings=settings,
        app=create_teams_app(settings, adapter),
        adapter=adapter,
        loop=loop or shared_loop(),
        validator=InboundActivityTokenValidator(settings.client_id, cloud=cloud_for(settings)),
    )
