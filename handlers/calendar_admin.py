"""`/buddy module ...` and `/buddy break ...`: a cohort's module calendar and breaks in Slack.

Everyone may list them; only facilitators change them. The cohort is the one bound to the channel
the command is run in, else the team's default cohort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from sqlalchemy.orm import Session

from handlers.blocks import context_block, header_block, section_block
from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import Deps
from handlers.replies import Reply, ephemeral, problem_reply
from models.breaks import BreakDraft, add_break, breaks_of, remove_break
from models.calendar import CohortBreak, Module
from models.directory import is_facilitator
from models.grammar import ParseError, format_day, parse_date, parse_weekday
from models.module_calendar import (
    CalendarProblem,
    ModuleDraft,
    add_module,
    cohort_for_channel,
    fortnight_end,
    is_module_code,
    module_for,
    modules_of,
    next_free_start,
    normalise_code,
    remove_module,
)
from models.people import Cohort

GROUP = "Facilitators"
MODULE_ADD_EXAMPLE = "/buddy module add B2 3/12 Leading teacher development | Insight module B1"
MODULE_ADD_USAGE = "/buddy module add <code> <start date> <title> | <insight module>"
MODULE_REMOVE_EXAMPLE = "/buddy module remove B2"
MODULE_USAGE = "/buddy module add|list|remove"
BREAK_ADD_EXAMPLE = "/buddy break add 21/12 2/1 Christmas holidays"
BREAK_ADD_USAGE = "/buddy break add <from> <to> <name>"
BREAK_REMOVE_EXAMPLE = "/buddy break remove 1"
BREAK_USAGE = "/buddy break add|list|remove"
IMPORT_HINT = "`python -m bot import modules <file.csv>`"
# The longest break Buddy accepts: longer than any school holiday suggests the dates are muddled.
MAX_BREAK_DAYS = 92
# Dates are at most this many words: `Thu 3 Dec 2026`.
_MAX_DATE_WORDS = 4
_SECTION_CHUNK = 2800


@dataclass(frozen=True)
class Place:
    """The cohort a command is about, and today's date in that cohort's zone."""

    cohort: Cohort
    today: date


# Parsing: text → values or a refusal with a correct example.


def unescape(text: str) -> str:
    """Slack sends `&`, `<` and `>` in command text as entities; store what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def esc(text: str) -> str:
    """Text someone typed, made safe to show in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_leading_date(text: str, today: date) -> tuple[date, str] | ParseError:
    """Read a date from the start of `text` (up to four words), returning it and the rest.

    The longest reading wins, so `3 Dec Leading...` is 3 December, not the 3rd with a title.
    """
    words = text.split()
    if not words:
        return ParseError("I was expecting a date there.", "3/12")
    for length in range(min(_MAX_DATE_WORDS, len(words)), 0, -1):
        candidate = " ".join(words[:length])
        found = parse_date(candidate, today)
        if not isinstance(found, ParseError):
            return found, " ".join(words[length:])
        if length > 1 and _names_a_weekday_for_a_date(words[:length], today):
            # `Mon 3 Dec` when 3 Dec is a Thursday: say so rather than read `Mon` alone.
            return found
    first = parse_date(words[0], today)
    assert isinstance(first, ParseError)
    return first


def _names_a_weekday_for_a_date(words: Sequence[str], today: date) -> bool:
    """`Mon 3 Dec`: a weekday, then a calendar date (not another weekday)."""
    if isinstance(parse_weekday(words[0]), ParseError):
        return False
    if words[1].lower() == "next" or not isinstance(parse_weekday(words[1]), ParseError):
        return False
    return not isinstance(parse_date(" ".join(words[1:]), today), ParseError)


def parse_module_add(args: str, today: date) -> ModuleDraft | Reply:
    """`B2 3/12 Leading teacher development | Insight module B1` → a draft, or a refusal."""
    code, _, rest = args.strip().partition(" ")
    if not code:
        return problem_reply(
            f"Please give the module's code, start date, title and insight module: "
            f"`{MODULE_ADD_USAGE}`.",
            MODULE_ADD_EXAMPLE,
        )
    if not is_module_code(normalise_code(code)):
        return problem_reply(
            f"`{code[:40]}` is not a module code: please start with the code (letters and "
            "digits, like B2), then the start date.",
            MODULE_ADD_EXAMPLE,
        )
    left, bar, insight = rest.partition("|")
    if not left.strip():
        return problem_reply(
            f"Please give module {normalise_code(code)}'s start date and title after its code.",
            MODULE_ADD_EXAMPLE,
        )
    started = split_leading_date(left, today)
    if isinstance(started, ParseError):
        return problem_reply(f"{started.message} (the module's start date)", MODULE_ADD_EXAMPLE)
    starts_on, title = started
    if not title:
        return problem_reply(
            f"Please give module {normalise_code(code)} a title after its start date "
            f"({format_day(starts_on, today)}).",
            MODULE_ADD_EXAMPLE,
        )
    if not bar or not insight.strip():
        return problem_reply(
            "Please add the insight module to complete first, after a `|`.", MODULE_ADD_EXAMPLE
        )
    return ModuleDraft.of(code, title, insight, starts_on)


def parse_break_add(args: str, today: date) -> BreakDraft | Reply:
    """`21/12 2/1 Christmas holidays` → a draft; `to` is the first such date on or after `from`."""
    start = split_leading_date(args, today)
    if isinstance(start, ParseError):
        return problem_reply(f"{start.message} (the first day of the break)", BREAK_ADD_EXAMPLE)
    start_date, rest = start
    words = rest.split()
    if words and words[0].lower() in ("to", "until", "till", "-", "–"):
        rest = " ".join(words[1:])
    if not rest.strip():
        return problem_reply(
            f"Please give the last day of the break after {format_day(start_date, today)}, "
            "then its name.",
            BREAK_ADD_EXAMPLE,
        )
    end = split_leading_date(rest, today)
    if isinstance(end, ParseError):
        return problem_reply(f"{end.message} (the last day of the break)", BREAK_ADD_EXAMPLE)
    end_date, name = end
    if end_date < start_date:
        # A date typed without a year is read as its first occurrence on or after `from`.
        after_start = split_leading_date(rest, start_date)
        if not isinstance(after_start, ParseError) and after_start[0] != end_date:
            end_date, name = after_start
    if end_date < start_date:
        return problem_reply(
            f"The break would end on {format_day(end_date, today)}, before it starts on "
            f"{format_day(start_date, today)}. Please give the first day, then the last.",
            BREAK_ADD_EXAMPLE,
        )
    draft = BreakDraft.of(name, start_date, end_date)
    if draft.days > MAX_BREAK_DAYS:
        return problem_reply(
            f"{format_day(start_date, today)} to {format_day(end_date, today)} is {draft.days} "
            f"days, longer than any school holiday. Please check the dates: first day, then last.",
            BREAK_ADD_EXAMPLE,
        )
    if not draft.name:
        return problem_reply(
            f"Please give the break from {format_day(start_date, today)} to "
            f"{format_day(end_date, today)} a name, so everyone knows what it is.",
            BREAK_ADD_EXAMPLE,
        )
    return draft


# Rendering: values → Slack answers.


def fortnight_text(starts_on: date, today: date) -> str:
    return f"{format_day(starts_on, today)} to {format_day(fortnight_end(starts_on), today)}"


def break_dates_text(found: CohortBreak | BreakDraft, today: date) -> str:
    if found.start_date == found.end_date:
        return format_day(found.start_date, today)
    return f"{format_day(found.start_date, today)} to {format_day(found.end_date, today)}"


def module_line(module: Module, today: date, current: bool) -> str:
    marker = ":arrow_right: " if current else ""
    return (
        f"{marker}*{module.code}*  {fortnight_text(module.starts_on, today)}  "
        f"{esc(module.title)}  _(after {esc(module.insight_module)})_"
    )


def build_module_list(cohort_name: str, modules: Sequence[Module], today: date) -> Reply:
    """The calendar in date order, with this fortnight's module marked."""
    title = f"Module calendar: {cohort_name}"
    if not modules:
        text = (
            f"The {esc(cohort_name)} cohort has no module calendar yet. A facilitator can add "
            f"modules one at a time (`{MODULE_ADD_EXAMPLE}`) or import a CSV file with "
            f"{IMPORT_HINT}."
        )
        return ephemeral(text, [header_block(title), section_block(text)])
    current = module_for(modules, today)
    lines = [module_line(m, today, m is current) for m in modules]
    blocks: list[dict[str, Any]] = [header_block(title)]
    blocks.extend(section_block(chunk) for chunk in _chunks(lines))
    blocks.append(
        context_block(
            "Each module runs for a fortnight from its start date; a meeting belongs to the "
            "module whose fortnight it falls in."
        )
    )
    count = f"{len(modules)} module" + ("" if len(modules) == 1 else "s")
    return ephemeral(f"{title} ({count})", blocks)


def build_break_list(cohort_name: str, breaks: Sequence[CohortBreak], today: date) -> Reply:
    """The breaks in date order, numbered as `/buddy break remove <n>` counts them."""
    title = f"Breaks: {cohort_name}"
    if not breaks:
        text = (
            f"The {esc(cohort_name)} cohort has no breaks. A facilitator can add one: "
            f"`{BREAK_ADD_EXAMPLE}`."
        )
        return ephemeral(text, [header_block(title), section_block(text)])
    lines = [
        f"{number}. *{esc(b.name)}*  {break_dates_text(b, today)}"
        for number, b in enumerate(breaks, 1)
    ]
    blocks: list[dict[str, Any]] = [header_block(title)]
    blocks.extend(section_block(chunk) for chunk in _chunks(lines))
    blocks.append(context_block("Nothing is nudged during a break (the dates are inclusive)."))
    count = f"{len(breaks)} break" + ("" if len(breaks) == 1 else "s")
    return ephemeral(f"{title} ({count})", blocks)


def _chunks(lines: Sequence[str]) -> list[str]:
    """Lines grouped into section-sized texts, so a long calendar stays within Slack's limits."""
    chunks: list[str] = []
    current: list[str] = []
    for line in lines:
        if current and len("\n".join([*current, line])) > _SECTION_CHUNK:
            chunks.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        chunks.append("\n".join(current))
    return chunks[:45]


def calendar_problem_reply(problem: CalendarProblem, draft: ModuleDraft, place: Place) -> Reply:
    """Why a module was refused, with an example that would work."""
    today = place.today
    clash = problem.clash
    if problem.kind == "duplicate" and clash is not None:
        return problem_reply(
            f"The {esc(place.cohort.name)} calendar already has module {draft.code} "
            f"({esc(clash.title)}, {fortnight_text(clash.starts_on, today)}). "
            "To change it, remove it first, then add it again.",
            f"/buddy module remove {draft.code}",
        )
    if problem.kind == "overlap" and clash is not None:
        free = next_free_start(draft.starts_on, [clash])
        typed = f"{free.day}/{free.month}"
        if free < today or free.year != today.year:
            typed += f"/{free.year}"
        return problem_reply(
            f"Module {draft.code}'s fortnight ({fortnight_text(draft.starts_on, today)}) would "
            f"overlap {clash.code}'s ({fortnight_text(clash.starts_on, today)}): fortnights "
            "can't overlap.",
            f"/buddy module add {draft.code} {typed} {esc(draft.title)} | "
            f"{esc(draft.insight_module)}",
        )
    return problem_reply(problem.message, MODULE_ADD_EXAMPLE)


# Running: parse → domain → render.


def _place(session: Session, request: CommandRequest, deps: Deps) -> Place:
    now = deps.clock.now()
    cohort = cohort_for_channel(session, request.team_id, request.channel_id, now)
    return Place(cohort=cohort, today=now.astimezone(ZoneInfo(cohort.timezone)).date())


def _refusal(what: str, list_command: str) -> Reply:
    return problem_reply(
        f"Sorry, only facilitators can change {what}. You can still look with "
        f"`{list_command}`, and a facilitator can make changes for you.",
        list_command,
    )


Verb = Callable[[Session, Place, str], Reply]


def _dispatch(
    request: CommandRequest,
    deps: Deps,
    verbs: dict[str, tuple[Verb, bool]],
    refusal: Reply,
    unknown: Reply,
) -> Reply:
    verb, _, rest = request.args.partition(" ")
    found = verbs.get(verb.lower() or "list")
    if found is None:
        return unknown
    run, facilitators_only = found
    with deps.session() as session:
        if facilitators_only and not is_facilitator(
            session, deps.facilitators, request.team_id, request.user_id
        ):
            return refusal
        return run(session, _place(session, request, deps), unescape(rest.strip()))


def run_module(request: CommandRequest, deps: Deps) -> Reply:
    """`/buddy module add|list|remove ...`."""
    unknown = problem_reply(
        f"`/buddy module` can `add`, `list` or `remove`: `{MODULE_ADD_USAGE}`, "
        f"`/buddy module list`, `{MODULE_REMOVE_EXAMPLE}`.",
        MODULE_ADD_EXAMPLE,
    )
    verbs: dict[str, tuple[Verb, bool]] = {
        "list": (_module_list, False),
        "add": (_module_add, True),
        "remove": (_module_remove, True),
        "delete": (_module_remove, True),
    }
    return _dispatch(
        request, deps, verbs, _refusal("the module calendar", "/buddy module list"), unknown
    )


def _module_list(session: Session, place: Place, _args: str) -> Reply:
    return build_module_list(place.cohort.name, modules_of(session, place.cohort.id), place.today)


def _module_add(session: Session, place: Place, args: str) -> Reply:
    draft = parse_module_add(args, place.today)
    if not isinstance(draft, ModuleDraft):
        return draft
    added = add_module(session, place.cohort.id, draft)
    if isinstance(added, CalendarProblem):
        return calendar_problem_reply(added, draft, place)
    today = place.today
    text = (
        f":white_check_mark: Added module *{added.code} {esc(added.title)}* to the "
        f"{esc(place.cohort.name)} calendar: the fortnight "
        f"{fortnight_text(added.starts_on, today)}, "
        f"after _{esc(added.insight_module)}_."
    )
    overlapping = [
        b
        for b in breaks_of(session, place.cohort.id)
        if b.start_date <= fortnight_end(added.starts_on) and b.end_date >= added.starts_on
    ]
    for found in overlapping:
        text += (
            f"\nNote: the break *{esc(found.name)}* ({break_dates_text(found, today)}) falls "
            "in this fortnight, and nothing is nudged then."
        )
    return ephemeral(text)


def _module_remove(session: Session, place: Place, args: str) -> Reply:
    code = args.strip()
    if not code or " " in code:
        return problem_reply("Please give the code of the module to remove.", MODULE_REMOVE_EXAMPLE)
    removed = remove_module(session, place.cohort.id, code)
    if removed is None:
        codes = [m.code for m in modules_of(session, place.cohort.id)]
        known = f" Its modules: {', '.join(codes)}." if codes else " It has no modules yet."
        example = f"/buddy module remove {codes[0]}" if codes else MODULE_REMOVE_EXAMPLE
        return problem_reply(
            f"The {esc(place.cohort.name)} calendar has no module {normalise_code(code)}.{known}",
            example,
        )
    return ephemeral(
        f":wastebasket: Removed module *{removed.code} {esc(removed.title)}* "
        f"({fortnight_text(removed.starts_on, place.today)}) from the "
        f"{esc(place.cohort.name)} calendar."
    )


def run_break(request: CommandRequest, deps: Deps) -> Reply:
    """`/buddy break add|list|remove ...`."""
    unknown = problem_reply(
        f"`/buddy break` can `add`, `list` or `remove`: `{BREAK_ADD_USAGE}`, "
        f"`/buddy break list`, `{BREAK_REMOVE_EXAMPLE}`.",
        BREAK_ADD_EXAMPLE,
    )
    verbs: dict[str, tuple[Verb, bool]] = {
        "list": (_break_list, False),
        "add": (_break_add, True),
        "remove": (_break_remove, True),
        "delete": (_break_remove, True),
    }
    return _dispatch(request, deps, verbs, _refusal("breaks", "/buddy break list"), unknown)


def _break_list(session: Session, place: Place, _args: str) -> Reply:
    return build_break_list(place.cohort.name, breaks_of(session, place.cohort.id), place.today)


def _break_add(session: Session, place: Place, args: str) -> Reply:
    draft = parse_break_add(args, place.today)
    if not isinstance(draft, BreakDraft):
        return draft
    added = add_break(session, place.cohort.id, draft)
    if isinstance(added, str):
        return problem_reply(added, BREAK_ADD_EXAMPLE)
    days = f"{draft.days} day" + ("" if draft.days == 1 else "s")
    number = next(
        n for n, b in enumerate(breaks_of(session, place.cohort.id), 1) if b.id == added.id
    )
    return ephemeral(
        f":palm_tree: Added break {number}, *{esc(added.name)}*: "
        f"{break_dates_text(added, place.today)} ({days}). Nothing is nudged in the "
        f"{esc(place.cohort.name)} cohort then."
    )


def _break_remove(session: Session, place: Place, args: str) -> Reply:
    text = args.strip().lstrip("#")
    count = len(breaks_of(session, place.cohort.id))
    if not text.isdigit():
        return problem_reply(
            "Please give the number of the break to remove, as `/buddy break list` shows it.",
            BREAK_REMOVE_EXAMPLE,
        )
    removed = remove_break(session, place.cohort.id, int(text))
    if removed is None:
        known = f"there are {count}" if count else "there are no breaks yet"
        return problem_reply(
            f"There is no break {int(text)} in the {esc(place.cohort.name)} cohort: {known}. "
            "See them with `/buddy break list`.",
            BREAK_REMOVE_EXAMPLE if count else "/buddy break list",
        )
    return ephemeral(
        f":wastebasket: Removed the break *{esc(removed.name)}* "
        f"({break_dates_text(removed, place.today)}) from the {esc(place.cohort.name)} cohort."
    )


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="module",
        usage=MODULE_USAGE,
        summary="the cohort's module calendar, e.g. `" + MODULE_ADD_EXAMPLE + "`",
        group=GROUP,
        run=run_module,
        aliases=("modules",),
    ),
    Subcommand(
        name="break",
        usage=BREAK_USAGE,
        summary="holidays and half terms, when nothing is nudged, e.g. `" + BREAK_ADD_EXAMPLE + "`",
        group=GROUP,
        run=run_break,
        aliases=("breaks",),
    ),
]


def register(app: App) -> None:
    """Both subcommands answer in the ack; there are no buttons or modals to listen for."""
