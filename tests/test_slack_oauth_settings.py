"""The multi-workspace install is turned on by its two settings, checked at start: half of it, or
it mixed with one workspace's token or Socket Mode, is named, never half-run; and Bolt is given
every OAuth setting, never left to find them (or its file stores) in the environment."""

from __future__ import annotations

import os

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.manifests import BOT_SCOPES, manifest
from bot.settings import Settings, SettingsError, load_settings
from bot.token_check import check_bot_token
from frontends.slack.installs import REDIRECT_PATH
from tests.fake_slack import FakeSlack

OAUTH = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "shh", "SLACK_SIGNING_SECRET": "s"}


def problems(env: dict[str, str], mode: str = "http") -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(env, mode=mode)
    return str(raised.value)


def test_both_settings_install_buddy_in_many_workspaces_without_a_bot_token() -> None:
    for mode in ("http", "clock"):
        settings = load_settings(OAUTH, mode=mode)
        assert settings.oauth and settings.slack and settings.bot_token is None
        assert settings.client_id == "1111.2222" and settings.client_secret == "shh"
    assert "shh" not in repr(load_settings(OAUTH, mode="http"))


def test_one_workspace_needs_none_of_it() -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, mode="http"
    )
    assert not settings.oauth and settings.client_id is None


def test_half_an_oauth_configuration_is_named() -> None:
    no_secret = problems({"SLACK_CLIENT_ID": "1111.2222", "SLACK_SIGNING_SECRET": "s"})
    assert "SLACK_CLIENT_SECRET is missing, though SLACK_CLIENT_ID is set" in no_secret
    assert "SLACK_BOT_TOKEN is missing" not in no_secret
    no_id = problems({"SLACK_CLIENT_SECRET": "shh", "SLACK_SIGNING_SECRET": "s"}, mode="clock")
    assert "SLACK_CLIENT_ID is missing, though SLACK_CLIENT_SECRET is set" in no_id


def test_a_bot_token_with_oauth_is_named() -> None:
    found = problems({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert "SLACK_BOT_TOKEN is set, and so are SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in found


def test_oauth_over_socket_mode_is_named() -> None:
    found = problems({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, mode="socket")
    assert "not Socket Mode" in found


def test_oauth_settings_still_need_the_signing_secret() -> None:
    found = problems({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "shh"})
    assert "SLACK_SIGNING_SECRET is missing" in found


def test_no_token_is_checked_at_start_when_each_workspace_has_its_own(
    fake_slack: FakeSlack,
) -> None:
    settings = load_settings({**OAUTH, "SLACK_API_URL": fake_slack.api_url}, mode="http")
    assert check_bot_token(settings) == ""
    assert fake_slack.calls == []


def test_bolt_is_given_every_oauth_setting_whatever_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    database_url: str,
    sessions: sessionmaker[Session],
) -> None:
    monkeypatch.setenv("SLACK_SCOPES", "admin")
    monkeypatch.setenv("SLACK_REDIRECT_URI", "https://elsewhere.example/callback")
    monkeypatch.setenv("SLACK_INSTALL_PATH", "/elsewhere")
    settings = Settings(
        signing_secret="s",
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        client_id="1111.2222",
        client_secret="shh",
    )
    app = create_app(settings, sessions=sessions)
    flow = app.oauth_flow
    assert flow is not None
    assert flow.settings.scopes == [scope for scope, _ in BOT_SCOPES]
    assert flow.settings.user_scopes == []
    assert flow.settings.redirect_uri is None
    assert "elsewhere" not in flow.settings.authorize_url_generator.generate("s")
    assert (flow.install_path, flow.redirect_uri_path) == (
        "/slack/install",
        "/slack/oauth_redirect",
    )
    assert isinstance(app.installation_store, SQLAlchemyInstallationStore)
    assert isinstance(flow.settings.state_store, SQLAlchemyOAuthStateStore)
    assert flow.client.base_url == fake_slack.api_url
    rotator = flow.settings.authorize.token_rotator  # type: ignore[attr-defined]
    assert rotator.client.base_url == fake_slack.api_url


def test_one_workspace_stays_one_even_with_oauth_names_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    database_url: str,
    sessions: sessionmaker[Session],
) -> None:
    """Bolt would turn OAuth on with file stores by itself on seeing these two; Buddy's
    settings (which may come from a file, not the environment) decide."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh")
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret="s",
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
    )
    app = create_app(settings, sessions=sessions)
    assert app.oauth_flow is None and app.installation_store is None
    assert app.client.token == "xoxb-test"
    assert os.environ["SLACK_CLIENT_ID"] == "1111.2222"  # given back as it was


def test_the_distributed_manifest_is_the_http_one_with_the_redirect_url() -> None:
    distributed, http = manifest("distributed"), manifest("http")
    assert distributed["oauth_config"].pop("redirect_urls") == [
        "https://buddy.example.org" + REDIRECT_PATH
    ]
    assert distributed == http
    assert "redirect_urls" not in manifest("socket")["oauth_config"]
