"""A channel's community group, its members, its sessions and the actions saved in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ID_LENGTH, Base, UTCDateTime


class CommunityGroup(Base):
    """The group of 3 to 6 that meets in one channel."""

    __tablename__ = "community_groups"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    channel_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    timezone: Mapped[str] = mapped_column(String(64))
    fortnightly: Mapped[bool] = mapped_column(Boolean, default=False)
    # A chair appointed at a close before the next session was scheduled: given to that session.
    next_chair_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    created_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommunityMember(Base):
    __tablename__ = "community_members"
    __table_args__ = (UniqueConstraint("group_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("community_groups.id", ondelete="CASCADE"), index=True
    )
    # Indexed: a person's groups are read by person (what Buddy will send them).
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    # The order the group was named in, and the chair's order of problem owners (None: the group's).
    position: Mapped[int] = mapped_column(Integer)
    owner_position: Mapped[int | None] = mapped_column(Integer)


class CommunitySession(Base):
    """One session: scheduled, or started by a member; its posts are keyed by id and start."""

    __tablename__ = "community_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("community_groups.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Slack ids of the owners present, in turn order; None for a scheduled session (everyone).
    present: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The chair the group appointed at the previous close (None: the rotation's proposal).
    appointed_chair_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommunityAction(Base):
    """An owner's response saved as an action in a session: the session record lists them."""

    __tablename__ = "community_actions"
    __table_args__ = (UniqueConstraint("action_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("community_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
