"""Cohorts, participants and facilitators: who is on the programme, and where."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

DEFAULT_COHORT_TIMEZONE = "Europe/London"


class Cohort(Base):
    """A group run in one channel; `channel_id` is None for the workspace's zero-setup default."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_COHORT_TIMEZONE)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Semicolon-separated override of the NPQ framework areas (None: the default list).
    framework_areas: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Participant(Base):
    """A Slack user Buddy knows; the zone is cached from `users.info` for scheduling."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    birthday_day: Mapped[int | None] = mapped_column(Integer)
    birthday_month: Mapped[int | None] = mapped_column(Integer)
    # The user's DM channel with the bot, kept once opened (files need a real channel id).
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Facilitator(Base):
    """Facilitators granted in Slack, on top of those bootstrapped from BUDDY_FACILITATORS."""

    __tablename__ = "facilitators"
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
