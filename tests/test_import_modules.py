"""`python -m bot import modules`: a whole file or nothing, with every bad row named by its line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from models.calendar.csv_import import parse_module_csv
from models.calendar.tables import Module
from models.people import Cohort, default_cohort
from tests.conftest import DEFAULT_NOW
from tests.slack_http import SlackClientForTests

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "modules.csv"
HEADER = "code,title,insight_module,starts_on\n"


def run(args: list[str], database_url: str) -> int:
    return main(["import", "modules", *args], env={"DATABASE_URL": database_url})


def write(tmp_path: Path, text: str, name: str = "modules.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def calendar(sessions: sessionmaker[Session], cohort: str = "Everyone") -> list[tuple[str, date]]:
    with sessions() as session:
        rows = session.execute(
            select(Module.code, Module.starts_on)
            .join(Cohort, Cohort.id == Module.cohort_id)
            .where(Cohort.name == cohort)
            .order_by(Module.starts_on)
        )
        return [(code, starts_on) for code, starts_on in rows]


def test_the_sample_file_imports_into_the_default_cohort(
    sessions: sessionmaker[Session], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([str(SAMPLE), "--team", "T1"], database_url) == 0
    out = capsys.readouterr().out
    assert "Imported 8 modules into the Everyone cohort (workspace T1)" in out
    assert "A1  Mon 14 Sep 2026 to Sun 27 Sep 2026  Leading teacher development" in out
    modules = calendar(sessions)
    assert [code for code, _ in modules] == ["A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2"]
    assert modules[0] == ("A1", date(2026, 9, 14))
    with sessions() as session:
        b3 = session.scalars(select(Module).where(Module.code == "B3")).one()
        assert b3.title == (
            "Leading teacher development: professional development, coaching and mentoring"
        )
        assert b3.insight_module == "Insight module B3: Effective professional development"


def test_both_date_forms_and_a_bom_and_loose_header_are_read(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    text = "Code, Title ,Insight module,Starts on,Notes\r\nb1,Leading,Insight B1,3/12/2026,x\r\n"
    text += "B2,Leading more,Insight B2,2026-12-17,\r\n,,,,\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert run([str(path), "--team", "T1"], database_url) == 0
    assert calendar(sessions) == [("B1", date(2026, 12, 3)), ("B2", date(2026, 12, 17))]


def test_the_team_defaults_to_the_only_one_with_a_cohort(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    with sessions() as session:
        default_cohort(session, "T1", DEFAULT_NOW)
        session.commit()
    assert run([str(SAMPLE)], database_url) == 0
    assert len(calendar(sessions)) == 8


def test_after_buddy_was_used_in_slack_the_import_needs_no_team(
    slack: SlackClientForTests, sessions: sessionmaker[Session], database_url: str
) -> None:
    """The README's promise: someone used `/buddy`, so the workspace is known."""
    slack.command("status", user="UALICE")
    assert run([str(SAMPLE)], database_url) == 0
    assert len(calendar(sessions)) == 8
    listed = slack.command("module list", user="UFACIL").text
    assert "Module calendar: Everyone (8 modules)" in listed


def test_with_no_cohorts_the_team_must_be_named(
    sessions: sessionmaker[Session], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([str(SAMPLE)], database_url) == 1
    err = capsys.readouterr().err
    assert "Nobody has used Buddy yet" in err
    assert "--team T0123ABCD" in err
    assert calendar(sessions) == []


def test_two_teams_are_ambiguous(
    sessions: sessionmaker[Session], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with sessions() as session:
        default_cohort(session, "T1", DEFAULT_NOW)
        default_cohort(session, "T2", DEFAULT_NOW)
        session.commit()
    assert run([str(SAMPLE)], database_url) == 1
    assert "used in 2 Slack workspaces (T1, T2)" in capsys.readouterr().err
    assert run([str(SAMPLE), "--team", "T2"], database_url) == 0


def test_a_named_cohort_gets_the_calendar(
    sessions: sessionmaker[Session], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with sessions() as session:
        default_cohort(session, "T1", DEFAULT_NOW)
        session.add(
            Cohort(team_id="T1", channel_id="CSPRING", name="Spring 2027", created_at=DEFAULT_NOW)
        )
        session.commit()
    assert run([str(SAMPLE)], database_url) == 1
    assert 'Please choose one with --cohort, e.g. --cohort "Everyone"' in capsys.readouterr().err
    assert run([str(SAMPLE), "--cohort", "Autumn"], database_url) == 1
    assert "no cohort called 'Autumn'. Its cohorts: Everyone, Spring 2027" in (
        capsys.readouterr().err
    )
    assert run([str(SAMPLE), "--cohort", "spring 2027"], database_url) == 0
    assert len(calendar(sessions, "Spring 2027")) == 8
    assert calendar(sessions, "Everyone") == []


def test_a_bad_row_is_reported_by_line_and_nothing_is_written(
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run([str(SAMPLE), "--team", "T1"], database_url) == 0
    before = calendar(sessions)
    capsys.readouterr()
    path = write(
        tmp_path,
        HEADER
        + "A1,Leading teacher development,Insight A1,2027-03-01\n"  # line 2: fine
        + "A2,Leading teacher development,Insight A2,31/2/2027\n"  # line 3: no such date
        + "\n"
        + "A3,,Insight A3,2027-04-12\n"  # line 5: no title
        + "A1,Again,Insight A1,2027-05-03\n"  # line 6: duplicate of line 2
        + "A4,Overlapping,Insight A4,2027-03-08\n"  # line 7: overlaps line 2
        + "A5,Leading, teaching,Insight A5,2027-06-07\n"  # line 8: unquoted comma
        + "A6,Leading,Insight A6,next week\n"  # line 9: not a date
        + "A7,Leading,,2027-07-05\n",  # line 10: no insight module
    )
    assert run([str(path), "--team", "T1"], database_url) == 1
    err = capsys.readouterr().err
    assert "was not imported, and nothing was changed" in err
    assert "line 3: starts_on '31/2/2027' is not a real date" in err
    assert "line 5: Module A3 needs a title." in err
    assert "line 6: module A1 appears twice (it is also on line 2)." in err
    assert (
        "line 7: module A4's fortnight (Mon 8 Mar 2027 to Sun 21 Mar 2027) overlaps A1's "
        "(Mon 1 Mar 2027 to Sun 14 Mar 2027, on line 2); fortnights can't overlap." in err
    )
    assert "line 8: this row has 5 values but the header has 4 columns" in err
    assert "line 9: starts_on 'next week' is not a date I can read" in err
    assert "line 10: Module A7 needs the insight module" in err
    assert "line 2" not in err.replace("on line 2", "")
    assert "Traceback" not in err
    assert calendar(sessions) == before


def test_importing_again_replaces_the_calendar(
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run([str(SAMPLE), "--team", "T1"], database_url) == 0
    corrected = write(
        tmp_path,
        HEADER
        + "A1,Leading teacher development: how pupils learn,Insight A1,2026-09-21\n"
        + "B1,Leading teacher development: adaptive teaching,Insight B1,2026-11-09\n",
    )
    assert run([str(corrected)], database_url) == 0
    assert "replacing its previous calendar of 8 modules" in capsys.readouterr().out
    assert calendar(sessions) == [("A1", date(2026, 9, 21)), ("B1", date(2026, 11, 9))]


def test_adding_keeps_the_calendar_and_checks_against_it(
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run([str(SAMPLE), "--team", "T1"], database_url) == 0
    clash = write(tmp_path, HEADER + "D1,Extra,Insight D1,2027-02-01\n", "clash.csv")
    assert run([str(clash), "--add"], database_url) == 1
    err = capsys.readouterr().err
    assert "line 2: module D1's fortnight (Mon 1 Feb 2027 to Sun 14 Feb 2027) overlaps C2's" in err
    assert "already in the cohort's calendar); fortnights can't overlap" in err
    extra = write(tmp_path, HEADER + "D1,Extra,Insight D1,2027-02-22\n", "extra.csv")
    assert run([str(extra), "--add"], database_url) == 0
    assert "alongside the 8 modules it already had" in capsys.readouterr().out
    assert len(calendar(sessions)) == 9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (HEADER.encode(), "has no modules in it"),
        (b"code,title,starts_on\nA1,T,2026-12-03\n", "the header row has no insight_module column"),
        (b"A1,Leading,Insight,2026-12-03\n", "the first line should be the header row"),
        (HEADER.encode() + "A1,Caf\xe9,Insight,2026-12-03\n".encode("cp1252"), "not UTF-8 text"),
    ],
)
def test_unusable_files_are_refused_with_a_friendly_message(
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / "modules.csv"
    path.write_bytes(content)
    assert run([str(path), "--team", "T1"], database_url) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert calendar(sessions) == []


def test_the_encoding_problem_names_its_line(tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "modules.csv"
    path.write_bytes(HEADER.encode() + "A1,Caf\xe9,Insight,2026-12-03\n".encode("cp1252"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "import", "modules", str(path), "--team", "T1"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "the first odd character is on line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_or_unmigrated_database_is_explained(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([str(tmp_path / "nope.csv"), "--team", "T1"], database_url) == 1
    assert "There is no file at" in capsys.readouterr().err
    assert run([str(tmp_path), "--team", "T1"], database_url) == 1
    assert "is a folder" in capsys.readouterr().err
    empty_db = f"sqlite:///{tmp_path}/empty.db"
    assert run([str(SAMPLE), "--team", "T1"], empty_db) == 1
    err = capsys.readouterr().err
    assert "Has `python -m bot migrate` been run" in err


def test_parsing_reports_lines_of_multiline_quoted_rows() -> None:
    rows, problems = parse_module_csv(
        HEADER + 'A1,"Leading teacher\ndevelopment",Insight,2026-12-03\nA2,T,I,3/12\n'
    )
    assert [row.line for row in rows] == [2]
    assert rows[0].draft.title == "Leading teacher development"
    assert [str(p) for p in problems] == [
        "line 4: starts_on '3/12' is not a date I can read; write 2026-12-03 or 3/12/2026 "
        "(day first, with the year)."
    ]


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement any engine sends while inside."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def many_modules(tmp_path: Path, rows: int) -> Path:
    first = date(2030, 1, 7)
    return write(
        tmp_path,
        HEADER
        + "".join(
            f"M{n},Module {n},Insight {n},{(first + timedelta(days=14 * n)).isoformat()}\n"
            for n in range(rows)
        ),
        f"modules-{rows}.csv",
    )


def test_a_big_file_is_written_in_a_few_statements_whatever_its_size(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    """Rows go in batches, not one INSERT each (a 50,000-row import was 50,000 round trips)."""
    small, big = many_modules(tmp_path, 20), many_modules(tmp_path, 2000)
    with counting_statements() as few:
        assert run([str(small), "--team", "T1"], database_url) == 0
    with counting_statements() as many:
        assert run([str(big), "--team", "T1"], database_url) == 0
    assert len(many) <= len(few) + 5
    assert len(calendar(sessions)) == 2000
