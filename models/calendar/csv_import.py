"""A module calendar from CSV text: read, every row checked, bad rows reported by line number.

Pure: it reads text and returns drafts and problems, so the command line and Slack's import modal
check a file the same way before either writes anything.
"""

from __future__ import annotations

import _csv
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from models.calendar.modules import (
    CalendarProblem,
    ModuleDraft,
    ModuleLike,
    check_calendar,
    check_fields,
    fortnight_end,
)
from models.grammar import ParseError, format_day, parse_date_with_year

# The columns, what each holds, and an example file: the parser, the command line, the Slack
# modal, README.md and samples/modules.csv all say the same (tests hold them to it).
COLUMN_MEANINGS = (
    ("code", "the module's code, unique in the cohort"),
    ("title", "the application module's title (in double quotes if it has a comma)"),
    ("insight_module", "the insight module to complete before it"),
    ("starts_on", "the first day of its fortnight, `2026-12-03` or day first `3/12/2026`"),
)
COLUMNS = tuple(name for name, _ in COLUMN_MEANINGS)
HEADER = ",".join(COLUMNS)
EXAMPLE_ROWS = (
    "A1,Leading teacher development: how pupils learn,Insight module A1: Memory and cognitive "
    "load,2026-09-14",
    'B3,"Leading teacher development: professional development, coaching and mentoring",'
    "Insight module B3: Effective professional development,2026-11-30",
)
README_HINT = 'See "Importing a module calendar" in README.md, and samples/modules.csv.'
MAX_REPORTED = 50


class ImportRefused(Exception):
    """The import cannot go ahead; the message says why, in words for the person running it."""


@dataclass(frozen=True)
class Row:
    """A module read from the file, with the line it came from."""

    line: int
    draft: ModuleDraft


@dataclass(frozen=True)
class Problem:
    """What is wrong with the row on one line of the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Header:
    """Where each column is, and how many columns the header row has."""

    positions: dict[str, int]
    width: int


def parse_module_csv(text: str) -> tuple[list[Row], list[Problem]]:
    """The rows that are well formed, and the problems with each row that is not."""
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    rows: list[Row] = []
    try:
        header = _header(reader)
        ended = reader.line_num
        for cells in reader:
            # A quoted value may span lines: a row is reported by the line it starts on.
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            row_problems, draft = _row(cells, header)
            problems.extend(Problem(line, p) for p in row_problems)
            if draft is not None:
                rows.append(Row(line, draft))
    except csv.Error as error:
        problems.append(Problem(reader.line_num, f"this is not valid CSV ({error})."))
    return rows, problems


def check_rows(rows: Sequence[Row], existing: Sequence[ModuleLike] = ()) -> list[Problem]:
    """The rules between modules, across the file and any modules kept: codes, overlaps."""
    drafts = [row.draft for row in rows]
    line_of = {id(row.draft): row.line for row in rows}
    return [
        Problem(rows[index].line, _between(problem, rows[index].draft, line_of))
        for index, problem in check_calendar(drafts, existing)
    ]


def _between(problem: CalendarProblem, draft: ModuleDraft, line_of: dict[int, int]) -> str:
    clash = problem.clash
    if clash is None:
        return problem.message
    where = (
        f"on line {line_of[id(clash)]}"
        if id(clash) in line_of
        else "already in the cohort's calendar"
    )
    if problem.kind == "duplicate":
        return f"module {clash.code} appears twice (it is also {where})."
    return (
        f"module {draft.code}'s fortnight ({span_text(draft.starts_on)}) overlaps {clash.code}'s "
        f"({span_text(clash.starts_on)}, {where}); fortnights can't overlap."
    )


def _header(reader: _csv.Reader) -> Header:
    """Where each column is; raise if the header row is missing or lacks a column."""
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        names = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in cells]
        positions: dict[str, int] = {}
        for index, name in enumerate(names):
            if name in positions and name in COLUMNS:
                raise ImportRefused(
                    f"line {reader.line_num}: the header names the column {name} twice."
                )
            positions.setdefault(name, index)
        missing = [c for c in COLUMNS if c not in positions]
        if len(missing) == len(COLUMNS):
            raise ImportRefused(
                f"line {reader.line_num}: the first line should be the header row, {HEADER}."
            )
        if missing:
            raise ImportRefused(
                f"line {reader.line_num}: the header row has no {', '.join(missing)} column. "
                f"It should be: {HEADER}."
            )
        return Header({c: positions[c] for c in COLUMNS}, len(cells))
    raise ImportRefused(f"the file is empty. It should start with the header row {HEADER}.")


def _row(cells: list[str], header: Header) -> tuple[list[str], ModuleDraft | None]:
    width = header.width
    if any(cell.strip() for cell in cells[width:]):
        return [
            f"this row has {len(cells)} values but the header has {width} columns. "
            'A title with a comma in it needs double quotes: "Leading teaching, part 1".'
        ], None
    values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in header.positions.items()}
    problems: list[str] = []
    starts_on = _csv_date(values["starts_on"])
    if isinstance(starts_on, str):
        problems.append(starts_on)
    draft = ModuleDraft.of(
        values["code"],
        values["title"],
        values["insight_module"],
        starts_on if isinstance(starts_on, date) else date.min,
    )
    field_problem = check_fields(draft)
    if field_problem is not None:
        problems.append(field_problem.message)
    return problems, (None if problems else draft)


def _csv_date(text: str) -> date | str:
    """`2026-12-03` or day-first `3/12/2026`; a year is required, as a file outlives its year."""
    if not text:
        return "starts_on is empty; give the module's first day, like 2026-12-03 or 3/12/2026."
    found = parse_date_with_year(text)
    if found is None:
        return (
            f"starts_on {text!r} is not a date I can read; write 2026-12-03 or 3/12/2026 "
            "(day first, with the year)."
        )
    if isinstance(found, ParseError):
        return f"starts_on {text!r} is not a real date (dates here are day first: 3/12/2026)."
    return found


def span_text(starts_on: date) -> str:
    end = fortnight_end(starts_on)
    return f"{format_day(starts_on)} {starts_on.year} to {format_day(end)} {end.year}"
