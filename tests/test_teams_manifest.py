"""The Teams app manifest an admin uploads: valid by the v1.30 rules, with and without the bot's
id put in, offering the short help's commands, asking for nothing it does not need, and with the
two icons Teams asks for.

Microsoft's schema is not copied into the repository: `tests/teams_manifest.schema.json` is
Buddy's subset of it (see its `$comment`). Where a copy of Microsoft's own file is on the machine
(`TEAMS_MANIFEST_SCHEMA` names it, or the mirror of github.com/microsoft/json-schemas a session
fetched), the manifest is checked against it too, and so is the subset: every broken manifest
the subset refuses on Microsoft's grounds, Microsoft's refuses as well.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft7Validator
from PIL import Image

from bot.listeners import build_router
from bot.manifests import BACKGROUND_COLOR, DESCRIPTION, LONG_DESCRIPTION
from bot.teams_package import PLACEHOLDER_BOT_ID, TEAMS_DIR, committed_manifest, packaged_manifest
from conversation.help import build_short_help

SCHEMA = json.loads((Path(__file__).parent / "teams_manifest.schema.json").read_text("utf-8"))
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
MIRROR = Path("/work/.mirror/microsoft+json-schemas/repo")
MIRROR_FILE = "HEAD:teams/v1.30/MicrosoftTeams.schema.json"
CLIENT_ID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
ALL_SCOPES = {"personal", "team", "groupChat"}


def errors(document: dict[str, Any], schema: dict[str, Any] = SCHEMA) -> list[str]:
    """What the schema says is wrong, each at its place (`bots.0.botId: ...`).

    Draft 7, not the Draft 4 Microsoft's file declares: Draft 4 ignores `const`, so it would let
    any manifestVersion through. The schema is not `check_schema`d: Microsoft's has patterns
    (`\\p{L}`) that Python's regular expressions cannot compile, in parts Buddy does not use."""
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in Draft7Validator(schema).iter_errors(document)
    ]


def microsoft_schema() -> dict[str, Any] | None:
    """Microsoft's published v1.30 schema, if a copy is on this machine (never in CI)."""
    named = os.environ.get("TEAMS_MANIFEST_SCHEMA")
    if named:
        loaded: dict[str, Any] = json.loads(Path(named).read_text("utf-8"))
        return loaded
    if not MIRROR.exists():
        return None
    shown = subprocess.run(
        ["git", "-C", str(MIRROR), "show", MIRROR_FILE], capture_output=True, check=False
    )
    if shown.returncode != 0:
        return None
    found: dict[str, Any] = json.loads(shown.stdout)
    return found


def short_help_commands() -> list[str]:
    """The command words a participant's `/buddy help` screen shows, in its order.

    Read from the screen's parts as Python shows them (`str`), so it reads Block Kit dicts and
    the platform-neutral parts alike."""
    router = build_router()
    text = str(build_short_help(router.subcommands, facilitator=False))
    names = re.findall(r"`/buddy ([a-z]+)", text)
    return [name for index, name in enumerate(names) if name not in names[:index]]


def bot(manifest: dict[str, Any]) -> dict[str, Any]:
    [only] = manifest["bots"]
    found: dict[str, Any] = only
    return found


def tab(manifest: dict[str, Any], entity_id: str) -> dict[str, Any]:
    [found] = [t for t in manifest["staticTabs"] if t["entityId"] == entity_id]
    return dict(found)


# -- valid by the rules ------------------------------------------------------------------------


def test_the_committed_manifest_is_valid() -> None:
    Draft7Validator.check_schema(SCHEMA)  # Buddy's subset is itself a well-formed schema
    assert errors(committed_manifest()) == []


def test_the_packaged_manifest_is_valid_and_names_the_bot_wherever_teams_looks() -> None:
    committed = committed_manifest()
    packaged = packaged_manifest(committed, CLIENT_ID)
    assert errors(packaged) == []
    assert bot(packaged)["botId"] == CLIENT_ID
    assert tab(packaged, "home")["contentBotId"] == CLIENT_ID
    assert PLACEHOLDER_BOT_ID not in json.dumps(packaged)
    # Buddy's own app id stays: it is what Teams knows the app by across versions.
    assert packaged["id"] == committed["id"] != CLIENT_ID
    assert committed_manifest() == committed  # the committed file is left as it was


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = manifest
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _more_commands(manifest: dict[str, Any]) -> None:
    commands = bot(manifest)["commandLists"][0]["commands"]
    commands.extend({"title": f"extra{n}"} for n in range(13 - len(commands)))


def _forget_privacy(manifest: dict[str, Any]) -> None:
    del manifest["developer"]["privacyUrl"]


def _two_bots(manifest: dict[str, Any]) -> None:
    manifest["bots"].append(copy.deepcopy(bot(manifest)))


# (what is wrong, how to break the manifest, where the error is, whether Microsoft's schema
# refuses it too: False only where Buddy's subset is knowingly stricter)
BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str, bool]] = [
    ("an older manifestVersion", _set("manifestVersion", "1.17"), "manifestVersion", True),
    ("an unknown top-level key", _set("colour", "#2c5f2d"), "(top)", True),
    ("a short name over 30", _set("name.short", "Buddy " * 6), "name.short", True),
    ("a full name over 100", _set("name.full", "b" * 101), "name.full", True),
    ("a short description over 80", _set("description.short", "d" * 81), "description.short", True),
    ("a developer name over 32", _set("developer.name", "d" * 33), "developer.name", True),
    (
        "a developer link without http",
        _set("developer.websiteUrl", "buddy.example.org"),
        "developer.websiteUrl",
        True,
    ),
    ("no privacy link", _forget_privacy, "developer", True),
    ("an app id that is no GUID", _set("id", "buddy"), "id", True),
    ("a bot id that is no GUID", _set("bots.0.botId", "28:buddy"), "bots.0.botId", True),
    (
        "a tab bot id that is no GUID",
        _set("staticTabs.1.contentBotId", "{" + CLIENT_ID + "}"),
        "staticTabs.1.contentBotId",
        True,
    ),
    ("13 commands in a list", _more_commands, "bots.0.commandLists.0.commands", True),
    (
        "a command title over 128",
        _set("bots.0.commandLists.0.commands.0.title", "p" * 129),
        "bots.0.commandLists.0.commands.0.title",
        True,
    ),
    ("a bot scope Teams has not", _set("bots.0.scopes.0", "meetings"), "bots.0.scopes.0", True),
    (
        "a command list scope Teams has not",
        _set("bots.0.commandLists.0.scopes.0", "channel"),
        "bots.0.commandLists.0.scopes.0",
        True,
    ),
    (
        "a tab in the copilot scope",
        _set("staticTabs.1.scopes.0", "copilot"),
        "staticTabs.1.scopes.0",
        True,
    ),
    ("an unknown key on the bot", _set("bots.0.supportsFile", True), "bots.0", True),
    ("two bots", _two_bots, "bots", True),
    ("an accent colour by name", _set("accentColor", "green"), "accentColor", True),
    ("an entityId over 64", _set("staticTabs.1.entityId", "h" * 65), "staticTabs.1.entityId", True),
    ("a version that is not X.Y.Z", _set("version", "1.0"), "version", False),
    (
        "another schema's address",
        _set("$schema", SCHEMA_URL.replace("1.30", "1.17")),
        "$schema",
        False,
    ),
]


@pytest.mark.parametrize(
    ("change", "where"), [(b[1], b[2]) for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_each_rule_refuses_a_broken_manifest(
    change: Callable[[dict[str, Any]], None], where: str
) -> None:
    broken = committed_manifest()
    change(broken)
    said = errors(broken)
    assert any(line.startswith(f"{where}: ") for line in said), said


def test_microsoft_schema_agrees_where_a_copy_is_on_this_machine() -> None:
    """Checks the subset against the real thing: our manifest (as committed and as packaged)
    passes Microsoft's schema, and Microsoft's refuses every broken copy it should."""
    microsoft = microsoft_schema()
    if microsoft is None:
        pytest.skip("Microsoft's Teams manifest schema v1.30 is not on this machine")
    assert microsoft["properties"]["manifestVersion"]["const"] == "1.30"
    assert errors(committed_manifest(), microsoft) == []
    assert errors(packaged_manifest(committed_manifest(), CLIENT_ID, "1.2.3"), microsoft) == []
    for what, change, where, microsoft_too in BROKEN:
        broken = committed_manifest()
        change(broken)
        said = errors(broken, microsoft)
        if microsoft_too:
            assert any(line.startswith(f"{where}: ") for line in said), (what, said)
        else:
            assert said == [], (what, said)


# -- what Teams shows and what the app asks for ------------------------------------------------


def test_the_command_lists_offer_the_short_help_commands() -> None:
    """The menu Teams shows under the compose box offers what `help` shows first, in its order,
    without the slash (people type the words alone in Teams)."""
    expected = short_help_commands()
    assert "slot" in expected and "help" in expected and "module" not in expected
    lists = bot(committed_manifest())["commandLists"]
    assert {scope for listed in lists for scope in listed["scopes"]} == ALL_SCOPES
    for listed in lists:
        assert [command["title"] for command in listed["commands"]] == expected
        for command in listed["commands"]:
            assert command["description"].strip(), command
            # Plain text in Teams: no slash command, no Slack code marks.
            assert "/buddy" not in command["description"] and "`" not in command["description"]


def test_the_bot_works_in_every_chat_and_takes_files() -> None:
    found = bot(committed_manifest())
    assert set(found["scopes"]) == ALL_SCOPES
    assert found["supportsFiles"] is True  # the .ics, the report's CSV and chart, the export
    assert found["botId"] == PLACEHOLDER_BOT_ID


def test_the_personal_app_has_the_chat_home_and_about() -> None:
    manifest = committed_manifest()
    assert [t["entityId"] for t in manifest["staticTabs"]] == ["conversations", "home", "about"]
    home = tab(manifest, "home")
    assert home == {
        "entityId": "home",
        "name": "Home",
        "contentBotId": PLACEHOLDER_BOT_ID,  # an Adaptive Card tab the bot draws (tab/fetch)
        "scopes": ["personal"],
    }
    assert all(t["scopes"] == ["personal"] for t in manifest["staticTabs"])


def test_the_manifest_asks_for_no_permission_a_bot_does_not_need() -> None:
    manifest = committed_manifest()
    for key in (
        "permissions",
        "webApplicationInfo",
        "validDomains",
        "authorization",
        "devicePermissions",
        "composeExtensions",
        "configurableTabs",
    ):
        assert key not in manifest, key
    assert manifest["$schema"] == SCHEMA_URL
    assert manifest["manifestVersion"] == "1.30"


def test_the_manifest_describes_buddy_as_the_slack_app_does() -> None:
    manifest = committed_manifest()
    assert manifest["name"]["short"] == "Buddy"
    assert manifest["description"] == {"short": DESCRIPTION, "full": LONG_DESCRIPTION}
    assert manifest["accentColor"] == BACKGROUND_COLOR


# -- the icons ---------------------------------------------------------------------------------


def draw_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("draw_icons", TEAMS_DIR / "draw_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_colour_icon_is_192_square_and_opaque() -> None:
    with Image.open(TEAMS_DIR / committed_manifest()["icons"]["color"]) as icon:
        assert icon.format == "PNG" and icon.size == (192, 192)
        rgba = icon.convert("RGBA")
    assert rgba.getextrema()[3] == (255, 255)
    # Full colour: its background is the accent colour, not white or transparent.
    accent = tuple(int(BACKGROUND_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    assert rgba.getpixel((2, 2))[:3] == accent


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    with Image.open(TEAMS_DIR / committed_manifest()["icons"]["outline"]) as icon:
        assert icon.format == "PNG" and icon.size == (32, 32) and icon.mode == "RGBA"
        pixels = list(icon.get_flattened_data())
    seen = [pixel for pixel in pixels if pixel[3] > 0]
    assert all(pixel[:3] == (255, 255, 255) for pixel in seen)  # white only
    assert 0 < len(seen) < len(pixels)  # a picture, on transparency
    assert pixels[0][3] == 0 and pixels[-1][3] < 255  # the corners are clear


def test_the_icons_are_what_draw_icons_draws() -> None:
    drawn = draw_icons()
    for name, icon in (("color.png", drawn.draw_color()), ("outline.png", drawn.draw_outline())):
        with Image.open(TEAMS_DIR / name) as committed:
            assert committed.mode == icon.mode, name
            assert committed.tobytes() == icon.tobytes(), f"run teams/draw_icons.py: {name}"
