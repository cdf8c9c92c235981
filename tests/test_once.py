"""Delivery keys, and claiming them: first one wins, even at the same moment; old keys go."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.once import HandledOnce, delivery_key
from models.clock import SettableClock
from models.handled_requests import KEY_LENGTH, HandledRequest
from tests.test_shapes import SLACK_SENDS

REAL_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("slash command", "command:13345224609.738474920.8088930838d88f008e0"),
        (
            "button in a message",
            "block_actions:12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
        ),
        ("select in a modal", "block_actions:1.2.3"),
        ("view submission", "view_submission:1.2.3"),
        ("global shortcut", "shortcut:1.2.3"),
        ("event", "event:Ev0PV52K21"),
        ("view closed", None),
        ("URL check", None),
        ("SSL check", None),
    ],
)
def test_each_delivery_is_keyed_by_what_slack_repeats_in_a_resend(
    kind: str, key: str | None
) -> None:
    assert delivery_key(SLACK_SENDS[kind]) == key


def test_a_very_long_id_is_hashed_to_fit() -> None:
    key = delivery_key({"command": "/buddy", "trigger_id": "t" * 1000})
    assert key is not None and key.startswith("command:sha256:") and len(key) <= KEY_LENGTH


def keys(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(HandledRequest.key)))


def test_only_the_first_claim_of_a_key_wins(sessions: sessionmaker[Session]) -> None:
    handled = HandledOnce(sessions, SettableClock(REAL_NOW))
    assert handled.first_time("command:T1")
    assert not handled.first_time("command:T1")
    assert handled.first_time("command:T2")
    assert keys(sessions) == ["command:T1", "command:T2"]


def test_concurrent_deliveries_of_one_key_are_applied_once(
    sessions: sessionmaker[Session],
) -> None:
    handled = HandledOnce(sessions, SettableClock(REAL_NOW))
    start = threading.Barrier(8)
    results: list[bool] = []

    def deliver() -> None:
        start.wait()
        results.append(handled.first_time("event:EvSAME"))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_keys_older_than_a_day_are_forgotten_now_and_then(
    sessions: sessionmaker[Session],
) -> None:
    clock = SettableClock(REAL_NOW)
    handled = HandledOnce(sessions, clock, keep_for=timedelta(days=1))
    handled.first_time("event:Old")
    clock.set(REAL_NOW + timedelta(hours=23))
    handled.first_time("event:Recent")
    assert keys(sessions) == ["event:Old", "event:Recent"]  # a prune ran, but too soon for Old

    clock.set(REAL_NOW + timedelta(days=1, minutes=1))
    handled.first_time("event:New")
    assert keys(sessions) == ["event:New", "event:Recent"]


def test_pruning_waits_between_runs(sessions: sessionmaker[Session]) -> None:
    clock = SettableClock(REAL_NOW)
    handled = HandledOnce(
        sessions, clock, keep_for=timedelta(minutes=1), prune_every=timedelta(minutes=10)
    )
    handled.first_time("event:A")  # the first claim prunes (nothing yet)
    clock.set(REAL_NOW + timedelta(minutes=5))
    handled.first_time("event:B")  # A is old enough, but the last prune was 5 minutes ago
    assert keys(sessions) == ["event:A", "event:B"]
    clock.set(REAL_NOW + timedelta(minutes=10))
    handled.first_time("event:C")
    assert keys(sessions) == ["event:C"]
