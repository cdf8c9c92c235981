"""One pass of the clock: plan what is due, record it, settle posts that may have gone out, then
claim, send and mark each due delivery in turn.

What keeps "once, and never lost" under Slack's faults:
- a 429 or an outage is not a failure: the delivery waits (the full Retry-After from when it came,
  or a backoff) and is retried until its moment has passed; only a permanent error fails it;
- after a 429, a 5xx or a timeout the pass posts nothing more to that method, and no pass of any
  clock process calls it until the pause (kept in the database) is over;
- a post whose answer never came is "maybe sent", and is sent again only after Slack's history
  shows it is not there; one history call per channel covers every key in it, within Tier 3;
  a history that cannot be read (even for good: a scope missing) leaves it maybe sent, looked
  for again, never failed;
- each delivery is claimed just before it is posted, so a slow pass never holds a stale lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from frontends.slack.clock import (
    CLIENT_TIMEOUT_SECONDS,
    HISTORY,
    OPEN,
    POST,
    SlackSender,
    WorkspaceClients,
    history_scope,
    make_client,
)
from models.base import SLACK, TEAMS
from models.clock import Clock
from models.community.tables import CommunityGroup
from models.db import make_engine, make_session_factory
from models.deliveries import FAILED, SKIPPED, Delivery, note_missing_scope, scope_works
from models.pairs import Pair
from models.people import Participant
from scheduler import outbox
from scheduler.lifecycle import held_for_workspace
from scheduler.nudges import settle
from scheduler.outbox import Claim
from scheduler.pacing import Pacing
from scheduler.planning import UNDATED_USEFUL_FOR, PlannedDelivery, send_order
from scheduler.ports import PlatformSender, Sender, SendFailure
from scheduler.spacing import Spacing

logger = logging.getLogger(__name__)

# A planner sees the world and the moment, and says which deliveries it calls for.
Planner = Callable[[Session, datetime], Sequence[PlannedDelivery]]

BACKOFF_START = timedelta(seconds=30)
# Short enough that a nudge goes out within minutes of Slack coming back.
BACKOFF_CAP = timedelta(minutes=10)
# A post whose answer never came is looked for in the channel's history after this.
RECHECK_AFTER = timedelta(seconds=30)
# History is read from this long before the attempt, for any skew between our clock and Slack's.
HISTORY_MARGIN = timedelta(minutes=10)
# A maybe-sent row whose channel history cannot be read is settled this long after its moment.
GIVE_UP_CHECKING_AFTER = timedelta(days=1)
MISSING_SCOPE = "missing_scope"


@dataclass
class PassReport:
    """What one pass did (or, in a dry run, would do): one line per delivery."""

    at: datetime
    dry_run: bool = False
    sent: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
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
            + [f"maybe sent {line}" for line in self.unconfirmed]
            + [f"failed {line}" for line in self.failed]
        )

    def summary(self) -> str:
        return (
            f"pass at {_fmt(self.at)}: {len(self.sent)} sent, {len(self.skipped)} skipped, "
            f"{len(self.retrying)} retrying, {len(self.unconfirmed)} maybe sent, "
            f"{len(self.failed)} failed"
        )


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class _ThisPass:
    report: PassReport
    # Methods this pass calls no more (a 429, a 5xx or a timeout came back).
    stopped: set[str] = field(default_factory=set)
    # Keys of deliveries to a workspace where sending is stopped: not touched this pass.
    waiting: set[str] = field(default_factory=set)

    def note(self, bucket: list[str], verb: str, line: str, key: str) -> None:
        """Report and log each outcome as it happens, so a killed pass leaves its record.

        Lines name kinds, keys and Slack ids, never a message's text."""
        bucket.append(line)
        logger.info("%s %s [%s]", verb, line, key)


class PassRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        sender: Sender,
        clock: Clock,
        planners: Sequence[Planner],
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.clock = clock
        self.planners = list(planners)
        self.pacing = Pacing()

    def plan(self, session: Session, now: datetime) -> dict[str, PlannedDelivery]:
        """What every planner calls for, held by its recipients' pauses, leavers left out; a held
        nudge whose moment has passed is held from now (never sent at once in quiet hours)."""
        planned: dict[str, PlannedDelivery] = {}
        for planner in self.planners:
            for delivery in planner(session, now):
                planned[delivery.key] = delivery
        return settle(session, planned, now)

    def run_pass(self, *, dry_run: bool = False) -> PassReport:
        now = self.clock.now()
        report = PassReport(at=now, dry_run=dry_run)
        with self.sessions() as session:
            planned = self.plan(session, now)
            # A workspace that uninstalled Buddy: its nudges stay planned (not skipped) but wait.
            waiting = held_for_workspace(session, planned.values())
            due = [p for p in planned.values() if p.decide_at() <= now and p.key not in waiting]
            if dry_run:
                self._dry_run(session, now, due, report)
                return report
            self.pacing.load(session)  # what every clock process learnt of Slack's limits
            outbox.record_due(session, due, now)
            state = _ThisPass(report, waiting=waiting)
            for stale in outbox.unplanned_pending(session, now, set(planned)):
                if outbox.settle_pending(session, stale.id, SKIPPED, "no longer planned"):
                    line = f"{stale.kind} {stale.key}: no longer planned"
                    state.note(report.skipped, "skipped", line, stale.key)
            session.commit()
            self._recover(session, planned, state)
            self._send_due(session, due, planned, state)
        return report

    def _dry_run(
        self,
        session: Session,
        now: datetime,
        due: list[PlannedDelivery],
        report: PassReport,
    ) -> None:
        keys = [p.key for p in due]
        ready = {row.key for row in outbox.sendable(session, now, keys)} | (
            set(keys) - outbox.known_keys(session, keys)
        )
        for p in sorted(due, key=lambda d: (d.send_at(), d.key)):
            if p.key in ready and now < p.useful_until():
                report.would_send.append(f"{_fmt(p.send_at())} {p.kind} to {p.describe}")
        session.rollback()

    # -- posts that may have gone out ------------------------------------------------------------

    def _recover(
        self, session: Session, planned: dict[str, PlannedDelivery], state: _ThisPass
    ) -> None:
        """Look in each channel's history, once, for every maybe-sent key in it; mark the ones
        found sent and free the rest for sending. A failed look leaves them maybe sent."""
        expired = outbox.expire_claims(session, self.clock.now())
        session.commit()
        if expired:
            logger.warning("%d claims ran out unmarked: checking Slack before resending", expired)
        by_channel: dict[str, list[Delivery]] = {}
        for row in outbox.checkable(session, self.clock.now()):
            if row.key in state.waiting:
                continue
            channel = row.channel_id or self._legacy_channel(session, row, planned)
            if channel is not None:
                by_channel.setdefault(channel, []).append(row)
        for channel, rows in by_channel.items():
            now = self.clock.now()
            if HISTORY in state.stopped or not self.pacing.open(HISTORY, now):
                return
            if not self._take_history(session):
                return  # Tier 3 budget spent: the rest wait for a later pass
            since = min(row.attempted_at or row.created_at for row in rows) - HISTORY_MARGIN
            try:
                found = self.sender.find_sent(
                    channel, [row.key for row in rows], since, lambda: self._take_history(session)
                )
            except SendFailure as failure:
                received = self.clock.now()
                self.pacing.failed(session, HISTORY, failure, received)
                if failure.slack_unwell:
                    state.stopped.add(HISTORY)
                if failure.error == MISSING_SCOPE:
                    self._scope(session, channel, rows, planned, missing_at=received)
                for row in rows:
                    self._check_failed(session, row, planned.get(row.key), failure, received, state)
                session.commit()
                continue
            self.pacing.succeeded(session, HISTORY)
            self._scope(session, channel, rows, planned, missing_at=None)
            if found is None:
                session.commit()
                return  # budget spent mid-channel: nothing concluded, look again later
            for row in rows:
                self._checked(
                    session, row, planned.get(row.key), channel, found.get(row.key), state
                )
            session.commit()

    def _take_history(self, session: Session) -> bool:
        """Spend one history call of the Tier 3 budget, committed at once: every clock process
        counts it, and no write is held open while Slack answers."""
        taken = self.pacing.take(session, HISTORY, self.clock.now())
        session.commit()
        return taken

    def _scope(
        self,
        session: Session,
        channel: str,
        rows: list[Delivery],
        planned: dict[str, PlannedDelivery],
        missing_at: datetime | None,
    ) -> None:
        """Record that the workspace lacks the scope to read this kind of conversation (for its
        facilitators' Home), or, the read having worked, that it has it."""
        target = next((p.target for row in rows if (p := planned.get(row.key))), None)
        team = self._team_of(session, channel, rows)
        if team is None:
            return
        scope = history_scope(channel, target)
        if missing_at is None:
            scope_works(session, team, scope)
        else:
            note_missing_scope(session, team, scope, missing_at)
            logger.warning("cannot read %s's history: the install lacks %s", channel, scope)

    def _team_of(self, session: Session, channel: str, rows: list[Delivery]) -> str | None:
        """The workspace of a channel Buddy posted to: its pair's, its person's or its group's."""
        for row in rows:
            if row.participant_id is not None:
                person = session.get(Participant, row.participant_id)
                if person is not None:
                    return person.team_id
            if row.pair_id is not None:
                pair = session.get(Pair, row.pair_id)
                if pair is not None:
                    return pair.team_id
        return session.scalar(
            select(CommunityGroup.team_id).where(CommunityGroup.channel_id == channel).limit(1)
        )

    def _legacy_channel(
        self, session: Session, row: Delivery, planned: dict[str, PlannedDelivery]
    ) -> str | None:
        """A maybe-sent row with no channel (claimed by a clock older than channel recording)."""
        p = planned.get(row.key)
        channel = self.sender.known_channel(session, p.target) if p is not None else None
        if channel is None:
            # No DM was ever opened for it, so it cannot have been posted.
            outbox.confirm_not_sent(session, row, self.clock.now())
            session.commit()
        return channel

    def _checked(
        self,
        session: Session,
        row: Delivery,
        p: PlannedDelivery | None,
        channel: str,
        ts: str | None,
        state: _ThisPass,
    ) -> None:
        now = self.clock.now()
        line = f"{p.kind} to {p.describe}" if p is not None else f"{row.kind} {row.key}"
        if ts is not None:
            if outbox.confirm_sent(session, row, now, channel, ts):
                state.note(state.report.sent, "sent", f"{line} (found already sent)", row.key)
        elif p is None:
            if outbox.settle_unconfirmed(session, row, SKIPPED, "no longer planned"):
                state.note(state.report.skipped, "skipped", f"{line}: no longer planned", row.key)
        elif now >= p.useful_until():
            if outbox.settle_unconfirmed(session, row, SKIPPED, "its moment had passed"):
                line = f"{line}: its moment had passed"
                state.note(state.report.skipped, "skipped", line, row.key)
        elif outbox.confirm_not_sent(session, row, now):
            logger.info("not in Slack's history, so sending again [%s]", row.key)

    def _check_failed(
        self,
        session: Session,
        row: Delivery,
        p: PlannedDelivery | None,
        failure: SendFailure,
        now: datetime,
        state: _ThisPass,
    ) -> None:
        """The history could not be read. Whatever the reason, even one that will not pass by
        itself (the bot not in the conversation, a scope the install lacks), that says nothing
        about the nudge: it stays maybe sent, is looked for again, and is given up only a day
        after its moment, noting it may have gone out."""
        line = f"{p.kind} to {p.describe}" if p is not None else f"{row.kind} {row.key}"
        useful_until = (
            p.useful_until() if p is not None else row.expires_at or row.due_at + UNDATED_USEFUL_FOR
        )
        if now >= useful_until + GIVE_UP_CHECKING_AFTER:
            reason = f"its moment passed unconfirmed ({failure.error}); it may have gone out"
            if outbox.settle_unconfirmed(session, row, SKIPPED, reason):
                state.note(state.report.skipped, "skipped", f"{line}: {reason}", row.key)
        else:
            error = f"history check: {failure.error}"
            if outbox.check_again(session, row, now + _look_again_after(row, failure, now), error):
                state.note(state.report.unconfirmed, "maybe sent", f"{line}: {error}", row.key)

    # -- sending what is due ---------------------------------------------------------------------

    def _send_due(
        self,
        session: Session,
        due: list[PlannedDelivery],
        planned: dict[str, PlannedDelivery],
        state: _ThisPass,
    ) -> None:
        rows = outbox.sendable(session, self.clock.now(), [p.key for p in due])
        if not rows:
            return
        rows = self._skip_expired(session, rows, planned, state)
        if not rows:
            return
        # One person's nudges in a fixed order (a chase before the pair hears it is still open).
        rows.sort(key=lambda row: send_order(planned[row.key]))
        spacing = Spacing.load(session, self.clock.now(), planned)
        loaded = self.sender.preload(session, [planned[row.key].target for row in rows])
        for row in rows:
            now = self.clock.now()
            if POST in state.stopped or not self.pacing.open(POST, now):
                break
            p = planned[row.key]
            line = f"{p.kind} to {p.describe}"
            if now >= p.useful_until():  # it ran out while this (slow) pass was sending
                self._skip_expired(session, [row], planned, state)
                continue
            wait = spacing.wait_until(p, now)
            if wait is not None:  # another nudge to one of them has just gone: a few minutes on
                if outbox.defer(session, row.id, wait):
                    logger.info("%s waits until %s, after another nudge [%s]", line, wait, row.key)
                session.commit()
                continue
            channel = self._channel(session, row, p, line, state)
            if channel is None:
                continue
            claim = outbox.claim(session, row.id, self.clock.now(), channel)
            if claim is not None and not self._still_wanted(session, claim, p, line, state):
                continue
            session.commit()  # other clocks see the claim before the post goes
            spacing.note(p, self.clock.now())  # posted now, by this clock or another
            if claim is None:
                continue  # another clock has it
            self._post(session, claim, p, channel, line, state)
            session.commit()
        del loaded

    def _still_wanted(
        self, session: Session, claim: Claim, p: PlannedDelivery, line: str, state: _ThisPass
    ) -> bool:
        """The delivery's own last check, committed with its claim (a welcome claims its person
        then, so a first command at the same moment cannot welcome them too)."""
        if p.on_claim is None or p.on_claim(session, self.clock.now(), claim.attempts == 1):
            return True
        reason = "done another way"
        if outbox.mark_skipped(session, claim, reason):
            state.note(state.report.skipped, "skipped", f"{line}: {reason}", claim.key)
        session.commit()
        return False

    def _skip_expired(
        self,
        session: Session,
        rows: list[Delivery],
        planned: dict[str, PlannedDelivery],
        state: _ThisPass,
    ) -> list[Delivery]:
        """Record as skipped, in one statement, the rows whose moment has passed; the rest."""
        now = self.clock.now()
        expired = [row for row in rows if now >= planned[row.key].useful_until()]
        if not expired:
            return rows
        reason = "its moment had passed"
        skipped = outbox.skip_expired(session, [row.id for row in expired], reason)
        session.commit()
        for row in expired:
            if row.id in skipped:
                line = f"{planned[row.key].kind} to {planned[row.key].describe}: {reason}"
                state.note(state.report.skipped, "skipped", line, row.key)
        gone = {row.id for row in expired}
        return [row for row in rows if row.id not in gone]

    def _channel(
        self, session: Session, row: Delivery, p: PlannedDelivery, line: str, state: _ThisPass
    ) -> str | None:
        """The target's channel, opening its DM if need be (before any claim: opening twice is
        harmless, and a failure leaves the delivery pending)."""
        channel = self.sender.known_channel(session, p.target)
        if channel is not None:
            return channel
        now = self.clock.now()
        if OPEN in state.stopped or not self.pacing.open(OPEN, now):
            return None
        try:
            channel = self.sender.channel_for(session, p.target)
        except SendFailure as failure:
            received = self.clock.now()
            self.pacing.failed(session, OPEN, failure, received)
            if failure.slack_unwell:
                state.stopped.add(OPEN)
            if failure.permanent:
                if outbox.settle_pending(session, row.id, FAILED, failure.error):
                    state.note(state.report.failed, "failed", f"{line}: {failure.error}", row.key)
            else:
                wait = (
                    timedelta(seconds=failure.retry_after_seconds)
                    if failure.retry_after_seconds is not None
                    else BACKOFF_START
                )
                if outbox.retry_pending(session, row.id, received + wait, failure.error):
                    line = f"{line}: {failure.error}"
                    state.note(state.report.retrying, "retrying", line, row.key)
            session.commit()
            return None
        self.pacing.succeeded(session, OPEN)
        return channel  # kept in the claim's commit, whatever the post then does

    def _post(
        self,
        session: Session,
        claim: Claim,
        p: PlannedDelivery,
        channel: str,
        line: str,
        state: _ThisPass,
    ) -> None:
        try:
            ts = self.sender.post(channel, claim.key, p.render())
        except SendFailure as failure:
            received = self.clock.now()
            self.pacing.failed(session, POST, failure, received)
            if failure.slack_unwell:
                state.stopped.add(POST)
            self._post_failed(session, claim, failure, received, line, state)
            return
        self.pacing.succeeded(session, POST)
        if outbox.mark_sent(session, claim, self.clock.now(), ts):
            state.note(state.report.sent, "sent", line, claim.key)
        else:
            # Another clock took the claim over: its history check will find this message.
            logger.warning("sent, but the claim had been taken over [%s]", claim.key)

    def _post_failed(
        self,
        session: Session,
        claim: Claim,
        failure: SendFailure,
        received: datetime,
        line: str,
        state: _ThisPass,
    ) -> None:
        report, key = state.report, claim.key
        if failure.permanent:
            if outbox.mark_failed(session, claim, failure.error):
                state.note(report.failed, "failed", f"{line}: {failure.error}", key)
        elif failure.maybe_delivered:
            check_at = received + RECHECK_AFTER
            if outbox.mark_maybe_sent(session, claim, check_at, failure.error):
                line = f"{line}: {failure.error}; Slack's history is checked before any resend"
                state.note(report.unconfirmed, "maybe sent", line, key)
        else:
            if failure.retry_after_seconds is not None:
                wait = timedelta(seconds=failure.retry_after_seconds)
            else:
                wait = min(BACKOFF_START * 2 ** max(claim.attempts - 1, 0), BACKOFF_CAP)
            if outbox.release(session, claim, received + wait, failure.error):
                state.note(report.retrying, "retrying", f"{line}: {failure.error}", key)


def _look_again_after(row: Delivery, failure: SendFailure, now: datetime) -> timedelta:
    """When to read the history again after a failed read: the full Retry-After; after an
    outage, soon (the method's own pause spaces the calls out); after an answer that may last
    (the bot not in the conversation, a scope missing), as long again as it has been since the
    post, from 30 seconds up to 10 minutes."""
    if failure.retry_after_seconds is not None:
        return timedelta(seconds=failure.retry_after_seconds)
    if failure.slack_unwell:
        return RECHECK_AFTER
    since_post = now - (row.attempted_at or row.created_at)
    return min(max(since_post, RECHECK_AFTER), BACKOFF_CAP)


def default_planners() -> list[Planner]:
    from scheduler.nudges import PLANNERS

    return list(PLANNERS)


def make_scheduler_client(settings: Settings, timeout: float = CLIENT_TIMEOUT_SECONDS) -> WebClient:
    """Like the bot's client, but it never retries by itself: not a 429 (the clock never sleeps
    one) and not a dropped connection (Slack may already have the message)."""
    return make_client(settings.bot_token, settings.slack_api_url, timeout)


def slack_workspaces(
    settings: Settings, sessions: sessionmaker[Session], client_timeout: float
) -> WorkspaceClients:
    """Installed in many workspaces: each delivery's client carries its workspace's bot token."""
    from frontends.slack.installs import TeamTokens

    engine = sessions.kw.get("bind")
    assert isinstance(engine, Engine), "the session factory is bound to Buddy's engine"
    tokens = TeamTokens(settings, engine)
    return WorkspaceClients(tokens.bot_token, sessions, settings.slack_api_url, client_timeout)


def platform_senders(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Clock,
    client_timeout: float = CLIENT_TIMEOUT_SECONDS,
) -> PlatformSender:
    """A sender for each platform this Buddy is set up for (Teams' imported only then)."""
    senders: dict[str, Sender] = {}
    if settings.oauth:
        senders[SLACK] = SlackSender(
            make_scheduler_client(settings, client_timeout),
            slack_workspaces(settings, sessions, client_timeout),
        )
    elif settings.slack:
        senders[SLACK] = SlackSender(make_scheduler_client(settings, client_timeout))
    if settings.teams is not None:
        from frontends.teams.clock import teams_clock_sender

        senders[TEAMS] = teams_clock_sender(settings.teams, sessions, clock)
    return PlatformSender(senders)


def build_runner(
    settings: Settings,
    clock: Clock,
    *,
    sessions: sessionmaker[Session] | None = None,
    planners: Sequence[Planner] | None = None,
    client_timeout: float = CLIENT_TIMEOUT_SECONDS,
) -> PassRunner:
    if sessions is None:
        sessions = make_session_factory(make_engine(settings.database_url))
    return PassRunner(
        sessions,
        platform_senders(settings, sessions, clock, client_timeout),
        clock,
        default_planners() if planners is None else planners,
    )
