"""A command reads what it needs once: `/buddy next` and the move and skip forms read the
caller's pair once, `/buddy skip` reads the caller's pair once for its answer
(and once more after the ack, in the slow work telling the pair), and `move` and `skip` read the
pair's schedule (its changes, the cohort's breaks and zone) once for the rule, not again to find
the meeting, check for clashes and show what changed. (`/buddy report` computes the cohort once:
tests/test_facilitators_http.py.)"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from tests.bulk_seed import seed
from tests.conftest import DEFAULT_NOW
from tests.slack_http import SlackClientForTests

_READ = re.compile(r"^\s*SELECT\b.*?\bFROM\s+(\w+)", re.IGNORECASE | re.DOTALL)


@pytest.fixture
def reads(engine: Engine) -> Iterator[Counter[str]]:
    """The tables each SELECT reads first, counted while the test runs."""
    found: Counter[str] = Counter()

    def one(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        match = _READ.match(statement)
        if match:
            found[match.group(1)] += 1

    event.listen(engine, "before_cursor_execute", one)
    yield found
    event.remove(engine, "before_cursor_execute", one)


@pytest.fixture
def seeded(sessions: sessionmaker[Session], slack: SlackClientForTests) -> SlackClientForTests:
    with sessions() as session:
        seed(session, 10, DEFAULT_NOW)
    slack.command("help")  # the process's one-off first work
    return slack


def test_skip_reads_the_pair_and_its_schedule_once(
    seeded: SlackClientForTests, reads: Counter[str]
) -> None:
    seeded.command("skip 14/12 parents evening")
    assert "Skipped" in seeded.told()
    assert reads["pairs"] == 2  # for the answer; then, after the ack, to tell the pair
    assert reads["meeting_changes"] == 1
    assert reads["cohort_breaks"] == 1


def test_move_reads_the_schedule_once_for_the_rule(
    seeded: SlackClientForTests, reads: Counter[str]
) -> None:
    seeded.command("move 30/11 to 1/12 17:00")
    assert "Moved" in seeded.told()
    # Once for the rule (find the meeting, check clashes, the meeting after the move), once for
    # redrawing the prep nudge the pair has with the meeting's new time.
    assert reads["meeting_changes"] == 2
    assert reads["cohort_breaks"] == 2


def test_the_backup_button_reads_the_schedule_once_for_the_rule(
    seeded: SlackClientForTests, reads: Counter[str], sessions: sessionmaker[Session]
) -> None:
    from models.pairs import Pair

    seeded.command("skip 14/12")
    with sessions() as session:
        pair_id = min(p.id for p in session.query(Pair))
    reads.clear()
    seeded.block_action("buddy_skip_backup", f"{pair_id}:2026-12-14", channel="G0000000")
    assert "Moved to" in seeded.told()
    assert reads["meeting_changes"] == 2  # the rule, then the prep nudge's redraw


@pytest.mark.parametrize("text", ["next", "move", "skip"])
def test_next_and_the_move_and_skip_forms_read_the_pair_once(
    seeded: SlackClientForTests, reads: Counter[str], text: str
) -> None:
    """The pair the caller is in is read once, then handed to what lists its meetings."""
    seeded.command(text)
    assert reads["pairs"] == 1
