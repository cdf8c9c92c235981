"""What Buddy will send a person, and when: the scheduler's own plans, read for one person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models.people import Participant

HORIZON = timedelta(days=14)

# What each kind of nudge is, as the person reads it.
KIND_NAMES = {
    "prep": "prep nudge for your meeting",
    "reminder": "meeting reminder",
    "checkin": "check-in: how did your meeting go?",
    "checkin-again": "check-in follow-up",
    "slot-nudge": "a nudge to agree your meeting slot",
    "action-chase": "chase for an action due that day",
    "action-overdue": "overdue action note to your pair",
    "action-review": "90-day review of an action",
    "community-prep": "community session prep",
}


@dataclass(frozen=True)
class Upcoming:
    """One message Buddy plans to send this person: due then, sent then, and why it waits."""

    kind: str
    due_at: datetime
    send_at: datetime
    held_by: str | None = None

    @property
    def what(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind.replace("-", " "))


# The scheduler's preview, handed to handlers through their dependencies (they never import it).
Preview = Callable[[Session, Participant, datetime], list[Upcoming]]
