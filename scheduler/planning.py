"""What a nudge planner hands the outbox: a keyed delivery, its moment, and how to render it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Protocol

from sqlalchemy.orm import Session

from conversation.replies import OutgoingMessage
from models.people import Participant
from models.quiet_hours import DateSpan, ZonedSpan, held_by, hold_proactive

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


def recipients(target: Target) -> tuple[str, ...]:
    """The user ids a target reaches (in the target's workspace)."""
    if isinstance(target, PairTarget):
        return target.user_ids
    if isinstance(target, UserTarget):
        return (target.user_id,)
    return ()  # a channel post belongs to the channel's event, not to one person


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

    def reason(self, moment: datetime) -> str | None:
        """What holds a nudge that would go at `moment`: a break, a pause, the weekend or quiet
        hours (None if nothing does)."""
        return held_by(
            moment,
            self.zones,
            self.spans,
            self.spans_zone,
            self.working_days,
            pauses=self.pauses,
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
    # Set by a pass for a held nudge whose moment has passed: it is held from then, not from its
    # due moment, so one found late (set up at 20:45, or after an outage) waits out quiet hours
    # too, and is never sent at once in them.
    not_before: datetime | None = None

    @cached_property
    def _held_due(self) -> datetime:
        # Worked out once: a pass asks several times, for every delivery it plans.
        return self.holding.hold(self.due_at) if self.holding else self.due_at

    def first_send_at(self) -> datetime:
        """When its holding first lets it go, counted from its due moment."""
        return self._held_due

    # Run in the claim's own transaction, just before the post, with the moment and whether this
    # is the delivery's first attempt: False means another path already did what it was for (a
    # welcome someone's first command sent), and it is recorded as skipped, unsent.
    on_claim: Callable[[Session, datetime, bool], bool] | None = None

    def send_at(self) -> datetime:
        if self.holding is None or self.not_before is None or self.not_before <= self.due_at:
            return self._held_due
        return self.holding.hold(self.not_before)

    def useful_until(self) -> datetime:
        """Past this it is never sent: its expiry, or a week on for a nudge without one."""
        if self.expires_at is not None:
            return self.expires_at
        return self.first_send_at() + UNDATED_USEFUL_FOR

    def decide_at(self) -> datetime:
        """When a pass acts on it: sends it, or records it skipped if held past its usefulness."""
        send_at = self.send_at()
        return min(send_at, self.expires_at) if self.expires_at else send_at


def held_from(planned: dict[str, PlannedDelivery], now: datetime) -> dict[str, PlannedDelivery]:
    """Every held nudge whose first allowed moment has passed goes no earlier than `now`, held
    from `now`: "never in quiet hours" holds for the moment it is sent, not only its due moment
    (a prep nudge due at 16:00 for a slot set at 20:45 waits for the morning). Two clocks at the
    same moment agree, and a later pass keeps the same morning."""
    return {
        key: replace(p, not_before=now) if p.holding is not None and p.first_send_at() < now else p
        for key, p in planned.items()
    }


# Within one pass, the order in which one person's nudges go: those at a moment people chose (a
# meeting reminder) first, as they are never moved; then a chase before the pair hears the
# action is still open; then the rest by their moment.
_FIRST, _LAST = ("action-chase",), ("action-overdue",)


def send_order(p: PlannedDelivery) -> tuple[datetime, int, str]:
    rank = -1 if p.holding is None else 0 if p.kind in _FIRST else 2 if p.kind in _LAST else 1
    return (p.decide_at(), rank, p.key)


@dataclass(frozen=True)
class Scope:
    """One person's share of the planners' work, for `/buddy upcoming` and `/buddy status`.

    The clock's pass asks each planner for everyone's deliveries as of its moment. A person asks
    only for what could go to them (their DM, their pair's conversation), planned as of any moment
    from now to `until`: each planner reads that person's rows alone, once, so what they are shown
    costs what they have, however many pairs there are. A scoped plan is shown, never sent: what
    only a message would quote (prep ticks, open actions, problem cards) is not read for it.
    """

    participant_id: int
    user_id: str
    team_id: str
    # The members of the pairs the person is in (their current pair, if any), read once for
    # every planner: pair id to its members in the order they joined.
    members: Mapping[int, Sequence[Participant]]
    until: datetime
    # Whether an import asked to welcome them (`welcome_due_at` is set): if not, none is planned.
    welcome_asked: bool = False

    @property
    def pair_ids(self) -> tuple[int, ...]:
        return tuple(self.members)

    @property
    def people(self) -> tuple[int, ...]:
        """The person and everyone in their pairs: whose actions can concern them."""
        return tuple(
            sorted({self.participant_id, *(m.id for group in self.members.values() for m in group)})
        )

    def members_of(self, pair_ids: Iterable[int]) -> dict[int, list[Participant]] | None:
        """These pairs' members as already read, or None if any of them is not the person's."""
        wanted = list(pair_ids)
        if not all(pair_id in self.members for pair_id in wanted):
            return None
        return {pair_id: list(self.members[pair_id]) for pair_id in wanted}


@dataclass(frozen=True)
class Subjects:
    """The clock's share of one pass (`scheduler.due`): the subjects due by its moment. Each
    planner reads only these, planned as a pass plans everyone (to be sent), so a pass costs
    what is due, however many pairs there are."""

    # Their meetings and slot nudges.
    pair_ids: frozenset[int] = frozenset()
    # Participant ids: the actions they own, their digest, their welcome.
    people: frozenset[int] = frozenset()
    # Community groups: their sessions.
    group_ids: frozenset[int] = frozenset()


class ScopedPlanner(Protocol):
    """A planner (see `scheduler.runner.Planner`) that can also be asked for one person, or for
    the subjects a pass has due (`only`)."""

    def __call__(
        self,
        session: Session,
        now: datetime,
        scope: Scope | None = None,
        *,
        only: Subjects | None = None,
    ) -> Sequence[PlannedDelivery]: ...


def planned_until(now: datetime, scope: Scope | None) -> datetime:
    """The last moment a planner plans as of: the pass's own, or the end of a person's preview."""
    return max(now, scope.until) if scope is not None else now
