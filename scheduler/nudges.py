"""Every planner the clock runs, in one list."""

from __future__ import annotations

from scheduler.runner import Planner

PLANNERS: tuple[Planner, ...] = ()
