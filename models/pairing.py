"""Forming and changing buddy pairs: who may, and what each change does to the meetings.

Each function checks everything before it writes anything and raises `PairingError` with a
message for the person and a correct example, so a refused change never leaves half a change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.directory import cohort_of, ensure_participant
from models.grammar import (
    BACKUP_EXAMPLE,
    FORMAT_EXAMPLE,
    IN_PERSON,
    MATCH_EXAMPLE,
    MOVE_EXAMPLE,
    PAIR_EXAMPLE,
    SKIP_EXAMPLE,
    SLOT_EXAMPLE,
    VIDEO,
    format_day,
    format_time,
)
from models.occurrences import (
    MOVED,
    SKIPPED,
    Meeting,
    first_slot_date,
    has_slot,
    load_schedule_contexts,
    local_instant,
    meeting_on,
    meetings_between,
)
from models.pairs import MeetingChange, Pair, PairMember
from models.people import DEFAULT_COHORT_TIMEZONE, Participant

LARGEST_GROUP = 3
# How far ahead `move` and `skip` look for the meeting named by its date.
MEETING_SEARCH_AHEAD = timedelta(days=400)


class PairingError(Exception):
    """A refused change, in words for the person who asked, with a correct example."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


@dataclass(frozen=True)
class SlackProfile:
    """What Slack's users.info says about a person, as far as pairing cares."""

    user_id: str
    timezone: str | None
    is_bot: bool
    deleted: bool = False


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


def members_of(session: Session, pair: Pair) -> list[Participant]:
    return members_by_pair(session, [pair.id])[pair.id]


def zone_of(participant: Participant, fallback: str = DEFAULT_COHORT_TIMEZONE) -> str:
    """The zone a participant sees times in: their Slack profile's, else the cohort's."""
    return participant.timezone or fallback


def remember_profiles(
    session: Session, team_id: str, profiles: Sequence[SlackProfile], now: datetime
) -> dict[str, Participant]:
    """Participants for these Slack users, with their zone and bot flag cached from Slack."""
    found: dict[str, Participant] = {}
    for profile in profiles:
        participant = ensure_participant(session, team_id, profile.user_id, now)
        if profile.timezone:
            participant.timezone = profile.timezone
        participant.is_bot = profile.is_bot
        found[profile.user_id] = participant
    session.flush()
    return found


def require_pair(session: Session, caller: Participant) -> Pair:
    """The caller's pair; only its members change it."""
    pair = pair_of(session, caller)
    if pair is None:
        raise PairingError(
            "You're not in a buddy pair yet, so there is nothing of a pair's to change.",
            PAIR_EXAMPLE,
        )
    return pair


# -- forming and leaving ---------------------------------------------------------------------


def _check_new_group(
    session: Session,
    members: Sequence[Participant],
    profiles: dict[str, SlackProfile],
    example: str,
    caller: Participant | None,
) -> None:
    if len(members) > LARGEST_GROUP:
        raise PairingError("A trio is the largest buddy group.", example)
    for member in members:
        profile = profiles.get(member.slack_user_id)
        if member.is_bot or (profile is not None and profile.is_bot):
            raise PairingError(
                f"<@{member.slack_user_id}> is a bot, and bots make quiet buddies. "
                "Please choose a colleague.",
                example,
            )
        if profile is not None and profile.deleted:
            raise PairingError(
                f"<@{member.slack_user_id}> is no longer active in this Slack.", example
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
            raise PairingError(
                "You're already in a buddy pair. To change buddy, leave it first with "
                "`/buddy unpair`.",
                "/buddy unpair",
            )
        raise PairingError(
            f"<@{member.slack_user_id}> is already in a buddy pair. You could ask to join them "
            "as a trio (one of them can `/buddy unpair`, then pair all three), or choose "
            "someone else.",
            "/buddy pair @Sam @Alex",
        )


def _create_pair(
    session: Session, members: Sequence[Participant], formed_by: str, now: datetime
) -> Pair:
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
        raise PairingError(
            "One of you was paired with someone else a moment ago. Please check with "
            "`/buddy status` and try again.",
            "/buddy status",
        ) from error
    return pair


def form_pair(
    session: Session,
    caller: Participant,
    buddies: Sequence[Participant],
    profiles: Sequence[SlackProfile],
    now: datetime,
) -> Pair:
    """`/buddy pair`: the caller and one or two buddies become a pair or trio."""
    if not buddies:
        raise PairingError("Please mention your buddy.", PAIR_EXAMPLE)
    if any(b.id == caller.id for b in buddies):
        raise PairingError(
            "You can't be your own buddy, however good the company. Please mention a colleague.",
            PAIR_EXAMPLE,
        )
    members = [caller, *buddies]
    _check_new_group(
        session, members, {p.user_id: p for p in profiles}, "/buddy pair @Sam @Alex", caller
    )
    return _create_pair(session, members, caller.slack_user_id, now)


def match_pair(
    session: Session,
    actor_user_id: str,
    actor_is_facilitator: bool,
    members: Sequence[Participant],
    profiles: Sequence[SlackProfile],
    now: datetime,
) -> Pair:
    """`/buddy match`: a facilitator pairs (or trios) other participants."""
    if not actor_is_facilitator:
        raise PairingError(
            "Only facilitators can pair other people. To pair yourself with a colleague, use "
            "`/buddy pair`.",
            PAIR_EXAMPLE,
        )
    if len(members) < 2:
        raise PairingError("Please mention two or three people to pair.", MATCH_EXAMPLE)
    _check_new_group(session, members, {p.user_id: p for p in profiles}, MATCH_EXAMPLE, None)
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
        raise PairingError(
            f"{format_day(from_date, today)} has already passed. Please start from today or later.",
            f"/buddy slot {_weekday_word(weekday)} {format_time(at)} from "
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
        raise PairingError(
            "Please agree your main fortnightly slot first; the backup is its alternative.",
            SLOT_EXAMPLE,
        )
    pair.backup_weekday = weekday
    pair.backup_time = at
    session.flush()
    return pair


def set_format(session: Session, caller: Participant, kind: str, detail: str | None) -> Pair:
    if kind not in (IN_PERSON, VIDEO):
        raise PairingError("Please say `in-person` or `video`.", FORMAT_EXAMPLE)
    pair = require_pair(session, caller)
    pair.format_kind = kind
    pair.format_detail = detail
    session.flush()
    return pair


# -- single meetings -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingMove:
    before: Meeting
    after: Meeting


def _upcoming(session: Session, pair: Pair, now: datetime) -> list[Meeting]:
    context = load_schedule_contexts(session, [pair])[pair.id]
    return meetings_between(
        pair,
        context.changes,
        context.breaks,
        context.cohort_timezone,
        now,
        now + MEETING_SEARCH_AHEAD,
        include_skipped=True,
    )


def _find_meeting(
    session: Session,
    pair: Pair,
    which: date | None,
    viewer_zone: str,
    now: datetime,
    example: str,
    skipped_ok: bool,
) -> Meeting:
    if not has_slot(pair):
        raise PairingError(
            "Your pair has no fortnightly slot yet, so there are no meetings to change.",
            SLOT_EXAMPLE,
        )
    upcoming = _upcoming(session, pair, now)
    today = now.astimezone(ZoneInfo(viewer_zone)).date()
    if which is None:
        candidates = [m for m in upcoming if skipped_ok or not m.skipped]
        if not candidates:
            raise PairingError("You have no meetings coming up to change.", example)
        return candidates[0]
    for meeting in upcoming:
        if which in (meeting.original_date, meeting.local_start(viewer_zone).date()):
            return meeting
    if which < today:
        raise PairingError(f"{format_day(which, today)} has already passed.", example)
    following = [m for m in upcoming if not m.skipped]
    hint = (
        f" Your next one is {format_day(following[0].local_start(viewer_zone).date(), today)}."
        if following
        else ""
    )
    raise PairingError(f"You don't have a meeting on {format_day(which, today)}.{hint}", example)


def _upsert_change(
    session: Session,
    pair: Pair,
    original_date: date,
    kind: str,
    new_start: datetime | None,
    solo: bool,
    reason: str | None,
    by: str,
    now: datetime,
) -> None:
    change = session.scalar(
        select(MeetingChange).where(
            MeetingChange.pair_id == pair.id, MeetingChange.original_date == original_date
        )
    )
    if change is None:
        change = MeetingChange(pair_id=pair.id, original_date=original_date)
        session.add(change)
    change.kind = kind
    change.new_start = new_start
    change.solo = solo
    # A later change of the same meeting keeps the reason given when it was skipped.
    if reason is not None or kind != SKIPPED:
        change.reason = reason
    change.changed_by = by
    change.changed_at = now
    session.flush()


def _reloaded(session: Session, pair: Pair, original_date: date) -> Meeting:
    context = load_schedule_contexts(session, [pair])[pair.id]
    meeting = meeting_on(
        pair, context.changes, context.breaks, context.cohort_timezone, original_date
    )
    assert meeting is not None
    return meeting


def _move_to(
    session: Session,
    pair: Pair,
    meeting: Meeting,
    new_start: datetime,
    viewer_zone: str,
    by: str,
    now: datetime,
    example: str,
) -> MeetingMove:
    today = now.astimezone(ZoneInfo(viewer_zone)).date()
    local = new_start.astimezone(ZoneInfo(viewer_zone))
    when = f"{format_day(local.date(), today)} at {format_time(local.time())}"
    if new_start <= now:
        raise PairingError(f"{when} has already passed. Please choose a time ahead.", example)
    context = load_schedule_contexts(session, [pair])[pair.id]
    cohort_day = new_start.astimezone(ZoneInfo(context.cohort_timezone)).date()
    for cohort_break in context.breaks:
        if cohort_break.start_date <= cohort_day <= cohort_break.end_date:
            raise PairingError(
                f"{when} falls in the cohort's break ({cohort_break.name}, "
                f"{format_day(cohort_break.start_date, today)} to "
                f"{format_day(cohort_break.end_date, today)}). Please choose another day.",
                example,
            )
    if new_start == meeting.start and not meeting.skipped:
        raise PairingError(f"Your meeting is already on {when}.", example)
    for other in _upcoming(session, pair, now):
        clash = abs(other.start - new_start) < timedelta(hours=1)
        if other.original_date != meeting.original_date and not other.skipped and clash:
            raise PairingError(f"You already have a meeting on {when}.", example)
    assert pair.slot_time is not None and pair.slot_timezone is not None
    if new_start == local_instant(meeting.original_date, pair.slot_time, pair.slot_timezone):
        # Back where the slot put it: no change left to remember.
        session.execute(
            delete(MeetingChange).where(
                MeetingChange.pair_id == pair.id,
                MeetingChange.original_date == meeting.original_date,
            )
        )
        session.flush()
    else:
        _upsert_change(session, pair, meeting.original_date, MOVED, new_start, False, None, by, now)
    return MeetingMove(before=meeting, after=_reloaded(session, pair, meeting.original_date))


def move_meeting(
    session: Session,
    caller: Participant,
    which: date | None,
    to_date: date,
    at: time | None,
    viewer_zone: str,
    now: datetime,
) -> MeetingMove:
    """Move one meeting: the next one, or the one on `which`; `at` is in the caller's zone.

    Without a time the meeting keeps its usual clock time in the slot's zone.
    """
    pair = require_pair(session, caller)
    meeting = _find_meeting(session, pair, which, viewer_zone, now, MOVE_EXAMPLE, skipped_ok=False)
    if at is None:
        new_start = local_instant(to_date, meeting.local_start().time(), meeting.timezone)
    else:
        new_start = local_instant(to_date, at, viewer_zone)
    return _move_to(
        session, pair, meeting, new_start, viewer_zone, caller.slack_user_id, now, MOVE_EXAMPLE
    )


def skip_meeting(
    session: Session,
    caller: Participant,
    which: date | None,
    reason: str | None,
    viewer_zone: str,
    now: datetime,
) -> Meeting:
    """Skip one meeting (the next by default); the pair is then offered backup or solo."""
    pair = require_pair(session, caller)
    meeting = _find_meeting(session, pair, which, viewer_zone, now, SKIP_EXAMPLE, skipped_ok=True)
    if meeting.skipped:
        today = now.astimezone(ZoneInfo(viewer_zone)).date()
        raise PairingError(
            f"The meeting on {format_day(meeting.local_start(viewer_zone).date(), today)} "
            "is already skipped.",
            SKIP_EXAMPLE,
        )
    _upsert_change(
        session,
        pair,
        meeting.original_date,
        SKIPPED,
        None,
        False,
        (reason or "")[:500] or None,
        caller.slack_user_id,
        now,
    )
    return _reloaded(session, pair, meeting.original_date)


def backup_start_for(pair: Pair, meeting: Meeting, now: datetime) -> datetime | None:
    """Where the backup slot puts a skipped or moved meeting: the first backup day-and-time
    from its original date on, before the next fortnightly meeting, and still ahead of us."""
    if pair.backup_weekday is None or pair.backup_time is None or pair.slot_timezone is None:
        return None
    day = first_slot_date(pair.backup_weekday, meeting.original_date)
    while day < meeting.original_date + timedelta(days=14):
        start = local_instant(day, pair.backup_time, pair.slot_timezone)
        if start > now and start != meeting.start:
            return start
        day += timedelta(days=7)
    return None


def _member_pair_meeting(
    session: Session, caller: Participant, pair_id: int, original_date: date
) -> tuple[Pair, Meeting]:
    pair = pair_of(session, caller)
    if pair is None or pair.id != pair_id:
        raise PairingError("Only the pair's own members can change its meetings.")
    context = load_schedule_contexts(session, [pair])[pair.id]
    meeting = meeting_on(
        pair, context.changes, context.breaks, context.cohort_timezone, original_date
    )
    if meeting is None:
        raise PairingError("That meeting is no longer on your pair's calendar.")
    return pair, meeting


def meet_at_backup(
    session: Session,
    caller: Participant,
    pair_id: int,
    original_date: date,
    viewer_zone: str,
    now: datetime,
) -> MeetingMove:
    """The button offered after a skip: hold that meeting at the backup slot instead."""
    pair, meeting = _member_pair_meeting(session, caller, pair_id, original_date)
    start = backup_start_for(pair, meeting, now)
    if start is None:
        raise PairingError(
            "Your pair has no backup slot free before the next meeting. Set one, or move the "
            "meeting to a day that suits you both.",
            BACKUP_EXAMPLE,
        )
    return _move_to(
        session, pair, meeting, start, viewer_zone, caller.slack_user_id, now, MOVE_EXAMPLE
    )


def practise_solo(
    session: Session, caller: Participant, pair_id: int, original_date: date, now: datetime
) -> Meeting:
    """The other button: the meeting stays skipped and each buddy practises on their own."""
    pair, meeting = _member_pair_meeting(session, caller, pair_id, original_date)
    if meeting.start <= now and not meeting.skipped:
        raise PairingError("That meeting has already happened.")
    _upsert_change(
        session, pair, original_date, SKIPPED, None, True, None, caller.slack_user_id, now
    )
    return _reloaded(session, pair, original_date)


def _weekday_word(weekday: int) -> str:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[weekday]
