"""Where each Teams person and channel is: what Buddy needs to send to them later.

Teams gives a bot no directory to ask: a person's `29:` id (to send to), the service URL of their
region (to send through), their personal chat with Buddy and their time zone come only with what
they send. So every authenticated activity updates these rows (`record_activity`), and the clock
and the listeners read them (`person`, `channel`, ...). People are keyed by tenant and
`aadObjectId`, their stable Entra id; the `29:` id is kept beside it for sending.

These tables belong to the Teams front end, on the shared metadata (`models/registry.py` imports
this module) so that migrations and `models/privacy.py` find them: both id columns are marked as
the person's key (`PERSON_KEY`), so erasing a person by either id deletes their row; `forget_person`
does the same directly. Nothing here imports the Teams SDK: activities arrive as plain dicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, String, UniqueConstraint, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime

# Column.info flag read by erasure: a row whose column so marked holds the person's id is theirs.
PERSON_KEY = "person_key"
# Teams ids (`29:...`, `a:...`, `19:...@thread.tacv2`) run to a couple of hundred characters.
ID_LENGTH = 400
URL_LENGTH = 500
ZONE_LENGTH = 64
NAME_LENGTH = 200

_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


class TeamsPerson(Base):
    """A person Buddy has heard from in Teams, and how to reach them."""

    __tablename__ = "teams_people"
    __table_args__ = (UniqueConstraint("tenant_id", "aad_object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    aad_object_id: Mapped[str] = mapped_column(String(64), info={PERSON_KEY: True})
    # The id the Bot Connector sends to (`29:...`).
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), info={PERSON_KEY: True})
    display_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    # The Bot Connector of their region, from their latest activity.
    service_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    # Their personal chat with Buddy (`a:...`), once known from an activity or opened by Buddy.
    personal_conversation_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # Their latest IANA zone, from the clientInfo entity or localTimezone (None: never sent one).
    timezone: Mapped[str | None] = mapped_column(String(ZONE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamsChannel(Base):
    """A channel of a team with Buddy in it (`19:...`): a cohort's channel can be posted to."""

    __tablename__ = "teams_channels"
    __table_args__ = (UniqueConstraint("tenant_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    channel_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    service_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Seen:
    """What one activity says about where its sender and its conversation are."""

    tenant_id: str
    service_url: str
    aad_object_id: str | None = None
    user_id: str | None = None
    display_name: str | None = None
    personal_conversation_id: str | None = None
    timezone: str | None = None
    team_id: str | None = None
    channel_id: str | None = None


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= limit:
        return value.strip()
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def valid_zone(name: Any) -> str | None:
    """`name` when it is an IANA zone this machine knows (`Europe/London`), else None."""
    if not isinstance(name, str) or len(name) > ZONE_LENGTH or not _ZONE_NAME.match(name):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def zone_of(activity: Mapping[str, Any]) -> str | None:
    """The sender's zone: the clientInfo entity's `timezone`, else the activity's
    `localTimezone` (Teams sends either or both; neither is in every activity)."""
    for entity in activity.get("entities") or []:
        entity = _mapping(entity)
        if entity.get("type") == "clientInfo" and (zone := valid_zone(entity.get("timezone"))):
            return zone
    return valid_zone(activity.get("localTimezone"))


def seen_in(activity: Mapping[str, Any]) -> Seen | None:
    """What `activity` (an authenticated activity, as JSON) tells about its sender and place;
    None when it names no tenant or service URL (nothing could be sent with it)."""
    conversation = _mapping(activity.get("conversation"))
    channel_data = _mapping(activity.get("channelData"))
    tenant = _text(conversation.get("tenantId"), 64) or _text(
        _mapping(channel_data.get("tenant")).get("id"), 64
    )
    service_url = _text(activity.get("serviceUrl"), URL_LENGTH)
    if tenant is None or service_url is None or not service_url.startswith("https://"):
        return None
    sender = _mapping(activity.get("from"))
    user_id = _text(sender.get("id"), ID_LENGTH)
    aad = _text(sender.get("aadObjectId"), 64)
    if user_id is None or aad is None or user_id.startswith("28:"):
        user_id = aad = None  # a bot, or someone Teams did not name: no person to keep
    personal = None
    if conversation.get("conversationType") == "personal" and aad is not None:
        personal = _text(conversation.get("id"), ID_LENGTH)
    team_id = _text(_mapping(channel_data.get("team")).get("id"), ID_LENGTH)
    channel_id = _text(_mapping(channel_data.get("channel")).get("id"), ID_LENGTH)
    return Seen(
        tenant_id=tenant,
        service_url=service_url,
        aad_object_id=aad,
        user_id=user_id,
        display_name=_text(sender.get("name"), NAME_LENGTH) if aad else None,
        personal_conversation_id=personal,
        timezone=zone_of(activity) if aad else None,
        team_id=team_id if channel_id else None,
        channel_id=channel_id if team_id else None,
    )


def record_activity(session: Session, activity: Mapping[str, Any], now: datetime) -> Seen | None:
    """Keep what `activity` says about its sender and channel (call only once it is
    authenticated). Flushes; the caller commits."""
    seen = seen_in(activity)
    if seen is None:
        return None
    if seen.aad_object_id is not None and seen.user_id is not None:
        _upsert(session, lambda: _update_person(_person_row(session, seen), seen, now))
    if seen.team_id is not None and seen.channel_id is not None:
        _upsert(session, lambda: _update_channel(_channel_row(session, seen), seen, now))
    return seen


def _person_row(session: Session, seen: Seen) -> TeamsPerson:
    found = person(session, seen.tenant_id, seen.aad_object_id or "")
    if found is not None:
        return found
    row = TeamsPerson(tenant_id=seen.tenant_id, aad_object_id=seen.aad_object_id)
    session.add(row)
    return row


def _update_person(row: TeamsPerson, seen: Seen, now: datetime) -> None:
    assert seen.user_id is not None
    row.user_id = seen.user_id
    row.service_url = seen.service_url
    row.display_name = seen.display_name or row.display_name
    row.personal_conversation_id = seen.personal_conversation_id or row.personal_conversation_id
    row.timezone = seen.timezone or row.timezone
    row.updated_at = now


def _channel_row(session: Session, seen: Seen) -> TeamsChannel:
    found = channel(session, seen.tenant_id, seen.channel_id or "")
    if found is not None:
        return found
    row = TeamsChannel(tenant_id=seen.tenant_id, channel_id=seen.channel_id)
    session.add(row)
    return row


def _update_channel(row: TeamsChannel, seen: Seen, now: datetime) -> None:
    assert seen.team_id is not None
    row.team_id = seen.team_id
    row.service_url = seen.service_url
    row.updated_at = now


def _upsert(session: Session, change: Callable[[], None]) -> None:
    """Find or add the row and change it; when a concurrent request added it first (the unique
    key refuses ours), change theirs instead."""
    for attempt in (1, 2):
        try:
            with session.begin_nested():
                change()
            return
        except IntegrityError:
            if attempt == 2:
                raise


# -- reading ---------------------------------------------------------------------------------


def person(session: Session, tenant_id: str, aad_object_id: str) -> TeamsPerson | None:
    return session.scalar(
        select(TeamsPerson).where(
            TeamsPerson.tenant_id == tenant_id, TeamsPerson.aad_object_id == aad_object_id
        )
    )


def person_by_user_id(session: Session, tenant_id: str, user_id: str) -> TeamsPerson | None:
    """The person a `29:` id names (a mention, a member of a conversation)."""
    return session.scalar(
        select(TeamsPerson)
        .where(TeamsPerson.tenant_id == tenant_id, TeamsPerson.user_id == user_id)
        .order_by(TeamsPerson.updated_at.desc())
        .limit(1)
    )


def time_zone(session: Session, tenant_id: str, aad_object_id: str) -> str | None:
    """Their latest zone as Teams sent it; None when none came yet (then ask them)."""
    found = person(session, tenant_id, aad_object_id)
    return found.timezone if found is not None else None


def channel(session: Session, tenant_id: str, channel_id: str) -> TeamsChannel | None:
    return session.scalar(
        select(TeamsChannel).where(
            TeamsChannel.tenant_id == tenant_id, TeamsChannel.channel_id == channel_id
        )
    )


def channels_of_team(session: Session, tenant_id: str, team_id: str) -> list[TeamsChannel]:
    return list(
        session.scalars(
            select(TeamsChannel)
            .where(TeamsChannel.tenant_id == tenant_id, TeamsChannel.team_id == team_id)
            .order_by(TeamsChannel.id)
        )
    )


def keep_personal_conversation(
    session: Session, row: TeamsPerson, conversation_id: str, now: datetime
) -> None:
    """Keep the personal chat Buddy opened for them, so it is opened once."""
    row.personal_conversation_id = conversation_id
    row.updated_at = now
    session.flush()


def forget_person(session: Session, tenant_id: str, person_id: str) -> int:
    """Delete what Buddy keeps of the person with this aadObjectId or `29:` id; how many rows."""
    result = session.execute(
        delete(TeamsPerson).where(
            TeamsPerson.tenant_id == tenant_id,
            or_(TeamsPerson.aad_object_id == person_id, TeamsPerson.user_id == person_id),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
