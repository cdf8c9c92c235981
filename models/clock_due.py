"""When each subject next needs the clock, so that a pass costs what is due, not what exists.

A subject is what one planner reads on its own: a pair (its meetings and slot nudges), a person
(their actions, their digest, their welcome) or a community group (its sessions). Each has one
row here saying when a pass should next plan it. A pass reads, by its index, only the rows due by
its moment, plans those subjects, and stores each one's next moment (the earliest thing its
planners will want: a nudge's moment, a retry, or a daily re-read, whichever comes first).

Whatever changes what a planner would say marks its subject due "now" (`DIRTY`, a moment long
past: due to any clock at any moment), in the same transaction as the change. Every change is
marked here, so no domain function can forget its mark: through the ORM by a flush listener
that maps each changed row to its subjects (`_SUBJECTS`), and bulk statements (imports, deletes
by query) by a statement listener that reads the subjects of the rows they name. A mark bumps
`version`: a pass stores a subject's next moment only if no mark came while it planned, so a
change is never lost to a pass that read the old state.

Marks that would fan out to many subjects (a cohort's breaks or days, a workspace installed
again, a table this module does not know) are one row of a fan-out kind, turned into the rows of
each subject by the next pass: the request that made the change stays quick.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    event,
    inspect,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    mapped_column,
)
from sqlalchemy.sql import Delete, Insert, Select, Update

from models.base import Base, UTCDateTime

logger = logging.getLogger(__name__)

PAIR = "pair"
PERSON = "person"
GROUP = "group"
# Fan-out kinds: every pair and person of a cohort; every subject there is (subject id 0).
COHORT = "cohort"
EVERYTHING = "all"
PLANNED_KINDS = (PAIR, PERSON, GROUP)

# "Due now", whatever the clock says now: a moment every pass is past.
DIRTY = datetime(1970, 1, 1, tzinfo=UTC)
# A fan-out leaves a subject due within this its moment (it is planned then, with the change).
FAN_OUT_KEEPS = timedelta(hours=1)


class ClockDue(Base):
    """One subject's next moment for the clock (absent: nothing to plan until it is marked)."""

    __tablename__ = "clock_due"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed: a pass reads only the rows due by its moment.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Bumped by every mark: a pass's next moment is stored only over the version it read.
    version: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class DueSubject:
    kind: str
    subject_id: int
    version: int


def _insert(bind: Session | Connection) -> Any:
    """An INSERT that can say ON CONFLICT, in the dialect of the database."""
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    return (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(ClockDue)


def _upsert_dirty(
    bind: Session | Connection, statement: Any, keep_until: datetime | None = None
) -> Any:
    """ON CONFLICT: due now, and a newer version (a pass planning it meanwhile keeps the mark).
    With `keep_until`, a row already due by then keeps its moment: it is planned by then anyway,
    with the change, and is not put in the queue of marks behind a mass of others."""
    due_at: Any = DIRTY
    if keep_until is not None:
        due_at = case((ClockDue.due_at <= keep_until, ClockDue.due_at), else_=DIRTY)
    return statement.on_conflict_do_update(
        index_elements=["kind", "subject_id"],
        set_={"due_at": due_at, "version": ClockDue.version + 1},
    )


def mark_due(bind: Session | Connection, kind: str, subject_ids: Iterable[int | None]) -> None:
    """These subjects are planned by the very next pass (in the caller's transaction)."""
    ids = sorted({i for i in subject_ids if i is not None})
    if not ids:
        return
    rows = [{"kind": kind, "subject_id": i, "due_at": DIRTY, "version": 0} for i in ids]
    bind.execute(_upsert_dirty(bind, _insert(bind)), rows)


def mark_selected(
    bind: Session | Connection, kind: str, ids: Select[Any], keep_until: datetime | None = None
) -> None:
    """Every subject a query names (one column of ids) is due now (or by `keep_until`, if it
    already was: see `_upsert_dirty`): one INSERT ... SELECT."""
    chosen = ids.distinct().subquery()  # PostgreSQL updates a row at most once a statement
    source = select(
        literal(kind).label("kind"),
        chosen.c[0].label("subject_id"),
        literal(DIRTY, UTCDateTime()).label("due_at"),
        literal(0).label("version"),
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT
    source = source.order_by(chosen.c[0])  # rows taken in id order, as every mark takes them
    statement = _insert(bind).from_select(["kind", "subject_id", "due_at", "version"], source)
    bind.execute(_upsert_dirty(bind, statement, keep_until))


def mark_everything(bind: Session | Connection) -> None:
    """Every subject is to be planned again (a workspace installed again, an unknown change):
    one row, fanned out by the next pass."""
    mark_due(bind, EVERYTHING, [0])


# -- reading and storing, for the clock ---------------------------------------------------------


def due_subjects(session: Session, now: datetime, limit: int) -> list[DueSubject]:
    """The subjects due by `now`, at most `limit` (a catch-up after downtime, or a migration's
    "everything", is worked through over a few passes): those whose planned moment has come
    first, longest due first, then those marked by a change. A mass of marks (a workspace
    installed again marks every subject) then never holds back a reminder whose moment came."""
    columns = (ClockDue.kind, ClockDue.subject_id, ClockDue.version)
    timed = list(
        session.execute(
            select(*columns)
            .where(ClockDue.due_at <= now, ClockDue.due_at > DIRTY)
            .order_by(ClockDue.due_at, ClockDue.kind, ClockDue.subject_id)
            .limit(limit)
        ).tuples()
    )
    marked: list[tuple[str, int, int]] = []
    if len(timed) < limit:
        marked = list(
            session.execute(
                select(*columns)
                .where(ClockDue.due_at <= DIRTY)
                # By the moment first, though all are DIRTY: the planner then walks the moment's
                # index, not the whole table in (kind, id) order.
                .order_by(ClockDue.due_at, ClockDue.kind, ClockDue.subject_id)
                .limit(limit - len(timed))
            ).tuples()
        )
    return [DueSubject(kind, subject_id, version) for kind, subject_id, version in marked + timed]


def fan_out(session: Session, subjects: Sequence[DueSubject], now: datetime) -> list[DueSubject]:
    """Turn the fan-out marks among `subjects` into marks of every pair and person (and group)
    they stand for; the rest, which a pass plans. The fan-out rows ("all", "cohort") go first and
    each kind's marks in one statement, so the rows are taken in (kind, id) order, as every mark
    takes them (two orders could deadlock with a request on PostgreSQL). A subject already due
    within `FAN_OUT_KEEPS` keeps its moment: a catch-up of a mass of marks takes many passes, and
    a reminder due meanwhile must not wait for them."""
    from models.community.tables import CommunityGroup
    from models.pairs import Pair
    from models.people import Cohort, Participant

    fanned = [s for s in subjects if s.kind in (EVERYTHING, COHORT)]
    if not fanned:
        return list(subjects)
    forget(session, fanned)
    alive = Pair.dissolved_at.is_(None)
    keep = now + FAN_OUT_KEEPS
    if any(s.kind == EVERYTHING for s in fanned):
        mark_selected(session, GROUP, select(CommunityGroup.id), keep)
        mark_selected(session, PAIR, select(Pair.id).where(alive), keep)
        mark_selected(session, PERSON, select(Participant.id), keep)
    else:
        cohorts = sorted(s.subject_id for s in fanned)
        members: list[Any] = [Participant.cohort_id.in_(cohorts)]
        defaults = session.scalars(
            select(Cohort.team_id).where(Cohort.id.in_(cohorts), Cohort.channel_id.is_(None))
        ).all()
        if defaults:  # a workspace's default cohort: its people may have no cohort of their own
            members.append(and_(Participant.cohort_id.is_(None), Participant.team_id.in_(defaults)))
        pairs = select(Pair.id).where(alive, Pair.cohort_id.in_(cohorts))
        mark_selected(session, PAIR, pairs, keep)
        mark_selected(session, PERSON, select(Participant.id).where(or_(*members)), keep)
    return [s for s in subjects if s.kind not in (EVERYTHING, COHORT)]


def lock_rows(session: Session, subjects: Iterable[tuple[str, int]]) -> None:
    """Take these subjects' rows for this transaction, in (kind, id) order, the order every mark
    is written in: a pass's writes then never wait in a circle with another clock's or with a
    request's (a deadlock on PostgreSQL; SQLite writes one transaction at a time anyway)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    by_kind: dict[str, list[int]] = {}
    for kind, subject_id in subjects:
        by_kind.setdefault(kind, []).append(subject_id)
    for kind in sorted(by_kind):
        ids = sorted(set(by_kind[kind]))
        for start in range(0, len(ids), _IDS_A_STATEMENT):
            session.execute(
                select(ClockDue.subject_id)
                .where(
                    ClockDue.kind == kind,
                    ClockDue.subject_id.in_(ids[start : start + _IDS_A_STATEMENT]),
                )
                .order_by(ClockDue.subject_id)
                .with_for_update()
            ).all()


def forget(session: Session, subjects: Sequence[DueSubject]) -> None:
    """Nothing to plan for these until they are marked again (unless a mark came meanwhile)."""
    if not subjects:
        return
    table = _TABLE
    session.execute(
        delete(table).where(
            table.c.kind == bindparam("k"),
            table.c.subject_id == bindparam("i"),
            table.c.version == bindparam("v"),
        ),
        [{"k": s.kind, "i": s.subject_id, "v": s.version} for s in _in_order(subjects)],
    )


def store_next(session: Session, moments: Mapping[DueSubject, datetime]) -> None:
    """Each subject's next moment, unless it was marked while the pass planned it (then it stays
    due): one statement, run for each row."""
    if not moments:
        return
    table = _TABLE
    session.execute(
        update(table)
        .where(
            table.c.kind == bindparam("k"),
            table.c.subject_id == bindparam("i"),
            table.c.version == bindparam("v"),
        )
        .values(due_at=bindparam("at")),
        [
            {"k": s.kind, "i": s.subject_id, "v": s.version, "at": moments[s]}
            for s in _in_order(list(moments))
        ],
    )


def bring_forward(session: Session, moments: Mapping[tuple[str, int], datetime]) -> None:
    """These subjects are due at these moments at the latest: a row due later is brought
    forward (a mark, due now, stays). For subjects a pass planned without reading them (a due
    person's pairs, a due pair's members): a nudge one of them now has is not left to their
    daily re-read."""
    if not moments:
        return
    statement = _insert(session)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "subject_id"],
        set_={"due_at": statement.excluded.due_at},
        where=ClockDue.due_at > statement.excluded.due_at,
    )
    rows = [
        {"kind": kind, "subject_id": subject_id, "due_at": moments[kind, subject_id], "version": 0}
        for kind, subject_id in sorted(moments)
    ]
    session.execute(statement, rows)


def _in_order(subjects: Sequence[DueSubject]) -> list[DueSubject]:
    return sorted(subjects, key=lambda s: (s.kind, s.subject_id))


# The table itself, for statements run once per row (executemany) rather than through the ORM.
_TABLE: Table = ClockDue.__table__  # type: ignore[assignment]
# Ids in one IN list (well under PostgreSQL's 65,535 parameters).
_IDS_A_STATEMENT = 5000


# -- marking every change -----------------------------------------------------------------------

# For each table whose rows change what a planner says: the columns naming the subjects a row
# concerns. ("session" names a community session: its group is the subject; ("team", "user") a
# facilitator: the person with those ids.)
_SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "pairs": (("id", PAIR),),
    "pair_members": (("pair_id", PAIR), ("participant_id", PERSON)),
    "meeting_changes": (("pair_id", PAIR),),
    "meeting_outcomes": (("pair_id", PAIR),),
    "prep_completions": (("pair_id", PAIR),),
    "participants": (("id", PERSON),),
    "actions": (("owner_id", PERSON), ("pair_id", PAIR)),
    "pauses": (("participant_id", PERSON),),
    "leavers": (("participant_id", PERSON),),
    "cohorts": (("id", COHORT),),
    "cohort_breaks": (("cohort_id", COHORT),),
    "modules": (("cohort_id", COHORT),),
    "community_groups": (("id", GROUP),),
    "community_members": (("group_id", GROUP), ("participant_id", PERSON)),
    "community_sessions": (("group_id", GROUP),),
    "community_actions": (("session_id", "session"),),
    "facilitators": (("team_id", "team"), ("user_id", "user")),
    "facilitator_settings": (("team_id", "team"), ("user_id", "user")),
    # Installed again (or stopped): every subject is planned anew.
    "workspaces": (),
}
# Tables whose rows never change what a planner says (what was sent and how, request records,
# problem drafts, erasure records, the platforms' own addresses), or that the clock keeps.
_IGNORED = frozenset(
    {
        "clock_due",
        "deliveries",
        "delivery_subjects",
        "direct_posts",
        "missing_scopes",
        "slack_calls",
        "slack_pauses",
        "handled_requests",
        "erasures",
        "problems",
        "teams_copies",
        "teams_file_offers",
        "teams_people",
        "teams_channels",
        # Slack's installation and OAuth stores: an install is planned for through `workspaces`.
        "slack_installations",
        "slack_bots",
        "slack_oauth_states",
    }
)


@dataclass
class _Marks:
    ids: dict[str, set[int]] = field(default_factory=dict)
    people: set[tuple[str, str]] = field(default_factory=set)

    def row(self, table: str, values: Any) -> None:
        """Mark what one row (a mapping of column name to value) concerns."""
        columns = _SUBJECTS.get(table)
        if columns is None:
            if table not in _IGNORED:
                logger.warning("%s changed: every subject is planned again", table)
                self.ids.setdefault(EVERYTHING, set()).add(0)
            return
        if not columns:
            self.ids.setdefault(EVERYTHING, set()).add(0)
            return
        found = {column: values.get(column) for column, _ in columns}
        if "user_id" in found:
            if found["user_id"] is not None:
                self.people.add((str(found["team_id"]), str(found["user_id"])))
            return
        for column, kind in columns:
            value = found[column]
            if isinstance(value, int):
                self.ids.setdefault(kind, set()).add(value)

    def merge(self, other: _Marks) -> None:
        for kind, ids in other.ids.items():
            self.ids.setdefault(kind, set()).update(ids)
        self.people |= other.people

    def write(self, session: Session) -> None:
        """Every mark, in one order (kind, then id) whatever order the changes came in: two
        transactions marking the same subjects take their rows' locks in the same order, and
        never wait for each other in a circle (a deadlock on PostgreSQL)."""
        from models.community.tables import CommunitySession
        from models.people import Participant

        sessions = self.ids.pop("session", set())
        if sessions:
            self.ids.setdefault(GROUP, set()).update(
                session.scalars(
                    select(CommunitySession.group_id).where(
                        CommunitySession.id.in_(sorted(sessions))
                    )
                )
            )
        for team_id, user_id in sorted(self.people):
            self.ids.setdefault(PERSON, set()).update(
                session.scalars(
                    select(Participant.id).where(
                        Participant.team_id == team_id, Participant.user_id == user_id
                    )
                )
            )
        for kind in sorted(self.ids):
            mark_due(session, kind, self.ids[kind])


class _Values:
    """A mapped object's column values by column name (what `_Marks.row` reads)."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def get(self, column: str) -> Any:
        return getattr(self.obj, column, None)


# Columns a planner never reads (where a DM or group DM is, a name shown in messages): a change
# to these alone marks nothing (the clock itself sets them as it opens conversations).
_UNPLANNED_COLUMNS: dict[str, frozenset[str]] = {
    "participants": frozenset({"dm_channel_id", "display_name"}),
    "pairs": frozenset({"group_channel_id"}),
}


def _plan_changed(obj: Any) -> bool:
    """Whether a changed object changed a column some planner reads."""
    state = inspect(obj)
    unplanned = _UNPLANNED_COLUMNS.get(getattr(obj, "__tablename__", ""), frozenset())
    return any(
        attribute.history.has_changes()
        for attribute in state.attrs
        if attribute.key not in unplanned
    )


@event.listens_for(Session, "after_flush")
def _mark_flushed(session: Session, flush_context: UOWTransaction) -> None:
    """Every row this flush added, changed or deleted marks its subjects, in the same
    transaction (new rows' ids are known by now)."""
    marks = _Marks()
    changed = [*session.new, *session.deleted]
    changed += [obj for obj in session.dirty if _plan_changed(obj)]
    for obj in changed:
        marks.row(getattr(obj, "__tablename__", ""), _Values(obj))
    _pending(session).merge(marks)


@event.listens_for(Session, "do_orm_execute")
def _mark_statement(state: ORMExecuteState) -> None:
    """A bulk INSERT, UPDATE or DELETE (an import, a delete by query, a claim) marks the subjects
    of the rows it names: an UPDATE or DELETE's are read first, by its own WHERE clause."""
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return
    table = getattr(statement.table, "name", "")
    if table in _IGNORED:
        return
    marks = _Marks()
    columns = _SUBJECTS.get(table)
    if isinstance(statement, Insert):
        parameters = state.parameters
        rows = parameters if isinstance(parameters, list) else [parameters or {}]
        for row in rows:
            marks.row(table, row)
    elif columns is None:
        marks.row(table, {})
    else:
        source = statement.table
        named = [source.c[column] for column, _ in columns] or [literal(1).label("any")]
        query = select(*named).select_from(source)
        if statement.whereclause is not None:
            query = query.where(statement.whereclause)
        for row in state.session.execute(query).mappings():
            marks.row(table, row)
    _pending(state.session).merge(marks)


_MARKS = "clock_due_marks"


def _pending(session: Session) -> _Marks:
    """The marks this session's transaction has collected, written when it commits."""
    marks = session.info.get(_MARKS)
    if marks is None:
        marks = session.info[_MARKS] = _Marks()
    assert isinstance(marks, _Marks)
    return marks


@event.listens_for(Session, "before_commit")
def _write_marks(session: Session) -> None:
    """At the outermost commit, after its last flush: the transaction's marks, written in it."""
    if session.in_nested_transaction():
        return
    session.flush()
    marks = session.info.pop(_MARKS, None)
    if isinstance(marks, _Marks) and (marks.ids or marks.people):
        marks.write(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_marks(session: Session, transaction: SessionTransaction) -> None:
    """A transaction rolled back changed nothing: its marks go with it."""
    if transaction.parent is None:
        session.info.pop(_MARKS, None)
