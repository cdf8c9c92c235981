"""A cohort's breaks (holidays, half terms): inclusive local dates when nothing is nudged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.calendar import CohortBreak

NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class BreakDraft:
    """A break as someone typed it, before it is checked and stored."""

    name: str
    start_date: date
    end_date: date

    @classmethod
    def of(cls, name: str, start_date: date, end_date: date) -> BreakDraft:
        return cls(name=" ".join(name.split()), start_date=start_date, end_date=end_date)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


def check_break(draft: BreakDraft) -> str | None:
    """Why the break can't be stored, or None: it needs a name and must not end before it starts."""
    if draft.end_date < draft.start_date:
        return "A break can't end before it starts."
    if not draft.name:
        return "The break needs a name, so everyone knows what it is."
    if len(draft.name) > NAME_MAX_LENGTH:
        return f"The break's name is over {NAME_MAX_LENGTH} characters."
    return None


def break_on(breaks: Sequence[CohortBreak], day: date) -> CohortBreak | None:
    """The break containing this local date, if any (both ends inclusive)."""
    for found in breaks:
        if found.start_date <= day <= found.end_date:
            return found
    return None


def breaks_of(session: Session, cohort_id: int) -> list[CohortBreak]:
    """The cohort's breaks in date order; `/buddy break remove <n>` counts in this order."""
    return list(
        session.scalars(
            select(CohortBreak)
            .where(CohortBreak.cohort_id == cohort_id)
            .order_by(CohortBreak.start_date, CohortBreak.end_date, CohortBreak.id)
        )
    )


def add_break(session: Session, cohort_id: int, draft: BreakDraft) -> CohortBreak | str:
    """Store the break, or say why not."""
    problem = check_break(draft)
    if problem is not None:
        return problem
    stored = CohortBreak(
        cohort_id=cohort_id,
        name=draft.name,
        start_date=draft.start_date,
        end_date=draft.end_date,
    )
    session.add(stored)
    session.flush()
    return stored


def remove_break(session: Session, cohort_id: int, number: int) -> CohortBreak | None:
    """Remove the `number`th break as `/buddy break list` shows them; None if there is no such."""
    breaks = breaks_of(session, cohort_id)
    if not 1 <= number <= len(breaks):
        return None
    chosen = breaks[number - 1]
    session.delete(chosen)
    session.flush()
    return chosen
