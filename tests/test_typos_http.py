"""A mistyped `/buddy` word: the close command suggested with the rest of the text kept, and a
button that runs it; a word close to nothing gets the short help."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conversation.requests import OUT_OF_DATE
from conversation.router import RUN_SUGGESTED
from models.actions import Action
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests
from tests.test_actions_domain import make_pair

HINGE = "Try a hinge question with 8B &amp; 8C by 26/11"  # as Slack sends `&`


def _button(reply: dict[str, Any]) -> dict[str, Any]:
    [block] = [b for b in reply["blocks"] if b["type"] == "actions"]
    [element] = block["elements"]
    assert isinstance(element, dict)
    return element


def test_a_typo_suggests_the_command_keeping_the_text_and_its_button_runs_it(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    with sessions() as session:
        make_pair(session)
        session.commit()
    reply = slack.command(f"acton {HINGE}").json()
    text = json.dumps(reply)
    assert "Did you mean `/buddy action Try a hinge question with 8B &amp; 8C by 26/11`?" in text
    button = _button(reply)
    assert button["text"]["text"] == "Record it"
    with sessions() as session:
        assert session.scalars(select(Action)).all() == []

    slack.block_action(RUN_SUGGESTED, button["value"], user="UALICE")
    told = slack.told()
    assert "Thu 26 Nov" in told
    with sessions() as session:
        [action] = session.scalars(select(Action)).all()
        assert action.text == "Try a hinge question with 8B & 8C"


def test_the_button_runs_as_whoever_presses_it(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        make_pair(session)
        session.commit()
    reply = slack.command("stauts", user="UCAROL").json()
    assert "Did you mean `/buddy status`?" in reply["text"]
    slack.block_action(RUN_SUGGESTED, _button(reply)["value"], user="UBOB")
    assert "<@UALICE>" in slack.told()  # Bob's status names his buddy


def test_a_tampered_or_stale_button_changes_nothing(slack: SlackClientForTests) -> None:
    for value in ("/dance wildly", "status", ""):
        slack.block_action(RUN_SUGGESTED, value)
        assert OUT_OF_DATE in slack.told()


def test_a_word_close_to_nothing_gets_the_short_help(slack: SlackClientForTests) -> None:
    shown = slack.command("wibble").text
    assert "I don't know `/buddy wibble`" in shown
    assert "`/buddy help all`" in shown
    assert "/buddy backup" not in shown  # the short help, not the whole list
    assert "Did you mean" not in shown
