"""Buddy's Slack app manifests, made from one description of the app.

`manifest.yml` (HTTP) and `manifest-socket.yml` (Socket Mode) are what people paste into Slack, so
both are committed, with `manifest-distributed.yml` (HTTP with the OAuth redirect URL, for one
Buddy installed in many workspaces); `python -m bot manifests` writes them from here. Written by
hand they drifted: the Socket Mode one lost its `settings:` key (Slack refused it) and subscribed
no events. Here the commands, scopes and events are said once, and only the transport differs:
request URLs over HTTP, `socket_mode_enabled` and no URLs over Socket Mode (and the redirect URL
when distributed). tests/test_manifests.py checks that the
committed files are what this makes, and both against Slack's manifest rules.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Mode = Literal["http", "socket", "distributed"]
MODES: tuple[Mode, ...] = ("http", "socket", "distributed")
FILE_NAMES: dict[Mode, str] = {
    "http": "manifest.yml",
    "socket": "manifest-socket.yml",
    "distributed": "manifest-distributed.yml",
}
# Where the committed manifests live: the repository's root, beside README.md.
ROOT = Path(__file__).resolve().parents[1]
# The HTTP manifest's placeholder address; the README says to replace it with the server's.
EXAMPLE_REQUEST_URL = "https://buddy.example.org/slack/events"
# Where Slack sends an installer back, when one Buddy is installed in many workspaces (OAuth).
EXAMPLE_REDIRECT_URL = "https://buddy.example.org/slack/oauth_redirect"
LINE_LENGTH = 100
# How wide a folded text (the long description) is wrapped, as the files were first written.
FOLD_WIDTH = 90

HEADERS: dict[Mode, str] = {
    "http": """\
Slack app manifest for production over HTTP: create the app at api.slack.com/apps → "From an app
manifest", paste this, and replace https://buddy.example.org with the address where
`python -m bot serve` is reachable. To try Buddy without a public address, use
manifest-socket.yml (Socket Mode) instead.""",
    "socket": """\
Slack app manifest for Socket Mode, the easy way to try Buddy: no public address needed.
Create the app at api.slack.com/apps → "From an app manifest" and paste this; then make an
app-level token with connections:write (that is SLACK_APP_TOKEN). For production over HTTP,
use manifest.yml instead.""",
    "distributed": """\
Slack app manifest for one hosted Buddy installed in many workspaces (OAuth, over HTTP): create
the app at api.slack.com/apps → "From an app manifest", paste this, replace
https://buddy.example.org with the address of `python -m bot serve`, set SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET (not SLACK_BOT_TOKEN), then Manage Distribution → Activate Public
Distribution. Each school installs it at https://buddy.example.org/slack/install.
For one workspace, use manifest.yml instead.""",
}
GENERATED = "Made by `python -m bot manifests` from bot/manifests.py: change it there, not here."

NAME = "Buddy"
DESCRIPTION = "Keeps NPQ buddy pairs meeting, prepared and accountable."
BACKGROUND_COLOR = "#2c5f2d"
LONG_DESCRIPTION = (
    "Buddy helps teachers on NPQ programmes keep their fortnightly buddy-pair meetings going: "
    "agree a slot, get a nudge to finish the insight module first, check in after each meeting, "
    "and hold each other to account for the actions you agree. It also walks you through "
    "preparing a well-formed problem (Problem, Evidence, Context, Why) for community sessions."
)


@dataclass(frozen=True)
class SlashCommand:
    command: str
    description: str
    usage_hint: str


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand(
        command="/buddy",
        description="Your buddy pair, meetings, actions and problems",
        usage_hint="help | pair @someone | slot thu 4pm | next | action <text> | problem",
    ),
)

# Each scope with why Buddy asks for it: the reason is printed beside it in the manifest.
BOT_SCOPES: tuple[tuple[str, str], ...] = (
    ("commands", "the /buddy command"),
    ("chat:write", "messages to pairs, owners and channels the bot is in"),
    ("im:write", "open a DM with one participant (files need its channel id)"),
    ("mpim:write", "open a pair's group DM once and keep it"),
    ("im:history", "look for an already-sent nudge before resending it"),
    ("mpim:history", "the same, in a pair's group DM"),
    ("channels:history", "the same, for community protocol posts in a public channel"),
    ("groups:history", "the same, in a private channel"),
    ("users:read", "time zones, that a person is not a bot; user_change events"),
    ("users:read.email", "find people named by email in an imported pairs file"),
    ("files:write", "the .ics calendar, the cohort report, a person's data export"),
    ("files:read", "read the CSV a facilitator uploads in an import modal"),
)

# Every event a handler listens to (tests check this against the registered listeners).
BOT_EVENTS: tuple[tuple[str, str], ...] = (
    ("user_change", "a participant deactivated: their nudges stop, their buddy is told"),
    ("app_uninstalled", "stop sending to the workspace (no scope needed)"),
    ("tokens_revoked", "the same, when the token is revoked (no scope needed)"),
    ("app_home_opened", "publish the Home tab when someone opens it"),
)


@dataclass(frozen=True)
class Said:
    """A value with a comment printed beside it (`after`) or on the line above it (`above`)."""

    value: Any
    after: str = ""
    above: str = ""


def _tree(mode: Mode) -> dict[str, Any]:
    """The manifest for `mode`, with the comments the YAML carries (`Said`)."""
    http = mode != "socket"
    urls: dict[str, str] = {"request_url": EXAMPLE_REQUEST_URL} if http else {}
    commands = [
        {
            "command": c.command,
            **({"url": EXAMPLE_REQUEST_URL} if http else {}),
            "description": c.description,
            "usage_hint": c.usage_hint,
            "should_escape": True,
        }
        for c in COMMANDS
    ]
    return {
        "display_information": {
            "name": NAME,
            "description": DESCRIPTION,
            "background_color": BACKGROUND_COLOR,
            "long_description": LONG_DESCRIPTION,
        },
        "features": {
            "app_home": {
                "messages_tab_enabled": Said(
                    True,
                    above="Buddy's nudges, chases and calendar files arrive as direct messages "
                    "from the app.",
                ),
                "messages_tab_read_only_enabled": True,
                "home_tab_enabled": Said(
                    True,
                    above="The Home tab: a participant's pair and actions; a facilitator's cohort.",
                ),
            },
            "bot_user": {"display_name": NAME, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {
            **({"redirect_urls": [EXAMPLE_REDIRECT_URL]} if mode == "distributed" else {}),
            "scopes": {"bot": [Said(scope, why) for scope, why in BOT_SCOPES]},
        },
        "settings": {
            "event_subscriptions": {
                **urls,
                "bot_events": [Said(event, why) for event, why in BOT_EVENTS],
            },
            "interactivity": {"is_enabled": True, **urls},
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http,
            "token_rotation_enabled": False,
        },
    }


def _plain(node: Any) -> Any:
    if isinstance(node, Said):
        return _plain(node.value)
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    return node


def manifest(mode: Mode) -> dict[str, Any]:
    """The manifest for `mode` as data, as Slack reads it from the YAML."""
    result: dict[str, Any] = _plain(_tree(mode))
    return result


def render(mode: Mode) -> str:
    """The manifest for `mode` as the committed YAML file's text."""
    lines = [f"# {line}" for line in (*HEADERS[mode].splitlines(), GENERATED)]
    _emit_mapping(_tree(mode), 0, lines)
    return "\n".join(lines) + "\n"


def write_manifests(folder: Path = ROOT) -> list[Path]:
    """Write both manifests into `folder`; the paths written."""
    written = []
    for mode in MODES:
        path = folder / FILE_NAMES[mode]
        path.write_text(render(mode), encoding="utf-8")
        written.append(path)
    return written


def stale_manifests(folder: Path = ROOT) -> list[Path]:
    """The manifests in `folder` that differ from what `write_manifests` would write."""
    stale = []
    for mode in MODES:
        path = folder / FILE_NAMES[mode]
        if not path.is_file() or path.read_text(encoding="utf-8") != render(mode):
            stale.append(path)
    return stale


# -- a small YAML writer: only what the manifests hold (mappings, lists, strings, booleans) -----

# Strings YAML reads back as the same string without quotes; anything else is double-quoted
# (a JSON string is a valid YAML double-quoted scalar).
_PLAIN = re.compile(r"[A-Za-z/][A-Za-z0-9 ._/,()':+-]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        raise TypeError(f"a manifest holds strings and booleans, not {value!r}")
    plain = (
        _PLAIN.fullmatch(value) is not None
        and ": " not in value
        and not value.endswith((":", " "))
        and value.lower() not in _RESERVED
    )
    return value if plain else json.dumps(value, ensure_ascii=False)


def _emit_mapping(mapping: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, node in mapping.items():
        said = node if isinstance(node, Said) else Said(node)
        if said.above:
            lines.append(f"{pad}# {said.above}")
        value = said.value
        comment = f"  # {said.after}" if said.after else ""
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:{comment}")
            _emit_mapping(value, indent + 2, lines)
        elif isinstance(value, list):
            lines.append(f"{pad}{key}:{comment}")
            _emit_list(value, indent + 2, lines)
        elif _needs_folding(f"{pad}{key}: {_scalar(value)}", value):
            # A folded block: the lines are joined with single spaces when read back.
            lines.append(f"{pad}{key}: >-")
            lines.extend(f"{pad}  {part}" for part in textwrap.wrap(value, FOLD_WIDTH))
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}{comment}")


def _needs_folding(line: str, value: Any) -> bool:
    return (
        len(line) > LINE_LENGTH
        and isinstance(value, str)
        and "\n" not in value
        and "  " not in value
        and value == value.strip()
    )


def _emit_list(items: list[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    saids = [item if isinstance(item, Said) else Said(item) for item in items]
    scalars = [_scalar(s.value) for s in saids if not isinstance(s.value, dict)]
    column = max((len(text) for text in scalars), default=0)
    for said in saids:
        if isinstance(said.value, dict):
            nested: list[str] = []
            _emit_mapping(said.value, indent + 2, nested)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines.extend(nested[1:])
            continue
        text = _scalar(said.value)
        comment = f"{' ' * (column - len(text))}  # {said.after}" if said.after else ""
        lines.append(f"{pad}- {text}{comment}")
