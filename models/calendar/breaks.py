"""A cohort's breaks (holidays, half terms): inclusive local dates when nothing is nudged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.calendar.tables import CohortBreak
from models.grammar import format_day
from models.refusals import Refusal

NAME_MAX_LENGTH = 120
# The longest break Buddy accepts: longer than any school holiday suggests the dates are muddled.
MAX_BREAK_DAYS = 92
BREAK_ADD_EXAMPLE = "break add 21/12 2/1 Christmas holidays"
BREAK_REMOVE_EXAMPLE = "break remove 1"
BREAK_LIST_EXAMPLE = "break list"


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


def check_break(draft: BreakDraft, today: date | None = None) -> str | None:
    """Why the break can't be stored, or None: first day then last, a holiday's length, a name.

    `today` decides how its dates are written: the year is shown when it is not this year's.
    """
    start = format_day(draft.start_date, today)
    end = format_day(draft.end_date, today)
    if draft.end_date < draft.start_date:
        return (
            f"The break would end on {end}, before it starts on {start}. Please give the first "
            "day, then the last."
        )
    if draft.days > MAX_BREAK_DAYS:
        return (
            f"{start} to {end} is {draft.days} days, longer than any school holiday. Please "
            "check the dates: first day, then last."
        )
    if not draft.name:
        return f"Please give the break from {start} to {end} a name, so everyone knows what it is."
    if len(draft.name) > NAME_MAX_LENGTH:
        return f"The break's name is over {NAME_MAX_LENGTH} characters."
    return None


def check_can_change_breaks(actor_is_facilitator: bool) -> None:
    """Everyone may look at the breaks; only facilitators change them."""
    if not actor_is_facilitator:
        raise Refusal(
            "Sorry, only facilitators can change breaks. You can still look with "
            "`/buddy break list`, and a facilitator can make changes for you.",
            BREAK_LIST_EXAMPLE,
        )


def breaks_between(breaks: Sequence[CohortBreak], first: date, last: date) -> list[CohortBreak]:
    """The breaks with at least one day in `first`..`last` (both ends inclusive)."""
    return [found for found in breaks if found.start_date <= last and found.end_date >= first]


def breaks_of(session: Session, cohort_id: int) -> list[CohortBreak]:
    """The cohort's breaks in date order; `/buddy break remove <n>` counts in this order."""
    return list(
        session.scalars(
            select(CohortBreak)
            .where(CohortBreak.cohort_id == cohort_id)
            .order_by(CohortBreak.start_date, CohortBreak.end_date, CohortBreak.id)
        )
    )


def add_break(
    session: Session, cohort_id: int, draft: BreakDraft, today: date | None = None
) -> CohortBreak | str:
    """Store the break, or say why not (its dates written as seen from `today`)."""
    problem = check_break(draft, today)
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
