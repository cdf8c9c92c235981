"""Settings are checked once, and every problem is named in one message."""

from __future__ import annotations

import socket

import pytest

from bot.cli import main as bot_main
from bot.settings import DEFAULT_SLACK_API_URL, SettingsError, load_settings
from scheduler.cli import main as scheduler_main
from tests.fake_slack import FakeSlack


def test_defaults_fill_in_what_is_optional() -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, mode="http"
    )
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.database_url == "sqlite:///buddy.db"
    assert settings.tick_seconds == 10
    assert not settings.socket_mode


def test_every_problem_is_named_at_once() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user-token",
        "BUDDY_TICK_SECONDS": "soon",
        "BUDDY_FACILITATORS": "U012ABC, alice",
        "DATABASE_URL": "mysql://x",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(env, mode="http")
    message = str(raised.value)
    for expected in (
        "SLACK_BOT_TOKEN should start with xoxb-",
        "SLACK_SIGNING_SECRET is missing",
        "BUDDY_TICK_SECONDS",
        "'alice'",
        "DATABASE_URL",
        "README.md",
    ):
        assert expected in message


def test_facilitators_and_api_url_are_parsed() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "BUDDY_FACILITATORS": "U012ABC,W0ABC12",
        },
        mode="socket",
    )
    assert settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.facilitators == frozenset({"U012ABC", "W0ABC12"})


def test_database_mode_needs_no_slack_token() -> None:
    assert load_settings({}, mode="database").bot_token is None


def test_a_token_slack_refuses_stops_the_bot_with_a_plain_sentence(
    fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    """The placeholder from .env.example: said plainly at start, not a listener that fails."""
    fake_slack.fail_next("auth.test", error="invalid_auth")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.api_url,
    }
    assert bot_main(["serve"], env) == 2
    err = capsys.readouterr().err
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in err
    assert "Traceback" not in err


def test_a_slack_that_cannot_be_reached_is_said_plainly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/api/"
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": closed}
    assert scheduler_main(["run"], env) == 2
    assert "Couldn't reach Slack at" in capsys.readouterr().err


def test_with_no_settings_at_all_both_ways_in_are_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No .env yet: the message offers HTTP's signing secret and Socket Mode's app token."""
    assert bot_main([], {}) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is missing" in err
    assert "HTTP (manifest.yml): SLACK_SIGNING_SECRET" in err
    assert "Socket Mode (manifest-socket.yml): SLACK_APP_TOKEN (xapp-...)" in err
    assert ".env" in err
