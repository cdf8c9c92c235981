"""A pass's share of the world: the subjects due by its moment (`models.clock_due`), what else
they reach, and, once the pass is done, each one's next moment.

What a pass plans for a subject is what a pass of everything would plan for it: the planners run
as they always do, on fewer rows. A pair due brings its members' actions (an overdue note goes to
the pair); a person due brings their pairs and community groups (a pause, a leaver or a zone
changes those too). Every outbox row a pass would act on (a retry come due, a post to look for in
the history, a claim run out) brings its subject, so nothing in the outbox is ever judged "no
longer planned" for want of being planned.

A subject's next moment is the earliest its planners named (a nudge's moment), a retry or a
history check of its rows, or, at the latest, a re-read within the day: each planner looks at
least a day ahead (a prep two days before a meeting it sees three days ahead), so a re-read
within the day finds everything in time, and stands behind the marks should one ever be missed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models.actions import CHASE_KIND, OVERDUE_KIND, REVIEW_KIND
from models.clock_due import (
    GROUP,
    PAIR,
    PERSON,
    DueSubject,
    bring_forward,
    due_subjects,
    fan_out,
    forget,
    lock_rows,
    mark_due,
    store_next,
)
from models.community.tables import CommunityGroup, CommunityMember, CommunitySession
from models.deliveries import CLAIMED, MAYBE_SENT, PENDING, Delivery
from models.pairs import Pair, PairMember
from models.people import Participant
from scheduler.community import CLOSE_KIND, PREP_KIND, RECORD_KIND, STAGE_KIND
from scheduler.facilitators import DIGEST_KIND, next_digests
from scheduler.planning import PlannedDelivery, Subjects, UserTarget
from scheduler.welcome import WELCOME_KIND

# Subjects planned in one pass, at most: a catch-up (after downtime, or the migration's "all")
# is worked through over a few passes, each of bounded time and memory.
BATCH = 2000
# Every subject is read again within this (less its stagger), whatever its planners said.
REREAD_WITHIN = timedelta(hours=20)
# Spread over this much, so the subjects first planned together are not re-read together daily.
STAGGER = timedelta(hours=4)
# Outbox rows asked about in one statement (well under PostgreSQL's 65,535 parameters).
KEYS_A_QUERY = 5000

_PAIR_KINDS = frozenset({"prep", "reminder", "checkin", "checkin-again", "slot-nudge"})
_PERSON_KINDS = frozenset({CHASE_KIND, OVERDUE_KIND, REVIEW_KIND, DIGEST_KIND, WELCOME_KIND})
_GROUP_KINDS = frozenset({PREP_KIND, STAGE_KIND, CLOSE_KIND, RECORD_KIND})
_COMMUNITY_PREFIX = "community:"
# Sends that change what their subject's planners say next: a check-in brings its follow-up, a
# session's close its record, a welcome lets the person's other nudges go. Their subjects are
# planned again on the next pass; any other send leaves its subject's next moment as it was.
_AGAIN_AFTER = frozenset({"checkin", CLOSE_KIND, WELCOME_KIND})


@dataclass(frozen=True)
class DuePass:
    """What one pass plans: the subjects it read due (their next moments are stored after it),
    and everything its planners are asked for."""

    read: tuple[DueSubject, ...]
    subjects: Subjects


def select_due(session: Session, now: datetime, batch: int = BATCH) -> DuePass:
    """The subjects due by `now` (fan-out marks turned into their subjects' first), the subjects
    of the outbox rows a pass acts on now, and what each reaches."""
    first = due_subjects(session, now, batch)
    read = fan_out(session, first, now)
    if len(read) < len(first):  # fanned out: the subjects it marked are due in this pass too
        # Committed now: a request changing one of those subjects does not wait for the plan.
        session.commit()
        read = fan_out(session, due_subjects(session, now, batch), now)
    pairs = {s.subject_id for s in read if s.kind == PAIR}
    people = {s.subject_id for s in read if s.kind == PERSON}
    groups = {s.subject_id for s in read if s.kind == GROUP}
    for kind, subject_id in _outbox_subjects(session, now):
        {PAIR: pairs, PERSON: people, GROUP: groups}[kind].add(subject_id)
    if people:
        # A person brings their pairs and groups: a pause, a zone or leaving changes those too.
        pairs |= set(
            session.scalars(
                select(PairMember.pair_id)
                .join(Pair, Pair.id == PairMember.pair_id)
                .where(PairMember.participant_id.in_(sorted(people)), Pair.dissolved_at.is_(None))
            )
        )
        groups |= set(
            session.scalars(
                select(CommunityMember.group_id).where(
                    CommunityMember.participant_id.in_(sorted(people))
                )
            )
        )
    if pairs:
        # A pair brings its members: their actions' overdue notes go to it.
        people |= set(
            session.scalars(
                select(PairMember.participant_id).where(PairMember.pair_id.in_(sorted(pairs)))
            )
        )
    return DuePass(
        tuple(s for s in read if s.kind in (PAIR, PERSON, GROUP)),
        Subjects(frozenset(pairs), frozenset(people), frozenset(groups)),
    )


def _outbox_subjects(session: Session, now: datetime) -> set[tuple[str, int]]:
    """The subject of every row a pass acts on now: pending and come due (to send, or to record
    as no longer planned), maybe sent and due a look, or claimed with its lease run out."""
    rows = session.execute(
        select(Delivery.kind, Delivery.pair_id, Delivery.participant_id, Delivery.subject).where(
            or_(
                and_(Delivery.status.in_((PENDING, MAYBE_SENT)), Delivery.next_attempt_at <= now),
                and_(Delivery.status == CLAIMED, Delivery.lease_until <= now),
            )
        )
    ).all()
    found: set[tuple[str, int]] = set()
    sessions: set[int] = set()
    for kind, pair_id, participant_id, subject in rows:
        if kind in _PAIR_KINDS and pair_id is not None:
            found.add((PAIR, pair_id))
        elif kind in _PERSON_KINDS and participant_id is not None:
            found.add((PERSON, participant_id))
        elif kind in _GROUP_KINDS and subject and subject.startswith(_COMMUNITY_PREFIX):
            sessions.add(int(subject.removeprefix(_COMMUNITY_PREFIX)))
    found |= {(GROUP, g) for g in _groups_of(session, sessions).values()}
    return found


def _groups_of(session: Session, session_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    return dict(
        session.execute(
            select(CommunitySession.id, CommunitySession.group_id).where(
                CommunitySession.id.in_(ids)
            )
        )
        .tuples()
        .all()
    )


def reachable(due: DuePass, planned: Mapping[str, PlannedDelivery]) -> list[int]:
    """The participant ids a pass's plan can reach: whose import welcomes `settle` reads."""
    found = set(due.subjects.people)
    found |= {p.target.participant_id for p in planned.values() if isinstance(p.target, UserTarget)}
    return sorted(found)


def subject_of(p: PlannedDelivery, groups: Mapping[int, int]) -> tuple[str, int] | None:
    """The subject whose planner planned this delivery."""
    if p.kind in _PAIR_KINDS and p.pair_id is not None:
        return (PAIR, p.pair_id)
    if p.kind in _PERSON_KINDS and p.participant_id is not None:
        return (PERSON, p.participant_id)
    if p.kind in _GROUP_KINDS and p.subject and p.subject.startswith(_COMMUNITY_PREFIX):
        group = groups.get(int(p.subject.removeprefix(_COMMUNITY_PREFIX)))
        return (GROUP, group) if group is not None else None
    return None


def store_next_moments(
    session: Session,
    due: DuePass,
    planned: Mapping[str, PlannedDelivery],
    waiting: set[str],
    touched: set[str],
    now: datetime,
) -> None:
    """After the pass: each subject it read gets its next moment; a subject whose send changes
    what its planners say (`_AGAIN_AFTER`) is due again at once, and one that is gone is
    forgotten."""
    groups = _groups_of(
        session,
        (
            int(p.subject.removeprefix(_COMMUNITY_PREFIX))
            for p in planned.values()
            if p.kind in _GROUP_KINDS and p.subject and p.subject.startswith(_COMMUNITY_PREFIX)
        ),
    )
    by_subject: dict[tuple[str, int], list[PlannedDelivery]] = defaultdict(list)
    for p in planned.values():
        of = subject_of(p, groups)
        if of is not None:
            by_subject[of].append(p)
    again = {
        of
        for key in touched
        if key in planned
        and planned[key].kind in _AGAIN_AFTER
        and (of := subject_of(planned[key], groups))
    }
    rows = _unsettled(session, [p.key for p in planned.values() if p.decide_at() <= now])
    digests = next_digests(
        session, now, Subjects(people=frozenset(s.subject_id for s in due.read if s.kind == PERSON))
    )
    alive = _alive(session, due.read)
    read = {(s.kind, s.subject_id) for s in due.read}
    gone: list[DueSubject] = []
    moments: dict[DueSubject, datetime] = {}
    # Planned without being read (a due person's pairs and groups, a due pair's members): what
    # they now have is not left to their stored moment, which may be a day away.
    sooner: dict[tuple[str, int], datetime] = {}
    for of, found_for in by_subject.items():
        if of in read or of in again:
            continue
        later = [p.decide_at() for p in found_for if p.key not in waiting and p.decide_at() > now]
        if later:
            sooner[of] = min(later)
    for subject in due.read:
        if (subject.kind, subject.subject_id) not in alive:
            gone.append(subject)
            continue
        found = [now + REREAD_WITHIN - _stagger(subject)]
        if subject.kind == PERSON and subject.subject_id in digests:
            found.append(digests[subject.subject_id])
        for p in by_subject.get((subject.kind, subject.subject_id), ()):
            if p.key in waiting:
                continue  # its workspace stopped Buddy: planned again when it is back
            decide_at = p.decide_at()
            if decide_at > now:
                found.append(decide_at)
            elif p.key in rows:
                found.append(rows[p.key])
        moments[subject] = max(min(found), now)
    # Every write in one order, (kind, id), as every mark is written: two clocks, or a clock and
    # a request, never wait for each other's rows in a circle (a deadlock on PostgreSQL).
    lock_rows(session, read | again | set(sooner))
    for kind in sorted((GROUP, PAIR, PERSON)):
        mark_due(session, kind, [subject_id for k, subject_id in again if k == kind])
    forget(session, gone)
    store_next(session, {s: at for s, at in moments.items() if (s.kind, s.subject_id) not in again})
    bring_forward(session, sooner)


def _unsettled(session: Session, keys: Sequence[str]) -> dict[str, datetime]:
    """For each key whose outbox row is not settled: when a pass next acts on it."""
    found: dict[str, datetime] = {}
    for start in range(0, len(keys), KEYS_A_QUERY):
        batch = keys[start : start + KEYS_A_QUERY]
        for key, status, next_attempt_at, lease_until in session.execute(
            select(
                Delivery.key, Delivery.status, Delivery.next_attempt_at, Delivery.lease_until
            ).where(Delivery.key.in_(batch), Delivery.status.in_((PENDING, MAYBE_SENT, CLAIMED)))
        ):
            found[key] = lease_until if status == CLAIMED and lease_until else next_attempt_at
    return found


def _alive(session: Session, read: Sequence[DueSubject]) -> set[tuple[str, int]]:
    """The subjects read that still exist (a dissolved pair, an erased person: nothing to plan)."""
    found: set[tuple[str, int]] = set()
    for kind, column, where in (
        (PAIR, Pair.id, Pair.dissolved_at.is_(None)),
        (PERSON, Participant.id, None),
        (GROUP, CommunityGroup.id, None),
    ):
        ids = sorted(s.subject_id for s in read if s.kind == kind)
        if not ids:
            continue
        query = select(column).where(column.in_(ids))
        if where is not None:
            query = query.where(where)
        found |= {(kind, subject_id) for subject_id in session.scalars(query)}
    return found


def _stagger(subject: DueSubject) -> timedelta:
    """A fixed share of `STAGGER` for this subject (the same every day)."""
    spread = (subject.subject_id * 2654435761 + len(subject.kind)) % int(STAGGER.total_seconds())
    return timedelta(seconds=spread)
