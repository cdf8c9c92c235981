"""The Procfile scaled out (issue 25): two web processes and two clocks against one database
(PostgreSQL in CI's second run), through a day of commands and nudges. Each web process and each
clock has its own engine, its own connections and its own pool for work after the ack, as
separate processes would; they share only the database, the fake Slack and the time of day.

Whatever runs at the same moment (both clocks' passes, commands to either web process), every
pair hears its reminder and its check-in exactly once: 0 lost, 0 duplicated.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from waitress import create_server

from bot.app import create_app
from bot.settings import Settings
from bot.web import create_wsgi_app
from models.clock import SettableClock
from models.db import make_engine, make_session_factory
from models.deliveries import MAYBE_SENT, PENDING, SENT, Delivery
from models.pairs import Pair
from scheduler.runner import PassRunner, build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests

PAIRS = 24
# Thursday 26 November, the pairs' first meeting day, and Friday, the day some move to.
THURSDAY = datetime(2026, 11, 26, tzinfo=UTC)
STEP = timedelta(minutes=10)


class AfterAckPool(ThreadPoolExecutor):
    """A web process's pool for work after the ack, which the test can wait to go quiet."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="after-ack")
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def drain(self) -> None:
        """Wait for everything submitted so far (and what that submitted in turn)."""
        while self.futures:
            self.futures.pop(0).result(timeout=60)


class Process:
    """One web process: its own engine and its own server on its own port."""

    def __init__(
        self, settings: Settings, clock: SettableClock, fake: FakeSlack, index: int
    ) -> None:
        self.engine: Engine = make_engine(settings.database_url)
        sessions = make_session_factory(self.engine)
        self.pool = AfterAckPool()
        app = create_app(settings, sessions=sessions, clock=clock, listener_executor=self.pool)
        wsgi = create_wsgi_app(app, sessions, signing_secret=settings.signing_secret)
        self.server = create_server(wsgi, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=self.server.run, daemon=True).start()
        url = f"http://127.0.0.1:{self.server.effective_port}"
        self.slack = SlackClientForTests(
            url + "/slack/events", fake.response_url(), fake.response_posts
        )
        # Slack gives every request its own trigger id, whichever process it reaches.
        self.slack._trigger = 100_000 * index

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.server.close()
        self.engine.dispose()


@pytest.fixture
def web(settings: Settings, clock: SettableClock, fake_slack: FakeSlack) -> Iterator[list[Process]]:
    processes = [Process(settings, clock, fake_slack, index) for index in range(2)]
    yield processes
    for process in processes:
        process.close()


@pytest.fixture
def clocks(settings: Settings, clock: SettableClock) -> Iterator[list[PassRunner]]:
    engines = [make_engine(settings.database_url) for _ in range(2)]
    yield [
        build_runner(settings, clock, sessions=make_session_factory(engine)) for engine in engines
    ]
    for engine in engines:
        engine.dispose()


def people(n: int) -> tuple[str, str]:
    return f"UP{n:03d}A", f"UP{n:03d}B"


def all_at_once(*work: Callable[[], object]) -> None:
    """Run each piece of work in its own thread, started together; any error fails the test."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_two_web_processes_and_two_clocks_lose_nothing_and_send_nothing_twice(
    web: list[Process],
    clocks: list[PassRunner],
    clock: SettableClock,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(DEFAULT_NOW)
    for n in range(PAIRS):
        for user in people(n):
            fake_slack.add_user(user)

    def form(half: int) -> None:
        """Half the pairs form and set their slot through one web process, half through the
        other, at the same time."""
        process = web[half]
        for n in range(half, PAIRS, 2):
            first, second = people(n)
            paired = process.slack.command(f"pair <@{second}|b>", user=first, channel=f"D{first}")
            assert "are now buddies" in paired.text, paired.text
            hour = 9 + n % 7
            answer = process.slack.command(f"slot thu {hour}:00", user=first, channel=f"D{first}")
            assert answer.status == 200

    all_at_once(lambda: form(0), lambda: form(1))
    for process in web:
        process.pool.drain()
    with sessions() as session:
        pairs = session.scalars(select(Pair).where(Pair.dissolved_at.is_(None))).all()
        assert len(pairs) == PAIRS and all(p.slot_weekday == 3 for p in pairs)

    def commands_on_the_day() -> None:
        """While the clocks pass: a quarter of the pairs move their meeting to Friday (one web
        process), another quarter record an action (the other)."""
        for n in range(0, PAIRS, 4):
            first, _ = people(n)
            web[0].slack.command("move to 27/11 15:00", user=first, channel=f"D{first}")
        for n in range(1, PAIRS, 4):
            first, _ = people(n)
            web[1].slack.command("action Try cold calling by 4/12", user=first, channel=f"D{first}")

    moment = THURSDAY
    end = THURSDAY + timedelta(days=1, hours=20)
    while moment <= end:
        clock.set(moment)
        work: list[Callable[[], object]] = [runner.run_pass for runner in clocks]
        if moment == THURSDAY + timedelta(hours=7):
            work.append(commands_on_the_day)
        all_at_once(*work)
        for process in web:
            process.pool.drain()
        moment += STEP

    keys = fake_slack.delivery_keys()
    twice = [key for key, seen in Counter(keys).items() if seen > 1]
    assert twice == [], f"sent twice: {twice}"
    with sessions() as session:
        rows = session.scalars(select(Delivery)).all()
        stuck = [r.key for r in rows if r.status in (PENDING, MAYBE_SENT) and r.due_at <= end]
        assert stuck == [], f"never sent: {stuck}"
        sent = sorted(r.key for r in rows if r.status == SENT)
        checked_in = {r.pair_id: r.sent_at for r in rows if r.kind == "checkin" and r.sent_at}
        formed_by = {p.id: p.formed_by for p in pairs}
    assert sorted(keys) == sent  # what the outbox says went is what reached Slack
    friday = THURSDAY + timedelta(days=1)
    for pair_id, first in formed_by.items():
        for kind in ("reminder", "checkin"):
            mine = [k for k in keys if k.startswith(f"{kind}:pair={pair_id}:")]
            assert len(mine) == 1, (kind, pair_id, mine)
        # The moves made through one process while both clocks ran were heeded.
        moved = int(first[2:5]) % 4 == 0
        at = checked_in[pair_id]
        assert at is not None and (at >= friday + timedelta(hours=15)) == moved, (first, at)
