"""Settings are checked once, and every problem is named in one message."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.cli import main as bot_main
from bot.settings import DEFAULT_SLACK_API_URL, SettingsError, load_settings, read_env_file
from models.pairs import Pair
from scheduler.cli import main as scheduler_main
from tests.fake_slack import FakeSlack

REPO = Path(__file__).resolve().parents[1]


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


def test_the_clock_s_send_concurrency_is_a_whole_number_within_bounds() -> None:
    assert load_settings({}, mode="database").send_concurrency == 16
    assert load_settings({"BUDDY_SEND_CONCURRENCY": "4"}, mode="database").send_concurrency == 4
    for bad in ("0", "lots", "2.5", "1000"):
        with pytest.raises(SettingsError) as raised:
            load_settings({"BUDDY_SEND_CONCURRENCY": bad}, mode="database")
        assert "BUDDY_SEND_CONCURRENCY must be a whole number from 1 to 64, like 16" in str(
            raised.value
        )


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


def pairs_in(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Pair.__table__)) or 0)
    finally:
        engine.dispose()


def import_a_pair(folder: Path) -> int:
    """`python -m bot migrate` then `python -m bot import pairs`, as run in `folder` with the
    process's own environment (so .env is read as a real run reads it)."""
    csv = folder / "pairs.csv"
    csv.write_text("buddy_1,buddy_2,buddy_3,slot\nUALICE,UBOB,,\n", encoding="utf-8")
    assert bot_main(["migrate"]) == 0
    return bot_main(["import", "pairs", str(csv), "--team", "T1"])


def test_the_command_line_reads_dot_env_like_run_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATABASE_URL in .env: the import writes to the bot's database, not a new buddy.db."""
    monkeypatch.chdir(tmp_path)
    bots = f"sqlite:///{tmp_path / 'bots.db'}"
    (tmp_path / ".env").write_text(
        "# the bot's settings\n"
        "SLACK_BOT_TOKEN=xoxb-your-bot-token\n"
        f'export DATABASE_URL="{bots}"  \n'
        "BUDDY_TICK_SECONDS=10 # seconds\n",
        encoding="utf-8",
    )
    assert import_a_pair(tmp_path) == 0
    assert pairs_in(bots) == 1
    assert not (tmp_path / "buddy.db").exists()


def test_the_environment_wins_over_the_file_buddy_env_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    named, chosen = tmp_path / "named.db", tmp_path / "chosen.db"
    (tmp_path / "production.env").write_text(f"DATABASE_URL=sqlite:///{named}\n", "utf-8")
    (tmp_path / ".env").write_text("DATABASE_URL=mysql://not-this-file\n", "utf-8")
    monkeypatch.setenv("BUDDY_ENV_FILE", "production.env")
    assert import_a_pair(tmp_path) == 0
    assert pairs_in(f"sqlite:///{named}") == 1
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{chosen}")
    assert import_a_pair(tmp_path) == 0
    assert pairs_in(f"sqlite:///{chosen}") == 1
    assert pairs_in(f"sqlite:///{named}") == 1  # untouched the second time


def test_a_settings_file_that_is_missing_or_malformed_is_said_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUDDY_ENV_FILE", "prodution.env")
    assert bot_main(["migrate"]) == 2
    assert "BUDDY_ENV_FILE names prodution.env, and there is no such file" in (
        capsys.readouterr().err
    )
    (tmp_path / "prodution.env").write_text("DATABASE_URL=sqlite:///x.db\nxoxb-secret\n")
    assert bot_main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "line 2 of prodution.env is not NAME=value" in err
    assert "xoxb-secret" not in err
    assert not (tmp_path / "x.db").exists()


def test_the_example_settings_file_reads_as_run_bot_reads_it() -> None:
    example = read_env_file(REPO / ".env.example")
    assert example == {
        "SLACK_APP_TOKEN": "xapp-your-app-level-token",
        "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    }


def test_the_clock_reads_dot_env_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    bots = f"sqlite:///{tmp_path / 'bots.db'}"
    (tmp_path / ".env").write_text(f"DATABASE_URL={bots}\n", encoding="utf-8")
    assert import_a_pair(tmp_path) == 0
    capsys.readouterr()
    assert scheduler_main(["tick", "--at", "2026-12-01T09:00", "--dry-run"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "buddy.db").exists()


def test_a_log_level_logging_does_not_know_is_said_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "BUDDY_ENV_FILE": os.devnull,
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "LOG_LEVEL": "loud",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "LOG_LEVEL 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR" in result.stderr
    assert "Traceback" not in result.stderr
