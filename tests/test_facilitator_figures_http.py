"""One cohort's figures, read by its facilitator four ways (Home, `/buddy report`, the CSV and the
Monday digest) at one moment: the same numbers, worded right, with the people to act on named.

The cohort: the facilitator (in no pair), Alice and Bob (one meeting held, Alice prepared and Bob
not, one overdue action), Carol and Dan (Dan on medical leave), Erin (in no pair), and a pair
imported by the facilitator that Buddy has not welcomed yet.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from models.facilitators.export import CSV_COLUMNS
from scheduler.runner import build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_facilitators_http import home_event, published, view_text
from tests.test_import_pairs import HEADER, submit_file

pytestmark = pytest.mark.welcome  # people matched by a command are welcomed, as in Slack

# Mon 7 Dec 2026, 08:30 in London: the digest is due, and every view is read at this moment.
MONDAY = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)

FIGURES = [
    "*Pairs:* 3 · *Not in a pair:* 1 · *Paused:* 1",
    "*Pairs without a slot:* 1",
    "*Meetings so far:* 1 held · 0 skipped · 0 unconfirmed",
    "*Skipped or unconfirmed in the last fortnight:* none",
    "*Overdue actions:* 1",
    "*Prep for module B2:* 1 of 2 people prepared (those asked, for meetings that have started)",
]
NAMED = [
    "*1 pair slipping*",
    "<@UALICE> and <@UBOB>: 1 overdue action",
    "*Not in a pair:* <@UERIN>",
    "*Paused* (Buddy holds their nudges): <@UDAN> until Fri 11 Dec",
    "*Welcome pending* (not told they are a pair yet, so not slipping): <@UIMPA> and <@UIMPB>",
    "*Pairs without a slot:* <@UIMPA> and <@UIMPB> (welcome pending)",
]


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def button_values(blocks: list[dict[str, Any]], action_id: str) -> list[str]:
    found = []
    for block in blocks:
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if element.get("action_id") == action_id:
                found.append(str(element["value"]))
    return found


def press(slack: SlackClientForTests, fake_slack: FakeSlack, action_id: str) -> None:
    """Alice presses a button on the latest message to her pair's group DM that has it."""
    posted = [
        c.params
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] == "GUALICE-UBOB" and button_values(blocks_of(c.params), action_id)
    ][-1]
    blocks = blocks_of(posted)
    [value] = button_values(blocks, action_id)
    message = {"ts": "1700000001.000100", "text": posted["text"], "blocks": blocks}
    slack.block_action(action_id, value, user="UALICE", channel="GUALICE-UBOB", message=message)


def build_the_cohort(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    """From Tue 24 Nov to Mon 7 Dec 08:30, as the people would have done it."""
    for user in ("UIMPA", "UIMPB"):
        fake_slack.add_user(user)
    slack.command(
        "module add B2 30/11 Developing professional development | Insight module B1",
        user=FACILITATOR,
    )
    slack.command("match <@UALICE> <@UBOB>", user=FACILITATOR)
    slack.command("slot tue 16:00 from 1/12", user="UALICE")
    slack.command("action Try exit tickets by 27/11", user="UALICE")
    slack.command("match <@UCAROL> <@UDAN>", user=FACILITATOR)
    slack.command("slot wed 16:00 from 2/12", user="UCAROL")
    slack.command("pause 26/11 to 11/12 medical leave", user="UDAN")
    slack.command("status", user="UERIN")
    shown = message_text(
        submit_file(slack, fake_slack, "pairs", (HEADER + "UIMPA,UIMPB,,\n").encode(), "2026-12-14")
    )
    assert "Imported 1" in shown
    runner = build_runner(settings, clock, sessions=sessions)
    # Mon 30 Nov: the prep nudge for Tuesday's meeting; Alice has done the insight module.
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    runner.run_pass()  # Alice's chase first; the pair's prep nudge waits a few minutes after it
    clock.set(datetime(2026, 11, 30, 10, 10, tzinfo=UTC))
    runner.run_pass()
    press(slack, fake_slack, "prep_done")
    # Tue 1 Dec: they met, and say so.
    clock.set(datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    runner.run_pass()
    press(slack, fake_slack, "checkin_met")
    clock.set(MONDAY)
    runner.run_pass()  # the Monday digest, among the rest


def test_one_cohort_reads_the_same_in_home_the_report_the_csv_and_the_digest(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    slack.command("digest on", user=FACILITATOR)
    build_the_cohort(slack, fake_slack, clock, settings, sessions)
    digest = [  # this Monday's (last Monday's went on Mon 30 Nov)
        c.params
        for c in fake_slack.calls_to("chat.postMessage")
        if str(c.params.get("text")).startswith("Weekly digest")
    ][-1]
    fake_slack.clear()
    slack.post(home_event(FACILITATOR, "EvFigures"), "application/json")
    home = published(fake_slack)[-1]
    report = slack.command("report", user=FACILITATOR)

    home_lines = lines_of(view_text(home))
    report_lines = lines_of(slack.told())
    digest_lines = lines_of(message_text({"blocks": blocks_of(digest)}))
    for lines in (home_lines, report_lines, digest_lines):
        # The same figures, each worded for its count, and the same people named.
        shown = [line for line in lines if line in FIGURES]
        assert shown == FIGURES, lines
        assert [line for line in lines if line in NAMED] == NAMED, lines
        # The facilitator is nobody's buddy-to-be; Carol and Dan are paused, not slipping.
        assert not any(FACILITATOR in line for line in lines if "Not in a pair" in line)
        assert not any("<@UCAROL>" in line for line in lines if "slipping" in line.lower())
    assert digest["text"] == "Weekly digest for Everyone: 1 pair slipping"
    assert "*Last week:* 1 meeting held, 0 actions done." in digest_lines

    # Only the slipping pair can be nudged: nobody paused, and not a pair not told yet.
    for blocks in (home["blocks"], blocks_of(digest), report.json()["blocks"]):
        assert button_values(blocks, "facilitators_nudge") == ["UALICE"]

    # The CSV: one row per pair, then the people in none; its columns add up to the figures.
    [upload] = [u for u in fake_slack.uploads.values() if u.startswith(b"\xef\xbb\xbf")]
    rows = list(csv.DictReader(io.StringIO(upload.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    by_first = {row["buddy_1_slack_id"]: row for row in rows}
    assert set(by_first) == {"UALICE", "UCAROL", "UIMPA", "UERIN"}
    assert sum(int(r["meetings_held"] or 0) for r in rows) == 1
    assert sum(int(r["overdue_actions"] or 0) for r in rows) == 1
    assert [r["prep_completion"] for r in rows if r["prep_completion"]] == ["1/2"]
    alice, carol, imported, erin = (by_first[u] for u in ("UALICE", "UCAROL", "UIMPA", "UERIN"))
    assert (alice["status"], alice["why"]) == ("slipping", "1 overdue action")
    assert carol["status"] == "paused" and carol["why"].endswith("paused until 2026-12-11")
    assert carol["meetings_unconfirmed"] == "0"  # Wed 2 Dec fell in Dan's pause
    assert (imported["status"], imported["slot"]) == ("welcome pending", "")
    assert (erin["status"], erin["buddy_2_slack_id"]) == ("not in a pair", "")


def test_a_paused_person_and_their_pair_cannot_be_nudged(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    build_the_cohort(slack, fake_slack, clock, settings, sessions)
    fake_slack.clear()
    slack.command("nudge <@UDAN>", user=FACILITATOR)
    assert "<@UDAN> is paused until Fri 11 Dec; Buddy holds their nudges until then." in (
        slack.told()
    )
    slack.command("nudge <@UCAROL>", user=FACILITATOR)
    assert (
        "<@UCAROL>'s buddy <@UDAN> is paused until Fri 11 Dec; Buddy holds their nudges until "
        "then, so I haven't nudged their pair." in slack.told()
    )
    slack.block_action("facilitators_nudge", "UDAN", user=FACILITATOR)
    assert "is paused until Fri 11 Dec" in slack.told()
    assert fake_slack.calls_to("chat.postMessage") == []
    # Back from leave: the pair can be nudged again.
    clock.set(datetime(2026, 12, 12, 10, 0, tzinfo=UTC))
    slack.command("nudge <@UDAN>", user=FACILITATOR)
    assert "I've nudged <@UCAROL> and <@UDAN>" in slack.told()
