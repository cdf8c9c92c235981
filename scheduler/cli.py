"""`python -m scheduler`: the clock process, or one pass with `tick --at`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.logging_setup import configure_logging
from bot.settings import SettingsError, command_environment, load_settings
from bot.together import TOKEN_CHECKED
from bot.token_check import check_bot_token

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description="Buddy's clock.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the clock: a pass every BUDDY_TICK_SECONDS (the default)")
    tick = sub.add_parser("tick", help="run one pass as of a given moment, then exit")
    tick.add_argument("--at", required=True, help="ISO datetime, e.g. 2026-12-01T09:00:00+00:00")
    tick.add_argument("--dry-run", action="store_true", help="list what would be sent; send none")
    return parser


def parse_moment(raw: str) -> datetime:
    """An ISO datetime; one without a zone is taken as UTC, which the README says."""
    moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    env = command_environment(env)
    if env is None:
        return 2
    configure_logging(env)
    try:
        if args.command == "tick":
            try:
                at = parse_moment(args.at)
            except ValueError:
                parser.error(f"--at {args.at!r} is not an ISO datetime, e.g. 2026-12-01T09:00")
            settings = load_settings(env, mode="database" if args.dry_run else "clock")
            return _tick(settings, at, dry_run=args.dry_run)
        settings = load_settings(env, mode="clock")
        if not env.get(TOKEN_CHECKED):
            check_bot_token(settings)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    from scheduler.clock import run_clock

    run_clock(settings)
    return 0


def _tick(settings: object, at: datetime, *, dry_run: bool) -> int:
    from bot.settings import Settings
    from models.clock import SettableClock
    from scheduler.runner import build_runner

    assert isinstance(settings, Settings)
    runner = build_runner(settings, SettableClock(at))
    report = runner.run_pass(dry_run=dry_run)
    for line in report.lines():
        print(line)
    return 0
