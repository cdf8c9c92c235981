"""Buddy pairs (two or three members), their slot, backup, format and per-meeting changes.

A slot is stored as local weekday, wall-clock time and IANA zone, never as a UTC instant, so
that fortnightly meetings keep their clock time across daylight-saving changes. A meeting is
identified by the local date the slot scheduled it on (`original_date`), which stays stable when
the meeting is moved.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Pair(Base):
    __tablename__ = "pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    formed_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dissolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The pair's group DM, opened once (conversations.open is rate-limited) and kept.
    group_channel_id: Mapped[str | None] = mapped_column(String(32))

    slot_weekday: Mapped[int | None] = mapped_column(Integer)  # Monday is 0
    slot_time: Mapped[time | None] = mapped_column(Time)
    slot_timezone: Mapped[str | None] = mapped_column(String(64))
    slot_first_date: Mapped[date | None] = mapped_column(Date)
    slot_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    backup_weekday: Mapped[int | None] = mapped_column(Integer)
    backup_time: Mapped[time | None] = mapped_column(Time)

    format_kind: Mapped[str | None] = mapped_column(String(16))  # "in_person" | "video"
    format_detail: Mapped[str | None] = mapped_column(Text)  # the place, or the video link


class PairMember(Base):
    """Membership; the unique participant makes "one pair at a time" a database fact."""

    __tablename__ = "pair_members"
    __table_args__ = (UniqueConstraint("participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
