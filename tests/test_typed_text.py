"""What people type comes back as they typed it: action text is stored as typed and escaped
exactly once in every message that shows it, so none of it pings, links or formats Slack's way."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from conversation.markup import escape
from handlers.views.actions import due_block_id, text_block_id
from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from models.actions import Action
from models.clock import SettableClock
from models.registry import Base
from scheduler.actions import plan_action_chases
from scheduler.runner import build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import Call, FakeSlack
from tests.slack_http import HttpResult, SlackClientForTests, message_text
from tests.test_actions_domain import make_pair

LIVE = ("<!here>", "<@U1>", "<#C1>", "<https://x|y>")
# What a person types in `/buddy action`, as Slack sends it, and what they typed: &, < and > come
# as entities; a mention, channel, @here or link they picked comes as Slack's markup.
MARKUP = [
    ("<!here>", "@here"),
    ("<@U1>", "@U1"),
    ("<#C1>", "#C1"),
    ("<https://x|y>", "y (https://x)"),
]
PLAIN = ["&", "<", ">", "*", "_", "~", "`", "&lt;", "&amp;", "!here", "@U1", "#C1", "|", "x"]
PLAIN += ["<!here>", "<@U1>", "<#C1>", "<https://x|y>", "plan", " "]  # typed as characters
PIECES = [(escape(p), p) for p in PLAIN] + MARKUP

typed_text = st.lists(st.sampled_from(PIECES), min_size=1, max_size=10)
# In a modal's text box nothing is escaped or turned into markup: the characters come as typed.
modal_text = st.lists(st.sampled_from(PLAIN), min_size=1, max_size=10).map("".join)
EXAMPLES = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def fresh(engine: Engine, clock: SettableClock, fake: FakeSlack) -> None:
    """Each example starts from an empty database at the tests' usual now."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
    clock.set(DEFAULT_NOW)
    fake.clear()


def said(call: Call) -> str:
    blocks = call.params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return message_text({"text": call.params.get("text", ""), "blocks": blocks})


def shows_as_typed(shown: str, stored: str) -> None:
    """The text is there escaped exactly once, and nothing in it is live markup."""
    for live in LIVE:
        assert live not in shown, (live, shown)
    assert escape(stored) in shown, (escape(stored), shown)


def answered(result: HttpResult) -> str:
    assert result.status == 200
    return result.text


def stored_texts(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Action.text).order_by(Action.id)))


@EXAMPLES
@given(pieces=typed_text)
def test_action_text_from_the_command_is_stored_as_typed_and_shown_escaped_once(
    pieces: list[tuple[str, str]],
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    engine: Engine,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fresh(engine, clock, fake_slack)
    with sessions() as session:
        make_pair(session)
    # "Plan" and "end" fence the typed text: escaped twice, it would no longer match whole.
    sent = "Plan " + "".join(slack_form for slack_form, _ in pieces) + " end"
    stored = " ".join(("Plan " + "".join(typed for _, typed in pieces) + " end").split())

    asked = answered(slack.command(f"action {sent} by 12/5"))  # 5 Dec, or 12 May 2027?
    assert "Which date did you mean" in asked and stored_texts(sessions) == []
    shown = [asked, answered(slack.command(f"action {sent} by 3/12 with review"))]
    assert stored_texts(sessions) == [stored]
    shown.append(answered(slack.command("actions")))
    shown.append(answered(slack.command("actions", user="UBOB")))

    runner = build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases])
    for moment in (datetime(2026, 12, 3, 9, 0), datetime(2026, 12, 7, 9, 0)):
        clock.set(moment.replace(tzinfo=UTC))
        runner.run_pass()  # the chase in Alice's DM, then the overdue note to the pair
    shown.append(answered(slack.command("done 1")))
    clock.set(datetime(2027, 2, 22, 9, 0, tzinfo=UTC))
    runner.run_pass()  # the 90-day review
    messages = [c for c in fake_slack.calls if c.method in ("chat.postMessage", "chat.update")]
    # The chase, the overdue note, both redrawn once done, and the review.
    assert len(messages) == 5, [c.method for c in messages]
    shown.extend(said(c) for c in messages)
    for text in shown:
        shows_as_typed(text, stored)


@EXAMPLES
@given(typed=modal_text)
def test_action_text_from_the_check_in_modal_is_stored_as_typed_and_shown_escaped_once(
    typed: str,
    slack: SlackClientForTests,
    sessions: sessionmaker[Session],
    engine: Engine,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fresh(engine, clock, fake_slack)
    with sessions() as session:
        pair_id = make_pair(session).id
    text = "Plan " + typed + " end"
    stored = " ".join(text.split())

    slack.block_action(CHECKIN_ADD_ACTIONS, f"{pair_id}:2026-11-19", channel="GUALICE-UBOB")
    [opened] = fake_slack.calls_to("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values: dict[str, Any] = {
        text_block_id(1): {text_block_id(1): {"type": "plain_text_input", "value": text}},
        due_block_id(1): {due_block_id(1): {"type": "datepicker", "selected_date": "2026-12-03"}},
    }
    assert slack.view_submission(view, values).status == 200
    assert stored_texts(sessions) == [stored]
    [confirmation] = fake_slack.calls_to("chat.postMessage")
    shows_as_typed(said(confirmation), stored)
    shows_as_typed(answered(slack.command("actions")), stored)
    with sessions() as session:
        [action] = session.scalars(select(Action)).all()
        assert action.due_date == date(2026, 12, 3)
