"""`/buddy import pairs` and `/buddy import modules`: a facilitator's modal with a file input.

The submission is acked at once with a "checking" view; the file is then read through the platform
(on Slack, files.info and its private download URL, with the bot token), checked whole, and written
only if every row is good. The modal then shows what was imported, or the bad rows by line.
"""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from conversation.commands import Subcommand
from conversation.outlet import Outlet, OutletError
from conversation.replies import Reply
from conversation.requests import Answer, Command, Handlers, SlowWork, Submission
from handlers.views.imports import (
    CHOSE_DAY,
    CHOSE_NEVER,
    FILE_BLOCK,
    IMPORT_CALLBACK,
    WELCOME_BLOCK,
    WELCOME_DAY_BLOCK,
    build_checking,
    build_import_modal,
    build_import_result,
)
from models.calendar.csv_import import ImportRefused, check_rows, parse_module_csv
from models.calendar.modules import replace_calendar
from models.cohorts import cohort_here
from models.facilitators.imports import (
    LineProblem,
    PairsRefused,
    decode,
    describe_problems,
    emails_in,
    import_pairs,
    parse_pairs_csv,
)
from models.facilitators.roles import require_facilitator
from models.people import Cohort
from models.refusals import Refusal
from models.welcome import WELCOME_NEVER, WELCOME_NOW, WelcomeChoice, check_welcome_day

logger = logging.getLogger(__name__)
KINDS = ("pairs", "modules")
IMPORT_EXAMPLE = "import pairs"
MOST_BYTES = 5_000_000


def import_(command: Command) -> Answer:
    kind = command.args.strip().lower()
    with command.deps.session() as session:
        require_facilitator(
            session, command.deps.facilitators, command.team_id, command.user_id, "import"
        )
        if kind not in KINDS:
            raise Refusal("Please say what to import: `pairs` or `modules`.", IMPORT_EXAMPLE)
        caller = command.caller(session)
        cohort = cohort_here(session, caller, command.channel_id, command.now)
        view = build_import_modal(kind, cohort.name, f"{kind}:{cohort.id}")
    return Answer(form=view)


def submitted(submission: Submission) -> Answer:
    kind, _, cohort_text = submission.metadata.partition(":")
    files = submission.state.file_ids(FILE_BLOCK)
    if kind not in KINDS or not cohort_text.isdigit():
        raise Refusal("This form is out of date, so nothing was imported.")
    if not files:
        return Answer(
            view_response={
                "response_action": "errors",
                "errors": {FILE_BLOCK: "Please choose a CSV file."},
            }
        )
    with submission.deps.session() as session:
        require_facilitator(
            session, submission.deps.facilitators, submission.team_id, submission.user_id, "import"
        )
        cohort = session.get(Cohort, int(cohort_text))
        zone = cohort.timezone if cohort is not None else "Europe/London"
    welcome = _welcome_choice(submission, submission.now.astimezone(ZoneInfo(zone)).date())
    if isinstance(welcome, dict):
        return Answer(view_response={"response_action": "errors", "errors": welcome})
    return Answer(
        view_response={"response_action": "update", "view": build_checking(kind)},
        then=_run(submission, kind, int(cohort_text), files[0], welcome),
    )


def _welcome_choice(submission: Submission, today: date) -> WelcomeChoice | dict[str, str]:
    """When to welcome an import's people, as chosen in the modal; or what to fix, by block."""
    chosen = submission.state.option(WELCOME_BLOCK)
    if chosen == CHOSE_NEVER:
        return WELCOME_NEVER
    if chosen != CHOSE_DAY:
        return WELCOME_NOW  # the default (and the modules modal, which has no such choice)
    day = submission.state.date(WELCOME_DAY_BLOCK)
    if day is None:
        return {WELCOME_DAY_BLOCK: "Please choose the day to welcome them, or welcome them now."}
    checked = check_welcome_day(WelcomeChoice(day), today)
    if isinstance(checked, Refusal):
        return {WELCOME_DAY_BLOCK: checked.message}
    return checked


def _download(outlet: Outlet, file_id: str) -> bytes:
    data = outlet.download(file_id, MOST_BYTES)
    if len(data) > MOST_BYTES:
        raise PairsRefused("The file is over 5 MB; please split it.")
    return data


def _run(
    submission: Submission, kind: str, cohort_id: int, file_id: str, welcome: WelcomeChoice
) -> SlowWork:
    def run(outlet: Outlet) -> Reply | None:
        try:
            text = decode(_download(outlet, file_id))
            summary = (
                _import_pairs(submission, cohort_id, text, outlet, welcome)
                if kind == "pairs"
                else _import_modules(submission, cohort_id, text)
            )
            view = build_import_result(kind, summary, [])
        except PairsRefused as refused:
            problems = describe_problems(refused.problems)
            view = build_import_result(kind, str(refused), problems, refused=True)
        except OutletError:
            logger.exception("Could not read the uploaded file %s", file_id)
            view = build_import_result(
                kind, "I couldn't read that file from Slack. Please try again.", [], refused=True
            )
        outlet.update_form(submission.view_id, view)
        return None

    return run


def _import_pairs(
    submission: Submission, cohort_id: int, text: str, outlet: Outlet, welcome: WelcomeChoice
) -> str:
    with submission.deps.session() as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None:
            raise PairsRefused("That cohort no longer exists, so nothing was imported.")
        today = submission.now.astimezone(ZoneInfo(cohort.timezone)).date()
        drafts, problems = parse_pairs_csv(text, today)
    emails = outlet.user_ids_by_email(emails_in(drafts)) if emails_in(drafts) else {}
    with submission.deps.session() as session:
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        result = import_pairs(
            session, cohort, drafts, problems, emails, submission.now, welcome=welcome
        )
    pairs = f"{result.pairs} pair" + ("" if result.pairs == 1 else "s")
    people = f"{result.people} " + ("person" if result.people == 1 else "people")
    return f"Imported {pairs} ({people}) into {result.cohort_name}: {welcome.describe()}."


def _import_modules(submission: Submission, cohort_id: int, text: str) -> str:
    try:
        rows, problems = parse_module_csv(text)
    except ImportRefused as refused:
        raise PairsRefused(f"Nothing was imported: {refused}") from None
    problems = [*problems, *check_rows(rows)]
    if problems:
        raise PairsRefused(
            "Nothing was imported.", [LineProblem(p.line, p.message) for p in problems]
        )
    if not rows:
        raise PairsRefused("The file has no modules in it, so nothing was imported.")
    with submission.deps.session() as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None:
            raise PairsRefused("That cohort no longer exists, so nothing was imported.")
        drafts = sorted((row.draft for row in rows), key=lambda d: d.starts_on)
        replace_calendar(session, cohort.id, drafts)
        name = cohort.name
    return f"Imported {len(drafts)} modules into {name}, replacing its calendar."


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="import",
        usage="/buddy import pairs|modules",
        summary="import pairs or the module calendar from a CSV file (facilitators)",
        group="Facilitators",
        handle=import_,
    )
]


HANDLERS = Handlers(submissions={IMPORT_CALLBACK: submitted})
