"""`/buddy break ...` over signed HTTP requests. Today is Tue 24 Nov 2026 (the `clock` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.calendar.tables import CohortBreak
from models.clock import SettableClock
from tests.conftest import FACILITATOR
from tests.slack_http import SlackClientForTests

EXAMPLE = "For example: `/buddy break add 21/12 2/1 Christmas holidays`"


def stored(sessions: sessionmaker[Session]) -> list[tuple[str, date, date]]:
    with sessions() as session:
        rows = session.scalars(select(CohortBreak).order_by(CohortBreak.start_date))
        return [(b.name, b.start_date, b.end_date) for b in rows]


def test_a_break_across_new_year_is_read_the_way_it_was_meant(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    result = slack.command("break add 21/12 2/1 Christmas holidays", user=FACILITATOR)
    assert result.status == 200
    assert "Added break 1, *Christmas holidays*: Mon 21 Dec 2026 to Sat 2 Jan 2027 (13 days)" in (
        result.text
    )
    assert stored(sessions) == [("Christmas holidays", date(2026, 12, 21), date(2027, 1, 2))]


def test_to_is_optional_and_words_work(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    text = slack.command("break add 15 Feb 2027 to 19 Feb 2027 Half term", user=FACILITATOR).text
    assert "Mon 15 Feb 2027 to Fri 19 Feb 2027 (5 days)" in text
    one_day = slack.command("break add 4/12 4/12 INSET day", user=FACILITATOR).text
    assert "*INSET day*: Fri 4 Dec 2026 (1 day)" in one_day
    assert [name for name, *_ in stored(sessions)] == ["INSET day", "Half term"]


def test_a_break_from_a_later_year_reads_its_end_after_its_start(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    text = slack.command("break add 20/12/2027 3/1 Christmas 2027", user=FACILITATOR).text
    assert "Mon 20 Dec 2027 to Mon 3 Jan 2028" in text
    assert stored(sessions) == [("Christmas 2027", date(2027, 12, 20), date(2028, 1, 3))]


def test_everyone_may_list_breaks_numbered_in_date_order(slack: SlackClientForTests) -> None:
    slack.command("break add 15/2 19/2 Spring half term", user=FACILITATOR)
    slack.command("break add 21/12 2/1 Christmas holidays", user=FACILITATOR)
    result = slack.command("break list", user="UBOB")
    text = result.text
    assert "Breaks: Everyone (2 breaks)" in text
    assert "1. *Christmas holidays*  Mon 21 Dec to Sat 2 Jan 2027" in text
    assert "2. *Spring half term*  Mon 15 Feb 2027 to Fri 19 Feb 2027" in text
    assert "no breaks" not in text


def test_no_breaks_says_how_to_add_one(slack: SlackClientForTests) -> None:
    text = slack.command("break", user="UBOB").text
    assert "The Everyone cohort has no breaks" in text
    assert "/buddy break add 21/12 2/1 Christmas holidays" in text


def test_facilitator_removes_a_break_by_its_number(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command("break add 15/2 19/2 Spring half term", user=FACILITATOR)
    slack.command("break add 21/12 2/1 Christmas holidays", user=FACILITATOR)
    text = slack.command("break remove 1", user=FACILITATOR).text
    assert "Removed the break *Christmas holidays* (Mon 21 Dec to Sat 2 Jan 2027)" in text
    assert [name for name, *_ in stored(sessions)] == ["Spring half term"]


def test_removing_a_break_that_is_not_there(slack: SlackClientForTests) -> None:
    slack.command("break add 21/12 2/1 Christmas holidays", user=FACILITATOR)
    text = slack.command("break remove 4", user=FACILITATOR).text
    assert "There is no break 4 in the Everyone cohort: there are 1." in text
    assert "For example: `/buddy break remove 1`" in text
    assert "Please give the number" in slack.command("break remove xmas", user=FACILITATOR).text


def test_participants_are_refused_politely(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command("break add 21/12 2/1 Christmas holidays", user=FACILITATOR)
    for command in ("break add 15/2 19/2 Half term", "break remove 1"):
        text = slack.command(command, user="UALICE").text
        assert "Sorry, only facilitators can change breaks" in text
        assert "`/buddy break list`" in text
    assert len(stored(sessions)) == 1


def test_bad_dates_say_what_was_wrong_and_show_an_example(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    cases = {
        "break add": "I was expecting a date there",
        "break add someday 2/1 Christmas": "couldn't read `someday` as a date",
        "break add 21/12": "Please give the last day of the break after Mon 21 Dec",
        "break add 21/12 32/1 Christmas": "(the last day of the break)",
        "break add 21/12 2/1": "Mon 21 Dec to Sat 2 Jan 2027 a name",
        "break add 2/1/2027 21/12/2026 Backwards": (
            "would end on Mon 21 Dec, before it starts on Sat 2 Jan 2027"
        ),
        "break add 2/1 21/12 Backwards": "354 days, longer than any school holiday",
        "break skip 1": "`/buddy break` can `add`, `list` or `remove`",
    }
    for command, message in cases.items():
        text = slack.command(command, user=FACILITATOR).text
        assert message in text, (command, text)
        assert EXAMPLE in text, (command, text)
    assert stored(sessions) == []


def test_a_break_typed_after_it_began_is_this_winters_not_next(
    slack: SlackClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    clock.set(datetime(2027, 1, 1, 10, 0, tzinfo=UTC))  # Fri 1 Jan 2027, in the holidays
    text = slack.command("break add 21/12 2/1 Christmas holidays", user=FACILITATOR).text
    assert "*Christmas holidays*: Mon 21 Dec 2026 to Sat 2 Jan 2027 (13 days)" in text
    assert stored(sessions) == [("Christmas holidays", date(2026, 12, 21), date(2027, 1, 2))]
