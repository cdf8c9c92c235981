"""Issue 22, lost: a history read that fails for good (the bot not in the conversation, a scope
the install lacks) is not a failure of the nudge. The delivery stays maybe sent and is looked for
again, backing off, until a day after its moment; the facilitator's Home says what scope to add."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.home import HISTORY_SCOPES
from models.clock import SettableClock
from scheduler.runner import PassRunner, build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_outbox import DUE, OneNudge, delivery, run_passes, statuses

EVERY = timedelta(seconds=10)
HISTORY = "conversations.history"
# The nudge is pointless an hour after it is due: a prep before a meeting, say.
USEFUL_UNTIL = DUE + timedelta(hours=1)
# How the post's answer went missing: Slack took it and the connection dropped, or Slack
# answered 503 without posting it. Either way the outbox cannot know, so it is maybe sent.
AMBIGUOUS = ["taken-then-dropped", "503-not-taken"]


def an_ambiguous_post(fake_slack: FakeSlack, how: str) -> None:
    if how == "taken-then-dropped":
        fake_slack.drop_next("chat.postMessage")
    else:
        fake_slack.fail_next("chat.postMessage", status=503)


def home_text(slack: SlackClientForTests, fake_slack: FakeSlack, event_id: str) -> str:
    """The facilitator opens Buddy's Home tab: the text of the view published for them."""
    slack.post(
        json.dumps(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": 1_800_000_000,
                "event": {"type": "app_home_opened", "user": FACILITATOR, "tab": "home"},
            }
        ),
        "application/json",
    )
    raw: Any = fake_slack.calls_to("views.publish")[-1].params["view"]
    view = json.loads(raw) if isinstance(raw, str) else raw
    return message_text({"blocks": view["blocks"]})


def runner(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, planner: OneNudge
) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions, planners=[planner])


@pytest.mark.parametrize("how", AMBIGUOUS)
def test_not_in_channel_once_while_checking_history_still_sends_the_nudge_once(
    how: str,
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.clock = clock
    planner = OneNudge()
    an_ambiguous_post(fake_slack, how)
    fake_slack.fail_next(HISTORY, error="not_in_channel")  # once: then the history reads fine

    run_passes(
        runner(settings, sessions, clock, planner),
        clock,
        every=EVERY,
        until=DUE + timedelta(minutes=10),
    )

    assert fake_slack.delivery_keys() == [planner.key]  # Alice has it, once
    assert statuses(session) == {"sent": 1}
    assert len(fake_slack.calls_to(HISTORY)) >= 2  # looked for again after the refusal


@pytest.mark.parametrize("how", AMBIGUOUS)
def test_a_missing_history_scope_keeps_the_nudge_maybe_sent_then_skips_it(
    how: str,
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    fake_slack.clock = clock
    planner = OneNudge(expires_at=USEFUL_UNTIL)
    an_ambiguous_post(fake_slack, how)
    fake_slack.fail_next(HISTORY, error="missing_scope", times=500)  # throughout
    clock_runner = runner(settings, sessions, clock, planner)

    run_passes(clock_runner, clock, every=EVERY, until=USEFUL_UNTIL)
    row = delivery(session)
    assert row.status == "maybe_sent"  # not failed, and not resent blind
    assert "missing_scope" in (row.last_error or "")
    looks = len(fake_slack.calls_to(HISTORY))
    assert 3 <= looks <= 15  # looked for again and again, backing off: not every 10 s

    # The facilitator is told what to add, on Home.
    shown = home_text(slack, fake_slack, "EvHome1")
    assert "cannot read the history" in shown
    for scope in ("channels:history", "groups:history", "im:history", "mpim:history"):
        assert scope in shown
    assert "reinstall" in shown

    # Past its moment it is still not settled: it may have gone out, and nothing is lost by
    # looking a while longer (a day) in case the scope is added.
    clock.set(USEFUL_UNTIL + timedelta(hours=23, minutes=50))
    clock_runner.run_pass()
    assert delivery(session).status == "maybe_sent"

    clock.set(USEFUL_UNTIL + timedelta(days=1, minutes=1))
    clock_runner.run_pass()
    row = delivery(session)
    assert row.status == "skipped"
    assert "may have gone out" in (row.last_error or "")
    # It was posted at most the once Slack may have taken it: never resent unconfirmed.
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert fake_slack.delivery_keys() == ([planner.key] if how == "taken-then-dropped" else [])


def test_the_home_warning_goes_once_the_scope_is_added_and_the_nudge_goes(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    fake_slack.clock = clock
    planner = OneNudge(expires_at=USEFUL_UNTIL)
    an_ambiguous_post(fake_slack, "503-not-taken")
    fake_slack.fail_next(HISTORY, error="missing_scope", times=3)  # then it is added
    clock_runner = runner(settings, sessions, clock, planner)

    run_passes(clock_runner, clock, every=EVERY, until=DUE + timedelta(minutes=3))
    assert "cannot read the history" in home_text(slack, fake_slack, "EvHome1")

    run_passes(clock_runner, clock, every=EVERY, until=DUE + timedelta(minutes=30))
    assert fake_slack.delivery_keys() == [planner.key]
    assert statuses(session) == {"sent": 1}
    assert "cannot read the history" not in home_text(slack, fake_slack, "EvHome2")


def test_the_home_warning_names_the_scopes_the_manifests_ask_for() -> None:
    """The facilitator is told to add scopes by the names the app's manifests give them."""
    root = Path(__file__).resolve().parent.parent
    for manifest in ("manifest.yml", "manifest-socket.yml"):
        asked = {
            line.strip().removeprefix("- ").split()[0]
            for line in (root / manifest).read_text().splitlines()
            if line.strip().startswith("- ")
        }
        assert set(HISTORY_SCOPES) <= asked, manifest
