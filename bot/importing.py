"""`python -m bot import modules|pairs`: a module calendar or pairs from CSV, all or nothing.

The whole file is read and checked before anything is written, so a facilitator fixing one bad
row never ends up with half a calendar. By default an import replaces the cohort's calendar
(re-importing a corrected file is the common case); `--add` keeps the modules already there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.calendar.csv_import import (
    HEADER,
    MAX_REPORTED,
    README_HINT,
    ImportRefused,
    Problem,
    Row,
    check_rows,
    parse_module_csv,
    span_text,
)
from models.calendar.modules import (
    ModuleDraft,
    modules_of,
    replace_calendar,
    store_modules,
)
from models.db import session_scope
from models.facilitators.imports import HEADER as PAIRS_HEADER
from models.facilitators.imports import README_HINT as PAIRS_HINT
from models.facilitators.imports import (
    ImportedPairs,
    PairsRefused,
    describe_problems,
    emails_in,
    import_pairs,
    parse_pairs_csv,
)
from models.people import DEFAULT_COHORT_NAME, Cohort, Participant, default_cohort
from models.refusals import Refusal
from models.welcome import WELCOME_EXAMPLE, parse_welcome


@dataclass(frozen=True)
class ImportResult:
    team_id: str
    cohort_name: str
    modules: list[ModuleDraft]
    replaced: int  # how many modules the cohort had before, now gone (0 when adding)
    kept: int  # how many were kept alongside the new ones (0 when replacing)


def read_module_csv(path: Path) -> tuple[list[Row], list[Problem]]:
    """Read the file and check each row on its own; raise if the file as a whole is unusable."""
    text = _read_text(path)
    try:
        rows, problems = parse_module_csv(text)
    except ImportRefused as refused:
        raise ImportRefused(
            f"{path} was not imported, and nothing was changed: {refused} {README_HINT}"
        ) from None
    if not rows and not problems:
        raise ImportRefused(
            f"{path} has no modules in it, only a header row, so nothing was imported.\n"
            f"Add one module a line under the header {HEADER}. {README_HINT}"
        )
    return rows, problems


def choose_team(session: Session, team: str | None) -> str:
    """The team named, else the only one Buddy knows: from its cohorts, or from the people who
    have used Buddy there (a team that never set up a cohort has only its default one)."""
    if team is not None:
        team = team.strip()
        if not re.fullmatch(r"[A-Z0-9]{2,32}", team):
            raise ImportRefused(
                f"--team {team!r} is not a Slack workspace id; they look like T0123ABCD."
            )
        return team
    teams = sorted(
        set(session.scalars(select(Cohort.team_id)))
        | set(session.scalars(select(Participant.team_id)))
    )
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise ImportRefused(
            "Nobody has used Buddy yet, so it can't tell which Slack workspace this calendar is "
            "for. Please name it with --team, e.g. --team T0123ABCD (the workspace id is the "
            "part starting with T in the address of Slack in a browser: app.slack.com/client/T…)."
        )
    raise ImportRefused(
        f"Buddy is used in {len(teams)} Slack workspaces ({', '.join(teams)}). "
        f"Please choose one with --team, e.g. --team {teams[0]}."
    )


def choose_cohort(session: Session, team_id: str, name: str | None, now: datetime) -> Cohort:
    """The cohort named, else the team's only cohort, else the zero-setup default cohort."""
    cohorts = list(
        session.scalars(select(Cohort).where(Cohort.team_id == team_id).order_by(Cohort.name))
    )
    names = ", ".join(sorted({c.name for c in cohorts})) or "none yet"
    if name is None:
        if len(cohorts) <= 1:
            return cohorts[0] if cohorts else default_cohort(session, team_id, now)
        raise ImportRefused(
            f"Workspace {team_id} has {len(cohorts)} cohorts ({names}). Please choose one with "
            f'--cohort, e.g. --cohort "{cohorts[0].name}".'
        )
    wanted = " ".join(name.split()).casefold()
    matches = [c for c in cohorts if c.name.casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches and wanted == DEFAULT_COHORT_NAME.casefold():
        return default_cohort(session, team_id, now)
    if matches:
        raise ImportRefused(
            f"Workspace {team_id} has {len(matches)} cohorts called {name!r}; please rename one "
            "in Slack (`/buddy cohort`) so they can be told apart."
        )
    raise ImportRefused(
        f"Workspace {team_id} has no cohort called {name!r}. Its cohorts: {names}. "
        "A facilitator sets one up by running `/buddy cohort setup <name>` in its channel."
    )


def import_modules(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    now: datetime,
    team: str | None = None,
    cohort_name: str | None = None,
    replace: bool = True,
) -> ImportResult:
    """Check the whole file, then write it in one transaction: every row, or nothing at all."""
    rows, problems = read_module_csv(path)
    with session_scope(sessions) as session:
        team_id = choose_team(session, team)
        cohort = choose_cohort(session, team_id, cohort_name, now)
        existing = modules_of(session, cohort.id)
        kept = [] if replace else existing
        problems = [*problems, *check_rows(rows, kept)]
        if problems:
            raise ImportRefused(_refusal(path, problems))
        drafts = sorted((row.draft for row in rows), key=lambda d: d.starts_on)
        if replace:
            replace_calendar(session, cohort.id, drafts)
        else:
            store_modules(session, cohort.id, drafts)
        return ImportResult(
            team_id=team_id,
            cohort_name=cohort.name,
            modules=drafts,
            replaced=len(existing) if replace else 0,
            kept=len(kept),
        )


def describe_result(result: ImportResult) -> str:
    """What was imported, each fortnight with its weekdays, for the person at the terminal."""
    count = _plural(len(result.modules), "module")
    if result.replaced:
        how = f", replacing its previous calendar of {_plural(result.replaced, 'module')}"
    elif result.kept:
        how = f", alongside the {_plural(result.kept, 'module')} it already had"
    else:
        how = ""
    lines = [
        f"Imported {count} into the {result.cohort_name} cohort (workspace {result.team_id}){how}:"
    ]
    width = max(len(d.code) for d in result.modules)
    for draft in result.modules:
        lines.append(
            f"  {draft.code:<{width}}  {span_text(draft.starts_on)}  {draft.title} "
            f"(after {draft.insight_module})"
        )
    return "\n".join(lines)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused(f"There is no file at {path}. Please check the path.") from None
    except IsADirectoryError:
        raise ImportRefused(f"{path} is a folder; please give the CSV file inside it.") from None
    except OSError as error:
        raise ImportRefused(f"Couldn't read {path}: {error.strerror or error}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportRefused(
            f"{path} is not UTF-8 text (the first odd character is on line {line}), so nothing "
            "was imported. In Excel choose Save As → 'CSV UTF-8 (Comma delimited)'; in Google "
            "Sheets, File → Download → CSV."
        ) from None


def _refusal(path: Path, problems: Sequence[Problem]) -> str:
    ordered = sorted(problems, key=lambda p: p.line)
    shown = [str(p) for p in ordered[:MAX_REPORTED]]
    if len(problems) > MAX_REPORTED:
        shown.append(f"... and {len(problems) - MAX_REPORTED} more.")
    return (
        f"{path} was not imported, and nothing was changed:\n"
        + "\n".join(f"  {p}" for p in shown)
        + f"\nThe columns are {HEADER}. {README_HINT}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


# -- pairs -------------------------------------------------------------------------------------

EmailLookup = Callable[[Sequence[str]], dict[str, str]]


def import_pairs_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    now: datetime,
    team: str | None = None,
    cohort_name: str | None = None,
    lookup_emails: EmailLookup | None = None,
    progress: Callable[[int, int], None] | None = None,
    welcome: str = "now",
) -> ImportedPairs:
    """`python -m bot import pairs`: every row checked, then all written in one transaction.

    `welcome` is when the people paired hear from Buddy first: `now`, a day (at 09:00 their
    time) or a day and time (`2026-11-30T09:30`), or `never` (the facilitator tells them)."""
    text = _read_text(path)
    try:
        with session_scope(sessions) as session:
            team_id = choose_team(session, team)
            cohort = choose_cohort(session, team_id, cohort_name, now)
            today = now.astimezone(ZoneInfo(cohort.timezone)).date()
            chosen = parse_welcome(welcome, today)
            if isinstance(chosen, Refusal):
                raise ImportRefused(
                    f"--welcome {welcome.strip()[:40]}: {chosen.message} Nothing was imported. "
                    f"Say when to welcome them: {WELCOME_EXAMPLE}."
                )
            drafts, problems = parse_pairs_csv(text, today)
            emails = emails_in(drafts)
            if emails and lookup_emails is None:
                raise ImportRefused(
                    f"{path} names people by email, which needs SLACK_BOT_TOKEN to look them up "
                    "in Slack; set it, or use Slack user ids (U0123ABCD)."
                )
            found = lookup_emails(emails) if emails and lookup_emails else {}
            total = len(drafts)
            return import_pairs(
                session,
                cohort,
                drafts,
                problems,
                found,
                now,
                (lambda done: progress(done, total)) if progress else None,
                chosen,
            )
    except PairsRefused as refused:
        lines = describe_problems(refused.problems)
        raise ImportRefused(
            f"{path} was not imported, and nothing was changed: {refused}"
            + "".join(f"\n  {line}" for line in lines)
            + f"\nThe columns are {PAIRS_HEADER}. {PAIRS_HINT}"
        ) from None


def describe_pairs(result: ImportedPairs) -> str:
    people = f"{result.people} {'person' if result.people == 1 else 'people'}"
    return (
        f"Imported {_plural(result.pairs, 'pair')} ({people}) into the {result.cohort_name} "
        f"cohort: {result.welcome.describe()}."
    )


def progress_bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // max(total, 1)
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} pairs"
