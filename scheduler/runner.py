"""One pass of the clock: plan what is due, record it, settle posts that may have gone out, then
claim, send and mark each due delivery in turn.

What keeps "once, and never lost" under Slack's faults:
- a 429 or an outage is not a failure: the delivery waits (the full Retry-After from when it came,
  or a backoff) and is retried until its moment has passed; only a permanent error fails it;
- after a 429, a 5xx or a timeout the pass posts nothing more to that method in that workspace
  (a Slack team, a Teams tenant; others carry on), and no pass of any clock process calls it
  there until the pause (kept in the database) is over;
- a post whose answer never came is "maybe sent", and is sent again only after Slack's history
  shows it is not there; one history call per channel covers every key in it, within Tier 3;
  a history that cannot be read (even for good: a scope missing) leaves it maybe sent, looked
  for again, never failed;
- each delivery is claimed just before it is posted, so a slow pass never holds a stale lease.

Sending at scale: the pass claims, in its own thread and in order, and commits each claim before
its post goes; the posts go from a bounded pool of threads (`BUDDY_SEND_CONCURRENCY`), each to a
different conversation and never to someone another post in flight is going to; their results
are marked back in the pass's thread, as each comes. Each workspace is kept to its platform's
pace (`pacing.LIMITS`: posts in flight, a post rate with a burst), each conversation to about one
post a second. What must wait for time waits for a later pass (or, in the clock process, a
moment within this one: the runner's injected `waiter`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import cast

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
from scheduler.due import DuePass, reachable, select_due, store_next_moments
from scheduler.lifecycle import held_for_workspace
from scheduler.nudges import settle
from scheduler.outbox import Claim
from scheduler.pacing import LIMITS, Allowance, Limits, Pacing, pace_key
from scheduler.planning import (
    UNDATED_USEFUL_FOR,
    OutgoingMessage,
    PairTarget,
    PlannedDelivery,
    ScopedPlanner,
    Target,
    UserTarget,
    recipients,
    send_order,
)
from scheduler.ports import PlatformSender, Sender, SendFailure, platform_of_channel
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
# In the clock process, a pass waits within itself for a post that may go this soon (a
# conversation's second, a workspace's next post); anything later waits for a later pass.
LONGEST_WAIT = timedelta(seconds=5)

# Waits `seconds` of real time: the clock process's `time.sleep`. Tests give none: a pass then
# never waits, and what is not ready is left for a later pass.
Waiter = Callable[[float], None]


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
    # Methods this pass calls no more in a workspace (`pace_key`s: a 5xx or a timeout came back;
    # after a 429 the method's pause says when it may be called again).
    stopped: set[str] = field(default_factory=set)
    # Keys of deliveries to a workspace where sending is stopped: not touched this pass.
    waiting: set[str] = field(default_factory=set)
    # Keys this pass sent, settled or put off: their subjects are planned again next pass.
    touched: set[str] = field(default_factory=set)

    def note(self, bucket: list[str], verb: str, line: str, key: str) -> None:
        self.touched.add(key)
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
        *,
        concurrency: int = 1,
        limits: Mapping[str, Limits] | None = None,
        waiter: Waiter | None = None,
        due_only: bool = False,
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.clock = clock
        self.planners = list(planners)
        self.pacing = Pacing()
        self.concurrency = max(1, concurrency)
        self.limits = dict(LIMITS if limits is None else limits)
        self.waiter = waiter
        # Kept between passes in this process: each workspace's pace, each conversation's last
        # post (by this process or another clock it saw claim one).
        self._allowances: dict[str, Allowance] = {}
        self._last_post: dict[str, datetime] = {}
        # Plan only the subjects due (`scheduler.due`): the planners must all be the clock's own
        # (`scheduler.nudges.PLANNERS`), which can be asked for them.
        self.due_only = due_only

    def plan(self, session: Session, now: datetime) -> dict[str, PlannedDelivery]:
        """What every planner calls for, held by its recipients' pauses, leavers left out; a held
        nudge whose moment has passed is held from now (never sent at once in quiet hours)."""
        planned: dict[str, PlannedDelivery] = {}
        for planner in self.planners:
            for delivery in planner(session, now):
                planned[delivery.key] = delivery
        return settle(session, planned, now)

    def plan_due(
        self, session: Session, now: datetime
    ) -> tuple[DuePass, dict[str, PlannedDelivery]]:
        """What `plan` would say of the subjects due by `now`, and those subjects: a pass with
        nothing due reads no pair, however many there are."""
        due = select_due(session, now)
        planned: dict[str, PlannedDelivery] = {}
        for planner in self.planners:
            for delivery in cast(ScopedPlanner, planner)(session, now, only=due.subjects):
                planned[delivery.key] = delivery
        return due, settle(session, planned, now, among=reachable(due, planned))

    def run_pass(self, *, dry_run: bool = False) -> PassReport:
        now = self.clock.now()
        report = PassReport(at=now, dry_run=dry_run)
        with self.sessions() as session:
            if self.due_only:
                due_pass, planned = self.plan_due(session, now)
            else:
                due_pass, planned = None, self.plan(session, now)
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
            if due_pass is not None:
                store_next_moments(session, due_pass, planned, waiting, state.touched, now)
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
            key = pace_key(HISTORY, self._team_of(session, channel, rows))
            if key in state.stopped or not self.pacing.open(key, now):
                continue  # that workspace's history waits; another's may be read
            if not self._take_history(session, key):
                continue  # its Tier 3 budget is spent: the rest wait for a later pass
            since = min(row.attempted_at or row.created_at for row in rows) - HISTORY_MARGIN
            try:
                found = self.sender.find_sent(
                    channel,
                    [row.key for row in rows],
                    since,
                    partial(self._take_history, session, key),
                )
            except SendFailure as failure:
                received = self.clock.now()
                self.pacing.failed(session, key, failure, received)
                if failure.slack_unwell:
                    state.stopped.add(key)
                if failure.error == MISSING_SCOPE:
                    self._scope(session, channel, rows, planned, missing_at=received)
                for row in rows:
                    self._check_failed(session, row, planned.get(row.key), failure, received, state)
                session.commit()
                continue
            self.pacing.succeeded(session, key)
            self._scope(session, channel, rows, planned, missing_at=None)
            if found is None:
                session.commit()
                continue  # budget spent mid-channel: nothing concluded, look again later
            for row in rows:
                self._checked(
                    session, row, planned.get(row.key), channel, found.get(row.key), state
                )
            session.commit()

    def _take_history(self, session: Session, key: str) -> bool:
        """Spend one history call of the workspace's Tier 3 budget, committed at once: every
        clock process counts it, and no write is held open while Slack answers."""
        taken = self.pacing.take(session, key, self.clock.now())
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
        sending = _Sending(self._workspaces(session, rows, planned))
        self._forget_old_posts(self.clock.now())
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="buddy-post") as pool:
            self._send_all(session, sending, planned, spacing, pool, state)
        self._defer_for_conversations(session, sending, planned)
        del loaded

    def _workspaces(
        self, session: Session, rows: list[Delivery], planned: dict[str, PlannedDelivery]
    ) -> dict[str, _Workspace]:
        """The rows by the workspace they go to, each workspace's in order."""
        found: dict[str, _Workspace] = {}
        groups: dict[str, str | None] = {}
        for row in rows:
            platform, team = self._where(session, planned[row.key].target, groups)
            key = pace_key(POST, team)
            if key not in found:
                found[key] = _Workspace(key, team, self.limits.get(platform, LIMITS[SLACK]))
            found[key].rows.append(row)
        return found

    def _where(
        self, session: Session, target: Target, groups: dict[str, str | None]
    ) -> tuple[str, str | None]:
        """The platform and workspace (Slack team, Teams tenant) a delivery goes to."""
        if isinstance(target, PairTarget):
            pair = session.get(Pair, target.pair_id)
            return (pair.platform, pair.team_id) if pair is not None else (SLACK, None)
        if isinstance(target, UserTarget):
            person = session.get(Participant, target.participant_id)
            return (person.platform, person.team_id) if person is not None else (SLACK, None)
        channel = target.channel_id
        if channel not in groups:
            groups[channel] = session.scalar(
                select(CommunityGroup.team_id).where(CommunityGroup.channel_id == channel).limit(1)
            )
        return platform_of_channel(channel), groups[channel]

    def _send_all(
        self,
        session: Session,
        sending: _Sending,
        planned: dict[str, PlannedDelivery],
        spacing: Spacing,
        pool: ThreadPoolExecutor,
        state: _ThisPass,
    ) -> None:
        """Start every post that may go, workspace by workspace in turn; mark each as it lands;
        until nothing is left that may go in this pass. The marks of the posts that landed and
        the claims of the next are committed together, before those posts go: one commit a post,
        not two, when many are in flight."""
        while True:
            wake = self._start_what_may_go(session, sending, planned, spacing, state)
            session.commit()  # no post goes before its claim is committed
            for flight in sending.claimed():
                sending.fly(flight, pool.submit(self._deliver, flight))
            if sending.flights:
                timeout = None
                if wake is not None and self.waiter is not None:
                    timeout = max((wake - self.clock.now()).total_seconds(), 0.0)
                done, _ = wait(list(sending.flights), timeout, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: sending.flights[f].seq):
                    self._land(session, sending.landed(future), future.result(), state)
                continue
            if wake is None or not sending.waiting():
                return
            now = self.clock.now()
            if self.waiter is None or wake - now > LONGEST_WAIT:
                return  # what is left waits for a later pass
            self.waiter(max((wake - now).total_seconds(), 0.0))
            if self.clock.now() <= now:
                return  # (a clock that does not move: nothing will change)

    def _start_what_may_go(
        self,
        session: Session,
        sending: _Sending,
        planned: dict[str, PlannedDelivery],
        spacing: Spacing,
        state: _ThisPass,
    ) -> datetime | None:
        """Claim posts to start, one workspace after another, while the pool has room; returns
        the earliest moment something that cannot go now may (None: nothing waits for time)."""
        wake: datetime | None = None
        progress = True
        while progress and sending.active() < self.concurrency:
            progress = False
            # The workspace served longest ago first: each keeps its own pace, none waits on
            # another's burst.
            for place in sorted(sending.places.values(), key=lambda w: w.served):
                if sending.active() >= self.concurrency:
                    break
                now = self.clock.now()
                if not place.rows or place.key in state.stopped:
                    sending.places.pop(place.key)
                    continue
                paused = self.pacing.paused_until(place.key, now)
                if paused is not None:
                    wake = _earliest(wake, paused)
                    continue
                if place.in_flight >= place.limits.in_flight:
                    continue
                allowance = self._allowance(place)
                ready = allowance.ready_at(now)
                if ready is not None:
                    wake = _earliest(wake, ready)
                    continue
                flight, later = self._next_of(session, place, sending, planned, spacing, state)
                wake = _earliest(wake, later)
                if flight is None:
                    continue
                allowance.take(self.clock.now())
                progress = True
                sending.start(flight)
        return wake

    def _allowance(self, place: _Workspace) -> Allowance:
        found = self._allowances.get(place.key)
        if found is None or found.limits != place.limits:
            found = self._allowances[place.key] = Allowance(place.limits)
        return found

    def _next_of(
        self,
        session: Session,
        place: _Workspace,
        sending: _Sending,
        planned: dict[str, PlannedDelivery],
        spacing: Spacing,
        state: _ThisPass,
    ) -> tuple[_Flight | None, datetime | None]:
        """Claim the workspace's first row that may go now, in order, settling on the way the
        ones that will not go (expired, spaced out, failed to open); a row for a conversation or
        person with a post in flight, or posted to within the conversation's second, is passed
        over, and so is every later row for them (their order is kept)."""
        wake: datetime | None = None
        passed_people: set[str] = set()
        passed_channels: set[str] = set()
        index = 0
        while index < len(place.rows):
            row = place.rows[index]
            p = planned[row.key]
            now = self.clock.now()
            line = f"{p.kind} to {p.describe}"
            if now >= p.useful_until():  # it ran out while this (slow) pass was sending
                self._skip_expired(session, [row], planned, state)
                del place.rows[index]
                continue
            people = set(recipients(p.target))
            known = self.sender.known_channel(session, p.target)
            if (people & (passed_people | sending.people)) or (
                known is not None and known in (passed_channels | sending.channels)
            ):
                passed_people |= people
                if known is not None:
                    passed_channels.add(known)
                index += 1
                continue
            wait_for = spacing.wait_until(p, now)
            if wait_for is not None:  # another nudge to one of them has just gone: minutes on
                if outbox.defer(session, row.id, wait_for):
                    logger.info(
                        "%s waits until %s, after another nudge [%s]", line, wait_for, row.key
                    )
                session.commit()
                del place.rows[index]
                continue
            if known is None:
                session.commit()  # no claim held open while a DM is opened
            channel = known or self._channel(session, row, p, line, place, state)
            if channel is None:
                del place.rows[index]
                continue
            free_at = self._conversation_free_at(channel, place.limits)
            if free_at is not None:
                wake = _earliest(wake, free_at)
                passed_people |= people
                passed_channels.add(channel)
                index += 1
                continue
            del place.rows[index]
            return self._claim(session, row, p, channel, line, place, spacing, state), wake
        return None, wake

    def _conversation_free_at(self, channel: str, limits: Limits) -> datetime | None:
        """When `channel` may be posted to again (about one post a second); None: now."""
        last = self._last_post.get(channel)
        if last is None:
            return None
        free = last + limits.conversation_gap
        return free if self.clock.now() < free else None

    def _forget_old_posts(self, now: datetime) -> None:
        """Forget conversations' posts a pass no longer needs (and any "after" a clock set back)."""
        gap = max((limits.conversation_gap for limits in self.limits.values()), default=None)
        if gap is not None:
            self._last_post = {
                channel: at for channel, at in self._last_post.items() if now - gap < at <= now
            }

    def _claim(
        self,
        session: Session,
        row: Delivery,
        p: PlannedDelivery,
        channel: str,
        line: str,
        place: _Workspace,
        spacing: Spacing,
        state: _ThisPass,
    ) -> _Flight | None:
        """Claim one delivery (the caller commits it before its post goes: other clocks see it)."""
        claim = outbox.claim(session, row.id, self.clock.now(), channel)
        if claim is not None and not self._still_wanted(session, claim, p, line, state):
            return None
        now = self.clock.now()
        spacing.note(p, now)  # posted now, by this clock or another
        self._last_post[channel] = now
        if claim is None:
            return None  # another clock has it
        return _Flight(
            seq=0,
            row=row,
            claim=claim,
            p=p,
            channel=channel,
            line=line,
            place=place,
            people=frozenset(recipients(p.target)),
            message=p.render(),
        )

    def _deliver(self, flight: _Flight) -> _Landing:
        """In a pool thread: the post, and when its answer came. Touches no session."""
        try:
            ts = self.sender.post(flight.channel, flight.claim.key, flight.message)
        except SendFailure as failure:
            return _Landing(None, failure, self.clock.now())
        return _Landing(ts, None, self.clock.now())

    def _land(self, session: Session, flight: _Flight, landing: _Landing, state: _ThisPass) -> None:
        """Back in the pass's thread: mark how the post went (committed with the next claims)."""
        key = flight.place.key
        failure = landing.failure
        if failure is not None:
            self.pacing.failed(session, key, failure, landing.received)
            if failure.slack_unwell and failure.retry_after_seconds is None:
                state.stopped.add(key)  # down or unreachable: nothing more there this pass
            self._post_failed(session, flight.claim, failure, landing.received, flight.line, state)
            if failure.retry_after_seconds is not None and key not in state.stopped:
                # Refused for now (a 429): first of its workspace again, once the pause is over.
                flight.place.rows.insert(0, flight.row)
        else:
            self.pacing.succeeded(session, key)
            if outbox.mark_sent(session, flight.claim, landing.received, landing.ts):
                state.note(state.report.sent, "sent", flight.line, flight.claim.key)
            else:
                # Another clock took the claim over: its history check will find this message.
                logger.warning("sent, but the claim had been taken over [%s]", flight.claim.key)

    def _defer_for_conversations(
        self, session: Session, sending: _Sending, planned: dict[str, PlannedDelivery]
    ) -> None:
        """Rows left because their conversation was posted to a moment ago wait for its second,
        in their row (so every clock, and anyone asking what is next, sees when they go)."""
        for place in sending.places.values():
            for row in place.rows:
                channel = self.sender.known_channel(session, planned[row.key].target)
                free_at = self._conversation_free_at(channel, place.limits) if channel else None
                if free_at is not None:
                    outbox.defer(session, row.id, free_at)
        session.commit()

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
        self,
        session: Session,
        row: Delivery,
        p: PlannedDelivery,
        line: str,
        place: _Workspace,
        state: _ThisPass,
    ) -> str | None:
        """The target's channel, opening its DM if need be (before any claim: a failure leaves
        the delivery pending). A DM opened is kept at once, whatever then happens to the post:
        each is opened once."""
        channel = self.sender.known_channel(session, p.target)
        if channel is not None:
            return channel
        now = self.clock.now()
        key = pace_key(OPEN, place.team)
        if key in state.stopped or not self.pacing.open(key, now):
            return None
        try:
            channel = self.sender.channel_for(session, p.target)
        except SendFailure as failure:
            received = self.clock.now()
            self.pacing.failed(session, key, failure, received)
            if failure.slack_unwell:
                state.stopped.add(key)
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
        self.pacing.succeeded(session, key)
        session.commit()  # kept now, even if the post must wait for a later pass
        return channel

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


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None:
        return second
    return first if second is None else min(first, second)


@dataclass
class _Workspace:
    """One workspace's rows of this pass, in order, and its posts in flight."""

    key: str  # the pace key of its posts
    team: str | None
    limits: Limits
    rows: list[Delivery] = field(default_factory=list)
    in_flight: int = 0
    served: int = 0  # when a post to it last started (the pass's count of posts started)


@dataclass
class _Flight:
    """A claimed delivery whose post is out in a pool thread."""

    seq: int
    row: Delivery
    claim: Claim
    p: PlannedDelivery
    channel: str
    line: str
    place: _Workspace
    people: frozenset[str]
    message: OutgoingMessage


@dataclass(frozen=True)
class _Landing:
    ts: str | None
    failure: SendFailure | None
    received: datetime


@dataclass
class _Sending:
    """What a pass is sending: rows by workspace, and the posts in flight (their conversations
    and people are not posted to again until they land)."""

    places: dict[str, _Workspace]
    flights: dict[Future[_Landing], _Flight] = field(default_factory=dict)
    ready: list[_Flight] = field(default_factory=list)  # claimed, not yet committed and out
    channels: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    started: int = 0

    def start(self, flight: _Flight) -> None:
        self.started += 1
        flight.seq = self.started
        self.ready.append(flight)
        self.channels.add(flight.channel)
        self.people |= flight.people
        flight.place.in_flight += 1
        flight.place.served = self.started

    def claimed(self) -> list[_Flight]:
        ready, self.ready = self.ready, []
        return ready

    def fly(self, flight: _Flight, future: Future[_Landing]) -> None:
        self.flights[future] = flight

    def active(self) -> int:
        return len(self.flights) + len(self.ready)

    def landed(self, future: Future[_Landing]) -> _Flight:
        flight = self.flights.pop(future)
        self.channels.discard(flight.channel)
        self.people -= flight.people
        flight.place.in_flight -= 1
        return flight

    def waiting(self) -> bool:
        return any(place.rows for place in self.places.values())


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
    waiter: Waiter | None = None,
) -> PassRunner:
    if sessions is None:
        sessions = make_session_factory(make_engine(settings.database_url))
    return PassRunner(
        sessions,
        platform_senders(settings, sessions, clock, client_timeout),
        clock,
        default_planners() if planners is None else planners,
        concurrency=settings.send_concurrency,
        waiter=waiter,
        due_only=planners is None,
    )
