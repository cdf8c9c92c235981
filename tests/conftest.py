"""Shared fixtures: a migrated database, a settable clock, the fake Slack, the app over HTTP."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker
from waitress.server import create_server

from bot.app import create_app
from bot.migrate import upgrade_to_head
from bot.settings import Settings
from bot.web import create_wsgi_app
from models.clock import SettableClock
from models.db import make_engine, make_session_factory
from models.registry import Base
from tests.block_kit import check_message, check_web_api_call
from tests.fake_slack import FakeSlack
from tests.slack_http import SIGNING_SECRET, SlackClientForTests

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The Teams front end's fixtures live in their own module.
pytest_plugins = ["tests.teams_fixtures"]

FACILITATOR = "UFACIL"
# Tue 24 Nov 2026, 10:00 in London: the tests' "now" unless a test moves the clock.
DEFAULT_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    """Tests may talk to this machine only: the fake Slack, the app, a local PostgreSQL."""
    if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        raise RuntimeError(f"a test tried to reach the network: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's real tokens or database leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "BUDDY_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _welcome_only_where_tested(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The welcome DM goes out on every first command; tests that count the DMs a command sends
    leave it out, and tests marked `welcome` let it go. (An import's welcomes go through the
    clock in every test: none of the tests counting a pass's DMs imports pairs.)"""
    if request.node.get_closest_marker("welcome") is None:
        monkeypatch.setattr("handlers.welcome.greet", lambda _client, _command: None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """TEST_DATABASE_URL (PostgreSQL in CI's second run) or a fresh SQLite file, migrated once."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        path: Path = tmp_path_factory.mktemp("db") / "buddy-test.db"
        url = f"sqlite:///{path}"
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on a database emptied before each test."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))
    yield make_session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(DEFAULT_NOW)


class CheckedFakeSlack(FakeSlack):
    """The fake Slack whose record of what Buddy sent is checked as Slack would check it, at the
    end of the test and before a test clears it (what was cleared was sent all the same)."""

    def check_sent(self) -> None:
        for call in list(self.calls):
            check_web_api_call(call.method, call.params)
        for posted in list(self.response_posts):
            check_message(posted)

    def clear(self) -> None:
        self.check_sent()
        super().clear()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = CheckedFakeSlack()
    fake.start()
    for user in ("UALICE", "UBOB", "UCAROL", "UDAN", "UERIN", FACILITATOR):
        fake.add_user(user)
    fake.add_user("UBOTTY", is_bot=True)
    yield fake
    fake.stop()
    fake.check_sent()


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    return Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        facilitators=frozenset({FACILITATOR}),
    )


class InlineExecutor(Executor):
    """Runs "after the ack" work before the HTTP response returns, so tests need no waiting."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


class SwappableApp:
    """One server for the whole run; each test plugs its own app in (no per-test teardown)."""

    def __init__(self) -> None:
        self.app: WSGIApplication | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        assert self.app is not None, "no app plugged in"
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def http_server() -> tuple[SwappableApp, str]:
    """The production WSGI server (Waitress) on a free local port, for the whole run."""
    holder = SwappableApp()
    server = create_server(holder, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return holder, f"http://127.0.0.1:{server.effective_port}"


@pytest.fixture
def app_url(
    http_server: tuple[SwappableApp, str],
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> Iterator[str]:
    """The real app, served over HTTP, with this test's settings, database and clock."""
    holder, url = http_server
    app = create_app(settings, sessions=sessions, clock=clock, listener_executor=InlineExecutor())
    holder.app = create_wsgi_app(app, sessions, signing_secret=settings.signing_secret)
    yield url
    holder.app = None


@pytest.fixture
def slack(app_url: str, fake_slack: FakeSlack) -> SlackClientForTests:
    return SlackClientForTests(
        app_url + "/slack/events", fake_slack.response_url(), fake_slack.response_posts
    )
