"""Importing pairs: a good file, one bad row (nothing written), 5,000 rows, CLI and the modal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from models.calendar.tables import Module
from models.facilitators.imports import import_pairs, parse_pairs_csv
from models.pairs import Pair, PairMember
from models.people import default_cohort
from tests.conftest import DEFAULT_NOW, FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text

HEADER = "buddy_1,buddy_2,buddy_3,slot\n"


def make_people_and_pairs(sessions: sessionmaker[Session], count: int) -> None:
    """`count` pairs without a slot in the default cohort, through the import's own rules."""
    text = HEADER + "".join(f"UP{i:05d}A,UP{i:05d}B,,\n" for i in range(count))
    with sessions() as session:
        cohort = default_cohort(session, "T1", DEFAULT_NOW)
        drafts, problems = parse_pairs_csv(text, DEFAULT_NOW.date())
        import_pairs(session, cohort, drafts, problems, {}, DEFAULT_NOW)
        session.commit()


def pair_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Pair)) or 0)


def run(path: Path, database_url: str) -> int:
    return main(["import", "pairs", str(path), "--team", "T1"], env={"DATABASE_URL": database_url})


def test_a_good_file_from_the_command_line(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], capsys: object
) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(HEADER + "UALICE,UBOB,,thu 16:00\nUCAROL,UDAN,UERIN,\n", encoding="utf-8")
    assert run(path, database_url) == 0
    with sessions() as session:
        pairs = session.scalars(select(Pair).order_by(Pair.id)).all()
        assert [p.slot_weekday for p in pairs] == [3, None]
        assert session.scalar(select(func.count()).select_from(PairMember)) == 5


def test_one_bad_row_writes_nothing_and_names_its_line(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], capsys: object
) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(
        HEADER + "UALICE,UBOB,,\nUCAROL,not-a-person,,\nUDAN,UERIN,,\n", encoding="utf-8"
    )
    assert run(path, database_url) == 1
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "line 3:" in err and "not-a-person" in err and "nothing was changed" in err
    assert pair_count(sessions) == 0
    path.write_text(HEADER + "UALICE,UBOB,,\nUBOB,UCAROL,,\n", encoding="utf-8")
    assert run(path, database_url) == 1
    assert "line 3:" in capsys.readouterr().err  # type: ignore[attr-defined]
    assert pair_count(sessions) == 0


def test_five_thousand_rows_import_in_seconds(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], capsys: object
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        HEADER + "".join(f"UB{i:05d}A,UB{i:05d}B,,mon 8am\n" for i in range(5000)),
        encoding="utf-8",
    )
    started = time.monotonic()
    assert run(path, database_url) == 0
    assert time.monotonic() - started < 20
    assert pair_count(sessions) == 5000
    assert "5000/5000" in capsys.readouterr().err  # type: ignore[attr-defined]


def submit_file(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    kind: str,
    content: bytes,
    welcome_on: str | None = None,
) -> dict[str, object]:
    """Import a file through the modal; pairs are welcomed now, or on `welcome_on` (ISO day)."""
    slack.command(f"import {kind}", user=FACILITATOR)
    opened = fake_slack.calls_to("views.open")[-1].params["view"]
    import json

    view = json.loads(opened) if isinstance(opened, str) else opened
    file_id = fake_slack.add_file(content)
    values: dict[str, Any] = {"file": {"file": {"type": "file_input", "files": [{"id": file_id}]}}}
    if welcome_on is not None:
        values["welcome"] = {
            "welcome": {"type": "radio_buttons", "selected_option": {"value": "day"}}
        }
        values["welcome_day"] = {"welcome_day": {"type": "datepicker", "selected_date": welcome_on}}
    result = slack.view_submission(view, values, user=FACILITATOR)
    assert result.json()["response_action"] == "update"
    update = fake_slack.calls_to("views.update")[-1].params["view"]
    return json.loads(update) if isinstance(update, str) else update  # type: ignore[no-any-return]


def test_pairs_through_the_modal(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    bad = (HEADER + "UALICE,UBOB,,\nUCAROL,UCAROL,,\n").encode("utf-8-sig")
    shown = message_text(submit_file(slack, fake_slack, "pairs", bad))  # type: ignore[arg-type]
    assert "line 3:" in shown and pair_count(sessions) == 0
    good = (HEADER + "UALICE,UBOB,,thu 16:00\n").encode()
    shown = message_text(submit_file(slack, fake_slack, "pairs", good))  # type: ignore[arg-type]
    assert "Imported 1 pair (2 people)" in shown and pair_count(sessions) == 1


def test_modules_through_the_modal(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    text = b"code,title,insight_module,starts_on\nB1,Teaching,Insight B1,2026-11-16\n"
    bad = text + b"B2,Curriculum,Insight B2,31/2/2027\n"
    shown = message_text(submit_file(slack, fake_slack, "modules", bad))  # type: ignore[arg-type]
    assert "line 3:" in shown
    with sessions() as session:
        assert session.scalars(select(Module)).all() == []
    shown = message_text(submit_file(slack, fake_slack, "modules", text))  # type: ignore[arg-type]
    assert "Imported 1 modules" in shown
    slack.command("import pairs", user="UALICE")
    assert "only facilitators" in slack.told()
