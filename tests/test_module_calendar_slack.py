"""`/buddy module ...` as facilitators and participants use it, over signed HTTP requests.

Today is Tue 24 Nov 2026 (the `clock` fixture), so `3/12` is Thu 3 Dec 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.calendar.tables import Module
from models.clock import SettableClock
from models.people import Cohort
from tests.conftest import DEFAULT_NOW, FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests

ADD_B2 = "module add B2 3/12 Leading teacher development | Insight module B1"


def stored(sessions: sessionmaker[Session]) -> list[tuple[str, date, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(Module).order_by(Module.starts_on))
        return [(m.code, m.starts_on, m.title, m.insight_module) for m in rows]


def test_facilitator_adds_a_module_and_the_date_is_echoed_with_its_weekday(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    result = slack.command(ADD_B2, user=FACILITATOR)
    assert result.status == 200
    assert result.json()["response_type"] == "ephemeral"
    assert "Added module *B2 Leading teacher development*" in result.text
    assert "Thu 3 Dec 2026 to Wed 16 Dec 2026" in result.text
    assert "Insight module B1" in result.text
    assert stored(sessions) == [
        ("B2", date(2026, 12, 3), "Leading teacher development", "Insight module B1")
    ]
    # Answered in the ack itself.
    assert fake_slack.response_posts == []


def test_words_for_dates_work_too(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    result = slack.command(
        "module add c1 Mon 4 Jan 2027 Leading behaviour and culture | Insight C1", user=FACILITATOR
    )
    assert "Mon 4 Jan 2027 to Sun 17 Jan 2027" in result.text
    assert stored(sessions)[0][:2] == ("C1", date(2027, 1, 4))


def test_everyone_may_list_the_calendar_with_this_fortnight_marked(
    slack: SlackClientForTests,
) -> None:
    slack.command(
        "module add A1 23/11/2026 Leading curriculum | Insight module A1", user=FACILITATOR
    )
    slack.command(ADD_B2, user=FACILITATOR)
    result = slack.command("module list", user="UALICE")
    assert result.status == 200
    text = result.text
    assert "Module calendar: Everyone" in text
    assert ":arrow_right: *A1*  Mon 23 Nov to Sun 6 Dec  Leading curriculum" in text
    assert "*B2*  Thu 3 Dec" not in text  # A1 and B2 overlap: B2 was refused
    assert "(1 module)" in text


def test_an_empty_calendar_says_how_to_fill_it(slack: SlackClientForTests) -> None:
    text = slack.command("module", user="UALICE").text
    assert "no module calendar yet" in text
    assert "python -m bot import modules" in text


def test_participants_are_refused_politely(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    result = slack.command(ADD_B2, user="UALICE")
    assert result.status == 200
    assert "Sorry, only facilitators can change the module calendar" in result.text
    assert "`/buddy module list`" in result.text
    assert stored(sessions) == []
    assert "only facilitators" in slack.command("module remove B2", user="UALICE").text


def test_overlapping_fortnights_are_refused_with_a_start_that_would_work(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command(ADD_B2, user=FACILITATOR)
    result = slack.command(
        "module add B3 10/12 Leading teacher development | Insight module B2", user=FACILITATOR
    )
    assert "Thu 10 Dec to Wed 23 Dec" in result.text
    assert "overlap B2's (Thu 3 Dec to Wed 16 Dec)" in result.text
    assert (
        "For example: `/buddy module add B3 17/12 Leading teacher development | "
        "Insight module B2`" in result.text
    )
    assert [row[0] for row in stored(sessions)] == ["B2"]


def test_a_duplicate_code_is_refused(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command(ADD_B2, user=FACILITATOR)
    result = slack.command("module add b2 1/2 Another | Insight", user=FACILITATOR)
    assert "already has module B2" in result.text
    assert "`/buddy module remove B2`" in result.text
    assert len(stored(sessions)) == 1


def test_bad_input_says_what_was_wrong_and_shows_an_example(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    example = "For example: `/buddy module add B2 3/12 Leading teacher development | "
    cases = {
        "module add": "Please give the module's code",
        "module add B2": "start date and title",
        "module add B2 31/2 Title | Insight": "There is no 31 February",
        "module add B2 someday Title | Insight": "couldn't read `someday` as a date",
        "module add B2 3/12": "a title after its start date (Thu 3 Dec)",
        "module add B2 3/12 Leading teacher development": "insight module",
        "module add B2 3/12 Leading teacher development |  ": "insight module",
        "module add 3/12 Leading | Insight": "`3/12` is not a module code",
        "module add B2 Mon 3 Dec Title | Insight": "is a Thursday, not a Monday",
        "module rename B2": "`/buddy module` can `add`, `list` or `remove`",
    }
    for command, message in cases.items():
        text = slack.command(command, user=FACILITATOR).text
        assert message in text, (command, text)
        assert example in text, (command, text)
    assert stored(sessions) == []


def test_facilitator_removes_a_module(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command(ADD_B2, user=FACILITATOR)
    result = slack.command("module remove b2", user=FACILITATOR)
    assert "Removed module *B2 Leading teacher development* (Thu 3 Dec to Wed 16 Dec)" in (
        result.text
    )
    assert stored(sessions) == []


def test_removing_an_unknown_code_lists_the_codes_there_are(slack: SlackClientForTests) -> None:
    slack.command(ADD_B2, user=FACILITATOR)
    text = slack.command("module remove Z9", user=FACILITATOR).text
    assert "has no module Z9. Its modules: B2." in text
    assert "For example: `/buddy module remove B2`" in text
    assert "Please give the code" in slack.command("module remove", user=FACILITATOR).text


def test_the_calendar_belongs_to_the_channels_cohort(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        session.add(
            Cohort(team_id="T1", channel_id="CSPRING", name="Spring 2027", created_at=DEFAULT_NOW)
        )
        session.commit()
    slack.command(ADD_B2, user=FACILITATOR, channel="CSPRING")
    assert "Module calendar: Spring 2027" in slack.command("module list", channel="CSPRING").text
    elsewhere = slack.command("module list", channel="CRANDOM").text
    assert "Everyone cohort has no module calendar yet" in elsewhere


def test_adding_a_module_mentions_a_break_in_its_fortnight(slack: SlackClientForTests) -> None:
    slack.command("break add 14/12 18/12 Winter residential", user=FACILITATOR)
    text = slack.command(ADD_B2, user=FACILITATOR).text
    assert "the break *Winter residential* (Mon 14 Dec to Fri 18 Dec) falls in this fortnight" in (
        text
    )


def test_help_lists_the_facilitator_commands(slack: SlackClientForTests) -> None:
    text = slack.command("help", user=FACILITATOR).text
    assert "/buddy module add|list|remove" in text
    assert "/buddy break add|list|remove" in text


def test_ampersands_are_stored_as_typed_and_shown_escaped(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    # Slack sends `&` in command text as `&amp;`.
    result = slack.command(
        "module add B2 3/12 Curriculum &amp; assessment | Insight B1 &lt;core&gt;",
        user=FACILITATOR,
    )
    assert "*B2 Curriculum &amp; assessment*" in result.json()["text"]
    assert stored(sessions)[0][2:] == ("Curriculum & assessment", "Insight B1 <core>")


def test_a_date_without_a_year_is_the_nearest_one_and_is_echoed_with_its_year(
    slack: SlackClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tue 1 Dec 2026
    result = slack.command(
        "module add B2 30/11 Leading teacher development | Insight module B1", user=FACILITATOR
    )
    assert "the fortnight Mon 30 Nov 2026 to Sun 13 Dec 2026" in result.text
    assert stored(sessions)[0][:2] == ("B2", date(2026, 11, 30))
    ahead = slack.command("module add B3 14 Dec Leading curriculum | Insight B2", user=FACILITATOR)
    assert "the fortnight Mon 14 Dec 2026 to Sun 27 Dec 2026" in ahead.text
    spring = slack.command(
        "module add C1 Mon 4 Jan Leading behaviour | Insight C", user=FACILITATOR
    )
    assert "the fortnight Mon 4 Jan 2027 to Sun 17 Jan 2027" in spring.text
