"""`python -m bot`: run the app (Socket Mode or HTTP), apply migrations, import data."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.logging_setup import configure_logging
from bot.settings import Settings, SettingsError, command_environment, load_settings
from bot.teams_package import DEFAULT_ZIP_NAME
from bot.together import TOKEN_CHECKED
from bot.token_check import check_bot_token
from models.clock import Clock, SystemClock

logger = logging.getLogger(__name__)

DEFAULT_PORT = 3000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Buddy, the Slack app.")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve Slack's requests over HTTP")
    serve.add_argument("--port", type=int, default=None, help="port (default: $PORT or 3000)")
    sub.add_parser("socket", help="connect to Slack over Socket Mode")
    sub.add_parser("all", help="the Slack listener and the clock together (Ctrl-C stops both)")
    sub.add_parser("migrate", help="apply database migrations")
    importing = sub.add_parser("import", help="import data from a CSV file")
    kinds = importing.add_subparsers(dest="kind", metavar="modules|pairs", required=True)
    modules = kinds.add_parser(
        "modules",
        help="a cohort's module calendar (columns: code,title,insight_module,starts_on)",
        description="Replace a cohort's module calendar with the modules in a CSV file "
        "(columns: code,title,insight_module,starts_on). Nothing is written unless every row "
        "is good.",
    )
    modules.add_argument("file", type=Path, help="the CSV file, e.g. samples/modules.csv")
    modules.add_argument("--cohort", help="the cohort's name (default: the only cohort)")
    modules.add_argument("--team", help="the Slack workspace id, like T0123ABCD")
    modules.add_argument(
        "--add",
        action="store_true",
        help="add to the cohort's calendar instead of replacing it",
    )
    pairs = kinds.add_parser(
        "pairs",
        help="buddy pairs (columns: buddy_1,buddy_2,buddy_3,slot)",
        description="Add the buddy pairs in a CSV file to a cohort (columns: buddy_1,buddy_2,"
        "buddy_3,slot; Slack ids or emails). Nothing is written unless every row is good.",
    )
    pairs.add_argument("file", type=Path, help="the CSV file, e.g. samples/pairs.csv")
    pairs.add_argument("--cohort", help="the cohort's name (default: the only cohort)")
    pairs.add_argument("--team", help="the Slack workspace id, like T0123ABCD")
    pairs.add_argument(
        "--welcome",
        default="now",
        metavar="now|YYYY-MM-DD[THH:MM]|never",
        help="when Buddy first messages the people paired, with their buddies and the buddy's "
        "four roles: now (the default), on a day at 09:00 their time (or at the time given), "
        "or never (you tell them yourself)",
    )
    manifests = sub.add_parser(
        "manifests",
        help="write manifest.yml, manifest-socket.yml and manifest-distributed.yml",
        description="Write the Slack app manifests (manifest.yml for HTTP, manifest-socket.yml "
        "for Socket Mode, manifest-distributed.yml for one Buddy installed in many workspaces) "
        "from the one description of the app in bot/manifests.py.",
    )
    manifests.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if either file differs from what would be written",
    )
    teams = sub.add_parser(
        "teams-package",
        help="write the zip a Teams admin uploads (teams/manifest.json, its icons, your bot id)",
        description="Write the Teams app package: teams/manifest.json with TEAMS_CLIENT_ID as the "
        "bot id, and its two icons, in one zip to upload in the Teams admin center or as a "
        "custom app.",
    )
    teams.add_argument(
        "--out",
        type=Path,
        help=f"the zip to write, or a folder to write {DEFAULT_ZIP_NAME} in (default: here)",
    )
    teams.add_argument(
        "--version",
        dest="app_version",
        metavar="X.Y.Z",
        help="the app's version in the package, higher than the last one uploaded "
        "(default: the manifest's)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> int:
    """`clock` is the system's unless a test sets one (an import is stamped with its moment)."""
    args = build_parser().parse_args(argv)
    if args.command == "manifests":
        return _manifests(check=args.check)
    env = command_environment(env)
    if env is None:
        return 2
    configure_logging(env)
    if args.command == "teams-package":
        return _teams_package(args, env)
    command = args.command or ("socket" if env.get("SLACK_APP_TOKEN") else "serve")
    try:
        if command == "migrate":
            return _migrate(env)
        if command == "import":
            return _import(args, env, clock or SystemClock())
        if command == "all":
            return _together(env)
        if command == "socket":
            return _socket(env)
        port = getattr(args, "port", None) or int(env.get("PORT", DEFAULT_PORT))
        return _serve(env, port)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2


def _manifests(*, check: bool) -> int:
    from bot.manifests import stale_manifests, write_manifests

    if check:
        stale = stale_manifests()
        for path in stale:
            print(f"{path.name} is out of date: run `python -m bot manifests`.", file=sys.stderr)
        return 1 if stale else 0
    for path in write_manifests():
        print(f"Wrote {path.name}")
    return 0


def _teams_package(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from bot.teams_package import PackageRefused, next_steps, teams_client_id, write_package

    try:
        path, manifest = write_package(args.out, teams_client_id(env), args.app_version)
    except (PackageRefused, OSError) as refused:
        print(f"No Teams package was written. {refused}", file=sys.stderr)
        return 2
    print(next_steps(path, manifest))
    return 0


def _migrate(env: Mapping[str, str]) -> int:
    from bot.migrate import upgrade_to_head

    settings = load_settings(env, mode="database")
    upgrade_to_head(settings.database_url)
    return 0


def _import(args: argparse.Namespace, env: Mapping[str, str], clock: Clock) -> int:
    """Import a CSV file; a bad file or database gives a friendly message and exit code 1."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.importing import describe_result, import_modules
    from models.calendar.csv_import import ImportRefused
    from models.db import make_engine, make_session_factory

    settings = load_settings(env, mode="database")
    engine = make_engine(settings.database_url)
    try:
        if args.kind == "pairs":
            return _import_pairs(args, settings, make_session_factory(engine), clock)
        result = import_modules(
            make_session_factory(engine),
            args.file,
            now=clock.now(),
            team=args.team,
            cohort_name=args.cohort,
            replace=not args.add,
        )
    except ImportRefused as refused:
        print(refused, file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        first_line = (str(getattr(error, "orig", None) or error).splitlines() or [""])[0]
        print(
            f"Couldn't use the database at {shown} ({first_line}), so nothing was imported.\n"
            "Has `python -m bot migrate` been run against it?",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    print(describe_result(result))
    return 0


def _import_pairs(args: argparse.Namespace, settings: Settings, sessions: Any, clock: Clock) -> int:
    from bot.importing import describe_pairs, import_pairs_file, progress_bar

    def lookup(emails: Sequence[str]) -> dict[str, str]:
        from slack_sdk import WebClient

        from frontends.slack.outlet import user_ids_by_email

        client = WebClient(token=settings.bot_token, base_url=settings.slack_api_url)
        return user_ids_by_email(client, emails)

    def show(done: int, total: int) -> None:
        if total >= 500:
            print(progress_bar(done, total), end="", file=sys.stderr, flush=True)

    result = import_pairs_file(
        sessions,
        args.file,
        now=clock.now(),
        team=args.team,
        cohort_name=args.cohort,
        lookup_emails=lookup if settings.bot_token else None,
        progress=show,
        welcome=args.welcome,
    )
    if result.pairs >= 500:
        print(file=sys.stderr)
    print(describe_pairs(result))
    return 0


def _together(env: Mapping[str, str]) -> int:
    from bot.together import run_together

    mode = "socket" if env.get("SLACK_APP_TOKEN") else "http"
    settings = load_settings(env, mode=mode)
    if settings.slack:
        check_bot_token(settings)
    return run_together(env)


def checked(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The settings, once Slack has accepted the token (skipped when a parent process checked,
    and when Slack is not set up)."""
    if settings.slack and not env.get(TOKEN_CHECKED):
        check_bot_token(settings)
    return settings


def _serve(env: Mapping[str, str], port: int) -> int:
    from bot.web import serve
    from models.db import make_engine, make_session_factory

    settings = load_settings(env, mode="http")
    checked(settings, env)
    sessions = make_session_factory(make_engine(settings.database_url))
    serve(build_wsgi_app(settings, sessions), port)
    return 0


def build_wsgi_app(settings: Settings, sessions: Any, clock: Clock | None = None) -> Any:
    """The web process's app: Slack's listener when Slack is set up, Teams' endpoint when Teams
    is (the Teams SDK is imported only then: it takes seconds)."""
    from bot.app import create_app
    from bot.web import create_wsgi_app

    slack_app = create_app(settings, sessions=sessions, clock=clock) if settings.slack else None
    teams = None
    if settings.teams is not None:
        from bot.app import build_deps
        from bot.teams_app import create_teams_endpoint

        teams = create_teams_endpoint(settings.teams, build_deps(settings, sessions, clock))
    return create_wsgi_app(slack_app, sessions, signing_secret=settings.signing_secret, teams=teams)


def _socket(env: Mapping[str, str]) -> int:
    from bot.app import create_app
    from bot.socket_mode import CheckedSocketModeHandler

    settings = checked(load_settings(env, mode="socket"), env)
    app = create_app(settings)
    CheckedSocketModeHandler(app, settings.app_token).start()  # type: ignore[no-untyped-call]
    return 0
