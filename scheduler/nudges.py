"""Every planner the clock runs, in one list."""

from __future__ import annotations

from scheduler.actions import plan_action_chases
from scheduler.community import plan_community
from scheduler.facilitators import plan_facilitator_digests
from scheduler.meetings import plan_meeting_nudges, plan_slot_nudges
from scheduler.planning import ScopedPlanner
from scheduler.welcome import plan_welcomes

# Each can be asked for one person (`scheduler.upcoming.preview`) as well as for everyone.
PLANNERS: tuple[ScopedPlanner, ...] = (
    plan_meeting_nudges,
    plan_slot_nudges,
    plan_action_chases,
    plan_community,
    plan_facilitator_digests,
    plan_welcomes,
)
