"""Bad input to any subcommand gets a friendly answer with an example: never a 500 or silence."""

from __future__ import annotations

import pytest

from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests

NONSENSE = [
    "pair",
    "pair <@UALICE|alice>",
    "pair <@UBOTTY|botty>",
    "pair bob",
    "match <@UBOB|bob> <@UCAROL|carol>",
    "slot",
    "slot someday 25:99",
    "backup",
    "format by pigeon",
    "move to 31/2",
    "move to yesterday",
    "skip 45/13",
    "action",
    "action mark books by 32/13",
    "done",
    "done three",
    "done 99",
    "module add",
    "module add B2 3/12",
    "break add 2/1",
    "calendar",
]


@pytest.mark.parametrize("text", NONSENSE)
def test_nonsense_gets_a_friendly_answer_with_an_example(
    text: str, slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    result = slack.command(text, user="UALICE")
    assert result.status == 200
    answers = [result.text] if result.body else []
    answers += [str(post.get("text", "")) for post in fake_slack.response_posts]
    answer = "\n".join(answers)
    assert answer.strip(), f"/buddy {text} got no answer"
    assert "went wrong" not in answer
    assert "Traceback" not in answer
    assert "I don't know" not in answer, f"/buddy {text} was not routed to its subcommand"
    assert "For example: `/buddy " in answer, f"/buddy {text} showed no example: {answer}"
