"""`/buddy grow` quotes seed 003's two GROW forms word for word."""

from __future__ import annotations

import re

from frontends.slack.blockkit import draw_blocks
from handlers.views.grow import build_grow_blocks
from models.grow import GROW_STEPS, GROW_TITLE, REFLECTION_LINES, REFLECTION_TITLE
from tests.seeds import SEED_003, seed_text
from tests.slack_http import SlackClientForTests, message_text


def _seed_text() -> str:
    return seed_text(SEED_003)


def _seed_steps() -> list[tuple[str, list[str], list[str]]]:
    """The four steps under the seed's second "GROW Model prompt questions" (the first is its
    table of contents), each with its bullet points and its questions."""
    text = _seed_text()
    start = text.index(GROW_TITLE, text.index("Peer Coaching\n\n" + GROW_TITLE))
    end = text.index(REFLECTION_TITLE, start)
    steps: list[tuple[str, list[str], list[str]]] = []
    for raw in text[start + len(GROW_TITLE) : end].splitlines():
        line = raw.strip()
        if not line:
            continue
        if re.match(r"^\d\. ", line):
            steps.append((line, [], []))
        elif line.startswith("- "):
            steps[-1][1].append(line[2:])
        else:
            steps[-1][2].append(line)
    return steps


def _seed_reflection() -> list[str]:
    text = _seed_text()
    start = text.rindex(REFLECTION_TITLE) + len(REFLECTION_TITLE)
    end = text.index("Reflection and Next Steps", start)
    return [line.strip() for line in text[start:end].splitlines() if line.strip()]


def test_the_prompts_are_the_seeds_word_for_word() -> None:
    seeded = _seed_steps()
    assert len(seeded) == 4
    assert [(s.title, list(s.bullets), list(s.questions)) for s in GROW_STEPS] == seeded
    assert list(REFLECTION_LINES) == _seed_reflection()
    assert REFLECTION_LINES[3] == "Will – What steps are you going to take?"


def test_the_reply_shows_every_line_of_both_forms() -> None:
    shown = message_text({"text": "", "blocks": draw_blocks(build_grow_blocks())})
    unbolded = shown.replace("*", "")
    for title, bullets, questions in _seed_steps():
        assert title in unbolded
        for line in [*bullets, *questions]:
            assert line.replace("**", "") in unbolded, line
    for line in _seed_reflection():
        assert line in shown
    assert "*Coached:* Share examples" in shown  # the seed's bold, in Slack's markup


def test_buddy_grow_answers_in_the_ack_for_anyone(slack: SlackClientForTests) -> None:
    result = slack.command("grow", user="UCAROL")  # not in a pair: GROW is for everyone
    assert result.status == 200
    reply = result.json()
    assert reply["response_type"] == "ephemeral"
    assert "What is the purpose of this conversation?" in result.text
    assert "Will – What steps are you going to take?" in result.text
    assert len(reply["blocks"]) <= 50
