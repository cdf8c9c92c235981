"""A facilitator sets the days a cohort's nudges may go out: `/buddy cohort days sun-thu`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.people import Cohort
from tests.conftest import FACILITATOR
from tests.slack_http import SlackClientForTests


def working_days(sessions: sessionmaker[Session]) -> str | None:
    with sessions() as session:
        return session.scalars(
            select(Cohort.working_days).where(Cohort.channel_id == "CSPRING")
        ).one()


def test_a_facilitator_sets_the_working_days_and_nobody_else_can(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command("cohort setup Spring 2027", user=FACILITATOR, channel="CSPRING")
    answer = slack.command("cohort days sun-thu", user=FACILITATOR, channel="CSPRING").text
    assert "Sunday, Monday, Tuesday, Wednesday, Thursday" in answer
    assert working_days(sessions) == "01236"

    refused = slack.command("cohort days mon-sat", user="UALICE", channel="CSPRING").text
    assert "only facilitators" in refused
    nonsense = slack.command("cohort days funday", user=FACILITATOR, channel="CSPRING").text
    assert "`funday`" in nonsense and "For example: `/buddy cohort days mon-fri`" in nonsense
    assert working_days(sessions) == "01236"  # nothing changed


def test_the_cohorts_last_day_is_told_with_its_year_once(slack: SlackClientForTests) -> None:
    slack.command("cohort setup Spring 2027", user=FACILITATOR, channel="CSPRING")
    answer = slack.command("cohort end 23/7/2027", user=FACILITATOR, channel="CSPRING").text
    assert "last day is Fri 23 Jul 2027: nothing is nudged after it" in answer
