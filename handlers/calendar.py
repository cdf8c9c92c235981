"""`/buddy module ...` and `/buddy break ...`: a cohort's module calendar and breaks in Slack.

Everyone may list them; only facilitators change them. The cohort is the one bound to the channel
the command is run in, else the team's default cohort; dates are read and shown in its zone.
Each handler reads the words, calls the domain and renders; a refusal raised inside the session
block rolls the session back, so nothing half-written is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from conversation.commands import Subcommand
from conversation.markup import command
from conversation.replies import Reply
from conversation.requests import Command, accepted
from handlers.views.calendar import (
    build_break_added,
    build_break_list,
    build_break_removed,
    build_module_added,
    build_module_list,
    build_module_removed,
    module_refusal,
    no_such_break,
    no_such_module,
)
from models.calendar.breaks import (
    BREAK_ADD_EXAMPLE,
    BREAK_LIST_EXAMPLE,
    BREAK_REMOVE_EXAMPLE,
    BreakDraft,
    add_break,
    breaks_between,
    breaks_of,
    check_can_change_breaks,
    remove_break,
)
from models.calendar.modules import (
    MODULE_ADD_EXAMPLE,
    MODULE_LIST_EXAMPLE,
    MODULE_REMOVE_EXAMPLE,
    CalendarProblem,
    ModuleDraft,
    add_module,
    check_can_change_calendar,
    cohort_for_channel,
    fortnight_end,
    is_module_code,
    modules_of,
    normalise_code,
    remove_module,
)
from models.grammar import ParseError, format_day, parse_date, parse_weekday
from models.people import Cohort, is_facilitator
from models.refusals import Refusal

GROUP = "Facilitators"
MODULE_ADD_USAGE = "/buddy module add <code> <start date> <title> | <insight module>"
MODULE_USAGE = "/buddy module add|list|remove"
BREAK_ADD_USAGE = "/buddy break add <from> <to> <name>"
BREAK_USAGE = "/buddy break add|list|remove"
# Dates are at most this many words: `Thu 3 Dec 2026`.
_MAX_DATE_WORDS = 4


@dataclass(frozen=True)
class Place:
    """The cohort a command is about, and today's date in that cohort's zone."""

    cohort: Cohort
    today: date


# -- reading: words → values, or a refusal with a correct example --------------------------------


def split_leading_date(
    text: str, today: date, *, nearest: bool = True
) -> tuple[date, str] | ParseError:
    """Read a date from the start of `text` (up to four words), returning it and the rest.

    The longest reading wins, so `3 Dec Leading...` is 3 December, not the 3rd with a title. A
    date without a year is its nearest occurrence (`nearest`), else its next from `today`.
    """
    words = text.split()
    if not words:
        return ParseError("I was expecting a date there.", "3/12")
    for length in range(min(_MAX_DATE_WORDS, len(words)), 0, -1):
        candidate = " ".join(words[:length])
        found = parse_date(candidate, today, nearest=nearest)
        if not isinstance(found, ParseError):
            return found, " ".join(words[length:])
        if length > 1 and _names_a_weekday_for_a_date(words[:length], today, nearest):
            # `Mon 3 Dec` when 3 Dec is a Thursday: say so rather than read `Mon` alone.
            return found
    first = parse_date(words[0], today, nearest=nearest)
    assert isinstance(first, ParseError)
    return first


def _names_a_weekday_for_a_date(words: Sequence[str], today: date, nearest: bool) -> bool:
    """`Mon 3 Dec`: a weekday, then a calendar date (not another weekday)."""
    if isinstance(parse_weekday(words[0]), ParseError):
        return False
    if words[1].lower() == "next" or not isinstance(parse_weekday(words[1]), ParseError):
        return False
    return not isinstance(parse_date(" ".join(words[1:]), today, nearest=nearest), ParseError)


def read_module_add(args: str, today: date) -> ModuleDraft | ParseError:
    """`B2 3/12 Leading teacher development | Insight module B1` → a draft, or a refusal."""
    code, _, rest = args.strip().partition(" ")
    if not code:
        return ParseError(
            f"Please give the module's code, start date, title and insight module: "
            f"`{MODULE_ADD_USAGE}`.",
            MODULE_ADD_EXAMPLE,
        )
    if not is_module_code(normalise_code(code)):
        return ParseError(
            f"`{code[:40]}` is not a module code: please start with the code (letters and "
            "digits, like B2), then the start date.",
            MODULE_ADD_EXAMPLE,
        )
    left, bar, insight = rest.partition("|")
    if not left.strip():
        return ParseError(
            f"Please give module {normalise_code(code)}'s start date and title after its code.",
            MODULE_ADD_EXAMPLE,
        )
    started = split_leading_date(left, today)
    if isinstance(started, ParseError):
        return ParseError(f"{started.message} (the module's start date)", MODULE_ADD_EXAMPLE)
    starts_on, title = started
    if not title:
        return ParseError(
            f"Please give module {normalise_code(code)} a title after its start date "
            f"({format_day(starts_on, today)}).",
            MODULE_ADD_EXAMPLE,
        )
    if not bar or not insight.strip():
        return ParseError(
            "Please add the insight module to complete first, after a `|`.", MODULE_ADD_EXAMPLE
        )
    return ModuleDraft.of(code, title, insight, starts_on)


def read_break_add(args: str, today: date) -> BreakDraft | ParseError:
    """`21/12 2/1 Christmas holidays` → a draft; `to` is the first such date on or after `from`.

    Only the words are read here; the break's rules (first day then last, a holiday's length, a
    name) are the domain's, checked when it is added.
    """
    start = split_leading_date(args, today)
    if isinstance(start, ParseError):
        return ParseError(f"{start.message} (the first day of the break)", BREAK_ADD_EXAMPLE)
    start_date, rest = start
    words = rest.split()
    if words and words[0].lower() in ("to", "until", "till", "-", "–"):
        rest = " ".join(words[1:])
    if not rest.strip():
        return ParseError(
            f"Please give the last day of the break after {format_day(start_date, today)}, "
            "then its name.",
            BREAK_ADD_EXAMPLE,
        )
    end = split_leading_date(rest, today)
    if isinstance(end, ParseError):
        return ParseError(f"{end.message} (the last day of the break)", BREAK_ADD_EXAMPLE)
    end_date, name = end
    if end_date < start_date:
        # A date typed without a year is read as its first occurrence on or after `from`.
        after_start = split_leading_date(rest, start_date, nearest=False)
        if not isinstance(after_start, ParseError) and after_start[0] != end_date:
            end_date, name = after_start
    return BreakDraft.of(name, start_date, end_date)


# -- answering: words → domain → reply -----------------------------------------------------------


Run = Callable[[Session, Place, str], Reply]


@dataclass(frozen=True)
class Verb:
    """What one word after `/buddy module` or `/buddy break` does, and whether it changes things."""

    run: Run
    changes: bool = True


def _answer(
    command: Command,
    verbs: dict[str, Verb],
    check_can_change: Callable[[bool], None],
    unknown: Callable[[], Refusal],
) -> Reply:
    word, _, rest = command.args.partition(" ")
    verb = verbs.get(word.lower() or "list")
    if verb is None:
        raise unknown()
    with command.deps.session() as session:
        if verb.changes:
            check_can_change(
                is_facilitator(session, command.deps.facilitators, command.team_id, command.user_id)
            )
        cohort = cohort_for_channel(session, command.team_id, command.channel_id, command.now)
        place = Place(cohort, command.now.astimezone(ZoneInfo(cohort.timezone)).date())
        return verb.run(session, place, command.typed(rest.strip()))


# The module calendar.


def module_list(session: Session, place: Place, _args: str) -> Reply:
    return build_module_list(place.cohort.name, modules_of(session, place.cohort.id), place.today)


def module_add(session: Session, place: Place, args: str) -> Reply:
    draft = accepted(read_module_add(args, place.today))
    added = add_module(session, place.cohort.id, draft)
    if isinstance(added, CalendarProblem):
        raise module_refusal(added, draft, place.cohort.name, place.today)
    in_fortnight = breaks_between(
        breaks_of(session, place.cohort.id), added.starts_on, fortnight_end(added.starts_on)
    )
    return build_module_added(added, place.cohort.name, in_fortnight, place.today)


def module_remove(session: Session, place: Place, args: str) -> Reply:
    code = args.strip()
    if not code or " " in code:
        raise Refusal("Please give the code of the module to remove.", MODULE_REMOVE_EXAMPLE)
    removed = remove_module(session, place.cohort.id, code)
    if removed is None:
        codes = [m.code for m in modules_of(session, place.cohort.id)]
        raise no_such_module(place.cohort.name, normalise_code(code), codes)
    return build_module_removed(removed, place.cohort.name, place.today)


MODULE_VERBS = {
    "list": Verb(module_list, changes=False),
    "add": Verb(module_add),
    "remove": Verb(module_remove),
    "delete": Verb(module_remove),
}


def unknown_module_verb() -> Refusal:
    return Refusal(
        f"`/buddy module` can `add`, `list` or `remove`: `{MODULE_ADD_USAGE}`, "
        f"`{command(MODULE_LIST_EXAMPLE)}`, `{command(MODULE_REMOVE_EXAMPLE)}`.",
        MODULE_ADD_EXAMPLE,
    )


def module(command: Command) -> Reply:
    """`/buddy module add|list|remove ...`."""
    return _answer(command, MODULE_VERBS, check_can_change_calendar, unknown_module_verb)


# Breaks.


def break_list(session: Session, place: Place, _args: str) -> Reply:
    return build_break_list(place.cohort.name, breaks_of(session, place.cohort.id), place.today)


def break_add(session: Session, place: Place, args: str) -> Reply:
    draft = accepted(read_break_add(args, place.today))
    added = add_break(session, place.cohort.id, draft, place.today)
    if isinstance(added, str):
        raise Refusal(added, BREAK_ADD_EXAMPLE)
    number = next(
        n for n, b in enumerate(breaks_of(session, place.cohort.id), 1) if b.id == added.id
    )
    return build_break_added(added, number, place.cohort.name, place.today)


def break_remove(session: Session, place: Place, args: str) -> Reply:
    text = args.strip().lstrip("#")
    if not text.isdigit():
        raise Refusal(
            f"Please give the number of the break to remove, as `{command(BREAK_LIST_EXAMPLE)}` "
            "shows it.",
            BREAK_REMOVE_EXAMPLE,
        )
    count = len(breaks_of(session, place.cohort.id))
    removed = remove_break(session, place.cohort.id, int(text))
    if removed is None:
        raise no_such_break(place.cohort.name, int(text), count)
    return build_break_removed(removed, place.cohort.name, place.today)


BREAK_VERBS = {
    "list": Verb(break_list, changes=False),
    "add": Verb(break_add),
    "remove": Verb(break_remove),
    "delete": Verb(break_remove),
}


def unknown_break_verb() -> Refusal:
    return Refusal(
        f"`/buddy break` can `add`, `list` or `remove`: `{BREAK_ADD_USAGE}`, "
        f"`{command(BREAK_LIST_EXAMPLE)}`, `{command(BREAK_REMOVE_EXAMPLE)}`.",
        BREAK_ADD_EXAMPLE,
    )


def break_(command: Command) -> Reply:
    """`/buddy break add|list|remove ...`."""
    return _answer(command, BREAK_VERBS, check_can_change_breaks, unknown_break_verb)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="module",
        usage=MODULE_USAGE,
        summary=f"the cohort's module calendar, e.g. `{command(MODULE_ADD_EXAMPLE)}`",
        group=GROUP,
        handle=module,
        facilitator=True,
        examples=(MODULE_ADD_EXAMPLE, "module list", "module remove B2"),
        aliases=("modules",),
    ),
    Subcommand(
        name="break",
        usage=BREAK_USAGE,
        summary=(
            f"holidays and half terms, when nothing is nudged, e.g. `{command(BREAK_ADD_EXAMPLE)}`"
        ),
        group=GROUP,
        handle=break_,
        facilitator=True,
        examples=(BREAK_ADD_EXAMPLE, "break list"),
        aliases=("breaks",),
    ),
]
