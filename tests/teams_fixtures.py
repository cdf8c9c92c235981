"""Fixtures for the Teams front end (a pytest plugin, loaded by conftest): the fake Microsoft side
over TLS, the app's web process with Teams set up, and a client that sends signed activities.

The Teams SDK is imported only by the fixtures that build the Teams front end, so a run of the
Slack tests alone does not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, TeamsSettings, load_settings
from models.clock import SettableClock
from tests.fake_teams import FakeTeams
from tests.teams_http import TeamsClientForTests

if TYPE_CHECKING:
    from frontends.teams.inbound import TeamsInbound
    from frontends.teams.sdk import TeamsRuntime
    from tests.conftest import SwappableApp

# What the SDK would read from the environment: none of it may reach a test unasked.
SDK_ENVIRONMENT = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TENANT_ID",
    "MANAGED_IDENTITY_CLIENT_ID",
    "SERVICE_URL",
    "CLOUD",
    "OAUTH_URL",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS",
)
TLS_ENVIRONMENT = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "HTTPS_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_teams_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TEAMS_") or name in SDK_ENVIRONMENT:
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def fake_teams_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeTeams]:
    fake = FakeTeams(tmp_path_factory.mktemp("fake-teams")).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_teams(fake_teams_server: FakeTeams, monkeypatch: pytest.MonkeyPatch) -> FakeTeams:
    """The fake, emptied, with this process's TLS and proxy settings pointing at it."""
    fake_teams_server.clear()
    env = fake_teams_server.env()
    for name in TLS_ENVIRONMENT:
        monkeypatch.setenv(name, env[name])
    return fake_teams_server


def teams_settings_for(fake: FakeTeams) -> TeamsSettings:
    env = {k: v for k, v in fake.env().items() if k.startswith("TEAMS_")}
    teams = load_settings(env, mode="http").teams
    assert teams is not None
    return teams


@pytest.fixture
def teams_settings(fake_teams: FakeTeams, database_url: str) -> Settings:
    """Teams-only settings pointing at the fake (no Slack setting at all)."""
    return Settings(database_url=database_url, teams=teams_settings_for(fake_teams))


@pytest.fixture
def teams_inbound(
    teams_settings: Settings, sessions: sessionmaker[Session], clock: SettableClock
) -> TeamsInbound:
    from frontends.teams.inbound import create_inbound

    assert teams_settings.teams is not None
    return create_inbound(teams_settings.teams, sessions, clock, teams_settings.facilitators)


@pytest.fixture
def teams_runtime(teams_inbound: TeamsInbound) -> TeamsRuntime:
    """The web process's Teams runtime (its App started, its listeners registered)."""
    return teams_inbound.runtime


@pytest.fixture
def teams_app_url(
    http_server: tuple[SwappableApp, str],
    teams_inbound: TeamsInbound,
    sessions: sessionmaker[Session],
) -> Iterator[str]:
    """The real web app, served over HTTP, with Teams set up and Slack not."""
    from bot.web import create_wsgi_app

    holder, url = http_server
    holder.app = create_wsgi_app(None, sessions, signing_secret=None, teams=teams_inbound)
    yield url
    holder.app = None


@pytest.fixture
def teams(teams_app_url: str, fake_teams: FakeTeams) -> TeamsClientForTests:
    return TeamsClientForTests(teams_app_url + "/api/messages", fake_teams)


@pytest.fixture
def teams_buddy_url(
    http_server: tuple[SwappableApp, str],
    teams_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> Iterator[str]:
    """The real web app with Buddy's features in Teams (slow work run at once, as Slack's
    tests run it), served over HTTP; Slack not set up."""
    from bot.app import build_deps
    from bot.teams_app import create_teams_endpoint
    from bot.web import create_wsgi_app
    from tests.conftest import InlineExecutor

    assert teams_settings.teams is not None
    deps = build_deps(teams_settings, sessions, clock, InlineExecutor())
    endpoint = create_teams_endpoint(teams_settings.teams, deps)
    holder, url = http_server
    holder.app = create_wsgi_app(None, sessions, signing_secret=None, teams=endpoint)
    yield url
    holder.app = None


@pytest.fixture
def teams_buddy(teams_buddy_url: str, fake_teams: FakeTeams) -> TeamsClientForTests:
    return TeamsClientForTests(teams_buddy_url + "/api/messages", fake_teams)
