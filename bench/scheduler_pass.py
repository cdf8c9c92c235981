"""How much one clock pass costs with many pairs: seconds, SQL statements, Slack calls, memory.

For each size in `--pairs` (a separate clock process each, its database seeded by another and
the fake Slack in a third, so the clock's memory is its own):
- the catch-up: the database as migration 0020 leaves it (every subject due) worked through,
  `scheduler.due.BATCH` subjects a pass, until nothing is due;
- a pass with 1% of the pairs due (their meeting at 10:15: the reminder is due at 10:00), the rest
  meeting later in the week (nothing to plan until their daily re-read), five times (another 1%
  meets at 10:20, and so on): the median is shown;
- passes with nothing due (10, 20 and 30 s after each of those): the median is shown;
then the ratios of the largest size's figures to the smallest's (medians: the machine is
shared). A pass with 1% due has ten times as much to do at ten times the pairs: its ratio per
pair due is the one that says whether the pass costs what is due.

`--day` also runs the earlier scenario at one size (the first pass of a day, the next pass, and a
recovery after a crash left every post unmarked).

Usage: .venv/bin/python -m bench.scheduler_pass [--pairs 10000,100000] [--database-url URL]
       [--day]
With --database-url (PostgreSQL: a database per size is made from it, `<name>_<pairs>`);
otherwise a fresh SQLite file per size. Prints its figures; it asserts nothing (targets are read
by people, not by the test suite).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import create_engine, event, insert, text, update
from sqlalchemy.engine import make_url

from bot.migrate import upgrade_to_head
from bot.settings import Settings
from models.calendar.tables import Module
from models.clock import SettableClock
from models.clock_due import due_subjects
from models.db import make_engine, make_session_factory
from models.deliveries import CLAIMED, SENT, Delivery
from models.pairs import Pair, PairMember
from models.people import Cohort, Participant
from scheduler.outbox import LEASE
from scheduler.runner import build_runner
from tests.fake_slack import FakeSlack

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# Tuesday 1 December, 10:00 in London (UTC in winter): the pass with 1% due.
DUE_PASS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CATCH_UP_AT = DUE_PASS - timedelta(hours=1)
EVERY = 100  # one pair in a hundred meets at 10:15 on the day, another at 10:20, ...
WAVES = 5
WAVE_EVERY = timedelta(minutes=5)
IDLE_AFTER = (10, 20, 30)  # seconds after a pass with 1% due
BATCH_ROWS = 20_000


def populate(url: str, pairs: int, *, due_scenario: bool) -> None:
    """The world, in bulk, straight into the database (as a running programme has it after the
    migration: nothing planned yet)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        cohort_id = connection.execute(
            insert(Cohort).returning(Cohort.id),
            [{"team_id": "T1", "name": "Cohort", "timezone": "Europe/London", "created_at": START}],
        ).scalar_one()
        connection.execute(
            insert(Module),
            [
                {
                    "cohort_id": cohort_id,
                    "code": f"B{n + 1}",
                    "title": f"Module {n + 1}",
                    "insight_module": f"Insight {n + 1}",
                    "starts_on": date(2026, 11, 16) + timedelta(days=14 * n),
                }
                for n in range(6)
            ],
        )
        for first in range(0, pairs, BATCH_ROWS):
            batch = range(first, min(first + BATCH_ROWS, pairs))
            people = connection.execute(
                insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
                [
                    {
                        "team_id": "T1",
                        "user_id": f"U{2 * i + k:07d}",
                        "timezone": "Europe/London",
                        "is_bot": False,
                        "created_at": START,
                    }
                    for i in batch
                    for k in range(2)
                ],
            ).scalars()
            people_ids = list(people)
            rows = [_pair_row(i, cohort_id, due_scenario) for i in batch]
            pair_ids = list(
                connection.execute(
                    insert(Pair).returning(Pair.id, sort_by_parameter_order=True), rows
                ).scalars()
            )
            connection.execute(
                insert(PairMember),
                [
                    {
                        "pair_id": pair_id,
                        "participant_id": people_ids[2 * n + k],
                        "joined_at": START,
                    }
                    for n, pair_id in enumerate(pair_ids)
                    for k in range(2)
                ],
            )
    engine.dispose()


def _pair_row(i: int, cohort_id: int, due_scenario: bool) -> dict[str, Any]:
    if due_scenario:
        # 1% meet at 10:15 on Tuesday 1 December, 1% at 10:20, ... (`WAVES` of them); the rest
        # on a day from Saturday 5 December on.
        wave = i % EVERY
        due = wave < WAVES
        first = date(2026, 12, 1) if due else date(2026, 12, 5) + timedelta(days=i % 7)
        at = clock_time(10, 15 + 5 * wave) if due else clock_time(8 + i % 9, 0)
    else:
        first = date(2026, 11, 30) + timedelta(days=i % 14)
        at = clock_time(8 + i % 9, 0)
    return {
        "team_id": "T1",
        "cohort_id": cohort_id,
        "formed_by": f"U{2 * i:07d}",
        "created_at": START - timedelta(days=30),
        "slot_weekday": first.weekday(),
        "slot_time": at,
        "slot_timezone": "Europe/London",
        "slot_first_date": first,
        "format_kind": "video",
        "format_detail": "https://meet",
    }


def _serve_fake(urls: multiprocessing.Queue[str]) -> None:
    """The fake Slack in a process of its own: what it keeps of every post is not the clock's
    memory."""
    fake = FakeSlack().start()
    urls.put(fake.api_url)
    while True:
        time.sleep(1)
        fake.clear()
        fake.messages.clear()


class Measure:
    """One clock process: its runner on the fake Slack, counting statements. With `apart`, the
    fake runs in a process of its own (posts are then counted from the pass's report)."""

    def __init__(self, url: str, apart: bool = False) -> None:
        self.fake: FakeSlack | None = None
        self.server: multiprocessing.Process | None = None
        if apart:
            urls: multiprocessing.Queue[str] = multiprocessing.Queue()
            self.server = multiprocessing.Process(target=_serve_fake, args=(urls,), daemon=True)
            self.server.start()
            api = urls.get(timeout=60)
        else:
            self.fake = FakeSlack().start()
            api = self.fake.api_url
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        self.statements = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        settings = Settings(bot_token="xoxb-bench", slack_api_url=api, database_url=url)
        self.clock = SettableClock(START)
        self.runner = build_runner(settings, self.clock, sessions=self.sessions)
        # What a pass costs to plan and send, not the workspace's pace (`bench/send.py` measures
        # that): the fake Slack takes every post at once.
        self.runner.limits = {
            platform: replace(limits, per_second=1e9, burst=10**9)
            for platform, limits in self.runner.limits.items()
        }

    def _count(self, *_: object) -> None:
        self.statements += 1

    def run(self, moment: datetime) -> dict[str, Any]:
        self.clock.set(moment)
        self.statements = 0
        if self.fake is not None:
            self.fake.clear()
        began = time.perf_counter()
        report = self.runner.run_pass()
        took = time.perf_counter() - began
        fake = self.fake
        return {
            "seconds": took,
            "statements": self.statements,
            "posts": len(fake.calls_to("chat.postMessage")) if fake else len(report.sent),
            "history": len(fake.calls_to("conversations.history")) if fake else 0,
            "sent": len(report.sent),
            "skipped": len(report.skipped),
        }

    def stop(self) -> None:
        if self.fake is not None:
            self.fake.stop()
        if self.server is not None:
            self.server.terminate()
            self.server.join()

    def due_left(self, moment: datetime) -> int:
        with self.sessions() as session:
            return len(due_subjects(session, moment, 1))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(url: str, pairs: int) -> dict[str, Any]:
    """In the clock's own process: the catch-up, the pass with 1% due, the one with none."""
    measure = Measure(url, apart=True)
    began = time.perf_counter()
    passes = statements = sent = 0
    while True:
        result = measure.run(CATCH_UP_AT)
        passes += 1
        statements += result["statements"]
        sent += result["sent"]
        if not measure.due_left(CATCH_UP_AT):
            break
    catch_up = {
        "seconds": time.perf_counter() - began,
        "passes": passes,
        "statements": statements,
        "sent": sent,
        "peak_mib": peak_mib(),
    }
    dues: list[dict[str, Any]] = []
    idles: list[dict[str, Any]] = []
    for wave in range(WAVES):
        moment = DUE_PASS + wave * WAVE_EVERY
        dues.append(measure.run(moment))
        idles.extend(measure.run(moment + timedelta(seconds=s)) for s in IDLE_AFTER)
    due, idle = _median(dues), _median(idles)
    due["due_pairs"] = pairs // EVERY
    due["peak_mib"] = idle["peak_mib"] = peak_mib()
    measure.stop()
    return {"pairs": pairs, "catch_up": catch_up, "due": due, "idle": idle}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time, with the spread of the times."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    found = dict(ordered[len(ordered) // 2])
    found["spread"] = (ordered[0]["seconds"], ordered[-1]["seconds"])
    found["runs"] = len(runs)
    return found


def database_for(base: str | None, pairs: int) -> str:
    """A fresh, migrated database for one size."""
    if base is None:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    else:
        parsed = make_url(base)
        name = f"{parsed.database}_{pairs}"
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = parsed.set(database=name).render_as_string(hide_password=False)
    upgrade_to_head(url)
    return url


def _child(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scheduler_pass", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _line(label: str, figures: dict[str, Any]) -> str:
    low, high = figures["spread"]
    return (
        f"  {label}: median {figures['seconds']:.3f} s of {figures['runs']} "
        f"({low:.3f} to {high:.3f}), {figures['statements']} SQL statements, "
        f"{figures['posts']} posts, {figures['sent']} sent, {figures['skipped']} skipped; "
        f"clock peak {figures['peak_mib']:.0f} MiB"
    )


def compare(base: str | None, sizes: list[int]) -> None:
    results: list[dict[str, Any]] = []
    for pairs in sizes:
        url = database_for(base, pairs)
        _child("--seed", str(pairs), "--database-url", url)
        found = json.loads(_child("--measure", str(pairs), "--database-url", url).splitlines()[-1])
        results.append(found)
        up, due, idle = found["catch_up"], found["due"], found["idle"]
        print(f"pairs: {pairs}  database: {url.split(':')[0]}")
        print(
            f"  catch-up after the migration (every subject due): {up['seconds']:.1f} s in "
            f"{up['passes']} passes, {up['statements']} SQL statements, {up['sent']} sent; "
            f"clock peak {up['peak_mib']:.0f} MiB"
        )
        print(_line(f"pass with 1% due ({due['due_pairs']} pairs)", due))
        print(_line("pass with none due", idle))
    if len(results) < 2:
        return
    small, large = results[0], results[-1]
    scale = large["pairs"] / small["pairs"]
    due_ratio = large["due"]["seconds"] / small["due"]["seconds"]
    idle_ratio = large["idle"]["seconds"] / small["idle"]["seconds"]
    print(f"ratios, {large['pairs']} pairs to {small['pairs']} ({scale:.0f}x the pairs):")
    print(
        f"  pass with 1% due: {due_ratio:.2f}x the time "
        f"({due_ratio / scale:.2f}x per pair due; {scale:.0f}x as many due), "
        f"{large['due']['statements'] / small['due']['statements']:.2f}x the statements"
    )
    print(
        f"  pass with none due: {idle_ratio:.2f}x the time, "
        f"{large['idle']['statements'] / small['idle']['statements']:.2f}x the statements"
    )
    print(f"  clock peak at {large['pairs']} pairs: {large['idle']['peak_mib']:.0f} MiB")


def day(url: str, pairs: int) -> None:
    """The earlier scenario: the first pass of a day, the next, and a recovery after a crash."""
    populate(url, pairs, due_scenario=False)
    measure = Measure(url)
    print(f"pairs: {pairs}  database: {url.split(':')[0]}")
    first = START + timedelta(days=6, hours=8)
    for label, moment in (
        ("first pass of the day (sends what is due)", first),
        ("the next pass, 10 s later (nothing new)", first + timedelta(seconds=10)),
        ("a crash left those unmarked; the lease has run out", first + timedelta(minutes=6)),
    ):
        if moment > first + LEASE:
            with measure.engine.begin() as connection:
                connection.execute(
                    update(Delivery)
                    .where(Delivery.status == SENT)
                    .values(status=CLAIMED, lease_until=first + LEASE)
                )
        result = measure.run(moment)
        print(
            f"{label}: {result['seconds']:.2f} s, {result['statements']} SQL statements, "
            f"{result['posts']} posts, {result['history']} history reads, "
            f"{result['sent']} sent, {result['skipped']} skipped"
        )
    print(f"peak memory: {peak_mib():.0f} MiB")
    measure.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", default="10000,100000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--day", action="store_true", help="also the first-pass-of-a-day figures")
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed is not None:
        populate(args.database_url, args.seed, due_scenario=True)
        return
    if args.measure is not None:
        print(json.dumps(one_size(args.database_url, args.measure)))
        return
    sizes = [int(size) for size in args.pairs.split(",")]
    compare(args.database_url, sizes)
    if args.day:
        day(database_for(args.database_url, sizes[0] + 1), sizes[0])


if __name__ == "__main__":
    main()
