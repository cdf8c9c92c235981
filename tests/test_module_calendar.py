"""The module calendar's rules, without Slack: which module a day is in, and what may be stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from models.calendar.breaks import (
    BreakDraft,
    add_break,
    breaks_of,
    check_break,
    remove_break,
)
from models.calendar.modules import (
    CalendarProblem,
    ModuleDraft,
    add_module,
    check_calendar,
    check_module,
    cohort_for_channel,
    fortnight_end,
    module_for,
    modules_of,
    next_free_start,
    remove_module,
    replace_calendar,
)
from models.calendar.tables import Module
from models.people import Cohort, default_cohort
from tests.conftest import DEFAULT_NOW


def draft(code: str, starts_on: date, title: str = "Leading teacher development") -> ModuleDraft:
    return ModuleDraft.of(code, title, f"Insight module {code}", starts_on)


CALENDAR = [
    draft("A1", date(2026, 11, 2)),
    draft("A2", date(2026, 11, 16)),
    # A gap for Christmas, then B1 from a Monday in January.
    draft("B1", date(2027, 1, 4)),
]


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2026, 11, 1), None),  # the day before the first fortnight
        (date(2026, 11, 2), "A1"),  # its first day
        (date(2026, 11, 15), "A1"),  # its fourteenth and last day
        (date(2026, 11, 16), "A2"),  # the next module starts the day after
        (date(2026, 11, 29), "A2"),
        (date(2026, 11, 30), None),  # in the gap
        (date(2026, 12, 24), None),
        (date(2027, 1, 4), "B1"),
        (date(2027, 1, 17), "B1"),
        (date(2027, 1, 18), None),  # after the last fortnight
    ],
)
def test_a_day_belongs_to_the_module_whose_fortnight_contains_it(
    day: date, code: str | None
) -> None:
    found = module_for(CALENDAR, day)
    assert (found.code if found else None) == code


def test_no_calendar_means_no_module() -> None:
    assert module_for([], date(2026, 12, 3)) is None


def test_fortnight_end_is_the_thirteenth_day_after_the_start() -> None:
    assert fortnight_end(date(2026, 12, 3)) == date(2026, 12, 16)


def test_codes_are_read_in_capitals_and_text_is_tidied() -> None:
    made = ModuleDraft.of(
        " b2 ", "  Leading   teacher development ", " Insight B1 ", date(2026, 12, 3)
    )
    assert (made.code, made.title, made.insight_module) == (
        "B2",
        "Leading teacher development",
        "Insight B1",
    )


@pytest.mark.parametrize(
    ("made", "kind"),
    [
        (ModuleDraft.of("", "Title", "Insight", date(2026, 12, 3)), "code"),
        (ModuleDraft.of("B 2", "Title", "Insight", date(2026, 12, 3)), "code"),
        (ModuleDraft.of("3/12", "Title", "Insight", date(2026, 12, 3)), "code"),
        (ModuleDraft.of("B" * 17, "Title", "Insight", date(2026, 12, 3)), "code"),
        (ModuleDraft.of("B2", " ", "Insight", date(2026, 12, 3)), "title"),
        (ModuleDraft.of("B2", "Title", "", date(2026, 12, 3)), "insight"),
    ],
)
def test_a_module_needs_a_code_a_title_and_an_insight_module(made: ModuleDraft, kind: str) -> None:
    problem = check_module(made, [])
    assert problem is not None
    assert problem.kind == kind


def test_codes_are_unique_whatever_their_case() -> None:
    problem = check_module(draft("a1", date(2027, 3, 1)), CALENDAR)
    assert problem is not None
    assert problem.kind == "duplicate"
    assert problem.clash is CALENDAR[0]


@pytest.mark.parametrize(
    "starts_on",
    [date(2026, 11, 3), date(2026, 10, 20), date(2027, 1, 17), date(2026, 12, 22)],
)
def test_fortnights_must_not_overlap(starts_on: date) -> None:
    problem = check_module(draft("C1", starts_on), CALENDAR)
    assert problem is not None
    assert problem.kind == "overlap"


@pytest.mark.parametrize("starts_on", [date(2026, 10, 19), date(2026, 11, 30), date(2027, 1, 18)])
def test_back_to_back_fortnights_are_fine(starts_on: date) -> None:
    assert check_module(draft("C1", starts_on), CALENDAR) is None


def test_checking_a_whole_calendar_reports_each_bad_entry_by_index() -> None:
    drafts = [
        *CALENDAR,
        draft("A1", date(2027, 2, 1)),  # duplicate of an earlier row
        draft("C1", date(2027, 1, 10)),  # overlaps B1
        ModuleDraft.of("C2", "", "Insight", date(2027, 3, 1)),
        draft("C3", date(2027, 3, 15)),
    ]
    problems = check_calendar(drafts)
    assert [(index, p.kind) for index, p in problems] == [
        (3, "duplicate"),
        (4, "overlap"),
        (5, "title"),
    ]


def test_checking_against_an_existing_calendar() -> None:
    problems = check_calendar([draft("B2", date(2027, 1, 11))], existing=CALENDAR)
    assert [p.kind for _, p in problems] == ["overlap"]


def _one_by_one(
    drafts: list[ModuleDraft], existing: list[ModuleDraft]
) -> list[tuple[int, CalendarProblem]]:
    """What checking each row with `/buddy module add`'s rule, in turn, would say."""
    accepted: list[ModuleDraft] = list(existing)
    problems = []
    for index, made in enumerate(drafts):
        problem = check_module(made, accepted)
        if problem is None:
            accepted.append(made)
        else:
            problems.append((index, problem))
    return problems


_DRAFTS = st.lists(
    st.builds(
        draft,
        st.sampled_from(["A1", "a1", "B2", "C3", "D4", "E5", "F6", "G7", "H8"]),
        st.dates(date(2026, 9, 1), date(2027, 3, 1)),
    ),
    max_size=12,
)


@given(_DRAFTS, _DRAFTS)
def test_a_whole_file_is_checked_as_each_row_would_be_one_by_one(
    drafts: list[ModuleDraft], existing: list[ModuleDraft]
) -> None:
    """The file check names the same rows, the same problems and the same clashing module as
    `/buddy module add` would, row after row (a stored calendar keeps its own rules)."""
    kept = [m for i, m in enumerate(existing) if check_module(m, existing[:i]) is None]
    found = check_calendar(drafts, kept)
    expected = _one_by_one(drafts, kept)
    assert [(i, p.kind, p.message) for i, p in found] == [
        (i, p.kind, p.message) for i, p in expected
    ]
    assert [p.clash for _, p in found] == [p.clash for _, p in expected]


@dataclass
class _Watched:
    """A stored module that counts how often the check reads it."""

    code: str
    title: str
    day: date
    reads: list[int] = field(default_factory=lambda: [0])

    @property
    def starts_on(self) -> date:
        self.reads[0] += 1
        return self.day


def _reads_to_check(size: int) -> int:
    reads = [0]
    first = date(2000, 1, 3)
    stored = [
        _Watched(f"S{n}", "Stored", first + timedelta(days=14 * n), reads) for n in range(size)
    ]
    after = first + timedelta(days=14 * size)
    rows = [draft(f"N{n}", after + timedelta(days=14 * n)) for n in range(size)]
    assert check_calendar(rows, stored) == []
    return reads[0]


def test_checking_a_big_file_against_a_big_calendar_grows_with_its_size_not_its_square() -> None:
    """10x the rows and stored modules is about 10x the work (it was 100x: a 50,000-row file
    took minutes)."""
    small, big = _reads_to_check(100), _reads_to_check(1000)
    assert big <= 12 * small


def test_next_free_start_skips_past_clashing_fortnights() -> None:
    assert next_free_start(date(2026, 11, 10), CALENDAR) == date(2026, 11, 30)
    assert next_free_start(date(2026, 12, 7), CALENDAR) == date(2026, 12, 7)


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (date(2026, 12, 21), date(2027, 1, 2), True),
        (date(2026, 12, 21), date(2026, 12, 21), True),  # one day
        (date(2027, 1, 2), date(2026, 12, 21), False),
    ],
)
def test_a_break_must_not_end_before_it_starts(start: date, end: date, ok: bool) -> None:
    assert (check_break(BreakDraft.of("Christmas holidays", start, end)) is None) is ok


def test_a_break_needs_a_name() -> None:
    assert check_break(BreakDraft.of("  ", date(2026, 12, 21), date(2027, 1, 2))) is not None


# Storage, on the test database.


def test_modules_are_stored_in_date_order_and_removed_by_code(session: Session) -> None:
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    for made in reversed(CALENDAR):
        assert isinstance(add_module(session, cohort.id, made), Module)
    refused = add_module(session, cohort.id, draft("A1", date(2027, 5, 1)))
    assert isinstance(refused, CalendarProblem)
    assert [m.code for m in modules_of(session, cohort.id)] == ["A1", "A2", "B1"]

    removed = remove_module(session, cohort.id, "a2")
    assert removed is not None
    assert removed.code == "A2"
    assert remove_module(session, cohort.id, "A2") is None
    assert [m.code for m in modules_of(session, cohort.id)] == ["A1", "B1"]


def test_replacing_a_calendar_drops_the_old_modules(session: Session) -> None:
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    replace_calendar(session, cohort.id, CALENDAR)
    replace_calendar(session, cohort.id, [draft("Z9", date(2027, 6, 7))])
    assert [m.code for m in modules_of(session, cohort.id)] == ["Z9"]


def test_the_channel_decides_the_cohort(session: Session) -> None:
    bound = Cohort(team_id="T1", channel_id="CSPRING", name="Spring", created_at=DEFAULT_NOW)
    session.add(bound)
    session.flush()
    assert cohort_for_channel(session, "T1", "CSPRING", DEFAULT_NOW).id == bound.id
    fallback = cohort_for_channel(session, "T1", "CELSEWHERE", DEFAULT_NOW)
    assert fallback.channel_id is None
    assert fallback.id == default_cohort(session, "T1", DEFAULT_NOW).id


def test_breaks_are_numbered_in_date_order(session: Session) -> None:
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    add_break(
        session, cohort.id, BreakDraft.of("Spring half term", date(2027, 2, 15), date(2027, 2, 19))
    )
    add_break(session, cohort.id, BreakDraft.of("Christmas", date(2026, 12, 21), date(2027, 1, 2)))
    assert isinstance(
        add_break(
            session, cohort.id, BreakDraft.of("Backwards", date(2027, 1, 2), date(2027, 1, 1))
        ),
        str,
    )
    stored = breaks_of(session, cohort.id)
    assert [b.name for b in stored] == ["Christmas", "Spring half term"]

    removed = remove_break(session, cohort.id, 1)
    assert removed is not None
    assert removed.name == "Christmas"
    assert remove_break(session, cohort.id, 2) is None
    assert [b.name for b in breaks_of(session, cohort.id)] == ["Spring half term"]
