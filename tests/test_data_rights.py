"""A participant's own data and life events over HTTP: export, erasure, pauses, leavers,
uninstall."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, String, Text, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.actions import Action
from models.clock import SettableClock
from models.deliveries import Delivery
from models.lifecycle import Leaver
from models.people import Participant
from models.privacy import Erasure
from scheduler.runner import build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_facilitators_http import home_event, published, view_text
from tests.test_problem_wizard import post_alices_problem

ALICE_ACTION = "Read the EEF feedback guide & try it"
BOB_ACTION = "Observe Sam's year 9 lesson"
SKIP_REASON = "Alice's parents' evening"
PAUSE_REASON = "knee surgery"


def decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def dms_to(fake_slack: FakeSlack, user: str) -> list[str]:
    return [
        message_text(
            {"text": c.params.get("text", ""), "blocks": decoded(c.params.get("blocks")) or []}
        )
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] in (user, "D" + user)
    ]


def pass_at(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, at: datetime
) -> list[str]:
    clock.set(at)
    return build_runner(settings, clock, sessions=sessions).run_pass().lines()


def paired(slack: SlackClientForTests) -> None:
    slack.command("pair <@UBOB|bob>", user="UALICE")
    slack.command("slot thu 16:00", user="UALICE")


# -- pause and resume -----------------------------------------------------------------------------


def test_pause_holds_chases_skips_meetings_in_it_and_tells_the_buddy(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    paired(slack)
    slack.command(f"action {ALICE_ACTION} by 10/12", user="UALICE")
    fake_slack.clear()
    slack.command(f"pause 7/12 to 11/12 {PAUSE_REASON}", user="UALICE")
    told = slack.told()
    assert "Paused from Mon 7 Dec to Fri 11 Dec" in told and "with your reason" in told
    [notice] = dms_to(fake_slack, "UBOB")
    assert "<@UALICE> is pausing Buddy from Mon 7 Dec to Fri 11 Dec (knee surgery)" in notice
    assert "Thu 10 Dec at 16:00" in notice and "solo practice" in notice
    assert "Pause planned" in slack.command("status", user="UALICE").text
    fake_slack.clear()

    # During the pause: no prep for the meeting in it, no reminder, no chase.
    for at in (
        datetime(2026, 12, 8, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 15, 50, tzinfo=UTC),
        datetime(2026, 12, 10, 18, 0, tzinfo=UTC),
    ):
        assert [line for line in pass_at(settings, sessions, clock, at) if "sent" in line] == []
    assert fake_slack.calls_to("chat.postMessage") == []
    # After it, the chase goes, held to the first allowed moment: past the weekend after it.
    lines = pass_at(settings, sessions, clock, datetime(2026, 12, 12, 9, 0, tzinfo=UTC))
    assert not any(line.startswith("sent action-chase") for line in lines), lines
    lines = pass_at(settings, sessions, clock, datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    assert any(line.startswith("sent action-chase") for line in lines), lines
    assert any("EEF feedback guide" in t for t in dms_to(fake_slack, "UALICE"))


def test_resume_ends_the_pause_and_tells_the_buddy_without_a_reason(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    paired(slack)
    slack.command("pause today to 4/12", user="UALICE")
    assert "without a reason" in slack.told()
    [notice] = dms_to(fake_slack, "UBOB")
    assert notice.startswith("<@UALICE> is pausing Buddy from Tue 24 Nov to Fri 4 Dec.")
    assert "Paused* until" in slack.command("status", user="UALICE").text
    fake_slack.clear()
    slack.command("resume", user="UALICE")
    assert "Welcome back" in slack.told()
    assert any("is back" in t for t in dms_to(fake_slack, "UBOB"))
    assert "Pause" not in slack.command("status", user="UALICE").text
    slack.command("resume", user="UALICE")
    assert "no pause to end" in slack.told()
    slack.command("pause 5/12 to 2026-12-01", user="UALICE")
    assert "before it starts" in slack.told()


# -- export ---------------------------------------------------------------------------------------


def test_export_sends_json_and_text_by_dm(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    paired(slack)
    slack.command(f"action {ALICE_ACTION}", user="UALICE")
    slack.command(f"action {BOB_ACTION}", user="UBOB")
    slack.command(f"pause 7/12 to 11/12 {PAUSE_REASON}", user="UALICE")
    fake_slack.clear()
    slack.command("export me", user="UALICE")
    assert "sent your data" in slack.told()
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DUALICE"
    files = list(fake_slack.uploads.values())
    data = next(json.loads(f) for f in files if f.startswith(b"{"))
    summary = next(f.decode() for f in files if not f.startswith(b"{"))
    tables = data["tables"]
    assert data["user_id"] == "UALICE"
    assert [a["text"] for a in tables["actions"]] == [ALICE_ACTION]
    assert tables["pauses"][0]["reason"] == PAUSE_REASON
    assert tables["participants"][0]["user_id"] == "UALICE"
    assert tables["pairs"][0]["slot_timezone"] == "Europe/London"
    assert ALICE_ACTION in summary and BOB_ACTION not in summary
    assert "export me" in slack.command("export everyone", user="UALICE").text


# -- erasure --------------------------------------------------------------------------------------


def everything_in(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as the database itself lists them."""
    found: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            if table == "alembic_version":
                continue
            found[table] = [
                dict(r._mapping) for r in conn.execute(text(f'SELECT * FROM "{table}"'))
            ]
    return found


def holding(rows: dict[str, list[dict[str, Any]]], needle: str) -> list[str]:
    return [
        f"{table}.{column}"
        for table, table_rows in rows.items()
        for row in table_rows
        for column, value in row.items()
        if isinstance(value, str) and needle.lower() in value.lower()
    ]


def test_forget_me_erases_alice_from_every_table_and_keeps_bobs_data(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    engine: Engine,
) -> None:
    fake_slack.add_user("UALICE", name="Alice Example")
    typed = [ALICE_ACTION, SKIP_REASON, PAUSE_REASON, "https://meet.example.org/alice"]
    paired(slack)
    slack.command("backup fri 8am", user="UALICE")
    slack.command("format video https://meet.example.org/alice", user="UALICE")
    slack.command(f"skip 10/12 {SKIP_REASON}", user="UALICE")
    slack.command("move to 27/11 17:00", user="UALICE")
    slack.command(f"action {ALICE_ACTION} by 1/12 with review", user="UALICE")
    slack.command(f"action {BOB_ACTION} by 1/12", user="UBOB")
    slack.command("birthday 14 March", user="UALICE")
    slack.command(f"pause 20/12 to 22/12 {PAUSE_REASON}", user="UALICE")
    slack.command("community group <@UALICE|a> <@UBOB|b> <@UCAROL|c>", user="UALICE", channel="C1")
    slack.command("community schedule 3/12 16:00 fortnightly", user="UALICE", channel="C1")
    card = post_alices_problem(slack, fake_slack)
    typed.append("https://example.org/plan")
    for at in (
        datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 19, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
    ):
        pass_at(settings, sessions, clock, at)
    before = everything_in(engine)
    for table in (
        "participants",
        "pairs",
        "actions",
        "problems",
        "deliveries",
        "pauses",
        "meeting_changes",
        "community_members",
        "community_groups",
    ):
        assert before[table], table
    assert holding(before, ALICE_ACTION) and holding(before, SKIP_REASON)

    fake_slack.clear()
    slack.command("forget me", user="UALICE")
    told = slack.told()
    assert "Erase your data" in told and "<@UBOB> will be told" in told
    slack.block_action("buddy_forget_confirm", "UALICE", user="UALICE")
    assert "Buddy has erased your data" in slack.told()

    after = everything_in(engine)
    for needle in ["UALICE", "Alice Example", *typed]:
        assert holding(after, needle) == [], needle
    [deleted] = fake_slack.calls_to("chat.delete")
    assert deleted.params["ts"] == card.params.get("ts", deleted.params["ts"])
    assert any("pair has ended" in t for t in dms_to(fake_slack, "UBOB"))
    assert any("needs a new pair" in t for t in dms_to(fake_slack, "UFACIL"))
    with sessions() as session:
        assert session.scalar(select(Participant).where(Participant.user_id == "UBOB"))
        assert [a.text for a in session.scalars(select(Action))] == [BOB_ACTION]
        [erasure] = session.scalars(select(Erasure))
        assert json.loads(erasure.counts)["actions"] == 1
    assert holding(after, BOB_ACTION)


def test_forget_someone_else_is_for_facilitators(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    paired(slack)
    slack.command("forget <@UALICE|alice>", user="UBOB")
    assert "Only facilitators" in slack.told()
    slack.command("forget <@UALICE|alice>", user="UFACIL")
    assert "Erase <@UALICE>'s data" in slack.told()
    slack.block_action("buddy_forget_cancel", "UALICE", user="UFACIL")
    assert "nothing was erased" in slack.told()
    slack.block_action("buddy_forget_confirm", "UALICE", user="UBOB")
    assert "Only facilitators" in slack.told()
    slack.block_action("buddy_forget_confirm", "UALICE", user="UFACIL")
    assert "erased <@UALICE>'s data" in slack.told()
    with sessions() as session:
        assert session.scalar(select(Participant).where(Participant.user_id == "UALICE")) is None


# -- leavers --------------------------------------------------------------------------------------


def event(slack: SlackClientForTests, body: dict[str, Any], retry: int = 0) -> int:
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "timeout"} if retry else {}
    envelope = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", **body}
    return slack.post(json.dumps(envelope), "application/json", headers=headers).status


def test_a_deactivated_user_stops_nudges_and_is_told_once(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    paired(slack)
    slack.command(f"action {ALICE_ACTION} by 1/12", user="UALICE")
    fake_slack.clear()
    gone = {
        "event_id": "Ev1",
        "event": {
            "type": "user_change",
            "user": {"id": "UALICE", "team_id": "T1", "deleted": True},
        },
    }
    assert event(slack, gone) == 200
    assert event(slack, gone, retry=1) == 200
    assert event(slack, dict(gone, event_id="Ev2")) == 200  # the same news again, newly sent
    assert len([t for t in dms_to(fake_slack, "UBOB") if "has left" in t]) == 1
    assert len([t for t in dms_to(fake_slack, "UFACIL") if "needs a new buddy" in t]) == 1
    with sessions() as session:
        assert len(list(session.scalars(select(Leaver)))) == 1
    assert "not in a buddy pair" in slack.command("status", user="UBOB").text
    # The facilitator's Home shows Bob as needing a new pair, and not Alice, who left.
    slack.post(home_event(FACILITATOR, "EvHome"), "application/json")
    shown = view_text(published(fake_slack)[-1]).splitlines()
    unpaired = next(line for line in shown if line.startswith("*Not in a pair:* <@"))
    assert "<@UBOB>" in unpaired and "<@UALICE>" not in unpaired
    fake_slack.clear()
    pass_at(settings, sessions, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert dms_to(fake_slack, "UALICE") == []


def test_a_failed_delivery_to_a_leaver_is_failed_with_its_reason_and_the_pass_goes_on(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    paired(slack)
    slack.command(f"action {ALICE_ACTION} by 1/12", user="UALICE")
    slack.command(f"action {BOB_ACTION} by 1/12", user="UBOB")
    slack.command("status", user="UALICE")
    fake_slack.fail_next("chat.postMessage", error="account_inactive")
    lines = pass_at(settings, sessions, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert len([line for line in lines if line.startswith("failed")]) == 1, lines
    assert [line for line in lines if line.startswith("sent")], lines  # the pass went on
    with sessions() as session:
        [failed] = session.scalars(select(Delivery).where(Delivery.status == "failed"))
        assert failed.last_error == "account_inactive"
    # The facilitator sees it, and why.
    slack.post(home_event(FACILITATOR, "EvHome2"), "application/json")
    shown = view_text(published(fake_slack)[-1])
    assert "Messages Slack refused" in shown and "`account_inactive`" in shown


# -- uninstall ------------------------------------------------------------------------------------


def test_uninstall_stops_sending_quietly_and_a_request_from_the_workspace_resumes_it(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    paired(slack)
    slack.command(f"action {ALICE_ACTION} by 1/12", user="UALICE")
    assert event(slack, {"event_id": "Ev9", "event": {"type": "app_uninstalled"}}) == 200
    fake_slack.clear()
    with caplog.at_level(logging.INFO):
        lines = pass_at(settings, sessions, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert lines == [] and fake_slack.calls == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    revoked = {"event_id": "Ev10", "event": {"type": "tokens_revoked", "tokens": {"bot": ["B1"]}}}
    assert event(slack, revoked) == 200
    assert pass_at(settings, sessions, clock, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)) == []

    slack.command("status", user="UBOB")  # installed again: the workspace talks to Buddy
    lines = pass_at(settings, sessions, clock, datetime(2026, 12, 1, 11, 0, tzinfo=UTC))
    assert any(line.startswith("sent action-chase") for line in lines), lines


# -- retention ------------------------------------------------------------------------------------


def test_deliveries_keep_no_message_text(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    engine: Engine,
) -> None:
    """The README's promise: the outbox records when and where, never what was said."""
    paired(slack)
    slack.command(f"action {ALICE_ACTION} by 1/12", user="UALICE")
    pass_at(settings, sessions, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    rows = everything_in(engine)
    assert rows["deliveries"]
    text_columns = {
        c["name"]
        for c in inspect(engine).get_columns("deliveries")
        if isinstance(c["type"], String | Text)
    }
    assert "text" not in text_columns and "blocks" not in text_columns
    assert holding({"deliveries": rows["deliveries"]}, "EEF feedback guide") == []
