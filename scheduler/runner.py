"""One pass of the clock: plan what is due, record it, claim it, send it, mark it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import Clock
from models.db import make_engine, make_session_factory
from models.deliveries import Delivery
from scheduler import outbox
from scheduler.planning import PlannedDelivery
from scheduler.sender import SendFailure, SlackSender

logger = logging.getLogger(__name__)

# A planner sees the world and the moment, and says which deliveries it calls for.
Planner = Callable[[Session, datetime], Sequence[PlannedDelivery]]

MAX_ATTEMPTS = 8
BACKOFF_START = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


@dataclass
class PassReport:
    """What one pass did (or, in a dry run, would do): one line per delivery."""

    at: datetime
    dry_run: bool = False
    sent: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.dry_run:
            if not self.would_send:
                return [f"{_fmt(self.at)}: nothing would be sent"]
            return [f"would send {line}" for line in self.would_send]
        return (
            [f"sent {line}" for line in self.sent]
            + [f"skipped {line}" for line in self.skipped]
            + [f"retrying {line}" for line in self.retrying]
            + [f"failed {line}" for line in self.failed]
        )


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class PassRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        clock: Clock,
        planners: Sequence[Planner],
    ) -> None:
        self.sessions = sessions
        self.sender = SlackSender(client)
        self.clock = clock
        self.planners = list(planners)

    def plan(self, session: Session, now: datetime) -> dict[str, PlannedDelivery]:
        planned: dict[str, PlannedDelivery] = {}
        for planner in self.planners:
            for delivery in planner(session, now):
                planned[delivery.key] = delivery
        return planned

    def run_pass(self, *, dry_run: bool = False) -> PassReport:
        now = self.clock.now()
        report = PassReport(at=now, dry_run=dry_run)
        with self.sessions() as session:
            planned = self.plan(session, now)
            due = [p for p in planned.values() if p.decide_at() <= now]
            if dry_run:
                self._dry_run(session, now, due, report)
                return report
            outbox.record_due(session, due, now)
            for stale in outbox.unplanned_claimable(session, now, set(planned)):
                outbox.mark_skipped(session, stale, "no longer planned")
                report.skipped.append(f"{stale.kind} {stale.key}: no longer planned")
            session.commit()
            keys = [p.key for p in due]
            abandoned = outbox.abandoned_keys(session, now, keys)
            for delivery in outbox.claim_ready(session, now, keys):
                recovered = delivery.key in abandoned
                self._deliver(session, delivery, planned[delivery.key], now, recovered, report)
                session.commit()
        return report

    def _dry_run(
        self,
        session: Session,
        now: datetime,
        due: list[PlannedDelivery],
        report: PassReport,
    ) -> None:
        keys = [p.key for p in due]
        ready = set(outbox.ready_keys(session, now, keys)) | (
            set(keys) - outbox.known_keys(session, keys)
        )
        for p in sorted(due, key=lambda d: (d.send_at(), d.key)):
            if p.key in ready and not (p.expires_at and now >= p.expires_at):
                report.would_send.append(f"{_fmt(p.send_at())} {p.kind} to {p.describe}")
        session.rollback()

    def _deliver(
        self,
        session: Session,
        delivery: Delivery,
        planned: PlannedDelivery,
        now: datetime,
        recovered: bool,
        report: PassReport,
    ) -> None:
        """Send one claimed delivery; a recovered claim first checks Slack for the message."""
        line = f"{planned.kind} to {planned.describe}"
        if planned.expires_at is not None and now >= planned.expires_at:
            outbox.mark_skipped(session, delivery, "its moment had passed")
            report.skipped.append(f"{line}: its moment had passed")
            return
        try:
            channel = self.sender.channel_for(session, planned.target)
            session.commit()  # keep an opened DM even if the post fails
            if recovered:
                found = self.sender.find_sent(channel, delivery.key, delivery.created_at)
                if found is not None:
                    outbox.mark_sent(session, delivery, now, channel, found)
                    report.sent.append(f"{line} (found already sent)")
                    return
            ts = self.sender.post(channel, delivery.key, planned.render())
        except SendFailure as failure:
            self._failed(session, delivery, failure, now, line, report)
            return
        outbox.mark_sent(session, delivery, now, channel, ts)
        report.sent.append(line)

    def _failed(
        self,
        session: Session,
        delivery: Delivery,
        failure: SendFailure,
        now: datetime,
        line: str,
        report: PassReport,
    ) -> None:
        if failure.permanent or delivery.attempts >= MAX_ATTEMPTS:
            logger.error("Giving up on %s: %s", delivery.key, failure.error)
            outbox.mark_failed(session, delivery, failure.error)
            report.failed.append(f"{line}: {failure.error}")
            return
        if failure.retry_after_seconds is not None:
            wait = timedelta(seconds=failure.retry_after_seconds)
        else:
            wait = min(BACKOFF_START * 2 ** (delivery.attempts - 1), BACKOFF_CAP)
        logger.warning("Will retry %s in %s: %s", delivery.key, wait, failure.error)
        outbox.retry_later(session, delivery, now + wait, failure.error)
        report.retrying.append(f"{line}: {failure.error}")


def default_planners() -> list[Planner]:
    from scheduler.nudges import PLANNERS

    return list(PLANNERS)


def make_scheduler_client(settings: Settings) -> WebClient:
    """Like the bot's client, but without the 429 retry handler: the clock never sleeps a 429."""
    return WebClient(token=settings.bot_token, base_url=settings.slack_api_url, timeout=10)


def build_runner(
    settings: Settings,
    clock: Clock,
    *,
    sessions: sessionmaker[Session] | None = None,
    planners: Sequence[Planner] | None = None,
) -> PassRunner:
    if sessions is None:
        sessions = make_session_factory(make_engine(settings.database_url))
    return PassRunner(
        sessions,
        make_scheduler_client(settings),
        clock,
        default_planners() if planners is None else planners,
    )
