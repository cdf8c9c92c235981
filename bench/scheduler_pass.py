"""How much one clock pass costs with many pairs: seconds, SQL statements, Slack calls, memory.

The last pass follows a crash that left every message of the first pass posted but unmarked:
it shows what a recovery costs (history reads are capped at Tier 3's pace, so a later pass
carries on where it stopped).

Usage: .venv/bin/python -m bench.scheduler_pass [--pairs 2000] [--database-url URL]
Prints its figures; it asserts nothing (targets are read by people, not by the test suite).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import event, update

from bot.migrate import upgrade_to_head
from bot.settings import Settings
from models.calendar.tables import Module
from models.clock import SettableClock
from models.db import make_engine, make_session_factory
from models.deliveries import CLAIMED, SENT, Delivery
from models.pairs import Pair, PairMember
from models.people import Participant, default_cohort
from scheduler.outbox import LEASE
from scheduler.runner import build_runner
from tests.fake_slack import FakeSlack

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def populate(url: str, pairs: int) -> None:
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        cohort = default_cohort(session, "T1", START)
        for n in range(6):
            session.add(
                Module(
                    cohort_id=cohort.id,
                    code=f"B{n + 1}",
                    title=f"Module {n + 1}",
                    insight_module=f"Insight {n + 1}",
                    starts_on=date(2026, 11, 16) + timedelta(days=14 * n),
                )
            )
        people = [
            Participant(
                team_id="T1", user_id=f"U{i:06d}", timezone="Europe/London", created_at=START
            )
            for i in range(pairs * 2)
        ]
        session.add_all(people)
        session.flush()
        for i in range(pairs):
            first = date(2026, 11, 30) + timedelta(days=i % 14)
            pair = Pair(
                team_id="T1",
                cohort_id=cohort.id,
                formed_by=people[2 * i].user_id,
                created_at=START - timedelta(days=30),
                slot_weekday=first.weekday(),
                slot_time=clock_time(8 + i % 9, 0),
                slot_timezone="Europe/London",
                slot_first_date=first,
                format_kind="video",
                format_detail="https://meet",
            )
            session.add(pair)
            session.flush()
            for person in people[2 * i : 2 * i + 2]:
                session.add(PairMember(pair_id=pair.id, participant_id=person.id, joined_at=START))
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade_to_head(url)
    populate(url, args.pairs)

    fake = FakeSlack().start()
    engine = make_engine(url)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    settings = Settings(bot_token="xoxb-bench", slack_api_url=fake.api_url, database_url=url)
    clock = SettableClock(START)
    runner = build_runner(settings, clock, sessions=make_session_factory(engine))

    print(f"pairs: {args.pairs}  database: {url.split(':')[0]}")
    first = START + timedelta(days=6, hours=8)
    for label, moment in (
        ("first pass of the day (sends what is due)", first),
        ("the next pass, 10 s later (nothing new)", first + timedelta(seconds=10)),
        ("a crash left those unmarked; the lease has run out", first + timedelta(minutes=6)),
    ):
        if moment > first + LEASE:
            with engine.begin() as connection:
                connection.execute(
                    update(Delivery)
                    .where(Delivery.status == SENT)
                    .values(status=CLAIMED, lease_until=first + LEASE)
                )
        clock.set(moment)
        statements = 0
        fake.clear()
        began = time.perf_counter()
        report = runner.run_pass()
        took = time.perf_counter() - began
        print(
            f"{label}: {took:.2f} s, {statements} SQL statements, "
            f"{len(fake.calls_to('chat.postMessage'))} posts, "
            f"{len(fake.calls_to('conversations.history'))} history reads, "
            f"{len(report.sent)} sent, {len(report.skipped)} skipped"
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mib:.0f} MiB")
    fake.stop()


if __name__ == "__main__":
    main()
