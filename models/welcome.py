"""A person's first contact with Buddy (any command, being paired, or the moment an import chose)
earns one welcome, ever; `welcomed_at` says whether Buddy has told them.

Claimed atomically: of two first requests at once, or a first request and the clock sending an
import's welcome, one update finds `welcomed_at` still empty, and only that one sends it."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.grammar import ParseError
from models.meetings.schedule import local_instant
from models.pairs import Pair, PairMember, members_by_pair, pair_of
from models.people import (
    Participant,
    ensure_participant,
    is_facilitator,
    participants_by_user_id,
)

# `Pair.formed_by` of an imported pair: nobody ran a command, so no pair message told them.
IMPORTED = "import"
# "Welcome them on <date>": at this time, in each person's own zone.
WELCOME_HOUR = time(9, 0)
WELCOME_EXAMPLE = "now, 2026-11-30 (at 09:00), 2026-11-30T09:30 or never"


@dataclass(frozen=True)
class Greeting:
    """Who a welcome is for, and which one: a facilitator's (what they can do) for a facilitator
    not in a pair; for someone in an imported pair, their buddies and the buddy's four roles
    (no pair message told them); otherwise the participant's welcome."""

    user_id: str
    facilitator: bool = False
    pair: Pair | None = None
    buddies: tuple[str, ...] = ()
    zone: str | None = None  # the reader's own zone, for the slot's time


@dataclass(frozen=True)
class WelcomeChoice:
    """When an import's people first hear from Buddy: now (no day), on a day at a local time
    (each person's own zone, the cohort's for people Buddy has not met), or never (the
    facilitator tells them, so they count as told)."""

    day: date | None = None
    at: time = WELCOME_HOUR
    never: bool = False

    def moment(self, zone: str, now: datetime) -> datetime:
        """When the welcome is due for someone in `zone`."""
        if self.day is None:
            return now
        return local_instant(self.day, self.at, zone)

    def describe(self) -> str:
        if self.never:
            return "no welcome (you tell them yourself)"
        if self.day is None:
            return "welcomed now"
        return f"welcomed on {self.day.isoformat()} at {self.at.strftime('%H:%M')} their time"


WELCOME_NOW = WelcomeChoice()
WELCOME_NEVER = WelcomeChoice(never=True)
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2}))?$")


def parse_welcome(text: str, today: date) -> WelcomeChoice | ParseError:
    """`now`, `never`, `2026-11-30` (at 09:00) or `2026-11-30T09:30`, from today on."""
    words = text.strip().lower()
    if words == "now":
        return WELCOME_NOW
    if words == "never":
        return WELCOME_NEVER
    found = _WHEN.match(words)
    if found is None:
        return ParseError(f"{text.strip()[:40]!r} is not a time to welcome them.", WELCOME_EXAMPLE)
    try:
        day = date.fromisoformat(found.group(1))
        at = time(int(found.group(2)), int(found.group(3))) if found.group(2) else WELCOME_HOUR
    except ValueError:
        return ParseError(f"{text.strip()[:40]!r} is not a real date and time.", WELCOME_EXAMPLE)
    return check_welcome_day(WelcomeChoice(day, at), today)


def check_welcome_day(choice: WelcomeChoice, today: date) -> WelcomeChoice | ParseError:
    """A day already past is refused: the facilitator meant some other day, or now."""
    if choice.day is not None and choice.day < today:
        return ParseError(
            f"{choice.day.isoformat()} has already passed: welcome them now, or from "
            f"{today.isoformat()} on.",
            WELCOME_EXAMPLE,
        )
    return choice


def schedule_import_welcomes(
    session: Session,
    participant_ids: Collection[int],
    choice: WelcomeChoice,
    fallback_zone: str,
    now: datetime,
) -> None:
    """Record when the people an import paired are welcomed (the clock sends it then). People
    Buddy has already welcomed are told nothing twice; with `never` the rest count as told."""
    ids = list(participant_ids)
    if not ids:
        return
    not_yet = (Participant.id.in_(ids), Participant.welcomed_at.is_(None))
    if choice.never:
        # Told by the facilitator, at the import: as if Buddy had welcomed them then.
        session.execute(
            update(Participant)
            .where(*not_yet)
            .values(welcomed_at=now, welcome_due_at=now)
            .execution_options(synchronize_session=False)
        )
        return
    zones: dict[str, list[int]] = {}
    for person_id, zone in session.execute(
        select(Participant.id, Participant.timezone).where(*not_yet)
    ).tuples():
        zones.setdefault(zone or fallback_zone, []).append(person_id)
    for zone, people in zones.items():
        session.execute(
            update(Participant)
            .where(Participant.id.in_(people), Participant.welcomed_at.is_(None))
            .values(welcome_due_at=choice.moment(zone, now))
            .execution_options(synchronize_session=False)
        )


def claim_welcome(session: Session, participant: Participant, now: datetime) -> bool:
    """True for the one caller that marks this person welcomed; False if anyone already did."""
    return claim_welcome_of(session, participant.id, now)


def claim_welcome_of(session: Session, participant_id: int, now: datetime) -> bool:
    result = session.execute(
        update(Participant)
        .where(Participant.id == participant_id, Participant.welcomed_at.is_(None))
        .values(welcomed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def to_welcome(
    session: Session,
    team_id: str,
    caller: str,
    named: Sequence[str],
    now: datetime,
    facilitators: frozenset[str] = frozenset(),
) -> list[Greeting]:
    """Who is meeting Buddy for the first time: the caller, and anyone the command named whom it
    just paired (`pair` or `match`: a pair the caller formed at the command's own moment). A
    refused command pairs nobody, so the people it named hear nothing, even if others (or an
    import) paired them before. Each is claimed here, once, in id order as pairing locks people,
    so that a welcome and a pairing at the same moment never wait for each other in a circle."""
    people = [ensure_participant(session, team_id, caller, now)]
    found = participants_by_user_id(session, team_id, [u for u in named if u != caller])
    people.extend(p for p in found.values() if not p.is_bot and _paired_by(session, p, caller, now))
    people.sort(key=lambda p: p.id)
    claimed = [p for p in people if claim_welcome(session, p, now)]
    return [_greeting(session, p, facilitators) for p in claimed]


def _greeting(session: Session, person: Participant, facilitators: frozenset[str]) -> Greeting:
    pair = pair_of(session, person)
    if pair is not None and pair.formed_by == IMPORTED:
        return imported_greeting(person, pair, members_by_pair(session, [pair.id])[pair.id])
    if pair is None and is_facilitator(session, facilitators, person.team_id, person.user_id):
        return Greeting(person.user_id, facilitator=True)
    return Greeting(person.user_id)


def imported_greeting(person: Participant, pair: Pair, members: Iterable[Participant]) -> Greeting:
    buddies = tuple(m.user_id for m in members if m.id != person.id)
    return Greeting(person.user_id, pair=pair, buddies=buddies, zone=person.timezone)


def _paired_by(session: Session, participant: Participant, caller: str, now: datetime) -> bool:
    """Whether the participant's pair is the one `caller`'s command formed at `now`."""
    pair = pair_of(session, participant)
    return pair is not None and pair.formed_by == caller and pair.created_at == now


# -- the welcomes an import asked the clock to send ---------------------------------------------


@dataclass(frozen=True)
class ImportWelcome:
    """One person an import asked Buddy to welcome, and whether it has (`welcomed_at`)."""

    participant_id: int
    team_id: str
    user_id: str
    due_at: datetime
    welcomed_at: datetime | None
    zone: str | None
    cohort_id: int | None


def import_welcomes(
    session: Session,
    since: datetime,
    participant_id: int | None = None,
    among: Sequence[int] | None = None,
) -> list[ImportWelcome]:
    """The people imports asked to welcome from `since` on (one indexed query, no objects): all
    of them, the one participant named, or those `among` these participant ids."""
    query = select(
        Participant.id,
        Participant.team_id,
        Participant.user_id,
        Participant.welcome_due_at,
        Participant.welcomed_at,
        Participant.timezone,
        Participant.cohort_id,
    ).where(Participant.welcome_due_at >= since, Participant.is_bot.is_(False))
    if participant_id is not None:
        query = query.where(Participant.id == participant_id)
    if among is not None:
        query = query.where(Participant.id.in_(list(among)))
    rows = session.execute(query).tuples()
    return [
        ImportWelcome(pid, team, user, due, welcomed, zone, cohort)
        for pid, team, user, due, welcomed, zone, cohort in rows
        if due is not None
    ]


def import_greetings(session: Session, participant_ids: Sequence[int]) -> dict[int, Greeting]:
    """Each person's welcome, with their current pair and buddies (in three queries)."""
    if not participant_ids:
        return {}
    people = {
        p.id: p
        for p in session.scalars(select(Participant).where(Participant.id.in_(participant_ids)))
    }
    pairs = dict(
        session.execute(
            select(PairMember.participant_id, Pair)
            .join(Pair, Pair.id == PairMember.pair_id)
            .where(PairMember.participant_id.in_(participant_ids), Pair.dissolved_at.is_(None))
        )
        .tuples()
        .all()
    )
    members = members_by_pair(session, [p.id for p in pairs.values()])
    found: dict[int, Greeting] = {}
    for person_id, person in people.items():
        pair = pairs.get(person_id)
        found[person_id] = (
            imported_greeting(person, pair, members.get(pair.id, []))
            if pair is not None
            else Greeting(person.user_id, zone=person.timezone)
        )
    return found


def claim_import_welcome(
    participant_id: int, session: Session, now: datetime, first_attempt: bool
) -> bool:
    """The clock's claim, in the same transaction as its claim of the delivery: True if it may
    post. A retry of a welcome whose first attempt claimed the person is still theirs."""
    return not first_attempt or claim_welcome_of(session, participant_id, now)
