"""`/buddy upcoming` asks each planner for one person only, and once: what it shows must be exactly
what the clock's planners, run for everyone as of each day of the fortnight ahead, hold for them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.pauses import Pause
from models.people import Participant
from models.upcoming import HORIZON
from scheduler.nudges import PLANNERS
from scheduler.planning import PlannedDelivery
from scheduler.upcoming import preview, upcoming_for
from tests.bulk_seed import seed
from tests.conftest import DEFAULT_NOW

MOMENTS = (
    DEFAULT_NOW,  # a Tuesday morning
    datetime(2026, 11, 29, 21, 0, tzinfo=UTC),  # a Sunday evening: quiet hours and the weekend
    datetime(2026, 11, 30, 7, 0, tzinfo=UTC),  # a Monday, before the facilitator's digest
    datetime(2026, 12, 14, 12, 0, tzinfo=UTC),  # a week before the Christmas break
)


def everyones_plan(session: Session, now: datetime) -> list[PlannedDelivery]:
    """What the clock's planners call for, for everyone, as of each day ahead (in that order)."""
    return [
        planned
        for day in range(HORIZON.days + 1)
        for planner in PLANNERS
        for planned in planner(session, now + timedelta(days=day))
    ]


def test_one_persons_preview_is_what_the_whole_plan_holds_for_them(session: Session) -> None:
    seed(session, 12, DEFAULT_NOW)
    people = list(session.scalars(select(Participant).order_by(Participant.id)))
    # A pause inside the fortnight too: the meetings in it are not nudged.
    session.execute(
        insert(Pause.__table__),
        [
            {
                "participant_id": people[4].id,
                "start_date": date(2026, 12, 1),
                "end_date": date(2026, 12, 4),
                "reason": None,
                "created_at": DEFAULT_NOW,
            }
        ],
    )
    # Someone an import asked to welcome in two days, not told yet.
    people[-2].welcomed_at = None
    people[-2].welcome_due_at = DEFAULT_NOW + timedelta(days=2)
    session.commit()
    shown = 0
    kinds: set[str] = set()
    for moment in MOMENTS:
        everyone = everyones_plan(session, moment)
        for person in people:
            expected = upcoming_for(session, person, everyone, moment)
            assert preview(session, person, moment) == expected, (moment, person.user_id)
            shown += len(expected)
            kinds |= {u.kind for u in expected}
    assert shown > 100
    assert {
        "prep",
        "reminder",
        "checkin",
        "slot-nudge",
        "action-chase",
        "action-overdue",
        "action-review",
        "community-prep",
        "facilitator-digest",
        "welcome",
    } <= kinds
