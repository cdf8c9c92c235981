"""Block Kit and wording for the module calendar and breaks: pure functions of what to show.

Dates are written as seen from `today` in the cohort's zone (the year only when it is not this
year's), except in the answer to an added module or break, which always shows the years (a date
typed without one is read as the nearest); everything a facilitator typed (cohort names, titles,
break names) is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from conversation.blocks import (
    Part,
    heading,
    note,
    paragraph,
)
from conversation.markup import command, escape, line_chunks
from conversation.replies import Reply, ephemeral
from models.calendar.breaks import BREAK_ADD_EXAMPLE, BREAK_LIST_EXAMPLE, BREAK_REMOVE_EXAMPLE
from models.calendar.modules import (
    MODULE_ADD_EXAMPLE,
    MODULE_REMOVE_EXAMPLE,
    CalendarProblem,
    ModuleDraft,
    fortnight_end,
    module_for,
    next_free_start,
)
from models.calendar.tables import CohortBreak, Module
from models.grammar import format_date, format_day
from models.refusals import Refusal

IMPORT_HINT = "`python -m bot import modules <file.csv>`"
# A message holds at most 50 blocks: a header, the sections and a closing context.
MAX_SECTIONS = 45


def _day(d: date, today: date | None) -> str:
    """As seen from `today`; with no `today`, always with the year."""
    return format_date(d) if today is None else format_day(d, today)


def fortnight_text(starts_on: date, today: date | None) -> str:
    """`Thu 3 Dec to Wed 16 Dec`: the fortnight a module runs for."""
    return f"{_day(starts_on, today)} to {_day(fortnight_end(starts_on), today)}"


def break_dates_text(found: CohortBreak, today: date | None) -> str:
    """`Mon 21 Dec to Sat 2 Jan 2027`, or the one day of a one-day break."""
    if found.start_date == found.end_date:
        return _day(found.start_date, today)
    return f"{_day(found.start_date, today)} to {_day(found.end_date, today)}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


# -- the lists -----------------------------------------------------------------------------------


def module_line(module: Module, today: date, current: bool) -> str:
    marker = ":arrow_right: " if current else ""
    return (
        f"{marker}*{module.code}*  {fortnight_text(module.starts_on, today)}  "
        f"{escape(module.title)}  _(after {escape(module.insight_module)})_"
    )


def build_module_list(cohort_name: str, modules: Sequence[Module], today: date) -> Reply:
    """The calendar in date order, with this fortnight's module marked."""
    title = f"Module calendar: {cohort_name}"
    if not modules:
        text = (
            f"The {escape(cohort_name)} cohort has no module calendar yet. A facilitator can add "
            f"modules one at a time (`{command(MODULE_ADD_EXAMPLE)}`) or import a CSV file with "
            f"{IMPORT_HINT}."
        )
        return ephemeral(text, [heading(title), paragraph(text)])
    current = module_for(modules, today)
    lines = [module_line(m, today, m is current) for m in modules]
    blocks = _listed(
        title,
        lines,
        "Each module runs for a fortnight from its start date; a meeting belongs to the module "
        "whose fortnight it falls in.",
    )
    return ephemeral(f"{title} ({_plural(len(modules), 'module')})", blocks)


def build_break_list(cohort_name: str, breaks: Sequence[CohortBreak], today: date) -> Reply:
    """The breaks in date order, numbered as `/buddy break remove <n>` counts them."""
    title = f"Breaks: {cohort_name}"
    if not breaks:
        text = (
            f"The {escape(cohort_name)} cohort has no breaks. A facilitator can add one: "
            f"`{command(BREAK_ADD_EXAMPLE)}`."
        )
        return ephemeral(text, [heading(title), paragraph(text)])
    lines = [
        f"{number}. *{escape(b.name)}*  {break_dates_text(b, today)}"
        for number, b in enumerate(breaks, 1)
    ]
    blocks = _listed(title, lines, "Nothing is nudged during a break (the dates are inclusive).")
    return ephemeral(f"{title} ({_plural(len(breaks), 'break')})", blocks)


def _listed(title: str, lines: Sequence[str], footnote: str) -> list[Part]:
    """A header, the lines in as few sections as Slack allows, and a note beneath."""
    blocks: list[Part] = [heading(title)]
    blocks.extend(paragraph(chunk) for chunk in line_chunks(lines)[:MAX_SECTIONS])
    blocks.append(note(footnote))
    return blocks


# -- the answers to changes ----------------------------------------------------------------------


def build_module_added(
    module: Module, cohort_name: str, breaks_in_fortnight: Sequence[CohortBreak], today: date
) -> Reply:
    """The module as stored, and any break in its fortnight (nothing is nudged then)."""
    text = (
        f":white_check_mark: Added module *{module.code} {escape(module.title)}* to the "
        f"{escape(cohort_name)} calendar: the fortnight {fortnight_text(module.starts_on, None)}, "
        f"after _{escape(module.insight_module)}_."
    )
    for found in breaks_in_fortnight:
        text += (
            f"\nNote: the break *{escape(found.name)}* ({break_dates_text(found, today)}) falls "
            "in this fortnight, and nothing is nudged then."
        )
    return ephemeral(text)


def build_module_removed(module: Module, cohort_name: str, today: date) -> Reply:
    return ephemeral(
        f":wastebasket: Removed module *{module.code} {escape(module.title)}* "
        f"({fortnight_text(module.starts_on, today)}) from the {escape(cohort_name)} calendar."
    )


def build_break_added(found: CohortBreak, number: int, cohort_name: str, today: date) -> Reply:
    """`number` is the break's place in `/buddy break list`."""
    days = (found.end_date - found.start_date).days + 1
    return ephemeral(
        f":palm_tree: Added break {number}, *{escape(found.name)}*: "
        f"{break_dates_text(found, None)} ({_plural(days, 'day')}). Nothing is nudged in the "
        f"{escape(cohort_name)} cohort then."
    )


def build_break_removed(found: CohortBreak, cohort_name: str, today: date) -> Reply:
    return ephemeral(
        f":wastebasket: Removed the break *{escape(found.name)}* "
        f"({break_dates_text(found, today)}) from the {escape(cohort_name)} cohort."
    )


# -- refusals that show what was typed -----------------------------------------------------------


def module_refusal(
    problem: CalendarProblem, draft: ModuleDraft, cohort_name: str, today: date
) -> Refusal:
    """Why a module was refused, with a command that would work."""
    clash = problem.clash
    if problem.kind == "duplicate" and clash is not None:
        return Refusal(
            f"The {escape(cohort_name)} calendar already has module {draft.code} "
            f"({escape(clash.title)}, {fortnight_text(clash.starts_on, today)}). "
            "To change it, remove it first, then add it again.",
            f"module remove {draft.code}",
        )
    if problem.kind == "overlap" and clash is not None:
        free = next_free_start(draft.starts_on, [clash])
        typed = f"{free.day}/{free.month}"
        if free < today or free.year != today.year:
            typed += f"/{free.year}"
        return Refusal(
            f"Module {draft.code}'s fortnight ({fortnight_text(draft.starts_on, today)}) would "
            f"overlap {clash.code}'s ({fortnight_text(clash.starts_on, today)}): fortnights "
            "can't overlap.",
            f"module add {draft.code} {typed} {escape(draft.title)} | "
            f"{escape(draft.insight_module)}",
        )
    return Refusal(problem.message, MODULE_ADD_EXAMPLE)


def no_such_module(cohort_name: str, code: str, codes: Sequence[str]) -> Refusal:
    """`code` (already in capitals) is not in the calendar: name the codes that are."""
    known = f" Its modules: {', '.join(codes)}." if codes else " It has no modules yet."
    return Refusal(
        f"The {escape(cohort_name)} calendar has no module {code}.{known}",
        f"module remove {codes[0]}" if codes else MODULE_REMOVE_EXAMPLE,
    )


def no_such_break(cohort_name: str, number: int, count: int) -> Refusal:
    """There are only `count` breaks to choose from."""
    known = f"there are {count}" if count else "there are no breaks yet"
    return Refusal(
        f"There is no break {number} in the {escape(cohort_name)} cohort: {known}. "
        f"See them with `{command(BREAK_LIST_EXAMPLE)}`.",
        BREAK_REMOVE_EXAMPLE if count else BREAK_LIST_EXAMPLE,
    )
