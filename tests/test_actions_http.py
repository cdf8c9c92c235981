"""Actions as Slack sends them: the commands, the chase buttons, "Add actions" after a check-in."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.actions import (
    CHASE_DONE,
    CHASE_DROP,
    CHASE_MORE_TIME,
    MORE_TIME_BLOCK,
    REVIEW_PROMPT,
    due_block_id,
    text_block_id,
)
from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from models.actions import CHASE_KIND, DONE, DROPPED, OPEN, Action, chase_key
from models.clock import SettableClock
from models.deliveries import SENT, Delivery, action_subject
from scheduler.actions import plan_action_chases
from scheduler.runner import build_runner
from tests.fake_slack import Call, FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_actions_domain import make_pair


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def shown(call: Call) -> str:
    return message_text(
        {"text": call.params.get("text", ""), "blocks": _decoded(call.params.get("blocks")) or []}
    )


def has_buttons(call: Call) -> bool:
    return any(b["type"] == "actions" for b in _decoded(call.params.get("blocks")) or [])


def posts_to(fake_slack: FakeSlack, channel: str) -> list[str]:
    return [
        shown(c) for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == channel
    ]


def actions(sessions: sessionmaker[Session]) -> list[Action]:
    with sessions() as session:
        return list(session.scalars(select(Action).order_by(Action.id)))


def paired(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return make_pair(session).id


def recorded_chase(sessions: sessionmaker[Session], action: Action, channel: str, ts: str) -> None:
    """A chase the clock sent for `action` earlier, as the outbox records it."""
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with sessions() as session:
        session.add(
            Delivery(
                key=chase_key(CHASE_KIND, action.id, action.due_date),
                kind=CHASE_KIND,
                subject=action_subject(action.id),
                status=SENT,
                due_at=now,
                next_attempt_at=now,
                channel_id=channel,
                message_ts=ts,
                created_at=now,
                sent_at=now,
            )
        )
        session.commit()


def send_chase(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake: FakeSlack
) -> Call:
    """Run the clock at 09:00 on Thu 3 Dec, when Alice's action is chased."""
    before = clock.now()
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases]).run_pass()
    clock.set(before)
    [chase] = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "DUALICE"]
    fake.clear()
    return chase


def test_record_and_list_actions(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    paired(sessions)
    first = slack.command("action Try retrieval starters with 9X")
    assert first.status == 200
    assert "Recorded action 1: Try retrieval starters with 9X, due Thu 3 Dec" in first.text
    second = slack.command("action Launch the feedback policy by 10/12 with review")
    assert "Recorded action 2: Launch the feedback policy, due Thu 10 Dec" in second.text
    assert REVIEW_PROMPT in second.text and "Mon 22 Feb 2027" in second.text
    slack.command("action Read Rosenshine's principles by fri", user="UBOB")
    [a1, a2, b1] = actions(sessions)
    assert (a1.number, a2.number, b1.number) == (1, 2, 1)
    assert a2.review_at == date(2027, 2, 22) and a1.source == "command"

    listing = slack.command("actions", user="UBOB")
    assert listing.json()["response_type"] == "ephemeral"
    assert "1. Read Rosenshine's principles, due Fri 27 Nov" in listing.text.replace("*", "")
    assert "<@UALICE>'s" in listing.text
    assert "2. Launch the feedback policy, due Thu 10 Dec" in listing.text.replace("*", "")
    assert [c.method for c in fake_slack.calls if c.method != "auth.test"] == []  # all in acks


def test_bad_input_is_refused_with_a_correct_example(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    for text, expected in (
        ("action", "Please say what the action is"),
        ("action Plan INSET by 45/13", "I couldn't read `45/13` as a date"),
        ("action Plan INSET by 2026-11-20", "Fri 20 Nov has already passed"),
        ("action Plan INSET", "You're not in a buddy pair"),
        ("done", "Please give the number"),
        ("done two", "isn't an action number"),
        ("done 3", "You have no open action 3"),
    ):
        result = slack.command(text, user="UCAROL")
        assert result.status == 200
        assert expected in result.text, (text, result.text)
        assert "For example: `/buddy " in result.text
    assert actions(sessions) == []


def test_done_closes_tells_the_pair_and_redraws_an_earlier_chase(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    chase = send_chase(settings, sessions, clock, fake_slack)
    assert has_buttons(chase)

    refused = slack.command("done 1", user="UBOB")  # Alice's action 1, not Bob's
    assert "<@UALICE>'s, and only its owner can close it" in refused.text
    assert actions(sessions)[0].status == OPEN

    result = slack.command("done 1")
    # Answered in the ack itself; the pair and the chase are updated after it.
    assert "Well done! Action 1 is done: Try retrieval starters with 9X" in result.text
    assert actions(sessions)[0].status == DONE
    [update] = fake_slack.calls_to("chat.update")
    with sessions() as session:
        sent = session.scalars(select(Delivery)).one()
    assert (update.params["channel"], update.params["ts"]) == ("DUALICE", sent.message_ts)
    assert "Done: action 1, Try retrieval starters with 9X" in shown(update)
    assert not has_buttons(update)
    assert any(
        "<@UALICE> has done their action" in text for text in posts_to(fake_slack, "GUALICE-UBOB")
    )
    again = slack.command("done 1")
    assert "You have no open action 1" in again.text


def test_the_chase_buttons_done_and_drop(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    slack.command("action Observe Sam's lesson by 4/12")
    first, second = actions(sessions)
    message = {"ts": "1700000099.000100", "text": "chase", "blocks": []}
    recorded_chase(sessions, first, "DUALICE", "1700000099.000100")

    bob = slack.block_action(
        CHASE_DROP, str(first.id), user="UBOB", channel="GUALICE-UBOB", message=message
    )
    assert bob.status == 200
    assert "belongs to someone else" in slack.told()
    assert fake_slack.calls_to("chat.update") == []
    assert actions(sessions)[0].status == OPEN
    fake_slack.clear()

    slack.block_action(CHASE_DONE, str(first.id), channel="DUALICE", message=message)
    [update] = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("DUALICE", "1700000099.000100")
    assert "Done: action 1" in shown(update) and not has_buttons(update)
    assert actions(sessions)[0].status == DONE
    fake_slack.clear()

    recorded_chase(sessions, second, "DUALICE", "1700000098.000100")
    slack.block_action(CHASE_DROP, str(second.id), channel="DUALICE", message=message)
    [update] = fake_slack.calls_to("chat.update")
    assert "Dropped: action 2, Observe Sam's lesson" in shown(update)
    assert actions(sessions)[1].status == DROPPED
    assert any("has dropped their action" in t for t in posts_to(fake_slack, "GUALICE-UBOB"))


def test_need_more_time_asks_for_a_new_date(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    [action] = actions(sessions)
    message = {"ts": "1700000042.000100", "text": "chase", "blocks": []}
    recorded_chase(sessions, action, "DUALICE", "1700000042.000100")
    slack.block_action(CHASE_MORE_TIME, str(action.id), channel="DUALICE", message=message)
    [opened] = fake_slack.calls_to("views.open")
    view = _decoded(opened.params["view"])
    picker = next(b for b in view["blocks"] if b.get("block_id") == MORE_TIME_BLOCK)
    assert picker["element"]["type"] == "datepicker"
    assert picker["element"]["initial_date"] == "2026-12-10"  # a week after it was due

    def pick(day: str, user: str = "UALICE") -> Any:
        values = {MORE_TIME_BLOCK: {MORE_TIME_BLOCK: {"type": "datepicker", "selected_date": day}}}
        return slack.view_submission(view, values, user=user)

    past = pick("2026-11-20")
    assert past.json()["response_action"] == "errors"
    assert "has already passed" in past.json()["errors"][MORE_TIME_BLOCK]
    assert actions(sessions)[0].due_date == date(2026, 12, 3)

    saved = pick("2026-12-17")
    assert saved.status == 200 and saved.body == ""
    assert actions(sessions)[0].due_date == date(2026, 12, 17)
    [update] = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("DUALICE", "1700000042.000100")
    assert "now has more time: due Thu 17 Dec" in shown(update) and not has_buttons(update)
    assert any("needs more time" in t for t in posts_to(fake_slack, "GUALICE-UBOB"))
    fake_slack.clear()

    slack.block_action(CHASE_MORE_TIME, str(action.id), user="UBOB", channel="GUALICE-UBOB")
    assert fake_slack.calls_to("views.open") == []
    assert "belongs to someone else" in slack.told()


def test_add_actions_after_a_check_in(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    pair_id = paired(sessions)
    value = f"{pair_id}:2026-11-19"
    slack.block_action(CHECKIN_ADD_ACTIONS, value, user="UCAROL", channel="GUALICE-UBOB")
    assert fake_slack.calls_to("views.open") == []
    assert "another buddy pair" in slack.told()

    slack.block_action(CHECKIN_ADD_ACTIONS, value, channel="GUALICE-UBOB")
    [opened] = fake_slack.calls_to("views.open")
    view = _decoded(opened.params["view"])
    assert "Will – What steps are you going to take?" in message_text(
        {"text": "", "blocks": view["blocks"]}
    )
    assert view["private_metadata"] == value

    def row(n: int, text: str | None, day: str | None) -> dict[str, Any]:
        return {
            text_block_id(n): {text_block_id(n): {"type": "plain_text_input", "value": text}},
            due_block_id(n): {due_block_id(n): {"type": "datepicker", "selected_date": day}},
        }

    empty = slack.view_submission(view, {**row(1, None, None), **row(2, None, None)})
    assert empty.json()["errors"] == {text_block_id(1): empty.json()["errors"][text_block_id(1)]}
    assert "at least one action" in empty.json()["errors"][text_block_id(1)]
    past = slack.view_submission(view, row(1, "Try starters", "2026-11-01"))
    assert due_block_id(1) in past.json()["errors"]
    stranger = slack.view_submission(view, row(1, "Try starters", "2026-12-03"), user="UCAROL")
    assert "Only the members" in stranger.json()["errors"][text_block_id(1)]
    assert actions(sessions) == []

    values = {
        **row(1, "Try retrieval starters with 9X", "2026-12-01"),
        **row(2, "Share the quiz with the department", None),  # no date: the next meeting
        **row(3, None, "2026-12-03"),
    }
    saved = slack.view_submission(view, values)
    assert saved.status == 200 and saved.body == ""
    recorded = actions(sessions)
    assert [(a.number, a.text, a.due_date, a.source) for a in recorded] == [
        (1, "Try retrieval starters with 9X", date(2026, 12, 1), "check_in"),
        (2, "Share the quiz with the department", date(2026, 12, 3), "check_in"),
    ]
    [confirmation] = posts_to(fake_slack, "UALICE")
    assert "Recorded your actions from the check-in" in confirmation
    assert "Share the quiz with the department, due Thu 3 Dec" in confirmation.replace("*", "")


def test_an_action_that_mentions_a_payload_is_recorded(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    """Bolt alone reads any form body containing "payload" as a button press."""
    paired(sessions)
    result = slack.command("action Check the payload sizes by 3/12")
    assert result.status == 200
    assert "Recorded action 1: Check the payload sizes" in result.text
    assert [a.text for a in actions(sessions)] == ["Check the payload sizes"]


def test_what_people_type_never_reaches_the_log(
    slack: SlackClientForTests, sessions: sessionmaker[Session], caplog: Any
) -> None:
    """Even at DEBUG, the bot's logs hold no action text (it may be health or family)."""
    caplog.set_level(logging.DEBUG)
    paired(sessions)
    slack.command("action Book the clinic appointment by 3/12")
    slack.command("done 1")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "clinic" not in logged


def chase_and_overdue(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake: FakeSlack
) -> None:
    """The clock chases Alice on Thu 3 Dec and tells the pair on Mon 7 Dec (the note is due on
    Sunday: the weekend holds it); then it is 10:00."""
    runner = build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases])
    for moment in (
        datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
    ):
        clock.set(moment)
        runner.run_pass()
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == [
        "DUALICE",
        "GUALICE-UBOB",
    ]
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    fake.clear()


def changes_by_channel(fake: FakeSlack) -> dict[str, list[tuple[str, str]]]:
    """Per conversation, each post and update Buddy made: ("post" | "update", what it shows)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for call in fake.calls:
        if call.method in ("chat.postMessage", "chat.update"):
            verb = "post" if call.method == "chat.postMessage" else "update"
            found.setdefault(call.params["channel"], []).append((verb, shown(call)))
    return found


def test_done_updates_the_overdue_note_in_the_pair_conversation_and_posts_nothing_more(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    chase_and_overdue(settings, sessions, clock, fake_slack)

    slack.command("done 1")
    changes = changes_by_channel(fake_slack)
    [(verb, text)] = changes["GUALICE-UBOB"]  # one change, one message
    assert verb == "update"
    assert "<@UALICE> has done their action" in text
    [(verb, text)] = changes["DUALICE"]
    assert verb == "update" and "Done: action 1" in text


def test_need_more_time_rewrites_the_two_messages_and_posts_no_third(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    chase_and_overdue(settings, sessions, clock, fake_slack)
    [action] = actions(sessions)

    slack.block_action(CHASE_MORE_TIME, str(action.id), channel="DUALICE")
    [opened] = fake_slack.calls_to("views.open")
    values = {
        MORE_TIME_BLOCK: {MORE_TIME_BLOCK: {"type": "datepicker", "selected_date": "2026-12-17"}}
    }
    slack.view_submission(_decoded(opened.params["view"]), values)
    changes = changes_by_channel(fake_slack)
    [(verb, text)] = changes["GUALICE-UBOB"]
    assert verb == "update"
    assert "<@UALICE> needs more time" in text and "Thu 17 Dec" in text
    [(verb, text)] = changes["DUALICE"]
    assert verb == "update" and "now has more time: due Thu 17 Dec" in text


def test_without_an_overdue_note_the_pair_is_told_in_a_new_message(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    paired(sessions)
    slack.command("action Try retrieval starters with 9X")
    send_chase(settings, sessions, clock, fake_slack)
    slack.command("done 1")
    changes = changes_by_channel(fake_slack)
    [(verb, text)] = changes["GUALICE-UBOB"]
    assert verb == "post" and "<@UALICE> has done their action" in text
    assert [verb for verb, _ in changes["DUALICE"]] == ["update"]


def button_values(call: Call) -> list[list[str]]:
    """Each row of buttons on a message, as the values they carry."""
    blocks = _decoded(call.params.get("blocks")) or []
    return [[e["value"] for e in b["elements"]] for b in blocks if b["type"] == "actions"]


def test_a_button_on_the_days_chase_redraws_it_with_the_others_buttons_kept(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    paired(sessions)
    for text in ("Try retrieval starters", "Observe Sam's lesson", "Plan the INSET"):
        slack.command(f"action {text} by 3/12")
    first, second, third = (str(a.id) for a in actions(sessions))
    chase = send_chase(settings, sessions, clock, fake_slack)  # one DM for all three
    assert button_values(chase) == [[first] * 3, [second] * 3, [third] * 3]
    ts = fake_slack.messages["DUALICE"][-1]["ts"]
    message = {"ts": ts, "text": "chase", "blocks": []}

    slack.block_action(CHASE_DONE, second, channel="DUALICE", message=message)
    [update] = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("DUALICE", ts)
    text = shown(update)
    assert "*1.* Try retrieval starters" in text and "*3.* Plan the INSET" in text
    assert "Done: action 2, Observe Sam's lesson" in text
    assert button_values(update) == [[first] * 3, [third] * 3]
    assert [a.status for a in actions(sessions)] == [OPEN, DONE, OPEN]
    fake_slack.clear()

    slack.block_action(CHASE_MORE_TIME, third, channel="DUALICE", message=message)
    [opened] = fake_slack.calls_to("views.open")
    values = {
        MORE_TIME_BLOCK: {MORE_TIME_BLOCK: {"type": "datepicker", "selected_date": "2026-12-17"}}
    }
    slack.view_submission(_decoded(opened.params["view"]), values)
    [update] = fake_slack.calls_to("chat.update")
    assert update.params["ts"] == ts
    text = shown(update)
    assert "Done: action 2" in text and "Action 3 now has more time: due Thu 17 Dec" in text
    assert button_values(update) == [[first] * 3]


def date_buttons(result: Any) -> list[dict[str, Any]]:
    blocks = result.json().get("blocks") or []
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_date_that_reads_both_ways_is_asked_about_before_anything_is_stored(
    slack: SlackClientForTests,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    clock.set(datetime(2026, 11, 1, 10, 0, tzinfo=UTC))  # Sun 1 Nov 2026
    asked = slack.command("action Plan the INSET by 11/5")
    assert "Which date did you mean" in asked.text
    near, far = date_buttons(asked)
    assert (near["text"]["text"], far["text"]["text"]) == ("Thu 5 Nov", "Tue 11 May 2027")
    assert actions(sessions) == []  # nothing stored until a button is pressed

    slack.block_action(near["action_id"], near["value"], channel="CCOHORT")
    assert "Recorded action 1: Plan the INSET, due Thu 5 Nov" in slack.told()
    assert slack.last_told[-1]["replace_original"] is True  # the question becomes the answer
    for button in (near, far):  # pressed again, or the other one: still one action
        slack.block_action(button["action_id"], button["value"], channel="CCOHORT")
        assert "already recorded that action" in slack.told()
    [recorded] = actions(sessions)
    assert (recorded.text, recorded.due_date) == ("Plan the INSET", date(2026, 11, 5))


def test_a_date_meant_either_way_is_recorded_as_pressed_and_shown_with_its_year(
    slack: SlackClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    clock.set(datetime(2026, 11, 1, 10, 0, tzinfo=UTC))
    _, far = date_buttons(slack.command("action Plan the INSET by 11/5 with review"))
    slack.block_action(far["action_id"], far["value"], channel="CCOHORT")
    assert "due Tue 11 May 2027" in slack.told()
    [recorded] = actions(sessions)
    assert recorded.due_date == date(2027, 5, 11) and recorded.review_at is not None
    # Near enough either way, or not a date that could be swapped: no question.
    assert "Recorded action 2" in slack.command("action Observe Sam by 5/11").text
    assert "Recorded action 3" in slack.command("action Read Rosenshine by 3/4").text


def test_dates_more_than_six_months_away_show_their_year(
    slack: SlackClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    paired(sessions)
    clock.set(datetime(2027, 1, 2, 10, 0, tzinfo=UTC))  # Sat 2 Jan 2027
    recorded = slack.command("action Write the year's review by 11/12")
    assert "due Sat 11 Dec 2027" in recorded.text
    assert "due Sat 11 Dec 2027" in slack.command("actions").text
    assert "due Fri 5 Feb." in slack.command("action Observe Sam by 5/2").text
    assert "due Sat 11 Dec 2027" in slack.command("next").text  # the pair's next meetings


def test_a_date_button_whose_value_was_tampered_with_records_nothing(
    slack: SlackClientForTests, sessions: sessionmaker[Session]
) -> None:
    for value in ("", "not json", json.dumps({"o": "x" * 500, "t": "Plan", "d": "2026-12-03"})):
        slack.block_action("action_date_choice_1", value, channel="CCOHORT")
        assert "out of date" in slack.told()
    assert actions(sessions) == []
