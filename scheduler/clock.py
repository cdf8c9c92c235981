"""The clock process: one APScheduler interval job that runs a pass every BUDDY_TICK_SECONDS.

The job lives in memory (a persistent job store would pickle it and could share it between
processes, which APScheduler's FAQ warns against); everything worth keeping is in our tables.
"""

from __future__ import annotations

import logging
import time

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.settings import Settings
from models.clock import SystemClock
from scheduler.runner import PassRunner, build_runner

logger = logging.getLogger(__name__)

JOB_ID = "buddy-pass"


def run_one_pass(runner: PassRunner) -> None:
    """The job: a pass. Each send is logged as it happens; here, a one-line summary of a pass
    that did anything (errors are logged by the listener below)."""
    report = runner.run_pass()
    if report.lines():
        logger.info(report.summary())


def _log_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("A pass was missed (scheduled for %s)", event.scheduled_run_time)
    elif event.exception is not None:
        logger.error("A pass failed", exc_info=event.exception)


def build_scheduler(runner: PassRunner, tick_seconds: float) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_listener(_log_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.add_job(
        run_one_pass,
        "interval",
        seconds=tick_seconds,
        args=[runner],
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        # Longer than a tick, so a slow pass delays the next one instead of dropping it.
        misfire_grace_time=int(max(tick_seconds * 3, 30)),
    )
    return scheduler


def run_clock(settings: Settings) -> None:
    # APScheduler logs every run of the job at INFO ("Running job ... executed successfully"):
    # every ten seconds, all day. Passes that did something are logged above; misses and
    # failures by `_log_event`.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    # Real time, so a pass may wait a moment within itself for a conversation's or a
    # workspace's next post rather than leave it to the next tick.
    runner = build_runner(settings, SystemClock(), waiter=time.sleep)
    logger.info("Buddy's clock: a pass every %s seconds", settings.tick_seconds)
    scheduler = build_scheduler(runner, settings.tick_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logger.info("Buddy's clock stopped")
