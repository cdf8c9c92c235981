"""A term driver for scenario tests: the real web process over HTTP, the clock process run as a
real clock would run it, and a record of every message Buddy sent with the clock time it went.

The clock is stepped to each moment a delivery becomes due (the planners' own `decide_at`, and
the outbox's own waits: one person's nudges spaced out, a retry), not minute by minute, so months
pass in seconds and each nudge is seen at the minute it would really go (a real clock passes
every 10 seconds). Planners look a few days ahead, so when nothing is due within a day the clock
passes a day on and looks again; and a pass on Monday at 08:00 in each of the `probe_zones` is
added for the weekly digest, which its planner plans only once it is due. An extra pass never
sends early: it only sends what is due.

Between passes, what people do (commands, a leaver) happens at its own moment, and `on_post`
lets the test answer each message as it arrives (press "We met", "I've completed").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.deliveries import MAYBE_SENT, PENDING, Delivery
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.slack_http import message_text

# The weekly digest's moment (Monday 08:00), in each probe zone.
PROBE_WEEKDAY, PROBE_AT = 0, time(8, 0)
# Planners see at least this far ahead: when nothing is due sooner, the next look.
LOOK_AGAIN = timedelta(days=1)

# The Slack date token: `<!date^<epoch>^<tokens>|<fallback>>`.
DATE_TOKEN = re.compile(r"<!date\^(\d+)\^([^|>]*)\|([^>]*)>")


@dataclass
class Sent:
    """One message Buddy posted, as the fake Slack received it, with the clock time it went."""

    at: datetime
    method: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    # The delivery key in its metadata: a scheduler's message; None: an answer to someone.
    key: str | None
    # Set once the run is over, from the outbox: the delivery's kind and the moment it was due
    # (before quiet hours, breaks or pauses held it).
    kind: str | None = None
    due_at: datetime | None = None
    ts: str | None = None

    @property
    def shown(self) -> str:
        """Everything a person reads in it: its text and the text of its blocks."""
        return message_text({"text": self.text, "blocks": self.blocks})

    def local(self, zone: str) -> datetime:
        return self.at.astimezone(ZoneInfo(zone))

    def button_value(self, action_id: str) -> str | None:
        for block in self.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    return str(element.get("value", ""))
            accessory = block.get("accessory") or {}
            if accessory.get("action_id") == action_id:
                return str(accessory.get("value", ""))
        return None


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class Term:
    """Runs the clock across a term; `sent` is every message Buddy posted, in order."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: SettableClock
    fake_slack: FakeSlack
    on_post: Callable[[Sent], None] | None = None
    probe_zones: tuple[str, ...] = ("Europe/London",)
    sent: list[Sent] = field(default_factory=list)
    passes: int = 0
    _seen: int = 0
    _runner: PassRunner | None = None

    def __post_init__(self) -> None:
        # The fake stamps each call with the clock's time: when the message reached Slack.
        self.fake_slack.clock = self.clock
        self._runner = build_runner(self.settings, self.clock, sessions=self.sessions)

    @property
    def runner(self) -> PassRunner:
        assert self._runner is not None
        return self._runner

    def collect(self) -> list[Sent]:
        """The posts that arrived since the last look (a command's or a pass's), recorded."""
        calls = self.fake_slack.calls[self._seen :]
        self._seen += len(calls)
        new: list[Sent] = []
        for call in calls:
            if call.method not in ("chat.postMessage", "chat.postEphemeral"):
                continue
            params = call.params
            metadata = _decoded(params.get("metadata")) or {}
            payload = metadata.get("event_payload") or {}
            channel = str(params.get("channel"))
            if call.method == "chat.postEphemeral":
                channel = "E:" + str(params.get("user"))
            assert call.at is not None
            new.append(
                Sent(
                    at=call.at,
                    method=call.method,
                    channel=channel,
                    text=str(params.get("text", "")),
                    blocks=_decoded(params.get("blocks")) or [],
                    key=str(payload["delivery_key"]) if "delivery_key" in payload else None,
                )
            )
        for message in new:
            message.ts = self._ts_of(message)
        self.sent.extend(new)
        return new

    def _ts_of(self, message: Sent) -> str | None:
        """The ts Slack gave the message (to press its buttons), found by its delivery key."""
        if message.key is None:
            return None
        for stored in self.fake_slack.messages.get(message.channel, []):
            payload = (stored.get("metadata") or {}).get("event_payload") or {}
            if payload.get("delivery_key") == message.key:
                return str(stored["ts"])
        return None

    def pass_now(self) -> None:
        self.collect()  # whatever people's commands sent before this pass
        self.runner.run_pass()
        self.passes += 1
        for message in self.collect():
            if self.on_post is not None:
                self.on_post(message)
        self.collect()  # what answering them sent

    def next_due(self, now: datetime) -> datetime | None:
        """The first moment after `now` at which a pass would act on a delivery not yet settled."""
        with self.sessions() as session:
            planned = self.runner.plan(session, now)
            keys = list(planned)
            settled = set(
                session.scalars(
                    select(Delivery.key).where(Delivery.key.in_(keys), Delivery.status != PENDING)
                )
            )
            # A delivery the outbox put off (one person's nudges spaced out, a retry) says when.
            waiting = session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(
                    Delivery.status.in_((PENDING, MAYBE_SENT)), Delivery.next_attempt_at > now
                )
            )
        moments = [
            p.decide_at() for k, p in planned.items() if k not in settled and p.decide_at() > now
        ]
        if waiting is not None:
            moments.append(waiting if waiting.tzinfo else waiting.replace(tzinfo=UTC))
        return min(moments) if moments else None

    def next_probe(self, now: datetime) -> datetime:
        """The next Monday 08:00 after `now` in any probe zone."""
        found = []
        for name in self.probe_zones:
            zone = ZoneInfo(name)
            day = now.astimezone(zone).date()
            for offset in range(8):
                moment = datetime.combine(day + timedelta(days=offset), PROBE_AT, tzinfo=zone)
                if moment.weekday() == PROBE_WEEKDAY and moment > now:
                    found.append(moment)
                    break
        return min(found)

    def run_until(self, end: datetime) -> None:
        """Passes at every due moment (and at least hourly) from now until `end` (exclusive)."""
        while self.clock.now() < end:
            self.pass_now()
            now = self.clock.now()
            due = self.next_due(now)
            moments = (self.next_probe(now), due, now + LOOK_AGAIN, end)
            after = min(m for m in moments if m is not None)
            self.clock.set(max(after, now + timedelta(seconds=1)))

    def settle_kinds(self) -> None:
        """Name each scheduler message by its delivery's kind and due moment, from the outbox."""
        keys = [m.key for m in self.sent if m.key is not None]
        with self.sessions() as session:
            rows = {
                key: (kind, due_at)
                for key, kind, due_at in session.execute(
                    select(Delivery.key, Delivery.kind, Delivery.due_at).where(
                        Delivery.key.in_(keys)
                    )
                ).tuples()
            }
        for message in self.sent:
            if message.key is not None:
                kind, due_at = rows[message.key]
                message.kind = kind
                message.due_at = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
