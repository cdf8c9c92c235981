"""The action rules without Slack: numbers, default due dates, who may close, more time."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.actions import (
    DONE,
    DROPPED,
    OPEN,
    ActionArgs,
    Refusal,
    actions_for,
    close_by_id,
    close_by_number,
    open_actions_by_owner,
    parse_action_args,
    parse_action_number,
    record_action,
    reschedule,
)
from models.clock import SettableClock
from models.grammar import ParseError
from models.pairs import Pair, PairMember
from models.people import Participant, default_cohort, ensure_participant
from tests.conftest import DEFAULT_NOW

TODAY = date(2026, 11, 24)


def make_pair(
    session: Session,
    users: dict[str, str] | None = None,
    *,
    slot: bool = True,
    first: date = date(2026, 12, 3),
) -> Pair:
    """Alice and Bob (by default), Thursdays at 16:00 London from Thu 3 Dec."""
    users = users or {"UALICE": "Europe/London", "UBOB": "Europe/London"}
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    pair = Pair(team_id="T1", cohort_id=cohort.id, formed_by="UALICE", created_at=DEFAULT_NOW)
    if slot:
        pair.slot_weekday = first.weekday()
        pair.slot_time = time(16, 0)
        pair.slot_timezone = "Europe/London"
        pair.slot_first_date = first
        pair.slot_set_at = DEFAULT_NOW
    session.add(pair)
    session.flush()
    for user_id, zone in users.items():
        member = ensure_participant(session, "T1", user_id, DEFAULT_NOW)
        member.timezone = zone
        session.add(PairMember(pair_id=pair.id, participant_id=member.id, joined_at=DEFAULT_NOW))
    session.commit()
    return pair


def person(session: Session, user_id: str) -> Participant:
    return ensure_participant(session, "T1", user_id, DEFAULT_NOW)


def test_reading_the_action_command() -> None:
    assert parse_action_args("Try starters with 9X by 3/12 with review", TODAY) == ActionArgs(
        "Try starters with 9X", date(2026, 12, 3), True
    )
    assert parse_action_args("Read a book by Rosenshine", TODAY) == ActionArgs(
        "Read a book by Rosenshine", None, False
    )
    assert parse_action_args("Email by letter by thu", TODAY).due == date(2026, 11, 26)
    bad = parse_action_args("Plan the INSET by 45/13", TODAY)
    assert isinstance(bad, ParseError) and "45/13" in bad.message
    assert "by 3/12" in bad.example
    empty = parse_action_args("  by 3/12 ", TODAY)
    assert isinstance(empty, ParseError) and "what the action is" in empty.message
    assert parse_action_number(" 2 ") == 2
    assert isinstance(parse_action_number("two"), ParseError)
    assert isinstance(parse_action_number(""), ParseError)


def test_numbers_are_the_smallest_free_and_stay_put_while_open(session: Session) -> None:
    make_pair(session)
    alice = person(session, "UALICE")
    first, second, third = (
        record_action(session, alice, f"Step {n}", date(2026, 12, 3), DEFAULT_NOW)
        for n in range(1, 4)
    )
    assert [first.number, second.number, third.number] == [1, 2, 3]
    close_by_number(session, alice, 2, DONE, DEFAULT_NOW)
    assert third.number == 3  # stable while open
    fourth = record_action(session, alice, "Step 4", date(2026, 12, 3), DEFAULT_NOW)
    assert fourth.number == 2  # the smallest free number
    bob = person(session, "UBOB")
    assert record_action(session, bob, "Bob's", date(2026, 12, 3), DEFAULT_NOW).number == 1


def test_no_date_means_the_next_meeting_and_review_is_ninety_days_on(session: Session) -> None:
    make_pair(session)
    alice = person(session, "UALICE")
    action = record_action(session, alice, "Try starters", None, DEFAULT_NOW, with_review=True)
    assert action.due_date == date(2026, 12, 3)
    assert action.review_at == TODAY + timedelta(days=90)
    assert action.status == OPEN and action.source == "command"
    assert action.pair_id is not None


def test_no_date_without_a_meeting_asks_for_one(session: Session) -> None:
    loner = person(session, "UCAROL")
    with pytest.raises(Refusal) as refused:
        record_action(session, loner, "Try starters", None, DEFAULT_NOW)
    assert "not in a buddy pair" in refused.value.message and "`by <date>`" in refused.value.message
    make_pair(session, {"UDAN": "Europe/London", "UERIN": "Europe/London"}, slot=False)
    with pytest.raises(Refusal) as no_slot:
        record_action(session, person(session, "UDAN"), "Try", None, DEFAULT_NOW)
    assert "no next meeting" in no_slot.value.message
    # With a date, an action needs no pair.
    assert record_action(session, loner, "Try", date(2026, 12, 1), DEFAULT_NOW).pair_id is None


def test_refusals_say_what_was_wrong(session: Session) -> None:
    alice = person(session, "UALICE")
    with pytest.raises(Refusal, match="already passed"):
        record_action(session, alice, "Late", date(2026, 11, 23), DEFAULT_NOW)
    with pytest.raises(Refusal, match="what the action is"):
        record_action(session, alice, "   ", date(2026, 12, 3), DEFAULT_NOW)
    with pytest.raises(Refusal, match="no open action 4"):
        close_by_number(session, alice, 4, DONE, DEFAULT_NOW)


def test_only_the_owner_closes_and_the_buddy_is_pointed_to_them(session: Session) -> None:
    make_pair(session)
    alice, bob = person(session, "UALICE"), person(session, "UBOB")
    action = record_action(session, alice, "Try starters", date(2026, 12, 3), DEFAULT_NOW)
    with pytest.raises(Refusal) as refused:
        close_by_number(session, bob, 1, DONE, DEFAULT_NOW)
    assert refused.value.people == ("UALICE",)
    assert "{0}'s" in refused.value.message and "only its owner" in refused.value.message
    with pytest.raises(Refusal, match="belongs to someone else"):
        close_by_id(session, action.id, "UBOB", DROPPED, DEFAULT_NOW)
    change = close_by_id(session, action.id, "UALICE", DROPPED, DEFAULT_NOW)
    assert change.changed and action.status == DROPPED and action.closed_at == DEFAULT_NOW
    again = close_by_id(session, action.id, "UALICE", DONE, DEFAULT_NOW)
    assert not again.changed and action.status == DROPPED  # a second click changes nothing


def test_more_time_needs_a_date_from_today(session: Session) -> None:
    alice = person(session, "UALICE")
    action = record_action(session, alice, "Try starters", date(2026, 12, 3), DEFAULT_NOW)
    with pytest.raises(Refusal, match="already passed"):
        reschedule(session, action.id, "UALICE", date(2026, 11, 20), DEFAULT_NOW)
    with pytest.raises(Refusal, match="someone else"):
        reschedule(session, action.id, "UBOB", date(2026, 12, 10), DEFAULT_NOW)
    assert reschedule(session, action.id, "UALICE", date(2026, 12, 10), DEFAULT_NOW).changed
    assert action.due_date == date(2026, 12, 10)


def test_open_actions_by_owner_reads_everyone_in_one_query(
    session: Session, clock: SettableClock
) -> None:
    make_pair(session)
    alice, bob = person(session, "UALICE"), person(session, "UBOB")
    for n in range(3):
        record_action(session, alice, f"A{n}", date(2026, 12, 3), DEFAULT_NOW)
    record_action(session, bob, "B", date(2026, 12, 3), DEFAULT_NOW)
    close_by_number(session, alice, 1, DONE, DEFAULT_NOW)
    session.commit()
    statements: list[str] = []
    bind = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        found = open_actions_by_owner(session, [alice.id, bob.id, 999])
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert [a.number for a in found[alice.id]] == [2, 3]
    assert [a.text for a in found[bob.id]] == ["B"]
    assert found[999] == []
    listing = actions_for(session, bob)
    assert [a.text for a in listing.mine] == ["B"]
    assert [(p.user_id, len(a)) for p, a in listing.buddies] == [("UALICE", 2)]


def test_a_far_date_that_reads_near_month_first_is_to_be_asked_about() -> None:
    first_of_november = date(2026, 11, 1)
    asked = parse_action_args("Plan the INSET by 11/5", first_of_november)
    assert isinstance(asked, ActionArgs)
    assert (asked.due, asked.other_due) == (date(2027, 5, 11), date(2026, 11, 5))
    assert parse_action_args("Plan by 12/1", first_of_november) == ActionArgs(
        "Plan", date(2027, 1, 12), False, date(2026, 12, 1)
    )
    for text in ("Plan by 5/11", "Plan by 3/4", "Plan by 11 May", "Plan by 30/12", "Plan"):
        found = parse_action_args(text, first_of_november)
        assert isinstance(found, ActionArgs) and found.other_due is None, text
