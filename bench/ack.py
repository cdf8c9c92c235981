"""How fast Buddy answers its everyday commands, against a bare slack-bolt app, side by side.

The database is seeded in bulk with `--pairs` pairs (`tests/bulk_seed.py`), the web process is
started as the Procfile starts it (`python -m bot serve`: Waitress, `bot/cli.py`
`build_wsgi_app`), its Web API pointed at a local fake Slack. Beside it, in the same run, a bare
slack-bolt app (`bench/bare_app.py`: `process_before_response`, answering in the ack) is served
in its fastest production mode: gunicorn's sync workers when `--bare-python` has gunicorn
(`pip install gunicorn slack-bolt` in any virtualenv), else Waitress like Buddy. Each everyday
command (`help`, `next`, `status`, `actions`, `upcoming`) is sent as Slack sends it, signed, to
both: one at a time, then 50 in flight. A request not answered within Slack's 3 s counts as
unanswered. Then the web process is started on a database of `--memory-pairs` pairs, every
command sent to it, and its resident memory read from /proc.

Usage: .venv/bin/python -m bench.ack [--pairs 10000] [--memory-pairs 100000] [--runs 200]
           [--in-flight 50] [--bare-python /path/to/python] [--database-url URL]
Prints its figures; it asserts nothing (targets are read by people, not by the test suite).
Targets (issue 25): each median at most 2.0x the bare app's, p99 with 50 in flight under
100 ms, nothing unanswered, the web process under 150 MB with 100,000 pairs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench.commands import free_port, start_web_process
from bot.migrate import upgrade_to_head
from models.db import make_engine, make_session_factory
from tests.bulk_seed import FACILITATOR, NAMED_PAIRS, UNPAIRED, seed
from tests.fake_slack import FakeSlack
from tests.slack_http import SIGNING_SECRET, sign

ALICE = NAMED_PAIRS[0][0]
EVERYDAY = ("help", "next", "status", "actions", "upcoming")
SLACK_WAITS = 3.0  # seconds: Slack's limit for the ack
ROOT = Path(__file__).resolve().parent.parent
GUNICORN_WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's own advice


def signed_command(text: str) -> tuple[bytes, dict[str, str]]:
    """`/buddy <text>` from Alice in the cohort's channel, as Slack signs it; a new trigger id
    each time (Buddy answers a repeated delivery once)."""
    form = {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "school",
        "channel_id": "CCOHORT",
        "channel_name": "cohort",
        "user_id": ALICE,
        "user_name": ALICE.lower(),
        "command": "/buddy",
        "text": text,
        "api_app_id": "A1",
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": uuid.uuid4().hex,
    }
    body = urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    return body, headers


def send(port: int, text: str) -> float | None:
    """Seconds until the whole answer came back, or None when it did not within 3 s."""
    body, headers = signed_command(text)
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SLACK_WAITS)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
    except OSError:
        return None
    finally:
        connection.close()
    took = time.perf_counter() - began
    if response.status != 200 or not answer or took > SLACK_WAITS:
        return None
    return took


@dataclass(frozen=True)
class Figures:
    median: float
    p99: float
    unanswered: int

    @classmethod
    def of(cls, times: list[float | None]) -> Figures:
        answered = sorted(t for t in times if t is not None)
        if not answered:
            return cls(float("nan"), float("nan"), len(times))
        p99 = answered[min(len(answered) - 1, int(len(answered) * 0.99))]
        return cls(statistics.median(answered), p99, len(times) - len(answered))


def one_at_a_time(port: int, text: str, runs: int) -> Figures:
    return Figures.of([send(port, text) for _ in range(runs)])


def in_flight(port: int, text: str, runs: int, flying: int) -> Figures:
    with ThreadPoolExecutor(max_workers=flying) as pool:
        return Figures.of(list(pool.map(lambda _: send(port, text), range(runs))))


def start_bare_app(python: str, port: int, fake: FakeSlack) -> tuple[subprocess.Popen[bytes], str]:
    """The bare Bolt app under gunicorn (sync workers) when `python` has it, else Waitress."""
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PYTHONPATH": str(ROOT),
    }
    has_gunicorn = subprocess.run([python, "-c", "import gunicorn"], capture_output=True).returncode
    if has_gunicorn == 0:
        server = f"gunicorn, {GUNICORN_WORKERS} sync workers"
        argv = [
            python,
            "-m",
            "gunicorn",
            "--workers",
            str(GUNICORN_WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bare_app:wsgi",
        ]
    else:
        server = "waitress (no gunicorn in --bare-python)"
        argv = [python, "-m", "waitress", "--listen", f"127.0.0.1:{port}", "bench.bare_app:wsgi"]
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if send(port, "help") is not None:
            return process, server
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the bare Bolt app did not start")


def rss_mib(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak (VmRSS, VmHWM), in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def seeded_database(url: str | None, pairs: int, now: datetime) -> str:
    url = url or f"sqlite:///{tempfile.mkdtemp()}/ack-{pairs}.db"
    upgrade_to_head(url)
    began = time.perf_counter()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        seed(session, pairs, now)
    engine.dispose()
    print(f"seeded {pairs} pairs in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})")
    return url


def fake_slack() -> FakeSlack:
    fake = FakeSlack().start()
    for user in (*(u for pair in NAMED_PAIRS for u in pair), *UNPAIRED, FACILITATOR):
        fake.add_user(user)
    return fake


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.1f} ms"


def compare(args: argparse.Namespace, now: datetime) -> None:
    url = seeded_database(args.database_url, args.pairs, now)
    fake = fake_slack()
    buddy_port, bare_port = free_port(), free_port()
    web = start_web_process(url, fake, buddy_port)
    bare: subprocess.Popen[bytes] | None = None
    try:
        bare, server = start_bare_app(args.bare_python, bare_port, fake)
        for text in EVERYDAY:  # warm up both: imports, first connections, caches
            for _ in range(5):
                send(buddy_port, text)
                send(bare_port, text)
        print(
            f"\n{args.pairs} pairs; Buddy: `python -m bot serve` (Waitress); bare Bolt app: "
            f"{server}; {args.runs} requests per command and mode"
        )
        header = (
            f"  {'command':10} {'mode':13} {'Buddy median':>13} {'bare median':>12} "
            f"{'ratio':>6} {'Buddy p99':>10} {'bare p99':>9} {'unanswered':>11}"
        )
        print(header)
        for text in EVERYDAY:
            # Buddy and the bare app take turns, so a busier moment slows both alike.
            for mode in ("one at a time", f"{args.in_flight} in flight"):
                if mode == "one at a time":
                    ours, theirs = (
                        one_at_a_time(buddy_port, text, args.runs),
                        one_at_a_time(bare_port, text, args.runs),
                    )
                else:
                    ours, theirs = (
                        in_flight(buddy_port, text, args.runs, args.in_flight),
                        in_flight(bare_port, text, args.runs, args.in_flight),
                    )
                print(
                    f"  /buddy {text:9} {mode:13} {ms(ours.median):>13} {ms(theirs.median):>12} "
                    f"{ours.median / theirs.median:5.1f}x {ms(ours.p99):>10} {ms(theirs.p99):>9} "
                    f"{ours.unanswered:>5} / {theirs.unanswered:<3}"
                )
    finally:
        for process in (web, bare):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        fake.stop()


def memory(args: argparse.Namespace, now: datetime) -> None:
    url = seeded_database(args.memory_database_url, args.memory_pairs, now)
    fake = fake_slack()
    port = free_port()
    web = start_web_process(url, fake, port)
    try:
        unanswered = 0
        for text in EVERYDAY:
            for _ in range(20):
                unanswered += send(port, text) is None
            unanswered += in_flight(port, text, 100, args.in_flight).unanswered
        now_mib, peak_mib = rss_mib(web.pid)
        print(
            f"\nweb process with {args.memory_pairs} pairs, after every everyday command "
            f"(20 one at a time and 100 at {args.in_flight} in flight each; "
            f"{unanswered} unanswered): RSS {now_mib:.0f} MiB, peak {peak_mib:.0f} MiB"
        )
    finally:
        web.terminate()
        web.wait(timeout=30)
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--memory-pairs", type=int, default=100_000, help="0: no memory figure")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--bare-python", default=sys.executable)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--memory-database-url", default=None)
    args = parser.parse_args()
    now = datetime.now(UTC)
    compare(args, now)
    if args.memory_pairs:
        memory(args, now)


if __name__ == "__main__":
    main()
