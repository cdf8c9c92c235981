"""How long `python -m bot import modules` and `import pairs` take for big files: seconds and
SQL statements.

Each size is written to a CSV file (modules a fortnight apart; pairs of Slack ids, each with a
slot; every row good) and imported into a fresh database through the same function the command
line uses (the Slack modal's import calls the same rules); for modules, checking and writing are
timed apart. The time should grow in step with the rows (10x the rows, about 10x the time): the
issue measured 2.8 s for 5,000 rows and 232 s for 50,000.

Usage: .venv/bin/python -m bench.imports [--rows 5000 50000] [--kinds modules pairs]
           [--database-url URL]
Prints its figures; it asserts nothing (targets are read by people, not by the test suite).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from bot.importing import import_modules, import_pairs_file, read_module_csv
from bot.migrate import upgrade_to_head
from models.calendar.csv_import import HEADER, check_rows
from models.db import make_engine, make_session_factory
from models.facilitators.imports import HEADER as PAIRS_HEADER

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FIRST = date(1900, 1, 1)


def write_file(folder: Path, rows: int) -> Path:
    path = folder / f"modules-{rows}.csv"
    lines = [HEADER]
    for n in range(rows):
        starts_on = FIRST + timedelta(days=14 * n)
        lines.append(f"M{n},Module {n} title,Insight module {n},{starts_on.isoformat()}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_pairs_file(folder: Path, rows: int) -> Path:
    path = folder / f"pairs-{rows}.csv"
    days = ("mon", "tue", "wed", "thu", "fri")
    lines = [PAIRS_HEADER]
    for n in range(rows):
        lines.append(f"U{n:08d}A,U{n:08d}B,,{days[n % 5]} {9 + n % 8}:00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pairs(folder: Path, rows: int, database_url: str | None) -> None:
    url = database_url or f"sqlite:///{folder}/bench-pairs-{rows}.db"
    upgrade_to_head(url)
    engine = make_engine(url)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    path = write_pairs_file(folder, rows)
    began = time.perf_counter()
    result = import_pairs_file(make_session_factory(engine), path, now=NOW, team="T1")
    took = time.perf_counter() - began
    print(
        f"{rows} pairs ({url.split(':')[0]}): import {took:.2f} s, {statements} SQL statements, "
        f"{result.pairs} pairs of {result.people} people stored"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--kinds", nargs="+", default=["modules", "pairs"])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    if "pairs" in args.kinds:
        for rows in args.rows:
            pairs(folder, rows, args.database_url)
    if "modules" not in args.kinds:
        return
    for rows in args.rows:
        url = args.database_url or f"sqlite:///{folder}/bench-{rows}.db"
        upgrade_to_head(url)
        engine = make_engine(url)
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count)
        sessions = make_session_factory(engine)
        path = write_file(folder, rows)

        began = time.perf_counter()
        read, problems = read_module_csv(path)
        found = check_rows(read)
        checked = time.perf_counter() - began
        assert not problems and not found, (problems + found)[:3]

        began = time.perf_counter()
        result = import_modules(sessions, path, now=NOW, team="T1")
        took = time.perf_counter() - began
        print(
            f"{rows} modules ({url.split(':')[0]}): import {took:.2f} s "
            f"(reading and checking alone {checked:.2f} s), {statements} SQL statements, "
            f"{len(result.modules)} stored"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
