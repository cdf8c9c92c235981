"""A cohort's module calendar: which application module a day belongs to, and the rules for it.

Each module runs for a fortnight from its start date. The rules (codes unique, fortnights apart,
a title and an insight module) are pure functions of drafts, so the Slack command, the CSV import
and the scheduler all share them and are tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from models.calendar.tables import Module
from models.people import Cohort, default_cohort
from models.refusals import Refusal

FORTNIGHT = timedelta(days=14)
CODE_MAX_LENGTH = 16
TITLE_MAX_LENGTH = 200
INSIGHT_MAX_LENGTH = 200
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")

MODULE_ADD_EXAMPLE = "module add B2 3/12 Leading teacher development | Insight module B1"
MODULE_REMOVE_EXAMPLE = "module remove B2"
MODULE_LIST_EXAMPLE = "module list"


class Dated(Protocol):
    """Anything that starts a fortnight: a stored module or a draft."""

    @property
    def starts_on(self) -> date: ...


class ModuleLike(Dated, Protocol):
    @property
    def code(self) -> str: ...

    @property
    def title(self) -> str: ...


D = TypeVar("D", bound=Dated)


def fortnight_end(starts_on: date) -> date:
    """The last day (inclusive) of the fortnight that starts on `starts_on`."""
    return starts_on + FORTNIGHT - timedelta(days=1)


def module_for(modules: Sequence[D], day: date) -> D | None:
    """The module whose fortnight [starts_on, starts_on + 14 days) contains `day`, if any.

    `day` is a meeting's local date; a day in no fortnight (a half-term gap) has no module.
    """
    for module in modules:
        if module.starts_on <= day < module.starts_on + FORTNIGHT:
            return module
    return None


def normalise_code(code: str) -> str:
    """Codes are compared and shown in capitals, so `b2` and `B2` are one module."""
    return code.strip().upper()


@dataclass(frozen=True)
class ModuleDraft:
    """A module as someone typed it, before it is checked and stored."""

    code: str
    title: str
    insight_module: str
    starts_on: date

    @classmethod
    def of(cls, code: str, title: str, insight_module: str, starts_on: date) -> ModuleDraft:
        return cls(
            code=normalise_code(code),
            title=" ".join(title.split()),
            insight_module=" ".join(insight_module.split()),
            starts_on=starts_on,
        )


@dataclass(frozen=True)
class CalendarProblem:
    """Why a module cannot go into the calendar, and the module it clashes with (if any)."""

    kind: str  # "code", "title", "insight", "duplicate", "overlap"
    message: str
    clash: ModuleLike | None = None


def is_module_code(code: str) -> bool:
    """Letters and digits (dots, dashes and underscores inside), at most 16: `B2`, `LTD-1`."""
    return len(code) <= CODE_MAX_LENGTH and _CODE.match(code) is not None


def check_fields(draft: ModuleDraft) -> CalendarProblem | None:
    """The rules one module must meet on its own."""
    if not draft.code:
        return CalendarProblem("code", "The module needs a code, like B2.")
    if not is_module_code(draft.code):
        return CalendarProblem(
            "code",
            f"`{draft.code[:40]}` is not a module code I can use: letters and digits, "
            f"at most {CODE_MAX_LENGTH} characters, like B2.",
        )
    if not draft.title:
        return CalendarProblem("title", f"Module {draft.code} needs a title.")
    if len(draft.title) > TITLE_MAX_LENGTH:
        return CalendarProblem(
            "title", f"Module {draft.code}'s title is over {TITLE_MAX_LENGTH} characters."
        )
    if not draft.insight_module:
        return CalendarProblem(
            "insight",
            f"Module {draft.code} needs the insight module to complete before it.",
        )
    if len(draft.insight_module) > INSIGHT_MAX_LENGTH:
        return CalendarProblem(
            "insight",
            f"Module {draft.code}'s insight module is over {INSIGHT_MAX_LENGTH} characters.",
        )
    return None


def check_against(draft: ModuleDraft, others: Sequence[ModuleLike]) -> CalendarProblem | None:
    """The rules between modules: one code per cohort, and no two fortnights overlapping."""
    for other in others:
        if normalise_code(other.code) == draft.code:
            return _duplicate(draft, other)
    for other in others:
        if _overlaps(draft, other):
            return _overlap(draft, other)
    return None


def _overlaps(draft: ModuleDraft, other: Dated) -> bool:
    return abs((other.starts_on - draft.starts_on).days) < FORTNIGHT.days


def _duplicate(draft: ModuleDraft, other: ModuleLike) -> CalendarProblem:
    return CalendarProblem("duplicate", f"There is already a module {draft.code}.", clash=other)


def _overlap(draft: ModuleDraft, other: ModuleLike) -> CalendarProblem:
    return CalendarProblem(
        "overlap",
        f"Module {draft.code}'s fortnight would overlap {other.code}'s: fortnights can't overlap.",
        clash=other,
    )


def check_module(draft: ModuleDraft, others: Sequence[ModuleLike]) -> CalendarProblem | None:
    """Every rule for adding `draft` to a calendar that already holds `others`."""
    return check_fields(draft) or check_against(draft, others)


def check_calendar(
    drafts: Sequence[ModuleDraft], existing: Sequence[ModuleLike] = ()
) -> list[tuple[int, CalendarProblem]]:
    """Each draft's first problem against `existing` and the drafts before it, by index.

    A whole file is checked at once, so every bad row can be reported before anything is written.
    """
    problems: list[tuple[int, CalendarProblem]] = []
    accepted = _Accepted(existing)
    for index, draft in enumerate(drafts):
        problem = check_fields(draft) or accepted.clash(draft)
        if problem is None:
            accepted.add(draft)
        else:
            problems.append((index, problem))
    return problems


class _Accepted:
    """The modules a calendar holds so far, found by code and by fortnight rather than by looking
    at each one: checking a 50,000-row file then costs 50,000 look-ups, not 50,000² comparisons.

    It answers exactly as `check_against` over the same modules in the order they were added (the
    first one added is the one a problem names), so a file and a single command agree.
    """

    def __init__(self, modules: Sequence[ModuleLike]) -> None:
        self._added = 0
        self._by_code: dict[str, tuple[int, ModuleLike]] = {}
        # Fortnights overlap only when their starts are under 14 days apart, so a module can
        # clash only with those in its own 14-day bucket or the ones either side.
        self._by_bucket: dict[int, list[tuple[int, ModuleLike]]] = {}
        for module in modules:
            self.add(module)

    @staticmethod
    def _bucket(day: date) -> int:
        return day.toordinal() // FORTNIGHT.days

    def add(self, module: ModuleLike) -> None:
        entry = (self._added, module)
        self._added += 1
        self._by_code.setdefault(normalise_code(module.code), entry)
        self._by_bucket.setdefault(self._bucket(module.starts_on), []).append(entry)

    def clash(self, draft: ModuleDraft) -> CalendarProblem | None:
        same_code = self._by_code.get(draft.code)
        if same_code is not None:
            return _duplicate(draft, same_code[1])
        bucket = self._bucket(draft.starts_on)
        near = [
            entry
            for nearby in (bucket - 1, bucket, bucket + 1)
            for entry in self._by_bucket.get(nearby, ())
            if _overlaps(draft, entry[1])
        ]
        if not near:
            return None
        return _overlap(draft, min(near, key=lambda entry: entry[0])[1])


def check_can_change_calendar(actor_is_facilitator: bool) -> None:
    """Everyone may look at the module calendar; only facilitators change it."""
    if not actor_is_facilitator:
        raise Refusal(
            "Sorry, only facilitators can change the module calendar. You can still look with "
            "`/buddy module list`, and a facilitator can make changes for you.",
            MODULE_LIST_EXAMPLE,
        )


def next_free_start(starts_on: date, others: Sequence[Dated]) -> date:
    """The first start on or after `starts_on` whose fortnight overlaps none of `others`."""
    candidate = starts_on
    for other in sorted(others, key=lambda m: m.starts_on):
        if abs((other.starts_on - candidate).days) < FORTNIGHT.days:
            candidate = other.starts_on + FORTNIGHT
    return candidate


# Storage: the cohort's calendar in the database.


def cohort_for_channel(session: Session, team_id: str, channel_id: str, now: datetime) -> Cohort:
    """The cohort bound to the channel a command came from, else the team's default cohort."""
    found = session.scalar(
        select(Cohort).where(Cohort.team_id == team_id, Cohort.channel_id == channel_id)
    )
    return found if found is not None else default_cohort(session, team_id, now)


def modules_of(session: Session, cohort_id: int) -> list[Module]:
    """The cohort's calendar in date order (the order modules run in)."""
    return list(
        session.scalars(
            select(Module)
            .where(Module.cohort_id == cohort_id)
            .order_by(Module.starts_on, Module.code)
        )
    )


def add_module(session: Session, cohort_id: int, draft: ModuleDraft) -> Module | CalendarProblem:
    """Store one module if it keeps to every rule; otherwise say which and why."""
    problem = check_module(draft, modules_of(session, cohort_id))
    if problem is not None:
        return problem
    module = _stored(cohort_id, draft)
    session.add(module)
    session.flush()
    return module


def remove_module(session: Session, cohort_id: int, code: str) -> Module | None:
    """Remove the module with this code; None when the cohort has no such module."""
    wanted = normalise_code(code)
    for module in modules_of(session, cohort_id):
        if normalise_code(module.code) == wanted:
            session.delete(module)
            session.flush()
            return module
    return None


def replace_calendar(session: Session, cohort_id: int, drafts: Sequence[ModuleDraft]) -> int:
    """Swap the cohort's whole calendar for `drafts`, which the caller has already checked."""
    session.execute(delete(Module).where(Module.cohort_id == cohort_id))
    return store_modules(session, cohort_id, drafts)


def store_modules(session: Session, cohort_id: int, drafts: Sequence[ModuleDraft]) -> int:
    """Add already-checked drafts to the cohort's calendar; how many were added.

    One bulk INSERT (batched by the driver) rather than an object each: SQLite would otherwise
    send a statement per row, and an imported file may hold tens of thousands.
    """
    if drafts:
        session.execute(
            insert(Module),
            [
                {
                    "cohort_id": cohort_id,
                    "code": draft.code,
                    "title": draft.title,
                    "insight_module": draft.insight_module,
                    "starts_on": draft.starts_on,
                }
                for draft in drafts
            ],
        )
    return len(drafts)


def _stored(cohort_id: int, draft: ModuleDraft) -> Module:
    return Module(
        cohort_id=cohort_id,
        code=draft.code,
        title=draft.title,
        insight_module=draft.insight_module,
        starts_on=draft.starts_on,
    )
