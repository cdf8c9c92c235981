"""The outbox: one row per nudge, keyed uniquely, claimed before sending.

The unique `key` is what makes "sent once" hold across restarts, retries and a second clock
process; the lease is what makes "never lost" hold when a sender dies between claim and mark.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Earliest moment the next attempt may run (quiet hours, Retry-After, backoff).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # A claim that is not marked sent by then is presumed abandoned and retried.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
