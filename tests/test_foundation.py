"""The foundation as Slack and an operator see it: signed requests, help, settings, health."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests

REPO = Path(__file__).resolve().parent.parent


def test_help_answers_in_the_ack_body_with_the_command_list(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.command("help")
    assert result.status == 200
    reply = result.json()
    assert reply["response_type"] == "ephemeral"
    assert "/buddy help" in result.text
    # The answer came in the ack itself: nothing went through response_url.
    assert fake_slack.response_posts == []


def test_bare_buddy_shows_help(slack: SlackClientForTests) -> None:
    assert "/buddy help" in slack.command("").text


def test_unknown_subcommand_says_so_and_lists_commands(slack: SlackClientForTests) -> None:
    result = slack.command("dance wildly")
    assert result.status == 200
    assert "I don't know `/buddy dance`" in result.text
    assert "/buddy help" in result.text


def test_bad_signature_is_refused_without_calling_slack(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.command("help", secret="not-the-secret")
    assert result.status == 401
    assert fake_slack.calls == []


def test_stale_timestamp_is_refused(slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
    result = slack.command("help", timestamp=int(time.time()) - 6 * 60)
    assert result.status == 401
    assert fake_slack.calls == []


def test_health_check_reports_ok(app_url: str) -> None:
    with urllib.request.urlopen(app_url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok\n"


def test_bot_without_tokens_names_the_missing_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN is missing" in result.stderr
    assert "SLACK_SIGNING_SECRET is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_scheduler_without_token_names_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scheduler"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is missing" in result.stderr
    assert "Traceback" not in result.stderr
