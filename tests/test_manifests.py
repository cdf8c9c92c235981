"""The two Slack app manifests people paste: what the generator makes, valid by Slack's rules,
asking for the same things, and subscribed to every event and command the app listens for.

Issue 22: `manifest-socket.yml` had no `settings:` key, so Slack refused it ("oauth_config:
Additional properties are not allowed") and it subscribed no events (no Home, no leavers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.cli import main
from bot.listeners import register_listeners
from bot.manifests import (
    EXAMPLE_REQUEST_URL,
    FILE_NAMES,
    MODES,
    ROOT,
    Mode,
    manifest,
    render,
    stale_manifests,
    write_manifests,
)

SCHEMA = json.loads((Path(__file__).parent / "slack_manifest.schema.json").read_text("utf-8"))

# The scope each event Buddy may subscribe to needs (None: no scope), from Slack's event pages.
EVENT_SCOPES: dict[str, str | None] = {
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "user_change": "users:read",
}


def committed(mode: Mode) -> dict[str, Any]:
    """The committed file as Slack reads it."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / FILE_NAMES[mode]).read_text("utf-8"))
    return loaded


def slack_says(document: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(SCHEMA)
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def urls(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (where, address) in a manifest."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("url") and isinstance(value, str):
                yield f"{path}{key}", value
            yield from urls(value, f"{path}{key}.")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from urls(item, f"{path}{index}.")


class RecordingApp:
    """Stands in for Bolt's App while the features register: keeps what each asked to hear."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Callable[..., Callable[[Any], Any]]:
        def listener(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
            self.calls.append((name, args))
            return lambda function: function

        return listener

    def asked(self, kind: str) -> set[Any]:
        return {args[0] for name, args in self.calls if name == kind}


@pytest.fixture(scope="module")
def listened() -> RecordingApp:
    app = RecordingApp()
    register_listeners(app)  # type: ignore[arg-type]
    return app


@pytest.mark.parametrize("mode", MODES)
def test_the_committed_manifest_is_what_the_generator_makes(mode: Mode) -> None:
    text = (ROOT / FILE_NAMES[mode]).read_text("utf-8")
    assert text == render(mode), f"{FILE_NAMES[mode]} is stale: run `python -m bot manifests`"
    assert committed(mode) == manifest(mode)  # the YAML reads back as the data it was made from


def test_the_command_line_writes_both_files_and_checks_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["manifests", "--check"]) == 0
    assert stale_manifests(tmp_path) == [tmp_path / name for name in FILE_NAMES.values()]
    write_manifests(tmp_path)
    assert stale_manifests(tmp_path) == []
    assert (tmp_path / "manifest-socket.yml").read_text("utf-8") == render("socket")


def test_the_rules_are_a_valid_schema_that_refuses_issue_22s_manifest() -> None:
    """The rules would have caught the broken file: settings misplaced under oauth_config."""
    Draft202012Validator.check_schema(SCHEMA)
    broken = manifest("socket")
    broken["oauth_config"].update(broken.pop("settings"))
    assert any(
        problem.startswith("oauth_config: Additional properties are not allowed")
        for problem in slack_says(broken)
    )


@pytest.mark.parametrize("mode", MODES)
def test_each_manifest_meets_slacks_rules(mode: Mode) -> None:
    assert slack_says(committed(mode)) == []


def test_the_socket_mode_manifest_connects_by_socket_with_no_addresses() -> None:
    socket = committed("socket")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert socket["settings"]["interactivity"]["is_enabled"] is True
    assert list(urls(socket)) == []


def test_the_http_manifest_sends_everything_to_the_one_events_address() -> None:
    http = committed("http")
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["interactivity"]["is_enabled"] is True
    assert sorted(where for where, _ in urls(http)) == [
        "features.slash_commands.0.url",
        "settings.event_subscriptions.request_url",
        "settings.interactivity.request_url",
    ]
    assert {address for _, address in urls(http)} == {EXAMPLE_REQUEST_URL}


def test_both_manifests_ask_for_the_same_things() -> None:
    """Only the transport differs: the same commands, scopes, events, shortcuts and features."""

    def without_transport(document: dict[str, Any]) -> dict[str, Any]:
        copy = json.loads(json.dumps(document))
        for command in copy["features"]["slash_commands"]:
            command.pop("url", None)
        copy["settings"]["event_subscriptions"].pop("request_url", None)
        copy["settings"]["interactivity"].pop("request_url", None)
        copy["settings"].pop("socket_mode_enabled")
        return copy

    http, socket = committed("http"), committed("socket")
    assert without_transport(http) == without_transport(socket)
    for part in ("oauth_config", "features", "settings"):
        assert part in socket
    assert socket["settings"]["event_subscriptions"]["bot_events"]
    assert socket["features"].get("shortcuts") == http["features"].get("shortcuts")


@pytest.mark.parametrize("mode", MODES)
def test_every_event_and_command_the_app_listens_for_is_in_the_manifest(
    mode: Mode, listened: RecordingApp
) -> None:
    document = committed(mode)
    events = document["settings"].get("event_subscriptions", {}).get("bot_events", [])
    assert set(events) == listened.asked("event")
    commands = {c["command"] for c in document["features"]["slash_commands"]}
    assert commands == listened.asked("command")
    shortcuts = {s["callback_id"] for s in document["features"].get("shortcuts", [])}
    assert shortcuts == listened.asked("shortcut")
    if listened.asked("action") or listened.asked("view"):
        assert document["settings"]["interactivity"]["is_enabled"] is True
    if listened.asked("event") & {"app_home_opened"}:
        assert document["features"]["app_home"]["home_tab_enabled"] is True


@pytest.mark.parametrize("mode", MODES)
def test_each_event_has_the_scope_it_needs(mode: Mode) -> None:
    document = committed(mode)
    scopes = set(document["oauth_config"]["scopes"]["bot"])
    for event in document["settings"]["event_subscriptions"]["bot_events"]:
        assert event in EVENT_SCOPES, f"{event}: add the scope it needs to EVENT_SCOPES"
        needed = EVENT_SCOPES[event]
        assert needed is None or needed in scopes, f"{event} needs {needed}"
