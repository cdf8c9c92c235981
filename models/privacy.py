"""A participant's own data: everything Buddy holds about them (export), and erasing it (forget).

Both find the data generically, from the tables themselves, so a table added later is covered
without a change here: every row with a foreign key to their participant row, every row of their
pairs (for export), and every text column holding their Slack id (who formed, changed, answered,
started something). Erasure keeps only anonymous counts (`erasures`).

Both stay in the person's own workspace (their participant row's `team_id`: a Slack team, a
Teams tenant). A participant row, and so everything keyed to it, is one workspace's already; a
text column naming their id is read only in rows of that workspace (by the table's `team_id`,
or through the pair, person or group the row belongs to), since in an Enterprise Grid org the
same person has the same Slack id in every workspace, and another workspace's records of them
are that workspace's to export or erase.

Erasure also reaches what Buddy posted in Slack: from the outbox's and the handlers' records of
where each message about them went (never what it said), it lists the messages to clear, and it
drops what the clock planned with their words but has not sent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.base import ID_LENGTH, Base, UTCDateTime, platform_name
from models.community.tables import CommunityAction
from models.deliveries import (
    CLAIMED,
    COMMUNITY_RECORD_KIND,
    PENDING,
    SENT,
    Delivery,
    DirectPost,
    community_subject,
)
from models.pairs import Pair, Unpaired, members_of, pair_of, unpair
from models.people import Participant
from models.problems.tables import Problem
from models.refusals import Refusal

# What an erased person's Slack id becomes where a shared record named them.
ERASED = "erased"
# Rows Buddy keeps only for the person, though the key may be empty: erased with them.
ROWS_ABOUT_THEM = frozenset({("deliveries", "participant_id")})


class Erasure(Base):
    """What is left of an erased participant: when, how, and how many of each kind of record."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    by_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON: table name → how many of its rows were about them. No ids, no text.
    counts: Mapped[str] = mapped_column(Text)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _tables() -> list[Table]:
    import models.registry  # noqa: F401  (every table module, so none is missed)

    # A front end's record of the app's own credentials (Slack's installations) is nobody's data.
    return [
        t
        for t in Base.metadata.sorted_tables
        if t.name != Erasure.__tablename__ and not t.info.get("app_credentials")
    ]


def _person_keys(table: Table) -> list[Column[Any]]:
    return [
        c
        for c in table.columns
        if any(f.column.table.name == "participants" for f in c.foreign_keys)
    ]


def _pair_keys(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if any(f.column.table.name == "pairs" for f in c.foreign_keys)]


def _text_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, String | Text) and not c.foreign_keys]


def _workspace_column(table: Table) -> Column[Any] | None:
    """The column saying which workspace a row is in: a Teams table's `tenant_id` (its `team_id`,
    where it has one, is a team inside the tenant), else `team_id`."""
    for name in ("tenant_id", "team_id"):
        if name in table.c:
            return table.c[name]
    return None


def _in_workspace(
    table: Table, team_id: str, seen: frozenset[str] = frozenset()
) -> ColumnElement[bool] | None:
    """The rows of `table` in workspace `team_id` (a Slack team, a Teams tenant): by the table's
    own column, else through the rows its keys point at (a meeting change by its pair, a delivery
    by its pair or its person, a delivery's further subjects by the delivery). None: the table
    keeps no workspace's rows (the clock's marks, the calls Slack rate-limited).

    Why: one person has the same Slack id in every workspace of an Enterprise Grid org, so a
    record naming their id may be another workspace's; what they ask of one workspace (their
    export, their erasure) must not reach into the other."""
    column = _workspace_column(table)
    if column is not None:
        return column == team_id
    found: list[ColumnElement[bool]] = []
    for key_column in table.columns:
        for key in key_column.foreign_keys:
            parent = key.column.table
            if not isinstance(parent, Table) or parent.name == table.name or parent.name in seen:
                continue
            within = _in_workspace(parent, team_id, seen | {table.name})
            if within is not None:
                found.append(key_column.in_(select(key.column).where(within)))
    return or_(*found) if found else None


def _names(table: Table, user_id: str, team_id: str) -> ColumnElement[bool] | None:
    """Rows of workspace `team_id` with the person's id in any text column (exactly, or inside a
    list or a channel id). None: nothing there can name them. A table that keeps no workspace's
    rows holds nobody's data (and could not tell whose workspace a match was in)."""
    found = [c.contains(user_id) for c in _text_columns(table)]
    within = _in_workspace(table, team_id)
    if not found or within is None:
        return None
    return and_(or_(*found), within)


# -- export ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def export_data(session: Session, participant: Participant) -> dict[str, list[dict[str, Any]]]:
    """Every row about the participant, by table: theirs, their pairs', and any naming them."""
    user_id = participant.user_id
    found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = defaultdict(dict)
    tables = _tables()
    current = pair_of(session, participant)
    pair_ids: set[int] = {current.id} if current is not None else set()

    def keep(table: Table, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
        rows = [dict(r._mapping) for r in session.execute(select(table).where(condition))]
        pk = [c.name for c in table.primary_key.columns]
        for row in rows:
            found[table.name][tuple(row[k] for k in pk)] = {k: _plain(v) for k, v in row.items()}
        return rows

    for table in tables:
        if table.name == "participants":
            keep(table, table.c.id == participant.id)
            continue
        for column in _person_keys(table):
            for row in keep(table, column == participant.id):
                pair_ids.update(row[c.name] for c in _pair_keys(table) if row[c.name] is not None)
        if (names := _names(table, user_id, participant.team_id)) is not None:
            for row in keep(table, names):
                if table.name == "pairs":
                    pair_ids.add(row["id"])
    for table in tables:
        if table.name == "pairs":
            keep(table, table.c.id.in_(pair_ids))
        elif not [c for c in _person_keys(table) if not c.nullable]:
            # A pair's records (meetings, changes, outcomes, messages to the pair's DM); another
            # member's own rows (their actions, their prep) are theirs, not this person's.
            for column in _pair_keys(table):
                keep(table, column.in_(pair_ids))
    return {name: list(rows.values()) for name, rows in sorted(found.items()) if rows}


def export_json(data: dict[str, list[dict[str, Any]]], user_id: str, now: datetime) -> str:
    return json.dumps(
        {"user_id": user_id, "exported_at": now.isoformat(), "tables": data},
        indent=2,
        ensure_ascii=False,
        default=str,
    )


def export_summary(
    data: dict[str, list[dict[str, Any]]], team_id: str, user_id: str, now: datetime
) -> str:
    """The same data as plain text a person can read: one section per kind of record."""
    lines = [
        f"Everything Buddy holds about {platform_name(team_id)} user {user_id}, "
        f"as of {now:%Y-%m-%d %H:%M} UTC.",
        "Each section is one kind of record; the JSON file has the same data for machines.",
        "Buddy stores no copies of the messages it sent, only when and where each went.",
        "",
    ]
    for table, rows in data.items():
        title = table.replace("_", " ")
        lines.append(f"== {title} ({len(rows)}) ==")
        for row in rows:
            shown = "; ".join(f"{k}: {v}" for k, v in row.items() if v is not None and v != "")
            lines.append(f"- {shown}")
        lines.append("")
    return "\n".join(lines)


# -- erasure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forgotten:
    """What erasing someone changed outside the database: whom to tell, which cards to delete,
    which of Buddy's messages to clear and which files to delete."""

    user_id: str
    unpaired: Unpaired | None
    buddies: list[str]
    cards: list[tuple[str, str]]  # (channel, ts) of each problem card Buddy posted for them
    counts: dict[str, int]
    # (channel, ts) of every other message Buddy sent about them or quoting their words: to be
    # cleared in Slack now that the records are gone.
    messages: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files Buddy uploaded for them (the export)


def _references(tables: Iterable[Table], target: Table) -> list[tuple[Table, Column[Any], str]]:
    """Each column pointing at `target`, with the column of `target` it points at."""
    found = []
    for table in tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name == target.name:
                    found.append((table, column, key.column.name))
    return found


def _delete_rows(
    session: Session, tables: list[Table], table: Table, condition: ColumnElement[bool]
) -> int:
    """Delete rows and, first, what points at them: a reference that may be empty is emptied,
    one that may not goes with them."""
    for other, column, target in _references(tables, table):
        keys = select(table.c[target]).where(condition).scalar_subquery()
        if column.nullable and (other.name, column.name) not in ROWS_ABOUT_THEM:
            session.execute(update(other).where(column.in_(keys)).values({column.name: None}))
        else:
            _delete_rows(session, tables, other, column.in_(keys))
    result = session.execute(delete(table).where(condition))
    return int(getattr(result, "rowcount", 0) or 0)


def _count(session: Session, table: Table, condition: ColumnElement[bool]) -> int:
    return len(session.execute(select(table).where(condition)).all())


def forget(
    session: Session, participant: Participant, now: datetime, *, by_facilitator: bool
) -> Forgotten:
    """Erase the participant: their pair ends, their rows go, shared records lose their id and
    what they typed there, and only anonymous counts stay."""
    user_id = participant.user_id
    tables = _tables()
    people = Base.metadata.tables["participants"]
    current = pair_of(session, participant)
    buddies = (
        [m.user_id for m in members_of(session, current) if m.id != participant.id]
        if current is not None
        else []
    )
    about = _deliveries_about(session, tables, participant, current)
    _hold_back_unsent(session, tables, about, user_id, now)
    unpaired = unpair(session, participant, now) if current is not None else None
    cards = [
        (p.channel_id, p.message_ts)
        for p in session.scalars(
            select(Problem).where(
                Problem.owner_id == participant.id,
                Problem.channel_id.is_not(None),
                Problem.message_ts.is_not(None),
            )
        )
        if p.channel_id and p.message_ts
    ]
    messages, files = _posted_about(session, participant, about, cards)
    counts: dict[str, int] = {}
    for table in tables:
        for column in _person_keys(table):
            counted = _count(session, table, column == participant.id)
            if counted:
                counts[table.name] = counts.get(table.name, 0) + counted
    session.flush()

    # Their own rows, and every reference to them.
    for table in tables:
        for column in _person_keys(table):
            if column.nullable and (table.name, column.name) not in ROWS_ABOUT_THEM:
                session.execute(
                    update(table).where(column == participant.id).values({column.name: None})
                )
            else:
                _delete_rows(session, tables, table, column == participant.id)
    # Shared records that name them: the id goes, and so does what they typed there.
    for table in tables:
        if table is people or (names := _names(table, user_id, participant.team_id)) is None:
            continue
        _scrub(session, tables, table, names, user_id)
    _delete_rows(session, tables, people, people.c.id == participant.id)
    session.add(
        Erasure(
            team_id=participant.team_id,
            cohort_id=participant.cohort_id,
            by_facilitator=by_facilitator,
            counts=json.dumps(counts, sort_keys=True),
            erased_at=now,
        )
    )
    session.flush()
    session.expunge(participant)
    return Forgotten(
        user_id=user_id,
        unpaired=unpaired,
        buddies=buddies,
        cards=cards,
        counts=counts,
        messages=messages,
        files=files,
    )


def _their_pairs(
    session: Session, tables: list[Table], participant: Participant, current: Pair | None
) -> set[int]:
    """Every pair Buddy's records say they were in: the current one, and any their own rows point
    at (their actions, the clock's messages to them). Leaving a pair keeps no member row."""
    found = {current.id} if current is not None else set()
    for table in tables:
        pairs = _pair_keys(table)
        if table.name == "pairs" or not pairs:
            continue
        for column in _person_keys(table):
            for row in session.execute(select(*pairs).where(column == participant.id)):
                found.update(int(value) for value in row if value is not None)
    return found


def _deliveries_about(
    session: Session, tables: list[Table], participant: Participant, current: Pair | None
) -> ColumnElement[bool]:
    """The clock's messages about them: to them or about their actions (their participant id),
    to a pair they were in as a whole (how they meet, their open actions, their answers), naming
    them as what they are about (a facilitator's nudge, a digest), and the records of community
    sessions that quote actions they saved there. Another member's own (their chase, their
    overdue note) are that member's. Those naming them are their workspace's only: another
    workspace's (a nudge they sent as its facilitator) name the same id, but not this person."""
    pair_ids = sorted(_their_pairs(session, tables, participant, current))
    saved_in = session.scalars(
        select(CommunityAction.session_id).where(CommunityAction.participant_id == participant.id)
    )
    records = [community_subject(session_id) for session_id in saved_in]
    return or_(
        Delivery.participant_id == participant.id,
        and_(Delivery.participant_id.is_(None), Delivery.pair_id.in_(pair_ids)),
        and_(Delivery.subject.contains(participant.user_id), _deliveries_in(participant.team_id)),
        and_(Delivery.kind == COMMUNITY_RECORD_KIND, Delivery.subject.in_(records)),
    )


def _deliveries_in(team_id: str) -> ColumnElement[bool]:
    """The clock's messages in workspace `team_id`: by their pair's workspace or their person's."""
    within = _in_workspace(Base.metadata.tables[Delivery.__tablename__], team_id)
    assert within is not None  # a delivery's pair and person each have a workspace
    return within


def _hold_back_unsent(
    session: Session, tables: list[Table], about: ColumnElement[bool], user_id: str, now: datetime
) -> None:
    """Nothing the clock planned with their words goes out after this. What is not yet claimed
    is dropped (a trio that carries on has its nudges planned afresh, without them). One being
    posted at this moment could not be found to clear once it lands, so the erasure waits for it:
    the drop comes first, so a claim taken meanwhile is seen here, or finds its row gone."""
    deliveries = Base.metadata.tables[Delivery.__tablename__]
    _delete_rows(session, tables, deliveries, and_(about, Delivery.status == PENDING))
    sending = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(about, Delivery.status == CLAIMED, Delivery.lease_until > now)
    )
    if sending:
        raise Refusal(
            "Buddy is posting one of its messages about {0} at this moment. Please press "
            "*Yes, erase it* again in a minute: once that message is out, it is cleared with the "
            "rest.",
            people=[user_id],
        )


def _posted_about(
    session: Session,
    participant: Participant,
    about: ColumnElement[bool],
    cards: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[str]]:
    """Where Buddy's messages about them are (the clock's, as the outbox recorded them, and the
    handlers' own posts), oldest first, each once; and the files it uploaded for them."""
    sent = session.execute(
        select(Delivery.channel_id, Delivery.message_ts)
        .where(
            about,
            Delivery.status == SENT,
            Delivery.channel_id.is_not(None),
            Delivery.message_ts.is_not(None),
        )
        .order_by(Delivery.id)
    ).all()
    posts = session.execute(
        select(DirectPost.channel_id, DirectPost.message_ts, DirectPost.file_id)
        .where(DirectPost.participant_id == participant.id)
        .order_by(DirectPost.id)
    ).all()
    found = [(str(channel), str(ts)) for channel, ts in sent]
    found += [(str(channel), str(ts)) for channel, ts, _ in posts if ts]
    deleted = set(cards)
    messages = [place for place in dict.fromkeys(found) if place not in deleted]
    files = list(dict.fromkeys(str(file_id) for _, _, file_id in posts if file_id))
    return messages, files


def _scrub(
    session: Session,
    tables: list[Table],
    table: Table,
    names: ColumnElement[bool],
    user_id: str,
) -> None:
    pk = list(table.primary_key.columns)
    texts = _text_columns(table)
    for row in session.execute(select(table).where(names)).all():
        values = row._mapping
        where = [c == values[c.name] for c in pk]
        if any(values[c.name] == user_id and _is_person_key(c) for c in texts):
            _delete_rows(session, tables, table, _all(where))
            continue
        changes: dict[str, Any] = {}
        named_exactly = any(values[c.name] == user_id for c in texts)
        for column in texts:
            value = values[column.name]
            if not isinstance(value, str):
                continue
            if value == user_id:
                changes[column.name] = None if column.nullable else ERASED
            elif user_id in value:
                changes[column.name] = value.replace(user_id, ERASED)
            elif named_exactly and column.nullable and isinstance(column.type, Text):
                # A free-text field of a record they made (a skip's reason): their words.
                changes[column.name] = None
        session.execute(update(table).where(_all(where)).values(changes))


def _is_person_key(column: Column[Any]) -> bool:
    """A column naming whose row it is: the row goes with them (a front end's own tables mark
    theirs with `info={"person_key": True}`)."""
    return column.name == "user_id" or bool(column.info.get("person_key"))


def _all(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    condition = conditions[0]
    for more in conditions[1:]:
        condition = condition & more
    return condition
