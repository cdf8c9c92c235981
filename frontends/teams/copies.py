"""Where each copy of a pair's message went in Teams.

Bots cannot make group chats, so a message to a pair goes to each member's personal chat: one
delivery, one copy per member. The delivery row keeps a stand-in conversation (`teams-pair:<id>`)
and the first copy's id, as a Slack delivery keeps its group DM and ts; this table keeps every
copy, so a press (or an erasure) redraws all of them, and a resend after a failure part way
through posts only the copies still missing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from frontends.teams.addresses import ID_LENGTH, URL_LENGTH
from models.base import Base, UTCDateTime

PAIR_PREFIX = "teams-pair:"


def pair_conversation(pair_id: int) -> str:
    """The stand-in conversation of a pair's messages in Teams."""
    return f"{PAIR_PREFIX}{pair_id}"


def pair_of_conversation(conversation: str) -> int | None:
    if not conversation.startswith(PAIR_PREFIX):
        return None
    try:
        return int(conversation.removeprefix(PAIR_PREFIX))
    except ValueError:
        return None


class TeamsCopy(Base):
    """One member's copy of a message to a pair: `key` is the delivery's (or a handler post's)."""

    __tablename__ = "teams_copies"
    __table_args__ = (UniqueConstraint("key", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    # The stand-in conversation and first copy's id, as the delivery (or direct post) keeps them.
    group_conversation: Mapped[str] = mapped_column(String(ID_LENGTH))
    group_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    service_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def copies_of_key(session: Session, key: str) -> list[TeamsCopy]:
    return list(session.scalars(select(TeamsCopy).where(TeamsCopy.key == key)))


def copies_of_message(session: Session, group: str, message_id: str) -> list[TeamsCopy]:
    """Every copy of the pair message the delivery (or direct post) knows as `message_id`."""
    return list(
        session.scalars(
            select(TeamsCopy).where(
                TeamsCopy.group_conversation == group, TeamsCopy.group_message_id == message_id
            )
        )
    )


def keep_copy(
    session: Session,
    key: str,
    group: str,
    conversation_id: str,
    activity_id: str,
    service_url: str,
    now: datetime,
) -> TeamsCopy:
    row = TeamsCopy(
        key=key,
        group_conversation=group,
        group_message_id=None,
        conversation_id=conversation_id,
        activity_id=activity_id,
        service_url=service_url,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def name_group(session: Session, key: str, group: str, message_id: str) -> None:
    """Once every copy is out: the id the delivery keeps, so its copies are found by it."""
    for row in copies_of_key(session, key):
        if row.group_conversation == group:
            row.group_message_id = message_id
    session.flush()
