"""What a nudge planner hands the outbox: a keyed delivery, its moment, and how to render it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handlers.slack.replies import OutgoingMessage
from models.quiet_hours import DateSpan, ZonedSpan, hold_proactive

__all__ = ["OutgoingMessage"]

# A nudge with no moment of its own (a slot nudge) stops being worth sending a week after its
# time: by then the next one is due. Retries and late sends stop there.
UNDATED_USEFUL_FOR = timedelta(days=7)


@dataclass(frozen=True)
class PairTarget:
    """The pair's group DM (opened once and kept)."""

    pair_id: int
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class UserTarget:
    """One participant's DM with the bot."""

    participant_id: int
    user_id: str


@dataclass(frozen=True)
class ChannelTarget:
    """A channel Buddy is in (a community group's), posted to as it is: nothing to open."""

    channel_id: str


Target = PairTarget | UserTarget | ChannelTarget


@dataclass(frozen=True)
class Holding:
    """Quiet hours, breaks and recipients' pauses that hold a proactive nudge; None on a delivery
    means none apply."""

    zones: tuple[str, ...]
    fallback_zone: str
    spans: tuple[DateSpan, ...] = ()
    spans_zone: str = "Europe/London"
    pauses: tuple[ZonedSpan, ...] = ()
    # The recipients' working days (the weekend holds a nudge); None: the weekend does not.
    working_days: tuple[int, ...] | None = None

    def hold(self, moment: datetime) -> datetime:
        return hold_proactive(
            moment,
            self.zones,
            self.fallback_zone,
            self.spans,
            self.spans_zone,
            pauses=self.pauses,
            working_days=self.working_days,
        )


@dataclass(frozen=True)
class PlannedDelivery:
    """One nudge the current state of the world calls for.

    `key` is unique for all time: the same nudge planned again on a later pass, by another clock
    process or after a restart has the same key, which the outbox sends at most once. A delivery
    whose key stops being planned (the meeting moved, the action was closed) is not sent.
    """

    key: str
    kind: str
    due_at: datetime
    target: Target
    render: Callable[[], OutgoingMessage]
    describe: str
    holding: Holding | None = None
    # Past this moment the nudge is pointless (the meeting is over): recorded as skipped.
    expires_at: datetime | None = None
    pair_id: int | None = None
    participant_id: int | None = None
    subject: str | None = None
    # Further subjects of a message about several things (each action a day's chase lists).
    covers: tuple[str, ...] = ()
    # True when `expires_at` only means "a while after it could first go" (a chase): a pause
    # that holds it moves its expiry on by as long. False: its moment is fixed (a meeting's).
    expiry_follows_hold: bool = False
    # Run in the claim's own transaction, just before the post, with the moment and whether this
    # is the delivery's first attempt: False means another path already did what it was for (a
    # welcome someone's first command sent), and it is recorded as skipped, unsent.
    on_claim: Callable[[Session, datetime, bool], bool] | None = None

    def send_at(self) -> datetime:
        return self.holding.hold(self.due_at) if self.holding else self.due_at

    def useful_until(self) -> datetime:
        """Past this it is never sent: its expiry, or a week on for a nudge without one."""
        if self.expires_at is not None:
            return self.expires_at
        return self.send_at() + UNDATED_USEFUL_FOR

    def decide_at(self) -> datetime:
        """When a pass acts on it: sends it, or records it skipped if held past its usefulness."""
        send_at = self.send_at()
        return min(send_at, self.expires_at) if self.expires_at else send_at
