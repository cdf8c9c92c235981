"""What each everyday `/buddy` command costs with many pairs: its median time and SQL statements.

The database is seeded in bulk as a running programme has it (`tests/bulk_seed.py`: slots,
meetings, actions, nudges sent, community groups), and the web process is started as the Procfile
starts it (`python -m bot serve`, Waitress), its Web API pointed at a local fake Slack. Each
command is sent as Slack sends it, signed, `--runs` times; the time is until the HTTP answer (the
ack Slack waits at most 3 s for). The statements are counted in this process, on the same
database, with the same app and request, the work after the ack included.

Usage: .venv/bin/python -m bench.commands [--pairs 10000] [--runs 20] [--database-url URL]
Prints its figures; it asserts nothing (targets are read by people, not by the test suite).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event
from waitress.server import create_server

from bot.app import create_app
from bot.migrate import upgrade_to_head
from bot.settings import Settings
from bot.web import create_wsgi_app
from models.clock import SettableClock
from models.db import make_engine, make_session_factory
from tests.bulk_seed import COMMUNITY_CHANNEL, FACILITATOR, NAMED_PAIRS, UNPAIRED, seed
from tests.conftest import InlineExecutor
from tests.fake_slack import FakeSlack
from tests.slack_http import SIGNING_SECRET, SlackClientForTests

ALICE = NAMED_PAIRS[0][0]
# A pause after each command, so its slow work (after the ack) is not timed as the next one's.
SETTLE = 0.1
# (label, text, user, channel). Those that write leave things as they found them: the slot, backup
# and format the caller's pair was seeded with; an action recorded (as number 3, the caller having
# 1 and 2 open) then done.
COMMANDS = (
    ("help", "help", ALICE, "CCOHORT"),
    ("next", "next", ALICE, "CCOHORT"),
    ("status", "status", ALICE, "CCOHORT"),
    ("upcoming", "upcoming", ALICE, "CCOHORT"),
    ("actions", "actions", ALICE, "CCOHORT"),
    ("cohort", "cohort", ALICE, "CCOHORT"),
    ("module list", "module list", ALICE, "CCOHORT"),
    ("community", "community", ALICE, COMMUNITY_CHANNEL),
    ("facilitators", "facilitators", ALICE, "CCOHORT"),
    ("upcoming (facilitator)", "upcoming", FACILITATOR, "CCOHORT"),
    ("calendar", "calendar", ALICE, "CCOHORT"),
    ("slot", "slot mon 9:00 tz Europe/London", ALICE, "CCOHORT"),
    ("backup", "backup tue 8am", ALICE, "CCOHORT"),
    ("format", "format video https://meet.example.com/0", ALICE, "CCOHORT"),
    ("action", "action Try retrieval starters with 9X", ALICE, "CCOHORT"),
    ("done", "done 3", ALICE, "CCOHORT"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_web_process(url: str, fake: FakeSlack, port: int) -> subprocess.Popen[bytes]:
    """`python -m bot serve`, as the Procfile's `web:` line runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "BUDDY_FACILITATORS": FACILITATOR,
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the web process did not start")


def count_statements(url: str, fake: FakeSlack, now: datetime) -> dict[str, int]:
    """Each command once, through the same app in this process, counting its SQL statements."""
    engine: Engine = make_engine(url)
    sessions = make_session_factory(engine)
    settings = Settings(
        bot_token="xoxb-bench",
        signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=url,
        facilitators=frozenset({FACILITATOR}),
    )
    app = create_app(
        settings, sessions=sessions, clock=SettableClock(now), listener_executor=InlineExecutor()
    )
    wsgi = create_wsgi_app(app, sessions, signing_secret=SIGNING_SECRET)
    found: dict[str, int] = {}
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    server = create_server(wsgi, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    slack = SlackClientForTests(
        f"http://127.0.0.1:{server.effective_port}/slack/events", fake.response_url()
    )
    # Trigger ids Slack has not sent before: the web process already handled the bench's own.
    slack.command("help", user=FACILITATOR, trigger_id="count-0")  # the one-off first request
    for n, (label, text, user, channel) in enumerate(COMMANDS, 1):
        statements = 0
        slack.command(text, user=user, channel=channel, trigger_id=f"count-{n}")
        found[label] = statements
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade_to_head(url)
    now = datetime.now(UTC)
    began = time.perf_counter()
    with make_session_factory(make_engine(url))() as session:
        seed(session, args.pairs, now)
    print(
        f"pairs: {args.pairs}  database: {url.split(':')[0]}  "
        f"seeded in {time.perf_counter() - began:.1f} s"
    )

    fake = FakeSlack().start()
    for user in (*(u for pair in NAMED_PAIRS for u in pair), *UNPAIRED, FACILITATOR):
        fake.add_user(user)
    port = free_port()
    web = start_web_process(url, fake, port)
    try:
        slack = SlackClientForTests(f"http://127.0.0.1:{port}/slack/events", fake.response_url())
        slack.command("help", user=FACILITATOR)  # warm up: imports, first connection
        times: dict[str, list[float]] = {label: [] for label, *_ in COMMANDS}
        # Round by round, every command once in each: a machine busier for a while slows all
        # of them alike, not the few that ran then.
        for _ in range(args.runs):
            for label, text, user, channel in COMMANDS:
                began = time.perf_counter()
                answer = slack.command(text, user=user, channel=channel)
                times[label].append(time.perf_counter() - began)
                if answer.status != 200:
                    raise SystemExit(f"/buddy {text}: HTTP {answer.status}")
                time.sleep(SETTLE)
    finally:
        web.terminate()
        web.wait(timeout=30)
    statements = count_statements(url, fake, now)
    fake.stop()

    medians = {label: statistics.median(found) for label, found in times.items()}
    print(f"median of {args.runs} runs, over HTTP to `python -m bot serve`:")
    for label, median in medians.items():
        ratio = median / medians["next"]
        print(
            f"  /buddy {label:24} {median * 1000:7.1f} ms  ({ratio:4.1f}x next)  "
            f"{statements[label]:3} SQL statements"
        )


if __name__ == "__main__":
    main()
