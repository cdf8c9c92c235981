"""One message at a time per person: a held nudge is not sent within a few minutes of another
nudge to any of its recipients (after a break, a chase, a prep and a check-in fall due together).

Read from the outbox, not from the pass's memory: what any clock process attempted in the last
few minutes (claimed, maybe sent or sent) counts, and a nudge that must wait has its next attempt
moved on in its row, so every clock agrees when it goes. Reminders and other nudges at a moment
people chose are never moved, but count: a held nudge waits for the few minutes after one (and
does not go just before one due within them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.deliveries import CLAIMED, MAYBE_SENT, SENT, Delivery
from models.pairs import members_by_pair
from models.people import Participant
from scheduler.planning import PlannedDelivery, recipients

# Two nudges to one person are at least this far apart.
SPACING = timedelta(minutes=5)


@dataclass
class Spacing:
    """The latest nudge each person (Slack id) was sent, and the fixed-time ones coming up."""

    last: dict[str, datetime] = field(default_factory=dict)
    coming: list[tuple[datetime, frozenset[str]]] = field(default_factory=list)

    @classmethod
    def load(
        cls, session: Session, now: datetime, planned: Mapping[str, PlannedDelivery]
    ) -> Spacing:
        """Every attempt of the last few minutes, by any clock; and the unheld nudges (meeting
        reminders) due in the next few minutes."""
        spacing = cls()
        rows = session.execute(
            select(Delivery.key, Delivery.pair_id, Delivery.participant_id, Delivery.attempted_at)
            .where(
                Delivery.attempted_at > now - SPACING,
                Delivery.status.in_((CLAIMED, MAYBE_SENT, SENT)),
            )
            .order_by(Delivery.id)
        ).all()
        unplanned = [row for row in rows if row.key not in planned]
        found = _recipients_of(
            session,
            {row.pair_id for row in unplanned if row.pair_id is not None},
            {row.participant_id for row in unplanned if row.participant_id is not None},
        )
        for key, pair_id, participant_id, attempted_at in rows:
            if attempted_at is None:
                continue
            p = planned.get(key)
            users = recipients(p.target) if p is not None else found(pair_id, participant_id)
            spacing._note(users, attempted_at)
        for p in planned.values():
            users = recipients(p.target)
            if p.holding is None and users and now < p.due_at <= now + SPACING:
                spacing.coming.append((p.due_at, frozenset(users)))
        return spacing

    def wait_until(self, p: PlannedDelivery, now: datetime) -> datetime | None:
        """When a held nudge may go instead of now, if another to one of its recipients went in
        the last few minutes or is due in the next few; None if it may go now."""
        users = set(recipients(p.target))
        if p.holding is None or not users:
            return None
        wait: datetime | None = None
        for user in users:
            last = self.last.get(user)
            if last is not None and now < last + SPACING:
                wait = max(wait or now, last + SPACING)
        for at, others in self.coming:
            if users & others:
                wait = max(wait or now, at + SPACING)
        return wait

    def note(self, p: PlannedDelivery, at: datetime) -> None:
        """A nudge was (or may have been) posted at `at`, by this clock or another."""
        self._note(recipients(p.target), at)

    def _note(self, users: Iterable[str], at: datetime) -> None:
        for user in users:
            current = self.last.get(user)
            self.last[user] = at if current is None else max(current, at)


def _recipients_of(session: Session, pair_ids: set[int], person_ids: set[int]) -> _Recipients:
    """For attempts no planner asks for any more (the action was closed since), who they went
    to, from their rows: the pair's members and the person, which may name one more than it
    reached (a chase names its owner's pair); a few minutes' wait for that one is harmless."""
    members = members_by_pair(session, sorted(pair_ids)) if pair_ids else {}
    people: dict[int, str] = {}
    if person_ids:
        people = dict(
            session.execute(
                select(Participant.id, Participant.user_id).where(
                    Participant.id.in_(sorted(person_ids))
                )
            )
            .tuples()
            .all()
        )
    return _Recipients(
        {pair_id: tuple(m.user_id for m in group) for pair_id, group in members.items()},
        people,
    )


@dataclass(frozen=True)
class _Recipients:
    pairs: dict[int, tuple[str, ...]]
    people: dict[int, str]

    def __call__(self, pair_id: int | None, participant_id: int | None) -> tuple[str, ...]:
        users = list(self.pairs.get(pair_id, ())) if pair_id is not None else []
        if participant_id is not None and participant_id in self.people:
            users.append(self.people[participant_id])
        return tuple(users)
