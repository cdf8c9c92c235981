"""Changing single meetings: move, skip, meet at the backup slot, or practise solo.

Each rule checks everything before it writes anything, so a refused change leaves none. Each
reads the pair's schedule (its changes, the cohort's breaks and zone) once, and works out the
meeting before and after the change from that one read: a command costs the same few statements
however many meetings the pair has moved. After a
skip, the first buddy to choose (backup slot or solo practice) decides; a later press from the
other buddy's older copy of the offer is refused with what was chosen (`ChosenByBuddy`), and
changes it only when they ask to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.grammar import (
    BACKUP_EXAMPLE,
    MOVE_EXAMPLE,
    SKIP_EXAMPLE,
    SLOT_EXAMPLE,
    format_day,
    format_time,
)
from models.meetings.records import Choice, ChosenByBuddy
from models.meetings.schedule import (
    MOVED,
    SKIPPED,
    Meeting,
    ScheduleContext,
    first_slot_date,
    has_slot,
    load_schedule_contexts,
    local_instant,
    meeting_on,
    meetings_between,
)
from models.meetings.tables import MeetingChange
from models.pairs import Pair, pair_of, require_pair
from models.people import Participant
from models.refusals import Refusal

# How far ahead `move` and `skip` look for the meeting named by its date.
MEETING_SEARCH_AHEAD = timedelta(days=400)
# What a buddy chose for a skipped meeting.
SOLO_CHOICE = "solo"
MOVED_CHOICE = "moved"

# -- single meetings -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingMove:
    before: Meeting
    after: Meeting
    # The buddy's choice this move replaced, when the caller asked to change it.
    replaced: Choice | None = None


@dataclass(frozen=True)
class SoloPractice:
    """A skipped meeting each buddy practises for alone; and the buddy's choice it replaced."""

    meeting: Meeting
    replaced: Choice | None = None


def _schedule(session: Session, pair: Pair) -> ScheduleContext:
    """The pair's schedule, read once per rule and kept up to date by the rule's own writes."""
    return load_schedule_contexts(session, [pair])[pair.id]


def _upcoming(pair: Pair, context: ScheduleContext, now: datetime) -> list[Meeting]:
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
    context: ScheduleContext,
    pair: Pair,
    which: date | None,
    viewer_zone: str,
    now: datetime,
    example: str,
    skipped_ok: bool,
) -> Meeting:
    if not has_slot(pair):
        raise Refusal(
            "Your pair has no fortnightly slot yet, so there are no meetings to change.",
            SLOT_EXAMPLE,
        )
    upcoming = _upcoming(pair, context, now)
    today = now.astimezone(ZoneInfo(viewer_zone)).date()
    if which is None:
        candidates = [m for m in upcoming if skipped_ok or not m.skipped]
        if not candidates:
            raise Refusal("You have no meetings coming up to change.", example)
        return candidates[0]
    for meeting in upcoming:
        if which in (meeting.original_date, meeting.local_start(viewer_zone).date()):
            return meeting
    if which < today:
        raise Refusal(f"{format_day(which, today)} has already passed.", example)
    following = [m for m in upcoming if not m.skipped]
    hint = (
        f" Your next one is {format_day(following[0].local_start(viewer_zone).date(), today)}."
        if following
        else ""
    )
    raise Refusal(f"You don't have a meeting on {format_day(which, today)}.{hint}", example)


def _upsert_change(
    session: Session,
    context: ScheduleContext,
    pair: Pair,
    original_date: date,
    kind: str,
    new_start: datetime | None,
    solo: bool,
    reason: str | None,
    by: str,
    now: datetime,
) -> None:
    change = _change_on(context, original_date)
    if change is None:
        change = MeetingChange(pair_id=pair.id, original_date=original_date)
        session.add(change)
        context.changes.append(change)
    change.kind = kind
    change.new_start = new_start
    change.solo = solo
    # A later change of the same meeting keeps the reason given when it was skipped.
    if reason is not None or kind != SKIPPED:
        change.reason = reason
    change.changed_by = by
    change.changed_at = now
    session.flush()


def _change_on(context: ScheduleContext, original_date: date) -> MeetingChange | None:
    return next((c for c in context.changes if c.original_date == original_date), None)


def _reloaded(pair: Pair, context: ScheduleContext, original_date: date) -> Meeting:
    """The meeting as the rule's write left it, from the schedule it keeps up to date."""
    meeting = meeting_on(
        pair, context.changes, context.breaks, context.cohort_timezone, original_date
    )
    assert meeting is not None
    return meeting


def _move_to(
    session: Session,
    context: ScheduleContext,
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
        raise Refusal(f"{when} has already passed. Please choose a time ahead.", example)
    cohort_day = new_start.astimezone(ZoneInfo(context.cohort_timezone)).date()
    for cohort_break in context.breaks:
        if cohort_break.start_date <= cohort_day <= cohort_break.end_date:
            raise Refusal(
                f"{when} falls in the cohort's break ({cohort_break.name}, "
                f"{format_day(cohort_break.start_date, today)} to "
                f"{format_day(cohort_break.end_date, today)}). Please choose another day.",
                example,
            )
    if new_start == meeting.start and not meeting.skipped:
        raise Refusal(f"Your meeting is already on {when}.", example)
    for other in _upcoming(pair, context, now):
        clash = abs(other.start - new_start) < timedelta(hours=1)
        if other.original_date != meeting.original_date and not other.skipped and clash:
            raise Refusal(f"You already have a meeting on {when}.", example)
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
        context.changes[:] = [
            c for c in context.changes if c.original_date != meeting.original_date
        ]
    else:
        _upsert_change(
            session, context, pair, meeting.original_date, MOVED, new_start, False, None, by, now
        )
    return MeetingMove(before=meeting, after=_reloaded(pair, context, meeting.original_date))


def move_meeting(
    session: Session,
    caller: Participant,
    which: date | None,
    to_date: date,
    at: time | None,
    viewer_zone: str,
    now: datetime,
    *,
    pair: Pair | None = None,
) -> MeetingMove:
    """Move one meeting: the next one, or the one on `which`; `at` is in the caller's zone.

    Without a time the meeting keeps its usual clock time in the slot's zone. `pair`: the
    caller's pair, when the handler has read it already.
    """
    pair = pair or require_pair(session, caller)
    context = _schedule(session, pair)
    meeting = _find_meeting(context, pair, which, viewer_zone, now, MOVE_EXAMPLE, skipped_ok=False)
    if at is None:
        new_start = local_instant(to_date, meeting.local_start().time(), meeting.timezone)
    else:
        new_start = local_instant(to_date, at, viewer_zone)
    return _move_to(
        session, context, pair, meeting, new_start, viewer_zone, caller.user_id, now, MOVE_EXAMPLE
    )


def skip_meeting(
    session: Session,
    caller: Participant,
    which: date | None,
    reason: str | None,
    viewer_zone: str,
    now: datetime,
    *,
    pair: Pair | None = None,
) -> Meeting:
    """Skip one meeting (the next by default); the pair is then offered backup or solo.
    `pair`: the caller's pair, when the handler has read it already."""
    pair = pair or require_pair(session, caller)
    context = _schedule(session, pair)
    meeting = _find_meeting(context, pair, which, viewer_zone, now, SKIP_EXAMPLE, skipped_ok=True)
    if meeting.skipped:
        today = now.astimezone(ZoneInfo(viewer_zone)).date()
        raise Refusal(
            f"The meeting on {format_day(meeting.local_start(viewer_zone).date(), today)} "
            "is already skipped.",
            SKIP_EXAMPLE,
        )
    _upsert_change(
        session,
        context,
        pair,
        meeting.original_date,
        SKIPPED,
        None,
        False,
        (reason or "")[:500] or None,
        caller.user_id,
        now,
    )
    return _reloaded(pair, context, meeting.original_date)


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


def meeting_choice(session: Session, pair_id: int, original_date: date) -> Choice | None:
    """What a buddy chose for the meeting after it was skipped: solo practice or another time
    (the backup slot or a move); None while it is skipped with no choice, or unchanged."""
    change = session.scalar(
        select(MeetingChange).where(
            MeetingChange.pair_id == pair_id, MeetingChange.original_date == original_date
        )
    )
    return _choice(change)


def _choice(change: MeetingChange | None) -> Choice | None:
    if change is None:
        return None
    if change.kind == MOVED:
        return Choice(MOVED_CHOICE, change.changed_by, change.new_start)
    if change.kind == SKIPPED and change.solo:
        return Choice(SOLO_CHOICE, change.changed_by)
    return None


def _at_backup(pair: Pair, meeting: Meeting) -> bool:
    """Whether the meeting was moved to a backup day and time."""
    if not meeting.moved or pair.backup_weekday is None or pair.backup_time is None:
        return False
    local = meeting.local_start()
    return local.weekday() == pair.backup_weekday and local.time() == pair.backup_time


def _unless_buddys(
    choice: Choice | None, caller: Participant, change_buddys_choice: bool
) -> Choice | None:
    """A choice the buddy made stands unless the caller asked to change it; returns the
    buddy's choice that the caller's replaces."""
    if choice is None or choice.by == caller.user_id:
        return None
    if not change_buddys_choice:
        raise ChosenByBuddy(choice, same=False)
    return choice


def _member_pair_meeting(
    session: Session, caller: Participant, pair_id: int, original_date: date
) -> tuple[Pair, ScheduleContext, Meeting]:
    pair = pair_of(session, caller)
    if pair is None or pair.id != pair_id:
        raise Refusal("Only the pair's own members can change its meetings.")
    context = _schedule(session, pair)
    meeting = meeting_on(
        pair, context.changes, context.breaks, context.cohort_timezone, original_date
    )
    if meeting is None:
        raise Refusal("That meeting is no longer on your pair's calendar.")
    return pair, context, meeting


def meet_at_backup(
    session: Session,
    caller: Participant,
    pair_id: int,
    original_date: date,
    viewer_zone: str,
    now: datetime,
    *,
    change_buddys_choice: bool = False,
) -> MeetingMove:
    """The button offered after a skip: hold that meeting at the backup slot instead."""
    pair, context, meeting = _member_pair_meeting(session, caller, pair_id, original_date)
    choice = _choice(_change_on(context, original_date))
    if choice is not None and choice.kind == MOVED_CHOICE and _at_backup(pair, meeting):
        if choice.by == caller.user_id or change_buddys_choice:
            return MeetingMove(before=meeting, after=meeting)  # already there: a double click
        raise ChosenByBuddy(choice, same=True)
    replaced = _unless_buddys(choice, caller, change_buddys_choice)
    start = backup_start_for(pair, meeting, now)
    if start is None:
        raise Refusal(
            "Your pair has no backup slot free before the next meeting. Set one, or move the "
            "meeting to a day that suits you all.",
            BACKUP_EXAMPLE,
        )
    moved = _move_to(
        session, context, pair, meeting, start, viewer_zone, caller.user_id, now, MOVE_EXAMPLE
    )
    return MeetingMove(moved.before, moved.after, replaced)


def practise_solo(
    session: Session,
    caller: Participant,
    pair_id: int,
    original_date: date,
    now: datetime,
    *,
    change_buddys_choice: bool = False,
) -> SoloPractice:
    """The other button: the meeting stays skipped and each buddy practises on their own."""
    pair, context, meeting = _member_pair_meeting(session, caller, pair_id, original_date)
    if meeting.start <= now and not meeting.skipped:
        raise Refusal("That meeting has already happened.")
    choice = _choice(_change_on(context, original_date))
    if choice is not None and choice.kind == SOLO_CHOICE:
        if choice.by == caller.user_id or change_buddys_choice:
            return SoloPractice(meeting)  # already solo: a double click
        raise ChosenByBuddy(choice, same=True)
    replaced = _unless_buddys(choice, caller, change_buddys_choice)
    _upsert_change(
        session, context, pair, original_date, SKIPPED, None, True, None, caller.user_id, now
    )
    return SoloPractice(_reloaded(pair, context, original_date), replaced)
