"""Files in Teams by the file consent flow: the person is asked, and the file reaches their
OneDrive only when they accept.

A bot cannot put a file in a chat directly. Buddy keeps the bytes of each offer in the database
(never in memory: the acceptance may reach another web process, or come after a restart), posts a
consent card naming the file, and on acceptance puts the bytes at the upload URL Teams gives and
posts the file's card; a declined offer is dropped. Offers belong to their person: erasure
removes them with everything else of theirs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from conversation.outlet import SentFile
from frontends.teams.addresses import ID_LENGTH, PERSON_KEY
from models.base import Base, UTCDateTime

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


class TeamsFileOffer(Base):
    __tablename__ = "teams_file_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), info={PERSON_KEY: True})
    filename: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Offer:
    key: str
    filename: str
    title: str
    size: int


def _bytes(content: bytes | str) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def offer(session: Session, tenant_id: str, user_id: str, sent: SentFile, now: datetime) -> Offer:
    data = _bytes(sent.content)
    row = TeamsFileOffer(
        key=uuid.uuid4().hex,
        tenant_id=tenant_id,
        user_id=user_id,
        filename=sent.filename[:255],
        title=sent.title[:255],
        content=data,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return Offer(row.key, row.filename, row.title, len(data))


def consent_card(offer: Offer) -> Any:
    """The consent card (an attachment the SDK has no constant for)."""
    from microsoft_teams.api.activities.message import MessageActivityInput
    from microsoft_teams.api.models.attachment import Attachment
    from microsoft_teams.api.models.file import FileConsentCard

    card = FileConsentCard(
        description=offer.title,
        size_in_bytes=offer.size,
        accept_context={"key": offer.key},
        decline_context={"key": offer.key},
    )
    attachment = Attachment(content_type=FILE_CONSENT, name=offer.filename, content=card)
    return MessageActivityInput(text=f"{offer.title}: {offer.filename}").add_attachments(attachment)


def file_card(name: str, content_url: str, unique_id: str, file_type: str) -> Any:
    """The file, once in the person's OneDrive, shown in the chat."""
    from microsoft_teams.api.activities.message import MessageActivityInput
    from microsoft_teams.api.models.attachment import Attachment
    from microsoft_teams.api.models.file import FileInfoCard

    attachment = Attachment(
        content_type=FILE_INFO,
        name=name,
        content_url=content_url,
        content=FileInfoCard(unique_id=unique_id, file_type=file_type),
    )
    return MessageActivityInput().add_attachments(attachment)


def take(session: Session, key: str, tenant_id: str, user_id: str) -> TeamsFileOffer | None:
    """The offer a consent answer names, if it is this person's and still open."""
    return session.scalar(
        select(TeamsFileOffer).where(
            TeamsFileOffer.key == key,
            TeamsFileOffer.tenant_id == tenant_id,
            TeamsFileOffer.user_id == user_id,
        )
    )


def withdraw(session: Session, key: str) -> None:
    row = session.scalar(select(TeamsFileOffer).where(TeamsFileOffer.key == key))
    if row is not None:
        session.delete(row)
        session.flush()
