"""Settings from the environment, checked once at start so a bad one fails with a clear line."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///buddy.db"
DEFAULT_TICK_SECONDS = 10
README_HINT = (
    "Set them in the environment or in .env (copy .env.example); see the 'Settings' table in "
    "README.md."
)
# Slack reaches Buddy one of two ways, each with its own setting: said together when neither is
# set, so that someone trying Socket Mode is not sent after a signing secret they do not need.
BOTH_WAYS_IN = (
    "SLACK_SIGNING_SECRET is missing, and so is SLACK_APP_TOKEN: set the one for how Slack "
    "reaches Buddy.\n"
    "      HTTP (manifest.yml): SLACK_SIGNING_SECRET, from Basic Information → App Credentials.\n"
    "      Socket Mode (manifest-socket.yml): SLACK_APP_TOKEN (xapp-...), from Basic Information\n"
    "      → App-Level Tokens, with the connections:write scope."
)

# The file of settings `./scripts/run-bot` and `python -m bot` read, and the setting naming another.
ENV_FILE = ".env"
ENV_FILE_SETTING = "BUDDY_ENV_FILE"
_ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)")

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """One message naming every missing or malformed setting."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    facilitators: frozenset[str] = field(default_factory=frozenset)
    tick_seconds: float = DEFAULT_TICK_SECONDS

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


def load_settings(env: Mapping[str, str], *, mode: str) -> Settings:
    """Read and check settings for `mode`: "http", "socket", "clock" or "database".

    Each mode asks only for what it needs: "database" (migrations, imports) needs no Slack token.

    Returns settings, or raises SettingsError listing every problem at once.
    """
    problems: list[str] = []

    def get(name: str) -> str | None:
        return (env.get(name) or "").strip() or None

    bot_token = get("SLACK_BOT_TOKEN")
    signing_secret = get("SLACK_SIGNING_SECRET")
    app_token = get("SLACK_APP_TOKEN")

    if mode != "database" and bot_token is None:
        problems.append("SLACK_BOT_TOKEN is missing (the bot token, starting xoxb-)")
    elif bot_token is not None and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN should start with xoxb-")
    if mode == "http" and signing_secret is None and app_token is None:
        problems.append(BOTH_WAYS_IN)
    elif mode == "http" and signing_secret is None:
        problems.append(
            "SLACK_SIGNING_SECRET is missing (needed to verify Slack's requests over HTTP; with "
            "SLACK_APP_TOKEN set, `python -m bot socket` connects over Socket Mode instead)"
        )
    if app_token is not None and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN should start with xapp-")

    api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://", api_url):
        problems.append("SLACK_API_URL must be an http(s) URL, like https://slack.com/api/")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgres(ql)?)(\+\w+)?://", database_url):
        problems.append("DATABASE_URL must be a sqlite:/// or postgresql:// URL")

    facilitators: set[str] = set()
    for raw in (get("BUDDY_FACILITATORS") or "").split(","):
        user_id = raw.strip()
        if not user_id:
            continue
        if _USER_ID.match(user_id):
            facilitators.add(user_id)
        else:
            problems.append(
                f"BUDDY_FACILITATORS has {user_id!r}, which is not a Slack user id like U012ABC"
            )

    tick_seconds = float(DEFAULT_TICK_SECONDS)
    raw_tick = get("BUDDY_TICK_SECONDS")
    if raw_tick is not None:
        try:
            tick_seconds = float(raw_tick)
            if tick_seconds <= 0:
                raise ValueError
        except ValueError:
            problems.append("BUDDY_TICK_SECONDS must be a positive number of seconds, like 10")

    if problems:
        raise SettingsError(
            "Buddy cannot start:\n" + "\n".join(f"  - {p}" for p in problems) + f"\n{README_HINT}"
        )
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        slack_api_url=api_url,
        database_url=database_url,
        facilitators=frozenset(facilitators),
        tick_seconds=tick_seconds,
    )


def command_environment(env: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """The settings a command line entry point runs with: `env` when a test gives one, else the
    process's own with .env under them (as ./scripts/run-bot reads it). None, with the reason
    printed, when the settings file cannot be read."""
    if env is not None:
        return env
    try:
        return with_env_file(os.environ)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return None


def with_env_file(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with the settings of `.env` (or the file BUDDY_ENV_FILE names) under it.

    So that every command reads the settings `./scripts/run-bot` gives the bot: without this,
    `python -m bot import` with DATABASE_URL in .env wrote to another database than the bot's.
    As in run-bot, the file is found from the current directory, is skipped if there is none,
    and a variable set in the environment wins over the file. A BUDDY_ENV_FILE naming no file is
    an error, not a silent fall back to the defaults.
    """
    named = (env.get(ENV_FILE_SETTING) or "").strip()
    path = Path(named or ENV_FILE)
    if not path.exists():
        if named:
            raise SettingsError(
                f"Buddy cannot start: {ENV_FILE_SETTING} names {named}, and there is no such "
                f"file.\n{README_HINT}"
            )
        return dict(env)
    return {**read_env_file(path), **env}


def read_env_file(path: Path) -> dict[str, str]:
    """The NAME=value lines of a settings file, read as run-bot's `set -a; source` reads them
    for the values `.env.example` shows: blank lines and `#` comments skipped, `export ` allowed,
    matching quotes around a value taken off, a ` #` comment after an unquoted value dropped.
    It is not a shell: `$NAME` is not expanded.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"Buddy cannot read the settings file {path} ({error}).") from error
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENV_LINE.fullmatch(line)
        if match is None:
            # The line itself is not shown: it may hold a token.
            raise SettingsError(
                f"Buddy cannot start: line {number} of {path} is not NAME=value, "
                "like DATABASE_URL=sqlite:///buddy.db."
            )
        name, value = match[1], match[2].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0]
        values[name] = value
    return values
