"""Everything a meeting nudge shows about a pair, loaded for many pairs in a fixed few queries.

The clock builds these for every active pair on each pass; a button handler builds one for the
pair it is about. Both render from the same snapshot, so a message and its update agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.actions import Action, open_actions_by_owner
from models.calendar.modules import module_for
from models.calendar.tables import CohortBreak, Module
from models.deliveries import meeting_subject
from models.meetings.schedule import Meeting, meetings_between
from models.meetings.tables import MeetingChange, MeetingOutcome, PrepCompletion
from models.pairs import Pair, members_by_pair, zone_of
from models.people import Cohort, Participant
from models.quiet_hours import DateSpan

DEFAULT_ZONE = "Europe/London"


@dataclass(frozen=True)
class SentPrep:
    """A prep nudge the pair was sent: the meeting it was about, and when that meeting was then."""

    pair_id: int
    subject: str
    meeting_start: datetime


@dataclass
class PairContext:
    pair: Pair
    cohort: Cohort
    members: list[Participant]
    meetings: list[Meeting] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    breaks: list[CohortBreak] = field(default_factory=list)
    prepared: set[tuple[date, int]] = field(default_factory=set)
    outcomes: dict[date, MeetingOutcome] = field(default_factory=dict)
    open_actions: dict[int, list[Action]] = field(default_factory=dict)

    @property
    def slot_zone(self) -> str:
        return self.pair.slot_timezone or self.cohort.timezone or DEFAULT_ZONE

    @property
    def member_zones(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(zone_of(m, self.slot_zone) for m in self.members))

    @property
    def break_spans(self) -> tuple[DateSpan, ...]:
        return tuple(DateSpan(b.start_date, b.end_date) for b in self.breaks)

    def module_for(self, meeting: Meeting) -> Module | None:
        return self.module_at(meeting.start)

    def module_at(self, moment: datetime) -> Module | None:
        """The module whose fortnight holds this moment's day in the cohort's zone."""
        day = moment.astimezone(ZoneInfo(self.cohort.timezone or DEFAULT_ZONE)).date()
        return module_for(self.modules, day)

    def prep_already_sent(self, meeting: Meeting, sent: Iterable[SentPrep]) -> bool:
        """One module, one prep nudge: none for a meeting whose prep already went (it was moved
        since, or skipped and held at the backup slot), nor for another meeting of a module
        whose prep the pair already had."""
        subject = meeting_subject(meeting.pair_id, meeting.original_date)
        module = self.module_for(meeting)
        for prep in sent:
            if prep.pair_id != self.pair.id:
                continue
            if prep.subject == subject:
                return True
            if module is not None and self.module_at(prep.meeting_start) is module:
                return True
        return False

    def is_prepared(self, meeting: Meeting, participant: Participant) -> bool:
        return (meeting.original_date, participant.id) in self.prepared

    def meeting_on(self, original_date: date) -> Meeting | None:
        return next((m for m in self.meetings if m.original_date == original_date), None)

    def after_cohort_end(self, meeting: Meeting) -> bool:
        end = self.cohort.end_date
        return end is not None and meeting_local_day(meeting, self.cohort.timezone) > end


def meeting_local_day(meeting: Meeting, zone: str) -> date:
    return meeting.start.astimezone(ZoneInfo(zone or DEFAULT_ZONE)).date()


def load_pair_context(
    session: Session,
    pair_id: int,
    start: datetime,
    end: datetime,
    include_skipped: bool = False,
    include_dropped: bool = False,
    *,
    pair: Pair | None = None,
) -> PairContext | None:
    """One pair's context, for a command or a button about that pair; `pair`, when the caller
    has read it already (a request reads its pair once)."""
    found = load_pair_contexts(
        session,
        start,
        end,
        [pair_id],
        include_skipped,
        include_dropped,
        known=[pair] if pair is not None and pair.dissolved_at is None else None,
    )
    return found[0] if found else None


def load_pair_contexts(
    session: Session,
    start: datetime,
    end: datetime,
    pair_ids: Sequence[int] | None = None,
    include_skipped: bool = False,
    include_dropped: bool = False,
    members: Mapping[int, list[Participant]] | None = None,
    drawn: bool = True,
    known: Sequence[Pair] | None = None,
) -> list[PairContext]:
    """Active pairs (all, or `pair_ids`) with their meetings between `start` and `end`; their
    members as given (already read), else read here. Not `drawn`: what only a message shows
    (prep ticks, open actions) is left out, for a plan that is shown, never sent. `known`: the
    active pairs already read, not read again."""
    if known is not None:
        pairs = sorted(known, key=lambda p: p.id)
    else:
        query = select(Pair).where(Pair.dissolved_at.is_(None))
        if pair_ids is not None:
            query = query.where(Pair.id.in_(list(pair_ids)))
        pairs = list(session.scalars(query.order_by(Pair.id)))
    if not pairs:
        return []
    ids = [p.id for p in pairs]
    cohort_ids = list({p.cohort_id for p in pairs})
    cohorts = {c.id: c for c in session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))}
    if members is None or not all(pair_id in members for pair_id in ids):
        members = members_by_pair(session, ids)
    modules: dict[int, list[Module]] = defaultdict(list)
    for module in session.scalars(
        select(Module).where(Module.cohort_id.in_(cohort_ids)).order_by(Module.starts_on)
    ):
        modules[module.cohort_id].append(module)
    breaks: dict[int, list[CohortBreak]] = defaultdict(list)
    for cohort_break in session.scalars(
        select(CohortBreak).where(CohortBreak.cohort_id.in_(cohort_ids))
    ):
        breaks[cohort_break.cohort_id].append(cohort_break)
    # The meetings from the cohorts and breaks just read: only the changes are read for them.
    changes: dict[int, list[MeetingChange]] = defaultdict(list)
    for change in session.scalars(select(MeetingChange).where(MeetingChange.pair_id.in_(ids))):
        changes[change.pair_id].append(change)
    meetings = {
        pair.id: meetings_between(
            pair,
            changes[pair.id],
            breaks[pair.cohort_id],
            cohorts[pair.cohort_id].timezone,
            start,
            end,
            include_skipped,
            include_dropped,
        )
        for pair in pairs
    }
    prepared: dict[int, set[tuple[date, int]]] = defaultdict(set)
    # A moved meeting keeps its original date, which may lie a fortnight outside the window.
    first_day, last_day = start.date() - timedelta(days=15), end.date() + timedelta(days=15)
    preps = select(PrepCompletion).where(
        PrepCompletion.pair_id.in_(ids),
        PrepCompletion.original_date.between(first_day, last_day),
    )
    for prep in session.scalars(preps) if drawn else ():
        prepared[prep.pair_id].add((prep.original_date, prep.participant_id))
    outcomes: dict[int, dict[date, MeetingOutcome]] = defaultdict(dict)
    for outcome in session.scalars(
        select(MeetingOutcome).where(
            MeetingOutcome.pair_id.in_(ids),
            MeetingOutcome.original_date.between(first_day, last_day),
        )
    ):
        outcomes[outcome.pair_id][outcome.original_date] = outcome
    owners = [m.id for group in members.values() for m in group]
    actions = open_actions_by_owner(session, owners) if drawn else {}

    return [
        PairContext(
            pair=pair,
            cohort=cohorts[pair.cohort_id],
            members=members.get(pair.id, []),
            meetings=meetings.get(pair.id, []),
            modules=modules[pair.cohort_id],
            breaks=breaks[pair.cohort_id],
            prepared=prepared[pair.id],
            outcomes=outcomes[pair.id],
            open_actions={m.id: actions.get(m.id, []) for m in members.get(pair.id, [])},
        )
        for pair in pairs
    ]
