"""Which of Slack's deliveries Buddy has already handled, so that a second one changes nothing.

Slack resends events it thinks were missed, and a signed request can be replayed for five minutes
(the signature's window). Each delivery's key (`command:<trigger_id>`, `event:<event_id>`, ...) is
inserted under a primary key before any listener runs: the database, not a check-then-insert,
decides which of two concurrent deliveries is first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime

KEY_LENGTH = 255


class HandledRequest(Base):
    __tablename__ = "handled_requests"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    # For pruning: a key only needs keeping while Slack might still resend it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def claim(session: Session, key: str, now: datetime) -> bool:
    """True for the first delivery of `key`; False if it was handled before (or is being now).

    Commits on its own, so that the claim is visible to every other worker at once; the session
    must have nothing else pending. One INSERT that does nothing on a key already there: every
    request pays for it, so no unit of work and no exception for the second.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(HandledRequest)
        .values(key=key, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(HandledRequest.key)
    )
    # RETURNING, not rowcount: an ORM-enabled INSERT's rowcount says nothing on PostgreSQL.
    first = session.execute(statement).first() is not None
    session.commit()
    return first


def prune(session: Session, before: datetime) -> int:
    """Forget keys claimed before `before`; returns how many went."""
    result = session.execute(delete(HandledRequest).where(HandledRequest.created_at < before))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
