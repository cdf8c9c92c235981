"""`./scripts/run-bot` as a new team runs it: one command, a `.env`, the Slack listener and the
clock together; a slot set in Slack, and the clock's next pass brings the prep nudge.

The one test that runs Buddy as real processes on the real clock: it waits for them (polling,
never longer than it must), which is why a nudge due now is chosen rather than one days away.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.fake_slack import FakeSlack
from tests.slack_http import SIGNING_SECRET, SlackClientForTests

REPO = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _daytime_zone(now: datetime) -> str:
    """A fixed-offset zone where it is mid-afternoon now, so quiet hours hold nothing."""
    for offset in range(-12, 15):
        zone = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
        if 13 <= now.astimezone(ZoneInfo(zone)).hour < 16:
            return zone
    raise AssertionError("no zone is in the afternoon")


def _wait_for(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {WAIT_SECONDS} s for {what}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def running(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env_file = tmp_path / ".env"
    env_file.write_text(
        "\n".join(
            [
                "SLACK_BOT_TOKEN=xoxb-test",
                f"SLACK_SIGNING_SECRET={SIGNING_SECRET}",
                f"SLACK_API_URL={fake_slack.api_url}",
                f"DATABASE_URL=sqlite:///{tmp_path / 'buddy.db'}",
                f"PORT={port}",
                "BUDDY_TICK_SECONDS=1",
            ]
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUDDY_"))}
    env.pop("DATABASE_URL", None)
    env["BUDDY_ENV_FILE"] = str(env_file)
    process = subprocess.Popen(
        [str(REPO / "scripts" / "run-bot")], cwd=REPO, env=env, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for("the listener to answer", lambda: _healthy(url))
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_one_command_runs_the_listener_and_the_clock(
    running: tuple[str, subprocess.Popen[bytes]], fake_slack: FakeSlack
) -> None:
    url, process = running
    now = datetime.now(UTC)
    zone = _daytime_zone(now)
    for user in ("UALICE", "UBOB"):
        fake_slack.add_user(user, tz=zone)
    slack = SlackClientForTests(url + "/slack/events", fake_slack.response_url())
    meeting = (now + timedelta(days=1)).astimezone(ZoneInfo(zone))
    paired = slack.command("pair <@UBOB|bob>", user="UALICE")
    assert paired.status == 200, paired.body
    _wait_for(
        f"the pair's welcome (Slack saw {[c.method for c in fake_slack.calls]})",
        lambda: any("now a buddy pair" in text for text in fake_slack.posted_texts()),
    )
    answer = slack.command(f"slot {meeting:%a} {meeting:%H}:00 tz {zone}", user="UALICE")
    assert answer.status == 200, answer.body

    def prep_arrived() -> bool:
        return any("Your buddy meeting" in text for text in fake_slack.posted_texts())

    _wait_for(
        f"the prep nudge (Slack saw {[c.method for c in fake_slack.calls]}; answers "
        f"{fake_slack.response_posts}; slot answer {answer.body})",
        prep_arrived,
    )

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    assert process.wait(timeout=WAIT_SECONDS) == 0
