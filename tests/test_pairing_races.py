"""Pairing when people are quick: two people pairing each other at once, a slot sent the moment
`/buddy pair` answers, and a refused pairing that must send nobody anything.

Requests go to the real web process over signed HTTP, concurrently where people would be; the
PostgreSQL run (TEST_DATABASE_URL) is where locks can deadlock, SQLite's run checks the same
promises.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.settings import Settings
from bot.web import create_wsgi_app
from conversation.replies import SOMETHING_WENT_WRONG
from models.clock import SettableClock
from models.pairs import Pair, PairMember, Profile, match_pair, remember_profiles
from models.people import Participant
from models.welcome import claim_welcome
from tests.conftest import DEFAULT_NOW, FACILITATOR, SwappableApp
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text

ROUNDS = 25
WENT_WRONG = SOMETHING_WENT_WRONG.split(",")[0]  # "...Sorry, something went wrong"


def members_of_pairs(sessions: sessionmaker[Session], user_ids: set[str]) -> list[list[str]]:
    """The live pairs any of these people are in, each as its members' Slack ids, sorted."""
    with sessions() as session:
        rows = session.execute(
            select(PairMember.pair_id, Participant.user_id)
            .join(Participant, Participant.id == PairMember.participant_id)
            .join(Pair, Pair.id == PairMember.pair_id)
            .where(Pair.dissolved_at.is_(None))
        ).all()
    pairs: dict[int, list[str]] = {}
    for pair_id, user_id in rows:
        pairs.setdefault(pair_id, []).append(user_id)
    return sorted(sorted(m) for m in pairs.values() if user_ids & set(m))


def group_posts(fake_slack: FakeSlack, *user_ids: str) -> list[str]:
    channel = "G" + "-".join(sorted(user_ids))
    return [
        message_text(c.params)
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params.get("channel") == channel
    ]


def pair_each_other_at_once(
    events_url: str, fake_slack: FakeSlack, a: str, b: str
) -> dict[str, str]:
    """`/buddy pair @b` from a and `/buddy pair @a` from b, sent together: what each ack said."""
    start = threading.Barrier(2)
    acks: dict[str, str] = {}

    def send(caller: str, buddy: str) -> None:
        # One client each: a client remembers what its last request was told.
        client = SlackClientForTests(events_url, fake_slack.response_url())
        start.wait()
        text = f"pair <@{buddy}|{buddy.lower()}>"
        acks[caller] = client.command(text, user=caller, trigger_id=f"t-{caller}").text

    threads = [threading.Thread(target=send, args=pair) for pair in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acks


def test_two_people_pairing_each_other_at_once_both_hear_the_pair_exists(
    app_url: str, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """A sends `/buddy pair @B` as B sends `/buddy pair @A`, ROUNDS times with new people: each
    hears kindly that they are buddies, one pair exists, and the pair is told once."""
    problems: list[str] = []
    for n in range(ROUNDS):
        a, b = f"URACE{n}A", f"URACE{n}B"
        fake_slack.add_user(a)
        fake_slack.add_user(b)
        posted_before = len(fake_slack.response_posts)
        acks = pair_each_other_at_once(app_url + "/slack/events", fake_slack, a, b)
        later = [message_text(m) for m in fake_slack.response_posts[posted_before:]]
        told = [*acks.values(), *later]
        if any(WENT_WRONG in text for text in told):
            problems.append(f"round {n}: {told}")
            continue
        for caller, buddy in ((a, b), (b, a)):
            answer = acks.get(caller, "")
            friendly = "are now buddies" in answer or "are already buddies" in answer
            if not friendly or f"<@{buddy}>" not in answer:
                problems.append(f"round {n}: {caller} was told {answer!r} (then {later})")
        if members_of_pairs(sessions, {a, b}) != [sorted([a, b])]:
            problems.append(f"round {n}: pairs {members_of_pairs(sessions, {a, b})}")
        if len(group_posts(fake_slack, a, b)) != 1:
            problems.append(f"round {n}: the pair was told {len(group_posts(fake_slack, a, b))}x")
    assert problems == [], f"{len(problems)} problems in {ROUNDS} rounds:\n" + "\n".join(problems)


def test_pairing_again_with_your_buddy_says_you_are_already_buddies(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slack.command("pair <@UBOB|bob> <@UCAROL|carol>", user="UALICE")
    fake_slack.clear()
    again = slack.command("pair <@UCAROL|carol> <@UALICE|alice>", user="UBOB")
    assert "You, <@UALICE> and <@UCAROL> are already buddies" in again.text
    assert ":warning:" not in again.text
    assert fake_slack.calls_to("chat.postMessage") == []  # nobody is told twice
    assert members_of_pairs(sessions, {"UALICE"}) == [["UALICE", "UBOB", "UCAROL"]]
    # Not the same group: the usual answer, leave your pair first.
    assert "You're already in a buddy pair" in slack.command("pair <@UBOB>", user="UALICE").text
    matched = slack.command("match <@UBOB|bob> <@UALICE> <@UCAROL>", user=FACILITATOR)
    assert "<@UALICE>, <@UBOB> and <@UCAROL> are already a buddy trio" in matched.text
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_pair_that_could_not_be_told_is_still_a_pair_and_the_caller_hears_why(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """Telling the pair follows the answer: if Slack refuses it, the caller is told to do it."""
    fake_slack.fail_next("conversations.open", error="internal_error")
    result = slack.command("pair <@UBOB|bob>", user="UALICE")
    assert "You and <@UBOB> are now buddies" in result.text
    assert "please let your buddy know yourself" in slack.told()
    assert members_of_pairs(sessions, {"UALICE"}) == [["UALICE", "UBOB"]]


# -- the answer to /buddy pair comes once the pair exists -------------------------------------


class HeldExecutor(Executor):
    """Keeps the work meant for after the ack until `run_held`: as if Slack had the answer and
    Buddy's slow work had not started yet, the moment a quick person sends their next command."""

    def __init__(self) -> None:
        self.held: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.held.append((fn, args, kwargs))
        return Future()

    def run_held(self) -> None:
        while self.held:
            fn, args, kwargs = self.held.pop(0)
            fn(*args, **kwargs)


@pytest.fixture
def slack_later_work_on(
    http_server: tuple[SwappableApp, str],
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> Iterator[Callable[[Executor], SlackClientForTests]]:
    """The real app with its after-the-ack work on a given executor (not inline, as elsewhere)."""
    holder, url = http_server

    def serve(executor: Executor) -> SlackClientForTests:
        app = create_app(settings, sessions=sessions, clock=clock, listener_executor=executor)
        holder.app = create_wsgi_app(app, sessions, signing_secret=settings.signing_secret)
        return SlackClientForTests(
            url + "/slack/events", fake_slack.response_url(), fake_slack.response_posts
        )

    yield serve
    holder.app = None


def test_a_slot_sent_as_soon_as_pair_answers_finds_the_pair(
    slack_later_work_on: Callable[[Executor], SlackClientForTests],
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
) -> None:
    held = HeldExecutor()
    slack = slack_later_work_on(held)
    paired = slack.command("pair <@UBOB|bob>", user="UALICE")
    assert "You and <@UBOB> are now buddies" in paired.text
    assert members_of_pairs(sessions, {"UALICE"}) == [["UALICE", "UBOB"]]
    slot = slack.command("slot thu 16:00", user="UBOB")
    assert "not in a buddy pair" not in slot.text, slot.text
    matched = slack.command("match <@UCAROL|carol> <@UDAN|dan>", user=FACILITATOR)
    assert "<@UCAROL> and <@UDAN> are now a buddy pair" in matched.text
    assert "not in a buddy pair" not in slack.command("slot fri 9am", user="UDAN").text
    assert fake_slack.calls_to("chat.postMessage") == []  # nothing was sent before the ack
    held.run_held()
    assert len(group_posts(fake_slack, "UALICE", "UBOB")) == 2  # the four roles, then the slot
    assert len(group_posts(fake_slack, "UCAROL", "UDAN")) == 2
    with sessions() as session:
        assert all(p.slot_weekday is not None for p in session.scalars(select(Pair)))


def test_slots_sent_as_soon_as_pair_answers_are_all_accepted(
    slack_later_work_on: Callable[[Executor], SlackClientForTests],
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
) -> None:
    """The same with the production thread pool, ROUNDS times: every slot is accepted."""
    pool = ThreadPoolExecutor(max_workers=4)
    slack = slack_later_work_on(pool)
    refused: list[str] = []
    for n in range(ROUNDS):
        a, b = f"USLOT{n}A", f"USLOT{n}B"
        fake_slack.add_user(a)
        fake_slack.add_user(b)
        slack.command(f"pair <@{b}|{b.lower()}>", user=a)
        answer = slack.command("slot thu 16:00 tz Europe/London", user=a).text
        if "not in a buddy pair" in answer:
            refused.append(f"round {n}: {answer}")
    pool.shutdown(wait=True)
    assert refused == [], f"{len(refused)} of {ROUNDS} slots refused"
    with sessions() as session:
        slots = [p.slot_weekday for p in session.scalars(select(Pair))]
    assert slots == [3] * ROUNDS


# -- a refused pairing sends nothing -----------------------------------------------------------


@pytest.mark.welcome
def test_a_refused_match_or_pair_sends_nobody_anything(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """Bob and Carol were paired (by an import, say) and never heard from Buddy; Alice, who has,
    tries to match or pair them: she is refused, and nobody is sent anything."""
    earlier = DEFAULT_NOW - timedelta(days=3)
    with sessions() as session:
        profiles = [Profile(u, "Europe/London", False) for u in ("UALICE", "UBOB", "UCAROL")]
        people = remember_profiles(session, "T1", profiles, earlier)
        match_pair(session, "import", True, [people["UBOB"], people["UCAROL"]], [], earlier)
        claim_welcome(session, people["UALICE"], earlier)
        session.commit()

    refused = slack.command("match <@UBOB|bob> <@UCAROL|carol>", user="UALICE")
    assert "Only facilitators can pair other people" in refused.text
    assert fake_slack.calls_to("chat.postMessage") == []

    slack.command("pair <@UBOB|bob>", user="UALICE")
    assert "<@UBOB> is already in a buddy pair" in slack.told()
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_slow_or_busy_slack_while_pairing_is_said_plainly_and_changes_nothing(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """users.info is read before the answer: a slow or rate-limited Slack must not hold the
    answer past Slack's 3 seconds (nor wait out a Retry-After), and nothing is half-made."""
    fake_slack.delay_next("users.info", seconds=2.5)
    slow = slack.command("pair <@UBOB>", user="UALICE")
    assert "Slack is slow to answer just now" in slow.text
    fake_slack.fail_next("users.info", status=429, retry_after=30)
    busy = slack.command("pair <@UBOB>", user="UALICE")
    assert "Slack is slow to answer just now" in busy.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Pair)) == 0
    assert "are now buddies" in slack.command("pair <@UBOB>", user="UALICE").text
