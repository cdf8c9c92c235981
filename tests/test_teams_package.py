"""`python -m bot teams-package`: the zip a Teams admin uploads, as they would meet it.

It holds the manifest (with their bot's id) and the two icons at its root, says where it is and
what to do next, reads TEAMS_CLIENT_ID as every command reads settings (the environment over
.env), and refuses in one sentence, writing nothing, when that setting cannot be their bot's id.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.teams_package import PLACEHOLDER_BOT_ID, TEAMS_DIR, committed_manifest
from tests.test_teams_manifest import CLIENT_ID, errors

ENV = {"TEAMS_CLIENT_ID": CLIENT_ID}
REPO = TEAMS_DIR.parent


def _contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_holds_the_manifest_with_the_bot_id_and_the_icons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "buddy.zip"
    assert main(["teams-package", "--out", str(out)], env=ENV) == 0
    contents = _contents(out)
    assert sorted(contents) == ["color.png", "manifest.json", "outline.png"]  # at the root
    manifest = json.loads(contents["manifest.json"])
    assert errors(manifest) == []
    assert manifest["bots"][0]["botId"] == CLIENT_ID
    assert [t.get("contentBotId") for t in manifest["staticTabs"]] == [None, CLIENT_ID, None]
    assert PLACEHOLDER_BOT_ID not in contents["manifest.json"].decode()
    assert manifest["version"] == committed_manifest()["version"]
    for icon in ("color.png", "outline.png"):
        assert contents[icon] == (TEAMS_DIR / icon).read_bytes()
    said = capsys.readouterr()
    assert said.err == ""
    assert said.out.startswith(f"Wrote {out}: Buddy {manifest['version']} for the bot {CLIENT_ID}")
    assert "Upload a custom app" in said.out and "Teams admin center" in said.out
    assert "`@Buddy cohort setup <name>`" in said.out
    # The committed manifest still carries example.org links: the admin is told to change them.
    assert "example.org" in said.out


def test_a_folder_gets_buddy_teams_zip_and_the_same_files_give_the_same_bytes(
    tmp_path: Path,
) -> None:
    assert main(["teams-package", "--out", str(tmp_path)], env=ENV) == 0
    first = (tmp_path / "buddy-teams.zip").read_bytes()
    assert main(["teams-package", "--out", str(tmp_path)], env=ENV) == 0
    assert (tmp_path / "buddy-teams.zip").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["buddy-teams.zip"]  # no leftovers


def test_a_new_version_is_put_in_the_packaged_manifest_only(tmp_path: Path) -> None:
    committed = (TEAMS_DIR / "manifest.json").read_text("utf-8")
    out = tmp_path / "buddy.zip"
    assert main(["teams-package", "--out", str(out), "--version", "1.4.0"], env=ENV) == 0
    assert json.loads(_contents(out)["manifest.json"])["version"] == "1.4.0"
    assert (TEAMS_DIR / "manifest.json").read_text("utf-8") == committed


def test_the_client_id_is_read_from_env_file_like_every_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEAMS_CLIENT_ID", raising=False)
    monkeypatch.delenv("BUDDY_ENV_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"TEAMS_CLIENT_ID={CLIENT_ID}\n", "utf-8")
    assert main(["teams-package"]) == 0
    manifest = json.loads(_contents(tmp_path / "buddy-teams.zip")["manifest.json"])
    assert manifest["bots"][0]["botId"] == CLIENT_ID


@pytest.mark.parametrize(
    ("env", "args", "said"),
    [
        ({}, [], "TEAMS_CLIENT_ID is not set: it is the Microsoft App ID on your Azure Bot's"),
        ({"TEAMS_CLIENT_ID": "  "}, [], "TEAMS_CLIENT_ID is not set"),
        ({"TEAMS_CLIENT_ID": "28:buddy"}, [], "TEAMS_CLIENT_ID is '28:buddy', which is not your"),
        ({"TEAMS_CLIENT_ID": PLACEHOLDER_BOT_ID}, [], "which is not your bot's id"),
        (ENV, ["--version", "1.4"], "--version '1.4' is not a version Teams accepts"),
    ],
    ids=["unset", "blank", "not a GUID", "the placeholder", "a bad version"],
)
def test_a_setting_that_cannot_be_packaged_is_refused_and_nothing_is_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    args: list[str],
    said: str,
) -> None:
    out = tmp_path / "buddy.zip"
    out.write_bytes(b"the last good package")
    assert main(["teams-package", "--out", str(out), *args], env=env) == 2
    shown = capsys.readouterr()
    assert shown.out == ""
    assert shown.err.startswith("No Teams package was written. ")
    assert said in shown.err
    assert "like 1b2c3d4e-" in shown.err or "like 1.0.1" in shown.err  # a correct example
    assert len(shown.err.strip().splitlines()) == 1
    assert out.read_bytes() == b"the last good package"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["buddy.zip"]


def test_a_missing_folder_is_refused_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nowhere" / "buddy.zip"
    assert main(["teams-package", "--out", str(out)], env=ENV) == 2
    assert f"There is no folder {out.parent} to write buddy.zip in" in capsys.readouterr().err
    assert not out.parent.exists()


def _teams_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| `TEAMS_")]


def test_the_readme_gives_the_teams_settings_of_the_contract() -> None:
    """The README's Teams table is the one in the Teams contract (the product docs beside the
    repository, where they are checked out), and names the command that makes the package."""
    readme = (REPO / "README.md").read_text("utf-8")
    rows = _teams_rows(readme)
    assert [row.split("`")[1] for row in rows] == [
        "TEAMS_CLIENT_ID",
        "TEAMS_CLIENT_SECRET",
        "TEAMS_TENANT_ID",
        "TEAMS_LOGIN_URL",
        "TEAMS_OPENID_METADATA_URL",
        "TEAMS_TOKEN_ISSUER",
    ]
    assert "`python -m bot teams-package`" in readme and "/api/messages" in readme
    contract = REPO.parent / "shared" / "docs" / "TEAMS.md"
    if contract.exists():
        assert rows == _teams_rows(contract.read_text("utf-8"))
