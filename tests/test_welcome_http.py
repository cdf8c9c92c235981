"""A person's first contact with Buddy gets one short welcome DM, ever: by any command, or by
being paired."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.welcome import FACILITATOR_WELCOME, WHAT_BUDDY_DOES
from models.people import ensure_participant
from models.welcome import claim_welcome
from tests.conftest import DEFAULT_NOW, FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests

pytestmark = pytest.mark.welcome


def welcomed(fake_slack: FakeSlack, opening: str = WHAT_BUDDY_DOES) -> list[str]:
    return [
        str(c.params["channel"])
        for c in fake_slack.calls_to("chat.postMessage")
        if opening in str(c.params.get("text", ""))
    ]


def test_the_first_command_gets_a_welcome_once(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.command("help", user="UCAROL")
    assert "/buddy help all" in result.text  # the answer itself is unchanged, in the ack
    assert welcomed(fake_slack) == ["UCAROL"]
    [call] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == "UCAROL"]
    shown = str(call.params["blocks"])
    for words in ("/buddy slot thu 16:00", "/buddy next", "/buddy action", "/buddy help"):
        assert words in shown
    slack.command("status", user="UCAROL")
    slack.command("stauts", user="UCAROL")
    assert welcomed(fake_slack) == ["UCAROL"]


def test_being_paired_is_a_first_contact_too(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slack.command("pair <@UBOB|bob>", user="UALICE")
    assert sorted(welcomed(fake_slack)) == ["UALICE", "UBOB"]
    slack.command("match <@UCAROL|carol> <@UDAN|dan>", user=FACILITATOR)
    assert sorted(welcomed(fake_slack)) == ["UALICE", "UBOB", "UCAROL", "UDAN"]
    assert welcomed(fake_slack, FACILITATOR_WELCOME) == [FACILITATOR]
    slack.command("next", user="UBOB")
    assert len(welcomed(fake_slack)) == 4


def test_a_refused_pairing_welcomes_only_the_caller(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slack.command("pair <@UBOTTY|botty>", user="UALICE")
    assert welcomed(fake_slack) == ["UALICE"]


def test_two_first_requests_at_once_claim_one_welcome(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ensure_participant(session, "T1", "UALICE", DEFAULT_NOW)
        session.commit()

    def claim() -> bool:
        with sessions() as session:
            person = ensure_participant(session, "T1", "UALICE", DEFAULT_NOW)
            won = claim_welcome(session, person, DEFAULT_NOW)
            session.commit()
            return won

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: claim(), range(4)))
    assert results.count(True) == 1
