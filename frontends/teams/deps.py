"""What the Teams listeners are given (database, clock, facilitators), and `off_loop`, the way
their synchronous work leaves the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from models.clock import Clock

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class TeamsDeps:
    sessions: sessionmaker[Session]
    clock: Clock
    facilitators: frozenset[str] = frozenset()


async def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking work (the database, the domain) on a worker thread and await it.

    Every Teams listener runs on the process's one event loop: a query made there directly would
    hold up every other Teams request (and the clock's sends) until it finished."""
    return await asyncio.to_thread(fn, *args, **kwargs)
