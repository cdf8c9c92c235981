"""`/buddy upcoming`: what Buddy will send this person and when, in their own time, for two
weeks, and why something is held; its first line in `/buddy status`."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session, sessionmaker

from tests.slack_http import SlackClientForTests
from tests.test_actions_domain import make_pair


def evening_pair(sessions: sessionmaker[Session]) -> None:
    """Alice (London) and Bob (Paris) meet on Thursdays at 19:30 London time from 3 Dec."""
    with sessions() as session:
        pair = make_pair(session, {"UALICE": "Europe/London", "UBOB": "Europe/Paris"})
        pair.slot_time = time(19, 30)
        session.commit()


def test_upcoming_lists_the_nudges_in_the_readers_time_and_why_one_waits(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    evening_pair(sessions)
    slack.command("action Try a hinge question by 27/11", user="UALICE")
    alice = slack.command("upcoming", user="UALICE").text
    assert "Fri 27 Nov at 09:00: chase for an action due that day" in alice
    # 19:30 in London is 20:30 in Paris: the pair's prep waits for the morning there.
    assert (
        "Wed 2 Dec at 07:30: prep nudge for your meeting (due Tue 1 Dec at 19:30, held by quiet "
        "hours)"
    ) in alice
    assert "Thu 3 Dec at 19:15: meeting reminder" in alice
    # The check-in (due at 21:30 in London, 22:30 in Paris) waits for the morning in Paris.
    assert (
        "Fri 4 Dec at 07:30: check-in: how did your meeting go? "
        "(due Thu 3 Dec at 21:30, held by quiet hours)"
    ) in alice
    assert "17 Dec" not in alice  # beyond two weeks

    bob = slack.command("upcoming", user="UBOB").text
    assert "Thu 3 Dec at 20:15: meeting reminder" in bob  # Bob's own time
    assert "chase" not in bob  # Alice's action is chased to Alice


def test_status_says_what_comes_next(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    evening_pair(sessions)
    shown = slack.command("status", user="UALICE").text
    assert "Next from Buddy: Wed 2 Dec at 07:30: prep nudge for your meeting" in shown


def test_someone_without_a_pair_hears_nothing_is_planned(slack: SlackClientForTests) -> None:
    assert "Nothing from Buddy in the next two weeks." in slack.command("upcoming").text


def test_upcoming_says_when_the_weekend_holds_a_nudge(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    """A Monday meeting's prep falls due on the Saturday before: it waits for Monday at 09:00."""
    with sessions() as session:
        make_pair(session, first=date(2026, 11, 30))
    alice = slack.command("upcoming", user="UALICE").text
    assert (
        "Mon 30 Nov at 09:00: prep nudge for your meeting (due Sat 28 Nov at 16:00, held by the "
        "weekend)"
    ) in alice
