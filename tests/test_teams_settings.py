"""The Teams settings (docs TEAMS.md): Teams alone, Slack alone or both; a half-done Teams setup
said plainly at start; and nothing in the environment changes how Buddy checks Teams' tokens."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main as bot_main
from bot.migrate import upgrade_to_head
from bot.settings import (
    DEFAULT_TEAMS_LOGIN_URL,
    DEFAULT_TEAMS_OPENID_METADATA_URL,
    DEFAULT_TEAMS_TOKEN_ISSUER,
    SettingsError,
    load_settings,
)
from models.clock import SettableClock
from tests.fake_teams import APP_ID, APP_SECRET, FakeTeams
from tests.teams_http import TeamsClientForTests

REPO = Path(__file__).resolve().parents[1]
TEAMS = {"TEAMS_CLIENT_ID": APP_ID, "TEAMS_CLIENT_SECRET": APP_SECRET}
SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
HOSTILE = {
    "CLIENT_ID": "someone-elses-app",
    "CLIENT_SECRET": "their-secret",
    "TENANT_ID": "their-tenant",
    "SERVICE_URL": "https://evil.example/teams",
    "OAUTH_URL": "https://evil.example/oauth",
    "CLOUD": "USGov",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
}


def problems(env: dict[str, str], mode: str = "http") -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(env, mode=mode)
    return str(raised.value)


def test_teams_alone_needs_no_slack_setting() -> None:
    for mode in ("http", "clock"):
        settings = load_settings(TEAMS, mode=mode)
        assert settings.teams is not None and not settings.slack
        assert settings.teams.client_id == APP_ID
        assert settings.teams.tenant_id is None
        assert settings.teams.login_url == DEFAULT_TEAMS_LOGIN_URL
        assert settings.teams.openid_metadata_url == DEFAULT_TEAMS_OPENID_METADATA_URL
        assert settings.teams.token_issuer == DEFAULT_TEAMS_TOKEN_ISSUER


def test_slack_alone_has_no_teams_and_both_may_be_set() -> None:
    assert load_settings(SLACK, mode="http").teams is None
    both = load_settings({**SLACK, **TEAMS, "TEAMS_TENANT_ID": "t1"}, mode="http")
    assert both.slack and both.teams is not None and both.teams.tenant_id == "t1"


def test_the_secret_is_not_shown_when_settings_are_printed() -> None:
    assert APP_SECRET not in repr(load_settings(TEAMS, mode="http"))


def test_with_neither_front_end_one_sentence_says_so() -> None:
    message = problems({})
    assert "Neither Slack nor Microsoft Teams is set up" in message
    assert "TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET" in message


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"TEAMS_CLIENT_ID": APP_ID}, "TEAMS_CLIENT_SECRET is missing"),
        ({"TEAMS_CLIENT_SECRET": "s"}, "TEAMS_CLIENT_ID is missing, though TEAMS_CLIENT_SECRET"),
        ({**TEAMS, "TEAMS_LOGIN_URL": "http://login.example"}, "TEAMS_LOGIN_URL must be an https"),
        (
            {**TEAMS, "TEAMS_OPENID_METADATA_URL": "http://keys.example/x"},
            "TEAMS_OPENID_METADATA_URL must be an https",
        ),
        (
            {**TEAMS, "TEAMS_TOKEN_ISSUER": "https://login.microsoftonline.com/t/v2.0"},
            "TEAMS_TOKEN_ISSUER must not start with TEAMS_LOGIN_URL",
        ),
    ],
)
def test_a_half_done_teams_setup_is_named_at_start(env: dict[str, str], said: str) -> None:
    message = problems(env)
    assert said in message
    # Named as a Teams problem, not as missing Slack settings.
    assert "SLACK_BOT_TOKEN" not in message
    with_slack = problems({**SLACK, **env})
    assert said in with_slack


def test_socket_mode_is_slacks_alone() -> None:
    assert "SLACK_BOT_TOKEN is missing" in problems(TEAMS, mode="socket")


def test_the_database_commands_ignore_teams_settings() -> None:
    assert load_settings({"TEAMS_CLIENT_ID": APP_ID}, mode="database").teams is None


def test_a_half_done_teams_setup_stops_serve_with_a_plain_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bot_main(["serve"], {"TEAMS_CLIENT_ID": APP_ID}) == 2
    err = capsys.readouterr().err
    assert "TEAMS_CLIENT_SECRET is missing" in err
    assert "Traceback" not in err


# -- the environment the SDK would read ---------------------------------------------------------


def test_hostile_environment_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    fake_teams: FakeTeams,
    http_server: tuple[object, str],
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """CLIENT_ID, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS, SERVICE_URL, OAUTH_URL... set in the
    environment: tokens are still checked for Buddy's own app id, and sends use Buddy's."""
    from bot.web import create_wsgi_app
    from frontends.teams.connector import TeamsConnector
    from frontends.teams.inbound import create_inbound
    from tests.teams_fixtures import teams_settings_for

    for name, value in HOSTILE.items():
        monkeypatch.setenv(name, value)
    inbound = create_inbound(teams_settings_for(fake_teams), sessions, clock)
    holder, url = http_server
    holder.app = create_wsgi_app(None, sessions, signing_secret=None, teams=inbound)  # type: ignore[attr-defined]
    try:
        teams = TeamsClientForTests(url + "/api/messages", fake_teams)
        assert teams.post(teams.message("hi"), unsigned=True).status == 401
        other_app = fake_teams.token(audience="someone-elses-app")
        assert teams.post(teams.message("hi"), token=other_app).status == 401
        assert teams.post(teams.message("hi")).status == 200
        connector = TeamsConnector(inbound.runtime)
        connector.post(fake_teams.service_url, "a:chat", "hello")
    finally:
        holder.app = None  # type: ignore[attr-defined]
    assert [r["client_id"] for r in fake_teams.token_requests] == [APP_ID]
    assert [c.path for c in fake_teams.calls] == ["/v3/conversations/a:chat/activities"]
    assert fake_teams.calls[0].authorized


# -- the command line, as real processes ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def teams_only_serve(
    tmp_path: Path, fake_teams: FakeTeams
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m bot serve` with Teams settings only, in a folder whose `.env` holds hostile
    values for the SDK, and with hostile values in its environment too."""
    database = f"sqlite:///{tmp_path / 'buddy.db'}"
    upgrade_to_head(database)
    settings = tmp_path / "buddy.env"
    env_lines = {**fake_teams.env(), "DATABASE_URL": database}
    settings.write_text(
        "\n".join(f"{k}={v}" for k, v in env_lines.items() if k.startswith(("TEAMS_", "DATA")))
    )
    (tmp_path / ".env").write_text("\n".join(f"{k}={v}" for k, v in HOSTILE.items()) + "\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "BUDDY_", "TEAMS_")) and k not in HOSTILE
    }
    env.pop("DATABASE_URL", None)
    env.update({k: v for k, v in fake_teams.env().items() if not k.startswith("TEAMS_")})
    env.update(HOSTILE)
    env["BUDDY_ENV_FILE"] = str(settings)
    env["PYTHONPATH"] = str(REPO)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_teams_alone_serves_api_messages_and_the_environment_turns_no_check_off(
    teams_only_serve: tuple[str, subprocess.Popen[bytes]], fake_teams: FakeTeams
) -> None:
    url, _process = teams_only_serve
    teams = TeamsClientForTests(url + "/api/messages", fake_teams)
    assert teams.post(teams.message("hi"), unsigned=True).status == 401
    assert teams.post(teams.message("hi"), token=fake_teams.token(without=("exp",))).status == 401
    assert (
        teams.post(teams.message("hi"), token=fake_teams.token(key=fake_teams.other_key)).status
        == 401
    )
    assert teams.post(teams.message("hi")).status == 200
    # Slack is not set up here: its path is not served.
    request = urllib.request.Request(url + "/slack/events", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 404


def test_slack_alone_never_imports_the_teams_sdk(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from bot.cli import build_wsgi_app\n"
        "from bot.settings import load_settings\n"
        "from models.db import make_engine, make_session_factory\n"
        "settings = load_settings({'SLACK_BOT_TOKEN': 'xoxb-1', 'SLACK_SIGNING_SECRET': 's'},"
        " mode='http')\n"
        "build_wsgi_app(settings, make_session_factory(make_engine('sqlite://')))\n"
        "import models.registry, scheduler.runner\n"
        "print(sorted(m for m in sys.modules if m.startswith('microsoft_teams')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TEAMS_")}},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().replace("'", '"')) == []
