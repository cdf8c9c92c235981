"""Issue 4 as a pair lives it: prep two days before, a reminder, a check-in, each sent once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.calendar.tables import CohortBreak, Module
from models.clock import SettableClock
from models.deliveries import SENT, SKIPPED, Delivery
from models.meetings.tables import MeetingOutcome
from models.pairs import MeetingChange, Pair, PairMember
from models.people import default_cohort, ensure_participant
from scheduler.cli import main as scheduler_main
from scheduler.runner import PassRunner, build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.slack_dates import as_fallback, token
from tests.slack_http import SlackClientForTests, message_text

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def make_pair(
    session: Session,
    *,
    slot_at: time = time(16, 0),
    first: date = date(2026, 12, 3),
    zones: dict[str, str] | None = None,
    with_module: bool = True,
    created_at: datetime = DEFAULT_NOW,
    slot: bool = True,
    slot_zone: str = "Europe/London",
    working_days: str | None = None,
) -> Pair:
    """Alice and Bob, Thursdays at 16:00 London from Thu 3 Dec, in module B2 (after B1)."""
    zones = zones or {"UALICE": slot_zone, "UBOB": slot_zone}
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    cohort.working_days = working_days
    pair = Pair(team_id="T1", cohort_id=cohort.id, formed_by="UALICE", created_at=created_at)
    if slot:
        pair.slot_weekday = first.weekday()
        pair.slot_time = slot_at
        pair.slot_timezone = slot_zone
        pair.slot_first_date = first
        pair.slot_set_at = DEFAULT_NOW
    pair.format_kind, pair.format_detail = "video", "https://meet.example.org/ab"
    session.add(pair)
    session.flush()
    for user_id, zone in zones.items():
        member = ensure_participant(session, "T1", user_id, DEFAULT_NOW)
        member.timezone = zone
        session.add(PairMember(pair_id=pair.id, participant_id=member.id, joined_at=DEFAULT_NOW))
    if with_module:
        session.add(
            Module(
                cohort_id=cohort.id,
                code="B2",
                title="Developing effective professional development",
                insight_module="B1",
                starts_on=date(2026, 11, 30),
            )
        )
    session.commit()
    return pair


@pytest.fixture
def runner(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions)


def run_at(runner: PassRunner, clock: SettableClock, moment: datetime) -> None:
    clock.set(moment)
    runner.run_pass()


def kinds_sent(session: Session) -> list[str]:
    session.expire_all()
    sent = select(Delivery).where(Delivery.status == SENT).order_by(Delivery.id)
    return [d.kind for d in session.scalars(sent)]


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage")]


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def shown(params: dict[str, Any]) -> str:
    """Everything a person reads in a posted or updated message."""
    return message_text({"text": params.get("text", ""), "blocks": blocks_of(params)})


def test_prep_reminder_and_check_in_each_go_once_at_their_moment(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 1, 15, 59))
    assert posts(fake_slack) == []

    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    run_at(runner, clock, london(2026, 12, 1, 16, 0))  # the same pass again: nothing new
    [prep] = posts(fake_slack)
    assert prep["channel"] == "GUALICE-UBOB"  # the pair's group DM
    prep_text = shown(prep)
    assert "Thu 3 Dec at 16:00" in prep_text
    assert "Application module B2" in prep_text
    assert "Complete insight module B1 first" in prep_text
    assert "I've completed B1" in prep_text
    assert "https://meet.example.org/ab" in prep_text

    run_at(runner, clock, london(2026, 12, 3, 15, 44))
    run_at(runner, clock, london(2026, 12, 3, 15, 45))
    run_at(runner, clock, london(2026, 12, 3, 17, 59))
    run_at(runner, clock, london(2026, 12, 3, 18, 0))
    run_at(runner, clock, london(2026, 12, 3, 18, 0, 10))
    assert kinds_sent(session) == ["prep", "reminder", "checkin"]
    reminder, checkin = posts(fake_slack)[1:]
    assert "starts in 15 minutes" in reminder["text"]
    assert "https://meet.example.org/ab" in reminder["text"]
    thu_3_dec = token(london(2026, 12, 3, 16, 0), "Thu 3 Dec at 16:00 UK time")
    assert f"How did your buddy meeting on {thu_3_dec} go?" in checkin["text"]
    for label in ("We met", "We moved it", "Solo practice this time", "Add actions"):
        assert label in shown(checkin)


def test_no_answer_in_two_days_gets_one_more_nudge_and_no_more(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    for moment in (
        london(2026, 12, 3, 18, 0),
        london(2026, 12, 5, 18, 0),
        london(2026, 12, 6, 18, 0),
        london(2026, 12, 8, 18, 0),
    ):
        run_at(runner, clock, moment)
    assert kinds_sent(session) == ["checkin", "checkin-again"]


def test_after_a_long_outage_the_follow_up_waits_two_days_after_the_check_in_went(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    # The clock was down from before Thu 3 Dec's meeting until Sat 5 Dec 19:00: the check-in,
    # found late, is held from then, past the weekend, to Monday 09:00.
    run_at(runner, clock, london(2026, 12, 5, 19, 0))
    assert kinds_sent(session) == []
    run_at(runner, clock, london(2026, 12, 7, 9, 0))
    assert kinds_sent(session) == ["checkin"]
    assert [as_fallback(p["text"]) for p in posts(fake_slack)] == [
        "How did your buddy meeting on Thu 3 Dec at 16:00 UK time go?"
    ]
    run_at(runner, clock, london(2026, 12, 9, 8, 59))
    assert kinds_sent(session) == ["checkin"]
    run_at(runner, clock, london(2026, 12, 9, 9, 0))
    assert kinds_sent(session) == ["checkin", "checkin-again"]
    assert "Just checking in again" in posts(fake_slack)[-1]["text"]


def test_an_answered_check_in_is_not_followed_up(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    pair = make_pair(session)
    run_at(runner, clock, london(2026, 12, 3, 18, 0))
    session.add(
        MeetingOutcome(
            pair_id=pair.id,
            original_date=date(2026, 12, 3),
            outcome="met",
            answered_by="UBOB",
            answered_at=DEFAULT_NOW,
        )
    )
    session.commit()
    run_at(runner, clock, london(2026, 12, 5, 18, 0))
    assert kinds_sent(session) == ["checkin"]


def test_a_check_in_due_in_quiet_hours_waits_until_half_past_seven(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session, slot_at=time(19, 0))  # ends 20:00; check-in due 21:00, in quiet hours
    run_at(runner, clock, london(2026, 12, 3, 21, 0))
    run_at(runner, clock, london(2026, 12, 4, 3, 0))
    run_at(runner, clock, london(2026, 12, 4, 7, 29))
    assert "checkin" not in kinds_sent(session)
    run_at(runner, clock, london(2026, 12, 4, 7, 30))
    assert kinds_sent(session).count("checkin") == 1


def test_meeting_reminders_are_not_held_by_quiet_hours(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session, slot_at=time(7, 0))
    run_at(runner, clock, london(2026, 12, 1, 7, 0))
    assert kinds_sent(session) == []  # the prep nudge, due at 07:00, waits for 07:30
    run_at(runner, clock, london(2026, 12, 1, 7, 30))
    run_at(runner, clock, london(2026, 12, 3, 6, 45))  # quiet hours, but the pair chose 07:00
    assert kinds_sent(session) == ["prep", "reminder"]


def test_after_an_outage_a_passed_reminder_is_skipped_and_the_check_in_still_goes(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 3, 18, 30))  # first pass since before the prep nudge
    session.expire_all()
    statuses = {d.kind: d.status for d in session.scalars(select(Delivery))}
    assert statuses == {"prep": SKIPPED, "reminder": SKIPPED, "checkin": SENT}
    assert len(posts(fake_slack)) == 1


def test_a_moved_meeting_is_nudged_at_its_new_time_and_a_skipped_one_not_at_all(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    pair = make_pair(session)
    session.add(
        MeetingChange(
            pair_id=pair.id,
            original_date=date(2026, 12, 3),
            kind="moved",
            new_start=london(2026, 12, 4, 17, 0).astimezone(UTC),
            changed_by="UALICE",
            changed_at=DEFAULT_NOW,
        )
    )
    session.add(
        MeetingChange(
            pair_id=pair.id,
            original_date=date(2026, 12, 17),
            kind="skipped",
            changed_by="UBOB",
            changed_at=DEFAULT_NOW,
        )
    )
    session.commit()
    run_at(runner, clock, london(2026, 12, 3, 15, 45))
    assert "reminder" not in kinds_sent(session)
    run_at(runner, clock, london(2026, 12, 4, 16, 45))
    assert kinds_sent(session) == ["prep", "reminder"]
    for day in range(12, 19):
        run_at(runner, clock, london(2026, 12, day, 18, 0))
    assert kinds_sent(session).count("prep") == 1


def test_nothing_is_nudged_during_a_cohort_break(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    pair = make_pair(session, first=date(2026, 12, 17))
    session.add(
        CohortBreak(
            cohort_id=pair.cohort_id,
            name="Christmas",
            start_date=date(2026, 12, 19),
            end_date=date(2027, 1, 3),
        )
    )
    session.commit()
    for day in (*range(15, 32), *range(1, 4)):
        month = 12 if day >= 15 else 1
        run_at(runner, clock, london(2026 if month == 12 else 2027, month, day, 18, 0))
    # Thu 17 Dec (before the break) had its prep and check-in; Thu 31 Dec, in it, has nothing.
    assert sorted(kinds_sent(session)) == ["checkin", "prep"]
    # The follow-up fell due on Sat 19 Dec, in the break; held past a week after the meeting,
    # it is recorded as skipped rather than sent about a meeting long gone.
    session.expire_all()
    follow_up = session.scalar(select(Delivery).where(Delivery.kind == "checkin-again"))
    assert follow_up is not None and follow_up.status == SKIPPED
    # The first meeting after the break, Thu 14 Jan, gets its prep nudge on Tue 12 Jan.
    run_at(runner, clock, london(2027, 1, 12, 16, 0))
    assert sorted(kinds_sent(session)) == ["checkin", "prep", "prep"]


def test_a_meeting_outside_every_module_gets_nudges_without_module_lines(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session, with_module=False)
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    [prep] = posts(fake_slack)
    assert "Thu 3 Dec at 16:00" in prep["text"]
    assert "insight module" not in prep["text"]
    assert "I've completed" not in shown(prep)


def test_buddies_in_different_zones_each_see_their_own_time(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session, zones={"UALICE": "Europe/London", "UBOB": "America/New_York"})
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    [prep] = posts(fake_slack)
    # One date token: Slack shows each reader their own time; the fallback names the slot's zone.
    at = token(london(2026, 12, 3, 16, 0), "Thu 3 Dec at 16:00 UK time")
    assert f"Your buddy meeting: {at}*" in shown(prep)
    assert "for <@U" not in shown(prep)
    assert "Europe/London" not in shown(prep)


def test_a_pair_without_a_slot_is_asked_weekly_three_times(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session, slot=False)
    for day in range(40):
        run_at(runner, clock, DEFAULT_NOW + timedelta(days=day, hours=1))
    assert kinds_sent(session) == ["slot-nudge"] * 3
    assert "/buddy slot" in posts(fake_slack)[0]["text"]
    assert '"action_id": "buddy_slot_open"' in json.dumps(posts(fake_slack)[0]["blocks"])


def test_clicking_ive_completed_updates_the_shared_message(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    [prep] = posts(fake_slack)
    blocks = blocks_of(prep)
    value = next(e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"])
    message = {"ts": "1700000001.000100", "text": prep["text"], "blocks": blocks}

    result = slack.block_action(
        "prep_done", value, user="UBOB", channel="GUALICE-UBOB", message=message
    )
    assert result.status == 200
    [update] = fake_slack.calls_to("chat.update")
    assert update.params["channel"] == "GUALICE-UBOB"
    assert update.params["ts"] == "1700000001.000100"
    assert "<@UBOB> has completed B1" in shown(update.params)
    assert "<@UALICE> not yet" in shown(update.params)

    outsider = slack.block_action(
        "prep_done", value, user="UCAROL", channel="GUALICE-UBOB", message=message
    )
    assert outsider.status == 200
    assert len(fake_slack.calls_to("chat.update")) == 1
    assert "another buddy pair" in fake_slack.response_posts[-1]["text"]


def test_check_in_answer_is_recorded_and_shown(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 3, 18, 0))
    [checkin] = posts(fake_slack)
    blocks = blocks_of(checkin)
    value = blocks[1]["elements"][0]["value"]
    slack.block_action("checkin_met", value, user="UALICE", channel="GUALICE-UBOB")
    [update] = fake_slack.calls_to("chat.update")
    assert "<@UALICE>: We met" in shown(update.params)
    assert "Add actions" in shown(update.params)
    session.expire_all()
    outcome = session.scalar(select(MeetingOutcome))
    assert outcome is not None and outcome.outcome == "met"
    run_at(runner, clock, london(2026, 12, 5, 18, 0))
    assert kinds_sent(session) == ["checkin"]


def test_tick_dry_run_lists_what_would_be_sent_and_sends_nothing(
    session: Session,
    settings: Settings,
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_pair(session)
    env = {
        "DATABASE_URL": settings.database_url,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
    }
    code = scheduler_main(["tick", "--at", "2026-12-01T16:00:00+00:00", "--dry-run"], env=env)
    out = capsys.readouterr().out
    assert code == 0
    assert "would send 2026-12-01 16:00 UTC prep to pair" in out
    assert fake_slack.calls_to("chat.postMessage") == []
    session.expire_all()
    assert session.scalar(select(Delivery)) is None

    code = scheduler_main(["tick", "--at", "2026-12-01T16:00:00+00:00"], env=env)
    assert code == 0
    assert "sent prep to pair" in capsys.readouterr().out
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_tick_with_a_bad_moment_says_how_to_write_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        scheduler_main(["tick", "--at", "next tuesday"], env={})
    assert exited.value.code == 2
    assert "is not an ISO datetime, e.g. 2026-12-01T09:00" in capsys.readouterr().err


def group_dm_posts(fake: FakeSlack) -> list[str]:
    return [shown(p) for p in posts(fake) if p.get("channel") == "GUALICE-UBOB"]


@pytest.mark.parametrize("with_module", [True, False])
def test_a_moved_meeting_gets_one_line_not_a_second_prep_nudge(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
    with_module: bool,
) -> None:
    make_pair(session, with_module=with_module)
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    assert kinds_sent(session) == ["prep"]

    clock.set(london(2026, 12, 1, 17, 0))
    slack.command("move to 5/12 17:00", user="UBOB")
    assert "is now on Sat 5 Dec at 17:00" in slack.told()
    moved_to = token(london(2026, 12, 5, 17, 0), "Sat 5 Dec, 5pm UK time")
    assert group_dm_posts(fake_slack)[-1].startswith(f"Moved to {moved_to}. Prep as before.")
    # The prep nudge they have now shows the new time.
    [update] = fake_slack.calls_to("chat.update")
    assert "Your buddy meeting: Sat 5 Dec at 17:00" in as_fallback(shown(update.params))

    # Two days before the new time, no second prep nudge; the reminder still comes.
    for moment in (london(2026, 12, 3, 17, 0), london(2026, 12, 4, 9, 0)):
        run_at(runner, clock, moment)
    run_at(runner, clock, london(2026, 12, 5, 16, 45))
    assert kinds_sent(session) == ["prep", "reminder"]
    assert len([p for p in group_dm_posts(fake_slack) if "Your buddy meeting is on" in p]) == 1


def test_meeting_at_the_backup_slot_after_a_skip_gets_one_line_not_a_second_prep_nudge(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    clock.set(london(2026, 12, 1, 17, 0))
    slack.command("backup fri 8am", user="UALICE")
    slack.command("skip 3/12", user="UBOB")
    offer = next(p for p in posts(fake_slack) if "can't make the meeting" in shown(p))
    value = next(
        e["value"]
        for b in blocks_of(offer)
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "buddy_skip_backup"
    )
    slack.block_action("buddy_skip_backup", value, user="UALICE", channel="GUALICE-UBOB")
    chosen = fake_slack.response_posts[-1]
    assert chosen["replace_original"] is True
    assert as_fallback(message_text(chosen)).startswith(
        "Moved to Fri 4 Dec, 8am UK time. Prep as before."
    )

    for moment in (london(2026, 12, 2, 8, 0), london(2026, 12, 3, 9, 0)):
        run_at(runner, clock, moment)
    run_at(runner, clock, london(2026, 12, 4, 7, 45))
    assert kinds_sent(session) == ["prep", "reminder"]


def test_a_new_slot_in_the_same_module_fortnight_gets_no_second_prep_nudge(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    clock.set(london(2026, 12, 1, 17, 0))
    slack.command("slot fri 16:00 from 4/12", user="UALICE")
    assert "Your fortnightly slot is" in slack.told()
    run_at(runner, clock, london(2026, 12, 2, 16, 0))  # two days before Fri 4 Dec, still B2
    run_at(runner, clock, london(2026, 12, 4, 15, 45))
    assert kinds_sent(session) == ["prep", "reminder"]
    # The next meeting, Fri 18 Dec, is outside B2's fortnight: it has its own prep nudge.
    run_at(runner, clock, london(2026, 12, 16, 16, 0))
    assert kinds_sent(session)[-1] == "prep"


def test_a_stale_check_in_button_says_the_buddy_answered_and_offers_to_change_it(
    session: Session,
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> None:
    make_pair(session)
    run_at(runner, clock, london(2026, 12, 3, 18, 0))
    [checkin] = posts(fake_slack)
    value = blocks_of(checkin)[1]["elements"][0]["value"]
    slack.block_action("checkin_solo", value, user="UALICE", channel="GUALICE-UBOB")

    def answer() -> tuple[str, str]:
        session.expire_all()
        row = session.scalar(select(MeetingOutcome))
        assert row is not None
        return row.outcome, row.answered_by

    # Bob's older copy still shows the three buttons: "We met" neither changes the answer nor
    # who gave it.
    slack.block_action("checkin_met", value, user="UBOB", channel="GUALICE-UBOB")
    told_bob = fake_slack.response_posts[-1]
    assert told_bob["response_type"] == "ephemeral"
    assert (
        "<@UALICE> already answered the check-in for Thu 3 Dec: Solo practice this time."
        in message_text(told_bob)
    )
    assert answer() == ("solo", "UALICE")
    assert len(fake_slack.calls_to("chat.update")) == 1

    # The same answer as Alice's keeps her credit, and offers nothing to change.
    slack.block_action("checkin_solo", value, user="UBOB", channel="GUALICE-UBOB")
    assert "already answered" in message_text(fake_slack.response_posts[-1])
    assert "Change it" not in message_text(fake_slack.response_posts[-1])
    assert answer() == ("solo", "UALICE")

    change = next(
        e
        for b in blocks_of(told_bob)
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Change it to We met"
    )
    slack.block_action(change["action_id"], change["value"], user="UBOB", channel="GUALICE-UBOB")
    assert answer() == ("met", "UBOB")
    assert "<@UBOB>: We met" in shown(fake_slack.calls_to("chat.update")[-1].params)
    told_pair = group_dm_posts(fake_slack)[-1]
    assert (
        "<@UBOB> changed the check-in answer for Thu 3 Dec from Solo practice this time "
        "(<@UALICE>) to We met." in told_pair
    )


def test_an_insight_module_named_as_one_is_not_named_twice(
    session: Session, runner: PassRunner, clock: SettableClock, fake_slack: FakeSlack
) -> None:
    make_pair(session)
    module = session.scalars(select(Module)).one()
    module.insight_module = "Insight module B1: Professional development"
    session.commit()
    run_at(runner, clock, london(2026, 12, 1, 16, 0))
    [prep] = posts(fake_slack)
    assert "Complete Insight module B1: Professional development first" in shown(prep)
    assert "insight module Insight module" not in shown(prep)


def test_a_sent_prep_nudge_says_which_meeting_it_was_for_by_its_key_alone() -> None:
    """Which meeting (and so which module) a prep nudge covered is read back from its key, not
    worked out from its expiry, so changing when a prep stops being useful changes nothing else."""
    from datetime import date

    from models.meetings.schedule import Meeting
    from scheduler.meetings import meeting_key, meeting_start_of

    start = datetime(2027, 3, 30, 15, 30, tzinfo=UTC)  # just after the clocks went forward
    moved = Meeting(1, date(2027, 3, 29), start, "Europe/London", True, False, False)
    assert meeting_start_of(meeting_key("prep", moved)) == start
