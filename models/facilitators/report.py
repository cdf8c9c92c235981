"""A cohort at a glance: per pair, how its meetings, prep and actions are going, and who slips.

One read of the cohort (a handful of queries whatever its size) gives the figures App Home,
`/buddy report`, the CSV and the weekly digest all show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.actions import DONE, OPEN, Action, ReviewAnswer
from models.calendar.modules import fortnight_end, module_for, modules_of
from models.cohorts import members_filter
from models.deliveries import FAILED, Delivery
from models.lifecycle import Leaver
from models.meetings.schedule import Meeting, has_slot, load_schedule_contexts, meetings_between
from models.meetings.tables import MeetingOutcome, PrepCompletion
from models.pairs import Pair, PairMember, members_by_pair
from models.people import Cohort, Participant

FORTNIGHT = timedelta(days=14)
CHART_FORTNIGHTS = 12
HELD = ("met",)


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str | None


@dataclass(frozen=True)
class PairRow:
    """One pair's figures since it formed (recent = the last fortnight)."""

    pair_id: int
    members: tuple[Member, ...]
    slot: tuple[int, str, str] | None  # weekday, HH:MM, zone
    held: int
    skipped: int
    unconfirmed: int
    recent_skipped: int
    recent_unconfirmed: int
    prep_done: int
    prep_expected: int
    open_actions: int
    overdue_actions: int
    last_met: date | None
    held_days: tuple[date, ...] = ()
    skipped_days: tuple[date, ...] = ()
    unconfirmed_days: tuple[date, ...] = ()
    # The members' answered 90-day reviews (seed 002's check-in), newest first.
    reviews: tuple[ReviewAnswer, ...] = ()

    @property
    def slipping(self) -> bool:
        return (
            self.slot is None
            or self.recent_skipped > 0
            or self.recent_unconfirmed > 0
            or self.overdue_actions > 0
        )

    def reasons(self) -> list[str]:
        found = []
        if self.slot is None:
            found.append("no slot")
        if self.recent_skipped:
            found.append(f"{self.recent_skipped} skipped")
        if self.recent_unconfirmed:
            found.append(f"{self.recent_unconfirmed} unconfirmed")
        if self.overdue_actions:
            found.append(f"{self.overdue_actions} overdue actions")
        return found


@dataclass(frozen=True)
class Refused:
    """A nudge Slack refused for good (`account_inactive`, `channel_not_found`...)."""

    kind: str
    user_ids: tuple[str, ...]
    reason: str
    on: date


@dataclass(frozen=True)
class Fortnight:
    """One fortnight of the chart: its first day, and the cohort's past meetings in it."""

    starts_on: date
    held: int = 0
    skipped: int = 0
    unconfirmed: int = 0

    @property
    def ends_on(self) -> date:
        return self.starts_on + FORTNIGHT - timedelta(days=1)


@dataclass(frozen=True)
class CohortReport:
    cohort: Cohort
    today: date
    module_code: str | None
    pairs: list[PairRow]
    unpaired: list[Member]
    # Messages Slack refused for good in the last fortnight, with its reason.
    refused: list[Refused] = field(default_factory=list)
    # The last CHART_FORTNIGHTS fortnights, oldest first, each with its meetings so far.
    fortnights: list[Fortnight] = field(default_factory=list)
    actions_done_last_week: int = 0

    @property
    def without_slot(self) -> list[PairRow]:
        return [p for p in self.pairs if p.slot is None]

    @property
    def recently_missed(self) -> list[PairRow]:
        return [p for p in self.pairs if p.recent_skipped or p.recent_unconfirmed]

    @property
    def overdue(self) -> int:
        return sum(p.overdue_actions for p in self.pairs)

    @property
    def prep(self) -> tuple[int, int]:
        return sum(p.prep_done for p in self.pairs), sum(p.prep_expected for p in self.pairs)

    @property
    def slipping(self) -> list[PairRow]:
        return [p for p in self.pairs if p.slipping]

    def held_since(self, since: date) -> int:
        return sum(1 for p in self.pairs for d in p.held_days if d >= since)

    @property
    def reviews(self) -> list[ReviewAnswer]:
        """Every answered 90-day review in the cohort's pairs, newest first."""
        found = [r for p in self.pairs for r in p.reviews]
        return sorted(found, key=lambda r: (r.answered_on or date.min, r.action_id), reverse=True)


def _local_day(meeting: Meeting, zone: str) -> date:
    return meeting.start.astimezone(ZoneInfo(zone)).date()


def cohort_report(session: Session, cohort: Cohort, now: datetime) -> CohortReport:
    zone = ZoneInfo(cohort.timezone)
    today = now.astimezone(zone).date()
    pairs = list(
        session.scalars(
            select(Pair)
            .where(Pair.cohort_id == cohort.id, Pair.dissolved_at.is_(None))
            .order_by(Pair.id)
        )
    )
    pair_ids = [p.id for p in pairs]
    members = members_by_pair(session, pair_ids)
    contexts = load_schedule_contexts(session, pairs)
    outcomes: dict[tuple[int, date], str] = {}
    preps: dict[tuple[int, date], int] = defaultdict(int)
    if pair_ids:
        for row in session.scalars(
            select(MeetingOutcome).where(MeetingOutcome.pair_id.in_(pair_ids))
        ):
            outcomes[(row.pair_id, row.original_date)] = row.outcome
        for prep in session.scalars(
            select(PrepCompletion).where(PrepCompletion.pair_id.in_(pair_ids))
        ):
            preps[(prep.pair_id, prep.original_date)] += 1
    modules = modules_of(session, cohort.id)
    module = module_for(modules, today)
    owner_ids = [m.id for ms in members.values() for m in ms]
    open_by_owner: dict[int, list[Action]] = defaultdict(list)
    reviewed_by_owner: dict[int, list[Action]] = defaultdict(list)
    done_last_week = 0
    if owner_ids:
        for action in session.scalars(select(Action).where(Action.owner_id.in_(owner_ids))):
            if action.reviewed_at is not None:
                reviewed_by_owner[action.owner_id].append(action)
            if action.status == OPEN:
                open_by_owner[action.owner_id].append(action)
            elif (
                action.status == DONE
                and action.closed_at is not None
                and action.closed_at >= now - timedelta(days=7)
            ):
                done_last_week += 1
    recent_from = now - FORTNIGHT
    rows: list[PairRow] = []
    for pair in pairs:
        context = contexts[pair.id]
        meetings = meetings_between(
            pair,
            context.changes,
            context.breaks,
            context.cohort_timezone,
            pair.created_at - timedelta(days=1),
            now,
            include_skipped=True,
        )
        past = [m for m in meetings if m.end <= now]
        held_days = [
            _local_day(m, cohort.timezone)
            for m in past
            if not m.skipped and outcomes.get((pair.id, m.original_date)) in HELD
        ]
        skipped = [m for m in past if m.skipped]
        unconfirmed = [
            m for m in past if not m.skipped and (pair.id, m.original_date) not in outcomes
        ]
        pair_members = members.get(pair.id, [])
        prep_done = prep_expected = 0
        if module is not None and has_slot(pair):
            in_module = [
                m
                for m in meetings_between(
                    pair,
                    context.changes,
                    context.breaks,
                    context.cohort_timezone,
                    pair.created_at - timedelta(days=1),
                    now + FORTNIGHT * 2,
                )
                if module.starts_on
                <= _local_day(m, cohort.timezone)
                <= fortnight_end(module.starts_on)
            ]
            if in_module:
                prep_expected = len(pair_members)
                prep_done = min(prep_expected, preps[(pair.id, in_module[0].original_date)])
        owned = [a for m in pair_members for a in open_by_owner.get(m.id, [])]
        reviews = [ReviewAnswer.of(a, m) for m in pair_members for a in reviewed_by_owner[m.id]]
        reviews.sort(key=lambda r: (r.answered_on or date.min, r.action_id), reverse=True)
        slot = None
        if has_slot(pair):
            assert pair.slot_weekday is not None and pair.slot_time is not None
            slot = (
                pair.slot_weekday,
                pair.slot_time.strftime("%H:%M"),
                pair.slot_timezone or cohort.timezone,
            )
        rows.append(
            PairRow(
                pair_id=pair.id,
                members=tuple(Member(m.slack_user_id, m.display_name) for m in pair_members),
                slot=slot,
                held=len(held_days),
                skipped=len(skipped),
                unconfirmed=len(unconfirmed),
                recent_skipped=sum(1 for m in skipped if m.start >= recent_from),
                recent_unconfirmed=sum(1 for m in unconfirmed if m.start >= recent_from),
                prep_done=prep_done,
                prep_expected=prep_expected,
                open_actions=len(owned),
                overdue_actions=sum(1 for a in owned if a.due_date < today),
                last_met=max(held_days) if held_days else None,
                held_days=tuple(held_days),
                skipped_days=tuple(_local_day(m, cohort.timezone) for m in skipped),
                unconfirmed_days=tuple(_local_day(m, cohort.timezone) for m in unconfirmed),
                reviews=tuple(reviews),
            )
        )
    return CohortReport(
        cohort=cohort,
        today=today,
        module_code=module.code if module is not None else None,
        pairs=rows,
        unpaired=_unpaired(session, cohort),
        refused=_refused(session, cohort, now, zone),
        fortnights=_fortnights(rows, today, modules[0].starts_on if modules else None),
        actions_done_last_week=done_last_week,
    )


def _unpaired(session: Session, cohort: Cohort) -> list[Member]:
    paired = (
        select(PairMember.participant_id)
        .join(Pair, Pair.id == PairMember.pair_id)
        .where(Pair.dissolved_at.is_(None))
    )
    # A leaver needs no buddy; the buddy they left does, and shows here.
    left = select(Leaver.participant_id)
    people = session.scalars(
        select(Participant)
        .where(*members_filter(cohort), Participant.id.not_in(paired), Participant.id.not_in(left))
        .order_by(Participant.id)
    )
    return [Member(p.slack_user_id, p.display_name) for p in people]


REFUSED_LOOKBACK = timedelta(days=14)


def _refused(session: Session, cohort: Cohort, now: datetime, zone: ZoneInfo) -> list[Refused]:
    """Failed deliveries of the last fortnight to the cohort's pairs or people, newest first."""
    in_cohort = or_(
        Delivery.pair_id.in_(select(Pair.id).where(Pair.cohort_id == cohort.id)),
        Delivery.participant_id.in_(select(Participant.id).where(*members_filter(cohort))),
    )
    rows = list(
        session.scalars(
            select(Delivery)
            .where(
                Delivery.status == FAILED,
                Delivery.created_at >= now - REFUSED_LOOKBACK,
                in_cohort,
            )
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        )
    )
    pair_members = members_by_pair(session, sorted({r.pair_id for r in rows if r.pair_id}))
    people = {
        p.id: p.slack_user_id
        for p in session.scalars(
            select(Participant).where(
                Participant.id.in_({r.participant_id for r in rows if r.participant_id})
            )
        )
    }
    found = []
    for row in rows:
        if row.participant_id is not None and row.participant_id in people:
            who: tuple[str, ...] = (people[row.participant_id],)
        else:
            who = tuple(m.slack_user_id for m in pair_members.get(row.pair_id or 0, []))
        reason = (row.last_error or "refused").split(":")[0]
        found.append(Refused(row.kind, who, reason, row.created_at.astimezone(zone).date()))
    return found


def _fortnights(rows: Sequence[PairRow], today: date, anchor: date | None) -> list[Fortnight]:
    """The last CHART_FORTNIGHTS fortnights up to today (aligned to the first module, else to
    Mondays), with the meetings held, skipped and left unconfirmed in each (every fortnight is
    there, a quiet one with zeros, so the chart shows it)."""
    if anchor is None or anchor > today:
        anchor = today - timedelta(days=today.weekday())
    current = anchor + FORTNIGHT * ((today - anchor).days // 14)
    starts = [current - FORTNIGHT * i for i in range(CHART_FORTNIGHTS - 1, -1, -1)]
    counts = {start: {"held": 0, "skipped": 0, "unconfirmed": 0} for start in starts}
    for row in rows:
        for kind, days in (
            ("held", row.held_days),
            ("skipped", row.skipped_days),
            ("unconfirmed", row.unconfirmed_days),
        ):
            for day in days:
                start = anchor + FORTNIGHT * ((day - anchor).days // 14)
                if start in counts:
                    counts[start][kind] += 1
    return [Fortnight(start, **found) for start, found in counts.items()]
