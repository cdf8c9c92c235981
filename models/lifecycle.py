"""Life events Slack reports: a person deactivated (a leaver), and the app uninstalled or its
tokens revoked in a workspace (nothing is sent there until it is installed again).

Each rule is idempotent: Slack retries events, and the same news twice changes nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import ID_LENGTH, Base, UTCDateTime
from models.community.sessions import LeftGroup, leave_groups
from models.pairs import Unpaired, pair_of, unpair
from models.people import Facilitator, Participant, Person, find_participant

UNINSTALLED = "app_uninstalled"
TOKENS_REVOKED = "tokens_revoked"


class Workspace(Base):
    """A Slack workspace Buddy has heard from; sending stops while `stopped_at` is set."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stopped_because: Mapped[str | None] = mapped_column(String(32))


class Leaver(Base):
    """A participant Slack reported deactivated: nothing more is sent to them."""

    __tablename__ = "leavers"
    __table_args__ = (UniqueConstraint("participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    left_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- workspaces ------------------------------------------------------------------------------


def stop_sending(session: Session, team_id: str, because: str, now: datetime) -> bool:
    """The app was uninstalled or its tokens revoked; True the first time."""
    found = session.get(Workspace, team_id)
    if found is None:
        session.add(Workspace(team_id=team_id, stopped_at=now, stopped_because=because))
        session.flush()
        return True
    if found.stopped_at is not None:
        return False
    found.stopped_at = now
    found.stopped_because = because
    session.flush()
    return True


def resume_sending(session: Session, team_id: str) -> bool:
    """A request from the workspace (or a working token): it is installed again. One read,
    cheap enough for every request: it takes no write lock (an UPDATE would, even matching no
    row, so every request would wait for every other's); True when sending was stopped."""
    stopped = select(Workspace.team_id).where(
        Workspace.team_id == team_id, Workspace.stopped_at.is_not(None)
    )
    if session.scalar(stopped) is None:
        return False
    result = session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, Workspace.stopped_at.is_not(None))
        .values(stopped_at=None, stopped_because=None)
    )
    return bool(getattr(result, "rowcount", 0))


def stopped_teams(session: Session) -> set[str]:
    return set(session.scalars(select(Workspace.team_id).where(Workspace.stopped_at.is_not(None))))


# -- leavers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    """What a leaver's departure changed: whom to tell (their buddies, if they had a pair),
    whether those buddies still have a pair (a trio that loses one carries on as a pair), and the
    community groups they were taken out of."""

    leaver: str
    unpaired: Unpaired | None
    groups: list[LeftGroup] = field(default_factory=list)

    @property
    def buddies(self) -> list[str]:
        """The leaver's buddies: a pair's one, or the two a trio leaves behind."""
        return [m.user_id for m in self.unpaired.remaining] if self.unpaired else []

    @property
    def pair_goes_on(self) -> bool:
        """A trio lost one: the other two keep their pair, slot, meetings and actions."""
        return self.unpaired is not None and not self.unpaired.dissolved


def record_leaver(session: Session, team_id: str, user_id: str, now: datetime) -> Departure | None:
    """Slack says the user is deactivated: they leave their pair and their nudges stop. A pair of
    two ends; a trio carries on as a pair, the leaver taken out (`unpair`); they leave their
    community groups too, as a trio drops a leaver (no more turns, never chair). None when Buddy
    never knew them, or already knew they had left (nobody is told twice)."""
    participant = find_participant(session, team_id, user_id)
    if participant is None:
        return None
    already = session.scalar(select(Leaver.id).where(Leaver.participant_id == participant.id))
    if already is not None:
        return None
    session.add(Leaver(participant_id=participant.id, left_at=now))
    unpaired = unpair(session, participant, now) if pair_of(session, participant) else None
    groups = leave_groups(session, participant, now)
    session.flush()
    return Departure(leaver=user_id, unpaired=unpaired, groups=groups)


def record_return(session: Session, team_id: str, user_id: str) -> None:
    """Reactivated in Slack: Buddy may write to them again (their old pair stays ended)."""
    participant = find_participant(session, team_id, user_id)
    if participant is None:
        return
    for row in session.scalars(select(Leaver).where(Leaver.participant_id == participant.id)):
        session.delete(row)
    session.flush()


def leavers_among(session: Session, people: Iterable[Person]) -> set[Person]:
    """Those of `people` who left their workspace (a user id alone could be another
    workspace's person: Enterprise Grid gives one person one id in every workspace)."""
    wanted = set(people)
    if not wanted:
        return set()
    rows = session.execute(
        select(Participant.team_id, Participant.user_id)
        .join(Leaver, Leaver.participant_id == Participant.id)
        .where(Participant.user_id.in_(sorted({user for _, user in wanted})))
    ).tuples()
    return {person for person in rows if person in wanted}


def facilitators_of(session: Session, bootstrapped: frozenset[str], team_id: str) -> list[str]:
    """Everyone told of a leaver or an erasure: the bootstrapped facilitators and those granted."""
    granted = session.scalars(select(Facilitator.user_id).where(Facilitator.team_id == team_id))
    return sorted(set(bootstrapped) | set(granted))
