"""`python -m bot teams-package`: the zip a Teams admin uploads to add Buddy to their organisation.

Teams installs an app from a zip holding its manifest and two icons at the zip's root. The
committed `teams/manifest.json` cannot name the bot: each organisation registers its own Azure
bot, whose Microsoft app id is `TEAMS_CLIENT_ID`. So the manifest carries a placeholder bot id
(the nil GUID) and this command writes the zip with that setting in every place Teams reads a
bot id (`bots[].botId`, the Home tab's `contentBotId`). The app's own `id` is Buddy's and stays.

Nothing is half-written: the zip is written beside its destination and moved into place, and a
missing or malformed setting is refused in one sentence before anything is written. The same
manifest and icons give the same bytes (entries carry a fixed date), so a package can be checked.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Where the committed manifest and its icons live: `teams/`, beside README.md.
TEAMS_DIR = Path(__file__).resolve().parents[1] / "teams"
MANIFEST_NAME = "manifest.json"
DEFAULT_ZIP_NAME = "buddy-teams.zip"
# What the committed manifest says where the organisation's bot id goes.
PLACEHOLDER_BOT_ID = "00000000-0000-0000-0000-000000000000"
# The keys under which a Teams manifest names the bot (v1.30: the bot itself, a bot-drawn tab).
BOT_ID_KEYS = frozenset({"botId", "contentBotId"})
# The developer's links the committed manifest carries until an organisation puts in its own.
EXAMPLE_HOST = "example.org"
# The shapes the v1.30 schema asks for (its `guid` and `semver` definitions).
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)$")
EXAMPLE_CLIENT_ID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
# Zip entries carry this date, not the files' own, so that a package can be made again exactly.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


class PackageRefused(Exception):
    """Why no package was written, in one plain sentence for the person who ran the command."""


def teams_client_id(env: Mapping[str, str]) -> str:
    """TEAMS_CLIENT_ID from the settings the command runs with, checked to be a Microsoft app id.

    Read here, not through `bot.settings`, only while the Teams settings are being added there:
    at the merge this becomes `load_settings(env, ...)`'s Teams client id."""
    value = (env.get("TEAMS_CLIENT_ID") or "").strip()
    what = (
        "the Microsoft App ID on your Azure Bot's Configuration page (a GUID like "
        f"{EXAMPLE_CLIENT_ID})"
    )
    if not value:
        raise PackageRefused(
            f"TEAMS_CLIENT_ID is not set: it is {what}. Set it in the environment or .env, then "
            "run `python -m bot teams-package` again."
        )
    if not GUID.match(value) or value == PLACEHOLDER_BOT_ID:
        raise PackageRefused(
            f"TEAMS_CLIENT_ID is {value!r}, which is not your bot's id: it should be {what}."
        )
    return value


def committed_manifest(teams_dir: Path = TEAMS_DIR) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((teams_dir / MANIFEST_NAME).read_text("utf-8"))
    return manifest


def packaged_manifest(
    manifest: Mapping[str, Any], client_id: str, version: str | None = None
) -> dict[str, Any]:
    """The manifest as uploaded: `client_id` wherever a bot id goes, and `version` if given."""
    if version is not None and not SEMVER.match(version):
        raise PackageRefused(
            f"--version {version!r} is not a version Teams accepts: give three numbers, like 1.0.1 "
            f"(the manifest says {manifest.get('version')}; each upload needs a higher one)."
        )
    packaged: dict[str, Any] = _with_bot_id(manifest, client_id)
    if version is not None:
        packaged["version"] = version
    return packaged


def _with_bot_id(node: Any, client_id: str) -> Any:
    if isinstance(node, Mapping):
        return {
            key: client_id if key in BOT_ID_KEYS else _with_bot_id(value, client_id)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_with_bot_id(item, client_id) for item in node]
    return node


def package_path(out: Path | None) -> Path:
    """Where the zip goes: `out`, or `buddy-teams.zip` in it when it is a folder (default: here)."""
    path = Path.cwd() if out is None else out
    if path.is_dir():
        path = path / DEFAULT_ZIP_NAME
    if not path.parent.is_dir():
        raise PackageRefused(
            f"There is no folder {path.parent} to write {path.name} in: make it first, or give "
            "another --out."
        )
    return path.resolve()


def write_package(
    out: Path | None,
    client_id: str,
    version: str | None = None,
    teams_dir: Path = TEAMS_DIR,
) -> tuple[Path, dict[str, Any]]:
    """Write the zip (manifest.json and the icons it names, at its root); return where, and the
    manifest it holds."""
    manifest = packaged_manifest(committed_manifest(teams_dir), client_id, version)
    path = package_path(out)
    entries: list[tuple[str, bytes]] = [
        (MANIFEST_NAME, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    ]
    for icon in (manifest["icons"]["color"], manifest["icons"]["outline"]):
        entries.append((icon, (teams_dir / icon).read_bytes()))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file, zipfile.ZipFile(file, "w") as archive:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path, manifest


def next_steps(path: Path, manifest: Mapping[str, Any]) -> str:
    """What the person who packaged Buddy does next, printed after the zip is written."""
    lines = [
        f"Wrote {path}: Buddy {manifest['version']} for the bot {manifest['bots'][0]['botId']}.",
        "Next:",
        "  1. Upload it: Teams admin center → Teams apps → Manage apps → Upload new app (for your "
        "organisation),",
        "     or in Teams: Apps → Manage your apps → Upload an app → Upload a custom app.",
        "  2. Add Buddy to the cohort's team, and type `@Buddy cohort setup <name>` in the "
        "cohort's channel.",
        "  3. Buddy reaches the team's members in their personal chat; anyone else adds Buddy for "
        "themselves (Apps → Buddy → Add).",
        "To change the app later, package it again with a higher --version "
        f"(now {manifest['version']}) and upload that.",
    ]
    developer = manifest.get("developer", {})
    if any(EXAMPLE_HOST in str(value) for value in developer.values()):
        lines.append(
            "Note: teams/manifest.json still names the example developer (its website, privacy "
            "and terms links are on example.org): put your organisation's in before people see "
            "them."
        )
    lines.append('See "Microsoft Teams" in README.md for every step.')
    return "\n".join(lines)
