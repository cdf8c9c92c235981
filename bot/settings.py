"""Settings from the environment, checked once at start so a bad one fails with a clear line."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
DEFAULT_TEAMS_OPENID_METADATA_URL = (
    "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
DEFAULT_TEAMS_TOKEN_ISSUER = "https://api.botframework.com"
DEFAULT_DATABASE_URL = "sqlite:///buddy.db"
DEFAULT_TICK_SECONDS = 10
# Posts in flight at once in a clock pass (to different conversations), and the most allowed.
# Each workspace keeps its own pace (Slack: one post in flight), so this caps how many workspaces
# are posted to at once: 16 keeps 40 workspaces at Slack's pace with posts taking 30 ms
# (bench/send.py: 8 fell behind it); the threads wait on the network and hold no connection.
DEFAULT_SEND_CONCURRENCY = 16
MAX_SEND_CONCURRENCY = 64
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


# Neither front end set up: said as one sentence before the Slack details.
NEITHER_FRONT_END = (
    "Neither Slack nor Microsoft Teams is set up: set the Slack settings below, or "
    "TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET for Teams (or both)."
)
_TEAMS_NAMES = (
    "TEAMS_CLIENT_ID",
    "TEAMS_CLIENT_SECRET",
    "TEAMS_TENANT_ID",
    "TEAMS_LOGIN_URL",
    "TEAMS_OPENID_METADATA_URL",
    "TEAMS_TOKEN_ISSUER",
)
_SLACK_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)


class SettingsError(Exception):
    """One message naming every missing or malformed setting."""


@dataclass(frozen=True)
class TeamsSettings:
    """The Teams front end's settings (docs TEAMS.md): the bot's Microsoft app id and secret, and
    where tokens come from and are checked against (changed only by tests and sovereign clouds)."""

    client_id: str
    client_secret: str = field(repr=False)
    tenant_id: str | None = None
    login_url: str = DEFAULT_TEAMS_LOGIN_URL
    openid_metadata_url: str = DEFAULT_TEAMS_OPENID_METADATA_URL
    token_issuer: str = DEFAULT_TEAMS_TOKEN_ISSUER


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    facilitators: frozenset[str] = field(default_factory=frozenset)
    tick_seconds: float = DEFAULT_TICK_SECONDS
    # Posts a clock pass has in flight at once, to different conversations (scheduler/runner.py).
    send_concurrency: int = DEFAULT_SEND_CONCURRENCY
    # The Teams front end, when TEAMS_CLIENT_ID is set (None: Slack only).
    teams: TeamsSettings | None = None
    # Multi-workspace install (OAuth), when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set: each
    # workspace's bot token comes from its installation, and SLACK_BOT_TOKEN is not used.
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Installed by OAuth in many workspaces (else one workspace, one token)."""
        return self.client_id is not None and self.client_secret is not None

    @property
    def slack(self) -> bool:
        """Whether the Slack front end is set up (Teams-only settings have no bot token)."""
        return self.bot_token is not None or self.oauth


def load_settings(env: Mapping[str, str], *, mode: str) -> Settings:
    """Read and check settings for `mode`: "http", "socket", "clock" or "database".

    Each mode asks only for what it needs: "database" (migrations, imports) needs no Slack token.
    "http" and "clock" need Slack, Teams or both: with Teams set up and no Slack setting at all,
    Slack is not asked for (Socket Mode is Slack's alone).

    Returns settings, or raises SettingsError listing every problem at once.
    """
    problems: list[str] = []

    def get(name: str) -> str | None:
        return (env.get(name) or "").strip() or None

    bot_token = get("SLACK_BOT_TOKEN")
    signing_secret = get("SLACK_SIGNING_SECRET")
    app_token = get("SLACK_APP_TOKEN")
    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    oauth = mode != "database" and _oauth_checked(
        client_id, client_secret, bot_token, app_token, mode, problems
    )
    teams = _teams_settings(get, problems) if mode != "database" else None
    any_teams = mode != "database" and any(get(name) for name in _TEAMS_NAMES)
    any_slack = any(get(name) for name in _SLACK_NAMES)
    teams_only = any_teams and mode in ("http", "clock") and not any_slack

    if mode in ("http", "clock") and not any_teams and not any_slack:
        problems.append(NEITHER_FRONT_END)
    if teams_only:
        pass  # Slack is not set up, and need not be: Teams serves alone
    elif oauth or client_id or client_secret:
        pass  # each workspace's token comes from its installation (or OAuth's problem is named)
    elif mode != "database" and bot_token is None:
        problems.append("SLACK_BOT_TOKEN is missing (the bot token, starting xoxb-)")
    elif bot_token is not None and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN should start with xoxb-")
    if mode == "http" and not teams_only and signing_secret is None and app_token is None:
        problems.append(BOTH_WAYS_IN)
    elif mode == "http" and not teams_only and signing_secret is None:
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

    send_concurrency = DEFAULT_SEND_CONCURRENCY
    raw_concurrency = get("BUDDY_SEND_CONCURRENCY")
    if raw_concurrency is not None:
        try:
            send_concurrency = int(raw_concurrency)
            if not 1 <= send_concurrency <= MAX_SEND_CONCURRENCY:
                raise ValueError
        except ValueError:
            problems.append(
                f"BUDDY_SEND_CONCURRENCY must be a whole number from 1 to {MAX_SEND_CONCURRENCY},"
                " like 16"
            )

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
        send_concurrency=send_concurrency,
        teams=teams,
        client_id=client_id if oauth else None,
        client_secret=client_secret if oauth else None,
    )


def _oauth_checked(
    client_id: str | None,
    client_secret: str | None,
    bot_token: str | None,
    app_token: str | None,
    mode: str,
    problems: list[str],
) -> bool:
    """Whether the OAuth settings ask for a multi-workspace install; half of one, or one mixed
    with the single workspace's token, is named in `problems` (never half-run)."""
    if client_id is None and client_secret is None:
        return False
    if client_id is None or client_secret is None:
        missing, given = (
            ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            if client_secret is None
            else ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
        )
        problems.append(
            f"{missing} is missing, though {given} is set: installing Buddy in many workspaces "
            "(OAuth) needs both, from Basic Information → App Credentials; for one workspace, "
            "unset both and set SLACK_BOT_TOKEN"
        )
        return False
    if bot_token is not None:
        problems.append(
            "SLACK_BOT_TOKEN is set, and so are SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: set the "
            "bot token for one workspace, or the client id and secret to be installed in many "
            "(each workspace's token then comes from its installation), not both"
        )
        return False
    if mode == "socket" or app_token is not None:
        problems.append(
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are for installing Buddy over HTTP "
            "(`python -m bot serve`, manifest.yml with its redirect URL), not Socket Mode: unset "
            "SLACK_APP_TOKEN, or use one workspace's SLACK_BOT_TOKEN"
        )
        return False
    return True


def _teams_settings(get: Callable[[str], str | None], problems: list[str]) -> TeamsSettings | None:
    """The Teams settings when TEAMS_CLIENT_ID is set; each half-done one named in `problems`."""
    client_id, secret = get("TEAMS_CLIENT_ID"), get("TEAMS_CLIENT_SECRET")
    login_url = (get("TEAMS_LOGIN_URL") or DEFAULT_TEAMS_LOGIN_URL).rstrip("/")
    metadata_url = get("TEAMS_OPENID_METADATA_URL") or DEFAULT_TEAMS_OPENID_METADATA_URL
    issuer = get("TEAMS_TOKEN_ISSUER") or DEFAULT_TEAMS_TOKEN_ISSUER
    before = len(problems)
    if client_id is None:
        others = [name for name in _TEAMS_NAMES[1:] if get(name)]
        if others:
            problems.append(
                f"TEAMS_CLIENT_ID is missing, though {', '.join(others)} is set: the Teams front "
                "end needs the bot's Microsoft app id (Azure bot registration → Configuration)"
            )
        return None
    if secret is None:
        problems.append(
            "TEAMS_CLIENT_SECRET is missing (the client secret of the bot's Microsoft app id, "
            "from its Azure app registration → Certificates & secrets)"
        )
    if not login_url.startswith("https://"):
        problems.append(
            "TEAMS_LOGIN_URL must be an https URL, like https://login.microsoftonline.com "
            "(the token library accepts no other)"
        )
    if not metadata_url.startswith("https://"):
        problems.append(
            "TEAMS_OPENID_METADATA_URL must be an https URL, like "
            f"{DEFAULT_TEAMS_OPENID_METADATA_URL}"
        )
    if issuer.startswith(login_url):
        problems.append(
            "TEAMS_TOKEN_ISSUER must not start with TEAMS_LOGIN_URL (the SDK would check such "
            f"tokens as Entra tokens and refuse every one); Bot Framework's is "
            f"{DEFAULT_TEAMS_TOKEN_ISSUER}"
        )
    if len(problems) > before or secret is None:
        return None
    return TeamsSettings(
        client_id=client_id,
        client_secret=secret,
        tenant_id=get("TEAMS_TENANT_ID"),
        login_url=login_url,
        openid_metadata_url=metadata_url,
        token_issuer=issuer,
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
