"""Settings are checked once, and every problem is named in one message."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_SLACK_API_URL, SettingsError, load_settings


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
