"""Buddy pairs (two or three members), their slot, backup and format, and who may change them.

A slot is stored as local weekday, wall-clock time and IANA zone, never as a UTC instant, so that
fortnightly meetings keep their clock time across daylight-saving changes. Each rule checks
everything before it writes anything, so a refused change never leaves half a change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import ID_LENGTH, SLACK, Base, UTCDateTime, platform_default, platform_name
from models.grammar import (
    FORMAT_EXAMPLE,
    IN_PERSON,
    MATCH_EXAMPLE,
    PAIR_EXAMPLE,
    SLOT_EXAMPLE,
    VIDEO,
    format_day,
    format_time,
    format_weekday,
)
from models.meetings.schedule import first_slot_date, has_slot, local_instant
from models.meetings.tables import MeetingChange
from models.people import (
    DEFAULT_COHORT_TIMEZONE,
    Cohort,
    Participant,
    cohort_of,
    ensure_participant,
    lock_participants,
)
from models.refusals import Refusal


class Pair(Base):
    __tablename__ = "pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Slack or Teams, from the workspace (`models.base.platform_of`): never both in one pair.
    platform: Mapped[str] = mapped_column(
        String(16), default=platform_default, server_default=SLACK
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    formed_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dissolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The pair's group DM, opened once (conversations.open is rate-limited) and kept.
    group_channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))

    slot_weekday: Mapped[int | None] = mapped_column(Integer)  # Monday is 0
    slot_time: Mapped[time | None] = mapped_column(Time)
    slot_timezone: Mapped[str | None] = mapped_column(String(64))
    slot_first_date: Mapped[date | None] = mapped_column(Date)
    slot_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    backup_weekday: Mapped[int | None] = mapped_column(Integer)
    backup_time: Mapped[time | None] = mapped_column(Time)

    format_kind: Mapped[str | None] = mapped_column(String(16))  # "in_person" | "video"
    format_detail: Mapped[str | None] = mapped_column(Text)  # the place, or the video link


class PairMember(Base):
    """Membership; the unique participant makes "one pair at a time" a database fact."""

    __tablename__ = "pair_members"
    __table_args__ = (UniqueConstraint("participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed: a pair's members are read by pair (a command's, or many pairs' for the clock).
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


LARGEST_GROUP = 3


@dataclass(frozen=True)
class Profile:
    """What Slack's users.info says about a person, as far as pairing cares."""

    user_id: str
    timezone: str | None
    is_bot: bool
    deleted: bool = False
    name: str | None = None


# -- reading ---------------------------------------------------------------------------------


def pair_of(session: Session, participant: Participant) -> Pair | None:
    """The participant's current pair, if any."""
    return session.scalar(
        select(Pair)
        .join(PairMember, PairMember.pair_id == Pair.id)
        .where(PairMember.participant_id == participant.id, Pair.dissolved_at.is_(None))
    )


def members_by_pair(session: Session, pair_ids: Sequence[int]) -> dict[int, list[Participant]]:
    """Members of many pairs in one query, each pair's in the order they joined."""
    found: dict[int, list[Participant]] = defaultdict(list)
    if not pair_ids:
        return {}
    rows = session.execute(
        select(PairMember.pair_id, Participant)
        .join(Participant, Participant.id == PairMember.participant_id)
        .where(PairMember.pair_id.in_(list(pair_ids)))
        .order_by(PairMember.pair_id, PairMember.joined_at, PairMember.id)
    ).all()
    for pair_id, participant in rows:
        found[pair_id].append(participant)
    return {pair_id: found.get(pair_id, []) for pair_id in pair_ids}


def members_of_pairs_with(session: Session, participant_id: int) -> dict[int, list[Participant]]:
    """The members of each pair this participant is in (their current pair, if any), in the
    order they joined, in one query."""
    theirs = select(PairMember.pair_id).where(PairMember.participant_id == participant_id)
    found: dict[int, list[Participant]] = defaultdict(list)
    for pair_id, participant in session.execute(
        select(PairMember.pair_id, Participant)
        .join(Participant, Participant.id == PairMember.participant_id)
        .where(PairMember.pair_id.in_(theirs))
        .order_by(PairMember.pair_id, PairMember.joined_at, PairMember.id)
    ):
        found[pair_id].append(participant)
    return dict(found)


def members_of(session: Session, pair: Pair) -> list[Participant]:
    return members_by_pair(session, [pair.id])[pair.id]


def zone_of(participant: Participant, fallback: str = DEFAULT_COHORT_TIMEZONE) -> str:
    """The zone a participant sees times in: their Slack profile's, else the cohort's."""
    return participant.timezone or fallback


def remember_profiles(
    session: Session, team_id: str, profiles: Sequence[Profile], now: datetime
) -> dict[str, Participant]:
    """Participants for these Slack users, with their zone and bot flag cached from Slack.

    The people are created in user id order, then their rows locked in id order, before any is
    changed: two requests naming the same people (A pairs B as B pairs A) take them in the same
    order, so the second waits for the first instead of deadlocking, and then reads what the
    first wrote (the pair it formed)."""
    by_user = {p.user_id: p for p in profiles}
    found = {u: ensure_participant(session, team_id, u, now) for u in sorted(by_user)}
    lock_participants(session, found.values())
    for user_id, participant in found.items():
        remember_profile(participant, by_user[user_id])
    session.flush()
    return found


def remember_profile(participant: Participant, profile: Profile) -> None:
    """Cache what users.info said: the zone, the bot flag and the name Slack shows."""
    if profile.timezone:
        participant.timezone = profile.timezone
    participant.is_bot = profile.is_bot
    if profile.name:
        participant.display_name = profile.name[:200]


def require_pair(session: Session, caller: Participant) -> Pair:
    """The caller's pair; only its members change it."""
    pair = pair_of(session, caller)
    if pair is None:
        raise Refusal(
            "You're not in a buddy pair yet, so there is nothing of a pair's to change.",
            PAIR_EXAMPLE,
        )
    return pair


# -- forming and leaving ---------------------------------------------------------------------


def _already_paired() -> Refusal:
    return Refusal(
        "You're already in a buddy pair. To change buddy, leave it first with `/buddy unpair`.",
        "unpair",
    )


@dataclass(frozen=True)
class Pairing:
    """What `pair` or `match` did. `formed` is False when these very people were already a pair
    together (asked twice, or two of them asking at once): nothing changed, nobody is told."""

    pair: Pair
    formed: bool


def together(session: Session, members: Sequence[Participant]) -> Pair | None:
    """The live pair made of exactly these people, if there is one."""
    current = pair_of(session, members[0])
    if current is None:
        return None
    same = {m.id for m in members_of(session, current)} == {m.id for m in members}
    return current if same else None


def check_can_pair(
    session: Session, caller_user_id: str, buddy_user_ids: Sequence[str], caller: Participant | None
) -> None:
    """What `pair` refuses before anyone is looked up in Slack: yourself, or already paired with
    someone else (already paired with these very buddies is no refusal: `form_pair` says so)."""
    if caller_user_id in buddy_user_ids:
        raise Refusal(
            "You can't be your own buddy, however good the company. Please mention a colleague.",
            PAIR_EXAMPLE,
        )
    current = pair_of(session, caller) if caller is not None else None
    if current is None:
        return
    others = {m.user_id for m in members_of(session, current)} - {caller_user_id}
    if others != set(buddy_user_ids):
        raise _already_paired()


def check_can_match(actor_is_facilitator: bool) -> None:
    """Pairing other people is a facilitator's job."""
    if not actor_is_facilitator:
        raise Refusal(
            "Only facilitators can pair other people. To pair yourself with a colleague, use "
            "`/buddy pair`.",
            PAIR_EXAMPLE,
        )


def _check_new_group(
    session: Session,
    members: Sequence[Participant],
    profiles: dict[str, Profile],
    example: str,
    caller: Participant | None,
) -> None:
    if len(members) > LARGEST_GROUP:
        raise Refusal("A trio is the largest buddy group.", example)
    for member in members:
        profile = profiles.get(member.user_id)
        if member.is_bot or (profile is not None and profile.is_bot):
            raise Refusal(
                "{0} is a bot, and bots make quiet buddies. Please choose a colleague.",
                example,
                people=[member.user_id],
            )
        if profile is not None and profile.deleted:
            raise Refusal(
                f"{{0}} is no longer active in {platform_name(member.team_id)}.",
                example,
                people=[member.user_id],
            )
    already = {
        m.participant_id: m.pair_id
        for m in session.scalars(
            select(PairMember)
            .join(Pair, Pair.id == PairMember.pair_id)
            .where(
                PairMember.participant_id.in_([m.id for m in members]),
                Pair.dissolved_at.is_(None),
            )
        )
    }
    for member in members:
        if member.id not in already:
            continue
        if caller is not None and member.id == caller.id:
            raise _already_paired()
        raise Refusal(
            "{0} is already in a buddy pair. You could ask to join them as a trio (one of them "
            "can `/buddy unpair`, then pair all three), or choose someone else.",
            "pair @Sam @Alex",
            people=[member.user_id],
        )


def _create_pair(
    session: Session, members: Sequence[Participant], formed_by: str, now: datetime
) -> Pairing:
    cohort = cohort_of(session, members[0], now)
    pair = Pair(
        team_id=members[0].team_id, cohort_id=cohort.id, formed_by=formed_by, created_at=now
    )
    try:
        # Two requests can race for the same buddy: the unique membership decides.
        with session.begin_nested():
            session.add(pair)
            session.flush()
            session.add_all(
                PairMember(pair_id=pair.id, participant_id=m.id, joined_at=now) for m in members
            )
            session.flush()
    except IntegrityError as error:
        # Where rows are not locked (SQLite), the other request may have paired these very
        # people a moment ago: that is the pair asked for, not a failure.
        existing = together(session, members)
        if existing is not None:
            return Pairing(existing, formed=False)
        raise Refusal(
            "One of you was paired with someone else a moment ago. Please check with "
            "`/buddy status` and try again.",
            "status",
        ) from error
    return Pairing(pair, formed=True)


def form_pair(
    session: Session,
    caller: Participant,
    buddies: Sequence[Participant],
    profiles: Sequence[Profile],
    now: datetime,
) -> Pairing:
    """`/buddy pair`: the caller and one or two buddies become a pair or trio, unless they are
    one already (then nothing changes).

    Lock the people first (`remember_profiles` does) so that a request racing this one is
    decided after it, on what it wrote."""
    if not buddies:
        raise Refusal("Please mention your buddy.", PAIR_EXAMPLE)
    check_can_pair(session, caller.user_id, [b.user_id for b in buddies], caller)
    members = [caller, *buddies]
    existing = together(session, members)
    if existing is not None:
        return Pairing(existing, formed=False)
    _check_new_group(session, members, {p.user_id: p for p in profiles}, "pair @Sam @Alex", caller)
    return _create_pair(session, members, caller.user_id, now)


def match_pair(
    session: Session,
    actor_user_id: str,
    actor_is_facilitator: bool,
    members: Sequence[Participant],
    profiles: Sequence[Profile],
    now: datetime,
    cohort: Cohort | None = None,
) -> Pairing:
    """`/buddy match`: a facilitator pairs (or trios) other participants, unless they are one
    already. Matched in a cohort's channel (`cohort`), they join that cohort with their pair."""
    check_can_match(actor_is_facilitator)
    if len(members) < 2:
        raise Refusal("Please mention two or three people to pair.", MATCH_EXAMPLE)
    existing = together(session, members)
    if existing is not None:
        return Pairing(existing, formed=False)
    _check_new_group(session, members, {p.user_id: p for p in profiles}, MATCH_EXAMPLE, None)
    if cohort is not None:
        for member in members:
            member.cohort_id = cohort.id
    return _create_pair(session, members, actor_user_id, now)


@dataclass(frozen=True)
class Unpaired:
    pair: Pair
    leaver: Participant
    remaining: list[Participant]
    dissolved: bool  # a pair ends; a trio carries on as a pair


def unpair(session: Session, caller: Participant, now: datetime) -> Unpaired:
    """The caller leaves; a pair of two ends, a trio carries on as a pair."""
    pair = require_pair(session, caller)
    members = members_of(session, pair)
    remaining = [m for m in members if m.id != caller.id]
    dissolved = len(remaining) < 2
    leaving_ids = [m.id for m in members] if dissolved else [caller.id]
    session.execute(
        delete(PairMember).where(
            PairMember.pair_id == pair.id, PairMember.participant_id.in_(leaving_ids)
        )
    )
    if dissolved:
        pair.dissolved_at = now
    # The old group DM includes whoever left: the next message opens a new one.
    pair.group_channel_id = None
    session.flush()
    return Unpaired(pair=pair, leaver=caller, remaining=remaining, dissolved=dissolved)


# -- slot, backup and format -----------------------------------------------------------------


def set_slot(
    session: Session,
    caller: Participant,
    weekday: int,
    at: time,
    zone: str,
    from_date: date | None,
    now: datetime,
) -> Pair:
    """The pair's fortnightly slot; the first meeting is on `from_date` or the next such day.

    Changes recorded against the old slot's future meetings no longer mean anything: dropped.
    """
    pair = require_pair(session, caller)
    today = now.astimezone(ZoneInfo(zone)).date()
    if from_date is not None and from_date < today:
        raise Refusal(
            f"{format_day(from_date, today)} has already passed. Please start from today or later.",
            f"slot {format_weekday(weekday)[:3].lower()} {format_time(at)} from "
            f"{format_day(first_slot_date(weekday, today))}",
        )
    first = first_slot_date(weekday, from_date or today)
    if local_instant(first, at, zone) <= now:
        first += timedelta(days=7)
    session.execute(
        delete(MeetingChange).where(
            MeetingChange.pair_id == pair.id, MeetingChange.original_date >= today
        )
    )
    pair.slot_weekday = weekday
    pair.slot_time = at
    pair.slot_timezone = zone
    pair.slot_first_date = first
    pair.slot_set_at = now
    session.flush()
    return pair


def set_backup(session: Session, caller: Participant, weekday: int, at: time) -> Pair:
    """The alternative slot, read in the main slot's zone, offered when a meeting is skipped."""
    pair = require_pair(session, caller)
    if not has_slot(pair):
        raise Refusal(
            "Please agree your main fortnightly slot first; the backup is its alternative.",
            SLOT_EXAMPLE,
        )
    pair.backup_weekday = weekday
    pair.backup_time = at
    session.flush()
    return pair


def set_format(session: Session, caller: Participant, kind: str, detail: str | None) -> Pair:
    if kind not in (IN_PERSON, VIDEO):
        raise Refusal("Please say `in-person` or `video`.", FORMAT_EXAMPLE)
    pair = require_pair(session, caller)
    pair.format_kind = kind
    pair.format_detail = detail
    session.flush()
    return pair
