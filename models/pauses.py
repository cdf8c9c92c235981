"""Personal pauses (leave, illness): a participant's own proactive nudges and chases are held for
the days of a pause, and the pair's meetings in it are not nudged (the buddy practises solo).

Dates are the paused person's local dates, inclusive. A pause is theirs alone: the reason is
kept for them and told to the buddy only if they gave one (it is shown to nobody else).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Integer, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime
from models.grammar import ParseError, format_day, parse_date
from models.pairs import zone_of
from models.people import Participant, Person
from models.quiet_hours import DateSpan, ZonedSpan
from models.refusals import Refusal

PAUSE_EXAMPLE = "pause 7/12 to 18/12 illness"
# A pause longer than this is more likely a typo than leave; a facilitator can unpair instead.
LONGEST_PAUSE = timedelta(days=366)


class Pause(Base):
    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class PauseArgs:
    start: date
    end: date
    reason: str | None


def parse_pause_args(text: str, today: date) -> PauseArgs | ParseError:
    """`<date> to <date> [reason]`: the reason is whatever follows the longest date reading."""
    words = text.split()
    lower = [w.lower() for w in words]
    if "to" not in lower:
        return ParseError("Please give the first and last day of your pause.", PAUSE_EXAMPLE)
    split = lower.index("to")
    start = parse_date(" ".join(words[:split]), today)
    if isinstance(start, ParseError):
        return ParseError(start.message, PAUSE_EXAMPLE)
    rest = words[split + 1 :]
    for count in range(min(4, len(rest)), 0, -1):
        end = parse_date(" ".join(rest[:count]), start)
        if not isinstance(end, ParseError):
            return PauseArgs(start, end, " ".join(rest[count:]).strip() or None)
    return ParseError("I couldn't read the last day of your pause.", PAUSE_EXAMPLE)


def start_pause(
    session: Session, participant: Participant, args: PauseArgs, today: date, now: datetime
) -> Pause:
    """A new pause; one overlapping an earlier one replaces it (the latest word wins)."""
    if args.end < args.start:
        raise Refusal(
            f"Your pause would end ({format_day(args.end, today)}) before it starts "
            f"({format_day(args.start, today)}).",
            PAUSE_EXAMPLE,
        )
    if args.end < today:
        raise Refusal(
            f"{format_day(args.end, today)} has already passed. Please pause from today or later.",
            PAUSE_EXAMPLE,
        )
    if args.end - args.start > LONGEST_PAUSE:
        raise Refusal("A pause can be a year at most.", PAUSE_EXAMPLE)
    session.execute(
        delete(Pause).where(
            Pause.participant_id == participant.id,
            Pause.start_date <= args.end,
            Pause.end_date >= args.start,
        )
    )
    pause = Pause(
        participant_id=participant.id,
        start_date=max(args.start, today),
        end_date=args.end,
        reason=args.reason,
        created_at=now,
    )
    session.add(pause)
    session.flush()
    return pause


def current_pause(session: Session, participant: Participant, today: date) -> Pause | None:
    """The pause going on today, else the next one to come."""
    return session.scalar(
        select(Pause)
        .where(Pause.participant_id == participant.id, Pause.end_date >= today)
        .order_by(Pause.start_date)
        .limit(1)
    )


def end_pause(session: Session, participant: Participant, today: date) -> Pause:
    """`/buddy resume`: today is no longer paused, and no later pause is kept."""
    pause = current_pause(session, participant, today)
    if pause is None:
        raise Refusal("You have no pause to end: your nudges are on.", PAUSE_EXAMPLE)
    ended = Pause(
        participant_id=pause.participant_id,
        start_date=pause.start_date,
        end_date=pause.end_date,
        reason=pause.reason,
        created_at=pause.created_at,
    )
    for later in session.scalars(
        select(Pause).where(Pause.participant_id == participant.id, Pause.end_date >= today)
    ):
        if later.start_date < today:
            later.end_date = today - timedelta(days=1)
        else:
            session.delete(later)
    session.flush()
    return ended


def pauses_by_person(
    session: Session, people: Iterable[Person], since: date
) -> dict[Person, list[ZonedSpan]]:
    """Each person's pauses ending on or after `since`, in their own zone, by (workspace, user
    id): one user id can be in two workspaces of an Enterprise Grid org, each with its own
    pauses."""
    wanted = set(people)
    if not wanted:
        return {}
    found: dict[Person, list[ZonedSpan]] = defaultdict(list)
    rows = session.execute(
        select(Pause, Participant)
        .join(Participant, Participant.id == Pause.participant_id)
        .where(
            Participant.user_id.in_(sorted({user for _, user in wanted})),
            Pause.end_date >= since,
        )
        .order_by(Pause.start_date)
    ).all()
    for pause, participant in rows:
        if participant.person in wanted:
            span = DateSpan(pause.start_date, pause.end_date)
            found[participant.person].append(ZonedSpan(span, zone_of(participant)))
    return dict(found)


def paused_on(spans: Iterable[ZonedSpan], moment: datetime) -> bool:
    """Whether `moment` falls on a paused day, in the pause's own zone."""
    return any(s.span.contains(moment.astimezone(ZoneInfo(s.zone)).date()) for s in spans)
