"""Help as people meet it: one screen for a participant, theirs too for a facilitator, one
command in full, and the rest on `/buddy help all`."""

from __future__ import annotations

from typing import Any

from tests.conftest import FACILITATOR
from tests.slack_http import SlackClientForTests, message_text

EVERYDAY = ("pair", "slot", "next", "status", "action", "actions", "done", "problem")


def _command_lines(reply: dict[str, Any]) -> list[str]:
    """The lines of the blocks that start with a command (what the person scans)."""
    text = message_text({"blocks": reply["blocks"]})
    return [line for line in text.splitlines() if line.startswith("`/buddy")]


def test_a_participant_sees_one_screen_of_everyday_commands(slack: SlackClientForTests) -> None:
    for text in ("", "help"):
        reply = slack.command(text).json()
        lines = _command_lines(reply)
        shown = message_text(reply)
        assert len(lines) <= 13  # at most a dozen commands, then `/buddy help all`
        for name in EVERYDAY:
            assert any(line.startswith(f"`/buddy {name}") for line in lines), name
        assert "`/buddy slot thu 16:00`" in shown
        assert "`/buddy help all`" in lines[-1]
        # Facilitator commands are not shown to teachers.
        for name in ("module", "break", "match"):
            assert f"/buddy {name}" not in shown


def test_a_facilitator_also_sees_theirs(slack: SlackClientForTests) -> None:
    shown = slack.command("help", user=FACILITATOR).text
    assert "*Facilitators*" in shown
    assert "/buddy module add|list|remove" in shown
    assert "/buddy match @a @b [@c]" in shown
    assert "`/buddy slot thu 16:00`" in shown


def test_help_all_lists_every_command_a_participant_can_use(slack: SlackClientForTests) -> None:
    shown = slack.command("help all").text
    for name in ("backup", "format", "move", "skip", "calendar", "grow", "community", "unpair"):
        assert f"/buddy {name}" in shown
    assert "/buddy module" not in shown
    assert "/buddy module" in slack.command("help all", user=FACILITATOR).text


def test_every_subcommand_has_its_own_help_with_usage_escaped(slack: SlackClientForTests) -> None:
    reply = slack.command("help action").json()
    shown = message_text(reply)
    # `<text>` would be a link in mrkdwn: the usage is shown escaped.
    assert "`/buddy action &lt;text&gt; [by &lt;date&gt;] [with review]`" in shown
    assert "/buddy action Try retrieval starters with 9X by 3/12" in shown
    assert "/buddy action <" not in str(reply["blocks"])
    for name in ("slot", "move", "skip", "grow", "module", "break", "unpair", "help"):
        assert f"/buddy {name}" in slack.command(f"help {name}").text, name
    unknown = slack.command("help dance").text
    assert "I don't know `/buddy dance`" in unknown
    assert "`/buddy help all`" in unknown


def test_slot_move_and_skip_say_the_command_alone_opens_a_form(slack: SlackClientForTests) -> None:
    listed = slack.command("help all").text
    for name in ("slot", "move", "skip"):
        alone = f"`/buddy {name}` alone opens a form"
        assert alone in slack.command(f"help {name}").text, name
        [line] = [line for line in listed.splitlines() if line.startswith(f"`/buddy {name} ")]
        assert alone in line, line
