"""Facilitators over HTTP: roles, cohorts, App Home for both roles, the report's files, nudges."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models.clock import SettableClock
from models.facilitators.export import CSV_COLUMNS
from models.people import Cohort, Facilitator, Participant
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import TEAM_ID, SlackClientForTests, message_text

DAY = 24 * 60 * 60


def home_event(user: str, event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "tab": "home"},
        }
    )


def published(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    views = []
    for call in fake_slack.calls_to("views.publish"):
        view = call.params["view"]
        views.append(json.loads(view) if isinstance(view, str) else view)
    return views


def view_text(view: dict[str, Any]) -> str:
    return message_text({"blocks": view["blocks"]})


def match(slack: SlackClientForTests, *people: str, channel: str = "CCOHORT") -> None:
    slack.command("match " + " ".join(f"<@{p}>" for p in people), user=FACILITATOR, channel=channel)


def test_only_facilitators_grant_the_role_and_refusals_name_them(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command("facilitator add <@UCAROL>", user="UALICE")
    told = slack.told()
    assert "only facilitators" in told and f"<@{FACILITATOR}>" in told
    with sessions() as session:
        assert session.scalars(select(Facilitator)).all() == []

    slack.command("facilitator add <@UCAROL>", user=FACILITATOR)
    assert "<@UCAROL> is now a facilitator" in slack.told()
    slack.command("facilitators", user="UALICE")
    assert f"<@{FACILITATOR}>" in slack.told() and "<@UCAROL>" in slack.told()
    slack.command("facilitator remove <@UCAROL>", user="UCAROL")
    assert "no longer a facilitator" in slack.told()
    slack.command("facilitator remove <@UFACIL>", user=FACILITATOR)
    assert "BUDDY_FACILITATORS" in slack.told()
    for words in ("report", "nudge <@UBOB>", "digest off", "cohort setup Spring", "import pairs"):
        slack.command(words, user="UDAN")
        assert "only facilitators" in slack.told(), words


def test_a_cohort_set_up_in_a_channel_gathers_its_people(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    slack.command("cohort setup Spring 2027", user=FACILITATOR, channel="CSPRING")
    assert "Spring 2027" in slack.told()
    slack.command("cohort zone europe/paris", user=FACILITATOR, channel="CSPRING")
    assert "Europe/Paris" in slack.told()
    slack.command("cohort end 23/7/2027", user=FACILITATOR, channel="CSPRING")
    assert "nothing is nudged after it" in slack.told()
    slack.command("cohort areas Teaching; Behaviour", user=FACILITATOR, channel="CSPRING")
    slack.command("status", user="UALICE", channel="CSPRING")
    match(slack, "UBOB", "UCAROL", channel="CSPRING")
    slack.command("cohort", user="UALICE", channel="CSPRING")
    shown = slack.told()
    assert "Spring 2027" in shown and "Europe/Paris" in shown and "Teaching; Behaviour" in shown
    assert "*Pairs:* 1" in shown
    with sessions() as session:
        cohort = session.scalars(select(Cohort).where(Cohort.channel_id == "CSPRING")).one()
        members = session.scalars(
            select(Participant.user_id).where(Participant.cohort_id == cohort.id)
        ).all()
    assert set(members) >= {"UALICE", "UBOB", "UCAROL"}
    slack.command("cohort zone Europe/London", user="UALICE", channel="CSPRING")
    assert "only facilitators" in slack.told()
    # The zero-setup default keeps working elsewhere.
    slack.command("cohort", user="UDAN", channel="COTHER")
    assert "Everyone" in slack.told()


@pytest.mark.welcome  # matched people are welcomed, so their pairs are told they exist
def test_app_home_for_a_participant_and_a_facilitator(
    slack: SlackClientForTests, fake_slack: FakeSlack, clock: SettableClock
) -> None:
    match(slack, "UALICE", "UBOB")
    slack.command("slot thu 16:00", user="UALICE")
    slack.command("action Try exit tickets by 30/11", user="UALICE")
    match(slack, "UCAROL", "UDAN")
    slack.post(home_event("UALICE", "EvA"), "application/json")
    mine = published(fake_slack)[-1]
    text = view_text(mine)
    assert "<@UBOB>" in text and "Next meeting" in text and "Try exit tickets" in text
    assert "Slipping" not in text
    [done] = [
        e
        for b in mine["blocks"]
        for e in [b.get("accessory") or {}]
        if e.get("action_id") == "home_action_done"
    ]
    # Done on Home closes the action and draws Home again without it.
    slack.block_action("home_action_done", done["value"], user="UALICE", view={"id": "VH"})
    assert "Try exit tickets" not in view_text(published(fake_slack)[-1])
    assert "Try exit tickets" not in slack.command("actions", user="UALICE").text
    from datetime import timedelta

    clock.set(clock.now() + timedelta(days=3))  # the slot nudge's grace is over
    slack.post(home_event(FACILITATOR, "EvF1"), "application/json")
    slack.post(home_event(FACILITATOR, "EvF2"), "application/json")
    first, second = published(fake_slack)[-2:]
    assert first == second  # opened twice: the same correct view, published again
    text = view_text(first)
    assert "Pairs without a slot:* 1" in text and "<@UCAROL>" in text
    assert "facilitators_nudge" in json.dumps(first) and "facilitators_export" in json.dumps(first)
    # The Home buttons for common commands answer by DM.
    fake_slack.clear()
    slack.block_action(
        "home_command:next", "next", user="UALICE", view={"id": "VHOME", "type": "home"}
    )
    assert "Next meeting" in slack.told()


def test_app_home_stays_within_100_blocks_for_300_pairs(
    sessions: sessionmaker[Session],
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from tests.test_import_pairs import make_people_and_pairs

    make_people_and_pairs(sessions, 300)
    slack.post(home_event(FACILITATOR, "EvBig"), "application/json")
    view = published(fake_slack)[-1]
    assert len(view["blocks"]) <= 100
    # Imported and not welcomed yet: named as not told, up to a limit, and not slipping.
    assert "Welcome pending" in view_text(view) and "and 280 more" in view_text(view)
    assert "No pair is slipping" in view_text(view)
    with sessions() as session:
        session.execute(update(Participant).values(welcomed_at=clock.now()))
        session.commit()
    clock.set(clock.now() + timedelta(days=3))
    slack.post(home_event(FACILITATOR, "EvBig2"), "application/json")
    view = published(fake_slack)[-1]
    assert len(view["blocks"]) <= 100
    assert "300" in view_text(view) and "more: every pair is in the CSV" in view_text(view)


def chart_upload(fake_slack: FakeSlack) -> tuple[bytes, str, str]:
    """The report's PNG, with the alt text and the title it was uploaded with."""
    asked = next(
        c.params
        for c in fake_slack.calls_to("files.getUploadURLExternal")
        if str(c.params["filename"]).endswith(".png")
    )
    [uploaded] = [u for u in fake_slack.uploads.values() if u.startswith(b"\x89PNG")]
    completed = fake_slack.calls_to("files.completeUploadExternal")[-1].params["files"]
    files = json.loads(completed) if isinstance(completed, str) else completed
    [title] = [f["title"] for f in files if "meetings per fortnight" in f["title"].lower()]
    return uploaded, str(asked.get("alt_txt", "")), title


def kinds_in(alt_text: str) -> dict[str, int]:
    return {
        kind: sum(int(n) for n in re.findall(rf"(\d+) {kind}", alt_text))
        for kind in ("held", "skipped", "unconfirmed")
    }


def test_report_sends_a_csv_and_a_chart(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
    sessions: sessionmaker[Session],
) -> None:
    fake_slack.add_user("UQUOTE", name='O"Neil, Pat')
    match(slack, "UALICE", "UQUOTE")
    slack.command("slot tue 16:00", user="UALICE")
    match(slack, "UCAROL", "UDAN")
    with sessions() as session:
        from models.meetings.tables import MeetingOutcome
        from models.pairs import Pair

        pair = session.scalars(select(Pair).order_by(Pair.id)).first()
        assert pair is not None and pair.slot_first_date is not None
        first = pair.slot_first_date
        for week in (0, 2):
            from datetime import timedelta

            session.add(
                MeetingOutcome(
                    pair_id=pair.id,
                    original_date=first + timedelta(weeks=week),
                    outcome="met",
                    answered_by="UALICE",
                    answered_at=clock.now(),
                )
            )
        session.commit()
    from datetime import timedelta

    clock.set(clock.now() + timedelta(days=21))
    fake_slack.clear()
    slack.command("report", user=FACILITATOR)
    told = slack.told()
    assert "Pairs:* 2" in told and "Pairs without a slot:* 1" in told
    uploads = list(fake_slack.uploads.values())
    csv_file = next(u for u in uploads if u.startswith(b"\xef\xbb\xbf"))
    png_file = next(u for u in uploads if u.startswith(b"\x89PNG"))
    rows = list(csv.reader(io.StringIO(csv_file.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    alice = next(r for r in rows[1:] if "UALICE" in r)
    assert 'O"Neil, Pat' in alice and alice[CSV_COLUMNS.index("meetings_held")] == "2"
    with Image.open(io.BytesIO(png_file)) as image:
        assert image.format == "PNG" and image.size[0] > image.size[1] >= 500
    chart, alt_text, title = chart_upload(fake_slack)
    assert chart == png_file
    assert title.startswith("Meetings per fortnight: Everyone, ")
    # Twelve fortnights named, the quiet ones too; the two meetings held are counted.
    assert len(re.findall(r"\d{1,2} [A-Z][a-z]{2}(?: \(so far\))?: ", alt_text)) == 12
    assert "no meetings" in alt_text and kinds_in(alt_text)["held"] == 2
    dm = fake_slack.calls_to("files.completeUploadExternal")
    assert dm and dm[-1].params["channel_id"].startswith("D")


@pytest.mark.welcome  # the pair is told it exists, so its meetings are owed
def test_the_chart_tells_held_skipped_and_unconfirmed_meetings_apart(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
    sessions: sessionmaker[Session],
) -> None:
    """One meeting held, the next skipped, the one after left without a check-in answer: the
    chart's data and its words count one of each, in the fortnights they fell in."""
    from datetime import timedelta

    from models.facilitators.chart import chart_data
    from models.facilitators.report import cohort_report
    from models.meetings.tables import MeetingOutcome
    from models.pairs import Pair

    match(slack, "UALICE", "UBOB")
    slack.command("slot tue 16:00", user="UALICE")
    with sessions() as session:
        pair = session.scalars(select(Pair)).one()
        assert pair.slot_first_date is not None
        first = pair.slot_first_date
        session.add(
            MeetingOutcome(
                pair_id=pair.id,
                original_date=first,
                outcome="met",
                answered_by="UALICE",
                answered_at=clock.now(),
            )
        )
        session.commit()
    skipped = first + timedelta(days=14)
    slack.command(f"skip {skipped.day}/{skipped.month} parents' evening", user="UBOB")
    clock.set(clock.now() + timedelta(days=(first - clock.now().date()).days + 30))
    fake_slack.clear()
    slack.command("report", user=FACILITATOR)
    _, alt_text, _ = chart_upload(fake_slack)
    assert kinds_in(alt_text) == {"held": 1, "skipped": 1, "unconfirmed": 1}
    with sessions() as session:
        cohort = session.scalars(select(Cohort)).one()
        figures = cohort_report(session, cohort, clock.now(), bootstrapped=frozenset())
        data = chart_data(figures)
    bars = {bar.starts_on: bar for bar in data.bars}
    in_bar = {
        day: next(b for start, b in bars.items() if start <= day < start + timedelta(days=14))
        for day in (first, skipped, first + timedelta(days=28))
    }
    assert in_bar[first].held >= 1 and in_bar[skipped].skipped == 1
    assert in_bar[first + timedelta(days=28)].unconfirmed == 1
    assert sum(data.counts("held")) == 1 and sum(data.counts("unconfirmed")) == 1
    assert len(data.bars) == 12 and data.title == "Meetings per fortnight: Everyone"


def test_nudge_at_most_once_a_day_per_pair(
    slack: SlackClientForTests, fake_slack: FakeSlack, clock: SettableClock
) -> None:
    match(slack, "UALICE", "UBOB")
    fake_slack.clear()
    slack.command("nudge <@UBOB>", user=FACILITATOR)
    assert "I've nudged <@UALICE> and <@UBOB>" in slack.told()
    assert len(fake_slack.posted_texts()) == 1
    slack.block_action("facilitators_nudge", "UALICE", user=FACILITATOR)
    assert "already been nudged today" in slack.told()
    assert len(fake_slack.posted_texts()) == 1
    from datetime import timedelta

    clock.set(clock.now() + timedelta(days=1))
    slack.block_action("facilitators_nudge", "UALICE", user=FACILITATOR)
    assert len(fake_slack.posted_texts()) == 2
    slack.command("nudge <@UERIN>", user=FACILITATOR)
    assert "isn't in a buddy pair" in slack.told()


@pytest.mark.welcome  # Alice and Bob are told they are a pair, and slip with no slot
def test_the_weekly_digest_goes_once_across_two_clocks_and_can_be_turned_off(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    clock: SettableClock,
    sessions: sessionmaker[Session],
    settings: Any,
) -> None:
    from datetime import UTC, datetime

    from scheduler.facilitators import plan_facilitator_digests
    from scheduler.runner import build_runner

    match(slack, "UALICE", "UBOB")
    slack.command("facilitator add <@UCAROL>", user=FACILITATOR)
    slack.command("digest on", user=FACILITATOR)
    slack.command("digest off", user="UCAROL")
    assert "No more weekly digest" in slack.told()
    fake_slack.clear()
    runners = [
        build_runner(settings, clock, sessions=sessions, planners=[plan_facilitator_digests])
        for _ in range(2)
    ]
    clock.set(datetime(2026, 11, 30, 7, 59, tzinfo=UTC))  # Monday, 07:59 in London
    for runner in runners:
        runner.run_pass()
    assert fake_slack.posted_texts() == []
    clock.set(datetime(2026, 11, 30, 8, 1, tzinfo=UTC))
    for runner in runners:
        runner.run_pass()
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    for runner in runners:
        runner.run_pass()
    digests = fake_slack.calls_to("chat.postMessage")
    assert len(digests) == 1
    assert digests[0].params["channel"].startswith("D") and "UFACIL" in digests[0].params["channel"]
    assert "Weekly digest" in digests[0].params["text"]
    assert "facilitators_nudge" in json.dumps(digests[0].params.get("blocks"))


def test_a_report_computes_the_cohort_once_per_request_even_when_it_learns_names(
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading a cohort is the report's costly part (every pair's meetings): the answer's
    figures are the files' too, and names Slack gives for people Buddy had none for (paired
    before names were kept) are filled in, not read again with the whole cohort."""
    import handlers.facilitators as facilitators

    match(slack, "UALICE", "UBOB")
    with sessions() as session:
        session.execute(update(Participant).values(display_name=None))
        session.commit()
    reads: list[object] = []
    real = facilitators.cohort_report

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(facilitators, "cohort_report", counted)
    fake_slack.clear()
    slack.command("report", user=FACILITATOR)
    assert len(reads) == 1
    csv = next(u for u in fake_slack.uploads.values() if not u.startswith(b"\x89PNG"))
    assert b"ualice" in csv and b"ubob" in csv  # the names Slack gave, in the file
    assert any(u.startswith(b"\x89PNG") for u in fake_slack.uploads.values())
    with sessions() as session:
        assert session.scalar(select(Participant.display_name).where(Participant.user_id == "UBOB"))
    slack.command("report", user=FACILITATOR)
    assert len(reads) == 2
