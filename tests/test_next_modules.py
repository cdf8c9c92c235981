"""`/buddy next` shows the module each meeting is for, both buddies' prep and open actions."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from models.actions import Action
from models.calendar.tables import Module
from models.meetings.tables import PrepCompletion
from models.pairs import pair_of
from models.people import default_cohort, find_participant
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests
from tests.test_meetings_http import slotted_pair


def test_next_shows_module_prep_status_and_open_actions(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    slotted_pair(slack, fake_slack)  # Thursdays 16:00 from 26 Nov
    with sessions() as session:
        cohort = default_cohort(session, "T1", DEFAULT_NOW)
        session.add(
            Module(
                cohort_id=cohort.id,
                code="B2",
                title="Professional development",
                insight_module="B1",
                starts_on=date(2026, 11, 23),
            )
        )
        alice = find_participant(session, "T1", "UALICE")
        assert alice is not None
        pair = pair_of(session, alice)
        assert pair is not None
        session.add(
            PrepCompletion(
                pair_id=pair.id,
                original_date=date(2026, 11, 26),
                participant_id=alice.id,
                completed_at=DEFAULT_NOW,
            )
        )
        session.add(
            Action(
                owner_id=alice.id,
                pair_id=pair.id,
                number=1,
                text="Try retrieval starters with 9X",
                due_date=date(2026, 11, 26),
                status="open",
                source="command",
                created_at=DEFAULT_NOW,
            )
        )
        session.commit()

    shown = slack.command("next", user="UBOB").text
    assert "Module B2: Professional development" in shown
    assert "Complete insight module B1 first: <@UALICE> has completed it, <@UBOB> not yet" in (
        shown
    )
    assert "Action 1 (<@UALICE>): Try retrieval starters with 9X, due Thu 26 Nov" in shown
    # Thu 10 Dec is in no module's fortnight (B2 ran 23 Nov to 6 Dec): no module line there.
    assert shown.count("Module B2") == 1
