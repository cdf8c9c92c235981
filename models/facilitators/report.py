"""A cohort at a glance: per pair, how its meetings, prep and actions are going, and who slips.

One read of the cohort (a handful of queries whatever its size) gives the figures App Home,
`/buddy report`, the CSV and the weekly digest all show; each figure is defined here once, and no
view computes its own:

- *Pairs*: the cohort's pairs not dissolved. *Not in a pair*: the cohort's people in none, less
  leavers and facilitators (a facilitator is not a participant waiting for a buddy).
- *Told*: a pair is told it exists when the last of its members has had Buddy's welcome
  (`participants.welcomed_at`). Before that it is "welcome pending": nothing is expected of it,
  so it is not slipping, and its meetings count as skipped or unconfirmed only from that moment.
- *Paused*: people whose own pause covers today (in their zone), until its last day. A pair with
  a paused member is shown as paused, not slipping, and cannot be nudged; a meeting on a day one
  of its members was paused is not nudged, so it is never counted as skipped or unconfirmed.
- *Meetings*: past meetings since the pair formed, held (answered "We met"), skipped, or
  unconfirmed (not answered); "recent" is the last fortnight.
- *Prep*: for the current module (the one whose fortnight holds today, else the last one
  begun), each prep nudge Buddy sent a pair for a meeting that has started asks each member once:
  the denominator is those people, the numerator those who pressed "I've completed". A meeting
  not yet started, or not nudged (paused, held in a break), asks nobody yet.
- *Overdue actions*: open actions of the pairs' members past their due date.
- *Slipping*: a told, unpaused pair with no slot once the slot nudge's grace has passed
  (`SLOT_GRACE` after it was told, as the first slot nudge), a meeting skipped or unconfirmed in
  the last fortnight, or an overdue action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.actions import DONE, OPEN, Action, ReviewAnswer
from models.calendar.modules import module_for, modules_of
from models.calendar.tables import Module
from models.cohorts import members_filter
from models.deliveries import FAILED, SENT, Delivery, meeting_subject
from models.facilitators.roles import known_facilitators
from models.grammar import counted
from models.lifecycle import Leaver
from models.meetings.schedule import Meeting, has_slot, load_schedule_contexts, meetings_between
from models.meetings.tables import MeetingOutcome, PrepCompletion
from models.pairs import Pair, PairMember, members_by_pair
from models.pauses import paused_on, pauses_by_person
from models.people import Cohort, Participant, Person
from models.quiet_hours import ZonedSpan

FORTNIGHT = timedelta(days=14)
CHART_FORTNIGHTS = 12
HELD = ("met",)
# A pair told it exists has this long to agree a slot before "no slot" makes it slipping: the
# first slot nudge's wait (scheduler/meetings.py SLOT_NUDGE_FIRST_DAYS, checked equal in tests).
SLOT_GRACE = timedelta(days=3)
WELCOME_PENDING = "welcome pending"
PAUSED = "paused"
SLIPPING = "slipping"
ON_TRACK = "on track"


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str | None


@dataclass(frozen=True)
class Paused:
    """Someone whose own pause covers today: Buddy holds their nudges until after `until`."""

    member: Member
    until: date


@dataclass(frozen=True)
class PairRow:
    """One pair's figures since it formed (recent = the last fortnight)."""

    pair_id: int
    members: tuple[Member, ...]
    # False until every member has had Buddy's welcome: the pair has not been told it exists.
    told: bool
    # Told more than SLOT_GRACE ago: long enough to have agreed a slot.
    slot_due: bool
    paused: tuple[Paused, ...]
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
    def status(self) -> str:
        """The one word a facilitator reads first, in this order: not told yet, paused (nothing
        is expected of either), slipping, else on track."""
        if not self.told:
            return WELCOME_PENDING
        if self.paused:
            return PAUSED
        return SLIPPING if self.slipping else ON_TRACK

    @property
    def nudgeable(self) -> bool:
        """A facilitator's nudge would reach every member: nobody in the pair is paused."""
        return not self.paused

    @property
    def slipping(self) -> bool:
        return bool(self.reasons())

    def reasons(self) -> list[str]:
        """Why the pair is slipping, in words; none for a pair not told yet or paused."""
        if not self.told or self.paused:
            return []
        found = []
        if self.slot is None and self.slot_due:
            found.append("no slot")
        if self.recent_skipped:
            found.append(counted(self.recent_skipped, "meeting") + " skipped")
        if self.recent_unconfirmed:
            found.append(counted(self.recent_unconfirmed, "meeting") + " unconfirmed")
        if self.overdue_actions:
            found.append(counted(self.overdue_actions, "overdue action"))
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
    module_code: str | None  # the module the prep figure is about
    pairs: list[PairRow]
    unpaired: list[Member]
    # Everyone in the cohort paused today (in a pair or not), soonest back first.
    paused: list[Paused] = field(default_factory=list)
    # Messages Slack refused for good in the last fortnight, with its reason.
    refused: list[Refused] = field(default_factory=list)
    # The last CHART_FORTNIGHTS fortnights, oldest first, each with its meetings so far.
    fortnights: list[Fortnight] = field(default_factory=list)
    actions_done_last_week: int = 0

    @property
    def without_slot(self) -> list[PairRow]:
        return [p for p in self.pairs if p.slot is None]

    @property
    def not_told(self) -> list[PairRow]:
        """Pairs whose members have not all had Buddy's welcome yet."""
        return [p for p in self.pairs if not p.told]

    @property
    def recently_missed(self) -> list[PairRow]:
        return [p for p in self.pairs if p.recent_skipped or p.recent_unconfirmed]

    @property
    def recent_missed_meetings(self) -> int:
        return sum(p.recent_skipped + p.recent_unconfirmed for p in self.pairs)

    @property
    def meetings(self) -> tuple[int, int, int]:
        """Held, skipped and unconfirmed meetings, summed over the pairs (as the CSV's rows)."""
        return (
            sum(p.held for p in self.pairs),
            sum(p.skipped for p in self.pairs),
            sum(p.unconfirmed for p in self.pairs),
        )

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


def cohort_report(
    session: Session, cohort: Cohort, now: datetime, *, bootstrapped: frozenset[str]
) -> CohortReport:
    """The cohort's figures at `now`. `bootstrapped` is BUDDY_FACILITATORS where the caller has
    it (a handler); the clock has not, and counts the facilitators Buddy has seen act as one."""
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
    preps: dict[tuple[int, date], set[int]] = defaultdict(set)
    if pair_ids:
        for row in session.scalars(
            select(MeetingOutcome).where(MeetingOutcome.pair_id.in_(pair_ids))
        ):
            outcomes[(row.pair_id, row.original_date)] = row.outcome
        for prep in session.scalars(
            select(PrepCompletion).where(PrepCompletion.pair_id.in_(pair_ids))
        ):
            preps[(prep.pair_id, prep.original_date)].add(prep.participant_id)
    modules = modules_of(session, cohort.id)
    module = _prep_module(modules, today)
    prep_nudges = _prep_nudges(session, pairs)
    unpaired = _unpaired(session, cohort, known_facilitators(session, bootstrapped, cohort.team_id))
    everyone = [m for ms in members.values() for m in ms] + unpaired
    first_day = min([p.created_at for p in pairs], default=now) - timedelta(days=1)
    pauses = pauses_by_person(session, [p.person for p in everyone], first_day.date())
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
        pair_members = members.get(pair.id, [])
        told_at = _told_at(pair, pair_members)
        spans = [s for m in pair_members for s in pauses.get(m.person, ())]
        # Up to a month ahead too: a nudged meeting may have been moved later since.
        meetings = meetings_between(
            pair,
            context.changes,
            context.breaks,
            context.cohort_timezone,
            pair.created_at - timedelta(days=1),
            now + FORTNIGHT * 2,
            include_skipped=True,
        )
        past = [m for m in meetings if m.end <= now]
        held_days = [
            _local_day(m, cohort.timezone)
            for m in past
            if not m.skipped and outcomes.get((pair.id, m.original_date)) in HELD
        ]
        # Only what the pair could have done: told it exists by then, and nobody paused.
        expected = [
            m
            for m in past
            if told_at is not None and m.start >= told_at and not paused_on(spans, m.start)
        ]
        skipped = [m for m in expected if m.skipped]
        unconfirmed = [
            m for m in expected if not m.skipped and (pair.id, m.original_date) not in outcomes
        ]
        prep_done = prep_expected = 0
        if module is not None:
            by_date = {m.original_date: m for m in meetings}
            member_ids = {m.id for m in pair_members}
            for original_date, was_at in prep_nudges.get(pair.id, []):
                found = by_date.get(original_date)
                start = found.start if found is not None else was_at
                if start > now or module_for(modules, start.astimezone(zone).date()) is not module:
                    continue
                prep_expected += len(member_ids)
                prep_done += len(preps[(pair.id, original_date)] & member_ids)
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
                members=tuple(_member(m) for m in pair_members),
                told=told_at is not None,
                slot_due=told_at is not None and now >= told_at + SLOT_GRACE,
                paused=tuple(p for m in pair_members if (p := _paused(m, pauses, now)) is not None),
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
    paused = [p for row in rows for p in row.paused]
    paused.extend(p for m in unpaired if (p := _paused(m, pauses, now)) is not None)
    return CohortReport(
        cohort=cohort,
        today=today,
        module_code=module.code if module is not None else None,
        pairs=rows,
        unpaired=[_member(p) for p in unpaired],
        paused=sorted(paused, key=lambda p: (p.until, p.member.user_id)),
        refused=_refused(session, cohort, now, zone),
        fortnights=_fortnights(rows, today, modules[0].starts_on if modules else None),
        actions_done_last_week=done_last_week,
    )


def _member(participant: Participant) -> Member:
    return Member(participant.user_id, participant.display_name)


def with_names(report: CohortReport, names: Mapping[str, str]) -> CohortReport:
    """The same figures with the names found since they were read (people paired before names
    were kept, looked up on the platform): the report is computed once per request, never
    again to show a few names."""

    def named(member: Member) -> Member:
        found = names.get(member.user_id)
        return member if member.name or not found else Member(member.user_id, found)

    def paused(each: Paused) -> Paused:
        return replace(each, member=named(each.member))

    return replace(
        report,
        pairs=[
            replace(
                pair,
                members=tuple(named(m) for m in pair.members),
                paused=tuple(paused(p) for p in pair.paused),
            )
            for pair in report.pairs
        ],
        unpaired=[named(m) for m in report.unpaired],
        paused=[paused(p) for p in report.paused],
    )


def _told_at(pair: Pair, members: Sequence[Participant]) -> datetime | None:
    """When the pair was told it exists: when it formed, or the last member's welcome if that
    came later; None while any member has not been welcomed (an imported pair, say)."""
    welcomed = [m.welcomed_at for m in members]
    if not members or any(w is None for w in welcomed):
        return None
    return max([pair.created_at, *(w for w in welcomed if w is not None)])


def _paused(
    participant: Participant, pauses: dict[Person, list[ZonedSpan]], now: datetime
) -> Paused | None:
    """The person's pause covering today, in their own zone, with its last day (pauses that
    follow on without a gap read as one)."""
    until = paused_until(pauses.get(participant.person, []), now)
    return Paused(_member(participant), until) if until is not None else None


def paused_until(spans: Sequence[ZonedSpan], now: datetime) -> date | None:
    """The last day of the pause covering `now` (in the pause's zone), if one does."""
    current = [s for s in spans if paused_on([s], now)]
    if not current:
        return None
    until = max(s.span.end for s in current)
    later = sorted(spans, key=lambda s: s.span.start)
    for span in later:
        if span.span.start <= until + timedelta(days=1) and span.span.end > until:
            until = span.span.end
    return until


def _prep_module(modules: Sequence[Module], today: date) -> Module | None:
    """The module the prep figure is about: the one whose fortnight holds today, else the last
    one begun (between modules, as in a half-term gap, the figure stays the last module's)."""
    begun = [m for m in modules if m.starts_on <= today]
    return module_for(modules, today) or max(begun, key=lambda m: m.starts_on, default=None)


def _prep_nudges(session: Session, pairs: Sequence[Pair]) -> dict[int, list[tuple[date, datetime]]]:
    """Each pair's sent prep nudges: the meeting each was for (its original date) and when that
    meeting was to start when the nudge went (the nudge expires then)."""
    found: dict[int, list[tuple[date, datetime]]] = defaultdict(list)
    if not pairs:
        return found
    rows = session.execute(
        select(Delivery.pair_id, Delivery.subject, Delivery.expires_at).where(
            Delivery.kind == "prep",
            Delivery.status == SENT,
            Delivery.pair_id.in_([p.id for p in pairs]),
        )
    ).all()
    for pair_id, subject, expires_at in rows:
        if pair_id is None or subject is None or expires_at is None:
            continue
        original = _original_date(pair_id, subject)
        if original is not None:
            found[pair_id].append((original, expires_at))
    return found


def _original_date(pair_id: int, subject: str) -> date | None:
    """The meeting a `meeting_subject` names, read back (None for any other subject)."""
    prefix, _, day = subject.rpartition(":")
    if prefix != meeting_subject(pair_id, date.min).rpartition(":")[0]:
        return None
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def _unpaired(session: Session, cohort: Cohort, facilitators: set[str]) -> list[Participant]:
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
    # A facilitator outside every pair runs the cohort; they are not waiting for a buddy.
    return [p for p in people if p.user_id not in facilitators]


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
        p.id: p.user_id
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
            who = tuple(m.user_id for m in pair_members.get(row.pair_id or 0, []))
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
