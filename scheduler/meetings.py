"""The nudges around each meeting: prep two days before, a reminder 15 minutes before, a
check-in an hour after it ends and one follow-up; and the weekly ask to agree a slot.

Days are counted on the calendar at the same wall-clock time (`days_from`), in the slot's zone
for a meeting's nudges: "two days before" a Monday 16:00 meeting is Saturday 16:00 whatever the
clocks did on Sunday. Minutes and hours (the reminder, the check-in) are elapsed time.

Each planner reads the pairs' current state, so a moved, skipped or answered meeting simply stops
planning its old nudges (and the outbox records any such pending one as skipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.views.meetings import (
    build_checkin_message,
    build_prep_message,
    build_reminder_message,
    build_slot_nudge_message,
)
from models.calendar.modules import FORTNIGHT
from models.deliveries import meeting_subject, sent_times, sent_to_pairs
from models.meetings.context import PairContext, SentPrep, load_pair_contexts
from models.meetings.schedule import MEETING_LENGTH, Meeting, days_from, follow_up_due
from models.pairs import Pair, members_by_pair
from models.pauses import paused_on, pauses_by_person
from models.people import Cohort
from models.quiet_hours import event_working_days, parse_working_days
from scheduler.planning import (
    Holding,
    PairTarget,
    PlannedDelivery,
    Scope,
    Subjects,
    planned_until,
)

PREP_DAYS_BEFORE = 2
# A prep nudge that could only go this close to its meeting would land with the reminder: it is
# skipped, and the reminder carries its module line instead (one message, not a burst of two).
PREP_LAST_BEFORE = timedelta(hours=1)
REMINDER_BEFORE = timedelta(minutes=15)
CHECKIN_AFTER_END = timedelta(hours=1)
CHECKIN_FOLLOW_UP_DAYS = 2
# How far back a pass looks: a nudge missed during an outage this long goes out late.
LOOKBACK_DAYS = 7
LOOKBACK = timedelta(days=LOOKBACK_DAYS)
SLOT_NUDGE_FIRST_DAYS = 3
SLOT_NUDGE_EVERY_DAYS = 7
SLOT_NUDGE_TIMES = 3
# Margins for the windows a pass reads: a calendar day is at most 25 hours.
_DAYS_MARGIN = timedelta(days=1)


def pair_target(context: PairContext) -> PairTarget:
    return PairTarget(context.pair.id, tuple(m.user_id for m in context.members))


def pair_holding(context: PairContext, meeting: Meeting) -> Holding:
    """Quiet hours, breaks and the cohort's rest days hold a meeting's nudges; the rest days
    not when the meeting itself is on one (the pair chose to meet then)."""
    zones = context.member_zones
    return Holding(
        zones=zones,
        fallback_zone=context.slot_zone,
        spans=context.break_spans,
        spans_zone=context.cohort.timezone,
        working_days=event_working_days(
            meeting.start, zones, parse_working_days(context.cohort.working_days)
        ),
    )


def describe(context: PairContext) -> str:
    return f"pair {context.pair.id} (" + ", ".join(m.user_id for m in context.members) + ")"


def meeting_key(kind: str, meeting: Meeting) -> str:
    return f"{kind}:pair={meeting.pair_id}:meeting={meeting.original_date.isoformat()}" + (
        f":at={meeting.start.strftime('%Y%m%dT%H%MZ')}"
    )


def meeting_start_of(key: str) -> datetime:
    """The meeting's start as its nudge's key names it (`meeting_key`'s `:at=`)."""
    return datetime.strptime(key.rsplit(":at=", 1)[1] + "+0000", "%Y%m%dT%H%MZ%z")


def plan_meeting_nudges(
    session: Session, now: datetime, scope: Scope | None = None, *, only: Subjects | None = None
) -> Sequence[PlannedDelivery]:
    """Prep, reminder, check-in and follow-up for every meeting near `now` (with a scope: the
    person's pairs' meetings, up to their preview's end; `only`: the pairs a pass has due)."""
    if only is not None and not only.pair_ids:
        return []
    start = (
        now
        - timedelta(days=LOOKBACK_DAYS + CHECKIN_FOLLOW_UP_DAYS)
        - MEETING_LENGTH
        - CHECKIN_AFTER_END
        - _DAYS_MARGIN
    )
    end = planned_until(now, scope) + timedelta(days=PREP_DAYS_BEFORE) + _DAYS_MARGIN
    planned: list[PlannedDelivery] = []
    pair_ids = scope.pair_ids if scope is not None else None
    if only is not None:
        pair_ids = tuple(sorted(only.pair_ids))
    members = scope.members_of(scope.pair_ids) if scope is not None else None
    contexts = [
        c
        for c in load_pair_contexts(
            session, start, end, pair_ids, members=members, drawn=scope is None
        )
        if len(c.members) >= 2
    ]
    pauses = pauses_by_person(
        session, [m.person for c in contexts for m in c.members], start.date()
    )
    # A meeting on a day one of the pair is paused is not held: the buddy was offered solo
    # practice for it, so none of its nudges go.
    due: list[tuple[PairContext, Meeting]] = [
        (context, meeting)
        for context in contexts
        for meeting in context.meetings
        if not meeting.skipped
        and not context.after_cohort_end(meeting)
        and not any(paused_on(pauses.get(m.person, ()), meeting.start) for m in context.members)
    ]
    checkins_sent = sent_times(session, [meeting_key("checkin", m) for _, m in due])
    preps_sent = [
        SentPrep(row.pair_id, row.subject, meeting_start_of(row.key))
        for row in sent_to_pairs(session, "prep", [c.pair.id for c in contexts], start - FORTNIGHT)
        if row.pair_id is not None and row.subject is not None
    ]
    for context, meeting in due:
        checkin_sent = checkins_sent.get(meeting_key("checkin", meeting))
        prepped = context.prep_already_sent(meeting, preps_sent)
        planned.extend(_for_meeting(context, meeting, checkin_sent, prepped))
    return planned


def _for_meeting(
    context: PairContext, meeting: Meeting, checkin_sent: datetime | None, prepped: bool
) -> list[PlannedDelivery]:
    """The meeting's nudges; no prep if the pair already had one for it or its module. A prep
    nudge not sent by an hour before the meeting (held by quiet hours or a break until then, or
    found late) is skipped, and the reminder, with no prep before it, says what the prep would
    have."""
    target, who = pair_target(context), describe(context)
    holding = pair_holding(context, meeting)
    ends = meeting.start + MEETING_LENGTH
    checkin_due = ends + CHECKIN_AFTER_END
    planned: list[PlannedDelivery] = []
    if not prepped:
        planned.append(
            PlannedDelivery(
                key=meeting_key("prep", meeting),
                kind="prep",
                due_at=days_from(meeting.start, -PREP_DAYS_BEFORE, meeting.timezone),
                target=target,
                render=partial(build_prep_message, context, meeting),
                describe=who,
                holding=holding,
                expires_at=meeting.start - PREP_LAST_BEFORE,
                pair_id=context.pair.id,
                subject=meeting_subject(meeting.pair_id, meeting.original_date),
            )
        )
    planned.append(
        PlannedDelivery(
            key=meeting_key("reminder", meeting),
            kind="reminder",
            due_at=meeting.start - REMINDER_BEFORE,
            target=target,
            render=partial(build_reminder_message, context, meeting, with_prep=not prepped),
            describe=who,
            expires_at=meeting.start,
            pair_id=context.pair.id,
            subject=meeting_subject(meeting.pair_id, meeting.original_date),
        )
    )
    if meeting.original_date in context.outcomes:
        return planned
    follow_up_at = follow_up_due(
        checkin_due, checkin_sent, CHECKIN_FOLLOW_UP_DAYS, meeting.timezone
    )
    for kind, due, follow_up in (
        ("checkin", checkin_due, False),
        ("checkin-again", follow_up_at, True),
    ):
        if due is None:
            continue  # the follow-up waits until its check-in has gone
        planned.append(
            PlannedDelivery(
                key=meeting_key(kind, meeting),
                kind=kind,
                due_at=due,
                target=target,
                render=partial(build_checkin_message, context, meeting, follow_up=follow_up),
                describe=who,
                holding=holding,
                # Asking about a meeting more than a week ago (after a long break) is noise.
                expires_at=days_from(meeting.start, LOOKBACK_DAYS, meeting.timezone),
                pair_id=context.pair.id,
                subject=meeting_subject(meeting.pair_id, meeting.original_date),
            )
        )
    return planned


def plan_slot_nudges(
    session: Session, now: datetime, scope: Scope | None = None, *, only: Subjects | None = None
) -> Sequence[PlannedDelivery]:
    """A pair with no slot three days after pairing is asked to agree one, weekly, three times
    (with a scope: the person's pair only; `only`: the pairs a pass has due)."""
    if only is not None and not only.pair_ids:
        return []
    window = (
        timedelta(days=SLOT_NUDGE_FIRST_DAYS + SLOT_NUDGE_EVERY_DAYS * SLOT_NUDGE_TIMES)
        + LOOKBACK
        + _DAYS_MARGIN
    )
    query = select(Pair).where(
        Pair.dissolved_at.is_(None),
        Pair.slot_weekday.is_(None),
        Pair.created_at >= now - window,
    )
    if scope is not None:
        query = query.where(Pair.id.in_(scope.pair_ids))
    if only is not None:
        query = query.where(Pair.id.in_(sorted(only.pair_ids)))
    pairs = list(session.scalars(query))
    if not pairs:
        return []
    known = scope.members_of(p.id for p in pairs) if scope is not None else None
    members = known if known is not None else members_by_pair(session, [p.id for p in pairs])
    cohort_ids = list({p.cohort_id for p in pairs})
    days = {
        row.id: row.working_days
        for row in session.execute(
            select(Cohort.id, Cohort.working_days).where(Cohort.id.in_(cohort_ids))
        )
    }
    planned: list[PlannedDelivery] = []
    for pair in pairs:
        group = members.get(pair.id, [])
        if len(group) < 2:
            continue
        zones = tuple(dict.fromkeys(m.timezone or "Europe/London" for m in group))
        for n in range(SLOT_NUDGE_TIMES):
            planned.append(
                PlannedDelivery(
                    key=f"slot-nudge:pair={pair.id}:n={n + 1}",
                    kind="slot-nudge",
                    # Weekly at the clock time they paired, in the first member's zone.
                    due_at=days_from(
                        pair.created_at, SLOT_NUDGE_FIRST_DAYS + SLOT_NUDGE_EVERY_DAYS * n, zones[0]
                    ),
                    target=PairTarget(pair.id, tuple(m.user_id for m in group)),
                    render=partial(build_slot_nudge_message, group),
                    describe=f"pair {pair.id}",
                    holding=Holding(
                        zones=zones,
                        fallback_zone=zones[0],
                        working_days=parse_working_days(days.get(pair.cohort_id)),
                    ),
                    pair_id=pair.id,
                )
            )
    return planned
