"""Undo, as a pair lives it: "I've completed X" and a check-in answer are taken back by the one
who pressed them, and the message Buddy sent is redrawn in place; the buddy's press is refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.meetings.tables import MeetingOutcome, PrepCompletion
from scheduler.runner import PassRunner, build_runner
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_meeting_nudges import blocks_of, kinds_sent, london, make_pair, posts, run_at, shown

GROUP_DM = "GUALICE-UBOB"


@pytest.fixture
def clock_runner(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock
) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions)


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a message: in actions blocks and as a section's accessory."""
    found = []
    for block in blocks_of(params):
        found.extend(e for e in block.get("elements", []) if e.get("type") == "button")
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found.append(accessory)
    return found


def labelled(params: dict[str, Any], label: str) -> list[dict[str, Any]]:
    return [b for b in buttons(params) if b["text"]["text"] == label]


def prepared(session: Session) -> list[int]:
    session.expire_all()
    return [p.participant_id for p in session.scalars(select(PrepCompletion))]


def test_ive_completed_is_undone_by_the_one_who_pressed_it_only(
    session: Session,
    clock_runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(clock_runner, clock, london(2026, 12, 1, 16, 0))
    [prep] = posts(fake_slack)
    [done] = labelled(prep, "I've completed B1")
    assert labelled(prep, "Undo") == []
    slack.block_action("prep_done", done["value"], user="UBOB", channel=GROUP_DM)
    [pressed] = fake_slack.calls_to("chat.update")
    assert "<@UBOB> has completed B1" in shown(pressed.params)
    [undo] = labelled(pressed.params, "Undo")  # on Bob's line only
    assert len(prepared(session)) == 1

    # Alice presses Undo on Bob's line: refused politely, nothing changes, nothing redrawn.
    slack.block_action(undo["action_id"], undo["value"], user="UALICE", channel=GROUP_DM)
    refusal = fake_slack.response_posts[-1]
    assert refusal["response_type"] == "ephemeral"
    assert "replace_original" not in refusal or not refusal["replace_original"]
    assert "Only <@UBOB> can undo that" in message_text(refusal)
    assert len(prepared(session)) == 1
    assert len(fake_slack.calls_to("chat.update")) == 1

    # Bob undoes his own: not completed any more, and the same message is redrawn in place.
    slack.block_action(undo["action_id"], undo["value"], user="UBOB", channel=GROUP_DM)
    assert prepared(session) == []
    redrawn = fake_slack.calls_to("chat.update")[-1].params
    assert (redrawn["channel"], redrawn["ts"]) == (pressed.params["channel"], pressed.params["ts"])
    assert "<@UBOB> not yet" in shown(redrawn)
    assert "has completed" not in shown(redrawn)
    assert labelled(redrawn, "Undo") == []
    assert len(labelled(redrawn, "I've completed B1")) == 1


def test_a_check_in_answer_is_undone_by_whoever_gave_it_and_asked_again(
    session: Session,
    clock_runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(clock_runner, clock, london(2026, 12, 3, 18, 0))
    [checkin] = posts(fake_slack)
    [met] = labelled(checkin, "We met")
    slack.block_action("checkin_met", met["value"], user="UALICE", channel=GROUP_DM)
    [answered] = fake_slack.calls_to("chat.update")
    assert "<@UALICE>: We met" in shown(answered.params)
    [undo] = labelled(answered.params, "Undo")

    def outcomes() -> list[tuple[date, str, str]]:
        session.expire_all()
        rows = session.scalars(select(MeetingOutcome))
        return [(r.original_date, r.outcome, r.answered_by) for r in rows]

    # Bob did not answer: his Undo is refused and the answer stands.
    slack.block_action(undo["action_id"], undo["value"], user="UBOB", channel=GROUP_DM)
    assert "Only <@UALICE> can undo that" in message_text(fake_slack.response_posts[-1])
    assert outcomes() == [(date(2026, 12, 3), "met", "UALICE")]
    assert len(fake_slack.calls_to("chat.update")) == 1

    # Alice takes it back: unanswered, and the check-in asks again in place.
    slack.block_action(undo["action_id"], undo["value"], user="UALICE", channel=GROUP_DM)
    assert outcomes() == []
    redrawn = fake_slack.calls_to("chat.update")[-1].params
    assert (redrawn["channel"], redrawn["ts"]) == (
        answered.params["channel"],
        answered.params["ts"],
    )
    assert "How did your buddy meeting on" in shown(redrawn)
    assert "<@UALICE>: We met" not in shown(redrawn)
    assert labelled(redrawn, "Undo") == []
    for label in ("We met", "We moved it", "Solo practice this time"):
        assert len(labelled(redrawn, label)) == 1, label

    # Unanswered again, so the clock follows it up: two days later is Saturday, so on Monday
    # at 09:00.
    run_at(clock_runner, clock, london(2026, 12, 5, 18, 0))
    run_at(clock_runner, clock, london(2026, 12, 7, 8, 59))
    assert kinds_sent(session) == ["checkin"]
    run_at(clock_runner, clock, london(2026, 12, 7, 9, 0))
    assert kinds_sent(session) == ["checkin", "checkin-again"]
