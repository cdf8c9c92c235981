"""What happened at a meeting: check-in outcome and each buddy's preparation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class MeetingOutcome(Base):
    """The pair's check-in answer for one meeting ("met", "moved", "solo")."""

    __tablename__ = "meeting_outcomes"
    __table_args__ = (UniqueConstraint("pair_id", "original_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    original_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrepCompletion(Base):
    """One buddy has completed the insight module before a given meeting."""

    __tablename__ = "prep_completions"
    __table_args__ = (UniqueConstraint("pair_id", "original_date", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    original_date: Mapped[date] = mapped_column(Date)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
