"""Pairs from a CSV file, all or nothing: every row is checked before any is written.

Columns: `buddy_1`, `buddy_2`, optional `buddy_3`, optional `slot` (`thu 16:00`, or
`thu 16:00 tz Europe/Paris`). A buddy is a Slack user id (U0123ABCD) or an email address, which
the caller resolves to an id first (`resolve_emails`). The same rules serve the command line
and the Slack modal. Writing 5,000 rows is a few bulk statements, not 5,000 round trips.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.grammar import ParseError, parse_slot_args
from models.meetings.schedule import first_slot_date, local_instant
from models.pairs import Pair, PairMember
from models.people import Cohort, Participant
from models.welcome import IMPORTED, WELCOME_NOW, WelcomeChoice, schedule_import_welcomes

# The columns, what each holds, and an example file: the parser, the command line, the Slack
# modal, README.md and samples/pairs.csv all say the same (tests hold them to it).
COLUMN_MEANINGS = (
    ("buddy_1", "a Slack user id, or the person's email in Slack"),
    ("buddy_2", "the same, for the second buddy"),
    ("buddy_3", "optional: a third buddy, for a trio"),
    ("slot", "optional: the fortnightly slot, as `/buddy slot` takes it"),
)
COLUMNS = tuple(name for name, _ in COLUMN_MEANINGS)
REQUIRED = ("buddy_1", "buddy_2")
HEADER = ",".join(COLUMNS)
EXAMPLE_ROWS = (
    "U0123ALICE,U0123BOBBY,,thu 16:00",
    "U0123CAROL,dan@school.example.org,,mon 8am",
    "U0123ERINN,U0123FRANK,U0123GRACE,",
)
README_HINT = 'See "Importing pairs" in README.md, and samples/pairs.csv.'
MAX_REPORTED = 50
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True)
class PairDraft:
    line: int
    people: tuple[str, ...]  # Slack ids or emails, as written
    slot: tuple[int, time, str | None] | None


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class PairsRefused(Exception):
    """Nothing was imported; `problems` say which lines, or the message says why."""

    def __init__(self, message: str, problems: Sequence[LineProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def describe_problems(problems: Sequence[LineProblem]) -> list[str]:
    ordered = sorted(problems, key=lambda p: p.line)
    shown = [str(p) for p in ordered[:MAX_REPORTED]]
    if len(ordered) > MAX_REPORTED:
        shown.append(f"... and {len(ordered) - MAX_REPORTED} more.")
    return shown


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PairsRefused(
            f"The file is not UTF-8 text (the first odd character is on line {line}). In Excel "
            "choose Save As → 'CSV UTF-8 (Comma delimited)'."
        ) from None


def parse_pairs_csv(text: str, today: date) -> tuple[list[PairDraft], list[LineProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    drafts: list[PairDraft] = []
    problems: list[LineProblem] = []
    positions: dict[str, int] | None = None
    try:
        ended = 0
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if positions is None:
                names = [re.sub(r"[\s-]+", "_", c.strip().lower()) for c in cells]
                positions = {n: i for i, n in reversed(list(enumerate(names))) if n in COLUMNS}
                missing = [c for c in REQUIRED if c not in positions]
                if missing:
                    raise PairsRefused(
                        f"line {line}: the header row should be {HEADER} (no "
                        f"{', '.join(missing)} column)."
                    )
                continue
            found = _row(line, cells, positions, today)
            if isinstance(found, LineProblem):
                problems.append(found)
            else:
                drafts.append(found)
    except csv.Error as error:
        problems.append(LineProblem(reader.line_num, f"this is not valid CSV ({error})."))
    if positions is None:
        raise PairsRefused(f"The file is empty. It should start with the header row {HEADER}.")
    if not drafts and not problems:
        raise PairsRefused("The file has only a header row, so there are no pairs to import.")
    return drafts, problems


def _row(
    line: int, cells: list[str], at: Mapping[str, int], today: date
) -> PairDraft | LineProblem:
    def cell(name: str) -> str:
        index = at.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    people = [cell(c) for c in ("buddy_1", "buddy_2", "buddy_3") if cell(c)]
    if len(people) < 2:
        return LineProblem(line, "a pair needs buddy_1 and buddy_2.")
    for person in people:
        if not (_USER_ID.match(person) or _EMAIL.match(person)):
            return LineProblem(
                line, f"{person[:60]!r} is neither a Slack user id (U0123ABCD) nor an email."
            )
    if len({p.lower() for p in people}) < len(people):
        return LineProblem(line, "the same person is named twice in this pair.")
    slot = None
    if cell("slot"):
        parsed = parse_slot_args(cell("slot"), today)
        if isinstance(parsed, ParseError):
            return LineProblem(line, f"slot {cell('slot')[:40]!r}: {parsed.message}")
        slot = (parsed.weekday, parsed.at, parsed.zone)
    return PairDraft(line, tuple(people), slot)


def emails_in(drafts: Iterable[PairDraft]) -> list[str]:
    return sorted({p.lower() for d in drafts for p in d.people if "@" in p})


@dataclass(frozen=True)
class ImportedPairs:
    cohort_name: str
    pairs: int
    people: int
    welcome: WelcomeChoice = WELCOME_NOW


def import_pairs(
    session: Session,
    cohort: Cohort,
    drafts: Sequence[PairDraft],
    problems: Sequence[LineProblem],
    emails: Mapping[str, str],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    welcome: WelcomeChoice = WELCOME_NOW,
) -> ImportedPairs:
    """Check every row against the file and the database, then write all of them, or refuse.

    The people paired are welcomed when the facilitator chose (the clock sends it); a pair's
    first meeting is its first slot after that moment, so no one meets before being told."""
    problems = list(problems)
    resolved: list[tuple[PairDraft, tuple[str, ...]]] = []
    seen: dict[str, int] = {}
    for draft in drafts:
        ids = []
        for person in draft.people:
            user_id = emails.get(person.lower()) if "@" in person else person
            if user_id is None:
                problems.append(LineProblem(draft.line, f"no one in Slack has the email {person}."))
                break
            if user_id in seen:
                problems.append(
                    LineProblem(
                        draft.line, f"{person} is also in the pair on line {seen[user_id]}."
                    )
                )
                break
            seen[user_id] = draft.line
            ids.append(user_id)
        else:
            resolved.append((draft, tuple(ids)))
    known = {
        p.user_id: p
        for p in session.scalars(select(Participant).where(Participant.team_id == cohort.team_id))
    }
    paired = set(
        session.scalars(
            select(PairMember.participant_id)
            .join(Pair, Pair.id == PairMember.pair_id)
            .where(Pair.dissolved_at.is_(None))
        )
    )
    for draft, member_ids in resolved:
        for user_id in member_ids:
            participant = known.get(user_id)
            if participant is not None and participant.id in paired:
                problems.append(LineProblem(draft.line, f"{user_id} is already in a buddy pair."))
            elif participant is not None and participant.is_bot:
                problems.append(LineProblem(draft.line, f"{user_id} is a bot."))
    if problems:
        raise PairsRefused("Nothing was imported.", problems)
    new_people = [
        {
            "team_id": cohort.team_id,
            "user_id": u,
            "cohort_id": cohort.id,
            "is_bot": False,
            "created_at": now,
        }
        for _, ids in resolved
        for u in ids
        if u not in known
    ]
    if new_people:
        session.execute(insert(Participant), new_people)
    for participant in known.values():
        if participant.user_id in seen:
            participant.cohort_id = cohort.id
    session.flush()
    ids_of = dict(
        session.execute(
            select(Participant.user_id, Participant.id).where(
                Participant.team_id == cohort.team_id,
                Participant.user_id.in_(list(seen)),
            )
        )
        .tuples()
        .all()
    )
    pair_rows = []
    for offset, (draft, _ids) in enumerate(resolved):
        row: dict[str, object] = {
            "team_id": cohort.team_id,
            "cohort_id": cohort.id,
            "formed_by": IMPORTED,
            "created_at": now,
        }
        if draft.slot is not None:
            weekday, at, zone = draft.slot
            zone = zone or cohort.timezone
            told = max(now, welcome.moment(zone, now)) if not welcome.never else now
            first = first_slot_date(weekday, told.astimezone(ZoneInfo(zone)).date())
            if local_instant(first, at, zone) <= told:
                first += timedelta(days=7)
            row.update(
                slot_weekday=weekday,
                slot_time=at,
                slot_timezone=zone,
                slot_first_date=first,
                slot_set_at=now,
            )
        pair_rows.append(row)
        if progress is not None and offset % 500 == 0:
            progress(offset)
    columns = {k for r in pair_rows for k in r}
    pair_ids = _insert_pairs(session, [{k: r.get(k) for k in columns} for r in pair_rows])
    member_rows = [
        {"pair_id": pair_id, "participant_id": ids_of[u], "joined_at": now}
        for pair_id, (_, ids) in zip(pair_ids, resolved, strict=True)
        for u in ids
    ]
    session.execute(insert(PairMember), member_rows)
    schedule_import_welcomes(session, list(ids_of.values()), welcome, cohort.timezone, now)
    if progress is not None:
        progress(len(resolved))
    return ImportedPairs(cohort.name, len(resolved), len(seen), welcome)


def _insert_pairs(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert the pairs in bulk; their ids in the rows' order. PostgreSQL returns them from its
    batched INSERTs. SQLite would insert row by row to return them in order (50,000 statements
    for 50,000 rows), so there one executemany writes them all and the ids are read back: from
    the first row written the transaction holds SQLite's only write lock until it commits, so the
    newest ids are these rows', in order."""
    if session.get_bind().dialect.name != "sqlite":
        return list(
            session.scalars(insert(Pair).returning(Pair.id, sort_by_parameter_order=True), rows)
        )
    session.execute(insert(Pair), rows)
    newest = session.scalars(select(Pair.id).order_by(Pair.id.desc()).limit(len(rows)))
    return sorted(newest)
