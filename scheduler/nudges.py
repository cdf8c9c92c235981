"""Every planner the clock runs, in one list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.actions import plan_action_chases
from scheduler.community import plan_community
from scheduler.facilitators import plan_facilitator_digests
from scheduler.lifecycle import without_leavers
from scheduler.meetings import plan_meeting_nudges, plan_slot_nudges
from scheduler.pauses import hold_for_pauses
from scheduler.planning import PlannedDelivery, ScopedPlanner, held_from
from scheduler.welcome import plan_welcomes, until_told

# Each can be asked for one person (`scheduler.upcoming.preview`) as well as for everyone.
PLANNERS: tuple[ScopedPlanner, ...] = (
    plan_meeting_nudges,
    plan_slot_nudges,
    plan_action_chases,
    plan_community,
    plan_facilitator_digests,
    plan_welcomes,
)


def settle(
    session: Session,
    planned: dict[str, PlannedDelivery],
    now: datetime,
    among: Sequence[int] | None = None,
) -> dict[str, PlannedDelivery]:
    """What a pass would send of what the planners called for: held by its recipients' pauses,
    leavers left out, nothing before an import's welcome, and a held nudge whose moment has
    passed held from now. The clock and `/buddy upcoming` both ask this, so what a person is
    told is coming is what the clock will do; `among` narrows the reading to one person's
    preview (the participant ids it can reach)."""
    kept = without_leavers(session, hold_for_pauses(session, planned, now))
    return held_from(until_told(session, kept, now, among), now)
