"""Cohorts, participants and facilitators: who is on the programme, and where.

A participant is found, or created on first contact, from the Slack user a request is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import ID_LENGTH, SLACK, Base, UTCDateTime, platform_default

DEFAULT_COHORT_TIMEZONE = "Europe/London"


class Cohort(Base):
    """A group run in one channel; `channel_id` is None for the workspace's zero-setup default."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Which front end the row belongs to; its workspace (`team_id`) is a Slack team id or a Teams
    # tenant id, never both (`T0123` and GUIDs cannot collide), so lookups go by `team_id`.
    platform: Mapped[str] = mapped_column(
        String(16), default=platform_default, server_default=SLACK
    )
    channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_COHORT_TIMEZONE)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Semicolon-separated override of the NPQ framework areas (None: the default list).
    framework_areas: Mapped[str | None] = mapped_column(Text)
    # Days proactive nudges may go out on, as weekday numbers (`01234`, Monday 0); None: Mon-Fri.
    working_days: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# One person in one workspace (a Slack team, a Teams tenant): (team_id, user_id). A user id alone
# is not enough: Enterprise Grid gives a person the same id in every workspace of the org.
Person = tuple[str, str]


class Participant(Base):
    """A person Buddy knows (a Slack user, or a Teams user by their Entra object id); the zone
    is cached from `users.info` or from what Teams sends, for scheduling."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Which front end the row belongs to; its workspace (`team_id`) is a Slack team id or a Teams
    # tenant id, never both (`T0123` and GUIDs cannot collide), so lookups go by `team_id`.
    platform: Mapped[str] = mapped_column(
        String(16), default=platform_default, server_default=SLACK
    )
    # Indexed alone too: the clock reads people's pauses by their platform ids.
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    birthday_day: Mapped[int | None] = mapped_column(Integer)
    birthday_month: Mapped[int | None] = mapped_column(Integer)
    # The user's DM channel with the bot, kept once opened (files need a real channel id).
    dm_channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The name Slack shows for them, cached from users.info (reports and CSV exports).
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When Buddy's welcome DM went out (once per person, ever): whether Buddy has told them.
    welcomed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an import asked for their welcome to go (the clock sends it); None: no import did.
    welcome_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    @property
    def person(self) -> Person:
        """Who they are across Buddy: their user id within their workspace."""
        return (self.team_id, self.user_id)


class Facilitator(Base):
    """Facilitators granted in Slack, on top of those bootstrapped from BUDDY_FACILITATORS."""

    __tablename__ = "facilitators"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Which front end the row belongs to; its workspace (`team_id`) is a Slack team id or a Teams
    # tenant id, never both (`T0123` and GUIDs cannot collide), so lookups go by `team_id`.
    platform: Mapped[str] = mapped_column(
        String(16), default=platform_default, server_default=SLACK
    )
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    granted_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FacilitatorSetting(Base):
    """A facilitator's own choices (the weekly digest), and that they were seen as one.

    Bootstrapped facilitators (BUDDY_FACILITATORS) have no `facilitators` row; the clock finds
    them here once they have used Buddy as a facilitator."""

    __tablename__ = "facilitator_settings"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Which front end the row belongs to; its workspace (`team_id`) is a Slack team id or a Teams
    # tenant id, never both (`T0123` and GUIDs cannot collide), so lookups go by `team_id`.
    platform: Mapped[str] = mapped_column(
        String(16), default=platform_default, server_default=SLACK
    )
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # True while the person is a facilitator (granted or bootstrapped) as last seen.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


DEFAULT_COHORT_NAME = "Everyone"


def default_cohort(session: Session, team_id: str, now: datetime) -> Cohort:
    """The zero-setup cohort everyone is in until a facilitator sets one up in a channel."""
    found = session.scalar(
        select(Cohort).where(Cohort.team_id == team_id, Cohort.channel_id.is_(None))
    )
    if found is not None:
        return found
    cohort = Cohort(
        team_id=team_id,
        channel_id=None,
        name=DEFAULT_COHORT_NAME,
        timezone=DEFAULT_COHORT_TIMEZONE,
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    return cohort


def cohort_of(session: Session, participant: Participant, now: datetime) -> Cohort:
    if participant.cohort_id is not None:
        cohort = session.get(Cohort, participant.cohort_id)
        if cohort is not None:
            return cohort
    return default_cohort(session, participant.team_id, now)


def find_participant(session: Session, team_id: str, user_id: str) -> Participant | None:
    return session.scalar(
        select(Participant).where(Participant.team_id == team_id, Participant.user_id == user_id)
    )


def ensure_participant(session: Session, team_id: str, user_id: str, now: datetime) -> Participant:
    """The participant for a Slack user, created on first contact.

    Two requests from a new user can race; the unique constraint decides and the loser re-reads.
    """
    found = find_participant(session, team_id, user_id)
    if found is not None:
        return found
    participant = Participant(team_id=team_id, user_id=user_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(participant)
    except IntegrityError:
        found = find_participant(session, team_id, user_id)
        assert found is not None
        return found
    return participant


def lock_participants(session: Session, participants: Iterable[Participant]) -> None:
    """Hold these people's rows until the transaction ends, taken in id order, and read afresh.

    Two requests about the same people (A pairs B as B pairs A) then queue, the second seeing
    what the first wrote, instead of each holding one row and waiting for the other's (a
    deadlock on PostgreSQL). SQLite has no row locks and lets one transaction write at a time.
    """
    ids = sorted({p.id for p in participants})
    if ids:
        session.scalars(
            select(Participant)
            .where(Participant.id.in_(ids))
            .order_by(Participant.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()


def participants_by_user_id(
    session: Session, team_id: str, user_ids: Iterable[str]
) -> dict[str, Participant]:
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(Participant).where(Participant.team_id == team_id, Participant.user_id.in_(ids))
    )
    return {p.user_id: p for p in rows}


def is_facilitator(
    session: Session, bootstrapped: frozenset[str], team_id: str, user_id: str
) -> bool:
    """Facilitators come from BUDDY_FACILITATORS, or were granted the role in Slack."""
    if user_id in bootstrapped:
        return True
    return (
        session.scalar(
            select(Facilitator.id).where(
                Facilitator.team_id == team_id, Facilitator.user_id == user_id
            )
        )
        is not None
    )
