"""A meeting's tables: its moves and skips, the check-in outcome, each buddy's preparation.

A meeting is identified by the local date the slot scheduled it on (`original_date`), which stays
stable when the meeting is moved.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ID_LENGTH, Base, UTCDateTime


class MeetingOutcome(Base):
    """The pair's check-in answer for one meeting ("met", "moved", "solo")."""

    __tablename__ = "meeting_outcomes"
    __table_args__ = (UniqueConstraint("pair_id", "original_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    original_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    answered_by: Mapped[str] = mapped_column(String(ID_LENGTH))
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


class MeetingChange(Base):
    """A move or skip of one scheduled meeting, keyed by the date the slot gave it."""

    __tablename__ = "meeting_changes"
    __table_args__ = (UniqueConstraint("pair_id", "original_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    original_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # "moved" | "skipped"
    new_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    solo: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
