"""A participant's problem for a community session: a private draft until posted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ID_LENGTH, Base, UTCDateTime

DRAFT = "draft"
POSTED = "posted"
WITHDRAWN = "withdrawn"


class Problem(Base):
    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    step: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    why: Mapped[str | None] = mapped_column(Text)
    # Comma-separated criteria the owner ticked: "specific,solvable,controllable".
    criteria: Mapped[str | None] = mapped_column(String(64))
    framework_area: Mapped[str | None] = mapped_column(String(200))
    artefact_link: Mapped[str | None] = mapped_column(Text)
    # Where the command was run, and so where the card goes.
    channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    message_ts: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The wizard's modal Buddy opened for the owner: only that view is ever updated.
    view_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # An edit of a posted problem is a draft of its own, so the card stays as it was until the
    # owner posts the edit; this points at the problem it will replace.
    edits_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
