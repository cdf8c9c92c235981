"""Every wizard view and card stays within Block Kit's limits, long answers included.

slack_sdk's View and block models check Slack's limits (title, submit and close at most 24
characters, 100 blocks a modal, 3,000 characters a section, `private_metadata` 3,000) when they
render, so building each view through them fails here before Slack could reject it.
"""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from conversation.blocks import Form
from conversation.markup import escape
from frontends.slack.blockkit import draw_blocks, draw_form
from handlers.views.problems import (
    UNREACHABLE,
    build_confirm_view,
    build_notice_view,
    build_post_failed_message,
    build_posted_message,
    build_problem_card,
    build_review_view,
    build_step_view,
    build_withdrawn_card,
    escaped_chunks,
    parse_wizard_metadata,
    wizard_metadata,
)
from models.problems.drafts import DraftSnapshot
from models.problems.template import (
    ANSWER_MAX_CHARS,
    CRITERIA,
    LINK_MAX_CHARS,
    STEPS,
    framework_areas,
)

LONG_AREAS = framework_areas(";".join(f"Area {n} " + "x" * 140 for n in range(120)))


def long_draft(editing: bool = False) -> DraftSnapshot:
    """The longest draft Buddy lets anyone write, full of characters Slack must escape."""
    return DraftSnapshot(
        id=2_147_483_647,
        card_id=2_147_483_646,
        owner_user_id="U" + "9" * 20,
        step=0,
        answers={s.key: "<&>" * (ANSWER_MAX_CHARS // 3) for s in STEPS},
        criteria=tuple(c.key for c in CRITERIA),
        framework_area=LONG_AREAS[3],
        artefact_link="https://example.org/" + "a" * (LINK_MAX_CHARS - 20),
        channel_id="C" + "1" * 20,
        editing=editing,
    )


def checked_view(form: Form) -> dict[str, Any]:
    """The form as Slack gets it, checked against slack_sdk's models and Slack's limits."""
    view = draw_form(form)
    rendered = View(**view).to_dict()
    assert len(view["blocks"]) <= 100
    assert len(view.get("private_metadata", "")) <= 3000
    assert isinstance(rendered, dict)
    return view


def checked_message(card: dict[str, Any]) -> None:
    message = {**card, "blocks": draw_blocks(card["blocks"])}
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= 4000
    for block in message["blocks"]:
        Block.parse(block).to_dict()


@pytest.mark.parametrize("editing", [False, True])
def test_every_wizard_view_keeps_within_limits(editing: bool) -> None:
    draft = long_draft(editing)
    for step in range(len(STEPS)):
        checked_view(build_step_view(draft, step, notice="Welcome back"))
    review = checked_view(build_review_view(draft, LONG_AREAS, notice="Please finish"))
    checked_view(build_confirm_view(draft, list(CRITERIA)))
    checked_view(build_notice_view("Problem", "That draft is no longer available."))
    area = next(b for b in review["blocks"] if b.get("block_id") == "framework_area")
    assert len(area["element"]["options"]) == 100
    assert all(len(o["value"]) <= 150 for o in area["element"]["options"])
    assert area["element"]["initial_option"]["value"] == LONG_AREAS[3]


def test_every_message_keeps_within_limits() -> None:
    draft = long_draft()
    checked_message(build_problem_card(draft))
    checked_message(build_withdrawn_card(draft.owner_user_id))
    for error in ("not_in_channel", "channel_not_found", "is_archived", UNREACHABLE, "x" * 500):
        checked_message(build_post_failed_message(draft.id, "C1", error))
    unreachable = build_post_failed_message(1, "C1", UNREACHABLE)
    assert "couldn't reach Slack" in draw_blocks(unreachable["blocks"])[0]["text"]["text"]
    checked_message(build_posted_message("C1"))


def test_long_answers_are_shown_in_full_and_escaped_on_the_card() -> None:
    """Escaping makes `<&>` 13 characters long, so this answer runs on over three sections."""
    card = {"blocks": draw_blocks(build_problem_card(long_draft())["blocks"])}
    texts = [b["text"]["text"] for b in card["blocks"][1:5]]
    assert texts[0].startswith("*The Problem*\n")
    assert texts[3].startswith("*The Evidence*\n")
    assert all(len(t) <= 3000 for t in texts)
    joined = "".join(texts[:3]).removeprefix("*The Problem*\n")
    assert joined == "&lt;&amp;&gt;" * (ANSWER_MAX_CHARS // 3)


def test_escaped_chunks_prefer_spaces_and_never_split_an_escape() -> None:
    words = " ".join(["word&"] * 1000)
    chunks = escaped_chunks(words, 100)
    assert all(len(c) <= 100 for c in chunks)
    assert all(c.endswith("&amp;") for c in chunks)
    assert " ".join(chunks) == escape(words)
    assert escaped_chunks("") == [""]
    assert escaped_chunks("&" * 30, 10) == ["&amp;&amp;"] * 15


def test_an_answer_is_pre_filled_and_capped() -> None:
    view = draw_form(build_step_view(long_draft(), 1))
    element = view["blocks"][2]["element"]
    assert element["max_length"] == ANSWER_MAX_CHARS
    assert element["initial_value"] == "<&>" * (ANSWER_MAX_CHARS // 3)


def test_the_metadata_round_trips_and_rejects_junk() -> None:
    assert parse_wizard_metadata(wizard_metadata(12, 3)) == (12, 3)
    for junk in (None, "", "{", '{"draft": "x", "step": 1}', "[]", '{"step": 1}'):
        assert parse_wizard_metadata(junk) is None


def test_escaping_covers_slacks_control_characters() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
