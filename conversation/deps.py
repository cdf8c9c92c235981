"""What every handler needs, from either front end (on Slack, handed over through Bolt's context;
no module-level state)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.clock import Clock
from models.db import session_scope
from models.upcoming import Preview

CONTEXT_KEY = "buddy_deps"


@dataclass(frozen=True)
class Deps:
    sessions: sessionmaker[Session]
    clock: Clock
    # Facilitators bootstrapped from BUDDY_FACILITATORS; more can be granted in the database.
    facilitators: frozenset[str]
    # Where slow work goes once Slack has its ack (a thread pool; inline in tests).
    background: Executor
    # What the scheduler would send a person (`/buddy upcoming`); wired in by the app.
    preview: Preview | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        # Bolt deep-copies the context for lazy listeners; the dependencies are shared, not copied.
        return self

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.sessions) as session:
            yield session


def deps_from(context: Any) -> Deps:
    deps = context[CONTEXT_KEY]
    assert isinstance(deps, Deps)
    return deps
