"""The protocol run live by the clock: each stage once, in order, at its minute, across restarts
and two clocks; the prep DM two days before; the record in the thread under the close."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.community.groups import set_group
from models.community.protocol import timetable
from models.community.tables import CommunitySession
from models.people import ensure_participant
from models.problems.tables import POSTED, Problem
from scheduler.runner import PassRunner, build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_http import message_text

USERS = ["UALICE", "UBOB", "UCAROL", "UDAN", "UERIN", "UFRAN"]
CHANNEL = "CCOMM"
# Thu 3 Dec 2026, 16:00 in London (UTC in winter).
STARTS = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def make_session(sessions: sessionmaker[Session], size: int, starts: datetime = STARTS) -> int:
    with sessions() as session:
        caller = ensure_participant(session, "T1", USERS[0], DEFAULT_NOW)
        group = set_group(session, "T1", CHANNEL, caller, USERS[:size], True, DEFAULT_NOW)
        row = CommunitySession(group_id=group.id, starts_at=starts, created_at=DEFAULT_NOW)
        session.add(row)
        session.commit()
        return row.id


def key_of(params: dict[str, Any]) -> str:
    metadata = params.get("metadata")
    loaded: dict[str, Any] = json.loads(metadata) if isinstance(metadata, str) else metadata or {}
    return str(loaded["event_payload"]["delivery_key"])


def shown(params: dict[str, Any]) -> str:
    blocks = params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return message_text({"text": params.get("text", ""), "blocks": blocks})


def channel_posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        c.params for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL
    ]


def run_session(
    runners: list[PassRunner], clock: SettableClock, fake: FakeSlack, *, switch_at: int = 30
) -> list[tuple[int, str]]:
    """Tick every minute (twice) from a minute before to a minute after; which runner ticks
    changes at `switch_at`. Returns (minute, stage) of each channel post as it appeared."""
    seen: list[tuple[int, str]] = []
    for minute in range(-1, 62):
        for second in (0, 30):
            clock.set(STARTS + timedelta(minutes=minute, seconds=second))
            pool = runners[:1] if minute < switch_at else runners[1:]
            for runner in pool:
                runner.run_pass()
            for params in channel_posts(fake)[len(seen) :]:
                seen.append((minute, key_of(params).rsplit(":", 1)[1]))
    return seen


@pytest.fixture
def make_runner(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> Any:
    return lambda: build_runner(settings, clock, sessions=sessions)


@pytest.mark.parametrize("size", [3, 4, 5, 6])
def test_a_whole_session_posts_each_stage_once_in_order_at_its_minute(
    size: int,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
    make_runner: Any,
) -> None:
    make_session(sessions, size)
    first = make_runner()
    # A restart mid-session (a new process), and a second clock beside it.
    seen = run_session([first, make_runner(), make_runner()], clock, fake_slack)
    expected = [(s.start, f"stage={s.key}") for s in timetable(size)] + [(60, "record")]
    assert seen == expected
    keys = [key_of(p) for p in channel_posts(fake_slack)]
    assert len(keys) == len(set(keys))


def test_the_posts_say_who_speaks_and_quote_the_seed(
    sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack, make_runner: Any
) -> None:
    make_session(sessions, 4)
    run_session([make_runner(), make_runner()], clock, fake_slack)
    posts = channel_posts(fake_slack)
    texts = [shown(p) for p in posts]
    assert texts[0].startswith("Reconnect (5 mins, 0-5)")
    assert (
        "Start on time" in texts[0]
        and "All leaders share one success from the last week." in texts[0]
    )
    assert "For your first community you will need to assign a chair." in texts[0]
    assert "Introduce the problem (2 mins, 5-7)" in texts[1]
    assert "<@UALICE>" in texts[1] and "No problem card posted yet." in texts[1]
    look = texts[3]
    assert look.startswith("Look deeper (3 mins, 9-12)")
    assert "Peers; problem-owner listens but does not speak" in look
    assert "takes 3 rather than the seed's 4" in look
    assert "Any other questions/feedback/requests for help" in texts[-2]
    assert "Review learning, refine calls" in texts[-2]
    record = posts[-1]
    assert record["thread_ts"] == fake_slack.messages[CHANNEL][-2]["ts"]
    assert "Session record" in texts[-1] and "Next chair:" in texts[-1]


def test_the_prep_dm_goes_two_days_before_to_each_member(
    sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack, make_runner: Any
) -> None:
    make_session(sessions, 3)
    runner = make_runner()
    clock.set(STARTS - timedelta(days=2, minutes=1))
    runner.run_pass()
    assert fake_slack.calls_to("chat.postMessage") == []
    clock.set(STARTS - timedelta(days=2))
    runner.run_pass()
    runner.run_pass()
    dms = fake_slack.calls_to("chat.postMessage")
    assert sorted(c.params["channel"] for c in dms) == ["DUALICE", "DUBOB", "DUCAROL"]
    prep = shown(dms[0].params)
    assert "Thu 3 Dec at 16:00" in prep and "Draft your problem" in prep


def test_a_stopped_session_posts_nothing_more(
    sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack, make_runner: Any
) -> None:
    session_id = make_session(sessions, 4)
    runner = make_runner()
    for minute in range(8):
        clock.set(STARTS + timedelta(minutes=minute))
        runner.run_pass()
    with sessions() as session:
        row = session.get(CommunitySession, session_id)
        assert row is not None
        row.stopped_at = STARTS + timedelta(minutes=8)
        session.commit()
    for minute in range(8, 62):
        clock.set(STARTS + timedelta(minutes=minute))
        runner.run_pass()
    assert [key_of(p).rsplit(":", 1)[1] for p in channel_posts(fake_slack)] == [
        "stage=reconnect",
        "stage=turn-1-introduce",
        "stage=turn-1-clarify",
    ]


def test_a_posted_card_is_linked_in_the_owners_turn_and_their_prep_dm(
    sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack, make_runner: Any
) -> None:
    make_session(sessions, 5)
    with sessions() as session:
        bob = ensure_participant(session, "T1", "UBOB", DEFAULT_NOW)
        session.add(
            Problem(
                owner_id=bob.id,
                status=POSTED,
                problem="My pupils keep forgetting",
                channel_id=CHANNEL,
                message_ts="1764000000.000100",
                posted_at=DEFAULT_NOW,
                created_at=DEFAULT_NOW,
                updated_at=DEFAULT_NOW,
            )
        )
        session.commit()
    runner = make_runner()
    clock.set(STARTS - timedelta(days=2))
    runner.run_pass()
    dms = {c.params["channel"]: shown(c.params) for c in fake_slack.calls_to("chat.postMessage")}
    link = f"https://slack.com/archives/{CHANNEL}/p1764000000000100"
    assert link in dms["DUBOB"] and "Draft your problem" not in dms["DUBOB"]
    assert "Draft your problem" in dms["DUALICE"]
    for minute in range(20):
        clock.set(STARTS + timedelta(minutes=minute))
        runner.run_pass()
    posts = [shown(p) for p in channel_posts(fake_slack)]
    # Fives have no Introduce stage: the card comes with Clarify, at the turn's start.
    bob_turn = next(p for p in posts if p.startswith("Clarify (1 min, 15-16)"))
    assert "<@UBOB>" in bob_turn and link in bob_turn
    assert "No problem card posted yet." in next(
        p for p in posts if p.startswith("Clarify (1 min, 5-6)")
    )
