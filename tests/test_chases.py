"""Chasing actions through the outbox: once, at 09:00 local, never in a break or once closed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.actions import CHASE_BUTTONS, REVIEW_PROMPT
from models.actions import DONE, close_by_number, record_action, reschedule
from models.calendar.tables import CohortBreak
from models.clock import SettableClock
from models.deliveries import SENT, SKIPPED, Delivery, DeliverySubject
from models.people import default_cohort, ensure_participant
from scheduler.actions import plan_action_chases
from scheduler.runner import PassRunner, build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_http import message_text
from tests.test_actions_domain import make_pair, person

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
DUE = date(2026, 12, 3)


@pytest.fixture
def runner(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases])


def run_at(runner: PassRunner, clock: SettableClock, moment: datetime) -> None:
    clock.set(moment.astimezone(UTC))
    runner.run_pass()


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage")]


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def shown(params: dict[str, Any]) -> str:
    return message_text({"text": params.get("text", ""), "blocks": blocks_of(params)})


def button_ids(params: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in blocks_of(params)
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def alices_action(session: Session, due: date = DUE, **kwargs: Any) -> int:
    action = record_action(
        session,
        person(session, "UALICE"),
        "Try retrieval starters with 9X",
        due,
        DEFAULT_NOW,
        **kwargs,
    )
    session.commit()
    return action.id


def test_the_clock_process_chases_actions(
    session: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """The runner the clock process builds (every planner, none named) sends the chase."""
    make_pair(session)
    alices_action(session)
    run_at(
        build_runner(settings, clock, sessions=sessions),
        clock,
        datetime(2026, 12, 3, 9, 0, tzinfo=LONDON),
    )
    assert any(
        p["channel"] == "DUALICE" and "Your action 1 is due" in shown(p) for p in posts(fake_slack)
    )


def test_the_chase_goes_once_at_nine_on_the_due_date(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    action_id = alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 8, 59, tzinfo=LONDON))
    assert posts(fake_slack) == []
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, 10, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 3, 15, 0, tzinfo=LONDON))
    [chase] = posts(fake_slack)
    assert chase["channel"] == "DUALICE"  # the owner's own DM
    assert "Your action 1 is due today: Try retrieval starters with 9X" in shown(chase)
    assert button_ids(chase) == list(CHASE_BUTTONS)
    session.expire_all()
    delivery = session.scalars(select(Delivery)).one()
    owner = person(session, "UALICE").id
    assert delivery.key == f"action-chase:owner={owner}:due=2026-12-03"  # one a day per owner
    assert session.scalars(select(DeliverySubject.subject)).all() == [f"action:{action_id}"]
    assert delivery.status == SENT and delivery.message_ts is not None


def test_nine_oclock_is_the_owners_own_zone(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session, {"UALICE": "America/New_York", "UBOB": "Europe/London"})
    alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 8, 59, tzinfo=NEW_YORK))  # 13:59 in London
    assert posts(fake_slack) == []
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=NEW_YORK))
    assert len(posts(fake_slack)) == 1
    assert clock.now() == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def test_no_chase_during_a_cohort_break(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    session.add(
        CohortBreak(
            cohort_id=cohort.id,
            name="Staff training",
            start_date=date(2026, 12, 2),
            end_date=date(2026, 12, 3),
        )
    )
    session.commit()
    alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 3, 15, 0, tzinfo=LONDON))
    assert posts(fake_slack) == []
    run_at(runner, clock, datetime(2026, 12, 4, 7, 30, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 4, 8, 59, tzinfo=LONDON))
    assert posts(fake_slack) == []  # the break is over: held nudges go at 09:00
    run_at(runner, clock, datetime(2026, 12, 4, 9, 0, tzinfo=LONDON))
    [chase] = posts(fake_slack)
    assert "Your action 1 was due on Thu 3 Dec" in shown(chase)


def test_three_days_overdue_the_pair_is_told_once(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 6, 8, 59, tzinfo=LONDON))
    assert len(posts(fake_slack)) == 1
    run_at(runner, clock, datetime(2026, 12, 6, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 6, 12, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 8, 9, 0, tzinfo=LONDON))
    chase, overdue = posts(fake_slack)
    assert chase["channel"] == "DUALICE"
    assert overdue["channel"] == "GUALICE-UBOB"  # the pair's group DM
    text = shown(overdue)
    assert "<@UALICE>'s action 1 was due on Thu 3 Dec and is still open" in text
    assert "<@UBOB>" in text
    assert "Hold their buddy to account over time" in text


def test_the_pair_is_told_when_all_of_them_are_awake(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    """09:00 in London is 04:00 in New York: the note waits for Bob's 07:30."""
    make_pair(session, {"UALICE": "Europe/London", "UBOB": "America/New_York"})
    alices_action(session, due=date(2026, 11, 30))  # a Monday: overdue on Thursday
    run_at(runner, clock, datetime(2026, 11, 30, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    assert len(posts(fake_slack)) == 1
    run_at(runner, clock, datetime(2026, 12, 3, 7, 30, tzinfo=NEW_YORK))
    assert posts(fake_slack)[-1]["channel"] == "GUALICE-UBOB"


def test_a_closed_action_is_never_chased(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    alices_action(session)
    close_by_number(session, person(session, "UALICE"), 1, DONE, DEFAULT_NOW)
    session.commit()
    for moment in (
        datetime(2026, 12, 3, 9, 0, tzinfo=LONDON),
        datetime(2026, 12, 6, 9, 0, tzinfo=LONDON),
    ):
        run_at(runner, clock, moment)
    assert posts(fake_slack) == []


def test_closing_after_the_chase_stops_the_overdue_note(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    close_by_number(session, person(session, "UALICE"), 1, DONE, DEFAULT_NOW)
    session.commit()
    run_at(runner, clock, datetime(2026, 12, 6, 9, 0, tzinfo=LONDON))
    assert len(posts(fake_slack)) == 1


def test_a_pending_chase_is_skipped_once_its_action_is_closed(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    """Slack was down at 09:00: the chase waits in the outbox, then its action is closed."""
    make_pair(session)
    alices_action(session)
    fake_slack.fail_next("conversations.open", status=500)
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    session.expire_all()
    assert session.scalars(select(Delivery.status)).all() == ["pending"]
    close_by_number(session, person(session, "UALICE"), 1, DONE, DEFAULT_NOW)
    session.commit()
    run_at(runner, clock, datetime(2026, 12, 3, 10, 0, tzinfo=LONDON))
    assert posts(fake_slack) == []
    session.expire_all()
    assert session.scalars(select(Delivery.status)).all() == [SKIPPED]


def test_more_time_gives_a_new_chase_on_the_new_date(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    action_id = alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    reschedule(session, action_id, "UALICE", date(2026, 12, 10), clock.now())
    session.commit()
    run_at(runner, clock, datetime(2026, 12, 6, 9, 0, tzinfo=LONDON))  # not overdue any more
    run_at(runner, clock, datetime(2026, 12, 10, 9, 0, tzinfo=LONDON))
    first, second = posts(fake_slack)
    assert first["channel"] == second["channel"] == "DUALICE"
    session.expire_all()
    keys = sorted(session.scalars(select(Delivery.key)))
    owner = person(session, "UALICE").id
    assert keys == [
        f"action-chase:owner={owner}:due=2026-12-03",
        f"action-chase:owner={owner}:due=2026-12-10",
    ]


def test_the_ninety_day_review_asks_about_impact(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    action_id = alices_action(session, with_review=True)
    close_by_number(session, person(session, "UALICE"), 1, DONE, DEFAULT_NOW)
    session.commit()
    review_day = date(2026, 11, 24) + timedelta(days=90)  # Mon 22 Feb 2027
    run_at(runner, clock, datetime(2027, 2, 22, 8, 59, tzinfo=LONDON))
    assert posts(fake_slack) == []
    run_at(runner, clock, datetime(2027, 2, 22, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2027, 2, 23, 9, 0, tzinfo=LONDON))
    [review] = posts(fake_slack)
    assert review["channel"] == "DUALICE"
    text = shown(review)
    assert "90 days on: what impact has this had, and how do you know?" in text
    assert REVIEW_PROMPT in text and "Try retrieval starters with 9X" in text
    session.expire_all()
    assert session.scalars(select(Delivery.key)).one() == (
        f"action-review:action={action_id}:at={review_day.isoformat()}"
    )


def test_a_pass_reads_a_fixed_number_of_queries(session: Session, engine: Any) -> None:
    make_pair(session)
    make_pair(session, {"UCAROL": "Europe/London", "UDAN": "America/New_York"})
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    def queries_for_pass() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            plan_action_chases(session, datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    alices_action(session)
    one = queries_for_pass()
    for user in ("UALICE", "UBOB", "UCAROL", "UDAN"):
        owner = ensure_participant(session, "T1", user, DEFAULT_NOW)
        for n in range(3):
            record_action(session, owner, f"Step {n}", DUE, DEFAULT_NOW, with_review=True)
    session.commit()
    session.expire_all()
    assert queries_for_pass() == one <= 5  # actions, cohorts, breaks, pauses, members


def test_actions_due_the_same_day_come_in_one_dm_each_with_its_buttons(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    alice = person(session, "UALICE")
    ids = [
        record_action(session, alice, f"Step {n} & <more>", DUE, DEFAULT_NOW).id
        for n in range(1, 24)
    ]
    record_action(session, alice, "Another day's step", date(2026, 12, 4), DEFAULT_NOW)
    session.commit()
    for minute in (0, 1, 30):
        run_at(runner, clock, datetime(2026, 12, 3, 9, minute, tzinfo=LONDON))
    [chase] = posts(fake_slack)  # not 23 DMs
    assert chase["channel"] == "DUALICE"
    blocks = blocks_of(chase)
    assert len(blocks) <= 50
    text = shown(chase)
    assert "You have 23 actions due today" in text
    assert "*1.* Step 1 &amp; &lt;more&gt;" in text and "*20.* Step 20" in text
    assert "Step 21" not in text and "3 more due that day (actions 21, 22, 23)" in text
    assert "Another day's step" not in text
    rows = [b for b in blocks if b["type"] == "actions"]
    values = [[e["value"] for e in row["elements"]] for row in rows]
    assert values == [[str(i)] * 3 for i in ids[:20]]
    assert all(button_ids({"blocks": [row]}) == list(CHASE_BUTTONS) for row in rows)
    assert len({row["block_id"] for row in rows}) == 20
    session.expire_all()
    [delivery] = session.scalars(select(Delivery)).all()
    assert delivery.key == f"action-chase:owner={alice.id}:due=2026-12-03"
    covered = session.scalars(
        select(DeliverySubject.subject).where(DeliverySubject.delivery_id == delivery.id)
    ).all()
    assert sorted(covered) == sorted(f"action:{i}" for i in ids)


def test_the_overdue_note_in_the_pairs_dm_offers_the_buddy_no_owner_only_buttons(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    alices_action(session)
    run_at(runner, clock, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
    run_at(runner, clock, datetime(2026, 12, 7, 9, 0, tzinfo=LONDON))  # held over the weekend
    chase, overdue = posts(fake_slack)
    assert button_ids(chase) == list(CHASE_BUTTONS)  # in Alice's own DM
    assert overdue["channel"] == "GUALICE-UBOB"
    assert button_ids(overdue) == []  # Bob sees this note, and would only be refused
    assert "<@UALICE> has the Done, Need more time and Drop buttons in their DM" in shown(overdue)
    assert "`/buddy done 1`" in shown(overdue)
