"""Actions a buddy commits to, and the state the chasing follows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

OPEN = "open"
DONE = "done"
DROPPED = "dropped"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        # Two open actions of one owner never share a number, even when two requests race.
        Index(
            "uq_actions_open_number",
            "owner_id",
            "number",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    # Shown to users as "action n": stable while the action is open.
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Indexed so the clock's chase planners read only the actions due near now.
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    source: Mapped[str] = mapped_column(String(16))  # "command" | "check_in" | "community"
    review_at: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
