"""The feature handlers are one core for every front end: driven here directly, with a fake
platform that only records what they ask of it (`tests/fake_outlet.py`), and no Slack at all.
And no handler module imports Slack's SDK or Bolt: their wiring lives in the Slack kit."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from conversation.deps import Deps
from conversation.outlet import Outlet
from conversation.replies import OutgoingMessage
from conversation.requests import Answer, Command, NoValues, Press, Submission, Who
from handlers import meetings, pairs
from handlers.views.meetings import PREP_DONE_ACTION, SKIP_MODAL
from handlers.views.pairs import SLOT_MODAL, SLOT_TIME, SLOT_WEEKDAY, SLOT_ZONE
from models.calendar.tables import Module
from models.clock import SettableClock
from models.deliveries import SENT, Delivery, meeting_subject
from models.meetings.context import load_pair_context
from models.pairs import Pair
from tests.conftest import DEFAULT_NOW, InlineExecutor
from tests.fake_outlet import FakeOutlet

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
ALICE, BOB = Who("T1", "UALICE"), Who("T1", "UBOB")


class Typed(NoValues):
    """What a person typed and chose in a form, by field id."""

    def __init__(self, **values: Any) -> None:
        self.values = values

    def option(self, block_id: str) -> str | None:
        found = self.values.get(block_id)
        return found if isinstance(found, str) else None

    def time(self, block_id: str) -> time | None:
        found = self.values.get(block_id)
        return found if isinstance(found, time) else None


def words(part: object) -> str:
    """Every piece of text in a neutral message part, however deep."""
    if isinstance(part, str):
        return part
    if isinstance(part, (list, tuple)):
        return " ".join(words(p) for p in part)
    if dataclasses.is_dataclass(part) and not isinstance(part, type):
        return " ".join(words(getattr(part, f.name)) for f in dataclasses.fields(part))
    return ""


def shown(message: OutgoingMessage) -> str:
    return f"{message.text} {words(message.blocks)}"


def deps_for(sessions: sessionmaker[Session], clock: SettableClock) -> Deps:
    return Deps(sessions, clock, frozenset(), InlineExecutor())


def after_ack(answer: Answer | object, outlet: Outlet) -> object:
    assert isinstance(answer, Answer)
    return answer.then(outlet) if answer.then is not None else None


def paired_with_a_slot(deps: Deps, outlet: FakeOutlet) -> int:
    """Alice pairs with Bob and sets Thursdays at 16:00 with the form, all through handlers."""
    now = deps.clock.now()
    paired = pairs.pair(Command(deps, ALICE, now, outlet, name="pair", args="<@UBOB>"))
    after_ack(paired, outlet)
    form = Typed(**{SLOT_WEEKDAY: "3", SLOT_TIME: time(16, 0), SLOT_ZONE: "Europe/London"})
    saved = pairs.save_slot_form(Submission(deps, ALICE, now, outlet, SLOT_MODAL, state=form))
    assert saved.view_response is None  # no field errors
    assert after_ack(saved, outlet) is None  # the pair's message is Alice's answer
    with deps.session() as session:
        [pair] = session.query(Pair).all()
        return pair.id


def test_slot_set_with_the_form_tells_the_pair_without_slack(
    sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    outlet = FakeOutlet()
    deps = deps_for(sessions, clock)
    paired_with_a_slot(deps, outlet)
    # `/buddy slot` alone answers with the form itself (a Teams dialog opens only that way).
    asked = pairs.slot(Command(deps, ALICE, DEFAULT_NOW, outlet, name="slot"))

    assert isinstance(asked, Answer) and asked.then is None
    assert asked.form is not None and asked.form.intent == SLOT_MODAL
    assert outlet.looked_up == ["UALICE", "UBOB"]  # the people checked before pairing
    [(_, paired), (_, slot)] = outlet.told_pairs
    assert "<@UBOB>" in shown(paired)
    assert "<@UALICE> set your fortnightly slot: every other Thursday at 16:00" in shown(slot)
    assert "First meeting:" in shown(slot) and "Thu 26 Nov at 16:00 UK time" in shown(slot)


def test_skip_tells_the_pair_and_offers_the_backup_without_slack(
    sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    outlet = FakeOutlet()
    deps = deps_for(sessions, clock)
    pair_id = paired_with_a_slot(deps, outlet)
    bare = meetings.skip(Command(deps, BOB, DEFAULT_NOW, outlet, name="skip"))
    assert bare.form is not None and bare.form.intent == SKIP_MODAL

    answer = meetings.skip(Command(deps, BOB, DEFAULT_NOW, outlet, name="skip", args="ill"))
    assert answer.reply is not None and "Skipped: the meeting on" in answer.reply["text"]
    assert after_ack(answer, outlet) is None  # told, so nothing more to say
    told_pair, offer = outlet.told_pairs[-1]
    assert told_pair == pair_id
    assert "ill" in shown(offer)
    assert "Solo practice" in shown(offer)


def test_ive_completed_redraws_the_prep_nudge_where_it_was_sent_without_slack(
    sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    outlet = FakeOutlet()
    deps = deps_for(sessions, clock)
    pair_id = paired_with_a_slot(deps, outlet)
    with deps.session() as session:
        context = load_pair_context(session, pair_id, DEFAULT_NOW, DEFAULT_NOW + timedelta(weeks=4))
        assert context is not None
        first = context.meetings[0].original_date
        pair = session.get(Pair, pair_id)
        assert pair is not None and pair.cohort_id is not None
        # A module whose insight module the buddies confirm they have completed.
        session.add(
            Module(
                cohort_id=pair.cohort_id,
                code="B2",
                title="B2",
                insight_module="B1",
                starts_on=first - timedelta(days=7),
            )
        )
        # The prep nudge the clock sent (in whatever conversation the platform gave it).
        session.add(_sent_prep(pair_id, first, "pair-conversation", "nudge-1"))

    value = f"{pair_id}:{first.isoformat()}"
    press = Press(deps, BOB, DEFAULT_NOW, outlet, action_id=PREP_DONE_ACTION, value=value)
    assert after_ack(meetings.prep_done(press), outlet) is None

    [(conversation, message_id, redrawn)] = outlet.updates
    assert (conversation, message_id) == ("pair-conversation", "nudge-1")
    assert "<@UBOB> has completed B1" in shown(redrawn)
    assert "<@UALICE> not yet" in shown(redrawn)


def _sent_prep(pair_id: int, original_date: date, channel: str, ts: str) -> Delivery:
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    return Delivery(
        key=f"prep:{pair_id}:{original_date.isoformat()}",
        kind="prep",
        pair_id=pair_id,
        subject=meeting_subject(pair_id, original_date),
        status=SENT,
        due_at=at,
        next_attempt_at=at,
        created_at=at,
        sent_at=at,
        channel_id=channel,
        message_ts=ts,
    )


def test_no_handler_module_imports_slacks_sdk_or_bolt() -> None:
    """Feature handlers name no platform: Bolt's wiring and Slack's events are in the Slack kit
    (`frontends/slack/`), and the Web API is behind `frontends/slack/outlet.py`."""
    importers: dict[str, list[str]] = {}
    for path in sorted(HANDLERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                if name.split(".")[0] in ("slack_sdk", "slack_bolt") or name.startswith(
                    ("frontends.slack", "frontends.slack.answers", "frontends.slack.events")
                ):
                    importers.setdefault(path.name, []).append(name)
    assert len(list(HANDLERS.glob("*.py"))) > 10
    assert importers == {}
